package layers

import (
	"errors"
	"fmt"
)

// Node is a symbolic tensor of a model built with the functional API
// (Keras's KerasTensor): a model input (from keras.Input) or one output of
// a layer call. Calling a layer builds it for the shapes it is called on,
// as Keras does; an error is kept in the node and reported by
// keras.NewModel, so calls chain like Keras code:
//
//	in := keras.Input(28, 28, 1)
//	x := layers.Conv2D(8, []int{3}, layers.WithActivation("relu")).Call(in)
//	x = layers.Flatten().Call(x)
//	out := layers.Dense(10).Call(x)
//	m, err := keras.NewModel([]*layers.Node{in}, []*layers.Node{out})
type Node struct {
	call  *Call // producer; nil for a model input
	index int   // which output of the call
	shape []int
	name  string // model inputs
	err   error
}

// Call is one call of a layer on nodes.
type Call struct {
	Layer  Layer
	Inputs []*Node
	outs   []*Node
}

// NewInputNode returns a model input of the given per-sample shape; name
// may be empty (the model names it input_layer, input_layer_1, ...).
// keras.Input is the usual way to make one.
func NewInputNode(name string, shape ...int) *Node {
	n := &Node{shape: append([]int(nil), shape...), name: name}
	for _, d := range shape {
		if d <= 0 {
			n.err = fmt.Errorf("layers: input shape %v: every dimension must be positive", shape)
		}
	}
	return n
}

// Shape returns the per-sample shape (no batch dimension).
func (n *Node) Shape() []int { return append([]int(nil), n.shape...) }

// Err returns the error of the call that made n (or of an earlier call it
// depends on), if any.
func (n *Node) Err() error { return n.err }

// Producer returns the call that made n and which of its outputs n is; nil
// for a model input.
func (n *Node) Producer() (*Call, int) { return n.call, n.index }

// InputName returns the name given to a model input ("" for other nodes
// and unnamed inputs).
func (n *Node) InputName() string { return n.name }

// Outputs returns the call's output nodes.
func (c *Call) Outputs() []*Node { return c.outs }

// Apply calls l on inputs and returns its outputs (several for layers with
// several outputs). The first call builds l for the inputs' shapes; later
// calls share its weights and must see the same shapes.
func Apply(l Layer, inputs ...*Node) []*Node {
	fail := func(err error) []*Node { return []*Node{{err: err}} }
	if l == nil {
		return fail(errors.New("layers: Apply(nil layer)"))
	}
	if len(inputs) == 0 {
		return fail(fmt.Errorf("layers: %s %q called on no input", l.ClassName(), l.Name()))
	}
	shapes := make([][]int, len(inputs))
	for i, in := range inputs {
		if in == nil {
			return fail(fmt.Errorf("layers: %s %q called on a nil node", l.ClassName(), l.Name()))
		}
		if in.err != nil {
			return fail(in.err)
		}
		shapes[i] = in.shape
	}
	outShapes, err := buildFor(l, shapes)
	if err != nil {
		return fail(fmt.Errorf("layers: calling %s %q on %v: %w", l.ClassName(), l.Name(), shapes, err))
	}
	c := &Call{Layer: l, Inputs: append([]*Node(nil), inputs...)}
	for i, s := range outShapes {
		c.outs = append(c.outs, &Node{call: c, index: i, shape: s})
	}
	return c.outs
}

// buildFor builds l for a call's input shapes (or checks them against the
// shapes it was built for) and returns the call's output shapes.
func buildFor(l Layer, shapes [][]int) ([][]int, error) {
	if ml, ok := l.(MultiLayer); ok {
		if !l.Built() {
			if err := ml.BuildMulti(shapes); err != nil {
				return nil, err
			}
		}
		return ml.OutputShapes(), nil
	}
	if len(shapes) != 1 {
		return nil, fmt.Errorf("takes one input, called on %d", len(shapes))
	}
	if err := l.Build(shapes[0]); err != nil {
		return nil, err
	}
	return [][]int{l.OutputShape()}, nil
}

// call is Call for the layers with one output.
func call(l Layer, in []*Node) *Node { return Apply(l, in...)[0] }

// Call applies the layer to its inputs (the functional API).
func (l *DenseLayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *ActivationLayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *DropoutLayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *FlattenLayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *ReshapeLayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *BatchNormalizationLayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *LayerNormalizationLayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *NormalizationLayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *ReLULayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *LeakyReLULayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *ELULayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *SoftmaxLayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *ThresholdedReLULayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *PReLULayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *ConvLayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *PoolingLayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *ResampleLayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *RepeatVectorLayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its inputs (the functional API).
func (l *PermuteLayer) Call(in ...*Node) *Node { return call(l, in) }

// Call merges its inputs (the functional API).
func (l *MergeLayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to its two inputs (the functional API).
func (l *DotLayer) Call(in ...*Node) *Node { return call(l, in) }
