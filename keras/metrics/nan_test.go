package metrics

import (
	"math"
	"testing"
)

// TestNaNPredictions: what Keras's metrics give when a diverged model
// predicts NaN. Mean-type metrics sum the NaN (NaN result); thresholding
// metrics compare with ops.greater, false for NaN, so the sample counts as
// predicted negative (finite result); argmax takes NaN as the largest value
// (numpy and torch; first NaN). Expected values are worked from those
// definitions.
func TestNaNPredictions(t *testing.T) {
	nan := float32(math.NaN())
	yt := T(t, []float32{1, 0, 0, 1}, 2, 2)
	yp := T(t, []float32{nan, 0.2, 0.1, 0.9}, 2, 2)
	for _, tc := range []struct {
		m    Metric
		want float64 // NaN for NaN
	}{
		{MeanSquaredError(), math.NaN()},
		{MeanAbsoluteError(), math.NaN()},
		{RootMeanSquaredError(), math.NaN()},
		{BinaryCrossentropy(), math.NaN()},
		// ŷ > 0.5: [false(NaN), false, false, true] vs [1, 0, 0, 1] → 3/4.
		{BinaryAccuracy(), 0.75},
		// argmax rows: [0 (NaN), 1] vs labels [0, 1] → 1.
		{CategoricalAccuracy(), 1},
		// positives predicted: only 0.9 (label 1): precision 1, recall 1/2.
		{Precision(), 1},
		{Recall(), 0.5},
	} {
		if err := tc.m.Update(yt, yp, nil); err != nil {
			t.Fatal(err)
		}
		got := tc.m.Result()
		if math.IsNaN(tc.want) != math.IsNaN(got) || (!math.IsNaN(got) && math.Abs(got-tc.want) > 1e-6) {
			t.Errorf("%s: %v, want %v", tc.m.Name(), got, tc.want)
		}
	}
}
