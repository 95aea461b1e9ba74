package kernels

// MeanAbsoluteError is keras.losses.mean_absolute_error: mean(|y − ŷ|) over
// the last axis.
type MeanAbsoluteError struct{}

// Name returns "mean_absolute_error".
func (MeanAbsoluteError) Name() string { return "mean_absolute_error" }

// PerSample implements Loss.
func (MeanAbsoluteError) PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	rowMean(out, rows, colsPred, func(i int) float32 { return abs32(yTrue[i] - yPred[i]) })
}

// Grad implements Loss: sign(ŷ − y)/cols (0 where equal).
func (MeanAbsoluteError) Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	elemGrad(dPred, dOut, rows, colsPred, 1/float64(colsPred), func(i int) float64 {
		return float64(sign32(yPred[i] - yTrue[i]))
	})
}
