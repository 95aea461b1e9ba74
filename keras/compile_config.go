package keras

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/keras/losses"
	"github.com/kerago/kerago/keras/metrics"
	"github.com/kerago/kerago/keras/optimizers"
	"github.com/kerago/kerago/loader"
)

// FileCompile is a file's compile configuration read for Compile: the
// parts kerago can restore in Config, and what it cannot.
type FileCompile struct {
	// Config holds the optimizer, loss, metrics (as metric objects with
	// their config: threshold, thresholds, top_k, class_id, ...), weighted
	// metrics and loss weights. A part that failed is left empty.
	Config CompileConfig
	// OptimizerErr and LossErr say why the optimizer or the loss could not
	// be restored (nil when they were, or when the file has none).
	OptimizerErr, LossErr error
	// Warnings name the metric entries left out, as Keras warns about
	// objects it cannot deserialize.
	Warnings []string
}

// CompileFromFile reads a loaded file's compile configuration. Metric
// entries kerago cannot restore are left out with a warning; an optimizer
// or loss it cannot restore is reported in OptimizerErr/LossErr, so a
// caller can replace them (kerago fit --optimizer/--loss) or load the model
// for inference only.
func CompileFromFile(tc *loader.TrainingConfig) FileCompile {
	var fc FileCompile
	if tc == nil {
		return fc
	}
	if tc.Optimizer != nil {
		opt, err := optimizers.FromConfig(tc.Optimizer.ClassName, tc.Optimizer.Config)
		if err != nil {
			fc.OptimizerErr = err
		} else {
			fc.Config.Optimizer = opt
		}
	}
	fc.Config.Loss, fc.LossErr = lossFromFile(tc.Loss)
	fc.Config.Metrics, fc.Warnings = metricsFromFile("metrics", tc.Metrics, fc.Warnings)
	switch om := tc.OutputMetrics.(type) {
	case []any:
		per := make([]any, len(om))
		for i, e := range om {
			ids, _ := e.([]any)
			var list []any
			list, fc.Warnings = metricsFromFile("metrics", ids, fc.Warnings)
			per[i] = list
		}
		fc.Config.Metrics = per
	case map[string]any:
		per := make(map[string]any, len(om))
		for k, e := range om {
			ids, _ := e.([]any)
			var list []any
			list, fc.Warnings = metricsFromFile("metrics", ids, fc.Warnings)
			per[k] = list
		}
		fc.Config.Metrics = []any{per}
	}
	fc.Config.WeightedMetrics, fc.Warnings = metricsFromFile("weighted_metrics", tc.WeightedMetrics, fc.Warnings)
	fc.Config.LossWeights = tc.LossWeights
	return fc
}

func lossFromFile(v any) (any, error) {
	switch l := v.(type) {
	case string:
		if _, err := losses.Get(l); err != nil {
			return nil, err
		}
		return l, nil
	case *loader.ObjectConfig:
		return losses.FromConfig(l.ClassName, l.Config)
	case nil:
		return nil, errors.New("no loss in the compile config")
	case []any:
		out := make([]any, len(l))
		for i, e := range l {
			r, err := lossFromFile(e)
			if err != nil {
				return nil, fmt.Errorf("output %d: %w", i, err)
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(l))
		for k, e := range l {
			r, err := lossFromFile(e)
			if err != nil {
				return nil, fmt.Errorf("output %q: %w", k, err)
			}
			out[k] = r
		}
		return out, nil
	}
	return nil, fmt.Errorf("loss of type %T not understood", v)
}

// metricsFromFile turns compile-config metric entries into Compile's
// metric ids: strings stay strings (Keras resolves "accuracy" by shape),
// objects become metric objects with their config.
func metricsFromFile(key string, entries []any, warn []string) ([]any, []string) {
	var out []any
	for _, e := range entries {
		switch v := e.(type) {
		case string:
			if _, err := metrics.Get(v, []int{1, 1}, []int{1, 1}); err != nil {
				warn = append(warn, fmt.Sprintf("compile config: %s: %q left out: %s", key, v, short(err)))
				continue
			}
			out = append(out, v)
		case *loader.ObjectConfig:
			if s, ok := accuracyAlias(v); ok {
				out = append(out, s)
				continue
			}
			mt, err := metrics.FromConfig(v.ClassName, v.Config, nil, nil)
			if err != nil {
				warn = append(warn, fmt.Sprintf("compile config: %s: %s left out: %s", key, v.ClassName, short(err)))
				continue
			}
			out = append(out, mt)
		default:
			warn = append(warn, fmt.Sprintf("compile config: %s: entry of type %T left out", key, e))
		}
	}
	return out, warn
}

// accuracyAlias returns the compile string for metric objects that Keras
// resolves by shape ("accuracy" wrapped by tf.keras's MeanMetricWrapper).
func accuracyAlias(oc *loader.ObjectConfig) (string, bool) {
	name, _ := oc.Config["name"].(string)
	fn, _ := oc.Config["fn"].(string)
	if oc.ClassName == "MeanMetricWrapper" && fn == "" {
		fn = name
	}
	for _, s := range []string{fn, oc.ClassName} {
		if l := strings.ToLower(s); l == "accuracy" || l == "acc" {
			if name == "" {
				name = s
			}
			return name, true
		}
	}
	return "", false
}

// compileFromTraining compiles the model as the file says. What cannot be
// restored is a load warning, and the model stays usable for inference:
// it reports whether the model was compiled.
func (m *Model) compileFromTraining(tc *loader.TrainingConfig) bool {
	fc := CompileFromFile(tc)
	m.warnings = append(m.warnings, fc.Warnings...)
	for _, e := range []error{fc.OptimizerErr, fc.LossErr} {
		if e != nil {
			m.warnings = append(m.warnings, fmt.Sprintf("compile config not restored, the model is loaded uncompiled (compile it, or give kerago fit --optimizer/--loss): %v", e))
			return false
		}
	}
	if err := m.Compile(fc.Config); err != nil {
		m.warnings = append(m.warnings, fmt.Sprintf("compile config not restored, the model is loaded uncompiled: %v", err))
		return false
	}
	return true
}

// singleLossWeight reads loss_weights for a one-output model: a number, or
// a list or dict holding one number. nil means 1.
func singleLossWeight(v any) (float64, error) {
	switch x := v.(type) {
	case nil:
		return 1, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("loss_weights %v is not a finite number", x)
		}
		return x, nil
	case int:
		return float64(x), nil
	case []any:
		if len(x) == 1 {
			return singleLossWeight(x[0])
		}
		return 0, fmt.Errorf("loss_weights has %d entries; kerago models have one output", len(x))
	case []float64:
		if len(x) == 1 {
			return singleLossWeight(x[0])
		}
		return 0, fmt.Errorf("loss_weights has %d entries; kerago models have one output", len(x))
	case map[string]any:
		if len(x) == 1 {
			for _, e := range x {
				return singleLossWeight(e)
			}
		}
		return 0, fmt.Errorf("loss_weights has %d entries; kerago models have one output", len(x))
	}
	return 0, fmt.Errorf("loss_weights is %T, expected a number (or a list or dict of one)", v)
}

// weightedLoss is one output's loss times its loss_weights entry, as
// Keras's CompileLoss sums weight·loss over the outputs.
type weightedLoss struct {
	kernels.Loss
	w float32
}

// UnwrapLoss implements kernels.Wrapper.
func (l weightedLoss) UnwrapLoss() kernels.Loss { return l.Loss }

// PerSample is the inner loss's values times the weight.
func (l weightedLoss) PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	l.Loss.PerSample(out, yTrue, yPred, rows, colsTrue, colsPred)
	for i := range out[:rows] {
		out[i] *= l.w
	}
}

// Grad is the inner loss's gradient times the weight.
func (l weightedLoss) Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	l.Loss.Grad(dPred, dOut, yTrue, yPred, rows, colsTrue, colsPred)
	for i := range dPred[:rows*colsPred] {
		dPred[i] *= l.w
	}
}

// short drops the list of valid names from a lookup error.
func short(err error) string {
	s := err.Error()
	for _, cut := range []string{"; valid names:", "; known:"} {
		if i := strings.Index(s, cut); i >= 0 {
			s = s[:i]
		}
	}
	return s
}

// OnLogits keeps the weight when the crossentropy moves to the logits (see
// kernels.OnLogits).
func (l weightedLoss) OnLogits() (kernels.Loss, bool) {
	r, _, ok := kernels.OnLogits(l.Loss)
	if !ok {
		return nil, false
	}
	return weightedLoss{Loss: r, w: l.w}, true
}

// renamedMetric gives a metric the unique log name Keras's CompileMetrics
// assigns.
type renamedMetric struct {
	metrics.Metric
	name string
}

// Name is the unique log name.
func (r renamedMetric) Name() string { return r.name }

// uniqueMetricNames renames, in place, metrics whose names repeat, as
// Keras's CompileMetrics.result does: a repeated metric becomes name_1,
// name_2, ...; a weighted metric whose name is taken becomes
// weighted_<name> (then weighted_<name>_1, ...).
func uniqueMetricNames(unweighted, weighted []metrics.Metric) {
	count := map[string]int{}
	for i, mt := range unweighted {
		n := mt.Name()
		if k, taken := count[n]; taken {
			count[n] = k + 1
			unweighted[i] = renamedMetric{Metric: mt, name: fmt.Sprintf("%s_%d", n, k)}
			continue
		}
		count[n] = 1
	}
	for i, mt := range weighted {
		n := mt.Name()
		if _, taken := count[n]; !taken {
			count[n] = 1
			continue
		}
		w := "weighted_" + n
		if k, taken := count[w]; taken {
			count[w] = k + 1
			w = fmt.Sprintf("%s_%d", w, k)
		} else {
			count[w] = 1
		}
		weighted[i] = renamedMetric{Metric: mt, name: w}
	}
}
