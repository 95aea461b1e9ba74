package keras

import (
	"math"
	"testing"

	"github.com/kerago/kerago/keras/layers"
)

// TestCrossentropyOnLogits: a saturated sigmoid/softmax output (float32
// rounds the probability to exactly 1). Keras's TensorFlow backend takes
// the logits behind the activation (nn.py _get_logits): the loss is the
// float64 logit formula and the gradient moves the weights. The torch/jax
// backends (ClippedCrossentropy) clip p to 1−1e-7: the loss is
// −log(1 − float32(1 − 1e-7)) and the gradient is 0.
func TestCrossentropyOnLogits(t *testing.T) {
	const z = 30.0 // the logit; sigmoid(30) and softmax([30, 0]) round to 1 in float32
	// binary, label 0: p clipped to float32(1 − 1e-7); categorical, the
	// label's p = e^−30 clipped up to 1e-7.
	clippedBinary := -math.Log(1 - float64(float32(1)-float32(1e-7)))
	clippedCat := -math.Log(float64(float32(1e-7)))
	for _, tc := range []struct {
		name, loss, act string
		units           int
		y               []float32
		logitLoss, clip float64
	}{
		// label 0: max(z,0) − z·0 + log1p(exp(−z))
		{"binary", "binary_crossentropy", "sigmoid", 1, []float32{0}, z + math.Log1p(math.Exp(-z)), clippedBinary},
		// label [0, 1] on logits [z, 0]: logsumexp − 0
		{"categorical", "categorical_crossentropy", "softmax", 2, []float32{0, 1}, z + math.Log1p(math.Exp(-z)), clippedCat},
		{"sparse", "sparse_categorical_crossentropy", "softmax", 2, []float32{1}, z + math.Log1p(math.Exp(-z)), clippedCat},
	} {
		for _, clipped := range []bool{false, true} {
			m, err := NewSequential(layers.Input(1), layers.Dense(tc.units, layers.WithActivation(tc.act)))
			if err != nil {
				t.Fatal(err)
			}
			ws := m.GetWeights()
			ws[0].Data()[0] = z // kernel: x=1 → logit z for unit 0, 0 for unit 1
			if tc.units == 2 {
				ws[0].Data()[1] = 0
			}
			if err := m.SetWeights(ws); err != nil {
				t.Fatal(err)
			}
			if err := m.Compile(CompileConfig{Optimizer: "sgd", Loss: tc.loss, ClippedCrossentropy: clipped}); err != nil {
				t.Fatal(err)
			}
			x := mustTensor(t, []float32{1}, 1, 1)
			y := mustTensor(t, tc.y, 1, len(tc.y))
			logs, err := m.TrainOnBatch(x, y, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := logs.Get("loss")
			want := tc.logitLoss
			if clipped {
				want = tc.clip
			}
			if math.Abs(got-want) > 1e-5*want {
				t.Errorf("%s clipped=%v: loss %v, want %v", tc.name, clipped, got, want)
			}
			moved := m.GetWeights()[0].Data()[0] != z
			if moved == clipped {
				t.Errorf("%s clipped=%v: kernel moved=%v (the logits' gradient is nonzero, the clipped one zero)", tc.name, clipped, moved)
			}
		}
	}
}
