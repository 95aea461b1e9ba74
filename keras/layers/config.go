package layers

import (
	"fmt"
	"github.com/kerago/kerago/internal/cfgval"
	"math"

	"github.com/kerago/kerago/keras/constraints"
	"github.com/kerago/kerago/keras/initializers"
	"github.com/kerago/kerago/keras/regularizers"
	"github.com/kerago/kerago/loader"
)

// ---- serialization (Keras 3 get_config value forms) ----

func dtypePolicy() map[string]any {
	return map[string]any{
		"module": "keras", "class_name": "DTypePolicy",
		"config": map[string]any{"name": "float32"}, "registered_name": nil,
	}
}

func (b *base) baseConfig() map[string]any {
	c := map[string]any{"name": b.name, "trainable": b.trainable, "dtype": dtypePolicy()}
	if b.activityReg != nil {
		c["activity_regularizer"] = serialReg(b.activityReg)
	}
	return c
}

func serialObj(module, class string, cfg map[string]any) map[string]any {
	if cfg == nil {
		cfg = map[string]any{}
	}
	return map[string]any{"module": module, "class_name": class, "config": cfg, "registered_name": nil}
}

func serialInit(i initializers.Initializer) any {
	if i == nil {
		return nil
	}
	return serialObj("keras.initializers", i.ClassName(), i.Config())
}

func serialReg(r regularizers.Regularizer) any {
	if r == nil {
		return nil
	}
	return serialObj("keras.regularizers", r.ClassName(), r.Config())
}

func serialCons(c constraints.Constraint) any {
	if c == nil {
		return nil
	}
	return serialObj("keras.constraints", c.ClassName(), c.Config())
}

func intsAny(s []int) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// ---- parsing (loader.LayerConfig values: float64, bool, string, []any, map) ----

// cfgReader reads typed values from a layer config and remembers the first
// error.
type cfgReader struct {
	class, name string
	c           map[string]any
	err         error
}

func (r *cfgReader) fail(key string, v any, want string) {
	if r.err == nil {
		r.err = fmt.Errorf("layers: %s %q: config %q is %v (%T), expected %s", r.class, r.name, key, v, v, want)
	}
}

func (r *cfgReader) has(key string) bool {
	v, ok := r.c[key]
	return ok && v != nil
}

func (r *cfgReader) float(key string, def float64) float64 {
	if !r.has(key) {
		return def
	}
	f, ok := cfgval.Float(r.c[key])
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		r.fail(key, r.c[key], "a finite number")
		return def
	}
	return f
}

// optFloat returns nil for a missing or null key.
func (r *cfgReader) optFloat(key string) *float64 {
	if !r.has(key) {
		return nil
	}
	f := r.float(key, 0)
	return &f
}

func (r *cfgReader) int(key string, def int) int {
	if !r.has(key) {
		return def
	}
	f, ok := cfgval.Float(r.c[key])
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<40 {
		r.fail(key, r.c[key], "an integer")
		return def
	}
	return int(f)
}

func (r *cfgReader) bool(key string, def bool) bool {
	if !r.has(key) {
		return def
	}
	b, ok := r.c[key].(bool)
	if !ok {
		r.fail(key, r.c[key], "true or false")
		return def
	}
	return b
}

func (r *cfgReader) str(key, def string) string {
	if !r.has(key) {
		return def
	}
	s, ok := r.c[key].(string)
	if !ok {
		r.fail(key, r.c[key], "a string")
		return def
	}
	return s
}

// ints reads an int or a list of ints (null entries become -1); nil when
// missing.
func (r *cfgReader) ints(key string) []int {
	if !r.has(key) {
		return nil
	}
	switch x := r.c[key].(type) {
	case []any:
		out := make([]int, len(x))
		for i, e := range x {
			if e == nil {
				out[i] = -1
				continue
			}
			f, ok := cfgval.Float(e)
			if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<40 {
				r.fail(key, r.c[key], "a list of integers")
				return nil
			}
			out[i] = int(f)
		}
		return out
	case []int:
		return append([]int{}, x...)
	}
	f, ok := cfgval.Float(r.c[key])
	if !ok || f != math.Trunc(f) {
		r.fail(key, r.c[key], "an integer or a list of integers")
		return nil
	}
	return []int{int(f)}
}

// floats flattens a number or nested lists of numbers; shape is the nesting
// shape (nil for a scalar).
func (r *cfgReader) floats(key string) (vals []float64, shape []int) {
	if !r.has(key) {
		return nil, nil
	}
	var walk func(v any, depth int) bool
	walk = func(v any, depth int) bool {
		if depth > 32 {
			return false
		}
		switch x := v.(type) {
		case []any:
			if len(shape) == depth {
				shape = append(shape, len(x))
			} else if shape[depth] != len(x) {
				return false
			}
			for _, e := range x {
				if !walk(e, depth+1) {
					return false
				}
			}
			return true
		}
		f, ok := cfgval.Float(v)
		if !ok || len(shape) != depth {
			return false
		}
		vals = append(vals, f)
		return true
	}
	if !walk(r.c[key], 0) {
		r.fail(key, r.c[key], "a number or a (nested) list of numbers")
		return nil, nil
	}
	return vals, shape
}

// objConfig splits a serialized Keras object (normalized {"class_name",
// "config"} map, or a plain string name).
func objConfig(v any) (class string, cfg map[string]any, isName bool, ok bool) {
	switch x := v.(type) {
	case string:
		return x, nil, true, true
	case map[string]any:
		cn, _ := x["class_name"].(string)
		if cn == "" {
			return "", nil, false, false
		}
		c, _ := x["config"].(map[string]any)
		if c == nil {
			c = map[string]any{}
		}
		return cn, c, false, true
	}
	return "", nil, false, false
}

func (r *cfgReader) initializer(key string, def initializers.Initializer) initializers.Initializer {
	if !r.has(key) {
		return def
	}
	cls, cfg, isName, ok := objConfig(r.c[key])
	if !ok {
		r.fail(key, r.c[key], "an initializer name or object")
		return def
	}
	var i initializers.Initializer
	var err error
	if isName {
		i, err = initializers.Get(cls)
	} else {
		i, err = initializers.FromConfig(cls, cfg)
	}
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("layers: %s %q: %s: %w", r.class, r.name, key, err)
	}
	if i == nil {
		return def
	}
	return i
}

func (r *cfgReader) regularizer(key string) regularizers.Regularizer {
	if !r.has(key) {
		return nil
	}
	cls, cfg, isName, ok := objConfig(r.c[key])
	if !ok {
		r.fail(key, r.c[key], "a regularizer name or object")
		return nil
	}
	var reg regularizers.Regularizer
	var err error
	if isName {
		reg, err = regularizers.Get(cls)
	} else {
		reg, err = regularizers.FromConfig(cls, cfg)
	}
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("layers: %s %q: %s: %w", r.class, r.name, key, err)
	}
	return reg
}

func (r *cfgReader) constraint(key string) constraints.Constraint {
	if !r.has(key) {
		return nil
	}
	cls, cfg, isName, ok := objConfig(r.c[key])
	if !ok {
		r.fail(key, r.c[key], "a constraint name or object")
		return nil
	}
	var c constraints.Constraint
	var err error
	if isName {
		c, err = constraints.Get(cls)
	} else {
		c, err = constraints.FromConfig(cls, cfg)
	}
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("layers: %s %q: %s: %w", r.class, r.name, key, err)
	}
	return c
}

// activation reads an activation name (string, or a Keras object whose
// config is the name).
func (r *cfgReader) activation(key string) string {
	if !r.has(key) {
		return "linear"
	}
	switch x := r.c[key].(type) {
	case string:
		return x
	case map[string]any:
		if s, ok := x["config"].(string); ok {
			return s
		}
		if c, ok := x["config"].(map[string]any); ok {
			if s, ok := c["name"].(string); ok {
				return s
			}
		}
	}
	r.fail(key, r.c[key], "an activation name")
	return "linear"
}

// FromConfig builds a layer from a normalized configuration (loader/model.go:
// Keras 3 key names, nested objects as {"class_name", "config"} maps; raw
// Keras 3 configs work too). kerasMajor selects version-dependent
// semantics (Keras 2's hard_sigmoid is clip(0.2x+0.5, 0, 1), Keras 3's
// relu6(x+3)/6); 0 means 3. The layer is not built.
func FromConfig(lc loader.LayerConfig, kerasMajor int) (Layer, error) {
	r := &cfgReader{class: lc.ClassName, name: lc.Name, c: lc.Config}
	if r.c == nil {
		r.c = map[string]any{}
	}
	name := lc.Name
	if name == "" {
		name = r.str("name", "")
	}
	common := []Option{WithName(name), WithKerasMajor(kerasMajor)}
	if r.has("trainable") {
		common = append(common, WithTrainable(r.bool("trainable", true)))
	}
	if r.has("activity_regularizer") && r.c["activity_regularizer"] != nil {
		common = append(common, WithActivityRegularizer(r.regularizer("activity_regularizer")))
	}
	var l Layer
	switch lc.ClassName {
	case "InputLayer":
		shape := r.ints("batch_shape")
		if shape == nil {
			shape = r.ints("batch_input_shape")
		}
		if len(shape) > 0 {
			shape = shape[1:]
		} else if s := r.ints("shape"); s != nil {
			shape = s
		}
		for _, d := range shape {
			if d <= 0 {
				r.fail("batch_shape", r.c["batch_shape"], "known (positive) per-sample dimensions")
			}
		}
		in := Input(shape...)
		in.SetName(name)
		l = in
	case "Dense":
		units := r.int("units", 0)
		if units <= 0 && r.err == nil {
			r.fail("units", r.c["units"], "a positive integer")
		}
		opts := append(common,
			WithActivation(r.activation("activation")),
			WithUseBias(r.bool("use_bias", true)),
			WithKernelInitializer(r.initializer("kernel_initializer", initializers.GlorotUniform())),
			WithBiasInitializer(r.initializer("bias_initializer", initializers.Zeros())),
			WithKernelRegularizer(r.regularizer("kernel_regularizer")),
			WithBiasRegularizer(r.regularizer("bias_regularizer")),
			WithKernelConstraint(r.constraint("kernel_constraint")),
			WithBiasConstraint(r.constraint("bias_constraint")))
		l = Dense(units, opts...)
	case "Activation":
		l = Activation(r.activation("activation"), common...)
	case "Dropout":
		rate := r.float("rate", 0)
		opts := common
		if r.has("seed") {
			opts = append(opts, WithSeed(int64(r.int("seed", 0))))
		}
		if ns := r.ints("noise_shape"); ns != nil {
			opts = append(opts, WithNoiseShape(ns...))
		}
		l = Dropout(rate, opts...)
	case "Flatten":
		l = Flatten(append(common, WithDataFormat(r.str("data_format", "channels_last")))...)
	case "Reshape":
		ts := r.ints("target_shape")
		if ts == nil && r.err == nil {
			r.fail("target_shape", r.c["target_shape"], "a list of integers")
		}
		l = Reshape(ts, common...)
	case "BatchNormalization":
		opts := append(common,
			WithAxis(r.int("axis", -1)),
			WithMomentum(r.float("momentum", 0.99)),
			WithEpsilon(r.float("epsilon", 1e-3)),
			WithCenter(r.bool("center", true)),
			WithScale(r.bool("scale", true)),
			WithBetaInitializer(r.initializer("beta_initializer", initializers.Zeros())),
			WithGammaInitializer(r.initializer("gamma_initializer", initializers.Ones())),
			WithMovingMeanInitializer(r.initializer("moving_mean_initializer", initializers.Zeros())),
			WithMovingVarianceInitializer(r.initializer("moving_variance_initializer", initializers.Ones())),
			WithBetaRegularizer(r.regularizer("beta_regularizer")),
			WithGammaRegularizer(r.regularizer("gamma_regularizer")),
			WithBetaConstraint(r.constraint("beta_constraint")),
			WithGammaConstraint(r.constraint("gamma_constraint")))
		if r.bool("renorm", false) && r.err == nil {
			r.err = fmt.Errorf("layers: BatchNormalization %q: renorm=True is not supported", name)
		}
		l = BatchNormalization(opts...)
	case "LayerNormalization":
		axes := r.ints("axis")
		if axes == nil {
			axes = []int{-1}
		}
		opts := append(common,
			WithAxis(axes...),
			WithEpsilon(r.float("epsilon", 1e-3)),
			WithCenter(r.bool("center", true)),
			WithScale(r.bool("scale", true)),
			WithRMSScaling(r.bool("rms_scaling", false)),
			WithBetaInitializer(r.initializer("beta_initializer", initializers.Zeros())),
			WithGammaInitializer(r.initializer("gamma_initializer", initializers.Ones())),
			WithBetaRegularizer(r.regularizer("beta_regularizer")),
			WithGammaRegularizer(r.regularizer("gamma_regularizer")),
			WithBetaConstraint(r.constraint("beta_constraint")),
			WithGammaConstraint(r.constraint("gamma_constraint")))
		l = LayerNormalization(opts...)
	case "Normalization":
		opts := append(common, WithInvert(r.bool("invert", false)))
		if v, ok := r.c["axis"]; ok {
			if v == nil {
				opts = append(opts, WithAxis())
			} else {
				opts = append(opts, WithAxis(r.ints("axis")...))
			}
		}
		mean, ms := r.floats("mean")
		variance, vs := r.floats("variance")
		if (mean == nil) != (variance == nil) && r.err == nil {
			r.err = fmt.Errorf("layers: Normalization %q: mean and variance must be given together", name)
		}
		if mean != nil {
			if !equalInts(ms, vs) && r.err == nil {
				r.err = fmt.Errorf("layers: Normalization %q: mean shape %v and variance shape %v differ", name, ms, vs)
			}
			opts = append(opts, WithMean(mean...), WithVariance(variance...), withMeanShape(ms))
		}
		l = Normalization(opts...)
	case "ReLU":
		opts := append(common,
			WithNegativeSlope(r.float("negative_slope", 0)),
			WithThreshold(r.float("threshold", 0)))
		if mv := r.optFloat("max_value"); mv != nil {
			opts = append(opts, WithMaxValue(*mv))
		}
		l = ReLU(opts...)
	case "LeakyReLU":
		slope := r.float("negative_slope", math.NaN())
		if math.IsNaN(slope) {
			slope = r.float("alpha", 0.3)
		}
		l = LeakyReLU(append(common, WithNegativeSlope(slope))...)
	case "ELU":
		l = ELU(append(common, WithAlpha(r.float("alpha", 1)))...)
	case "PReLU":
		opts := append(common,
			WithAlphaInitializer(r.initializer("alpha_initializer", initializers.Zeros())),
			WithAlphaRegularizer(r.regularizer("alpha_regularizer")),
			WithAlphaConstraint(r.constraint("alpha_constraint")))
		if sa := r.ints("shared_axes"); sa != nil {
			opts = append(opts, WithSharedAxes(sa...))
		}
		l = PReLU(opts...)
	case "Softmax":
		ax := r.ints("axis")
		if ax == nil {
			ax = []int{-1}
		}
		l = Softmax(append(common, WithAxis(ax...))...)
	case "ThresholdedReLU":
		l = ThresholdedReLU(append(common, WithTheta(r.float("theta", 1)))...)
	default:
		var ok bool
		for _, family := range familyReaders {
			if l, ok = family(lc.ClassName, r, common); ok {
				break
			}
		}
		if !ok {
			return nil, fmt.Errorf("layers: layer %q has class %q, which kerago does not run: %w", name, lc.ClassName, loader.ErrUnsupported)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if lb, ok := l.(interface{ layerBase() *base }); ok && lb.layerBase().err != nil {
		return nil, fmt.Errorf("layers: %s %q: %w", lc.ClassName, name, lb.layerBase().err)
	}
	return l, nil
}

// familyReaders build the layers of the families kept in their own files
// (merge, convolution, pooling, reshaping, ...) from their configs.
var familyReaders = [...]func(class string, r *cfgReader, common []Option) (Layer, bool){
	mergeFromConfig,
	reshapingFromConfig,
	convFromConfig,
	poolingFromConfig,
	resamplingFromConfig,
	preprocessingFromConfig,
	noiseFromConfig,
	seqFromConfig,
	rnnFromConfig,
	convLSTMFromConfig,
	wrapperFromConfig,
	attentionFromConfig,
}

func withMeanShape(s []int) Option {
	return func(o *options) { o.meanShape = append([]int(nil), s...) }
}
