package keras

import (
	"path/filepath"
	"sync"
	"testing"
)

// TestConcurrentPredictMobileNet: the MobileNetV2 of Teachable Machine
// (fused conv → BatchNormalization → ReLU6 programs, depthwise kernels and
// row blocks split over the gemm helper pool) serves Predict from several
// goroutines at once (run with -race), every answer equal to Keras's y.npy.
func TestConcurrentPredictMobileNet(t *testing.T) {
	if testing.Short() {
		t.Skip("224×224 images")
	}
	dir := filepath.Join(testdata, "keras-layers", "mobilenetv2_teachable")
	m, err := Load(filepath.Join(dir, "model.keras"))
	if err != nil {
		t.Fatal(err)
	}
	x := loadNpy(t, filepath.Join(dir, "x.npy"))
	y := loadNpy(t, filepath.Join(dir, "y.npy"))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 2; i++ {
				n := 1 + (g+i)%x.Dim(0) // batch sizes 1 and 2
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
