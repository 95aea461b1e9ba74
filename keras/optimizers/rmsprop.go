package optimizers

import "github.com/kerago/kerago/internal/elementwise"

// NewRMSprop returns keras.optimizers.RMSprop(learning_rate=0.001, rho=0.9,
// momentum=0.0, epsilon=1e-7, centered=False), the compile() default:
//
//	v = ρ·v + (1−ρ)·g²
//	centered: a = ρ·a + (1−ρ)·g, den = v − a² + ε; else den = v + ε
//	inc = lr·g/sqrt(den)
//	momentum > 0: mom = μ·mom + inc, w −= mom; else w −= inc
//
// Slots: velocity, then momentum (if μ > 0), then average_gradient (if
// centered), each group over all variables. Default name "rm_sprop".
func NewRMSprop(opts ...Option) (Optimizer, error) {
	return wrap(newOptimizer("RMSprop", hyper{lr: 0.001, rho: 0.9, epsilon: 1e-7}, opts, func(h *hyper) (algorithm, error) {
		return &rmsprop{rho: h.rho, momentum: h.momentum, epsilon: h.epsilon, centered: h.centered}, nil
	}))
}

type rmsprop struct {
	rho, momentum, epsilon float64
	centered               bool
}

func (a *rmsprop) specs() []slotSpec {
	s := []slotSpec{{names: []string{"velocity"}}}
	if a.momentum > 0 {
		s = append(s, slotSpec{names: []string{"momentum"}})
	}
	if a.centered {
		s = append(s, slotSpec{names: []string{"average_gradient"}})
	}
	return s
}

func (a *rmsprop) scalars() []*scalarVar { return nil }

func (a *rmsprop) step(vars, grads [][]float32, slots [][][]float32, lr float32, _ int64) {
	rho, c, eps, mu := f32(a.rho), f32(1-a.rho), f32(a.epsilon), f32(a.momentum)
	for i, w := range vars {
		g, v := grads[i], slots[0][i]
		k := 1
		var mom []float32
		if a.momentum > 0 {
			mom = slots[k][i]
			k++
		}
		if !a.centered {
			elementwise.RMSprop(w, g, v, mom, rho, c, eps, lr, mu)
			continue
		}
		rmspropCentered(w, g, v, mom, slots[k][i], rho, c, eps, lr, mu)
	}
}

// rmspropCentered is the centered update: avg = ρ·avg + (1−ρ)·g and the
// denominator v − avg² + ε.
func rmspropCentered(w, g, v, mom, avg []float32, rho, c, eps, lr, mu float32) {
	for j := range w {
		v[j] = float32(rho*v[j]) + float32(c*float32(g[j]*g[j]))
		avg[j] = float32(rho*avg[j]) + float32(c*g[j])
		den := v[j] - float32(avg[j]*avg[j]) + eps
		inc := float32(lr*g[j]) / sqrt32(den)
		if mom != nil {
			mom[j] = float32(mu*mom[j]) + inc
			w[j] -= mom[j]
		} else {
			w[j] -= inc
		}
	}
}

func (a *rmsprop) config(c map[string]any) {
	c["rho"] = a.rho
	c["momentum"] = a.momentum
	c["epsilon"] = a.epsilon
	c["centered"] = a.centered
}
