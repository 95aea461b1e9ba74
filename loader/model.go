// Package loader reads and writes the files Keras users have: Keras 3 .keras
// archives, legacy HDF5 full models and weight files (Keras 1, 2 and 3),
// Keras 3 .weights.h5, to_json()/YAML configs, .npz and directories of .npy.
//
// It parses them into plain descriptions (Model, ModelConfig, LayerConfig,
// Weights) and never imports the runtime: package keras turns a Model into a
// runnable model.
package loader

import (
	"errors"
	"fmt"
	"sort"

	"github.com/kerago/kerago/tensor"
)

// Format names a Keras file format.
type Format string

// The formats kerago reads and writes.
const (
	FormatKeras     Format = "keras"      // Keras 3 zip archive (.keras)
	FormatH5        Format = "h5"         // legacy HDF5 full model (model.save("x.h5"))
	FormatLegacyH5W Format = "h5-weights" // legacy save_weights("x.h5")
	FormatWeightsH5 Format = "weights-h5" // Keras 3 save_weights("x.weights.h5")
	FormatJSON      Format = "json"       // model.to_json()
	FormatYAML      Format = "yaml"       // model.to_yaml() (Keras <= 2.4) or the same schema in YAML
	FormatNPZ       Format = "npz"        // numpy .npz of weights
	FormatNPYDir    Format = "npy-dir"    // directory of .npy files with manifest.json
	FormatNPY       Format = "npy"        // a single .npy array (see tensor.LoadNpy; not a model)
)

// Model is everything read from one file (or a config plus a weights file).
type Model struct {
	Path         string // file the model came from
	Format       Format
	KerasVersion string // "keras_version" the file claims; "" when absent (Keras 1 files)
	Backend      string // "tensorflow", "theano", ... when the file says

	// Config is the architecture; nil for weights-only files.
	Config *ModelConfig
	// Weights holds the stored variables; nil for config-only files.
	Weights *Weights
	// Training is the compile configuration; nil when the file has none.
	Training *TrainingConfig
	// Optimizer holds stored optimizer variables; nil when absent.
	Optimizer *OptimizerState
}

// ModelConfig is a normalized model architecture: a chain of layers.
// Keras 1/2/3 key names are normalized to Keras 3's (see LayerConfig).
type ModelConfig struct {
	ClassName string // "Sequential" or "Functional" (Keras 2 "Model" is reported as "Functional")
	Name      string
	// InputShape is the per-sample input shape (batch dimension removed);
	// -1 marks an unknown (None) dimension. Nil when the config does not say.
	InputShape []int
	// InputName is the InputLayer's name when the config has one.
	InputName  string
	InputDType string // "float32" unless the config says otherwise
	// Layers in execution order, InputLayer excluded.
	Layers []LayerConfig
	// Inputs are a Functional model's inputs in input_layers order (nil for
	// a Sequential, whose one input is InputShape/InputName/InputDType; for a
	// Functional those describe Inputs[0]).
	Inputs []ModelInput
	// Outputs are a Functional model's output tensors in output_layers
	// order (nil for a Sequential: the last layer's output).
	Outputs []TensorRef
	// KerasMajor is 1, 2 or 3: the generation whose semantics apply (for
	// example "hard_sigmoid" differs between Keras 2 and 3).
	KerasMajor int
	// Raw is the config object as parsed (JSON types), for tools.
	Raw map[string]any
}

// LayerConfig is one layer: its Keras 3 class name, name, and config with
// Keras 3 key names ("units", "activation", "kernel_initializer",
// "negative_slope", ...). Values are JSON-decoded: float64 numbers, strings,
// bools, []any, map[string]any, nil. Nested Keras objects (initializers,
// regularizers, constraints) are map[string]any with "class_name" and "config".
type LayerConfig struct {
	ClassName string
	Name      string
	Config    map[string]any
	// BuildInputShape is the layer's per-sample input shape when known
	// (Keras 3's build_config input_shape without the batch dimension); set
	// by package keras when saving, and by readers when the file says.
	BuildInputShape []int
	// Inbound lists, for a layer of a Functional model, the input tensors
	// of each of its calls (Keras's inbound_nodes, in call order; node
	// indices are normalized to 0-based positions among the calls of this
	// model). Nil for the layers of a Sequential (each feeds the next).
	Inbound [][]TensorRef
	// CallShapes are, per call (as Inbound), the per-sample shapes of the
	// call's input tensors (-1 = None), as the Keras tensors of a saved
	// Functional config record them; nil when unknown. Set by package
	// keras when saving.
	CallShapes [][][]int
	// Model is the architecture of a nested model (ClassName "Sequential"
	// or "Functional"); Config is then nil.
	Model *ModelConfig
}

// TensorRef names one output of one call of a layer, as Keras's
// [layer, node_index, tensor_index]. Layer may name an input of the model.
type TensorRef struct {
	Layer  string
	Node   int // which call of the layer (0-based among this model's calls)
	Tensor int // which output of that call
}

// ModelInput is one input of a Functional model (an InputLayer).
type ModelInput struct {
	Name  string
	Shape []int // per-sample shape; -1 marks an unknown dimension
	DType string
}

// ObjectConfig is a serialized Keras object such as an optimizer or loss.
type ObjectConfig struct {
	ClassName      string
	Module         string
	RegisteredName string
	Config         map[string]any
}

// TrainingConfig is the compile configuration a file was saved with.
type TrainingConfig struct {
	Optimizer *ObjectConfig // class name normalized ("Custom>Adam" → "Adam")
	// Loss is a string ("mse") or an *ObjectConfig.
	Loss any
	// Metrics are strings or *ObjectConfig, as compiled.
	Metrics []any
	// OutputMetrics keeps per-output metrics of a model with several
	// outputs as the file wrote them: a []any of []any (one list per
	// output) or a map[string]any of []any by output name; nil otherwise.
	OutputMetrics   any
	WeightedMetrics []any
	LossWeights     any
}

// Weights are stored variables grouped by layer.
type Weights struct {
	Layers []LayerWeights
	// Layout says how AlignWeights matches Layers to a config's layers:
	// LayoutLegacy, LayoutKeras3, LayoutNamed or LayoutFlat.
	Layout string
	// Path is the file the weights were read from, for error messages.
	Path string
}

// Weight layouts (Weights.Layout).
const (
	// LayoutLegacy: legacy HDF5 (model_weights / save_weights .h5). Keras
	// assigns by order over the layers that have weights.
	LayoutLegacy = "legacy"
	// LayoutKeras3: Keras 3 .keras / .weights.h5. Groups are named by the
	// snake_case class name uniquified per container (dense, dense_1, ...).
	LayoutKeras3 = "keras3"
	// LayoutNamed: npy directory or .npz keyed by weight path; matched by
	// layer name, else by order.
	LayoutNamed = "named"
	// LayoutFlat: one list in get_weights() order (np.savez(*weights):
	// arr_0, arr_1, ...), held in Layers[0].
	LayoutFlat = "flat"
)

// LayerWeights are one layer's variables in Keras order (trainable first).
type LayerWeights struct {
	// Name is the layer name (legacy HDF5) or the auto-generated group name
	// of Keras 3 files ("dense_1"); ClassHint is the snake_case class name
	// Keras 3 used for the group ("dense", "batch_normalization") when known.
	Name      string
	ClassHint string
	// SavedName is the layer name the file recorded separately (Keras >= 3.6
	// "name" attribute on vars groups), when present.
	SavedName string
	// VarNames are the stored variable names ("dense_1/kernel:0", "0", ...).
	VarNames []string
	Arrays   []*tensor.Tensor
	// Sub holds the groups below this one other than vars, by name (Keras
	// 3 files): "layers" (whose Sub are the layer groups of a nested
	// model), "cell", "forward_layer", "query_dense", ...
	Sub map[string]*LayerWeights
}

// Nested returns the weights of a nested model's layers stored below lw
// (Keras 3 layout: the groups of lw's "layers" container), or nil.
func (lw *LayerWeights) Nested(path string) *Weights {
	c := lw.Sub["layers"]
	if c == nil {
		return nil
	}
	w := &Weights{Layout: LayoutKeras3, Path: path}
	names := make([]string, 0, len(c.Sub))
	for n := range c.Sub {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		e := *c.Sub[n]
		e.Name, e.ClassHint = n, classHint(n)
		w.Layers = append(w.Layers, e)
	}
	return w
}

// OptimizerState holds an optimizer's stored variables in file order.
type OptimizerState struct {
	// Layout says whose order the variables are in: "keras3"
	// ([iteration, learning_rate, slots interleaved]), "tf.keras" (2.11+:
	// [iteration, m0, v0, ...]) or "legacy" (TF <= 2.10: [iter, all m, all v]).
	Layout string
	Names  []string
	Arrays []*tensor.Tensor
}

// ErrUnsupported reports content kerago cannot run, such as a Conv2D layer.
var ErrUnsupported = errors.New("unsupported")

// FormatError reports a malformed file.
type FormatError struct {
	Path string // file
	Msg  string // what was wrong, and what was expected
	Err  error  // underlying cause, may be nil
}

func (e *FormatError) Error() string {
	s := "loader: " + e.Path + ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FormatError) Unwrap() error { return e.Err }

// Errorf builds a *FormatError for path.
func Errorf(path string, format string, args ...any) error {
	return &FormatError{Path: path, Msg: fmt.Sprintf(format, args...)}
}
