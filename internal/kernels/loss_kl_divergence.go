package kernels

// KLDivergence is keras.losses.kl_divergence: Σ y·log(y/ŷ) over the last
// axis with y and ŷ clipped to [ε, 1].
type KLDivergence struct{}

// Name returns "kl_divergence".
func (KLDivergence) Name() string { return "kl_divergence" }

// PerSample implements Loss.
func (KLDivergence) PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	rowSum(out, rows, colsPred, func(i int) float32 {
		y := clip32(yTrue[i], Epsilon, 1)
		p := clip32(yPred[i], Epsilon, 1)
		return y * log32(y/p)
	})
}

// Grad implements Loss: −y/ŷ inside the clip range, 0 outside.
func (KLDivergence) Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	elemGrad(dPred, dOut, rows, colsPred, 1, func(i int) float64 {
		if !inClip(yPred[i], Epsilon, 1) {
			return 0
		}
		return -float64(clip32(yTrue[i], Epsilon, 1)) / float64(yPred[i])
	})
}
