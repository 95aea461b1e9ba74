package losses

import (
	"fmt"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/tensor"
)

// Reductions accepted by Compute, as in keras.losses.Loss(reduction=...).
const (
	SumOverBatchSize     = "sum_over_batch_size" // default: Σ w·v / number of values
	Sum                  = "sum"                 // Σ w·v
	None                 = "none"                // no reduction (use Values); "" is accepted too
	Mean                 = "mean"                // same as sum_over_batch_size
	MeanWithSampleWeight = "mean_with_sample_weight"
)

// CheckReduction returns an error unless r is one of Keras's reductions
// ("sum_over_batch_size", "sum", "none" or "", "mean",
// "mean_with_sample_weight").
func CheckReduction(r string) error {
	switch r {
	case SumOverBatchSize, Sum, None, "", Mean, MeanWithSampleWeight:
		return nil
	}
	return fmt.Errorf("losses: invalid reduction %q, want one of sum_over_batch_size, sum, none, mean, mean_with_sample_weight", r)
}

// layout is how a loss sees y_true/y_pred after Keras's
// squeeze_or_expand_to_same_rank.
type layout struct {
	rows, colsTrue, colsPred int
	valShape                 []int // shape of the per-sample values
}

// unwrap returns the kernel behind a Loss built by this package, so that the
// optional kernel interfaces (sparse labels, masks) are visible.
func unwrap(l kernels.Loss) kernels.Loss { return kernels.Unwrap(l) }

func prepare(l kernels.Loss, yTrue, yPred *tensor.Tensor) (layout, error) {
	if yTrue == nil || yPred == nil {
		return layout{}, fmt.Errorf("losses: %s: y_true and y_pred are required", l.Name())
	}
	t, p := kernels.SqueezeOrExpand(yTrue.Shape(), yPred.Shape())
	if len(p) == 0 {
		return layout{}, fmt.Errorf("losses: %s: y_pred is a scalar, want at least rank 1", l.Name())
	}
	lay := layout{colsPred: p[len(p)-1], valShape: append([]int(nil), p[:len(p)-1]...)}
	lay.rows = 1
	for _, d := range lay.valShape {
		lay.rows *= d
	}
	if kernels.IsSparse(unwrap(l)) {
		ok := tensor.SameShape(t, p[:len(p)-1]) || (len(t) == len(p) && t[len(t)-1] == 1 && tensor.SameShape(t[:len(t)-1], p[:len(p)-1]))
		if !ok {
			return layout{}, fmt.Errorf("losses: %s: y_true shape %v does not match y_pred shape %v (want %v or %v with class indices)",
				l.Name(), yTrue.Shape(), yPred.Shape(), p[:len(p)-1], append(append([]int(nil), p[:len(p)-1]...), 1))
		}
		lay.colsTrue = 1
	} else {
		if !tensor.SameShape(t, p) {
			return layout{}, fmt.Errorf("losses: %s: y_true shape %v does not match y_pred shape %v", l.Name(), yTrue.Shape(), yPred.Shape())
		}
		lay.colsTrue = lay.colsPred
	}
	if err := kernels.CheckInputs(unwrap(l), yTrue.Data(), yPred.Data(), lay.rows, lay.colsTrue, lay.colsPred); err != nil {
		return layout{}, fmt.Errorf("losses: %w", err)
	}
	return lay, nil
}

// Values returns the per-sample loss values (shape of y_pred without its last
// axis) before sample weighting and reduction: Keras's loss.call(y_true,
// y_pred).
func Values(l kernels.Loss, yTrue, yPred *tensor.Tensor) (*tensor.Tensor, error) {
	lay, err := prepare(l, yTrue, yPred)
	if err != nil {
		return nil, err
	}
	out := make([]float32, lay.rows)
	l.PerSample(out, yTrue.Data(), yPred.Data(), lay.rows, lay.colsTrue, lay.colsPred)
	return tensor.FromSlice(out, lay.valShape...)
}

// weighted is the result of reduce_weighted_values before the final
// reduction: weighted values, the weight each per-sample value got per
// weighted element, and the divisor.
type weighted struct {
	shape  []int     // broadcast shape of values·weights
	vals   []float32 // values·weights, flat in shape
	src    []int     // index of the per-sample value each element came from
	w      []float32 // the weight of each element (1 when unweighted)
	wsum   float32   // Σ sample_weight (for mean_with_sample_weight)
	hasW   bool
	scalar bool // values shape () or (0,): returned unreduced
}

func weigh(l kernels.Loss, lay layout, values []float32, yTrue []float32, sw *tensor.Tensor, reduction string) (weighted, error) {
	vShape := lay.valShape
	// apply_mask
	var wShape []int
	var wData []float32
	if sw != nil {
		wShape, wData = sw.Shape(), sw.Data()
	}
	if ml, ok := unwrap(l).(kernels.MaskedLoss); ok {
		mask := make([]bool, lay.rows)
		if ml.Mask(mask, yTrue, lay.rows, lay.colsTrue) {
			fm := make([]float32, lay.rows)
			mw := float32(1)
			if reduction == Mean || reduction == SumOverBatchSize {
				valid := 0
				for _, m := range mask {
					if m {
						valid++
					}
				}
				mw = 0
				if valid != 0 {
					mw = float32(lay.rows) / float32(valid)
				}
			}
			for i, m := range mask {
				if m {
					fm[i] = mw
				}
			}
			if wData != nil {
				fs, ws := kernels.SqueezeOrExpand(vShape, wShape)
				s, idxA, idxB, err := kernels.Broadcast(fs, ws)
				if err != nil {
					return weighted{}, fmt.Errorf("losses: %s: sample_weight shape %v does not broadcast to the values %v: %w", l.Name(), wShape, vShape, err)
				}
				nd := make([]float32, len(idxA))
				for k := range nd {
					nd[k] = wData[idxB[k]] * fm[idxA[k]]
				}
				wShape, wData = s, nd
			} else {
				wShape, wData = vShape, fm
			}
		}
	}
	out := weighted{}
	if wData == nil {
		out.shape, out.vals = vShape, values
		out.src = make([]int, len(values))
		out.w = make([]float32, len(values))
		for i := range values {
			out.src[i], out.w[i] = i, 1
		}
	} else {
		out.hasW = true
		out.wsum = sumF(wData)
		vs, ws := kernels.SqueezeOrExpand(vShape, wShape)
		s, idxA, idxB, err := kernels.Broadcast(vs, ws)
		if err != nil {
			return weighted{}, fmt.Errorf("losses: %s: sample_weight shape %v does not broadcast to the values %v: %w", l.Name(), wShape, vShape, err)
		}
		out.shape, out.src = s, idxA
		out.vals = make([]float32, len(idxA))
		out.w = make([]float32, len(idxA))
		for k := range idxA {
			out.w[k] = wData[idxB[k]]
			out.vals[k] = values[idxA[k]] * out.w[k]
		}
	}
	out.scalar = len(out.shape) == 0 || (len(out.shape) == 1 && out.shape[0] == 0)
	return out, nil
}

func sumF(v []float32) float32 {
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	return float32(s)
}

// scale returns the reduced loss and the factor c with loss = c·Σ vals.
func (w weighted) reduce(reduction string) (float32, float32) {
	if w.scalar {
		if len(w.vals) == 0 {
			return 0, 0
		}
		return w.vals[0], 1
	}
	s := sumF(w.vals)
	switch reduction {
	case Sum:
		return s, 1
	case MeanWithSampleWeight:
		if w.hasW {
			if w.wsum == 0 {
				return 0, 0
			}
			return s / w.wsum, 1 / w.wsum
		}
	}
	n := float32(len(w.vals))
	if n == 0 {
		return 0, 0
	}
	return s / n, 1 / n
}

// Compute evaluates a loss the way keras.losses.Loss.__call__ does: per-sample
// values, merged with the loss's mask (ignore_class), multiplied by
// sampleWeight (nil for none; its rank is matched by dropping or adding a
// trailing 1-dimension, then numpy broadcasting) and reduced:
// "sum_over_batch_size"/"mean" divide Σ w·v by the number of values (not by
// Σ w), "sum" returns Σ w·v, "mean_with_sample_weight" divides by Σ w.
// Reduction "none" is refused here: use Values, or ComputeValues for
// weighted unreduced values.
func Compute(l kernels.Loss, yTrue, yPred, sampleWeight *tensor.Tensor, reduction string) (float32, error) {
	v, _, err := compute(l, yTrue, yPred, sampleWeight, reduction, false)
	return v, err
}

// ComputeGrad is Compute that also returns d loss / d yPred, shaped like
// yPred, for backpropagation.
func ComputeGrad(l kernels.Loss, yTrue, yPred, sampleWeight *tensor.Tensor, reduction string) (float32, *tensor.Tensor, error) {
	return compute(l, yTrue, yPred, sampleWeight, reduction, true)
}

// ComputeValues is reduction "none": the weighted per-sample values
// (values·sample_weight after rank matching and broadcasting).
func ComputeValues(l kernels.Loss, yTrue, yPred, sampleWeight *tensor.Tensor) (*tensor.Tensor, error) {
	lay, err := prepare(l, yTrue, yPred)
	if err != nil {
		return nil, err
	}
	values := make([]float32, lay.rows)
	l.PerSample(values, yTrue.Data(), yPred.Data(), lay.rows, lay.colsTrue, lay.colsPred)
	w, err := weigh(l, lay, values, yTrue.Data(), sampleWeight, None)
	if err != nil {
		return nil, err
	}
	return tensor.FromSlice(append([]float32(nil), w.vals...), w.shape...)
}

func compute(l kernels.Loss, yTrue, yPred, sw *tensor.Tensor, reduction string, grad bool) (float32, *tensor.Tensor, error) {
	if err := CheckReduction(reduction); err != nil {
		return 0, nil, err
	}
	if reduction == None || reduction == "" {
		return 0, nil, fmt.Errorf("losses: %s: reduction %q gives one value per sample; use ComputeValues", l.Name(), reduction)
	}
	lay, err := prepare(l, yTrue, yPred)
	if err != nil {
		return 0, nil, err
	}
	values := make([]float32, lay.rows)
	l.PerSample(values, yTrue.Data(), yPred.Data(), lay.rows, lay.colsTrue, lay.colsPred)
	w, err := weigh(l, lay, values, yTrue.Data(), sw, reduction)
	if err != nil {
		return 0, nil, err
	}
	loss, c := w.reduce(reduction)
	if !grad {
		return loss, nil, nil
	}
	dOut := make([]float32, lay.rows)
	if w.scalar {
		if len(w.w) > 0 {
			dOut[w.src[0]] = w.w[0]
		}
	} else {
		acc := make([]float64, lay.rows)
		for k, i := range w.src {
			acc[i] += float64(w.w[k]) * float64(c)
		}
		for i, a := range acc {
			dOut[i] = float32(a)
		}
	}
	d, err := tensor.New(yPred.Shape()...)
	if err != nil {
		return 0, nil, err
	}
	l.Grad(d.Data(), dOut, yTrue.Data(), yPred.Data(), lay.rows, lay.colsTrue, lay.colsPred)
	return loss, d, nil
}
