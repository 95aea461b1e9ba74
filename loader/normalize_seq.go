package loader

import "fmt"

// seqLayers are the sequence layer classes kerago runs (issue 11).
var seqLayers = []string{"Embedding", "Masking", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed", "ConvLSTM1D", "ConvLSTM2D"}

// seqAliases are Keras 1 and 2 class names of the sequence layers.
var seqAliases = map[string]string{"CuDNNLSTM": "LSTM", "CuDNNGRU": "GRU"}

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
	case "SimpleRNN", "LSTM", "GRU":
		return true, normRNN(p, cls, c)
	case "ConvLSTM1D", "ConvLSTM2D":
		return true, normConvLSTM(p, cls, c)
	case "Bidirectional", "TimeDistributed":
		setDefault(c, "merge_mode", "concat")
		if cls == "TimeDistributed" {
			delete(c, "merge_mode")
		}
		for _, k := range []string{"layer", "backward_layer"} {
			if err := normWrapped(p, c, k); err != nil {
				return true, err
			}
		}
		if c["layer"] == nil {
			return true, fmt.Errorf("missing \"layer\"")
		}
	}
	return true, nil
}

// normRNN normalizes SimpleRNN, LSTM and GRU configs (spec keras-layers.md
// §7.1): Keras 1's output_dim, init, inner_init, forget_bias_init,
// inner_activation (default hard_sigmoid), W_/U_/b_regularizer, dropout_W/U
// become Keras 3's keys; Keras 2's implementation and time_major=false are
// dropped; a GRU that does not record reset_after is Keras 1/2's
// reset_after=False.
func normRNN(p *cfgParser, cls string, c map[string]any) error {
	if _, ok := c["output_dim"]; ok {
		p.clues.k1 = true
		rename(c, "output_dim", "units")
		rename(c, "init", "kernel_initializer")
		rename(c, "inner_init", "recurrent_initializer")
		rename(c, "W_regularizer", "kernel_regularizer")
		rename(c, "U_regularizer", "recurrent_regularizer")
		rename(c, "b_regularizer", "bias_regularizer")
		rename(c, "dropout_W", "dropout")
		rename(c, "dropout_U", "recurrent_dropout")
		if cls != "SimpleRNN" {
			setDefault(c, "inner_activation", "hard_sigmoid")
		}
		rename(c, "inner_activation", "recurrent_activation")
		if fb, ok := c["forget_bias_init"].(string); ok {
			c["unit_forget_bias"] = fb == "one"
			if fb != "one" && fb != "zero" {
				return fmt.Errorf("forget_bias_init %q: kerago knows one and zero", fb)
			}
		}
		delete(c, "forget_bias_init")
		delete(c, "consume_less")
	}
	delete(c, "implementation")
	if tm, ok := c["time_major"]; ok {
		if tm == true {
			return fmt.Errorf("time_major=True is not supported")
		}
		delete(c, "time_major")
	}
	if _, ok := c["units"]; !ok {
		return fmt.Errorf("missing \"units\"")
	}
	if cls == "GRU" {
		// CuDNNGRU (read as GRU) records no activation: it is reset_after;
		// a Keras 1/2 GRU without reset_after is reset_after=False
		_, hasAct := c["activation"]
		setDefault(c, "reset_after", !hasAct)
	}
	setDefault(c, "activation", "tanh")
	setDefault(c, "use_bias", true)
	for _, k := range []string{"activation", "recurrent_activation"} {
		if v, ok := c[k]; ok {
			a, err := normActivation(v)
			if err != nil {
				return err
			}
			c[k] = a
		}
	}
	for _, k := range []string{"kernel", "recurrent", "bias"} {
		if err := normInitKeys(c, k+"_initializer"); err != nil {
			return err
		}
		if err := normRegKeys(c, k+"_regularizer"); err != nil {
			return err
		}
		if err := normConstraintKeys(c, k+"_constraint"); err != nil {
			return err
		}
	}
	return nil
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

// normWrapped normalizes the layer a wrapper holds under key (absent or
// null is left as is).
func normWrapped(p *cfgParser, c map[string]any, key string) error {
	e, ok := c[key].(map[string]any)
	if !ok {
		if c[key] != nil {
			return fmt.Errorf("%q is %s, expected a layer object", key, jsonType(c[key]))
		}
		return nil
	}
	var ln layerNormalizer = p // through an interface: familyNormalizers → normalizeLayer is no init cycle
	lc, err := ln.normalizeLayer(e)
	if err != nil {
		return err
	}
	c[key] = map[string]any{"class_name": lc.ClassName, "config": lc.Config}
	return nil
}

// layerNormalizer is cfgParser's normalizeLayer, called by wrapper layers
// for the layer they hold.
type layerNormalizer interface {
	normalizeLayer(e map[string]any) (LayerConfig, error)
}
