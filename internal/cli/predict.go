package cli

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/kerago/kerago/internal/cli/datafile"
	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/tensor"
)

type predictOptions struct {
	weights   string
	input     string
	output    string
	batchSize int
	// allowRandom accepts a config without weights (random weights).
	allowRandom bool
}

func (o *predictOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.weights, "weights", "", "read the weights from `W` (MODEL is then a config: .json, .yaml, ...)")
	fs.StringVar(&o.input, "input", "", "the samples to score: `X`.npy, .npz or .csv (- reads CSV from standard input)")
	fs.StringVar(&o.output, "output", "", "where to write the predictions: `Y`.npy, .npz (array \"y\") or .csv (- writes CSV to standard output)")
	fs.IntVar(&o.batchSize, "batch-size", 32, "samples per forward pass, as predict(batch_size=`N`)")
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
	if err := checkDataPath("input", o.input); err != nil {
		return err
	}
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
	m, _, err := loadModel(path, o.weights)
	if err != nil {
		return err
	}
	if !m.HasStoredWeights() && !o.allowRandom {
		return fmt.Errorf("%s holds a model config without weights, so its weights would be random: give the weights with --weights W, or pass --allow-random-weights", path)
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
