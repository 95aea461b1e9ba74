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

// convKind tells the convolution layers apart.
type convKind uint8

const (
	convPlain convKind = iota
	convDepthwise
	convSeparable
	convTranspose
)

// ConvLayer is one of Keras's convolution layers: Conv1D/2D/3D,
// DepthwiseConv1D/2D, SeparableConv1D/2D and Conv1D/2D/3DTranspose
// (spec keras-layers.md §2). Kernels keep Keras's layouts: (k..., Cin/groups,
// F); depthwise (k..., Cin, M); transposed (k..., F, Cin).
type ConvLayer struct {
	base
	kind      convKind
	rank      int
	filters   int
	kernel    []int
	strides   []int
	dilation  []int
	padding   string
	first     bool
	groups    int
	depthMult int
	outPad    []int // transposed: output_padding, nil for None
	act       *runtime.Activation
	useBias   bool

	kInit, pInit, bInit initializers.Initializer
	kReg, pReg, bReg    regularizers.Regularizer
	kCons, pCons, bCons constraints.Constraint

	kernelV, pointV, biasV *runtime.Variable
	padBefore, padAfter    []int
	tOut, tCrop            []int
}

var convClasses = map[string]struct {
	kind convKind
	rank int
}{
	"Conv1D": {convPlain, 1}, "Conv2D": {convPlain, 2}, "Conv3D": {convPlain, 3},
	"DepthwiseConv1D": {convDepthwise, 1}, "DepthwiseConv2D": {convDepthwise, 2},
	"SeparableConv1D": {convSeparable, 1}, "SeparableConv2D": {convSeparable, 2},
	"Conv1DTranspose": {convTranspose, 1}, "Conv2DTranspose": {convTranspose, 2}, "Conv3DTranspose": {convTranspose, 3},
}

func newConv(class string, filters int, kernel []int, opts []Option) *ConvLayer {
	o := collect(opts)
	cc := convClasses[class]
	l := &ConvLayer{base: newBase(class, o), kind: cc.kind, rank: cc.rank, filters: filters,
		padding: strOr(o.padding, "valid"), groups: max(1, o.groups), depthMult: max(1, o.depthMultiplier),
		useBias: true, outPad: o.outputPadding,
		kInit: o.kernelInit, pInit: o.pointwiseInit, bInit: o.biasInit,
		kReg: o.kernelReg, pReg: o.pointwiseReg, bReg: o.biasReg,
		kCons: o.kernelCons, pCons: o.pointwiseCons, bCons: o.biasCons}
	if cc.kind == convDepthwise || cc.kind == convSeparable {
		l.kInit, l.kReg, l.kCons = o.depthwiseInit, o.depthwiseReg, o.depthwiseCons
	}
	if l.kInit == nil {
		l.kInit = initializers.GlorotUniform()
	}
	if l.pInit == nil {
		l.pInit = initializers.GlorotUniform()
	}
	if l.bInit == nil {
		l.bInit = initializers.Zeros()
	}
	if o.useBias != nil {
		l.useBias = *o.useBias
	}
	l.err = l.configure(o, kernel)
	allowed := []string{"activation", "use_bias", "strides", "padding", "data_format", "dilation_rate", "bias_initializer", "bias_regularizer", "bias_constraint"}
	switch cc.kind {
	case convPlain:
		allowed = append(allowed, "groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint")
	case convTranspose:
		allowed = append(allowed, "output_padding", "kernel_initializer", "kernel_regularizer", "kernel_constraint")
	case convDepthwise:
		allowed = append(allowed, "depth_multiplier", "depthwise_initializer", "depthwise_regularizer", "depthwise_constraint")
	case convSeparable:
		allowed = append(allowed, "depth_multiplier", "depthwise_initializer", "depthwise_regularizer", "depthwise_constraint",
			"pointwise_initializer", "pointwise_regularizer", "pointwise_constraint")
	}
	if err := o.check(class, allowed...); err != nil && l.err == nil {
		l.err = err
	}
	return l
}

// configure checks and expands the options.
func (l *ConvLayer) configure(o *options, kernel []int) error {
	var err error
	if l.kernel, err = spatialAxes(kernel, l.rank, 0, "kernel_size"); err != nil {
		return err
	}
	if l.strides, err = spatialAxes(o.strides, l.rank, 1, "strides"); err != nil {
		return err
	}
	if l.dilation, err = spatialAxes(o.dilation, l.rank, 1, "dilation_rate"); err != nil {
		return err
	}
	if l.outPad != nil {
		if l.outPad, err = spatialAxes(l.outPad, l.rank, 0, "output_padding"); err != nil {
			return err
		}
	}
	if l.first, err = channelsFirst(strOr(o.dataFormat, "channels_last")); err != nil {
		return err
	}
	name := "linear"
	if o.activation != nil {
		name = *o.activation
	}
	if l.act, err = runtime.ActivationByName(name, l.major); err != nil {
		return err
	}
	for i := range l.kernel {
		if l.kernel[i] <= 0 || l.strides[i] <= 0 || l.dilation[i] <= 0 {
			return fmt.Errorf("kernel_size %v, strides %v, dilation_rate %v: every value must be positive", l.kernel, l.strides, l.dilation)
		}
	}
	switch {
	case l.padding != "valid" && l.padding != "same" && !(l.padding == "causal" && l.rank == 1 && l.kind == convPlain):
		return fmt.Errorf("padding %q, want valid or same (or causal for Conv1D)", l.padding)
	case l.kind != convDepthwise && l.filters <= 0:
		return fmt.Errorf("filters is %d, want a positive number", l.filters)
	case l.kind == convPlain && l.filters%l.groups != 0:
		return fmt.Errorf("filters %d is not divisible by groups %d", l.filters, l.groups)
	}
	return nil
}

// Conv1D returns keras.layers.Conv1D(filters, kernel_size).
func Conv1D(filters, kernel int, opts ...Option) *ConvLayer {
	return newConv("Conv1D", filters, []int{kernel}, opts)
}

// Conv2D returns keras.layers.Conv2D(filters, kernel_size): one value for a
// square kernel or (rows, cols).
func Conv2D(filters int, kernel []int, opts ...Option) *ConvLayer {
	return newConv("Conv2D", filters, kernel, opts)
}

// Conv3D returns keras.layers.Conv3D(filters, kernel_size).
func Conv3D(filters int, kernel []int, opts ...Option) *ConvLayer {
	return newConv("Conv3D", filters, kernel, opts)
}

// DepthwiseConv1D returns keras.layers.DepthwiseConv1D(kernel_size).
func DepthwiseConv1D(kernel int, opts ...Option) *ConvLayer {
	return newConv("DepthwiseConv1D", 0, []int{kernel}, opts)
}

// DepthwiseConv2D returns keras.layers.DepthwiseConv2D(kernel_size).
func DepthwiseConv2D(kernel []int, opts ...Option) *ConvLayer {
	return newConv("DepthwiseConv2D", 0, kernel, opts)
}

// SeparableConv1D returns keras.layers.SeparableConv1D(filters, kernel_size).
func SeparableConv1D(filters, kernel int, opts ...Option) *ConvLayer {
	return newConv("SeparableConv1D", filters, []int{kernel}, opts)
}

// SeparableConv2D returns keras.layers.SeparableConv2D(filters, kernel_size).
func SeparableConv2D(filters int, kernel []int, opts ...Option) *ConvLayer {
	return newConv("SeparableConv2D", filters, kernel, opts)
}

// Conv1DTranspose returns keras.layers.Conv1DTranspose(filters, kernel_size).
func Conv1DTranspose(filters, kernel int, opts ...Option) *ConvLayer {
	return newConv("Conv1DTranspose", filters, []int{kernel}, opts)
}

// Conv2DTranspose returns keras.layers.Conv2DTranspose(filters, kernel_size).
func Conv2DTranspose(filters int, kernel []int, opts ...Option) *ConvLayer {
	return newConv("Conv2DTranspose", filters, kernel, opts)
}

// Conv3DTranspose returns keras.layers.Conv3DTranspose(filters, kernel_size).
func Conv3DTranspose(filters int, kernel []int, opts ...Option) *ConvLayer {
	return newConv("Conv3DTranspose", filters, kernel, opts)
}

// Build creates the kernel(s) and bias for a per-sample input shape
// (spatial..., channels), or (channels, spatial...) for channels_first.
func (l *ConvLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	if len(in) != l.rank+1 {
		return l.errorf("needs inputs of rank %d (spatial axes and channels), got per-sample shape %v", l.rank+1, in)
	}
	sh := lastShape(in, l.first)
	c := sh[l.rank]
	out, err := l.outputSpatial(sh)
	if err != nil {
		return l.errorf("input shape %v: %v", in, err)
	}
	outC, err := l.makeVars(c)
	if err != nil {
		return err
	}
	out = append(out, outC)
	if out, err = l.act.OutputShape(out); err != nil {
		return l.errorf("%v", err)
	}
	l.inShape, l.outShape, l.built = append([]int(nil), in...), firstShape(out, l.first), true
	return nil
}

// outputSpatial computes the output's spatial sizes and the paddings.
func (l *ConvLayer) outputSpatial(sh []int) ([]int, error) {
	out := make([]int, l.rank)
	l.padBefore, l.padAfter = make([]int, l.rank), make([]int, l.rank)
	l.tOut, l.tCrop = make([]int, l.rank), make([]int, l.rank)
	for a := 0; a < l.rank; a++ {
		var err error
		if l.kind == convTranspose {
			op := -1
			if l.outPad != nil {
				op = l.outPad[a]
			}
			out[a], l.tCrop[a], err = runtime.ConvTransposeOutputSize(sh[a], l.kernel[a], l.strides[a], l.dilation[a], l.padding, op)
			l.tOut[a] = out[a]
		} else {
			out[a], l.padBefore[a], l.padAfter[a], err = runtime.ConvOutputSize(sh[a], l.kernel[a], l.strides[a], l.dilation[a], l.padding)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// makeVars creates the variables for c input channels and returns the
// number of output channels.
func (l *ConvLayer) makeVars(c int) (int, error) {
	k := append([]int(nil), l.kernel...)
	var err error
	outC := l.filters
	switch l.kind {
	case convPlain:
		if c%l.groups != 0 {
			return 0, l.errorf("input channels %d are not divisible by groups %d", c, l.groups)
		}
		l.kernelV, err = l.addVar("kernel", append(k, c/l.groups, l.filters), l.kInit, l.trainable, l.kReg, l.kCons)
	case convTranspose:
		l.kernelV, err = l.addVar("kernel", append(k, l.filters, c), l.kInit, l.trainable, l.kReg, l.kCons)
	case convDepthwise:
		outC = c * l.depthMult
		l.kernelV, err = l.addVar("kernel", append(k, c, l.depthMult), l.kInit, l.trainable, l.kReg, l.kCons)
	case convSeparable:
		if l.kernelV, err = l.addVar("depthwise_kernel", append(k, c, l.depthMult), l.kInit, l.trainable, l.kReg, l.kCons); err != nil {
			return 0, err
		}
		ones := make([]int, l.rank)
		for i := range ones {
			ones[i] = 1
		}
		l.pointV, err = l.addVar("pointwise_kernel", append(ones, c*l.depthMult, l.filters), l.pInit, l.trainable, l.pReg, l.pCons)
	}
	if err != nil {
		return 0, err
	}
	if l.useBias {
		if l.biasV, err = l.addVar("bias", []int{outC}, l.bInit, l.trainable, l.bReg, l.bCons); err != nil {
			return 0, err
		}
	}
	return outC, nil
}

// Emit convolves, adds the bias and applies the activation.
func (l *ConvLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	y, err := emitChannelsLast(x, l.first, func(x *G.Node) (*G.Node, error) { return l.emitLast(g, x) })
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	return l.act.Apply(y)
}

func (l *ConvLayer) emitLast(g *runtime.Graph, x *G.Node) (*G.Node, error) {
	k, err := g.Var(l.kernelV)
	if err != nil {
		return nil, err
	}
	p := runtime.ConvParams{Strides: l.strides, Dilation: l.dilation, PadBefore: l.padBefore, PadAfter: l.padAfter, Groups: l.groups}
	var y *G.Node
	switch l.kind {
	case convPlain:
		y, err = g.Conv(x, k, p)
	case convDepthwise:
		y, err = g.DepthwiseConv(x, k, p)
	case convSeparable:
		if y, err = g.DepthwiseConv(x, k, p); err == nil {
			var pk *G.Node
			if pk, err = g.Var(l.pointV); err == nil {
				y, err = g.Conv(y, pk, runtime.ConvParams{})
			}
		}
	case convTranspose:
		y, err = g.ConvTranspose(x, k, runtime.ConvTransposeParams{Strides: l.strides, Dilation: l.dilation, OutSize: l.tOut, Crop: l.tCrop})
	}
	if err != nil || l.biasV == nil {
		return y, err
	}
	b, err := g.Var(l.biasV)
	if err != nil {
		return nil, err
	}
	return g.BiasAdd(y, b)
}

// Config returns Keras 3's config of the layer.
func (l *ConvLayer) Config() map[string]any {
	c := l.baseConfig()
	if l.kind != convDepthwise {
		c["filters"] = l.filters
	}
	c["kernel_size"] = intsAny(l.kernel)
	c["strides"] = intsAny(l.strides)
	c["padding"] = l.padding
	c["data_format"] = map[bool]string{false: "channels_last", true: "channels_first"}[l.first]
	c["dilation_rate"] = intsAny(l.dilation)
	switch l.kind {
	case convPlain:
		c["groups"] = l.groups
	case convTranspose:
		c["output_padding"] = nil
		if l.outPad != nil {
			c["output_padding"] = intsAny(l.outPad)
		}
	case convDepthwise, convSeparable:
		c["depth_multiplier"] = l.depthMult
	}
	c["activation"] = l.act.Name()
	c["use_bias"] = l.useBias
	kp := "kernel"
	if l.kind == convDepthwise || l.kind == convSeparable {
		kp = "depthwise"
	}
	c[kp+"_initializer"] = serialInit(l.kInit)
	c[kp+"_regularizer"] = serialReg(l.kReg)
	c[kp+"_constraint"] = serialCons(l.kCons)
	if l.kind == convSeparable {
		c["pointwise_initializer"] = serialInit(l.pInit)
		c["pointwise_regularizer"] = serialReg(l.pReg)
		c["pointwise_constraint"] = serialCons(l.pCons)
	}
	c["bias_initializer"] = serialInit(l.bInit)
	c["bias_regularizer"] = serialReg(l.bReg)
	c["bias_constraint"] = serialCons(l.bCons)
	return c
}

// convFromConfig builds a convolution layer from its Keras 3 config.
func convFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	cc, ok := convClasses[class]
	if !ok {
		return nil, false
	}
	opts := append(common,
		WithActivation(r.activation("activation")),
		WithUseBias(r.bool("use_bias", true)),
		WithPadding(r.str("padding", "valid")),
		WithDataFormat(r.str("data_format", "channels_last")),
		WithBiasInitializer(r.initializer("bias_initializer", initializers.Zeros())),
		WithBiasRegularizer(r.regularizer("bias_regularizer")),
		WithBiasConstraint(r.constraint("bias_constraint")))
	if s := r.ints("strides"); s != nil {
		opts = append(opts, WithStrides(s...))
	}
	if d := r.ints("dilation_rate"); d != nil {
		opts = append(opts, WithDilationRate(d...))
	}
	switch cc.kind {
	case convPlain, convTranspose:
		opts = append(opts,
			WithKernelInitializer(r.initializer("kernel_initializer", initializers.GlorotUniform())),
			WithKernelRegularizer(r.regularizer("kernel_regularizer")),
			WithKernelConstraint(r.constraint("kernel_constraint")))
	default:
		opts = append(opts, WithDepthMultiplier(r.int("depth_multiplier", 1)),
			WithDepthwiseInitializer(r.initializer("depthwise_initializer", initializers.GlorotUniform())),
			WithDepthwiseRegularizer(r.regularizer("depthwise_regularizer")),
			WithDepthwiseConstraint(r.constraint("depthwise_constraint")))
	}
	if cc.kind == convSeparable {
		opts = append(opts,
			WithPointwiseInitializer(r.initializer("pointwise_initializer", initializers.GlorotUniform())),
			WithPointwiseRegularizer(r.regularizer("pointwise_regularizer")),
			WithPointwiseConstraint(r.constraint("pointwise_constraint")))
	}
	if cc.kind == convPlain {
		opts = append(opts, WithGroups(r.int("groups", 1)))
	}
	if cc.kind == convTranspose && r.has("output_padding") && r.c["output_padding"] != nil {
		opts = append(opts, WithOutputPadding(r.ints("output_padding")...))
	}
	return newConv(class, r.int("filters", 0), r.ints("kernel_size"), opts), true
}

// AdaptStored converts a stored kernel from the layouts of older Keras
// files to the layer's (spec keras-layers.md §2.6): Keras 1 Theano-ordered
// kernels (F, C, k...) and (k, 1, C, F) Conv1D kernels are transposed or
// reshaped, Keras 1 Deconvolution2D kernels get their channel axes swapped,
// and kernels trained by Theano (a true convolution) are flipped in every
// spatial axis. origin says who trained the weights: "theano" (the file's
// backend attribute), "keras1" (a Keras 1 file that does not say: its
// channels_first kernels are taken as Theano's, Keras 1's default backend
// for that ordering) or "". It returns a unchanged when nothing applies,
// and whether it flipped the kernel.
func (l *ConvLayer) AdaptStored(i int, a *tensor.Tensor, origin string) (*tensor.Tensor, bool, error) {
	theano := origin == "theano" || (origin == "keras1" && l.first)
	if i >= len(l.vars) || (l.vars[i] != l.kernelV && l.vars[i] != l.pointV) {
		return a, false, nil
	}
	want := l.vars[i].Value.Shape()
	out := a
	if !tensor.SameShape(a.Shape(), want) {
		c, ok := l.legacyLayout(a, want)
		if !ok {
			return a, false, nil
		}
		out = c
	}
	if theano && l.vars[i] == l.kernelV && (l.kind == convPlain || l.kind == convTranspose) {
		axes := make([]int, l.rank)
		for k := range axes {
			axes[k] = k
		}
		f, err := out.Flip(axes...)
		return f, err == nil, err
	}
	return out, false, nil
}

// legacyLayout tries the permutations old files need to reach want.
func (l *ConvLayer) legacyLayout(a *tensor.Tensor, want []int) (*tensor.Tensor, bool) {
	var perms [][]int
	switch {
	case l.rank == 1 && a.Rank() == 4:
		// Keras 1 Conv1D (k, 1, C, F) or Keras 1.1 (F, C, k, 1)
		perms = [][]int{{0, 1, 2, 3}, {2, 3, 1, 0}}
	case l.rank == 2 && l.kind == convTranspose:
		perms = [][]int{{0, 1, 3, 2}, {2, 3, 0, 1}}
	case l.rank == 2:
		perms = [][]int{{2, 3, 1, 0}, {3, 2, 0, 1}}
	case l.rank == 3:
		perms = [][]int{{2, 3, 4, 1, 0}, {4, 3, 0, 1, 2}}
	}
	for _, p := range perms {
		t, err := a.Transpose(p...)
		if err != nil {
			continue
		}
		if l.rank == 1 && t.Rank() == 4 {
			s := t.Shape()
			if s[1] != 1 {
				continue
			}
			if t, err = t.Reshape(s[0], s[2], s[3]); err != nil {
				continue
			}
		}
		if tensor.SameShape(t.Shape(), want) {
			return t, true
		}
	}
	return nil, false
}
