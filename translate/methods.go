package translate

import (
	"strconv"
	"strings"
)

// method translates recv.name(...) for a receiver that is a value.
func (t *translator) method(recv val, name string, c *Call) val {
	switch recv.kind {
	case kModel:
		return t.modelMethod(t.materialize(recv, "model"), name, c)
	case kNormLayer:
		if name == "adapt" {
			a := t.bind(c, "adapt", "data", "batch_size", "steps")
			d, ok := a.get("data")
			if !ok {
				t.fail(c.Line, "adapt needs data")
			}
			a.done()
			x := t.tensorOf(d, "adaptData")
			recv = t.materialize(recv, "normalizer")
			return val{code: recv.code + ".Adapt(" + x.code + ")", noValue: true}
		}
	case kLayer:
		switch name {
		case "get_weights", "set_weights", "get_config":
			t.fail(c.Line, "layer.%s is outside the subset (use model.get_weights/set_weights)", name)
		}
	case kTensor:
		switch name {
		case "astype":
			if len(c.Args) == 1 {
				switch dtypeName(c.Args[0]) {
				case "float32", "float64", "float", "double", "single":
					return recv // kerago arrays are float32 already
				}
			}
		case "to_numpy", "numpy":
			return recv
		}
		return t.tensorMethod(t.materialize(recv, "arr"), name, c)
	case kFrame:
		return t.frameMethod(t.materialize(recv, "df"), name, c)
	case kStdScaler, kMinMaxScaler:
		return t.scalerMethod(t.materialize(recv, "scaler"), name, c)
	case kLabelEncoder:
		return t.encoderMethod(t.materialize(recv, "encoder"), name, c)
	case kNpz:
		if name == "close" {
			return val{noValue: true, code: ""}
		}
	case kString:
		return t.stringMethod(recv, name, c)
	case kHistDict:
		if name == "keys" {
			t.fail(c.Line, "history.history.keys() is outside the subset (the keys are loss, the metrics, and val_ versions)")
		}
	}
	t.fail(c.Line, ".%s() on %s is outside the subset", name, describe(recv))
	return val{}
}

func (t *translator) modelMethod(m val, name string, c *Call) val {
	switch name {
	case "add":
		a := t.bind(c, "add", "layer")
		l, ok := a.get("layer")
		if !ok {
			t.fail(c.Line, "model.add needs a layer")
		}
		a.done()
		lv := t.materialize(t.layerArg(l), "layer")
		if mi := m.model; mi != nil {
			mi.layers++
			t.onUndo(func() { mi.layers-- })
		}
		return val{code: m.code + ".Add(" + lv.code + ")", noValue: true}
	case "compile":
		return t.compileCall(m, c)
	case "fit":
		return t.fitCall(m, c)
	case "fit_generator", "evaluate_generator", "predict_generator":
		t.fail(c.Line, "model.%s (Python generators) is outside the subset", name)
	case "evaluate":
		return t.evaluateCall(m, c)
	case "predict", "predict_proba":
		a := t.bind(c, name, "x", "batch_size", "verbose", "steps", "callbacks")
		x, ok := a.get("x")
		if !ok {
			t.fail(c.Line, "predict needs x")
		}
		var fields []string
		if e, ok := a.get("batch_size"); ok && !isNone(e) {
			fields = append(fields, "BatchSize: "+t.intOf(e, "batch_size").code)
		}
		if e, ok := a.get("verbose"); ok {
			if v := t.verbosity(e); v != "" && v != "keras.Silent" {
				fields = append(fields, "Verbose: "+v)
			}
		}
		if e, ok := a.get("steps"); ok && !isNone(e) {
			t.fail(c.Line, "predict(steps=...) is outside the subset")
		}
		if e, ok := a.get("callbacks"); ok && !isNone(e) {
			fields = append(fields, "Callbacks: "+t.callbacksOf(e))
		}
		a.done()
		xv := t.tensorOf(x, "x")
		if name == "predict_proba" {
			t.note(c.Line, "predict_proba (Keras 1/2) is predict")
		}
		if len(fields) == 0 {
			return val{code: m.code + ".Predict(" + xv.code + ")", kind: kTensor, fallible: true, hint: "predictions"}
		}
		return val{code: m.code + ".PredictWithConfig(" + xv.code + ", keras.PredictConfig{" + strings.Join(fields, ", ") + "})", kind: kTensor, fallible: true, hint: "predictions"}
	case "predict_classes":
		t.fail(c.Line, "predict_classes (removed in Keras 2.6) is outside the subset: use np.argmax(model.predict(x), axis=1)")
	case "predict_on_batch":
		a := t.bind(c, name, "x")
		x := a.need("x")
		a.done()
		xv := t.tensorOf(x, "x")
		return val{code: m.code + ".PredictOnBatch(" + xv.code + ")", kind: kTensor, fallible: true, hint: "predictions"}
	case "train_on_batch", "test_on_batch":
		a := t.bind(c, name, "x", "y", "sample_weight")
		x := a.need("x")
		y, ok := a.get("y")
		if !ok {
			t.fail(c.Line, "%s needs y", name)
		}
		sw := "nil"
		if e, ok := a.get("sample_weight"); ok && !isNone(e) {
			sw = t.tensorOf(e, "sampleWeight").code
		}
		a.ignore("kerago always resets metrics per call", "reset_metrics")
		a.done()
		xv := t.tensorOf(x, "x")
		yv := t.tensorOf(y, "y")
		goName := "TrainOnBatch"
		if name == "test_on_batch" {
			goName = "TestOnBatch"
		}
		logs := val{code: m.code + "." + goName + "(" + xv.code + ", " + yv.code + ", " + sw + ")", kind: kLogs, fallible: true, hint: "batchLogs"}
		return t.logsResult(logs, m, false)
	case "summary":
		a := t.bind(c, "summary")
		a.done()
		return val{code: m.code + ".Summary(os.Stdout)", noValue: true}
	case "save":
		a := t.bind(c, "save", "filepath", "overwrite", "save_format")
		p, ok := a.get("filepath")
		if !ok {
			t.fail(c.Line, "save needs a file path")
		}
		pv := t.stringOf(p, "filepath")
		if e, ok := a.get("save_format"); ok && !isNone(e) {
			f := t.stringOf(e, "save_format")
			if f.lit != nil && f.lit.s == "tf" {
				t.fail(c.Line, "the TensorFlow SavedModel format is outside the subset: save to .keras or .h5")
			}
		}
		if pv.lit != nil {
			low := strings.ToLower(pv.lit.s)
			if !strings.HasSuffix(low, ".keras") && !strings.HasSuffix(low, ".h5") && !strings.HasSuffix(low, ".hdf5") {
				t.fail(c.Line, "saving to %q (a TensorFlow SavedModel directory) is outside the subset: save to .keras or .h5", pv.lit.s)
			}
		}
		a.ignore("kerago overwrites", "overwrite")
		a.ignore("kerago always saves the optimizer", "include_optimizer")
		a.done()
		return val{code: m.code + ".Save(" + pv.code + ")", noValue: true}
	case "save_weights":
		a := t.bind(c, "save_weights", "filepath", "overwrite", "save_format")
		p, ok := a.get("filepath")
		if !ok {
			t.fail(c.Line, "save_weights needs a file path")
		}
		pv := t.stringOf(p, "filepath")
		a.ignore("kerago overwrites", "overwrite")
		a.ignore("the format follows the file name", "save_format")
		a.done()
		return val{code: m.code + ".SaveWeights(" + pv.code + ")", noValue: true}
	case "load_weights":
		a := t.bind(c, "load_weights", "filepath", "by_name", "skip_mismatch")
		p, ok := a.get("filepath")
		if !ok {
			t.fail(c.Line, "load_weights needs a file path")
		}
		if e, ok := a.get("by_name"); ok {
			if v := t.boolArg(e, "by_name"); v.lit == nil || v.lit.b {
				t.fail(c.Line, "load_weights(by_name=True) is outside the subset")
			}
		}
		if e, ok := a.get("skip_mismatch"); ok {
			if v := t.boolArg(e, "skip_mismatch"); v.lit == nil || v.lit.b {
				t.fail(c.Line, "load_weights(skip_mismatch=True) is outside the subset")
			}
		}
		a.done()
		pv := t.stringOf(p, "filepath")
		return val{code: m.code + ".LoadWeights(" + pv.code + ")", noValue: true}
	case "get_weights":
		a := t.bind(c, "get_weights")
		a.done()
		return val{code: m.code + ".GetWeights()", kind: kTensorList, hint: "weights"}
	case "set_weights":
		a := t.bind(c, "set_weights", "weights")
		w, ok := a.get("weights")
		if !ok {
			t.fail(c.Line, "set_weights needs a list of arrays")
		}
		a.done()
		wv := t.tensorListOf(w)
		return val{code: m.code + ".SetWeights(" + wv + ")", noValue: true}
	case "build":
		a := t.bind(c, "build", "input_shape")
		s, ok := a.get("input_shape")
		if !ok {
			t.fail(c.Line, "build needs input_shape")
		}
		a.done()
		dims := t.intsOf(s, "input_shape", true)
		if len(dims) < 2 || dims[0] != "-1" {
			t.fail(c.Line, "build(input_shape) needs (None, ...) with the batch dimension first")
		}
		return val{code: m.code + ".Build(" + strings.Join(dims[1:], ", ") + ")", noValue: true}
	case "count_params", "to_json", "to_yaml", "get_config", "pop", "get_layer":
		t.fail(c.Line, "model.%s is outside the subset", name)
	}
	t.fail(c.Line, "model.%s is outside the subset", name)
	return val{}
}

// tensorListOf translates a list of arrays ([np.load(...), ...] or
// model.get_weights()).
func (t *translator) tensorListOf(e Expr) string {
	v := t.expr(e)
	switch v.kind {
	case kTensorList:
		return t.materialize(v, "weights").code
	case kPyList:
		var parts []string
		for i, el := range v.elems {
			line := e.exprLine()
			if i < len(v.lines) {
				line = v.lines[i]
			}
			hint := "w" + strconv.Itoa(i)
			if el.hint != "" && el.hint != "arr" {
				hint = el.hint
			}
			parts = append(parts, t.toTensor(el, line, hint).code)
		}
		return "[]*tensor.Tensor{" + strings.Join(parts, ", ") + "}"
	}
	t.fail(e.exprLine(), "a list of arrays is needed, got %s", describe(v))
	return ""
}

func (t *translator) compileCall(m val, c *Call) val {
	a := t.bind(c, "compile", "optimizer", "loss", "metrics", "loss_weights", "weighted_metrics")
	var fields []string
	if e, ok := a.get("optimizer"); ok && !isNone(e) {
		v := t.expr(e)
		switch v.kind {
		case kString:
			if v.lit != nil {
				t.defaultLRNote(strings.ToLower(v.lit.s))
			}
			fields = append(fields, "Optimizer: "+t.materialize(v, "optimizer").code)
		case kOptimizer:
			fields = append(fields, "Optimizer: "+t.materialize(v, "opt").code)
		default:
			t.fail(c.Line, "optimizer %s is outside the subset", describe(v))
		}
	}
	if e, ok := a.get("loss"); ok && !isNone(e) {
		if d, isDict := e.(*DictExpr); isDict || d != nil {
			t.fail(c.Line, "a loss per output (dict) is outside the subset")
		}
		if l, isList := e.(*ListExpr); isList {
			if len(l.Elts) != 1 {
				t.fail(c.Line, "several losses (multi-output models) are outside the subset")
			}
			e = l.Elts[0]
		}
		fields = append(fields, "Loss: "+t.lossOf(e))
	} else {
		t.fail(c.Line, "compile without a loss is outside the subset")
	}
	nMetrics := 0
	known := true
	for _, k := range []struct{ py, field string }{{"metrics", "Metrics"}, {"weighted_metrics", "WeightedMetrics"}} {
		e, ok := a.get(k.py)
		if !ok || isNone(e) {
			continue
		}
		if _, isDict := e.(*DictExpr); isDict {
			t.fail(c.Line, "metrics per output (dict) are outside the subset")
		}
		ms, n := t.metricsOf(e)
		if n < 0 {
			known = false
			fields = append(fields, k.field+": data.Anys("+strings.TrimPrefix(ms[0], "STRLIST:")+")")
			continue
		}
		nMetrics += n
		if len(ms) > 0 {
			fields = append(fields, k.field+": []any{"+strings.Join(ms, ", ")+"}")
		}
	}
	if e, ok := a.get("loss_weights"); ok && !isNone(e) {
		t.fail(c.Line, "loss_weights (multi-output models) are outside the subset")
	}
	if e, ok := a.get("sample_weight_mode"); ok && !isNone(e) {
		t.fail(c.Line, "sample_weight_mode is outside the subset")
	}
	a.ignore("kerago runs its own graph", "run_eagerly", "jit_compile", "steps_per_execution", "auto_scale_loss")
	a.done()
	if m.bind != nil {
		b := m.bind
		old := b.model
		t.onUndo(func() { b.model = old })
		b.model = &modelInfo{compiled: true, metrics: nMetrics, metricsKnown: known}
	}
	return val{code: m.code + ".Compile(keras.CompileConfig{" + strings.Join(fields, ", ") + "})", noValue: true}
}

// verbosity translates verbose= to a keras.Verbosity ("" for the default).
func (t *translator) verbosity(e Expr) string {
	v := t.value(e, "verbose")
	if v.lit != nil {
		switch {
		case v.lit.kind == kString && v.lit.s == "auto":
			return ""
		case v.lit.kind == kInt || v.lit.kind == kBool:
			switch int64(v.lit.num()) {
			case 0:
				return "keras.Silent"
			case 1:
				return "keras.VerboseProgressBar"
			case 2:
				return "keras.VerboseOneLine"
			}
		}
		t.fail(e.exprLine(), "verbose=%s is outside the subset", v.code)
	}
	if v.kind == kInt {
		return "data.Verbose(" + v.code + ")"
	}
	t.fail(e.exprLine(), "verbose must be 0, 1, 2 or 'auto'")
	return ""
}

// callbacksOf translates a callbacks list.
func (t *translator) callbacksOf(e Expr) string {
	v := t.expr(e)
	switch v.kind {
	case kCallbackList:
		return t.materialize(v, "callbacks").code
	case kCallback:
		return "[]callbacks.Callback{" + t.materialize(v, "callback").code + "}"
	case kPyList:
		var parts []string
		for _, el := range v.elems {
			if el.kind != kCallback {
				t.fail(e.exprLine(), "%s is not a callback kerago implements", describe(el))
			}
			parts = append(parts, t.materialize(el, el.hint).code)
		}
		return "[]callbacks.Callback{" + strings.Join(parts, ", ") + "}"
	}
	t.fail(e.exprLine(), "callbacks must be a list of callbacks, got %s", describe(v))
	return ""
}

func (t *translator) fitCall(m val, c *Call) val {
	a := t.bind(c, "fit", "x", "y", "batch_size", "epochs", "verbose", "callbacks", "validation_split", "validation_data", "shuffle", "class_weight", "sample_weight", "initial_epoch", "steps_per_epoch", "validation_steps", "validation_batch_size", "validation_freq")
	x, ok := a.get("x")
	if !ok {
		t.fail(c.Line, "fit needs x")
	}
	y, ok := a.get("y")
	if !ok || isNone(y) {
		t.fail(c.Line, "fit without y (a dataset or generator) is outside the subset")
	}
	var fields []string
	if e, ok := a.get("batch_size"); ok && !isNone(e) {
		fields = append(fields, "BatchSize: "+t.intOf(e, "batch_size").code)
	}
	if e, ok := a.get("epochs"); ok {
		fields = append(fields, "Epochs: "+t.intOf(e, "epochs").code)
	} else if e, ok := a.get("nb_epoch"); ok {
		t.markKeras1(c.Line, "nb_epoch", "epochs")
		fields = append(fields, "Epochs: "+t.intOf(e, "nb_epoch").code)
	}
	if e, ok := a.get("verbose"); ok {
		if v := t.verbosity(e); v != "" {
			fields = append(fields, "Verbose: "+v)
		}
	}
	if e, ok := a.get("callbacks"); ok && !isNone(e) {
		fields = append(fields, "Callbacks: "+t.callbacksOf(e))
	}
	if e, ok := a.get("validation_split"); ok {
		v := t.floatOf(e, "validation_split")
		if !(v.lit != nil && v.lit.f == 0) {
			fields = append(fields, "ValidationSplit: "+v.code)
		}
	}
	if e, ok := a.get("validation_data"); ok && !isNone(e) {
		vd := t.expr(e)
		if vd.kind != kPyList || len(vd.elems) < 2 || len(vd.elems) > 3 {
			t.fail(c.Line, "validation_data must be a tuple (x_val, y_val[, sample_weight])")
		}
		parts := []string{"X: " + t.toTensor(vd.elems[0], c.Line, "xVal").code, "Y: " + t.toTensor(vd.elems[1], c.Line, "yVal").code}
		if len(vd.elems) == 3 && vd.elems[2].kind != kNone {
			parts = append(parts, "SampleWeight: "+t.toTensor(vd.elems[2], c.Line, "swVal").code)
		}
		fields = append(fields, "ValidationData: &keras.ValidationData{"+strings.Join(parts, ", ")+"}")
	}
	if e, ok := a.get("shuffle"); ok {
		v := t.value(e, "shuffle")
		switch {
		case v.lit != nil && v.lit.kind == kBool && !v.lit.b:
			fields = append(fields, "Shuffle: keras.ShuffleOff")
		case v.lit != nil && v.lit.kind == kBool && v.lit.b:
		case v.lit != nil && v.lit.kind == kString && v.lit.s == "batch":
			fields = append(fields, "Shuffle: keras.ShuffleBatch")
		default:
			t.fail(c.Line, "shuffle must be True, False or 'batch'")
		}
		if !(v.lit != nil && v.lit.kind == kBool && !v.lit.b) {
			t.note(c.Line, "batches are shuffled by kerago's generator, not TensorFlow's, so their order differs from the Python run (shuffle=False gives the same order)")
		}
	} else {
		t.note(c.Line, "batches are shuffled by kerago's generator, not TensorFlow's, so their order differs from the Python run (shuffle=False gives the same order)")
	}
	if e, ok := a.get("class_weight"); ok && !isNone(e) {
		fields = append(fields, "ClassWeight: "+t.classWeight(e))
	}
	if e, ok := a.get("sample_weight"); ok && !isNone(e) {
		fields = append(fields, "SampleWeight: "+t.tensorOf(e, "sampleWeight").code)
	}
	for _, k := range []struct{ py, field string }{{"initial_epoch", "InitialEpoch"}, {"steps_per_epoch", "StepsPerEpoch"}, {"validation_steps", "ValidationSteps"}, {"validation_batch_size", "ValidationBatchSize"}, {"validation_freq", "ValidationFreq"}} {
		if e, ok := a.get(k.py); ok && !isNone(e) {
			fields = append(fields, k.field+": "+t.intOf(e, k.py).code)
		}
	}
	a.ignore("kerago trains in-process", "workers", "use_multiprocessing", "max_queue_size")
	a.ignore("Keras 0.x option with no effect", "show_accuracy")
	a.done()
	xv := t.tensorOf(x, "x")
	yv := t.tensorOf(y, "y")
	if t.seedExpr != "" {
		fields = append(fields, "Seed: "+t.seedExpr)
	}
	t.needCtx = true
	cfg := "keras.FitConfig{" + strings.Join(fields, ", ") + "}"
	return val{code: m.code + ".Fit(ctx, " + xv.code + ", " + yv.code + ", " + cfg + ")", kind: kHistory, fallible: true, hint: "history"}
}

// classWeight translates a {class: weight} dict.
func (t *translator) classWeight(e Expr) string {
	v := t.expr(e)
	if v.kind != kDict {
		t.fail(e.exprLine(), "class_weight must be a dict literal {class: weight}")
	}
	var parts []string
	for i, k := range v.keys {
		k = t.materialize(k, "class")
		if k.kind != kInt {
			t.fail(e.exprLine(), "class_weight keys must be ints")
		}
		w := t.materialize(v.elems[i], "weight")
		if !w.isNumber() {
			t.fail(e.exprLine(), "class_weight values must be numbers")
		}
		parts = append(parts, k.code+": "+asFloat(w))
	}
	return "map[int]float64{" + strings.Join(parts, ", ") + "}"
}

func (t *translator) evaluateCall(m val, c *Call) val {
	a := t.bind(c, "evaluate", "x", "y", "batch_size", "verbose", "sample_weight", "steps", "callbacks", "return_dict")
	x, ok := a.get("x")
	if !ok {
		t.fail(c.Line, "evaluate needs x")
	}
	y, ok := a.get("y")
	if !ok || isNone(y) {
		t.fail(c.Line, "evaluate without y (a dataset) is outside the subset")
	}
	var fields []string
	if e, ok := a.get("batch_size"); ok && !isNone(e) {
		fields = append(fields, "BatchSize: "+t.intOf(e, "batch_size").code)
	}
	if e, ok := a.get("verbose"); ok {
		if v := t.verbosity(e); v != "" {
			fields = append(fields, "Verbose: "+v)
		}
	}
	if e, ok := a.get("sample_weight"); ok && !isNone(e) {
		fields = append(fields, "SampleWeight: "+t.tensorOf(e, "sampleWeight").code)
	}
	if e, ok := a.get("steps"); ok && !isNone(e) {
		fields = append(fields, "Steps: "+t.intOf(e, "steps").code)
	}
	if e, ok := a.get("callbacks"); ok && !isNone(e) {
		fields = append(fields, "Callbacks: "+t.callbacksOf(e))
	}
	returnDict := false
	if e, ok := a.get("return_dict"); ok {
		v := t.boolArg(e, "return_dict")
		if v.lit == nil {
			t.fail(c.Line, "return_dict must be True or False")
		}
		returnDict = v.lit.b
	}
	a.ignore("kerago evaluates in-process", "workers", "use_multiprocessing", "max_queue_size")
	a.done()
	xv := t.tensorOf(x, "x")
	yv := t.tensorOf(y, "y")
	logs := val{code: m.code + ".Evaluate(" + xv.code + ", " + yv.code + ", keras.EvaluateConfig{" + strings.Join(fields, ", ") + "})", kind: kLogs, fallible: true, hint: "scoreLogs"}
	return t.logsResult(logs, m, returnDict)
}

// logsResult turns evaluate's Logs into what Keras returns: the loss alone
// when the model has no metrics, else the list [loss, metrics...].
func (t *translator) logsResult(logs val, m val, returnDict bool) val {
	if returnDict {
		return logs
	}
	info := m.model
	if m.bind != nil && m.bind.model != nil {
		info = m.bind.model
	}
	l := t.materialize(logs, logs.hint)
	if info != nil && info.metricsKnown && info.metrics == 0 {
		return val{code: "data.LogValues(" + l.code + ")[0]", kind: kFloat, hint: "loss"}
	}
	return val{code: "data.LogValues(" + l.code + ")", kind: kFloatList, hint: "score"}
}

func (t *translator) tensorMethod(x val, name string, c *Call) val {
	switch name {
	case "reshape":
		var dims []string
		if len(c.Args) == 1 {
			dims = t.intsOf(c.Args[0], "shape", false)
		} else {
			for _, e := range c.Args {
				dims = append(dims, t.intOf(e, "shape").code)
			}
		}
		if len(c.Keywords) > 0 {
			t.fail(c.Line, "reshape keywords (order=) are outside the subset")
		}
		return val{code: x.code + ".Reshape(" + strings.Join(dims, ", ") + ")", kind: kTensor, fallible: true, hint: x.hint}
	case "astype":
		a := t.bind(c, "astype", "dtype")
		d := a.need("dtype")
		a.ignore("kerago makes a copy when needed", "copy")
		a.done()
		return t.asType(x, d, c.Line)
	case "argmax", "mean", "std", "min", "max", "sum":
		a := t.bind(c, name, "axis")
		ax, hasAxis := a.get("axis")
		a.done()
		if !hasAxis || isNone(ax) {
			switch name {
			case "mean":
				return val{code: "data.Mean(" + x.code + ")", kind: kFloat}
			case "sum":
				return val{code: "data.Sum(" + x.code + ")", kind: kFloat}
			}
			t.fail(c.Line, "%s() without axis is outside the subset", name)
		}
		if name == "sum" {
			t.fail(c.Line, "sum(axis=...) is outside the subset")
		}
		fn := map[string]string{"argmax": "data.Argmax", "mean": "data.MeanAxis", "std": "data.StdAxis", "min": "data.MinAxis", "max": "data.MaxAxis"}[name]
		return val{code: fn + "(" + x.code + ", " + t.intOf(ax, "axis").code + ")", kind: kTensor, fallible: true, hint: x.hint + upperFirst(name)}
	case "flatten", "ravel":
		if len(c.Args) > 0 || len(c.Keywords) > 0 {
			t.fail(c.Line, "%s with arguments is outside the subset", name)
		}
		return val{code: x.code + ".Clone().Reshape(-1)", kind: kTensor, fallible: true, hint: x.hint + "Flat"}
	case "copy":
		return val{code: x.code + ".Clone()", kind: kTensor}
	case "tolist":
		if len(c.Args) > 0 || len(c.Keywords) > 0 {
			t.fail(c.Line, "tolist takes no arguments")
		}
		return val{code: "data.ToList(" + x.code + ")", kind: kFloatList, fallible: true, hint: x.hint + "List"}
	case "item":
		return val{code: "data.Item(" + x.code + ")", kind: kFloat, fallible: true}
	case "to_numpy", "numpy":
		return x
	}
	t.fail(c.Line, "array method .%s() is outside the subset", name)
	return val{}
}

// asType translates x.astype(dtype).
func (t *translator) asType(x val, d Expr, line int) val {
	dtype := ""
	switch e := d.(type) {
	case *Str:
		dtype = e.Value
	case *Attr:
		dtype = e.Attr
	case *Name:
		dtype = e.ID
	default:
		t.fail(line, "astype needs a dtype name")
	}
	switch dtype {
	case "float32", "float64", "float", "double", "single", "float16":
		return x
	case "int", "int32", "int64", "int16", "int8", "uint8", "bool":
		if x.kind == kFrame {
			t.fail(line, "DataFrame.astype(%s) is outside the subset", dtype)
		}
		x = t.toTensor(x, line, "x")
		return val{code: "data.AsType(" + x.code + ", " + strconv.Quote(dtype) + ")", kind: kTensor, fallible: true, hint: x.hint}
	}
	t.fail(line, "astype(%s) is outside the subset", dtype)
	return val{}
}

func (t *translator) frameMethod(f val, name string, c *Call) val {
	switch name {
	case "drop":
		a := t.bind(c, "drop", "labels", "axis", "index", "columns", "level", "inplace", "errors")
		var cols []string
		if e, ok := a.get("columns"); ok {
			cols = t.stringsOf(e, "columns")
		} else if e, ok := a.get("labels"); ok {
			axis := "0"
			if ax, ok := a.get("axis"); ok {
				v := t.value(ax, "axis")
				switch {
				case v.lit != nil && v.lit.kind == kInt:
					axis = v.code
				case v.lit != nil && v.lit.kind == kString && v.lit.s == "columns":
					axis = "1"
				case v.lit != nil && v.lit.kind == kString && v.lit.s == "index":
					axis = "0"
				default:
					t.fail(c.Line, "drop: axis must be a literal")
				}
			}
			if axis != "1" {
				t.fail(c.Line, "dropping rows (axis=0) is outside the subset")
			}
			cols = t.stringsOf(e, "labels")
		} else {
			t.fail(c.Line, "drop needs column names")
		}
		if e, ok := a.get("inplace"); ok {
			if v := t.boolArg(e, "inplace"); v.lit == nil || v.lit.b {
				t.fail(c.Line, "drop(inplace=True) is outside the subset: assign the result")
			}
		}
		if _, ok := a.get("index"); ok {
			t.fail(c.Line, "dropping rows is outside the subset")
		}
		a.done()
		return val{code: f.code + ".Drop(" + strings.Join(cols, ", ") + ")", kind: kFrame, hint: f.hint}
	case "dropna":
		a := t.bind(c, "dropna")
		a.done()
		return val{code: f.code + ".DropNA()", kind: kFrame, hint: f.hint}
	case "quantile":
		a := t.bind(c, "quantile", "q")
		q := a.need("q")
		a.done()
		return val{code: f.code + ".Quantile(" + asFloat(t.floatOf(q, "q")) + ")", kind: kFrame, hint: "quantile"}
	case "any":
		a := t.bind(c, "any", "axis")
		ax, ok := a.get("axis")
		a.done()
		if v := t.intOf(ax, "axis"); !ok || v.lit == nil || v.lit.i != 1 {
			t.fail(c.Line, "DataFrame.any is translated for axis=1 only")
		}
		return val{code: f.code + ".AnyRows()", kind: kFrame, hint: "mask"}
	case "fillna":
		a := t.bind(c, "fillna", "value")
		e, ok := a.get("value")
		if !ok {
			t.fail(c.Line, "fillna needs a value")
		}
		a.done()
		return val{code: f.code + ".FillNA(" + t.floatOf(e, "value").code + ")", kind: kFrame, hint: f.hint}
	case "head":
		a := t.bind(c, "head", "n")
		n := "5"
		if e, ok := a.get("n"); ok {
			n = t.intOf(e, "n").code
		}
		a.done()
		return val{code: f.code + ".Head(" + n + ")", kind: kFrame, hint: f.hint}
	case "to_numpy":
		a := t.bind(c, "to_numpy", "dtype")
		a.get("dtype")
		a.done()
		return val{code: f.code + ".Values()", kind: kTensor, fallible: true, hint: f.hint + "Values"}
	case "astype":
		a := t.bind(c, "astype", "dtype")
		d := a.need("dtype")
		a.done()
		return t.asType(f, d, c.Line)
	case "copy":
		return f
	case "pop":
		a := t.bind(c, "pop", "item")
		e, ok := a.get("item")
		if !ok {
			t.fail(c.Line, "pop needs a column name")
		}
		a.done()
		col := t.stringOf(e, "column")
		if f.bind == nil || f.bind.alias != nil || f.code != f.bind.goName {
			t.fail(c.Line, "DataFrame.pop is translated on a DataFrame variable")
		}
		hint := "popped"
		if col.lit != nil {
			hint = col.lit.s
		}
		b := f.bind
		t.after = append(t.after, func() { t.emitf("%s = %s.Drop(%s)", b.goName, b.goName, col.code) })
		return val{code: f.code + ".Col(" + col.code + ")", kind: kFrame, hint: hint}
	case "map", "replace":
		if name == "replace" && len(c.Args) == 2 {
			return t.replaceNaN(f, c)
		}
		a := t.bind(c, name, "arg")
		e, ok := a.get("arg")
		if !ok {
			t.fail(c.Line, "%s needs a dict", name)
		}
		a.done()
		d := t.expr(e)
		if d.kind != kDict {
			t.fail(c.Line, "Series.%s is translated for a dict literal only", name)
		}
		var parts []string
		for i, k := range d.keys {
			k = t.materialize(k, "key")
			v := t.materialize(d.elems[i], "value")
			if !v.isNumber() {
				t.fail(c.Line, "Series.%s: mapped values must be numbers", name)
			}
			var key string
			switch k.kind {
			case kString:
				key = k.code
			case kInt, kFloat, kBool:
				if k.lit == nil {
					t.fail(c.Line, "Series.%s: keys must be literals", name)
				}
				key = strconv.Quote(pyStrOfLit(k.lit))
			default:
				t.fail(c.Line, "Series.%s: keys must be strings or numbers", name)
			}
			parts = append(parts, key+": "+asFloat(v))
		}
		if name == "replace" {
			t.fail(c.Line, "Series.replace is outside the subset (use map)")
		}
		return val{code: f.code + ".Map(map[string]float64{" + strings.Join(parts, ", ") + "})", kind: kFrame, hint: f.hint}
	}
	t.fail(c.Line, "DataFrame.%s is outside the subset", name)
	return val{}
}

// pyStrOfLit is Python's str() of a literal number.
func pyStrOfLit(l *literal) string {
	switch l.kind {
	case kInt:
		return strconv.FormatInt(l.i, 10)
	case kBool:
		if l.b {
			return "True"
		}
		return "False"
	}
	s := strconv.FormatFloat(l.f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

func (t *translator) scalerMethod(s val, name string, c *Call) val {
	switch name {
	case "fit", "transform", "fit_transform", "inverse_transform", "partial_fit":
		a := t.bind(c, name, "X", "y")
		x, ok := a.get("X")
		if !ok {
			t.fail(c.Line, "%s needs X", name)
		}
		a.get("y")
		a.ignore("kerago transforms a copy", "copy")
		a.done()
		xv := t.tensorOf(x, "x")
		switch name {
		case "fit":
			return val{code: s.code + ".Fit(" + xv.code + ")", noValue: true}
		case "partial_fit":
			t.fail(c.Line, "partial_fit is outside the subset")
		}
		goName := map[string]string{"transform": "Transform", "fit_transform": "FitTransform", "inverse_transform": "InverseTransform"}[name]
		return val{code: s.code + "." + goName + "(" + xv.code + ")", kind: kTensor, fallible: true, hint: xv.hint + "Scaled"}
	}
	t.fail(c.Line, "scaler.%s is outside the subset", name)
	return val{}
}

func (t *translator) encoderMethod(e val, name string, c *Call) val {
	switch name {
	case "fit", "transform", "fit_transform":
		a := t.bind(c, name, "y")
		y, ok := a.get("y")
		if !ok {
			t.fail(c.Line, "%s needs y", name)
		}
		a.done()
		yv := t.value(y, "labels")
		if yv.kind != kFrame {
			t.fail(c.Line, "LabelEncoder.%s is translated for a DataFrame column (Series)", name)
		}
		switch name {
		case "fit":
			return val{code: e.code + ".Fit(" + yv.code + ")", noValue: true}
		case "transform":
			return val{code: e.code + ".Transform(" + yv.code + ")", kind: kTensor, fallible: true, hint: "labels"}
		}
		return val{code: e.code + ".FitTransform(" + yv.code + ")", kind: kTensor, fallible: true, hint: "labels"}
	}
	t.fail(c.Line, "LabelEncoder.%s is outside the subset", name)
	return val{}
}

// olderDefaultLR are learning-rate defaults of standalone Keras 1/2 that
// Keras 3 changed to 0.001.
var olderDefaultLR = map[string]string{"adadelta": "1.0", "adagrad": "0.01", "adamax": "0.002", "nadam": "0.002"}

// defaultLRNote warns when an optimizer's default learning rate differs
// between Keras generations.
func (t *translator) defaultLRNote(name string) {
	if lr, ok := olderDefaultLR[name]; ok {
		t.note(t.curFrom, "%s's default learning rate is Keras 3's 0.001 (standalone Keras 1/2 used %s): pass learning_rate explicitly if the script was written for those", name, lr)
	}
}

// replaceNaN translates df.replace('text', np.nan).
func (t *translator) replaceNaN(f val, c *Call) val {
	a := t.bind(c, "replace", "to_replace", "value")
	from, to := a.need("to_replace"), a.need("value")
	a.done()
	fv := t.stringOf(from, "to_replace")
	if tv := t.expr(to); tv.kind != kModule || (tv.ref != "numpy.nan" && tv.ref != "numpy.NaN" && tv.ref != "numpy.NAN") {
		t.fail(c.Line, "DataFrame.replace is translated for replace('text', np.nan) and a dict only")
	}
	return val{code: f.code + ".ReplaceWithNaN(" + fv.code + ")", kind: kFrame, hint: f.hint}
}
