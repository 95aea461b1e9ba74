package layers

import (
	"fmt"

	"github.com/kerago/kerago/keras/constraints"
	"github.com/kerago/kerago/keras/initializers"
	"github.com/kerago/kerago/keras/regularizers"
	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
)

// actLayer is the common part of the parameterized activation layers: a
// runtime activation applied elementwise (or along an axis).
type actLayer struct {
	base
	act *runtime.Activation
}

// Build records the input shape; activation layers have no variables.
func (l *actLayer) Build(in []int) error {
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
func (l *actLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	return l.act.Apply(x)
}

// ReLULayer is keras.layers.ReLU(max_value, negative_slope, threshold).
type ReLULayer struct {
	actLayer
	maxValue                 *float64
	negativeSlope, threshold float64
}

// ReLU returns a ReLU layer (WithMaxValue, WithNegativeSlope, WithThreshold).
func ReLU(opts ...Option) *ReLULayer {
	o := collect(opts)
	l := &ReLULayer{actLayer: actLayer{base: newBase("ReLU", o)}, maxValue: o.maxValue}
	if o.negativeSlope != nil {
		l.negativeSlope = *o.negativeSlope
	}
	if o.threshold != nil {
		l.threshold = *o.threshold
	}
	mv := -1.0
	switch {
	case l.maxValue != nil && *l.maxValue < 0:
		l.err = fmt.Errorf("max_value is %v, must not be negative", *l.maxValue)
	case l.negativeSlope < 0:
		l.err = fmt.Errorf("negative_slope is %v, must not be negative", l.negativeSlope)
	case l.threshold < 0:
		l.err = fmt.Errorf("threshold is %v, must not be negative", l.threshold)
	}
	if l.maxValue != nil {
		mv = *l.maxValue
	}
	l.act = runtime.ReLUActivation(l.negativeSlope, mv, l.threshold)
	if err := o.check("ReLU", "max_value", "negative_slope", "threshold"); err != nil && l.err == nil {
		l.err = err
	}
	return l
}

// Config returns Keras 3's ReLU config.
func (l *ReLULayer) Config() map[string]any {
	c := l.baseConfig()
	if l.maxValue != nil {
		c["max_value"] = *l.maxValue
	} else {
		c["max_value"] = nil
	}
	c["negative_slope"] = l.negativeSlope
	c["threshold"] = l.threshold
	return c
}

// LeakyReLULayer is keras.layers.LeakyReLU(negative_slope=0.3).
type LeakyReLULayer struct {
	actLayer
	slope float64
}

// LeakyReLU returns a LeakyReLU layer (WithNegativeSlope, default 0.3).
func LeakyReLU(opts ...Option) *LeakyReLULayer {
	o := collect(opts)
	l := &LeakyReLULayer{actLayer: actLayer{base: newBase("LeakyReLU", o)}, slope: 0.3}
	if o.negativeSlope != nil {
		l.slope = *o.negativeSlope
	}
	if l.slope < 0 {
		l.err = fmt.Errorf("negative_slope is %v, must not be negative", l.slope)
	}
	l.act = runtime.LeakyReLUActivation(l.slope)
	if err := o.check("LeakyReLU", "negative_slope"); err != nil && l.err == nil {
		l.err = err
	}
	return l
}

// Config returns Keras 3's LeakyReLU config.
func (l *LeakyReLULayer) Config() map[string]any {
	c := l.baseConfig()
	c["negative_slope"] = l.slope
	return c
}

// ELULayer is keras.layers.ELU(alpha=1.0).
type ELULayer struct {
	actLayer
	alpha float64
}

// ELU returns an ELU layer (WithAlpha, default 1.0).
func ELU(opts ...Option) *ELULayer {
	o := collect(opts)
	l := &ELULayer{actLayer: actLayer{base: newBase("ELU", o)}, alpha: 1}
	if o.alpha != nil {
		l.alpha = *o.alpha
	}
	l.act = runtime.ELUActivation(l.alpha)
	l.err = o.check("ELU", "alpha")
	return l
}

// Config returns the ELU config. Keras 3 itself omits alpha from ELU's
// get_config; kerago writes it so that a non-default alpha survives saving
// (Keras accepts the key when loading).
func (l *ELULayer) Config() map[string]any {
	c := l.baseConfig()
	c["alpha"] = l.alpha
	return c
}

// SoftmaxLayer is keras.layers.Softmax(axis=-1).
type SoftmaxLayer struct {
	actLayer
	axis int
}

// Softmax returns a Softmax layer (WithAxis, default -1; one axis).
func Softmax(opts ...Option) *SoftmaxLayer {
	o := collect(opts)
	l := &SoftmaxLayer{actLayer: actLayer{base: newBase("Softmax", o)}, axis: -1}
	if o.axisSet {
		if len(o.axis) != 1 {
			l.err = fmt.Errorf("axis %v: kerago's Softmax takes one axis", o.axis)
		} else {
			l.axis = o.axis[0]
		}
	}
	var err error
	if l.act, err = runtime.AxisActivation("softmax", l.axis); err != nil && l.err == nil {
		l.err = err
	}
	if err := o.check("Softmax", "axis"); err != nil && l.err == nil {
		l.err = err
	}
	return l
}

// Build checks the axis.
func (l *SoftmaxLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	if _, err := normAxisOf(l.axis, len(in)); err != nil {
		return l.errorf("%v", err)
	}
	return l.actLayer.Build(in)
}

// Config returns Keras 3's Softmax config.
func (l *SoftmaxLayer) Config() map[string]any {
	c := l.baseConfig()
	c["axis"] = l.axis
	return c
}

// ThresholdedReLULayer is Keras 2's ThresholdedReLU(theta=1.0):
// x if x > theta else 0.
type ThresholdedReLULayer struct {
	actLayer
	theta float64
}

// ThresholdedReLU returns a ThresholdedReLU layer (WithTheta, default 1.0).
func ThresholdedReLU(opts ...Option) *ThresholdedReLULayer {
	o := collect(opts)
	l := &ThresholdedReLULayer{actLayer: actLayer{base: newBase("ThresholdedReLU", o)}, theta: 1}
	if o.theta != nil {
		l.theta = *o.theta
	}
	if l.theta < 0 {
		l.err = fmt.Errorf("theta is %v, must not be negative", l.theta)
	}
	l.act = runtime.ThresholdActivation(l.theta, 0)
	if err := o.check("ThresholdedReLU", "theta"); err != nil && l.err == nil {
		l.err = err
	}
	return l
}

// Config returns the ThresholdedReLU config (Keras 2's keys).
func (l *ThresholdedReLULayer) Config() map[string]any {
	c := l.baseConfig()
	c["theta"] = l.theta
	return c
}

// PReLULayer is keras.layers.PReLU: relu(x) − alpha·relu(−x) with a
// learned alpha per feature (shared along shared_axes).
type PReLULayer struct {
	base
	alphaInit  initializers.Initializer
	alphaReg   regularizers.Regularizer
	alphaCons  constraints.Constraint
	sharedAxes []int
	alpha      *runtime.Variable
}

// PReLU returns a PReLU layer (alpha initializer zeros).
func PReLU(opts ...Option) *PReLULayer {
	o := collect(opts)
	l := &PReLULayer{base: newBase("PReLU", o), alphaInit: o.alphaInit, alphaReg: o.alphaReg, alphaCons: o.alphaCons, sharedAxes: o.sharedAxes}
	if l.alphaInit == nil {
		l.alphaInit = initializers.Zeros()
	}
	l.err = o.check("PReLU", "alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes")
	return l
}

// Build creates alpha with the per-sample shape, 1 on shared axes.
func (l *PReLULayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	shape := append([]int{}, in...)
	for _, a := range l.sharedAxes {
		if a < 1 || a > len(in) {
			return l.errorf("shared axis %d out of range for inputs of rank %d (with the batch axis)", a, len(in)+1)
		}
		shape[a-1] = 1
	}
	var err error
	if l.alpha, err = l.addVar("alpha", shape, l.alphaInit, l.trainable, l.alphaReg, l.alphaCons); err != nil {
		return err
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), append([]int{}, in...), true
	return nil
}

// Emit applies PReLU.
func (l *PReLULayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	return g.PReLU(x, l.alpha)
}

// Config returns Keras 3's PReLU config.
func (l *PReLULayer) Config() map[string]any {
	c := l.baseConfig()
	c["alpha_initializer"] = serialInit(l.alphaInit)
	c["alpha_regularizer"] = serialReg(l.alphaReg)
	c["alpha_constraint"] = serialCons(l.alphaCons)
	if l.sharedAxes != nil {
		c["shared_axes"] = intsAny(l.sharedAxes)
	} else {
		c["shared_axes"] = nil
	}
	return c
}
