// Package keras is kerago's Keras-shaped API: build a Sequential model of
// layers, Compile it with an optimizer, a loss and metrics, Fit it to data,
// Evaluate and Predict — with Keras 3's defaults and arithmetic — and Load or
// Save it in Keras's file formats.
//
// Python → Go:
//
//	model = keras.Sequential([                      m, err := keras.NewSequential(
//	    keras.layers.Dense(10, activation="relu",       layers.Dense(10, layers.WithActivation("relu"), layers.WithInputShape(2)),
//	                       input_shape=(2,)),           layers.Dense(10, layers.WithActivation("relu")),
//	    keras.layers.Dense(10, activation="relu"),      layers.Dense(2),
//	    keras.layers.Dense(2)])                      )
//	model.compile(optimizer="adam",                 err = m.Compile(keras.CompileConfig{Optimizer: "adam",
//	              loss="mean_squared_error",            Loss: "mean_squared_error", Metrics: []any{"mse"}})
//	              metrics=["mse"])
//	model.fit(x, y, epochs=100)                     hist, err := m.Fit(ctx, x, y, keras.FitConfig{Epochs: 100})
//	model.predict(x_test)                           pred, err := m.Predict(xTest)
//
// A Model is safe for concurrent Predict calls from many goroutines; Fit,
// Compile, SetWeights and the other mutating methods must not run
// concurrently with anything else on the same model.
package keras

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
)

// Model is a Keras model: a chain of layers (Sequential, or a Functional
// model whose graph is a chain), with its compile state.
type Model struct {
	name      string
	className string // "Sequential" or "Functional"
	inputName string
	layers    []layers.Layer
	// graph is the layer graph of a Functional model; nil for a chain.
	graph *graph
	// inputShape is the per-sample input shape, known once built.
	inputShape []int
	built      bool
	kerasMajor int

	mu  sync.Mutex // guards net creation
	net *runtime.Network

	comp         *compiled
	stopTraining bool
	history      *History
	seed         uint64
	warnings     []string
	// backend is the Keras backend saved files name: the one of the file
	// the model was loaded from, else "tensorflow" (loader.DefaultBackend).
	backend string
	// storedWeights is set once every variable was assigned from a file.
	storedWeights bool
}

// ErrNotBuilt is returned when a model's input shape is still unknown.
var ErrNotBuilt = errors.New("keras: model is not built: give the first layer an input shape (layers.WithInputShape or layers.Input) or call Build")

// NewSequential returns a Sequential model of the given layers, named
// "sequential". A first layers.Input(...) or a first layer with
// layers.WithInputShape fixes the input shape and builds the model.
func NewSequential(ls ...layers.Layer) (*Model, error) {
	m := &Model{name: "sequential", className: "Sequential", kerasMajor: 3}
	for _, l := range ls {
		if err := m.Add(l); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Name returns the model's name.
func (m *Model) Name() string { return m.name }

// SetName renames the model.
func (m *Model) SetName(name string) { m.name = name }

// ClassName returns "Sequential" or "Functional".
func (m *Model) ClassName() string { return m.className }

// Layers returns the model's layers (no InputLayer), as model.layers in Keras.
func (m *Model) Layers() []layers.Layer { return append([]layers.Layer(nil), m.layers...) }

// Layer returns the layer with the given name.
func (m *Model) Layer(name string) (layers.Layer, error) {
	for _, l := range m.layers {
		if l.Name() == name {
			return l, nil
		}
	}
	return nil, fmt.Errorf("keras: model %q has no layer %q", m.name, name)
}

// InputShape returns the per-sample input shape (nil before Build).
func (m *Model) InputShape() []int { return append([]int(nil), m.inputShape...) }

// OutputShape returns the per-sample output shape (nil before Build).
func (m *Model) OutputShape() []int {
	if !m.built {
		return nil
	}
	if m.graph != nil {
		return append([]int(nil), m.graph.outShapes[0]...)
	}
	if len(m.layers) == 0 {
		return append([]int(nil), m.inputShape...)
	}
	return m.layers[len(m.layers)-1].OutputShape()
}

// Add appends a layer, as model.add in Keras. An Input layer is accepted only
// first and fixes the input shape.
func (m *Model) Add(l layers.Layer) error {
	if l == nil {
		return errors.New("keras: Add(nil layer)")
	}
	if l.ClassName() == "InputLayer" {
		if len(m.layers) > 0 || m.inputShape != nil {
			return fmt.Errorf("keras: an Input layer must come first in a Sequential model")
		}
		m.inputShape = append([]int(nil), l.InputShape()...)
		if l.Name() != "" {
			m.inputName = l.Name()
		}
		return m.maybeBuild()
	}
	if l.Name() == "" {
		l.SetName(m.uniqueName(snake(l.ClassName())))
	}
	for _, o := range m.layers {
		if o.Name() == l.Name() {
			return fmt.Errorf("keras: model %q already has a layer named %q; layer names must be unique", m.name, l.Name())
		}
	}
	if len(m.layers) == 0 && m.inputShape == nil && l.InputShape() != nil {
		m.inputShape = append([]int(nil), l.InputShape()...)
	}
	m.layers = append(m.layers, l)
	m.invalidate()
	if m.built {
		m.built = false
	}
	return m.maybeBuild()
}

func (m *Model) uniqueName(base string) string {
	used := map[string]bool{}
	for _, l := range m.layers {
		used[l.Name()] = true
	}
	if !used[base] {
		return base
	}
	for i := 1; ; i++ {
		n := fmt.Sprintf("%s_%d", base, i)
		if !used[n] {
			return n
		}
	}
}

// snake converts a Keras class name to its auto-name, as Keras's
// to_snake_case: "Dense" → "dense", "LeakyReLU" → "leaky_re_lu",
// "BatchNormalization" → "batch_normalization".
func snake(name string) string {
	// Keras: re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name) then
	// re.sub("([a-z])([A-Z])", r"\1_\2", ...).lower()
	r := []rune(name)
	var step1 []rune
	for i := 0; i < len(r); i++ {
		if i > 0 && unicode.IsUpper(r[i]) && i+1 < len(r) && unicode.IsLower(r[i+1]) {
			step1 = append(step1, '_')
		}
		step1 = append(step1, r[i])
	}
	var out []rune
	for i := 0; i < len(step1); i++ {
		if i > 0 && unicode.IsUpper(step1[i]) && unicode.IsLower(step1[i-1]) {
			out = append(out, '_')
		}
		out = append(out, step1[i])
	}
	return strings.ToLower(string(out))
}

func (m *Model) maybeBuild() error {
	if m.inputShape == nil || m.built {
		return nil
	}
	return m.Build(m.inputShape...)
}

// Build fixes the per-sample input shape and builds every layer (creating
// its variables with their initializers).
func (m *Model) Build(inputShape ...int) error {
	return m.build(inputShape, false)
}

// build builds the layers; uninitialized skips the initializers when every
// variable is assigned right after (loading).
func (m *Model) build(inputShape []int, uninitialized bool) error {
	if m.graph != nil {
		for _, in := range m.graph.inputs {
			for _, d := range in.shape {
				if d <= 0 {
					return fmt.Errorf("keras: model %q: input %q has shape %v; kerago needs every per-sample dimension", m.name, in.name, in.shape)
				}
			}
		}
		if err := m.buildGraph(uninitialized); err != nil {
			return err
		}
		m.inputShape = append([]int(nil), m.graph.inputs[0].shape...)
		m.built = true
		m.invalidate()
		return nil
	}
	if len(inputShape) == 0 {
		return errors.New("keras: Build needs the per-sample input shape, e.g. Build(4)")
	}
	for _, d := range inputShape {
		if d <= 0 {
			return fmt.Errorf("keras: Build(%v): every dimension must be known and positive", inputShape)
		}
	}
	shape := append([]int(nil), inputShape...)
	for _, l := range m.layers {
		if !l.Built() {
			build := l.Build
			if uninitialized {
				build = func(s []int) error { return layers.BuildUninitialized(l, s) }
			}
			if err := build(shape); err != nil {
				return fmt.Errorf("keras: model %q: layer %q (%s): %w", m.name, l.Name(), l.ClassName(), err)
			}
		}
		shape = l.OutputShape()
	}
	m.inputShape = append([]int(nil), inputShape...)
	m.built = true
	m.invalidate()
	return nil
}

// Built reports whether the model knows its input shape and has its variables.
func (m *Model) Built() bool { return m.built }

// Variables returns every model variable in Keras's get_weights() order.
func (m *Model) Variables() []*runtime.Variable {
	var vs []*runtime.Variable
	for _, l := range m.layers {
		vs = append(vs, l.Variables()...)
	}
	return vs
}

// TrainableVariables returns the trainable variables in Keras order.
func (m *Model) TrainableVariables() []*runtime.Variable {
	var vs []*runtime.Variable
	for _, v := range m.Variables() {
		if v.Trainable {
			vs = append(vs, v)
		}
	}
	return vs
}

// GetWeights returns copies of all variables in Keras's order
// (layer by layer: kernel, bias; BatchNormalization gamma, beta,
// moving_mean, moving_variance).
func (m *Model) GetWeights() []*tensor.Tensor {
	vs := m.Variables()
	out := make([]*tensor.Tensor, len(vs))
	for i, v := range vs {
		out[i] = v.Value.Clone()
	}
	return out
}

// SetWeights assigns all variables in Keras's order; counts and shapes must
// match exactly.
func (m *Model) SetWeights(ws []*tensor.Tensor) error {
	vs := m.Variables()
	if len(ws) != len(vs) {
		return fmt.Errorf("keras: SetWeights: model %q has %d variables, got %d arrays", m.name, len(vs), len(ws))
	}
	for i, v := range vs {
		if ws[i] == nil {
			return fmt.Errorf("keras: SetWeights: array %d (%s) is nil", i, v.Path)
		}
		if !tensor.SameShape(ws[i].Shape(), v.Value.Shape()) {
			return fmt.Errorf("keras: SetWeights: variable %d %q has shape %v, got %v", i, v.Path, v.Value.Shape(), ws[i].Shape())
		}
	}
	for i, v := range vs {
		copy(v.Value.Data(), ws[i].Data())
	}
	return nil
}

// network returns the runtime network, creating it on first use.
func (m *Model) network() (*runtime.Network, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.net != nil {
		return m.net, nil
	}
	if !m.built {
		return nil, ErrNotBuilt
	}
	cfg := runtime.NetworkConfig{
		Variables: m.Variables(),
		Seed:      m.seed,
	}
	cfg.InputShapes = m.InputShapes()
	cfg.Forward = func(g *runtime.Graph, xs []*G.Node) ([]*G.Node, error) {
		return m.forward(g, xs, g.Training())
	}
	if m.comp != nil && m.comp.heads != nil {
		for _, h := range m.comp.heads {
			cfg.Losses = append(cfg.Losses, h.loss)
			cfg.LossWeights = append(cfg.LossWeights, h.weight)
		}
	} else if m.comp != nil {
		cfg.Loss = m.comp.loss
	}
	n, err := runtime.NewNetwork(cfg)
	if err != nil {
		return nil, fmt.Errorf("keras: model %q: %w", m.name, err)
	}
	m.net = n
	return n, nil
}

func (m *Model) invalidate() {
	m.mu.Lock()
	m.net = nil
	m.mu.Unlock()
}

// SetSeed seeds the model's random number generators (dropout masks).
func (m *Model) SetSeed(seed uint64) {
	m.seed = seed
	m.invalidate()
}
