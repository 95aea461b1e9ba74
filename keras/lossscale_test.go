package keras

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// wrapInLossScale rewrites a Keras-saved .keras file as Keras 3 saves a
// model compiled with LossScaleOptimizer (mixed precision): the compile
// config's optimizer becomes {"class_name": "LossScaleOptimizer", "config":
// {"name", "inner_optimizer": <the original optimizer>, "initial_scale",
// "dynamic_growth_steps"}} (LossScaleOptimizer.get_config in Keras 3.15.1).
// The other archive members are copied unchanged.
func wrapInLossScale(t *testing.T, src, dst string) {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == "config.json" {
			var cfg map[string]any
			if err := json.Unmarshal(data, &cfg); err != nil {
				t.Fatal(err)
			}
			cc := cfg["compile_config"].(map[string]any)
			cc["optimizer"] = map[string]any{"module": "keras.optimizers", "class_name": "LossScaleOptimizer",
				"config": map[string]any{"name": "loss_scale_optimizer", "inner_optimizer": cc["optimizer"],
					"initial_scale": 32768.0, "dynamic_growth_steps": 2000},
				"registered_name": nil}
			if data, err = json.Marshal(cfg); err != nil {
				t.Fatal(err)
			}
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLossScaleOptimizerFile loads files whose optimizer is a
// LossScaleOptimizer: the inner optimizer trains, and as loss scaling by a
// power of two is exact in float32, the run reproduces Keras's reference
// for the inner optimizer alone. Saving and loading keeps the wrapper and
// its state.
func TestLossScaleOptimizerFile(t *testing.T) {
	for _, c := range []string{"fit_adam_log_cosh", "fit_lamb_mse"} {
		t.Run(c, func(t *testing.T) {
			dir := filepath.Join(testdata, "fit-refs", c)
			ref := readKerasFitCase(t, dir)
			tmp := t.TempDir()
			path := filepath.Join(tmp, "lso.keras")
			wrapInLossScale(t, filepath.Join(dir, "init.keras"), path)
			m, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if cls := m.Optimizer().ClassName(); cls != "LossScaleOptimizer" {
				t.Fatalf("optimizer %s, want LossScaleOptimizer", cls)
			}
			x := loadNpy(t, filepath.Join(dir, "x.npy"))
			y := loadNpy(t, filepath.Join(dir, "y.npy"))
			cfg := FitConfig{Epochs: ref.Fit.Epochs, BatchSize: ref.Fit.BatchSize, Shuffle: ShuffleOff, Verbose: Silent, Output: io.Discard}
			hist, err := m.Fit(context.Background(), x, y, cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkKerasFit(t, dir, ref, hist.History, m.GetWeights())

			saved := filepath.Join(tmp, "saved.keras")
			if err := m.Save(saved); err != nil {
				t.Fatal(err)
			}
			checkSavedLossScaleConfig(t, saved)
			m2, err := Load(saved)
			if err != nil {
				t.Fatal(err)
			}
			if w := m2.LoadWarnings(); len(w) != 0 {
				t.Errorf("load warnings: %v", w)
			}
			before, after := m.Optimizer().Variables(), m2.Optimizer().Variables()
			if m2.Optimizer().ClassName() != "LossScaleOptimizer" || len(after) != len(before) {
				t.Fatalf("reloaded %s with %d variables, saved LossScaleOptimizer with %d", m2.Optimizer().ClassName(), len(after), len(before))
			}
			for i := range before {
				if before[i].Name != after[i].Name && i < 4 || !slices.Equal(before[i].Data, after[i].Data) {
					t.Errorf("variable %d: %s %v → %s %v", i, before[i].Name, before[i].Data[:1], after[i].Name, after[i].Data[:1])
				}
			}
		})
	}
}

// checkSavedLossScaleConfig checks the compile config kerago saved has the
// keys of LossScaleOptimizer.get_config() only (Keras 3 refuses base
// optimizer keys such as learning_rate there).
func checkSavedLossScaleConfig(t *testing.T, path string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != "config.json" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var cfg struct {
			Compile struct {
				Optimizer struct {
					ClassName string         `json:"class_name"`
					Config    map[string]any `json:"config"`
				} `json:"optimizer"`
			} `json:"compile_config"`
		}
		err = json.NewDecoder(rc).Decode(&cfg)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		o := cfg.Compile.Optimizer
		keys := slices.Sorted(maps.Keys(o.Config))
		if o.ClassName != "LossScaleOptimizer" || !slices.Equal(keys, []string{"dynamic_growth_steps", "initial_scale", "inner_optimizer", "name"}) {
			t.Errorf("saved optimizer %s with keys %v", o.ClassName, keys)
		}
		return
	}
	t.Fatal("no config.json in the saved file")
}
