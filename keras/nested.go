package keras

import (
	"fmt"

	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
)

// nestedModel is a model used as a layer of another model (Keras's
// Sequential or Functional inside a model; Teachable Machine exports).
type nestedModel struct{ m *Model }

var _ layers.MultiLayer = (*nestedModel)(nil)

func (n *nestedModel) Name() string                      { return n.m.name }
func (n *nestedModel) ClassName() string                 { return n.m.className }
func (n *nestedModel) SetName(s string)                  { n.m.name = s }
func (n *nestedModel) Built() bool                       { return n.m.built }
func (n *nestedModel) OutputShape() []int                { return n.m.OutputShape() }
func (n *nestedModel) OutputShapes() [][]int             { return n.m.OutputShapes() }
func (n *nestedModel) Variables() []*runtime.Variable    { return n.m.Variables() }
func (n *nestedModel) InputShape() []int                 { return n.m.InputShape() }
func (n *nestedModel) Build(s []int) error               { return n.buildMulti([][]int{s}, false) }
func (n *nestedModel) BuildMulti(s [][]int) error        { return n.buildMulti(s, false) }
func (n *nestedModel) Config() map[string]any            { return map[string]any{"name": n.m.name} }
func (n *nestedModel) BuiltInputShape() []int            { return n.m.InputShape() }
func (n *nestedModel) loaderConfig() *loader.ModelConfig { return n.m.loaderConfig() }

func (n *nestedModel) buildMulti(shapes [][]int, uninitialized bool) error {
	m := n.m
	if m.graph == nil {
		if len(shapes) != 1 {
			return fmt.Errorf("model %q has one input, called on %d", m.name, len(shapes))
		}
		return m.build(shapes[0], uninitialized)
	}
	if len(shapes) != len(m.graph.inputs) {
		return fmt.Errorf("model %q has %d inputs, called on %d", m.name, len(m.graph.inputs), len(shapes))
	}
	for i, s := range shapes {
		in := &m.graph.inputs[i]
		if !compatibleShape(in.shape, s) {
			return fmt.Errorf("model %q: input %q has shape %v, called on %v", m.name, in.name, in.shape, s)
		}
		in.shape = append([]int(nil), s...)
	}
	return m.build(nil, uninitialized)
}

// compatibleShape reports whether a concrete shape fits a declared one
// (-1 matches any dimension).
func compatibleShape(decl, s []int) bool {
	if len(decl) != len(s) {
		return false
	}
	for i, d := range decl {
		if d >= 0 && d != s[i] {
			return false
		}
	}
	return true
}

func (n *nestedModel) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	outs, err := n.m.forward(g, []*G.Node{x}, training)
	if err != nil {
		return nil, err
	}
	if len(outs) != 1 {
		return nil, fmt.Errorf("model %q has %d outputs where one is expected", n.m.name, len(outs))
	}
	return outs[0], nil
}

func (n *nestedModel) EmitMulti(g *runtime.Graph, xs []*G.Node, training bool) ([]*G.Node, error) {
	return n.m.forward(g, xs, training)
}

// legacyVariables are the variables in the order a legacy .h5 file stores
// a nested model's: every trainable variable of every layer first, then
// the non-trainable ones (Keras's _legacy_weights).
func (m *Model) legacyVariables() []*runtime.Variable {
	var tr, non []*runtime.Variable
	for _, v := range m.Variables() {
		if v.Trainable {
			tr = append(tr, v)
		} else {
			non = append(non, v)
		}
	}
	return append(tr, non...)
}

// storedAdapter is implemented by layers whose stored variables may come in
// older layouts (convolution kernels of Keras 1 and Theano files).
type storedAdapter interface {
	AdaptStored(i int, a *tensor.Tensor, origin string) (out *tensor.Tensor, flipped bool, err error)
}

// weightPair is one stored array bound for one variable.
type weightPair struct {
	v *runtime.Variable
	a *tensor.Tensor
}

// pairWeights matches stored weights to the model's variables (recursing
// into nested models) without assigning them.
func (m *Model) pairWeights(path string, cfg *loader.ModelConfig, w *loader.Weights) ([]weightPair, error) {
	if len(cfg.Layers) != len(m.layers) {
		return nil, fmt.Errorf("keras: %s: the config has %d layers, model %q has %d", path, len(cfg.Layers), m.name, len(m.layers))
	}
	counts := make([]int, len(m.layers))
	for i, l := range m.layers {
		counts[i] = len(l.Variables())
	}
	aligned, err := loader.AlignWeights(cfg, w, counts)
	if err != nil {
		return nil, err
	}
	var pairs []weightPair
	for i, l := range m.layers {
		vs := l.Variables()
		if nm, ok := l.(*nestedModel); ok {
			if w.Layout == loader.LayoutKeras3 {
				sub := loader.NestedWeights(cfg, w, i)
				if sub == nil {
					if len(vs) == 0 {
						continue
					}
					return nil, fmt.Errorf("keras: %s: nested model %q: the file has no weights for it", path, l.Name())
				}
				nm.m.backend, nm.m.kerasMajor = m.backend, m.kerasMajor
				p, err := nm.m.pairWeights(path, cfg.Layers[i].Model, sub)
				if err != nil {
					return nil, err
				}
				pairs = append(pairs, p...)
				continue
			}
			if w.Layout == loader.LayoutLegacy {
				vs = nm.m.legacyVariables()
			}
		}
		if len(aligned[i]) != len(vs) {
			return nil, fmt.Errorf("keras: %s: layer %q (%s): file has %d variables, the layer has %d", path, l.Name(), l.ClassName(), len(aligned[i]), len(vs))
		}
		for j, v := range vs {
			a := aligned[i][j]
			if ad, ok := l.(storedAdapter); ok {
				var flipped bool
				if a, flipped, err = ad.AdaptStored(j, a, m.weightOrigin()); err != nil {
					return nil, fmt.Errorf("keras: %s: layer %q: %w", path, l.Name(), err)
				}
				if flipped && m.weightOrigin() == "keras1" {
					m.warnings = append(m.warnings, fmt.Sprintf("layer %q: a Keras 1 file that records no backend: its channels_first %s is taken as Theano's (a true convolution) and flipped", l.Name(), v.Name))
				}
			}
			if !tensor.SameShape(a.Shape(), v.Value.Shape()) {
				return nil, fmt.Errorf("keras: %s: layer %q: %s shape %v, want %v", path, l.Name(), v.Name, a.Shape(), v.Value.Shape())
			}
			pairs = append(pairs, weightPair{v, a})
		}
	}
	return pairs, nil
}

// weightOrigin tells layers that convert old kernel layouts who trained
// the stored weights: "theano" when the file says so, "keras1" for a Keras 1
// file that records no backend, else "".
func (m *Model) weightOrigin() string {
	switch {
	case m.backend == "theano":
		return "theano"
	case m.backend == "" && m.kerasMajor == 1:
		return "keras1"
	}
	return ""
}
