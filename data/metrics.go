package data

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/kerago/kerago/tensor"
)

// The metrics of sklearn.metrics that training scripts print after fit,
// computed in float64 as scikit-learn does on the float64 arrays that
// pandas and NumPy give it (predictions are float32 values, as Keras
// returns them).

// targets returns y as rows × outputs in float64: a 1-D array is one
// output, as scikit-learn's _check_reg_targets reshapes it.
func targets(y *tensor.Tensor, what string) ([]float64, int, int, error) {
	if y == nil {
		return nil, 0, 0, fmt.Errorf("%s: nil array", what)
	}
	switch y.Rank() {
	case 1:
		return float64s(y), y.Dim(0), 1, nil
	case 2:
		return float64s(y), y.Dim(0), y.Dim(1), nil
	}
	return nil, 0, 0, fmt.Errorf("%s: want a 1-d or 2-d array, got shape %v", what, y.Shape())
}

func float64s(y *tensor.Tensor) []float64 {
	d := y.Data()
	out := make([]float64, len(d))
	for i, v := range d {
		out[i] = float64(v)
	}
	return out
}

// regression checks y_true and y_pred as scikit-learn's regression
// metrics do and returns them as rows × outputs.
func regression(fn string, yTrue, yPred *tensor.Tensor) (t, p []float64, n, k int, err error) {
	t, n, k, err = targets(yTrue, "data: "+fn+": y_true")
	if err != nil {
		return
	}
	var n2, k2 int
	p, n2, k2, err = targets(yPred, "data: "+fn+": y_pred")
	if err != nil {
		return
	}
	if n != n2 {
		err = fmt.Errorf("data: %s: found input variables with inconsistent numbers of samples: [%d, %d]", fn, n, n2)
		return
	}
	if k != k2 {
		err = fmt.Errorf("data: %s: y_true and y_pred have different number of output (%d!=%d)", fn, k, k2)
		return
	}
	if n == 0 {
		err = fmt.Errorf("data: %s: empty arrays", fn)
	}
	return
}

// perOutput averages f over the outputs (multioutput="uniform_average").
func perOutput(t, p []float64, n, k int, f func(t, p []float64) float64) float64 {
	sum := 0.0
	ct, cp := make([]float64, n), make([]float64, n)
	for j := 0; j < k; j++ {
		for i := 0; i < n; i++ {
			ct[i], cp[i] = t[i*k+j], p[i*k+j]
		}
		sum += f(ct, cp)
	}
	return sum / float64(k)
}

// MeanAbsoluteError is sklearn.metrics.mean_absolute_error.
func MeanAbsoluteError(yTrue, yPred *tensor.Tensor) (float64, error) {
	t, p, n, k, err := regression("mean_absolute_error", yTrue, yPred)
	if err != nil {
		return 0, err
	}
	return perOutput(t, p, n, k, func(t, p []float64) float64 {
		s := 0.0
		for i := range t {
			s += math.Abs(p[i] - t[i])
		}
		return s / float64(len(t))
	}), nil
}

// MeanSquaredError is sklearn.metrics.mean_squared_error (squared=False,
// removed in scikit-learn 1.6, is RootMeanSquaredError).
func MeanSquaredError(yTrue, yPred *tensor.Tensor) (float64, error) {
	t, p, n, k, err := regression("mean_squared_error", yTrue, yPred)
	if err != nil {
		return 0, err
	}
	return perOutput(t, p, n, k, mse), nil
}

func mse(t, p []float64) float64 {
	s := 0.0
	for i := range t {
		d := p[i] - t[i]
		s += d * d
	}
	return s / float64(len(t))
}

// RootMeanSquaredError is sklearn.metrics.root_mean_squared_error (the
// square root per output, then the average).
func RootMeanSquaredError(yTrue, yPred *tensor.Tensor) (float64, error) {
	t, p, n, k, err := regression("root_mean_squared_error", yTrue, yPred)
	if err != nil {
		return 0, err
	}
	return perOutput(t, p, n, k, func(t, p []float64) float64 { return math.Sqrt(mse(t, p)) }), nil
}

// R2Score is sklearn.metrics.r2_score: 1 - SS_res/SS_tot per output
// (1 when both are 0, 0 when only SS_tot is, scikit-learn's
// force_finite), averaged over the outputs.
func R2Score(yTrue, yPred *tensor.Tensor) (float64, error) {
	t, p, n, k, err := regression("r2_score", yTrue, yPred)
	if err != nil {
		return 0, err
	}
	if n < 2 {
		return math.NaN(), nil // scikit-learn warns and returns nan
	}
	return perOutput(t, p, n, k, func(t, p []float64) float64 {
		mean := 0.0
		for _, v := range t {
			mean += v
		}
		mean /= float64(len(t))
		res, tot := 0.0, 0.0
		for i := range t {
			res += (t[i] - p[i]) * (t[i] - p[i])
			tot += (t[i] - mean) * (t[i] - mean)
		}
		switch {
		case tot == 0 && res == 0:
			return 1
		case tot == 0:
			return 0
		}
		return 1 - res/tot
	}), nil
}

// labels returns a classification target as labels: a 1-D array, or a
// column vector, of whole numbers (scikit-learn refuses continuous values
// in classification metrics).
func labels(y *tensor.Tensor, fn, what string) ([]float64, error) {
	if y == nil {
		return nil, fmt.Errorf("data: %s: %s: nil array", fn, what)
	}
	if y.Rank() == 2 && y.Dim(1) != 1 || y.Rank() > 2 || y.Rank() == 0 {
		return nil, fmt.Errorf("data: %s: %s of shape %v: want labels (a 1-d array); take argmax of one-hot or probability rows first", fn, what, y.Shape())
	}
	out := float64s(y)
	for _, v := range out {
		if v != math.Trunc(v) {
			return nil, fmt.Errorf("data: %s: %s: Classification metrics can't handle a mix of binary and continuous targets (threshold the probabilities first, e.g. y_pred > 0.5)", fn, what)
		}
	}
	return out, nil
}

func labelPair(fn string, yTrue, yPred *tensor.Tensor) ([]float64, []float64, error) {
	t, err := labels(yTrue, fn, "y_true")
	if err != nil {
		return nil, nil, err
	}
	p, err := labels(yPred, fn, "y_pred")
	if err != nil {
		return nil, nil, err
	}
	if len(t) != len(p) {
		return nil, nil, fmt.Errorf("data: %s: found input variables with inconsistent numbers of samples: [%d, %d]", fn, len(t), len(p))
	}
	return t, p, nil
}

// AccuracyScore is sklearn.metrics.accuracy_score: the fraction of equal
// labels.
func AccuracyScore(yTrue, yPred *tensor.Tensor) (float64, error) {
	t, p, err := labelPair("accuracy_score", yTrue, yPred)
	if err != nil {
		return 0, err
	}
	if len(t) == 0 {
		return 0, fmt.Errorf("data: accuracy_score: empty arrays")
	}
	same := 0
	for i := range t {
		if t[i] == p[i] {
			same++
		}
	}
	return float64(same) / float64(len(t)), nil
}

// IntMatrix is a matrix of counts; it prints as NumPy prints an int array.
type IntMatrix [][]int64

// String formats m as NumPy does: [[50  3]\n [ 4 57]].
func (m IntMatrix) String() string {
	w := 1
	for _, r := range m {
		for _, v := range r {
			w = max(w, len(strconv.FormatInt(v, 10)))
		}
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, r := range m {
		if i > 0 {
			b.WriteString("\n ")
		}
		b.WriteByte('[')
		for j, v := range r {
			if j > 0 {
				b.WriteByte(' ')
			}
			s := strconv.FormatInt(v, 10)
			b.WriteString(strings.Repeat(" ", w-len(s)) + s)
		}
		b.WriteByte(']')
	}
	b.WriteByte(']')
	return b.String()
}

// ConfusionMatrix is sklearn.metrics.confusion_matrix: row i counts the
// samples of the i-th label (sorted) by the label predicted.
func ConfusionMatrix(yTrue, yPred *tensor.Tensor) (IntMatrix, error) {
	t, p, err := labelPair("confusion_matrix", yTrue, yPred)
	if err != nil {
		return nil, err
	}
	seen := map[float64]bool{}
	var labs []float64
	for _, v := range append(append([]float64(nil), t...), p...) {
		if !seen[v] {
			seen[v] = true
			labs = append(labs, v)
		}
	}
	sort.Float64s(labs)
	pos := map[float64]int{}
	for i, l := range labs {
		pos[l] = i
	}
	m := make(IntMatrix, len(labs))
	for i := range m {
		m[i] = make([]int64, len(labs))
	}
	for i := range t {
		m[pos[t[i]]][pos[p[i]]]++
	}
	return m, nil
}
