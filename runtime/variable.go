// Package runtime runs Keras-style layer stacks: layers emit nodes of a
// gorgonia.org/gorgonia expression graph (one graph per batch size),
// gradients come from gorgonia.Grad, and the sorted graph is compiled into a
// flat program over preallocated float32 buffers that a tight Go loop
// executes without allocating.
//
// A Network (NewNetwork) offers Predict (inference, safe for concurrent use),
// TrainStep (forward with training=true, loss, backward) and TestStep. The
// fit loop, optimizers and callbacks live in package keras.
package runtime

import "github.com/kerago/kerago/tensor"

// Variable is one model variable (a layer weight).
type Variable struct {
	Name string // short name, e.g. "kernel"
	Path string // unique path, e.g. "dense_1/kernel"
	// Value is the current value. The fit loop's optimizer updates
	// Value.Data() in place between steps; the runtime reads it at every run,
	// so the slice may be modified but must not be replaced while a Network
	// uses it (replace the whole Value only between runs).
	Value     *tensor.Tensor
	Trainable bool
	// Regularizer may be nil: its penalty is part of the training and test
	// loss, its gradient part of the gradients.
	Regularizer Regularizer
	// Constraint may be nil: the fit loop applies it after each optimizer
	// step.
	Constraint Constraint
}

// Regularizer is a weight penalty (keras.regularizers): Penalty returns the
// loss term for w, AddGrad adds its gradient with respect to w to grad.
type Regularizer interface {
	Penalty(w []float32) float32
	AddGrad(grad, w []float32)
}

// Constraint projects a variable after an optimizer update
// (keras.constraints); shape is the variable's shape.
type Constraint interface {
	Apply(w []float32, shape []int)
}
