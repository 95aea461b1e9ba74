package keras

import (
	"fmt"
	"strings"

	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/keras/regularizers"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
)

// graph is the layer graph of a Functional model: its inputs, the calls of
// its layers in an order where every call follows the calls it reads, and
// its outputs. A Sequential model has no graph (its layers form a chain).
type graph struct {
	inputs  []graphInput
	calls   []layerCall
	outputs []tref
	// outShapes are the per-sample output shapes, known once built.
	outShapes [][]int
}

type graphInput struct {
	name  string
	shape []int
	dtype string
}

// layerCall is one call of a layer on the outputs of earlier calls.
type layerCall struct {
	layer layers.Layer
	node  int // which call of layer this is
	in    []tref
	// outShapes are the per-sample shapes of the call's outputs.
	outShapes [][]int
}

// tref names an output of a call (call >= 0) or model input -1-call.
type tref struct{ call, out int }

func (r tref) input() (int, bool) { return -1 - r.call, r.call < 0 }

// callLayer emits one layer call: multi-input/output layers through
// layers.MultiLayer, the others on their one input; then the layer's
// activity regularization, if any.
func callLayer(l layers.Layer, g *runtime.Graph, in []*G.Node, training bool) ([]*G.Node, error) {
	var outs []*G.Node
	if ml, ok := l.(layers.MultiLayer); ok {
		var err error
		if outs, err = ml.EmitMulti(g, in, training); err != nil {
			return nil, err
		}
	} else {
		if len(in) != 1 {
			return nil, fmt.Errorf("layer %q (%s) takes one input, called on %d", l.Name(), l.ClassName(), len(in))
		}
		out, err := l.Emit(g, in[0], training)
		if err != nil {
			return nil, err
		}
		outs = []*G.Node{out}
	}
	propagateMask(l, g, in, outs)
	return outs, addActivityLoss(l, g, outs)
}

// propagateMask passes the Keras mask of a layer's one input to its one
// output when the layer supports masking and set no mask of its own, as
// Keras's Layer.__call__ does; other layers drop it.
func propagateMask(l layers.Layer, g *runtime.Graph, in, outs []*G.Node) {
	if len(in) != 1 || len(outs) != 1 || g.Mask(outs[0]) != nil {
		return
	}
	mask := g.Mask(in[0])
	if mask == nil {
		return
	}
	if sm, ok := l.(interface{ SupportsMasking() bool }); ok && sm.SupportsMasking() {
		g.SetMask(outs[0], mask)
	}
}

// addActivityLoss adds a layer's activity_regularizer penalty on each of
// its outputs to the loss: (l1·Σ|y| + l2·Σy²) / batch, as Keras 3's
// Layer.__call__ (spec keras-layers.md §9.5).
func addActivityLoss(l layers.Layer, g *runtime.Graph, outs []*G.Node) error {
	ar, ok := l.(interface {
		ActivityRegularizer() regularizers.Regularizer
	})
	if !ok || ar.ActivityRegularizer() == nil {
		return nil
	}
	cfg := ar.ActivityRegularizer().Config()
	l1, _ := cfg["l1"].(float64)
	l2, _ := cfg["l2"].(float64)
	for _, out := range outs {
		if out.Dims() == 0 {
			continue
		}
		p, err := g.ActivityPenalty(out, l1, l2)
		if err != nil {
			return err
		}
		if err := g.AddLoss(p); err != nil {
			return err
		}
	}
	return nil
}

// forward emits the model's outputs from its input nodes.
func (m *Model) forward(g *runtime.Graph, xs []*G.Node, training bool) ([]*G.Node, error) {
	if m.graph == nil {
		if len(xs) != 1 {
			return nil, fmt.Errorf("model %q has one input, called on %d", m.name, len(xs))
		}
		h := xs[0]
		for _, l := range m.layers {
			outs, err := callLayer(l, g, []*G.Node{h}, training)
			if err != nil {
				return nil, fmt.Errorf("layer %q (%s): %w", l.Name(), l.ClassName(), err)
			}
			h = outs[0]
		}
		return []*G.Node{h}, nil
	}
	if len(xs) != len(m.graph.inputs) {
		return nil, fmt.Errorf("model %q has %d inputs, called on %d", m.name, len(m.graph.inputs), len(xs))
	}
	vals := make([][]*G.Node, len(m.graph.calls))
	get := func(r tref) *G.Node {
		if k, ok := r.input(); ok {
			return xs[k]
		}
		return vals[r.call][r.out]
	}
	for i, c := range m.graph.calls {
		in := make([]*G.Node, len(c.in))
		for j, r := range c.in {
			in[j] = get(r)
		}
		outs, err := callLayer(c.layer, g, in, training)
		if err != nil {
			return nil, fmt.Errorf("layer %q (%s): %w", c.layer.Name(), c.layer.ClassName(), err)
		}
		if len(outs) != len(c.outShapes) {
			return nil, fmt.Errorf("layer %q (%s) returned %d outputs, want %d", c.layer.Name(), c.layer.ClassName(), len(outs), len(c.outShapes))
		}
		vals[i] = outs
	}
	outs := make([]*G.Node, len(m.graph.outputs))
	for i, r := range m.graph.outputs {
		outs[i] = get(r)
	}
	return outs, nil
}

// buildGraph builds every layer of the graph from the shapes flowing into
// its first call and records each call's output shapes.
func (m *Model) buildGraph(uninitialized bool) error {
	gr := m.graph
	shapeOf := func(r tref) []int {
		if k, ok := r.input(); ok {
			return gr.inputs[k].shape
		}
		return gr.calls[r.call].outShapes[r.out]
	}
	for i := range gr.calls {
		c := &gr.calls[i]
		in := make([][]int, len(c.in))
		for j, r := range c.in {
			in[j] = shapeOf(r)
		}
		outs, err := buildCall(c.layer, in, uninitialized)
		if err != nil {
			return fmt.Errorf("keras: model %q: layer %q (%s): %w", m.name, c.layer.Name(), c.layer.ClassName(), err)
		}
		c.outShapes = outs
	}
	gr.outShapes = gr.outShapes[:0]
	for _, r := range gr.outputs {
		if k, ok := r.input(); ok {
			gr.outShapes = append(gr.outShapes, gr.inputs[k].shape)
			continue
		}
		c := gr.calls[r.call]
		if r.out >= len(c.outShapes) {
			return fmt.Errorf("keras: model %q: output reads output %d of layer %q, which has %d", m.name, r.out, c.layer.Name(), len(c.outShapes))
		}
		gr.outShapes = append(gr.outShapes, c.outShapes[r.out])
	}
	return nil
}

// buildCall builds l for the input shapes of one of its calls (the first
// call builds; later calls must see the same shapes) and returns the call's
// output shapes.
func buildCall(l layers.Layer, in [][]int, uninitialized bool) ([][]int, error) {
	if ml, ok := l.(layers.MultiLayer); ok {
		if !l.Built() {
			if err := layers.BuildMultiUninitialized(ml, in, uninitialized); err != nil {
				return nil, err
			}
		}
		return ml.OutputShapes(), nil
	}
	if len(in) != 1 {
		return nil, fmt.Errorf("takes one input, called on %d", len(in))
	}
	if !l.Built() {
		build := l.Build
		if uninitialized {
			build = func(s []int) error { return layers.BuildUninitialized(l, s) }
		}
		if err := build(in[0]); err != nil {
			return nil, err
		}
	} else if b, ok := l.(interface{ BuiltInputShape() []int }); ok && b.BuiltInputShape() != nil && !tensor.SameShape(b.BuiltInputShape(), in[0]) {
		return nil, fmt.Errorf("shared layer called on shape %v, built for %v", in[0], b.BuiltInputShape())
	}
	return [][]int{l.OutputShape()}, nil
}

// InputShapes returns the per-sample shape of every input (nil before
// Build for a Sequential model).
func (m *Model) InputShapes() [][]int {
	if m.graph == nil {
		if m.inputShape == nil {
			return nil
		}
		return [][]int{m.InputShape()}
	}
	out := make([][]int, len(m.graph.inputs))
	for i, in := range m.graph.inputs {
		out[i] = append([]int(nil), in.shape...)
	}
	return out
}

// OutputShapes returns the per-sample shape of every output (nil before
// Build).
func (m *Model) OutputShapes() [][]int {
	if !m.built {
		return nil
	}
	if m.graph == nil {
		return [][]int{m.OutputShape()}
	}
	out := make([][]int, len(m.graph.outShapes))
	for i, s := range m.graph.outShapes {
		out[i] = append([]int(nil), s...)
	}
	return out
}

// InputNames returns the names of the model's inputs (its InputLayers).
func (m *Model) InputNames() []string {
	if m.graph == nil {
		name := m.inputName
		if name == "" {
			name = "input_layer"
		}
		return []string{name}
	}
	out := make([]string, len(m.graph.inputs))
	for i, in := range m.graph.inputs {
		out[i] = in.name
	}
	return out
}

// OutputNames returns the names of the layers whose outputs are the
// model's outputs, as Keras's model.output_names.
func (m *Model) OutputNames() []string {
	if m.graph == nil {
		if len(m.layers) == 0 {
			return nil
		}
		return []string{m.layers[len(m.layers)-1].Name()}
	}
	out := make([]string, len(m.graph.outputs))
	for i, r := range m.graph.outputs {
		if k, ok := r.input(); ok {
			out[i] = m.graph.inputs[k].name
		} else {
			out[i] = m.graph.calls[r.call].layer.Name()
		}
	}
	return out
}

// PredictN runs inference on a model with several inputs or outputs: one
// tensor per input (in InputNames order, the same number of rows each), one
// result per output (OutputNames order). It is safe for concurrent use.
func (m *Model) PredictN(xs ...*tensor.Tensor) ([]*tensor.Tensor, error) {
	if err := m.checkTokenIDs(xs); err != nil {
		return nil, err
	}
	net, err := m.network()
	if err != nil {
		return nil, err
	}
	ys, err := net.PredictN(xs)
	if err != nil {
		return nil, fmt.Errorf("keras: model %q: %w", m.name, err)
	}
	return ys, nil
}

// multiIO reports a model with several inputs or outputs, for the methods
// that take one tensor (they point to their N forms).
func (m *Model) multiIO(op, alt string) error {
	if m.graph != nil && (len(m.graph.inputs) > 1 || len(m.graph.outputs) > 1) {
		return fmt.Errorf("keras: %s: model %q has %d inputs and %d outputs; use %s", op, m.name, len(m.graph.inputs), len(m.graph.outputs), alt)
	}
	return nil
}

// chainLike reports a graph that Keras's summary draws like a Sequential:
// one input, every call reading exactly the previous call's only output, no
// layer called twice.
func (gr *graph) chainLike() bool {
	if len(gr.inputs) != 1 || len(gr.outputs) != 1 {
		return false
	}
	seen := map[layers.Layer]bool{}
	for i, c := range gr.calls {
		if seen[c.layer] || len(c.in) != 1 || len(c.outShapes) != 1 || c.in[0].call != i-1 || c.in[0].out != 0 {
			return false
		}
		seen[c.layer] = true
	}
	return true
}

// connections is the summary's "Connected to" cell of a layer: the inputs
// of each of its calls as name[node][tensor], or "-".
func (gr *graph) connections(l layers.Layer) string {
	var parts []string
	for _, c := range gr.calls {
		if c.layer != l {
			continue
		}
		for _, r := range c.in {
			if k, ok := r.input(); ok {
				parts = append(parts, gr.inputs[k].name+"[0][0]")
				continue
			}
			src := gr.calls[r.call]
			parts = append(parts, fmt.Sprintf("%s[%d][%d]", src.layer.Name(), src.node, r.out))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}
