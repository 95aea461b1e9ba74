package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kerago/kerago/convert"
	"github.com/kerago/kerago/loader"
)

type convertOptions struct {
	weights string
	format  string
	budget  budgetFlag
}

func (o *convertOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.weights, "weights", "", "read the weights from `W` (IN is then a config: .json, .yaml, ...)")
	fs.StringVar(&o.format, "format", "", "output `FORMAT`: keras, h5, weights-h5, json, yaml, npz or npy-dir (default: from OUT's extension)")
	registerBudget(fs, &o.budget)
}

func convertCommand() *command {
	return &command{
		name:     "convert",
		synopsis: "convert IN [--weights W] OUT [--format keras|h5|weights-h5|json|yaml|npz|npy-dir]",
		summary:  "rewrite a model in another Keras format",
		about: `Reads IN (any model file kerago reads; a config with --weights W) and writes
it to OUT in the format --format names, or else OUT's extension says:

  .keras        keras       Keras 3 archive: config, weights, compile config, optimizer state
  .h5           h5          legacy HDF5 full model, as model.save("x.h5")
  .weights.h5   weights-h5  Keras 3 weights only, as model.save_weights
  .json         json        the config only, as model.to_json()
  .yaml, .yml   yaml        the config only, in YAML
  .npz          npz         the weights as an .npz, one array per variable
  DIR/          npy-dir     a directory with one .npy per variable and a
                            manifest.json (index, path, name, shape, dtype,
                            trainable, file), which kerago reads back

Files are written atomically. The written files claim the Keras version
'kerago version' prints.

Examples:
  kerago convert model.h5 model.keras
  kerago convert model.keras weights/ --format npy-dir
  kerago convert model.json --weights weights/ rebuilt.keras`,
		minArgs: 2, maxArgs: 2,
		newOptions: func() options { return &convertOptions{} },
		exec: func(ctx context.Context, env Env, o options, args []string) error {
			return runConvert(o.(*convertOptions), args[0], args[1])
		},
	}
}

// outputFormat picks the format for out: the --format flag, else the
// extension (convert.FormatFor); a bad choice is a usage error.
func outputFormat(out, flagValue string) (loader.Format, error) {
	var f loader.Format
	var err error
	if flagValue != "" {
		f, err = convert.ParseFormat(flagValue)
		if err != nil {
			return "", usagef("--format %q: want one of %s", flagValue, convert.FormatNames())
		}
		return f, nil
	}
	if f, err = convert.FormatFor(out); err != nil {
		return "", usagef("cannot tell the output format from %q: give --format (%s) or a known extension", out, convert.FormatNames())
	}
	return f, nil
}

// checkOutputDir reports a missing parent directory before any work.
func checkOutputDir(path string) error {
	dir := filepath.Dir(strings.TrimRight(path, "/"))
	st, err := os.Stat(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("%s: directory %s does not exist", path, dir)
		}
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s: %s is not a directory", path, dir)
	}
	return nil
}

func runConvert(o *convertOptions, in, out string) error {
	format, err := outputFormat(out, o.format)
	if err != nil {
		return err
	}
	if err := checkOutputDir(out); err != nil {
		return err
	}
	if err := mustExist(in); err != nil {
		return err
	}
	if o.weights != "" {
		if err := mustExist(o.weights); err != nil {
			return err
		}
	}
	// What the input held that is not carried over (convert.Result.Warnings:
	// compile-config entries, unmatched optimizer state) is what Keras
	// itself drops when it loads and saves such a file; convert stays quiet.
	_, err = convert.File(in, out, convert.Options{Weights: o.weights, Format: format, MemoryBudget: o.budget.n})
	if err != nil && strings.Contains(err.Error(), "holds only weights") {
		return fmt.Errorf("%s holds only weights, no architecture: give the model config as IN and this file with --weights", in)
	}
	return err
}
