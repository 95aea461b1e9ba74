package cli

import (
	"fmt"
	"os"

	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/loader"
)

// formatDescriptions explain loader formats in inspect's output.
var formatDescriptions = map[loader.Format]string{
	loader.FormatKeras:     "Keras 3 .keras archive",
	loader.FormatH5:        "legacy HDF5 full model, as model.save(\"x.h5\")",
	loader.FormatLegacyH5W: "legacy HDF5 weights, as save_weights(\"x.h5\")",
	loader.FormatWeightsH5: "Keras 3 weights, as save_weights(\"x.weights.h5\")",
	loader.FormatJSON:      "model config JSON, as model.to_json()",
	loader.FormatYAML:      "model config YAML",
	loader.FormatNPZ:       "NumPy .npz of weights",
	loader.FormatNPYDir:    "directory of .npy weights with manifest.json",
	loader.FormatNPY:       "a single NumPy array",
}

func describeFormat(f loader.Format) string {
	if d, ok := formatDescriptions[f]; ok {
		return string(f) + ": " + d
	}
	return string(f)
}

// mustExist reports a missing file as "PATH: no such file or directory"
// before any loader sees it.
func mustExist(path string) error {
	if path == "-" {
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("%s: no such file or directory", path)
		}
		return err
	}
	return nil
}

// readModelFile parses MODEL (and --weights W) without building it.
// budget is the --memory-budget value (0: the loader's default).
func readModelFile(path, weights string, budget budgetFlag) (*loader.Model, error) {
	if err := mustExist(path); err != nil {
		return nil, err
	}
	opts := loader.Options{MemoryBudget: budget.n}
	if weights == "" {
		return opts.Load(path)
	}
	if err := mustExist(weights); err != nil {
		return nil, err
	}
	return opts.LoadWithWeights(path, weights)
}

// loadModel reads MODEL (and --weights W) and builds the runnable model.
// It returns what the file said too.
func loadModel(path, weights string, budget budgetFlag) (*keras.Model, *loader.Model, error) {
	lm, err := readModelFile(path, weights, budget)
	if err != nil {
		return nil, nil, err
	}
	if lm.Config == nil {
		return nil, lm, fmt.Errorf("%s holds only weights (%s), no architecture: give the model config as MODEL and this file with --weights", path, lm.Format)
	}
	m, err := keras.FromLoaded(lm)
	if err != nil {
		return nil, lm, err
	}
	return m, lm, nil
}
