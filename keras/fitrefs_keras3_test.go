package keras

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/kerago/kerago/tensor"
)

// kerasFitCase is a fit-refs case in the Keras-saved layout: init.keras (the
// compiled, untrained model as Keras 3.15.1 saved it), fit.json (fit
// arguments and compile config), history.json, init/ and final/ weights.
type kerasFitCase struct {
	Fit struct {
		Epochs          int     `json:"epochs"`
		BatchSize       int     `json:"batch_size"`
		Shuffle         bool    `json:"shuffle"`
		ValidationSplit float64 `json:"validation_split"`
	} `json:"fit"`
	Compile struct {
		Optimizer struct {
			ClassName string `json:"class_name"`
		} `json:"optimizer"`
	} `json:"compile"`
	History map[string][]float64
}

// kerasFitCases are the fit-refs cases with an init.keras whose model this
// package can build today (the founding Dense network): each optimizer and
// loss of Keras 3.15.1 beyond the first four references.
var kerasFitCases = []string{
	"fit_adadelta_mse", "fit_adamax_mse", "fit_lion_mse", "fit_adafactor_mse", "fit_ftrl_mse",
	"fit_lamb_mse", "fit_muon_mse", "fit_schedulefree_adamw_mse",
	"fit_sgd_huber", "fit_adam_log_cosh", "fit_adam_poisson", "fit_adam_msle",
	"fit_rmsprop_squared_hinge", "fit_adam_kld", "fit_sgd_categorical_hinge", "fit_adam_cosine_similarity",
}

func readKerasFitCase(t *testing.T, dir string) kerasFitCase {
	t.Helper()
	var c kerasFitCase
	b, err := os.ReadFile(filepath.Join(dir, "fit.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("fit.json: %v", err)
	}
	var h struct {
		History map[string][]float64 `json:"history"`
	}
	if b, err = os.ReadFile(filepath.Join(dir, "history.json")); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatalf("history.json: %v", err)
	}
	c.History = h.History
	if c.Fit.Shuffle {
		t.Fatal("reference run shuffled; cannot reproduce")
	}
	return c
}

// npyDir reads the .npy files of a fit-refs weights folder in file order
// (00_…, 01_…: Keras's model.weights order).
func npyDir(t *testing.T, dir string) []*tensor.Tensor {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.npy"))
	if err != nil || len(names) == 0 {
		t.Fatalf("%s: no .npy files (%v)", dir, err)
	}
	sort.Strings(names)
	out := make([]*tensor.Tensor, len(names))
	for i, n := range names {
		out[i] = loadNpy(t, n)
	}
	return out
}

// fitResult is what a reproduction is judged on.
type fitResult struct {
	worstLogRel, worstWeightAbs, worstWeightRel float64
}

// checkKerasFit compares a history and final weights with a case's
// references: every per-epoch log within 1e-5 relative, the final weights
// and predictions allclose(atol=1e-5, rtol=1e-5).
func checkKerasFit(t *testing.T, dir string, ref kerasFitCase, hist map[string][]float64, ws []*tensor.Tensor) fitResult {
	t.Helper()
	var r fitResult
	if len(hist) != len(ref.History) {
		t.Errorf("history keys: got %d, Keras %d", len(hist), len(ref.History))
	}
	for key, want := range ref.History {
		got, ok := hist[key]
		if !ok || len(got) != len(want) {
			t.Errorf("%s: %d epochs, want %d", key, len(got), len(want))
			continue
		}
		for e := range want {
			rel := math.Abs(got[e] - want[e])
			if want[e] != 0 {
				rel /= math.Abs(want[e])
			}
			r.worstLogRel = math.Max(r.worstLogRel, rel)
			if rel > 1e-5 {
				t.Errorf("%s epoch %d: %.9g, Keras %.9g (rel %.2g)", key, e+1, got[e], want[e], rel)
			}
		}
	}
	final := npyDir(t, filepath.Join(dir, "final"))
	if len(ws) != len(final) {
		t.Fatalf("%d weights, Keras %d", len(ws), len(final))
	}
	for i, want := range final {
		assertClose(t, filepath.Base(dir)+" final weight "+twoDigits(i), ws[i], want, 1e-5, 1e-5)
		for j, v := range ws[i].Data() {
			d := math.Abs(float64(v) - float64(want.Data()[j]))
			r.worstWeightAbs = math.Max(r.worstWeightAbs, d)
			r.worstWeightRel = math.Max(r.worstWeightRel, d/math.Max(math.Abs(float64(want.Data()[j])), 1e-3))
		}
	}
	return r
}

// TestKerasFitRefs reproduces Keras 3.15.1 training runs through the Go
// API: Load(init.keras) (architecture, initial weights and compile config
// as Keras saved them), then Fit with the recorded arguments.
// ScheduleFreeAdamW also runs from the init/ weights with a fresh optimizer,
// which is how its reference was made (fit.json of that case).
func TestKerasFitRefs(t *testing.T) {
	root := filepath.Join(testdata, "fit-refs")
	for _, c := range kerasFitCases {
		dir := filepath.Join(root, c)
		ref := readKerasFitCase(t, dir)
		routes := []string{"load"}
		if ref.Compile.Optimizer.ClassName == "ScheduleFreeAdamW" {
			routes = append(routes, "init-weights")
		}
		for _, route := range routes {
			t.Run(c+"/"+route, func(t *testing.T) {
				m, err := Load(filepath.Join(dir, "init.keras"))
				if err != nil {
					t.Fatal(err)
				}
				if route == "init-weights" {
					if err := m.SetWeights(npyDir(t, filepath.Join(dir, "init"))); err != nil {
						t.Fatal(err)
					}
				}
				x := loadNpy(t, filepath.Join(dir, "x.npy"))
				y := loadNpy(t, filepath.Join(dir, "y.npy"))
				cfg := FitConfig{Epochs: ref.Fit.Epochs, BatchSize: ref.Fit.BatchSize, Shuffle: ShuffleOff,
					ValidationSplit: ref.Fit.ValidationSplit, Verbose: Silent, Output: io.Discard}
				hist, err := m.Fit(context.Background(), x, y, cfg)
				if err != nil {
					t.Fatal(err)
				}
				r := checkKerasFit(t, dir, ref, hist.History, m.GetWeights())
				pred, err := m.Predict(x)
				if err != nil {
					t.Fatal(err)
				}
				assertClose(t, c+" final_pred", pred, loadNpy(t, filepath.Join(dir, "final_pred.npy")), 1e-5, 1e-5)
				t.Logf("worst per-epoch log rel %.2g; worst final weight abs %.2g (rel %.2g)", r.worstLogRel, r.worstWeightAbs, r.worstWeightRel)
			})
		}
	}
}

// TestKerasFitRefsOptimizerState saves each new optimizer's state half way
// through its reference run and loads it back: the variables come back in
// Keras's layout (names, shapes, values), and training on from the loaded
// file reproduces Keras's uninterrupted run.
func TestKerasFitRefsOptimizerState(t *testing.T) {
	root := filepath.Join(testdata, "fit-refs")
	for _, c := range kerasFitCases[:8] {
		dir := filepath.Join(root, c)
		t.Run(c, func(t *testing.T) {
			ref := readKerasFitCase(t, dir)
			m, err := Load(filepath.Join(dir, "init.keras"))
			if err != nil {
				t.Fatal(err)
			}
			x := loadNpy(t, filepath.Join(dir, "x.npy"))
			y := loadNpy(t, filepath.Join(dir, "y.npy"))
			half := ref.Fit.Epochs / 2
			cfg := FitConfig{Epochs: half, BatchSize: ref.Fit.BatchSize, Shuffle: ShuffleOff, Verbose: Silent, Output: io.Discard}
			h1, err := m.Fit(context.Background(), x, y, cfg)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "half.keras")
			if err := m.Save(path); err != nil {
				t.Fatal(err)
			}
			m2, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if w := m2.LoadWarnings(); len(w) != 0 {
				t.Fatalf("load warnings: %v", w)
			}
			before, after := m.Optimizer().Variables(), m2.Optimizer().Variables()
			if len(after) != len(before) || len(after) <= 2 {
				t.Fatalf("%d optimizer variables after loading, %d saved", len(after), len(before))
			}
			for i := range before {
				if !slices.Equal(after[i].Shape, before[i].Shape) || !slices.Equal(after[i].Data, before[i].Data) {
					t.Fatalf("optimizer variable %d (%s): shape %v → %v, values differ: %v", i, before[i].Name, before[i].Shape, after[i].Shape, !slices.Equal(after[i].Data, before[i].Data))
				}
			}
			h2, err := m2.Fit(context.Background(), x, y, cfg)
			if err != nil {
				t.Fatal(err)
			}
			hist := map[string][]float64{}
			for k, v := range h1.History {
				hist[k] = append(append([]float64(nil), v...), h2.History[k]...)
			}
			checkKerasFit(t, dir, ref, hist, m2.GetWeights())
		})
	}
}

// TestKerasFitRefsOptimizerConfig checks each optimizer loaded from a
// Keras-saved file reports Keras's get_config(): the same keys, defaults
// and values as the optimizer_config Keras recorded in fit.json.
func TestKerasFitRefsOptimizerConfig(t *testing.T) {
	for _, c := range kerasFitCases {
		t.Run(c, func(t *testing.T) {
			dir := filepath.Join(testdata, "fit-refs", c)
			b, err := os.ReadFile(filepath.Join(dir, "fit.json"))
			if err != nil {
				t.Fatal(err)
			}
			var ref struct {
				OptimizerConfig map[string]any `json:"optimizer_config"`
			}
			if err := json.Unmarshal(b, &ref); err != nil {
				t.Fatal(err)
			}
			m, err := Load(filepath.Join(dir, "init.keras"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(m.Optimizer().Config())
			if err != nil {
				t.Fatal(err)
			}
			var norm map[string]any
			if err := json.Unmarshal(got, &norm); err != nil {
				t.Fatal(err)
			}
			for _, k := range slices.Sorted(maps.Keys(ref.OptimizerConfig)) {
				if !reflect.DeepEqual(norm[k], ref.OptimizerConfig[k]) {
					t.Errorf("%s: %v, Keras %v", k, norm[k], ref.OptimizerConfig[k])
				}
			}
			for k := range norm {
				if _, ok := ref.OptimizerConfig[k]; !ok {
					t.Errorf("extra key %s", k)
				}
			}
		})
	}
}
