package layers

import (
	"fmt"
	"sort"

	"github.com/kerago/kerago/keras/constraints"
	"github.com/kerago/kerago/keras/initializers"
	"github.com/kerago/kerago/keras/regularizers"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
)

// normAxis resolves a Keras axis (of the batched input of the given
// per-sample rank) to a per-sample axis index.
func normAxisOf(axis, perRank int) (int, error) {
	a := axis
	if a < 0 {
		a += perRank + 1
	}
	if a < 1 || a > perRank {
		if a == 0 {
			return 0, fmt.Errorf("axis %d is the batch axis", axis)
		}
		return 0, fmt.Errorf("axis %d out of range for inputs of rank %d (with the batch axis)", axis, perRank+1)
	}
	return a - 1, nil
}

// ---------------------------------------------------------------------------
// BatchNormalization

// BatchNormalizationLayer is keras.layers.BatchNormalization.
type BatchNormalizationLayer struct {
	base
	affineNorm
	momentum                    float64
	meanInit, varInit           initializers.Initializer
	gamma, beta, mean, variance *runtime.Variable
}

// affineNorm holds the options BatchNormalization and GroupNormalization
// share: the axis, epsilon, center/scale and γ/β's initializers,
// regularizers and constraints.
type affineNorm struct {
	axis                int
	epsilon             float64
	center, scale       bool
	gammaInit, betaInit initializers.Initializer
	gammaReg, betaReg   regularizers.Regularizer
	gammaCons, betaCons constraints.Constraint
}

// newAffineNorm reads those options from o with Keras's defaults (axis −1,
// epsilon 1e-3, center and scale on, γ ones, β zeros). axisFmt formats the
// error for more than one axis.
func newAffineNorm(o *options, axisFmt string) (affineNorm, error) {
	a := affineNorm{axis: -1, epsilon: 1e-3, center: true, scale: true, gammaInit: o.gammaInit, betaInit: o.betaInit,
		gammaReg: o.gammaReg, betaReg: o.betaReg, gammaCons: o.gammaCons, betaCons: o.betaCons}
	var err error
	if o.axisSet {
		if len(o.axis) != 1 {
			err = fmt.Errorf(axisFmt, o.axis)
		} else {
			a.axis = o.axis[0]
		}
	}
	if o.epsilon != nil {
		a.epsilon = *o.epsilon
	}
	if o.center != nil {
		a.center = *o.center
	}
	if o.scale != nil {
		a.scale = *o.scale
	}
	if a.gammaInit == nil {
		a.gammaInit = initializers.Ones()
	}
	if a.betaInit == nil {
		a.betaInit = initializers.Zeros()
	}
	return a, err
}

// BatchNormalization returns a BatchNormalization layer (defaults as Keras:
// axis -1, momentum 0.99, epsilon 1e-3, center and scale on).
func BatchNormalization(opts ...Option) *BatchNormalizationLayer {
	o := collect(opts)
	an, err := newAffineNorm(o, "axis %v: BatchNormalization normalizes along one axis")
	l := &BatchNormalizationLayer{base: newBase("BatchNormalization", o), affineNorm: an, momentum: 0.99,
		meanInit: o.meanInit, varInit: o.varInit}
	if err != nil {
		l.err = err
	}
	if o.momentum != nil {
		l.momentum = *o.momentum
	}
	if l.meanInit == nil {
		l.meanInit = initializers.Zeros()
	}
	if l.varInit == nil {
		l.varInit = initializers.Ones()
	}
	if l.epsilon <= 0 && l.err == nil {
		l.err = fmt.Errorf("epsilon is %v, want > 0", l.epsilon)
	}
	if err := o.check("BatchNormalization", "axis", "momentum", "epsilon", "center", "scale", "gamma_initializer", "beta_initializer",
		"moving_mean_initializer", "moving_variance_initializer", "gamma_regularizer", "beta_regularizer",
		"gamma_constraint", "beta_constraint"); err != nil && l.err == nil {
		l.err = err
	}
	return l
}

// Build creates gamma, beta (when scale/center), moving_mean and
// moving_variance of the axis size.
func (l *BatchNormalizationLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	ax, err := normAxisOf(l.axis, len(in))
	if err != nil {
		return l.errorf("%v", err)
	}
	shape := []int{in[ax]}
	if l.scale {
		if l.gamma, err = l.addVar("gamma", shape, l.gammaInit, l.trainable, l.gammaReg, l.gammaCons); err != nil {
			return err
		}
	}
	if l.center {
		if l.beta, err = l.addVar("beta", shape, l.betaInit, l.trainable, l.betaReg, l.betaCons); err != nil {
			return err
		}
	}
	if l.mean, err = l.addVar("moving_mean", shape, l.meanInit, false, nil, nil); err != nil {
		return err
	}
	if l.variance, err = l.addVar("moving_variance", shape, l.varInit, false, nil, nil); err != nil {
		return err
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), append([]int{}, in...), true
	return nil
}

// Emit normalizes with batch statistics when training (and the layer is
// trainable), with the moving statistics otherwise.
func (l *BatchNormalizationLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	return g.BatchNorm(x, runtime.BatchNormParams{
		Axis: l.axis, Epsilon: l.epsilon, Momentum: l.momentum,
		Gamma: l.gamma, Beta: l.beta, MovingMean: l.mean, MovingVariance: l.variance,
		BatchStats: training && l.trainable,
	})
}

// Config returns Keras 3's BatchNormalization config.
func (l *BatchNormalizationLayer) Config() map[string]any {
	c := l.baseConfig()
	c["axis"] = l.axis
	c["momentum"] = l.momentum
	c["epsilon"] = l.epsilon
	c["center"] = l.center
	c["scale"] = l.scale
	c["beta_initializer"] = serialInit(l.betaInit)
	c["gamma_initializer"] = serialInit(l.gammaInit)
	c["moving_mean_initializer"] = serialInit(l.meanInit)
	c["moving_variance_initializer"] = serialInit(l.varInit)
	c["beta_regularizer"] = serialReg(l.betaReg)
	c["gamma_regularizer"] = serialReg(l.gammaReg)
	c["beta_constraint"] = serialCons(l.betaCons)
	c["gamma_constraint"] = serialCons(l.gammaCons)
	c["synchronized"] = false
	c["renorm"] = false
	c["renorm_clipping"] = nil
	c["renorm_momentum"] = 0.99
	return c
}

// ---------------------------------------------------------------------------
// LayerNormalization

// LayerNormalizationLayer is keras.layers.LayerNormalization.
type LayerNormalizationLayer struct {
	base
	axes                []int
	epsilon             float64
	center, scale, rms  bool
	gammaInit, betaInit initializers.Initializer
	gammaReg, betaReg   regularizers.Regularizer
	gammaCons, betaCons constraints.Constraint
	gamma, beta         *runtime.Variable
}

// LayerNormalization returns a LayerNormalization layer (defaults as Keras:
// axis -1, epsilon 1e-3, center and scale on).
func LayerNormalization(opts ...Option) *LayerNormalizationLayer {
	o := collect(opts)
	l := &LayerNormalizationLayer{base: newBase("LayerNormalization", o), axes: []int{-1}, epsilon: 1e-3, center: true, scale: true,
		gammaInit: o.gammaInit, betaInit: o.betaInit, gammaReg: o.gammaReg, betaReg: o.betaReg, gammaCons: o.gammaCons, betaCons: o.betaCons}
	if o.axisSet {
		l.axes = append([]int{}, o.axis...)
	}
	if o.epsilon != nil {
		l.epsilon = *o.epsilon
	}
	if o.center != nil {
		l.center = *o.center
	}
	if o.scale != nil {
		l.scale = *o.scale
	}
	if o.rmsScaling != nil {
		l.rms = *o.rmsScaling
	}
	if l.gammaInit == nil {
		l.gammaInit = initializers.Ones()
	}
	if l.betaInit == nil {
		l.betaInit = initializers.Zeros()
	}
	if len(l.axes) == 0 {
		l.err = fmt.Errorf("needs at least one axis")
	}
	if err := o.check("LayerNormalization", "axis", "epsilon", "center", "scale", "rms_scaling", "gamma_initializer", "beta_initializer",
		"gamma_regularizer", "beta_regularizer", "gamma_constraint", "beta_constraint"); err != nil && l.err == nil {
		l.err = err
	}
	return l
}

// Build creates gamma and beta with the sizes of the normalized axes.
func (l *LayerNormalizationLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	var pos []int
	for _, a := range l.axes {
		p, err := normAxisOf(a, len(in))
		if err != nil {
			return l.errorf("%v", err)
		}
		pos = append(pos, p)
	}
	sort.Ints(pos)
	shape := make([]int, len(pos))
	for i, p := range pos {
		if i > 0 && pos[i-1] == p {
			return l.errorf("axis %v repeats an axis", l.axes)
		}
		shape[i] = in[p]
	}
	var err error
	if l.scale || l.rms {
		if l.gamma, err = l.addVar("gamma", shape, l.gammaInit, l.trainable, l.gammaReg, l.gammaCons); err != nil {
			return err
		}
	}
	if l.center && !l.rms {
		if l.beta, err = l.addVar("beta", shape, l.betaInit, l.trainable, l.betaReg, l.betaCons); err != nil {
			return err
		}
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), append([]int{}, in...), true
	return nil
}

// Emit normalizes over the axes.
func (l *LayerNormalizationLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	return g.LayerNorm(x, runtime.LayerNormParams{Axes: l.axes, Epsilon: l.epsilon, Gamma: l.gamma, Beta: l.beta, RMSScaling: l.rms})
}

// Config returns Keras 3's LayerNormalization config.
func (l *LayerNormalizationLayer) Config() map[string]any {
	c := l.baseConfig()
	c["axis"] = intsAny(l.axes)
	c["epsilon"] = l.epsilon
	c["center"] = l.center
	c["scale"] = l.scale
	c["rms_scaling"] = l.rms
	c["beta_initializer"] = serialInit(l.betaInit)
	c["gamma_initializer"] = serialInit(l.gammaInit)
	c["beta_regularizer"] = serialReg(l.betaReg)
	c["gamma_regularizer"] = serialReg(l.gammaReg)
	c["beta_constraint"] = serialCons(l.betaCons)
	c["gamma_constraint"] = serialCons(l.gammaCons)
	return c
}

// ---------------------------------------------------------------------------
// Normalization

// NormalizationLayer is keras.layers.Normalization: (x − mean)/sqrt(var)
// feature-wise, with statistics from Adapt, from WithMean/WithVariance, or
// from loaded weights.
type NormalizationLayer struct {
	base
	axes      []int     // kept axes (batched convention), nil for none
	mean      []float64 // fixed statistics, nil when adapted
	variance  []float64
	meanShape []int
	invert    bool

	keep       []int // per-sample kept axes
	paramShape []int // per-sample shape with 1 on reduced axes
	statShape  []int // shape of the mean/variance variables
	meanVar    *runtime.Variable
	varVar     *runtime.Variable
	countVar   *runtime.Variable
}

// Normalization returns a Normalization layer (axis -1 by default).
func Normalization(opts ...Option) Layer {
	o := collect(opts)
	l := &NormalizationLayer{base: newBase("Normalization", o), axes: []int{-1}, invert: o.invert,
		mean: o.mean, variance: o.variance, meanShape: o.meanShape}
	if o.axisSet {
		l.axes = append([]int{}, o.axis...)
	}
	if (l.mean == nil) != (l.variance == nil) {
		l.err = fmt.Errorf("mean and variance must be given together")
	} else if len(l.mean) != len(l.variance) {
		l.err = fmt.Errorf("mean has %d values, variance %d", len(l.mean), len(l.variance))
	}
	if err := o.check("Normalization", "axis", "mean", "variance", "invert"); err != nil && l.err == nil {
		l.err = err
	}
	return l
}

// Build creates mean, variance and count variables (unless statistics were
// given).
func (l *NormalizationLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	keep := map[int]bool{}
	l.keep = nil
	for _, a := range l.axes {
		p, err := normAxisOf(a, len(in))
		if err != nil {
			return l.errorf("%v", err)
		}
		if !keep[p] {
			keep[p] = true
			l.keep = append(l.keep, p)
		}
	}
	sort.Ints(l.keep)
	l.paramShape = make([]int, len(in))
	l.statShape = nil
	for i, d := range in {
		if keep[i] {
			l.paramShape[i] = d
			l.statShape = append(l.statShape, d)
		} else {
			l.paramShape[i] = 1
		}
	}
	if l.mean != nil {
		if n := len(l.mean); n != 1 && n != prod(l.statShape) {
			return l.errorf("mean/variance have %d values, want 1 or %d (kept axes %v of %v)", n, prod(l.statShape), l.axes, in)
		}
	} else {
		var err error
		if l.meanVar, err = l.addVar("mean", l.statShape, initializers.Zeros(), false, nil, nil); err != nil {
			return err
		}
		if l.varVar, err = l.addVar("variance", l.statShape, initializers.Ones(), false, nil, nil); err != nil {
			return err
		}
		if l.countVar, err = l.addVar("count", []int{}, initializers.Zeros(), false, nil, nil); err != nil {
			return err
		}
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), append([]int{}, in...), true
	return nil
}

// Adapt computes the mean and (biased) variance of x over all axes but the
// kept ones, as Keras's adapt(ndarray) does; x has the batch axis first.
// The layer is built from x's shape if needed.
func (l *NormalizationLayer) Adapt(x *tensor.Tensor) error {
	if x == nil || x.Rank() < 1 || x.Dim(0) == 0 {
		return l.errorf("adapt needs a non-empty batch of samples")
	}
	if err := x.CheckFinite(); err != nil {
		return l.errorf("adapt: %v", err)
	}
	if l.mean != nil {
		return l.errorf("adapt on a layer given mean and variance")
	}
	in := x.Shape()[1:]
	if !l.built {
		if err := l.Build(in); err != nil {
			return err
		}
	} else if !equalInts(in, l.inShape) {
		return l.errorf("adapt data has per-sample shape %v, the layer was built for %v", in, l.inShape)
	}
	// index of each sample element in the statistics
	per := prod(in)
	full := append([]int{}, in...)
	idx := make([]int, per)
	coord := make([]int, len(full))
	for i := 0; i < per; i++ {
		o := 0
		for d, c := range coord {
			if l.paramShape[d] != 1 {
				o = o*full[d] + c
			}
		}
		idx[i] = o
		for d := len(full) - 1; d >= 0; d-- {
			coord[d]++
			if coord[d] < full[d] {
				break
			}
			coord[d] = 0
		}
	}
	n := prod(l.statShape)
	sum := make([]float64, n)
	cnt := make([]float64, n)
	data := x.Data()
	for i, v := range data {
		k := idx[i%per]
		sum[k] += float64(v)
		cnt[k]++
	}
	mean := make([]float64, n)
	for k := range mean {
		mean[k] = sum[k] / cnt[k]
	}
	sq := make([]float64, n)
	for i, v := range data {
		k := idx[i%per]
		d := float64(v) - mean[k]
		sq[k] += d * d
	}
	md, vd := l.meanVar.Value.Data(), l.varVar.Value.Data()
	for k := range mean {
		md[k] = float32(mean[k])
		vd[k] = float32(sq[k] / cnt[k])
	}
	return nil
}

// Emit normalizes x.
func (l *NormalizationLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	var mean, variance *G.Node
	var err error
	pshape := l.paramShape
	if l.mean != nil {
		mv, vv := make([]float32, len(l.mean)), make([]float32, len(l.variance))
		for i := range l.mean {
			mv[i], vv[i] = float32(l.mean[i]), float32(l.variance[i])
		}
		if len(mv) == 1 {
			pshape = nil
			for range l.paramShape {
				pshape = append(pshape, 1)
			}
			if mean, err = g.Constant(mv, pshape); err != nil {
				return nil, err
			}
			if variance, err = g.Constant(vv, pshape); err != nil {
				return nil, err
			}
		} else {
			if mean, err = g.Constant(mv, pshape); err != nil {
				return nil, err
			}
			if variance, err = g.Constant(vv, pshape); err != nil {
				return nil, err
			}
		}
	} else {
		if mean, err = g.Var(l.meanVar); err != nil {
			return nil, err
		}
		if variance, err = g.Var(l.varVar); err != nil {
			return nil, err
		}
	}
	return g.Normalize(x, mean, variance, pshape, l.invert)
}

// Config returns Keras 3's Normalization config.
func (l *NormalizationLayer) Config() map[string]any {
	c := l.baseConfig()
	c["axis"] = intsAny(l.axes)
	c["invert"] = l.invert
	if l.mean != nil {
		c["mean"] = nestFloats(l.mean, l.meanShape)
		c["variance"] = nestFloats(l.variance, l.meanShape)
	} else {
		c["mean"] = nil
		c["variance"] = nil
	}
	return c
}

// nestFloats rebuilds nested lists of the given shape (a number for a
// scalar).
func nestFloats(v []float64, shape []int) any {
	if len(shape) == 0 {
		if len(v) == 1 {
			return v[0]
		}
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = x
		}
		return out
	}
	n := len(v) / max(1, shape[0])
	out := make([]any, shape[0])
	for i := range out {
		out[i] = nestFloats(v[i*n:(i+1)*n], shape[1:])
	}
	return out
}
