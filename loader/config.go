package loader

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// MaxConfigSize bounds the size of a model config (JSON or YAML, or the
// config.json member of a .keras archive) that kerago reads: 64 MiB.
const MaxConfigSize = 64 << 20

// maxDims bounds a single dimension of an input shape or reshape target.
const maxDims = min(1<<31, math.MaxInt)

// ParseConfigJSON parses a model architecture in any of the JSON forms Keras
// writes: model.to_json() of Keras 1, 2 and 3, the "model_config" attribute of
// a legacy .h5, or the config.json of a .keras archive. path is used in error
// messages only.
//
// Sequential models (a dict with "layers" or, as Keras 1 and Keras <= 2.2.2
// wrote, a bare list of layers) and Functional models whose graph is a chain
// are accepted; every layer is normalized to Keras 3 class and key names (see
// LayerConfig). The training configuration is returned when the JSON carries
// one (the "compile_config" of Keras 3); otherwise it is nil.
//
// Errors are *FormatError; layers kerago cannot run give an error wrapping
// ErrUnsupported that names the layer, its class and the file.
func ParseConfigJSON(path string, data []byte) (*ModelConfig, *TrainingConfig, error) {
	root, err := decodeJSON(path, data)
	if err != nil {
		return nil, nil, err
	}
	return parseConfigRoot(path, root, "")
}

// decodeJSON decodes Python-flavoured JSON (json.dumps may write NaN,
// Infinity and -Infinity) into generic Go values.
func decodeJSON(path string, data []byte) (any, error) {
	v, err := decodeJSONValue(path, data)
	if err != nil {
		return nil, err
	}
	return unwrapJSONString(path, v, 0)
}

func decodeJSONValue(path string, data []byte) (any, error) {
	if len(data) > MaxConfigSize {
		return nil, Errorf(path, "config is %d bytes, more than the %d kerago reads", len(data), MaxConfigSize)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	data, special := replacePythonFloats(data)
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&v); err != nil {
		return nil, &FormatError{Path: path, Msg: "invalid JSON", Err: err}
	}
	if dec.More() {
		return nil, Errorf(path, "invalid JSON: data after the top-level value")
	}
	if special {
		v = restorePythonFloats(v, 0)
	}
	return v, nil
}

// Markers standing for Python's non-finite floats while encoding/json parses.
const (
	markNaN    = "\x00kerago:NaN"
	markInf    = "\x00kerago:+Inf"
	markNegInf = "\x00kerago:-Inf"
)

// replacePythonFloats rewrites the bare tokens NaN, Infinity and -Infinity
// (outside strings) as marker strings.
func replacePythonFloats(data []byte) ([]byte, bool) {
	if !bytes.Contains(data, []byte("NaN")) && !bytes.Contains(data, []byte("Infinity")) {
		return data, false
	}
	out := make([]byte, 0, len(data)+64)
	inStr, found := false, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inStr {
			out = append(out, c)
			if c == '\\' && i+1 < len(data) {
				i++
				out = append(out, data[i])
			} else if c == '"' {
				inStr = false
			}
			continue
		}
		if c == '"' {
			inStr = true
			out = append(out, c)
			continue
		}
		tok, mark := "", ""
		switch {
		case bytes.HasPrefix(data[i:], []byte("NaN")):
			tok, mark = "NaN", markNaN
		case bytes.HasPrefix(data[i:], []byte("-Infinity")):
			tok, mark = "-Infinity", markNegInf
		case bytes.HasPrefix(data[i:], []byte("Infinity")):
			tok, mark = "Infinity", markInf
		}
		if tok == "" {
			out = append(out, c)
			continue
		}
		found = true
		out = append(out, `"\u0000`...)
		out = append(out, mark[1:]...)
		out = append(out, '"')
		i += len(tok) - 1
	}
	if !found {
		return data, false
	}
	return out, true
}

func restorePythonFloats(v any, depth int) any {
	if depth > 20000 {
		return v
	}
	switch x := v.(type) {
	case string:
		switch x {
		case markNaN:
			return math.NaN()
		case markInf:
			return math.Inf(1)
		case markNegInf:
			return math.Inf(-1)
		}
	case []any:
		for i := range x {
			x[i] = restorePythonFloats(x[i], depth+1)
		}
	case map[string]any:
		for k := range x {
			x[k] = restorePythonFloats(x[k], depth+1)
		}
	}
	return v
}

// parseConfigRoot turns a decoded top-level config into a ModelConfig.
// version is the keras_version known from elsewhere (h5 attribute, archive
// metadata), or "".
func parseConfigRoot(path string, root any, version string) (*ModelConfig, *TrainingConfig, error) {
	p := &cfgParser{path: path}
	var className string
	var body any
	var rawTop map[string]any
	switch r := root.(type) {
	case []any:
		className, body = "Sequential", r
		rawTop = map[string]any{"class_name": "Sequential", "config": r}
	case map[string]any:
		rawTop = r
		if v, ok := r["keras_version"].(string); ok && version == "" {
			version = v
		}
		cn, _ := r["class_name"].(string)
		switch {
		case cn != "":
			className = cn
			body = r["config"]
			if body == nil {
				return nil, nil, Errorf(path, "model %q has no \"config\"", cn)
			}
		case r["layers"] != nil:
			// a bare Sequential/Functional config dict
			className = "Sequential"
			if r["input_layers"] != nil {
				className = "Functional"
			}
			body = r
		default:
			return nil, nil, Errorf(path, "not a Keras model config: expected an object with \"class_name\" and \"config\", or a list of layers")
		}
	default:
		return nil, nil, Errorf(path, "not a Keras model config: top level is %s, expected an object or a list of layers", jsonType(root))
	}

	mc := &ModelConfig{Raw: rawTop, InputDType: "float32"}
	var err error
	switch className {
	case "Sequential":
		err = p.parseSequential(mc, body)
	case "Functional", "Model":
		err = p.parseFunctional(mc, body)
	default:
		if isCustomName(className, rawTop["registered_name"]) {
			return nil, nil, &FormatError{Path: path, Msg: fmt.Sprintf("model class %q is a custom class, which kerago cannot run (kerago runs Sequential and Functional models)", className), Err: ErrUnsupported}
		}
		return nil, nil, &FormatError{Path: path, Msg: fmt.Sprintf("model class %q is not supported (kerago runs Sequential and Functional models)", className), Err: ErrUnsupported}
	}
	if err != nil {
		return nil, nil, err
	}
	mc.KerasMajor = kerasMajor(version, p.clues)
	var tc *TrainingConfig
	if m, ok := rawTop["compile_config"].(map[string]any); ok {
		tc, err = parseTrainingConfig(path, m)
		if err != nil {
			return nil, nil, err
		}
	}
	return mc, tc, nil
}

// schemaClues records which generation's key names a config used.
type schemaClues struct {
	k1, k3 bool
}

type cfgParser struct {
	path  string
	clues schemaClues
	depth int // nesting depth of models being read
}

func (p *cfgParser) errorf(format string, args ...any) error {
	return Errorf(p.path, format, args...)
}

// kerasMajor decides the Keras generation from a version string, else from
// the key names seen.
func kerasMajor(version string, c schemaClues) int {
	if version != "" {
		if i := strings.IndexByte(version, '.'); i > 0 {
			if n, err := strconv.Atoi(version[:i]); err == nil && n >= 1 && n <= 3 {
				return n
			}
		}
	}
	switch {
	case c.k3:
		return 3
	case c.k1:
		return 1
	}
	return 2
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func (p *cfgParser) parseSequential(mc *ModelConfig, body any) error {
	mc.ClassName = "Sequential"
	var layers []any
	var cfg map[string]any
	switch b := body.(type) {
	case []any:
		layers = b
	case map[string]any:
		cfg = b
		l, ok := b["layers"].([]any)
		if !ok {
			return p.errorf("Sequential config: \"layers\" is %s, expected a list", jsonType(b["layers"]))
		}
		layers = l
		mc.Name, _ = b["name"].(string)
		if d, ok := b["dtype"].(map[string]any); ok && d["class_name"] != nil {
			p.clues.k3 = true
		}
	default:
		return p.errorf("Sequential config is %s, expected an object with \"layers\" or a list of layers", jsonType(body))
	}
	if mc.Name == "" {
		mc.Name = "sequential"
	}
	entries := make([]map[string]any, 0, len(layers))
	for i, l := range layers {
		m, ok := l.(map[string]any)
		if !ok {
			return p.errorf("Sequential layer %d is %s, expected an object with \"class_name\" and \"config\"", i, jsonType(l))
		}
		entries = append(entries, m)
	}
	if err := p.buildChain(mc, entries); err != nil {
		return err
	}
	if mc.InputShape == nil && cfg != nil {
		if s, ok := cfg["build_input_shape"]; ok && s != nil {
			shape, err := p.shapeOf(s, true, "build_input_shape")
			if err != nil {
				return err
			}
			mc.InputShape = shape
		}
	}
	return nil
}

// buildChain normalizes the layer entries of a chain (in execution order),
// taking the InputLayer, if first, as the input description.
func (p *cfgParser) buildChain(mc *ModelConfig, entries []map[string]any) error {
	for i, e := range entries {
		cn, _ := e["class_name"].(string)
		if cn == "InputLayer" {
			if i != 0 {
				return p.errorf("InputLayer %q is layer %d; an InputLayer can only come first", layerName(e), i)
			}
			if err := p.inputLayer(mc, e); err != nil {
				return err
			}
			continue
		}
		lc, err := p.normalizeLayer(e)
		if err != nil {
			return err
		}
		if len(mc.Layers) == 0 && mc.InputShape == nil {
			if lc.Model != nil {
				mc.InputShape, mc.InputDType = lc.Model.InputShape, lc.Model.InputDType
			} else if err := p.firstLayerInput(mc, e); err != nil {
				return err
			}
		}
		mc.Layers = append(mc.Layers, lc)
	}
	seen := map[string]bool{}
	for _, l := range mc.Layers {
		if l.Name == "" {
			continue
		}
		if seen[l.Name] {
			return p.errorf("two layers are named %q; layer names must be unique", l.Name)
		}
		seen[l.Name] = true
	}
	return nil
}

func layerName(e map[string]any) string {
	if c, ok := e["config"].(map[string]any); ok {
		if n, ok := c["name"].(string); ok {
			return n
		}
	}
	n, _ := e["name"].(string)
	return n
}

// inputLayer records an InputLayer's shape, name and dtype.
func (p *cfgParser) inputLayer(mc *ModelConfig, e map[string]any) error {
	c, ok := e["config"].(map[string]any)
	if !ok {
		return p.errorf("InputLayer: \"config\" is %s, expected an object", jsonType(e["config"]))
	}
	mc.InputName = layerName(e)
	for _, k := range []string{"batch_shape", "batch_input_shape"} {
		if v, ok := c[k]; ok && v != nil {
			if k == "batch_shape" {
				p.clues.k3 = true
			}
			s, err := p.shapeOf(v, true, "InputLayer "+k)
			if err != nil {
				return err
			}
			mc.InputShape = s
			break
		}
	}
	if mc.InputShape == nil {
		for _, k := range []string{"shape", "input_shape"} {
			if v, ok := c[k]; ok && v != nil {
				s, err := p.shapeOf(v, false, "InputLayer "+k)
				if err != nil {
					return err
				}
				mc.InputShape = s
				break
			}
		}
	}
	for _, k := range []string{"dtype", "input_dtype"} {
		if v, ok := c[k]; ok && v != nil {
			if k == "input_dtype" {
				p.clues.k1 = true
			}
			d, err := dtypeString(v)
			if err != nil {
				return p.errorf("InputLayer %q: %v", mc.InputName, err)
			}
			mc.InputDType = d
			break
		}
	}
	if e["module"] != nil || e["registered_name"] != nil {
		p.clues.k3 = true
	}
	return nil
}

// firstLayerInput takes the input shape from the first layer's
// batch_input_shape / input_shape / input_dim (no InputLayer in the config).
func (p *cfgParser) firstLayerInput(mc *ModelConfig, e map[string]any) error {
	c, _ := e["config"].(map[string]any)
	if c == nil {
		return nil
	}
	name := layerName(e)
	if v, ok := c["batch_input_shape"]; ok && v != nil {
		s, err := p.shapeOf(v, true, fmt.Sprintf("layer %q batch_input_shape", name))
		if err != nil {
			return err
		}
		mc.InputShape = s
	} else if v, ok := c["input_shape"]; ok && v != nil {
		s, err := p.shapeOf(v, false, fmt.Sprintf("layer %q input_shape", name))
		if err != nil {
			return err
		}
		mc.InputShape = s
	} else if s, ok := embeddingInputLength(e); ok {
		mc.InputShape = s
	} else if v, ok := c["input_dim"]; ok && v != nil && e["class_name"] != "Embedding" {
		d, ok := intValue(v)
		if !ok || d < 0 || d > maxDims {
			return p.errorf("layer %q: input_dim is %v, expected a non-negative integer", name, v)
		}
		mc.InputShape = []int{d}
	} else if bc, ok := e["build_config"].(map[string]any); ok && bc["input_shape"] != nil {
		s, err := p.shapeOf(bc["input_shape"], true, fmt.Sprintf("layer %q build_config input_shape", name))
		if err != nil {
			return err
		}
		mc.InputShape = s
	}
	if mc.InputShape != nil {
		for _, k := range []string{"input_dtype", "dtype"} {
			if v, ok := c[k]; ok && v != nil {
				if d, err := dtypeString(v); err == nil {
					mc.InputDType = d
				}
				break
			}
		}
		// Keras 3 takes only the float type of a mixed policy for inputs.
		if strings.HasPrefix(mc.InputDType, "mixed_") {
			mc.InputDType = "float32"
		}
	}
	return nil
}

// shapeOf converts a JSON shape (list of ints / nulls) to []int with -1 for
// None, dropping the first (batch) dimension when batch is true.
func (p *cfgParser) shapeOf(v any, batch bool, what string) ([]int, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, p.errorf("%s is %s, expected a list of integers", what, jsonType(v))
	}
	if batch {
		if len(l) == 0 {
			return nil, p.errorf("%s is empty, expected at least a batch dimension", what)
		}
		l = l[1:]
	}
	out := make([]int, len(l))
	for i, d := range l {
		if d == nil {
			out[i] = -1
			continue
		}
		n, ok := intValue(d)
		if !ok || n < 0 || n > maxDims {
			return nil, p.errorf("%s: dimension %d is %v, expected a non-negative integer or null", what, i, d)
		}
		out[i] = n
	}
	return out, nil
}

// intValue converts a JSON number holding an integer.
func intValue(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return 0, false
		}
		return int(x), true
	case int:
		return x, true
	}
	return 0, false
}

// findKerasTensors collects the __keras_tensor__ references in a Keras 3
// call-argument structure.
func findKerasTensors(v any, depth int) []TensorRef {
	if depth > 64 {
		return nil
	}
	switch x := v.(type) {
	case []any:
		var out []TensorRef
		for _, e := range x {
			out = append(out, findKerasTensors(e, depth+1)...)
		}
		return out
	case map[string]any:
		if x["class_name"] == "__keras_tensor__" {
			c, _ := x["config"].(map[string]any)
			h, _ := c["keras_history"].([]any)
			if len(h) >= 3 {
				s, _ := h[0].(string)
				ni, _ := intValue(h[1])
				ti, _ := intValue(h[2])
				return []TensorRef{{s, ni, ti}}
			}
			return []TensorRef{{"", -1, -1}}
		}
		var out []TensorRef
		keys := slices.Sorted(maps.Keys(x))
		for _, k := range keys {
			out = append(out, findKerasTensors(x[k], depth+1)...)
		}
		return out
	}
	return nil
}
