package loader

import "math"

// LayerParams is the variables one layer of a config will allocate, as
// EstimateParams derives them from the config alone.
type LayerParams struct {
	Name, ClassName string
	// Shapes are the variable shapes the config implies (kernel, bias,
	// ...); nil when the layer has none or they are not known.
	Shapes [][]int64
	// Params is the number of float32 values of all Shapes (saturating at
	// math.MaxInt64); -1 when the layer's input shape or class is unknown.
	Params int64
}

// identityLayers keep their input shape and have no variables.
var identityLayers = map[string]bool{
	"Activation": true, "Dropout": true, "ReLU": true, "LeakyReLU": true, "ELU": true,
	"Softmax": true, "ThresholdedReLU": true, "GaussianNoise": true, "GaussianDropout": true,
	"AlphaDropout": true, "ActivityRegularization": true, "Identity": true, "Masking": true,
}

// EstimateParams propagates the per-sample input shape along cfg's chain of
// layers and returns, for each layer, the variable shapes its config
// implies, without allocating them: Dense (kernel [in, units], bias),
// BatchNormalization, LayerNormalization, Normalization and PReLU carry
// variables; Flatten, Reshape and the activation and dropout layers change
// or keep the shape. After a layer of another class the shape is unknown
// and later layers get Params -1.
//
// Only chains are estimated: a Sequential, or a Functional whose raw config
// shows every layer fed by exactly the one before it (see isChain). For any
// other graph every layer gets Params -1, so that a branch is never
// mistaken for the previous layer's output.
func EstimateParams(cfg *ModelConfig) []LayerParams {
	var cur []int64
	if cfg.InputShape != nil && isChain(cfg) {
		cur = make([]int64, len(cfg.InputShape))
		for i, d := range cfg.InputShape {
			cur[i] = int64(d)
		}
	}
	out := make([]LayerParams, len(cfg.Layers))
	for i, lc := range cfg.Layers {
		lp := LayerParams{Name: lc.Name, ClassName: lc.ClassName, Params: -1}
		next, shapes, known := layerVariables(lc, cur)
		if known {
			lp.Shapes, lp.Params = shapes, 0
			for _, s := range shapes {
				lp.Params = addSat(lp.Params, product(s))
			}
		}
		out[i], cur = lp, next
	}
	return out
}

// layerVariables returns the output shape of one layer for input shape in
// (nil: unknown), its variable shapes, and whether they are known.
func layerVariables(lc LayerConfig, in []int64) ([]int64, [][]int64, bool) {
	c := lc.Config
	if identityLayers[lc.ClassName] {
		return in, nil, true
	}
	switch lc.ClassName {
	case "Dense":
		units, ok := cfgInt(c["units"])
		if !ok || units <= 0 || len(in) == 0 {
			return nil, nil, false
		}
		outShape := append(append([]int64(nil), in[:len(in)-1]...), units)
		last := in[len(in)-1]
		if last < 0 {
			return outShape, nil, false
		}
		shapes := [][]int64{{last, units}}
		if b, ok := c["use_bias"].(bool); !ok || b {
			shapes = append(shapes, []int64{units})
		}
		return outShape, shapes, true
	case "Flatten":
		if in == nil {
			return nil, nil, true
		}
		return []int64{product(in)}, nil, true
	case "Reshape":
		return reshapeOut(c["target_shape"], in), nil, true
	case "BatchNormalization":
		return in, axisVars(in, c["axis"], 2+boolCount(c, "center", "scale")), in != nil
	case "LayerNormalization":
		return in, axisVars(in, c["axis"], boolCount(c, "center", "scale")), in != nil
	case "Normalization":
		s := axisVars(in, c["axis"], 2)
		return in, append(s, []int64{}), in != nil
	case "PReLU":
		return in, preluVars(in, c["shared_axes"]), in != nil
	}
	return nil, nil, false
}

// axisVars gives n variables shaped like the input's axes (a single int
// or a list; default -1).
func axisVars(in []int64, axisCfg any, n int) [][]int64 {
	if in == nil {
		return nil
	}
	axes := []any{axisCfg}
	switch a := axisCfg.(type) {
	case nil:
		axes = []any{float64(-1)}
	case []any:
		axes = a
	}
	shape := []int64{}
	for _, a := range axes {
		ax, ok := cfgInt(a)
		if !ok {
			continue
		}
		if ax < 0 {
			ax += int64(len(in)) + 1
		}
		if ax >= 1 && ax <= int64(len(in)) {
			shape = append(shape, max(in[ax-1], 0))
		}
	}
	vars := make([][]int64, n)
	for i := range vars {
		vars[i] = shape
	}
	return vars
}

// preluVars is PReLU's alpha: the input shape with the shared axes
// (counted with the batch axis as 0) set to 1.
func preluVars(in []int64, shared any) [][]int64 {
	if in == nil {
		return nil
	}
	s := append([]int64(nil), in...)
	if list, ok := shared.([]any); ok {
		for _, a := range list {
			if ax, ok := cfgInt(a); ok && ax >= 1 && ax <= int64(len(s)) {
				s[ax-1] = 1
			}
		}
	}
	for i := range s {
		s[i] = max(s[i], 0)
	}
	return [][]int64{s}
}

// reshapeOut resolves Reshape's target_shape (one -1 allowed) against in.
func reshapeOut(target any, in []int64) []int64 {
	list, ok := target.([]any)
	if !ok {
		return nil
	}
	out := make([]int64, len(list))
	known, unknownAt := int64(1), -1
	for i, v := range list {
		d, ok := cfgInt(v)
		if !ok {
			return nil
		}
		out[i] = d
		if d < 0 {
			unknownAt = i
		} else {
			known = mulSat(known, d)
		}
	}
	if unknownAt >= 0 {
		total := product(in)
		if in == nil || total < 0 || known == 0 {
			out[unknownAt] = -1
		} else {
			out[unknownAt] = total / known
		}
	}
	return out
}

func boolCount(c map[string]any, keys ...string) int {
	n := 0
	for _, k := range keys {
		if b, ok := c[k].(bool); !ok || b {
			n++
		}
	}
	return n
}

// cfgInt reads a JSON number that is a whole number.
func cfgInt(v any) (int64, bool) {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
		return 0, false
	}
	return int64(f), true
}

// product multiplies dimensions, saturating; -1 when one is unknown.
func product(s []int64) int64 {
	p := int64(1)
	for _, d := range s {
		if d < 0 {
			return -1
		}
		p = mulSat(p, d)
	}
	return p
}

func mulSat(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}

func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// CheckMemory refuses, before any variable is allocated, a model whose
// config implies variables beyond budget bytes (4 per float32 value), or —
// when m has weights — a layer whose implied variables hold more values
// than the weights file stores in all (a config whose declared shapes were
// inflated). The error names the file, the layer, its variable shapes and
// the size.
func CheckMemory(m *Model, budget int64) error {
	if m == nil || m.Config == nil {
		return nil
	}
	stored := int64(-1)
	if m.Weights != nil {
		stored = storedValues(m.Weights)
	}
	var total int64
	for _, lp := range EstimateParams(m.Config) {
		if lp.Params < 0 {
			continue
		}
		bytes := mulSat(lp.Params, 4)
		total = addSat(total, bytes)
		if stored >= 0 && lp.Params > stored {
			return Errorf(m.Path, "layer %q (%s): the config implies variables of shapes %v (%d values) but %s stores %d weight values in all; the config does not match the weights",
				lp.Name, lp.ClassName, lp.Shapes, lp.Params, m.Weights.Path, stored)
		}
		if total > budget {
			return Errorf(m.Path, "layer %q (%s): its variables %v need %s, bringing the model to %s, beyond the memory budget of %s (raise it with --memory-budget or %s)",
				lp.Name, lp.ClassName, lp.Shapes, FormatSize(bytes), FormatSize(total), FormatSize(budget), MemoryBudgetEnv)
		}
	}
	return nil
}

// storedValues counts the values of all stored arrays.
func storedValues(w *Weights) int64 {
	var n int64
	for _, lw := range w.Layers {
		for _, a := range lw.Arrays {
			n = addSat(n, int64(a.Len()))
		}
	}
	return n
}

// isChain reports whether cfg's layers each take the previous layer's output
// (the first one the model input): true for a Sequential; for a Functional,
// checked on the raw config, whose layers must be listed in that order with
// one InputLayer first and each other layer called once on the one before.
func isChain(cfg *ModelConfig) bool {
	if cfg.ClassName == "Sequential" {
		return true
	}
	body, _ := cfg.Raw["config"].(map[string]any)
	if body == nil {
		body = cfg.Raw
	}
	raw, _ := body["layers"].([]any)
	if len(raw) != len(cfg.Layers)+1 {
		return false
	}
	prev := ""
	for i, l := range raw {
		e, _ := l.(map[string]any)
		name, _ := e["name"].(string)
		if c, ok := e["config"].(map[string]any); ok && name == "" {
			name, _ = c["name"].(string)
		}
		refs := inboundNames(e["inbound_nodes"], 0)
		if i == 0 {
			if e["class_name"] != "InputLayer" || len(refs) != 0 {
				return false
			}
		} else if name != cfg.Layers[i-1].Name || len(refs) != 1 || refs[0] != prev {
			return false
		}
		prev = name
	}
	return true
}

// inboundNames lists the layers an inbound_nodes value refers to: Keras 3
// __keras_tensor__ objects (keras_history [layer, node, tensor]) and Keras
// 1/2 [layer, node, tensor, kwargs] lists.
func inboundNames(v any, depth int) []string {
	if depth > 32 {
		return []string{""}
	}
	switch x := v.(type) {
	case []any:
		if len(x) >= 3 {
			if s, ok := x[0].(string); ok {
				if _, ok := x[1].(float64); ok {
					return []string{s}
				}
			}
		}
		var out []string
		for _, e := range x {
			out = append(out, inboundNames(e, depth+1)...)
		}
		return out
	case map[string]any:
		if x["class_name"] == "__keras_tensor__" {
			c, _ := x["config"].(map[string]any)
			h, _ := c["keras_history"].([]any)
			if len(h) > 0 {
				s, _ := h[0].(string)
				return []string{s}
			}
			return []string{""}
		}
		var out []string
		for _, e := range x {
			out = append(out, inboundNames(e, depth+1)...)
		}
		return out
	}
	return nil
}
