package keras

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/keras/losses"
	"github.com/kerago/kerago/keras/optimizers"
	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/tensor"
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
	m := &Model{name: cfg.Name, className: cfg.ClassName, kerasMajor: cfg.KerasMajor, inputName: cfg.InputName, backend: lm.Backend}
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
		l, err := layers.FromConfig(lc, m.kerasMajor)
		if err != nil {
			return nil, fmt.Errorf("keras: %s: layer %q (%s): %w", lm.Path, lc.Name, lc.ClassName, err)
		}
		if l.Name() == "" {
			l.SetName(lc.Name)
		}
		m.layers = append(m.layers, l)
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
	if lm.Weights != nil {
		if err := m.assignWeights(lm.Path, cfg, lm.Weights); err != nil {
			return nil, err
		}
	}
	if lm.Training != nil {
		if err := m.compileFromTraining(lm.Training); err != nil {
			return nil, fmt.Errorf("keras: %s: compile config: %w", lm.Path, err)
		}
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
	counts := make([]int, len(m.layers))
	for i, l := range m.layers {
		counts[i] = len(l.Variables())
	}
	aligned, err := loader.AlignWeights(cfg, w, counts)
	if err != nil {
		return err
	}
	for i, l := range m.layers {
		vs := l.Variables()
		if len(aligned[i]) != len(vs) {
			return fmt.Errorf("keras: %s: layer %q (%s): file has %d variables, the layer has %d", path, l.Name(), l.ClassName(), len(aligned[i]), len(vs))
		}
		for j, v := range vs {
			a := aligned[i][j]
			if !tensor.SameShape(a.Shape(), v.Value.Shape()) {
				return fmt.Errorf("keras: %s: layer %q: %s shape %v, want %v", path, l.Name(), v.Name, a.Shape(), v.Value.Shape())
			}
		}
	}
	for i, l := range m.layers {
		for j, v := range l.Variables() {
			copy(v.Value.Data(), aligned[i][j].Data())
		}
	}
	m.invalidate()
	m.storedWeights = true
	return nil
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
		cfg.Layers = append(cfg.Layers, loader.LayerConfig{ClassName: l.ClassName(), Name: l.Name(), Config: l.Config()})
	}
	return cfg
}

func (m *Model) compileFromTraining(tc *loader.TrainingConfig) error {
	var cc CompileConfig
	if tc.Optimizer != nil {
		opt, err := optimizers.FromConfig(tc.Optimizer.ClassName, tc.Optimizer.Config)
		if err != nil {
			return err
		}
		cc.Optimizer = opt
	}
	switch l := tc.Loss.(type) {
	case string:
		cc.Loss = l
	case *loader.ObjectConfig:
		lf, err := losses.FromConfig(l.ClassName, l.Config)
		if err != nil {
			return err
		}
		cc.Loss = lf
	case nil:
		return errors.New("no loss in the compile config")
	default:
		return fmt.Errorf("loss of type %T not understood", tc.Loss)
	}
	for _, mt := range tc.Metrics {
		s, ok := mt.(string)
		if !ok {
			if oc, ok2 := mt.(*loader.ObjectConfig); ok2 {
				// Keras 3 serializes metric objects; kerago resolves them by name.
				if n, ok3 := oc.Config["name"].(string); ok3 {
					s = n
				} else {
					s = strings.ToLower(oc.ClassName)
				}
			} else {
				continue
			}
		}
		cc.Metrics = append(cc.Metrics, s)
	}
	return m.Compile(cc)
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
