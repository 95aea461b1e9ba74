package layers

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
)

func (m *caseModel) trainNet(t *testing.T, loss string) *runtime.Network {
	t.Helper()
	stages := make([]runtime.Stage, len(m.layers))
	for i, l := range m.layers {
		stages[i] = l
	}
	l, err := kernels.LossByName(loss)
	if err != nil {
		t.Fatal(err)
	}
	n, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: m.inShape, Stages: stages, Variables: m.vars, Loss: l, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTrainStepGradientsKerasModels differentiates whole Keras models
// (Dense stacks with all kinds of activations, Normalization) and compares
// TrainStep's gradients with central finite differences of TestStep's loss
// (both in float32, so with a loose tolerance; exact per-op checks are in
// package runtime).
func TestTrainStepGradientsKerasModels(t *testing.T) {
	for _, c := range []string{"mlp_activations", "normalization_adapted", "binary_classifier", "no_bias", "act_sparsemax", "act_glu"} {
		t.Run(c, func(t *testing.T) {
			dir := filepath.Join(casesDir, c)
			m := loadCase(t, dir)
			net := m.trainNet(t, "mse")
			x, _ := tensor.LoadNpy(filepath.Join(dir, "x.npy"))
			y, _ := tensor.LoadNpy(filepath.Join(dir, "y.npy"))
			r := rand.New(rand.NewPCG(1, 2))
			for i := range y.Data() { // targets away from the predictions
				y.Data()[i] += float32(r.NormFloat64())
			}
			res, err := net.TrainStep(x, y, nil)
			if err != nil {
				t.Fatal(err)
			}
			tl, _, err := net.TestStep(x, y, nil)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(float64(tl-res.Loss)) > 1e-6*math.Max(1, math.Abs(float64(tl))) {
				t.Fatalf("train loss %v, test loss %v (no dropout/BN: must agree)", res.Loss, tl)
			}
			tv := net.TrainableVariables()
			if len(res.Grads) != len(tv) {
				t.Fatalf("%d gradients for %d trainable variables", len(res.Grads), len(tv))
			}
			grads := make([][]float32, len(tv))
			for i := range grads {
				grads[i] = append([]float32(nil), res.Grads[i]...)
			}
			for vi, v := range tv {
				w := v.Value.Data()
				for k := 0; k < 8; k++ {
					j := r.IntN(len(w))
					old := w[j]
					g := float64(grads[vi][j])
					// relu and sparsemax have kinks: a large step may cross
					// one, a small step is dominated by float32 rounding, so
					// one of the steps must agree
					ok := false
					var fds []float64
					for _, h := range []float32{1e-2, 3e-3, 1e-3, 3e-4} {
						w[j] = old + h
						lp, _, _ := net.TestStep(x, y, nil)
						w[j] = old - h
						lm, _, _ := net.TestStep(x, y, nil)
						w[j] = old
						fd := float64(lp-lm) / float64(2*h)
						fds = append(fds, fd)
						ok = ok || math.Abs(g-fd) <= 1e-3+1e-2*math.Abs(fd)
					}
					if !ok {
						t.Fatalf("%s[%d]: gradient %v, finite differences %v", v.Path, j, g, fds)
					}
				}
			}
		})
	}
}

// TestTrainStepBatchNormDropout runs training steps on the Keras models with
// BatchNormalization and Dropout: moving statistics move toward the batch
// statistics, inference is unaffected by dropout.
func TestTrainStepBatchNormDropout(t *testing.T) {
	for _, c := range []string{"flatten_bn_first", "norm_dropout_flatten"} {
		t.Run(c, func(t *testing.T) {
			dir := filepath.Join(casesDir, c)
			m := loadCase(t, dir)
			net := m.trainNet(t, "mse")
			x, _ := tensor.LoadNpy(filepath.Join(dir, "x.npy"))
			y, _ := tensor.LoadNpy(filepath.Join(dir, "y.npy"))
			var bnMean, bnVar *runtime.Variable
			var bnLayer *BatchNormalizationLayer
			for _, l := range m.layers {
				if b, ok := l.(*BatchNormalizationLayer); ok && bnLayer == nil {
					bnLayer = b
					for _, v := range l.Variables() {
						switch v.Name {
						case "moving_mean":
							bnMean = v
						case "moving_variance":
							bnVar = v
						}
					}
				}
			}
			before := bnMean.Value.Clone()
			p1, err := net.Predict(x)
			if err != nil {
				t.Fatal(err)
			}
			res, err := net.TrainStep(x, y, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Grads) != len(net.TrainableVariables()) {
				t.Fatal("gradient count")
			}
			for i, g := range res.Grads {
				for _, v := range g {
					if math.IsNaN(float64(v)) {
						t.Fatalf("NaN gradient for %s", net.TrainableVariables()[i].Path)
					}
				}
			}
			changed := false
			for i, v := range bnMean.Value.Data() {
				if v != before.Data()[i] {
					changed = true
				}
			}
			if !changed {
				t.Fatal("moving_mean unchanged by a training step")
			}
			for _, v := range bnVar.Value.Data() {
				if v <= 0 {
					t.Fatalf("moving_variance %v", v)
				}
			}
			// freezing the BN layer: moving statistics stay put in training
			bnLayer.SetTrainable(false)
			net2 := m.trainNet(t, "mse")
			frozen := bnMean.Value.Clone()
			if _, err := net2.TrainStep(x, y, nil); err != nil {
				t.Fatal(err)
			}
			if ok, _, _ := tensor.AllClose(bnMean.Value, frozen, 0, 0); !ok {
				t.Fatal("a non-trainable BatchNormalization updated its moving statistics")
			}
			for _, v := range net2.TrainableVariables() {
				if v == bnMean || v.Path == bnLayer.Name()+"/gamma" {
					t.Fatalf("%s trainable after SetTrainable(false)", v.Path)
				}
			}
			// restore: predictions with the original statistics are unchanged
			copy(bnMean.Value.Data(), before.Data())
			_ = p1
		})
	}
}
