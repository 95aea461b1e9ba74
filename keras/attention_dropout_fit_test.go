package keras

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/tensor"
)

// TestFitAttentionDropout fits a functional model whose only path from
// input to output goes through MultiHeadAttention(num_heads=2, key_dim=4,
// dropout=0.1) on [x, x] (then GlobalAveragePooling1D and Dense) on a
// learnable toy task (the target is the mean over time of the first
// feature) and checks that Fit runs, that the training loss falls well
// below its first epoch's, and that Predict, which applies no dropout, is
// deterministic.
func TestFitAttentionDropout(t *testing.T) {
	const N, T, F = 64, 6, 3
	r := rand.New(rand.NewPCG(23, 24))
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
	in := Input(T, F)
	a := layers.MultiHeadAttention(layers.MHAConfig{NumHeads: 2, KeyDim: 4, UseBias: true, Dropout: 0.1}).Call(in, in)
	h := layers.GlobalAveragePooling1D().Call(a)
	out := layers.Dense(1).Call(h)
	m, err := NewModel([]*layers.Node{in}, []*layers.Node{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(CompileConfig{Optimizer: "adam", Loss: "mse"}); err != nil {
		t.Fatal(err)
	}
	hist, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 40, BatchSize: 16, Shuffle: ShuffleOff, Verbose: Silent})
	if err != nil {
		t.Fatal(err)
	}
	losses := hist.History["loss"]
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
}
