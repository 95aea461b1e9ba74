package loader

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kerago/kerago/tensor"
)

// savedVar is one variable as the writers store it.
type savedVar struct {
	path      string // Keras 3 variable path ("sequential/dense/kernel")
	name      string // short name ("kernel")
	arr       *tensor.Tensor
	isInt     bool // stored as the backend's int (Normalization count, iteration)
	trainable bool
}

// layerVarNames returns the Keras 3 variable names of a layer in the order
// of layer.weights (trainable first), with their trainable flags and which
// are integers; ok is false for classes whose variables kerago does not
// know.
func layerVarNames(l LayerConfig) (names []string, trainable []bool, ints []bool, ok bool) {
	c := l.Config
	flag := func(k string, def bool) bool {
		if b, ok := c[k].(bool); ok {
			return b
		}
		return def
	}
	add := func(n string, tr, isInt bool) {
		names = append(names, n)
		trainable = append(trainable, tr)
		ints = append(ints, isInt)
	}
	switch l.ClassName {
	case "Dense":
		add("kernel", true, false)
		if flag("use_bias", true) {
			add("bias", true, false)
		}
	case "BatchNormalization":
		if flag("scale", true) {
			add("gamma", true, false)
		}
		if flag("center", true) {
			add("beta", true, false)
		}
		add("moving_mean", false, false)
		add("moving_variance", false, false)
	case "LayerNormalization":
		rms := flag("rms_scaling", false)
		if flag("scale", true) || rms {
			add("gamma", true, false)
		}
		if flag("center", true) && !rms {
			add("beta", true, false)
		}
	case "Normalization":
		if c["mean"] == nil {
			add("mean", false, false)
			add("variance", false, false)
			add("count", false, true)
		}
	case "PReLU":
		add("alpha", true, false)
	case "Conv1D", "Conv2D", "Conv3D", "DepthwiseConv1D", "DepthwiseConv2D",
		"Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose":
		add("kernel", true, false)
		if flag("use_bias", true) {
			add("bias", true, false)
		}
	case "SeparableConv1D", "SeparableConv2D":
		add("depthwise_kernel", true, false)
		add("pointwise_kernel", true, false)
		if flag("use_bias", true) {
			add("bias", true, false)
		}
	case "Embedding", "SimpleRNN", "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D":
		names, trainable, ints = seqVarNames(l.ClassName, flag("use_bias", true))
	case "MultiHeadAttention", "Attention", "AdditiveAttention":
		names, trainable, ints = attentionVarNames(l.ClassName, flag("use_bias", true), flag("use_scale", l.ClassName == "AdditiveAttention"), c["score_mode"] == "concat")
	case "Activation", "Dropout", "Flatten", "Reshape", "ReLU", "LeakyReLU", "ELU", "Softmax", "ThresholdedReLU":
	default:
		if !contains(poolingLayers, l.ClassName) && !contains(resamplingLayers, l.ClassName) && !contains(coreLayers, l.ClassName) && l.ClassName != "Masking" {
			return nil, nil, nil, false
		}
	}
	if !flag("trainable", true) {
		for i := range trainable {
			trainable[i] = false
		}
	}
	return names, trainable, ints, true
}

// isKeras3Path tells whether a stored variable name is already a Keras 3
// variable path ("sequential/dense/kernel", "dense_1/bias") rather than a
// Keras 3 index ("0"), a tf.keras name ("dense/kernel:0") or a Keras 1 one.
func isKeras3Path(s string) bool {
	return strings.Contains(s, "/") && !strings.Contains(s, ":") && !strings.HasPrefix(s, "/") && !strings.HasSuffix(s, "/") && !strings.Contains(s, "//")
}

// planWeights matches m.Weights to the config layers and names every
// variable. It returns one list per config layer.
func planWeights(m *Model, p *modelPlan) ([][]savedVar, error) {
	out := make([][]savedVar, len(p.layers))
	w := m.Weights
	counts := make([]int, len(p.layers))
	known := make([]bool, len(p.layers))
	nested := make([][]savedVar, len(p.layers))
	nestedSrc := make([][]int, len(p.layers))
	for i, l := range p.layers {
		if p.subs[i] != nil {
			vs, src, err := nestedVars(p.subs[i])
			if err != nil {
				return nil, err
			}
			nested[i], nestedSrc[i] = vs, src
			counts[i], known[i] = len(vs), true
			continue
		}
		n, _, _, ok := layerVarNames(l)
		counts[i], known[i] = len(n), ok
	}
	if w == nil {
		for i, l := range p.layers {
			if counts[i] > 0 {
				return nil, fmt.Errorf("the model has no weights, but layer %q (%s) has %d variables", l.Name, l.ClassName, counts[i])
			}
			if !known[i] {
				return nil, fmt.Errorf("the model has no weights and kerago does not know the variables of layer %q (%s)", l.Name, l.ClassName)
			}
		}
		return out, nil
	}
	arrays, names, err := alignForSave(m.Config, p, w, counts, known)
	if err != nil {
		return nil, err
	}
	for i, l := range p.layers {
		if p.subs[i] != nil {
			src, err := nestedSources(m.Config, p, w, i, nestedSrc[i], nested[i], arrays)
			if err != nil {
				return nil, err
			}
			nestedSrc[i] = src
			if len(arrays[i]) != len(nested[i]) {
				return nil, fmt.Errorf("nested model %q has %d variables, but %d arrays were given", l.Name, len(nested[i]), len(arrays[i]))
			}
			for j, sv := range nested[i] {
				a := arrays[i][nestedSrc[i][j]]
				if a == nil {
					return nil, fmt.Errorf("nested model %q: variable %q is nil", l.Name, sv.path)
				}
				sv.arr = a
				out[i] = append(out[i], sv)
			}
			continue
		}
		vn, tr, ints, ok := layerVarNames(l)
		if ok && len(vn) != len(arrays[i]) {
			return nil, fmt.Errorf("layer %q (%s) has %d variables %v, but %d arrays were given", l.Name, l.ClassName, len(vn), vn, len(arrays[i]))
		}
		for j, a := range arrays[i] {
			if a == nil {
				return nil, fmt.Errorf("layer %q (%s): variable %d is nil", l.Name, l.ClassName, j)
			}
			sv := savedVar{arr: a, trainable: true}
			src := ""
			if j < len(names[i]) {
				src = names[i][j]
			}
			rel := "" // the path below the layer: "kernel", "query/kernel"
			if ok {
				rel, sv.trainable, sv.isInt = vn[j], tr[j], ints[j]
				sv.name = rel[strings.LastIndexByte(rel, '/')+1:]
			} else {
				sv.name = shortVarName(src, j)
				rel = sv.name
			}
			if isKeras3Path(src) {
				sv.path = src
			} else if p.functional {
				sv.path = l.Name + "/" + rel
			} else {
				sv.path = p.name + "/" + l.Name + "/" + rel
			}
			out[i] = append(out[i], sv)
		}
		if err := checkShapes(l, p.inShapes[i], out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// shortVarName derives a variable name from a stored one ("dense/kernel:0"
// → "kernel"), or "variable_<i>".
func shortVarName(src string, i int) string {
	s := src
	if k := strings.LastIndexByte(s, ':'); k >= 0 {
		s = s[:k]
	}
	if k := strings.LastIndexByte(s, '/'); k >= 0 {
		s = s[k+1:]
	}
	if s == "" || strings.Trim(s, "0123456789") == "" {
		return "variable_" + strconv.Itoa(i)
	}
	return s
}

// checkShapes verifies Dense kernels and biases against the layer config.
func checkShapes(l LayerConfig, in []int, vars []savedVar) error {
	if l.ClassName != "Dense" || len(vars) == 0 {
		return nil
	}
	units, ok := intValue(numberOf(l.Config["units"]))
	if !ok {
		return nil
	}
	want := []int{-1, units}
	if len(in) > 0 {
		want[0] = in[len(in)-1]
	}
	ks := vars[0].arr.Shape()
	if len(ks) != 2 || ks[1] != units || (want[0] >= 0 && ks[0] != want[0]) {
		w := fmt.Sprint(want)
		if want[0] < 0 {
			w = fmt.Sprintf("[? %d]", units)
		}
		return fmt.Errorf("layer %q (Dense): kernel shape %v, want %s", l.Name, ks, w)
	}
	if len(vars) > 1 {
		if bs := vars[1].arr.Shape(); len(bs) != 1 || bs[0] != units {
			return fmt.Errorf("layer %q (Dense): bias shape %v, want [%d]", l.Name, bs, units)
		}
	}
	return nil
}

// alignForSave returns the arrays and stored names of each config layer.
// Weights that package keras fills (one entry per layer, named by layer)
// are taken in order; weights read from a file are matched as Keras loads
// them (AlignWeights).
func alignForSave(cfg *ModelConfig, p *modelPlan, w *Weights, counts []int, known []bool) ([][]*tensor.Tensor, [][]string, error) {
	arrays := make([][]*tensor.Tensor, len(p.layers))
	names := make([][]string, len(p.layers))
	groups := Keras3GroupNames(&ModelConfig{Layers: p.layers})
	w, err := convertOldRNNWeights(&ModelConfig{Layers: p.layers}, w)
	if err != nil {
		return nil, nil, err
	}
	if len(w.Layers) == len(p.layers) {
		same := true
		for i, lw := range w.Layers {
			l := p.layers[i]
			if lw.Name != l.Name && lw.SavedName != l.Name && !(w.Layout == LayoutKeras3 && lw.Name == groups[i] && (lw.SavedName == "" || lw.SavedName == l.Name)) {
				same = false
				break
			}
		}
		if same {
			for i, lw := range w.Layers {
				arrays[i], names[i] = lw.Arrays, lw.VarNames
			}
			return arrays, names, nil
		}
	}
	// Layers whose variables kerago does not know take the count stored
	// under their name (or Keras 3 group).
	for i, l := range p.layers {
		if known[i] {
			continue
		}
		for _, lw := range w.Layers {
			if lw.Name == l.Name || lw.SavedName == l.Name || (w.Layout == LayoutKeras3 && lw.Name == groups[i]) {
				counts[i] = len(lw.Arrays)
				break
			}
		}
	}
	sub := &ModelConfig{ClassName: cfg.ClassName, Name: cfg.Name, Layers: p.layers}
	al, err := AlignWeights(sub, w, counts)
	if err != nil {
		return nil, nil, err
	}
	byPtr := map[*tensor.Tensor]string{}
	for _, lw := range w.Layers {
		for j, a := range lw.Arrays {
			if j < len(lw.VarNames) {
				byPtr[a] = lw.VarNames[j]
			}
		}
	}
	for i := range p.layers {
		arrays[i] = al[i]
		for _, a := range al[i] {
			names[i] = append(names[i], byPtr[a])
		}
	}
	return arrays, names, nil
}

// optPlan is the optimizer part of a weights file.
type optPlan struct {
	name string // optimizer name ("adam"), the vars group's "name"
	vars []savedVar
}

// optimizerSlots lists, per optimizer class, its groups of slot variables
// in creation order (names in one group are interleaved per model
// variable), from Keras 3.15.1's build() methods.
func optimizerSlots(cls string, c map[string]any) [][]string {
	num := func(k string) float64 {
		f, _ := numberOf(c[k]).(float64)
		return f
	}
	flag := func(k string) bool {
		b, _ := c[k].(bool)
		return b
	}
	var g [][]string
	switch cls {
	case "SGD":
		if num("momentum") != 0 {
			g = append(g, []string{"momentum"})
		}
	case "Adam", "AdamW":
		g = append(g, []string{"momentum", "velocity"})
		if flag("amsgrad") {
			g = append(g, []string{"velocity_hat"})
		}
	case "Adamax":
		g = append(g, []string{"momentum", "norm"})
	case "Nadam", "Lamb":
		g = append(g, []string{"momentum", "velocity"})
	case "RMSprop":
		g = append(g, []string{"velocity"})
		if num("momentum") > 0 {
			g = append(g, []string{"momentum"})
		}
		if flag("centered") {
			g = append(g, []string{"average_gradient"})
		}
	case "Adagrad":
		g = append(g, []string{"accumulator"})
	case "Adadelta":
		g = append(g, []string{"accumulated_grad", "accumulated_delta_var"})
	case "Lion":
		g = append(g, []string{"momentum"})
	default:
		return nil
	}
	return g
}

// planOptimizer returns the optimizer variables to store, or nil for an
// uncompiled model. State kept in another generation's order (tf.keras,
// legacy) is not written: Keras 3 would assign it to the wrong slots (it
// skips mismatched optimizer state too), so a fresh optimizer's
// [iteration, learning_rate] is written instead.
func planOptimizer(m *Model, trainablePaths []string) (*optPlan, error) {
	if m.Training == nil {
		return nil, nil
	}
	opt := m.Training.Optimizer
	if opt == nil {
		opt = &ObjectConfig{ClassName: "RMSprop"}
	}
	cls := normOptimizerClass(opt.ClassName)
	op := &optPlan{name: SnakeCase(cls)}
	if n, ok := opt.Config["name"].(string); ok && n != "" {
		op.name = n
	}
	lr, lrIsVar := numberOf(opt.Config["learning_rate"]).(float64)
	if _, present := opt.Config["learning_rate"]; !present {
		if _, present = opt.Config["lr"]; present {
			lr, lrIsVar = numberOf(opt.Config["lr"]).(float64)
		} else {
			lr, lrIsVar = 0.001, true
			if d, ok := optimizerDefaultLR[cls]; ok {
				lr = d
			}
		}
	}
	st := m.Optimizer
	if st == nil || st.Layout != "keras3" || len(st.Arrays) == 0 {
		op.vars = append(op.vars, savedVar{name: "iteration", path: op.name + "/iteration", arr: scalar(0), isInt: true})
		if lrIsVar {
			op.vars = append(op.vars, savedVar{name: "learning_rate", path: op.name + "/learning_rate", arr: scalar(float32(lr))})
		}
		return op, nil
	}
	derived := deriveOptimizerNames(cls, opt.Config, lrIsVar, len(st.Arrays), trainablePaths)
	for i, a := range st.Arrays {
		if a == nil {
			return nil, fmt.Errorf("optimizer variable %d is nil", i)
		}
		n := ""
		if i < len(st.Names) {
			n = st.Names[i]
		}
		sv := savedVar{arr: a, isInt: i == 0}
		switch {
		case isKeras3Path(n):
			sv.path = n
			sv.name = n[strings.LastIndexByte(n, '/')+1:]
		case n != "" && !strings.Contains(n, ":") && strings.Trim(n, "0123456789") != "":
			sv.name, sv.path = n, op.name+"/"+n
		case derived != nil:
			sv.name, sv.path = derived[i], op.name+"/"+derived[i]
		default:
			sv.name = "variable_" + strconv.Itoa(i)
			if i == 0 {
				sv.name = "iteration"
			}
			sv.path = op.name + "/" + sv.name
		}
		op.vars = append(op.vars, sv)
	}
	return op, nil
}

// deriveOptimizerNames names Keras 3 optimizer variables stored by index
// (.keras files): iteration, learning_rate, then slots
// "<variable path with / as _>_<slot>"; nil when the count does not fit.
func deriveOptimizerNames(cls string, c map[string]any, lrIsVar bool, n int, paths []string) []string {
	names := []string{"iteration"}
	if lrIsVar {
		names = append(names, "learning_rate")
	}
	if n == len(names) {
		return names // not built yet: no slots
	}
	slot := func(p, s string) string { return strings.ReplaceAll(p, "/", "_") + "_" + s }
	if b, _ := c["use_ema"].(bool); b {
		for _, p := range paths {
			names = append(names, slot(p, "average"))
		}
	}
	if f, _ := numberOf(c["gradient_accumulation_steps"]).(float64); f > 0 {
		for _, p := range paths {
			names = append(names, slot(p, "gradient_accumulator"))
		}
	}
	groups := optimizerSlots(cls, c)
	if groups == nil {
		return nil
	}
	for _, g := range groups {
		for _, p := range paths {
			for _, s := range g {
				names = append(names, slot(p, s))
			}
		}
	}
	if cls == "Nadam" {
		names = append(names, "variable")
	}
	if len(names) != n {
		return nil
	}
	return names
}

func scalar(v float32) *tensor.Tensor {
	t, _ := tensor.FromSlice([]float32{v})
	return t
}
