package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/kerago/kerago/keras"
)

type evaluateOptions struct {
	weights   string
	x, y      string
	batchSize int
	json      bool
	loss      string
	metrics   optionalString
	budget    budgetFlag
}

func (o *evaluateOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.weights, "weights", "", "read the weights from `W` (MODEL is then a config: .json, .yaml, ...)")
	fs.StringVar(&o.x, "x", "", "inputs `X`: .npy, .npz or .csv, one sample per row")
	fs.StringVar(&o.y, "y", "", "targets `Y`: .npy, .npz or .csv, one sample per row")
	fs.IntVar(&o.batchSize, "batch-size", 32, "samples per step, as evaluate(batch_size=`N`)")
	fs.BoolVar(&o.json, "json", false, "print {\"loss\": ..., \"<metric>\": ...} as JSON")
	fs.StringVar(&o.loss, "loss", "", "evaluate loss `NAME` instead of the model's")
	fs.Var(&o.metrics, "metrics", "evaluate metrics `a,b` instead of the model's; \"\" for none")
	registerBudget(fs, &o.budget)
}

func evaluateCommand() *command {
	return &command{
		name:     "evaluate",
		synopsis: "evaluate MODEL [--weights W] --x X --y Y [--batch-size N] [--json] [--loss NAME] [--metrics a,b]",
		summary:  "compute the loss and metrics on files of samples, as model.evaluate",
		about: `Computes MODEL's loss and metrics on X and Y as Keras's model.evaluate does
(inference mode; the loss and each metric averaged over the samples), with
the loss and metrics the model was compiled with — metric objects with their
configuration, weighted metrics and loss_weights included. --loss and
--metrics replace the file's. Entries of the compile config kerago cannot
restore are reported as warnings on standard error.

Prints one "name: value" per line (loss first, then the metrics in Keras's
order), or with --json one object {"loss": ..., "<metric>": ...}.

Example:
  kerago evaluate model.keras --x x.npy --y y.npy --json`,
		minArgs: 1, maxArgs: 1,
		newOptions: func() options { return &evaluateOptions{} },
		exec: func(_ context.Context, env Env, o options, args []string) error {
			return runEvaluate(env, o.(*evaluateOptions), args[0])
		},
	}
}

func runEvaluate(env Env, o *evaluateOptions, path string) error {
	if err := checkDataPath("x", o.x); err != nil {
		return err
	}
	if err := checkDataPath("y", o.y); err != nil {
		return err
	}
	if o.batchSize <= 0 {
		return usagef("--batch-size %d must be positive", o.batchSize)
	}
	m, lm, err := loadModel(path, o.weights, o.budget)
	if err != nil {
		return err
	}
	printWarnings(env, m)
	if o.loss == "" && (lm.Training == nil || lm.Training.Loss == nil) {
		return usagef("%s has no compile config: give --loss (and --metrics)", path)
	}
	if o.loss != "" || o.metrics.set || !m.Compiled() {
		// evaluate never steps the optimizer: a file's optimizer kerago cannot
		// restore does not matter here, so a default one stands in.
		opt := ""
		if keras.CompileFromFile(lm.Training).OptimizerErr != nil {
			opt = "rmsprop"
		}
		cc, err := overrideCompile(m, lm, opt, optionalFloat{}, o.loss, o.metrics)
		if err != nil {
			return err
		}
		if err := m.Compile(cc); err != nil {
			return usagef("%s", Message(err))
		}
	}
	x, y, err := readXY(env, o.x, o.y, m)
	if err != nil {
		return err
	}
	logs, err := m.Evaluate(x, y, keras.EvaluateConfig{BatchSize: o.batchSize, Verbose: keras.Silent, Output: io.Discard})
	if err != nil {
		return fmt.Errorf("evaluating on %s and %s: %w", dataName(o.x), dataName(o.y), err)
	}
	if o.json {
		return writeLogsJSON(env.Stdout, logs)
	}
	for _, k := range logs.Keys() {
		v, _ := logs.Get(k)
		fmt.Fprintf(env.Stdout, "%s: %s\n", k, strconv.FormatFloat(v, 'g', -1, 32))
	}
	return nil
}

// writeLogsJSON prints logs as one JSON object in their order; NaN and
// infinities, which JSON lacks, are written as Python's json does (NaN,
// Infinity).
func writeLogsJSON(w io.Writer, logs *keras.Logs) error {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range logs.Keys() {
		if i > 0 {
			b.WriteString(", ")
		}
		name, err := json.Marshal(k)
		if err != nil {
			return err
		}
		v, _ := logs.Get(k)
		b.Write(name)
		b.WriteString(": ")
		switch {
		case math.IsNaN(v):
			b.WriteString("NaN")
		case math.IsInf(v, 1):
			b.WriteString("Infinity")
		case math.IsInf(v, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 32))
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// printWarnings writes what loading could not carry over to standard error.
func printWarnings(env Env, m *keras.Model) {
	for _, w := range m.LoadWarnings() {
		fmt.Fprintf(env.Stderr, "kerago: warning: %s\n", w)
	}
}
