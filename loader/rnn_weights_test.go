package loader

import (
	"testing"

	"github.com/kerago/kerago/tensor"
)

// toCuDNN is the reverse direction of spec keras-layers.md §7.8, written
// from the spec independently of fromCuDNN: K_g = reshape(flat(W_gᵀ),
// (F, u)), R_g = U_gᵀ, LSTM bias split as [b/2, b/2].
func toCuDNN(t *testing.T, w [][]float32, F, u, gates int) []*tensor.Tensor {
	t.Helper()
	gu := gates * u
	k, r := make([]float32, F*gu), make([]float32, u*gu)
	for g := 0; g < gates; g++ {
		var wt []float32 // flat(W_gᵀ): row j of Wᵀ = column j of W_g
		for j := 0; j < u; j++ {
			for i := 0; i < F; i++ {
				wt = append(wt, w[0][i*gu+g*u+j])
			}
		}
		for p, v := range wt { // reshape to (F, u)
			k[(p/u)*gu+g*u+p%u] = v
		}
		for i := 0; i < u; i++ {
			for j := 0; j < u; j++ {
				r[i*gu+g*u+j] = w[1][j*gu+g*u+i]
			}
		}
	}
	var b []float32
	if gates == 4 {
		for _, v := range w[2] {
			b = append(b, v/2)
		}
		b = append(b, b...)
	} else {
		b = append(b, w[2]...)
	}
	mk := func(d []float32, s ...int) *tensor.Tensor {
		x, err := tensor.FromSlice(d, s...)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	return []*tensor.Tensor{mk(k, F, gu), mk(r, u, gu), mk(b, len(b))}
}

// TestCuDNNWeights: CuDNNLSTM/CuDNNGRU weights made from LSTM/GRU weights by
// the spec's reverse conversion load back as those weights (bias shape
// detection as tf.keras: (8u,) and (6u,)).
func TestCuDNNWeights(t *testing.T) {
	lstm := [][]float32{
		{-0.3, 0, 0.3, -0.1, 0.2, -0.2, 0.1, -0.3, 0, 0.3, -0.1, 0.2, -0.2, 0.1, -0.3, 0, 0.5, 0.4, -0.5, 0.25, 0.125, -0.25, 0.75, 0.5},
		{-0.4, 0.1, -0.3, 0.2, -0.2, 0.3, -0.1, 0.4, 0, -0.4, 0.1, -0.3, 0.2, -0.2, 0.3, -0.1},
		{-0.2, 0, 0.2, -0.1, 0.1, -0.2, 0, 0.2},
	}
	gru := [][]float32{
		{-0.3, 0, 0.3, -0.1, 0.2, -0.2, 0.1, -0.3, 0, 0.3, -0.1, 0.2, 0.5, 0.25, -0.5, 0.125, 0.75, -0.25},
		{-0.4, 0.1, -0.3, 0.2, -0.2, 0.3, -0.1, 0.4, 0, -0.4, 0.1, -0.3},
		{-0.2, 0, 0.2, -0.1, 0.1, -0.2, 0, 0.2, -0.1, 0.1, -0.2, 0},
	}
	for _, c := range []struct {
		cls   string
		gates int
		w     [][]float32
	}{{"LSTM", 4, lstm}, {"GRU", 3, gru}} {
		arrays := toCuDNN(t, c.w, 3, 2, c.gates)
		w := &Weights{Layout: LayoutLegacy, Layers: []LayerWeights{{Name: "rnn", VarNames: []string{"kernel:0", "recurrent_kernel:0", "bias:0"}, Arrays: arrays}}}
		cfg := &ModelConfig{Layers: []LayerConfig{{ClassName: c.cls, Name: "rnn"}}}
		got, err := convertOldRNNWeights(cfg, w)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range c.w {
			d := got.Layers[0].Arrays[i].Data()
			for j := range want {
				if diff := d[j] - want[j]; diff > 1e-7 || diff < -1e-7 {
					t.Fatalf("%s array %d[%d]: %v, want %v", c.cls, i, j, d[j], want[j])
				}
			}
		}
		if c.gates == 3 && len(got.Layers[0].Arrays[2].Shape()) != 2 {
			t.Errorf("GRU bias shape %v, want (2, 6)", got.Layers[0].Arrays[2].Shape())
		}
	}
}
