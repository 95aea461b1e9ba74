package keras

import (
	"path/filepath"
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
	concurrentPredict(t, filepath.Join(testdata, "keras-layers", "mobilenetv2_teachable"), 4, 2)
}
