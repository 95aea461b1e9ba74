package kernels

// SparseCategoricalCrossentropy is
// keras.losses.sparse_categorical_crossentropy: categorical crossentropy
// with the label given as a class index (one value per row, colsTrue = 1).
//
// With IgnoreClass set, rows whose label equals it get value 0 and zero
// gradient, and they are masked out of the reduction (see MaskedLoss).
type SparseCategoricalCrossentropy struct {
	FromLogits  bool
	IgnoreClass *int
}

// Name returns "sparse_categorical_crossentropy".
func (SparseCategoricalCrossentropy) Name() string { return "sparse_categorical_crossentropy" }

// SparseLabels reports true: labels are class indices.
func (SparseCategoricalCrossentropy) SparseLabels() bool { return true }

func (s SparseCategoricalCrossentropy) ignored(y float32) bool {
	return s.IgnoreClass != nil && int(y) == *s.IgnoreClass
}

// Mask implements MaskedLoss.
func (s SparseCategoricalCrossentropy) Mask(dst []bool, yTrue []float32, rows, colsTrue int) bool {
	if s.IgnoreClass == nil {
		return false
	}
	for r := 0; r < rows; r++ {
		dst[r] = !s.ignored(yTrue[r])
	}
	return true
}

// PerSample implements Loss.
func (s SparseCategoricalCrossentropy) PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	n := colsPred
	for r := 0; r < rows; r++ {
		if s.ignored(yTrue[r]) {
			out[r] = 0
			continue
		}
		out[r] = cceRow(nil, yPred[r*n:(r+1)*n], s.FromLogits, int(yTrue[r]))
	}
}

// Grad implements Loss.
func (s SparseCategoricalCrossentropy) Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	n := colsPred
	for r := 0; r < rows; r++ {
		d := dPred[r*n : (r+1)*n]
		if s.ignored(yTrue[r]) {
			clear(d)
			continue
		}
		cceRowGrad(d, dOut[r], nil, yPred[r*n:(r+1)*n], s.FromLogits, int(yTrue[r]))
	}
}
