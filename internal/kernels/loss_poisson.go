package kernels

// Poisson is keras.losses.poisson: mean(ŷ − y·log(ŷ + ε)) over the last axis.
type Poisson struct{}

// Name returns "poisson".
func (Poisson) Name() string { return "poisson" }

// PerSample implements Loss.
func (Poisson) PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	rowMean(out, rows, colsPred, func(i int) float32 {
		return yPred[i] - yTrue[i]*log32(yPred[i]+Epsilon)
	})
}

// Grad implements Loss: (1 − y/(ŷ+ε))/cols.
func (Poisson) Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	elemGrad(dPred, dOut, rows, colsPred, 1/float64(colsPred), func(i int) float64 {
		return 1 - float64(yTrue[i])/float64(yPred[i]+Epsilon)
	})
}
