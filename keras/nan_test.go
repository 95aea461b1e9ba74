package keras

import (
	"context"
	"math"
	"testing"

	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
)

// nanProbe builds Input(4) → Dense(4) with an identity kernel and bias
// [NaN, 0, 0, 0] → layer, so the layer sees [NaN, x1, x2, x3] with finite
// inputs (kerago refuses NaN inputs; a diverged model has NaN weights).
func nanProbe(t *testing.T, l layers.Layer) *Model {
	t.Helper()
	m, err := NewSequential(layers.Input(4), layers.Dense(4), l)
	if err != nil {
		t.Fatal(err)
	}
	ws := m.GetWeights()
	k, b := ws[0].Data(), ws[1].Data()
	for i := range k {
		k[i] = 0
	}
	for i := 0; i < 4; i++ {
		k[i*4+i] = 1
		b[i] = 0
	}
	b[0] = float32(math.NaN())
	if err := m.SetWeights(ws); err != nil {
		t.Fatal(err)
	}
	return m
}

// nanWant says, per output element, whether Keras's output is NaN.
type nanWant []bool

var (
	firstNaN = nanWant{true, false, false, false}
	allNaN   = nanWant{true, true, true, true}
	noNaN    = nanWant{false, false, false, false}
)

// TestNaNPropagatesThroughActivations: a NaN pre-activation gives NaN
// wherever Keras 3's TensorFlow backend (keras/src/backend/tensorflow/nn.py,
// activations/activations.py at v3.15.1) gives NaN, and only there. The
// exceptions to "NaN in, NaN out" come from the source: hard_shrink and
// soft_shrink are tf.where(|x| > t, …, 0) (so NaN → 0, as in JAX; torch
// keeps NaN), and ReLU with a threshold is where(x > θ, x, 0)
// (ReLU.static_call). softmax and log_softmax spread the NaN over the row
// (the row's max and sum are NaN). sparsemax is not checked (NaN ordering
// in tf.sort is unspecified).
func TestNaNPropagatesThroughActivations(t *testing.T) {
	x := mustT(t, []float32{0.3, -0.7, 1.5, 0}, 1, 4)
	special := map[string]nanWant{
		"hard_shrink": noNaN, "soft_shrink": noNaN,
		"softmax": allNaN, "log_softmax": allNaN,
		"glu": {true, false}, "linear": firstNaN,
	}
	for _, name := range runtime.ActivationNames() {
		if name == "sparsemax" {
			continue
		}
		want, ok := special[name]
		if !ok {
			want = firstNaN
		}
		t.Run(name, func(t *testing.T) {
			checkNaN(t, nanProbe(t, layers.Activation(name)), x, want)
		})
	}
	for _, tc := range []struct {
		name string
		l    layers.Layer
		want nanWant
	}{
		{"ReLU", layers.ReLU(), firstNaN},
		{"ReLU(max_value=6)", layers.ReLU(layers.WithMaxValue(6)), firstNaN},
		{"ReLU(max_value=1)", layers.ReLU(layers.WithMaxValue(1)), firstNaN},
		{"ReLU(negative_slope=0.1)", layers.ReLU(layers.WithNegativeSlope(0.1)), firstNaN},
		{"ReLU(threshold=0.5)", layers.ReLU(layers.WithThreshold(0.5)), noNaN},
		{"ReLU(negative_slope=0.1,threshold=0.5)", layers.ReLU(layers.WithNegativeSlope(0.1), layers.WithThreshold(0.5)), firstNaN},
		{"LeakyReLU", layers.LeakyReLU(), firstNaN},
		{"ELU", layers.ELU(), firstNaN},
		{"PReLU", layers.PReLU(), firstNaN},
		{"Softmax", layers.Softmax(), allNaN},
		// Keras 2: inputs · cast(inputs > θ) keeps NaN.
		{"ThresholdedReLU", layers.ThresholdedReLU(), firstNaN},
		// Inference: (x − moving_mean)·γ/sqrt(moving_var+ε) + β per channel.
		{"BatchNormalization", layers.BatchNormalization(), firstNaN},
		// The sample's mean and variance are NaN, so every feature is.
		{"LayerNormalization", layers.LayerNormalization(), allNaN},
		{"Normalization", layers.Normalization(layers.WithMean(0), layers.WithVariance(1)), firstNaN},
		{"Dropout", layers.Dropout(0.5), firstNaN},
		{"Dense", layers.Dense(2), nanWant{true, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkNaN(t, nanProbe(t, tc.l), x, tc.want)
		})
	}
}

func checkNaN(t *testing.T, m *Model, x *tensor.Tensor, want nanWant) {
	t.Helper()
	y, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	got := y.Data()
	if len(got) != len(want) {
		t.Fatalf("output %v, want %d values", got, len(want))
	}
	for i, w := range want {
		if isNaN := got[i] != got[i]; isNaN != w {
			t.Fatalf("output %v: element %d NaN = %v, Keras: %v", got, i, isNaN, w)
		}
	}
}

// TestDivergedFitLeavesNaN: one NaN in the first kernel (a diverged
// weight) under Dense(3, relu) → BatchNormalization → Dense(1). In Keras the
// first training step sees NaN only in channel 0 before the batch
// normalization, so channel 0's moving mean and variance become NaN and the
// others take finite batch statistics; the loss is NaN, so every gradient
// and after SGD's update every trainable weight is NaN. The second step
// runs on NaN weights: every moving statistic becomes NaN. The finite
// moving statistics after step one are checked against a float64
// re-derivation of the forward pass.
func TestDivergedFitLeavesNaN(t *testing.T) {
	m, err := NewSequential(layers.Input(2), layers.Dense(3, layers.WithActivation("relu")),
		layers.BatchNormalization(), layers.Dense(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(CompileConfig{Optimizer: "sgd", Loss: "mse"}); err != nil {
		t.Fatal(err)
	}
	ws := m.GetWeights()
	// Dense kernel (2,3), bias (3); BN gamma, beta, moving_mean, moving_var; Dense (3,1), (1).
	copy(ws[0].Data(), []float32{float32(math.NaN()), 0.5, -0.25, 0.75, 1, 0.5})
	copy(ws[1].Data(), []float32{0.1, 0.2, 0.3})
	if err := m.SetWeights(ws); err != nil {
		t.Fatal(err)
	}
	xs := []float32{1, 2, -1, 0.5, 0.25, -0.5, 2, 1}
	x := mustT(t, xs, 4, 2)
	y := mustT(t, []float32{1, 0, 1, 0}, 4, 1)
	hist, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 1, BatchSize: 4, Shuffle: ShuffleOff, Verbose: Silent})
	if err != nil {
		t.Fatal(err)
	}
	if l := hist.History["loss"][0]; !math.IsNaN(l) {
		t.Fatalf("loss %v, Keras: NaN", l)
	}
	ws = m.GetWeights()
	for _, i := range []int{0, 1, 2, 3, 6, 7} {
		for j, v := range ws[i].Data() {
			if v == v {
				t.Fatalf("trainable weight %d[%d] = %v after a NaN loss step, Keras: NaN", i, j, v)
			}
		}
	}
	// Channels 1, 2: relu(x·W+b) batch mean and (biased) variance, float64.
	k := [][]float64{{0, 0.5, -0.25}, {0.75, 1, 0.5}}
	bias := []float64{0.1, 0.2, 0.3}
	for ch := 1; ch < 3; ch++ {
		var h [4]float64
		var mean float64
		for s := 0; s < 4; s++ {
			v := float64(xs[2*s])*k[0][ch] + float64(xs[2*s+1])*k[1][ch] + bias[ch]
			h[s] = math.Max(v, 0)
			mean += h[s] / 4
		}
		var vr float64
		for s := range h {
			vr += (h[s] - mean) * (h[s] - mean) / 4
		}
		// moving = moving·0.99 + batch·0.01 from 0 and 1.
		wantMean, wantVar := 0.01*mean, 0.99+0.01*vr
		if got := float64(ws[4].Data()[ch]); math.Abs(got-wantMean) > 1e-6 {
			t.Errorf("moving_mean[%d] = %v, float64 reference %v", ch, got, wantMean)
		}
		if got := float64(ws[5].Data()[ch]); math.Abs(got-wantVar) > 1e-6 {
			t.Errorf("moving_variance[%d] = %v, float64 reference %v", ch, got, wantVar)
		}
	}
	if v := ws[4].Data()[0]; v == v {
		t.Errorf("moving_mean[0] = %v, Keras: NaN (channel 0 saw NaN)", v)
	}
	if v := ws[5].Data()[0]; v == v {
		t.Errorf("moving_variance[0] = %v, Keras: NaN", v)
	}
	if _, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 1, BatchSize: 4, Shuffle: ShuffleOff, Verbose: Silent}); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{4, 5} {
		for j, v := range m.GetWeights()[i].Data() {
			if v == v {
				t.Errorf("moving statistic %d[%d] = %v after a step on NaN weights, Keras: NaN", i, j, v)
			}
		}
	}
}

func mustT(t *testing.T, data []float32, shape ...int) *tensor.Tensor {
	t.Helper()
	x, err := tensor.FromSlice(data, shape...)
	if err != nil {
		t.Fatal(err)
	}
	return x
}
