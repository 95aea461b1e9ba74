package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/kerago/kerago/internal/cli/history"
	"github.com/kerago/kerago/tensor"
)

// layerFitCases are the fit references over layers beyond Dense, with the
// tolerances keras/fitrefs_layers_test.go measures and explains (1e-5 unless
// summation-order noise forces more).
var layerFitCases = []struct {
	name              string
	logRel, weightAbs float64
}{
	{"fit_cnn_scce", 1e-5, 1e-5},
	{"fit_depthwise_bn_huber", 2e-5, 1e-5},
	{"fit_conv1d_adamw_mae", 1e-5, 2e-4},
	{"fit_multi_io", 1e-5, 1e-5},
	{"fit_embedding_bce", 1e-5, 1e-5},
	{"fit_lstm_valsplit", 1e-5, 1e-5},
}

// TestFitRefsLayers trains each reference with kerago fit from its
// init.keras, as a user would, and compares the history file and the
// trained weights (converted to an npy directory) with Keras's.
func TestFitRefsLayers(t *testing.T) {
	for _, c := range layerFitCases {
		src, _ := filepath.Abs(filepath.Join(shared, "fit-refs-layers", c.name))
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ref := readKerasFitRef(t, src)
			dir := t.TempDir()
			args := []string{"fit", filepath.Join(src, "init.keras")}
			for _, stem := range []string{"x", "y"} {
				if _, err := os.Stat(filepath.Join(src, stem+".npy")); err == nil {
					args = append(args, "--"+stem, filepath.Join(src, stem+".npy"))
					continue
				}
				for i := 0; ; i++ {
					p := filepath.Join(src, fmt.Sprintf("%s%d.npy", stem, i))
					if _, err := os.Stat(p); err != nil {
						break
					}
					args = append(args, "--"+stem, p)
				}
			}
			args = append(args, "--output", "trained.npz", "--epochs", fmt.Sprint(ref.Fit.Epochs),
				"--batch-size", fmt.Sprint(ref.Fit.BatchSize), "--shuffle=false", "--history", "history.json")
			if ref.Fit.ValidationSplit > 0 {
				args = append(args, "--validation-split", fmt.Sprint(ref.Fit.ValidationSplit))
			}
			okFit(t, dir, args...)
			got, err := history.ReadJSON(filepath.Join(dir, "history.json"))
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for k, want := range ref.History {
				g := got.Values[k]
				if len(g) != len(want) {
					t.Fatalf("%s: %d epochs, Keras %d (history keys %v)", k, len(g), len(want), got.Keys)
				}
				for e := range want {
					rel := math.Abs(g[e]-want[e]) / math.Abs(want[e])
					worst = math.Max(worst, rel)
					if rel > c.logRel {
						t.Errorf("%s epoch %d: %.9g, Keras %.9g (rel %.2g)", k, e+1, g[e], want[e], rel)
					}
				}
			}
			arrays, names, err := tensor.ReadNpz(filepath.Join(dir, "trained.npz"))
			if err != nil {
				t.Fatal(err)
			}
			want := finalWeights(t, src)
			if len(names) != len(want) {
				t.Fatalf("%d variables %v, Keras %d", len(names), names, len(want))
			}
			for i, n := range names {
				allclose(t, n, arrays[n], want[i], c.weightAbs, c.weightAbs)
			}
			t.Logf("worst per-epoch log rel %.2g", worst)
		})
	}
}
