package kerabeam

import (
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/metrics"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/kerago/kerago/tensor"
)

// The tests run their pipelines on Beam's in-process runner, prism (ptest's
// default), which works offline.
func TestMain(m *testing.M) { ptest.Main(m) }

func init() {
	register.Function1x2(toKV)
	register.DoFn3x0[int, Prediction, func(string)](&closeFn{})
	register.DoFn3x0[int, DeadLetter, func(string)](&reasonFn{})
	register.Emitter1[string]()
}

// kerasCase is a keras-cases fixture: a model file, inputs x and Keras's
// predict(x) as y, each row flattened.
type kerasCase struct {
	dir  string
	x, y [][]float32
}

func loadCase(t *testing.T, name string) kerasCase {
	t.Helper()
	dir := filepath.Join("testdata", "keras-cases", name)
	return kerasCase{dir: dir, x: npyRows(t, filepath.Join(dir, "x.npy")), y: npyRows(t, filepath.Join(dir, "y.npy"))}
}

// npyRows reads an .npy array as one flattened row per first-axis entry.
func npyRows(t *testing.T, path string) [][]float32 {
	t.Helper()
	a, err := tensor.LoadNpy(path)
	if err != nil {
		t.Fatal(err)
	}
	n := a.Dim(0)
	per := a.Len() / n
	rows := make([][]float32, n)
	for i := range rows {
		rows[i] = append([]float32(nil), a.Data()[i*per:(i+1)*per]...)
	}
	return rows
}

// keyed is one element of a test input: Create cannot make KVs, so tests
// create keyed values and toKV splits them.
type keyed struct {
	Key    int
	Sample Sample
}

func toKV(k keyed) (int, Sample) { return k.Key, k.Sample }

// keyedInput returns PCollection<KV<int, Sample>> holding samples under keys
// 0, 1, ...
func keyedInput(s beam.Scope, samples []Sample) beam.PCollection {
	elems := make([]any, len(samples))
	for i, smp := range samples {
		elems[i] = keyed{Key: i, Sample: smp}
	}
	return beam.ParDo(s, toKV, beam.Create(s, elems...))
}

func floatSamples(rows [][]float32) []Sample {
	out := make([]Sample, len(rows))
	for i, r := range rows {
		out[i] = Floats(r...)
	}
	return out
}

// closeFn emits a message for every prediction that is not
// allclose(atol=1e-5, rtol=1e-5) to Want[key], or whose key has no Want.
type closeFn struct {
	Want [][]float32
}

func (f *closeFn) ProcessElement(key int, p Prediction, emit func(string)) {
	if key < 0 || key >= len(f.Want) || f.Want[key] == nil {
		emit(fmt.Sprintf("key %d: unexpected prediction %v", key, p.Values))
		return
	}
	if msg := allClose(p.Values, f.Want[key], 1e-5, 1e-5); msg != "" {
		emit(fmt.Sprintf("key %d: %s", key, msg))
	}
}

// reasonFn emits a message for every dead letter whose key has no expected
// reason, whose reason differs from Want[key], or whose sample is not the
// one Samples[key] encodes (encoded: Beam serializes DoFns as JSON, which
// has no NaN).
type reasonFn struct {
	Want    map[int]string
	Samples [][]byte
}

func newReasonFn(want map[int]string, samples []Sample) *reasonFn {
	f := &reasonFn{Want: want, Samples: make([][]byte, len(samples))}
	for i, s := range samples {
		f.Samples[i] = encodeSample(s)
	}
	return f
}

func (f *reasonFn) ProcessElement(key int, d DeadLetter, emit func(string)) {
	want, ok := f.Want[key]
	if !ok {
		emit(fmt.Sprintf("key %d: unexpected dead letter %q", key, d.Reason))
		return
	}
	if d.Reason != want {
		emit(fmt.Sprintf("key %d: reason %q, want %q", key, d.Reason, want))
	}
	if s, err := decodeSample(f.Samples[key]); err != nil || !sameSample(d.Sample, s) {
		emit(fmt.Sprintf("key %d: dead letter carries %+v, want %+v (%v)", key, d.Sample, s, err))
	}
}

// sameSample compares samples bit for bit (NaN equals NaN), nil and empty
// slices alike.
func sameSample(a, b Sample) bool {
	if len(a.Floats) != len(b.Floats) || len(a.Tokens) != len(b.Tokens) {
		return false
	}
	for i := range a.Floats {
		if math.Float32bits(a.Floats[i]) != math.Float32bits(b.Floats[i]) {
			return false
		}
	}
	return len(a.Tokens) == 0 || reflect.DeepEqual(a.Tokens, b.Tokens)
}

// allClose is numpy.allclose: |got-want| <= atol + rtol*|want| elementwise,
// in float64; it returns "" or what differs.
func allClose(got, want []float32, atol, rtol float64) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d values, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		if !(math.Abs(g-w) <= atol+rtol*math.Abs(w)) {
			return fmt.Sprintf("value %d is %v, want %v", i, g, w)
		}
	}
	return ""
}

// counter returns the committed value of a "kerago" counter.
func counter(t *testing.T, res beam.PipelineResult, name string) int64 {
	t.Helper()
	var total int64
	for _, c := range res.Metrics().AllMetrics().Counters() {
		if c.Key.Namespace == "kerago" && c.Key.Name == name {
			total += c.Result()
		}
	}
	return total
}

// distribution returns the value of a "kerago" distribution.
func distribution(t *testing.T, res beam.PipelineResult, name string) metrics.DistributionValue {
	t.Helper()
	var v metrics.DistributionValue
	for _, d := range res.Metrics().AllMetrics().Distributions() {
		if d.Key.Namespace == "kerago" && d.Key.Name == name {
			r := d.Result()
			v.Count += r.Count
			v.Sum += r.Sum
		}
	}
	return v
}

func ints(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
