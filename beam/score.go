package kerabeam

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/typex"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
)

// DefaultBatchSize is the forward-pass size when Config.BatchSize is 0, as
// Keras's predict(batch_size=None).
const DefaultBatchSize = 32

// Config says which model Score runs and how.
type Config struct {
	// Model is the model file: a local path or a URL whose scheme Beam's
	// filesystem package has registered (gs://, s3://, memfs://, ...).
	// Every format keras.Load reads: .keras, legacy .h5, or a JSON/YAML
	// config when Weights is set.
	Model string
	// Weights, when set, is a weights file (.weights.h5, .h5) for a Model
	// that holds only a configuration; a path or URL like Model.
	Weights string
	// BatchSize is the number of samples per forward pass (0 means
	// DefaultBatchSize). A bundle's last pass may be smaller.
	BatchSize int
}

func (c Config) validate() error {
	if strings.TrimSpace(c.Model) == "" {
		return errors.New("Config.Model is empty; give the model's path or URL")
	}
	if c.BatchSize < 0 {
		return fmt.Errorf("Config.BatchSize %d is negative", c.BatchSize)
	}
	for _, p := range []string{c.Model, c.Weights} {
		if !isURL(p) {
			continue // read with os, as keras.Load does
		}
		if err := checkScheme(p); err != nil {
			return err
		}
	}
	return nil
}

// checkScheme reports whether Beam's filesystem package can read path's
// scheme in this binary (filesystem.ValidateScheme panics instead).
func checkScheme(path string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	filesystem.ValidateScheme(path)
	return nil
}

var (
	sampleType = reflect.TypeOf(Sample{})
	errInput   = errors.New("kerabeam: Score")
)

// TryScore adds to s a transform running cfg's model on col, a globally
// windowed PCollection<KV<K, Sample>> for any key type K. It returns
// predictions, a PCollection<KV<K, Prediction>>, and deadLetters, a
// PCollection<KV<K, DeadLetter>> of the samples the model cannot take (wrong
// size, NaN or infinity, out-of-range token id, or a forward pass that fails
// on the sample alone) with the reason. A sample gives exactly one of the two.
//
// Loading the model happens on the workers, in the DoFn's Setup; an error
// there (missing file, unknown layer) fails the bundle as Beam does for any
// Setup error, and so is retried by the runner.
func TryScore(s beam.Scope, cfg Config, col beam.PCollection) (predictions, deadLetters beam.PCollection, err error) {
	if err := cfg.validate(); err != nil {
		return beam.PCollection{}, beam.PCollection{}, fmt.Errorf("%w: %w", errInput, err)
	}
	if err := checkInput(col); err != nil {
		return beam.PCollection{}, beam.PCollection{}, fmt.Errorf("%w: %w", errInput, err)
	}
	s = s.Scope("kerago.Score")
	fn := &scoreFn{Model: cfg.Model, Weights: cfg.Weights, BatchSize: cfg.BatchSize}
	if fn.BatchSize == 0 {
		fn.BatchSize = DefaultBatchSize
	}
	outs, err := beam.TryParDo(s, fn, col)
	if err != nil {
		return beam.PCollection{}, beam.PCollection{}, fmt.Errorf("%w: %w", errInput, err)
	}
	return outs[0], outs[1], nil
}

// Score is TryScore that panics on a construction error, as beam.ParDo does.
func Score(s beam.Scope, cfg Config, col beam.PCollection) (predictions, deadLetters beam.PCollection) {
	p, d, err := TryScore(s, cfg, col)
	if err != nil {
		panic(err)
	}
	return p, d
}

// checkInput checks that col is a globally windowed KV<K, Sample>.
func checkInput(col beam.PCollection) error {
	if !col.IsValid() {
		return errors.New("the input PCollection is invalid")
	}
	t := col.Type()
	if !typex.IsKV(t) || t.Components()[1].Type() != sampleType {
		return fmt.Errorf("the input must be a PCollection<KV<K, kerabeam.Sample>>, not %v", t)
	}
	if ws := col.WindowingStrategy(); ws != nil && ws.Fn != nil && ws.Fn.Kind != window.GlobalWindows {
		return fmt.Errorf("the input is windowed (%v); Score takes globally windowed collections (batch scoring)", ws.Fn)
	}
	return nil
}
