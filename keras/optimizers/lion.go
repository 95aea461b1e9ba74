package optimizers

// NewLion returns keras.optimizers.Lion(learning_rate=0.001, beta_1=0.9,
// beta_2=0.99): w −= lr·sign(β₁·m + (1 − β₁)·g); m = β₂·m + (1 − β₂)·g.
// beta_1 must be in (0, 1]. Slot: momentum.
func NewLion(opts ...Option) (Optimizer, error) {
	return wrap(newOptimizer("Lion", hyper{lr: 0.001, beta1: 0.9, beta2: 0.99}, opts, func(h *hyper) (algorithm, error) {
		if h.beta1 <= 0 || h.beta1 > 1 {
			return nil, errf("beta_1 must be in the [0, 1] range, got %v", h.beta1)
		}
		return &lion{beta1: h.beta1, beta2: h.beta2}, nil
	}))
}

type lion struct{ beta1, beta2 float64 }

func (a *lion) specs() []slotSpec { return []slotSpec{{names: []string{"momentum"}}} }

func (a *lion) scalars() []*scalarVar { return nil }

func (a *lion) step(vars, grads [][]float32, slots [][][]float32, lr float32, _ int64) {
	b1, b2 := f32(a.beta1), f32(a.beta2)
	c1, c2 := 1-b1, 1-b2
	for i, w := range vars {
		g, m := grads[i], slots[0][i]
		for j := range w {
			u := float32(m[j]*b1) + float32(g[j]*c1)
			var s float32
			switch {
			case u > 0:
				s = 1
			case u < 0:
				s = -1
			case u != u:
				s = u
			}
			w[j] -= float32(lr * s)
			m[j] = float32(m[j]*b2) + float32(g[j]*c2)
		}
	}
}

func (a *lion) config(c map[string]any) {
	c["beta_1"] = a.beta1
	c["beta_2"] = a.beta2
}
