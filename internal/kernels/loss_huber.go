package kernels

// Huber is keras.losses.huber with threshold Delta (Keras default 1.0):
// mean(|e| ≤ δ ? ½e² : δ|e| − ½δ²), e = ŷ − y, over the last axis.
type Huber struct{ Delta float32 }

// Name returns "huber".
func (Huber) Name() string { return "huber" }

// PerSample implements Loss.
func (h Huber) PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	d := h.Delta
	rowMean(out, rows, colsPred, func(i int) float32 {
		e := yPred[i] - yTrue[i]
		a := abs32(e)
		if a <= d {
			return 0.5 * (e * e)
		}
		return d*a - 0.5*(d*d)
	})
}

// Grad implements Loss: e or δ·sign(e), divided by cols.
func (h Huber) Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	d := h.Delta
	elemGrad(dPred, dOut, rows, colsPred, 1/float64(colsPred), func(i int) float64 {
		e := yPred[i] - yTrue[i]
		if abs32(e) <= d {
			return float64(e)
		}
		return float64(d) * float64(sign32(e))
	})
}
