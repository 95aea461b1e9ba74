package optimizers

// NewAdadelta returns keras.optimizers.Adadelta(learning_rate=0.001,
// rho=0.95, epsilon=1e-7):
//
//	Eg = ρ·Eg + (1−ρ)·g²
//	Δ = −sqrt(Edx + ε)·g/sqrt(Eg + ε)
//	Edx = ρ·Edx + (1−ρ)·Δ²
//	w += lr·Δ
//
// Slots: accumulated_grad, accumulated_delta_var interleaved.
func NewAdadelta(opts ...Option) (Optimizer, error) {
	return wrap(newOptimizer("Adadelta", hyper{lr: 0.001, rho: 0.95, epsilon: 1e-7}, opts, func(h *hyper) (algorithm, error) {
		return &adadelta{rho: h.rho, epsilon: h.epsilon}, nil
	}))
}

type adadelta struct{ rho, epsilon float64 }

func (a *adadelta) specs() []slotSpec {
	return []slotSpec{{names: []string{"accumulated_grad", "accumulated_delta_var"}}}
}

func (a *adadelta) scalars() []*scalarVar { return nil }

func (a *adadelta) step(vars, grads [][]float32, slots [][][]float32, lr float32, _ int64) {
	rho, c, eps := f32(a.rho), f32(1-a.rho), f32(a.epsilon)
	for i, w := range vars {
		g, eg, edx := grads[i], slots[0][i], slots[1][i]
		for j := range w {
			eg[j] = float32(rho*eg[j]) + float32(c*float32(g[j]*g[j]))
			d := -(float32(sqrt32(edx[j]+eps)*g[j]) / sqrt32(eg[j]+eps))
			edx[j] = float32(rho*edx[j]) + float32(c*float32(d*d))
			w[j] += float32(lr * d)
		}
	}
}

func (a *adadelta) config(c map[string]any) {
	c["rho"] = a.rho
	c["epsilon"] = a.epsilon
}
