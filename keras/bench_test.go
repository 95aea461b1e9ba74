package keras

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/kerago/kerago/internal/baseline"
	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/tensor"
)

// The benchmarks of issue 2, each beside a hand-written plain-Go baseline
// (internal/baseline) of the same network in the same run:
//
//	go test ./keras -run '^$' -bench . -benchmem -count 6 | tee new.txt; benchstat new.txt

func randTensor(rows, cols int, seed uint64) *tensor.Tensor {
	r := rand.New(rand.NewPCG(seed, 1))
	d := make([]float32, rows*cols)
	for i := range d {
		d[i] = r.Float32()*2 - 1
	}
	t, _ := tensor.FromSlice(d, rows, cols)
	return t
}

func quickstart(b *testing.B, sizes []int) *Model {
	ls := []layers.Layer{layers.Input(sizes[0])}
	for i := 1; i < len(sizes); i++ {
		opts := []layers.Option{}
		if i < len(sizes)-1 {
			opts = append(opts, layers.WithActivation("relu"))
		}
		ls = append(ls, layers.Dense(sizes[i], opts...))
	}
	m, err := NewSequential(ls...)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func benchPredict(b *testing.B, rows int) {
	m := quickstart(b, []int{2, 10, 10, 2})
	x := randTensor(rows, 2, 1)
	b.Run("kerago", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := m.Predict(x); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline", func(b *testing.B) {
		net := baseline.New([]int{2, 10, 10, 2}, rows)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			net.Forward(x.Data(), rows)
		}
	})
}

func BenchmarkPredict1(b *testing.B)    { benchPredict(b, 1) }
func BenchmarkPredict1024(b *testing.B) { benchPredict(b, 1024) }

// BenchmarkQuickstartFit is the founding program's fit: 1000 rows, 100
// epochs, batch 32, Adam, MSE (shuffle off for both sides; shuffling costs
// the same gather either way).
func BenchmarkQuickstartFit(b *testing.B) {
	x, y := randTensor(1000, 2, 1), randTensor(1000, 2, 2)
	b.Run("kerago", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			m := quickstart(b, []int{2, 10, 10, 2})
			if err := m.Compile(CompileConfig{Optimizer: "adam", Loss: "mse"}); err != nil {
				b.Fatal(err)
			}
			if _, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 100, Shuffle: ShuffleOff, Verbose: Silent, Output: io.Discard}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			net := baseline.New([]int{2, 10, 10, 2}, 32)
			net.Fit(x.Data(), y.Data(), 1000, 32, 100)
		}
	})
}

// BenchmarkTrainStepMNIST is one training step (forward, backward, Adam) of
// 784-512-512-10 at batch 128.
func BenchmarkTrainStepMNIST(b *testing.B) {
	x, y := randTensor(128, 784, 1), randTensor(128, 10, 2)
	b.Run("kerago", func(b *testing.B) {
		m := quickstart(b, []int{784, 512, 512, 10})
		if err := m.Compile(CompileConfig{Optimizer: "adam", Loss: "mse"}); err != nil {
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
	b.Run("baseline", func(b *testing.B) {
		net := baseline.New([]int{784, 512, 512, 10}, 128)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			net.TrainStep(x.Data(), y.Data(), 128)
		}
	})
}

// BenchmarkLoadPredict opens a 1.2 MB real model (hls4ml svhn_grayscale_mlp:
// JSON config + legacy HDF5 weights, 305,962 parameters) and predicts one
// row, beside os.ReadFile of the same bytes.
func BenchmarkLoadPredict(b *testing.B) {
	dir := testdata + "/realmodels/fastmachinelearning__hls4ml__svhn_grayscale_mlp/"
	cfg, weights := dir+"svhn_grayscale_mlp.json", dir+"svhn_grayscale_mlp_weights.h5"
	x := randTensor(1, 1024, 1)
	b.Run("kerago", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			m, err := LoadWithWeights(cfg, weights)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.Predict(x); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("readfile", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := os.ReadFile(cfg); err != nil {
				b.Fatal(err)
			}
			if _, err := os.ReadFile(weights); err != nil {
				b.Fatal(err)
			}
		}
	})
}
