package optimizers

// NewAdagrad returns keras.optimizers.Adagrad(learning_rate=0.001,
// initial_accumulator_value=0.1, epsilon=1e-7): acc += g²;
// w −= lr·g/sqrt(acc + ε). Slot: accumulator (starting at the initial
// value).
func NewAdagrad(opts ...Option) (Optimizer, error) {
	return wrap(newOptimizer("Adagrad", hyper{lr: 0.001, initialAcc: 0.1, epsilon: 1e-7}, opts, func(h *hyper) (algorithm, error) {
		return &adagrad{init: h.initialAcc, epsilon: h.epsilon}, nil
	}))
}

type adagrad struct{ init, epsilon float64 }

func (a *adagrad) specs() []slotSpec {
	return []slotSpec{{names: []string{"accumulator"}, init: f32(a.init)}}
}

func (a *adagrad) scalars() []*scalarVar { return nil }

func (a *adagrad) step(vars, grads [][]float32, slots [][][]float32, lr float32, _ int64) {
	eps := f32(a.epsilon)
	for i, w := range vars {
		g, acc := grads[i], slots[0][i]
		for j := range w {
			acc[j] += float32(g[j] * g[j])
			w[j] -= float32(lr*g[j]) / sqrt32(acc[j]+eps)
		}
	}
}

func (a *adagrad) config(c map[string]any) {
	c["initial_accumulator_value"] = a.init
	c["epsilon"] = a.epsilon
}
