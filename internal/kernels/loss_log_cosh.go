package kernels

import "math"

// LogCosh is keras.losses.log_cosh: mean(e + softplus(−2e) − log 2), e = ŷ − y,
// over the last axis.
type LogCosh struct{}

// Name returns "log_cosh".
func (LogCosh) Name() string { return "log_cosh" }

var log2f32 = float32(math.Log(2))

// PerSample implements Loss.
func (LogCosh) PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	rowMean(out, rows, colsPred, func(i int) float32 {
		e := yPred[i] - yTrue[i]
		return e + softplus32(e*-2) - log2f32
	})
}

// Grad implements Loss: tanh(e)/cols.
func (LogCosh) Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	elemGrad(dPred, dOut, rows, colsPred, 1/float64(colsPred), func(i int) float64 {
		return math.Tanh(float64(yPred[i]) - float64(yTrue[i]))
	})
}
