package kernels

// MeanSquaredLogarithmicError is keras.losses.mean_squared_logarithmic_error:
// mean((log(max(ŷ, ε) + 1) − log(max(y, ε) + 1))²) over the last axis.
type MeanSquaredLogarithmicError struct{}

// Name returns "mean_squared_logarithmic_error".
func (MeanSquaredLogarithmicError) Name() string { return "mean_squared_logarithmic_error" }

func msleLog(x float32) float32 {
	if x < Epsilon {
		x = Epsilon
	}
	return log32(x + 1)
}

// PerSample implements Loss.
func (MeanSquaredLogarithmicError) PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	rowMean(out, rows, colsPred, func(i int) float32 {
		d := msleLog(yPred[i]) - msleLog(yTrue[i])
		return d * d
	})
}

// Grad implements Loss; zero where ŷ < ε (the max picks ε there).
func (MeanSquaredLogarithmicError) Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	elemGrad(dPred, dOut, rows, colsPred, 2/float64(colsPred), func(i int) float64 {
		if yPred[i] < Epsilon {
			return 0
		}
		d := float64(msleLog(yPred[i])) - float64(msleLog(yTrue[i]))
		return d / (float64(yPred[i]) + 1)
	})
}
