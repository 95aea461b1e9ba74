package optimizers

import "github.com/kerago/kerago/internal/elementwise"

// NewAdamax returns keras.optimizers.Adamax(learning_rate=0.001, beta_1=0.9,
// beta_2=0.999, epsilon=1e-7): m += (g − m)(1 − β₁); u = max(β₂·u, |g|);
// w −= lr·m/((1 − β₁^t)(u + ε)). Slots: momentum, norm interleaved.
func NewAdamax(opts ...Option) (Optimizer, error) {
	return wrap(newOptimizer("Adamax", hyper{lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7}, opts, func(h *hyper) (algorithm, error) {
		return &adamax{beta1: h.beta1, beta2: h.beta2, epsilon: h.epsilon}, nil
	}))
}

type adamax struct{ beta1, beta2, epsilon float64 }

func (a *adamax) specs() []slotSpec { return []slotSpec{{names: []string{"momentum", "norm"}}} }

func (a *adamax) scalars() []*scalarVar { return nil }

func (a *adamax) step(vars, grads [][]float32, slots [][][]float32, lr float32, iter int64) {
	b1p := pow32(f32(a.beta1), float32(iter+1))
	c1, b2, eps := f32(1-a.beta1), f32(a.beta2), f32(a.epsilon)
	for i, w := range vars {
		// m += (g − m)(1 − β₁); u = max(β₂·u, |g|); w −= lr·m/((1 − β₁^t)(u + ε))
		elementwise.Adamax(w, grads[i], slots[0][i], slots[1][i], c1, b2, lr, 1-b1p, eps)
	}
}

func (a *adamax) config(c map[string]any) {
	c["beta_1"] = a.beta1
	c["beta_2"] = a.beta2
	c["epsilon"] = a.epsilon
}
