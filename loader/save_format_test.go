package loader

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/kerago/kerago/internal/hdf5"
	"github.com/kerago/kerago/tensor"
)

// TestPyFloatRepr: the expected strings are Python 3.11's json.dumps(v)
// (repr of floats) for each value, printed by /usr/bin/python3.
func TestPyFloatRepr(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{0.0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1.0, "1.0"},
		{0.001, "0.001"},
		{0.0010000000474974513, "0.0010000000474974513"},
		{1e-07, "1e-07"},
		{1e-05, "1e-05"},
		{0.0001, "0.0001"},
		{1e+16, "1e+16"},
		{1000000000000000.0, "1000000000000000.0"},
		{1.2345678901234568e+17, "1.2345678901234568e+17"},
		{1.5e-10, "1.5e-10"},
		{0.1, "0.1"},
		{2.5, "2.5"},
		{100.0, "100.0"},
		{1e+22, "1e+22"},
		{5e-324, "5e-324"},
		{1.7976931348623157e+308, "1.7976931348623157e+308"},
		{-3.14, "-3.14"},
		{0.009999999776482582, "0.009999999776482582"},
		{0.99, "0.99"},
		{12345.678, "12345.678"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
		{9999999999999998.0, "9999999999999998.0"},
		{0.00012345, "0.00012345"},
		{1.2345e-05, "1.2345e-05"},
	} {
		if got := pyFloatRepr(c.v); got != c.want {
			t.Errorf("pyFloatRepr(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

// TestWritePyString: expected text from Python 3.11's json.dumps of the
// same string.
func TestWritePyString(t *testing.T) {
	var sb strings.Builder
	writePyString(&sb, "a\"b\\c\n\t\x01\x7f é 😀 \u2028")
	if want := `"a\"b\\c\n\t\u0001\u007f \u00e9 \ud83d\ude00 \u2028"`; sb.String() != want {
		t.Fatalf("got %s, want %s", sb.String(), want)
	}
	b, err := marshalPy([]any{newObj().set("b", jint(1)).set("a", []any{}), newObj(), nil, true, jfloat(0.5)}, 1)
	if err != nil {
		t.Fatal(err)
	}
	// json.dumps([{"b": 1, "a": []}, {}, None, True, 0.5], indent=1)
	if want := "[\n {\n  \"b\": 1,\n  \"a\": []\n },\n {},\n null,\n true,\n 0.5\n]"; string(b) != want {
		t.Fatalf("got %q, want %q", b, want)
	}
}

func TestFormatFromPath(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		path string
		want Format
	}{
		{"m.keras", FormatKeras}, {"M.KERAS", FormatKeras}, {"a/b/m.weights.h5", FormatWeightsH5},
		{"m.h5", FormatH5}, {"m.hdf5", FormatH5}, {"m.json", FormatJSON}, {"m.yaml", FormatYAML},
		{"m.yml", FormatYAML}, {"m.npz", FormatNPZ}, {"out/", FormatNPYDir}, {"weights", FormatNPYDir},
		{dir, FormatNPYDir},
	} {
		got, err := FormatFromPath(c.path)
		if err != nil || got != c.want {
			t.Errorf("FormatFromPath(%q) = %q, %v; want %q", c.path, got, err, c.want)
		}
	}
	for _, p := range []string{"", "m.txt", "m.pb"} {
		if f, err := FormatFromPath(p); err == nil {
			t.Errorf("FormatFromPath(%q) = %q, want an error", p, f)
		}
	}
}

// TestSaveMinimalConfigs: a model described with only the non-default
// layer arguments (as a user would write Dense(10, activation="relu"),
// dtype as a plain string, initializers by name, ints as Go ints) is
// written with every key Keras 3.15.1 fills in: to_json() equals Keras's
// config.json for cases built with defaults.
func TestSaveMinimalConfigs(t *testing.T) {
	backend := svFixtureBackend(t)
	for _, c := range []string{"mlp_2_10_10_2", "no_bias", "flatten_bn_first", "binary_classifier"} {
		t.Run(c, func(t *testing.T) {
			ref := svLoadSource(t, c, "keras", backend)
			mc := &ModelConfig{ClassName: "Sequential", Name: ref.Config.Name, InputShape: ref.Config.InputShape, InputName: ref.Config.InputName}
			for _, l := range ref.Config.Layers {
				cfg := map[string]any{"dtype": "float32"}
				switch l.ClassName {
				case "Dense":
					cfg["units"] = int(l.Config["units"].(float64))
					if a := l.Config["activation"]; a != "linear" {
						cfg["activation"] = a
					}
					if l.Config["use_bias"] == false {
						cfg["use_bias"] = false
					}
					cfg["kernel_initializer"] = "glorot_uniform"
				case "BatchNormalization":
					for _, k := range []string{"momentum", "epsilon", "center", "scale"} {
						cfg[k] = l.Config[k]
					}
				case "Dropout":
					cfg["rate"] = l.Config["rate"]
				}
				mc.Layers = append(mc.Layers, LayerConfig{ClassName: l.ClassName, Name: l.Name, Config: cfg})
			}
			m := &Model{Config: mc, Training: ref.Training, Backend: backend}
			got, err := MarshalConfigJSON(m)
			if err != nil {
				t.Fatal(err)
			}
			_, files := svReadZip(t, filepath.Join(saveCasesDir, c, "model.keras"))
			noShare := func(path string, a, b any) bool {
				if strings.HasSuffix(path, "#keys") {
					return reflect.DeepEqual(a, b.([]string)[:len(b.([]string))-1]) && b.([]string)[len(b.([]string))-1] == "shared_object_id"
				}
				return false
			}
			if d := svJsonDiffs(t, got, files["config.json"], noShare); d != nil {
				t.Fatalf("to_json() from minimal configs differs from Keras's:\n%s", strings.Join(d, "\n"))
			}
		})
	}
}

// TestSaveOptimizerSlots: Adam state with slots, named as package keras
// names it (iteration, learning_rate, <path with _>_momentum, ...) or by
// index as a .keras file stores it, is written in order under
// optimizer/vars and, in a legacy .h5, as optimizer_weights named
// "<optimizer>/<variable>" like Keras 3 (compare realmodels
// 2024rock__angle-of-internal-friction: 'adam/iteration',
// 'adam/sequential_dense_kernel_momentum', ...).
func TestSaveOptimizerSlots(t *testing.T) {
	backend := svFixtureBackend(t)
	m := svLoadSource(t, "binary_classifier", "keras", backend)
	paths := []string{"binary_classifier/hidden/kernel", "binary_classifier/hidden/bias", "binary_classifier/prob/kernel", "binary_classifier/prob/bias"}
	shapes := [][]int{{5, 16}, {16}, {16, 1}, {1}}
	wantNames := []string{"adam/iteration", "adam/learning_rate"}
	st := &OptimizerState{Layout: "keras3", Names: []string{"iteration", "learning_rate"}}
	st.Arrays = append(st.Arrays, scalar(7), scalar(float32(0.001)))
	for i, p := range paths {
		for _, s := range []string{"momentum", "velocity"} {
			n := strings.ReplaceAll(p, "/", "_") + "_" + s
			tt, _ := tensor.New(shapes[i]...)
			for k := range tt.Data() {
				tt.Data()[k] = float32(len(st.Arrays)) + float32(k)/8
			}
			st.Names = append(st.Names, n)
			st.Arrays = append(st.Arrays, tt)
			wantNames = append(wantNames, "adam/"+n)
		}
	}
	indexed := &OptimizerState{Layout: "keras3", Arrays: st.Arrays}
	for i := range st.Arrays {
		indexed.Names = append(indexed.Names, strconv.Itoa(i))
	}
	dir := t.TempDir()
	for _, state := range []*OptimizerState{st, indexed} {
		m.Optimizer = state
		p := filepath.Join(dir, "m.h5")
		if err := Save(p, m, FormatH5); err != nil {
			t.Fatal(err)
		}
		f, err := hdf5.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		og, err := f.Root().Group("optimizer_weights")
		if err != nil {
			t.Fatal(err)
		}
		a, err := og.Attr("weight_names")
		if err != nil {
			t.Fatal(err)
		}
		names, _ := a.Strings()
		f.Close()
		if !reflect.DeepEqual(names, wantNames) {
			t.Fatalf("weight_names %q\nwant %q", names, wantNames)
		}
		got, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		for i := range st.Arrays {
			if err := svSameTensor(got.Optimizer.Arrays[i], st.Arrays[i]); err != nil {
				t.Fatalf("variable %d: %v", i, err)
			}
		}
		kp := filepath.Join(dir, "m.keras")
		if err := Save(kp, m, FormatKeras); err != nil {
			t.Fatal(err)
		}
		got, err = Load(kp)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Optimizer.Arrays) != len(st.Arrays) || got.Optimizer.Names[9] != "9" {
			t.Fatalf("optimizer/vars: %v", got.Optimizer.Names)
		}
		for i := range st.Arrays {
			if err := svSameTensor(got.Optimizer.Arrays[i], st.Arrays[i]); err != nil {
				t.Fatalf("variable %d: %v", i, err)
			}
		}
	}
	// a compiled model without optimizer state gets a fresh optimizer's
	// [iteration, learning_rate], as Keras writes before the first step
	m.Optimizer = nil
	p := filepath.Join(dir, "fresh.weights.h5")
	if err := Save(p, m, FormatWeightsH5); err != nil {
		t.Fatal(err)
	}
	got, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Optimizer.Arrays) != 2 || got.Optimizer.Arrays[0].Data()[0] != 0 || got.Optimizer.Arrays[1].Data()[0] != float32(0.001) {
		t.Fatalf("fresh optimizer state %v", got.Optimizer.Arrays)
	}
}

// TestSaveErrors: bad input gives an error naming the problem, and no file.
func TestSaveErrors(t *testing.T) {
	backend := svFixtureBackend(t)
	dir := t.TempDir()
	good := svLoadSource(t, "mlp_2_10_10_2", "keras", backend)
	badShape := *good
	badShape.Weights = &Weights{Layout: LayoutKeras3}
	for _, lw := range good.Weights.Layers {
		badShape.Weights.Layers = append(badShape.Weights.Layers, lw)
	}
	k, _ := tensor.New(3, 10)
	badShape.Weights.Layers[0] = LayerWeights{Name: "dense", Arrays: []*tensor.Tensor{k, good.Weights.Layers[0].Arrays[1]}}
	dupCfg := *good.Config
	dupCfg.Layers = append([]LayerConfig(nil), good.Config.Layers...)
	dupCfg.Layers[1].Name = dupCfg.Layers[0].Name
	dup := *good
	dup.Config = &dupCfg
	noW := *good
	noW.Weights = nil
	custom := *good
	cc := *good.Config
	cc.ClassName = "MyModel"
	custom.Config = &cc
	for _, c := range []struct {
		name   string
		m      *Model
		f      Format
		substr string
	}{
		{"nil model", nil, FormatKeras, "no config"},
		{"weights only", &Model{Weights: good.Weights}, FormatNPZ, "no config"},
		{"kernel shape", &badShape, FormatKeras, `layer "dense_1" (Dense): kernel shape [3 10], want [2 10]`},
		{"duplicate names", &dup, FormatJSON, `two layers are named "dense_1"`},
		{"no weights", &noW, FormatH5, "no weights"},
		{"custom class", &custom, FormatJSON, `model class "MyModel"`},
		{"npy format", good, FormatNPY, "single .npy"},
		{"unknown format", good, Format("onnx"), `unknown format "onnx"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, "out.keras")
			err := Save(p, c.m, c.f)
			if err == nil || !strings.Contains(err.Error(), c.substr) {
				t.Fatalf("error %v, want one containing %q", err, c.substr)
			}
			if c.name == "custom class" && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %v does not wrap ErrUnsupported", err)
			}
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error %v does not name the path", err)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Fatalf("left %d entries", len(ents))
			}
		})
	}
	// a directory that holds other files is not replaced
	out := filepath.Join(dir, "mine")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "notes.txt"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Save(out, good, FormatNPYDir); err == nil || !strings.Contains(err.Error(), "notes.txt") {
		t.Fatalf("error %v, want a refusal naming notes.txt", err)
	}
	if b, err := os.ReadFile(filepath.Join(out, "notes.txt")); err != nil || string(b) != "keep" {
		t.Fatalf("notes.txt: %q %v", b, err)
	}
	// a file format over a directory fails and keeps the directory
	if err := Save(out, good, FormatKeras); err == nil {
		t.Fatal("saving a .keras over a directory succeeded")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("left %d entries", len(ents))
	}
}

// TestSaveYAML: the YAML holds the to_json() tree plus keras_version and
// backend, keys sorted (PyYAML's yaml.dump default), floats in PyYAML's
// form, strings that look like other types quoted; it loads back.
func TestSaveYAML(t *testing.T) {
	backend := svFixtureBackend(t)
	m := svLoadSource(t, "multiclass_classifier", "keras", backend)
	y, err := marshalConfigYAML(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"backend: numpy\n", "keras_version: 3.15.1\n", "epsilon: 1.0e-07\n", "learning_rate: 0.0010000000474974513\n", "class_name: Sequential\n"} {
		if !bytes.Contains(y, []byte(want)) {
			t.Errorf("YAML lacks %q", want)
		}
	}
	if i, j := bytes.Index(y, []byte("backend:")), bytes.Index(y, []byte("build_config:")); i < 0 || j < 0 || i > j {
		t.Errorf("top-level keys not sorted")
	}
	// strings that YAML would read as other types stay strings
	mc := *m.Config
	mc.Layers = append([]LayerConfig(nil), m.Config.Layers...)
	for i, n := range []string{"true", "1.5"} {
		c := map[string]any{}
		for k, v := range mc.Layers[i].Config {
			c[k] = v
		}
		c["name"] = n
		mc.Layers[i].Name, mc.Layers[i].Config = n, c
	}
	m2 := *m
	m2.Config = &mc
	p := filepath.Join(t.TempDir(), "m.yaml")
	if err := Save(p, &m2, FormatYAML); err != nil {
		t.Fatal(err)
	}
	got, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := svConfigEqual(&mc, got.Config); err != nil {
		t.Fatal(err)
	}
}

// TestSaveFunctionalNoInput: a Functional model must know its input shape.
func TestSaveFunctionalNoInput(t *testing.T) {
	m := &Model{Config: &ModelConfig{ClassName: "Functional", Name: "f", Layers: []LayerConfig{{ClassName: "Activation", Name: "a", Config: map[string]any{"activation": "relu"}}}}}
	if _, err := MarshalConfigJSON(m); err == nil || !strings.Contains(err.Error(), "no input shape") {
		t.Fatalf("error %v", err)
	}
	// a Sequential without an input shape is written unbuilt, as Keras does
	m.Config.ClassName = "Sequential"
	b, err := MarshalConfigJSON(m)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("InputLayer")) || bytes.Contains(b, []byte("build_config")) || bytes.Contains(b, []byte("build_input_shape")) {
		t.Fatalf("unbuilt Sequential: %s", b)
	}
}

// TestSaveRealModels saves every real Keras 1/2/3 model file of
// testdata/realmodels (collected from public projects; see that
// folder's PROVENANCE) that holds a config and weights in every format and
// loads it back: the weights come back bit for bit; every layer keeps its
// class, name and every config value the original stated (the writer only
// adds the keys Keras 3.15.1 fills in); and saving the reloaded model again
// writes the same config text (the upgrade to Keras 3's schema is a fixed
// point).
func TestSaveRealModels(t *testing.T) {
	files, err := filepath.Glob("../testdata/realmodels/*/*")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	n := 0
	for _, f := range files {
		if !(strings.HasSuffix(f, ".h5") || strings.HasSuffix(f, ".keras")) || strings.Contains(f, "inputs_and_outputs") {
			continue
		}
		m, err := Load(f)
		if err != nil || m.Config == nil || m.Weights == nil {
			continue // not a full model kerago runs (covered by the reader tests)
		}
		counts := make([]int, len(m.Config.Layers))
		for i, l := range m.Config.Layers {
			vn, _, _, _ := layerVarNames(l)
			counts[i] = len(vn)
		}
		src, err := AlignWeights(m.Config, m.Weights, counts)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		n++
		for _, out := range []string{"m.keras", "m.h5", "m.weights.h5", "m.json", "m.npz", "w"} {
			t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f)+"/"+out, func(t *testing.T) {
				ff, _ := FormatFromPath(out)
				p := filepath.Join(dir, out)
				defer os.RemoveAll(p)
				if err := save(p, m, ff, saveHooks{noSync: true}); err != nil {
					t.Fatal(err)
				}
				g, err := Load(p)
				if err != nil {
					t.Fatal(err)
				}
				if g.Weights != nil {
					got, err := AlignWeights(m.Config, g.Weights, counts)
					if err != nil {
						t.Fatal(err)
					}
					for i := range src {
						for j := range src[i] {
							if err := svSameTensor(got[i][j], src[i][j]); err != nil {
								t.Fatalf("layer %q variable %d: %v", m.Config.Layers[i].Name, j, err)
							}
						}
					}
				}
				if g.Config == nil {
					return
				}
				if len(g.Config.Layers) != len(m.Config.Layers) || !reflect.DeepEqual(g.Config.InputShape, m.Config.InputShape) {
					t.Fatalf("%d layers, input %v; want %d, %v", len(g.Config.Layers), g.Config.InputShape, len(m.Config.Layers), m.Config.InputShape)
				}
				for i, l := range m.Config.Layers {
					gl := g.Config.Layers[i]
					// Classes Keras 3 dropped are written as its replacement.
					l = keras3Layer(l)
					if gl.ClassName != l.ClassName || gl.Name != l.Name {
						t.Fatalf("layer %d: %s %q, want %s %q", i, gl.ClassName, gl.Name, l.ClassName, l.Name)
					}
					for k, v := range l.Config {
						if !reflect.DeepEqual(gl.Config[k], v) && !subsetOf(v, gl.Config[k]) {
							t.Fatalf("layer %q: %q = %v, want %v", l.Name, k, gl.Config[k], v)
						}
					}
				}
				a, err := MarshalConfigJSON(m)
				if err != nil {
					t.Fatal(err)
				}
				b, err := MarshalConfigJSON(g)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(a, b) {
					t.Fatalf("saving the reloaded model gives another config:\n%s\n%s", a, b)
				}
			})
		}
	}
	if n < 20 {
		t.Fatalf("only %d real models with config and weights", n)
	}
}

// subsetOf tells whether every key of a (a nested Keras object such as an
// initializer) is in b with the same value; b may have more keys.
func subsetOf(a, b any) bool {
	am, ok1 := a.(map[string]any)
	bm, ok2 := b.(map[string]any)
	if !ok1 || !ok2 {
		return reflect.DeepEqual(a, b)
	}
	for k, v := range am {
		if !subsetOf(v, bm[k]) {
			return false
		}
	}
	return true
}
