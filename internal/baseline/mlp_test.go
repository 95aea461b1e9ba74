package baseline

import "testing"

// TestTrainingLowersLoss checks the baseline learns (it is only a benchmark
// baseline, but it must do the same work as the real thing).
func TestTrainingLowersLoss(t *testing.T) {
	n := 256
	x := make([]float32, n*2)
	y := make([]float32, n*2)
	for i := 0; i < n; i++ {
		a, b := float32(i%17)/17-0.5, float32(i%11)/11-0.5
		x[2*i], x[2*i+1] = a, b
		y[2*i], y[2*i+1] = a+b, a*b
	}
	m := New([]int{2, 10, 10, 2}, 32)
	first := m.Fit(x, y, n, 32, 1)
	last := m.Fit(x, y, n, 32, 50)
	if !(last < first*0.5) {
		t.Fatalf("loss did not drop: first %v last %v", first, last)
	}
}
