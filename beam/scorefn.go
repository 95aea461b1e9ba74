package kerabeam

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/kerago/kerago/beam/internal/modelcache"
	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/tensor"
)

func init() {
	register.DoFn5x1[context.Context, beam.X, Sample, func(beam.X, Prediction), func(beam.X, DeadLetter), error](&scoreFn{})
	register.Emitter2[beam.X, Prediction]()
	register.Emitter2[beam.X, DeadLetter]()
}

// The transform's metrics (Beam metric handles, immutable).
var (
	rowsMetric    = beam.NewCounter("kerago", "rows")
	batchesMetric = beam.NewCounter("kerago", "batches")
	deadMetric    = beam.NewCounter("kerago", "dead_letters")
	loadsMetric   = beam.NewCounter("kerago", "model_loads")
	latencyMetric = beam.NewDistribution("kerago", "batch_latency_us")
)

// scoreFn is Score's DoFn. Its exported fields are what Beam serializes to
// the workers; the rest lives on one worker.
type scoreFn struct {
	Model     string `json:"model"`
	Weights   string `json:"weights,omitempty"`
	BatchSize int    `json:"batch_size"`

	handle   *modelcache.Handle
	model    *keras.Model
	inShape  []int
	inSize   int
	outSize  int
	reported bool // the load this instance did is counted in model_loads

	keys    []beam.X
	samples []Sample
	data    []float32
}

// Setup takes the worker's shared model, loading it if this worker has not.
func (f *scoreFn) Setup(ctx context.Context) error {
	h, loaded, err := workerModels.Acquire(ctx, modelcache.Source{Model: f.Model, Weights: f.Weights})
	if err != nil {
		return err
	}
	f.handle, f.model = h, h.Model
	f.inShape = h.Model.InputShape()
	f.inSize, f.outSize = product(f.inShape), product(h.Model.OutputShape())
	f.reported = !loaded
	f.keys = make([]beam.X, 0, f.BatchSize)
	f.samples = make([]Sample, 0, f.BatchSize)
	return nil
}

// StartBundle starts an empty buffer (Beam's Go SDK wants the emitters that
// ProcessElement takes here too).
func (f *scoreFn) StartBundle(ctx context.Context, _ func(beam.X, Prediction), _ func(beam.X, DeadLetter)) {
	if !f.reported {
		loadsMetric.Inc(ctx, 1)
		f.reported = true
	}
	f.reset()
}

// ProcessElement sends a bad sample to the dead letters and buffers a good
// one, scoring the buffer when it holds a batch.
func (f *scoreFn) ProcessElement(ctx context.Context, key beam.X, s Sample, emit func(beam.X, Prediction), dead func(beam.X, DeadLetter)) error {
	if reason := s.check(f.inSize, f.inShape); reason != "" {
		deadMetric.Inc(ctx, 1)
		dead(key, DeadLetter{Sample: s, Reason: reason})
		return nil
	}
	f.keys = append(f.keys, key)
	f.samples = append(f.samples, s)
	f.data = s.appendTo(f.data)
	if len(f.keys) >= f.BatchSize {
		return f.flush(ctx, emit, dead)
	}
	return nil
}

// FinishBundle scores what is left in the buffer.
func (f *scoreFn) FinishBundle(ctx context.Context, emit func(beam.X, Prediction), dead func(beam.X, DeadLetter)) error {
	return f.flush(ctx, emit, dead)
}

// Teardown gives the model back to the worker's cache.
func (f *scoreFn) Teardown() {
	if f.handle != nil {
		workerModels.Release(f.handle)
		f.handle, f.model = nil, nil
	}
}

// reset empties the buffer. The values get fresh memory: the last batch's
// went into a tensor that the emitted predictions may share (a model can
// return its input).
func (f *scoreFn) reset() {
	clear(f.keys) // drop references to emitted keys and samples
	clear(f.samples)
	f.keys, f.samples = f.keys[:0], f.samples[:0]
	f.data = make([]float32, 0, f.BatchSize*f.inSize)
}

// flush scores the buffered samples in one forward pass. When the pass
// fails, each sample is scored alone, so that only the samples that fail on
// their own become dead letters.
func (f *scoreFn) flush(ctx context.Context, emit func(beam.X, Prediction), dead func(beam.X, DeadLetter)) error {
	n := len(f.keys)
	if n == 0 {
		return nil
	}
	defer f.reset()
	y, err := f.forward(ctx, f.data, n)
	if err != nil {
		for i := range n {
			f.scoreAlone(ctx, i, emit, dead)
		}
		return nil
	}
	rowsMetric.Inc(ctx, int64(n))
	for i, k := range f.keys {
		emit(k, Prediction{Values: y[i*f.outSize : (i+1)*f.outSize : (i+1)*f.outSize]})
	}
	return nil
}

func (f *scoreFn) scoreAlone(ctx context.Context, i int, emit func(beam.X, Prediction), dead func(beam.X, DeadLetter)) {
	y, err := f.forward(ctx, f.data[i*f.inSize:(i+1)*f.inSize], 1)
	if err != nil {
		deadMetric.Inc(ctx, 1)
		dead(f.keys[i], DeadLetter{Sample: f.samples[i], Reason: fmt.Sprintf("predict: %v", err)})
		return
	}
	rowsMetric.Inc(ctx, 1)
	emit(f.keys[i], Prediction{Values: y})
}

// forward runs the model on n samples whose values are data, returning the
// outputs, n×outSize values in fresh memory.
func (f *scoreFn) forward(ctx context.Context, data []float32, n int) ([]float32, error) {
	x, err := tensor.FromSlice(data, append([]int{n}, f.inShape...)...)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	y, err := f.model.PredictOnBatch(x)
	latencyMetric.Update(ctx, time.Since(start).Microseconds())
	batchesMetric.Inc(ctx, 1)
	if err != nil {
		return nil, err
	}
	if y.Len() != n*f.outSize {
		return nil, fmt.Errorf("model gave %d values for %d samples of output size %d", y.Len(), n, f.outSize)
	}
	return y.Data(), nil
}

func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
