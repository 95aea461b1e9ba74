package runtime

import (
	"math"
	"testing"
)

// TestThresholdEqualityAtTheta: Keras 2's ThresholdedReLU is
// x·cast(x > θ) and Keras 3's ReLU(threshold=θ) is where(x > θ, x, 0)
// (ReLU.static_call), so both are 0 at x = θ and x just above it; NaN is
// kept by the first and mapped to 0 by the second.
func TestThresholdEqualityAtTheta(t *testing.T) {
	for _, theta := range []float32{0.5, 1, 2.25} {
		above := math.Nextafter32(theta, 10)
		below := math.Nextafter32(theta, -10)
		x := []float32{below, theta, above, -theta, float32(math.NaN())}
		want := []float32{0, 0, above, 0}
		for _, a := range []*Activation{ThresholdActivation(float64(theta), 0), ReLUActivation(0, -1, float64(theta))} {
			got := make([]float32, len(x))
			a.forward(got, x)
			for i, w := range want {
				if got[i] != w {
					t.Errorf("%s(%v) = %v, want %v", a, x[i], got[i], w)
				}
			}
		}
		th, re := make([]float32, 1), make([]float32, 1)
		ThresholdActivation(float64(theta), 0).forward(th, x[4:])
		ReLUActivation(0, -1, float64(theta)).forward(re, x[4:])
		if th[0] == th[0] || re[0] != 0 {
			t.Errorf("θ=%v NaN: ThresholdedReLU %v (want NaN), ReLU(threshold) %v (want 0)", theta, th[0], re[0])
		}
	}
}
