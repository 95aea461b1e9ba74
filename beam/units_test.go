package kerabeam

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/keras/layers"
)

func TestCoderRoundTrip(t *testing.T) {
	samples := []Sample{
		{},
		Floats(1.5, float32(math.NaN()), float32(math.Inf(-1)), -0, math.MaxFloat32),
		Tokens(0, 1, -7, math.MaxInt64, math.MinInt64),
		{Floats: []float32{1}, Tokens: []int64{2}},
	}
	for _, s := range samples {
		got, err := decodeSample(encodeSample(s))
		if err != nil || !sameSample(got, s) {
			t.Errorf("Sample %+v came back as %+v, %v", s, got, err)
		}
		l := DeadLetter{Sample: s, Reason: "why ✓"}
		gl, err := decodeDeadLetter(encodeDeadLetter(l))
		if err != nil || !sameSample(gl.Sample, s) || gl.Reason != l.Reason {
			t.Errorf("DeadLetter %+v came back as %+v, %v", l, gl, err)
		}
		p := Prediction{Values: s.Floats}
		gp, err := decodePrediction(encodePrediction(p))
		if err != nil || !sameSample(Floats(gp.Values...), Floats(p.Values...)) {
			t.Errorf("Prediction %+v came back as %+v, %v", p, gp, err)
		}
	}
}

// TestCoderRejectsDamage: every truncation, and trailing or unknown bytes,
// give an error (never a panic or a silently different element).
func TestCoderRejectsDamage(t *testing.T) {
	enc := encodeDeadLetter(DeadLetter{Sample: Sample{Floats: []float32{1, 2}, Tokens: []int64{300, -2}}, Reason: "r"})
	for n := range len(enc) {
		if _, err := decodeDeadLetter(enc[:n]); !errors.Is(err, errCoder) {
			t.Errorf("%d of %d bytes: err %v, want errCoder", n, len(enc), err)
		}
	}
	if _, err := decodeDeadLetter(append(enc, 0)); !errors.Is(err, errCoder) {
		t.Errorf("trailing byte: err %v", err)
	}
	bad := append([]byte{9}, enc[1:]...)
	if _, err := decodeDeadLetter(bad); !errors.Is(err, errCoder) {
		t.Errorf("unknown version: err %v", err)
	}
	huge := []byte{coderVersion, 0xff, 0xff, 0xff, 0xff, 0x0f}
	if _, err := decodePrediction(huge); !errors.Is(err, errCoder) {
		t.Errorf("length past the end: err %v", err)
	}
}

// TestTryScoreErrors: construction problems come back as errors that say
// what is wrong, before anything runs.
func TestTryScoreErrors(t *testing.T) {
	_, s := beam.NewPipelineWithRoot()
	good := keyedInput(s, []Sample{Floats(1, 2)})
	ints := beam.Create(s, 1, 2)
	windowed := beam.WindowInto(s, window.NewFixedWindows(time.Minute), good)
	tests := []struct {
		name string
		cfg  Config
		col  beam.PCollection
		want []string
	}{
		{"no model", Config{}, good, []string{"Config.Model is empty"}},
		{"negative batch", Config{Model: "m.keras", BatchSize: -1}, good, []string{"BatchSize -1 is negative"}},
		{"unregistered scheme", Config{Model: "hdfs://host/m.keras"}, good, []string{`scheme "hdfs" not registered`}},
		{"unregistered weights scheme", Config{Model: "m.json", Weights: "nosuch://b/w.h5"}, good, []string{`scheme "nosuch" not registered`}},
		{"not KV", Config{Model: "m.keras"}, ints, []string{"PCollection<KV<K, kerabeam.Sample>>", "not int"}},
		{"windowed", Config{Model: "m.keras"}, windowed, []string{"windowed", "globally windowed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := TryScore(s, tt.cfg, tt.col)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append(tt.want, "kerabeam: Score") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestScoreFnAliasedOutput: a model that returns its input (here a lone
// Flatten over (2,)) must not see its emitted predictions overwritten by the
// next batch's values.
func TestScoreFnAliasedOutput(t *testing.T) {
	m, err := keras.NewSequential(layers.Flatten(layers.WithInputShape(2)))
	if err != nil {
		t.Fatal(err)
	}
	f := &scoreFn{BatchSize: 2, model: m, inShape: []int{2}, inSize: 2, outSize: 2}
	f.reset()
	var got [][]float32
	emit := func(_ beam.X, p Prediction) { got = append(got, p.Values) }
	dead := func(_ beam.X, d DeadLetter) { t.Errorf("dead letter %q", d.Reason) }
	ctx := context.Background()
	for i := range 4 {
		if err := f.ProcessElement(ctx, i, Floats(float32(i), float32(-i)), emit, dead); err != nil {
			t.Fatal(err)
		}
	}
	for i, v := range got {
		if len(v) != 2 || v[0] != float32(i) || v[1] != float32(-i) {
			t.Errorf("prediction %d is %v, want [%d %d]", i, v, i, -i)
		}
	}
	if len(got) != 4 {
		t.Errorf("%d predictions, want 4", len(got))
	}
}
