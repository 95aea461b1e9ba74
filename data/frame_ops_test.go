package data

import (
	"testing"
)

// TestQuantileOutlierFilter: df.quantile with NumPy's linear interpolation
// (NumPy's documented example: np.quantile([[10, 7, 4], [3, 2, 1]], 0.5,
// axis=0) is [6.5, 4.5, 2.5]), and the interquartile outlier filter
// df[~((df < Q1 - 1.5*IQR) | (df > Q3 + 1.5*IQR)).any(axis=1)] worked by
// hand: in a = [1, 2, 3, 4, 100], Q1 = 2, Q3 = 4 (positions 1 and 3 of 4),
// IQR = 2, so only 100 (> 7) is out; b is constant and never out.
func TestQuantileOutlierFilter(t *testing.T) {
	f, err := NewFrame([]string{"x", "y", "z"}, [][]float64{{10, 3}, {7, 2}, {4, 1}})
	if err != nil {
		t.Fatal(err)
	}
	med := f.Quantile(0.5)
	for i, want := range []float64{6.5, 4.5, 2.5} {
		if got := med.cols[i].num[0]; got != want {
			t.Errorf("median of %s: %v, NumPy %v", med.cols[i].name, got, want)
		}
	}
	if got := med.String(); got != "x    6.5\ny    4.5\nz    2.5\ndtype: float64" {
		t.Errorf("print(quantile):\n%s", got)
	}

	df, err := NewFrame([]string{"a", "b"}, [][]float64{{1, 2, 3, 4, 100}, {10, 10, 10, 10, 10}})
	if err != nil {
		t.Fatal(err)
	}
	q1, q3 := df.Quantile(0.25), df.Quantile(0.75)
	iqr := q3.Op("-", q1)
	low := df.Op("<", q1.Op("-", iqr.OpScalar("*", 1.5, true)))
	high := df.Op(">", q3.Op("+", iqr.OpScalar("*", 1.5, true)))
	out := df.Filter(low.Op("|", high).AnyRows().Not())
	if err := out.Err(); err != nil {
		t.Fatal(err)
	}
	if got := out.Shape(); got[0] != 4 || got[1] != 2 {
		t.Fatalf("after the filter: shape %v, want [4 2]", got)
	}
	if got := out.cols[0].num; got[3] != 4 {
		t.Errorf("kept rows of a: %v, want 1 2 3 4", got)
	}
	if err := df.Filter(df).Err(); err == nil {
		t.Error("df[df]: no error")
	}
	if err := df.Op("<", newFrameMust(t, []string{"c"}, [][]float64{{1}})).Err(); err == nil {
		t.Error("a column missing from the other operand: no error")
	}
}

func newFrameMust(t *testing.T, names []string, cols [][]float64) *Frame {
	t.Helper()
	f, err := NewFrame(names, cols)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
