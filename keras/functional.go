package keras

import (
	"errors"
	"fmt"

	"github.com/kerago/kerago/keras/layers"
)

// Input returns a symbolic input of a functional model with the given
// per-sample shape, as keras.Input(shape=...). Name it with InputNamed.
func Input(shape ...int) *layers.Node { return layers.NewInputNode("", shape...) }

// InputNamed is Input with a name (keras.Input(shape, name=...)); the name
// is the input's name in saved files, in PredictNamed and in kerago serve.
func InputNamed(name string, shape ...int) *layers.Node {
	return layers.NewInputNode(name, shape...)
}

// NewModel returns the Functional model that computes outputs from inputs,
// as keras.Model(inputs, outputs): every layer called between them, each
// call in order, shared layers once. The model is built (its layers were
// built when called). Layers without a name get Keras's automatic names.
//
//	in := keras.Input(4)
//	h := layers.Dense(8, layers.WithActivation("relu")).Call(in)
//	out := layers.Dense(1).Call(h)
//	m, err := keras.NewModel([]*layers.Node{in}, []*layers.Node{out})
func NewModel(inputs, outputs []*layers.Node) (*Model, error) {
	b := &graphBuilder{inputIdx: map[*layers.Node]int{}, callIdx: map[*layers.Call]int{}, layerIdx: map[layers.Layer]int{}}
	if len(inputs) == 0 || len(outputs) == 0 {
		return nil, errors.New("keras: NewModel needs at least one input and one output")
	}
	for i, in := range inputs {
		if in == nil {
			return nil, fmt.Errorf("keras: NewModel: input %d is nil", i)
		}
		if in.Err() != nil {
			return nil, fmt.Errorf("keras: NewModel: input %d: %w", i, in.Err())
		}
		if c, _ := in.Producer(); c != nil {
			return nil, fmt.Errorf("keras: NewModel: input %d is a layer output, not a keras.Input", i)
		}
		if _, dup := b.inputIdx[in]; dup {
			return nil, fmt.Errorf("keras: NewModel: input %d is listed twice", i)
		}
		b.inputIdx[in] = i
		b.g.inputs = append(b.g.inputs, graphInput{name: in.InputName(), shape: in.Shape(), dtype: "float32"})
	}
	for i, out := range outputs {
		if out == nil {
			return nil, fmt.Errorf("keras: NewModel: output %d is nil", i)
		}
		r, err := b.visit(out, 0)
		if err != nil {
			return nil, fmt.Errorf("keras: NewModel: output %d: %w", i, err)
		}
		b.g.outputs = append(b.g.outputs, r)
		b.g.outShapes = append(b.g.outShapes, out.Shape())
	}
	m := &Model{name: "functional", className: "Functional", kerasMajor: 3, layers: b.layers, graph: &b.g, built: true}
	if err := m.nameLayers(); err != nil {
		return nil, err
	}
	m.inputShape = append([]int(nil), b.g.inputs[0].shape...)
	m.inputName = b.g.inputs[0].name
	return m, nil
}

// graphBuilder collects the calls a model's outputs depend on.
type graphBuilder struct {
	g        graph
	layers   []layers.Layer
	inputIdx map[*layers.Node]int
	callIdx  map[*layers.Call]int
	layerIdx map[layers.Layer]int
	calls    map[layers.Layer]int // calls of each layer so far
}

// visit adds the calls n depends on (inputs first) and returns n's
// reference.
func (b *graphBuilder) visit(n *layers.Node, depth int) (tref, error) {
	if n.Err() != nil {
		return tref{}, n.Err()
	}
	if depth > 100000 {
		return tref{}, errors.New("the layer graph is too deep")
	}
	c, out := n.Producer()
	if c == nil {
		k, ok := b.inputIdx[n]
		if !ok {
			return tref{}, errors.New("it depends on a keras.Input that is not among the model's inputs")
		}
		return tref{call: -1 - k}, nil
	}
	if i, ok := b.callIdx[c]; ok {
		return tref{call: i, out: out}, nil
	}
	call := layerCall{layer: c.Layer}
	for _, in := range c.Inputs {
		r, err := b.visit(in, depth+1)
		if err != nil {
			return tref{}, err
		}
		call.in = append(call.in, r)
	}
	for _, o := range c.Outputs() {
		call.outShapes = append(call.outShapes, o.Shape())
	}
	if _, seen := b.layerIdx[c.Layer]; !seen {
		b.layerIdx[c.Layer] = len(b.layers)
		b.layers = append(b.layers, c.Layer)
	}
	if b.calls == nil {
		b.calls = map[layers.Layer]int{}
	}
	call.node = b.calls[c.Layer]
	b.calls[c.Layer]++
	b.callIdx[c] = len(b.g.calls)
	b.g.calls = append(b.g.calls, call)
	return tref{call: b.callIdx[c], out: out}, nil
}

// nameLayers gives unnamed layers and inputs Keras's automatic names and
// checks that names are unique.
func (m *Model) nameLayers() error {
	used := map[string]bool{}
	for _, in := range m.graph.inputs {
		if in.name != "" {
			used[in.name] = true
		}
	}
	for _, l := range m.layers {
		if l.Name() != "" {
			if used[l.Name()] {
				return fmt.Errorf("keras: NewModel: two layers are named %q; layer names must be unique", l.Name())
			}
			used[l.Name()] = true
		}
	}
	unique := func(base string) string {
		n := base
		for i := 1; used[n]; i++ {
			n = fmt.Sprintf("%s_%d", base, i)
		}
		used[n] = true
		return n
	}
	for i := range m.graph.inputs {
		if m.graph.inputs[i].name == "" {
			m.graph.inputs[i].name = unique("input_layer")
		}
	}
	for _, l := range m.layers {
		if l.Name() == "" {
			l.SetName(unique(snake(l.ClassName())))
		}
	}
	return nil
}

// AsLayer returns the model as a layer of another model (a nested model,
// as Keras allows calling a model on tensors). Its weights are the model's.
func (m *Model) AsLayer() layers.Layer { return &nestedModel{m} }
