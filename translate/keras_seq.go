package translate

import (
	"strconv"
	"strings"
)

// seqLayers are the sequence, noise and shape layers translated by
// seqLayer, with their Keras 3 positional parameters.
var seqLayers = map[string][]string{
	"Embedding": {"input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer", "embeddings_constraint", "mask_zero"},
	"SimpleRNN": {"units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "return_sequences", "return_state", "go_backwards", "stateful", "unroll", "seed"},
	"LSTM":      {"units", "activation", "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed", "return_sequences", "return_state", "go_backwards", "stateful", "unroll", "use_cudnn"},
	"GRU":       {"units", "activation", "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed", "return_sequences", "return_state", "go_backwards", "stateful", "unroll", "reset_after", "use_cudnn"},

	"Bidirectional":          {"layer", "merge_mode", "weights", "backward_layer"},
	"TimeDistributed":        {"layer"},
	"GaussianNoise":          {"stddev", "seed"},
	"GaussianDropout":        {"rate", "seed"},
	"SpatialDropout1D":       {"rate", "seed"},
	"SpatialDropout2D":       {"rate", "data_format", "seed"},
	"SpatialDropout3D":       {"rate", "data_format", "seed"},
	"AlphaDropout":           {"rate", "noise_shape", "seed"},
	"ActivityRegularization": {"l1", "l2"},
	"Masking":                {"mask_value"},
	"RepeatVector":           {"n"},
	"Permute":                {"dims"},
	"ZeroPadding1D":          {"padding", "data_format"},
	"ZeroPadding2D":          {"padding", "data_format"},
	"Cropping1D":             {"cropping", "data_format"},
	"Cropping2D":             {"cropping", "data_format"},
	"UpSampling1D":           {"size"},
	"UpSampling2D":           {"size", "data_format", "interpolation"},
	"ZeroPadding3D":          {"padding", "data_format"},
	"Cropping3D":             {"cropping", "data_format"},
	"UpSampling3D":           {"size", "data_format"},
	"Add":                    {},
	"Subtract":               {},
	"Multiply":               {},
	"Average":                {},
	"Maximum":                {},
	"Minimum":                {},
	"Concatenate":            {"axis"},
}

// hasParam reports whether Keras's cls takes the keyword key.
func hasParam(cls, key string) bool {
	for _, p := range seqLayers[cls] {
		if p == key {
			return true
		}
	}
	return false
}

// rnnClass reports whether cls is SimpleRNN, LSTM or GRU.
func rnnClass(cls string) bool { return cls == "SimpleRNN" || cls == "LSTM" || cls == "GRU" }

// seqLayer translates the layers of seqLayers.
func (t *translator) seqLayer(cls string, c *Call) val {
	a := t.bind(c, cls, seqLayers[cls]...)
	var first, opts []string
	opt := func(s string) { opts = append(opts, s) }
	switch {
	case cls == "Embedding":
		first = t.embeddingArgs(c, a, opt)
	case rnnClass(cls):
		first = t.rnnArgs(cls, c, a)
	case cls == "Bidirectional":
		first = t.bidirectionalArgs(c, a)
	case cls == "TimeDistributed":
		first = []string{t.wrappedLayer(c, a, "TimeDistributed").code}
	case strings.HasPrefix(cls, "ZeroPadding"), strings.HasPrefix(cls, "Cropping"), strings.HasPrefix(cls, "UpSampling"):
		first = t.resampleArgs(cls, c, a)
	default:
		first = t.simpleSeqArgs(cls, c, a)
	}
	// a keyword the class does not have is left for done to report
	own := func(key string) (Expr, bool) {
		if !hasParam(cls, key) {
			return nil, false
		}
		e, ok := a.get(key)
		return e, ok && !isNone(e)
	}
	if e, ok := own("seed"); ok {
		opt("layers.WithSeed(" + t.intOf(e, "seed").code + ")")
	}
	if e, ok := own("noise_shape"); ok {
		opt("layers.WithNoiseShape(" + strings.Join(t.intsOf(e, "noise_shape", true), ", ") + ")")
	}
	if e, ok := own("data_format"); ok {
		opt("layers.WithDataFormat(" + t.stringOf(e, "data_format").code + ")")
	}
	if e, ok := own("interpolation"); ok {
		opt("layers.WithInterpolation(" + t.stringOf(e, "interpolation").code + ")")
	}
	if e, ok := a.get("activity_regularizer"); ok && !isNone(e) {
		opt("layers.WithActivityRegularizer(" + t.regularizerOf(e) + ")")
	}
	t.commonLayerOpts(a, c, opt)
	a.done()
	code := "layers." + cls + "(" + strings.Join(append(first, opts...), ", ") + ")"
	return val{code: code, kind: kLayer, hint: strings.ToLower(cls[:1]) + cls[1:]}
}

// simpleSeqArgs gives the leading arguments of the noise and shape layers.
func (t *translator) simpleSeqArgs(cls string, c *Call, a *args) []string {
	switch cls {
	case "ActivityRegularization":
		l1, l2 := "0", "0"
		if e, ok := a.get("l1"); ok {
			l1 = t.floatOf(e, "l1").code
		}
		if e, ok := a.get("l2"); ok {
			l2 = t.floatOf(e, "l2").code
		}
		return []string{l1, l2}
	case "Masking":
		v := "0"
		if e, ok := a.get("mask_value"); ok {
			v = t.floatOf(e, "mask_value").code
		}
		return []string{v}
	case "RepeatVector":
		return []string{t.intOf(a.need("n"), "n").code}
	case "Permute":
		return []string{"[]int{" + strings.Join(t.intsOf(a.need("dims"), "dims", false), ", ") + "}"}
	case "GaussianNoise":
		return []string{t.floatOf(a.need("stddev"), "stddev").code}
	case "Concatenate":
		axis := "-1"
		if e, ok := a.get("axis"); ok {
			axis = t.intOf(e, "axis").code
		}
		return []string{axis}
	}
	if mergeClasses[cls] {
		return nil
	}
	return []string{t.floatOf(a.need("rate"), "rate").code}
}

// embeddingArgs gives Embedding's input_dim, output_dim and
// EmbeddingConfig.
func (t *translator) embeddingArgs(c *Call, a *args, opt func(string)) []string {
	in := t.intOf(a.need("input_dim"), "input_dim").code
	out := t.intOf(a.need("output_dim"), "output_dim").code
	var fields []string
	if e, ok := a.get("embeddings_initializer"); ok && !isNone(e) {
		fields = append(fields, "Initializer: "+t.initializerOf(e))
	}
	if e, ok := a.get("embeddings_regularizer"); ok && !isNone(e) {
		fields = append(fields, "Regularizer: "+t.regularizerOf(e))
	}
	if e, ok := a.get("embeddings_constraint"); ok && !isNone(e) {
		fields = append(fields, "Constraint: "+t.constraintOf(e))
	}
	if e, ok := a.get("mask_zero"); ok {
		if b := t.boolArg(e, "mask_zero"); b.lit == nil || b.lit.b {
			fields = append(fields, "MaskZero: "+b.code)
		}
	}
	if e, ok := a.get("weights"); ok && !isNone(e) {
		t.fail(c.Line, "Embedding(weights=...) (a pretrained table) is not translated yet; load the weights with keras.LoadWithWeights")
	}
	for _, k := range []string{"lora_rank", "lora_alpha", "quantization_config"} {
		if e, ok := a.get(k); ok && !isNone(e) {
			t.fail(c.Line, "Embedding(%s=...) is outside the subset", k)
		}
	}
	if e, ok := a.get("input_length"); ok && !isNone(e) {
		// Keras 2 builds the model from input_length; Keras 3 ignores it
		opt("layers.WithInputShape(" + t.intOf(e, "input_length").code + ")")
		t.note(c.Line, "Embedding's input_length (Keras 2) gives the model its input shape (sequences of that length)")
	}
	return []string{in, out, "layers.EmbeddingConfig{" + strings.Join(fields, ", ") + "}"}
}

// rnnArgs gives SimpleRNN's, LSTM's or GRU's units and RNNConfig.
func (t *translator) rnnArgs(cls string, c *Call, a *args) []string {
	t.renameKeras1(a, c, [][2]string{{"output_dim", "units"}, {"inner_activation", "recurrent_activation"},
		{"init", "kernel_initializer"}, {"inner_init", "recurrent_initializer"}, {"W_regularizer", "kernel_regularizer"},
		{"U_regularizer", "recurrent_regularizer"}, {"b_regularizer", "bias_regularizer"}, {"dropout_W", "dropout"}, {"dropout_U", "recurrent_dropout"}})
	units := t.intOf(a.need("units"), "units").code
	// the fields whose zero value is not Keras's default, for this class
	defaults := []rnnField{{"Activation", `"tanh"`}}
	switch cls {
	case "LSTM":
		defaults = append(defaults, rnnField{"RecurrentActivation", `"sigmoid"`}, rnnField{"UseBias", "true"}, rnnField{"UnitForgetBias", "true"})
	case "GRU":
		defaults = append(defaults, rnnField{"RecurrentActivation", `"sigmoid"`}, rnnField{"UseBias", "true"}, rnnField{"ResetAfter", "true"})
	default:
		defaults = append(defaults, rnnField{"UseBias", "true"})
	}
	fields := t.rnnFields(a, defaults)
	t.rnnUnsupported(cls, c, a)
	if len(fields) == len(defaults) && !rnnChanged(fields, defaults) {
		return []string{units, "layers.DefaultRNNConfig()"}
	}
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f.name + ": " + f.code
	}
	return []string{units, "layers.RNNConfig{" + strings.Join(parts, ", ") + "}"}
}

// rnnField is one field of a layers.RNNConfig literal.
type rnnField struct{ name, code string }

// rnnChanged reports whether fields differ from defaults.
func rnnChanged(fields, defaults []rnnField) bool {
	for i := range defaults {
		if fields[i] != defaults[i] {
			return true
		}
	}
	return false
}

// rnnFields reads the RNN arguments into RNNConfig fields: defaults
// (updated in place, the keys the class has) and then the fields set. A
// keyword the class does not have (SimpleRNN's recurrent_activation) is
// left for done to report.
func (t *translator) rnnFields(a *args, defaults []rnnField) []rnnField {
	fields := append([]rnnField(nil), defaults...)
	has := map[string]bool{}
	for _, d := range defaults {
		has[d.name] = true
	}
	put := func(name, code string) {
		for i := range fields {
			if fields[i].name == name {
				fields[i].code = code
				return
			}
		}
		fields = append(fields, rnnField{name, code})
	}
	for _, f := range []struct{ py, goName string }{{"activation", "Activation"}, {"recurrent_activation", "RecurrentActivation"}} {
		if !has[f.goName] {
			continue // get would mark it used
		}
		if e, ok := a.get(f.py); ok {
			put(f.goName, t.rnnActivation(e))
		}
	}
	for _, b := range []struct{ py, goName string }{{"use_bias", "UseBias"}, {"unit_forget_bias", "UnitForgetBias"}, {"reset_after", "ResetAfter"},
		{"return_sequences", "ReturnSequences"}, {"go_backwards", "GoBackwards"}, {"unroll", "Unroll"}} {
		if b.goName == "UnitForgetBias" && !has[b.goName] || b.goName == "ResetAfter" && !has[b.goName] {
			continue
		}
		if e, ok := a.get(b.py); ok {
			put(b.goName, t.boolArg(e, b.py).code)
		}
	}
	for _, f := range []struct{ py, goName string }{{"dropout", "Dropout"}, {"recurrent_dropout", "RecurrentDropout"}} {
		if e, ok := a.get(f.py); ok && !isNone(e) {
			put(f.goName, t.floatOf(e, f.py).code)
		}
	}
	for _, m := range []struct{ py, goName, kind string }{
		{"kernel_initializer", "KernelInitializer", "init"}, {"recurrent_initializer", "RecurrentInitializer", "init"}, {"bias_initializer", "BiasInitializer", "init"},
		{"kernel_regularizer", "KernelRegularizer", "reg"}, {"recurrent_regularizer", "RecurrentRegularizer", "reg"}, {"bias_regularizer", "BiasRegularizer", "reg"},
		{"kernel_constraint", "KernelConstraint", "cons"}, {"recurrent_constraint", "RecurrentConstraint", "cons"}, {"bias_constraint", "BiasConstraint", "cons"},
	} {
		if e, ok := a.get(m.py); ok && !isNone(e) {
			put(m.goName, t.weightSetting(m.kind, e))
		}
	}
	return fields
}

// rnnUnsupported fails on the RNN settings kerago translate does not carry.
func (t *translator) rnnUnsupported(cls string, c *Call, a *args) {
	if e, ok := a.get("return_state"); ok {
		if b := t.boolArg(e, "return_state"); b.lit == nil || b.lit.b {
			t.fail(c.Line, "%s(return_state=True) (several outputs) is not translated yet", cls)
		}
	}
	if e, ok := a.get("stateful"); ok {
		if b := t.boolArg(e, "stateful"); b.lit == nil || b.lit.b {
			t.fail(c.Line, "%s(stateful=True) is not supported by kerago (it runs stateless RNNs)", cls)
		}
	}
	a.ignore("kerago picks its own kernels", "use_cudnn", "consume_less", "implementation")
}

// renameKeras1 moves Keras 1 keyword arguments to their Keras 3 names
// (with a note), unless the Keras 3 name is given too.
func (t *translator) renameKeras1(a *args, c *Call, pairs [][2]string) {
	for _, p := range pairs {
		e, ok := a.vals[p[0]]
		if _, dup := a.vals[p[1]]; !ok || dup {
			continue
		}
		delete(a.vals, p[0])
		a.vals[p[1]] = e
		t.markKeras1(c.Line, p[0], p[1])
	}
}

// rnnActivation translates an RNN activation (None is linear).
func (t *translator) rnnActivation(e Expr) string {
	if isNone(e) {
		return `"linear"`
	}
	return t.activationOf(e)
}

// weightSetting translates an initializer, regularizer or constraint.
func (t *translator) weightSetting(kind string, e Expr) string {
	switch kind {
	case "init":
		return t.initializerOf(e)
	case "reg":
		return t.regularizerOf(e)
	}
	return t.constraintOf(e)
}

// wrappedLayer translates the layer a wrapper (Bidirectional,
// TimeDistributed) takes.
func (t *translator) wrappedLayer(c *Call, a *args, wrapper string) val {
	e := a.need("layer")
	v := t.expr(e)
	if v.kind != kLayer {
		t.fail(c.Line, "%s needs a layer, got %s", wrapper, describe(v))
	}
	return t.materialize(v, "layer")
}

// bidirectionalArgs gives Bidirectional's forward and backward RNNs and
// merge mode.
func (t *translator) bidirectionalArgs(c *Call, a *args) []string {
	fwd := t.wrappedLayer(c, a, "Bidirectional")
	if !isRNNCode(fwd.code) {
		t.fail(c.Line, "Bidirectional of %s: kerago translate wraps an LSTM, GRU or SimpleRNN written in the call", fwd.code)
	}
	bwd := "nil"
	if e, ok := a.get("backward_layer"); ok && !isNone(e) {
		v := t.materialize(t.expr(e), "layer")
		if v.kind != kLayer || !isRNNCode(v.code) {
			t.fail(c.Line, "Bidirectional's backward_layer must be an LSTM, GRU or SimpleRNN written in the call")
		}
		bwd = v.code
	}
	mode := `"concat"`
	if e, ok := a.get("merge_mode"); ok {
		if isNone(e) {
			mode = `""`
		} else {
			v := t.stringOf(e, "merge_mode")
			if v.lit == nil {
				t.fail(c.Line, "Bidirectional's merge_mode must be a literal")
			}
			switch v.lit.s {
			case "concat", "sum", "mul", "ave":
			default:
				t.fail(c.Line, "Bidirectional merge_mode %s is not one of concat, sum, mul, ave, None", v.code)
			}
			mode = strconv.Quote(v.lit.s)
		}
	}
	if e, ok := a.get("weights"); ok && !isNone(e) {
		t.fail(c.Line, "Bidirectional(weights=...) is outside the subset")
	}
	return []string{fwd.code, bwd, mode}
}

// isRNNCode reports whether code is a SimpleRNN, LSTM or GRU constructor
// call (so that it has type *layers.RNNLayer).
func isRNNCode(code string) bool {
	for _, p := range []string{"layers.LSTM(", "layers.GRU(", "layers.SimpleRNN("} {
		if strings.HasPrefix(code, p) {
			return true
		}
	}
	return false
}

// resampleArgs gives ZeroPadding1D/2D/3D's and Cropping1D/2D/3D's
// amounts (before and after each spatial axis) and UpSampling1D/2D/3D's
// size, from Keras's forms: an int, one int per axis, or ((top, bottom),
// (left, right)).
func (t *translator) resampleArgs(cls string, c *Call, a *args) []string {
	axes := int(cls[len(cls)-2] - '0') // 1D, 2D, 3D
	if strings.HasPrefix(cls, "UpSampling") {
		size := []string{"2"} // Keras: 2 on every axis
		if e, ok := a.get("size"); ok {
			size = t.spatialInts(e, "size")
		}
		if axes == 1 {
			return size[:1]
		}
		if len(size) == 1 {
			for len(size) < axes {
				size = append(size, size[0])
			}
		}
		return []string{"[]int{" + strings.Join(size, ", ") + "}"}
	}
	// Keras's defaults: 1 on every side, but Cropping2D crops nothing
	key, def := "cropping", "1"
	if strings.HasPrefix(cls, "ZeroPadding") {
		key = "padding"
	} else if axes == 2 {
		def = "0"
	}
	var out []string
	e, ok := a.get(key)
	if !ok || isNone(e) {
		for i := 0; i < 2*axes; i++ {
			out = append(out, def)
		}
	} else {
		out = t.amountPairs(c, cls, key, e, axes)
	}
	if axes == 3 { // ZeroPadding3D, Cropping3D take [3][2]int
		return []string{"[3][2]int{{" + out[0] + ", " + out[1] + "}, {" + out[2] + ", " + out[3] + "}, {" + out[4] + ", " + out[5] + "}}"}
	}
	return out
}

// amountPairs flattens a padding/cropping argument to before, after per
// axis.
func (t *translator) amountPairs(c *Call, cls, key string, e Expr, axes int) []string {
	elts := tupleElts(e)
	if elts == nil { // one int for every side
		v := t.intOf(e, key).code
		out := make([]string, 2*axes)
		for i := range out {
			out[i] = v
		}
		return out
	}
	if axes == 1 {
		ps := t.intsOf(e, key, false)
		if len(ps) != 2 {
			t.fail(c.Line, "%s: %s needs (before, after)", cls, key)
		}
		return ps
	}
	if len(elts) != axes {
		t.fail(c.Line, "%s: %s needs one entry per spatial axis", cls, key)
	}
	var out []string
	for _, el := range elts {
		if tupleElts(el) == nil { // symmetric on this axis
			v := t.intOf(el, key).code
			out = append(out, v, v)
			continue
		}
		ps := t.intsOf(el, key, false)
		if len(ps) != 2 {
			t.fail(c.Line, "%s: %s needs (before, after) per axis", cls, key)
		}
		out = append(out, ps...)
	}
	return out
}

// tupleElts returns the elements of a tuple or list literal, nil for
// anything else.
func tupleElts(e Expr) []Expr {
	switch e := e.(type) {
	case *TupleExpr:
		return e.Elts
	case *ListExpr:
		return e.Elts
	}
	return nil
}
