package keras

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"sort"

	"github.com/kerago/kerago/keras/callbacks"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
)

// History is the record Fit returns: per-epoch values of the loss and
// metrics (hist.History["loss"]), as keras.callbacks.History.
type History = callbacks.History

// Logs is an ordered map of metric names to values.
type Logs = callbacks.Logs

// Verbosity selects what Fit, Evaluate and Predict print.
//
//	verbose="auto" (default) → keras.VerboseAuto (zero value; same as 1)
//	verbose=0                → keras.Silent
//	verbose=1                → keras.VerboseProgressBar (1)
//	verbose=2                → keras.VerboseOneLine (2)
type Verbosity int

// Verbosity values; note that Keras's verbose=0 is Silent, not 0.
const (
	VerboseAuto        Verbosity = 0
	Silent             Verbosity = -1
	VerboseProgressBar Verbosity = 1
	VerboseOneLine     Verbosity = 2
)

func (v Verbosity) level() int {
	switch v {
	case VerboseAuto:
		return 1
	case Silent:
		return 0
	default:
		return int(v)
	}
}

// ShuffleMode selects how Fit orders the training samples each epoch.
//
//	shuffle=True (default) → keras.ShuffleAuto (zero value) or keras.ShuffleOn
//	shuffle=False          → keras.ShuffleOff
//	shuffle="batch"        → keras.ShuffleBatch
type ShuffleMode int

// ShuffleMode values.
const (
	ShuffleAuto ShuffleMode = iota
	ShuffleOn
	ShuffleOff
	ShuffleBatch
)

// ValidationData is Fit's validation_data: (x, y) or (x, y, sample_weight).
type ValidationData struct {
	X, Y         *tensor.Tensor
	SampleWeight *tensor.Tensor
}

// FitConfig mirrors model.fit's arguments; zero values are Keras's defaults.
type FitConfig struct {
	BatchSize       int // 32
	Epochs          int // 1; as in Keras, the index to stop before, counting from InitialEpoch
	Verbose         Verbosity
	Callbacks       []callbacks.Callback
	ValidationSplit float64         // takes the last fraction of x, y before shuffling
	ValidationData  *ValidationData // overrides ValidationSplit
	Shuffle         ShuffleMode
	// Seed seeds the shuffling; 0 picks a random seed. NumPy's RNG cannot
	// be reproduced, so shuffled orders differ from Python's anyway.
	Seed                uint64
	ClassWeight         map[int]float64
	SampleWeight        *tensor.Tensor
	InitialEpoch        int
	StepsPerEpoch       int
	ValidationSteps     int
	ValidationBatchSize int
	ValidationFreq      int // 1
	// Output receives the progress bar and callback messages (os.Stdout).
	Output io.Writer
}

type dataset struct {
	xs, ys []*tensor.Tensor // one per model input / output (ys nil for predict)
	sw     *tensor.Tensor
}

// single is a dataset of one input and one target.
func single(x, y, sw *tensor.Tensor) dataset {
	d := dataset{xs: []*tensor.Tensor{x}, sw: sw}
	if y != nil {
		d.ys = []*tensor.Tensor{y}
	}
	return d
}

func (d dataset) rows() int { return d.xs[0].Dim(0) }

// each applies f to every tensor of d, building a dataset of the results.
func (d dataset) each(f func(*tensor.Tensor) (*tensor.Tensor, error)) (dataset, error) {
	var b dataset
	for _, set := range []struct{ in, out *[]*tensor.Tensor }{{&d.xs, &b.xs}, {&d.ys, &b.ys}} {
		for _, t := range *set.in {
			r, err := f(t)
			if err != nil {
				return b, err
			}
			*set.out = append(*set.out, r)
		}
	}
	if d.sw != nil {
		var err error
		if b.sw, err = f(d.sw); err != nil {
			return b, err
		}
	}
	return b, nil
}

func (d dataset) batch(idx []int) (dataset, error) {
	return d.each(func(t *tensor.Tensor) (*tensor.Tensor, error) { return t.Gather(idx) })
}

func (d dataset) slice(from, to int) (dataset, error) {
	return d.each(func(t *tensor.Tensor) (*tensor.Tensor, error) { return t.SliceRows(from, to) })
}

func (m *Model) checkData(op string, x, y, sw *tensor.Tensor) error {
	if x == nil {
		return fmt.Errorf("keras: %s: x is nil", op)
	}
	if err := m.checkTokenIDs([]*tensor.Tensor{x}); err != nil {
		return fmt.Errorf("keras: %s: %w", op, err)
	}
	if x.Rank() == 0 {
		return fmt.Errorf("keras: %s: x must have a batch dimension, got shape %v", op, x.Shape())
	}
	if !m.built {
		if err := m.Build(x.Shape()[1:]...); err != nil {
			return err
		}
	}
	if !tensor.SameShape(x.Shape()[1:], m.inputShape) {
		return fmt.Errorf("keras: %s: x has shape %v, model %q expects (batch, %s)", op, x.Shape(), m.name, dims(m.inputShape))
	}
	if y != nil {
		if y.Rank() == 0 || y.Dim(0) != x.Dim(0) {
			return fmt.Errorf("keras: %s: y has shape %v but x has %d samples", op, y.Shape(), x.Dim(0))
		}
		out := m.OutputShape()
		if err := checkTargetShape(y.Shape()[1:], out, m.comp); err != nil {
			return fmt.Errorf("keras: %s: %w", op, err)
		}
		if err := y.CheckFinite(); err != nil {
			return fmt.Errorf("keras: %s: y: %w", op, err)
		}
	}
	if sw != nil {
		if sw.Rank() == 0 || sw.Dim(0) != x.Dim(0) {
			return fmt.Errorf("keras: %s: sample_weight has shape %v but x has %d samples", op, sw.Shape(), x.Dim(0))
		}
	}
	if err := x.CheckFinite(); err != nil {
		return fmt.Errorf("keras: %s: x: %w", op, err)
	}
	return nil
}

func checkTargetShape(yShape, outShape []int, c *compiled) error {
	// Sparse labels: one integer class per prediction row, shaped like the
	// output without its last axis, optionally with a trailing 1.
	if c != nil && isSparseLoss(c.lossName) {
		rows := outShape[:len(outShape)-1]
		if tensor.SameShape(yShape, rows) || tensor.SameShape(yShape, append(append([]int(nil), rows...), 1)) {
			return nil
		}
		return fmt.Errorf("y has per-sample shape %v; sparse categorical crossentropy wants integer class labels of shape %v (or with a trailing 1) for the model's output %v", yShape, rows, outShape)
	}
	if tensor.SameShape(yShape, outShape) {
		return nil
	}
	// (batch,) targets for a (batch, 1) output, as Keras squeezes/expands.
	if len(outShape) == 1 && outShape[0] == 1 && len(yShape) == 0 {
		return nil
	}
	return fmt.Errorf("y has per-sample shape %v, the model outputs %v", yShape, outShape)
}

func isSparseLoss(name string) bool {
	switch name {
	case "sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", "scce":
		return true
	}
	return false
}

func dims(s []int) string {
	out := ""
	for i, d := range s {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprint(d)
	}
	return out
}

// classWeightsToSampleWeights follows Keras's class_weight_to_sample_weights:
// one-hot y → argmax, (N,1) → squeeze, values rounded to int.
func classWeightsToSampleWeights(y *tensor.Tensor, cw map[int]float64) (*tensor.Tensor, error) {
	n := y.Dim(0)
	per := y.Len() / max(n, 1)
	out := make([]float32, n)
	d := y.Data()
	for i := 0; i < n; i++ {
		row := d[i*per : (i+1)*per]
		var label int
		if per > 1 {
			best := 0
			for j := range row {
				if row[j] > row[best] {
					best = j
				}
			}
			label = best
		} else {
			label = int(math.RoundToEven(float64(row[0])))
		}
		w, ok := cw[label]
		if !ok {
			w = 1
		}
		out[i] = float32(w)
	}
	return tensor.FromSlice(out, n)
}

// meanF32 is Keras's Mean metric with float32 state, used as the loss
// tracker: total += value·weight, count += weight.
type meanF32 struct{ total, count float32 }

func (m *meanF32) add(v float32, w float32) { m.total += v * w; m.count += w }
func (m *meanF32) result() float64 {
	if m.count == 0 {
		return 0
	}
	return float64(m.total / m.count)
}

// Fit trains the model, as model.fit. It returns the History of per-epoch
// logs. ctx cancels training between batches.
func (m *Model) Fit(ctx context.Context, x, y *tensor.Tensor, cfg FitConfig) (*History, error) {
	if m.comp == nil {
		return nil, errNotCompiled("Fit")
	}
	if err := m.multiIO("Fit", "FitN"); err != nil {
		return nil, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if y == nil {
		return nil, errors.New("keras: Fit: y is nil")
	}
	if cfg.SampleWeight != nil && cfg.ClassWeight != nil {
		return nil, errors.New("keras: Fit: ClassWeight and SampleWeight cannot both be given")
	}
	if err := m.checkData("Fit", x, y, cfg.SampleWeight); err != nil {
		return nil, err
	}
	sw := cfg.SampleWeight
	if cfg.ClassWeight != nil {
		var err error
		if sw, err = classWeightsToSampleWeights(y, cfg.ClassWeight); err != nil {
			return nil, err
		}
	}
	return m.fit(ctx, single(x, y, sw), cfg)
}

// fit is Fit on a dataset of one tensor per input and output.
func (m *Model) fit(ctx context.Context, train dataset, cfg FitConfig) (*History, error) {
	if cfg.BatchSize < 0 || cfg.Epochs < 0 || cfg.StepsPerEpoch < 0 || cfg.InitialEpoch < 0 {
		return nil, fmt.Errorf("keras: Fit: BatchSize, Epochs, StepsPerEpoch and InitialEpoch must not be negative")
	}
	epochs := cfg.Epochs
	if epochs == 0 {
		epochs = 1
	}
	out := cfg.Output
	if out == nil {
		out = os.Stdout
	}
	verbose := cfg.Verbose.level()
	var val *dataset
	if cfg.ValidationData != nil {
		vd := cfg.ValidationData
		if err := m.checkData("Fit: validation data", vd.X, vd.Y, vd.SampleWeight); err != nil {
			return nil, err
		}
		v := single(vd.X, vd.Y, vd.SampleWeight)
		val = &v
	} else if cfg.ValidationSplit != 0 {
		if cfg.ValidationSplit < 0 || cfg.ValidationSplit >= 1 {
			return nil, fmt.Errorf("keras: Fit: ValidationSplit %v must be in [0, 1)", cfg.ValidationSplit)
		}
		n := train.rows()
		splitAt := int(math.Floor(float64(n) * (1 - cfg.ValidationSplit)))
		if splitAt == 0 || splitAt == n {
			return nil, fmt.Errorf("keras: Fit: ValidationSplit %v leaves no training or no validation samples out of %d", cfg.ValidationSplit, n)
		}
		tr, err := train.slice(0, splitAt)
		if err != nil {
			return nil, err
		}
		v, err := train.slice(splitAt, n)
		if err != nil {
			return nil, err
		}
		train, val = tr, &v
	}
	n := train.rows()
	if n == 0 {
		return nil, errors.New("keras: Fit: no training samples")
	}
	batchSize := cfg.BatchSize
	if batchSize == 0 {
		if cfg.StepsPerEpoch > 0 {
			batchSize = (n + cfg.StepsPerEpoch - 1) / cfg.StepsPerEpoch
		} else {
			batchSize = 32
		}
	}
	steps := (n + batchSize - 1) / batchSize
	if cfg.StepsPerEpoch > 0 && cfg.StepsPerEpoch < steps {
		steps = cfg.StepsPerEpoch
	}
	valFreq := cfg.ValidationFreq
	if valFreq == 0 {
		valFreq = 1
	}
	tr, err := m.prepareTraining(train.ys)
	if err != nil {
		return nil, err
	}

	// Keras creates a new History callback for every fit call.
	m.history = callbacks.NewHistory()
	cbs := callbacks.List(append([]callbacks.Callback(nil), cfg.Callbacks...))
	cbs = append(cbs, m.history)
	if verbose != 0 {
		cbs = append(cbs, callbacks.NewProgbarLogger())
	}
	params := callbacks.Params{Epochs: epochs, Steps: steps, Verbose: verbose, Out: out}
	for _, c := range cbs {
		c.SetModel(m)
		c.SetParams(params)
	}

	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	rng := rand.New(rand.NewPCG(seed, 0x6b657261676f))
	order := make([]int, n)

	m.stopTraining = false
	var trainingLogs *Logs
	if err := cbs.Each(func(c callbacks.Callback) error { return c.OnTrainBegin(callbacks.NewLogs()) }); err != nil {
		return nil, err
	}
	for epoch := cfg.InitialEpoch; epoch < epochs; epoch++ {
		var tracker meanF32
		m.comp.reset()
		if err := cbs.Each(func(c callbacks.Callback) error { return c.OnEpochBegin(epoch, callbacks.NewLogs()) }); err != nil {
			return nil, err
		}
		for i := range order {
			order[i] = i
		}
		shuffle := cfg.Shuffle
		switch shuffle {
		case ShuffleAuto, ShuffleOn:
			rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		case ShuffleBatch:
			for s := 0; s*batchSize < n; s++ {
				lo, hi := s*batchSize, min((s+1)*batchSize, n)
				part := order[lo:hi]
				rng.Shuffle(len(part), func(i, j int) { part[i], part[j] = part[j], part[i] })
			}
		}
		var logs *Logs
		for step := 0; step < steps; step++ {
			if err := ctx.Err(); err != nil {
				return m.history, fmt.Errorf("keras: Fit: %w", err)
			}
			if err := cbs.Each(func(c callbacks.Callback) error { return c.OnTrainBatchBegin(step, callbacks.NewLogs()) }); err != nil {
				return nil, err
			}
			lo, hi := step*batchSize, min((step+1)*batchSize, n)
			var b dataset
			if cfg.Shuffle == ShuffleOff {
				b, err = train.slice(lo, hi)
			} else {
				b, err = train.batch(order[lo:hi])
			}
			if err != nil {
				return nil, err
			}
			res, err := tr.step(b)
			if err != nil {
				return nil, fmt.Errorf("keras: Fit: epoch %d, batch %d: %w", epoch+1, step, err)
			}
			tracker.add(res.Loss, float32(hi-lo))
			m.comp.addHeadLosses(res.Losses, float32(hi-lo))
			if err := m.updateMetrics(b.ys, res.YPreds, b.sw); err != nil {
				return nil, err
			}
			logs = m.metricLogs(&tracker)
			if err := cbs.Each(func(c callbacks.Callback) error { return c.OnTrainBatchEnd(step, logs) }); err != nil {
				return nil, err
			}
			if m.stopTraining {
				break
			}
		}
		epochLogs := m.metricLogs(&tracker)
		if val != nil && (epoch+1)%valFreq == 0 {
			vb := cfg.ValidationBatchSize
			if vb == 0 {
				vb = batchSize
			}
			vlogs, err := m.evaluate(ctx, *val, vb, cfg.ValidationSteps, nil, true)
			if err != nil {
				return nil, fmt.Errorf("keras: Fit: validation: %w", err)
			}
			for _, k := range vlogs.Keys() {
				v, _ := vlogs.Get(k)
				epochLogs.Set("val_"+k, v)
			}
		}
		epochLogs = epochLogs.Sorted()
		if err := cbs.Each(func(c callbacks.Callback) error { return c.OnEpochEnd(epoch, epochLogs) }); err != nil {
			return nil, err
		}
		trainingLogs = epochLogs
		if m.stopTraining {
			break
		}
	}
	if err := m.comp.opt.FinalizeVariableValues(tr.datas); err != nil {
		return nil, fmt.Errorf("keras: Fit: %w", err)
	}
	if trainingLogs == nil {
		trainingLogs = callbacks.NewLogs()
	}
	if err := cbs.Each(func(c callbacks.Callback) error { return c.OnTrainEnd(trainingLogs) }); err != nil {
		return nil, err
	}
	return m.history, nil
}

func (m *Model) updateMetrics(ys, yPreds []*tensor.Tensor, sw *tensor.Tensor) error {
	if m.comp.heads != nil {
		return m.comp.updateHeads(ys, yPreds, sw)
	}
	y, yPred := ys[0], yPreds[0]
	for _, mt := range m.comp.metrics {
		if err := mt.Update(y, yPred, nil); err != nil {
			return fmt.Errorf("keras: metric %q: %w", mt.Name(), err)
		}
	}
	for _, mt := range m.comp.wMetrics {
		if err := mt.Update(y, yPred, sw); err != nil {
			return fmt.Errorf("keras: metric %q: %w", mt.Name(), err)
		}
	}
	return nil
}

// metricLogs returns loss then compiled metrics, keys sorted as Keras 3
// hands them to callbacks.
func (m *Model) metricLogs(tracker *meanF32) *Logs {
	if m.comp.heads != nil {
		return m.comp.headLogs(tracker).Sorted()
	}
	ms := m.comp.allMetrics()
	if m.comp.logOrder == nil {
		names := []string{"loss"}
		for _, mt := range ms {
			names = append(names, mt.Name())
		}
		order := make([]int, len(names))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return names[order[a]] < names[order[b]] })
		m.comp.logOrder = order
	}
	l := callbacks.NewLogsCap(len(ms) + 1)
	for _, i := range m.comp.logOrder {
		if i == 0 {
			l.Set("loss", tracker.result())
		} else {
			l.Set(ms[i-1].Name(), ms[i-1].Result())
		}
	}
	return l
}

// EvaluateConfig mirrors model.evaluate's arguments.
type EvaluateConfig struct {
	BatchSize    int // 32
	Verbose      Verbosity
	SampleWeight *tensor.Tensor
	Steps        int
	Callbacks    []callbacks.Callback
	Output       io.Writer // os.Stdout
}

// Evaluate returns the loss and metrics on x, y, as model.evaluate(...,
// return_dict=True); the Logs keep Keras's order for the list form: loss,
// compiled metrics, then any others sorted.
func (m *Model) Evaluate(x, y *tensor.Tensor, cfg EvaluateConfig) (*Logs, error) {
	if m.comp == nil {
		return nil, errNotCompiled("Evaluate")
	}
	if err := m.multiIO("Evaluate", "EvaluateN"); err != nil {
		return nil, err
	}
	if y == nil {
		return nil, errors.New("keras: Evaluate: y is nil")
	}
	if err := m.checkData("Evaluate", x, y, cfg.SampleWeight); err != nil {
		return nil, err
	}
	bs := cfg.BatchSize
	if bs == 0 {
		bs = 32
	}
	if bs < 0 {
		return nil, fmt.Errorf("keras: Evaluate: BatchSize %d must be positive", bs)
	}
	out := cfg.Output
	if out == nil {
		out = os.Stdout
	}
	cbs := callbacks.List(append([]callbacks.Callback(nil), cfg.Callbacks...))
	verbose := cfg.Verbose.level()
	steps := (x.Dim(0) + bs - 1) / bs
	if cfg.Steps > 0 && cfg.Steps < steps {
		steps = cfg.Steps
	}
	if verbose != 0 {
		cbs = append(cbs, callbacks.NewProgbarLogger())
	}
	for _, c := range cbs {
		c.SetModel(m)
		c.SetParams(callbacks.Params{Epochs: 1, Steps: steps, Verbose: verbose, Out: out})
	}
	if err := m.comp.resolveMetrics(y.Shape(), append([]int{1}, m.OutputShape()...)); err != nil {
		return nil, err
	}
	logs, err := m.evaluate(context.Background(), single(x, y, cfg.SampleWeight), bs, cfg.Steps, cbs, false)
	if err != nil {
		return nil, err
	}
	return logs, nil
}

// evaluate runs test steps; inFit suppresses nothing but is kept for clarity.
func (m *Model) evaluate(ctx context.Context, d dataset, bs, maxSteps int, cbs callbacks.List, inFit bool) (*Logs, error) {
	net, err := m.network()
	if err != nil {
		return nil, err
	}
	var tracker meanF32
	m.comp.reset()
	if err := cbs.Each(func(c callbacks.Callback) error { return c.OnTestBegin(callbacks.NewLogs()) }); err != nil {
		return nil, err
	}
	n := d.rows()
	steps := (n + bs - 1) / bs
	if maxSteps > 0 && maxSteps < steps {
		steps = maxSteps
	}
	for step := 0; step < steps; step++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := cbs.Each(func(c callbacks.Callback) error { return c.OnTestBatchBegin(step, callbacks.NewLogs()) }); err != nil {
			return nil, err
		}
		lo, hi := step*bs, min((step+1)*bs, n)
		b, err := d.slice(lo, hi)
		if err != nil {
			return nil, err
		}
		res, err := net.TestStepN(b.xs, b.ys, b.sw)
		if err != nil {
			return nil, err
		}
		tracker.add(res.Loss, float32(hi-lo))
		m.comp.addHeadLosses(res.Losses, float32(hi-lo))
		if err := m.updateMetrics(b.ys, res.YPreds, b.sw); err != nil {
			return nil, err
		}
		logs := m.metricLogs(&tracker)
		if err := cbs.Each(func(c callbacks.Callback) error { return c.OnTestBatchEnd(step, logs) }); err != nil {
			return nil, err
		}
	}
	logs := m.orderedResults(&tracker)
	if err := cbs.Each(func(c callbacks.Callback) error { return c.OnTestEnd(logs.Sorted()) }); err != nil {
		return nil, err
	}
	return logs, nil
}

func (m *Model) orderedResults(tracker *meanF32) *Logs {
	if m.comp.heads != nil {
		return m.comp.headLogs(tracker)
	}
	l := callbacks.NewLogs()
	l.Set("loss", tracker.result())
	for _, mt := range m.comp.allMetrics() {
		l.Set(mt.Name(), mt.Result())
	}
	return l
}

// PredictConfig mirrors model.predict's arguments.
type PredictConfig struct {
	BatchSize int // 32
	// Verbose: Predict prints nothing unless asked (Keras's "auto" prints a
	// bar; a Go service rarely wants that).
	Verbose   Verbosity
	Callbacks []callbacks.Callback
	Output    io.Writer
}

// Predict returns the model's outputs for x (inference mode: Dropout off,
// BatchNormalization with moving statistics), computed in batches of 32. It
// prints nothing and is safe for concurrent use.
func (m *Model) Predict(x *tensor.Tensor) (*tensor.Tensor, error) {
	return m.PredictWithConfig(x, PredictConfig{Verbose: Silent})
}

// PredictWithConfig is Predict with Keras's predict arguments.
func (m *Model) PredictWithConfig(x *tensor.Tensor, cfg PredictConfig) (*tensor.Tensor, error) {
	if err := m.multiIO("Predict", "PredictN"); err != nil {
		return nil, err
	}
	if x == nil || x.Rank() == 0 {
		return nil, errors.New("keras: Predict: x must have a batch dimension")
	}
	if !m.built {
		return nil, ErrNotBuilt
	}
	if !tensor.SameShape(x.Shape()[1:], m.inputShape) {
		return nil, fmt.Errorf("keras: Predict: x has shape %v, model %q expects (batch, %s)", x.Shape(), m.name, dims(m.inputShape))
	}
	if err := m.checkTokenIDs([]*tensor.Tensor{x}); err != nil {
		return nil, err
	}
	net, err := m.network()
	if err != nil {
		return nil, err
	}
	bs := cfg.BatchSize
	if bs == 0 {
		bs = 32
	}
	if bs < 0 {
		return nil, fmt.Errorf("keras: Predict: BatchSize %d must be positive", bs)
	}
	n := x.Dim(0)
	steps := (n + bs - 1) / bs
	verbose := cfg.Verbose.level()
	if verbose == 0 && len(cfg.Callbacks) == 0 && n <= bs {
		// One batch, nothing to report: skip the batching machinery.
		y, err := net.Predict(x)
		if err != nil {
			return nil, fmt.Errorf("keras: Predict: %w", err)
		}
		return y, nil
	}
	cbs := callbacks.List(append([]callbacks.Callback(nil), cfg.Callbacks...))
	if verbose != 0 {
		out := cfg.Output
		if out == nil {
			out = os.Stdout
		}
		cbs = append(cbs, callbacks.NewProgbarLogger())
		for _, c := range cbs {
			c.SetModel(m)
			c.SetParams(callbacks.Params{Epochs: 1, Steps: steps, Verbose: verbose, Out: out})
		}
	}
	outShape := append([]int{n}, m.OutputShape()...)
	result, err := tensor.New(outShape...)
	if err != nil {
		return nil, err
	}
	if err := cbs.Each(func(c callbacks.Callback) error { return c.OnPredictBegin(callbacks.NewLogs()) }); err != nil {
		return nil, err
	}
	per := result.Len() / max(n, 1)
	for step := 0; step < steps; step++ {
		lo, hi := step*bs, min((step+1)*bs, n)
		xb, err := x.SliceRows(lo, hi)
		if err != nil {
			return nil, err
		}
		if err := cbs.Each(func(c callbacks.Callback) error { return c.OnPredictBatchBegin(step, callbacks.NewLogs()) }); err != nil {
			return nil, err
		}
		yb, err := net.Predict(xb)
		if err != nil {
			return nil, fmt.Errorf("keras: Predict: %w", err)
		}
		copy(result.Data()[lo*per:hi*per], yb.Data())
		if err := cbs.Each(func(c callbacks.Callback) error { return c.OnPredictBatchEnd(step, callbacks.NewLogs()) }); err != nil {
			return nil, err
		}
	}
	if err := cbs.Each(func(c callbacks.Callback) error { return c.OnPredictEnd(callbacks.NewLogs()) }); err != nil {
		return nil, err
	}
	return result, nil
}

// PredictOnBatch runs one forward pass on x as a single batch.
func (m *Model) PredictOnBatch(x *tensor.Tensor) (*tensor.Tensor, error) {
	if x == nil || x.Rank() == 0 {
		return nil, errors.New("keras: PredictOnBatch: x must have a batch dimension")
	}
	return m.PredictWithConfig(x, PredictConfig{BatchSize: max(x.Dim(0), 1), Verbose: Silent})
}

// TrainOnBatch runs one optimizer step on x, y and returns the loss and
// metrics for that batch (metrics reset first, as Keras's reset_metrics=True).
func (m *Model) TrainOnBatch(x, y, sampleWeight *tensor.Tensor) (*Logs, error) {
	if m.comp == nil {
		return nil, errNotCompiled("TrainOnBatch")
	}
	if err := m.checkData("TrainOnBatch", x, y, sampleWeight); err != nil {
		return nil, err
	}
	trn, err := m.prepareTraining([]*tensor.Tensor{y})
	if err != nil {
		return nil, err
	}
	res, err := trn.step(single(x, y, sampleWeight))
	if err != nil {
		return nil, fmt.Errorf("keras: TrainOnBatch: %w", err)
	}
	m.comp.reset()
	var tr meanF32
	tr.add(res.Loss, float32(x.Dim(0)))
	if err := m.updateMetrics([]*tensor.Tensor{y}, res.YPreds, sampleWeight); err != nil {
		return nil, err
	}
	return m.orderedResults(&tr), nil
}

// TestOnBatch returns the loss and metrics of x, y as one batch.
func (m *Model) TestOnBatch(x, y, sampleWeight *tensor.Tensor) (*Logs, error) {
	return m.Evaluate(x, y, EvaluateConfig{BatchSize: max(x.Dim(0), 1), Verbose: Silent, SampleWeight: sampleWeight})
}

// trainer runs optimizer steps on a compiled model's network.
type trainer struct {
	m     *Model
	net   *runtime.Network
	vars  []*runtime.Variable
	names []string
	datas [][]float32
}

// prepareTraining resolves the compiled metrics for y's shape and returns a
// trainer with the optimizer built.
func (m *Model) prepareTraining(ys []*tensor.Tensor) (*trainer, error) {
	if err := m.comp.resolveAll(ys, m.OutputShapes()); err != nil {
		return nil, err
	}
	net, err := m.network()
	if err != nil {
		return nil, err
	}
	vars, names, datas, err := m.trainables(net)
	if err != nil {
		return nil, err
	}
	return &trainer{m: m, net: net, vars: vars, names: names, datas: datas}, nil
}

// step is one train_step: forward and backward on the batch, the optimizer
// update, then the variables' constraints (Keras's order). The result holds
// the pre-update predictions for the metrics.
func (t *trainer) step(b dataset) (*runtime.StepResult, error) {
	res, err := t.net.TrainStepN(b.xs, b.ys, b.sw)
	if err != nil {
		return nil, err
	}
	if err := t.m.comp.opt.Apply(t.datas, res.Grads, t.names); err != nil {
		return nil, fmt.Errorf("optimizer: %w", err)
	}
	for _, v := range t.vars {
		if v.Constraint != nil {
			v.Constraint.Apply(v.Value.Data(), v.Value.Shape())
		}
	}
	return res, nil
}

// trainables returns the network's trainable variables with their paths and
// data, building the optimizer's slots on first use.
func (m *Model) trainables(net *runtime.Network) ([]*runtime.Variable, []string, [][]float32, error) {
	vars := net.TrainableVariables()
	names := make([]string, len(vars))
	datas := make([][]float32, len(vars))
	shapes := make([][]int, len(vars))
	for i, v := range vars {
		names[i], datas[i], shapes[i] = v.Path, v.Value.Data(), v.Value.Shape()
	}
	if !m.comp.opt.Built() {
		if err := m.comp.opt.Build(shapes, names); err != nil {
			return nil, nil, nil, fmt.Errorf("keras: optimizer: %w", err)
		}
	}
	return vars, names, datas, nil
}
