package kernels

// MeanSquaredError is keras.losses.mean_squared_error: mean((y − ŷ)²) over
// the last axis.
type MeanSquaredError struct{}

// Name returns "mean_squared_error".
func (MeanSquaredError) Name() string { return "mean_squared_error" }

// PerSample implements Loss.
func (MeanSquaredError) PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	rowMean(out, rows, colsPred, func(i int) float32 {
		d := yTrue[i] - yPred[i]
		return d * d
	})
}

// Grad implements Loss: 2(ŷ − y)/cols.
func (MeanSquaredError) Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	elemGrad(dPred, dOut, rows, colsPred, 2/float64(colsPred), func(i int) float64 {
		return float64(yPred[i]) - float64(yTrue[i])
	})
}
