package optimizers

import (
	"fmt"
	"math"
)

// LossScaleOptions configures NewLossScaleOptimizer (Keras's defaults:
// initial_scale 2^15, dynamic_growth_steps 2000).
type LossScaleOptions struct {
	Name               string  // "loss_scale_optimizer" when empty
	InitialScale       float64 // 32768 when 0
	DynamicGrowthSteps int     // 2000 when 0
	// Fixed is tf.keras 2's dynamic=False: the scale never changes and
	// every step is applied.
	Fixed bool
}

// NewLossScaleOptimizer returns keras.optimizers.LossScaleOptimizer wrapping
// inner. Keras multiplies the loss by the dynamic scale S and divides the
// gradients by S again; S is a power of two, so in float32 both are exact
// and kerago leaves them out: the inner optimizer trains on the gradients
// as they are. What remains is Keras's bookkeeping: a step whose gradients
// are not all finite is skipped and halves S, and S doubles after
// dynamic_growth_steps finite steps in a row.
//
// Variables, in Keras's order: iteration and learning_rate (the wrapper's
// own, never updated: 0 and 0.0), step_counter and dynamic_scale once
// built, then the inner optimizer's variables.
func NewLossScaleOptimizer(inner Optimizer, o LossScaleOptions) (Optimizer, error) {
	if inner == nil {
		return nil, fmt.Errorf("optimizers: LossScaleOptimizer needs an inner optimizer")
	}
	if _, nested := inner.(*lossScale); nested {
		return nil, fmt.Errorf("optimizers: LossScaleOptimizer cannot wrap another LossScaleOptimizer")
	}
	if o.Name == "" {
		o.Name = "loss_scale_optimizer"
	}
	if o.InitialScale == 0 {
		o.InitialScale = 32768
	}
	if o.DynamicGrowthSteps == 0 {
		o.DynamicGrowthSteps = 2000
	}
	if !(o.InitialScale > 0) || math.IsInf(o.InitialScale, 0) {
		return nil, fmt.Errorf("optimizers: LossScaleOptimizer: initial_scale must be a positive finite number, got %v", o.InitialScale)
	}
	if o.DynamicGrowthSteps < 1 {
		return nil, fmt.Errorf("optimizers: LossScaleOptimizer: dynamic_growth_steps must be >= 1, got %d", o.DynamicGrowthSteps)
	}
	return &lossScale{inner: inner, o: o, scale: float32(o.InitialScale)}, nil
}

type lossScale struct {
	inner   Optimizer
	o       LossScaleOptions
	built   bool
	counter int64
	scale   float32
	pend    []Var
}

func (l *lossScale) Name() string                     { return l.o.Name }
func (l *lossScale) ClassName() string                { return "LossScaleOptimizer" }
func (l *lossScale) Iterations() int64                { return l.inner.Iterations() }
func (l *lossScale) LearningRate() float64            { return l.inner.LearningRate() }
func (l *lossScale) Built() bool                      { return l.built }
func (l *lossScale) SetLearningRate(lr float64) error { return l.inner.SetLearningRate(lr) }

// Inner returns the wrapped optimizer.
func (l *lossScale) Inner() Optimizer { return l.inner }

// Config is LossScaleOptimizer.get_config(): name, inner_optimizer (the
// serialized inner optimizer), initial_scale, dynamic_growth_steps.
func (l *lossScale) Config() map[string]any {
	c := map[string]any{
		"name": l.o.Name,
		"inner_optimizer": map[string]any{"module": "keras.optimizers", "class_name": l.inner.ClassName(),
			"config": l.inner.Config(), "registered_name": nil},
		"initial_scale":        l.o.InitialScale,
		"dynamic_growth_steps": l.o.DynamicGrowthSteps,
	}
	return c
}

func (l *lossScale) own() []Var {
	vs := []Var{{Name: "iteration", Shape: []int{}, Data: []float64{0}}, {Name: "learning_rate", Shape: []int{}, Data: []float64{0}}}
	if l.built {
		vs = append(vs, Var{Name: "step_counter", Shape: []int{}, Data: []float64{float64(l.counter)}},
			Var{Name: "dynamic_scale", Shape: []int{}, Data: []float64{float64(l.scale)}})
	}
	return vs
}

func (l *lossScale) Variables() []Var { return append(l.own(), l.inner.Variables()...) }

func (l *lossScale) SetVariables(vs []Var) error {
	if !l.built {
		if len(vs) <= 2 {
			return nil
		}
		if len(vs) == 2+len(l.inner.Variables()) {
			return l.inner.SetVariables(vs[2:])
		}
		l.pend = append([]Var(nil), vs...)
		return nil
	}
	if len(vs) < 4 {
		return fmt.Errorf("optimizers: %s has %d variables but %d were given", l.o.Name, len(l.Variables()), len(vs))
	}
	for i, v := range vs[2:4] {
		if len(v.Data) != 1 {
			return fmt.Errorf("optimizers: %s: variable %d has %d values, want a scalar", l.o.Name, i+2, len(v.Data))
		}
	}
	if err := l.inner.SetVariables(vs[4:]); err != nil {
		return err
	}
	l.counter, l.scale = int64(vs[2].Data[0]), float32(vs[3].Data[0])
	return nil
}

func (l *lossScale) Build(shapes [][]int, names []string) error {
	if l.built {
		return nil
	}
	if err := l.inner.Build(shapes, names); err != nil {
		return err
	}
	l.built = true
	if p := l.pend; p != nil {
		l.pend = nil
		return l.SetVariables(p)
	}
	return nil
}

func (l *lossScale) FinalizeVariableValues(vars [][]float32) error {
	return l.inner.FinalizeVariableValues(vars)
}

// Apply is LossScaleOptimizer.apply with unscaled gradients (see
// NewLossScaleOptimizer).
func (l *lossScale) Apply(vars, grads [][]float32, names []string) error {
	if !l.built {
		shapes := make([][]int, len(vars))
		for i, v := range vars {
			shapes[i] = []int{len(v)}
		}
		if err := l.Build(shapes, names); err != nil {
			return err
		}
	}
	if l.o.Fixed {
		return l.inner.Apply(vars, grads, names)
	}
	if !allFinite(grads) {
		l.counter = 0
		l.scale *= 0.5
		return nil
	}
	if err := l.inner.Apply(vars, grads, names); err != nil {
		return err
	}
	if l.counter == int64(l.o.DynamicGrowthSteps)-1 {
		l.counter = 0
		l.scale *= 2
	} else {
		l.counter++
	}
	return nil
}

func allFinite(grads [][]float32) bool {
	for _, g := range grads {
		for _, x := range g {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return false
			}
		}
	}
	return true
}
