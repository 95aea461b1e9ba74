package data

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/kerago/kerago/tensor"
)

func vec(t *testing.T, v []float32, shape ...int) *tensor.Tensor {
	t.Helper()
	if shape == nil {
		shape = []int{len(v)}
	}
	x, err := tensor.FromSlice(v, shape...)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestRegressionMetrics checks the examples of scikit-learn's
// documentation (sklearn.metrics.mean_absolute_error, mean_squared_error,
// root_mean_squared_error and r2_score), whose printed results are the
// references.
func TestRegressionMetrics(t *testing.T) {
	yt := vec(t, []float32{3, -0.5, 2, 7})
	yp := vec(t, []float32{2.5, 0.0, 2, 8})
	ytm := vec(t, []float32{0.5, 1, -1, 1, 7, -6}, 3, 2)
	ypm := vec(t, []float32{0, 2, -1, 2, 8, -5}, 3, 2)
	for _, c := range []struct {
		name string
		f    func(a, b *tensor.Tensor) (float64, error)
		a, b *tensor.Tensor
		want float64
	}{
		{"mean_absolute_error", MeanAbsoluteError, yt, yp, 0.5},
		{"mean_absolute_error multioutput", MeanAbsoluteError, ytm, ypm, 0.75},
		{"mean_squared_error", MeanSquaredError, yt, yp, 0.375},
		{"mean_squared_error multioutput", MeanSquaredError, ytm, ypm, 0.7083333333333334},
		{"root_mean_squared_error", RootMeanSquaredError, yt, yp, 0.6123724356957945},
		{"root_mean_squared_error multioutput", RootMeanSquaredError, ytm, ypm, 0.8227486121839513},
		{"r2_score", R2Score, yt, yp, 0.9486081370449679},
		{"r2_score multioutput", R2Score, ytm, ypm, 0.9368005266622779},
		{"r2_score perfect", R2Score, vec(t, []float32{1, 2, 3}), vec(t, []float32{1, 2, 3}), 1},
		{"r2_score constant true, wrong", R2Score, vec(t, []float32{-2, -2, -2}), vec(t, []float32{-2, -2, -2 + 1e-3}), 0},
		{"accuracy_score", AccuracyScore, vec(t, []float32{0, 1, 2, 3}), vec(t, []float32{0, 2, 1, 3}), 0.5},
	} {
		got, err := c.f(c.a, c.b)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if math.Abs(got-c.want) > 1e-12*math.Max(1, math.Abs(c.want)) {
			t.Errorf("%s = %.17g, scikit-learn %.17g", c.name, got, c.want)
		}
	}
	// a column of predictions against a 1-d target, as model.predict gives
	if got, err := MeanAbsoluteError(yt, vec(t, []float32{2.5, 0.0, 2, 8}, 4, 1)); err != nil || got != 0.5 {
		t.Errorf("(4,) against (4, 1): %v, %v", got, err)
	}
	if _, err := MeanAbsoluteError(yt, ypm); err == nil {
		t.Error("4 against 3 samples: no error")
	}
	if _, err := AccuracyScore(yt, vec(t, []float32{0.2, 0.9, 0.4, 0.6})); err == nil {
		t.Error("probabilities in accuracy_score: no error")
	}
}

// TestConfusionMatrix checks the example of scikit-learn's documentation
// and NumPy's printing of the int matrix.
func TestConfusionMatrix(t *testing.T) {
	m, err := ConfusionMatrix(vec(t, []float32{2, 0, 2, 2, 0, 1}), vec(t, []float32{0, 0, 2, 2, 0, 2}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.String(), "[[2 0 0]\n [0 0 1]\n [1 0 2]]"; got != want {
		t.Errorf("confusion_matrix:\n%s\nwant\n%s", got, want)
	}
	wide := IntMatrix{{50, 3}, {4, 57}}
	if got, want := Str(wide), "[[50  3]\n [ 4 57]]"; got != want {
		t.Errorf("print:\n%s\nwant\n%s", got, want)
	}
}

// TestMaxOfMinOf: Python's max/min of a list: the first extreme value,
// NaN kept only when first (Python's comparisons with NaN are false), an
// error for an empty list.
func TestMaxOfMinOf(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		xs       []float64
		max, min float64
	}{
		{[]float64{0.5, 0.9, 0.7}, 0.9, 0.5},
		{[]float64{1, nan, 3}, 3, 1},
	} {
		if got, err := MaxOf(c.xs); err != nil || got != c.max {
			t.Errorf("max(%v) = %v, %v; want %v", c.xs, got, err, c.max)
		}
		if got, err := MinOf(c.xs); err != nil || got != c.min {
			t.Errorf("min(%v) = %v, %v; want %v", c.xs, got, err, c.min)
		}
	}
	if got, _ := MaxOf([]float64{nan, 1}); !math.IsNaN(got) {
		t.Errorf("max([nan, 1]) = %v, Python nan", got)
	}
	if _, err := MaxOf(nil); err == nil || !strings.Contains(err.Error(), "empty sequence") {
		t.Errorf("max([]): %v", err)
	}
}

// TestUnique: np.unique's sorted distinct values and counts (NumPy's
// documented examples: np.unique([1, 1, 2, 2, 3, 3]) is [1 2 3];
// np.unique([1, 2, 6, 4, 2, 3, 2], return_counts=True) is [1 2 3 4 6] with
// counts [1 3 1 1 1]).
func TestUnique(t *testing.T) {
	u, err := Unique(vec(t, []float32{1, 1, 2, 2, 3, 3}))
	if err != nil || fmt.Sprint(u.Data()) != "[1 2 3]" {
		t.Errorf("unique: %v %v", u, err)
	}
	uc, err := UniqueCounts(vec(t, []float32{1, 2, 6, 4, 2, 3, 2}))
	if err != nil || fmt.Sprint(uc[0].Data(), uc[1].Data()) != "[1 2 3 4 6] [1 3 1 1 1]" {
		t.Errorf("unique counts: %v %v", uc, err)
	}
}
