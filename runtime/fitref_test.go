package runtime

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/tensor"
)

const fitRefDir = "../testdata/runtime/fit_sgd_momentum_mse"

type fitHistory struct {
	Epochs    int `json:"epochs"`
	BatchSize int `json:"batch_size"`
	Shuffle   bool
	Optimizer struct {
		Name         string  `json:"name"`
		LearningRate float64 `json:"learning_rate"`
		Momentum     float64 `json:"momentum"`
		Nesterov     bool    `json:"nesterov"`
	} `json:"optimizer"`
	Loss    string `json:"loss"`
	History struct {
		Loss []float64 `json:"loss"`
	} `json:"history"`
}

func loadNpyDir(t *testing.T, dir string) []*tensor.Tensor {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.npy"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var out []*tensor.Tensor
	for _, f := range files {
		w, err := tensor.LoadNpy(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, w)
	}
	return out
}

func mustNpy(t *testing.T, path string) *tensor.Tensor {
	t.Helper()
	w, err := tensor.LoadNpy(path)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// fitRefNet is the fit-ref's 2-10-10-2 relu MLP with the given weights.
func fitRefNet(t *testing.T, weights []*tensor.Tensor) (*Network, []*Variable) {
	t.Helper()
	if len(weights) != 6 {
		t.Fatalf("%d weight files, want 6", len(weights))
	}
	acts := []string{"relu", "relu", "linear"}
	var stages []Stage
	var vars []*Variable
	mse, err := kernels.LossByName("mse")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		k := newVar("dense/kernel", weights[2*i].Clone(), true)
		b := newVar("dense/bias", weights[2*i+1].Clone(), true)
		a := mustAct(t, acts[i], 3)
		stages = append(stages, &denseStage{kernel: k, bias: b, act: a})
		vars = append(vars, k, b)
	}
	net, err := NewNetwork(NetworkConfig{InputShape: []int{2}, Stages: stages, Variables: vars, Loss: mse})
	if err != nil {
		t.Fatal(err)
	}
	return net, vars
}

// TestFitRefSGDMomentum reproduces Keras 3.15.1's fit(epochs=20,
// batch_size=32, shuffle=False) with SGD(0.01, momentum=0.9) and mse from
// the same initial weights: TrainStep gives the batch losses and gradients,
// the SGD-momentum update is written inline (Keras: m = −g·lr + m·μ;
// w += m), the epoch loss is the batch-size-weighted mean of the
// pre-update batch losses (spec §6.2).
func TestFitRefSGDMomentum(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(fitRefDir, "history.json"))
	if err != nil {
		t.Fatal(err)
	}
	var h fitHistory
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	if h.Optimizer.Name != "sgd" || h.Optimizer.Nesterov || h.Loss != "mse" || h.Shuffle {
		t.Fatalf("unexpected fit configuration %+v", h)
	}
	x := mustNpy(t, filepath.Join(fitRefDir, "x.npy"))
	y := mustNpy(t, filepath.Join(fitRefDir, "y.npy"))
	final := loadNpyDir(t, filepath.Join(fitRefDir, "final"))

	// The final weights reproduce Keras's final predictions: this pins the
	// architecture (relu, relu, linear).
	fnet, _ := fitRefNet(t, final)
	fp, err := fnet.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	if ok, worst, diff := tensor.AllClose(fp, mustNpy(t, filepath.Join(fitRefDir, "final_pred.npy")), 1e-5, 1e-5); !ok {
		t.Fatalf("predict with Keras's final weights: element %d off by %g", worst, diff)
	}

	net, vars := fitRefNet(t, loadNpyDir(t, filepath.Join(fitRefDir, "init")))
	lr := float32(h.Optimizer.LearningRate)
	mu := float32(h.Optimizer.Momentum)
	mom := make([][]float32, len(vars))
	for i, v := range vars {
		mom[i] = make([]float32, v.Value.Len())
	}
	n := x.Dim(0)
	worstRel := 0.0
	for epoch := 0; epoch < h.Epochs; epoch++ {
		var total, count float32
		for start := 0; start < n; start += h.BatchSize {
			end := min(start+h.BatchSize, n)
			xb, _ := x.SliceRows(start, end)
			yb, _ := y.SliceRows(start, end)
			res, err := net.TrainStep(xb, yb, nil)
			if err != nil {
				t.Fatal(err)
			}
			// keras.metrics.Mean with sample_weight = batch size
			bs := float32(end - start)
			total += res.Loss * bs
			count += bs
			for i, v := range net.TrainableVariables() {
				w, g, m := v.Value.Data(), res.Grads[i], mom[i]
				for j := range w {
					m[j] = -g[j]*lr + m[j]*mu
					w[j] += m[j]
				}
			}
		}
		got := float64(total / count)
		want := h.History.Loss[epoch]
		worstRel = math.Max(worstRel, math.Abs(got-want)/math.Abs(want))
		if math.Abs(got-want) > 1e-5*math.Abs(want) {
			t.Fatalf("epoch %d: loss %.9g, Keras %.9g (rel %.2g)", epoch+1, got, want, math.Abs(got-want)/want)
		}
	}
	worstW := 0.0
	for i, v := range vars {
		if ok, worst, diff := tensor.AllClose(v.Value, final[i], 1e-5, 1e-5); !ok {
			t.Fatalf("final weight %d: element %d off by %g", i, worst, diff)
		}
		for j, w := range v.Value.Data() {
			worstW = math.Max(worstW, math.Abs(float64(w-final[i].Data()[j])))
		}
	}
	t.Logf("20 epochs: worst relative epoch-loss difference %.2g, worst absolute final-weight difference %.2g", worstRel, worstW)
}
