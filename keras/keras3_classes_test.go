package keras

import (
	"archive/zip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestThresholdedReLUSavesAsKeras3ReLU: Keras 3.15.1 refuses
// keras.layers.ThresholdedReLU ("Could not deserialize"); kerago writes
// the real Keras 2 file's ThresholdedReLU(theta) as Keras 3's
// ReLU(threshold=theta, max_value=None, negative_slope=0.0), and the saved
// model still gives the file's reference outputs (an independent float64
// forward pass, realmodels/REFS.md).
func TestThresholdedReLUSavesAsKeras3ReLU(t *testing.T) {
	dir := filepath.Join(testdata, "realmodels", "KonduitAI__dl4j-test-resources__act_ThresholdReLU_0")
	m, err := Load(filepath.Join(dir, "ThresholdReLU_0_model.h5"))
	if err != nil {
		t.Fatal(err)
	}
	theta := m.Layers()[len(m.Layers())-1].Config()["theta"]
	for _, name := range []string{"m.keras", "m.h5"} {
		out := filepath.Join(t.TempDir(), name)
		if err := m.Save(out); err != nil {
			t.Fatal(err)
		}
		if name == "m.keras" {
			cfg := kerasArchiveConfig(t, out)
			layers := cfg["config"].(map[string]any)["layers"].([]any)
			last := layers[len(layers)-1].(map[string]any)
			c := last["config"].(map[string]any)
			if last["class_name"] != "ReLU" || last["module"] != "keras.layers" || c["threshold"] != theta ||
				c["max_value"] != nil || c["negative_slope"] != 0.0 || c["theta"] != nil {
				t.Fatalf("saved layer %v, want keras.layers.ReLU with threshold %v", last, theta)
			}
		}
		g, err := Load(out)
		if err != nil {
			t.Fatal(err)
		}
		ref := filepath.Join(dir, "ref", "ThresholdReLU_0_model")
		got, err := g.Predict(loadNpy(t, filepath.Join(ref, "x.npy")))
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, name, got, loadNpy(t, filepath.Join(ref, "y.npy")), 1e-5, 1e-5)
	}
}

func kerasArchiveConfig(t *testing.T, path string) map[string]any {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, f := range z.File {
		if f.Name != "config.json" {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		var cfg map[string]any
		if err := json.Unmarshal(b, &cfg); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	t.Fatal("no config.json")
	return nil
}

// TestKeras2HardSigmoidNotSavedAsKeras3: a Keras 2 model with hard_sigmoid
// (clip(0.2x+0.5, 0, 1)) cannot be written as a Keras 3 config, whose
// hard_sigmoid is relu6(x+3)/6; its weights can.
func TestKeras2HardSigmoidNotSavedAsKeras3(t *testing.T) {
	src := filepath.Join(testdata, "keras-cases", "mlp_2_10_10_2")
	b, err := os.ReadFile(filepath.Join(src, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	js := strings.Replace(string(b), `"activation": "relu"`, `"activation": "hard_sigmoid"`, 1)
	js = strings.Replace(js, `{"module": "keras", "class_name": "Sequential"`, `{"keras_version": "2.4.0", "class_name": "Sequential"`, 1)
	if js == string(b) || !strings.Contains(js, `"2.4.0"`) {
		t.Fatal("fixture did not change")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "k2.json")
	if err := os.WriteFile(cfg, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := LoadWithWeights(cfg, filepath.Join(src, "model.weights.h5"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"m.keras", "m.h5", "m.json"} {
		if err := m.Save(filepath.Join(dir, name)); err == nil || !strings.Contains(err.Error(), "hard_sigmoid") {
			t.Errorf("%s: err %v, want a refusal naming hard_sigmoid", name, err)
		}
	}
	if err := m.Save(filepath.Join(dir, "m.npz")); err != nil {
		t.Errorf("weights only: %v", err)
	}
}
