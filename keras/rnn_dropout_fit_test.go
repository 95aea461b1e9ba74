package keras

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/tensor"
)

// TestFitRecurrentDropout fits models with dropout=0.2, recurrent_dropout=0.2
// RNNs (LSTM; a Bidirectional GRU) on a learnable toy task (the target is
// the mean over time of the first feature) and checks that Fit runs, that
// the training loss falls well below its first epoch's, and that Predict,
// which applies no dropout, is deterministic.
func TestFitRecurrentDropout(t *testing.T) {
	const N, T, F = 64, 6, 3
	r := rand.New(rand.NewPCG(21, 22))
	x := tensor.Zeros(N, T, F)
	y := tensor.Zeros(N, 1)
	for i := 0; i < N; i++ {
		var s float32
		for j := 0; j < T; j++ {
			for k := 0; k < F; k++ {
				v := float32(r.NormFloat64())
				x.Data()[(i*T+j)*F+k] = v
				if k == 0 {
					s += v
				}
			}
		}
		y.Data()[i] = s / T
	}
	cfg := layers.DefaultRNNConfig()
	cfg.Dropout, cfg.RecurrentDropout = 0.2, 0.2
	for _, c := range []struct {
		name string
		rnn  layers.Layer
	}{
		{"lstm", layers.LSTM(16, cfg)},
		{"bidirectional gru", layers.Bidirectional(layers.GRU(8, cfg), nil, "concat")},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := NewSequential(layers.Input(T, F), c.rnn, layers.Dense(1))
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Compile(CompileConfig{Optimizer: "adam", Loss: "mse"}); err != nil {
				t.Fatal(err)
			}
			h, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 40, BatchSize: 16, Shuffle: ShuffleOff, Verbose: Silent})
			if err != nil {
				t.Fatal(err)
			}
			losses := h.History["loss"]
			first, last := losses[0], losses[len(losses)-1]
			t.Logf("loss: first epoch %.4g, epoch %d %.4g", first, len(losses), last)
			if !(last < 0.5*first) {
				t.Errorf("training loss %v after %d epochs, first epoch %v: it should fall below half", last, len(losses), first)
			}
			p1, err := m.Predict(x)
			if err != nil {
				t.Fatal(err)
			}
			p2, err := m.Predict(x)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range p1.Data() {
				if p2.Data()[i] != v {
					t.Fatalf("Predict is not deterministic: %v then %v", v, p2.Data()[i])
				}
			}
		})
	}
}
