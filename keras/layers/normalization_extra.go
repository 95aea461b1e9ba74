package layers

import (
	"fmt"
	"sort"

	"github.com/kerago/kerago/keras/initializers"
	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
)

// GroupNormalization, UnitNormalization and RMSNormalization (spec
// keras-layers.md §9.1–§9.3). LayerNormalization's rms_scaling is in normalization.go.

// GroupNormalizationLayer is keras.layers.GroupNormalization.
type GroupNormalizationLayer struct {
	base
	affineNorm
	groups      int
	gamma, beta *runtime.Variable
}

// GroupNormalization returns keras.layers.GroupNormalization (defaults as
// Keras: 32 groups (WithGroups; −1 = one per channel), axis −1, epsilon
// 1e-3, center and scale on).
func GroupNormalization(opts ...Option) *GroupNormalizationLayer {
	o := collect(opts)
	an, err := newAffineNorm(o, "axis %v, want one axis")
	l := &GroupNormalizationLayer{base: newBase("GroupNormalization", o), affineNorm: an, groups: 32}
	if err != nil {
		l.err = err
	}
	if o.used["groups"] {
		l.groups = o.groups
	}
	if l.groups == 0 || l.groups < -1 {
		l.err = fmt.Errorf("groups is %d, want a positive number or -1", l.groups)
	}
	if err := o.check("GroupNormalization", "groups", "axis", "epsilon", "center", "scale", "gamma_initializer", "beta_initializer",
		"gamma_regularizer", "beta_regularizer", "gamma_constraint", "beta_constraint"); err != nil && l.err == nil {
		l.err = err
	}
	return l
}

// Build creates gamma and beta (one value per channel, in that order).
func (l *GroupNormalizationLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	p, err := normAxisOf(l.axis, len(in))
	if err != nil {
		return l.errorf("%v", err)
	}
	c := in[p]
	g := l.groups
	if g == -1 {
		g = c
	}
	if g > c || c%g != 0 {
		return l.errorf("%d groups for %d channels: the groups must divide the channels", l.groups, c)
	}
	if l.scale {
		if l.gamma, err = l.addVar("gamma", []int{c}, l.gammaInit, l.trainable, l.gammaReg, l.gammaCons); err != nil {
			return err
		}
	}
	if l.center {
		if l.beta, err = l.addVar("beta", []int{c}, l.betaInit, l.trainable, l.betaReg, l.betaCons); err != nil {
			return err
		}
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), append([]int{}, in...), true
	return nil
}

// Emit normalizes each group of channels.
func (l *GroupNormalizationLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	groups := l.groups
	p, _ := normAxisOf(l.axis, len(l.inShape))
	if groups == -1 {
		groups = l.inShape[p]
	}
	y, err := g.GroupNorm(x, runtime.GroupNormParams{Groups: groups, Axis: p + 1, Epsilon: l.epsilon, Gamma: l.gamma, Beta: l.beta})
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	return y, nil
}

// Config returns Keras 3's GroupNormalization config.
func (l *GroupNormalizationLayer) Config() map[string]any {
	c := l.baseConfig()
	c["groups"], c["axis"], c["epsilon"] = l.groups, l.axis, l.epsilon
	c["center"], c["scale"] = l.center, l.scale
	c["beta_initializer"] = serialInit(l.betaInit)
	c["gamma_initializer"] = serialInit(l.gammaInit)
	c["beta_regularizer"] = serialReg(l.betaReg)
	c["gamma_regularizer"] = serialReg(l.gammaReg)
	c["beta_constraint"] = serialCons(l.betaCons)
	c["gamma_constraint"] = serialCons(l.gammaCons)
	return c
}

// UnitNormalizationLayer is keras.layers.UnitNormalization: x/‖x‖₂ over
// the axes (‖x‖ clamped below by 1e-12).
type UnitNormalizationLayer struct {
	base
	axes []int
}

// UnitNormalization returns keras.layers.UnitNormalization (axis −1, or
// WithAxis).
func UnitNormalization(opts ...Option) *UnitNormalizationLayer {
	o := collect(opts)
	l := &UnitNormalizationLayer{base: newBase("UnitNormalization", o), axes: []int{-1}}
	if o.axisSet {
		l.axes = append([]int{}, o.axis...)
	}
	if len(l.axes) == 0 {
		l.err = fmt.Errorf("needs at least one axis")
	}
	if err := o.check("UnitNormalization", "axis"); err != nil && l.err == nil {
		l.err = err
	}
	return l
}

// Build checks the axes.
func (l *UnitNormalizationLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	for _, a := range l.axes {
		if _, err := normAxisOf(a, len(in)); err != nil {
			return l.errorf("%v", err)
		}
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), append([]int{}, in...), true
	return nil
}

// Emit divides by the L2 norm over the axes.
func (l *UnitNormalizationLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	y, err := g.UnitNorm(x, l.axes)
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	return y, nil
}

// Config returns Keras 3's UnitNormalization config (axis an int or a
// list, as given).
func (l *UnitNormalizationLayer) Config() map[string]any {
	c := l.baseConfig()
	if len(l.axes) == 1 {
		c["axis"] = l.axes[0]
	} else {
		c["axis"] = intsAny(l.axes)
	}
	return c
}

// RMSNormalizationLayer is keras.layers.RMSNormalization: x·rsqrt(mean(x²)
// + ε)·scale over the axes (spec keras-layers.md §9.2).
type RMSNormalizationLayer struct {
	base
	axes    []int
	epsilon float64
	scale   *runtime.Variable
}

// RMSNormalization returns keras.layers.RMSNormalization (axis −1, epsilon
// 1e-6; WithAxis, WithEpsilon).
func RMSNormalization(opts ...Option) *RMSNormalizationLayer {
	o := collect(opts)
	l := &RMSNormalizationLayer{base: newBase("RMSNormalization", o), axes: []int{-1}, epsilon: 1e-6}
	if o.axisSet {
		l.axes = append([]int{}, o.axis...)
	}
	if o.epsilon != nil {
		l.epsilon = *o.epsilon
	}
	if len(l.axes) == 0 {
		l.err = fmt.Errorf("needs at least one axis")
	}
	if err := o.check("RMSNormalization", "axis", "epsilon"); err != nil && l.err == nil {
		l.err = err
	}
	return l
}

// Build creates scale with the sizes of the axes (in increasing order).
func (l *RMSNormalizationLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	pos := make([]int, len(l.axes))
	for i, a := range l.axes {
		p, err := normAxisOf(a, len(in))
		if err != nil {
			return l.errorf("%v", err)
		}
		pos[i] = p
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
	if l.scale, err = l.addVar("scale", shape, initializers.Ones(), l.trainable, nil, nil); err != nil {
		return err
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), append([]int{}, in...), true
	return nil
}

// Emit normalizes by the root mean square over the axes.
func (l *RMSNormalizationLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	y, err := g.RMSNorm(x, l.axes, l.epsilon, l.scale)
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	return y, nil
}

// Config returns Keras 3's RMSNormalization config (axis as the list a
// built Keras layer writes).
func (l *RMSNormalizationLayer) Config() map[string]any {
	c := l.baseConfig()
	c["axis"], c["epsilon"] = intsAny(l.axes), l.epsilon
	return c
}

// extraNormFromConfig builds GroupNormalization, UnitNormalization and
// RMSNormalization from their Keras configs; ok is false for other classes.
func extraNormFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	switch class {
	case "GroupNormalization":
		return GroupNormalization(append(common,
			WithGroups(r.int("groups", 32)),
			WithAxis(r.int("axis", -1)),
			WithEpsilon(r.float("epsilon", 1e-3)),
			WithCenter(r.bool("center", true)),
			WithScale(r.bool("scale", true)),
			WithBetaInitializer(r.initializer("beta_initializer", initializers.Zeros())),
			WithGammaInitializer(r.initializer("gamma_initializer", initializers.Ones())),
			WithBetaRegularizer(r.regularizer("beta_regularizer")),
			WithGammaRegularizer(r.regularizer("gamma_regularizer")),
			WithBetaConstraint(r.constraint("beta_constraint")),
			WithGammaConstraint(r.constraint("gamma_constraint")))...), true
	case "UnitNormalization":
		axes := r.ints("axis")
		if axes == nil {
			axes = []int{-1}
		}
		return UnitNormalization(append(common, WithAxis(axes...))...), true
	case "RMSNormalization":
		axes := r.ints("axis")
		if axes == nil {
			axes = []int{-1}
		}
		return RMSNormalization(append(common, WithAxis(axes...), WithEpsilon(r.float("epsilon", 1e-6)))...), true
	}
	return nil, false
}
