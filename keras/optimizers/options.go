package optimizers

// moreHyper holds the hyperparameters of Adafactor, Ftrl, Muon and
// ScheduleFreeAdamW (Keras's config keys in the comments).
type moreHyper struct {
	beta2Decay    float64 // beta_2_decay
	epsilon1      float64 // epsilon_1
	epsilon2      float64 // epsilon_2
	clipThreshold float64 // clip_threshold
	relativeStep  bool    // relative_step

	lrPower     float64 // learning_rate_power
	l1          float64 // l1_regularization_strength
	l2          float64 // l2_regularization_strength
	l2Shrinkage float64 // l2_shrinkage_regularization_strength
	ftrlBeta    float64 // beta

	adamBeta1         float64  // adam_beta_1
	adamBeta2         float64  // adam_beta_2
	adamWeightDecay   *float64 // adam_weight_decay (nil: None)
	excludeLayers     []string // exclude_layers
	excludeEmbeddings bool     // exclude_embeddings
	muonA             float64  // muon_a
	muonB             float64  // muon_b
	muonC             float64  // muon_c
	adamLRRatio       float64  // adam_lr_ratio
	nsSteps           int      // ns_steps
	rmsRate           *float64 // rms_rate (nil: None)

	warmupSteps int // warmup_steps
}

// Beta2Decay sets Adafactor's beta_2_decay (default −0.8).
func Beta2Decay(v float64) Option {
	return func(h *hyper) { h.mark("beta_2_decay"); h.more.beta2Decay = v }
}

// Epsilon1 sets Adafactor's epsilon_1, added to the squared gradient
// (default 1e-30).
func Epsilon1(v float64) Option { return func(h *hyper) { h.mark("epsilon_1"); h.more.epsilon1 = v } }

// Epsilon2 sets Adafactor's epsilon_2, the floor of the relative step
// scale (default 1e-3).
func Epsilon2(v float64) Option { return func(h *hyper) { h.mark("epsilon_2"); h.more.epsilon2 = v } }

// ClipThreshold sets Adafactor's clip_threshold on the RMS of the update
// (default 1.0).
func ClipThreshold(v float64) Option {
	return func(h *hyper) { h.mark("clip_threshold"); h.more.clipThreshold = v }
}

// RelativeStep sets Adafactor's relative_step: a constant learning rate is
// capped at 1/sqrt(t) (default true).
func RelativeStep(b bool) Option {
	return func(h *hyper) { h.mark("relative_step"); h.more.relativeStep = b }
}

// LearningRatePower sets Ftrl's learning_rate_power (≤ 0, default −0.5).
func LearningRatePower(v float64) Option {
	return func(h *hyper) { h.mark("learning_rate_power"); h.more.lrPower = v }
}

// L1RegularizationStrength sets Ftrl's l1_regularization_strength (≥ 0).
func L1RegularizationStrength(v float64) Option {
	return func(h *hyper) { h.mark("l1_regularization_strength"); h.more.l1 = v }
}

// L2RegularizationStrength sets Ftrl's l2_regularization_strength (≥ 0).
func L2RegularizationStrength(v float64) Option {
	return func(h *hyper) { h.mark("l2_regularization_strength"); h.more.l2 = v }
}

// L2ShrinkageRegularizationStrength sets Ftrl's
// l2_shrinkage_regularization_strength (≥ 0).
func L2ShrinkageRegularizationStrength(v float64) Option {
	return func(h *hyper) { h.mark("l2_shrinkage_regularization_strength"); h.more.l2Shrinkage = v }
}

// FtrlBeta sets Ftrl's beta (config key "beta", default 0).
func FtrlBeta(v float64) Option { return func(h *hyper) { h.mark("beta"); h.more.ftrlBeta = v } }

// AdamBeta1 sets Muon's adam_beta_1 (default 0.9).
func AdamBeta1(v float64) Option {
	return func(h *hyper) { h.mark("adam_beta_1"); h.more.adamBeta1 = v }
}

// AdamBeta2 sets Muon's adam_beta_2 (default 0.999).
func AdamBeta2(v float64) Option {
	return func(h *hyper) { h.mark("adam_beta_2"); h.more.adamBeta2 = v }
}

// AdamWeightDecay sets Muon's adam_weight_decay, the weight decay of the
// variables it updates with AdamW (default 0.004).
func AdamWeightDecay(v float64) Option {
	return func(h *hyper) { h.mark("adam_weight_decay"); h.more.adamWeightDecay = &v }
}

// NoAdamWeightDecay sets Muon's adam_weight_decay to None.
func NoAdamWeightDecay() Option {
	return func(h *hyper) { h.mark("adam_weight_decay"); h.more.adamWeightDecay = nil }
}

// NoWeightDecay sets weight_decay to None (Muon's default is 0.004).
func NoWeightDecay() Option { return func(h *hyper) { h.mark("weight_decay"); h.weightDecay = nil } }

// ExcludeLayers sets Muon's exclude_layers: variables whose path matches
// one of these regular expressions are updated with AdamW.
func ExcludeLayers(patterns ...string) Option {
	return func(h *hyper) {
		h.mark("exclude_layers")
		h.more.excludeLayers = append([]string{}, patterns...)
	}
}

// ExcludeEmbeddings sets Muon's exclude_embeddings: variables whose path
// contains "embedding" use AdamW (default true).
func ExcludeEmbeddings(b bool) Option {
	return func(h *hyper) { h.mark("exclude_embeddings"); h.more.excludeEmbeddings = b }
}

// MuonA, MuonB and MuonC set the Newton–Schulz coefficients muon_a, muon_b,
// muon_c (defaults 3.4445, −4.775, 2.0315).
func MuonA(v float64) Option { return func(h *hyper) { h.mark("muon_a"); h.more.muonA = v } }

// MuonB sets muon_b (see MuonA).
func MuonB(v float64) Option { return func(h *hyper) { h.mark("muon_b"); h.more.muonB = v } }

// MuonC sets muon_c (see MuonA).
func MuonC(v float64) Option { return func(h *hyper) { h.mark("muon_c"); h.more.muonC = v } }

// AdamLRRatio sets Muon's adam_lr_ratio, the AdamW learning rate as a
// fraction of learning_rate (default 1).
func AdamLRRatio(v float64) Option {
	return func(h *hyper) { h.mark("adam_lr_ratio"); h.more.adamLRRatio = v }
}

// NSSteps sets Muon's ns_steps, the number of Newton–Schulz iterations
// (default 5).
func NSSteps(n int) Option { return func(h *hyper) { h.mark("ns_steps"); h.more.nsSteps = n } }

// RMSRate sets Muon's rms_rate: the update of a (n, m) matrix is scaled by
// sqrt(max(n, m))·rms_rate (default 0.2).
func RMSRate(v float64) Option { return func(h *hyper) { h.mark("rms_rate"); h.more.rmsRate = &v } }

// NoRMSRate sets Muon's rms_rate to None: no update scaling.
func NoRMSRate() Option { return func(h *hyper) { h.mark("rms_rate"); h.more.rmsRate = nil } }

// WarmupSteps sets ScheduleFreeAdamW's warmup_steps: the learning rate
// grows linearly over the first n steps (default 0).
func WarmupSteps(n int) Option {
	return func(h *hyper) { h.mark("warmup_steps"); h.more.warmupSteps = n }
}
