package keras

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/tensor"
)

// denseReference is a Dense(relu)→Dense forward pass re-derived in float64
// from the model's weights (kernel in×out row-major, as Keras stores it).
func denseReference(x []float32, rows int, ws []*tensor.Tensor) []float64 {
	in := x
	var out []float64
	for l := 0; l < len(ws); l += 2 {
		k, b := ws[l], ws[l+1]
		nin, nout := k.Dim(0), k.Dim(1)
		out = make([]float64, rows*nout)
		for r := 0; r < rows; r++ {
			for j := 0; j < nout; j++ {
				s := float64(b.Data()[j])
				for p := 0; p < nin; p++ {
					s += float64(in[r*nin+p]) * float64(k.Data()[p*nout+j])
				}
				if l == 0 {
					s = math.Max(s, 0)
				}
				out[r*nout+j] = s
			}
		}
		in = make([]float32, len(out))
		for i, v := range out {
			in[i] = float32(v)
		}
	}
	return out
}

// TestConcurrentPredictLargeProducts: Predict from many goroutines on a model
// whose products (32×300×400) take internal/gemm's parallel path, every
// answer equal to a float64 re-derivation (run with -race).
func TestConcurrentPredictLargeProducts(t *testing.T) {
	m, err := NewSequential(layers.Input(300), layers.Dense(400, layers.WithActivation("relu")), layers.Dense(50))
	if err != nil {
		t.Fatal(err)
	}
	ws := m.GetWeights()
	rng := rand.New(rand.NewPCG(3, 4))
	for _, w := range ws {
		for i := range w.Data() {
			w.Data()[i] = float32(rng.Float64()*0.2 - 0.1)
		}
	}
	if err := m.SetWeights(ws); err != nil {
		t.Fatal(err)
	}
	const rows = 32
	xd := make([]float32, rows*300)
	for i := range xd {
		xd[i] = float32(rng.Float64()*2 - 1)
	}
	x, err := tensor.FromSlice(xd, rows, 300)
	if err != nil {
		t.Fatal(err)
	}
	want := denseReference(xd, rows, ws)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 4; i++ {
				got, err := m.Predict(x)
				if err != nil {
					errs <- err.Error()
					return
				}
				for j, v := range got.Data() {
					// float32 sums of 300 and 400 terms of size ~0.1 against float64
					if d := math.Abs(float64(v) - want[j]); d > 1e-5+1e-5*math.Abs(want[j]) {
						errs <- "prediction differs from the float64 re-derivation"
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
