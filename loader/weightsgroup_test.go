package loader

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/internal/hdf5"
)

// writeLegacyH5 writes a legacy full-model .h5 holding the model_config of the
// mlp_2_10_10_2 case; extra adds (or leaves out) the weights groups.
func writeLegacyH5(t *testing.T, extra func(r *hdf5.WGroup)) string {
	t.Helper()
	cfg, err := os.ReadFile(tdPath("keras-cases/mlp_2_10_10_2/model.json"))
	if err != nil {
		t.Fatal(err)
	}
	w := hdf5.NewWriter()
	r := w.Root()
	r.SetAttrString("model_config", string(cfg))
	r.SetAttrString("keras_version", "3.15.1")
	r.SetAttrString("backend", "numpy")
	extra(r)
	b, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "model.h5")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWeightsGroupPresence: only a file without model_weights is
// config-only; a model_weights or optimizer_weights that is present but not
// a readable group is an error naming the file and the object.
func TestWeightsGroupPresence(t *testing.T) {
	p := writeLegacyH5(t, func(r *hdf5.WGroup) {})
	m, err := Load(p)
	if err != nil || m.Config == nil || m.Weights != nil || m.Optimizer != nil {
		t.Fatalf("config-only .h5: %+v, %v", m, err)
	}
	for _, c := range []struct {
		name  string
		build func(r *hdf5.WGroup)
		want  string
	}{
		{"model_weights a dataset", func(r *hdf5.WGroup) {
			r.CreateDataset("model_weights", hdf5.Float32, []int{2}, []float32{1, 2})
		}, "/model_weights (the model's weights) is not a group"},
		{"optimizer_weights a dataset", func(r *hdf5.WGroup) {
			g := r.CreateGroup("model_weights")
			g.SetAttrStrings("layer_names", []string{}, hdf5.FixedBytes)
			r.CreateDataset("optimizer_weights", hdf5.Float32, []int{1}, []float32{1})
		}, "/optimizer_weights (the optimizer state) is not a group"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := writeLegacyH5(t, c.build)
			_, err := Load(p)
			if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q naming %s", err, c.want, p)
			}
		})
	}
}

// TestKeras3OptimizerGroup: a .weights.h5 whose optimizer member is not a
// group is damaged, not "no optimizer state".
func TestKeras3OptimizerGroup(t *testing.T) {
	w := hdf5.NewWriter()
	r := w.Root()
	r.CreateGroup("layers/dense/vars").CreateDataset("0", hdf5.Float32, []int{2}, []float32{1, 2})
	r.CreateDataset("optimizer", hdf5.Float32, []int{1}, []float32{1})
	b, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "model.weights.h5")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(p)
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "/optimizer (the optimizer state) is not a group") {
		t.Fatalf("error %v", err)
	}
}
