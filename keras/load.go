package keras

import (
	"fmt"

	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/keras/optimizers"
	"github.com/kerago/kerago/loader"
)

// Load reads a Keras model from any file kerago knows — a .keras archive, a
// legacy .h5 full model (Keras 1, 2 or 3), a to_json()/YAML config — and
// returns it built, with its weights and, when the file has a compile
// configuration, compiled with the optimizer, loss and metrics it was saved
// with (and the optimizer state when stored), ready to Predict or Fit.
// The format is detected from the content.
func Load(path string) (*Model, error) {
	lm, err := loader.Load(path)
	if err != nil {
		return nil, err
	}
	return FromLoaded(lm)
}

// LoadWithWeights reads a model config (to_json()/YAML) and a weights file
// (legacy .h5, .weights.h5, .npz, or a directory of .npy with manifest.json).
func LoadWithWeights(configPath, weightsPath string) (*Model, error) {
	lm, err := loader.LoadWithWeights(configPath, weightsPath)
	if err != nil {
		return nil, err
	}
	return FromLoaded(lm)
}

// FromLoaded builds a Model from a parsed file (see package loader).
func FromLoaded(lm *loader.Model) (*Model, error) {
	if lm.Config == nil {
		return nil, fmt.Errorf("keras: %s: the file holds only weights (%s); build the model in Go and call LoadWeights", lm.Path, lm.Format)
	}
	cfg := lm.Config
	m, err := modelFromConfig(lm.Path, cfg, cfg.KerasMajor)
	if err != nil {
		return nil, err
	}
	m.backend = lm.Backend
	if m.graph != nil {
		if err := m.build(nil, lm.Weights != nil); err != nil {
			return nil, fmt.Errorf("keras: %s: %w", lm.Path, err)
		}
		return m.finishLoad(lm)
	}
	in := cfg.InputShape
	if in == nil && lm.Weights != nil {
		in = inferInputShape(cfg, lm.Weights)
	}
	if in == nil {
		return nil, fmt.Errorf("keras: %s: the config gives no input shape and none can be inferred from the weights", lm.Path)
	}
	for _, d := range in {
		if d < 0 {
			return nil, fmt.Errorf("keras: %s: input shape %v has an unknown dimension; kerago needs every per-sample dimension", lm.Path, in)
		}
	}
	// With weights in the file every variable is assigned below, so the
	// initializers need not run.
	if err := m.build(in, lm.Weights != nil); err != nil {
		return nil, fmt.Errorf("keras: %s: %w", lm.Path, err)
	}
	return m.finishLoad(lm)
}

// finishLoad assigns a built model's stored weights and restores its
// compile configuration and optimizer state.
func (m *Model) finishLoad(lm *loader.Model) (*Model, error) {
	cfg := lm.Config
	if lm.Weights != nil {
		if err := m.assignWeights(lm.Path, cfg, lm.Weights); err != nil {
			return nil, err
		}
	}
	if lm.Training != nil && m.compileFromTraining(lm.Training) {
		// Keras's compile_from_config builds the optimizer's variables right
		// away; the stored state is then assigned when it matches.
		net, err := m.network()
		if err != nil {
			return nil, err
		}
		if _, _, _, err := m.trainables(net); err != nil {
			return nil, fmt.Errorf("keras: %s: %w", lm.Path, err)
		}
		if lm.Optimizer != nil {
			if err := m.restoreOptimizer(lm.Optimizer); err != nil {
				return nil, fmt.Errorf("keras: %s: optimizer state: %w", lm.Path, err)
			}
		}
	}
	return m, nil
}

// inferInputShape takes the input width from the first layer's kernel when
// the config does not say (some Keras 1 and hand-written configs).
func inferInputShape(cfg *loader.ModelConfig, w *loader.Weights) []int {
	for _, lw := range w.Layers {
		if len(lw.Arrays) > 0 && lw.Arrays[0].Rank() == 2 && len(cfg.Layers) > 0 && cfg.Layers[0].ClassName == "Dense" {
			return []int{lw.Arrays[0].Dim(0)}
		}
	}
	return nil
}

func (m *Model) assignWeights(path string, cfg *loader.ModelConfig, w *loader.Weights) error {
	pairs, err := m.pairWeights(path, cfg, w)
	if err != nil {
		return err
	}
	for _, p := range pairs {
		copy(p.v.Value.Data(), p.a.Data())
	}
	m.invalidate()
	m.storedWeights = true
	return nil
}

// modelFromConfig creates the layers (and nested models) of a config,
// unbuilt.
func modelFromConfig(path string, cfg *loader.ModelConfig, major int) (*Model, error) {
	m := &Model{name: cfg.Name, className: cfg.ClassName, kerasMajor: major, inputName: cfg.InputName}
	if m.name == "" {
		m.name = "sequential"
	}
	if m.className == "" {
		m.className = "Sequential"
	}
	if m.kerasMajor == 0 {
		m.kerasMajor = 3
	}
	for _, lc := range cfg.Layers {
		var l layers.Layer
		if lc.Model != nil {
			sub, err := modelFromConfig(path, lc.Model, m.kerasMajor)
			if err != nil {
				return nil, err
			}
			l = &nestedModel{sub}
		} else {
			var err error
			if l, err = layers.FromConfig(lc, m.kerasMajor); err != nil {
				return nil, fmt.Errorf("keras: %s: layer %q (%s): %w", path, lc.Name, lc.ClassName, err)
			}
		}
		if l.Name() == "" {
			l.SetName(lc.Name)
		}
		m.layers = append(m.layers, l)
	}
	if cfg.Outputs == nil {
		return m, nil
	}
	gr, err := newGraph(cfg, m.layers)
	if err != nil {
		return nil, fmt.Errorf("keras: %s: model %q: %w", path, m.name, err)
	}
	m.graph = gr
	return m, nil
}

// newGraph turns a Functional config's calls into a graph over ls (one
// layer per config layer).
func newGraph(cfg *loader.ModelConfig, ls []layers.Layer) (*graph, error) {
	order, err := cfg.CallOrder()
	if err != nil {
		return nil, err
	}
	gr := &graph{}
	inputIdx := map[string]int{}
	for i, in := range cfg.Inputs {
		gr.inputs = append(gr.inputs, graphInput{name: in.Name, shape: append([]int(nil), in.Shape...), dtype: in.DType})
		inputIdx[in.Name] = i
	}
	layerIdx := map[string]int{}
	for i, l := range cfg.Layers {
		layerIdx[l.Name] = i
	}
	callIdx := map[loader.Call]int{}
	ref := func(r loader.TensorRef) (tref, error) {
		if k, ok := inputIdx[r.Layer]; ok {
			return tref{call: -1 - k}, nil
		}
		c, ok := callIdx[loader.Call{Layer: layerIdx[r.Layer], Node: r.Node}]
		if !ok {
			return tref{}, fmt.Errorf("layer %q call %d is read before it is made", r.Layer, r.Node)
		}
		return tref{call: c, out: r.Tensor}, nil
	}
	for _, c := range order {
		lc := cfg.Layers[c.Layer]
		call := layerCall{layer: ls[c.Layer], node: c.Node}
		for _, r := range lc.Inbound[c.Node] {
			t, err := ref(r)
			if err != nil {
				return nil, err
			}
			call.in = append(call.in, t)
		}
		callIdx[c] = len(gr.calls)
		gr.calls = append(gr.calls, call)
	}
	for _, r := range cfg.Outputs {
		t, err := ref(r)
		if err != nil {
			return nil, err
		}
		gr.outputs = append(gr.outputs, t)
	}
	return gr, nil
}

// LoadWeights reads weights into this model from a .weights.h5, legacy .h5
// (weights-only or full model), .keras, .npz or npy directory, matching them
// to the layers as Keras's load_weights does.
func (m *Model) LoadWeights(path string) error {
	if !m.built {
		return ErrNotBuilt
	}
	lm, err := loader.Load(path)
	if err != nil {
		return err
	}
	if lm.Weights == nil {
		return fmt.Errorf("keras: LoadWeights: %s holds no weights", path)
	}
	return m.assignWeights(path, m.loaderConfig(), lm.Weights)
}

// loaderConfig describes the model as a loader.ModelConfig.
func (m *Model) loaderConfig() *loader.ModelConfig {
	cfg := &loader.ModelConfig{
		ClassName:  m.className,
		Name:       m.name,
		InputShape: append([]int(nil), m.inputShape...),
		InputName:  m.inputName,
		InputDType: "float32",
		KerasMajor: 3,
	}
	for _, l := range m.layers {
		lc := loader.LayerConfig{ClassName: l.ClassName(), Name: l.Name(), Config: l.Config()}
		if nm, ok := l.(*nestedModel); ok {
			lc.Config, lc.Model = nil, nm.m.loaderConfig()
		}
		cfg.Layers = append(cfg.Layers, lc)
	}
	return cfg
}

func (m *Model) restoreOptimizer(st *loader.OptimizerState) error {
	if st.Layout != "keras3" {
		// Keras 3 itself skips optimizer state it cannot match (with a
		// warning); kerago does the same for Keras 1/2 layouts.
		m.warnings = append(m.warnings, fmt.Sprintf("optimizer state in %s layout not restored (only Keras 3 optimizer state is)", st.Layout))
		return nil
	}
	if have := len(m.comp.opt.Variables()); have != len(st.Arrays) {
		// Keras 3 warns and skips optimizer state that does not match (for
		// example a compiled but never trained model stores only iteration
		// and learning_rate).
		m.warnings = append(m.warnings, fmt.Sprintf("optimizer state not restored: the file has %d optimizer variables, %s has %d", len(st.Arrays), m.comp.opt.Name(), have))
		return nil
	}
	vs := make([]optimizers.Var, len(st.Arrays))
	for i, a := range st.Arrays {
		name := ""
		if i < len(st.Names) {
			name = st.Names[i]
		}
		vs[i] = optimizers.Var{Name: name, Shape: a.Shape(), Data: a.Float64()}
	}
	return m.comp.opt.SetVariables(vs)
}

// LoadWarnings returns what Load could not carry over from the file (for
// example optimizer state in a Keras 2 layout), as Keras would warn.
func (m *Model) LoadWarnings() []string { return append([]string(nil), m.warnings...) }
