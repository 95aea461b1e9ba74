// Command score is an Apache Beam pipeline that scores a CSV file with a
// Keras model through kerago's Beam transform (kerabeam.Score):
//
//	go run ./examples/score --model model.keras --input in.csv --output out
//
// (run from the beam/ directory). Each CSV row is one sample (a header row is
// detected and skipped). The predictions go to out-SSSSS-of-NNNNN.csv, one
// row per sample: its line number in the input, then the output values, in
// input order within each shard and shard after shard. Rows the model cannot
// take (unparsable, wrong width, NaN) go to out.dead-letters-00000-of-00001.csv
// as line number and reason.
//
// The runner is Beam's --runner flag: prism (the default, in this process),
// or dataflow, flink, spark with their own flags; --model, --input and
// --output may then be gs:// URLs (beamx registers Google Cloud Storage;
// import Beam's io/filesystem/s3 package for s3://).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"
	kerabeam "github.com/kerago/kerago/beam"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// Beam hands every element between DoFns boxed, so a pipeline makes
		// many short-lived objects while its live heap stays small (rows
		// stream through): at the default GOGC=100 the collector runs
		// constantly. 400 spends some tens of MB to save about a quarter of
		// the CPU time on a million-row CSV. GOGC in the environment wins.
		debug.SetGCPercent(400)
	}
	var o options
	o.register(flag.CommandLine)
	flag.Parse()
	beam.Init() // on a cluster's workers, this runs the worker instead of returning
	if o.reshuffle == "auto" {
		o.reshuffle = strconv.FormatBool(!inProcess(*runners.Runner))
	}
	if err := o.check(); err != nil {
		fmt.Fprintln(os.Stderr, "score:", err)
		flag.Usage()
		os.Exit(2)
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "score:", err)
		os.Exit(1)
	}
}

// options are the command's own flags; Beam adds --runner and the runners'.
type options struct {
	model, weights, input, output string
	batchSize                     int
	reshuffle                     string
}

func (o *options) register(fs *flag.FlagSet) {
	fs.StringVar(&o.model, "model", "", "the Keras model: a path or a gs:// URL (.keras, .h5, or a config with --weights)")
	fs.StringVar(&o.weights, "weights", "", "weights file for a --model that is only a config (optional)")
	fs.StringVar(&o.input, "input", "", "the CSV to score: a path or a gs:// URL; one sample per row, optional header")
	fs.StringVar(&o.output, "output", "", "output prefix: writes PREFIX-SSSSS-of-NNNNN.csv and PREFIX.dead-letters-SSSSS-of-NNNNN.csv")
	fs.IntVar(&o.batchSize, "batch-size", kerabeam.DefaultBatchSize, "samples per forward pass")
	fs.StringVar(&o.reshuffle, "reshuffle", "auto", "redistribute the rows after reading, so that many workers score them: true, false, or auto (true unless the runner is in-process: prism, direct)")
}

func (o *options) check() error {
	switch {
	case o.model == "":
		return fmt.Errorf("--model is required")
	case o.input == "":
		return fmt.Errorf("--input is required")
	case o.output == "":
		return fmt.Errorf("--output is required")
	case o.reshuffle != "auto" && o.reshuffle != "true" && o.reshuffle != "false":
		return fmt.Errorf("--reshuffle %q must be auto, true or false", o.reshuffle)
	case o.batchSize <= 0:
		return fmt.Errorf("--batch-size %d must be positive", o.batchSize)
	}
	return nil
}

func run(ctx context.Context, o options) error {
	p, s := beam.NewPipelineWithRoot()
	if err := buildPipeline(s, o); err != nil {
		return err
	}
	start := time.Now()
	res, err := beamx.RunWithMetrics(ctx, p)
	if err != nil {
		return err
	}
	report(os.Stderr, res, time.Since(start))
	return nil
}

// report prints the transform's metrics, when the runner gives them.
func report(w *os.File, res beam.PipelineResult, took time.Duration) {
	if res == nil {
		return
	}
	var rows, batches, dead, loads int64
	for _, c := range res.Metrics().AllMetrics().Counters() {
		if c.Namespace() != "kerago" {
			continue
		}
		v := c.Result()
		switch c.Name() {
		case "rows":
			rows += v
		case "batches":
			batches += v
		case "dead_letters":
			dead += v
		case "model_loads":
			loads += v
		}
	}
	fmt.Fprintf(w, "scored %d rows in %d forward passes, %d dead letters, %d model loads; %.2fs, %.0f rows/s\n",
		rows, batches, dead, loads, took.Seconds(), float64(rows)/took.Seconds())
}

// inProcess reports whether runner runs the pipeline in this process, where
// a reshuffle only moves rows through the runner and back.
func inProcess(runner string) bool {
	switch runner {
	case "", "prism", "PrismRunner", "direct", "DirectRunner":
		return true
	}
	return false
}
