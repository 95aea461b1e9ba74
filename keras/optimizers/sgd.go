package optimizers

import "github.com/kerago/kerago/internal/elementwise"

// NewSGD returns keras.optimizers.SGD(learning_rate=0.01, momentum=0.0,
// nesterov=False): w −= lr·g; with momentum m = μ·m − lr·g, then w += m, or
// with Nesterov w += μ·m − lr·g. A "momentum" slot exists only when μ ≠ 0.
func NewSGD(opts ...Option) (Optimizer, error) {
	return wrap(newOptimizer("SGD", hyper{lr: 0.01}, opts, func(h *hyper) (algorithm, error) {
		if h.momentum < 0 || h.momentum > 1 {
			return nil, errf("momentum must be a float in [0, 1], got %v", h.momentum)
		}
		return &sgd{momentum: h.momentum, nesterov: h.nesterov}, nil
	}))
}

type sgd struct {
	momentum float64
	nesterov bool
}

func (a *sgd) specs() []slotSpec {
	if a.momentum == 0 {
		return nil
	}
	return []slotSpec{{names: []string{"momentum"}}}
}

func (a *sgd) scalars() []*scalarVar { return nil }

func (a *sgd) step(vars, grads [][]float32, slots [][][]float32, lr float32, _ int64) {
	if a.momentum == 0 {
		for i, w := range vars {
			elementwise.SGD(w, grads[i], lr) // w −= g·lr
		}
		return
	}
	mu := f32(a.momentum)
	for i, w := range vars {
		// m = m·μ − g·lr; w += m, or with Nesterov w += m·μ − g·lr
		elementwise.SGDMomentum(w, grads[i], slots[0][i], mu, lr, a.nesterov)
	}
}

func (a *sgd) config(c map[string]any) {
	c["momentum"] = a.momentum
	c["nesterov"] = a.nesterov
}
