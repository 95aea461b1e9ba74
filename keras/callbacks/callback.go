// Package callbacks holds Keras's training callbacks for kerago: History,
// ProgbarLogger, EarlyStopping, ModelCheckpoint, ReduceLROnPlateau,
// LearningRateScheduler, CSVLogger, TerminateOnNaN, and the Callback
// interface for your own.
//
// Python → Go:
//
//	keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
//	callbacks.NewEarlyStopping(callbacks.EarlyStoppingConfig{Monitor: "val_loss", Patience: 3, RestoreBestWeights: true})
//
// A user callback embeds Base and overrides the hooks it needs:
//
//	type printer struct{ callbacks.Base }
//	func (p *printer) OnEpochEnd(epoch int, logs *callbacks.Logs) error { fmt.Println(epoch, logs); return nil }
package callbacks

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kerago/kerago/tensor"
)

// Logs is an ordered map of metric names to values, as Keras passes to
// callbacks. Keys keep insertion order.
type Logs struct {
	keys []string
	m    map[string]float64
}

// NewLogs returns empty logs (the map is made on the first Set).
func NewLogs() *Logs { return &Logs{} }

// NewLogsCap returns empty logs with room for n keys.
func NewLogsCap(n int) *Logs {
	return &Logs{keys: make([]string, 0, n), m: make(map[string]float64, n)}
}

// Set sets key to v, appending key if new.
func (l *Logs) Set(key string, v float64) {
	if l.m == nil {
		l.m = map[string]float64{}
	}
	if _, ok := l.m[key]; !ok {
		l.keys = append(l.keys, key)
	}
	l.m[key] = v
}

// Get returns the value of key.
func (l *Logs) Get(key string) (float64, bool) {
	if l == nil {
		return 0, false
	}
	v, ok := l.m[key]
	return v, ok
}

// Keys returns the keys in order. The caller must not modify the slice.
func (l *Logs) Keys() []string {
	if l == nil {
		return nil
	}
	return l.keys
}

// Len returns the number of keys.
func (l *Logs) Len() int {
	if l == nil {
		return 0
	}
	return len(l.keys)
}

// Clone returns a copy.
func (l *Logs) Clone() *Logs {
	c := NewLogs()
	if l != nil {
		for _, k := range l.keys {
			c.Set(k, l.m[k])
		}
	}
	return c
}

// Sorted returns a copy with keys in alphabetical order (Keras 3 sorts log
// keys before handing them to callbacks).
func (l *Logs) Sorted() *Logs {
	keys := append([]string(nil), l.Keys()...)
	sort.Strings(keys)
	c := NewLogs()
	for _, k := range keys {
		c.Set(k, l.m[k])
	}
	return c
}

// String formats the logs like a Python dict.
func (l *Logs) String() string {
	var sb strings.Builder
	sb.WriteString("{")
	for i, k := range l.Keys() {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "'%s': %s", k, PyFloat(l.m[k]))
	}
	sb.WriteString("}")
	return sb.String()
}

// Model is what callbacks may do to the model being trained.
type Model interface {
	// GetWeights returns copies of all variables in Keras order.
	GetWeights() []*tensor.Tensor
	// SetWeights assigns all variables in Keras order.
	SetWeights(ws []*tensor.Tensor) error
	// Save writes the whole model (format from the extension).
	Save(path string) error
	// SaveWeights writes only the weights (".weights.h5").
	SaveWeights(path string) error
	// LearningRate returns the optimizer's current learning rate.
	LearningRate() (float64, error)
	// SetLearningRate assigns the optimizer's learning rate (an error when a
	// schedule is in use, as in Keras).
	SetLearningRate(lr float64) error
	// SetStopTraining asks Fit to stop after the current batch or epoch.
	SetStopTraining(stop bool)
	// MetricDirection returns "up" or "down" for a compiled metric name
	// (without a "val_" prefix), "" when unknown.
	MetricDirection(name string) string
}

// Params describe the run, as Keras's callback.params.
type Params struct {
	Epochs  int
	Steps   int // batches per epoch
	Verbose int
	// Out receives printed messages (stdout in Keras).
	Out io.Writer
}

// Callback receives training events. Every hook may return an error, which
// stops Fit and is returned by it. Embed Base to implement only some hooks.
type Callback interface {
	SetModel(m Model)
	SetParams(p Params)
	OnTrainBegin(logs *Logs) error
	OnTrainEnd(logs *Logs) error
	OnEpochBegin(epoch int, logs *Logs) error
	OnEpochEnd(epoch int, logs *Logs) error
	OnTrainBatchBegin(batch int, logs *Logs) error
	OnTrainBatchEnd(batch int, logs *Logs) error
	OnTestBegin(logs *Logs) error
	OnTestEnd(logs *Logs) error
	OnTestBatchBegin(batch int, logs *Logs) error
	OnTestBatchEnd(batch int, logs *Logs) error
	OnPredictBegin(logs *Logs) error
	OnPredictEnd(logs *Logs) error
	OnPredictBatchBegin(batch int, logs *Logs) error
	OnPredictBatchEnd(batch int, logs *Logs) error
}

// Base implements every hook as a no-op and stores the model and params.
type Base struct {
	Model  Model
	Params Params
}

func (b *Base) SetModel(m Model)                   { b.Model = m }
func (b *Base) SetParams(p Params)                 { b.Params = p }
func (*Base) OnTrainBegin(*Logs) error             { return nil }
func (*Base) OnTrainEnd(*Logs) error               { return nil }
func (*Base) OnEpochBegin(int, *Logs) error        { return nil }
func (*Base) OnEpochEnd(int, *Logs) error          { return nil }
func (*Base) OnTrainBatchBegin(int, *Logs) error   { return nil }
func (*Base) OnTrainBatchEnd(int, *Logs) error     { return nil }
func (*Base) OnTestBegin(*Logs) error              { return nil }
func (*Base) OnTestEnd(*Logs) error                { return nil }
func (*Base) OnTestBatchBegin(int, *Logs) error    { return nil }
func (*Base) OnTestBatchEnd(int, *Logs) error      { return nil }
func (*Base) OnPredictBegin(*Logs) error           { return nil }
func (*Base) OnPredictEnd(*Logs) error             { return nil }
func (*Base) OnPredictBatchBegin(int, *Logs) error { return nil }
func (*Base) OnPredictBatchEnd(int, *Logs) error   { return nil }
func (b *Base) printf(format string, args ...any) {
	if b.Params.Out != nil {
		fmt.Fprintf(b.Params.Out, format, args...)
	}
}

// List runs several callbacks in order.
type List []Callback

// Each calls f on every callback, stopping at the first error.
func (l List) Each(f func(Callback) error) error {
	for _, c := range l {
		if err := f(c); err != nil {
			return err
		}
	}
	return nil
}

// PyFloat formats v like Python's repr(float).
func PyFloat(v float64) string {
	return pyRepr(v)
}
