package keras

import (
	"path/filepath"
	"testing"
)

// TestHasStoredWeights: a model read from a config alone holds random
// initial values and must say so; every way of reading the weights from a
// file (the same Keras case's model.keras, config + .weights.h5, LoadWeights)
// must report stored weights.
func TestHasStoredWeights(t *testing.T) {
	dir := filepath.Join(testdata, "keras-cases", "mlp_2_10_10_2")
	cfg := filepath.Join(dir, "model.json")
	weights := filepath.Join(dir, "model.weights.h5")
	loadThenWeights := func() (*Model, error) {
		m, err := Load(cfg)
		if err != nil {
			return nil, err
		}
		return m, m.LoadWeights(weights)
	}
	cases := []struct {
		name string
		load func() (*Model, error)
		want bool
	}{
		{"config only", func() (*Model, error) { return Load(cfg) }, false},
		{"keras archive", func() (*Model, error) { return Load(filepath.Join(dir, "model.keras")) }, true},
		{"legacy h5", func() (*Model, error) { return Load(filepath.Join(dir, "model.h5")) }, true},
		{"config with weights", func() (*Model, error) { return LoadWithWeights(cfg, weights) }, true},
		{"config then LoadWeights", loadThenWeights, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := c.load()
			if err != nil {
				t.Fatal(err)
			}
			if got := m.HasStoredWeights(); got != c.want {
				t.Errorf("HasStoredWeights() = %v, want %v", got, c.want)
			}
		})
	}
}
