package kerabeam

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/memfs"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/kerago/kerago/tensor"
)

// scorePipeline builds input → Score → checks: every prediction allclose to
// wantY[key] (nil rows must not be predicted), the predicted keys exactly
// those with wantY, dead letters exactly wantDead (key → reason).
func scorePipeline(cfg Config, samples []Sample, wantY [][]float32, wantDead map[int]string) *beam.Pipeline {
	p, s := beam.NewPipelineWithRoot()
	preds, dead := Score(s, cfg, keyedInput(s, samples))
	passert.Empty(s, beam.ParDo(s, &closeFn{Want: wantY}, preds))
	passert.Empty(s, beam.ParDo(s, newReasonFn(wantDead, samples), dead))
	var predKeys, deadKeys []any
	for k, y := range wantY {
		if y != nil {
			predKeys = append(predKeys, k)
		}
	}
	for k := range wantDead {
		deadKeys = append(deadKeys, k)
	}
	passert.Equals(s, beam.DropValue(s, preds), predKeys...)
	passert.Equals(s, beam.DropValue(s, dead), deadKeys...)
	return p
}

// TestScoreMatchesKeras: predictions equal Keras's predict(x) for keras-cases
// (saved by Keras 3.15.1 in testdata/keras-cases), in several formats and
// batch sizes, with the metrics counting rows and forward passes.
func TestScoreMatchesKeras(t *testing.T) {
	tests := []struct {
		kase, file string
		batch      int
	}{
		{"mlp_2_10_10_2", "model.keras", 5},
		{"mlp_2_10_10_2", "model.h5", 1},
		{"flatten_bn_first", "model.keras", 32},
		{"multiclass_classifier", "model.keras", 7},
		{"multiclass_classifier", "model.keras", 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s/batch%d", tt.kase, tt.file, tt.batch), func(t *testing.T) {
			c := loadCase(t, tt.kase)
			cfg := Config{Model: filepath.Join(c.dir, tt.file), BatchSize: tt.batch}
			res, err := ptest.RunWithMetrics(scorePipeline(cfg, floatSamples(c.x), c.y, nil))
			if err != nil {
				t.Fatal(err)
			}
			n, b := int64(len(c.x)), int64(max(tt.batch, DefaultBatchSize*btoi(tt.batch == 0)))
			// prism runs this small input as one bundle: ceil(n/b) passes.
			checkMetrics(t, res, n, (n+b-1)/b, 0)
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func checkMetrics(t *testing.T, res beam.PipelineResult, rows, batches, dead int64) {
	t.Helper()
	if got := counter(t, res, "rows"); got != rows {
		t.Errorf("rows metric %d, want %d", got, rows)
	}
	if got := counter(t, res, "batches"); got != batches {
		t.Errorf("batches metric %d, want %d", got, batches)
	}
	if got := counter(t, res, "dead_letters"); got != dead {
		t.Errorf("dead_letters metric %d, want %d", got, dead)
	}
	if got := distribution(t, res, "batch_latency_us"); got.Count != batches {
		t.Errorf("batch_latency_us has %d values, want one per batch (%d)", got.Count, batches)
	}
}

// mlpFloat64 is mlp_2_10_10_2's forward pass (Dense relu, Dense relu, Dense
// linear) re-derived in float64 from the weights Keras saved as .npy.
func mlpFloat64(t *testing.T, x []float64) []float32 {
	t.Helper()
	dir := filepath.Join("testdata", "keras-cases", "mlp_2_10_10_2", "weights")
	names := []string{"00_mlp_2_10_10_2__dense_1__kernel", "01_mlp_2_10_10_2__dense_1__bias",
		"02_mlp_2_10_10_2__dense_2__kernel", "03_mlp_2_10_10_2__dense_2__bias",
		"04_mlp_2_10_10_2__dense_3__kernel", "05_mlp_2_10_10_2__dense_3__bias"}
	h := x
	for l := 0; l < 3; l++ {
		k, err := tensor.LoadNpy(filepath.Join(dir, names[2*l]+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := tensor.LoadNpy(filepath.Join(dir, names[2*l+1]+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		in, out := k.Dim(0), k.Dim(1)
		next := make([]float64, out)
		for j := range out {
			v := float64(b.Data()[j])
			for i := range in {
				v += h[i] * float64(k.Data()[i*out+j])
			}
			if l < 2 {
				v = math.Max(v, 0)
			}
			next[j] = v
		}
		h = next
	}
	y := make([]float32, len(h))
	for i, v := range h {
		y[i] = float32(v)
	}
	return y
}

// TestScoreTokens: token ids are fed as Keras feeds them (cast to float32);
// the reference is a float64 re-derivation of the model from its weights.
func TestScoreTokens(t *testing.T) {
	ids := [][]int64{{0, 0}, {1, 2}, {7, 3}, {16777216, 5}, {40, 0}}
	samples := make([]Sample, len(ids))
	want := make([][]float32, len(ids))
	for i, v := range ids {
		samples[i] = Tokens(v...)
		want[i] = mlpFloat64(t, []float64{float64(v[0]), float64(v[1])})
	}
	cfg := Config{Model: filepath.Join("testdata", "keras-cases", "mlp_2_10_10_2", "model.keras"), BatchSize: 2}
	res, err := ptest.RunWithMetrics(scorePipeline(cfg, samples, want, nil))
	if err != nil {
		t.Fatal(err)
	}
	checkMetrics(t, res, 5, 3, 0)
}

// TestScoreDeadLetters: bad samples go to the dead letters with the reason
// and the sample; the good ones around them are still scored right.
func TestScoreDeadLetters(t *testing.T) {
	c := loadCase(t, "mlp_2_10_10_2")
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	bad := []struct {
		sample Sample
		reason string
	}{
		{Floats(1, 2, 3), "sample has 3 values; the model's input shape (2,) takes 2"},
		{Floats(0.5, nan), "value 1 is NaN; the model takes finite numbers"},
		{Floats(inf, 0.5), "value 0 is +Inf; the model takes finite numbers"},
		{Floats(-inf, 0.5), "value 0 is -Inf; the model takes finite numbers"},
		{Sample{}, "sample has 0 values; the model's input shape (2,) takes 2"},
		{Sample{Floats: []float32{1, 2}, Tokens: []int64{1, 2}}, "sample sets both Floats and Tokens; set one"},
		{Tokens(1), "sample has 1 token ids; the model's input shape (2,) takes 2"},
		{Tokens(3, -1), "token id 1 is -1; ids must be in [0, 16777216]"},
		{Tokens(16777217, 0), "token id 0 is 16777217; ids must be in [0, 16777216]"},
	}
	var samples []Sample
	var wantY [][]float32
	wantDead := map[int]string{}
	for i, row := range c.x { // good and bad samples interleaved
		samples, wantY = append(samples, Floats(row...)), append(wantY, c.y[i])
		if i < len(bad) {
			wantDead[len(samples)] = bad[i].reason
			samples, wantY = append(samples, bad[i].sample), append(wantY, nil)
		}
	}
	cfg := Config{Model: filepath.Join(c.dir, "model.keras"), BatchSize: 4}
	res, err := ptest.RunWithMetrics(scorePipeline(cfg, samples, wantY, wantDead))
	if err != nil {
		t.Fatal(err)
	}
	checkMetrics(t, res, int64(len(c.x)), int64(len(c.x)+3)/4, int64(len(bad)))
}

// TestScoreFromURL: a model behind a URL scheme Beam's filesystem package
// registers (memfs here; gs:// and s3:// go the same way) loads and scores.
func TestScoreFromURL(t *testing.T) {
	c := loadCase(t, "mlp_2_10_10_2")
	ctx := context.Background()
	put := func(name string) string {
		data, err := os.ReadFile(filepath.Join(c.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		url := "memfs://kerago-test/" + t.Name() + "/" + name
		fs, err := filesystem.New(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer fs.Close()
		if err := filesystem.Write(ctx, fs, url, data); err != nil {
			t.Fatal(err)
		}
		return url
	}
	tests := []struct {
		name string
		cfg  Config
	}{
		{"keras archive", Config{Model: put("model.keras")}},
		{"config and weights", Config{Model: put("model.json"), Weights: put("model.weights.h5")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ptest.RunAndValidate(t, scorePipeline(tt.cfg, floatSamples(c.x), c.y, nil))
		})
	}
}

// TestModelLoadedOncePerWorker: two Score steps on the same model, each its
// own DoFn instance with its own Setup, in one worker process (prism runs
// the SDK harness in this process): the model is read once.
func TestModelLoadedOncePerWorker(t *testing.T) {
	c := loadCase(t, "mlp_2_10_10_2")
	data, err := os.ReadFile(filepath.Join(c.dir, "model.keras"))
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(t.TempDir(), "model.keras") // a path no other test loaded
	if err := os.WriteFile(model, data, 0o600); err != nil {
		t.Fatal(err)
	}
	p, s := beam.NewPipelineWithRoot()
	cfg := Config{Model: model, BatchSize: 3}
	for i := range 2 {
		preds, _ := Score(s.Scope(fmt.Sprint("step", i)), cfg, keyedInput(s, floatSamples(c.x)))
		passert.Empty(s, beam.ParDo(s, &closeFn{Want: c.y}, preds))
	}
	res, err := ptest.RunWithMetrics(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := counter(t, res, "model_loads"); got != 1 {
		t.Errorf("model_loads %d, want 1", got)
	}
	if got, want := counter(t, res, "rows"), int64(2*len(c.x)); got != want {
		t.Errorf("rows %d, want %d", got, want)
	}
}

// TestScoreLoadError: a model that cannot be loaded fails the pipeline with
// an error naming the file (Setup errors are not per-element problems).
func TestScoreLoadError(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-model.keras")
	p, s := beam.NewPipelineWithRoot()
	Score(s, Config{Model: missing}, keyedInput(s, []Sample{Floats(1, 2)}))
	err := ptest.Run(p)
	if err == nil {
		t.Fatal("pipeline with a missing model succeeded")
	}
	if !containsAll(err.Error(), "kerabeam: loading model", "no-such-model.keras") {
		t.Errorf("error %q does not say which model failed to load", err)
	}
}
