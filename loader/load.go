package loader

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/kerago/kerago/internal/hdf5"
)

// Load reads any single Keras file or directory: a .keras archive (zip or
// unzipped directory), a legacy .h5 full model, legacy or Keras 3 weights
// files, a to_json()/YAML config, an .npz of weights, or a directory of .npy
// files with manifest.json. The format is detected from the content (see
// Detect). Config-only files give a Model with nil Weights; weights-only
// files a Model with nil Config. Memory is bounded by the budget
// Options.MemoryBudget documents (the KERAGO_MEMORY_BUDGET environment
// variable, else DefaultMemoryBudget); Options.Load sets it explicitly.
func Load(path string) (*Model, error) {
	return Options{}.Load(path)
}

// loadFile reads the file at path, spending at most about mem bytes on
// weights.
func loadFile(path string, mem int64) (*Model, error) {
	format, err := Detect(path)
	if err != nil {
		return nil, err
	}
	switch format {
	case FormatKeras:
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			return readKerasDir(path, mem)
		}
		return readKerasFile(path, mem)
	case FormatH5, FormatLegacyH5W, FormatWeightsH5:
		return loadH5(path, mem)
	case FormatJSON, FormatYAML:
		data, err := readFileLimited(path, MaxConfigSize)
		if err != nil {
			return nil, &FormatError{Path: path, Msg: "reading config", Err: err}
		}
		var root any
		if format == FormatJSON {
			root, err = decodeJSON(path, data)
			if err != nil {
				// flow-style YAML also starts with '{' or '['
				if y, yerr := decodeYAML(path, data); yerr == nil {
					root, err, format = y, nil, FormatYAML
				}
			}
		} else {
			root, err = decodeYAML(path, data)
		}
		if err != nil {
			return nil, err
		}
		m := &Model{Path: path, Format: format}
		if r, ok := root.(map[string]any); ok {
			m.KerasVersion, _ = r["keras_version"].(string)
			m.Backend, _ = r["backend"].(string)
		}
		if m.Config, m.Training, err = parseConfigRoot(path, root, ""); err != nil {
			return nil, err
		}
		return m, nil
	case FormatNPZ:
		w, err := readNpzWeights(path, mem)
		if err != nil {
			return nil, err
		}
		return &Model{Path: path, Format: format, Weights: w}, nil
	case FormatNPYDir:
		w, err := readNpyDir(path, mem)
		if err != nil {
			return nil, err
		}
		return &Model{Path: path, Format: format, Weights: w}, nil
	case FormatNPY:
		return nil, Errorf(path, "a single .npy file holds one array, not a model or its weights (read it with tensor.LoadNpy)")
	}
	return nil, Errorf(path, "unrecognized format %q", format)
}

// loadH5 reads a legacy full model, legacy weights or Keras 3 weights file.
func loadH5(path string, mem int64) (*Model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	budget := newBudget(st.Size(), mem)
	hf, err := hdf5.Open(path)
	if err != nil {
		return nil, &FormatError{Path: path, Msg: "not a readable HDF5 file", Err: err}
	}
	defer hf.Close()
	root := hf.Root()
	format, err := h5Kind(root)
	if err != nil {
		return nil, &FormatError{Path: path, Msg: "HDF5", Err: err}
	}
	m := &Model{Path: path, Format: format}
	if format == FormatWeightsH5 {
		m.Weights, m.Optimizer, err = readKeras3Weights(path, root, 3, budget)
		if err != nil {
			return nil, err
		}
		return m, nil
	}
	if err := readVersionAttrs(m, root); err != nil {
		return nil, err
	}
	var rawTraining map[string]any
	if format == FormatH5 {
		cfgText, _, err := h5Attr(root, "model_config")
		if err != nil {
			return nil, &FormatError{Path: path, Msg: "reading the model_config attribute", Err: err}
		}
		croot, err := decodeJSON(path+": model_config", []byte(cfgText))
		if err != nil {
			return nil, err
		}
		if m.Config, _, err = parseConfigRoot(path, croot, m.KerasVersion); err != nil {
			return nil, err
		}
		tcText, ok, err := h5Attr(root, "training_config")
		if err != nil {
			return nil, &FormatError{Path: path, Msg: "reading the training_config attribute", Err: err}
		}
		if ok {
			v, err := decodeJSON(path+": training_config", []byte(tcText))
			if err != nil {
				return nil, err
			}
			if rawTraining, _ = v.(map[string]any); rawTraining == nil {
				return nil, Errorf(path, "training_config is %s, expected an object", jsonType(v))
			}
			if m.Training, err = parseTrainingConfig(path, rawTraining); err != nil {
				return nil, err
			}
		}
	}
	wg, err := storedWeightsGroup(path, root)
	if err != nil {
		return nil, err
	}
	if wg != nil {
		if m.Weights, err = readLegacyWeights(path, wg, budget); err != nil {
			return nil, err
		}
		if m.KerasVersion == "" {
			if err := readVersionAttrs(m, wg); err != nil {
				return nil, err
			}
		}
	}
	og, err := optionalGroup(path, root, "optimizer_weights", "the optimizer state")
	if err != nil {
		return nil, err
	}
	if og != nil {
		if m.Optimizer, err = readLegacyOptimizer(path, og, legacyOptimizerLayout(m.KerasVersion, rawTraining), budget); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// storedWeightsGroup returns the group holding a legacy file's weights: the
// root when it has layer_names (save_weights), else /model_weights, else nil
// (a full model saved without weights). A model_weights that is present but
// cannot be read is an error, never "no weights": loading a damaged file as
// a config-only model would predict with freshly initialized weights.
func storedWeightsGroup(path string, root *hdf5.Group) (*hdf5.Group, error) {
	if _, ok, err := h5StringList(root, "layer_names"); err != nil {
		return nil, &FormatError{Path: path, Msg: "reading layer_names", Err: err}
	} else if ok {
		return root, nil
	}
	return optionalGroup(path, root, "model_weights", "the model's weights")
}

// optionalGroup returns the group name of parent, nil when it is absent, and
// an error naming path and the object (what) when it is present but is not
// a readable group.
func optionalGroup(path string, parent *hdf5.Group, name, what string) (*hdf5.Group, error) {
	k, err := parent.Kind(name)
	if errors.Is(err, hdf5.ErrNotFound) {
		return nil, nil
	}
	obj := strings.TrimSuffix(parent.Path(), "/") + "/" + name
	if err != nil {
		return nil, &FormatError{Path: path, Msg: fmt.Sprintf("%s (%s) cannot be read; the file is damaged", obj, what), Err: err}
	}
	if k != hdf5.KindGroup {
		return nil, Errorf(path, "%s (%s) is not a group (found: %s); the file is damaged", obj, what, k)
	}
	g, err := parent.Group(name)
	if err != nil {
		return nil, &FormatError{Path: path, Msg: fmt.Sprintf("%s (%s) cannot be read; the file is damaged", obj, what), Err: err}
	}
	return g, nil
}

func readVersionAttrs(m *Model, g *hdf5.Group) error {
	v, _, err := h5Attr(g, "keras_version")
	if err != nil {
		return &FormatError{Path: m.Path, Msg: "reading keras_version", Err: err}
	}
	b, _, err := h5Attr(g, "backend")
	if err != nil {
		return &FormatError{Path: m.Path, Msg: "reading backend", Err: err}
	}
	if m.KerasVersion == "" {
		m.KerasVersion = v
	}
	if m.Backend == "" {
		m.Backend = b
	}
	return nil
}

// LoadWithWeights reads an architecture from configPath (a to_json() or
// YAML file, or any file with a config) and the weights from weightsPath
// (legacy or Keras 3 weights .h5, .npz, npy directory, or any file holding
// weights), and returns them as one Model. The weights are not matched to
// the layers here; see AlignWeights.
func LoadWithWeights(configPath, weightsPath string) (*Model, error) {
	return Options{}.LoadWithWeights(configPath, weightsPath)
}

// LoadWithWeights is the package-level LoadWithWeights with these options.
// The memory budget applies to each file and, before anything is
// allocated, to the combined model (see CheckMemory).
func (o Options) LoadWithWeights(configPath, weightsPath string) (*Model, error) {
	cm, err := o.Load(configPath)
	if err != nil {
		return nil, err
	}
	if cm.Config == nil {
		return nil, Errorf(configPath, "holds no model config (it is a %s weights file)", cm.Format)
	}
	wm, err := o.Load(weightsPath)
	if err != nil {
		return nil, err
	}
	if wm.Weights == nil {
		return nil, Errorf(weightsPath, "holds no weights")
	}
	m := *cm
	m.Weights = wm.Weights
	if wm.Optimizer != nil {
		m.Optimizer = wm.Optimizer
		if m.Optimizer.Layout == "keras3" && wm.Format == FormatWeightsH5 && cm.Config.KerasMajor == 2 {
			m.Optimizer.Layout = "tf.keras"
		}
	}
	if m.Training == nil {
		m.Training = wm.Training
	}
	if m.KerasVersion == "" {
		m.KerasVersion = wm.KerasVersion
	}
	if m.Backend == "" {
		m.Backend = wm.Backend
	}
	mem, err := o.budget()
	if err != nil {
		return nil, err
	}
	if err := CheckMemory(&m, mem); err != nil {
		return nil, err
	}
	return &m, nil
}
