package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/kerago/kerago/internal/gemm"
	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/tensor"
)

// uniform returns a rows×cols tensor of uniform [0, 1) values, as torch.rand.
func uniform(b *testing.B, rows, cols int, seed uint64) *tensor.Tensor {
	r := rand.New(rand.NewPCG(seed, 1))
	d := make([]float32, rows*cols)
	for i := range d {
		d[i] = r.Float32()
	}
	t, err := tensor.FromSlice(d, rows, cols)
	if err != nil {
		b.Fatal(err)
	}
	return t
}

// BenchmarkSgemm1024 is a 1024×1024×1024 float32 product (torch.mm of two
// 1024×1024 matrices), reported as GFLOP/s.
func BenchmarkSgemm1024(b *testing.B) {
	const n = 1024
	x, y := uniform(b, n, n, 1).Data(), uniform(b, n, n, 2).Data()
	c := make([]float32, n*n)
	b.Logf("kernel %s", gemm.Kernel())
	for b.Loop() {
		gemm.Sgemm(false, false, n, n, n, 1, x, n, y, n, 0, c, n)
	}
	b.ReportMetric(2*n*n*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkMLPStep is one training step (forward, backward, Adam) of Dense
// 784-512(relu)-512(relu)-10 with MSE at batch 128 — torch_reference.py's
// mlp_step.
func BenchmarkMLPStep(b *testing.B) {
	m, err := keras.NewSequential(layers.Input(784),
		layers.Dense(512, layers.WithActivation("relu")),
		layers.Dense(512, layers.WithActivation("relu")),
		layers.Dense(10))
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Compile(keras.CompileConfig{Optimizer: "adam", Loss: "mse"}); err != nil {
		b.Fatal(err)
	}
	benchTrainSteps(b, m, uniform(b, 128, 784, 1), uniform(b, 128, 10, 2))
}

// benchTrainSteps times m.TrainOnBatch(x, y) after one untimed warm-up
// step, as the torch script does, reporting allocations.
func benchTrainSteps(b *testing.B, m *keras.Model, x, y *tensor.Tensor) {
	b.Helper()
	if _, err := m.TrainOnBatch(x, y, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.TrainOnBatch(x, y, nil); err != nil {
			b.Fatal(err)
		}
	}
}
