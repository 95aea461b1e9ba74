package optimizers

import "math"

// NewFtrl returns keras.optimizers.Ftrl(learning_rate=0.001,
// learning_rate_power=-0.5, initial_accumulator_value=0.1,
// l1_regularization_strength=0, l2_regularization_strength=0,
// l2_shrinkage_regularization_strength=0, beta=0), as Keras computes it
// (p = −learning_rate_power, λ₂' = λ₂ + β/(2·lr)):
//
//	n' = n + g²
//	z += g + 2·λ_shrink·w − (n'^p − n^p)/lr·w
//	w = (clip(z, −λ₁, λ₁) − z)/(n'^p/lr + 2·λ₂')
//	n = n'
//
// Slots: accumulator (starting at initial_accumulator_value), linear,
// interleaved per variable.
func NewFtrl(opts ...Option) (Optimizer, error) {
	d := hyper{lr: 0.001, initialAcc: 0.1}
	d.more.lrPower = -0.5
	return wrap(newOptimizer("Ftrl", d, opts, func(h *hyper) (algorithm, error) {
		m := h.more
		switch {
		case h.initialAcc < 0:
			return nil, errf("initial_accumulator_value needs to be positive or zero, got %v", h.initialAcc)
		case m.lrPower > 0:
			return nil, errf("learning_rate_power needs to be negative or zero, got %v", m.lrPower)
		case m.l1 < 0:
			return nil, errf("l1_regularization_strength needs to be positive or zero, got %v", m.l1)
		case m.l2 < 0:
			return nil, errf("l2_regularization_strength needs to be positive or zero, got %v", m.l2)
		case m.l2Shrinkage < 0:
			return nil, errf("l2_shrinkage_regularization_strength needs to be positive or zero, got %v", m.l2Shrinkage)
		}
		return &ftrl{initAcc: h.initialAcc, lrPower: m.lrPower, l1: m.l1, l2: m.l2, shrink: m.l2Shrinkage, beta: m.ftrlBeta}, nil
	}))
}

type ftrl struct{ initAcc, lrPower, l1, l2, shrink, beta float64 }

func (a *ftrl) specs() []slotSpec {
	return []slotSpec{{names: []string{"accumulator", "linear"}, inits: []float32{f32(a.initAcc), 0}}}
}

func (a *ftrl) scalars() []*scalarVar { return nil }

// powNeg is ops.power(x, −learning_rate_power) in float32 (torch computes
// the power 0.5 as a square root).
func (a *ftrl) powNeg(x float32) float32 {
	p := -a.lrPower
	if p == 0.5 {
		return sqrt32(x)
	}
	return float32(math.Pow(float64(x), float64(f32(p))))
}

func (a *ftrl) step(vars, grads [][]float32, slots [][][]float32, lr float32, _ int64) {
	l2 := f32(a.l2) + f32(a.beta)/(2*lr)
	twoL2 := 2 * l2
	shrink2, l1 := f32(2*a.shrink), f32(a.l1)
	for i, w := range vars {
		g, acc, lin := grads[i], slots[0][i], slots[1][i]
		for j := range w {
			gu := g[j] + float32(shrink2*w[j])
			na := acc[j] + float32(g[j]*g[j])
			pn := a.powNeg(na)
			sigma := (pn - a.powNeg(acc[j])) / lr
			lin[j] += gu - float32(sigma*w[j])
			quad := pn/lr + twoL2
			lc := lin[j]
			if lc > l1 {
				lc = l1
			} else if lc < -l1 {
				lc = -l1
			}
			w[j] = (lc - lin[j]) / quad
			acc[j] = na
		}
	}
}

func (a *ftrl) config(c map[string]any) {
	c["learning_rate_power"] = a.lrPower
	c["initial_accumulator_value"] = a.initAcc
	c["l1_regularization_strength"] = a.l1
	c["l2_regularization_strength"] = a.l2
	c["l2_shrinkage_regularization_strength"] = a.shrink
	c["beta"] = a.beta
}
