package loader

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kerago/kerago/tensor"
)

// Fixtures: testdata/loader (see PROVENANCE.md there). expected.json is
// written by gen_expected.py with h5py/zipfile/json, independently of this
// package.
const td = "../testdata/loader"

// sharedTD holds the fixtures every package shares: keras-cases (Keras
// 3.15.1) and realmodels (public projects), see testdata/PROVENANCE.md.
const sharedTD = "../testdata"

// tdPath maps a fixture path relative to the test data ("keras-cases/...",
// "realmodels/...", or a loader-only fixture) to its file.
func tdPath(rel string) string {
	if strings.HasPrefix(rel, "keras-cases/") || strings.HasPrefix(rel, "realmodels/") {
		return filepath.Join(sharedTD, rel)
	}
	return filepath.Join(td, rel)
}

type expVar struct {
	Name  string
	Shape []int
	Sum   float64
	First *float64
	Last  *float64
}

type expLayer struct {
	Name      string
	SavedName *string `json:"saved_name"`
	Vars      []expVar
}

type expFacts struct {
	Layers []struct {
		Class      string
		Name       string
		Units      *float64
		Activation any
	}
	InputShape []int `json:"input_shape"`
}

type expFile struct {
	Layout         string
	Layers         []expLayer
	Optimizer      []expVar
	KerasVersion   *string        `json:"keras_version"`
	Backend        *string        `json:"backend"`
	TrainingConfig map[string]any `json:"training_config"`
	CompileConfig  map[string]any `json:"compile_config"`
	ConfigFacts    *expFacts      `json:"config_facts"`
}

type expectedAll struct {
	Files     map[string]*expFile
	SnakeCase map[string]string `json:"snake_case"`
}

var expCache *expectedAll

func expected(t *testing.T) *expectedAll {
	t.Helper()
	if expCache != nil {
		return expCache
	}
	b, err := os.ReadFile(filepath.Join(td, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e expectedAll
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	expCache = &e
	return &e
}

// expFor returns the expectations for a fixture path relative to td.
func expFor(t *testing.T, rel string) *expFile {
	t.Helper()
	e := expected(t).Files[filepath.ToSlash(rel)]
	if e == nil {
		t.Fatalf("expected.json has no entry for %s", rel)
	}
	return e
}

// varCounts gives each normalized layer's variable count, as the runtime
// will (Dense: kernel [+ bias]; BatchNormalization: [gamma] [beta] mean var;
// LayerNormalization: [gamma] [beta]; Normalization: mean, variance, count;
// PReLU: alpha).
func varCounts(cfg *ModelConfig) []int {
	out := make([]int, len(cfg.Layers))
	b := func(v any) int {
		if v == true {
			return 1
		}
		return 0
	}
	for i, l := range cfg.Layers {
		c := l.Config
		switch l.ClassName {
		case "Dense":
			out[i] = 1 + b(c["use_bias"])
		case "BatchNormalization":
			out[i] = 2 + b(c["center"]) + b(c["scale"])
		case "LayerNormalization":
			out[i] = b(c["center"]) + b(c["scale"])
		case "Normalization":
			out[i] = 3
		case "PReLU":
			out[i] = 1
		case "Conv1D", "Conv2D", "Conv3D", "DepthwiseConv1D", "DepthwiseConv2D",
			"Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose":
			out[i] = 1 + b(c["use_bias"])
		case "SeparableConv1D", "SeparableConv2D":
			out[i] = 2 + b(c["use_bias"])
		case "Embedding":
			out[i] = 1
		case "SimpleRNN", "LSTM", "GRU":
			out[i] = 2 + b(c["use_bias"])
		}
	}
	return out
}

// checkVar compares a loaded tensor with what h5py read.
func checkVar(t *testing.T, what string, got *tensor.Tensor, want expVar) {
	t.Helper()
	if !tensor.SameShape(got.Shape(), want.Shape) {
		t.Errorf("%s: shape %v, h5py reads %v", what, got.Shape(), want.Shape)
		return
	}
	var sum float64
	for _, v := range got.Data() {
		sum += float64(v)
	}
	if math.Abs(sum-want.Sum) > 1e-6*(1+math.Abs(want.Sum))+1e-9*float64(got.Len()) {
		t.Errorf("%s: sum %v, h5py reads %v", what, sum, want.Sum)
	}
	if want.First != nil && (got.Len() == 0 || float64(got.Data()[0]) != *want.First) {
		t.Errorf("%s: first element differs from h5py's %v", what, *want.First)
	}
	if want.Last != nil && (got.Len() == 0 || float64(got.Data()[got.Len()-1]) != *want.Last) {
		t.Errorf("%s: last element differs from h5py's %v", what, *want.Last)
	}
}

// checkWeights compares every stored layer with h5py's reading.
func checkWeights(t *testing.T, rel string, w *Weights, e *expFile) {
	t.Helper()
	if w == nil {
		t.Fatalf("%s: no weights", rel)
	}
	if w.Layout != e.Layout {
		t.Errorf("%s: layout %q, want %q", rel, w.Layout, e.Layout)
	}
	got := map[string]LayerWeights{}
	for _, l := range w.Layers {
		got[l.Name] = l
	}
	if len(got) != len(e.Layers) {
		t.Errorf("%s: %d stored layers, h5py sees %d", rel, len(got), len(e.Layers))
	}
	if e.Layout == LayoutLegacy {
		for i, el := range e.Layers {
			if i < len(w.Layers) && w.Layers[i].Name != el.Name {
				t.Errorf("%s: layer %d is %q, layer_names says %q", rel, i, w.Layers[i].Name, el.Name)
			}
		}
	}
	for _, el := range e.Layers {
		gl, ok := got[el.Name]
		if !ok {
			t.Errorf("%s: layer %q missing", rel, el.Name)
			continue
		}
		if el.SavedName != nil && gl.SavedName != *el.SavedName {
			t.Errorf("%s: layer %q saved name %q, want %q", rel, el.Name, gl.SavedName, *el.SavedName)
		}
		if len(gl.Arrays) != len(el.Vars) || len(gl.VarNames) != len(el.Vars) {
			t.Errorf("%s: layer %q has %d variables, h5py reads %d", rel, el.Name, len(gl.Arrays), len(el.Vars))
			continue
		}
		for i, ev := range el.Vars {
			if gl.VarNames[i] != ev.Name {
				t.Errorf("%s: layer %q variable %d named %q, want %q", rel, el.Name, i, gl.VarNames[i], ev.Name)
			}
			checkVar(t, fmt.Sprintf("%s: %s/%s", rel, el.Name, ev.Name), gl.Arrays[i], ev)
		}
	}
}

func checkOptimizer(t *testing.T, rel string, st *OptimizerState, want []expVar) {
	t.Helper()
	if len(want) == 0 {
		if st != nil && len(st.Arrays) > 0 {
			t.Errorf("%s: unexpected optimizer state with %d variables", rel, len(st.Arrays))
		}
		return
	}
	if st == nil {
		t.Fatalf("%s: optimizer state missing (h5py reads %d variables)", rel, len(want))
	}
	if len(st.Arrays) != len(want) {
		t.Fatalf("%s: %d optimizer variables, h5py reads %d", rel, len(st.Arrays), len(want))
	}
	for i, ev := range want {
		if st.Names[i] != ev.Name {
			t.Errorf("%s: optimizer variable %d named %q, want %q", rel, i, st.Names[i], ev.Name)
		}
		checkVar(t, fmt.Sprintf("%s: optimizer %s", rel, ev.Name), st.Arrays[i], ev)
	}
}

// checkFacts compares a parsed config with plain facts read from the JSON
// by gen_expected.py.
func checkFacts(t *testing.T, rel string, cfg *ModelConfig, f *expFacts) {
	t.Helper()
	if cfg == nil {
		t.Fatalf("%s: no config", rel)
	}
	if f == nil {
		t.Fatalf("%s: no expected facts", rel)
	}
	if len(cfg.Layers) != len(f.Layers) {
		t.Fatalf("%s: %d layers, want %d", rel, len(cfg.Layers), len(f.Layers))
	}
	for i, w := range f.Layers {
		g := cfg.Layers[i]
		wantClass := w.Class
		if a, ok := classAlias(wantClass); ok {
			wantClass = a // Keras 1/2 class names are read as Keras 3's
		}
		if g.ClassName != wantClass || g.Name != w.Name {
			t.Errorf("%s: layer %d is %s %q, want %s %q", rel, i, g.ClassName, g.Name, w.Class, w.Name)
		}
		units := g.Config["units"]
		if g.ClassName == "Embedding" {
			units = g.Config["output_dim"] // the facts record Embedding's output_dim as units
		}
		if w.Units != nil && units != *w.Units {
			t.Errorf("%s: layer %q units %v, want %v", rel, g.Name, units, *w.Units)
		}
		if w.Activation != nil && g.Config["activation"] != w.Activation {
			t.Errorf("%s: layer %q activation %v, want %v", rel, g.Name, g.Config["activation"], w.Activation)
		}
	}
	if f.InputShape != nil && !reflect.DeepEqual(cfg.InputShape, f.InputShape) {
		t.Errorf("%s: input shape %v, want %v", rel, cfg.InputShape, f.InputShape)
	}
}

// manifestTensors reads a keras-cases weights/ directory the plain way:
// manifest order, one .npy per variable.
func manifestTensors(t *testing.T, dir string) ([]manifestEntry, []*tensor.Tensor) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m []manifestEntry
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var ts []*tensor.Tensor
	for _, e := range m {
		x, err := tensor.LoadNpy(filepath.Join(dir, e.File))
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, x)
	}
	return m, ts
}

func caseDirs(t *testing.T, root string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(sharedTD, root))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	if len(out) == 0 {
		t.Fatalf("no cases under %s", root)
	}
	return out
}

// TestKerasCases loads every keras-cases model four ways (model.keras,
// model.h5, model.json + model.weights.h5, model.json + weights/) and checks
// that each gives the same normalized config, the config facts of
// model.json, and, after AlignWeights, exactly the arrays of weights/*.npy
// in manifest (model.weights) order.
func TestKerasCases(t *testing.T) {
	for _, c := range caseDirs(t, "keras-cases") {
		t.Run(c, func(t *testing.T) {
			rel := func(f string) string { return filepath.ToSlash(filepath.Join("keras-cases", c, f)) }
			p := func(f string) string { return filepath.Join(sharedTD, "keras-cases", c, f) }
			facts := expFor(t, rel("model.json")).ConfigFacts
			manifest, want := manifestTensors(t, p("weights"))
			loads := []struct {
				name string
				load func() (*Model, error)
				exp  string
			}{
				{"model.keras", func() (*Model, error) { return Load(p("model.keras")) }, "model.keras"},
				{"model.h5", func() (*Model, error) { return Load(p("model.h5")) }, "model.h5"},
				{"json+weights.h5", func() (*Model, error) { return LoadWithWeights(p("model.json"), p("model.weights.h5")) }, "model.weights.h5"},
				{"json+npy", func() (*Model, error) { return LoadWithWeights(p("model.json"), p("weights")) }, ""},
			}
			var first *ModelConfig
			for _, l := range loads {
				m, err := l.load()
				if err != nil {
					t.Fatalf("%s: %v", l.name, err)
				}
				checkFacts(t, l.name, m.Config, facts)
				if m.Config.KerasMajor != 3 {
					t.Errorf("%s: KerasMajor %d, want 3", l.name, m.Config.KerasMajor)
				}
				if first == nil {
					first = m.Config
				} else if !sameLayers(t, l.name, first.Layers, m.Config.Layers) || !reflect.DeepEqual(first.InputShape, m.Config.InputShape) ||
					first.InputName != m.Config.InputName || first.ClassName != m.Config.ClassName || first.Name != m.Config.Name {
					t.Errorf("%s: normalized config differs from model.keras's:\n%s", l.name, configDiff(first, m.Config))
				}
				if l.exp != "" {
					e := expFor(t, rel(l.exp))
					checkWeights(t, l.name, m.Weights, e)
					checkOptimizer(t, l.name, m.Optimizer, e.Optimizer)
				}
				aligned, err := AlignWeights(m.Config, m.Weights, varCounts(m.Config))
				if err != nil {
					t.Fatalf("%s: AlignWeights: %v", l.name, err)
				}
				var flat []*tensor.Tensor
				for _, a := range aligned {
					flat = append(flat, a...)
				}
				if len(flat) != len(want) {
					t.Fatalf("%s: %d aligned variables, manifest lists %d", l.name, len(flat), len(want))
				}
				for i := range want {
					if ok, at, d := tensor.AllClose(flat[i], want[i], 0, 0); !ok {
						t.Errorf("%s: variable %d (%s) differs from weights/%s at %d by %g", l.name, i, manifest[i].Path, manifest[i].File, at, d)
					}
				}
			}
		})
	}
}

// sameLayers compares normalized layers; BuildInputShape only when both
// files record it (legacy .h5 configs have no build_config).
func sameLayers(t *testing.T, what string, a, b []LayerConfig) bool {
	t.Helper()
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.BuildInputShape != nil && y.BuildInputShape != nil && !reflect.DeepEqual(x.BuildInputShape, y.BuildInputShape) {
			t.Errorf("%s: layer %q BuildInputShape %v vs %v", what, x.Name, x.BuildInputShape, y.BuildInputShape)
		}
		x.BuildInputShape, y.BuildInputShape = nil, nil
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

func configDiff(a, b *ModelConfig) string {
	var sb strings.Builder
	for i := range a.Layers {
		if i >= len(b.Layers) {
			break
		}
		for _, k := range sortedKeys(a.Layers[i].Config) {
			if !reflect.DeepEqual(a.Layers[i].Config[k], b.Layers[i].Config[k]) {
				fmt.Fprintf(&sb, "  layer %q key %q: %v vs %v\n", a.Layers[i].Name, k, a.Layers[i].Config[k], b.Layers[i].Config[k])
			}
		}
		for _, k := range sortedKeys(b.Layers[i].Config) {
			if _, ok := a.Layers[i].Config[k]; !ok {
				fmt.Fprintf(&sb, "  layer %q key %q only in second: %v\n", b.Layers[i].Name, k, b.Layers[i].Config[k])
			}
		}
	}
	fmt.Fprintf(&sb, "  input %v %q vs %v %q", a.InputShape, a.InputName, b.InputShape, b.InputName)
	return sb.String()
}

// TestKerasCasesTraining checks the compile configuration of the compiled
// cases against the compile_config (model.keras, model.json) or
// training_config (model.h5) Keras wrote.
func TestKerasCasesTraining(t *testing.T) {
	n := 0
	for _, c := range caseDirs(t, "keras-cases") {
		for _, f := range []string{"model.keras", "model.h5", "model.json"} {
			e := expFor(t, "keras-cases/"+c+"/"+f)
			ref := e.CompileConfig
			if f == "model.h5" {
				ref = e.TrainingConfig
			}
			m, err := Load(filepath.Join(sharedTD, "keras-cases", c, f))
			if err != nil {
				t.Fatal(err)
			}
			if len(ref) == 0 {
				if m.Training != nil {
					t.Errorf("%s/%s: training config %+v, Keras wrote none", c, f, m.Training)
				}
				continue
			}
			n++
			tc := m.Training
			if tc == nil {
				t.Fatalf("%s/%s: no training config", c, f)
			}
			opt, _ := ref["optimizer"].(map[string]any)
			if opt == nil {
				opt, _ = ref["optimizer_config"].(map[string]any)
			}
			if opt == nil {
				if tc.Optimizer != nil {
					t.Errorf("%s/%s: optimizer %v, Keras wrote none", c, f, tc.Optimizer)
				}
			} else {
				if tc.Optimizer == nil {
					t.Fatalf("%s/%s: no optimizer", c, f)
				}
				if tc.Optimizer.ClassName != opt["class_name"] {
					t.Errorf("%s/%s: optimizer %q, want %q", c, f, tc.Optimizer.ClassName, opt["class_name"])
				}
				oc := opt["config"].(map[string]any)
				for _, k := range []string{"learning_rate", "beta_1", "beta_2", "epsilon", "name"} {
					if !reflect.DeepEqual(tc.Optimizer.Config[k], oc[k]) {
						t.Errorf("%s/%s: optimizer %s = %v, want %v", c, f, k, tc.Optimizer.Config[k], oc[k])
					}
				}
			}
			if tc.Loss != ref["loss"] {
				t.Errorf("%s/%s: loss %v, want %v", c, f, tc.Loss, ref["loss"])
			}
			if !reflect.DeepEqual(tc.Metrics, ref["metrics"]) {
				t.Errorf("%s/%s: metrics %v, want %v", c, f, tc.Metrics, ref["metrics"])
			}
		}
	}
	if n < 6 {
		t.Fatalf("only %d compiled files checked", n)
	}
}

type caseModel struct {
	File         string
	Format       string
	KerasVersion *string  `json:"keras_version"`
	LayerTypes   []string `json:"layer_types"`
	Params       *int
	Training     string
}

type caseJSON struct {
	Notes   string `json:"notes"`
	Case    string
	Licence string
	Models  []caseModel
}

func readCase(t *testing.T, c string) *caseJSON {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedTD, "realmodels", c, "case.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cj caseJSON
	if err := json.Unmarshal(b, &cj); err != nil {
		t.Fatal(err)
	}
	return &cj
}

// TestRealModels loads every model file of every real-world case. Files of
// Dense-family models must load with the config and weights h5py sees;
// files with LSTM, SimpleRNN, Conv2D, Embedding, ... must fail with
// ErrUnsupported naming the class, the layer and the file.
func TestRealModels(t *testing.T) {
	supported := map[string]bool{}
	for _, s := range SupportedLayers() {
		supported[s] = true
	}
	n := 0
	for _, c := range caseDirs(t, "realmodels") {
		cj := readCase(t, c)
		// every model file of the case: those case.json describes, and the
		// other copies it lists (e.g. model.json.with.tensorflow.scope)
		models := cj.Models
		for _, rel := range sortedKeys(expected(t).Files) {
			dir, f := filepath.Split(rel)
			if filepath.Clean(dir) != filepath.Join("realmodels", c) {
				continue
			}
			known := false
			for _, m := range models {
				known = known || m.File == f
			}
			if !known {
				models = append(models, caseModel{File: f})
			}
		}
		for _, mf := range models {
			n++
			t.Run(c+"/"+mf.File, func(t *testing.T) {
				rel := "realmodels/" + c + "/" + mf.File
				path := filepath.Join(sharedTD, "realmodels", c, mf.File)
				e := expFor(t, rel)
				m, err := Load(path)
				var bad string
				if e.ConfigFacts != nil {
					for _, l := range e.ConfigFacts.Layers {
						cls := l.Class
						if a, ok := classAlias(cls); ok {
							cls = a
						}
						if !supported[cls] {
							bad = l.Class + ` "` + l.Name + `"`
							if !errors.Is(err, ErrUnsupported) {
								t.Fatalf("want ErrUnsupported for %s, got %v", l.Class, err)
							}
							for _, s := range []string{l.Class, `"` + l.Name + `"`, path} {
								if !strings.Contains(err.Error(), s) {
									t.Errorf("error %q does not name %s", err, s)
								}
							}
							var fe *FormatError
							if !errors.As(err, &fe) {
								t.Errorf("error is not a *FormatError: %T", err)
							}
							break
						}
					}
				}
				if bad != "" {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if e.ConfigFacts != nil {
					checkFacts(t, rel, m.Config, e.ConfigFacts)
					got := map[string]bool{}
					for _, l := range m.Config.Layers {
						got[l.ClassName] = true
					}
					if m.Config.InputName != "" {
						got["InputLayer"] = true
					}
					for _, lt := range mf.LayerTypes {
						if a, ok := classAlias(lt); ok {
							lt = a
						}
						if !got[lt] && lt != "InputLayer" {
							t.Errorf("case.json lists layer type %s, config has %v", lt, got)
						}
					}
				}
				if mf.KerasVersion != nil && m.KerasVersion != *mf.KerasVersion {
					t.Errorf("keras_version %q, case.json says %q", m.KerasVersion, *mf.KerasVersion)
				}
				if m.Config != nil {
					wantMajor := 2
					if strings.Contains(cj.Notes, "Keras 1.0") {
						wantMajor = 1 // no version recorded, Keras 1 key names
					}
					if mf.KerasVersion != nil {
						wantMajor = int((*mf.KerasVersion)[0] - '0')
					}
					if m.Config.KerasMajor != wantMajor {
						t.Errorf("KerasMajor %d, want %d", m.Config.KerasMajor, wantMajor)
					}
				}
				if e.Layout == LayoutLegacy || e.Layout == LayoutKeras3 {
					checkWeights(t, rel, m.Weights, e)
					checkOptimizer(t, rel, m.Optimizer, e.Optimizer)
					if mf.Params != nil {
						n := 0
						for _, l := range m.Weights.Layers {
							for _, a := range l.Arrays {
								n += a.Len()
							}
						}
						if n != *mf.Params {
							t.Errorf("%d weight values, case.json says %d params", n, *mf.Params)
						}
					}
				}
				if mf.Training != "" {
					parts := strings.SplitN(mf.Training, " / ", 2)
					if m.Training == nil || m.Training.Optimizer == nil {
						t.Fatalf("no training config, case.json says %s", mf.Training)
					}
					if m.Training.Optimizer.ClassName != parts[0] {
						t.Errorf("optimizer %q, case.json says %q", m.Training.Optimizer.ClassName, parts[0])
					}
					switch l := m.Training.Loss.(type) {
					case string:
						if l != parts[1] {
							t.Errorf("loss %q, case.json says %q", l, parts[1])
						}
					case *ObjectConfig:
						if l.ClassName != parts[1] {
							t.Errorf("loss %q, case.json says %q", l.ClassName, parts[1])
						}
					default:
						t.Errorf("loss %v, case.json says %q", m.Training.Loss, parts[1])
					}
				}
				if m.Config != nil && m.Weights != nil {
					if _, err := AlignWeights(m.Config, m.Weights, varCounts(m.Config)); err != nil {
						t.Errorf("AlignWeights: %v", err)
					}
				}
			})
		}
	}
	if n < 60 {
		t.Errorf("only %d real model files checked", n)
	}
}

// TestRealModelPairs loads the config + weights pairs of the real-world
// cases and aligns them; each Dense kernel must be [fan_in, units].
func TestRealModelPairs(t *testing.T) {
	pairs := [][3]string{
		{"0xDaksh__Credit-Card-Fraud__model", "model.json", "model.h5"},
		{"KonduitAI__dl4j-test-resources__act_ELU_0", "ELU_0_config.json", "ELU_0_weights.h5"},
		{"KonduitAI__dl4j-test-resources__act_LeakyReLU_0", "LeakyReLU_0_config.json", "LeakyReLU_0_weights.h5"},
		{"KonduitAI__dl4j-test-resources__act_ReLU_0", "ReLU_0_config.json", "ReLU_0_weights.h5"},
		{"KonduitAI__dl4j-test-resources__act_ReLU_2", "ReLU_2_config.json", "ReLU_2_weights.h5"},
		{"KonduitAI__dl4j-test-resources__act_Softmax_0", "Softmax_0_config.json", "Softmax_0_weights.h5"},
		{"KonduitAI__dl4j-test-resources__act_ThresholdReLU_0", "ThresholdReLU_0_config.json", "ThresholdReLU_0_weights.h5"},
		{"KonduitAI__dl4j-test-resources__sparse_xent_mlp", "config.json", "weights.h5"},
		{"KonduitAI__dl4j-test-resources__tfscope", "model.json", "model.weight"},
		{"KonduitAI__dl4j-test-resources__tfscope", "model.json.with.tensorflow.scope", "model.weight.with.tensorflow.scope"},
		{"KonduitAI__dl4j-test-resources__tfscope", "model.json", "model.h5"},
		{"fastmachinelearning__hls4ml__KERAS_3layer", "KERAS_3layer.json", "KERAS_3layer_weights.h5"},
		{"fastmachinelearning__hls4ml__KERAS_3layer_batch_norm", "KERAS_3layer_batch_norm.json", "KERAS_3layer_batch_norm_weights.h5"},
		{"fastmachinelearning__hls4ml__KERAS_dense_16x100x5", "model.json", "weights.h5"},
		{"fastmachinelearning__hls4ml__KERAS_mnist_mlp", "KERAS_mnist_mlp.json", "KERAS_mnist_mlp_weights.h5"},
		{"fastmachinelearning__hls4ml__prj_softmax", "softmax.json", "softmax_weights.h5"},
		{"fastmachinelearning__hls4ml__svhn_grayscale_mlp", "svhn_grayscale_mlp.json", "svhn_grayscale_mlp_weights.h5"},
	}
	for _, pr := range pairs {
		t.Run(pr[0]+"/"+pr[1], func(t *testing.T) {
			dir := filepath.Join(sharedTD, "realmodels", pr[0])
			m, err := LoadWithWeights(filepath.Join(dir, pr[1]), filepath.Join(dir, pr[2]))
			if err != nil {
				t.Fatal(err)
			}
			vc := varCounts(m.Config)
			aligned, err := AlignWeights(m.Config, m.Weights, vc)
			if err != nil {
				t.Fatal(err)
			}
			fanIn := -1
			if len(m.Config.InputShape) > 0 {
				fanIn = m.Config.InputShape[len(m.Config.InputShape)-1]
			}
			if m.Config.Layers[0].ClassName == "Flatten" {
				fanIn = 1
				for _, d := range m.Config.InputShape {
					fanIn *= d
				}
			}
			for i, l := range m.Config.Layers {
				if len(aligned[i]) != vc[i] {
					t.Errorf("layer %q: %d arrays, want %d", l.Name, len(aligned[i]), vc[i])
				}
				switch l.ClassName {
				case "Dense":
					units := int(l.Config["units"].(float64))
					want := []int{fanIn, units}
					if !tensor.SameShape(aligned[i][0].Shape(), want) {
						t.Errorf("layer %q kernel %v, want %v", l.Name, aligned[i][0].Shape(), want)
					}
					if len(aligned[i]) > 1 && !tensor.SameShape(aligned[i][1].Shape(), []int{units}) {
						t.Errorf("layer %q bias %v, want [%d]", l.Name, aligned[i][1].Shape(), units)
					}
					fanIn = units
				case "BatchNormalization":
					for _, a := range aligned[i] {
						if !tensor.SameShape(a.Shape(), []int{fanIn}) {
							t.Errorf("layer %q variable %v, want [%d]", l.Name, a.Shape(), fanIn)
						}
					}
				}
			}
		})
	}
}

// TestSyntheticLayouts covers layouts no collected file has (written with
// h5py by synthetic/gen_synthetic.py): tf.keras 2.13's
// _layer_checkpoint_dependencies weights, split layer_names/weight_names
// attributes, and a Keras 1 BatchNormalization model.
func TestSyntheticLayouts(t *testing.T) {
	dir := filepath.Join(td, "synthetic", "layouts")
	rel := func(f string) string { return "synthetic/layouts/" + f }

	m, err := LoadWithWeights(filepath.Join(dir, "ckpt_deps.json"), filepath.Join(dir, "ckpt_deps.weights.h5"))
	if err != nil {
		t.Fatal(err)
	}
	e := expFor(t, rel("ckpt_deps.weights.h5"))
	checkWeights(t, "ckpt_deps", m.Weights, e)
	checkOptimizer(t, "ckpt_deps", m.Optimizer, e.Optimizer)
	if m.Optimizer.Layout != "tf.keras" || m.Config.KerasMajor != 2 || m.KerasVersion != "2.13.1" {
		t.Errorf("optimizer layout %q, KerasMajor %d, version %q", m.Optimizer.Layout, m.Config.KerasMajor, m.KerasVersion)
	}
	al, err := AlignWeights(m.Config, m.Weights, varCounts(m.Config))
	if err != nil {
		t.Fatal(err)
	}
	if len(al[0]) != 2 || len(al[1]) != 0 || len(al[2]) != 2 || al[2][0].Dim(0) != 4 {
		t.Errorf("aligned %v", al)
	}

	m, err = LoadWithWeights(filepath.Join(dir, "split_names.json"), filepath.Join(dir, "split_names.h5"))
	if err != nil {
		t.Fatal(err)
	}
	checkWeights(t, "split_names", m.Weights, expFor(t, rel("split_names.h5")))
	if _, err := AlignWeights(m.Config, m.Weights, varCounts(m.Config)); err != nil {
		t.Error(err)
	}

	m, err = Load(filepath.Join(dir, "k1_bn.h5"))
	if err != nil {
		t.Fatal(err)
	}
	e = expFor(t, rel("k1_bn.h5"))
	checkWeights(t, "k1_bn", m.Weights, e)
	checkFacts(t, "k1_bn", m.Config, e.ConfigFacts)
	if m.Config.KerasMajor != 1 || m.Training.Optimizer.ClassName != "SGD" || m.Training.Optimizer.Config["learning_rate"] != 0.01 {
		t.Errorf("K1 model: major %d, training %+v", m.Config.KerasMajor, m.Training.Optimizer)
	}
	bn := m.Config.Layers[1]
	if bn.ClassName != "BatchNormalization" || bn.Config["mode"] != nil || bn.Config["center"] != true || bn.Config["axis"] != -1.0 {
		t.Errorf("BN %+v", bn)
	}
	al, err = AlignWeights(m.Config, m.Weights, varCounts(m.Config))
	if err != nil {
		t.Fatal(err)
	}
	if len(al[1]) != 4 {
		t.Errorf("BN has %d variables", len(al[1]))
	}
}

// A flow-style YAML file without a .yaml extension starts like JSON; Load
// falls back to YAML.
func TestFlowYAMLWithoutExtension(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.txt")
	if err := os.WriteFile(p, readTD(t, "yaml/tfscope_keras1.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if m.Format != FormatYAML || len(m.Config.Layers) != 2 || m.Config.Layers[0].Config["units"] != 256.0 {
		t.Errorf("format %q config %+v", m.Format, m.Config)
	}
}

func BenchmarkLoadKeras(b *testing.B) {
	p := filepath.Join(sharedTD, "realmodels", "2mdtln__FlowNet-ANN__final_model", "final_model.keras")
	for b.Loop() {
		if _, err := Load(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadLegacyH5(b *testing.B) {
	dir := filepath.Join(sharedTD, "realmodels", "fastmachinelearning__hls4ml__KERAS_mnist_mlp")
	for b.Loop() {
		if _, err := LoadWithWeights(filepath.Join(dir, "KERAS_mnist_mlp.json"), filepath.Join(dir, "KERAS_mnist_mlp_weights.h5")); err != nil {
			b.Fatal(err)
		}
	}
}

// An HDF5 file with a 512-byte user block (signature at offset 512).
func TestUserBlock(t *testing.T) {
	p := filepath.Join(td, "synthetic", "layouts", "userblock.h5")
	if f, err := Detect(p); err != nil || f != FormatLegacyH5W {
		t.Fatalf("Detect: %q %v", f, err)
	}
	m, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	checkWeights(t, "userblock.h5", m.Weights, expFor(t, "synthetic/layouts/userblock.h5"))
}
