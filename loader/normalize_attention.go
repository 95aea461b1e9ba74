package loader

import "fmt"

// attentionLayers are the attention layer classes kerago runs (issue 11).
var attentionLayers = []string{"MultiHeadAttention", "Attention", "AdditiveAttention"}

// normAttention normalizes the attention layers' configs (spec
// keras-layers.md §8): Keras 2's MultiHeadAttention build shapes
// (query_shape, key_shape, value_shape) are dropped, Keras 2's Attention
// `causal` is refused when true; it reports false for other classes.
func normAttention(p *cfgParser, cls string, c map[string]any) (bool, error) {
	if !contains(attentionLayers, cls) {
		return false, nil
	}
	switch cls {
	case "MultiHeadAttention":
		for _, k := range []string{"query_shape", "key_shape", "value_shape"} {
			delete(c, k)
		}
		for _, k := range []string{"num_heads", "key_dim"} {
			if _, ok := c[k]; !ok {
				return true, fmt.Errorf("missing %q", k)
			}
		}
		setDefault(c, "value_dim", nil)
		setDefault(c, "dropout", 0.0)
		setDefault(c, "use_bias", true)
		setDefault(c, "output_shape", nil)
		setDefault(c, "attention_axes", nil)
		if err := normInitKeys(c, "kernel_initializer", "bias_initializer"); err != nil {
			return true, err
		}
	case "Attention", "AdditiveAttention":
		if v, ok := c["causal"].(bool); ok && v {
			return true, fmt.Errorf("Keras 2 causal=true is not supported (Keras 3 passes use_causal_mask to call)")
		}
		delete(c, "causal")
		setDefault(c, "use_scale", cls == "AdditiveAttention")
		setDefault(c, "dropout", 0.0)
		if cls == "Attention" {
			setDefault(c, "score_mode", "dot")
		}
	}
	return true, nil
}

// mhaVarGroups places MultiHeadAttention's n variables (kernel and bias, or
// kernel alone without use_bias, of the query, key, value and output
// projections) in Keras 3's sub-groups.
func mhaVarGroups(n int) []varGroup {
	per := n / 4
	var out []varGroup
	for i, name := range []string{"query_dense", "key_dense", "value_dense", "output_dense"} {
		out = append(out, varGroup{name + "/vars", i * per, (i + 1) * per})
	}
	return out
}
