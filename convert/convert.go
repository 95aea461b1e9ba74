// Package convert rewrites Keras model files from one format to another:
// the library API behind `kerago convert`.
//
// Any format package loader reads — a .keras archive (or its unzipped
// directory), a legacy .h5 full model of Keras 1, 2 or 3, a to_json()/YAML
// config with a separate weights file — can be written as any format
// loader writes: a Keras 3 .keras archive, a legacy .h5 full model, Keras 3
// weights (.weights.h5), the config alone (JSON or YAML), or the weights
// alone (.npz, or a directory of .npy files with manifest.json). The model
// is built on the way (package keras), so a file that converts is a file
// kerago can run, and what is written is what Keras 3.15.1 reads back:
// classes Keras 3 dropped are written as its replacements (ThresholdedReLU
// as ReLU(threshold=θ)), the compile configuration and optimizer state
// travel with the formats that hold them. Package loader stays the format
// layer; this package chooses formats and runs a conversion.
//
// Python → Go:
//
//	keras.saving.load_model("m.h5").save("m.keras")   convert.File("m.h5", "m.keras", convert.Options{})
//	m = model_from_json(...); m.load_weights("w.h5")  convert.File("m.json", "m.keras", convert.Options{Weights: "w.h5"})
//	m.save_weights("m.weights.h5")                     convert.File("m.keras", "m.weights.h5", convert.Options{})
package convert

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/loader"
)

// Options configure a conversion.
type Options struct {
	// Weights is a separate weights file (.weights.h5, legacy
	// save_weights .h5, .npz, or a directory of .npy with manifest.json)
	// for an input that is a config only (to_json() JSON or YAML).
	Weights string
	// Format is the output format; empty picks it from the output path
	// (see FormatFor).
	Format loader.Format
	// MemoryBudget bounds what loading the input may spend, in bytes (see
	// loader.Options); 0 means the loader's default.
	MemoryBudget int64
}

// Result describes a finished conversion.
type Result struct {
	// Format is the format written.
	Format loader.Format
	// Path is where it was written.
	Path string
	// Warnings name what the input held that was not carried over (for
	// example a compile-config metric kerago cannot restore).
	Warnings []string
}

// ErrFormat is returned (wrapped) when the output format cannot be chosen
// or is not one kerago writes.
var ErrFormat = errors.New("convert: output format")

// Formats lists the formats File writes.
func Formats() []loader.Format {
	return []loader.Format{loader.FormatKeras, loader.FormatH5, loader.FormatWeightsH5, loader.FormatJSON,
		loader.FormatYAML, loader.FormatNPZ, loader.FormatNPYDir}
}

// ParseFormat returns the writable format with the given name ("keras",
// "h5", "weights-h5", "json", "yaml", "npz", "npy-dir"; any case).
func ParseFormat(name string) (loader.Format, error) {
	for _, f := range Formats() {
		if strings.EqualFold(name, string(f)) {
			return f, nil
		}
	}
	return "", fmt.Errorf("%w %q: want one of %s", ErrFormat, name, FormatNames())
}

// FormatNames lists the writable formats' names, comma-separated.
func FormatNames() string {
	fs := Formats()
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// FormatFor returns the format an output path names: .keras, .h5/.hdf5
// (legacy full model), .weights.h5, .json, .yaml/.yml, .npz, and a path
// ending in a separator or naming an existing directory (npy-dir).
func FormatFor(out string) (loader.Format, error) {
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
	return "", fmt.Errorf("%w: cannot tell it from %q: name one (%s) or use a known extension", ErrFormat, out, FormatNames())
}

// File converts the model file in (with opt.Weights when in is a config
// only) to out. The write is atomic: on error nothing is left at out and
// a previous file there is kept.
func File(in, out string, opt Options) (*Result, error) {
	f := opt.Format
	if f == "" {
		var err error
		if f, err = FormatFor(out); err != nil {
			return nil, err
		}
	} else if _, err := ParseFormat(string(f)); err != nil {
		return nil, err
	}
	var lm *loader.Model
	var err error
	lo := loader.Options{MemoryBudget: opt.MemoryBudget}
	if opt.Weights == "" {
		lm, err = lo.Load(in)
	} else {
		lm, err = lo.LoadWithWeights(in, opt.Weights)
	}
	if err != nil {
		return nil, err
	}
	if lm.Config == nil {
		return nil, fmt.Errorf("convert: %s holds only weights (%s), no architecture: give the model config as the input and this file as Options.Weights", in, lm.Format)
	}
	m, err := keras.FromLoaded(lm)
	if err != nil {
		return nil, err
	}
	target := out
	if f == loader.FormatNPYDir {
		if t := strings.TrimRight(out, "/"); t != "" {
			target = t
		}
	}
	if err := Model(m, target, f); err != nil {
		return nil, err
	}
	return &Result{Format: f, Path: target, Warnings: m.LoadWarnings()}, nil
}

// Model writes a built model to path in format f (atomically): the library
// form of `kerago convert` for a model already in memory.
func Model(m *keras.Model, path string, f loader.Format) error {
	if _, err := ParseFormat(string(f)); err != nil {
		return err
	}
	return m.SaveFormat(path, f)
}
