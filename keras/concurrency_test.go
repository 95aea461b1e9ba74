package keras

import (
	"path/filepath"
	"sync"
	"testing"
)

// TestConcurrentPredict: a loaded model serves Predict from many goroutines
// at once (run with -race), every answer equal to Keras's y.npy. The LSTM
// models run the fused sequence ops, whose workspaces live in each run's
// frame.
func TestConcurrentPredict(t *testing.T) {
	for _, dir := range []string{
		filepath.Join(testdata, "keras-cases", "norm_dropout_flatten"),
		filepath.Join(testdata, "keras-layers", "lstm_stack"),
		filepath.Join(testdata, "keras-layers", "embedding_mask_lstm"),
	} {
		t.Run(filepath.Base(dir), func(t *testing.T) { concurrentPredict(t, dir, 16, 20) })
	}
}

// concurrentPredict loads the model in dir and runs Predict on its x.npy
// from that many goroutines at once, rounds times each with batch sizes
// cycling through 1…len(x), failing unless every answer is y.npy's within
// 1e-5.
func concurrentPredict(t *testing.T, dir string, goroutines, rounds int) {
	m, err := Load(filepath.Join(dir, "model.keras"))
	if err != nil {
		t.Fatal(err)
	}
	x := loadNpy(t, filepath.Join(dir, "x.npy"))
	y := loadNpy(t, filepath.Join(dir, "y.npy"))
	var wg sync.WaitGroup
	errs := make(chan error, 2*goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				// Different batch sizes exercise the per-size program cache.
				n := 1 + (g+i)%x.Dim(0)
				xb, _ := x.SliceRows(0, n)
				yb, _ := y.SliceRows(0, n)
				got, err := m.Predict(xb)
				if err != nil {
					errs <- err
					return
				}
				if !sameWithin(got.Data(), yb.Data(), 1e-5) {
					errs <- errMismatch
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

type mismatch struct{}

func (mismatch) Error() string { return "concurrent Predict differs from Keras's y.npy" }

var errMismatch error = mismatch{}

func sameWithin(a, b []float32, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		if d < 0 {
			d = -d
		}
		bb := float64(b[i])
		if bb < 0 {
			bb = -bb
		}
		if d > tol+tol*bb {
			return false
		}
	}
	return true
}
