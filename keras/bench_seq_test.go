package keras

import (
	"math/rand/v2"
	"testing"

	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/tensor"
)

// BenchmarkTrainStepLSTM is the sequence training step of issue 11:
// Embedding(10000, 64), LSTM(64), Dense(1, sigmoid), binary crossentropy,
// Adam, a batch of 64 sequences of 50 ids. The baseline in the same run is
// the same model with GlobalAveragePooling1D in place of the LSTM (the
// cost of everything but the recurrence). lstm_dropout (dropout=0.2) and
// lstm_recurrent_dropout (both 0.2: per-gate masks, one product per gate)
// price dropout:
//
//	go test ./keras -run '^$' -bench TrainStepLSTM -count 6 | tee lstm.txt; benchstat lstm.txt
func BenchmarkTrainStepLSTM(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 7))
	ids := make([]float32, 64*50)
	for i := range ids {
		ids[i] = float32(r.IntN(10000))
	}
	x, _ := tensor.FromSlice(ids, 64, 50)
	yd := make([]float32, 64)
	for i := range yd {
		yd[i] = float32(r.IntN(2))
	}
	y, _ := tensor.FromSlice(yd, 64, 1)
	for _, c := range []struct {
		name string
		mid  layers.Layer
	}{
		{"lstm", layers.LSTM(64, layers.DefaultRNNConfig())},
		{"lstm_dropout", layers.LSTM(64, dropoutCfg(0.2, 0))},
		{"lstm_recurrent_dropout", layers.LSTM(64, dropoutCfg(0.2, 0.2))},
		{"baseline_gap", layers.GlobalAveragePooling1D()},
	} {
		b.Run(c.name, func(b *testing.B) {
			m, err := NewSequential(layers.Input(50), layers.Embedding(10000, 64, layers.EmbeddingConfig{}), c.mid,
				layers.Dense(1, layers.WithActivation("sigmoid")))
			if err != nil {
				b.Fatal(err)
			}
			if err := m.Compile(CompileConfig{Optimizer: "adam", Loss: "binary_crossentropy"}); err != nil {
				b.Fatal(err)
			}
			if _, err := m.TrainOnBatch(x, y, nil); err != nil { // warm-up: compile the step program
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.TrainOnBatch(x, y, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// dropoutCfg is Keras's default RNN config with dropout and
// recurrent_dropout.
func dropoutCfg(d, rd float64) layers.RNNConfig {
	c := layers.DefaultRNNConfig()
	c.Dropout, c.RecurrentDropout = d, rd
	return c
}
