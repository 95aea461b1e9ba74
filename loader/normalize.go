package loader

import (
	"fmt"
	"sort"
	"strings"
)

// coreLayers are the layer classes of this file; the other families list
// theirs beside their normalization (normalize_*.go).
var coreLayers = []string{
	"InputLayer", "Dense", "Activation", "Dropout", "Flatten", "Reshape",
	"BatchNormalization", "LayerNormalization", "Normalization",
	"ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax", "ThresholdedReLU",
	"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
	"Permute",
}

// supportedLayers lists the layer classes kerago runs, by Keras 3 class name.
var supportedLayers = concatLists(coreLayers, convLayers, poolingLayers, resamplingLayers, preprocessingLayers, noiseLayers, seqLayers, attentionLayers)

// classAlias maps a Keras 1 or 2 class name to Keras 3's.
func classAlias(cls string) (string, bool) {
	for _, m := range []map[string]string{convAliases, poolingAliases, resamplingAliases, preprocessingAliases, noiseAliases, seqAliases} {
		if a, ok := m[cls]; ok {
			return a, true
		}
	}
	return "", false
}

func concatLists(ls ...[]string) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l...)
	}
	return out
}

// familyNormalizers normalize the config keys of the layer families kept in
// their own files; each reports whether it knows the class.
var familyNormalizers = [...]func(p *cfgParser, cls string, c map[string]any) (bool, error){
	normConv, normPooling, normResampling, normPreprocessing, normNoise, normSeq, normAttention,
}

// SupportedLayers returns the layer classes kerago runs (Keras 3 class
// names), in a fixed order.
func SupportedLayers() []string { return append([]string(nil), supportedLayers...) }

func isSupported(cls string) bool {
	for _, s := range supportedLayers {
		if s == cls {
			return true
		}
	}
	return false
}

// isCustomName reports a registered custom class ("Package>Name").
func isCustomName(className string, registered any) bool {
	if strings.Contains(className, ">") {
		return true
	}
	r, _ := registered.(string)
	return r != "" && strings.Contains(r, ">")
}

func (p *cfgParser) unsupported(cls, name, why string) error {
	msg := fmt.Sprintf("layer %q has class %q", name, cls)
	if why != "" {
		msg += ", " + why
	}
	msg += "; kerago runs " + strings.Join(supportedLayers, ", ")
	return &FormatError{Path: p.path, Msg: msg, Err: ErrUnsupported}
}

// deepCopy copies JSON-like values so that normalization never changes Raw.
func deepCopy(v any, depth int) any {
	if depth > 10000 {
		return nil
	}
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e, depth+1)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e, depth+1)
		}
		return l
	}
	return v
}

// rename moves key from to key to when to is absent.
func rename(c map[string]any, from, to string) {
	v, ok := c[from]
	if !ok {
		return
	}
	delete(c, from)
	if _, exists := c[to]; !exists {
		c[to] = v
	}
}

func setDefault(c map[string]any, key string, v any) {
	if _, ok := c[key]; !ok {
		c[key] = v
	}
}

// normalizeLayer turns one layer entry of any Keras generation into a
// LayerConfig with Keras 3 class and key names.
func (p *cfgParser) normalizeLayer(e map[string]any) (LayerConfig, error) {
	cls, _ := e["class_name"].(string)
	if a, ok := classAlias(cls); ok {
		cls = a
	}
	name := layerName(e)
	if e["module"] != nil || e["registered_name"] != nil || e["build_config"] != nil {
		p.clues.k3 = true
	}
	if cls == "" {
		return LayerConfig{}, p.errorf("layer %q has no \"class_name\"", name)
	}
	if isCustomName(cls, e["registered_name"]) {
		return LayerConfig{}, p.unsupported(cls, name, "a custom (registered) class")
	}
	switch cls {
	case "Sequential", "Functional", "Model":
		return p.nestedModel(cls, name, e)
	}
	if !isSupported(cls) {
		return LayerConfig{}, p.unsupported(cls, name, "")
	}
	raw, ok := e["config"].(map[string]any)
	if !ok {
		return LayerConfig{}, p.errorf("layer %q (%s): \"config\" is %s, expected an object", name, cls, jsonType(e["config"]))
	}
	c := deepCopy(raw, 0).(map[string]any)
	if name == "" {
		return LayerConfig{}, p.errorf("a %s layer has no name", cls)
	}
	c["name"] = name

	// Keys every layer may carry.
	for _, k := range []string{"batch_input_shape", "batch_shape", "input_shape", "input_dim", "input_dtype", "input_length", "shared_object_id", "__passive_serialization__", "weights"} {
		if k == "input_dtype" || (k == "input_dim" && cls == "Dense") {
			if _, ok := c[k]; ok {
				p.clues.k1 = true
			}
		}
		if k != "input_dim" || cls != "Embedding" {
			delete(c, k)
		}
	}
	if v, ok := c["dtype"]; ok && v != nil {
		if d, isMap := v.(map[string]any); isMap {
			if cn, _ := d["class_name"].(string); cn == "DTypePolicy" || cn == "FloatDTypePolicy" || d["module"] != nil {
				p.clues.k3 = true
			}
			if cn, _ := d["class_name"].(string); strings.Contains(cn, "Quantized") {
				return LayerConfig{}, p.unsupported(cls, name, fmt.Sprintf("quantized (dtype policy %s)", cn))
			}
		}
		d, err := dtypeString(v)
		if err != nil {
			return LayerConfig{}, p.errorf("layer %q: %v", name, err)
		}
		if strings.HasPrefix(d, "int") || strings.HasPrefix(d, "float8") {
			return LayerConfig{}, p.unsupported(cls, name, fmt.Sprintf("quantized (dtype policy %q)", d))
		}
		c["dtype"] = d
	} else {
		c["dtype"] = "float32"
	}
	setDefault(c, "trainable", true)
	if ar, ok := c["activity_regularizer"]; ok {
		if ar == nil {
			delete(c, "activity_regularizer")
		} else {
			r, err := normRegularizer(ar)
			if err != nil {
				return LayerConfig{}, p.errorf("layer %q: activity_regularizer: %v", name, err)
			}
			c["activity_regularizer"] = r
		}
	}

	var err error
	switch cls {
	case "Dense":
		err = p.normDense(name, c)
	case "Activation":
		if a, ok := c["activation"]; ok {
			c["activation"], err = normActivation(a)
		} else {
			err = fmt.Errorf("missing \"activation\"")
		}
	case "Dropout":
		if _, ok := c["p"]; ok {
			p.clues.k1 = true
		}
		rename(c, "p", "rate")
		if _, ok := c["rate"]; !ok {
			err = fmt.Errorf("missing \"rate\"")
		}
		setDefault(c, "noise_shape", nil)
		setDefault(c, "seed", nil)
	case "Flatten":
		if c["data_format"] == nil {
			c["data_format"] = "channels_last"
		}
	case "Reshape":
		if _, ok := c["target_shape"].([]any); !ok {
			err = fmt.Errorf("\"target_shape\" is %s, expected a list of integers", jsonType(c["target_shape"]))
		}
	case "BatchNormalization":
		err = p.normBatchNorm(cls, name, c)
	case "LayerNormalization":
		setDefault(c, "axis", -1.0)
		setDefault(c, "epsilon", 1e-3)
		setDefault(c, "center", true)
		setDefault(c, "scale", true)
		err = normInitKeys(c, "beta_initializer", "gamma_initializer")
		if err == nil {
			err = normRegKeys(c, "beta_regularizer", "gamma_regularizer")
		}
		if err == nil {
			err = normConstraintKeys(c, "beta_constraint", "gamma_constraint")
		}
	case "Normalization":
		setDefault(c, "axis", -1.0)
		setDefault(c, "invert", false)
	case "ReLU":
		setDefault(c, "max_value", nil)
		setDefault(c, "negative_slope", 0.0)
		setDefault(c, "threshold", 0.0)
	case "LeakyReLU":
		rename(c, "alpha", "negative_slope")
		setDefault(c, "negative_slope", 0.3)
	case "ELU":
		setDefault(c, "alpha", 1.0)
	case "PReLU":
		if _, ok := c["init"]; ok {
			p.clues.k1 = true
		}
		rename(c, "init", "alpha_initializer")
		setDefault(c, "alpha_initializer", "zeros")
		setDefault(c, "shared_axes", nil)
		err = normInitKeys(c, "alpha_initializer")
		if err == nil {
			err = normRegKeys(c, "alpha_regularizer")
		}
		if err == nil {
			err = normConstraintKeys(c, "alpha_constraint")
		}
	case "Softmax":
		setDefault(c, "axis", -1.0)
	case "ThresholdedReLU":
		setDefault(c, "theta", 1.0)
	case "Concatenate":
		rename(c, "concat_axis", "axis")
		setDefault(c, "axis", -1.0)
	case "Dot":
		rename(c, "dot_axes", "axes")
		setDefault(c, "normalize", false)
		if _, ok := c["axes"]; !ok {
			err = fmt.Errorf("missing \"axes\"")
		}
	case "Permute":
		if _, ok := c["dims"].([]any); !ok {
			err = fmt.Errorf("\"dims\" is %s, expected a list of integers", jsonType(c["dims"]))
		}
	default:
		for _, norm := range familyNormalizers {
			var ok bool
			if ok, err = norm(p, cls, c); ok {
				break
			}
		}
	}
	if err != nil {
		if fe, ok := err.(*FormatError); ok {
			return LayerConfig{}, fe
		}
		return LayerConfig{}, &FormatError{Path: p.path, Msg: fmt.Sprintf("layer %q (%s)", name, cls), Err: err}
	}
	lc := LayerConfig{ClassName: cls, Name: name, Config: c}
	if bc, ok := e["build_config"].(map[string]any); ok {
		// Keras 3 records the shape the layer was built with; a nested
		// (multi-input) shape is not a chain layer's and is ignored.
		if s, err := p.shapeOf(bc["input_shape"], true, "build_config"); err == nil {
			lc.BuildInputShape = s
		}
	}
	return lc, nil
}

func (p *cfgParser) normDense(name string, c map[string]any) error {
	for _, k := range []string{"output_dim", "init", "W_regularizer", "b_regularizer", "W_constraint", "b_constraint"} {
		if _, ok := c[k]; ok {
			p.clues.k1 = true
		}
	}
	if b, ok := c["bias"].(bool); ok {
		p.clues.k1 = true
		delete(c, "bias")
		setDefault(c, "use_bias", b)
	}
	rename(c, "output_dim", "units")
	rename(c, "init", "kernel_initializer")
	rename(c, "W_regularizer", "kernel_regularizer")
	rename(c, "b_regularizer", "bias_regularizer")
	rename(c, "W_constraint", "kernel_constraint")
	rename(c, "b_constraint", "bias_constraint")
	u, ok := intValue(c["units"])
	if !ok || u <= 0 || u > maxDims {
		return fmt.Errorf("\"units\" is %v, expected a positive integer", c["units"])
	}
	c["units"] = float64(u)
	setDefault(c, "use_bias", true)
	if _, ok := c["use_bias"].(bool); !ok {
		return fmt.Errorf("\"use_bias\" is %s, expected true or false", jsonType(c["use_bias"]))
	}
	a, ok := c["activation"]
	if !ok {
		a = "linear"
	}
	var err error
	if c["activation"], err = normActivation(a); err != nil {
		return err
	}
	setDefault(c, "kernel_initializer", "glorot_uniform")
	setDefault(c, "bias_initializer", "zeros")
	if lr, ok := c["lora_rank"]; ok && lr != nil {
		return fmt.Errorf("LoRA-enabled Dense (lora_rank %v) is not supported: %w", lr, ErrUnsupported)
	}
	if q, ok := c["quantization_config"]; ok && q != nil {
		return fmt.Errorf("quantized Dense (quantization_config set) is not supported: %w", ErrUnsupported)
	}
	if err := normInitKeys(c, "kernel_initializer", "bias_initializer"); err != nil {
		return err
	}
	if err := normRegKeys(c, "kernel_regularizer", "bias_regularizer"); err != nil {
		return err
	}
	return normConstraintKeys(c, "kernel_constraint", "bias_constraint")
}

func (p *cfgParser) normBatchNorm(cls, name string, c map[string]any) error {
	if m, ok := c["mode"]; ok {
		p.clues.k1 = true
		if mv, ok := intValue(m); !ok || mv != 0 {
			return p.unsupported(cls, name, fmt.Sprintf("Keras 1 mode=%v (only mode 0, feature-wise normalization with moving statistics, is supported)", m))
		}
		delete(c, "mode")
	}
	for _, k := range []string{"beta_init", "gamma_init"} {
		if _, ok := c[k]; ok {
			p.clues.k1 = true
		}
	}
	rename(c, "beta_init", "beta_initializer")
	rename(c, "gamma_init", "gamma_initializer")
	if l, ok := c["axis"].([]any); ok && len(l) == 1 {
		c["axis"] = l[0]
	}
	setDefault(c, "axis", -1.0)
	if _, ok := intValue(c["axis"]); !ok {
		return p.errorf("layer %q (%s): \"axis\" is %v, expected an integer", name, cls, c["axis"])
	}
	setDefault(c, "momentum", 0.99)
	setDefault(c, "epsilon", 1e-3)
	setDefault(c, "center", true)
	setDefault(c, "scale", true)
	setDefault(c, "beta_initializer", "zeros")
	setDefault(c, "gamma_initializer", "ones")
	setDefault(c, "moving_mean_initializer", "zeros")
	setDefault(c, "moving_variance_initializer", "ones")
	if err := normInitKeys(c, "beta_initializer", "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer"); err != nil {
		return err
	}
	if err := normRegKeys(c, "beta_regularizer", "gamma_regularizer"); err != nil {
		return err
	}
	return normConstraintKeys(c, "beta_constraint", "gamma_constraint")
}

func normInitKeys(c map[string]any, keys ...string) error {
	for _, k := range keys {
		v, ok := c[k]
		if !ok {
			continue
		}
		n, err := normInitializer(v)
		if err != nil {
			return fmt.Errorf("%s: %v", k, err)
		}
		c[k] = n
	}
	return nil
}

func normRegKeys(c map[string]any, keys ...string) error {
	for _, k := range keys {
		v, ok := c[k]
		if !ok {
			c[k] = nil
			continue
		}
		n, err := normRegularizer(v)
		if err != nil {
			return fmt.Errorf("%s: %v", k, err)
		}
		c[k] = n
	}
	return nil
}

func normConstraintKeys(c map[string]any, keys ...string) error {
	for _, k := range keys {
		v, ok := c[k]
		if !ok {
			c[k] = nil
			continue
		}
		n, err := normConstraint(v)
		if err != nil {
			return fmt.Errorf("%s: %v", k, err)
		}
		c[k] = n
	}
	return nil
}

// squash lower-cases a name and drops underscores for alias lookup.
func squash(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "_", "")
}

// initializerClasses maps squashed Keras 1/2/3 initializer names to Keras 3
// class names.
var initializerClasses = map[string]string{
	"glorotuniform": "GlorotUniform", "glorotnormal": "GlorotNormal",
	"heuniform": "HeUniform", "henormal": "HeNormal",
	"lecununiform": "LecunUniform", "lecunnormal": "LecunNormal",
	"zeros": "Zeros", "zero": "Zeros", "ones": "Ones", "one": "Ones",
	"uniform": "RandomUniform", "randomuniform": "RandomUniform",
	"normal": "RandomNormal", "randomnormal": "RandomNormal",
	"truncatednormal": "TruncatedNormal", "orthogonal": "Orthogonal",
	"identity": "IdentityInitializer", "identityinitializer": "IdentityInitializer",
	"constant": "Constant", "variancescaling": "VarianceScaling",
}

// normInitializer returns {"class_name": ..., "config": {...}} for an
// initializer given as a Keras 1 string or a Keras 2/3 object.
func normInitializer(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		cls, ok := initializerClasses[squash(x)]
		if !ok {
			cls = x
		}
		return map[string]any{"class_name": cls, "config": map[string]any{}}, nil
	case map[string]any:
		cls, _ := x["class_name"].(string)
		if cls == "" {
			return nil, fmt.Errorf("initializer object has no class_name")
		}
		if isCustomName(cls, x["registered_name"]) {
			return nil, fmt.Errorf("custom initializer %q: %w", cls, ErrUnsupported)
		}
		if c, ok := initializerClasses[squash(cls)]; ok {
			cls = c
		}
		cfg := map[string]any{}
		if c, ok := x["config"].(map[string]any); ok {
			for k, e := range c {
				cfg[k] = e
			}
		}
		delete(cfg, "dtype") // tf.keras writes the variable dtype into initializer configs
		if cls == "VarianceScaling" {
			// Keras 2 meant a truncated normal by "normal".
			if d, _ := cfg["distribution"].(string); d == "normal" {
				cfg["distribution"] = "truncated_normal"
			}
		}
		return map[string]any{"class_name": cls, "config": cfg}, nil
	}
	return nil, fmt.Errorf("initializer is %s, expected a name or an object", jsonType(v))
}

var regularizerClasses = map[string]string{
	"l1": "L1", "l2": "L2", "l1l2": "L1L2", "orthogonalregularizer": "OrthogonalRegularizer",
	"weightregularizer": "L1L2", "l1l2regularizer": "L1L2", "activityregularizer": "L1L2",
}

// normRegularizer handles Keras 1 {"name": "WeightRegularizer", "l1", "l2"},
// Keras 2/3 objects and strings.
func normRegularizer(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		cls, ok := regularizerClasses[squash(x)]
		if !ok {
			return nil, fmt.Errorf("unknown regularizer %q", x)
		}
		return map[string]any{"class_name": cls, "config": map[string]any{}}, nil
	case map[string]any:
		if n, ok := x["name"].(string); ok && x["class_name"] == nil {
			cls, ok := regularizerClasses[squash(n)]
			if !ok {
				return nil, fmt.Errorf("unknown Keras 1 regularizer %q", n)
			}
			cfg := map[string]any{}
			for k, e := range x {
				if k != "name" {
					cfg[k] = e
				}
			}
			return map[string]any{"class_name": cls, "config": cfg}, nil
		}
		cls, _ := x["class_name"].(string)
		if cls == "" {
			return nil, fmt.Errorf("regularizer object has no class_name")
		}
		if isCustomName(cls, x["registered_name"]) {
			return nil, fmt.Errorf("custom regularizer %q: %w", cls, ErrUnsupported)
		}
		if c, ok := regularizerClasses[squash(cls)]; ok {
			cls = c
		}
		cfg := map[string]any{}
		if c, ok := x["config"].(map[string]any); ok {
			for k, e := range c {
				cfg[k] = e
			}
		}
		return map[string]any{"class_name": cls, "config": cfg}, nil
	}
	return nil, fmt.Errorf("regularizer is %s, expected an object", jsonType(v))
}

var constraintClasses = map[string]string{
	"maxnorm": "MaxNorm", "nonneg": "NonNeg", "unitnorm": "UnitNorm", "minmaxnorm": "MinMaxNorm",
}

// normConstraint handles Keras 1 {"name": "MaxNorm", "m": 2, "axis": 0} and
// Keras 2/3 objects.
func normConstraint(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		cls, ok := constraintClasses[squash(x)]
		if !ok {
			return nil, fmt.Errorf("unknown constraint %q", x)
		}
		return map[string]any{"class_name": cls, "config": map[string]any{}}, nil
	case map[string]any:
		if n, ok := x["name"].(string); ok && x["class_name"] == nil {
			cls, ok := constraintClasses[squash(n)]
			if !ok {
				return nil, fmt.Errorf("unknown Keras 1 constraint %q", n)
			}
			cfg := map[string]any{}
			for k, e := range x {
				if k != "name" {
					cfg[k] = e
				}
			}
			rename(cfg, "m", "max_value")
			return map[string]any{"class_name": cls, "config": cfg}, nil
		}
		cls, _ := x["class_name"].(string)
		if cls == "" {
			return nil, fmt.Errorf("constraint object has no class_name")
		}
		if isCustomName(cls, x["registered_name"]) {
			return nil, fmt.Errorf("custom constraint %q: %w", cls, ErrUnsupported)
		}
		if c, ok := constraintClasses[squash(cls)]; ok {
			cls = c
		}
		cfg := map[string]any{}
		if c, ok := x["config"].(map[string]any); ok {
			for k, e := range c {
				cfg[k] = e
			}
		}
		rename(cfg, "m", "max_value")
		return map[string]any{"class_name": cls, "config": cfg}, nil
	}
	return nil, fmt.Errorf("constraint is %s, expected an object", jsonType(v))
}

// normActivation returns the activation name: Keras stores a bare string;
// objects ({"class_name": "function", "config": "relu"}) are unwrapped.
func normActivation(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return "linear", nil
	case string:
		return x, nil
	case map[string]any:
		if isCustomName("", x["registered_name"]) {
			return nil, fmt.Errorf("custom activation %v: %w", x["registered_name"], ErrUnsupported)
		}
		if s, ok := x["config"].(string); ok {
			return s, nil
		}
		if c, ok := x["config"].(map[string]any); ok {
			if s, ok := c["name"].(string); ok {
				return s, nil
			}
		}
		return nil, fmt.Errorf("activation object %v is not a built-in activation: %w", x["class_name"], ErrUnsupported)
	}
	return nil, fmt.Errorf("activation is %s, expected a name", jsonType(v))
}

// dtypeString turns a dtype given as a string or as a DTypePolicy /
// FloatDTypePolicy / Policy object into the policy name ("float32",
// "mixed_float16", ...). kerago computes in float32 whatever the policy.
func dtypeString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case map[string]any:
		cfg, _ := x["config"].(map[string]any)
		if n, ok := cfg["name"].(string); ok {
			return n, nil
		}
		if n, ok := x["name"].(string); ok {
			return n, nil
		}
		return "", fmt.Errorf("dtype policy object %v has no name", x["class_name"])
	}
	return "", fmt.Errorf("dtype is %s, expected a string or a DTypePolicy object", jsonType(v))
}

// ComputeDType returns the dtype a layer's policy computes in: "float16" for
// "mixed_float16", "bfloat16" for "mixed_bfloat16", else the dtype itself.
// kerago computes in float32 regardless; callers may warn when this differs.
func ComputeDType(policy string) string {
	if strings.HasPrefix(policy, "mixed_") {
		return strings.TrimPrefix(policy, "mixed_")
	}
	return policy
}

// sortedKeys returns a map's keys in sorted order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
