// Package constraints holds Keras 3's weight constraints for kerago
// (keras.constraints): MaxNorm, NonNeg, UnitNorm and MinMaxNorm, applied to
// a variable after each optimizer update (spec §3, §4.1).
//
// Norms are L2 norms over Axis (default 0, which for a Dense kernel of
// shape (input_dim, units) is one norm per unit), computed in float32 with
// ε = 1e-7.
//
// Python → Go:
//
//	keras.constraints.MaxNorm(max_value=2, axis=0)   constraints.MaxNorm(2, 0)
//	keras.constraints.NonNeg()                       constraints.NonNeg()
//	w.assign(constraint(w))                          c.Apply(w, shape)
//	keras.constraints.deserialize(d)                 constraints.FromConfig(className, cfg)
package constraints

import (
	"fmt"
	"github.com/kerago/kerago/internal/cfgval"
	"math"
	"sort"
	"strings"
)

// Constraint projects a weight in place.
type Constraint interface {
	// Apply replaces w (row-major, of the given shape) by the constrained
	// value.
	Apply(w []float32, shape []int) error
	// ClassName is the Keras class name ("MaxNorm").
	ClassName() string
	// Config is Keras 3's get_config().
	Config() map[string]any
}

const eps = float32(1e-7)

type normConstraint struct {
	class              string
	minValue, maxValue float64
	rate               float64
	axes               []int
}

// MaxNorm is keras.constraints.MaxNorm(max_value=2, axis=0):
// w·clip(n, 0, max)/(ε + n).
func MaxNorm(maxValue float64, axis ...int) Constraint {
	return &normConstraint{class: "MaxNorm", maxValue: maxValue, axes: defAxis(axis)}
}

// UnitNorm is keras.constraints.UnitNorm(axis=0): w/(ε + n).
func UnitNorm(axis ...int) Constraint {
	return &normConstraint{class: "UnitNorm", axes: defAxis(axis)}
}

// MinMaxNorm is keras.constraints.MinMaxNorm(min_value=0.0, max_value=1.0,
// rate=1.0, axis=0): w·(rate·clip(n, min, max) + (1−rate)·n)/(ε + n).
func MinMaxNorm(minValue, maxValue, rate float64, axis ...int) Constraint {
	return &normConstraint{class: "MinMaxNorm", minValue: minValue, maxValue: maxValue, rate: rate, axes: defAxis(axis)}
}

func defAxis(a []int) []int {
	if len(a) == 0 {
		return []int{0}
	}
	return append([]int(nil), a...)
}

func (c *normConstraint) ClassName() string { return c.class }

func (c *normConstraint) axisConfig() any {
	if len(c.axes) == 1 {
		return c.axes[0]
	}
	out := make([]any, len(c.axes))
	for i, a := range c.axes {
		out[i] = a
	}
	return out
}

func (c *normConstraint) Config() map[string]any {
	switch c.class {
	case "MaxNorm":
		return map[string]any{"max_value": num(c.maxValue), "axis": c.axisConfig()}
	case "UnitNorm":
		return map[string]any{"axis": c.axisConfig()}
	}
	return map[string]any{"min_value": c.minValue, "max_value": c.maxValue, "rate": c.rate, "axis": c.axisConfig()}
}

// num keeps integral values integral (Keras's default max_value is int 2).
func num(v float64) any {
	if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
		return int64(v)
	}
	return v
}

func clip32(x, lo, hi float32) float32 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

func (c *normConstraint) Apply(w []float32, shape []int) error {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("constraints: %s: negative dimension in %v", c.class, shape)
		}
		n *= d
	}
	if n != len(w) {
		return fmt.Errorf("constraints: %s: shape %v has %d elements, weight has %d", c.class, shape, n, len(w))
	}
	reduce := make([]bool, len(shape))
	for _, a := range c.axes {
		if a < 0 {
			a += len(shape)
		}
		if a < 0 || a >= len(shape) {
			return fmt.Errorf("constraints: %s: axis %v out of range for shape %v", c.class, c.axes, shape)
		}
		reduce[a] = true
	}
	// Group index of each element: its coordinates on the kept axes.
	group := make([]int, len(w))
	ng := 1
	for d := range shape {
		if !reduce[d] {
			ng *= shape[d]
		}
	}
	idx := make([]int, len(shape))
	for k := range w {
		g := 0
		for d := range shape {
			if !reduce[d] {
				g = g*shape[d] + idx[d]
			}
		}
		group[k] = g
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	sq := make([]float64, ng)
	for k, x := range w {
		sq[group[k]] += float64(x * x)
	}
	factor := make([]float32, ng)
	for g := range factor {
		norm := float32(math.Sqrt(float64(float32(sq[g]))))
		switch c.class {
		case "MaxNorm":
			factor[g] = clip32(norm, 0, float32(c.maxValue)) / (eps + norm)
		case "UnitNorm":
			factor[g] = eps + norm // divisor: Keras computes w / (ε + n)
		default:
			desired := float32(c.rate)*clip32(norm, float32(c.minValue), float32(c.maxValue)) + float32(1-c.rate)*norm
			factor[g] = desired / (eps + norm)
		}
	}
	for k := range w {
		if c.class == "UnitNorm" {
			w[k] /= factor[group[k]]
		} else {
			w[k] *= factor[group[k]]
		}
	}
	return nil
}

type nonNeg struct{}

// NonNeg is keras.constraints.NonNeg: max(w, 0).
func NonNeg() Constraint { return nonNeg{} }

func (nonNeg) ClassName() string      { return "NonNeg" }
func (nonNeg) Config() map[string]any { return map[string]any{} }

func (nonNeg) Apply(w []float32, shape []int) error {
	for i, x := range w {
		if x < 0 {
			w[i] = 0
		}
	}
	return nil
}

// names maps Keras 3 identifiers (class names, snake_case) and Keras 1/2
// aliases (maxnorm, nonneg, unitnorm, min_max_norm) to classes.
var names = map[string]string{
	"MaxNorm": "MaxNorm", "max_norm": "MaxNorm", "maxnorm": "MaxNorm",
	"NonNeg": "NonNeg", "non_neg": "NonNeg", "nonneg": "NonNeg",
	"UnitNorm": "UnitNorm", "unit_norm": "UnitNorm", "unitnorm": "UnitNorm",
	"MinMaxNorm": "MinMaxNorm", "min_max_norm": "MinMaxNorm",
}

func valid() string {
	var n []string
	for k := range names {
		n = append(n, k)
	}
	sort.Strings(n)
	return strings.Join(n, ", ")
}

// Get returns a constraint with Keras's defaults by name.
func Get(name string) (Constraint, error) {
	return FromConfig(name, nil)
}

// FromConfig rebuilds a constraint from a serialized class name and config
// (Keras 3, tf.keras, and Keras 1's MaxNorm key "m"). axis may be an int or
// a list of ints. Unknown keys are an error.
func FromConfig(className string, cfg map[string]any) (Constraint, error) {
	c, ok := names[className]
	if !ok {
		return nil, fmt.Errorf("constraints: unknown constraint %q; valid names: %s", className, valid())
	}
	minV, maxV, rate := 0.0, 1.0, 1.0
	if c == "MaxNorm" {
		maxV = 2
	}
	axes := []int{0}
	for k, v := range cfg {
		if v == nil {
			continue
		}
		switch k {
		case "max_value", "m", "min_value", "rate":
			f, ok := cfgval.Float(v)
			if !ok || math.IsNaN(f) {
				return nil, fmt.Errorf("constraints: %s config: %s is %v (%T), want a number", className, k, v, v)
			}
			switch k {
			case "max_value", "m":
				maxV = f
			case "min_value":
				minV = f
			default:
				rate = f
			}
		case "axis":
			switch x := v.(type) {
			case []any:
				axes = axes[:0]
				for _, e := range x {
					f, ok := cfgval.Float(e)
					if !ok || f != math.Trunc(f) {
						return nil, fmt.Errorf("constraints: %s config: axis %v, want integers", className, v)
					}
					axes = append(axes, int(f))
				}
			default:
				f, ok := cfgval.Float(v)
				if !ok || f != math.Trunc(f) {
					return nil, fmt.Errorf("constraints: %s config: axis %v, want an integer or a list", className, v)
				}
				axes = []int{int(f)}
			}
		case "name":
		default:
			return nil, fmt.Errorf("constraints: %s config: unknown key %q", className, k)
		}
	}
	switch c {
	case "MaxNorm":
		return MaxNorm(maxV, axes...), nil
	case "UnitNorm":
		return UnitNorm(axes...), nil
	case "MinMaxNorm":
		return MinMaxNorm(minV, maxV, rate, axes...), nil
	}
	return NonNeg(), nil
}
