package optimizers

// NewAdamW returns keras.optimizers.AdamW(learning_rate=0.001,
// weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
// amsgrad=False): decoupled weight decay w ← w − w·wd·lr, then the Adam
// update. Slots as Adam.
func NewAdamW(opts ...Option) (Optimizer, error) {
	wd := 0.004
	return wrap(newOptimizer("AdamW", hyper{lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: &wd}, opts,
		func(h *hyper) (algorithm, error) {
			if h.weightDecay == nil {
				return nil, errf("weight_decay must be a float, got None")
			}
			return newAdamAlg(h)
		}))
}
