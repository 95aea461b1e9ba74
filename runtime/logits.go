package runtime

import (
	"github.com/kerago/kerago/internal/kernels"
	G "gorgonia.org/gorgonia"
)

// lossInput returns the node and loss the compiled loss is computed on:
// for a crossentropy on probabilities whose y_pred is the output of a
// sigmoid (binary) or a last-axis softmax (categorical, sparse), the
// activation's input and the loss on logits, as Keras's TensorFlow backend
// does (see kernels.OnLogits); otherwise out and loss unchanged.
func lossInput(loss kernels.Loss, out *G.Node) (*G.Node, kernels.Loss) {
	op, ok := out.Op().(*actOp)
	if !ok || op.in == nil {
		return out, loss
	}
	onLogits, act, ok := kernels.OnLogits(loss)
	if !ok {
		return out, loss
	}
	switch {
	case act == "sigmoid" && op.a.kind == actElem && op.a.name == "sigmoid":
	case act == "softmax" && op.a.kind == actSoftmax && op.axis == len(out.Shape())-1:
	default:
		return out, loss
	}
	return op.in, onLogits
}
