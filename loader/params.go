package loader

import (
	"math"
	"strings"
)

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

// EstimateParams propagates the per-sample input shapes through cfg and
// returns, for each layer, the variable shapes its config implies, without
// allocating them: Dense (kernel [in, units], bias), the convolutions,
// BatchNormalization, LayerNormalization, Normalization and PReLU carry
// variables; Flatten, Reshape, pooling, padding, merges and the activation
// and dropout layers change or keep the shape. A Functional graph is walked
// call by call (each layer's first call allocates); a nested model counts the
// variables of its layers (a lower bound when some are unknown). After a
// layer whose output shape is unknown, the layers it feeds get Params -1.
func EstimateParams(cfg *ModelConfig) []LayerParams {
	out := make([]LayerParams, len(cfg.Layers))
	for i, lc := range cfg.Layers {
		out[i] = LayerParams{Name: lc.Name, ClassName: lc.ClassName, Params: -1}
	}
	if cfg.Outputs == nil {
		cur := int64s(cfg.InputShape)
		for i, lc := range cfg.Layers {
			var outs [][]int64
			out[i], outs = estimateLayer(lc, [][]int64{cur}, 0)
			cur = nil
			if len(outs) == 1 {
				cur = outs[0]
			}
		}
		return out
	}
	order, err := cfg.CallOrder()
	if err != nil {
		return out
	}
	idx := make(map[string]int, len(cfg.Layers))
	for i, l := range cfg.Layers {
		idx[l.Name] = i
	}
	inputs := map[string][]int64{}
	for _, in := range cfg.Inputs {
		inputs[in.Name] = int64s(in.Shape)
	}
	made := map[Call][][]int64{}
	for _, c := range order {
		lc := cfg.Layers[c.Layer]
		var ins [][]int64
		for _, r := range lc.Inbound[c.Node] {
			if s, ok := inputs[r.Layer]; ok {
				ins = append(ins, s)
				continue
			}
			var s []int64
			if o := made[Call{idx[r.Layer], r.Node}]; r.Tensor < len(o) {
				s = o[r.Tensor]
			}
			ins = append(ins, s)
		}
		lp, outs := estimateLayer(lc, ins, 0)
		if c.Node == 0 {
			out[c.Layer] = lp
		}
		made[c] = outs
	}
	return out
}

func int64s(s []int) []int64 {
	if s == nil {
		return nil
	}
	out := make([]int64, len(s))
	for i, d := range s {
		out[i] = int64(d)
	}
	return out
}

// estimateLayer is one call's variables and output shapes.
func estimateLayer(lc LayerConfig, ins [][]int64, depth int) (LayerParams, [][]int64) {
	lp := LayerParams{Name: lc.Name, ClassName: lc.ClassName, Params: -1}
	if lc.Model != nil {
		if depth > 32 {
			return lp, nil
		}
		sub := *lc.Model
		if len(ins) == 1 && ins[0] != nil && sub.Outputs == nil {
			sub.InputShape = make([]int, len(ins[0]))
			for i, d := range ins[0] {
				sub.InputShape[i] = int(d)
			}
		}
		lp.Params = 0
		for _, p := range EstimateParams(&sub) {
			if p.Params > 0 {
				lp.Params = addSat(lp.Params, p.Params)
			}
		}
		return lp, nil
	}
	if shapes, out, ok := attentionEstimate(lc, ins); ok {
		lp.Shapes, lp.Params = shapes, 0
		for _, sh := range shapes {
			lp.Params = addSat(lp.Params, product(sh))
		}
		return lp, [][]int64{out}
	}
	if len(ins) != 1 {
		if out := mergeShape(lc, ins); out != nil {
			lp.Params = 0
			return lp, [][]int64{out}
		}
		return lp, nil
	}
	next, shapes, known := layerVariables(lc, ins[0])
	if known {
		lp.Shapes, lp.Params = shapes, 0
		for _, sh := range shapes {
			lp.Params = addSat(lp.Params, product(sh))
		}
	}
	return lp, [][]int64{next}
}

// mergeShape is the output shape of a merge layer (equal shapes, or
// Concatenate's sum along its axis), nil when unknown.
func mergeShape(lc LayerConfig, ins [][]int64) []int64 {
	for _, in := range ins {
		if in == nil {
			return nil
		}
	}
	switch lc.ClassName {
	case "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum":
		return append([]int64(nil), ins[0]...)
	case "Concatenate":
		ax, ok := cfgInt(lc.Config["axis"])
		if !ok {
			ax = -1
		}
		r := int64(len(ins[0]))
		if ax < 0 {
			ax += r + 1
		}
		if ax < 1 || ax > r {
			return nil
		}
		out := append([]int64(nil), ins[0]...)
		out[ax-1] = 0
		for _, in := range ins {
			if int64(len(in)) != r {
				return nil
			}
			out[ax-1] = addSat(out[ax-1], in[ax-1])
		}
		return out
	}
	return nil
}

// convVariables are a convolution's variable shapes for input in, and its
// output shape; ok is false for other classes.
func convVariables(lc LayerConfig, in []int64) (next []int64, shapes [][]int64, known, ok bool) {
	c := lc.Config
	r := convRank(lc.ClassName)
	if r == 0 || !strings.Contains(lc.ClassName, "Conv") {
		return nil, nil, false, false
	}
	if isConvLSTM(lc.ClassName) {
		shapes, known := convLSTMVariables(c, r, in)
		return nil, shapes, known, true
	}
	if len(in) != r+1 {
		return nil, nil, false, true
	}
	cin := in[r]
	if c["data_format"] == "channels_first" {
		cin = in[0]
	}
	ks, ok1 := intsOf(c["kernel_size"], r)
	if !ok1 || cin < 0 {
		return nil, nil, false, true
	}
	k := int64s(ks)
	filters, _ := cfgInt(c["filters"])
	dm, okd := cfgInt(c["depth_multiplier"])
	if !okd {
		dm = 1
	}
	groups, okg := cfgInt(c["groups"])
	if !okg || groups < 1 {
		groups = 1
	}
	bias := func(n int64) [][]int64 {
		if b, ok := c["use_bias"].(bool); !ok || b {
			return [][]int64{{n}}
		}
		return nil
	}
	switch {
	case strings.HasPrefix(lc.ClassName, "Depthwise"):
		shapes = append([][]int64{append(append([]int64(nil), k...), cin, dm)}, bias(mulSat(cin, dm))...)
	case strings.HasPrefix(lc.ClassName, "Separable"):
		pw := make([]int64, r)
		for i := range pw {
			pw[i] = 1
		}
		shapes = [][]int64{append(append([]int64(nil), k...), cin, dm), append(pw, mulSat(cin, dm), filters)}
		shapes = append(shapes, bias(filters)...)
	case strings.HasSuffix(lc.ClassName, "Transpose"):
		shapes = append([][]int64{append(append([]int64(nil), k...), filters, cin)}, bias(filters)...)
	default:
		shapes = append([][]int64{append(append([]int64(nil), k...), cin/groups, filters)}, bias(filters)...)
	}
	return shapeVia(lc, in), shapes, true, true
}

// shapeVia is a layer's output shape from the writer's shape rules, nil
// when unknown.
func shapeVia(lc LayerConfig, in []int64) []int64 {
	if in == nil {
		return nil
	}
	ii := make([]int, len(in))
	for i, d := range in {
		if d > math.MaxInt32 {
			return nil
		}
		ii[i] = int(d)
	}
	return int64s(graphLayerOutputShape(lc, ii))
}

// layerVariables returns the output shape of one layer for input shape in
// (nil: unknown), its variable shapes, and whether they are known.
func layerVariables(lc LayerConfig, in []int64) ([]int64, [][]int64, bool) {
	c := lc.Config
	if identityLayers[lc.ClassName] {
		return in, nil, true
	}
	if next, shapes, known, ok := seqVariables(lc, in); ok {
		return next, shapes, known
	}
	if next, shapes, known, ok := convVariables(lc, in); ok {
		return next, shapes, known
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
	if next := shapeVia(lc, in); next != nil && (contains(poolingLayers, lc.ClassName) || contains(resamplingLayers, lc.ClassName) || lc.ClassName == "Permute") {
		return next, nil, true // no variables
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
	for i := range w.Layers {
		n = addSat(n, treeValues(&w.Layers[i], 0))
	}
	return n
}

// treeValues counts a layer group's values and those of the groups below
// it (nested models, RNN cells).
func treeValues(lw *LayerWeights, depth int) int64 {
	var n int64
	for _, a := range lw.Arrays {
		n = addSat(n, int64(a.Len()))
	}
	if depth < 64 {
		for _, sub := range lw.Sub {
			n = addSat(n, treeValues(sub, depth+1))
		}
	}
	return n
}

// seqVariables are the variable shapes of Embedding and the recurrent
// layers (SimpleRNN, LSTM, GRU) for input in, and their output shape; ok is
// false for other classes.
func seqVariables(lc LayerConfig, in []int64) (next []int64, shapes [][]int64, known, ok bool) {
	c := lc.Config
	switch lc.ClassName {
	case "Embedding":
		v, ok1 := cfgInt(c["input_dim"])
		d, ok2 := cfgInt(c["output_dim"])
		if !ok1 || !ok2 || v < 0 || d < 0 {
			return nil, nil, false, true
		}
		if in != nil {
			next = append(append([]int64(nil), in...), d)
		}
		return next, [][]int64{{v, d}}, true, true
	case "SimpleRNN", "LSTM", "GRU":
	default:
		return nil, nil, false, false
	}
	u, ok1 := cfgInt(c["units"])
	if !ok1 || u < 0 || len(in) != 2 || in[1] < 0 {
		return nil, nil, false, true
	}
	gates := map[string]int64{"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[lc.ClassName]
	g := mulSat(gates, u)
	shapes = [][]int64{{in[1], g}, {u, g}}
	if b, isBool := c["use_bias"].(bool); !isBool || b {
		if r, _ := c["reset_after"].(bool); lc.ClassName == "GRU" && r {
			shapes = append(shapes, []int64{2, g})
		} else {
			shapes = append(shapes, []int64{g})
		}
	}
	if rs, _ := c["return_sequences"].(bool); rs {
		next = []int64{in[0], u}
	} else {
		next = []int64{u}
	}
	if st, _ := c["return_state"].(bool); st {
		next = nil // several outputs: the graph walk stops here
	}
	return next, shapes, true, true
}
