package keras

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/keras/optimizers"
	"github.com/kerago/kerago/tensor"
)

type fitRef struct {
	Epochs         int                  `json:"epochs"`
	BatchSize      int                  `json:"batch_size"`
	Shuffle        bool                 `json:"shuffle"`
	FitKwargs      map[string]any       `json:"fit_kwargs"`
	Optimizer      map[string]any       `json:"optimizer"`
	OptimizerClass string               `json:"optimizer_class"`
	Loss           string               `json:"loss"`
	History        map[string][]float64 `json:"history"`
	VarNames       []string             `json:"var_names"`
}

// foundingModel is the README's network: Dense(10, relu) → Dense(10, relu)
// → Dense(2) on 2 inputs, the architecture of every fit-refs case.
func foundingModel(t testing.TB) *Model {
	m, err := NewSequential(
		layers.Dense(10, layers.WithActivation("relu"), layers.WithInputShape(2), layers.WithName("dense_1")),
		layers.Dense(10, layers.WithActivation("relu"), layers.WithName("dense_2")),
		layers.Dense(2, layers.WithName("dense_3")),
	)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestFitRefs reproduces real Keras training runs: per-epoch losses within
// 1e-5 relative and final weights within allclose(1e-5, 1e-5).
func TestFitRefs(t *testing.T) {
	root := filepath.Join(testdata, "fit-refs")
	for _, c := range caseDirs(t, root) {
		if _, err := os.Stat(filepath.Join(root, c, "fit.json")); err == nil {
			continue // Keras-saved layout: TestKerasFitRefs
		}
		t.Run(c, func(t *testing.T) {
			dir := filepath.Join(root, c)
			b, err := os.ReadFile(filepath.Join(dir, "history.json"))
			if err != nil {
				t.Fatal(err)
			}
			var ref fitRef
			if err := json.Unmarshal(b, &ref); err != nil {
				t.Fatal(err)
			}
			m := foundingModel(t)
			var init []*tensor.Tensor
			for i, name := range ref.VarNames {
				init = append(init, loadNpy(t, filepath.Join(dir, "init", twoDigits(i)+"_"+name+".npy")))
			}
			if err := m.SetWeights(init); err != nil {
				t.Fatal(err)
			}
			opt, err := optimizers.FromConfig(ref.OptimizerClass, ref.Optimizer)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Compile(CompileConfig{Optimizer: opt, Loss: ref.Loss}); err != nil {
				t.Fatal(err)
			}
			x := loadNpy(t, filepath.Join(dir, "x.npy"))
			y := loadNpy(t, filepath.Join(dir, "y.npy"))
			cfg := FitConfig{Epochs: ref.Epochs, BatchSize: ref.BatchSize, Shuffle: ShuffleOff, Verbose: Silent, Output: io.Discard}
			if ref.Shuffle {
				t.Fatal("reference run shuffled; cannot reproduce")
			}
			if vs, ok := ref.FitKwargs["validation_split"].(float64); ok {
				cfg.ValidationSplit = vs
			}
			hist, err := m.Fit(context.Background(), x, y, cfg)
			if err != nil {
				t.Fatal(err)
			}
			worstRel := 0.0
			for key, want := range ref.History {
				got := hist.History[key]
				if len(got) != len(want) {
					t.Fatalf("%s: %d epochs, want %d", key, len(got), len(want))
				}
				for e := range want {
					rel := math.Abs(got[e]-want[e]) / math.Abs(want[e])
					worstRel = math.Max(worstRel, rel)
					if rel > 1e-5 {
						t.Errorf("%s epoch %d: %.9g, Keras %.9g (rel %.2g)", key, e+1, got[e], want[e], rel)
					}
				}
			}
			t.Logf("worst per-epoch loss relative error %.2g", worstRel)
			ws := m.GetWeights()
			worstAbs := 0.0
			for i, name := range ref.VarNames {
				want := loadNpy(t, filepath.Join(dir, "final", twoDigits(i)+"_"+name+".npy"))
				assertClose(t, c+" final "+name, ws[i], want, 1e-5, 1e-5)
				for j, v := range ws[i].Data() {
					worstAbs = math.Max(worstAbs, math.Abs(float64(v)-float64(want.Data()[j])))
				}
			}
			t.Logf("worst final-weight absolute difference %.2g", worstAbs)
			pred, err := m.Predict(x)
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, c+" final_pred", pred, loadNpy(t, filepath.Join(dir, "final_pred.npy")), 1e-5, 1e-5)
		})
	}
}

func twoDigits(i int) string {
	return string([]byte{byte('0' + i/10), byte('0' + i%10)})
}
