package kernels

// Hinge is keras.losses.hinge: mean(max(1 − y·ŷ, 0)) over the last axis.
// When every label of the batch is 0 or 1 they are mapped to −1/1 first.
type Hinge struct{}

// Name returns "hinge".
func (Hinge) Name() string { return "hinge" }

// hingeLabels returns y mapped 2y−1 when all labels are 0 or 1 (Keras's
// convert_binary_labels_to_hinge decides over the whole batch).
func hingeLabels(y []float32) []float32 {
	for _, v := range y {
		if v != 0 && v != 1 {
			return y
		}
	}
	out := make([]float32, len(y))
	for i, v := range y {
		out[i] = 2*v - 1
	}
	return out
}

// PerSample implements Loss.
func (Hinge) PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	y := hingeLabels(yTrue)
	rowMean(out, rows, colsPred, func(i int) float32 {
		v := 1 - y[i]*yPred[i]
		if v < 0 {
			return 0
		}
		return v
	})
}

// Grad implements Loss: −y/cols where 1 − y·ŷ ≥ 0.
func (Hinge) Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	y := hingeLabels(yTrue)
	elemGrad(dPred, dOut, rows, colsPred, 1/float64(colsPred), func(i int) float64 {
		if 1-y[i]*yPred[i] >= 0 {
			return -float64(y[i])
		}
		return 0
	})
}

// SquaredHinge is keras.losses.squared_hinge: mean(max(1 − y·ŷ, 0)²), with
// the same 0/1 → −1/1 label mapping as Hinge.
type SquaredHinge struct{}

// Name returns "squared_hinge".
func (SquaredHinge) Name() string { return "squared_hinge" }

// PerSample implements Loss.
func (SquaredHinge) PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	y := hingeLabels(yTrue)
	rowMean(out, rows, colsPred, func(i int) float32 {
		v := 1 - y[i]*yPred[i]
		if v < 0 {
			return 0
		}
		return v * v
	})
}

// Grad implements Loss: −2·y·max(1 − y·ŷ, 0)/cols.
func (SquaredHinge) Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	y := hingeLabels(yTrue)
	elemGrad(dPred, dOut, rows, colsPred, 2/float64(colsPred), func(i int) float64 {
		v := 1 - float64(y[i])*float64(yPred[i])
		if v < 0 {
			return 0
		}
		return -float64(y[i]) * v
	})
}
