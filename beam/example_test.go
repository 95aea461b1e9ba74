package kerabeam_test

import (
	"context"
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	kerabeam "github.com/kerago/kerago/beam"
)

// toSample keys a row by its first value, an id, and makes the rest the
// model's input.
func toSample(row []float32) (int64, kerabeam.Sample) {
	return int64(row[0]), kerabeam.Floats(row[1:]...)
}

func init() {
	register.Function1x2(toSample)
}

// Score a few rows with a Keras model on Beam's in-process runner; on a
// cluster the model path would be a gs:// or s3:// URL.
func ExampleScore() {
	p, s := beam.NewPipelineWithRoot()
	rows := beam.Create(s, []float32{1, 0.5, -1}, []float32{2, 0.25, 0.75}, []float32{3, 1})
	samples := beam.ParDo(s, toSample, rows) // PCollection<KV<int64, Sample>>
	cfg := kerabeam.Config{Model: "testdata/keras-cases/mlp_2_10_10_2/model.keras", BatchSize: 256}
	preds, dead := kerabeam.Score(s, cfg, samples)
	_, _ = preds, dead // PCollection<KV<int64, Prediction>>, PCollection<KV<int64, DeadLetter>>: write them out

	res, err := beam.Run(context.Background(), "prism", p)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range res.Metrics().AllMetrics().Counters() {
		if c.Namespace() == "kerago" && (c.Name() == "rows" || c.Name() == "dead_letters") {
			fmt.Println(c.Name(), c.Result())
		}
	}
	// Unordered output:
	// rows 2
	// dead_letters 1
}
