package loader

import (
	"fmt"
	"math"
	"strings"
)

// KerasVersion is the Keras version kerago's files claim ("3.15.1"). What
// the writers produce matches what Keras 3.15.1 writes, field for field:
// the config.json schema (module, registered_name, build_config,
// compile_config, DTypePolicy dicts, shared_object_id), the
// model.weights.h5 and legacy .h5 layouts and the .keras zip members.
const KerasVersion = "3.15.1"

// DefaultBackend is the backend files claim when the Model does not name a
// Keras 3 backend ("tensorflow", "jax", "torch", "numpy", "openvino"). The
// backend decides the integer type of counters (optimizer iteration,
// Normalization count): int64 for tensorflow, int32 for the others, as
// Keras's standardize_dtype("int") gives on each backend.
const DefaultBackend = "tensorflow"

// sharedObjectIDBase stands for the Python id() Keras records in
// "shared_object_id" when one DTypePolicy object is shared by several layers
// (config.json of a .keras archive). Any integer works for loading; kerago
// writes this fixed one (plus 16 per distinct policy) so files are
// reproducible.
const sharedObjectIDBase = 140386746775376

type cfgMode int

const (
	modeArchive cfgMode = iota // config.json of a .keras archive
	modeJSON                   // to_json()
	modeLegacy                 // "model_config" of a legacy .h5
)

func saveBackend(m *Model) string {
	switch m.Backend {
	case "tensorflow", "jax", "torch", "numpy", "openvino":
		return m.Backend
	}
	return DefaultBackend
}

// MarshalConfigJSON returns the model's Keras 3 to_json() text: the same
// tree as config.json of a .keras archive (module, class_name, config,
// registered_name, build_config, compile_config), written as Python's
// json.dumps writes it. Missing pieces are filled with Keras's defaults:
// layer configs are completed to Keras 3.15.1's get_config() keys,
// initializers wrapped as {"module", "class_name", "config",
// "registered_name"}, dtypes as DTypePolicy dicts, build_config computed
// from the layers' input shapes, and "compile_config" is {} for an
// uncompiled model.
func MarshalConfigJSON(m *Model) ([]byte, error) {
	t, err := buildModelTree(m, modeJSON)
	if err != nil {
		return nil, err
	}
	return marshalPy(t, -1)
}

// modelPlan is the resolved architecture the writers serialize.
type modelPlan struct {
	functional bool
	name       string
	inName     string
	inDType    string
	inShape    []int // per-sample; nil when unknown (unbuilt Sequential)
	layers     []LayerConfig
	inShapes   [][]int // per-sample input shape of each layer, nil when unknown
	trainable  bool
	// subs holds, per layer, the plan of a nested model (nil for a layer).
	subs []*modelPlan
	// A Functional model's inputs and outputs, and its operations in
	// Keras's order (layer index, or -1-k for input k; see graphOrder).
	inputs  []ModelInput
	outputs []TensorRef
	order   []int
}

func planModel(m *Model) (*modelPlan, error) {
	if m == nil || m.Config == nil {
		return nil, fmt.Errorf("the model has no config")
	}
	return planConfig(m.Config, 0)
}

// outputShape infers a layer's per-sample output shape (-1 = None) from its
// input shape; nil when the layer is not known.
func outputShape(l LayerConfig, in []int) []int {
	switch l.ClassName {
	case "Dense":
		u, ok := intValue(numberOf(l.Config["units"]))
		if !ok || len(in) == 0 {
			return nil
		}
		out := append([]int(nil), in[:len(in)-1]...)
		return append(out, u)
	case "Flatten":
		n := 1
		for _, d := range in {
			if d < 0 {
				return []int{-1}
			}
			n *= d
		}
		return []int{n}
	case "Reshape":
		ts, ok := l.Config["target_shape"]
		if !ok {
			return nil
		}
		var out []int
		switch t := ts.(type) {
		case []any:
			for _, d := range t {
				n, ok := intValue(numberOf(d))
				if !ok {
					if d == nil {
						n = -1
					} else {
						return nil
					}
				}
				out = append(out, n)
			}
		case []int:
			out = append(out, t...)
		default:
			return nil
		}
		total, known := 1, true
		for _, d := range in {
			if d < 0 {
				known = false
			}
			total *= d
		}
		unknown, prod := -1, 1
		for i, d := range out {
			if d < 0 {
				unknown = i
			} else {
				prod *= d
			}
		}
		if unknown >= 0 && known && prod > 0 {
			out[unknown] = total / prod
		}
		return out
	case "Activation", "Dropout", "BatchNormalization", "LayerNormalization", "Normalization",
		"ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax", "ThresholdedReLU":
		return append([]int(nil), in...)
	}
	return graphLayerOutputShape(l, in)
}

// numberOf converts Go numbers to float64 for intValue.
func numberOf(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case float32:
		return float64(x)
	}
	return v
}

func batchShape(s []int) []any {
	out := []any{nil}
	for _, d := range s {
		if d < 0 {
			out = append(out, nil)
		} else {
			out = append(out, jint(d))
		}
	}
	return out
}

func dtypePolicyTree(v any) (*jobj, error) {
	name := "float32"
	if v != nil {
		s, err := dtypeString(v)
		if err != nil {
			return nil, err
		}
		name = s
	}
	return newObj().set("module", "keras").set("class_name", "DTypePolicy").
		set("config", newObj().set("name", name)).set("registered_name", nil), nil
}

// buildModelTree serializes the model config for mode.
func buildModelTree(m *Model, mode cfgMode) (*jobj, error) {
	p, err := planModel(m)
	if err != nil {
		return nil, err
	}
	var policies []*jobj // dtype policy dicts in Keras's serialization order
	top, err := modelEntryTree(p, mode, m.Config.Raw, &policies)
	if err != nil {
		return nil, err
	}
	if mode == modeArchive {
		shareDTypePolicies(policies)
	}
	if mode == modeLegacy {
		return top, nil
	}
	cc, err := compileConfigTree(m)
	if err != nil {
		return nil, err
	}
	top.set("compile_config", cc)
	return top, nil
}

// shareDTypePolicies marks DTypePolicy dicts that Keras serializes from one
// shared policy object: within an ObjectSharingScope every occurrence after
// the first carries "shared_object_id" (Keras 3.15.1's Sequential.get_config
// deep-copies the layer configs, so the first occurrence never gets it).
func shareDTypePolicies(policies []*jobj) {
	groups := map[string][]*jobj{}
	var order []string
	for _, d := range policies {
		c, _ := d.vals["config"].(*jobj)
		name, _ := c.vals["name"].(string)
		if _, ok := groups[name]; !ok {
			order = append(order, name)
		}
		groups[name] = append(groups[name], d)
	}
	for k, name := range order {
		g := groups[name]
		for _, d := range g[1:] {
			d.set("shared_object_id", jint(sharedObjectIDBase)+16*jint(k))
		}
	}
}

func layerEntry(mode cfgMode, cls string, cfg *jobj, bc *jobj) *jobj {
	if mode == modeLegacy {
		return newObj().set("class_name", cls).set("config", cfg)
	}
	e := newObj().set("module", "keras.layers").set("class_name", cls).set("config", cfg).set("registered_name", nil)
	if bc != nil {
		e.set("build_config", bc)
	}
	return e
}

// required marks a config key a layer cannot be written without.
type requiredKey struct{}

// layerKeys lists, per class, the keys Keras 3.15.1's get_config writes
// after name, trainable and dtype, in its order, with the constructor
// default used when the given config lacks one.
var layerKeys = map[string][]struct {
	key string
	def any
}{
	"Dense": {{"units", requiredKey{}}, {"activation", "linear"}, {"use_bias", true},
		{"kernel_initializer", "GlorotUniform"}, {"bias_initializer", "Zeros"},
		{"kernel_regularizer", nil}, {"bias_regularizer", nil},
		{"kernel_constraint", nil}, {"bias_constraint", nil}, {"quantization_config", nil}},
	"Activation": {{"activation", requiredKey{}}},
	"Dropout":    {{"rate", requiredKey{}}, {"seed", nil}, {"noise_shape", nil}},
	"Flatten":    {{"data_format", "channels_last"}},
	"Reshape":    {{"target_shape", requiredKey{}}},
	"BatchNormalization": {{"axis", -1}, {"momentum", 0.99}, {"epsilon", 1e-3}, {"center", true}, {"scale", true},
		{"beta_initializer", "Zeros"}, {"gamma_initializer", "Ones"},
		{"moving_mean_initializer", "Zeros"}, {"moving_variance_initializer", "Ones"},
		{"beta_regularizer", nil}, {"gamma_regularizer", nil}, {"beta_constraint", nil}, {"gamma_constraint", nil},
		{"synchronized", false}, {"renorm", false}, {"renorm_clipping", nil}, {"renorm_momentum", 0.99}},
	"LayerNormalization": {{"axis", []any{-1}}, {"epsilon", 1e-3}, {"center", true}, {"scale", true}, {"rms_scaling", false},
		{"beta_initializer", "Zeros"}, {"gamma_initializer", "Ones"},
		{"beta_regularizer", nil}, {"gamma_regularizer", nil}, {"beta_constraint", nil}, {"gamma_constraint", nil}},
	"Normalization":   {{"axis", []any{-1}}, {"invert", false}, {"mean", nil}, {"variance", nil}},
	"ReLU":            {{"max_value", nil}, {"negative_slope", 0.0}, {"threshold", 0.0}},
	"LeakyReLU":       {{"negative_slope", 0.3}},
	"ELU":             {},
	"PReLU":           {{"alpha_initializer", "Zeros"}, {"alpha_regularizer", nil}, {"alpha_constraint", nil}, {"shared_axes", nil}},
	"Softmax":         {{"axis", -1}},
	"ThresholdedReLU": {{"theta", 1.0}},
}

// layerConfigTree writes a layer's get_config() dict in Keras 3.15.1's key
// order, completing missing keys with Keras's defaults and dropping keys
// Keras 3 would reject for a known class.
func layerConfigTree(l LayerConfig) (*jobj, error) {
	c := l.Config
	if c == nil {
		c = map[string]any{}
	}
	if strings.HasPrefix(l.ClassName, "SpatialDropout") {
		return spatialDropoutTree(l)
	}
	o := newObj().set("name", l.Name)
	tr := true
	if v, ok := c["trainable"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("\"trainable\" is %T, expected a boolean", v)
		}
		tr = b
	}
	o.set("trainable", tr)
	d, err := dtypePolicyTree(c["dtype"])
	if err != nil {
		return nil, err
	}
	o.set("dtype", d)
	if ar := c["activity_regularizer"]; ar != nil && l.ClassName != "ActivityRegularization" {
		t, err := nestedObjectTree(ar, "activity_regularizer")
		if err != nil {
			return nil, err
		}
		o.set("activity_regularizer", t)
	}
	if err := checkAttentionSave(l); err != nil {
		return nil, err
	}
	keys, known := classKeys(l.ClassName)
	if !known {
		for _, k := range sortedKeys(c) {
			switch k {
			case "name", "trainable", "dtype", "activity_regularizer":
				continue
			}
			t, err := valueTree(k, c[k])
			if err != nil {
				return nil, err
			}
			o.set(k, t)
		}
		return o, nil
	}
	for _, kd := range keys {
		v, ok := c[kd.key]
		if !ok {
			if _, req := kd.def.(requiredKey); req {
				return nil, fmt.Errorf("config has no %q", kd.key)
			}
			v = kd.def
		}
		switch kd.key {
		case "axis":
			if l.ClassName == "LayerNormalization" || l.ClassName == "Normalization" {
				// built LayerNormalization and Normalization store a list
				if _, isList := v.([]any); !isList {
					if _, isInts := v.([]int); !isInts && v != nil {
						v = []any{v}
					}
				}
			}
		}
		t, err := valueTree(kd.key, v)
		if err != nil {
			return nil, err
		}
		o.set(kd.key, classValueFix(l.ClassName, kd.key, t))
	}
	if l.ClassName == "ELU" {
		// Keras 3.15.1's ELU has no get_config (alpha is not saved); write
		// alpha only when it is not the default, which Keras accepts.
		if a, ok := c["alpha"]; ok {
			if f, ok := a.(float64); !ok || f != 1 {
				t, err := valueTree("alpha", a)
				if err != nil {
					return nil, err
				}
				o.set("alpha", t)
			}
		}
	}
	return o, nil
}

// valueTree converts one config value, serializing nested Keras objects
// by key: *_initializer, *_regularizer, *_constraint, activation.
func valueTree(key string, v any) (any, error) {
	switch {
	case key == "activation":
		a, err := normActivation(v)
		if err != nil {
			return nil, err
		}
		s, _ := a.(string)
		switch s {
		case "swish":
			s = "silu"
		case "hard_swish":
			s = "hard_silu"
		}
		return s, nil
	case strings.HasSuffix(key, "_initializer"), strings.HasSuffix(key, "_regularizer"), strings.HasSuffix(key, "_constraint"):
		return nestedObjectTree(v, key)
	}
	return toTree(v, key, 0)
}

type objDefaults struct {
	module string
	keys   []struct {
		key string
		def any
	}
}

type kv = struct {
	key string
	def any
}

var seedAxes = []kv{{"seed", nil}, {"input_axes", nil}, {"output_axes", nil}}

// nestedClasses are Keras 3.15.1's built-in initializers, regularizers and
// constraints with their get_config keys and defaults.
var nestedClasses = map[string]objDefaults{
	"GlorotUniform":         {"keras.initializers", seedAxes},
	"GlorotNormal":          {"keras.initializers", seedAxes},
	"LecunUniform":          {"keras.initializers", seedAxes},
	"LecunNormal":           {"keras.initializers", seedAxes},
	"HeUniform":             {"keras.initializers", seedAxes},
	"HeNormal":              {"keras.initializers", seedAxes},
	"VarianceScaling":       {"keras.initializers", []kv{{"seed", nil}, {"scale", 1.0}, {"mode", "fan_in"}, {"distribution", "truncated_normal"}, {"input_axes", nil}, {"output_axes", nil}}},
	"RandomNormal":          {"keras.initializers", []kv{{"seed", nil}, {"mean", 0.0}, {"stddev", 0.05}}},
	"TruncatedNormal":       {"keras.initializers", []kv{{"seed", nil}, {"mean", 0.0}, {"stddev", 0.05}}},
	"RandomUniform":         {"keras.initializers", []kv{{"seed", nil}, {"minval", -0.05}, {"maxval", 0.05}}},
	"Orthogonal":            {"keras.initializers", []kv{{"seed", nil}, {"gain", 1.0}}},
	"Constant":              {"keras.initializers", []kv{{"value", 0.0}}},
	"Zeros":                 {"keras.initializers", nil},
	"Ones":                  {"keras.initializers", nil},
	"Identity":              {"keras.initializers", []kv{{"gain", 1.0}}},
	"L1L2":                  {"keras.regularizers", []kv{{"l1", 0.0}, {"l2", 0.0}}},
	"L1":                    {"keras.regularizers", []kv{{"l1", 0.01}}},
	"L2":                    {"keras.regularizers", []kv{{"l2", 0.01}}},
	"OrthogonalRegularizer": {"keras.regularizers", []kv{{"factor", 0.01}, {"mode", "rows"}}},
	"MaxNorm":               {"keras.constraints", []kv{{"max_value", 2}, {"axis", 0}}},
	"NonNeg":                {"keras.constraints", nil},
	"UnitNorm":              {"keras.constraints", []kv{{"axis", 0}}},
	"MinMaxNorm":            {"keras.constraints", []kv{{"min_value", 0.0}, {"max_value", 1.0}, {"rate", 1.0}, {"axis", 0}}},
}

// nestedObjectTree serializes an initializer, regularizer or constraint
// given as a name, a {"class_name", "config", ...} map or an *ObjectConfig.
func nestedObjectTree(v any, key string) (any, error) {
	var kind string
	switch {
	case strings.HasSuffix(key, "_initializer"):
		kind = "initializer"
	case strings.HasSuffix(key, "_regularizer"):
		kind = "regularizer"
	default:
		kind = "constraint"
	}
	var cls, module string
	var registered any
	cfg := map[string]any{}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		cls = x
	case *ObjectConfig:
		cls, module = x.ClassName, x.Module
		if x.RegisteredName != "" {
			registered = x.RegisteredName
		}
		for k, e := range x.Config {
			cfg[k] = e
		}
	case map[string]any:
		if x["class_name"] == nil {
			// Keras 1 {"name": ...} forms
			var n any
			var err error
			switch kind {
			case "regularizer":
				n, err = normRegularizer(x)
			case "constraint":
				n, err = normConstraint(x)
			default:
				n, err = normInitializer(x)
			}
			if err != nil {
				return nil, err
			}
			nm, ok := n.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: not a Keras object", key)
			}
			x = nm
		}
		cls, _ = x["class_name"].(string)
		module, _ = x["module"].(string)
		registered = x["registered_name"]
		if c, ok := x["config"].(map[string]any); ok {
			for k, e := range c {
				cfg[k] = e
			}
		}
	default:
		return nil, fmt.Errorf("%s is %T, expected a name or an object", key, v)
	}
	if r, _ := registered.(string); r != "" && strings.Contains(r, ">") {
		// a registered custom object: keep what was given
		c, err := sortedObj(cfg, 0)
		if err != nil {
			return nil, err
		}
		return newObj().set("module", module).set("class_name", cls).set("config", c).set("registered_name", r), nil
	}
	switch kind {
	case "initializer":
		if c, ok := initializerClasses[squash(cls)]; ok {
			cls = c
		}
		if cls == "IdentityInitializer" {
			cls = "Identity"
		}
		delete(cfg, "dtype")
	case "regularizer":
		if c, ok := regularizerClasses[squash(cls)]; ok {
			cls = c
		}
	default:
		if c, ok := constraintClasses[squash(cls)]; ok {
			cls = c
		}
		rename(cfg, "m", "max_value")
	}
	if cls == "" {
		return nil, fmt.Errorf("%s has no class name", key)
	}
	def, known := nestedClasses[cls]
	if !known {
		if module == "" {
			module = "keras." + kind + "s"
		}
		c, err := sortedObj(cfg, 0)
		if err != nil {
			return nil, err
		}
		return newObj().set("module", module).set("class_name", cls).set("config", c).set("registered_name", nil), nil
	}
	c := newObj()
	for _, k := range def.keys {
		val, ok := cfg[k.key]
		if !ok {
			val = k.def
		}
		if cls == "MaxNorm" && k.key == "max_value" {
			if f, ok := val.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
				val = int(f)
			}
		}
		t, err := toTree(val, k.key, 0)
		if err != nil {
			return nil, err
		}
		c.set(k.key, t)
	}
	return newObj().set("module", def.module).set("class_name", cls).set("config", c).set("registered_name", nil), nil
}

// optimizerKeys are Keras 3.15.1's optimizer get_config keys: the base keys,
// then per class.
var optimizerBaseKeys = []kv{
	{"name", nil}, {"learning_rate", 0.001}, {"weight_decay", nil}, {"clipnorm", nil}, {"global_clipnorm", nil},
	{"clipvalue", nil}, {"use_ema", false}, {"ema_momentum", 0.99}, {"ema_overwrite_frequency", nil},
	{"loss_scale_factor", nil}, {"gradient_accumulation_steps", nil},
}

var optimizerClassKeys = map[string][]kv{
	"SGD":       {{"momentum", 0.0}, {"nesterov", false}},
	"Adam":      {{"beta_1", 0.9}, {"beta_2", 0.999}, {"epsilon", 1e-7}, {"amsgrad", false}},
	"AdamW":     {{"beta_1", 0.9}, {"beta_2", 0.999}, {"epsilon", 1e-7}, {"amsgrad", false}},
	"RMSprop":   {{"rho", 0.9}, {"momentum", 0.0}, {"epsilon", 1e-7}, {"centered", false}},
	"Adagrad":   {{"initial_accumulator_value", 0.1}, {"epsilon", 1e-7}},
	"Adadelta":  {{"rho", 0.95}, {"epsilon", 1e-7}},
	"Adamax":    {{"beta_1", 0.9}, {"beta_2", 0.999}, {"epsilon", 1e-7}},
	"Nadam":     {{"beta_1", 0.9}, {"beta_2", 0.999}, {"epsilon", 1e-7}},
	"Lion":      {{"beta_1", 0.9}, {"beta_2", 0.99}},
	"Lamb":      {{"beta_1", 0.9}, {"beta_2", 0.999}, {"epsilon", 1e-7}},
	"Ftrl":      {{"learning_rate_power", -0.5}, {"initial_accumulator_value", 0.1}, {"l1_regularization_strength", 0.0}, {"l2_regularization_strength", 0.0}, {"l2_shrinkage_regularization_strength", 0.0}, {"beta", 0.0}},
	"Adafactor": {{"beta_2_decay", -0.8}, {"epsilon_1", 1e-30}, {"epsilon_2", 1e-3}, {"clip_threshold", 1.0}, {"relative_step", true}},
}

// optimizerDefaultLR differs from 0.001 only for SGD.
var optimizerDefaultLR = map[string]float64{"SGD": 0.01}

// optimizerConfigTree writes an optimizer's get_config() in Keras 3.15.1's
// key order with defaults filled in; learning_rate is the float32 value
// Keras stores (float(variable.numpy())) unless it is a schedule.
func optimizerConfigTree(o *ObjectConfig) (string, *jobj, error) {
	cls := normOptimizerClass(o.ClassName)
	if cls == "LossScaleOptimizer" {
		return lossScaleConfigTree(o)
	}
	cfg := map[string]any{}
	for k, v := range o.Config {
		cfg[k] = v
	}
	rename(cfg, "lr", "learning_rate")
	extra, known := optimizerClassKeys[cls]
	out := newObj()
	keys := append(append([]kv(nil), optimizerBaseKeys...), extra...)
	for _, k := range keys {
		v, ok := cfg[k.key]
		if !ok {
			switch k.key {
			case "name":
				v = SnakeCase(cls)
			case "learning_rate":
				v = 0.001
				if lr, ok := optimizerDefaultLR[cls]; ok {
					v = lr
				}
			case "weight_decay":
				if cls == "AdamW" {
					v = 0.004
				} else {
					v = nil
				}
			default:
				v = k.def
			}
		}
		var t any
		var err error
		switch {
		case k.key == "learning_rate":
			switch x := v.(type) {
			case map[string]any, *ObjectConfig:
				t, err = scheduleTree(x)
			case float64:
				t = jfloat(float32(x))
			case float32:
				t = jfloat(x)
			case int:
				t = jfloat(float32(x))
			default:
				t, err = toTree(v, k.key, 0)
			}
		default:
			t, err = toTree(v, k.key, 0)
		}
		if err != nil {
			return "", nil, fmt.Errorf("optimizer %s: %q: %w", cls, k.key, err)
		}
		out.set(k.key, t)
		delete(cfg, k.key)
	}
	if !known {
		for _, k := range sortedKeys(cfg) {
			t, err := toTree(cfg[k], k, 0)
			if err != nil {
				return "", nil, fmt.Errorf("optimizer %s: %q: %w", cls, k, err)
			}
			out.set(k, t)
		}
	}
	return cls, out, nil
}

func scheduleTree(v any) (any, error) {
	switch x := v.(type) {
	case *ObjectConfig:
		return objectTree(x, "keras.optimizers.schedules", 0)
	case map[string]any:
		cls, _ := x["class_name"].(string)
		if cls == "" {
			return nil, fmt.Errorf("learning-rate schedule has no class_name")
		}
		o := &ObjectConfig{ClassName: cls}
		o.Module, _ = x["module"].(string)
		o.RegisteredName, _ = x["registered_name"].(string)
		o.Config, _ = x["config"].(map[string]any)
		return objectTree(o, "keras.optimizers.schedules", 0)
	}
	return nil, fmt.Errorf("learning-rate schedule is %T", v)
}

// objectTree serializes a generic Keras object (loss, metric, schedule) as
// {"module", "class_name", "config", "registered_name"}; config keys are
// written with "name" first, then sorted.
func objectTree(o *ObjectConfig, defModule string, depth int) (*jobj, error) {
	module := o.Module
	if module == "" {
		module = defModule
	}
	var reg any
	if o.RegisteredName != "" && o.RegisteredName != o.ClassName {
		reg = o.RegisteredName
	}
	c, err := nameFirstObj(o.Config, depth)
	if err != nil {
		return nil, err
	}
	return newObj().set("module", module).set("class_name", o.ClassName).set("config", c).set("registered_name", reg), nil
}

func nameFirstObj(m map[string]any, depth int) (*jobj, error) {
	c := newObj()
	if n, ok := m["name"]; ok {
		t, err := toTree(n, "name", depth+1)
		if err != nil {
			return nil, err
		}
		c.set("name", t)
	}
	for _, k := range sortedKeys(m) {
		if k == "name" {
			continue
		}
		t, err := toTree(m[k], k, depth+1)
		if err != nil {
			return nil, err
		}
		c.set(k, t)
	}
	return c, nil
}

// jitCompile is what Keras 3.15.1's compile(jit_compile="auto") resolves to
// and stores: False on the tensorflow backend without accelerators and on
// torch, True on jax and numpy.
func jitCompile(backend string) bool {
	switch backend {
	case "jax", "numpy":
		return true
	}
	return false
}

func lossTree(v any, legacy bool) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return x, nil
	case *ObjectConfig:
		if legacy {
			c, err := nameFirstObj(x.Config, 0)
			if err != nil {
				return nil, err
			}
			return newObj().set("class_name", x.ClassName).set("config", c), nil
		}
		return objectTree(x, "keras.losses", 0)
	}
	return toTree(v, "loss", 0)
}

func metricsTree(ms []any, legacy bool) (any, error) {
	if ms == nil {
		return nil, nil
	}
	out := make([]any, 0, len(ms))
	for _, m := range ms {
		switch x := m.(type) {
		case *ObjectConfig:
			if legacy {
				c, err := nameFirstObj(x.Config, 0)
				if err != nil {
					return nil, err
				}
				out = append(out, newObj().set("class_name", x.ClassName).set("config", c))
				continue
			}
			t, err := objectTree(x, "keras.metrics", 0)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		default:
			t, err := toTree(m, "metrics", 0)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// compileConfigTree is Keras 3's compile_config: {} when uncompiled (Keras
// >= 3.10), else optimizer, loss, loss_weights, metrics, weighted_metrics,
// run_eagerly, steps_per_execution, jit_compile.
func compileConfigTree(m *Model) (*jobj, error) {
	tc := m.Training
	if tc == nil {
		return newObj(), nil
	}
	out := newObj()
	if tc.Optimizer != nil {
		cls, c, err := optimizerConfigTree(tc.Optimizer)
		if err != nil {
			return nil, err
		}
		module := tc.Optimizer.Module
		if module == "" || module == "keras.src.optimizers" {
			module = "keras.optimizers"
		}
		out.set("optimizer", newObj().set("module", module).set("class_name", cls).set("config", c).set("registered_name", nil))
	} else {
		_, c, err := optimizerConfigTree(&ObjectConfig{ClassName: "RMSprop"})
		if err != nil {
			return nil, err
		}
		out.set("optimizer", newObj().set("module", "keras.optimizers").set("class_name", "RMSprop").set("config", c).set("registered_name", nil))
	}
	if err := setTrainingKeys(out, m, false); err != nil {
		return nil, err
	}
	return out, nil
}

func setTrainingKeys(out *jobj, m *Model, legacy bool) error {
	tc := m.Training
	loss, err := lossTree(tc.Loss, legacy)
	if err != nil {
		return fmt.Errorf("loss: %w", err)
	}
	out.set("loss", loss)
	lw, err := toTree(tc.LossWeights, "loss_weights", 0)
	if err != nil {
		return fmt.Errorf("loss_weights: %w", err)
	}
	out.set("loss_weights", lw)
	mt, err := metricsTree(tc.Metrics, legacy)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	out.set("metrics", mt)
	wm, err := metricsTree(tc.WeightedMetrics, legacy)
	if err != nil {
		return fmt.Errorf("weighted_metrics: %w", err)
	}
	out.set("weighted_metrics", wm)
	out.set("run_eagerly", false)
	out.set("steps_per_execution", jint(1))
	out.set("jit_compile", jitCompile(saveBackend(m)))
	return nil
}

// legacyTrainingConfigTree is the "training_config" attribute of a legacy
// .h5 (Keras 3's saving_utils.model_metadata): the compile config without
// the optimizer, then "optimizer_config": {"class_name", "config"}.
func legacyTrainingConfigTree(m *Model) (*jobj, error) {
	out := newObj()
	if err := setTrainingKeys(out, m, true); err != nil {
		return nil, err
	}
	opt := m.Training.Optimizer
	if opt == nil {
		opt = &ObjectConfig{ClassName: "RMSprop"}
	}
	cls, c, err := optimizerConfigTree(opt)
	if err != nil {
		return nil, err
	}
	out.set("optimizer_config", newObj().set("class_name", cls).set("config", c))
	return out, nil
}
