package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/tensor"
)

// BenchmarkLSTMStep is one training step of the LSTM workload of
// ../shared/bench/torch_reference.py (lstm_step): Embedding(10000, 64)
// LSTM(64) Dense(1, sigmoid), binary crossentropy, Adam, a batch of 64
// sequences of 50 token ids uniform in [0, 10000).
func BenchmarkLSTMStep(b *testing.B) {
	m, err := keras.NewSequential(layers.Input(50),
		layers.Embedding(10000, 64, layers.EmbeddingConfig{}),
		layers.LSTM(64, layers.DefaultRNNConfig()),
		layers.Dense(1, layers.WithActivation("sigmoid")))
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Compile(keras.CompileConfig{Optimizer: "adam", Loss: "binary_crossentropy"}); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	x, _ := tensor.New(64, 50)
	for i := range x.Data() {
		x.Data()[i] = float32(r.IntN(10000))
	}
	y, _ := tensor.New(64, 1)
	for i := range y.Data() {
		y.Data()[i] = float32(r.IntN(2))
	}
	benchTrainSteps(b, m, x, y)
}
