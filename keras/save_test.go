package keras

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kerago/kerago/internal/hdf5"
	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/tensor"
)

// TestSaveRoundTripKerasCases: every Keras-written case, loaded, saved in
// each format and loaded again, predicts exactly what it predicted before
// (issue 4, done-when 1).
func TestSaveRoundTripKerasCases(t *testing.T) {
	root := filepath.Join(testdata, "keras-cases")
	for _, c := range caseDirs(t, root) {
		dir := filepath.Join(root, c)
		x := loadNpy(t, filepath.Join(dir, "x.npy"))
		m, err := Load(filepath.Join(dir, "model.keras"))
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		want, err := m.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		tmp := t.TempDir()
		for _, out := range []struct{ name, weights string }{
			{"m.keras", ""}, {"m.h5", ""}, {"m.json", "m.weights.h5"}, {"m.yaml", "m.npz"}, {"m.json", "npy"},
		} {
			t.Run(c+"/"+out.name+"+"+out.weights, func(t *testing.T) {
				p := filepath.Join(tmp, out.name)
				if err := m.Save(p); err != nil {
					t.Fatal(err)
				}
				var m2 *Model
				if out.weights == "" {
					m2, err = Load(p)
				} else {
					wp := filepath.Join(tmp, out.weights)
					if err := m.SaveWeights(wp); err != nil {
						t.Fatal(err)
					}
					m2, err = LoadWithWeights(p, wp)
				}
				if err != nil {
					t.Fatal(err)
				}
				got, err := m2.Predict(x)
				if err != nil {
					t.Fatal(err)
				}
				assertClose(t, c+" "+out.name, got, want, 0, 0)
				if a, b := summaryOf(t, m), summaryOf(t, m2); a != b {
					t.Fatalf("summary changed by the round trip:\n%s\nvs\n%s", a, b)
				}
			})
		}
	}
}

func summaryOf(t *testing.T, m *Model) string {
	var sb strings.Builder
	if err := m.Summary(&sb); err != nil {
		t.Fatal(err)
	}
	return sb.String()
}

// TestSaveTrainedQuickstart: the founding model trained in Go, saved as
// .keras and .h5, loads with identical predictions, the same compile
// configuration and optimizer state, so training continues exactly as if it
// had not stopped (issue 4, done-when 2).
func TestSaveTrainedQuickstart(t *testing.T) {
	x := loadNpy(t, filepath.Join(testdata, "fit-refs", "fit_adam_mse", "x.npy"))
	y := loadNpy(t, filepath.Join(testdata, "fit-refs", "fit_adam_mse", "y.npy"))
	fit := func(m *Model, epochs int) *History {
		h, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: epochs, Shuffle: ShuffleOff, Verbose: Silent, Output: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	newModel := func() *Model {
		m := foundingModel(t)
		m.SetSeed(1)
		init := m.GetWeights()
		for i, w := range init {
			for j := range w.Data() {
				w.Data()[j] = float32((i*31+j*7)%13-6) / 20
			}
		}
		if err := m.SetWeights(init); err != nil {
			t.Fatal(err)
		}
		if err := m.Compile(CompileConfig{Optimizer: "adam", Loss: "mean_squared_error", Metrics: []any{"mse"}}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	straight := newModel()
	fit(straight, 10)
	want := fit(straight, 10).History["loss"]

	for _, name := range []string{"q.keras", "q.h5"} {
		t.Run(name, func(t *testing.T) {
			m := newModel()
			fit(m, 10)
			p := filepath.Join(t.TempDir(), name)
			if err := m.Save(p); err != nil {
				t.Fatal(err)
			}
			m2, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			if w := m2.LoadWarnings(); len(w) != 0 {
				t.Fatalf("load warnings: %v", w)
			}
			p1, _ := m.Predict(x)
			p2, _ := m2.Predict(x)
			assertClose(t, "predictions after reload", p2, p1, 0, 0)
			if !m2.Compiled() || m2.Optimizer().ClassName() != "Adam" || m2.Optimizer().Iterations() != m.Optimizer().Iterations() {
				t.Fatalf("compile state not restored: compiled %v", m2.Compiled())
			}
			got := fit(m2, 10).History["loss"]
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("epoch %d after reload: loss %v, uninterrupted training %v", i+11, got[i], want[i])
				}
			}
		})
	}
}

// TestSaveLayoutMatchesKeras: a model built in Go with the architecture and
// names of a Keras-written case saves files whose HDF5 trees (group paths,
// attribute names, dtypes, shapes) and config.json keys equal Keras's.
func TestSaveLayoutMatchesKeras(t *testing.T) {
	cases := []struct {
		name  string
		build func() (*Model, error)
	}{
		{"mlp_2_10_10_2", func() (*Model, error) {
			m, err := NewSequential(namedInput("input", 2),
				layers.Dense(10, layers.WithActivation("relu"), layers.WithName("dense_1")),
				layers.Dense(10, layers.WithActivation("relu"), layers.WithName("dense_2")),
				layers.Dense(2, layers.WithName("dense_3")))
			if m != nil {
				m.SetName("mlp_2_10_10_2")
			}
			return m, err
		}},
		{"binary_classifier", func() (*Model, error) {
			m, err := NewSequential(namedInput("input", 5),
				layers.Dense(16, layers.WithActivation("relu"), layers.WithName("hidden")),
				layers.Dense(1, layers.WithActivation("sigmoid"), layers.WithName("prob")))
			if err != nil {
				return nil, err
			}
			m.SetName("binary_classifier")
			return m, m.Compile(CompileConfig{Optimizer: "adam", Loss: "binary_crossentropy", Metrics: []any{"accuracy"}})
		}},
	}
	for _, c := range cases {
		m, err := c.build()
		if err != nil {
			t.Fatal(err)
		}
		// The Keras files were written with the numpy backend, which stores
		// the optimizer's iteration as int32 and resolves jit_compile to true.
		m.backend = "numpy"
		dir := filepath.Join(testdata, "keras-cases", c.name)
		tmp := t.TempDir()
		t.Run(c.name+"/keras", func(t *testing.T) {
			p := filepath.Join(tmp, "m.keras")
			if err := m.Save(p); err != nil {
				t.Fatal(err)
			}
			oursZip, kerasZip := readZip(t, p), readZip(t, filepath.Join(dir, "model.keras"))
			if strings.Join(oursZip.names, ",") != strings.Join(kerasZip.names, ",") {
				t.Fatalf("zip members %v, Keras %v", oursZip.names, kerasZip.names)
			}
			diffJSONKeys(t, "config.json", oursZip.files["config.json"], kerasZip.files["config.json"])
			diffJSONKeys(t, "metadata.json", oursZip.files["metadata.json"], kerasZip.files["metadata.json"])
			diffH5(t, oursZip.files["model.weights.h5"], kerasZip.files["model.weights.h5"])
		})
		t.Run(c.name+"/h5", func(t *testing.T) {
			p := filepath.Join(tmp, "m.h5")
			if err := m.Save(p); err != nil {
				t.Fatal(err)
			}
			ours, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := os.ReadFile(filepath.Join(dir, "model.h5"))
			if err != nil {
				t.Fatal(err)
			}
			diffH5(t, ours, theirs)
		})
	}
}

type zipped struct {
	names []string
	files map[string][]byte
}

func readZip(t *testing.T, path string) zipped {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	z := zipped{files: map[string][]byte{}}
	for _, f := range zr.File {
		if f.Method != zip.Store {
			t.Errorf("%s: member %s is compressed; Keras stores (ZIP_STORED)", path, f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		z.names = append(z.names, f.Name)
		z.files[f.Name] = b
	}
	return z
}

// diffJSONKeys compares the key structure and value types of two JSON
// documents, and the values too except where they are legitimately
// run-dependent (date_saved).
func diffJSONKeys(t *testing.T, what string, ours, keras []byte) {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(ours, &a); err != nil {
		t.Fatalf("%s: ours: %v", what, err)
	}
	if err := json.Unmarshal(keras, &b); err != nil {
		t.Fatalf("%s: Keras: %v", what, err)
	}
	var diffs []string
	var walk func(path string, a, b any)
	walk = func(path string, a, b any) {
		switch bv := b.(type) {
		case map[string]any:
			av, ok := a.(map[string]any)
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s: ours %T, Keras object", path, a))
				return
			}
			for k := range bv {
				if _, ok := av[k]; !ok {
					diffs = append(diffs, path+"."+k+": missing in ours")
				}
			}
			for k := range av {
				if _, ok := bv[k]; !ok {
					diffs = append(diffs, path+"."+k+": not written by Keras")
				}
			}
			for k := range bv {
				if _, ok := av[k]; ok {
					walk(path+"."+k, av[k], bv[k])
				}
			}
		case []any:
			av, ok := a.([]any)
			if !ok || len(av) != len(bv) {
				diffs = append(diffs, fmt.Sprintf("%s: ours %v, Keras %v", path, a, b))
				return
			}
			for i := range bv {
				walk(fmt.Sprintf("%s[%d]", path, i), av[i], bv[i])
			}
		default:
			if strings.HasSuffix(path, ".date_saved") {
				return
			}
			if fmt.Sprint(a) != fmt.Sprint(b) {
				diffs = append(diffs, fmt.Sprintf("%s: ours %v, Keras %v", path, a, b))
			}
		}
	}
	walk("", a, b)
	sort.Strings(diffs)
	for _, d := range diffs {
		t.Errorf("%s%s", what, d)
	}
}

type h5obj struct {
	kind  string
	dtype string
	shape string
	attrs string
}

func h5Tree(t *testing.T, data []byte) map[string]h5obj {
	t.Helper()
	f, err := hdf5.NewFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]h5obj{}
	attrDesc := func(as []*hdf5.Attribute) string {
		var parts []string
		for _, a := range as {
			parts = append(parts, fmt.Sprintf("%s:%v%v", a.Name, a.DType(), a.Shape()))
		}
		sort.Strings(parts)
		return strings.Join(parts, " ")
	}
	var walk func(g *hdf5.Group)
	walk = func(g *hdf5.Group) {
		as, err := g.Attrs()
		if err != nil {
			t.Fatal(err)
		}
		out[g.Path()] = h5obj{kind: "group", attrs: attrDesc(as)}
		names, err := g.Members()
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			k, err := g.Kind(n)
			if err != nil {
				t.Fatal(err)
			}
			if k == hdf5.KindGroup {
				sub, err := g.Group(n)
				if err != nil {
					t.Fatal(err)
				}
				walk(sub)
				continue
			}
			d, err := g.Dataset(n)
			if err != nil {
				t.Fatal(err)
			}
			das, err := d.Attrs()
			if err != nil {
				t.Fatal(err)
			}
			out[d.Path()] = h5obj{kind: "dataset", dtype: fmt.Sprint(d.DType()), shape: fmt.Sprint(d.Shape()), attrs: attrDesc(das)}
		}
	}
	walk(f.Root())
	return out
}

func diffH5(t *testing.T, ours, keras []byte) {
	t.Helper()
	a, b := h5Tree(t, ours), h5Tree(t, keras)
	var diffs []string
	for p, kb := range b {
		ka, ok := a[p]
		if !ok {
			diffs = append(diffs, p+": missing in ours")
			continue
		}
		if ka != kb {
			diffs = append(diffs, fmt.Sprintf("%s: ours %+v, Keras %+v", p, ka, kb))
		}
	}
	for p := range a {
		if _, ok := b[p]; !ok {
			diffs = append(diffs, p+": not written by Keras")
		}
	}
	sort.Strings(diffs)
	for _, d := range diffs {
		t.Error(d)
	}
}

var _ = tensor.SameShape

func namedInput(name string, shape ...int) layers.Layer {
	l := layers.Input(shape...)
	l.SetName(name)
	return l
}
