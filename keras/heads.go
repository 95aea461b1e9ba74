package keras

import (
	"context"
	"errors"
	"fmt"

	"github.com/kerago/kerago/internal/cfgval"
	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/keras/callbacks"
	"github.com/kerago/kerago/keras/losses"
	"github.com/kerago/kerago/keras/metrics"
	"github.com/kerago/kerago/tensor"
)

// outputHead is what Compile gives one output of a model with several
// outputs: its loss, loss weight and metrics; logs are named after the
// output layer (out_cls_loss, out_cls_accuracy), as Keras names them.
type outputHead struct {
	name      string
	loss      kernels.Loss
	lossID    any // as passed, for compile_config
	weight    float32
	metricIDs []any
	metrics   []metrics.Metric
	tracker   meanF32
}

// compileHeads fills c.heads for a model with several outputs. Loss is one
// loss for every output, a list (one per output) or a map by output name;
// Metrics a flat list (every output), a list of lists or a map by output
// name; LossWeights nil, a list or a map.
func (m *Model) compileHeads(c *compiled, cfg CompileConfig) error {
	names := m.OutputNames()
	pick := func(what string, v any) ([]any, error) {
		out := make([]any, len(names))
		switch x := v.(type) {
		case []any:
			if len(x) != len(names) {
				return nil, fmt.Errorf("%s lists %d entries for %d outputs (%v)", what, len(x), len(names), names)
			}
			copy(out, x)
		case map[string]any:
			for k := range x {
				if !contains(names, k) {
					return nil, fmt.Errorf("%s names %q, which is not an output (%v)", what, k, names)
				}
			}
			for i, n := range names {
				out[i] = x[n]
			}
		default:
			for i := range out {
				out[i] = v
			}
		}
		return out, nil
	}
	ls, err := pick("loss", cfg.Loss)
	if err != nil {
		return err
	}
	var ws []any
	switch w := cfg.LossWeights.(type) {
	case nil:
		ws = make([]any, len(names))
	case []float64:
		ws = make([]any, len(w))
		for i, v := range w {
			ws[i] = v
		}
		if len(ws) != len(names) {
			return fmt.Errorf("loss_weights lists %d entries for %d outputs", len(ws), len(names))
		}
	default:
		if ws, err = pick("loss_weights", w); err != nil {
			return err
		}
	}
	ms, err := headMetrics(names, cfg.Metrics)
	if err != nil {
		return err
	}
	for i, n := range names {
		h := &outputHead{name: n, lossID: ls[i], weight: 1, metricIDs: ms[i]}
		if h.loss, err = resolveLoss(ls[i]); err != nil {
			return fmt.Errorf("output %q: loss: %w", n, err)
		}
		if cfg.ClippedCrossentropy {
			h.loss = kernels.Clipped{Loss: h.loss}
		}
		if ws[i] != nil {
			f, ok := cfgval.Float(ws[i])
			if !ok {
				return fmt.Errorf("output %q: loss weight %v is not a number", n, ws[i])
			}
			h.weight = float32(f)
		}
		for _, id := range h.metricIDs {
			if err := checkMetricID(id); err != nil {
				return err
			}
		}
		c.heads = append(c.heads, h)
	}
	if len(cfg.WeightedMetrics) > 0 {
		return errors.New("weighted_metrics on a model with several outputs is not supported yet")
	}
	return nil
}

// headMetrics splits Metrics per output.
func headMetrics(names []string, ms []any) ([][]any, error) {
	out := make([][]any, len(names))
	if len(ms) == 1 {
		if byName, ok := ms[0].(map[string]any); ok {
			for i, n := range names {
				out[i], _ = byName[n].([]any)
			}
			return out, nil
		}
	}
	nested := len(ms) == len(names)
	for _, e := range ms {
		if _, ok := e.([]any); !ok && e != nil {
			nested = false
		}
	}
	switch {
	case nested:
		for i, e := range ms {
			out[i], _ = e.([]any)
		}
	default:
		for i := range out {
			out[i] = ms
		}
	}
	return out, nil
}

func resolveLoss(id any) (kernels.Loss, error) {
	switch l := id.(type) {
	case string:
		return losses.Get(l)
	case kernels.Loss:
		return l, nil
	case nil:
		return nil, errors.New("no loss given for this output")
	}
	return nil, fmt.Errorf("a loss must be a name or a loss from package losses, got %T", id)
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

// reset clears the metrics and per-output loss trackers (each epoch).
func (c *compiled) reset() {
	for _, mt := range c.allMetrics() {
		mt.Reset()
	}
	for _, h := range c.heads {
		h.tracker = meanF32{}
	}
}

// addHeadLosses records one batch's per-output losses.
func (c *compiled) addHeadLosses(ls []float32, rows float32) {
	if c.heads == nil {
		return
	}
	for i, h := range c.heads {
		h.tracker.add(ls[i], rows)
	}
}

// resolveAll builds the metric objects for the targets' shapes.
func (c *compiled) resolveAll(ys []*tensor.Tensor, outShapes [][]int) error {
	if c.heads == nil {
		return c.resolveMetrics(ys[0].Shape(), append([]int{1}, outShapes[0]...))
	}
	for i, h := range c.heads {
		if h.metrics != nil {
			continue
		}
		h.metrics = []metrics.Metric{}
		for _, id := range h.metricIDs {
			switch v := id.(type) {
			case string:
				mt, err := metrics.Get(v, ys[i].Shape(), append([]int{1}, outShapes[i]...))
				if err != nil {
					return fmt.Errorf("keras: output %q: metric %q: %w", h.name, v, err)
				}
				h.metrics = append(h.metrics, mt)
			case metrics.Metric:
				h.metrics = append(h.metrics, v)
			}
		}
	}
	return nil
}

// updateHeads updates every output's metrics with its targets and
// predictions.
func (c *compiled) updateHeads(ys, yPreds []*tensor.Tensor, sw *tensor.Tensor) error {
	for i, h := range c.heads {
		for _, mt := range h.metrics {
			if err := mt.Update(ys[i], yPreds[i], nil); err != nil {
				return fmt.Errorf("keras: output %q: metric %q: %w", h.name, mt.Name(), err)
			}
		}
	}
	return nil
}

// headLogs returns loss, each output's loss, then each output's metrics,
// named as Keras names them.
func (c *compiled) headLogs(total *meanF32) *Logs {
	l := callbacks.NewLogs()
	l.Set("loss", total.result())
	for _, h := range c.heads {
		l.Set(h.name+"_loss", h.tracker.result())
	}
	for _, h := range c.heads {
		for _, mt := range h.metrics {
			l.Set(h.name+"_"+mt.Name(), mt.Result())
		}
	}
	return l
}

// headMetricList returns every output's metrics.
func (c *compiled) headMetricList() []metrics.Metric {
	var out []metrics.Metric
	for _, h := range c.heads {
		out = append(out, h.metrics...)
	}
	return out
}

// FitN trains a model with several inputs or outputs: one tensor per input
// (InputNames order) and one target per output (OutputNames order), with
// Fit's configuration. ValidationData and ClassWeight are not supported
// here (ValidationSplit is).
func (m *Model) FitN(ctx context.Context, xs, ys []*tensor.Tensor, cfg FitConfig) (*History, error) {
	if m.comp == nil {
		return nil, errNotCompiled("Fit")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if cfg.ValidationData != nil || cfg.ClassWeight != nil {
		return nil, errors.New("keras: FitN: ValidationData and ClassWeight are not supported with several inputs or outputs (use ValidationSplit, SampleWeight)")
	}
	if err := m.checkDataN("Fit", xs, ys, cfg.SampleWeight); err != nil {
		return nil, err
	}
	return m.fit(ctx, dataset{xs: xs, ys: ys, sw: cfg.SampleWeight}, cfg)
}

// EvaluateN is Evaluate for a model with several inputs or outputs; the
// logs hold loss, each output's loss and each output's metrics.
func (m *Model) EvaluateN(xs, ys []*tensor.Tensor, cfg EvaluateConfig) (*Logs, error) {
	if m.comp == nil {
		return nil, errNotCompiled("Evaluate")
	}
	if err := m.checkDataN("Evaluate", xs, ys, cfg.SampleWeight); err != nil {
		return nil, err
	}
	if err := m.comp.resolveAll(ys, m.OutputShapes()); err != nil {
		return nil, err
	}
	bs := cfg.BatchSize
	if bs <= 0 {
		bs = 32
	}
	return m.evaluate(context.Background(), dataset{xs: xs, ys: ys, sw: cfg.SampleWeight}, bs, cfg.Steps, nil, false)
}

// checkDataN validates one tensor per input and one target per output.
func (m *Model) checkDataN(op string, xs, ys []*tensor.Tensor, sw *tensor.Tensor) error {
	if !m.built {
		return ErrNotBuilt
	}
	if err := m.checkTokenIDs(xs); err != nil {
		return fmt.Errorf("keras: %s: %w", op, err)
	}
	ins, outs := m.InputShapes(), m.OutputShapes()
	if len(xs) != len(ins) || len(ys) != len(outs) {
		return fmt.Errorf("keras: %s: %d inputs and %d targets given, model %q has %d inputs (%v) and %d outputs (%v)", op, len(xs), len(ys), m.name, len(ins), m.InputNames(), len(outs), m.OutputNames())
	}
	n := -1
	for i, x := range xs {
		if x == nil || x.Rank() == 0 || !tensor.SameShape(x.Shape()[1:], ins[i]) {
			return fmt.Errorf("keras: %s: input %q wants (batch, %s)", op, m.InputNames()[i], dims(ins[i]))
		}
		if n >= 0 && x.Dim(0) != n {
			return fmt.Errorf("keras: %s: input %q has %d samples, the first input %d", op, m.InputNames()[i], x.Dim(0), n)
		}
		n = x.Dim(0)
		if err := x.CheckFinite(); err != nil {
			return fmt.Errorf("keras: %s: input %q: %w", op, m.InputNames()[i], err)
		}
	}
	for i, y := range ys {
		if y == nil || y.Rank() == 0 || y.Dim(0) != n {
			return fmt.Errorf("keras: %s: targets of output %q must have %d samples", op, m.OutputNames()[i], n)
		}
		if err := y.CheckFinite(); err != nil {
			return fmt.Errorf("keras: %s: targets of output %q: %w", op, m.OutputNames()[i], err)
		}
	}
	if sw != nil && (sw.Rank() == 0 || sw.Dim(0) != n) {
		return fmt.Errorf("keras: %s: sample_weight has shape %v but x has %d samples", op, sw.Shape(), n)
	}
	return nil
}
