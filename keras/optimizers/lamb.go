package optimizers

import "math"

// NewLamb returns keras.optimizers.Lamb(learning_rate=0.001, beta_1=0.9,
// beta_2=0.999, epsilon=1e-7), Adam moments with a layer-wise trust ratio:
//
//	m += (g − m)(1 − β₁);  v += (g² − v)(1 − β₂)
//	u = (m/(1 − β₁^t)) / (sqrt(v/(1 − β₂^t)) + ε)
//	r = ‖w‖/‖u‖ (1 when either norm is 0)
//	w −= r·lr·u
//
// Slots: momentum, velocity interleaved per variable.
func NewLamb(opts ...Option) (Optimizer, error) {
	return wrap(newOptimizer("Lamb", hyper{lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7}, opts, func(h *hyper) (algorithm, error) {
		return &lamb{beta1: h.beta1, beta2: h.beta2, epsilon: h.epsilon}, nil
	}))
}

type lamb struct {
	beta1, beta2, epsilon float64
	upd                   []float32 // scratch: the update of one variable
}

func (a *lamb) specs() []slotSpec { return []slotSpec{{names: []string{"momentum", "velocity"}}} }

func (a *lamb) scalars() []*scalarVar { return nil }

func (a *lamb) step(vars, grads [][]float32, slots [][][]float32, lr float32, iter int64) {
	t := float32(iter + 1)
	b1c := 1 - pow32(f32(a.beta1), t)
	b2c := 1 - pow32(f32(a.beta2), t)
	c1, c2, eps := f32(1-a.beta1), f32(1-a.beta2), f32(a.epsilon)
	for i, w := range vars {
		g, m, v := grads[i], slots[0][i], slots[1][i]
		if cap(a.upd) < len(w) {
			a.upd = make([]float32, len(w))
		}
		u := a.upd[:len(w)]
		for j := range w {
			m[j] += float32((g[j] - m[j]) * c1)
			v[j] += float32((float32(g[j]*g[j]) - v[j]) * c2)
			u[j] = (m[j] / b1c) / (sqrt32(v[j]/b2c) + eps)
		}
		wn, un := norm32(w), norm32(u)
		ratio := float32(1)
		if wn > 0 && un > 0 {
			ratio = wn / un
		}
		s := ratio * lr
		for j := range w {
			w[j] -= float32(s * u[j])
		}
	}
}

// norm32 is sqrt(sum(x²)) of a float32 tensor (accumulated in float64,
// rounded once: within an ulp of float32 pairwise summation).
func norm32(x []float32) float32 {
	var s float64
	for _, e := range x {
		s += float64(e * e)
	}
	return float32(math.Sqrt(float64(float32(s))))
}

func (a *lamb) config(c map[string]any) {
	c["beta_1"] = a.beta1
	c["beta_2"] = a.beta2
	c["epsilon"] = a.epsilon
}
