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
		if err := normRegKeys(c, "kernel_regularizer", "bias_regularizer"); err != nil {
			return true, err
		}
		if err := normConstraintKeys(c, "kernel_constraint", "bias_constraint"); err != nil {
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
	// the dropout and softmax sub-layers hold no variables
	return append(out, varGroup{"_dropout_layer/vars", n, n}, varGroup{"_softmax/vars", n, n})
}

// mhaSubNames are the names Keras gives MultiHeadAttention's sub-layers
// (the attribute "name" of their groups in model.weights.h5).
var mhaSubNames = map[string]string{
	"query_dense/vars": "query", "key_dense/vars": "key", "value_dense/vars": "value",
	"output_dense/vars": "attention_output", "_dropout_layer/vars": "dropout", "_softmax/vars": "softmax",
}

// subGroupName is the "name" attribute of the Keras 3 weights group at
// path below a layer of class cls named layer: the sub-layer's own name for
// MultiHeadAttention, else the layer's name (RNN cells and wrappers).
func subGroupName(cls, path, layer string) string {
	if n, ok := mhaSubNames[path]; ok && cls == "MultiHeadAttention" {
		return n
	}
	return layer
}

// attentionVarNames are the variable names of the attention layers in
// Keras order (all trainable, none integer): MultiHeadAttention's
// projections, Attention's scale and concat_score_weight, AdditiveAttention's
// scale.
func attentionVarNames(cls string, useBias, useScale, concat bool) (names []string, trainable, ints []bool) {
	switch cls {
	case "MultiHeadAttention":
		for _, p := range []string{"query", "key", "value", "attention_output"} {
			names = append(names, p+"/kernel")
			if useBias {
				names = append(names, p+"/bias")
			}
		}
	default:
		if useScale {
			names = append(names, "scale")
		}
		if concat {
			names = append(names, "concat_score_weight")
		}
	}
	for range names {
		trainable = append(trainable, true)
		ints = append(ints, false)
	}
	return names, trainable, ints
}

// listArgAttention are the attention classes Keras 3.15.1 calls on one
// list argument ([query, value(, key)]), recording no mask kwarg when no
// input carries a mask; MultiHeadAttention takes query and value as
// separate arguments.
var listArgAttention = map[string]bool{"Attention": true, "AdditiveAttention": true}

// shapesDictTree is the build_config of a layer whose build takes one shape
// per call argument (MultiHeadAttention: {"shapes_dict": {"query_shape",
// "value_shape", "key_shape"}}), nil when a shape is unknown.
func shapesDictTree(shapes [][]int, names ...string) *jobj {
	d := newObj()
	for k, s := range shapes {
		if s == nil || k >= len(names) {
			return nil
		}
		d.set(names[k], batchShape(s))
	}
	return newObj().set("shapes_dict", d)
}

// checkAttentionCall refuses the calls of attention layers kerago would
// otherwise run wrongly: call kwargs other than a null mask, training,
// return_attention_scores=false, use_causal_mask=false, and a key tensor
// after [query, value] — e.g. attention_mask, use_causal_mask=true, or value
// passed by keyword (Keras 2's MultiHeadAttention call). node is one
// inbound node as read from the file.
func checkAttentionCall(cls string, node any) error {
	if !contains(attentionLayers, cls) {
		return nil
	}
	var kw map[string]any
	nargs := 0
	switch n := node.(type) {
	case map[string]any:
		kw, _ = n["kwargs"].(map[string]any)
		nargs = len(findKerasTensors(n["args"], 0))
	case []any:
		for _, e := range n {
			if l, ok := e.([]any); ok && len(l) > 3 {
				if m, ok := l[3].(map[string]any); ok && len(m) > 0 {
					kw = m
				}
			}
		}
		nargs = len(n)
	}
	for k, v := range kw {
		switch {
		case k == "training":
		case (k == "mask" || k == "query_mask" || k == "value_mask" || k == "key_mask") && allNull(v):
		case (k == "return_attention_scores" || k == "use_causal_mask") && v == false:
		case k == "key" && cls == "MultiHeadAttention" && nargs == 2 && len(findKerasTensors(v, 0)) == 1:
		case k == "use_causal_mask" && v == true:
			return fmt.Errorf("%s is called with use_causal_mask=True, which kerago applies only through the Go API (MHAConfig.UseCausalMask)", cls)
		default:
			return fmt.Errorf("%s is called with %s=%v, which kerago does not run (it takes [query, value(, key)] only)", cls, k, shortJSON(v))
		}
	}
	return nil
}

// allNull reports v null or a (nested) list of nulls.
func allNull(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		for _, e := range x {
			if !allNull(e) {
				return false
			}
		}
		return true
	}
	return false
}

// shortJSON is v's JSON type, or the value itself for scalars.
func shortJSON(v any) string {
	switch v.(type) {
	case bool, float64, string, nil:
		return fmt.Sprint(v)
	}
	return jsonType(v)
}

// attentionEstimate is an attention layer's variable shapes and output
// shape for inputs [query, value(, key)] (per-sample shapes, last axis the
// features); ok is false for other classes or unknown shapes.
func attentionEstimate(lc LayerConfig, ins [][]int64) (shapes [][]int64, out []int64, ok bool) {
	if !contains(attentionLayers, lc.ClassName) || len(ins) < 2 || len(ins) > 3 {
		return nil, nil, false
	}
	for _, in := range ins {
		if len(in) < 2 {
			return nil, nil, false
		}
	}
	last := func(s []int64) int64 { return s[len(s)-1] }
	q, v := ins[0], ins[1]
	k := v
	if len(ins) == 3 {
		k = ins[2]
	}
	c := lc.Config
	flag := func(key string, def bool) bool {
		if b, ok := c[key].(bool); ok {
			return b
		}
		return def
	}
	out = append([]int64(nil), q...)
	switch lc.ClassName {
	case "MultiHeadAttention":
		n, ok1 := cfgInt(c["num_heads"])
		h, ok2 := cfgInt(c["key_dim"])
		hv, ok3 := cfgInt(c["value_dim"])
		if !ok3 {
			hv, ok3 = h, c["value_dim"] == nil
		}
		if !ok1 || !ok2 || !ok3 {
			return nil, nil, false
		}
		dout := last(q)
		if os, ok := c["output_shape"].([]any); ok && len(os) == 1 {
			if d, ok := cfgInt(os[0]); ok {
				dout = d
			}
		} else if d, ok := cfgInt(c["output_shape"]); ok {
			dout = d
		}
		bias := flag("use_bias", true)
		for _, p := range [][2][]int64{
			{{last(q), n, h}, {n, h}}, {{last(k), n, h}, {n, h}}, {{last(v), n, hv}, {n, hv}}, {{n, hv, dout}, {dout}},
		} {
			shapes = append(shapes, p[0])
			if bias {
				shapes = append(shapes, p[1])
			}
		}
		out[len(out)-1] = dout
	default:
		additive := lc.ClassName == "AdditiveAttention"
		if flag("use_scale", additive) {
			if additive {
				shapes = append(shapes, []int64{last(q)})
			} else {
				shapes = append(shapes, []int64{})
			}
		}
		if !additive && c["score_mode"] == "concat" {
			shapes = append(shapes, []int64{})
		}
		out[len(out)-1] = last(v)
	}
	return shapes, out, true
}

// checkAttentionSave refuses to write a MultiHeadAttention built with
// use_causal_mask (kerago's Go API): Keras 3 passes it to each call, and
// kerago does not write call kwargs, so the file would lose it.
func checkAttentionSave(l LayerConfig) error {
	if l.ClassName == "MultiHeadAttention" && l.Config["use_causal_mask"] == true {
		return fmt.Errorf("layer %q: kerago cannot save a MultiHeadAttention with use_causal_mask (a call argument in Keras 3, which kerago does not write): %w", l.Name, ErrUnsupported)
	}
	return nil
}
