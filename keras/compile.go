package keras

import (
	"fmt"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/keras/losses"
	"github.com/kerago/kerago/keras/metrics"
	"github.com/kerago/kerago/keras/optimizers"
)

// CompileConfig mirrors model.compile's arguments.
//
//	model.compile(optimizer="adam", loss="mse", metrics=["mae"])
//	m.Compile(keras.CompileConfig{Optimizer: "adam", Loss: "mse", Metrics: []any{"mae"}})
type CompileConfig struct {
	// Optimizer is a name ("adam", "sgd", "rmsprop", ...) or an
	// optimizers.Optimizer. Empty means "rmsprop", Keras's default.
	Optimizer any
	// Loss is a name ("mse", "binary_crossentropy", ...) or a loss value
	// from package losses (anything implementing kernels.Loss).
	Loss any
	// Metrics are names ("mse", "accuracy", ...) or metrics.Metric values.
	// They ignore sample weights, as in Keras.
	Metrics []any
	// WeightedMetrics are like Metrics but weighted by sample/class weights.
	WeightedMetrics []any
	// LossWeights is compile's loss_weights: nil (1), a number, or a list
	// or dict holding one number (kerago models have one output). The
	// loss, and the logged "loss", is weight·loss as in Keras.
	LossWeights any
	// ClippedCrossentropy computes binary, categorical and sparse
	// categorical crossentropy on a sigmoid/softmax output from the
	// probabilities clipped to [1e-7, 1−1e-7], as Keras's torch and jax
	// backends do. By default kerago does what the TensorFlow backend does
	// (and what most saved files were trained with): it uses the logits
	// behind the activation, so a saturated output keeps its gradient.
	ClippedCrossentropy bool
}

type compiled struct {
	cfg        CompileConfig
	opt        optimizers.Optimizer
	loss       kernels.Loss
	lossName   string // as passed, for compile_config
	metricIDs  []any  // as passed
	wMetricIDs []any
	// resolved lazily once shapes are known
	metrics  []metrics.Metric
	wMetrics []metrics.Metric
	// logOrder lists loss (0) and metrics (i+1) in sorted-name order, as
	// Keras 3 hands logs to callbacks; computed once.
	logOrder []int
	// heads are the per-output losses and metrics of a model with several
	// outputs (nil otherwise; see heads.go).
	heads []*outputHead
}

// Compile configures the model for training, as model.compile.
func (m *Model) Compile(cfg CompileConfig) error {
	c := &compiled{cfg: cfg}
	switch o := cfg.Optimizer.(type) {
	case nil:
		opt, err := optimizers.Get("rmsprop")
		if err != nil {
			return fmt.Errorf("keras: Compile: %w", err)
		}
		c.opt = opt
	case string:
		if o == "" {
			o = "rmsprop"
		}
		opt, err := optimizers.Get(o)
		if err != nil {
			return fmt.Errorf("keras: Compile: optimizer: %w", err)
		}
		c.opt = opt
	case optimizers.Optimizer:
		c.opt = o
	default:
		return fmt.Errorf("keras: Compile: optimizer must be a name or an optimizers.Optimizer, got %T", cfg.Optimizer)
	}
	if outs := m.OutputShapes(); len(outs) > 1 {
		if err := m.compileHeads(c, cfg); err != nil {
			return fmt.Errorf("keras: Compile: %w", err)
		}
		m.comp = c
		m.invalidate()
		return nil
	}
	switch l := cfg.Loss.(type) {
	case nil:
		return fmt.Errorf("keras: Compile: a loss is required (e.g. Loss: \"mse\")")
	case string:
		lf, err := losses.Get(l)
		if err != nil {
			return fmt.Errorf("keras: Compile: loss: %w", err)
		}
		c.loss, c.lossName = lf, l
	case kernels.Loss:
		c.loss, c.lossName = l, l.Name()
		if r, ok := l.(interface{ Reduction() string }); ok {
			switch r.Reduction() {
			case "", "sum_over_batch_size", "mean", "auto":
			default:
				return fmt.Errorf("keras: Compile: loss %q with reduction %q: training supports only \"sum_over_batch_size\" (Keras's default)", l.Name(), r.Reduction())
			}
		}
	default:
		return fmt.Errorf("keras: Compile: loss must be a name or a loss from package losses, got %T", cfg.Loss)
	}
	lw, err := singleLossWeight(cfg.LossWeights)
	if err != nil {
		return fmt.Errorf("keras: Compile: %w", err)
	}
	if lw != 1 {
		c.loss = weightedLoss{Loss: c.loss, w: float32(lw)}
	}
	if cfg.ClippedCrossentropy {
		c.loss = kernels.Clipped{Loss: c.loss}
	}
	for _, id := range cfg.Metrics {
		if err := checkMetricID(id); err != nil {
			return err
		}
	}
	for _, id := range cfg.WeightedMetrics {
		if err := checkMetricID(id); err != nil {
			return err
		}
	}
	c.metricIDs = cfg.Metrics
	c.wMetricIDs = cfg.WeightedMetrics
	m.comp = c
	m.invalidate()
	return nil
}

func checkMetricID(id any) error {
	switch v := id.(type) {
	case string:
		// Resolve with a dummy shape to reject unknown names early.
		if _, err := metrics.Get(v, []int{1, 1}, []int{1, 1}); err != nil {
			return fmt.Errorf("keras: Compile: metric %q: %w", v, err)
		}
		return nil
	case metrics.Metric:
		return nil
	default:
		return fmt.Errorf("keras: Compile: a metric must be a name or a metrics.Metric, got %T", id)
	}
}

// Compiled reports whether Compile has been called.
func (m *Model) Compiled() bool { return m.comp != nil }

// Optimizer returns the compiled optimizer (nil before Compile).
func (m *Model) Optimizer() optimizers.Optimizer {
	if m.comp == nil {
		return nil
	}
	return m.comp.opt
}

// resolveMetrics builds the metric objects for the given label and
// prediction shapes (Keras resolves "accuracy" by shape).
func (c *compiled) resolveMetrics(yTrueShape, yPredShape []int) error {
	if c.metrics != nil || c.wMetrics != nil {
		return nil
	}
	build := func(ids []any) ([]metrics.Metric, error) {
		out := make([]metrics.Metric, 0, len(ids))
		for _, id := range ids {
			switch v := id.(type) {
			case string:
				mt, err := metrics.Get(v, yTrueShape, yPredShape)
				if err != nil {
					return nil, fmt.Errorf("keras: metric %q: %w", v, err)
				}
				out = append(out, mt)
			case metrics.Metric:
				out = append(out, v)
			}
		}
		return out, nil
	}
	var err error
	if c.metrics, err = build(c.metricIDs); err != nil {
		return err
	}
	if c.wMetrics, err = build(c.wMetricIDs); err != nil {
		return err
	}
	uniqueMetricNames(c.metrics, c.wMetrics)
	return nil
}

func (c *compiled) allMetrics() []metrics.Metric {
	if c.heads != nil {
		return c.headMetricList()
	}
	return append(append([]metrics.Metric(nil), c.metrics...), c.wMetrics...)
}

// MetricDirection reports "up" or "down" for a compiled metric name, used by
// callbacks in mode "auto".
func (m *Model) MetricDirection(name string) string {
	if name == "loss" {
		return "down"
	}
	if m.comp == nil {
		return ""
	}
	for _, mt := range m.comp.allMetrics() {
		if mt.Name() == name {
			return mt.Direction()
		}
	}
	return ""
}

// LearningRate returns the optimizer's current learning rate.
func (m *Model) LearningRate() (float64, error) {
	if m.comp == nil {
		return 0, errNotCompiled("LearningRate")
	}
	return m.comp.opt.LearningRate(), nil
}

// SetLearningRate assigns the optimizer's learning rate.
func (m *Model) SetLearningRate(lr float64) error {
	if m.comp == nil {
		return errNotCompiled("SetLearningRate")
	}
	return m.comp.opt.SetLearningRate(lr)
}

// SetStopTraining asks a running Fit to stop (model.stop_training = True).
func (m *Model) SetStopTraining(stop bool) { m.stopTraining = stop }

func errNotCompiled(op string) error {
	return fmt.Errorf("keras: %s: the model must be compiled first: call Compile(keras.CompileConfig{Optimizer: ..., Loss: ...})", op)
}
