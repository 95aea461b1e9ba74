package kernels

// MeanAbsolutePercentageError is keras.losses.mean_absolute_percentage_error:
// 100·mean(|(y − ŷ)/max(|y|, ε)|) over the last axis.
type MeanAbsolutePercentageError struct{}

// Name returns "mean_absolute_percentage_error".
func (MeanAbsolutePercentageError) Name() string { return "mean_absolute_percentage_error" }

func mapeDen(y float32) float32 {
	a := abs32(y)
	if a < Epsilon {
		return Epsilon
	}
	return a
}

// PerSample implements Loss.
func (MeanAbsolutePercentageError) PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	rowMean(out, rows, colsPred, func(i int) float32 {
		return abs32((yTrue[i] - yPred[i]) / mapeDen(yTrue[i]))
	})
	for r := range rows {
		out[r] *= 100
	}
}

// Grad implements Loss: 100·sign(ŷ − y)/(max(|y|, ε)·cols).
func (MeanAbsolutePercentageError) Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	elemGrad(dPred, dOut, rows, colsPred, 100/float64(colsPred), func(i int) float64 {
		return float64(sign32(yPred[i]-yTrue[i])) / float64(mapeDen(yTrue[i]))
	})
}
