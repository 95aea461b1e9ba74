package translate

import (
	"strconv"
	"strings"
)

// kerasLayers lists the layers layer translates through its shared
// option handling, with their Keras 3 positional parameters; seqLayers
// (keras_seq.go) has the sequence, noise and reshaping layers.
var kerasLayers = map[string][]string{
	"Dense":              {"units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"},
	"Activation":         {"activation"},
	"Dropout":            {"rate", "noise_shape", "seed"},
	"Flatten":            {"data_format"},
	"Reshape":            {"target_shape"},
	"BatchNormalization": {"axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"},
	"LayerNormalization": {"axis", "epsilon", "center", "scale", "rms_scaling", "beta_initializer", "gamma_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"},
	"Normalization":      {"axis", "mean", "variance", "invert"},
	"ReLU":               {"max_value", "negative_slope", "threshold"},
	"LeakyReLU":          {"negative_slope"},
	"ELU":                {"alpha"},
	"PReLU":              {"alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes"},
	"Softmax":            {"axis"},
	"ThresholdedReLU":    {"theta"},
	"InputLayer":         {"input_shape"},
	"Input":              {"shape"},
	// convolution and pooling (kerago's keras/layers conv.go, pooling.go)
	"Conv1D":                 convParams,
	"Conv2D":                 convParams,
	"Conv3D":                 convParams,
	"Conv1DTranspose":        transposeParams,
	"Conv2DTranspose":        transposeParams,
	"Conv3DTranspose":        transposeParams,
	"SeparableConv1D":        separableParams,
	"SeparableConv2D":        separableParams,
	"DepthwiseConv1D":        depthwiseParams,
	"DepthwiseConv2D":        depthwiseParams,
	"MaxPooling1D":           poolParams,
	"MaxPooling2D":           poolParams,
	"MaxPooling3D":           poolParams,
	"AveragePooling1D":       poolParams,
	"AveragePooling2D":       poolParams,
	"AveragePooling3D":       poolParams,
	"GlobalAveragePooling1D": {"data_format", "keepdims"},
	"GlobalAveragePooling2D": {"data_format", "keepdims"},
	"GlobalMaxPooling1D":     {"data_format", "keepdims"},
	"GlobalMaxPooling2D":     {"data_format", "keepdims"},
}

var (
	convParams = []string{"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"}
	poolParams = []string{"pool_size", "strides", "padding", "data_format"}
	// Keras 3's Conv*Transpose, SeparableConv*D and DepthwiseConv*D
	transposeParams = []string{"filters", "kernel_size", "strides", "padding", "output_padding", "data_format", "dilation_rate", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"}
	separableParams = []string{"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "depth_multiplier", "activation", "use_bias", "depthwise_initializer", "pointwise_initializer", "bias_initializer", "depthwise_regularizer", "pointwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint", "pointwise_constraint", "bias_constraint"}
	depthwiseParams = []string{"kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate", "activation", "use_bias", "depthwise_initializer", "bias_initializer", "depthwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint", "bias_constraint"}
	// layerAliases are other names Keras accepts for these classes.
	layerAliases = map[string]string{
		"MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D",
		"AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D", "AvgPool3D": "AveragePooling3D",
		"GlobalAvgPool1D": "GlobalAveragePooling1D", "GlobalAvgPool2D": "GlobalAveragePooling2D",
		"GlobalMaxPool1D": "GlobalMaxPooling1D", "GlobalMaxPool2D": "GlobalMaxPooling2D",
		"Convolution1D": "Conv1D", "Convolution2D": "Conv2D",
	}
)

// unsupportedLayers names Keras layers kerago does not implement, so the
// report can say so plainly.
var knownMissingLayers = map[string]bool{
	"Lambda": true,
}

// libraryLayers names layers keras/layers has that kerago translate does
// not translate yet.
var libraryLayers = map[string]bool{
	"Dot":       true,
	"Attention": true, "AdditiveAttention": true, "MultiHeadAttention": true,
	"ConvLSTM1D": true, "ConvLSTM2D": true, "ConvLSTM3D": true,
	"GroupNormalization": true, "UnitNormalization": true, "RMSNormalization": true,
}

// kerasCall translates a call of something from Keras (canonical name
// without the "keras:" prefix).
func (t *translator) kerasCall(name, full string, c *Call) val {
	switch {
	case name == "Sequential":
		return t.sequential(c)
	case name == "Model":
		return t.functionalModel(c)
	case name == "load_model":
		a := t.bind(c, "load_model", "filepath", "custom_objects", "compile")
		p, ok := a.get("filepath")
		if !ok {
			t.fail(c.Line, "load_model needs a file path")
		}
		if co, ok := a.get("custom_objects"); ok && !isNone(co) {
			t.fail(c.Line, "load_model: custom_objects (Python classes) are outside the subset")
		}
		if cp, ok := a.get("compile"); ok {
			if b := t.boolArg(cp, "compile"); b.lit == nil || !b.lit.b {
				t.note(c.Line, "load_model(compile=False): kerago compiles the model when the file holds a training config")
			}
		}
		a.ignore("not used by kerago", "safe_mode")
		a.done()
		pv := t.stringOf(p, "filepath")
		return val{code: "keras.Load(" + pv.code + ")", kind: kModel, fallible: true, model: &modelInfo{compiled: true}, hint: "model"}
	case name == "model_from_json" || name == "model_from_yaml" || name == "clone_model":
		t.fail(c.Line, "keras.models.%s is outside the subset (use keras.LoadWithWeights on the files)", name)
	case strings.HasPrefix(name, "layers."):
		return t.layer(strings.TrimPrefix(name, "layers."), c)
	case strings.HasPrefix(name, "optimizers."):
		return t.optimizer(strings.TrimPrefix(name, "optimizers."), c)
	case strings.HasPrefix(name, "schedules."):
		return t.schedule(strings.TrimPrefix(name, "schedules."), c)
	case strings.HasPrefix(name, "losses."):
		return t.lossObject(strings.TrimPrefix(name, "losses."), c)
	case strings.HasPrefix(name, "metrics."):
		return t.metricObject(strings.TrimPrefix(name, "metrics."), c)
	case strings.HasPrefix(name, "callbacks."):
		return t.callback(strings.TrimPrefix(name, "callbacks."), c)
	case strings.HasPrefix(name, "initializers."):
		return t.initializerCall(strings.TrimPrefix(name, "initializers."), c)
	case strings.HasPrefix(name, "regularizers."):
		return t.regularizerCall(strings.TrimPrefix(name, "regularizers."), c)
	case strings.HasPrefix(name, "constraints."):
		return t.constraintCall(strings.TrimPrefix(name, "constraints."), c)
	case name == "utils.to_categorical":
		return t.toCategorical(c)
	case name == "utils.set_random_seed":
		a := t.bind(c, "set_random_seed", "seed")
		s := a.need("seed")
		a.done()
		sv := t.intOf(s, "seed")
		t.numpySeed(sv, c.Line)
		t.setKeragoSeed(sv, c.Line)
		return val{noValue: true, code: ""}
	case name == "backend.clear_session":
		return val{noValue: true, code: "", hint: "kerago keeps no global session state"}
	case strings.HasPrefix(name, "datasets."):
		return t.kerasDataset(full, c)
	case strings.HasPrefix(name, "activations."):
		t.fail(c.Line, "calling an activation function directly is outside the subset")
	}
	t.fail(c.Line, "%s is outside the subset", full)
	return val{}
}

func (t *translator) setKeragoSeed(sv val, line int) {
	t.seedExpr = "uint64(" + sv.code + ")"
	if sv.lit != nil {
		t.seedExpr = sv.code
	}
	t.seedLine = line
	t.note(line, "seeds kerago's dropout and fit shuffling (model.SetSeed, FitConfig.Seed); TensorFlow's random streams cannot be reproduced, so initial weights, dropout masks and batch order differ from the Python run unless the script loads its weights and turns shuffling off")
}

// layerArg translates a layer used as an argument (a Sequential element or
// model.add's argument).
func (t *translator) layerArg(e Expr) val {
	v := t.expr(e)
	switch v.kind {
	case kLayer:
		return v
	case kNormLayer:
		return v
	case kSymbolic:
		if len(v.sym.layers) == 0 && v.sym.merge == nil {
			return v.sym.input
		}
	}
	t.fail(e.exprLine(), "%s is not a layer kerago can add to a Sequential model", describe(v))
	return val{}
}

// sequential translates keras.Sequential([...], name=...).
func (t *translator) sequential(c *Call) val {
	a := t.bind(c, "Sequential", "layers", "name")
	var elems []string
	if le, ok := a.get("layers"); ok && !isNone(le) {
		lst, isList := le.(*ListExpr)
		if !isList {
			v := t.value(le, "layers")
			if v.kind == kLayerList {
				elems = append(elems, v.code+"...")
			} else if v.kind == kPyList {
				for _, el := range v.elems {
					if el.kind != kLayer && el.kind != kNormLayer {
						t.fail(c.Line, "Sequential: %s is not a layer", describe(el))
					}
					elems = append(elems, el.code)
				}
			} else {
				t.fail(c.Line, "Sequential needs a list of layers, got %s", describe(v))
			}
		} else {
			for i, el := range lst.Elts {
				line := lst.Lines[i]
				var code string
				ok, u := t.guard(func() {
					lv := t.layerArg(el)
					lv = t.materialize(lv, "layer")
					code = lv.code
				})
				if !ok {
					from, to := line, exprEndLine(el, line)
					for l := from; l <= to; l++ {
						if s := strings.TrimSpace(t.lines[l-1]); s != "" {
							elems = append(elems, commentSafe("// TODO(kerago translate): "+s))
						}
					}
					t.issues = append(t.issues, Issue{Line: from, Code: strings.TrimSuffix(t.codeSpan(from, to), ","), Reason: u.reason})
					continue
				}
				elems = append(elems, code)
			}
		}
	}
	name := ""
	if n, ok := a.get("name"); ok {
		name = t.stringOf(n, "name").code
	}
	a.done()
	code := "keras.NewSequential()"
	if len(elems) > 0 {
		code = "keras.NewSequential(\n" + joinElems(elems) + "\n)"
	}
	return val{code: code, kind: kModel, fallible: true, model: &modelInfo{metricsKnown: true}, hint: "model", postName: name}
}

// joinElems joins argument lines, each followed by a comma (comments not).
func joinElems(elems []string) string {
	var b strings.Builder
	for i, e := range elems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e)
		if !strings.HasPrefix(e, "//") {
			b.WriteByte(',')
		}
	}
	return b.String()
}

// exprEndLine estimates the last line of an expression (for reporting
// elements that span lines).
func exprEndLine(e Expr, start int) int {
	end := start
	var walk func(e Expr)
	walk = func(e Expr) {
		if e == nil {
			return
		}
		if l := e.exprLine(); l > end {
			end = l
		}
		switch e := e.(type) {
		case *Call:
			walk(e.Func)
			for _, a := range e.Args {
				walk(a)
			}
			for _, k := range e.Keywords {
				walk(k.Value)
			}
		case *Attr:
			walk(e.Value)
		case *ListExpr:
			for _, x := range e.Elts {
				walk(x)
			}
		case *TupleExpr:
			for _, x := range e.Elts {
				walk(x)
			}
		case *BinOp:
			walk(e.X)
			walk(e.Y)
		case *Subscript:
			walk(e.Value)
			walk(e.Index)
		case *Lambda:
			walk(e.Body)
		}
	}
	walk(e)
	return end
}

// functionalModel translates keras.Model(inputs=..., outputs=...) for a
// chain of layers into a Sequential model, and for a graph with merges
// into a functional one (functionalGraph).
func (t *translator) functionalModel(c *Call) val {
	a := t.bind(c, "Model", "inputs", "outputs", "name")
	ie, ok1 := a.get("inputs", "input")
	oe, ok2 := a.get("outputs", "output")
	if !ok1 || !ok2 {
		t.fail(c.Line, "keras.Model without inputs and outputs (a subclassed model) is outside the subset")
	}
	name := ""
	if n, ok := a.get("name"); ok {
		name = t.stringOf(n, "name").code
	}
	a.done()
	in := t.expr(ie)
	out := t.expr(oe)
	if in.kind != kSymbolic || out.kind != kSymbolic {
		t.fail(c.Line, "keras.Model: inputs must be one keras.Input and outputs one Keras tensor computed from it (several inputs or outputs are not translated yet)")
	}
	if in.sym.input.code != out.sym.input.code || len(in.sym.layers) != 0 || in.sym.merge != nil {
		t.fail(c.Line, "keras.Model: the outputs must be computed from the inputs by a chain of layers")
	}
	if out.sym.merge != nil {
		return t.functionalGraph(out.sym, name)
	}
	elems := []string{out.sym.input.code}
	for _, l := range out.sym.layers {
		if l.bind != nil {
			t.use(l.bind)
		}
		elems = append(elems, l.code)
	}
	t.note(c.Line, "a functional model that is a chain of layers becomes a Sequential model (same computation and weights)")
	return val{code: "keras.NewSequential(\n" + joinElems(elems) + "\n)", kind: kModel, fallible: true, model: &modelInfo{metricsKnown: true}, hint: "model", postName: name}
}

// applyLayer translates layer(x) in the functional API.
func (t *translator) applyLayer(l val, c *Call) val {
	if len(c.Args) != 1 || len(c.Keywords) > 0 {
		t.fail(c.Line, "calling a layer takes one Keras tensor in the subset")
	}
	if elts := tupleElts(c.Args[0]); elts != nil {
		return t.applyMerge(l, elts, c)
	}
	x := t.expr(c.Args[0])
	if x.kind != kSymbolic {
		t.fail(c.Line, "calling a layer on %s (not a keras.Input chain) is outside the subset", describe(x))
	}
	l = t.layerVar(l)
	chain := &symChain{input: x.sym.input, merge: x.sym.merge, layers: append(append([]val(nil), x.sym.layers...), l), line: c.Line}
	return val{kind: kSymbolic, sym: chain, line: c.Line}
}

// layerVar gives a layer called in the functional API a variable: the
// layer object is shared by every model built on the chain, as in Keras.
func (t *translator) layerVar(l val) val {
	l = t.materialize(l, "layer")
	if l.bind != nil {
		return l
	}
	k := l.kind
	b := &binding{py: "\x00" + l.hint, goName: t.uniqueGo(goIdent(l.hint)), kind: k, goType: goTypeOf(k, "")}
	t.setName("\x00layer:"+b.goName, b)
	t.declare(b, l)
	return val{code: b.goName, kind: k, bind: b, hint: l.hint}
}

func (t *translator) markKeras1(line int, old, now string) {
	t.note(line, "Keras 1 argument %s is Keras 3's %s", old, now)
}

// layer translates a layer constructor.
func (t *translator) layer(cls string, c *Call) val {
	if a, ok := layerAliases[cls]; ok {
		if strings.HasPrefix(cls, "Convolution") {
			t.fail(c.Line, "%s (Keras 1's nb_filter, nb_row, nb_col arguments) is not translated; write Conv2D(filters, kernel_size)", cls)
		}
		cls = a
	}
	if mc, ok := mergeFuncs[cls]; ok {
		return t.mergeFunc(mc, c)
	}
	if _, ok := seqLayers[cls]; ok {
		return t.seqLayer(cls, c)
	}
	params, ok := kerasLayers[cls]
	if !ok {
		if libraryLayers[cls] {
			t.fail(c.Line, "kerago translate does not translate %s yet", cls)
		}
		if knownMissingLayers[cls] {
			t.fail(c.Line, "%s is not a layer kerago implements", cls)
		}
		t.fail(c.Line, "layers.%s is not a layer kerago implements", cls)
	}
	fn := cls
	if cls == "InputLayer" || cls == "Input" {
		return t.inputLayer(cls, c)
	}
	a := t.bind(c, cls, params...)
	var first []string // the Go constructor's leading arguments
	var opts []string
	opt := func(s string) { opts = append(opts, s) }
	switch cls {
	case "Dense":
		u, ok := a.get("units")
		if !ok {
			if e, ok2 := a.get("output_dim"); ok2 {
				u, ok = e, true
				t.markKeras1(c.Line, "output_dim", "units")
			}
		}
		if !ok {
			t.fail(c.Line, "Dense needs units")
		}
		first = append(first, t.intOf(u, "units").code)
	case "Activation":
		e, ok := a.get("activation")
		if !ok {
			t.fail(c.Line, "Activation needs an activation")
		}
		first = append(first, t.activationOf(e))
	case "Dropout":
		e, ok := a.get("rate")
		if !ok {
			if e2, ok2 := a.get("p"); ok2 {
				e, ok = e2, true
				t.markKeras1(c.Line, "p", "rate")
			}
		}
		if !ok {
			t.fail(c.Line, "Dropout needs a rate")
		}
		first = append(first, t.floatOf(e, "rate").code)
	case "Reshape":
		e, ok := a.get("target_shape", "dims")
		if !ok {
			t.fail(c.Line, "Reshape needs target_shape")
		}
		first = append(first, "[]int{"+strings.Join(t.intsOf(e, "target_shape", false), ", ")+"}")
	case "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
		"SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D":
		first = append(first, t.convArgs(c, cls, a)...)
	case "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D":
		first = append(first, t.poolArgs(cls, a)...)
	}
	opts = append(opts, t.spatialOpts(cls, a)...)
	// options shared by layers
	if e, ok := a.get("activation"); ok && cls != "Activation" {
		if !isNone(e) {
			opt("layers.WithActivation(" + t.activationOf(e) + ")")
		}
	}
	if e, ok := a.get("use_bias"); ok {
		opt("layers.WithUseBias(" + t.boolArg(e, "use_bias").code + ")")
	}
	if e, ok := a.get("bias"); ok {
		t.markKeras1(c.Line, "bias", "use_bias")
		opt("layers.WithUseBias(" + t.boolArg(e, "bias").code + ")")
	}
	for _, m := range []struct{ py, k1, goOpt, kind string }{
		{"kernel_initializer", "init", "WithKernelInitializer", "init"},
		{"bias_initializer", "", "WithBiasInitializer", "init"},
		{"beta_initializer", "beta_init", "WithBetaInitializer", "init"},
		{"gamma_initializer", "gamma_init", "WithGammaInitializer", "init"},
		{"moving_mean_initializer", "", "WithMovingMeanInitializer", "init"},
		{"moving_variance_initializer", "", "WithMovingVarianceInitializer", "init"},
		{"alpha_initializer", "", "WithAlphaInitializer", "init"},
		{"depthwise_initializer", "", "WithDepthwiseInitializer", "init"},
		{"pointwise_initializer", "", "WithPointwiseInitializer", "init"},
		{"depthwise_regularizer", "", "WithDepthwiseRegularizer", "reg"},
		{"pointwise_regularizer", "", "WithPointwiseRegularizer", "reg"},
		{"depthwise_constraint", "", "WithDepthwiseConstraint", "cons"},
		{"pointwise_constraint", "", "WithPointwiseConstraint", "cons"},
		{"kernel_regularizer", "W_regularizer", "WithKernelRegularizer", "reg"},
		{"bias_regularizer", "b_regularizer", "WithBiasRegularizer", "reg"},
		{"beta_regularizer", "", "WithBetaRegularizer", "reg"},
		{"gamma_regularizer", "", "WithGammaRegularizer", "reg"},
		{"alpha_regularizer", "", "WithAlphaRegularizer", "reg"},
		{"kernel_constraint", "W_constraint", "WithKernelConstraint", "cons"},
		{"bias_constraint", "b_constraint", "WithBiasConstraint", "cons"},
		{"beta_constraint", "", "WithBetaConstraint", "cons"},
		{"gamma_constraint", "", "WithGammaConstraint", "cons"},
		{"alpha_constraint", "", "WithAlphaConstraint", "cons"},
	} {
		e, ok := a.get(m.py)
		if !ok && m.k1 != "" {
			if e, ok = a.get(m.k1); ok {
				t.markKeras1(c.Line, m.k1, m.py)
			}
		}
		if !ok || isNone(e) {
			continue
		}
		var code string
		switch m.kind {
		case "init":
			code = t.initializerOf(e)
		case "reg":
			code = t.regularizerOf(e)
		case "cons":
			code = t.constraintOf(e)
		}
		opt("layers." + m.goOpt + "(" + code + ")")
	}
	if e, ok := a.get("activity_regularizer"); ok && !isNone(e) {
		opt("layers.WithActivityRegularizer(" + t.regularizerOf(e) + ")")
	}
	t.commonLayerOpts(a, c, opt)
	switch cls {
	case "BatchNormalization", "LayerNormalization", "Normalization", "Softmax":
		if e, ok := a.get("axis"); ok && !isNone(e) {
			opt("layers.WithAxis(" + strings.Join(t.intsOf(e, "axis", false), ", ") + ")")
		}
	}
	floatOpt := func(py, goOpt string) {
		if e, ok := a.get(py); ok && !isNone(e) {
			opt("layers." + goOpt + "(" + t.floatOf(e, py).code + ")")
		}
	}
	boolOpt := func(py, goOpt string) {
		if e, ok := a.get(py); ok {
			opt("layers." + goOpt + "(" + t.boolArg(e, py).code + ")")
		}
	}
	switch cls {
	case "BatchNormalization":
		floatOpt("momentum", "WithMomentum")
		floatOpt("epsilon", "WithEpsilon")
		boolOpt("center", "WithCenter")
		boolOpt("scale", "WithScale")
		if e, ok := a.get("mode"); ok {
			if v := t.intOf(e, "mode"); v.lit == nil || v.lit.i != 0 {
				t.fail(c.Line, "Keras 1 BatchNormalization mode other than 0 is outside the subset")
			}
			t.markKeras1(c.Line, "mode=0", "the only BatchNormalization mode")
		}
	case "LayerNormalization":
		floatOpt("epsilon", "WithEpsilon")
		boolOpt("center", "WithCenter")
		boolOpt("scale", "WithScale")
		boolOpt("rms_scaling", "WithRMSScaling")
	case "Normalization":
		if e, ok := a.get("mean"); ok && !isNone(e) {
			opt("layers.WithMean(" + strings.Join(t.floatsOf(e, "mean"), ", ") + ")")
		}
		if e, ok := a.get("variance"); ok && !isNone(e) {
			opt("layers.WithVariance(" + strings.Join(t.floatsOf(e, "variance"), ", ") + ")")
		}
		boolOpt("invert", "WithInvert")
	case "ReLU":
		floatOpt("max_value", "WithMaxValue")
		floatOpt("negative_slope", "WithNegativeSlope")
		floatOpt("threshold", "WithThreshold")
	case "LeakyReLU":
		floatOpt("negative_slope", "WithNegativeSlope")
		floatOpt("alpha", "WithNegativeSlope")
	case "ELU":
		floatOpt("alpha", "WithAlpha")
	case "ThresholdedReLU":
		floatOpt("theta", "WithTheta")
	case "PReLU":
		if e, ok := a.get("shared_axes"); ok && !isNone(e) {
			opt("layers.WithSharedAxes(" + strings.Join(t.intsOf(e, "shared_axes", false), ", ") + ")")
		}
	case "Dropout":
		if e, ok := a.get("noise_shape"); ok && !isNone(e) {
			opt("layers.WithNoiseShape(" + strings.Join(t.intsOf(e, "noise_shape", true), ", ") + ")")
		}
		if e, ok := a.get("seed"); ok && !isNone(e) {
			opt("layers.WithSeed(" + t.intOf(e, "seed").code + ")")
		}
	case "Flatten":
		if e, ok := a.get("data_format"); ok && !isNone(e) {
			if v := t.stringOf(e, "data_format"); v.lit == nil || v.lit.s != "channels_last" {
				t.fail(c.Line, "Flatten(data_format=%s): kerago supports channels_last only", v.code)
			}
		}
	}
	a.done()
	code := "layers." + fn + "(" + strings.Join(append(first, opts...), ", ") + ")"
	if cls == "Normalization" {
		return val{code: code + ".(*layers.NormalizationLayer)", kind: kNormLayer, hint: "normalizer"}
	}
	return val{code: code, kind: kLayer, hint: strings.ToLower(cls[:1]) + cls[1:]}
}

// commonLayerOpts handles name, trainable, dtype, input_shape and
// input_dim.
func (t *translator) commonLayerOpts(a *args, c *Call, opt func(string)) {
	if e, ok := a.get("name"); ok && !isNone(e) {
		opt("layers.WithName(" + t.stringOf(e, "name").code + ")")
	}
	if e, ok := a.get("trainable"); ok {
		opt("layers.WithTrainable(" + t.boolArg(e, "trainable").code + ")")
	}
	if e, ok := a.get("dtype"); ok && !isNone(e) {
		v := t.value(e, "dtype")
		if !(v.lit != nil && v.lit.kind == kString && v.lit.s == "float32") && !isFloat32Ref(e) {
			t.fail(c.Line, "dtype other than float32 is outside the subset (kerago computes in float32)")
		}
	}
	if e, ok := a.get("input_shape"); ok && !isNone(e) {
		opt("layers.WithInputShape(" + strings.Join(t.intsOf(e, "input_shape", false), ", ") + ")")
	}
	if e, ok := a.get("input_dim"); ok && !isNone(e) && a.fn != "Embedding" { // Embedding's is the vocabulary size
		opt("layers.WithInputShape(" + t.intOf(e, "input_dim").code + ")")
	}
	if e, ok := a.get("batch_input_shape"); ok && !isNone(e) {
		dims := t.intsOf(e, "batch_input_shape", true)
		if len(dims) < 2 {
			t.fail(c.Line, "batch_input_shape needs a batch dimension and the sample shape")
		}
		opt("layers.WithInputShape(" + strings.Join(dims[1:], ", ") + ")")
	}
}

func isFloat32Ref(e Expr) bool {
	a, ok := e.(*Attr)
	return ok && a.Attr == "float32"
}

// inputLayer translates keras.Input(shape=...) and InputLayer(...).
func (t *translator) inputLayer(cls string, c *Call) val {
	a := t.bind(c, cls, "shape", "batch_size", "dtype", "sparse", "batch_shape", "name")
	var dims []string
	if e, ok := a.get("shape", "input_shape"); ok && !isNone(e) {
		dims = t.intsOf(e, "shape", false)
	} else if e, ok := a.get("batch_shape", "batch_input_shape"); ok && !isNone(e) {
		d := t.intsOf(e, "batch_shape", true)
		if len(d) < 2 {
			t.fail(c.Line, "batch_shape needs a batch dimension and the sample shape")
		}
		dims = d[1:]
	} else {
		t.fail(c.Line, "%s needs a shape", cls)
	}
	for _, d := range dims {
		if d == "-1" {
			t.fail(c.Line, "%s: kerago needs every per-sample dimension (no None)", cls)
		}
	}
	a.ignore("kerago takes any batch size", "batch_size")
	if e, ok := a.get("dtype"); ok && !isNone(e) {
		v := t.value(e, "dtype")
		if !(v.lit != nil && v.lit.kind == kString && v.lit.s == "float32") && !isFloat32Ref(e) {
			t.fail(c.Line, "dtype other than float32 is outside the subset")
		}
	}
	if e, ok := a.get("sparse"); ok {
		if v := t.boolArg(e, "sparse"); v.lit == nil || v.lit.b {
			t.fail(c.Line, "sparse inputs are outside the subset")
		}
	}
	name := ""
	if e, ok := a.get("name"); ok && !isNone(e) {
		name = t.stringOf(e, "name").code
	}
	a.done()
	code := "layers.Input(" + strings.Join(dims, ", ") + ")"
	if name != "" {
		t.note(c.Line, "the Input layer's name is not kept")
	}
	v := val{code: code, kind: kLayer, hint: "inputs"}
	if cls == "Input" {
		return val{kind: kSymbolic, sym: &symChain{input: v, line: c.Line}, line: c.Line}
	}
	return v
}

var activationNames = map[string]bool{
	"relu": true, "sigmoid": true, "softmax": true, "tanh": true, "linear": true, "elu": true, "selu": true,
	"softplus": true, "softsign": true, "hard_sigmoid": true, "exponential": true, "swish": true, "silu": true,
	"gelu": true, "relu6": true, "leaky_relu": true, "mish": true, "log_softmax": true, "hard_silu": true,
	"hard_swish": true, "celu": true, "glu": true, "sparse_plus": true, "squareplus": true, "soft_shrink": true,
	"hard_shrink": true, "tanh_shrink": true, "hard_tanh": true, "log_sigmoid": true, "sparsemax": true,
	"threshold": true,
}

// activationOf translates an activation given by name or function.
func (t *translator) activationOf(e Expr) string {
	v := t.expr(e)
	switch v.kind {
	case kString:
		v = t.materialize(v, "activation")
		return v.code
	case kModule:
		parts := strings.Split(v.ref, ".")
		last := parts[len(parts)-1]
		c := canon(v.ref)
		if (strings.HasPrefix(c, "keras:activations.") || strings.HasPrefix(c, "tensorflow:nn.") || strings.HasPrefix(c, "tensorflow:math.") || strings.HasPrefix(c, "tensorflow:")) && activationNames[last] {
			return strconv.Quote(last)
		}
		if strings.HasPrefix(c, "tensorflow:nn.") && last == "leaky_relu" {
			return `"leaky_relu"`
		}
	case kLayer:
		t.fail(e.exprLine(), "a layer used as an activation is outside the subset; add it as its own layer")
	}
	t.fail(e.exprLine(), "activation %s is outside the subset", describe(v))
	return ""
}

// initializerOf translates an initializer given by name or object.
func (t *translator) initializerOf(e Expr) string {
	v := t.expr(e)
	if v.kind == kString {
		if v.lit == nil {
			t.fail(e.exprLine(), "an initializer name must be a literal")
		}
		if code, ok := initializerByName(v.lit.s); ok {
			return code
		}
		t.fail(e.exprLine(), "initializer %q is not one kerago implements", v.lit.s)
	}
	if v.kind == kInitializer {
		return t.materialize(v, "initializer").code
	}
	if v.kind == kModule {
		parts := strings.Split(v.ref, ".")
		if code, ok := initializerByName(parts[len(parts)-1]); ok {
			return code
		}
	}
	t.fail(e.exprLine(), "initializer %s is outside the subset", describe(v))
	return ""
}

func initializerByName(n string) (string, bool) {
	switch strings.ToLower(strings.ReplaceAll(n, "_", "")) {
	case "glorotuniform":
		return "initializers.GlorotUniform()", true
	case "glorotnormal":
		return "initializers.GlorotNormal()", true
	case "henormal":
		return "initializers.HeNormal()", true
	case "heuniform":
		return "initializers.HeUniform()", true
	case "lecunnormal":
		return "initializers.LecunNormal()", true
	case "lecununiform":
		return "initializers.LecunUniform()", true
	case "zeros", "zero":
		return "initializers.Zeros()", true
	case "ones", "one":
		return "initializers.Ones()", true
	case "randomnormal", "normal":
		return "initializers.RandomNormal()", true
	case "randomuniform", "uniform":
		return "initializers.RandomUniform()", true
	case "truncatednormal":
		return "initializers.TruncatedNormal()", true
	case "orthogonal":
		return "initializers.Orthogonal()", true
	case "identity":
		return "initializers.Identity()", true
	case "variancescaling":
		return "initializers.VarianceScaling()", true
	}
	return "", false
}

// initializerCall translates keras.initializers.X(...).
func (t *translator) initializerCall(cls string, c *Call) val {
	switch cls {
	case "Constant", "constant":
		a := t.bind(c, cls, "value")
		e, ok := a.get("value")
		a.done()
		v := "0"
		if ok {
			v = t.floatOf(e, "value").code
		}
		return val{code: "initializers.Constant(" + v + ")", kind: kInitializer}
	}
	base, ok := initializerByName(cls)
	if !ok {
		t.fail(c.Line, "initializer %s is not one kerago implements", cls)
	}
	fn := strings.TrimSuffix(base, "()")
	params := []string{"seed"}
	switch fn {
	case "initializers.RandomNormal", "initializers.TruncatedNormal":
		params = []string{"mean", "stddev", "seed"}
	case "initializers.RandomUniform":
		params = []string{"minval", "maxval", "seed"}
	case "initializers.VarianceScaling":
		params = []string{"scale", "mode", "distribution", "seed"}
	case "initializers.Orthogonal", "initializers.Identity":
		params = []string{"gain", "seed"}
	case "initializers.Zeros", "initializers.Ones":
		params = nil
	}
	a := t.bind(c, cls, params...)
	var opts []string
	for _, p := range []struct{ py, goOpt string }{{"mean", "Mean"}, {"stddev", "Stddev"}, {"minval", "MinVal"}, {"maxval", "MaxVal"}, {"scale", "Scale"}, {"gain", "Gain"}} {
		if e, ok := a.get(p.py); ok {
			opts = append(opts, "initializers."+p.goOpt+"("+t.floatOf(e, p.py).code+")")
		}
	}
	for _, p := range []struct{ py, goOpt string }{{"mode", "Mode"}, {"distribution", "Distribution"}} {
		if e, ok := a.get(p.py); ok {
			opts = append(opts, "initializers."+p.goOpt+"("+t.stringOf(e, p.py).code+")")
		}
	}
	if e, ok := a.get("seed"); ok && !isNone(e) {
		s := t.intOf(e, "seed")
		opts = append(opts, "initializers.Seed("+s.code+")")
		t.note(c.Line, "seeded initializers draw from kerago's generator, not Keras's: values differ from Python's")
	}
	a.done()
	return val{code: fn + "(" + strings.Join(opts, ", ") + ")", kind: kInitializer}
}

func (t *translator) regularizerOf(e Expr) string {
	v := t.expr(e)
	switch v.kind {
	case kRegularizer:
		return t.materialize(v, "regularizer").code
	case kString:
		if v.lit != nil {
			switch strings.ToLower(v.lit.s) {
			case "l1":
				return "regularizers.L1(0.01)"
			case "l2":
				return "regularizers.L2(0.01)"
			case "l1_l2", "l1l2":
				return "regularizers.L1L2(0.01, 0.01)"
			}
		}
	}
	t.fail(e.exprLine(), "regularizer %s is outside the subset", describe(v))
	return ""
}

func (t *translator) regularizerCall(cls string, c *Call) val {
	switch strings.ToLower(cls) {
	case "l1", "l2":
		a := t.bind(c, cls, strings.ToLower(cls))
		e, ok := a.get(strings.ToLower(cls), "l")
		a.done()
		v := "0.01"
		if ok {
			v = t.floatOf(e, "factor").code
		}
		return val{code: "regularizers." + strings.ToUpper(cls) + "(" + v + ")", kind: kRegularizer}
	case "l1_l2", "l1l2":
		a := t.bind(c, cls, "l1", "l2")
		l1, l2 := "0.0", "0.0"
		if strings.ToLower(cls) == "l1_l2" {
			l1, l2 = "0.01", "0.01"
		}
		if e, ok := a.get("l1"); ok {
			l1 = t.floatOf(e, "l1").code
		}
		if e, ok := a.get("l2"); ok {
			l2 = t.floatOf(e, "l2").code
		}
		a.done()
		return val{code: "regularizers.L1L2(" + l1 + ", " + l2 + ")", kind: kRegularizer}
	}
	t.fail(c.Line, "regularizer %s is outside the subset", cls)
	return val{}
}

func (t *translator) constraintOf(e Expr) string {
	v := t.expr(e)
	if v.kind == kConstraint {
		return t.materialize(v, "constraint").code
	}
	if v.kind == kString && v.lit != nil {
		switch strings.ToLower(strings.ReplaceAll(v.lit.s, "_", "")) {
		case "nonneg":
			return "constraints.NonNeg()"
		case "unitnorm":
			return "constraints.UnitNorm()"
		}
	}
	t.fail(e.exprLine(), "constraint %s is outside the subset", describe(v))
	return ""
}

func (t *translator) constraintCall(cls string, c *Call) val {
	switch strings.ToLower(strings.ReplaceAll(cls, "_", "")) {
	case "maxnorm":
		a := t.bind(c, cls, "max_value", "axis")
		mv, axis := "2", ""
		if e, ok := a.get("max_value", "m"); ok {
			mv = t.floatOf(e, "max_value").code
		}
		if e, ok := a.get("axis"); ok {
			axis = ", " + strings.Join(t.intsOf(e, "axis", false), ", ")
		}
		a.done()
		return val{code: "constraints.MaxNorm(" + mv + axis + ")", kind: kConstraint}
	case "nonneg":
		a := t.bind(c, cls)
		a.done()
		return val{code: "constraints.NonNeg()", kind: kConstraint}
	case "unitnorm":
		a := t.bind(c, cls, "axis")
		axis := ""
		if e, ok := a.get("axis"); ok {
			axis = strings.Join(t.intsOf(e, "axis", false), ", ")
		}
		a.done()
		return val{code: "constraints.UnitNorm(" + axis + ")", kind: kConstraint}
	case "minmaxnorm":
		a := t.bind(c, cls, "min_value", "max_value", "rate", "axis")
		mn, mx, rate, axis := "0.0", "1.0", "1.0", ""
		if e, ok := a.get("min_value"); ok {
			mn = t.floatOf(e, "min_value").code
		}
		if e, ok := a.get("max_value"); ok {
			mx = t.floatOf(e, "max_value").code
		}
		if e, ok := a.get("rate"); ok {
			rate = t.floatOf(e, "rate").code
		}
		if e, ok := a.get("axis"); ok {
			axis = ", " + strings.Join(t.intsOf(e, "axis", false), ", ")
		}
		a.done()
		return val{code: "constraints.MinMaxNorm(" + mn + ", " + mx + ", " + rate + axis + ")", kind: kConstraint}
	}
	t.fail(c.Line, "constraint %s is outside the subset", cls)
	return val{}
}

// optimizer classes: Keras class → Go constructor.
var optimizerClasses = map[string]string{
	"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop", "adagrad": "Adagrad",
	"adadelta": "Adadelta", "adamax": "Adamax", "nadam": "Nadam", "lion": "Lion",
}

var optimizerDefaultLR = map[string]string{
	"SGD": "0.01", "Adam": "0.001", "AdamW": "0.001", "RMSprop": "0.001", "Adagrad": "0.001", "Adadelta": "0.001",
	"Adamax": "0.001", "Nadam": "0.001", "Lion": "0.001",
}

// optimizer translates keras.optimizers.X(...).
func (t *translator) optimizer(cls string, c *Call) val {
	name, ok := optimizerClasses[strings.ToLower(cls)]
	if !ok {
		t.fail(c.Line, "optimizer %s is not one kerago implements", cls)
	}
	a := t.bind(c, cls, "learning_rate")
	if !a.has("learning_rate") && !a.has("lr") {
		t.defaultLRNote(strings.ToLower(name))
	}
	var opts []string
	lrCode := ""
	if e, ok := a.get("learning_rate"); ok {
		lrCode = t.lrOption(e, &opts)
	} else if e, ok := a.get("lr"); ok {
		t.note(c.Line, "lr= is Keras 3's learning_rate=")
		lrCode = t.lrOption(e, &opts)
	}
	if e, ok := a.get("decay"); ok {
		dv := t.floatOf(e, "decay")
		if !(dv.lit != nil && dv.lit.f == 0) {
			if lrCode == "" {
				lrCode = optimizerDefaultLR[name]
			} else {
				// the learning rate becomes the schedule's initial value
				for i, o := range opts {
					if strings.HasPrefix(o, "optimizers.LearningRate(") {
						opts = append(opts[:i], opts[i+1:]...)
						break
					}
				}
			}
			if strings.HasPrefix(lrCode, "schedule:") {
				t.fail(c.Line, "decay= together with a learning-rate schedule is outside the subset")
			}
			opts = append(opts, "optimizers.WithSchedule(schedules.InverseTimeDecay{InitialLearningRate: "+lrCode+", DecaySteps: 1, DecayRate: "+dv.code+"})")
			t.note(c.Line, "Keras 1/2 decay= (lr/(1 + decay·iterations)) becomes an InverseTimeDecay schedule with decay_steps=1")
		}
	}
	for _, m := range []struct{ py, goOpt, kind string }{
		{"beta_1", "Beta1", "f"}, {"beta_2", "Beta2", "f"}, {"epsilon", "Epsilon", "f"}, {"amsgrad", "AMSGrad", "b"},
		{"momentum", "Momentum", "f"}, {"nesterov", "Nesterov", "b"}, {"rho", "Rho", "f"}, {"centered", "Centered", "b"},
		{"initial_accumulator_value", "InitialAccumulatorValue", "f"}, {"weight_decay", "WeightDecay", "f"},
		{"clipnorm", "ClipNorm", "f"}, {"clipvalue", "ClipValue", "f"}, {"global_clipnorm", "GlobalClipNorm", "f"},
		{"use_ema", "UseEMA", "b"}, {"ema_momentum", "EMAMomentum", "f"}, {"ema_overwrite_frequency", "EMAOverwriteFrequency", "i"},
		{"gradient_accumulation_steps", "GradientAccumulationSteps", "i"}, {"loss_scale_factor", "LossScaleFactor", "f"},
		{"name", "Name", "s"},
	} {
		e, ok := a.get(m.py)
		if !ok || isNone(e) {
			continue
		}
		if m.py == "epsilon" && isNone(e) {
			continue
		}
		var code string
		switch m.kind {
		case "f":
			code = t.floatOf(e, m.py).code
		case "b":
			code = t.boolArg(e, m.py).code
		case "i":
			code = t.intOf(e, m.py).code
		case "s":
			code = t.stringOf(e, m.py).code
		}
		opts = append(opts, "optimizers."+m.goOpt+"("+code+")")
	}
	a.ignore("not used by kerago", "jit_compile", "is_legacy_optimizer")
	a.done()
	return val{code: "optimizers.New" + name + "(" + strings.Join(opts, ", ") + ")", kind: kOptimizer, fallible: true, hint: "opt"}
}

// lrOption translates learning_rate= (a number or a schedule).
func (t *translator) lrOption(e Expr, opts *[]string) string {
	v := t.value(e, "learning_rate")
	switch v.kind {
	case kFloat, kInt:
		*opts = append(*opts, "optimizers.LearningRate("+asFloat(v)+")")
		return asFloat(v)
	case kSchedule:
		*opts = append(*opts, "optimizers.WithSchedule("+v.code+")")
		return "schedule:" + v.code
	}
	t.fail(e.exprLine(), "learning_rate must be a number or a schedule, got %s", describe(v))
	return ""
}

// schedule translates keras.optimizers.schedules.X(...).
func (t *translator) schedule(cls string, c *Call) val {
	switch cls {
	case "ExponentialDecay", "InverseTimeDecay":
		a := t.bind(c, cls, "initial_learning_rate", "decay_steps", "decay_rate", "staircase", "name")
		var fields []string
		for _, p := range []struct{ py, field string }{{"initial_learning_rate", "InitialLearningRate"}, {"decay_steps", "DecaySteps"}, {"decay_rate", "DecayRate"}} {
			e, ok := a.get(p.py)
			if !ok {
				t.fail(c.Line, "%s needs %s", cls, p.py)
			}
			fields = append(fields, p.field+": "+t.floatOf(e, p.py).code)
		}
		if e, ok := a.get("staircase"); ok {
			fields = append(fields, "Staircase: "+t.boolArg(e, "staircase").code)
		}
		if e, ok := a.get("name"); ok && !isNone(e) {
			fields = append(fields, "Name: "+t.stringOf(e, "name").code)
		}
		a.done()
		return val{code: "schedules." + cls + "{" + strings.Join(fields, ", ") + "}", kind: kSchedule, goType: "schedules." + cls}
	case "PiecewiseConstantDecay":
		a := t.bind(c, cls, "boundaries", "values", "name")
		b, ok1 := a.get("boundaries")
		v, ok2 := a.get("values")
		if !ok1 || !ok2 {
			t.fail(c.Line, "PiecewiseConstantDecay needs boundaries and values")
		}
		fields := []string{"Boundaries: []float64{" + strings.Join(t.floatsOf(b, "boundaries"), ", ") + "}", "Values: []float64{" + strings.Join(t.floatsOf(v, "values"), ", ") + "}"}
		a.done()
		return val{code: "schedules.PiecewiseConstantDecay{" + strings.Join(fields, ", ") + "}", kind: kSchedule, goType: "schedules.PiecewiseConstantDecay"}
	case "CosineDecay":
		a := t.bind(c, cls, "initial_learning_rate", "decay_steps", "alpha", "name", "warmup_target", "warmup_steps")
		var fields []string
		for _, p := range []struct{ py, field string }{{"initial_learning_rate", "InitialLearningRate"}, {"decay_steps", "DecaySteps"}} {
			e, ok := a.get(p.py)
			if !ok {
				t.fail(c.Line, "CosineDecay needs %s", p.py)
			}
			fields = append(fields, p.field+": "+t.floatOf(e, p.py).code)
		}
		if e, ok := a.get("alpha"); ok {
			fields = append(fields, "Alpha: "+t.floatOf(e, "alpha").code)
		}
		if e, ok := a.get("warmup_target"); ok && !isNone(e) {
			fields = append(fields, "WarmupTarget: new("+t.floatOf(e, "warmup_target").code+")")
		}
		if e, ok := a.get("warmup_steps"); ok {
			fields = append(fields, "WarmupSteps: "+t.floatOf(e, "warmup_steps").code)
		}
		if e, ok := a.get("name"); ok && !isNone(e) {
			fields = append(fields, "Name: "+t.stringOf(e, "name").code)
		}
		a.done()
		return val{code: "schedules.CosineDecay{" + strings.Join(fields, ", ") + "}", kind: kSchedule, goType: "schedules.CosineDecay"}
	}
	t.fail(c.Line, "learning-rate schedule %s is outside the subset", cls)
	return val{}
}

var lossClasses = map[string]string{
	"MeanSquaredError": "MeanSquaredError", "MeanAbsoluteError": "MeanAbsoluteError",
	"MeanAbsolutePercentageError": "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError": "MeanSquaredLogarithmicError",
	"BinaryCrossentropy": "BinaryCrossentropy", "CategoricalCrossentropy": "CategoricalCrossentropy",
	"SparseCategoricalCrossentropy": "SparseCategoricalCrossentropy", "Huber": "Huber", "LogCosh": "LogCosh",
	"Hinge": "Hinge", "SquaredHinge": "SquaredHinge", "CategoricalHinge": "CategoricalHinge",
	"KLDivergence": "KLDivergence", "Poisson": "Poisson", "CosineSimilarity": "CosineSimilarity",
}

// lossFunctionNames are the Keras loss functions (used by reference).
var lossFunctionNames = map[string]bool{
	"mean_squared_error": true, "mse": true, "mean_absolute_error": true, "mae": true,
	"mean_absolute_percentage_error": true, "mape": true, "mean_squared_logarithmic_error": true, "msle": true,
	"binary_crossentropy": true, "categorical_crossentropy": true, "sparse_categorical_crossentropy": true,
	"huber": true, "log_cosh": true, "logcosh": true, "hinge": true, "squared_hinge": true, "categorical_hinge": true,
	"kl_divergence": true, "kld": true, "kullback_leibler_divergence": true, "poisson": true, "cosine_similarity": true,
	"binary_accuracy": true, "categorical_accuracy": true, "sparse_categorical_accuracy": true, "accuracy": true,
	"top_k_categorical_accuracy": true, "sparse_top_k_categorical_accuracy": true,
}

func (t *translator) lossObject(cls string, c *Call) val {
	fn, ok := lossClasses[cls]
	if !ok {
		if lossFunctionNames[cls] {
			t.fail(c.Line, "calling the loss function %s directly is outside the subset", cls)
		}
		t.fail(c.Line, "loss %s is not one kerago implements", cls)
	}
	a := t.bind(c, cls)
	var opts []string
	if e, ok := a.get("from_logits"); ok {
		opts = append(opts, "losses.FromLogits("+t.boolArg(e, "from_logits").code+")")
	}
	if e, ok := a.get("label_smoothing"); ok {
		opts = append(opts, "losses.LabelSmoothing("+t.floatOf(e, "label_smoothing").code+")")
	}
	if e, ok := a.get("delta"); ok {
		opts = append(opts, "losses.Delta("+t.floatOf(e, "delta").code+")")
	}
	if e, ok := a.get("ignore_class"); ok && !isNone(e) {
		opts = append(opts, "losses.IgnoreClass("+t.intOf(e, "ignore_class").code+")")
	}
	if e, ok := a.get("reduction"); ok && !isNone(e) {
		opts = append(opts, "losses.WithReduction("+t.stringOf(e, "reduction").code+")")
	}
	if e, ok := a.get("name"); ok && !isNone(e) {
		opts = append(opts, "losses.WithName("+t.stringOf(e, "name").code+")")
	}
	if e, ok := a.get("axis"); ok {
		if v := t.intOf(e, "axis"); v.lit == nil || v.lit.i != -1 {
			t.fail(c.Line, "loss axis other than -1 is outside the subset")
		}
	}
	a.done()
	return val{code: "losses." + fn + "(" + strings.Join(opts, ", ") + ")", kind: kLoss}
}

var metricClasses = map[string]bool{
	"AUC": true, "Accuracy": true, "BinaryAccuracy": true, "BinaryCrossentropy": true, "CategoricalAccuracy": true,
	"CategoricalCrossentropy": true, "CategoricalHinge": true, "CosineSimilarity": true, "Hinge": true,
	"KLDivergence": true, "LogCoshError": true, "MeanAbsoluteError": true, "MeanAbsolutePercentageError": true,
	"MeanSquaredError": true, "MeanSquaredLogarithmicError": true, "Poisson": true, "Precision": true, "Recall": true,
	"RootMeanSquaredError": true, "SparseCategoricalAccuracy": true, "SparseCategoricalCrossentropy": true,
	"SparseTopKCategoricalAccuracy": true, "SquaredHinge": true, "TopKCategoricalAccuracy": true,
}

func (t *translator) metricObject(cls string, c *Call) val {
	if !metricClasses[cls] {
		t.fail(c.Line, "metric %s is not one kerago implements", cls)
	}
	a := t.bind(c, cls)
	var opts []string
	if e, ok := a.get("name"); ok && !isNone(e) {
		opts = append(opts, "metrics.WithName("+t.stringOf(e, "name").code+")")
	}
	if e, ok := a.get("thresholds"); ok && !isNone(e) {
		opts = append(opts, "metrics.Thresholds("+strings.Join(t.floatsOf(e, "thresholds"), ", ")+")")
	}
	if e, ok := a.get("threshold"); ok && !isNone(e) {
		opts = append(opts, "metrics.Threshold("+t.floatOf(e, "threshold").code+")")
	}
	if e, ok := a.get("k"); ok {
		opts = append(opts, "metrics.K("+t.intOf(e, "k").code+")")
	}
	if e, ok := a.get("num_thresholds"); ok {
		opts = append(opts, "metrics.NumThresholds("+t.intOf(e, "num_thresholds").code+")")
	}
	if e, ok := a.get("from_logits"); ok {
		opts = append(opts, "metrics.FromLogits("+t.boolArg(e, "from_logits").code+")")
	}
	if e, ok := a.get("label_smoothing"); ok {
		opts = append(opts, "metrics.LabelSmoothing("+t.floatOf(e, "label_smoothing").code+")")
	}
	if e, ok := a.get("ignore_class"); ok && !isNone(e) {
		opts = append(opts, "metrics.IgnoreClass("+t.intOf(e, "ignore_class").code+")")
	}
	a.ignore("kerago computes in float32", "dtype")
	a.done()
	return val{code: "metrics." + cls + "(" + strings.Join(opts, ", ") + ")", kind: kMetric}
}

// lossOf translates compile's loss argument.
func (t *translator) lossOf(e Expr) string {
	v := t.expr(e)
	switch v.kind {
	case kString:
		return t.materialize(v, "loss").code
	case kLoss:
		return t.materialize(v, "loss").code
	case kModule:
		parts := strings.Split(v.ref, ".")
		last := parts[len(parts)-1]
		if c := canon(v.ref); strings.HasPrefix(c, "keras:losses.") && lossFunctionNames[last] {
			return strconv.Quote(last)
		}
		if _, ok := lossClasses[last]; ok {
			t.fail(e.exprLine(), "pass a loss object (%s()) rather than the class", last)
		}
	}
	t.fail(e.exprLine(), "loss %s is outside the subset", describe(v))
	return ""
}

// metricsOf translates compile's metrics list.
func (t *translator) metricsOf(e Expr) ([]string, int) {
	v := t.expr(e)
	var elems []val
	switch v.kind {
	case kPyList:
		elems = v.elems
	case kString, kMetric:
		elems = []val{v}
	case kStrList:
		return []string{"STRLIST:" + v.code}, -1
	default:
		t.fail(e.exprLine(), "metrics must be a list, got %s", describe(v))
	}
	var out []string
	for _, el := range elems {
		switch el.kind {
		case kString:
			out = append(out, t.materialize(el, "metric").code)
		case kMetric:
			out = append(out, t.materialize(el, "metric").code)
		case kModule:
			parts := strings.Split(el.ref, ".")
			last := parts[len(parts)-1]
			if c := canon(el.ref); (strings.HasPrefix(c, "keras:metrics.") || strings.HasPrefix(c, "keras:losses.")) && lossFunctionNames[last] {
				out = append(out, strconv.Quote(last))
				continue
			}
			t.fail(e.exprLine(), "metric %s is outside the subset", el.ref)
		default:
			t.fail(e.exprLine(), "metric %s is outside the subset", describe(el))
		}
	}
	return out, len(out)
}

// keras2Monitor renames Keras 2's monitor='acc'/'val_acc' (how Keras
// before 2.3 logged the metric 'accuracy') to Keras 3's 'accuracy' and
// 'val_accuracy', with a note, unless the script compiles a metric named
// 'acc' (which Keras 3 logs as acc).
func (t *translator) keras2Monitor(a *args, line int) {
	e, ok := a.vals["monitor"]
	if !ok {
		return
	}
	s, ok := e.(*Str)
	if !ok || s.F || (s.Value != "acc" && s.Value != "val_acc") || t.compilesAcc() {
		return
	}
	renamed := strings.TrimSuffix(s.Value, "acc") + "accuracy"
	a.vals["monitor"] = &Str{Line: s.Line, Value: renamed}
	t.note(line, "monitor=%q is Keras 2's name of %q (the metric 'accuracy' logs as accuracy and val_accuracy in Keras 3): renamed, else it would never match", s.Value, renamed)
}

// compilesAcc reports whether the script compiles a metric named 'acc'.
func (t *translator) compilesAcc() bool {
	for _, l := range t.lines {
		code := stripComment(l)
		if strings.Contains(code, "metrics") && (strings.Contains(code, "'acc'") || strings.Contains(code, `"acc"`)) {
			return true
		}
	}
	return false
}

// callback translates keras.callbacks.X(...).
func (t *translator) callback(cls string, c *Call) val {
	switch cls {
	case "EarlyStopping":
		a := t.bind(c, cls, "monitor", "min_delta", "patience", "verbose", "mode", "baseline", "restore_best_weights", "start_from_epoch")
		t.keras2Monitor(a, c.Line)
		fields := t.structFields(a, []fieldMap{
			{"monitor", "Monitor", "s"}, {"min_delta", "MinDelta", "f"}, {"patience", "Patience", "i"},
			{"verbose", "Verbose", "i"}, {"mode", "Mode", "s"}, {"baseline", "Baseline", "pf"},
			{"restore_best_weights", "RestoreBestWeights", "b"}, {"start_from_epoch", "StartFromEpoch", "i"},
		})
		a.done()
		return val{code: "callbacks.NewEarlyStopping(callbacks.EarlyStoppingConfig{" + strings.Join(fields, ", ") + "})", kind: kCallback, goType: "*callbacks.EarlyStopping", fallible: true, hint: "earlyStopping"}
	case "ModelCheckpoint":
		a := t.bind(c, cls, "filepath", "monitor", "verbose", "save_best_only", "save_weights_only", "mode", "save_freq", "initial_value_threshold")
		t.keras2Monitor(a, c.Line)
		if e, ok := a.get("filepath"); ok {
			if v := t.value(e, "filepath"); v.lit != nil && v.kind == kString && strings.HasSuffix(v.lit.s, ".hdf5") {
				t.note(c.Line, "a .hdf5 checkpoint is written in HDF5 as Keras 2 did (the legacy .h5 layout: the whole model, or save_weights's layout with save_weights_only)")
			}
		}
		if e, ok := a.get("period"); ok {
			if v := t.intOf(e, "period"); v.lit == nil || v.lit.i != 1 {
				t.fail(c.Line, "ModelCheckpoint(period=...) from Keras 2 is outside the subset (Keras 3 saves every epoch or every save_freq batches)")
			}
		}
		var freq []string
		if e, ok := a.get("save_freq"); ok {
			v := t.value(e, "save_freq")
			switch {
			case v.kind == kString && v.lit != nil && v.lit.s == "epoch":
			case v.kind == kInt:
				freq = []string{"SaveFreq: " + v.code}
			default:
				t.fail(c.Line, "save_freq must be 'epoch' or an int")
			}
		}
		fields := t.structFields(a, []fieldMap{
			{"filepath", "Filepath", "s"}, {"monitor", "Monitor", "s"}, {"verbose", "Verbose", "i"},
			{"save_best_only", "SaveBestOnly", "b"}, {"save_weights_only", "SaveWeightsOnly", "b"}, {"mode", "Mode", "s"},
			{"initial_value_threshold", "InitialValueThreshold", "pf"},
		})
		fields = append(fields, freq...)
		a.ignore("Keras 2 option with no effect in Keras 3", "options")
		a.done()
		return val{code: "callbacks.NewModelCheckpoint(callbacks.ModelCheckpointConfig{" + strings.Join(fields, ", ") + "})", kind: kCallback, goType: "*callbacks.ModelCheckpoint", fallible: true, hint: "checkpoint"}
	case "ReduceLROnPlateau":
		a := t.bind(c, cls, "monitor", "factor", "patience", "verbose", "mode", "min_delta", "cooldown", "min_lr")
		t.keras2Monitor(a, c.Line)
		if e, ok := a.vals["epsilon"]; ok {
			a.vals["min_delta"] = e
			delete(a.vals, "epsilon")
			t.note(c.Line, "Keras 2 epsilon= is Keras 3's min_delta=")
		}
		explicitZero := false
		for _, k := range []string{"patience", "min_delta"} {
			if e, ok := a.vals[k]; ok {
				v := t.value(e, k)
				if v.lit != nil && v.lit.num() == 0 {
					explicitZero = true
				}
			}
		}
		fields := t.structFields(a, []fieldMap{
			{"monitor", "Monitor", "s"}, {"factor", "Factor", "f"}, {"patience", "Patience", "i"}, {"verbose", "Verbose", "i"},
			{"mode", "Mode", "s"}, {"min_delta", "MinDelta", "f"}, {"cooldown", "Cooldown", "i"}, {"min_lr", "MinLR", "f"},
		})
		if explicitZero {
			if !a.has("patience") {
				fields = append(fields, "Patience: 10")
			}
			if !a.has("min_delta") {
				fields = append(fields, "MinDelta: 1e-4")
			}
			fields = append(fields, "NoDefaults: true")
		}
		a.done()
		return val{code: "callbacks.NewReduceLROnPlateau(callbacks.ReduceLROnPlateauConfig{" + strings.Join(fields, ", ") + "})", kind: kCallback, goType: "*callbacks.ReduceLROnPlateau", fallible: true, hint: "reduceLR"}
	case "LearningRateScheduler":
		a := t.bind(c, cls, "schedule", "verbose")
		s, ok := a.get("schedule")
		if !ok {
			t.fail(c.Line, "LearningRateScheduler needs a schedule")
		}
		fn := t.scheduleFunc(s)
		verbose := "0"
		if e, ok := a.get("verbose"); ok {
			verbose = t.intOf(e, "verbose").code
		}
		a.done()
		return val{code: "callbacks.NewLearningRateScheduler(" + fn + ", " + verbose + ")", kind: kCallback, goType: "*callbacks.LearningRateScheduler", hint: "lrScheduler"}
	case "CSVLogger":
		a := t.bind(c, cls, "filename", "separator", "append")
		f, ok := a.get("filename")
		if !ok {
			t.fail(c.Line, "CSVLogger needs a filename")
		}
		code := "callbacks.NewCSVLogger(" + t.stringOf(f, "filename").code + ")"
		sep, app := "", ""
		if e, ok := a.get("separator"); ok {
			sv := t.stringOf(e, "separator")
			if sv.lit == nil || len([]rune(sv.lit.s)) != 1 {
				t.fail(c.Line, "CSVLogger separator must be one character")
			}
			sep = strconv.QuoteRune([]rune(sv.lit.s)[0])
		}
		if e, ok := a.get("append"); ok {
			app = t.boolArg(e, "append").code
		}
		a.done()
		if sep != "" || app != "" {
			var fields []string
			fields = append(fields, "Filename: "+t.stringOf(f, "filename").code)
			if sep != "" {
				fields = append(fields, "Separator: "+sep)
			}
			if app != "" {
				fields = append(fields, "Append: "+app)
			}
			code = "&callbacks.CSVLogger{" + strings.Join(fields, ", ") + "}"
		}
		return val{code: code, kind: kCallback, goType: "*callbacks.CSVLogger", hint: "csvLogger"}
	case "TerminateOnNaN":
		a := t.bind(c, cls, "raise_error")
		code := "&callbacks.TerminateOnNaN{}"
		if e, ok := a.get("raise_error"); ok {
			code = "&callbacks.TerminateOnNaN{RaiseError: " + t.boolArg(e, "raise_error").code + "}"
		}
		a.done()
		return val{code: code, kind: kCallback, goType: "*callbacks.TerminateOnNaN", hint: "terminateOnNaN"}
	case "History":
		a := t.bind(c, cls)
		a.done()
		return val{code: "callbacks.NewHistory()", kind: kCallback, goType: "*callbacks.History", hint: "history"}
	case "TensorBoard":
		// the logs are for viewing only: training is the same without them
		a := t.bind(c, cls, "log_dir", "histogram_freq", "write_graph", "write_images", "write_steps_per_second",
			"update_freq", "profile_batch", "embeddings_freq", "embeddings_metadata")
		a.ignore("no TensorBoard logs are written", "batch_size", "write_grads", "embeddings_layer_names", "embeddings_data")
		for k := range a.vals {
			a.used[k] = true
		}
		a.done()
		t.note(c.Line, "TensorBoard is left out (a callback that does nothing): kerago writes no TensorBoard logs; training is unchanged, and CSVLogger writes the per-epoch values")
		return val{code: "&callbacks.Base{}", kind: kCallback, goType: "*callbacks.Base", hint: "tensorboard"}
	case "LambdaCallback", "Callback":
		t.fail(c.Line, "callbacks written in Python (%s) are outside the subset", cls)
	}
	t.fail(c.Line, "callback %s is not one kerago implements", cls)
	return val{}
}

type fieldMap struct{ py, field, kind string }

// structFields translates keyword arguments into Go struct fields.
func (t *translator) structFields(a *args, maps []fieldMap) []string {
	var out []string
	for _, m := range maps {
		e, ok := a.get(m.py)
		if !ok || isNone(e) {
			continue
		}
		var code string
		switch m.kind {
		case "s":
			code = t.stringOf(e, m.py).code
		case "f":
			code = t.floatOf(e, m.py).code
		case "i":
			code = t.intOf(e, m.py).code
		case "b":
			code = t.boolArg(e, m.py).code
		case "pf":
			code = "new(" + t.floatOf(e, m.py).code + ")"
			if v := t.floatOf(e, m.py); v.lit != nil && v.kind == kFloat {
				code = "new(" + goFloat(v.lit.f) + ")"
			} else if v.kind == kFloat {
				code = "new(" + v.code + ")"
			}
		}
		out = append(out, m.field+": "+code)
	}
	return out
}

// toCategorical translates to_categorical(y, num_classes).
func (t *translator) toCategorical(c *Call) val {
	a := t.bind(c, "to_categorical", "y", "num_classes")
	y, ok := a.get("y", "x")
	if !ok {
		t.fail(c.Line, "to_categorical needs labels")
	}
	nc := "0"
	if e, ok := a.get("num_classes"); ok && !isNone(e) {
		nc = t.intOf(e, "num_classes").code
	} else if e, ok := a.get("nb_classes"); ok && !isNone(e) {
		t.markKeras1(c.Line, "nb_classes", "num_classes")
		nc = t.intOf(e, "nb_classes").code
	}
	a.ignore("the result is float32", "dtype")
	a.done()
	yv := t.tensorOf(y, "labels")
	return val{code: "data.ToCategorical(" + yv.code + ", " + nc + ")", kind: kTensor, fallible: true, hint: yv.hint + "OneHot"}
}

// numpySeed records np.random.seed for NumPy-style generators.
func (t *translator) numpySeed(sv val, line int) {
	seed := sv.code
	if sv.lit == nil {
		seed = "uint32(" + sv.code + ")"
	}
	if t.rng != nil {
		t.emitf("%s.Seed(%s)", t.rng.goName, seed)
		t.use(t.rng)
		return
	}
	t.rng = t.declareRNG("data.NewRandomState(" + seed + ")")
}

// declareRNG declares the NumPy global generator variable.
func (t *translator) declareRNG(code string) *binding {
	b := &binding{py: "np.random", goName: t.uniqueGo("rng"), kind: kRandomState}
	t.declare(b, val{code: code, kind: kRandomState})
	return b
}

// npRandom returns the NumPy global generator, creating an unseeded one.
func (t *translator) npRandom() string {
	if t.rng == nil {
		t.rng = t.declareRNG("data.NewUnseededRandomState()")
	}
	t.use(t.rng)
	return t.rng.goName
}

// kerasDataset translates keras.datasets.<name>.load_data() for the
// datasets package data reads from Keras's cache.
func (t *translator) kerasDataset(full string, c *Call) val {
	_, rest, _ := strings.Cut(full, "datasets.")
	parts := append([]string{"datasets"}, strings.Split(rest, ".")...)
	if len(parts) != 3 || parts[2] != "load_data" {
		t.fail(c.Line, "%s is outside the subset", full)
	}
	switch parts[1] {
	case "mnist", "fashion_mnist", "boston_housing":
	default:
		t.fail(c.Line, "keras.datasets.%s is outside the subset (kerago reads mnist, fashion_mnist and boston_housing from Keras's cache)", parts[1])
	}
	if len(c.Args) > 0 || len(c.Keywords) > 0 {
		t.fail(c.Line, "keras.datasets.%s.load_data with arguments is outside the subset", parts[1])
	}
	t.needCtx = true
	ds := t.materialize(val{code: "data.LoadKerasDataset(ctx, " + strconv.Quote(parts[1]) + ", true)", fallible: true, hint: parts[1]}, parts[1])
	t.note(c.Line, "keras.datasets.%s is read from Keras's cache (~/.keras/datasets, or $KERAS_HOME/datasets), downloaded from Keras's URL if it is missing", parts[1])
	field := func(f string) val { return val{code: ds.code + "." + f, kind: kTensor, hint: f} }
	return val{kind: kPyList, elems: []val{
		{kind: kPyList, elems: []val{field("XTrain"), field("YTrain")}},
		{kind: kPyList, elems: []val{field("XTest"), field("YTest")}},
	}}
}

// spatialInts is a kernel_size/pool_size/strides argument: one int or a
// tuple of them.
func (t *translator) spatialInts(e Expr, what string) []string {
	if v := t.expr(e); v.kind == kInt {
		return []string{t.intOf(e, what).code}
	}
	ints := t.intsOf(e, what, false)
	if len(ints) == 0 {
		t.fail(e.exprLine(), "%s needs at least one value", what)
	}
	return ints
}

// convArgs are the convolutions' leading Go arguments: filters (not for
// DepthwiseConv) and kernel size (an int for the 1D layers).
func (t *translator) convArgs(c *Call, cls string, a *args) []string {
	var lead []string
	if !strings.HasPrefix(cls, "Depthwise") {
		f, ok := a.get("filters")
		if !ok {
			t.fail(c.Line, "%s needs filters and kernel_size", cls)
		}
		lead = append(lead, t.intOf(f, "filters").code)
	}
	k, ok := a.get("kernel_size")
	if !ok {
		t.fail(c.Line, "%s needs kernel_size", cls)
	}
	ks := t.spatialInts(k, "kernel_size")
	if strings.Contains(cls, "1D") {
		return append(lead, ks[0])
	}
	return append(lead, "[]int{"+strings.Join(ks, ", ")+"}")
}

// poolArgs are the pooling layers' leading Go argument: the pool size
// (Keras's default 2).
func (t *translator) poolArgs(cls string, a *args) []string {
	ps := []string{"2"}
	if e, ok := a.get("pool_size"); ok && !isNone(e) {
		ps = t.spatialInts(e, "pool_size")
	}
	if strings.HasSuffix(cls, "1D") {
		return ps[:1]
	}
	return []string{"[]int{" + strings.Join(ps, ", ") + "}"}
}

// spatialOpts translates the options of the convolution and pooling
// layers: strides, padding, data_format, dilation_rate, groups, keepdims.
func (t *translator) spatialOpts(cls string, a *args) []string {
	var opts []string
	ints := func(key, goOpt string) {
		if e, ok := a.get(key); ok && !isNone(e) {
			opts = append(opts, "layers."+goOpt+"("+strings.Join(t.spatialInts(e, key), ", ")+")")
		}
	}
	strs := func(key, goOpt string) {
		if e, ok := a.get(key); ok && !isNone(e) {
			opts = append(opts, "layers."+goOpt+"("+t.stringOf(e, key).code+")")
		}
	}
	switch {
	case strings.Contains(cls, "Conv"):
		ints("strides", "WithStrides")
		ints("dilation_rate", "WithDilationRate")
		ints("output_padding", "WithOutputPadding")
		if e, ok := a.get("depth_multiplier"); ok && !isNone(e) {
			opts = append(opts, "layers.WithDepthMultiplier("+t.intOf(e, "depth_multiplier").code+")")
		}
		strs("padding", "WithPadding")
		strs("data_format", "WithDataFormat")
		if e, ok := a.get("groups"); ok && !isNone(e) {
			opts = append(opts, "layers.WithGroups("+t.intOf(e, "groups").code+")")
		}
	case strings.HasPrefix(cls, "Global"):
		strs("data_format", "WithDataFormat")
		if e, ok := a.get("keepdims"); ok && !isNone(e) {
			opts = append(opts, "layers.WithKeepDims("+t.boolArg(e, "keepdims").code+")")
		}
	case strings.Contains(cls, "Pooling"):
		ints("strides", "WithStrides")
		strs("padding", "WithPadding")
		strs("data_format", "WithDataFormat")
	}
	return opts
}
