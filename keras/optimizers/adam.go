package optimizers

import "github.com/kerago/kerago/internal/elementwise"

// NewAdam returns keras.optimizers.Adam(learning_rate=0.001, beta_1=0.9,
// beta_2=0.999, epsilon=1e-7, amsgrad=False):
//
//	α = lr·sqrt(1 − β₂^t)/(1 − β₁^t)
//	m += (g − m)(1 − β₁);  v += (g² − v)(1 − β₂)
//	w −= m·α/(sqrt(v) + ε)            (v̂ = max(v̂, v) replaces v with amsgrad)
//
// Slots: momentum, velocity interleaved per variable, then velocity_hat.
func NewAdam(opts ...Option) (Optimizer, error) {
	return wrap(newOptimizer("Adam", hyper{lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7}, opts, newAdamAlg))
}

func newAdamAlg(h *hyper) (algorithm, error) {
	return &adam{beta1: h.beta1, beta2: h.beta2, epsilon: h.epsilon, amsgrad: h.amsgrad}, nil
}

type adam struct {
	beta1, beta2, epsilon float64
	amsgrad               bool
}

func (a *adam) specs() []slotSpec {
	s := []slotSpec{{names: []string{"momentum", "velocity"}}}
	if a.amsgrad {
		s = append(s, slotSpec{names: []string{"velocity_hat"}})
	}
	return s
}

func (a *adam) scalars() []*scalarVar { return nil }

func (a *adam) step(vars, grads [][]float32, slots [][][]float32, lr float32, iter int64) {
	t := float32(iter + 1)
	b1p := pow32(f32(a.beta1), t)
	b2p := pow32(f32(a.beta2), t)
	alpha := lr * sqrt32(1-b2p) / (1 - b1p)
	c1, c2, eps := f32(1-a.beta1), f32(1-a.beta2), f32(a.epsilon)
	for i, w := range vars {
		g, m, v := grads[i], slots[0][i], slots[1][i]
		if a.amsgrad {
			elementwise.AdamAMSGrad(w, g, m, v, slots[2][i], c1, c2, alpha, eps)
		} else {
			elementwise.Adam(w, g, m, v, c1, c2, alpha, eps)
		}
	}
}

func (a *adam) config(c map[string]any) {
	c["beta_1"] = a.beta1
	c["beta_2"] = a.beta2
	c["epsilon"] = a.epsilon
	c["amsgrad"] = a.amsgrad
}
