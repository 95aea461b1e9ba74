package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kerago/kerago/internal/cli/history"
	"github.com/kerago/kerago/tensor"
)

// kerasFitRef is a fit-refs case in the Keras-saved layout (init.keras,
// fit.json, history.json, final/).
type kerasFitRef struct {
	Fit struct {
		Epochs    int  `json:"epochs"`
		BatchSize int  `json:"batch_size"`
		Shuffle   bool `json:"shuffle"`
		// ValidationSplit is fit(validation_split=...), 0 for none.
		ValidationSplit float64 `json:"validation_split"`
	} `json:"fit"`
	Compile struct {
		Optimizer struct {
			ClassName string `json:"class_name"`
		} `json:"optimizer"`
	} `json:"compile"`
	History map[string][]float64
}

// kerasFitRefCases are the Keras-saved fit references of the founding
// network: every optimizer beyond Adam/SGD/RMSprop and the losses beyond
// MSE.
var kerasFitRefCases = []string{
	"fit_adadelta_mse", "fit_adamax_mse", "fit_lion_mse", "fit_adafactor_mse", "fit_ftrl_mse",
	"fit_lamb_mse", "fit_muon_mse", "fit_schedulefree_adamw_mse",
	"fit_sgd_huber", "fit_adam_log_cosh", "fit_adam_poisson", "fit_adam_msle",
	"fit_rmsprop_squared_hinge", "fit_adam_kld", "fit_sgd_categorical_hinge", "fit_adam_cosine_similarity",
}

func readKerasFitRef(t *testing.T, dir string) kerasFitRef {
	t.Helper()
	var r kerasFitRef
	data, err := os.ReadFile(filepath.Join(dir, "fit.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	var h struct {
		History map[string][]float64 `json:"history"`
	}
	if data, err = os.ReadFile(filepath.Join(dir, "history.json")); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	r.History = h.History
	if r.Fit.Shuffle {
		t.Fatal("reference run shuffled; kerago cannot reproduce NumPy's permutation")
	}
	return r
}

// finalWeights reads a case's final/ weights in file (model.weights) order.
func finalWeights(t *testing.T, dir string) []*tensor.Tensor {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "final", "*.npy"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no final weights in %s", dir)
	}
	slices.Sort(files)
	var out []*tensor.Tensor
	for _, f := range files {
		out = append(out, loadNpy(t, f))
	}
	return out
}

// checkHistory compares a kerago --history file with Keras's logs from
// epoch first on: every value within 1e-5 relative.
func checkHistory(t *testing.T, path string, ref kerasFitRef, first int) float64 {
	t.Helper()
	got, err := history.ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(maps.Keys(ref.History))
	if !slices.Equal(slices.Sorted(maps.Keys(got.Values)), keys) {
		t.Fatalf("history keys %v, want %v", got.Keys, keys)
	}
	worst := 0.0
	for _, k := range keys {
		for e, g := range got.Values[k] {
			want := ref.History[k][first+e]
			rel := math.Abs(g-want) / math.Abs(want)
			worst = math.Max(worst, rel)
			if rel > 1e-5 {
				t.Errorf("%s epoch %d: %.9g, Keras %.9g (rel %.2g)", k, first+e+1, g, want, rel)
			}
		}
	}
	return worst
}

// checkFinal converts a trained model to an npy directory and compares its
// weights with Keras's final weights: allclose(1e-5, 1e-5).
func checkFinal(t *testing.T, dir, model, src string) {
	t.Helper()
	out := model + ".npy"
	okFit(t, dir, "convert", model, out, "--format", "npy-dir")
	entries, final := readNpyDir(t, filepath.Join(dir, out))
	want := finalWeights(t, src)
	if len(final) != len(want) {
		t.Fatalf("%d variables, want %d", len(final), len(want))
	}
	for i := range want {
		allclose(t, entries[i].Path, final[i], want[i], 1e-5, 1e-5)
	}
}

// TestKerasFitRefs trains each Keras-saved fit reference with kerago fit
// from its init.keras (compile config and initial weights as Keras saved
// them) and compares the history and final weights with Keras's.
// ScheduleFreeAdamW's reference is the in-memory run (a fresh optimizer on
// the initial weights), which is what kerago does with an unbuilt
// optimizer from a file.
func TestKerasFitRefs(t *testing.T) {
	for _, c := range kerasFitRefCases {
		src := filepath.Join(shared, "fit-refs", c)
		t.Run(c, func(t *testing.T) {
			t.Parallel()
			ref := readKerasFitRef(t, src)
			dir := t.TempDir()
			for _, f := range []string{"init.keras", "x.npy", "y.npy"} {
				copyFile(t, filepath.Join(src, f), filepath.Join(dir, f))
			}
			args := []string{"fit", "init.keras", "--x", "x.npy", "--y", "y.npy", "--output", "trained.keras",
				"--epochs", fmt.Sprint(ref.Fit.Epochs), "--batch-size", fmt.Sprint(ref.Fit.BatchSize),
				"--shuffle=false", "--history", "history.json"}
			r := run(t, dir, "", args...)
			// init.keras holds a compiled, never trained model: its optimizer
			// stored only iteration and learning_rate, which Keras also skips
			// with a warning.
			if r.code != 0 || (r.stderr != "" && !strings.HasPrefix(r.stderr, "kerago: warning: optimizer state not restored: the file has 2 optimizer variables")) {
				t.Fatalf("kerago %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
			}
			worst := checkHistory(t, filepath.Join(dir, "history.json"), ref, 0)
			checkFinal(t, dir, "trained.keras", src)
			t.Logf("worst per-epoch log rel %.2g", worst)
		})
	}
}

// TestKerasFitRefsResume checks each optimizer's saved state: training half
// the epochs, saving (the optimizer variables go into the .keras file in
// Keras's layout), loading and training the rest reproduces Keras's
// uninterrupted run.
func TestKerasFitRefsResume(t *testing.T) {
	for _, c := range kerasFitRefCases[:8] {
		src := filepath.Join(shared, "fit-refs", c)
		t.Run(c, func(t *testing.T) {
			t.Parallel()
			ref := readKerasFitRef(t, src)
			dir := t.TempDir()
			for _, f := range []string{"init.keras", "x.npy", "y.npy"} {
				copyFile(t, filepath.Join(src, f), filepath.Join(dir, f))
			}
			half := ref.Fit.Epochs / 2
			common := []string{"--x", "x.npy", "--y", "y.npy", "--batch-size", fmt.Sprint(ref.Fit.BatchSize), "--shuffle=false"}
			okFit(t, dir, append([]string{"fit", "init.keras", "--output", "half.keras", "--epochs", fmt.Sprint(half),
				"--history", "h1.json"}, common...)...)
			okFit(t, dir, append([]string{"fit", "half.keras", "--output", "full.keras",
				"--epochs", fmt.Sprint(ref.Fit.Epochs - half), "--history", "h2.json"}, common...)...)
			checkHistory(t, filepath.Join(dir, "h1.json"), ref, 0)
			checkHistory(t, filepath.Join(dir, "h2.json"), ref, half)
			checkFinal(t, dir, "full.keras", src)
		})
	}
}

// TestLossScaleOptimizerFit trains a file whose optimizer is a Keras 3
// LossScaleOptimizer around Adam (fit_adam_log_cosh's init.keras with the
// optimizer wrapped as LossScaleOptimizer.get_config() writes it): the
// loss scaling is exact in float32, so kerago fit reproduces Keras's Adam
// reference, and the trained file keeps the wrapper.
func TestLossScaleOptimizerFit(t *testing.T) {
	src := filepath.Join(shared, "fit-refs", "fit_adam_log_cosh")
	ref := readKerasFitRef(t, src)
	dir := t.TempDir()
	rewriteKerasConfig(t, filepath.Join(src, "init.keras"), filepath.Join(dir, "lso.keras"), func(cfg map[string]any) {
		cc := cfg["compile_config"].(map[string]any)
		cc["optimizer"] = map[string]any{"module": "keras.optimizers", "class_name": "LossScaleOptimizer",
			"config": map[string]any{"name": "loss_scale_optimizer", "inner_optimizer": cc["optimizer"],
				"initial_scale": 32768.0, "dynamic_growth_steps": 2000},
			"registered_name": nil}
	})
	copyFile(t, filepath.Join(src, "x.npy"), filepath.Join(dir, "x.npy"))
	copyFile(t, filepath.Join(src, "y.npy"), filepath.Join(dir, "y.npy"))
	okFit(t, dir, "fit", "lso.keras", "--x", "x.npy", "--y", "y.npy", "--output", "trained.keras",
		"--epochs", fmt.Sprint(ref.Fit.Epochs), "--batch-size", fmt.Sprint(ref.Fit.BatchSize),
		"--shuffle=false", "--history", "history.json")
	checkHistory(t, filepath.Join(dir, "history.json"), ref, 0)
	checkFinal(t, dir, "trained.keras", src)
	info := inspectJSONOf(t, dir, "trained.keras")
	if info.CompileConfig == nil || info.CompileConfig.Optimizer == nil || info.CompileConfig.Optimizer.ClassName != "LossScaleOptimizer" {
		t.Errorf("trained.keras compile config %+v, want a LossScaleOptimizer", info.CompileConfig)
	}
}

// rewriteKerasConfig copies a .keras archive, passing its config.json
// through edit.
func rewriteKerasConfig(t *testing.T, src, dst string, edit func(map[string]any)) {
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
			edit(cfg)
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

// okFit runs kerago and fails the test unless it succeeds with no output on
// standard error other than the warning Keras also gives for a compiled,
// never trained file: its optimizer stored only iteration and learning_rate.
func okFit(t *testing.T, dir string, args ...string) result {
	t.Helper()
	r := run(t, dir, "", args...)
	if r.code != 0 || (r.stderr != "" && !strings.HasPrefix(r.stderr, "kerago: warning: optimizer state not restored: the file has 2 optimizer variables")) {
		t.Fatalf("kerago %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	return r
}
