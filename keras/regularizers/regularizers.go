// Package regularizers holds Keras 3's weight regularizers for kerago
// (keras.regularizers): L1, L2 and L1L2 penalties, added to the training loss
// (spec §6.4) with their gradients.
//
// Python → Go:
//
//	keras.regularizers.L2(0.01)              regularizers.L2(0.01)
//	keras.regularizers.L1L2(l1=0.01, l2=0.1) regularizers.L1L2(0.01, 0.1)
//	reg(w)                                   r.Penalty(w)
//	keras.regularizers.get("l2")             regularizers.Get("l2")
//	keras.regularizers.deserialize(d)        regularizers.FromConfig(className, cfg)
package regularizers

import (
	"fmt"
	"github.com/kerago/kerago/internal/cfgval"
	"math"
	"sort"
	"strings"
)

// Regularizer is a weight penalty.
type Regularizer interface {
	// Penalty is the value added to the loss, computed in float32 like
	// Keras: l1·Σ|w| + l2·Σw².
	Penalty(w []float32) float32
	// AddGrad adds d Penalty / d w to grad (same length as w). The
	// subgradient of |w| at 0 is 0, as TF's abs gradient.
	AddGrad(grad, w []float32)
	// ClassName is "L1", "L2" or "L1L2".
	ClassName() string
	// Config is Keras 3's get_config().
	Config() map[string]any
}

type reg struct {
	class  string
	l1, l2 float64
}

// L1 is keras.regularizers.L1(l1=0.01): l1·Σ|w|. Keras 3 keeps l1 as a
// float32 tensor, so its config reports the float32 value
// (0.009999999776482582 for 0.01).
func L1(l1 float64) Regularizer { return &reg{class: "L1", l1: l1} }

// L2 is keras.regularizers.L2(l2=0.01): l2·Σw².
func L2(l2 float64) Regularizer { return &reg{class: "L2", l2: l2} }

// L1L2 is keras.regularizers.L1L2(l1=0.0, l2=0.0).
func L1L2(l1, l2 float64) Regularizer { return &reg{class: "L1L2", l1: l1, l2: l2} }

func sum32(w []float32, f func(float32) float32) float32 {
	var s float64
	for _, x := range w {
		s += float64(f(x))
	}
	return float32(s)
}

func (r *reg) Penalty(w []float32) float32 {
	var p float32
	if r.l1 != 0 {
		p += float32(r.l1) * sum32(w, func(x float32) float32 { return float32(math.Abs(float64(x))) })
	}
	if r.l2 != 0 {
		p += float32(r.l2) * sum32(w, func(x float32) float32 { return x * x })
	}
	return p
}

func (r *reg) AddGrad(grad, w []float32) {
	l1, l2 := float32(r.l1), float32(r.l2)
	for i, x := range w {
		var g float32
		if l1 != 0 {
			switch {
			case x > 0:
				g += l1
			case x < 0:
				g -= l1
			}
		}
		if l2 != 0 {
			g += 2 * l2 * x
		}
		grad[i] += g
	}
}

func (r *reg) ClassName() string { return r.class }

func (r *reg) Config() map[string]any {
	switch r.class {
	case "L1":
		return map[string]any{"l1": float64(float32(r.l1))}
	case "L2":
		return map[string]any{"l2": r.l2}
	}
	return map[string]any{"l1": r.l1, "l2": r.l2}
}

// names maps Keras 3 identifiers (class names and their snake_case) and
// Keras 2's "l1_l2" to classes.
var names = map[string]string{"L1": "L1", "l1": "L1", "L2": "L2", "l2": "L2",
	"L1L2": "L1L2", "l1l2": "L1L2", "l1_l2": "L1L2", "L1_L2": "L1L2"}

func valid() string {
	var n []string
	for k := range names {
		n = append(n, k)
	}
	sort.Strings(n)
	return strings.Join(n, ", ")
}

// Get returns a regularizer with Keras's default factors: "l1"/"L1" →
// L1(0.01), "l2"/"L2" → L2(0.01), "l1_l2"/"L1L2" → L1L2(0, 0) (Keras 3
// class defaults; note Keras 2's l1_l2() function defaulted both to 0.01).
func Get(name string) (Regularizer, error) {
	c, ok := names[name]
	if !ok {
		return nil, fmt.Errorf("regularizers: unknown regularizer %q; valid names: %s", name, valid())
	}
	switch c {
	case "L1":
		return L1(0.01), nil
	case "L2":
		return L2(0.01), nil
	}
	return L1L2(0, 0), nil
}

// FromConfig rebuilds a regularizer from a serialized class name and config
// (Keras 3 and tf.keras: {"l1": ..., "l2": ...}, values possibly
// float32-cast like 0.009999999776482582). Factors must be finite and
// non-negative; null means the class default.
func FromConfig(className string, cfg map[string]any) (Regularizer, error) {
	c, ok := names[className]
	if !ok {
		return nil, fmt.Errorf("regularizers: unknown regularizer class %q; valid: %s", className, valid())
	}
	l1, l2 := 0.0, 0.0
	if c == "L1" {
		l1 = 0.01
	}
	if c == "L2" {
		l2 = 0.01
	}
	for k, v := range cfg {
		if v == nil {
			continue
		}
		f, ok := cfgval.Float(v)
		switch k {
		case "l1", "l2":
			if !ok || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
				return nil, fmt.Errorf("regularizers: %s config: %s is %v, want a non-negative float", className, k, v)
			}
			if k == "l1" {
				if c == "L2" {
					return nil, fmt.Errorf("regularizers: L2 config: unknown key \"l1\"")
				}
				l1 = f
			} else {
				if c == "L1" {
					return nil, fmt.Errorf("regularizers: L1 config: unknown key \"l2\"")
				}
				l2 = f
			}
		default:
			return nil, fmt.Errorf("regularizers: %s config: unknown key %q", className, k)
		}
	}
	switch c {
	case "L1":
		return L1(l1), nil
	case "L2":
		return L2(l2), nil
	}
	return L1L2(l1, l2), nil
}
