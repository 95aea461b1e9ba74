package metrics

import (
	"fmt"
	"math"
	"sort"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/tensor"
)

// confusion accumulates weighted true/false positives/negatives at a list
// of thresholds (metrics_utils.update_confusion_matrix_variables): a
// prediction is positive at threshold t when ŷ > t, a label is positive
// when non-zero. Counts are float32 variables as in Keras.
type confusion struct {
	thresholds     []float32
	tp, fp, tn, fn []float32
	// topK > 0 keeps the k largest predictions of each row and sets the
	// others to −1e10 (_filter_top_k); classID ≥ 0 then keeps only that
	// column of y_true and y_pred (y[..., class_id]).
	topK, classID int
}

func newConfusion(th []float64) confusion {
	c := confusion{thresholds: make([]float32, len(th)), classID: -1}
	for i, t := range th {
		c.thresholds[i] = float32(t)
	}
	c.tp = make([]float32, len(th))
	c.fp = make([]float32, len(th))
	c.tn = make([]float32, len(th))
	c.fn = make([]float32, len(th))
	return c
}

func (c *confusion) reset() {
	clear(c.tp)
	clear(c.fp)
	clear(c.tn)
	clear(c.fn)
}

func (c *confusion) update(yTrue, yPred, sw *tensor.Tensor, sigmoid bool) error {
	if yTrue == nil || yPred == nil {
		return fmt.Errorf("y_true and y_pred are required")
	}
	p, t := kernels.SqueezeOrExpand(yPred.Shape(), yTrue.Shape())
	if !tensor.SameShape(p, t) {
		return fmt.Errorf("y_true shape %v does not match y_pred shape %v", yTrue.Shape(), yPred.Shape())
	}
	n := yPred.Len()
	w := make([]float32, n)
	if sw == nil {
		for i := range w {
			w[i] = 1
		}
	} else {
		p2, ws := kernels.SqueezeOrExpand(p, sw.Shape())
		bs, _, idxW, err := kernels.Broadcast(p2, ws)
		if err != nil || !tensor.SameShape(bs, p2) {
			return fmt.Errorf("sample_weight shape %v cannot be broadcast to y_pred shape %v", sw.Shape(), yPred.Shape())
		}
		for i := range w {
			w[i] = sw.Data()[idxW[i]]
		}
	}
	pd, td := yPred.Data(), yTrue.Data()
	if c.topK > 0 || c.classID >= 0 {
		var err error
		if pd, td, w, err = c.selectPreds(pd, td, w, p); err != nil {
			return err
		}
	}
	tp := make([]float64, len(c.thresholds))
	fp := make([]float64, len(c.thresholds))
	tn := make([]float64, len(c.thresholds))
	fn := make([]float64, len(c.thresholds))
	for i := range pd {
		v := pd[i]
		if sigmoid {
			v = float32(1 / (1 + math.Exp(-float64(v))))
		}
		pos := td[i] != 0
		for k, th := range c.thresholds {
			pp := v > th
			switch {
			case pos && pp:
				tp[k] += float64(w[i])
			case pos:
				fn[k] += float64(w[i])
			case pp:
				fp[k] += float64(w[i])
			default:
				tn[k] += float64(w[i])
			}
		}
	}
	for k := range c.thresholds {
		c.tp[k] += float32(tp[k])
		c.fp[k] += float32(fp[k])
		c.tn[k] += float32(tn[k])
		c.fn[k] += float32(fn[k])
	}
	return nil
}

// negInf is metrics_utils.NEG_INF.
const negInf = -1e10

// selectPreds applies top_k and class_id as update_confusion_matrix_variables
// does, on rows of the last axis of shape.
func (c *confusion) selectPreds(pd, td, w []float32, shape []int) ([]float32, []float32, []float32, error) {
	if len(shape) < 2 {
		if c.classID >= 0 {
			return nil, nil, nil, fmt.Errorf("class_id needs y_pred of shape (num_samples, num_classes), got %v", shape)
		}
	}
	cols := 1
	if len(shape) > 0 {
		cols = shape[len(shape)-1]
	}
	if c.classID >= cols {
		return nil, nil, nil, fmt.Errorf("class_id %d is out of range for y_pred with %d classes", c.classID, cols)
	}
	if c.topK > 0 {
		pd = filterTopK(pd, cols, c.topK)
	}
	if c.classID < 0 {
		return pd, td, w, nil
	}
	rows := len(pd) / cols
	p2, t2, w2 := make([]float32, rows), make([]float32, rows), make([]float32, rows)
	for r := range rows {
		i := r*cols + c.classID
		p2[r], t2[r], w2[r] = pd[i], td[i], w[i]
	}
	return p2, t2, w2, nil
}

// filterTopK is _filter_top_k: x·mask + NEG_INF·(1 − mask) with the mask
// marking each row's k largest values (ties to the lower index, as
// ops.top_k).
func filterTopK(pd []float32, cols, k int) []float32 {
	out := make([]float32, len(pd))
	idx := make([]int, cols)
	for r := 0; r < len(pd)/cols; r++ {
		row := pd[r*cols : (r+1)*cols]
		for j := range idx {
			idx[j] = j
		}
		sort.SliceStable(idx, func(a, b int) bool { return row[idx[a]] > row[idx[b]] })
		for j := range cols {
			out[r*cols+j] = negInf
		}
		for _, j := range idx[:min(k, cols)] {
			out[r*cols+j] = row[j]
		}
	}
	return out
}

func divNoNaN(a, b float32) float32 {
	if b == 0 {
		return 0
	}
	return a / b
}

// ratioMetric is Precision or Recall.
type ratioMetric struct {
	name, class string
	c           confusion
	recall      bool
	th          []float64
	explicitTh  bool // thresholds given (get_config's init_thresholds)
}

func (m *ratioMetric) Name() string      { return m.name }
func (m *ratioMetric) Direction() string { return "up" }
func (m *ratioMetric) Reset()            { m.c.reset() }

// ClassName is "Precision" or "Recall".
func (m *ratioMetric) ClassName() string { return m.class }

// Config is Keras's get_config().
func (m *ratioMetric) Config() map[string]any {
	var th any = m.th[0]
	if len(m.th) > 1 {
		th = m.th
	}
	if !m.explicitTh {
		th = nil
	}
	var topK, classID any
	if m.c.topK > 0 {
		topK = m.c.topK
	}
	if m.c.classID >= 0 {
		classID = m.c.classID
	}
	return map[string]any{"name": m.name, "dtype": "float32", "thresholds": th, "top_k": topK, "class_id": classID}
}

func (m *ratioMetric) Update(yTrue, yPred, sampleWeight *tensor.Tensor) error {
	if err := m.c.update(yTrue, yPred, sampleWeight, false); err != nil {
		return fmt.Errorf("metrics: %s: %w", m.name, err)
	}
	return nil
}

// Result is tp/(tp+fp) (Precision) or tp/(tp+fn) (Recall) at the first
// threshold.
func (m *ratioMetric) Result() float64 {
	if m.recall {
		return float64(divNoNaN(m.c.tp[0], m.c.tp[0]+m.c.fn[0]))
	}
	return float64(divNoNaN(m.c.tp[0], m.c.tp[0]+m.c.fp[0]))
}

// Results returns the value at every threshold.
func (m *ratioMetric) Results() []float64 {
	out := make([]float64, len(m.th))
	for k := range out {
		if m.recall {
			out[k] = float64(divNoNaN(m.c.tp[k], m.c.tp[k]+m.c.fn[k]))
		} else {
			out[k] = float64(divNoNaN(m.c.tp[k], m.c.tp[k]+m.c.fp[k]))
		}
	}
	return out
}

func newRatio(class, def string, recall bool, opts []Option) Metric {
	o := apply(opts)
	th := o.thresholds
	explicit := len(th) > 0
	if !explicit {
		// Keras: 0.5, or NEG_INF with top_k.
		th = []float64{0.5}
		if o.topK > 0 {
			th = []float64{negInf}
		}
	}
	name := o.name
	if name == "" {
		name = def
	}
	c := newConfusion(th)
	c.topK, c.classID = o.topK, o.classID
	return &ratioMetric{name: name, class: class, c: c, recall: recall, th: th, explicitTh: explicit}
}

// Precision is keras.metrics.Precision(thresholds=None, top_k=None,
// class_id=None): weighted tp/(tp+fp) with ŷ > threshold counted positive
// (threshold 0.5, or −1e10 with TopK). TopK keeps each row's k largest
// predictions; ClassID looks at one column only. Results() gives every
// threshold's value when several are set.
func Precision(opts ...Option) Metric { return newRatio("Precision", "precision", false, opts) }

// Recall is keras.metrics.Recall(thresholds=None, top_k=None,
// class_id=None): weighted tp/(tp+fn), with TopK and ClassID as Precision.
func Recall(opts ...Option) Metric { return newRatio("Recall", "recall", true, opts) }

// aucMetric is keras.metrics.AUC with curve="ROC" and
// summation_method="interpolation" (the defaults).
type aucMetric struct {
	name       string
	c          confusion
	n          int
	fromLogits bool
}

// AUC is keras.metrics.AUC(num_thresholds=200, curve="ROC",
// summation_method="interpolation"): thresholds −ε, 1/(n−1), …,
// (n−2)/(n−1), 1+ε; the ROC curve's area by the trapezoidal rule over the
// confusion counts. FromLogits applies a sigmoid first.
func AUC(opts ...Option) Metric {
	o := apply(opts)
	n := o.numThresholds
	var th []float64
	if len(o.thresholds) > 0 {
		th = append([]float64{0 - 1e-7}, o.thresholds...)
		th = append(th, 1+1e-7)
		n = len(th)
	} else {
		if n < 2 {
			n = 2
		}
		th = []float64{0 - 1e-7}
		for i := 0; i < n-2; i++ {
			th = append(th, float64(i+1)*1.0/float64(n-1))
		}
		th = append(th, 1+1e-7)
	}
	name := o.name
	if name == "" {
		name = "auc"
	}
	return &aucMetric{name: name, c: newConfusion(th), n: n, fromLogits: o.fromLogits}
}

func (m *aucMetric) Name() string      { return m.name }
func (m *aucMetric) Direction() string { return "up" }
func (m *aucMetric) Reset()            { m.c.reset() }

// ClassName is "AUC".
func (m *aucMetric) ClassName() string { return "AUC" }

// Config is Keras's get_config().
func (m *aucMetric) Config() map[string]any {
	return map[string]any{"name": m.name, "dtype": "float32", "num_thresholds": m.n, "curve": "ROC",
		"summation_method": "interpolation", "multi_label": false, "num_labels": nil, "label_weights": nil,
		"from_logits": m.fromLogits}
}

func (m *aucMetric) Update(yTrue, yPred, sampleWeight *tensor.Tensor) error {
	if err := m.c.update(yTrue, yPred, sampleWeight, m.fromLogits); err != nil {
		return fmt.Errorf("metrics: %s: %w", m.name, err)
	}
	return nil
}

// Result is Σ (fpr_i − fpr_{i+1})·(tpr_i + tpr_{i+1})/2 in float32.
func (m *aucMetric) Result() float64 {
	c := m.c
	k := len(c.thresholds)
	tpr := make([]float32, k)
	fpr := make([]float32, k)
	for i := range k {
		tpr[i] = divNoNaN(c.tp[i], c.tp[i]+c.fn[i])
		fpr[i] = divNoNaN(c.fp[i], c.fp[i]+c.tn[i])
	}
	var s float64
	for i := 0; i < k-1; i++ {
		h := (tpr[i] + tpr[i+1]) / 2
		s += float64((fpr[i] - fpr[i+1]) * h)
	}
	return float64(float32(s))
}
