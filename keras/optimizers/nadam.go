package optimizers

// NewNadam returns keras.optimizers.Nadam(learning_rate=0.001, beta_1=0.9,
// beta_2=0.999, epsilon=1e-7). Per batch u_product *= β₁(1 − ½·0.96^t);
// per variable, with u_t = β₁(1 − ½·0.96^t), u_t1 = β₁(1 − ½·0.96^(t+1)):
//
//	m += (g − m)(1 − β₁);  v += (g² − v)(1 − β₂)
//	m̂ = u_t1·m/(1 − u_product·u_t1) + (1 − u_t)·g/(1 − u_product)
//	v̂ = v/(1 − β₂^t);  w −= m̂·lr/(sqrt(v̂) + ε)
//
// Slots: momentum, velocity interleaved, then the scalar u_product (Keras
// gives it the auto-generated name "variable"; it is stored last).
func NewNadam(opts ...Option) (Optimizer, error) {
	return wrap(newOptimizer("Nadam", hyper{lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7}, opts, func(h *hyper) (algorithm, error) {
		return &nadam{beta1: h.beta1, beta2: h.beta2, epsilon: h.epsilon, uProduct: &scalarVar{name: "variable", init: 1, v: 1}}, nil
	}))
}

type nadam struct {
	beta1, beta2, epsilon float64
	uProduct              *scalarVar
}

func (a *nadam) specs() []slotSpec { return []slotSpec{{names: []string{"momentum", "velocity"}}} }

func (a *nadam) scalars() []*scalarVar { return []*scalarVar{a.uProduct} }

func (a *nadam) step(vars, grads [][]float32, slots [][][]float32, lr float32, iter int64) {
	t := float32(iter + 1)
	decay := f32(0.96)
	// _backend_update_step: u_product = u_product·β₁·(1 − 0.5·0.96^t)
	a.uProduct.v = float32(a.uProduct.v*f32(a.beta1)) * (1 - float32(0.5*pow32(decay, t)))
	b1, b2 := f32(a.beta1), f32(a.beta2)
	ut := b1 * (1 - float32(0.5*pow32(decay, t)))
	ut1 := b1 * (1 - float32(0.5*pow32(decay, t+1)))
	up := a.uProduct.v
	up1 := up * ut1
	b2p := pow32(b2, t)
	c1, c2, eps := 1-b1, 1-b2, f32(a.epsilon)
	for i, w := range vars {
		g, m, v := grads[i], slots[0][i], slots[1][i]
		for j := range w {
			m[j] += float32((g[j] - m[j]) * c1)
			v[j] += float32((float32(g[j]*g[j]) - v[j]) * c2)
			mh := float32(ut1*m[j])/(1-up1) + float32((1-ut)*g[j])/(1-up)
			vh := v[j] / (1 - b2p)
			w[j] -= float32(mh*lr) / (sqrt32(vh) + eps)
		}
	}
}

func (a *nadam) config(c map[string]any) {
	c["beta_1"] = a.beta1
	c["beta_2"] = a.beta2
	c["epsilon"] = a.epsilon
}
