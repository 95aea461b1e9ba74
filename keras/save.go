package keras

import (
	"fmt"

	"github.com/kerago/kerago/keras/losses"
	"github.com/kerago/kerago/keras/metrics"
	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/tensor"
)

// Save writes the model to path in the format its extension names, as
// model.save: ".keras" (Keras 3 archive), ".h5" (legacy full model),
// ".weights.h5" (weights only), ".json"/".yaml" (config only), ".npz"
// (weights), or a directory (one .npy per variable plus manifest.json).
// Files claim loader.KerasVersion and follow that Keras version's layout.
// The write is atomic: on error the previous file is intact.
func (m *Model) Save(path string) error {
	f, err := loader.FormatFromPath(path)
	if err != nil {
		return fmt.Errorf("keras: Save: %w", err)
	}
	return m.SaveFormat(path, f)
}

// SaveFormat is Save with an explicit format.
func (m *Model) SaveFormat(path string, f loader.Format) error {
	if err := m.checkKeras3Semantics(f); err != nil {
		return err
	}
	lm, err := m.Describe()
	if err != nil {
		return err
	}
	lm.Path = path
	lm.Format = f
	if err := loader.Save(path, lm, f); err != nil {
		return fmt.Errorf("keras: Save: %w", err)
	}
	return nil
}

// SaveWeights writes only the weights: ".weights.h5" (Keras 3 layout),
// ".h5" (legacy save_weights layout), ".npz" or a directory of .npy.
func (m *Model) SaveWeights(path string) error {
	f, err := loader.FormatFromPath(path)
	if err != nil {
		return fmt.Errorf("keras: SaveWeights: %w", err)
	}
	if f == loader.FormatH5 {
		f = loader.FormatLegacyH5W
	}
	switch f {
	case loader.FormatWeightsH5, loader.FormatLegacyH5W, loader.FormatNPZ, loader.FormatNPYDir:
	default:
		return fmt.Errorf("keras: SaveWeights: %s: want a .weights.h5, .h5, .npz path or a directory", path)
	}
	return m.SaveFormat(path, f)
}

// ToJSON returns the model's Keras 3 to_json() text.
func (m *Model) ToJSON() ([]byte, error) {
	lm, err := m.Describe()
	if err != nil {
		return nil, err
	}
	return loader.MarshalConfigJSON(lm)
}

// Describe returns the model as a loader.Model: config, weights, compile
// configuration and optimizer state, as the writers and tools need them.
func (m *Model) Describe() (*loader.Model, error) {
	if !m.built {
		return nil, ErrNotBuilt
	}
	backend := m.backend
	if backend == "" {
		backend = loader.DefaultBackend
	}
	lm := &loader.Model{KerasVersion: loader.KerasVersion, Backend: backend}
	lm.Config = m.describeConfig()
	lm.Weights = m.describeWeights()
	if m.comp != nil {
		tc := &loader.TrainingConfig{}
		opt := m.comp.opt
		tc.Optimizer = &loader.ObjectConfig{ClassName: opt.ClassName(), Module: "keras.optimizers", Config: opt.Config()}
		switch l := m.comp.cfg.Loss.(type) {
		case string:
			tc.Loss = l
		case losses.Loss:
			tc.Loss = &loader.ObjectConfig{ClassName: l.ClassName(), Module: "keras.losses", Config: l.Config()}
		default:
			tc.Loss = m.comp.lossName
		}
		tc.Metrics = metricEntries(m.comp.metricIDs)
		tc.WeightedMetrics = metricEntries(m.comp.wMetricIDs)
		tc.LossWeights = m.comp.cfg.LossWeights
		lm.Training = tc
		if opt.Built() {
			st := &loader.OptimizerState{Layout: "keras3"}
			for _, v := range opt.Variables() {
				t, err := tensor.FromFloat64(v.Data, v.Shape...)
				if err != nil {
					return nil, fmt.Errorf("keras: optimizer variable %q: %w", v.Name, err)
				}
				st.Names = append(st.Names, v.Name)
				st.Arrays = append(st.Arrays, t)
			}
			lm.Optimizer = st
		}
	}
	return lm, nil
}

// metricEntries are compile-config metric entries: strings as given, metric
// objects as {"class_name", "config"} so their threshold, top_k, class_id
// and the rest survive a save.
func metricEntries(ids []any) []any {
	var out []any
	for _, id := range ids {
		switch v := id.(type) {
		case string:
			out = append(out, v)
		case metrics.Metric:
			c, ok := v.(interface {
				ClassName() string
				Config() map[string]any
			})
			if !ok {
				out = append(out, v.Name())
				continue
			}
			out = append(out, &loader.ObjectConfig{ClassName: c.ClassName(), Module: "keras.metrics", Config: c.Config()})
		}
	}
	return out
}

// checkKeras3Semantics refuses to write a config that would mean something
// else once read as Keras 3 (every file kerago writes claims Keras 3):
// Keras 1/2's hard_sigmoid is clip(0.2x + 0.5, 0, 1), Keras 3's is
// relu6(x + 3)/6, and Keras 3 has no activation equal to the former.
// Weights-only formats are not affected.
func (m *Model) checkKeras3Semantics(f loader.Format) error {
	switch f {
	case loader.FormatWeightsH5, loader.FormatLegacyH5W, loader.FormatNPZ, loader.FormatNPYDir:
		return nil
	}
	if m.kerasMajor == 0 || m.kerasMajor >= 3 {
		return nil
	}
	return m.checkHardSigmoid(m.kerasMajor)
}

// checkHardSigmoid refuses Keras 1/2's hard_sigmoid in any layer, nested
// models' layers included (see checkKeras3Semantics).
func (m *Model) checkHardSigmoid(major int) error {
	for _, l := range m.layers {
		if nm, ok := l.(*nestedModel); ok {
			if err := nm.m.checkHardSigmoid(major); err != nil {
				return err
			}
			continue
		}
		if a, _ := l.Config()["activation"].(string); a == "hard_sigmoid" {
			return fmt.Errorf("keras: Save: layer %q uses Keras %d's hard_sigmoid, clip(0.2·x + 0.5, 0, 1); the Keras 3 file would mean Keras 3's hard_sigmoid, relu6(x + 3)/6, and Keras 3 has no activation equal to Keras 2's: save the weights only (.weights.h5, .npz or a directory)", l.Name(), major)
		}
	}
	return nil
}
