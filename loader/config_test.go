package loader

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func parseOK(t *testing.T, js string) (*ModelConfig, *TrainingConfig) {
	t.Helper()
	mc, tc, err := ParseConfigJSON("test.json", []byte(js))
	if err != nil {
		t.Fatalf("ParseConfigJSON: %v", err)
	}
	return mc, tc
}

func init1(cls string) map[string]any {
	return map[string]any{"class_name": cls, "config": map[string]any{}}
}

// TestNormalizeKeras1 checks the Keras 1 → Keras 3 key table of spec §1.5
// (output_dim→units, init→kernel_initializer, W_/b_ regularizers and
// constraints, bias→use_bias, p→rate, input_dim → input shape).
func TestNormalizeKeras1(t *testing.T) {
	mc, _ := parseOK(t, `{"class_name": "Sequential", "config": [
	 {"class_name": "Dense", "config": {"name": "dense_1", "trainable": true, "input_dim": 4, "input_dtype": "float32",
	   "output_dim": 6, "init": "glorot_uniform", "activation": "relu", "bias": false,
	   "W_regularizer": {"l2": 0.01, "name": "WeightRegularizer", "l1": 0.0}, "b_regularizer": null,
	   "activity_regularizer": null, "W_constraint": {"name": "MaxNorm", "m": 2, "axis": 0}, "b_constraint": null}},
	 {"class_name": "Dropout", "config": {"p": 0.25, "trainable": true, "name": "dropout_1"}},
	 {"class_name": "BatchNormalization", "config": {"name": "bn", "epsilon": 0.001, "mode": 0, "axis": -1, "momentum": 0.99,
	   "beta_init": "zero", "gamma_init": "one", "gamma_regularizer": null, "beta_regularizer": null}},
	 {"class_name": "LeakyReLU", "config": {"name": "lr", "alpha": 0.1}},
	 {"class_name": "PReLU", "config": {"name": "pr", "init": "zero"}},
	 {"class_name": "ELU", "config": {"name": "elu", "alpha": 0.7}},
	 {"class_name": "ThresholdedReLU", "config": {"name": "tr", "theta": 0.5}},
	 {"class_name": "Reshape", "config": {"name": "rs", "target_shape": [2, 3]}},
	 {"class_name": "Flatten", "config": {"name": "fl"}},
	 {"class_name": "Activation", "config": {"name": "act", "activation": "softmax"}}]}`)
	if mc.KerasMajor != 1 {
		t.Errorf("KerasMajor %d, want 1 (Keras 1 keys, no version)", mc.KerasMajor)
	}
	if !reflect.DeepEqual(mc.InputShape, []int{4}) || mc.InputDType != "float32" || mc.Name != "sequential" || mc.ClassName != "Sequential" {
		t.Errorf("input %v %q, name %q %q", mc.InputShape, mc.InputDType, mc.Name, mc.ClassName)
	}
	d := mc.Layers[0].Config
	want := map[string]any{
		"name": "dense_1", "trainable": true, "dtype": "float32", "units": 6.0, "activation": "relu", "use_bias": false,
		"kernel_initializer": map[string]any{"class_name": "GlorotUniform", "config": map[string]any{}},
		"bias_initializer":   map[string]any{"class_name": "Zeros", "config": map[string]any{}},
		"kernel_regularizer": map[string]any{"class_name": "L1L2", "config": map[string]any{"l1": 0.0, "l2": 0.01}},
		"bias_regularizer":   nil,
		"kernel_constraint":  map[string]any{"class_name": "MaxNorm", "config": map[string]any{"max_value": 2.0, "axis": 0.0}},
		"bias_constraint":    nil,
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("Dense config\n got %v\nwant %v", d, want)
	}
	if r := mc.Layers[1].Config["rate"]; r != 0.25 {
		t.Errorf("Dropout rate %v", r)
	}
	bn := mc.Layers[2].Config
	if bn["axis"] != -1.0 || bn["center"] != true || bn["scale"] != true || bn["mode"] != nil ||
		!reflect.DeepEqual(bn["beta_initializer"], init1("Zeros")) || !reflect.DeepEqual(bn["gamma_initializer"], init1("Ones")) ||
		!reflect.DeepEqual(bn["moving_variance_initializer"], init1("Ones")) {
		t.Errorf("BatchNormalization config %v", bn)
	}
	if mc.Layers[3].Config["negative_slope"] != 0.1 || mc.Layers[3].Config["alpha"] != nil {
		t.Errorf("LeakyReLU config %v", mc.Layers[3].Config)
	}
	if !reflect.DeepEqual(mc.Layers[4].Config["alpha_initializer"], init1("Zeros")) {
		t.Errorf("PReLU config %v", mc.Layers[4].Config)
	}
	if mc.Layers[5].Config["alpha"] != 0.7 || mc.Layers[6].Config["theta"] != 0.5 {
		t.Errorf("ELU/ThresholdedReLU %v %v", mc.Layers[5].Config, mc.Layers[6].Config)
	}
	if !reflect.DeepEqual(mc.Layers[7].Config["target_shape"], []any{2.0, 3.0}) {
		t.Errorf("Reshape %v", mc.Layers[7].Config)
	}
	if mc.Layers[9].Config["activation"] != "softmax" {
		t.Errorf("Activation %v", mc.Layers[9].Config)
	}
}

// TestNormalizeKeras2And3 covers tf.keras / Keras 3 forms: Policy and
// DTypePolicy dicts, initializer configs with dtype, VarianceScaling
// "normal", one-element BN axis lists, LeakyReLU defaults, and Keras 3
// module/registered_name envelopes.
func TestNormalizeKeras2And3(t *testing.T) {
	mc, _ := parseOK(t, `{"class_name": "Sequential", "keras_version": "2.4.0", "config": {"name": "m", "layers": [
	 {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 8, 2], "dtype": "float32", "name": "in"}},
	 {"class_name": "Dense", "config": {"name": "d", "units": 3, "dtype": {"class_name": "Policy", "config": {"name": "mixed_float16"}},
	   "kernel_initializer": {"class_name": "VarianceScaling", "config": {"scale": 2.0, "mode": "fan_in", "distribution": "normal", "seed": null, "dtype": "float32"}},
	   "bias_initializer": {"class_name": "Zeros", "config": {"dtype": "float32"}}}},
	 {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": [2]}},
	 {"class_name": "LayerNormalization", "config": {"name": "ln", "axis": [-1]}},
	 {"class_name": "LeakyReLU", "config": {"name": "lr"}},
	 {"module": "keras.layers", "class_name": "ReLU", "config": {"name": "relu", "max_value": 6.0,
	   "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}}, "registered_name": null}
	]}}`)
	if mc.KerasMajor != 2 {
		t.Errorf("KerasMajor %d, want 2 (keras_version 2.4.0)", mc.KerasMajor)
	}
	if !reflect.DeepEqual(mc.InputShape, []int{8, 2}) || mc.InputName != "in" {
		t.Errorf("input %v %q", mc.InputShape, mc.InputName)
	}
	d := mc.Layers[0].Config
	if d["dtype"] != "mixed_float16" || ComputeDType(d["dtype"].(string)) != "float16" {
		t.Errorf("dtype %v", d["dtype"])
	}
	wantK := map[string]any{"class_name": "VarianceScaling", "config": map[string]any{"scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal", "seed": nil}}
	if !reflect.DeepEqual(d["kernel_initializer"], wantK) || !reflect.DeepEqual(d["bias_initializer"], init1("Zeros")) {
		t.Errorf("initializers %v %v", d["kernel_initializer"], d["bias_initializer"])
	}
	if d["activation"] != "linear" || d["use_bias"] != true {
		t.Errorf("Dense defaults %v", d)
	}
	if mc.Layers[1].Config["axis"] != 2.0 {
		t.Errorf("BN axis %v, want 2", mc.Layers[1].Config["axis"])
	}
	if !reflect.DeepEqual(mc.Layers[2].Config["axis"], []any{-1.0}) {
		t.Errorf("LN axis %v, want [-1]", mc.Layers[2].Config["axis"])
	}
	if mc.Layers[3].Config["negative_slope"] != 0.3 {
		t.Errorf("LeakyReLU default slope %v", mc.Layers[3].Config["negative_slope"])
	}
	if mc.Layers[4].Config["dtype"] != "float32" || mc.Layers[4].Config["max_value"] != 6.0 {
		t.Errorf("ReLU %v", mc.Layers[4].Config)
	}
	// The raw config is untouched by normalization.
	raw := mc.Raw["config"].(map[string]any)["layers"].([]any)[1].(map[string]any)["config"].(map[string]any)
	if _, ok := raw["dtype"].(map[string]any); !ok {
		t.Error("normalization changed Raw")
	}
}

func TestKerasMajorClues(t *testing.T) {
	cases := []struct {
		js   string
		want int
	}{
		{`{"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 2], "name": "i"}, "registered_name": null}, {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 1}, "registered_name": null}]}, "registered_name": null}`, 3},
		{`{"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"name": "d", "output_dim": 1, "input_dim": 3}}]}`, 1},
		{`{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 1, "batch_input_shape": [null, 3]}}]}}`, 2},
		{`{"class_name": "Sequential", "keras_version": "3.1.0", "config": {"name": "s", "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 1}}]}}`, 3},
	}
	for i, c := range cases {
		mc, _ := parseOK(t, c.js)
		if mc.KerasMajor != c.want {
			t.Errorf("case %d: KerasMajor %d, want %d", i, mc.KerasMajor, c.want)
		}
	}
}

// TestFunctionalGraphs reads graphs in Keras 2 and Keras 3 node syntax:
// branches, merges, shared layers and several outputs become Inbound
// references; cycles and references to calls that do not exist fail.
func TestFunctionalGraphs(t *testing.T) {
	k3 := func(src string) string {
		return `[{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 2], "dtype": "float32", "keras_history": ["` + src + `", 0, 0]}}], "kwargs": {}}]`
	}
	// Keras 3, layers listed out of order: the call order follows the graph.
	mc, _ := parseOK(t, `{"class_name": "Functional", "config": {"name": "f", "layers": [
	  {"class_name": "Dense", "name": "b", "config": {"name": "b", "units": 1}, "inbound_nodes": `+k3("a")+`},
	  {"class_name": "InputLayer", "name": "in", "config": {"batch_shape": [null, 2], "name": "in"}, "inbound_nodes": []},
	  {"class_name": "Dense", "name": "a", "config": {"name": "a", "units": 3}, "inbound_nodes": `+k3("in")+`}],
	  "input_layers": ["in", 0, 0], "output_layers": [["b", 0, 0]]}}`)
	order, err := mc.CallOrder()
	if err != nil || len(order) != 2 || mc.Layers[order[0].Layer].Name != "a" || mc.Layers[order[1].Layer].Name != "b" || !reflect.DeepEqual(mc.InputShape, []int{2}) {
		t.Fatalf("order %v (%v) of %+v", order, err, mc)
	}
	in := `{"class_name": "InputLayer", "name": "in", "config": {"batch_input_shape": [null, 2], "name": "in"}, "inbound_nodes": []}`
	dense := func(name, nodes string) string {
		return `{"class_name": "Dense", "name": "` + name + `", "config": {"name": "` + name + `", "units": 2}, "inbound_nodes": ` + nodes + `}`
	}
	model := func(outs string, layers ...string) string {
		return `{"class_name": "Model", "config": {"name": "m", "layers": [` + strings.Join(layers, ",") + `], "input_layers": [["in", 0, 0]], "output_layers": ` + outs + `}}`
	}
	good := []struct {
		name, js string
		outs     []TensorRef
		inbound  map[string][][]TensorRef
	}{
		{"two outputs", model(`[["a", 0, 0], ["b", 0, 0]]`, in, dense("a", `[[["in", 0, 0, {}]]]`), dense("b", `[[["in", 0, 0, {}]]]`)),
			[]TensorRef{{"a", 0, 0}, {"b", 0, 0}}, nil},
		{"merge", model(`[["c", 0, 0]]`, in, dense("a", `[[["in", 0, 0, {}]]]`), dense("b", `[[["in", 0, 0, {}]]]`),
			`{"class_name": "Add", "name": "c", "config": {"name": "c"}, "inbound_nodes": [[["a", 0, 0, {}], ["b", 0, 0, {}]]]}`),
			[]TensorRef{{"c", 0, 0}}, map[string][][]TensorRef{"c": {{{"a", 0, 0}, {"b", 0, 0}}}}},
		{"shared layer", model(`[["b", 0, 0]]`, in, dense("a", `[[["in", 0, 0, {}]], [["a", 0, 0, {}]]]`), dense("b", `[[["a", 1, 0, {}]]]`)),
			[]TensorRef{{"b", 0, 0}}, map[string][][]TensorRef{"a": {{{"in", 0, 0}}, {{"a", 0, 0}}}, "b": {{{"a", 1, 0}}}}},
	}
	for _, c := range good {
		t.Run(c.name, func(t *testing.T) {
			mc, _ := parseOK(t, c.js)
			if !reflect.DeepEqual(mc.Outputs, c.outs) {
				t.Errorf("outputs %v, want %v", mc.Outputs, c.outs)
			}
			for _, l := range mc.Layers {
				if want, ok := c.inbound[l.Name]; ok && !reflect.DeepEqual(l.Inbound, want) {
					t.Errorf("layer %q inbound %v, want %v", l.Name, l.Inbound, want)
				}
			}
			if _, err := mc.CallOrder(); err != nil {
				t.Error(err)
			}
		})
	}
	bad := []struct {
		name, js, want string
	}{
		{"second call output", model(`[["b", 0, 0]]`, in, dense("a", `[[["in", 0, 0, {}]]]`), dense("b", `[[["a", 1, 0, {}]]]`)), "call 1"},
		{"cycle", model(`[["a", 0, 0]]`, in, dense("a", `[[["b", 0, 0, {}]]]`), dense("b", `[[["a", 0, 0, {}]]]`)), "cycle"},
		{"no input", model(`[["a", 0, 0]]`, in, dense("a", `[]`)), "called 0 times"},
		{"unknown layer", model(`[["z", 0, 0]]`, in, dense("a", `[[["in", 0, 0, {}]]]`)), `"z"`},
		{"constant", model(`[["a", 0, 0]]`, in, dense("a", `[[["_CONSTANT_VALUE", -1, 2.0, {}]]]`)), "constant"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ParseConfigJSON("graph.json", []byte(c.js))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "graph.json") {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
}

func TestUnsupportedLayers(t *testing.T) {
	cases := []struct {
		name, layer, want string
	}{
		{"tf op", `{"class_name": "TFOpLambda", "config": {"name": "op", "function": "math.add"}}`, `"op" has class "TFOpLambda"`},
		{"custom", `{"module": "my_pkg", "class_name": "MyDense", "config": {"name": "md"}, "registered_name": "my_pkg>MyDense"}`, "custom"},
		{"custom name", `{"class_name": "Custom>Thing", "config": {"name": "t"}}`, "custom"},
		{"lambda", `{"class_name": "Lambda", "config": {"name": "lam", "function": "evil"}}`, `"Lambda"`},
		{"bn mode 2", `{"class_name": "BatchNormalization", "config": {"name": "bn", "mode": 2}}`, "mode=2"},
		{"quantized dense", `{"class_name": "Dense", "config": {"name": "q", "units": 2, "dtype": {"module": "keras", "class_name": "QuantizedDTypePolicy", "config": {"name": "int8_from_float32"}}}}`, "quantized"},
		{"lora", `{"class_name": "Dense", "config": {"name": "l", "units": 2, "lora_rank": 4}}`, "LoRA"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			js := `{"class_name": "Sequential", "config": {"name": "s", "layers": [` + c.layer + `]}}`
			_, _, err := ParseConfigJSON("m.json", []byte(js))
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %v does not wrap ErrUnsupported", err)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "m.json") {
				t.Errorf("error %q does not mention %q and the file", err, c.want)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	deep := strings.Repeat("[", 200000) + strings.Repeat("]", 200000)
	cases := []struct {
		name, js, want string
	}{
		{"empty", ``, "invalid JSON"},
		{"number", `3`, "top level is a number"},
		{"no class", `{"foo": 1}`, "not a Keras model config"},
		{"truncated", `{"class_name": "Sequential", "config": {"layers": [`, "invalid JSON"},
		{"trailing", `{"class_name": "Sequential", "config": []} {}`, "after the top-level value"},
		{"deep", deep, "invalid JSON"},
		{"layers not list", `{"class_name": "Sequential", "config": {"layers": 3}}`, `"layers" is a number`},
		{"layer not object", `{"class_name": "Sequential", "config": [3]}`, "layer 0 is a number"},
		{"units string", `{"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"name": "d", "units": "many"}}]}`, `"units" is many`},
		{"units fraction", `{"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"name": "d", "units": 2.5}}]}`, `"units" is 2.5`},
		{"bad shape", `{"class_name": "Sequential", "config": [{"class_name": "InputLayer", "config": {"name": "i", "batch_input_shape": [null, -3]}}]}`, "dimension 0 is -3"},
		{"dup names", `{"class_name": "Sequential", "config": [{"class_name": "Dropout", "config": {"name": "d", "rate": 0.1}}, {"class_name": "Dropout", "config": {"name": "d", "rate": 0.1}}]}`, "two layers are named"},
		{"input later", `{"class_name": "Sequential", "config": [{"class_name": "Dropout", "config": {"name": "d", "rate": 0.1}}, {"class_name": "InputLayer", "config": {"name": "i"}}]}`, "can only come first"},
		{"unknown model class", `{"class_name": "MyModel", "config": {}}`, "not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ParseConfigJSON("c.json", []byte(c.js))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "loader: c.json: ") {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

// Python's json.dumps writes NaN and Infinity; they must parse, and the
// same words inside strings must stay strings.
func TestPythonNonFiniteFloats(t *testing.T) {
	mc, _ := parseOK(t, `{"class_name": "Sequential", "config": {"name": "NaN Infinity", "layers": [
	  {"class_name": "ReLU", "config": {"name": "r\"NaN", "max_value": Infinity, "threshold": -Infinity, "negative_slope": NaN}}]}}`)
	c := mc.Layers[0].Config
	if !math.IsInf(c["max_value"].(float64), 1) || !math.IsInf(c["threshold"].(float64), -1) || !math.IsNaN(c["negative_slope"].(float64)) {
		t.Errorf("non-finite values %v", c)
	}
	if mc.Name != "NaN Infinity" || mc.Layers[0].Name != `r"NaN` {
		t.Errorf("strings changed: %q %q", mc.Name, mc.Layers[0].Name)
	}
}

func TestTrainingConfigForms(t *testing.T) {
	tc, err := ParseTrainingConfigJSON("t", []byte(`{"optimizer_config": {"class_name": "Custom>Adam", "config": {"name": "Adam", "lr": 0.01, "is_legacy_optimizer": false}},
	  "loss": {"dense_2": "mse"}, "metrics": {"dense_2": ["mae", {"class_name": "AUC", "config": {"name": "auc"}}]}, "loss_weights": null}`))
	if err != nil {
		t.Fatal(err)
	}
	if tc.Optimizer.ClassName != "Adam" || tc.Optimizer.Config["learning_rate"] != 0.01 || tc.Optimizer.Config["lr"] != nil {
		t.Errorf("optimizer %+v", tc.Optimizer)
	}
	if tc.Loss != "mse" || len(tc.Metrics) != 2 || tc.Metrics[0] != "mae" || tc.Metrics[1].(*ObjectConfig).ClassName != "AUC" {
		t.Errorf("loss %v metrics %v", tc.Loss, tc.Metrics)
	}
	tc, err = ParseTrainingConfigJSON("t", []byte(`{"optimizer": "rmsprop", "loss": {"module": "keras.losses", "class_name": "Huber", "config": {"delta": 2.0}, "registered_name": null}}`))
	if err != nil {
		t.Fatal(err)
	}
	if tc.Optimizer.ClassName != "RMSprop" || tc.Loss.(*ObjectConfig).ClassName != "Huber" || tc.Loss.(*ObjectConfig).Module != "keras.losses" {
		t.Errorf("%+v %+v", tc.Optimizer, tc.Loss)
	}
	if tc, err := ParseTrainingConfigJSON("t", []byte(`{}`)); tc != nil || err != nil {
		t.Errorf("empty compile_config gives %v %v", tc, err)
	}
	tc, err = ParseTrainingConfigJSON("t", []byte(`{"loss": ["mse", {"class_name": "Huber", "config": {}}], "metrics": [["mae"], ["accuracy", "mse"]]}`))
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := tc.Loss.([]any); !ok || len(l) != 2 || l[0] != "mse" || l[1].(*ObjectConfig).ClassName != "Huber" {
		t.Errorf("per-output losses %#v", tc.Loss)
	}
	if om, ok := tc.OutputMetrics.([]any); !ok || len(om) != 2 || len(om[1].([]any)) != 2 {
		t.Errorf("per-output metrics %#v", tc.OutputMetrics)
	}
	if _, err := ParseTrainingConfigJSON("t", []byte(`{"loss": [["a"], "b"]}`)); err == nil {
		t.Error("nested loss lists accepted")
	}
}

// TestSnakeCase compares with Keras's to_snake_case as run by Python
// (expected.json).
func TestSnakeCase(t *testing.T) {
	e := expected(t).SnakeCase
	if len(e) < 20 {
		t.Fatal("too few snake_case references")
	}
	for in, want := range e {
		if got := SnakeCase(in); got != want {
			t.Errorf("SnakeCase(%q) = %q, Keras gives %q", in, got, want)
		}
	}
	cfg := &ModelConfig{Layers: []LayerConfig{{ClassName: "Dense"}, {ClassName: "LeakyReLU"}, {ClassName: "Dense"}, {ClassName: "LeakyReLU"}, {ClassName: "Dense"}}}
	if got := Keras3GroupNames(cfg); !reflect.DeepEqual(got, []string{"dense", "leaky_re_lu", "dense_1", "leaky_re_lu_1", "dense_2"}) {
		t.Errorf("group names %v", got)
	}
}

// TestYAMLMatchesJSON parses YAML written by PyYAML from realmodels JSON
// configs (testdata/loader/yaml) and expects the same normalized config.
func TestYAMLMatchesJSON(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(td, "yaml", "SOURCES.txt"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		yml, src := f[0], f[2]
		t.Run(yml, func(t *testing.T) {
			ym, err := Load(filepath.Join(td, "yaml", yml))
			if err != nil {
				t.Fatal(err)
			}
			if ym.Format != FormatYAML {
				t.Errorf("format %q", ym.Format)
			}
			// SOURCES.txt names the JSON as ../realmodels/... (relative to the
			// yaml folder, as gen_yaml.py ran); the shared copy is used.
			jm, err := Load(tdPath(strings.TrimPrefix(src, "../")))
			if err != nil {
				t.Fatal(err)
			}
			a, c := *ym.Config, *jm.Config
			a.Raw, c.Raw = nil, nil
			if !reflect.DeepEqual(a, c) {
				t.Errorf("YAML and JSON configs differ:\n%s", configDiff(&a, &c))
			}
			if ym.KerasVersion != jm.KerasVersion {
				t.Errorf("keras_version %q vs %q", ym.KerasVersion, jm.KerasVersion)
			}
			n++
		})
	}
	if n < 5 {
		t.Errorf("only %d YAML files", n)
	}
}

func TestYAMLHostile(t *testing.T) {
	laughs := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := range 12 {
		name := string(rune('b' + i))
		laughs += name + ": &" + name + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
		prev = name
	}
	cases := []struct{ name, y, want string }{
		{"python object", "class_name: Sequential\nconfig: !!python/object/apply:os.system ['echo hi']\n", "never executes"},
		{"python name", "class_name: !!python/name:os.system ''\nconfig: []\n", "never executes"},
		{"billion laughs", laughs, "YAML"},
		{"not yaml", "class_name: [unclosed\n", "invalid YAML"},
		{"empty", "", "empty"},
		{"scalar", "hello\n", "top level is a string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ParseConfigYAML("x.yaml", []byte(c.y))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

func TestBuildInputShape(t *testing.T) {
	m, err := Load(filepath.Join(sharedTD, "keras-cases", "norm_dropout_flatten", "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	// build_config input_shape in model.json: [null, 4, 3] for the first
	// Dense, [null, 20] for dense_1 (after Flatten).
	if got := m.Config.Layers[0].BuildInputShape; !reflect.DeepEqual(got, []int{4, 3}) {
		t.Errorf("dense_last_axis BuildInputShape %v", got)
	}
	if got := m.Config.Layers[3].BuildInputShape; m.Config.Layers[3].Name != "dense_1" || !reflect.DeepEqual(got, []int{20}) {
		t.Errorf("%s BuildInputShape %v", m.Config.Layers[3].Name, got)
	}
	k1, _ := parseOK(t, `{"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"name": "d", "output_dim": 1, "input_dim": 3}}]}`)
	if k1.Layers[0].BuildInputShape != nil {
		t.Errorf("Keras 1 layer has BuildInputShape %v", k1.Layers[0].BuildInputShape)
	}
}
