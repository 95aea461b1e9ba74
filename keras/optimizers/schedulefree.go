package optimizers

// NewScheduleFreeAdamW returns keras.optimizers.ScheduleFreeAdamW(
// learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
// warmup_steps=0). The model variable holds y, the point where gradients
// are taken; the momentum slot z starts as a copy of the weights. With
// t = iterations + 1 and lr scaled by min(t/warmup_steps, 1) during warmup:
//
//	v += (g² − v)(1 − β₂)
//	z −= lr·g/(sqrt(v/(1 − β₂^t)) + ε)
//	x = (y − (1 − β₁)·z)/β₁
//	x' = (1 − 1/t)·x + (1/t)·z
//	y = (1 − β₁)·z + β₁·x'
//
// x is recovered from the updated z, as Keras computes on its torch backend
// (momentum.value aliases the variable that assign_sub updates in place),
// which is where the reference runs were made.
//
// Slots: momentum, velocity interleaved per variable. Keras initialises
// momentum when the optimizer is built; kerago copies the weights at the
// first Apply after Build unless SetVariables restored the slots.
func NewScheduleFreeAdamW(opts ...Option) (Optimizer, error) {
	return wrap(newOptimizer("ScheduleFreeAdamW", hyper{lr: 0.0025, beta1: 0.9, beta2: 0.999, epsilon: 1e-8}, opts, func(h *hyper) (algorithm, error) {
		if h.more.warmupSteps < 0 {
			return nil, errf("warmup_steps must be >= 0, got %d", h.more.warmupSteps)
		}
		return &scheduleFree{beta1: h.beta1, beta2: h.beta2, epsilon: h.epsilon, warmup: h.more.warmupSteps}, nil
	}))
}

type scheduleFree struct {
	beta1, beta2, epsilon float64
	warmup                int
}

func (a *scheduleFree) specs() []slotSpec {
	return []slotSpec{{names: []string{"momentum", "velocity"}}}
}

func (a *scheduleFree) scalars() []*scalarVar { return nil }

func (a *scheduleFree) initSlots(vars [][]float32, slots [][][]float32) {
	for i, w := range vars {
		copy(slots[0][i], w)
	}
}

func (a *scheduleFree) step(vars, grads [][]float32, slots [][][]float32, lr float32, iter int64) {
	t := float32(iter + 1)
	if a.warmup > 0 {
		lr *= min(t/float32(a.warmup), 1)
	}
	b1, b2 := f32(a.beta1), f32(a.beta2)
	c1, c2, eps := 1-b1, 1-b2, f32(a.epsilon)
	bc2 := 1 - pow32(b2, t)
	wt := 1 / t
	cw := 1 - wt
	for i, y := range vars {
		g, z, v := grads[i], slots[0][i], slots[1][i]
		for j := range y {
			v[j] += float32((float32(g[j]*g[j]) - v[j]) * c2)
			den := sqrt32(v[j]/bc2) + eps
			z[j] -= float32(lr*g[j]) / den
			x := (y[j] - float32(c1*z[j])) / b1
			xn := float32(cw*x) + float32(wt*z[j])
			y[j] = float32(c1*z[j]) + float32(b1*xn)
		}
	}
}

func (a *scheduleFree) config(c map[string]any) {
	c["beta_1"] = a.beta1
	c["beta_2"] = a.beta2
	c["epsilon"] = a.epsilon
	c["warmup_steps"] = a.warmup
}
