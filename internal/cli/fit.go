package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kerago/kerago/internal/cli/datafile"
	"github.com/kerago/kerago/internal/cli/history"
	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/keras/losses"
	"github.com/kerago/kerago/keras/optimizers"
	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/tensor"
)

// optionalString is a string flag that knows whether it was given.
type optionalString struct {
	value string
	set   bool
}

func (s *optionalString) String() string {
	if s == nil {
		return ""
	}
	return s.value
}

func (s *optionalString) Set(v string) error { s.value, s.set = v, true; return nil }

// optionalFloat is a float flag that knows whether it was given.
type optionalFloat struct {
	value float64
	set   bool
}

func (f *optionalFloat) String() string {
	if f == nil || !f.set {
		return ""
	}
	return strconv.FormatFloat(f.value, 'g', -1, 64)
}

func (f *optionalFloat) Set(v string) error {
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return errors.New("want a number")
	}
	f.value, f.set = x, true
	return nil
}

type fitOptions struct {
	xs, ys          stringList // every --x and --y, in order
	weights         string
	x, y, output    string
	epochs          int
	batchSize       int
	shuffle         shuffleFlag
	seed            uint64
	validationSplit float64
	validationX     string
	validationY     string
	optimizer       string
	learningRate    optionalFloat
	loss            string
	metrics         optionalString
	history         string
	plot            string
	verbose         string
	budget          budgetFlag
}

func (o *fitOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.weights, "weights", "", "read the initial weights from `W` (MODEL is then a config: .json, .yaml, ...)")
	fs.Var(&o.xs, "x", "training inputs `X`: .npy, .npz or .csv, one sample per row (a model with several inputs: one --x per input, in order, or one .npz with an array per input name)")
	fs.Var(&o.ys, "y", "training targets `Y`: .npy, .npz or .csv, one sample per row (a model with several outputs: one --y per output, in order, or one .npz with an array per output name)")
	fs.StringVar(&o.output, "output", "", "where to save the trained model: `OUT`.keras, .h5, .weights.h5, .npz or DIR/ (npy-dir)")
	fs.IntVar(&o.epochs, "epochs", 1, "number of epochs, as fit(epochs=`N`)")
	fs.IntVar(&o.batchSize, "batch-size", 32, "samples per gradient step, as fit(batch_size=`N`)")
	fs.Var(&o.shuffle, "shuffle", "shuffle the training samples each epoch: true, false or batch, as fit(shuffle=...)")
	fs.Uint64Var(&o.seed, "seed", 0, "seed `N` for shuffling and dropout (0: a random seed each run)")
	fs.Float64Var(&o.validationSplit, "validation-split", 0, "hold out the last fraction `F` of X and Y for validation, as fit(validation_split=F)")
	fs.StringVar(&o.validationX, "validation-x", "", "validation inputs `X` (with --validation-y), as fit(validation_data=(X, Y))")
	fs.StringVar(&o.validationY, "validation-y", "", "validation targets `Y` (with --validation-x)")
	fs.StringVar(&o.optimizer, "optimizer", "", "train with a fresh optimizer `NAME` (adam, sgd, rmsprop, adamw, ...) with Keras's defaults instead of the model's")
	fs.Var(&o.learningRate, "learning-rate", "set the optimizer's learning rate to `F`")
	fs.StringVar(&o.loss, "loss", "", "train with loss `NAME` (mse, mae, binary_crossentropy, ...) instead of the model's")
	fs.Var(&o.metrics, "metrics", "compile with metrics `a,b` (for example mae,mse) instead of the model's; \"\" for none")
	fs.StringVar(&o.history, "history", "", "write the per-epoch history to `H`.json ({\"epoch\": [...], \"history\": {...}}) or H.csv (as CSVLogger)")
	fs.StringVar(&o.plot, "plot", "", "plot every history series per epoch to `P`.png or P.svg")
	fs.StringVar(&o.verbose, "verbose", "", "`LEVEL` of output as fit(verbose=...): 0 silent, 1 progress bar, 2 one line per epoch (default: 1 on a terminal, 0 otherwise)")
	registerBudget(fs, &o.budget)
}

func fitCommand() *command {
	return &command{
		name: "fit",
		synopsis: "fit MODEL [--weights W] --x X --y Y --output OUT [--epochs N] [--batch-size N] [--shuffle=BOOL]\n" +
			"           [--seed N] [--validation-split F | --validation-x X --validation-y Y] [--optimizer NAME]\n" +
			"           [--learning-rate F] [--loss NAME] [--metrics a,b] [--history H.json|H.csv]\n" +
			"           [--plot P.png|P.svg] [--verbose 0|1|2]",
		summary: "train a model on files of samples, as model.fit, and save it",
		about: `Trains MODEL on X and Y as Keras's model.fit does, with the optimizer, loss and
metrics it was compiled with (a .keras or .h5 file saved after compile), and
saves the trained model to OUT. A model saved with optimizer state continues
from it. --optimizer, --learning-rate, --loss and --metrics override the
compile config; an uncompiled model needs --loss (the optimizer defaults to
rmsprop, as in Keras's compile).

Keras's defaults apply: 1 epoch, batch size 32, a fresh shuffle each epoch;
--validation-split takes the last fraction of the samples before shuffling.
The progress bar is Keras's and goes to standard output; by default it is
shown on a terminal and not when the output is piped.

The history (Keras's History.history, per epoch: loss, metrics, val_*) is
written with --history as JSON {"epoch": [0, 1, ...], "history": {"loss":
[...], ...}} or as CSV like keras.callbacks.CSVLogger, and plotted with
--plot.

Example:
  kerago fit design.keras --x x.npy --y y.npy --epochs 50 --output trained.keras --plot loss.png`,
		minArgs: 1, maxArgs: 1,
		newOptions: func() options { return &fitOptions{} },
		exec: func(ctx context.Context, env Env, o options, args []string) error {
			return runFit(ctx, env, o.(*fitOptions), args[0])
		},
	}
}

func (o *fitOptions) validate() error {
	if len(o.xs) == 0 {
		return usagef("--x is required")
	}
	if len(o.ys) == 0 {
		return usagef("--y is required")
	}
	for _, p := range o.xs {
		if err := checkDataPath("x", p); err != nil {
			return err
		}
	}
	for _, p := range o.ys {
		if err := checkDataPath("y", p); err != nil {
			return err
		}
	}
	// a model with one input and one output takes the last --x and --y,
	// as a repeated flag always did
	o.x, o.y = o.xs[len(o.xs)-1], o.ys[len(o.ys)-1]
	if o.output == "" {
		return usagef("--output is required: where to save the trained model")
	}
	if o.epochs <= 0 {
		return usagef("--epochs %d must be positive", o.epochs)
	}
	if o.batchSize <= 0 {
		return usagef("--batch-size %d must be positive", o.batchSize)
	}
	if o.validationSplit < 0 || o.validationSplit >= 1 || math.IsNaN(o.validationSplit) {
		return usagef("--validation-split %v must be in [0, 1)", o.validationSplit)
	}
	if (o.validationX == "") != (o.validationY == "") {
		return usagef("--validation-x and --validation-y go together")
	}
	if o.validationX != "" && o.validationSplit != 0 {
		return usagef("give either --validation-split or --validation-x/--validation-y, not both")
	}
	if o.validationX != "" {
		if err := checkDataPath("validation-x", o.validationX); err != nil {
			return err
		}
		if err := checkDataPath("validation-y", o.validationY); err != nil {
			return err
		}
	}
	if o.learningRate.set && (o.learningRate.value <= 0 || math.IsInf(o.learningRate.value, 0) || math.IsNaN(o.learningRate.value)) {
		return usagef("--learning-rate %v must be a positive number", o.learningRate.value)
	}
	if o.history != "" {
		ext := strings.ToLower(filepath.Ext(o.history))
		if ext != ".json" && ext != ".csv" {
			return usagef("--history %s: the name must end in .json or .csv", o.history)
		}
	}
	if o.plot != "" {
		ext := strings.ToLower(filepath.Ext(o.plot))
		if ext != ".png" && ext != ".svg" {
			return usagef("--plot %s: the name must end in .png or .svg", o.plot)
		}
	}
	return nil
}

func (o *fitOptions) verbosity(terminal bool) (keras.Verbosity, error) {
	switch o.verbose {
	case "":
		if terminal {
			return keras.VerboseProgressBar, nil
		}
		return keras.Silent, nil
	case "auto":
		return keras.VerboseProgressBar, nil
	case "0":
		return keras.Silent, nil
	case "1":
		return keras.VerboseProgressBar, nil
	case "2":
		return keras.VerboseOneLine, nil
	}
	return 0, usagef("--verbose %q: want 0, 1 or 2", o.verbose)
}

func runFit(ctx context.Context, env Env, o *fitOptions, path string) error {
	if err := o.validate(); err != nil {
		return err
	}
	verbose, err := o.verbosity(env.Terminal)
	if err != nil {
		return err
	}
	outFormat, err := outputFormat(o.output, "")
	if err != nil {
		return err
	}
	if outFormat == loader.FormatJSON || outFormat == loader.FormatYAML {
		return usagef("--output %s would keep only the config, not the trained weights: use .keras, .h5, .weights.h5, .npz or a directory", o.output)
	}
	for _, p := range []string{o.output, o.history, o.plot} {
		if p != "" {
			if err := checkOutputDir(p); err != nil {
				return err
			}
		}
	}

	m, lm, err := loadModel(path, o.weights, o.budget)
	if err != nil {
		return err
	}
	printWarnings(env, m)
	if err := compileForFit(m, lm, o); err != nil {
		return err
	}

	cfg := keras.FitConfig{
		Epochs:          o.epochs,
		BatchSize:       o.batchSize,
		ValidationSplit: o.validationSplit,
		Seed:            o.seed,
		Verbose:         verbose,
		Output:          env.Stdout,
	}
	switch o.shuffle.mode {
	case "false":
		cfg.Shuffle = keras.ShuffleOff
	case "batch":
		cfg.Shuffle = keras.ShuffleBatch
	default:
		cfg.Shuffle = keras.ShuffleOn
	}
	if o.seed != 0 {
		m.SetSeed(o.seed)
	}
	if len(m.InputShapes()) > 1 || len(m.OutputShapes()) > 1 {
		return fitGraph(ctx, env, o, m, cfg, path, outFormat)
	}
	x, y, err := readXY(env, o.x, o.y, m)
	if err != nil {
		return err
	}
	if o.validationX != "" {
		vx, vy, err := readXY(env, o.validationX, o.validationY, m)
		if err != nil {
			return err
		}
		cfg.ValidationData = &keras.ValidationData{X: vx, Y: vy}
	}
	if o.validationSplit > 0 {
		n := x.Dim(0)
		at := int(math.Floor(float64(n) * (1 - o.validationSplit)))
		if at == 0 || at == n {
			return usagef("--validation-split %v leaves no training or no validation samples out of %d", o.validationSplit, n)
		}
	}

	hist, err := m.Fit(ctx, x, y, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: nothing saved")
		}
		return fmt.Errorf("training on %s and %s: %w", dataName(o.x), dataName(o.y), err)
	}
	return finishFit(o, m, hist, path, outFormat)
}

// fitGraph trains a model with several inputs or outputs.
func fitGraph(ctx context.Context, env Env, o *fitOptions, m *keras.Model, cfg keras.FitConfig, path string, outFormat loader.Format) error {
	if o.validationX != "" {
		return usagef("--validation-x/--validation-y are not supported for a model with several inputs or outputs; use --validation-split")
	}
	xs, err := readInputs(env, "x", o.xs, m.InputNames(), m.InputShapes())
	if err != nil {
		return err
	}
	ys, err := readInputs(env, "y", o.ys, m.OutputNames(), m.OutputShapes())
	if err != nil {
		return err
	}
	hist, err := m.FitN(ctx, xs, ys, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: nothing saved")
		}
		return fmt.Errorf("training on %s and %s: %w", strings.Join(o.xs, ", "), strings.Join(o.ys, ", "), err)
	}
	return finishFit(o, m, hist, path, outFormat)
}

// finishFit saves the trained model, the history and the plot.
func finishFit(o *fitOptions, m *keras.Model, hist *keras.History, path string, outFormat loader.Format) error {
	if err := saveModel(m, strings.TrimRight(o.output, "/"), outFormat); err != nil {
		return err
	}
	rec := history.Record{Epoch: hist.Epoch, Keys: hist.Keys, Values: hist.History}
	if o.history != "" {
		if err := history.Write(o.history, rec); err != nil {
			return err
		}
	}
	if o.plot != "" {
		title := fmt.Sprintf("%s: training history", filepath.Base(path))
		if err := history.Plot(o.plot, rec, history.PlotConfig{Title: title}); err != nil {
			return fmt.Errorf("%s: %w", o.plot, err)
		}
	}
	return nil
}

// readXY reads inputs and targets, shapes the inputs as the model expects
// and checks that both hold the same number of samples.
func readXY(env Env, xPath, yPath string, m *keras.Model) (*tensor.Tensor, *tensor.Tensor, error) {
	if xPath == "-" && yPath == "-" {
		return nil, nil, usagef("only one of the data files can be standard input")
	}
	x, err := readData(env, xPath, "x")
	if err != nil {
		return nil, nil, err
	}
	y, err := readData(env, yPath, "y")
	if err != nil {
		return nil, nil, err
	}
	if x, err = datafile.Samples(x, m.InputShape(), dataName(xPath)); err != nil {
		return nil, nil, err
	}
	if y.Rank() == 0 || y.Dim(0) != x.Dim(0) {
		return nil, nil, fmt.Errorf("%s has %d samples but %s has %s", dataName(xPath), x.Dim(0), dataName(yPath), sampleCount(y))
	}
	// Targets shaped like the output but flattened (CSV) are unflattened;
	// anything else (sparse labels) is left for the loss to judge.
	if out := m.OutputShape(); !tensor.SameShape(y.Shape()[1:], out) {
		if shaped, err := datafile.Samples(y, out, dataName(yPath)); err == nil && (y.Rank() > 1 || len(out) == 1) {
			y = shaped
		}
	}
	return x, y, nil
}

func sampleCount(t *tensor.Tensor) string {
	if t.Rank() == 0 {
		return "none (a scalar)"
	}
	return strconv.Itoa(t.Dim(0))
}

// compileForFit applies --optimizer, --learning-rate, --loss and --metrics
// over the compile config MODEL was saved with: each flag replaces the
// file's entry, which then need not be one kerago can restore.
func compileForFit(m *keras.Model, lm *loader.Model, o *fitOptions) error {
	recompile := o.optimizer != "" || o.loss != "" || o.metrics.set || !m.Compiled()
	if recompile {
		cc, err := overrideCompile(m, lm, o.optimizer, o.learningRate, o.loss, o.metrics)
		if err != nil {
			return err
		}
		if err := m.Compile(cc); err != nil {
			if o.metrics.set || o.loss != "" {
				return usagef("%s", Message(err))
			}
			return err
		}
	}
	if o.learningRate.set && o.optimizer == "" {
		if err := m.SetLearningRate(o.learningRate.value); err != nil {
			return fmt.Errorf("--learning-rate: %w", err)
		}
	}
	return nil
}

// overrideCompile is the file's compile config (keras.CompileFromFile)
// with the optimizer, loss and metrics given on the command line in place
// of the file's.
func overrideCompile(m *keras.Model, lm *loader.Model, optimizer string, lr optionalFloat, loss string, mets optionalString) (keras.CompileConfig, error) {
	fc := keras.CompileFromFile(lm.Training)
	cc := fc.Config
	switch {
	case optimizer != "":
		cfg := map[string]any{}
		if lr.set {
			cfg["learning_rate"] = lr.value
		}
		opt, err := optimizers.FromConfig(optimizer, cfg)
		if err != nil {
			return cc, usagef("--optimizer %q: %s", optimizer, strings.TrimPrefix(err.Error(), "optimizers: "))
		}
		cc.Optimizer = opt
	case m.Compiled():
		cc.Optimizer = m.Optimizer()
	case fc.OptimizerErr != nil:
		return cc, fmt.Errorf("%s: compile config: optimizer: %w (give --optimizer to replace it)", lm.Path, fc.OptimizerErr)
	case cc.Optimizer == nil:
		cc.Optimizer = "rmsprop"
	}
	switch {
	case loss != "":
		if _, err := losses.Get(loss); err != nil {
			return cc, usagef("--loss %q: %s", loss, strings.TrimPrefix(err.Error(), "losses: "))
		}
		cc.Loss = loss
	case lm.Training == nil || lm.Training.Loss == nil:
		return cc, usagef("%s has no compile config: give --loss (and --optimizer, rmsprop by default as in Keras)", lm.Path)
	case fc.LossErr != nil:
		return cc, fmt.Errorf("%s: compile config: loss: %w (give --loss to replace it)", lm.Path, fc.LossErr)
	}
	if mets.set {
		cc.Metrics = nil
		for _, name := range strings.Split(mets.value, ",") {
			if name = strings.TrimSpace(name); name != "" {
				cc.Metrics = append(cc.Metrics, name)
			}
		}
	}
	return cc, nil
}
