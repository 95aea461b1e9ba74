package loader

import "fmt"

// seqLayers are the sequence layer classes kerago runs (issue 11).
var seqLayers = []string{"Embedding", "Masking"}

// seqAliases are Keras 1 and 2 class names of the sequence layers.
var seqAliases = map[string]string{}

// normSeq normalizes the config keys of the sequence layers: Keras 1's
// Embedding init, W_regularizer, W_constraint become embeddings_*, its
// input_length (the build shape, recorded by batch_input_shape) and a zero
// dropout are dropped; it reports false for other classes.
func normSeq(p *cfgParser, cls string, c map[string]any) (bool, error) {
	if !contains(seqLayers, cls) {
		return false, nil
	}
	switch cls {
	case "Embedding":
		for _, k := range []string{"init", "W_regularizer", "W_constraint"} {
			if _, ok := c[k]; ok {
				p.clues.k1 = true
			}
		}
		rename(c, "init", "embeddings_initializer")
		rename(c, "W_regularizer", "embeddings_regularizer")
		rename(c, "W_constraint", "embeddings_constraint")
		delete(c, "input_length")
		if d, ok := c["dropout"].(float64); ok && d != 0 {
			return true, fmt.Errorf("Keras 1 Embedding dropout=%v is not supported", d)
		}
		delete(c, "dropout")
		if _, ok := c["input_dim"]; !ok {
			return true, fmt.Errorf("missing \"input_dim\"")
		}
		if _, ok := c["output_dim"]; !ok {
			return true, fmt.Errorf("missing \"output_dim\"")
		}
		setDefault(c, "mask_zero", false)
		if err := normInitKeys(c, "embeddings_initializer"); err != nil {
			return true, err
		}
		if err := normRegKeys(c, "embeddings_regularizer"); err != nil {
			return true, err
		}
		if err := normConstraintKeys(c, "embeddings_constraint"); err != nil {
			return true, err
		}
	case "Masking":
		setDefault(c, "mask_value", 0.0)
	}
	return true, nil
}

// embeddingInputLength is the input shape (input_length,) of a first
// Embedding layer that declares only Keras 1/2's input_length.
func embeddingInputLength(e map[string]any) ([]int, bool) {
	c, _ := e["config"].(map[string]any)
	if e["class_name"] != "Embedding" || c == nil {
		return nil, false
	}
	n, ok := intValue(c["input_length"])
	if !ok || n <= 0 || n > 1<<30 {
		return nil, false
	}
	return []int{n}, true
}
