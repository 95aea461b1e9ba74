package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
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
	ok(t, dir, "convert", model, out, "--format", "npy-dir")
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
			ok(t, dir, "fit", "init.keras", "--x", "x.npy", "--y", "y.npy", "--output", "trained.keras",
				"--epochs", fmt.Sprint(ref.Fit.Epochs), "--batch-size", fmt.Sprint(ref.Fit.BatchSize),
				"--shuffle=false", "--history", "history.json")
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
			ok(t, dir, append([]string{"fit", "init.keras", "--output", "half.keras", "--epochs", fmt.Sprint(half),
				"--history", "h1.json"}, common...)...)
			ok(t, dir, append([]string{"fit", "half.keras", "--output", "full.keras",
				"--epochs", fmt.Sprint(ref.Fit.Epochs - half), "--history", "h2.json"}, common...)...)
			checkHistory(t, filepath.Join(dir, "h1.json"), ref, 0)
			checkHistory(t, filepath.Join(dir, "h2.json"), ref, half)
			checkFinal(t, dir, "full.keras", src)
		})
	}
}
