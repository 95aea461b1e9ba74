package layers

import (
	"fmt"

	"github.com/kerago/kerago/keras/constraints"
	"github.com/kerago/kerago/keras/initializers"
	"github.com/kerago/kerago/keras/regularizers"
	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// ---------------------------------------------------------------------------
// InputLayer

// InputLayer is Keras's InputLayer: the identity, declaring the per-sample
// input shape. It is the first element of a Sequential.
type InputLayer struct{ base }

// Input returns an InputLayer for per-sample inputs of the given shape
// (keras.Input(shape=...)).
func Input(shape ...int) Layer {
	b := base{class: "InputLayer", trainable: true, declared: append([]int{}, shape...), major: 3}
	return &InputLayer{base: b}
}

// Build checks the input shape.
func (l *InputLayer) Build(in []int) error {
	if err := l.begin(in); err != nil {
		return err
	}
	if l.declared != nil && !equalInts(l.declared, in) {
		return l.errorf("declared shape %v, built with %v", l.declared, in)
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), append([]int{}, in...), true
	return nil
}

// Emit returns x.
func (l *InputLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	return x, nil
}

// Config returns Keras 3's InputLayer config.
func (l *InputLayer) Config() map[string]any {
	shape := l.declared
	if shape == nil {
		shape = l.inShape
	}
	bs := append([]any{nil}, intsAny(shape)...)
	return map[string]any{"batch_shape": bs, "dtype": "float32", "sparse": false, "ragged": false, "name": l.name, "optional": false}
}

// ---------------------------------------------------------------------------
// Dense

// DenseLayer is keras.layers.Dense: activation(x·kernel + bias) on the last
// axis of inputs of any rank.
type DenseLayer struct {
	base
	units      int
	act        *runtime.Activation
	useBias    bool
	kernelInit initializers.Initializer
	biasInit   initializers.Initializer
	kernelReg  regularizers.Regularizer
	biasReg    regularizers.Regularizer
	kernelCons constraints.Constraint
	biasCons   constraints.Constraint
	kernel     *runtime.Variable
	bias       *runtime.Variable
}

// Dense returns a Dense layer with the given number of units (defaults as
// Keras: linear activation, bias on, glorot_uniform kernel, zeros bias).
func Dense(units int, opts ...Option) *DenseLayer {
	o := collect(opts)
	l := &DenseLayer{base: newBase("Dense", o), units: units, useBias: true,
		kernelInit: o.kernelInit, biasInit: o.biasInit,
		kernelReg: o.kernelReg, biasReg: o.biasReg, kernelCons: o.kernelCons, biasCons: o.biasCons}
	if l.kernelInit == nil {
		l.kernelInit = initializers.GlorotUniform()
	}
	if l.biasInit == nil {
		l.biasInit = initializers.Zeros()
	}
	if o.useBias != nil {
		l.useBias = *o.useBias
	}
	name := "linear"
	if o.activation != nil {
		name = *o.activation
	}
	var err error
	if l.act, err = runtime.ActivationByName(name, l.major); err != nil {
		l.err = err
	}
	if units <= 0 {
		l.err = fmt.Errorf("units is %d, want a positive number", units)
	}
	if err := o.check("Dense", "activation", "use_bias", "kernel_initializer", "bias_initializer",
		"kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint"); err != nil && l.err == nil {
		l.err = err
	}
	return l
}

// Units returns the number of units.
func (l *DenseLayer) Units() int { return l.units }

// Activation returns the layer's activation.
func (l *DenseLayer) Activation() *runtime.Activation { return l.act }

// Build creates kernel (in, units) and bias (units,).
func (l *DenseLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	if len(in) == 0 {
		return l.errorf("needs inputs with a last axis, got per-sample shape %v", in)
	}
	out := append(append([]int{}, in[:len(in)-1]...), l.units)
	out, err := l.act.OutputShape(out)
	if err != nil {
		return l.errorf("%v", err)
	}
	k, err := l.addVar("kernel", []int{in[len(in)-1], l.units}, l.kernelInit, l.trainable, l.kernelReg, l.kernelCons)
	if err != nil {
		return err
	}
	l.kernel = k
	if l.useBias {
		if l.bias, err = l.addVar("bias", []int{l.units}, l.biasInit, l.trainable, l.biasReg, l.biasCons); err != nil {
			return err
		}
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), out, true
	return nil
}

// Emit adds x·kernel + bias and the activation.
func (l *DenseLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	shape := []int(x.Shape())
	h := x
	var err error
	if len(shape) != 2 {
		rows := prod(shape[:len(shape)-1])
		if h, err = G.Reshape(x, gt.Shape{rows, shape[len(shape)-1]}); err != nil {
			return nil, l.errorf("%v", err)
		}
	}
	w, err := g.Var(l.kernel)
	if err != nil {
		return nil, err
	}
	if h, err = G.Mul(h, w); err != nil {
		return nil, l.errorf("%v", err)
	}
	if l.bias != nil {
		b, err := g.Var(l.bias)
		if err != nil {
			return nil, err
		}
		if h, err = G.BroadcastAdd(h, b, nil, []byte{0}); err != nil {
			return nil, l.errorf("%v", err)
		}
	}
	if len(shape) != 2 {
		to := append(append(gt.Shape{}, shape[:len(shape)-1]...), l.units)
		if h, err = G.Reshape(h, to); err != nil {
			return nil, l.errorf("%v", err)
		}
	}
	return l.act.Apply(h)
}

// Config returns Keras 3's Dense config.
func (l *DenseLayer) Config() map[string]any {
	c := l.baseConfig()
	c["units"] = l.units
	c["activation"] = l.act.Name()
	c["use_bias"] = l.useBias
	c["kernel_initializer"] = serialInit(l.kernelInit)
	c["bias_initializer"] = serialInit(l.biasInit)
	c["kernel_regularizer"] = serialReg(l.kernelReg)
	c["bias_regularizer"] = serialReg(l.biasReg)
	c["kernel_constraint"] = serialCons(l.kernelCons)
	c["bias_constraint"] = serialCons(l.biasCons)
	c["quantization_config"] = nil
	return c
}

// ---------------------------------------------------------------------------
// Activation

// ActivationLayer is keras.layers.Activation.
type ActivationLayer struct {
	base
	act *runtime.Activation
}

// Activation returns a layer applying the named activation.
func Activation(name string, opts ...Option) *ActivationLayer {
	o := collect(opts)
	l := &ActivationLayer{base: newBase("Activation", o)}
	var err error
	if l.act, err = runtime.ActivationByName(name, l.major); err != nil {
		l.err = err
	}
	if err := o.check("Activation"); err != nil && l.err == nil {
		l.err = err
	}
	return l
}

// Build computes the output shape.
func (l *ActivationLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	out, err := l.act.OutputShape(in)
	if err != nil {
		return l.errorf("%v", err)
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), out, true
	return nil
}

// Emit applies the activation.
func (l *ActivationLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	return l.act.Apply(x)
}

// Config returns Keras 3's Activation config.
func (l *ActivationLayer) Config() map[string]any {
	c := l.baseConfig()
	c["activation"] = l.act.Name()
	return c
}

// ---------------------------------------------------------------------------
// Dropout

// DropoutLayer is keras.layers.Dropout: inverted dropout in training, the
// identity in inference.
type DropoutLayer struct {
	base
	rate       float64
	seed       *int64
	noiseShape []int
}

// Dropout returns a Dropout layer dropping units with probability rate.
func Dropout(rate float64, opts ...Option) *DropoutLayer {
	o := collect(opts)
	l := &DropoutLayer{base: newBase("Dropout", o), rate: rate, seed: o.seed, noiseShape: o.noiseShape}
	if rate < 0 || rate > 1 || rate != rate {
		l.err = fmt.Errorf("rate is %v, want a value in [0, 1]", rate)
	}
	if err := o.check("Dropout", "seed", "noise_shape"); err != nil && l.err == nil {
		l.err = err
	}
	return l
}

// Build records the shape.
func (l *DropoutLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	if l.noiseShape != nil && len(l.noiseShape) != len(in)+1 {
		return l.errorf("noise_shape %v has rank %d, inputs have rank %d (with the batch axis)", l.noiseShape, len(l.noiseShape), len(in)+1)
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), append([]int{}, in...), true
	return nil
}

// Emit applies dropout when training.
func (l *DropoutLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !training || l.rate == 0 {
		return x, nil
	}
	seed := int64(-1)
	if l.seed != nil {
		seed = *l.seed
		if seed < 0 {
			seed = -seed
		}
	}
	return g.Dropout(x, l.rate, l.noiseShape, seed)
}

// Config returns Keras 3's Dropout config.
func (l *DropoutLayer) Config() map[string]any {
	c := l.baseConfig()
	c["rate"] = l.rate
	if l.seed != nil {
		c["seed"] = *l.seed
	} else {
		c["seed"] = nil
	}
	if l.noiseShape != nil {
		ns := make([]any, len(l.noiseShape))
		for i, d := range l.noiseShape {
			if d > 0 {
				ns[i] = d
			}
		}
		c["noise_shape"] = ns
	} else {
		c["noise_shape"] = nil
	}
	return c
}

// ---------------------------------------------------------------------------
// Flatten and Reshape

// FlattenLayer is keras.layers.Flatten (channels_last).
type FlattenLayer struct {
	base
	first bool // data_format channels_first: channels moved last first
}

// Flatten returns a layer reshaping each sample to one dimension. With
// WithDataFormat("channels_first") the channel axis is moved last first, as
// Keras does, so that weights trained on channels_last data keep their
// meaning.
func Flatten(opts ...Option) *FlattenLayer {
	o := collect(opts)
	l := &FlattenLayer{base: newBase("Flatten", o)}
	l.err = o.check("Flatten", "data_format")
	if f, err := channelsFirst(strOr(o.dataFormat, "channels_last")); err != nil {
		l.err = err
	} else {
		l.first = f
	}
	return l
}

// Build computes (prod(input),).
func (l *FlattenLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), []int{prod(in)}, true
	return nil
}

// Emit reshapes.
func (l *FlattenLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	s := []int(x.Shape())
	if len(s) == 2 {
		return x, nil
	}
	if l.first {
		var err error
		if x, err = toLast(x); err != nil {
			return nil, err
		}
	}
	return G.Reshape(x, gt.Shape{s[0], prod(s[1:])})
}

// Config returns Keras 3's Flatten config.
func (l *FlattenLayer) Config() map[string]any {
	c := l.baseConfig()
	c["data_format"] = map[bool]string{false: "channels_last", true: "channels_first"}[l.first]
	return c
}

// ReshapeLayer is keras.layers.Reshape.
type ReshapeLayer struct {
	base
	target []int
}

// Reshape returns a layer reshaping each sample to target (one entry may be
// -1).
func Reshape(target []int, opts ...Option) *ReshapeLayer {
	o := collect(opts)
	l := &ReshapeLayer{base: newBase("Reshape", o), target: append([]int{}, target...)}
	l.err = o.check("Reshape")
	return l
}

// Build resolves -1.
func (l *ReshapeLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	n := prod(in)
	out := append([]int{}, l.target...)
	infer, known := -1, 1
	for i, d := range out {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d <= 0:
			return l.errorf("target_shape %v: dimensions must be positive (one may be -1)", l.target)
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || n%known != 0 {
			return l.errorf("cannot reshape %v to %v", in, l.target)
		}
		out[infer] = n / known
	}
	if prod(out) != n {
		return l.errorf("cannot reshape %v (%d values) to %v", in, n, l.target)
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), out, true
	return nil
}

// Emit reshapes.
func (l *ReshapeLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	s := []int(x.Shape())
	to := append(gt.Shape{s[0]}, l.outShape...)
	if equalInts(s, to) {
		return x, nil
	}
	return G.Reshape(x, to)
}

// Config returns Keras 3's Reshape config.
func (l *ReshapeLayer) Config() map[string]any {
	c := l.baseConfig()
	c["target_shape"] = intsAny(l.target)
	return c
}
