package kernels

// CategoricalHinge is keras.losses.categorical_hinge:
// max(max((1−y)·ŷ) − Σ y·ŷ + 1, 0) per row.
type CategoricalHinge struct{}

// Name returns "categorical_hinge".
func (CategoricalHinge) Name() string { return "categorical_hinge" }

func catHingeRow(y, x []float32) (val float32, neg float32) {
	var pos float64
	neg = float32(0)
	for j := range x {
		pos += float64(y[j] * x[j])
		n := (1 - y[j]) * x[j]
		if j == 0 || n > neg {
			neg = n
		}
	}
	v := neg - float32(pos) + 1
	if v < 0 {
		v = 0
	}
	return v, neg
}

// PerSample implements Loss.
func (CategoricalHinge) PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	n := colsPred
	for r := 0; r < rows; r++ {
		out[r], _ = catHingeRow(yTrue[r*n:(r+1)*n], yPred[r*n:(r+1)*n])
	}
}

// Grad implements Loss. Ties for the max share its gradient equally, as
// TF's reduce_max gradient does.
func (CategoricalHinge) Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	n := colsPred
	for r := 0; r < rows; r++ {
		y, x, d := yTrue[r*n:(r+1)*n], yPred[r*n:(r+1)*n], dPred[r*n:(r+1)*n]
		clear(d)
		var pos float64
		for j := range x {
			pos += float64(y[j] * x[j])
		}
		_, neg := catHingeRow(y, x)
		if neg-float32(pos)+1 < 0 {
			continue
		}
		ties := 0
		for j := range x {
			if (1-y[j])*x[j] == neg {
				ties++
			}
		}
		g := float64(dOut[r])
		for j := range x {
			v := -float64(y[j])
			if (1-y[j])*x[j] == neg {
				v += float64(1-y[j]) / float64(ties)
			}
			d[j] = float32(g * v)
		}
	}
}
