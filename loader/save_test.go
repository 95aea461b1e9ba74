package loader

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kerago/kerago/internal/hdf5"
	"github.com/kerago/kerago/internal/testenv"
	"github.com/kerago/kerago/tensor"
)

// Fixtures: testdata/keras-cases/<case>/ holds the files Keras 3.15.1
// (numpy backend) wrote for each case (see testdata/PROVENANCE.md).
const saveCasesDir = "../testdata/keras-cases"

func svSaveCaseNames(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir(saveCasesDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	if len(out) != 40 {
		t.Fatalf("%d keras cases in %s, want 40", len(out), saveCasesDir)
	}
	return out
}

// svFixtureBackend is the backend the keras-cases were saved with.
func svFixtureBackend(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(saveCasesDir, "VERSIONS.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Keras   string `json:"keras"`
		Backend string `json:"backend"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if v.Keras != KerasVersion {
		t.Fatalf("fixtures were written by Keras %s, KerasVersion is %s", v.Keras, KerasVersion)
	}
	return v.Backend
}

// svLoadSource reads one of the three Keras-written forms of a case: "keras"
// (model.keras), "h5" (model.h5) or "json" (model.json + model.weights.h5).
// The files' backend is set where the format does not record it.
func svLoadSource(t *testing.T, c, src, backend string) *Model {
	t.Helper()
	dir := filepath.Join(saveCasesDir, c)
	var m *Model
	var err error
	switch src {
	case "keras":
		m, err = Load(filepath.Join(dir, "model.keras"))
	case "h5":
		m, err = Load(filepath.Join(dir, "model.h5"))
	case "json":
		m, err = LoadWithWeights(filepath.Join(dir, "model.json"), filepath.Join(dir, "model.weights.h5"))
	}
	if err != nil {
		t.Fatalf("%s/%s: %v", c, src, err)
	}
	if m.Backend == "" {
		m.Backend = backend
	}
	return m
}

// svVarCounts gives the number of variables of each config layer.
func svVarCounts(t *testing.T, cfg *ModelConfig) []int {
	t.Helper()
	out := make([]int, len(cfg.Layers))
	for i, l := range cfg.Layers {
		n, _, _, ok := layerVarNames(l)
		if !ok {
			t.Fatalf("layer %q (%s): variables unknown", l.Name, l.ClassName)
		}
		out[i] = len(n)
	}
	return out
}

func svAlignedArrays(t *testing.T, cfg *ModelConfig, w *Weights) [][]*tensor.Tensor {
	t.Helper()
	if w == nil {
		t.Fatal("no weights")
	}
	a, err := AlignWeights(cfg, w, svVarCounts(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// sameBits compares tensors bit for bit (shapes and every float32).
func svSameTensor(a, b *tensor.Tensor) error {
	if !tensor.SameShape(a.Shape(), b.Shape()) {
		return fmt.Errorf("shape %v != %v", a.Shape(), b.Shape())
	}
	for i, x := range a.Data() {
		if math.Float32bits(x) != math.Float32bits(b.Data()[i]) {
			return fmt.Errorf("element %d: %v != %v", i, x, b.Data()[i])
		}
	}
	return nil
}

// svConfigEqual compares two parsed configs field by field (Raw excluded;
// BuildInputShape compared separately).
func svConfigEqual(a, b *ModelConfig) error {
	if a.ClassName != b.ClassName || a.Name != b.Name || a.InputName != b.InputName || a.InputDType != b.InputDType || a.KerasMajor != b.KerasMajor {
		return fmt.Errorf("model fields differ: %q %q %q %q %d vs %q %q %q %q %d", a.ClassName, a.Name, a.InputName, a.InputDType, a.KerasMajor, b.ClassName, b.Name, b.InputName, b.InputDType, b.KerasMajor)
	}
	if !reflect.DeepEqual(a.InputShape, b.InputShape) {
		return fmt.Errorf("input shape %v != %v", a.InputShape, b.InputShape)
	}
	if len(a.Layers) != len(b.Layers) {
		return fmt.Errorf("%d layers != %d", len(a.Layers), len(b.Layers))
	}
	for i := range a.Layers {
		la, lb := a.Layers[i], b.Layers[i]
		if la.ClassName != lb.ClassName || la.Name != lb.Name {
			return fmt.Errorf("layer %d: %s %q != %s %q", i, la.ClassName, la.Name, lb.ClassName, lb.Name)
		}
		if !reflect.DeepEqual(la.Config, lb.Config) {
			return fmt.Errorf("layer %q config:\n%v\n!=\n%v", la.Name, la.Config, lb.Config)
		}
	}
	return nil
}

var svAllSaveFormats = []struct {
	file   string
	format Format
	config bool // the format holds the architecture
	build  bool // ... with build_config (BuildInputShape)
	train  bool // ... and the compile config
	opt    bool // ... and optimizer variables
}{
	{"m.keras", FormatKeras, true, true, true, true},
	{"m.weights.h5", FormatWeightsH5, false, false, false, true},
	{"m.h5", FormatH5, true, false, true, true},
	{"m.json", FormatJSON, true, true, true, false},
	{"m.yaml", FormatYAML, true, true, true, false},
	{"m.npz", FormatNPZ, false, false, false, false},
	{"weights", FormatNPYDir, false, false, false, false},
	{"legacy_weights.h5", FormatLegacyH5W, false, false, false, false},
}

// TestSaveRoundTrip loads every keras-case from model.keras, model.h5 and
// model.json + model.weights.h5, saves it in every format, loads it again
// and checks the parsed config, the weights (bit for bit), the compile
// config and the optimizer variables against what was loaded; layer input
// shapes written as build_config must equal Keras's own.
func TestSaveRoundTrip(t *testing.T) {
	backend := svFixtureBackend(t)
	dir := t.TempDir()
	for _, c := range svSaveCaseNames(t) {
		ref := svLoadSource(t, c, "keras", backend) // Keras's build_config shapes
		for _, src := range []string{"keras", "h5", "json"} {
			m := svLoadSource(t, c, src, backend)
			srcArrays := svAlignedArrays(t, m.Config, m.Weights)
			for _, f := range svAllSaveFormats {
				name := c + "/" + src + "/" + f.file
				t.Run(name, func(t *testing.T) {
					p := filepath.Join(dir, c+"_"+src+"_"+f.file)
					// content checks only: skip fsync (TestSaveAtomic and the
					// structure tests go through Save itself)
					if err := save(p, m, f.format, saveHooks{noSync: true}); err != nil {
						t.Fatal(err)
					}
					var got *Model
					var err error
					if f.config {
						got, err = Load(p)
					} else {
						var w *Model
						w, err = Load(p)
						if err == nil {
							got = &Model{Config: m.Config, Weights: w.Weights, Optimizer: w.Optimizer}
						}
					}
					if err != nil {
						t.Fatal(err)
					}
					if f.config {
						if err := svConfigEqual(m.Config, got.Config); err != nil {
							t.Fatal(err)
						}
						for i, l := range got.Config.Layers {
							want := []int(nil)
							if f.build && !builtAtInit[l.ClassName] {
								want = ref.Config.Layers[i].BuildInputShape
							}
							if !reflect.DeepEqual(l.BuildInputShape, want) {
								t.Fatalf("layer %q build input shape %v, want %v", l.Name, l.BuildInputShape, want)
							}
						}
					}
					if f.format != FormatJSON && f.format != FormatYAML {
						gotArrays := svAlignedArrays(t, m.Config, got.Weights)
						for i := range srcArrays {
							if len(gotArrays[i]) != len(srcArrays[i]) {
								t.Fatalf("layer %q: %d arrays, want %d", m.Config.Layers[i].Name, len(gotArrays[i]), len(srcArrays[i]))
							}
							for j := range srcArrays[i] {
								if err := svSameTensor(gotArrays[i][j], srcArrays[i][j]); err != nil {
									t.Fatalf("layer %q variable %d: %v", m.Config.Layers[i].Name, j, err)
								}
							}
						}
					}
					if f.train {
						svCheckTraining(t, m.Training, got.Training)
					}
					if f.opt {
						svCheckOptimizer(t, m, got.Optimizer)
					}
				})
			}
		}
	}
}

func svCheckTraining(t *testing.T, want, got *TrainingConfig) {
	t.Helper()
	if want == nil {
		if got != nil {
			t.Fatalf("uncompiled model came back compiled: %+v", got)
		}
		return
	}
	if got == nil {
		t.Fatal("compile config lost")
	}
	if !reflect.DeepEqual(want.Loss, got.Loss) || !reflect.DeepEqual(want.Metrics, got.Metrics) || !reflect.DeepEqual(want.WeightedMetrics, got.WeightedMetrics) || !reflect.DeepEqual(want.LossWeights, got.LossWeights) {
		t.Fatalf("compile config %+v, want %+v", got, want)
	}
	if want.Optimizer == nil {
		// model.json of the fixtures lacks the optimizer (Keras's legacy .h5
		// save pops it from the compile config before to_json ran); the
		// writer fills compile()'s default optimizer.
		if got.Optimizer == nil || got.Optimizer.ClassName != "RMSprop" {
			t.Fatalf("optimizer %+v, want compile()'s default RMSprop", got.Optimizer)
		}
		return
	}
	if got.Optimizer == nil || got.Optimizer.ClassName != want.Optimizer.ClassName || !reflect.DeepEqual(got.Optimizer.Config, want.Optimizer.Config) {
		t.Fatalf("optimizer %+v, want %+v", got.Optimizer, want.Optimizer)
	}
}

func svCheckOptimizer(t *testing.T, m *Model, got *OptimizerState) {
	t.Helper()
	if m.Training == nil {
		if got != nil {
			t.Fatalf("optimizer state written for an uncompiled model")
		}
		return
	}
	want := m.Optimizer
	if got == nil || want == nil {
		t.Fatalf("optimizer state %v, want %v", got, want)
	}
	if got.Layout != "keras3" || len(got.Arrays) != len(want.Arrays) {
		t.Fatalf("optimizer state: layout %q, %d variables; want keras3, %d", got.Layout, len(got.Arrays), len(want.Arrays))
	}
	for i := range want.Arrays {
		if err := svSameTensor(got.Arrays[i], want.Arrays[i]); err != nil {
			t.Fatalf("optimizer variable %d: %v", i, err)
		}
	}
}

// ---- ordered JSON comparison ----

type svOkv struct {
	k string
	v any
}

// svDecodeOrdered decodes JSON keeping key order ([]svOkv) and number text
// (json.Number), so that Python float formatting is compared exactly.
func svDecodeOrdered(b []byte) (any, error) {
	b, _ = replacePythonFloats(b)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var rd func() (any, error)
	rd = func() (any, error) {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch x := tok.(type) {
		case json.Delim:
			switch x {
			case '{':
				var out []svOkv
				for dec.More() {
					k, err := dec.Token()
					if err != nil {
						return nil, err
					}
					v, err := rd()
					if err != nil {
						return nil, err
					}
					out = append(out, svOkv{k.(string), v})
				}
				_, err := dec.Token()
				if out == nil {
					out = []svOkv{}
				}
				return out, err
			case '[':
				out := []any{}
				for dec.More() {
					v, err := rd()
					if err != nil {
						return nil, err
					}
					out = append(out, v)
				}
				_, err := dec.Token()
				return out, err
			}
		}
		return tok, nil
	}
	return rd()
}

// svDiffJSON lists the differences between two ordered trees; allow(path, a,
// b) may excuse one.
func svDiffJSON(path string, a, b any, allow func(path string, a, b any) bool, out *[]string) {
	if allow != nil && allow(path, a, b) {
		return
	}
	switch x := a.(type) {
	case []svOkv:
		y, ok := b.([]svOkv)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: object vs %T", path, b))
			return
		}
		var kx, ky []string
		for _, e := range x {
			kx = append(kx, e.k)
		}
		for _, e := range y {
			ky = append(ky, e.k)
		}
		if !reflect.DeepEqual(kx, ky) {
			if allow == nil || !allow(path+"#keys", kx, ky) {
				*out = append(*out, fmt.Sprintf("%s: keys %v vs %v", path, kx, ky))
			}
		}
		for _, e := range x {
			for _, f := range y {
				if f.k == e.k {
					svDiffJSON(path+"/"+e.k, e.v, f.v, allow, out)
				}
			}
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			*out = append(*out, fmt.Sprintf("%s: %v vs %v", path, a, b))
			return
		}
		for i := range x {
			svDiffJSON(fmt.Sprintf("%s[%d]", path, i), x[i], y[i], allow, out)
		}
	default:
		if !reflect.DeepEqual(a, b) {
			*out = append(*out, fmt.Sprintf("%s: %v (%T) vs %v (%T)", path, a, a, b, b))
		}
	}
}

func svJsonDiffs(t *testing.T, ours, keras []byte, allow func(path string, a, b any) bool) []string {
	t.Helper()
	a, err := svDecodeOrdered(ours)
	if err != nil {
		t.Fatalf("our JSON: %v\n%s", err, ours)
	}
	b, err := svDecodeOrdered(keras)
	if err != nil {
		t.Fatalf("Keras's JSON: %v", err)
	}
	var out []string
	svDiffJSON("", a, b, allow, &out)
	return out
}

// svKerasConfigAllow excuses the differences between two config.json files
// that are not the file format's: the Python id() in shared_object_id
// (present in the same places, an integer in both), and the batch size
// Keras recorded in build_config when Normalization.adapt() built the layer
// (kerago keeps per-sample shapes and writes None, as Keras does for every
// other layer).
func svKerasConfigAllow(path string, a, b any) bool {
	if strings.HasSuffix(path, "/shared_object_id") {
		_, okA := a.(json.Number)
		_, okB := b.(json.Number)
		return okA && okB
	}
	if strings.HasSuffix(path, "/build_config/input_shape[0]") && a == nil {
		if _, ok := b.(json.Number); ok {
			return true
		}
	}
	return false
}

// ---- HDF5 trees with the Go reader ----

type svH5Obj struct {
	kind  string // "group" or "dataset"
	dtype string
	shape []int
	attrs map[string]string // name → "dtype shape values"
	data  []float64         // dataset values
}

func svH5Tree(t *testing.T, r io.ReaderAt, size int64) map[string]svH5Obj {
	t.Helper()
	f, err := hdf5.NewFile(r, size)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]svH5Obj{}
	attrsOf := func(as []*hdf5.Attribute, skip func(string) bool) map[string]string {
		m := map[string]string{}
		for _, a := range as {
			desc := fmt.Sprintf("%s %v", a.DType(), a.Shape())
			if !skip(a.Name) {
				if a.DType() == hdf5.String {
					s, err := a.Strings()
					if err != nil {
						t.Fatal(err)
					}
					desc += fmt.Sprintf(" %q", s)
				} else {
					v, err := a.Float64s()
					if err != nil {
						t.Fatal(err)
					}
					desc += fmt.Sprint(" ", v)
				}
			}
			m[a.Name] = desc
		}
		return m
	}
	skipJSON := func(n string) bool { return n == "model_config" || n == "training_config" }
	var walk func(g *hdf5.Group, path string)
	walk = func(g *hdf5.Group, path string) {
		as, err := g.Attrs()
		if err != nil {
			t.Fatal(err)
		}
		out[path] = svH5Obj{kind: "group", attrs: attrsOf(as, skipJSON)}
		names, err := g.Members()
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			cp := strings.TrimSuffix(path, "/") + "/" + n
			k, err := g.Kind(n)
			if err != nil {
				t.Fatal(err)
			}
			if k == hdf5.KindGroup {
				sg, err := g.Group(n)
				if err != nil {
					t.Fatal(err)
				}
				walk(sg, cp)
				continue
			}
			ds, err := g.Dataset(n)
			if err != nil {
				t.Fatal(err)
			}
			v, err := ds.ReadFloat64()
			if err != nil {
				t.Fatal(err)
			}
			das, err := ds.Attrs()
			if err != nil {
				t.Fatal(err)
			}
			out[cp] = svH5Obj{kind: "dataset", dtype: ds.DType().String(), shape: ds.Shape(), attrs: attrsOf(das, skipJSON), data: v}
		}
	}
	walk(f.Root(), "/")
	return out
}

// svDiffH5 compares two trees: the same paths, kinds, attribute names,
// dtypes, shapes and values, and dataset dtypes, shapes and values.
func svDiffH5(a, b map[string]svH5Obj) []string {
	var out []string
	var paths []string
	for p := range a {
		paths = append(paths, p)
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			out = append(out, "only in Keras's file: "+p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		x := a[p]
		y, ok := b[p]
		if !ok {
			out = append(out, "only in ours: "+p)
			continue
		}
		if x.kind != y.kind || x.dtype != y.dtype || !reflect.DeepEqual(x.shape, y.shape) {
			out = append(out, fmt.Sprintf("%s: %s %s %v vs %s %s %v", p, x.kind, x.dtype, x.shape, y.kind, y.dtype, y.shape))
		}
		if !reflect.DeepEqual(x.attrs, y.attrs) {
			out = append(out, fmt.Sprintf("%s: attributes %v vs %v", p, x.attrs, y.attrs))
		}
		if !reflect.DeepEqual(x.data, y.data) {
			out = append(out, fmt.Sprintf("%s: values differ", p))
		}
	}
	return out
}

func svH5AttrText(t *testing.T, path, name string) []byte {
	t.Helper()
	f, err := hdf5.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, err := f.Root().Attr(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.String()
	if err != nil {
		t.Fatal(err)
	}
	return []byte(s)
}

func svReadZip(t *testing.T, path string) (*zip.Reader, map[string][]byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		d, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		m[f.Name] = d
	}
	return zr, m
}

// TestSaveKerasStructure: the .keras we write from a model loaded from
// model.keras or model.h5 is the file Keras 3.15.1 wrote: zip members,
// order and header fields; metadata.json keys; config.json key by key
// (order and number text included); model.weights.h5 group paths,
// attributes, dtypes, shapes and values.
func TestSaveKerasStructure(t *testing.T) {
	backend := svFixtureBackend(t)
	dir := t.TempDir()
	for _, c := range svSaveCaseNames(t) {
		for _, src := range []string{"keras", "h5"} {
			t.Run(c+"/"+src, func(t *testing.T) {
				m := svLoadSource(t, c, src, backend)
				p := filepath.Join(dir, c+"_"+src+".keras")
				if err := Save(p, m, FormatKeras); err != nil {
					t.Fatal(err)
				}
				kz, kfiles := svReadZip(t, filepath.Join(saveCasesDir, c, "model.keras"))
				oz, ofiles := svReadZip(t, p)
				if len(kz.File) != len(oz.File) {
					t.Fatalf("%d members, Keras wrote %d", len(oz.File), len(kz.File))
				}
				for i, kf := range kz.File {
					of := oz.File[i]
					if of.Name != kf.Name || of.Method != kf.Method || of.Flags != kf.Flags || of.CreatorVersion != kf.CreatorVersion ||
						of.ReaderVersion != kf.ReaderVersion || of.ExternalAttrs != kf.ExternalAttrs || len(of.Extra) != len(kf.Extra) {
						t.Fatalf("member %d: %+v\nKeras: %+v", i, of.FileHeader, kf.FileHeader)
					}
					if kf.Name != "model.weights.h5" && (of.ModifiedDate != kf.ModifiedDate || of.ModifiedTime != kf.ModifiedTime) {
						t.Fatalf("%s dated %v, Keras %v", kf.Name, of.Modified, kf.Modified)
					}
				}
				if d := svJsonDiffs(t, ofiles["metadata.json"], kfiles["metadata.json"], func(path string, a, b any) bool {
					return path == "/date_saved"
				}); d != nil {
					t.Fatalf("metadata.json: %v", d)
				}
				var meta struct {
					Date string `json:"date_saved"`
				}
				if err := json.Unmarshal(ofiles["metadata.json"], &meta); err != nil {
					t.Fatal(err)
				}
				if _, err := time.ParseInLocation("2006-01-02@15:04:05", meta.Date, time.Local); err != nil {
					t.Fatalf("date_saved %q: %v", meta.Date, err)
				}
				if d := svJsonDiffs(t, ofiles["config.json"], kfiles["config.json"], svKerasConfigAllow); d != nil {
					t.Fatalf("config.json differs from Keras's:\n%s", strings.Join(d, "\n"))
				}
				ow, kw := ofiles["model.weights.h5"], kfiles["model.weights.h5"]
				if d := svDiffH5(svH5Tree(t, bytes.NewReader(ow), int64(len(ow))), svH5Tree(t, bytes.NewReader(kw), int64(len(kw)))); d != nil {
					t.Fatalf("model.weights.h5 differs from Keras's:\n%s", strings.Join(d, "\n"))
				}
			})
		}
	}
}

func svFileTree(t *testing.T, path string) map[string]svH5Obj {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return svH5Tree(t, f, st.Size())
}

// TestSaveH5Structure: the legacy .h5 we write from a model loaded from
// model.h5 has Keras's group paths, attributes (names, dtypes, shapes,
// values), datasets and the same model_config and training_config JSON key
// by key; the .weights.h5 we write from model.keras is Keras's
// model.weights.h5.
func TestSaveH5Structure(t *testing.T) {
	backend := svFixtureBackend(t)
	dir := t.TempDir()
	for _, c := range svSaveCaseNames(t) {
		t.Run(c, func(t *testing.T) {
			m := svLoadSource(t, c, "h5", backend)
			p := filepath.Join(dir, c+".h5")
			if err := Save(p, m, FormatH5); err != nil {
				t.Fatal(err)
			}
			kp := filepath.Join(saveCasesDir, c, "model.h5")
			if d := svDiffH5(svFileTree(t, p), svFileTree(t, kp)); d != nil {
				t.Fatalf("model.h5 differs from Keras's:\n%s", strings.Join(d, "\n"))
			}
			for _, a := range []string{"model_config", "training_config"} {
				if a == "training_config" && m.Training == nil {
					continue
				}
				if d := svJsonDiffs(t, svH5AttrText(t, p, a), svH5AttrText(t, kp, a), nil); d != nil {
					t.Fatalf("%s differs from Keras's:\n%s", a, strings.Join(d, "\n"))
				}
			}

			mk := svLoadSource(t, c, "keras", backend)
			wp := filepath.Join(dir, c+".weights.h5")
			if err := Save(wp, mk, FormatWeightsH5); err != nil {
				t.Fatal(err)
			}
			if d := svDiffH5(svFileTree(t, wp), svFileTree(t, filepath.Join(saveCasesDir, c, "model.weights.h5"))); d != nil {
				t.Fatalf("model.weights.h5 differs from Keras's:\n%s", strings.Join(d, "\n"))
			}
		})
	}
}

// TestSaveNpyDirAndNpz: saved from model.h5 (which records Keras's variable
// paths), the npy directory is byte for byte the one the keras-cases
// harness wrote with np.save (file names, .npy headers and data,
// manifest.json), and the .npz members are those same .npy files.
func TestSaveNpyDirAndNpz(t *testing.T) {
	backend := svFixtureBackend(t)
	dir := t.TempDir()
	for _, c := range svSaveCaseNames(t) {
		t.Run(c, func(t *testing.T) {
			m := svLoadSource(t, c, "h5", backend)
			out := filepath.Join(dir, c)
			if err := Save(out+"/", m, FormatNPYDir); err != nil {
				t.Fatal(err)
			}
			ref := filepath.Join(saveCasesDir, c, "weights")
			want, err := os.ReadDir(ref)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadDir(out)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d files, Keras's directory has %d", len(got), len(want))
			}
			refFiles := map[string][]byte{}
			for i, e := range want {
				if got[i].Name() != e.Name() {
					t.Fatalf("file %q, want %q", got[i].Name(), e.Name())
				}
				a, err := os.ReadFile(filepath.Join(out, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				b, err := os.ReadFile(filepath.Join(ref, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(a, b) {
					t.Fatalf("%s differs from the harness's", e.Name())
				}
				refFiles[e.Name()] = b
			}
			// npz: members <path>.npy in manifest order holding the same bytes
			var manifest []manifestEntry
			if err := json.Unmarshal(refFiles["manifest.json"], &manifest); err != nil {
				t.Fatal(err)
			}
			np := filepath.Join(dir, c+".npz")
			if err := Save(np, m, FormatNPZ); err != nil {
				t.Fatal(err)
			}
			zr, members := svReadZip(t, np)
			if len(zr.File) != len(manifest) {
				t.Fatalf("npz has %d members, want %d", len(zr.File), len(manifest))
			}
			for i, e := range manifest {
				if zr.File[i].Name != e.Path+".npy" || zr.File[i].Method != zip.Store {
					t.Fatalf("npz member %d is %q (method %d), want stored %q", i, zr.File[i].Name, zr.File[i].Method, e.Path+".npy")
				}
				if !bytes.Equal(members[e.Path+".npy"], refFiles[e.File]) {
					t.Fatalf("npz member %q differs from np.save's %s", e.Path, e.File)
				}
			}
		})
	}
}

// TestMarshalConfigJSON: to_json() of each case is Keras's config.json
// without the ObjectSharingScope ids (to_json runs outside a sharing
// scope), from three inputs: the model loaded from model.keras, the one
// loaded from model.h5, and layer configs given as package keras gives
// them (get_config dicts with DTypePolicy dicts and wrapped initializers,
// BuildInputShape set) taken from config.json itself.
func TestMarshalConfigJSON(t *testing.T) {
	backend := svFixtureBackend(t)
	noShare := func(path string, a, b any) bool {
		if strings.HasSuffix(path, "#keys") {
			ka, kb := a.([]string), b.([]string)
			var f []string
			for _, k := range kb {
				if k != "shared_object_id" {
					f = append(f, k)
				}
			}
			return reflect.DeepEqual(ka, f)
		}
		return svKerasConfigAllow(path, a, b)
	}
	for _, c := range svSaveCaseNames(t) {
		_, files := svReadZip(t, filepath.Join(saveCasesDir, c, "model.keras"))
		want := files["config.json"]
		for _, src := range []string{"keras", "h5", "get_config"} {
			t.Run(c+"/"+src, func(t *testing.T) {
				var m *Model
				if src == "get_config" {
					m = svModelFromGetConfig(t, want, svLoadSource(t, c, "keras", backend))
				} else {
					m = svLoadSource(t, c, src, backend)
				}
				got, err := MarshalConfigJSON(m)
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(got, []byte("shared_object_id")) {
					t.Fatal("to_json() output has shared_object_id")
				}
				if d := svJsonDiffs(t, got, want, noShare); d != nil {
					t.Fatalf("to_json() differs from Keras's config.json:\n%s", strings.Join(d, "\n"))
				}
			})
		}
	}
}

// svModelFromGetConfig builds the Model package keras would pass: each
// layer's Config is the get_config() dict from Keras's config.json, with
// Go ints for integral numbers, and BuildInputShape from build_config;
// training and backend as loaded.
func svModelFromGetConfig(t *testing.T, configJSON []byte, loaded *Model) *Model {
	t.Helper()
	var top struct {
		ClassName string `json:"class_name"`
		Config    struct {
			Name   string           `json:"name"`
			Layers []map[string]any `json:"layers"`
		} `json:"config"`
	}
	dec := json.NewDecoder(bytes.NewReader(configJSON))
	dec.UseNumber()
	if err := dec.Decode(&top); err != nil {
		t.Fatal(err)
	}
	var conv func(v any) any
	conv = func(v any) any {
		switch x := v.(type) {
		case json.Number:
			if i, err := x.Int64(); err == nil {
				return int(i)
			}
			f, _ := x.Float64()
			return f
		case []any:
			for i := range x {
				x[i] = conv(x[i])
			}
		case map[string]any:
			delete(x, "shared_object_id")
			for k := range x {
				x[k] = conv(x[k])
			}
		}
		return v
	}
	mc := &ModelConfig{ClassName: top.ClassName, Name: top.Config.Name, KerasMajor: 3, InputDType: "float32"}
	for _, l := range top.Config.Layers {
		cls := l["class_name"].(string)
		cfg := conv(l["config"]).(map[string]any)
		if cls == "InputLayer" {
			mc.InputName = cfg["name"].(string)
			for _, d := range cfg["batch_shape"].([]any)[1:] {
				n, ok := d.(int)
				if !ok {
					n = -1
				}
				mc.InputShape = append(mc.InputShape, n)
			}
			continue
		}
		lc := LayerConfig{ClassName: cls, Name: cfg["name"].(string), Config: cfg}
		if bc, ok := l["build_config"].(map[string]any); ok {
			for _, d := range bc["input_shape"].([]any)[1:] {
				n := int64(-1)
				if num, ok := d.(json.Number); ok {
					n, _ = num.Int64()
				}
				lc.BuildInputShape = append(lc.BuildInputShape, int(n))
			}
		}
		mc.Layers = append(mc.Layers, lc)
	}
	return &Model{Config: mc, Training: loaded.Training, Backend: loaded.Backend}
}

// svPython returns /usr/bin/python3 when it has h5py and numpy, else skips
// (fails in CI; see testenv.RequireH5py).
func svPython(t *testing.T) string {
	t.Helper()
	return testenv.RequireH5py(t)
}

// svASCIIAttrs names the attributes Keras stores as variable-length ASCII
// strings (h5py's form for Python bytes).
var svASCIIAttrs = map[string]bool{"model_config": true, "training_config": true, "layer_names": true, "weight_names": true, "backend": true, "keras_version": true}

// TestSaveH5py: h5py, zipfile and numpy read the files we write exactly as
// they read Keras's: the same objects, dtypes, shapes, storage layout,
// attribute types, shapes and values, and dataset values; the .keras zip
// members have Python zipfile's header fields; np.load reads our .npz
// without pickle, with the manifest's names, dtypes and shapes. (Keras
// itself cannot be installed here, so loading with keras.saving.load_model
// is not checked.)
func TestSaveH5py(t *testing.T) {
	py := svPython(t)
	backend := svFixtureBackend(t)
	dir := t.TempDir()
	type pair struct{ ours, keras, c string }
	var pairs []pair
	var npzs []string
	var args []string
	for _, c := range svSaveCaseNames(t) {
		mk := svLoadSource(t, c, "keras", backend)
		mh := svLoadSource(t, c, "h5", backend)
		for _, x := range []struct {
			m    *Model
			f    Format
			name string
		}{{mk, FormatKeras, "model.keras"}, {mh, FormatH5, "model.h5"}, {mk, FormatWeightsH5, "model.weights.h5"}} {
			p := filepath.Join(dir, c+"_"+x.name)
			if err := save(p, x.m, x.f, saveHooks{noSync: true}); err != nil {
				t.Fatal(err)
			}
			kp := filepath.Join(saveCasesDir, c, x.name)
			pairs = append(pairs, pair{p, kp, c})
			args = append(args, p, kp)
		}
		np := filepath.Join(dir, c+".npz")
		if err := save(np, mh, FormatNPZ, saveHooks{noSync: true}); err != nil {
			t.Fatal(err)
		}
		npzs = append(npzs, np)
		args = append(args, np)
	}
	cmd := exec.Command(py, append([]string{"../testdata/save/h5tree.py"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("h5tree.py: %v\n%s", err, stderr.String())
	}
	var desc map[string]map[string]any
	if err := json.Unmarshal(out, &desc); err != nil {
		t.Fatal(err)
	}
	csetDiffs := 0
	for _, p := range pairs {
		t.Run(filepath.Base(p.ours), func(t *testing.T) {
			a, b := desc[p.ours], desc[p.keras]
			if a == nil || b == nil {
				t.Fatalf("no description for %s or %s", p.ours, p.keras)
			}
			if z, ok := b["zip"]; ok {
				if !reflect.DeepEqual(a["zip"], z) || a["testzip"] != nil || !reflect.DeepEqual(a["metadata_keys"], b["metadata_keys"]) || a["keras_version"] != b["keras_version"] {
					t.Fatalf("zip: %v %v %v %v\nKeras: %v %v %v %v", a["zip"], a["testzip"], a["metadata_keys"], a["keras_version"], z, b["testzip"], b["metadata_keys"], b["keras_version"])
				}
			}
			ha, _ := a["h5"].(map[string]any)
			hb, _ := b["h5"].(map[string]any)
			if len(ha) != len(hb) {
				t.Fatalf("h5py sees %d objects, %d in Keras's file", len(ha), len(hb))
			}
			for path, ob := range hb {
				oa, ok := ha[path].(map[string]any)
				if !ok {
					t.Fatalf("h5py: %s missing", path)
				}
				ob := ob.(map[string]any)
				aa, _ := oa["attrs"].(map[string]any)
				ab, _ := ob["attrs"].(map[string]any)
				for name, vb := range ab {
					va, _ := aa[name].(map[string]any)
					vbm := vb.(map[string]any)
					if va != nil && va["cset"] != vbm["cset"] && svASCIIAttrs[name] {
						csetDiffs++
					}
					if name == "model_config" || name == "training_config" {
						// compared as JSON trees in TestSaveH5Structure
						va, vbm = maps.Clone(va), maps.Clone(vbm)
						delete(va, "value")
						delete(vbm, "value")
					}
					if !reflect.DeepEqual(va, vbm) {
						t.Fatalf("h5py: %s attribute %q: %v\nKeras: %v", path, name, va, vbm)
					}
				}
				if len(aa) != len(ab) {
					t.Fatalf("h5py: %s has attributes %v, Keras's %v", path, aa, ab)
				}
				delete(oa, "attrs")
				delete(ob, "attrs")
				if !reflect.DeepEqual(oa, ob) {
					t.Fatalf("h5py: %s: %v\nKeras: %v", path, oa, ob)
				}
			}
		})
	}
	for _, np := range npzs {
		c := strings.TrimSuffix(filepath.Base(np), ".npz")
		var manifest []manifestEntry
		b, err := os.ReadFile(filepath.Join(saveCasesDir, c, "weights", "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &manifest); err != nil {
			t.Fatal(err)
		}
		members, _ := desc[np]["npz"].([]any)
		if len(members) != len(manifest) {
			t.Fatalf("%s: numpy reads %d arrays, want %d", np, len(members), len(manifest))
		}
		for i, e := range manifest {
			m := members[i].(map[string]any)
			shape, _ := json.Marshal(m["shape"])
			want, _ := json.Marshal(e.Shape)
			if m["name"] != e.Path || m["dtype"] != e.DType || string(shape) != string(want) {
				t.Fatalf("%s: numpy reads %v %v %s, want %s %s %s", np, m["name"], m["dtype"], shape, e.Path, e.DType, want)
			}
		}
	}
	if csetDiffs > 0 {
		t.Errorf("%d string attributes differ in character set from Keras's (variable-length ASCII, h5py's form for Python bytes)", csetDiffs)
	}
}

// failAfter is an io.Writer that accepts limit bytes in total (shared by
// all files of one save) and then fails.
type failAfter struct {
	w     io.Writer
	count *int
	limit int
}

var errInjected = fmt.Errorf("injected write failure")

func (f *failAfter) Write(p []byte) (int, error) {
	room := f.limit - *f.count
	if room <= 0 {
		return 0, errInjected
	}
	if len(p) > room {
		n, _ := f.w.Write(p[:room])
		*f.count += n
		return n, errInjected
	}
	n, err := f.w.Write(p)
	*f.count += n
	return n, err
}

// svSnapshot records every file under dir (relative path → content).
func svSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			out[rel+"/"] = ""
			return nil
		}
		b, err := os.ReadFile(p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSaveAtomic interrupts saves at every write boundary — after each of
// a spread of byte counts (0, 1, ..., the whole file), and at creating,
// syncing, closing and renaming the temporary file or directory — and
// checks each time that the error is reported, the previous file (or
// directory) at the path is byte for byte intact, and nothing else is
// left in the directory. Then an uninterrupted save replaces it.
func TestSaveAtomic(t *testing.T) {
	backend := svFixtureBackend(t)
	old := svLoadSource(t, "binary_classifier", "keras", backend)
	m := svLoadSource(t, "norm_dropout_flatten", "h5", backend)
	for _, f := range []struct {
		name   string
		format Format
	}{{"m.keras", FormatKeras}, {"m.h5", FormatH5}, {"m.weights.h5", FormatWeightsH5}, {"m.json", FormatJSON}, {"m.yaml", FormatYAML}, {"m.npz", FormatNPZ}, {"weights", FormatNPYDir}} {
		t.Run(f.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, f.name)
			if err := Save(path, old, f.format); err != nil {
				t.Fatal(err)
			}
			before := svSnapshot(t, dir)
			// size of a full save of m
			total := 0
			if err := save(path+".probe", m, f.format, saveHooks{wrap: func(w io.Writer) io.Writer {
				return &failAfter{w: w, count: &total, limit: math.MaxInt}
			}}); err != nil {
				t.Fatal(err)
			}
			os.RemoveAll(path + ".probe")
			cuts := []int{0, 1, total / 2, total - 1}
			for k := 1; k < 24; k++ {
				cuts = append(cuts, total*k/24)
			}
			check := func(what string, h saveHooks, wantErr error) {
				t.Helper()
				err := save(path, m, f.format, h)
				if err == nil {
					t.Fatalf("%s: save succeeded", what)
				}
				if !strings.Contains(err.Error(), wantErr.Error()) {
					t.Fatalf("%s: error %v, want %v", what, err, wantErr)
				}
				if after := svSnapshot(t, dir); !reflect.DeepEqual(after, before) {
					var names []string
					for k := range after {
						names = append(names, k)
					}
					sort.Strings(names)
					t.Fatalf("%s: directory changed; now holds %v", what, names)
				}
			}
			for _, n := range cuts {
				count := 0
				check(fmt.Sprintf("write cut after %d of %d bytes", n, total), saveHooks{wrap: func(w io.Writer) io.Writer {
					return &failAfter{w: w, count: &count, limit: n}
				}}, errInjected)
			}
			steps := []string{"create", "sync", "close", "rename"}
			if f.format == FormatNPYDir {
				steps = append(steps, "mkdir", "swap")
			}
			for _, s := range steps {
				injected := fmt.Errorf("injected failure at %s", s)
				check("fail at "+s, saveHooks{fail: func(step string) error {
					if step == s {
						return injected
					}
					return nil
				}}, injected)
			}
			// a failed first save leaves no file at all
			fresh := filepath.Join(dir, "new_"+f.name)
			for _, n := range []int{0, total / 3, total - 1} {
				count := 0
				if err := save(fresh, m, f.format, saveHooks{wrap: func(w io.Writer) io.Writer {
					return &failAfter{w: w, count: &count, limit: n}
				}}); err == nil {
					t.Fatal("save succeeded")
				}
				if after := svSnapshot(t, dir); !reflect.DeepEqual(after, before) {
					t.Fatalf("failed first save after %d bytes changed the directory: %v", n, after)
				}
			}
			if err := Save(path, m, f.format); err != nil {
				t.Fatal(err)
			}
			after := svSnapshot(t, dir)
			if reflect.DeepEqual(after, before) {
				t.Fatal("the final save did not change the file")
			}
			for k := range after {
				if strings.Contains(k, ".tmp-") || strings.Contains(k, ".old-") {
					t.Fatalf("temporary %s left behind", k)
				}
			}
			got, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if got.Config != nil {
				if err := svConfigEqual(m.Config, got.Config); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestSaveOverLoadedFile loads each Keras-written format of a compiled case,
// saves over the very file it came from, and loads it again.
func TestSaveOverLoadedFile(t *testing.T) {
	backend := svFixtureBackend(t)
	dir := t.TempDir()
	for _, name := range []string{"model.keras", "model.h5", "model.weights.h5", "model.json"} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			b, err := os.ReadFile(filepath.Join(saveCasesDir, "multiclass_classifier", name))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b, 0o640); err != nil {
				t.Fatal(err)
			}
			m, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			if m.Config == nil {
				ref := svLoadSource(t, "multiclass_classifier", "keras", backend)
				m.Config = ref.Config
			}
			m.Backend = backend
			f, err := FormatFromPath(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := Save(p, m, f); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o640 {
				t.Fatalf("mode %v, want the previous file's 0640", st.Mode().Perm())
			}
			got, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			if got.Config != nil {
				if err := svConfigEqual(m.Config, got.Config); err != nil {
					t.Fatal(err)
				}
			}
			if got.Weights != nil {
				a, b := svAlignedArrays(t, m.Config, m.Weights), svAlignedArrays(t, m.Config, got.Weights)
				for i := range a {
					for j := range a[i] {
						if err := svSameTensor(a[i][j], b[i][j]); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 1 {
				t.Fatalf("directory holds %d entries", len(ents))
			}
			os.Remove(p)
		})
	}
}
