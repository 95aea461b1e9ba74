// Package layers holds kerago's Keras layers: Dense, Activation, Dropout,
// Flatten, Reshape, BatchNormalization, LayerNormalization, Normalization and
// the activation layers (ReLU, LeakyReLU, ELU, PReLU, Softmax,
// ThresholdedReLU), plus the InputLayer.
//
// Each layer builds its variables with Keras's initializers (Build), emits
// its computation into a gorgonia graph (Emit, see package runtime) and
// reports its Keras 3 configuration (Config). Constructors are named like
// Keras's classes and take options prefixed With:
//
//	layers.Dense(10, layers.WithActivation("relu"), layers.WithInputShape(2))
//
// FromConfig builds a layer from a configuration read by package loader.
package layers

import (
	"fmt"

	"github.com/kerago/kerago/keras/constraints"
	"github.com/kerago/kerago/keras/initializers"
	"github.com/kerago/kerago/keras/regularizers"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
)

// Layer is one Keras layer of a Sequential model.
type Layer interface {
	runtime.Stage
	// Name is the layer's name ("dense_1").
	Name() string
	// ClassName is the Keras class name ("Dense").
	ClassName() string
	// Build creates the variables for a per-sample input shape (no batch
	// dimension), initialized with the layer's initializers.
	Build(inputShape []int) error
	// Built reports whether Build succeeded.
	Built() bool
	// OutputShape is the per-sample output shape (after Build).
	OutputShape() []int
	// Variables are the layer's variables in Keras order: trainable then
	// non-trainable (BatchNormalization: gamma, beta, moving_mean,
	// moving_variance).
	Variables() []*runtime.Variable
	// Config is the Keras 3 get_config() of the layer, with Keras's key
	// names and value forms (nested objects as {"module", "class_name",
	// "config", "registered_name"} maps).
	Config() map[string]any
	// InputShape is the per-sample input shape declared on the layer
	// (WithInputShape, or Input's shape), nil if none.
	InputShape() []int
	// SetName renames the layer (and its variables' paths).
	SetName(string)
}

// MultiLayer is a layer called on several tensors or returning several:
// merge layers (Add, Concatenate, ...) and models used as layers. A model
// calls EmitMulti instead of Emit, and BuildMulti instead of Build.
type MultiLayer interface {
	Layer
	// BuildMulti creates the variables for the per-sample shapes of the
	// inputs of the layer's first call.
	BuildMulti(inputShapes [][]int) error
	// OutputShapes are the per-sample shapes of the outputs (after Build).
	OutputShapes() [][]int
	// EmitMulti emits the layer's outputs from its input nodes.
	EmitMulti(g *runtime.Graph, xs []*G.Node, training bool) ([]*G.Node, error)
}

// BuildMultiUninitialized builds l like BuildMulti, skipping the
// initializers when uninitialized (every variable is assigned next).
func BuildMultiUninitialized(l MultiLayer, inputShapes [][]int, uninitialized bool) error {
	if u, ok := l.(interface {
		buildMulti(shapes [][]int, uninitialized bool) error
	}); ok {
		return u.buildMulti(inputShapes, uninitialized)
	}
	if lb, ok := l.(interface{ layerBase() *base }); ok && uninitialized {
		b := lb.layerBase()
		b.noInit = true
		defer func() { b.noInit = false }()
	}
	return l.BuildMulti(inputShapes)
}

// Option configures a layer. Options that do not apply to a layer are
// reported by Build.
type Option func(*options)

type options struct {
	name       string
	inputShape []int
	trainable  *bool
	seed       *int64

	activation *string
	useBias    *bool
	units      int

	kernelInit, biasInit                      initializers.Initializer
	gammaInit, betaInit, meanInit, varInit    initializers.Initializer
	alphaInit                                 initializers.Initializer
	kernelReg, biasReg, gammaReg, betaReg     regularizers.Regularizer
	alphaReg                                  regularizers.Regularizer
	kernelCons, biasCons, gammaCons, betaCons constraints.Constraint
	alphaCons                                 constraints.Constraint
	momentum, epsilon                         *float64
	axis                                      []int
	axisSet                                   bool
	center, scale, rmsScaling                 *bool
	maxValue, negativeSlope, threshold, alpha *float64
	theta                                     *float64
	sharedAxes                                []int
	noiseShape                                []int
	mean, variance                            []float64
	meanShape                                 []int
	invert                                    bool
	kerasMajor                                int

	activityReg regularizers.Regularizer

	// spatial layers (spatial.go)
	strides, dilation, outputPadding   []int
	padding, dataFormat, interpolation *string
	groups, depthMultiplier            int
	keepdims                           *bool
	depthwiseInit, pointwiseInit       initializers.Initializer
	depthwiseReg, pointwiseReg         regularizers.Regularizer
	depthwiseCons, pointwiseCons       constraints.Constraint
	used                               map[string]bool
}

func (o *options) set(key string) {
	if o.used == nil {
		o.used = map[string]bool{}
	}
	o.used[key] = true
}

// check reports options given to a layer that does not take them.
func (o *options) check(class string, allowed ...string) error {
	ok := map[string]bool{"name": true, "input_shape": true, "trainable": true, "keras_major": true, "activity_regularizer": true}
	for _, a := range allowed {
		ok[a] = true
	}
	for k := range o.used {
		if !ok[k] {
			return fmt.Errorf("layers: %s does not take option %s", class, k)
		}
	}
	return nil
}

func f64(v float64) *float64 { return &v }
func bptr(v bool) *bool      { return &v }

// WithActivityRegularizer penalizes the layer's outputs (Keras's
// activity_regularizer=...): regularizer(output) / batch size is added to
// the loss.
func WithActivityRegularizer(r regularizers.Regularizer) Option {
	return func(o *options) { o.activityReg = r; o.set("activity_regularizer") }
}

// WithName sets the layer name (default: the model assigns dense, dense_1, ...).
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithInputShape declares the per-sample input shape on the first layer
// (Keras input_shape=(...) / input_dim=n).
func WithInputShape(shape ...int) Option {
	return func(o *options) { o.inputShape = append([]int{}, shape...) }
}

// WithTrainable sets whether the layer's weights are trained (default true).
// A non-trainable BatchNormalization also normalizes with its moving
// statistics during training, as in Keras.
func WithTrainable(t bool) Option { return func(o *options) { o.trainable = bptr(t) } }

// WithKerasMajor selects Keras-generation semantics (2: Keras 2's
// hard_sigmoid); default 3.
func WithKerasMajor(m int) Option { return func(o *options) { o.kerasMajor = m } }

// WithActivation sets a layer's activation by Keras name ("relu", "softmax",
// ...; "linear" or "" for none).
func WithActivation(name string) Option {
	return func(o *options) { o.activation = &name; o.set("activation") }
}

// WithUseBias turns the bias of Dense on or off (default on).
func WithUseBias(b bool) Option { return func(o *options) { o.useBias = bptr(b); o.set("use_bias") } }

// WithKernelInitializer sets Dense's kernel initializer (default glorot_uniform).
func WithKernelInitializer(i initializers.Initializer) Option {
	return func(o *options) { o.kernelInit = i; o.set("kernel_initializer") }
}

// WithBiasInitializer sets Dense's bias initializer (default zeros).
func WithBiasInitializer(i initializers.Initializer) Option {
	return func(o *options) { o.biasInit = i; o.set("bias_initializer") }
}

// WithKernelRegularizer adds a penalty on Dense's kernel to the loss.
func WithKernelRegularizer(r regularizers.Regularizer) Option {
	return func(o *options) { o.kernelReg = r; o.set("kernel_regularizer") }
}

// WithBiasRegularizer adds a penalty on Dense's bias to the loss.
func WithBiasRegularizer(r regularizers.Regularizer) Option {
	return func(o *options) { o.biasReg = r; o.set("bias_regularizer") }
}

// WithKernelConstraint constrains Dense's kernel after each update.
func WithKernelConstraint(c constraints.Constraint) Option {
	return func(o *options) { o.kernelCons = c; o.set("kernel_constraint") }
}

// WithBiasConstraint constrains Dense's bias after each update.
func WithBiasConstraint(c constraints.Constraint) Option {
	return func(o *options) { o.biasCons = c; o.set("bias_constraint") }
}

// WithGammaInitializer sets the gamma (scale) initializer of the
// normalization layers (default ones).
func WithGammaInitializer(i initializers.Initializer) Option {
	return func(o *options) { o.gammaInit = i; o.set("gamma_initializer") }
}

// WithBetaInitializer sets the beta (offset) initializer (default zeros).
func WithBetaInitializer(i initializers.Initializer) Option {
	return func(o *options) { o.betaInit = i; o.set("beta_initializer") }
}

// WithMovingMeanInitializer sets BatchNormalization's moving_mean
// initializer (default zeros).
func WithMovingMeanInitializer(i initializers.Initializer) Option {
	return func(o *options) { o.meanInit = i; o.set("moving_mean_initializer") }
}

// WithMovingVarianceInitializer sets BatchNormalization's moving_variance
// initializer (default ones).
func WithMovingVarianceInitializer(i initializers.Initializer) Option {
	return func(o *options) { o.varInit = i; o.set("moving_variance_initializer") }
}

// WithGammaRegularizer, WithBetaRegularizer: penalties on the normalization
// parameters.
func WithGammaRegularizer(r regularizers.Regularizer) Option {
	return func(o *options) { o.gammaReg = r; o.set("gamma_regularizer") }
}

// WithBetaRegularizer adds a penalty on beta to the loss.
func WithBetaRegularizer(r regularizers.Regularizer) Option {
	return func(o *options) { o.betaReg = r; o.set("beta_regularizer") }
}

// WithGammaConstraint constrains gamma after each update.
func WithGammaConstraint(c constraints.Constraint) Option {
	return func(o *options) { o.gammaCons = c; o.set("gamma_constraint") }
}

// WithBetaConstraint constrains beta after each update.
func WithBetaConstraint(c constraints.Constraint) Option {
	return func(o *options) { o.betaCons = c; o.set("beta_constraint") }
}

// WithAlphaInitializer, WithAlphaRegularizer, WithAlphaConstraint configure
// PReLU's alpha (default initializer zeros).
func WithAlphaInitializer(i initializers.Initializer) Option {
	return func(o *options) { o.alphaInit = i; o.set("alpha_initializer") }
}

// WithAlphaRegularizer adds a penalty on PReLU's alpha.
func WithAlphaRegularizer(r regularizers.Regularizer) Option {
	return func(o *options) { o.alphaReg = r; o.set("alpha_regularizer") }
}

// WithAlphaConstraint constrains PReLU's alpha.
func WithAlphaConstraint(c constraints.Constraint) Option {
	return func(o *options) { o.alphaCons = c; o.set("alpha_constraint") }
}

// WithMomentum sets BatchNormalization's momentum (default 0.99).
func WithMomentum(m float64) Option {
	return func(o *options) { o.momentum = f64(m); o.set("momentum") }
}

// WithEpsilon sets the normalization epsilon (default 1e-3).
func WithEpsilon(e float64) Option { return func(o *options) { o.epsilon = f64(e); o.set("epsilon") } }

// WithAxis sets the axis (or axes) of BatchNormalization (one axis),
// LayerNormalization, Normalization (kept axes) and Softmax, counted on the
// batched input (Keras's convention: -1 is the last axis, 1 the first
// feature axis).
func WithAxis(axes ...int) Option {
	return func(o *options) { o.axis = append([]int{}, axes...); o.axisSet = true; o.set("axis") }
}

// WithCenter turns the beta offset of the normalization layers on or off.
func WithCenter(c bool) Option { return func(o *options) { o.center = bptr(c); o.set("center") } }

// WithScale turns the gamma scale of the normalization layers on or off.
func WithScale(s bool) Option { return func(o *options) { o.scale = bptr(s); o.set("scale") } }

// WithRMSScaling selects LayerNormalization's rms_scaling.
func WithRMSScaling(r bool) Option {
	return func(o *options) { o.rmsScaling = bptr(r); o.set("rms_scaling") }
}

// WithMaxValue sets ReLU's max_value.
func WithMaxValue(v float64) Option {
	return func(o *options) { o.maxValue = f64(v); o.set("max_value") }
}

// WithNegativeSlope sets ReLU's and LeakyReLU's negative_slope.
func WithNegativeSlope(v float64) Option {
	return func(o *options) { o.negativeSlope = f64(v); o.set("negative_slope") }
}

// WithThreshold sets ReLU's threshold.
func WithThreshold(v float64) Option {
	return func(o *options) { o.threshold = f64(v); o.set("threshold") }
}

// WithAlpha sets ELU's alpha.
func WithAlpha(v float64) Option { return func(o *options) { o.alpha = f64(v); o.set("alpha") } }

// WithTheta sets ThresholdedReLU's theta (default 1.0).
func WithTheta(v float64) Option { return func(o *options) { o.theta = f64(v); o.set("theta") } }

// WithSharedAxes sets PReLU's shared_axes (axes of the batched input, ≥ 1,
// along which alpha is shared).
func WithSharedAxes(axes ...int) Option {
	return func(o *options) { o.sharedAxes = append([]int{}, axes...); o.set("shared_axes") }
}

// WithSeed seeds Dropout's random generator.
func WithSeed(s int64) Option { return func(o *options) { o.seed = &s; o.set("seed") } }

// WithNoiseShape sets Dropout's noise_shape (batched; -1 stands for None,
// the input's size).
func WithNoiseShape(shape ...int) Option {
	return func(o *options) { o.noiseShape = append([]int{}, shape...); o.set("noise_shape") }
}

// WithMean and WithVariance give Normalization fixed statistics instead of
// adapt(): one value each, or one per position of the kept axes.
func WithMean(v ...float64) Option {
	return func(o *options) { o.mean = append([]float64{}, v...); o.set("mean") }
}

// WithVariance: see WithMean.
func WithVariance(v ...float64) Option {
	return func(o *options) { o.variance = append([]float64{}, v...); o.set("variance") }
}

// WithInvert makes Normalization undo a normalization: mean + x·sqrt(var).
func WithInvert(inv bool) Option { return func(o *options) { o.invert = inv; o.set("invert") } }

func collect(opts []Option) *options {
	o := &options{}
	for _, f := range opts {
		if f != nil {
			f(o)
		}
	}
	return o
}

// base is what every layer shares.
type base struct {
	name      string
	class     string
	trainable bool
	declared  []int
	inShape   []int
	outShape  []int
	built     bool
	vars      []*runtime.Variable
	err       error // construction error, reported by Build
	major     int
	noInit    bool // BuildUninitialized: leave variables zero
	// activityReg penalizes the layer's outputs (Keras's
	// activity_regularizer), nil for none.
	activityReg regularizers.Regularizer
}

// ActivityRegularizer returns the layer's activity_regularizer (nil for
// none): the model adds its penalty on every output, divided by the batch
// size, to the training and evaluation loss, as Keras 3 does.
func (b *base) ActivityRegularizer() regularizers.Regularizer { return b.activityReg }

func (b *base) layerBase() *base { return b }

// BuildUninitialized builds l like l.Build but leaves its variables zero
// instead of running their initializers. It is for callers that assign
// every variable right after, such as loading weights from a file: random
// initialization of a large model costs more than reading its weights.
func BuildUninitialized(l Layer, inputShape []int) error {
	if lb, ok := l.(interface{ layerBase() *base }); ok {
		b := lb.layerBase()
		b.noInit = true
		defer func() { b.noInit = false }()
	}
	return l.Build(inputShape)
}

func newBase(class string, o *options) base {
	b := base{name: o.name, class: class, trainable: true, declared: o.inputShape, major: o.kerasMajor, activityReg: o.activityReg}
	if o.trainable != nil {
		b.trainable = *o.trainable
	}
	if b.major == 0 {
		b.major = 3
	}
	return b
}

// Name returns the layer's name.
func (b *base) Name() string { return b.name }

// ClassName returns the Keras class name.
func (b *base) ClassName() string { return b.class }

// Built reports whether Build succeeded.
func (b *base) Built() bool { return b.built }

// OutputShape returns the per-sample output shape (nil before Build).
func (b *base) OutputShape() []int { return append([]int(nil), b.outShape...) }

// Variables returns the layer's variables in Keras order.
func (b *base) Variables() []*runtime.Variable { return append([]*runtime.Variable(nil), b.vars...) }

// InputShape returns the declared per-sample input shape, or nil.
func (b *base) InputShape() []int { return append([]int(nil), b.declared...) }

// SetName renames the layer and its variables.
func (b *base) SetName(n string) {
	b.name = n
	for _, v := range b.vars {
		v.Path = n + "/" + v.Name
	}
}

// Trainable reports whether the layer's weights are trained.
func (b *base) Trainable() bool { return b.trainable }

// SetTrainable freezes or unfreezes the layer's weights (Keras's
// layer.trainable = ...).
func (b *base) SetTrainable(t bool) {
	b.trainable = t
	for _, v := range b.vars {
		if isTrainableSlot(b.class, v.Name) {
			v.Trainable = t
		}
	}
}

// isTrainableSlot reports which variables are trainable when the layer is.
func isTrainableSlot(class, name string) bool {
	switch name {
	case "moving_mean", "moving_variance", "mean", "variance", "count":
		return false
	}
	return true
}

func (b *base) begin(inputShape []int) error {
	if b.err != nil {
		return fmt.Errorf("layers: %s %q: %w", b.class, b.name, b.err)
	}
	if b.built {
		if !equalInts(b.inShape, inputShape) {
			return fmt.Errorf("layers: %s %q was built for input shape %v, not %v", b.class, b.name, b.inShape, inputShape)
		}
		return nil
	}
	for _, d := range inputShape {
		if d <= 0 {
			return fmt.Errorf("layers: %s %q: input shape %v has a non-positive dimension", b.class, b.name, inputShape)
		}
	}
	return nil
}

func (b *base) errorf(format string, args ...any) error {
	return fmt.Errorf("layers: %s %q: %s", b.class, b.name, fmt.Sprintf(format, args...))
}

// addVar creates a variable initialized by init.
func (b *base) addVar(name string, shape []int, init initializers.Initializer, trainable bool, reg regularizers.Regularizer, cons constraints.Constraint) (*runtime.Variable, error) {
	t, err := tensor.New(shape...)
	if err != nil {
		return nil, b.errorf("variable %s: %v", name, err)
	}
	if init != nil && !b.noInit {
		if err := init.Init(shape, t.Data()); err != nil {
			return nil, b.errorf("initializing %s: %v", name, err)
		}
	}
	v := &runtime.Variable{Name: name, Path: b.name + "/" + name, Value: t, Trainable: trainable}
	if reg != nil {
		v.Regularizer = reg
	}
	if cons != nil {
		// validate the constraint's axes on this shape once
		probe := append([]float32(nil), t.Data()...)
		if err := cons.Apply(probe, shape); err != nil {
			return nil, b.errorf("constraint on %s: %v", name, err)
		}
		v.Constraint = &constraint{c: cons}
	}
	b.vars = append(b.vars, v)
	return v, nil
}

// constraint adapts a keras/constraints.Constraint to runtime.Constraint.
// Its shape checks are done when the variable is created, so Apply cannot
// fail on the variable it belongs to.
type constraint struct{ c constraints.Constraint }

// Apply projects w in place.
func (c *constraint) Apply(w []float32, shape []int) { _ = c.c.Apply(w, shape) }

// Unwrap returns the keras/constraints constraint (for saving configs).
func (c *constraint) Unwrap() constraints.Constraint { return c.c }

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}
