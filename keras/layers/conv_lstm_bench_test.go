package layers

import (
	"math/rand/v2"
	"testing"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
)

// benchNet builds a network of one stage on per-sample input in, with
// random weights and an MSE loss.
func benchNet(b *testing.B, st runtime.Stage, vars func() []*runtime.Variable, in []int) *runtime.Network {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	for _, v := range vars() {
		copy(v.Value.Data(), randF32(r, len(v.Value.Data()), 0.1))
	}
	lf, err := kernels.LossByName("mse")
	if err != nil {
		b.Fatal(err)
	}
	n, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: in, Stages: []runtime.Stage{st}, Variables: vars(), Loss: lf})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkConvLSTMTrainStep times a training step of ConvLSTM2D(16, 3×3,
// same) on a batch of 8 sequences of 10 frames 16×16×4; the baseline
// "input_conv_only" is a Conv2D(64, 3×3, same) on the same 80 frames —
// the layer's input convolution alone — so the ratio is the cost of the
// unrolled recurrence.
func BenchmarkConvLSTMTrainStep(b *testing.B) {
	const B, T, H, W, C, F = 8, 10, 16, 16, 4, 16
	b.Run("conv_lstm2d", func(b *testing.B) {
		cfg := DefaultRNNConfig()
		l := ConvLSTM(2, F, ConvLSTMOptions{KernelSize: []int{3}, Padding: "same"}, cfg)
		in := []int{T, H, W, C}
		if err := l.Build(in); err != nil {
			b.Fatal(err)
		}
		n := benchNet(b, l, l.Variables, in)
		x, y := tensor.Zeros(B, T, H, W, C), tensor.Zeros(append([]int{B}, l.OutputShape()...)...)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := n.TrainStep(x, y, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("input_conv_only", func(b *testing.B) {
		l := Conv2D(4*F, []int{3, 3}, WithPadding("same"))
		in := []int{H, W, C}
		if err := l.Build(in); err != nil {
			b.Fatal(err)
		}
		n := benchNet(b, l, l.Variables, in)
		x, y := tensor.Zeros(B*T, H, W, C), tensor.Zeros(B*T, H, W, 4*F)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := n.TrainStep(x, y, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
