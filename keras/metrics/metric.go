// Package metrics holds Keras 3's metrics for kerago: stateful objects that
// accumulate over the batches of an epoch exactly as keras.metrics does,
// with float32 state variables.
//
// Python → Go:
//
//	keras.metrics.Mean(name="loss")                  metrics.NewMean("loss")
//	keras.metrics.MeanSquaredError()                 metrics.MeanSquaredError()
//	keras.metrics.BinaryAccuracy(threshold=0.5)      metrics.BinaryAccuracy(metrics.Threshold(0.5))
//	keras.metrics.AUC()                              metrics.AUC()
//	compile(metrics=["accuracy"])                    metrics.Get("accuracy", yTrueShape, yPredShape)
//	m.update_state(y_true, y_pred, sample_weight)    m.Update(yTrue, yPred, sampleWeight)
//	m.result() / m.reset_state()                     m.Result() / m.Reset()
//
// Mean-type metrics (every metric here except Precision, Recall and AUC)
// follow reduction_metrics.Mean: the metric function gives values per
// element or per sample, reduced to one value per sample (mean over the
// non-batch axes); total += Σ v·w and count += Σ w (or the batch size when
// unweighted); result = total/count (0 when count is 0). A scalar sample
// weight weighs the batch as a whole: values are averaged to one number and
// count grows by the weight, as Keras does.
package metrics

import (
	"fmt"
	"math"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/tensor"
)

// Metric is a Keras metric.
type Metric interface {
	// Name is the metric's name, the key it has in training logs.
	Name() string
	// Update accumulates one batch (update_state); sampleWeight may be nil.
	Update(yTrue, yPred, sampleWeight *tensor.Tensor) error
	// Result is the current value (result()), a float32 widened.
	Result() float64
	// Reset clears the state (reset_state()).
	Reset()
	// Direction is "up" when larger is better (accuracy, AUC), "down" for
	// error metrics, "" when unknown (Mean): what callbacks' mode "auto"
	// uses.
	Direction() string
}

// Mean is keras.metrics.Mean: a weighted mean of the values it is given,
// kept in float32 total and count variables. The training loop's loss
// tracker is a Mean named "loss" updated with UpdateScalar(batchLoss,
// batchSize).
type Mean struct {
	name         string
	total, count float32
}

// NewMean returns a Mean named name (Keras default "mean").
func NewMean(name string) *Mean {
	if name == "" {
		name = "mean"
	}
	return &Mean{name: name}
}

// Name implements Metric.
func (m *Mean) Name() string { return m.name }

// Direction implements Metric: "" (Keras sets none).
func (m *Mean) Direction() string { return "" }

// Reset implements Metric.
func (m *Mean) Reset() { m.total, m.count = 0, 0 }

// Result implements Metric: total/count, 0 when count is 0.
func (m *Mean) Result() float64 {
	if m.count == 0 {
		return 0
	}
	return float64(m.total / m.count)
}

// Total and Count return the float32 state variables.
func (m *Mean) Total() float32 { return m.total }

// Count returns the accumulated weight.
func (m *Mean) Count() float32 { return m.count }

// UpdateScalar adds one value with a weight: total += v·w, count += w, in
// float32 (update_state(v, sample_weight=w) with scalars).
func (m *Mean) UpdateScalar(v, weight float64) {
	m.total += float32(v) * float32(weight)
	m.count += float32(weight)
}

// Update implements Metric for a Mean: yPred holds the values, yTrue is
// ignored (update_state(values, sample_weight)).
func (m *Mean) Update(yTrue, yPred, sampleWeight *tensor.Tensor) error {
	if yPred == nil {
		return fmt.Errorf("metrics: %s: no values", m.name)
	}
	return m.UpdateValues(yPred.Data(), yPred.Shape(), sampleWeight)
}

// UpdateValues is Mean.update_state(values, sample_weight) for values of
// the given shape.
func (m *Mean) UpdateValues(values []float32, shape []int, sampleWeight *tensor.Tensor) error {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n != len(values) {
		return fmt.Errorf("metrics: %s: %d values for shape %v", m.name, len(values), shape)
	}
	total, count, err := samplewise(values, shape, sampleWeight)
	if err != nil {
		return fmt.Errorf("metrics: %s: %w", m.name, err)
	}
	m.total += total
	m.count += count
	return nil
}

// meanTrailing averages data of shape over the axes from keep on.
func meanTrailing(data []float32, shape []int, keep int) ([]float32, []int) {
	outer := 1
	for _, d := range shape[:keep] {
		outer *= d
	}
	inner := 1
	for _, d := range shape[keep:] {
		inner *= d
	}
	out := make([]float32, outer)
	for i := range out {
		var s float64
		for _, v := range data[i*inner : (i+1)*inner] {
			s += float64(v)
		}
		if inner == 0 {
			out[i] = float32(math.NaN())
		} else {
			out[i] = float32(s) / float32(inner)
		}
	}
	return out, append([]int(nil), shape[:keep]...)
}

func sum32(v []float32) float32 {
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	return float32(s)
}

// samplewise is reduce_to_samplewise_values followed by Mean's sums: it
// returns Σ values (weighted) and the count increment.
func samplewise(values []float32, shape []int, sw *tensor.Tensor) (float32, float32, error) {
	var wsum float32
	hasW := sw != nil
	if hasW {
		vS, wS := kernels.SqueezeOrExpand(shape, sw.Shape())
		if len(vS) > len(wS) {
			values, vS = meanTrailing(values, vS, len(wS))
		}
		bs, idxV, idxW, err := kernels.Broadcast(vS, wS)
		if err != nil || !tensor.SameShape(bs, vS) {
			return 0, 0, fmt.Errorf("sample_weight shape %v cannot be broadcast to the values' shape %v", sw.Shape(), shape)
		}
		wd := sw.Data()
		wb := make([]float32, len(idxV))
		v2 := make([]float32, len(idxV))
		for k := range idxV {
			wb[k] = wd[idxW[k]]
			v2[k] = values[idxV[k]] * wb[k]
		}
		values = v2
		shape = vS
		if len(wS) > 1 {
			wb, _ = meanTrailing(wb, vS, 1)
		}
		wsum = sum32(wb)
	}
	if len(shape) > 1 {
		values, shape = meanTrailing(values, shape, 1)
	}
	total := sum32(values)
	switch {
	case hasW:
		return total, wsum, nil
	case len(shape) >= 1:
		return total, float32(shape[0]), nil
	default:
		return total, 1, nil
	}
}

// valuesFn computes a metric function's values and their shape.
type valuesFn func(yTrue, yPred *tensor.Tensor) ([]float32, []int, error)

// wrapper is keras.metrics.MeanMetricWrapper: a Mean over a function's
// values.
type wrapper struct {
	Mean
	class string
	dir   string
	fn    valuesFn
	cfg   map[string]any
	sqrt  bool // RootMeanSquaredError
}

func (w *wrapper) Direction() string { return w.dir }

// ClassName is the Keras class ("MeanSquaredError").
func (w *wrapper) ClassName() string { return w.class }

// Config is Keras's get_config(): name, dtype and the class's arguments.
func (w *wrapper) Config() map[string]any {
	c := map[string]any{"name": w.name, "dtype": "float32"}
	for k, v := range w.cfg {
		c[k] = v
	}
	return c
}

func (w *wrapper) Update(yTrue, yPred, sampleWeight *tensor.Tensor) error {
	if yTrue == nil || yPred == nil {
		return fmt.Errorf("metrics: %s: y_true and y_pred are required", w.name)
	}
	v, s, err := w.fn(yTrue, yPred)
	if err != nil {
		return fmt.Errorf("metrics: %s: %w", w.name, err)
	}
	return w.UpdateValues(v, s, sampleWeight)
}

func (w *wrapper) Result() float64 {
	if w.sqrt {
		var r float32
		if w.count != 0 {
			r = w.total / w.count
		}
		return float64(float32(math.Sqrt(float64(r))))
	}
	return w.Mean.Result()
}

// Option configures a metric constructor.
type Option func(*options)

type options struct {
	name           string
	threshold      float64
	k              int
	fromLogits     bool
	labelSmoothing float64
	ignoreClass    *int
	numThresholds  int
	thresholds     []float64
	topK           int // 0: none
	classID        int // -1: none
}

// TopK sets Precision/Recall's top_k: only each row's k largest
// predictions can count as positive.
func TopK(k int) Option { return func(o *options) { o.topK = k } }

// ClassID sets Precision/Recall's class_id: the metric looks at that
// column of y_true and y_pred only.
func ClassID(c int) Option { return func(o *options) { o.classID = c } }

// WithName sets the metric's name.
func WithName(n string) Option { return func(o *options) { o.name = n } }

// Threshold sets BinaryAccuracy's threshold (default 0.5), or the single
// threshold of Precision/Recall.
func Threshold(t float64) Option {
	return func(o *options) { o.threshold = t; o.thresholds = []float64{t} }
}

// Thresholds sets Precision/Recall thresholds (result is for the first) or
// AUC's explicit thresholds.
func Thresholds(t ...float64) Option { return func(o *options) { o.thresholds = t } }

// K sets k for the top-k accuracies (default 5).
func K(k int) Option { return func(o *options) { o.k = k } }

// FromLogits marks y_pred as logits (crossentropy metrics, AUC).
func FromLogits(b bool) Option { return func(o *options) { o.fromLogits = b } }

// LabelSmoothing sets label smoothing (crossentropy metrics).
func LabelSmoothing(v float64) Option { return func(o *options) { o.labelSmoothing = v } }

// IgnoreClass sets SparseCategoricalCrossentropy's ignore_class.
func IgnoreClass(c int) Option { return func(o *options) { o.ignoreClass = &c } }

// NumThresholds sets AUC's num_thresholds (default 200).
func NumThresholds(n int) Option { return func(o *options) { o.numThresholds = n } }

func apply(opts []Option) options {
	o := options{threshold: 0.5, k: 5, numThresholds: 200, classID: -1}
	for _, f := range opts {
		f(&o)
	}
	return o
}

func newWrapper(class, defName, dir string, o options, fn valuesFn, cfg map[string]any) *wrapper {
	name := o.name
	if name == "" {
		name = defName
	}
	return &wrapper{Mean: Mean{name: name}, class: class, dir: dir, fn: fn, cfg: cfg}
}
