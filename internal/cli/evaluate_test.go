package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/tensor"
)

func runJSON(t *testing.T, args ...string) map[string]float64 {
	t.Helper()
	var out, errb bytes.Buffer
	if code := Run(context.Background(), args, Env{Stdout: &out, Stderr: &errb}); code != ExitOK {
		t.Fatalf("kerago %v: exit %d: %s", args, code, errb.String())
	}
	var got map[string]float64
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("--json output %q: %v", out.String(), err)
	}
	return got
}

func mustNpy(t *testing.T, path string) *tensor.Tensor {
	t.Helper()
	x, err := tensor.LoadNpy(path)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestEvaluateMatchesKerasValLoss: Keras's val_loss of the last epoch of
// fit_adam_mse_valsplit is model.evaluate(x[80:], y[80:], batch_size=32)
// with the final weights (Keras 3.15.1). kerago evaluate on a model holding
// those weights reproduces it within 1e-5 relative.
func TestEvaluateMatchesKerasValLoss(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "fit-refs", "fit_adam_mse_valsplit")
	b, err := os.ReadFile(filepath.Join(dir, "history.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		History  map[string][]float64 `json:"history"`
		VarNames []string             `json:"var_names"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	m, err := keras.NewSequential(
		layers.Dense(10, layers.WithActivation("relu"), layers.WithInputShape(2), layers.WithName("dense_1")),
		layers.Dense(10, layers.WithActivation("relu"), layers.WithName("dense_2")),
		layers.Dense(2, layers.WithName("dense_3")))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "final"))
	if err != nil {
		t.Fatal(err)
	}
	var ws []*tensor.Tensor
	for _, e := range entries {
		ws = append(ws, mustNpy(t, filepath.Join(dir, "final", e.Name())))
	}
	if err := m.SetWeights(ws); err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(keras.CompileConfig{Optimizer: "adam", Loss: "mse", Metrics: []any{"mae"}}); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	model := filepath.Join(tmp, "final.keras")
	if err := m.Save(model); err != nil {
		t.Fatal(err)
	}
	x, y := mustNpy(t, filepath.Join(dir, "x.npy")), mustNpy(t, filepath.Join(dir, "y.npy"))
	xv, err := x.SliceRows(80, x.Dim(0))
	if err != nil {
		t.Fatal(err)
	}
	yv, err := y.SliceRows(80, y.Dim(0))
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]*tensor.Tensor{"xv.npy": xv, "yv.npy": yv} {
		if err := tensor.SaveNpy(filepath.Join(tmp, name), v); err != nil {
			t.Fatal(err)
		}
	}
	got := runJSON(t, "evaluate", model, "--x", filepath.Join(tmp, "xv.npy"), "--y", filepath.Join(tmp, "yv.npy"), "--json")
	vl := ref.History["val_loss"]
	want := vl[len(vl)-1]
	if math.Abs(got["loss"]-want) > 1e-5*math.Abs(want) {
		t.Fatalf("loss %v, Keras's val_loss %v", got["loss"], want)
	}
	if _, ok := got["mae"]; !ok {
		t.Fatalf("no mae in %v", got)
	}
	// --loss/--metrics replace the compile config: mae as the loss equals
	// the mae metric just computed.
	got2 := runJSON(t, "evaluate", model, "--x", filepath.Join(tmp, "xv.npy"), "--y", filepath.Join(tmp, "yv.npy"), "--json", "--loss", "mae", "--metrics", "")
	if len(got2) != 1 || math.Abs(got2["loss"]-got["mae"]) > 1e-6*got["mae"] {
		t.Fatalf("--loss mae --metrics '': %v, want loss = mae %v", got2, got["mae"])
	}
}

// TestEvaluateKerasCases runs kerago evaluate on the keras-cases saved
// compiled (binary_crossentropy/categorical_crossentropy + "accuracy"),
// each file format, against a float64 re-derivation from Keras's own
// predictions (y.npy) with labels chosen here.
func TestEvaluateKerasCases(t *testing.T) {
	for _, c := range []string{"binary_classifier", "multiclass_classifier"} {
		dir := filepath.Join("..", "..", "testdata", "keras-cases", c)
		p := mustNpy(t, filepath.Join(dir, "y.npy"))
		n, k := p.Dim(0), p.Dim(1)
		y := tensor.Zeros(n, k)
		var loss, acc float64
		for i := 0; i < n; i++ {
			row := p.Data()[i*k : (i+1)*k]
			if k == 1 {
				lab := float64(i % 2)
				y.Data()[i] = float32(lab)
				q := float64(row[0])
				loss -= (lab*math.Log(q) + (1-lab)*math.Log(1-q)) / float64(n)
				if (q > 0.5) == (lab == 1) {
					acc += 1 / float64(n)
				}
				continue
			}
			lab := (i * 5) % k
			y.Data()[i*k+lab] = 1
			loss -= math.Log(float64(row[lab])) / float64(n)
			best := 0
			for j := range row {
				if row[j] > row[best] {
					best = j
				}
			}
			if best == lab {
				acc += 1 / float64(n)
			}
		}
		ypath := filepath.Join(t.TempDir(), "labels.npy")
		if err := tensor.SaveNpy(ypath, y); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"model.keras", "model.h5"} {
			got := runJSON(t, "evaluate", filepath.Join(dir, f), "--x", filepath.Join(dir, "x.npy"), "--y", ypath, "--json", "--batch-size", "7")
			if math.Abs(got["loss"]-loss) > 1e-5*loss || math.Abs(got["accuracy"]-acc) > 1e-6 {
				t.Errorf("%s/%s: %v, float64 reference loss %v accuracy %v", c, f, got, loss, acc)
			}
		}
	}
}
