// Package kernels holds kerago's numeric kernels as plain float32 Go: the loss
// functions with their gradients, activation functions with their derivatives,
// and other math shared by the runtime and the public keras packages.
//
// Everything here follows Keras 3's arithmetic (../shared/spec/keras-compat.md
// §2.3 and §5) in float32.
package kernels

// Loss is a Keras loss function: per-sample values and their gradient with
// respect to the prediction.
//
// Shapes: yPred is rows×colsPred row-major, where rows is the product of all
// dimensions but the last and colsPred the last dimension; yTrue is rows×colsTrue
// (colsTrue equals colsPred except for sparse categorical crossentropy, where it
// is 1). Each loss reduces over the last axis (mean or sum, as Keras does),
// giving one value per row. Reduction over rows and sample weights is done by
// the caller (Keras's "sum_over_batch_size": Σ w_i·v_i / rows).
type Loss interface {
	// Name is the name Keras reports (e.g. "mean_squared_error").
	Name() string
	// PerSample writes rows values into out.
	PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int)
	// Grad writes d(Σ_i dOut[i]·value_i)/d yPred into dPred (rows×colsPred,
	// overwritten).
	Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int)
}
