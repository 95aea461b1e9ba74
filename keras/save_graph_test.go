package keras

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kerago/kerago/internal/hdf5"
	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/tensor"
)

// runningLayerCases lists the keras-layers cases kerago runs, sorted.
// sequenceCases save files that load back with identical predictions
// (TestSaveGraphRoundTrip), but the writer does not yet reproduce Keras's
// RNN/Embedding/wrapper files exactly: config key order, the cell
// initializers' shared_object_id, the cell's variable paths
// ("lstm/lstm_cell/kernel") and group names ("lstm_cell"). They are left out
// of the file-for-file comparison until it does.
var sequenceCases = map[string]bool{"embedding_pool": true, "embedding_mask_lstm": true, "lstm_stack": true,
	"gru_variants": true, "lstm_activations": true, "conv1d_lstm": true, "rnn_wrappers": true, "conv_lstm2d": true}

func runningLayerCases() []string {
	var out []string
	for c, ok := range layerCasesRunning {
		if ok {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// TestSaveGraphRoundTrip: every keras-layers case kerago runs (Functional
// graphs with merges and shared layers, nested Sequential and Functional
// models, convolution, pooling and resampling layers), loaded from
// Keras's .keras file, saved in every format kerago writes and loaded
// again, predicts exactly what it predicted before, which is Keras's
// output (allclose 1e-5).
func TestSaveGraphRoundTrip(t *testing.T) {
	root := filepath.Join(testdata, "keras-layers")
	outs := []struct{ cfg, weights string }{
		{"m.keras", ""}, {"m.h5", ""}, {"m.json", "m.weights.h5"}, {"m.yaml", "m.npz"},
		{"m.json", "npy"}, {"m.json", "legacy.h5"},
	}
	for _, name := range runningLayerCases() {
		dir := filepath.Join(root, name)
		t.Run(name, func(t *testing.T) {
			xs, ys := caseIO(t, dir)
			if raceDetector && name == "mobilenetv2_teachable" {
				xs, ys = firstRows(t, xs), firstRows(t, ys)
			}
			m, err := Load(filepath.Join(dir, "model.keras"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := m.PredictN(xs...)
			if err != nil {
				t.Fatal(err)
			}
			for i := range ys {
				assertClose(t, fmt.Sprintf("source output %d", i), want[i], ys[i], 1e-5, 1e-5)
			}
			tmp := t.TempDir()
			for k, o := range outs {
				if raceDetector && name == "mobilenetv2_teachable" && k >= 2 {
					// 224×224 MobileNetV2: under -race only .keras and .h5
					// (the ordinary run covers every format)
					break
				}
				p := filepath.Join(tmp, o.cfg)
				if err := m.Save(p); err != nil {
					t.Fatalf("%s: %v", o.cfg, err)
				}
				var m2 *Model
				if o.weights == "" {
					m2, err = Load(p)
				} else {
					wp := filepath.Join(tmp, o.weights)
					if err := m.SaveWeights(wp); err != nil {
						t.Fatalf("%s: %v", o.weights, err)
					}
					m2, err = LoadWithWeights(p, wp)
				}
				if err != nil {
					t.Fatalf("%s+%s: %v", o.cfg, o.weights, err)
				}
				got, err := m2.PredictN(xs...)
				if err != nil {
					t.Fatalf("%s+%s: %v", o.cfg, o.weights, err)
				}
				if len(got) != len(want) {
					t.Fatalf("%s+%s: %d outputs, want %d", o.cfg, o.weights, len(got), len(want))
				}
				for i := range want {
					assertClose(t, fmt.Sprintf("%s+%s output %d", o.cfg, o.weights, i), got[i], want[i], 0, 0)
				}
			}
		})
	}
}

// TestSaveGraphMatchesKeras diffs the files kerago writes for each
// keras-layers case against the ones Keras 3.15.1 wrote for the same
// model: config.json, to_json() and the legacy model_config key for key,
// in order, with equal values (the Python id in shared_object_id aside);
// model.weights.h5, the .keras weights and the legacy .h5 group for group
// and dataset for dataset (shapes, dtypes, attributes, weight_names);
// the npy directory's manifest entry for entry.
func TestSaveGraphMatchesKeras(t *testing.T) {
	root := filepath.Join(testdata, "keras-layers")
	for _, name := range runningLayerCases() {
		if sequenceCases[name] {
			continue // see sequenceCases
		}
		dir := filepath.Join(root, name)
		t.Run(name, func(t *testing.T) {
			m, err := Load(filepath.Join(dir, "model.keras"))
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			save := func(f string) string {
				p := filepath.Join(tmp, f)
				if err := m.Save(p); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				return p
			}
			ours, keras := readZip(t, save("m.keras")), readZip(t, filepath.Join(dir, "model.keras"))
			if strings.Join(ours.names, ",") != strings.Join(keras.names, ",") {
				t.Errorf("zip members %v, Keras %v", ours.names, keras.names)
			}
			diffOrderedJSON(t, "config.json", ours.files["config.json"], keras.files["config.json"])
			diffH5(t, ours.files["model.weights.h5"], keras.files["model.weights.h5"])
			diffOrderedJSON(t, "to_json", readFile(t, save("m.json")), readFile(t, filepath.Join(dir, "model.json")))
			diffH5(t, readFile(t, save("m.weights.h5")), readFile(t, filepath.Join(dir, "model.weights.h5")))
			oursH5, kerasH5 := readFile(t, save("m.h5")), readFile(t, filepath.Join(dir, "model.h5"))
			diffH5(t, oursH5, kerasH5)
			diffH5Strings(t, oursH5, kerasH5)
			diffOrderedJSON(t, "model_config", []byte(h5RootAttr(t, oursH5, "model_config")), []byte(h5RootAttr(t, kerasH5, "model_config")))
			diffManifest(t, readFile(t, filepath.Join(save("npy"), "manifest.json")), readFile(t, filepath.Join(dir, "weights", "manifest.json")))
		})
	}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ordered is a JSON value whose objects keep their key order.
type ordered struct {
	keys []string
	vals map[string]any
}

func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch d := tok.(type) {
	case json.Delim:
		switch d {
		case '{':
			o := &ordered{vals: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				o.keys = append(o.keys, k)
				o.vals[k] = v
			}
			_, err := dec.Token()
			return o, err
		case '[':
			out := []any{}
			for dec.More() {
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			_, err := dec.Token()
			return out, err
		}
	case json.Number:
		return d.String(), nil
	}
	return tok, nil
}

func parseOrdered(t *testing.T, what string, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeOrdered(dec)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// diffOrderedJSON compares two JSON texts key for key and in key order;
// numbers compare as written (1 and 1.0 differ, as in Python). Only the
// value of shared_object_id (a Python id()) may differ.
func diffOrderedJSON(t *testing.T, what string, ours, keras []byte) {
	t.Helper()
	a, b := parseOrdered(t, what+" (ours)", ours), parseOrdered(t, what+" (Keras)", keras)
	var diffs []string
	var walk func(path string, a, b any)
	walk = func(path string, a, b any) {
		if len(diffs) > 20 {
			return
		}
		switch bv := b.(type) {
		case *ordered:
			av, ok := a.(*ordered)
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s: ours %v, Keras an object", path, a))
				return
			}
			if strings.Join(av.keys, ",") != strings.Join(bv.keys, ",") {
				diffs = append(diffs, fmt.Sprintf("%s: keys %v, Keras %v", path, av.keys, bv.keys))
				return
			}
			for _, k := range bv.keys {
				if k == "shared_object_id" {
					continue
				}
				walk(path+"."+k, av.vals[k], bv.vals[k])
			}
		case []any:
			av, ok := a.([]any)
			if !ok || len(av) != len(bv) {
				diffs = append(diffs, fmt.Sprintf("%s: ours %s, Keras %s", path, shortJSON(a), shortJSON(b)))
				return
			}
			for i := range bv {
				walk(fmt.Sprintf("%s[%d]", path, i), av[i], bv[i])
			}
		default:
			if fmt.Sprint(a) != fmt.Sprint(b) {
				diffs = append(diffs, fmt.Sprintf("%s: ours %s, Keras %s", path, shortJSON(a), shortJSON(b)))
			}
		}
	}
	walk("", a, b)
	for _, d := range diffs {
		t.Errorf("%s%s", what, d)
	}
}

func shortJSON(v any) string {
	s := fmt.Sprint(v)
	if o, ok := v.(*ordered); ok {
		s = fmt.Sprintf("object%v", o.keys)
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// diffH5Strings compares the string-list attributes (layer_names,
// weight_names) of every group of two HDF5 files.
func diffH5Strings(t *testing.T, ours, keras []byte) {
	t.Helper()
	a, b := h5StringAttrs(t, ours), h5StringAttrs(t, keras)
	for p, vb := range b {
		if va := a[p]; va != vb {
			t.Errorf("%s: ours %q, Keras %q", p, shortJSON(va), shortJSON(vb))
		}
	}
}

func h5StringAttrs(t *testing.T, data []byte) map[string]string {
	t.Helper()
	f, err := hdf5.NewFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(g *hdf5.Group)
	walk = func(g *hdf5.Group) {
		as, err := g.Attrs()
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range as {
			if at.Name != "layer_names" && at.Name != "weight_names" {
				continue
			}
			s, err := at.Strings()
			if err != nil {
				s = nil // an empty list is stored as a float64 array
			}
			out[g.Path()+"@"+at.Name] = strings.Join(s, ",")
		}
		names, err := g.Members()
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if k, _ := g.Kind(n); k == hdf5.KindGroup {
				sub, err := g.Group(n)
				if err != nil {
					t.Fatal(err)
				}
				walk(sub)
			}
		}
	}
	walk(f.Root())
	return out
}

func h5RootAttr(t *testing.T, data []byte, name string) string {
	t.Helper()
	f, err := hdf5.NewFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.Root().Attr(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.String()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// diffManifest compares two npy-directory manifests entry by entry.
func diffManifest(t *testing.T, ours, keras []byte) {
	t.Helper()
	var a, b []map[string]any
	if err := json.Unmarshal(ours, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(keras, &b); err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("manifest: %d entries, Keras %d", len(a), len(b))
	}
	for i := range b {
		if fmt.Sprint(a[i]) != fmt.Sprint(b[i]) {
			t.Errorf("manifest[%d]: ours %v, Keras %v", i, a[i], b[i])
		}
	}
}

// TestSaveGraphTrainedState: a graph model and models with nested models,
// trained one epoch with Adam, saved as .keras and loaded back, predict
// the same and get their optimizer state back (every slot variable,
// nothing skipped), in each format that stores it.
func TestSaveGraphTrainedState(t *testing.T) {
	for _, c := range []string{"shared_residual", "mobilenet_like", "lenet_bn"} {
		t.Run(c, func(t *testing.T) {
			dir := filepath.Join(testdata, "keras-layers", c)
			xs, ys := caseIO(t, dir)
			m, err := Load(filepath.Join(dir, "model.keras"))
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Compile(CompileConfig{Optimizer: "adam", Loss: "mse"}); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Fit(context.Background(), xs[0], ys[0], FitConfig{Epochs: 1, Verbose: Silent}); err != nil {
				t.Fatal(err)
			}
			want, err := m.PredictN(xs...)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"m.keras", "m.h5"} {
				p := filepath.Join(t.TempDir(), f)
				if err := m.Save(p); err != nil {
					t.Fatal(err)
				}
				m2, err := Load(p)
				if err != nil {
					t.Fatal(err)
				}
				if w := m2.LoadWarnings(); len(w) > 0 {
					t.Fatalf("%s: %v", f, w)
				}
				got, err := m2.PredictN(xs...)
				if err != nil {
					t.Fatal(err)
				}
				assertClose(t, f, got[0], want[0], 0, 0)
				a, b := m.comp.opt.Variables(), m2.comp.opt.Variables()
				if len(a) != len(b) || len(a) < 3 {
					t.Fatalf("%s: %d optimizer variables back, had %d", f, len(b), len(a))
				}
				for i := range a {
					if fmt.Sprint(a[i].Data) != fmt.Sprint(b[i].Data) {
						t.Fatalf("%s: optimizer variable %d (%s) changed by the round trip", f, i, a[i].Name)
					}
				}
			}
		})
	}
}

// firstRows keeps the first sample of each tensor.
func firstRows(t *testing.T, ts []*tensor.Tensor) []*tensor.Tensor {
	t.Helper()
	out := make([]*tensor.Tensor, len(ts))
	for i, x := range ts {
		r, err := x.SliceRows(0, 1)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = r
	}
	return out
}

// TestSaveNestedHardSigmoidRefused: Keras 2's hard_sigmoid inside a nested
// model is refused for full-model formats as it is at the top level (Keras
// 3's hard_sigmoid is another function), and the weights still save.
func TestSaveNestedHardSigmoidRefused(t *testing.T) {
	inner := &loader.ModelConfig{ClassName: "Sequential", Name: "inner", InputShape: []int{3}, KerasMajor: 2,
		Layers: []loader.LayerConfig{{ClassName: "Dense", Name: "d", Config: map[string]any{"units": 2.0, "activation": "hard_sigmoid"}}}}
	cfg := &loader.ModelConfig{ClassName: "Sequential", Name: "outer", InputShape: []int{3}, KerasMajor: 2,
		Layers: []loader.LayerConfig{{ClassName: "Sequential", Name: "inner", Model: inner}}}
	m, err := FromLoaded(&loader.Model{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := m.Save(filepath.Join(dir, "m.keras")); err == nil || !strings.Contains(err.Error(), `layer "d" uses Keras 2's hard_sigmoid`) {
		t.Fatalf("error %v", err)
	}
	if err := m.SaveWeights(filepath.Join(dir, "m.weights.h5")); err != nil {
		t.Fatal(err)
	}
}
