package metrics

import (
	"fmt"
	"math"

	"github.com/kerago/kerago/tensor"
)

// Accuracy is keras.metrics.Accuracy: how often y_pred equals y_true
// exactly (elementwise). The compile string "accuracy" resolves to
// Binary/Sparse/CategoricalAccuracy instead (see Get).
func Accuracy(opts ...Option) Metric {
	return newWrapper("Accuracy", "accuracy", "up", apply(opts), func(yTrue, yPred *tensor.Tensor) ([]float32, []int, error) {
		t, p, err := sameShape(yTrue, yPred)
		if err != nil {
			return nil, nil, err
		}
		out := make([]float32, len(t))
		for i := range out {
			if t[i] == p[i] {
				out[i] = 1
			}
		}
		return out, yPredShape(yTrue, yPred), nil
	}, nil)
}

// BinaryAccuracy is keras.metrics.BinaryAccuracy(threshold=0.5): how often
// (ŷ > threshold) equals y_true.
func BinaryAccuracy(opts ...Option) Metric {
	o := apply(opts)
	thr := float32(o.threshold)
	return newWrapper("BinaryAccuracy", "binary_accuracy", "up", o, func(yTrue, yPred *tensor.Tensor) ([]float32, []int, error) {
		t, p, err := sameShape(yTrue, yPred)
		if err != nil {
			return nil, nil, err
		}
		out := make([]float32, len(t))
		for i := range out {
			var pb float32
			if p[i] > thr {
				pb = 1
			}
			if t[i] == pb {
				out[i] = 1
			}
		}
		return out, yPredShape(yTrue, yPred), nil
	}, map[string]any{"threshold": o.threshold})
}

// argmax returns the first index of the largest value of each row.
func argmax(data []float32, cols int) []int {
	if cols == 0 {
		return nil
	}
	rows := len(data) / cols
	out := make([]int, rows)
	for r := range out {
		row := data[r*cols : (r+1)*cols]
		best := 0
		for j, v := range row {
			if v > row[best] || (math.IsNaN(float64(v)) && !math.IsNaN(float64(row[best]))) {
				best = j
			}
		}
		out[r] = best
	}
	return out
}

func lastDim(s []int) int {
	if len(s) == 0 {
		return 1
	}
	return s[len(s)-1]
}

// CategoricalAccuracy is keras.metrics.CategoricalAccuracy: how often
// argmax(y_pred) equals argmax(y_true) (one-hot labels).
func CategoricalAccuracy(opts ...Option) Metric {
	return newWrapper("CategoricalAccuracy", "categorical_accuracy", "up", apply(opts), func(yTrue, yPred *tensor.Tensor) ([]float32, []int, error) {
		if !tensor.SameShape(yTrue.Shape(), yPred.Shape()) || yPred.Rank() == 0 {
			return nil, nil, fmt.Errorf("y_true shape %v does not match y_pred shape %v (one-hot labels expected)", yTrue.Shape(), yPred.Shape())
		}
		c := lastDim(yPred.Shape())
		at, ap := argmax(yTrue.Data(), c), argmax(yPred.Data(), c)
		out := make([]float32, len(at))
		for i := range out {
			if at[i] == ap[i] {
				out[i] = 1
			}
		}
		return out, yPred.Shape()[:yPred.Rank()-1], nil
	}, nil)
}

// sparseLabels checks that y_true holds one class index per row of y_pred
// (shape y_pred[:-1] or y_pred[:-1]+[1]).
func sparseLabels(yTrue, yPred *tensor.Tensor) error {
	p := yPred.Shape()
	if len(p) == 0 {
		return fmt.Errorf("y_pred is a scalar")
	}
	t := yTrue.Shape()
	lead := p[:len(p)-1]
	if tensor.SameShape(t, lead) || (len(t) == len(p) && t[len(t)-1] == 1 && tensor.SameShape(t[:len(t)-1], lead)) {
		return nil
	}
	return fmt.Errorf("y_true shape %v does not hold one class index per row of y_pred %v", t, p)
}

// SparseCategoricalAccuracy is keras.metrics.SparseCategoricalAccuracy: how
// often argmax(y_pred) equals the integer label.
func SparseCategoricalAccuracy(opts ...Option) Metric {
	return newWrapper("SparseCategoricalAccuracy", "sparse_categorical_accuracy", "up", apply(opts), func(yTrue, yPred *tensor.Tensor) ([]float32, []int, error) {
		if err := sparseLabels(yTrue, yPred); err != nil {
			return nil, nil, err
		}
		ap := argmax(yPred.Data(), lastDim(yPred.Shape()))
		t := yTrue.Data()
		out := make([]float32, len(ap))
		for i := range out {
			if t[i] == float32(ap[i]) {
				out[i] = 1
			}
		}
		return out, yPred.Shape()[:yPred.Rank()-1], nil
	}, nil)
}

// inTopK is TF's in_top_k: the target is in the top k when fewer than k
// predictions are strictly greater than its own (ties count in its favour);
// non-finite target predictions are never in.
func inTopK(row []float32, target, k int) bool {
	if target < 0 || target >= len(row) {
		return false
	}
	v := row[target]
	if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		return false
	}
	greater := 0
	for _, x := range row {
		if x > v {
			greater++
		}
	}
	return greater < k
}

// TopKCategoricalAccuracy is keras.metrics.TopKCategoricalAccuracy(k=5):
// how often the one-hot target is among the k largest predictions.
func TopKCategoricalAccuracy(opts ...Option) Metric {
	o := apply(opts)
	return newWrapper("TopKCategoricalAccuracy", "top_k_categorical_accuracy", "up", o, func(yTrue, yPred *tensor.Tensor) ([]float32, []int, error) {
		if !tensor.SameShape(yTrue.Shape(), yPred.Shape()) || yPred.Rank() == 0 {
			return nil, nil, fmt.Errorf("y_true shape %v does not match y_pred shape %v (one-hot labels expected)", yTrue.Shape(), yPred.Shape())
		}
		c := lastDim(yPred.Shape())
		at := argmax(yTrue.Data(), c)
		p := yPred.Data()
		out := make([]float32, len(at))
		for i := range out {
			if inTopK(p[i*c:(i+1)*c], at[i], o.k) {
				out[i] = 1
			}
		}
		return out, yPred.Shape()[:yPred.Rank()-1], nil
	}, map[string]any{"k": o.k})
}

// SparseTopKCategoricalAccuracy is
// keras.metrics.SparseTopKCategoricalAccuracy(k=5) with integer labels.
func SparseTopKCategoricalAccuracy(opts ...Option) Metric {
	o := apply(opts)
	return newWrapper("SparseTopKCategoricalAccuracy", "sparse_top_k_categorical_accuracy", "up", o, func(yTrue, yPred *tensor.Tensor) ([]float32, []int, error) {
		if err := sparseLabels(yTrue, yPred); err != nil {
			return nil, nil, err
		}
		c := lastDim(yPred.Shape())
		t, p := yTrue.Data(), yPred.Data()
		out := make([]float32, len(t))
		for i := range out {
			lbl := t[i]
			if lbl != float32(math.Trunc(float64(lbl))) {
				continue
			}
			if inTopK(p[i*c:(i+1)*c], int(lbl), o.k) {
				out[i] = 1
			}
		}
		return out, yPred.Shape()[:yPred.Rank()-1], nil
	}, map[string]any{"k": o.k})
}
