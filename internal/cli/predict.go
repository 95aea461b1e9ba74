package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/kerago/kerago/internal/cli/datafile"
	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/tensor"
)

type predictOptions struct {
	weights   string
	input     string
	inputs    stringList // every --input, in order
	output    string
	batchSize int
	// allowRandom accepts a config without weights (random weights).
	allowRandom bool
	budget      budgetFlag
}

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

func (o *predictOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.weights, "weights", "", "read the weights from `W` (MODEL is then a config: .json, .yaml, ...)")
	fs.Var(&o.inputs, "input", "the samples to score: `X`.npy, .npz or .csv (- reads CSV from standard input); a model with several inputs takes one --input per input, in order, or one .npz with an array per input name")
	fs.StringVar(&o.output, "output", "", "where to write the predictions: `Y`.npy, .npz (array \"y\") or .csv (- writes CSV to standard output)")
	fs.IntVar(&o.batchSize, "batch-size", 32, "samples per forward pass, as predict(batch_size=`N`)")
	registerBudget(fs, &o.budget)
	fs.BoolVar(&o.allowRandom, "allow-random-weights", false, "accept a MODEL config without weights (its weights are then random)")
}

func predictCommand() *command {
	return &command{
		name:     "predict",
		synopsis: "predict MODEL [--weights W] --input X --output Y [--batch-size N]",
		summary:  "score a file of samples, as model.predict",
		about: `Runs MODEL on the samples in X, in inference mode (Dropout off,
BatchNormalization on its moving statistics) as Keras's model.predict, and
writes the outputs to Y as float32.

X holds one sample per row (first dimension): a CSV row with as many values
as the model's input has (a header row is skipped), or an .npy/.npz array of
shape (N, ...input shape) or (N, input size). An .npz holding several arrays
gives the one named "x" (or FILE.npz:KEY). Y gets shape (N, ...output shape);
a CSV gets one row per sample, no header, values that read back as the same
float32; an .npz one array named "y".

A model with several inputs takes --input once per input, in the model's
input order (kerago inspect lists them), or one .npz whose arrays are named
after the inputs. A model with several outputs writes an .npz with one array
per output, named after the output layers, in output order.
A MODEL config without weights (a to_json() or YAML file with no --weights)
is refused: its weights would be random. --allow-random-weights accepts it.

Example:
  kerago predict model.keras --input batch.csv --output out.csv`,
		minArgs: 1, maxArgs: 1,
		newOptions: func() options { return &predictOptions{} },
		exec: func(ctx context.Context, env Env, o options, args []string) error {
			return runPredict(env, o.(*predictOptions), args[0])
		},
	}
}

// readData reads a data file, "-" being CSV on standard input.
func readData(env Env, path, role string) (*tensor.Tensor, error) {
	if path == "-" {
		t, err := datafile.ReadCSV(env.Stdin)
		if err != nil {
			return nil, fmt.Errorf("standard input: %w", err)
		}
		return t, nil
	}
	file, _ := datafile.SplitKey(path)
	if err := mustExist(file); err != nil {
		return nil, err
	}
	return datafile.Read(path, role)
}

// writeData writes a data file, "-" being CSV on standard output.
func writeData(env Env, path string, t *tensor.Tensor, key string) error {
	if path == "-" {
		return datafile.WriteCSV(env.Stdout, t)
	}
	return datafile.Write(path, t, key)
}

// checkDataPath validates a data path's extension before any work.
func checkDataPath(flagName, path string) error {
	if path == "" {
		return usagef("--%s is required", flagName)
	}
	if path == "-" {
		return nil
	}
	if _, err := datafile.KindOf(path); err != nil {
		return usagef("--%s %s: the name must end in .npy, .npz or .csv", flagName, path)
	}
	return nil
}

func runPredict(env Env, o *predictOptions, path string) error {
	if len(o.inputs) == 0 {
		return usagef("--input is required")
	}
	for _, in := range o.inputs {
		if err := checkDataPath("input", in); err != nil {
			return err
		}
	}
	o.input = o.inputs[len(o.inputs)-1] // one input: the last --input, as a repeated flag always did
	if err := checkDataPath("output", o.output); err != nil {
		return err
	}
	if o.batchSize <= 0 {
		return usagef("--batch-size %d must be positive", o.batchSize)
	}
	if o.output != "-" {
		file, _ := datafile.SplitKey(o.output)
		if err := checkOutputDir(file); err != nil {
			return err
		}
	}
	m, _, err := loadModel(path, o.weights, o.budget)
	if err != nil {
		return err
	}
	if !m.HasStoredWeights() && !o.allowRandom {
		return fmt.Errorf("%s holds a model config without weights, so its weights would be random: give the weights with --weights W, or pass --allow-random-weights", path)
	}
	if len(m.InputShapes()) > 1 || len(m.OutputShapes()) > 1 {
		return predictGraph(env, o, m)
	}
	x, err := readData(env, o.input, "x")
	if err != nil {
		return err
	}
	x, err = datafile.Samples(x, m.InputShape(), dataName(o.input))
	if err != nil {
		return err
	}
	y, err := m.PredictWithConfig(x, keras.PredictConfig{BatchSize: o.batchSize, Verbose: keras.Silent, Output: io.Discard})
	if err != nil {
		return err
	}
	return writeData(env, o.output, y, "y")
}

func dataName(path string) string {
	if path == "-" {
		return "standard input"
	}
	return path
}

// predictGraph scores a model with several inputs or outputs.
func predictGraph(env Env, o *predictOptions, m *keras.Model) error {
	names, shapes := m.InputNames(), m.InputShapes()
	outs := m.OutputNames()
	if k, _ := datafile.KindOf(o.output); len(outs) > 1 && (o.output == "-" || k != datafile.NPZ) {
		return usagef("--output %s: the model has %d outputs (%s); write them to an .npz", o.output, len(outs), strings.Join(outs, ", "))
	}
	xs, err := readInputs(env, "input", o.inputs, names, shapes)
	if err != nil {
		return err
	}
	ys, err := m.PredictN(xs...)
	if err != nil {
		return err
	}
	if len(ys) == 1 {
		return writeData(env, o.output, ys[0], "y")
	}
	file, _ := datafile.SplitKey(o.output)
	return datafile.WriteAll(file, m.OutputNames(), ys)
}

// readInputs reads one array per model input: from one --input per input
// (in order), or from one .npz holding an array per input name.
func readInputs(env Env, flagName string, paths, names []string, shapes [][]int) ([]*tensor.Tensor, error) {
	xs := make([]*tensor.Tensor, len(names))
	switch {
	case len(paths) == len(names):
		for i, p := range paths {
			role := names[i]
			if len(names) == 1 {
				role = "x"
			}
			x, err := readData(env, p, role)
			if err != nil {
				return nil, err
			}
			xs[i] = x
		}
	case len(paths) == 1 && strings.HasSuffix(paths[0], ".npz"):
		for i, n := range names {
			x, err := readData(env, paths[0]+":"+n, n)
			if err != nil {
				return nil, fmt.Errorf("%w (give one .npz holding arrays named %s, or one --%s per name)", err, strings.Join(names, ", "), flagName)
			}
			xs[i] = x
		}
	default:
		return nil, usagef("the model needs %d arrays for --%s (%s), %d given; give one --%s per name in this order, or one .npz with an array per name", len(names), flagName, strings.Join(names, ", "), len(paths), flagName)
	}
	for i := range xs {
		x, err := datafile.Samples(xs[i], shapes[i], fmt.Sprintf("input %q", names[i]))
		if err != nil {
			return nil, err
		}
		xs[i] = x
	}
	return xs, nil
}
