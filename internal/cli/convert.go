package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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

// writeFormats are the formats convert writes, by --format name.
var writeFormats = []loader.Format{
	loader.FormatKeras, loader.FormatH5, loader.FormatWeightsH5, loader.FormatJSON,
	loader.FormatYAML, loader.FormatNPZ, loader.FormatNPYDir,
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
// extension (a trailing slash or an existing directory means npy-dir).
func outputFormat(out, flagValue string) (loader.Format, error) {
	if flagValue != "" {
		for _, f := range writeFormats {
			if strings.EqualFold(flagValue, string(f)) {
				return f, nil
			}
		}
		return "", usagef("--format %q: want one of %s", flagValue, formatList())
	}
	lower := strings.ToLower(out)
	switch {
	case strings.HasSuffix(lower, ".weights.h5"):
		return loader.FormatWeightsH5, nil
	case strings.HasSuffix(lower, ".keras"):
		return loader.FormatKeras, nil
	case strings.HasSuffix(lower, ".h5"), strings.HasSuffix(lower, ".hdf5"):
		return loader.FormatH5, nil
	case strings.HasSuffix(lower, ".json"):
		return loader.FormatJSON, nil
	case strings.HasSuffix(lower, ".yaml"), strings.HasSuffix(lower, ".yml"):
		return loader.FormatYAML, nil
	case strings.HasSuffix(lower, ".npz"):
		return loader.FormatNPZ, nil
	case strings.HasSuffix(out, "/") || strings.HasSuffix(out, string(filepath.Separator)):
		return loader.FormatNPYDir, nil
	}
	if st, err := os.Stat(out); err == nil && st.IsDir() {
		return loader.FormatNPYDir, nil
	}
	return "", usagef("cannot tell the output format from %q: give --format (%s) or a known extension", out, formatList())
}

func formatList() string {
	names := make([]string, len(writeFormats))
	for i, f := range writeFormats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
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
	m, _, err := loadModel(in, o.weights, o.budget)
	if err != nil {
		return err
	}
	target := out
	if format == loader.FormatNPYDir {
		target = strings.TrimRight(out, "/")
		if target == "" {
			target = out
		}
	}
	return saveModel(m, target, format)
}
