package hdf5

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// TestWriteKerasLayouts writes the two Keras layouts by hand and reads them back.
func TestWriteKerasLayouts(t *testing.T) {
	kernel := []float32{0.5, -1, 2, 0.25, 3, -4}
	bias := []float32{0.1, 0.2, 0.3}

	// Keras 3 model.weights.h5 (saving_lib): /layers/<snake>/vars/<i>, vars groups carry name
	w := NewWriter()
	w.Root().CreateGroup("vars").SetAttrString("name", "sequential")
	v := w.Root().CreateGroup("layers/dense/vars")
	v.SetAttrString("name", "dense")
	v.CreateDataset("0", Float32, []int{2, 3}, kernel)
	v.CreateDataset("1", Float32, []int{3}, bias)
	w.Root().CreateGroup("layers/dropout/vars").SetAttrString("name", "dropout")
	ov := w.Root().CreateGroup("optimizer/vars")
	ov.SetAttrString("name", "adam")
	ov.CreateDataset("0", Int64, nil, []int64{12})
	ov.CreateDataset("1", Float32, nil, []float32{0.001})
	f := reopen(t, w)
	g, err := f.Root().Group("layers/dense/vars")
	if err != nil {
		t.Fatal(err)
	}
	if a, err := g.Attr("name"); err != nil {
		t.Fatal(err)
	} else if s, err := a.String(); s != "dense" || err != nil {
		t.Fatalf("name = %q %v", s, err)
	}
	if m, _ := g.Members(); !reflect.DeepEqual(m, []string{"0", "1"}) {
		t.Fatalf("members %v", m)
	}
	checkF32(t, f.Root(), "layers/dense/vars/0", []int{2, 3}, kernel)
	checkF32(t, f.Root(), "/layers/dense/vars/1", []int{3}, bias)
	if m, _ := f.Root().Members(); !reflect.DeepEqual(m, []string{"layers", "optimizer", "vars"}) {
		t.Fatalf("root members %v", m)
	}
	it, err := f.Root().Dataset("optimizer/vars/0")
	if err != nil {
		t.Fatal(err)
	}
	if x, err := it.ReadInt64(); err != nil || x[0] != 12 || len(it.Shape()) != 0 {
		t.Fatalf("iterations = %v %v shape %v", x, err, it.Shape())
	}

	// legacy model.h5 (legacy_h5_format): model_weights with layer_names / weight_names
	w = NewWriter()
	root := w.Root()
	root.SetAttrString("keras_version", "3.15.1")
	root.SetAttrString("backend", "tensorflow")
	root.SetAttrBytes("model_config", `{"class_name": "Sequential"}`)
	mw := root.CreateGroup("model_weights")
	mw.SetAttrStrings("layer_names", []string{"dense", "dropout"}, FixedBytes)
	mw.SetAttrString("backend", "tensorflow")
	mw.SetAttrString("keras_version", "3.15.1")
	dl := mw.CreateGroup("dense")
	dl.SetAttrStrings("weight_names", []string{"sequential/dense/kernel", "sequential/dense/bias"}, FixedBytes)
	dl.CreateDataset("sequential/dense/kernel", Float32, []int{2, 3}, kernel)
	dl.CreateDataset("sequential/dense/bias", Float32, []int{3}, bias)
	mw.CreateGroup("dropout").SetAttrFloat64s("weight_names", nil) // Keras writes [] as an empty float64 array
	mw.CreateGroup("top_level_model_weights").SetAttrFloat64s("weight_names", nil)
	f = reopen(t, w)
	mwg, err := f.Root().Group("model_weights")
	if err != nil {
		t.Fatal(err)
	}
	a, err := mwg.Attr("layer_names")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := a.Strings(); err != nil || !reflect.DeepEqual(s, []string{"dense", "dropout"}) || a.DType() != String {
		t.Fatalf("layer_names = %q %v", s, err)
	}
	for _, layer := range []string{"dense", "dropout"} {
		lg, err := mwg.Group(layer)
		if err != nil {
			t.Fatal(err)
		}
		wa, err := lg.Attr("weight_names")
		if err != nil {
			t.Fatal(err)
		}
		names, err := wa.Strings()
		if err != nil {
			t.Fatal(err)
		}
		if layer == "dropout" && len(names) != 0 {
			t.Fatalf("dropout weight_names %q", names)
		}
		for i, n := range names {
			checkF32(t, lg, n, [][]int{{2, 3}, {3}}[i], [][]float32{kernel, bias}[i])
		}
	}
	if a, err := f.Root().Attr("model_config"); err != nil {
		t.Fatal(err)
	} else if s, _ := a.String(); s != `{"class_name": "Sequential"}` {
		t.Fatalf("model_config = %q", s)
	}
}

func reopen(t *testing.T, w *Writer) *File {
	t.Helper()
	var buf bytes.Buffer
	n, err := w.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatal(n, err)
	}
	f, err := NewFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func checkF32(t *testing.T, g *Group, path string, shape []int, want []float32) {
	t.Helper()
	ds, err := g.Dataset(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ds.ReadFloat32()
	if err != nil {
		t.Fatal(err)
	}
	if ds.DType() != Float32 || !reflect.DeepEqual(ds.Shape(), shape) || !reflect.DeepEqual(v, want) {
		t.Fatalf("%s: %s %v %v, want float32 %v %v", path, ds.DType(), ds.Shape(), v, shape, want)
	}
}

// copyInto rewrites everything readable in src with the writer.
func copyInto(t *testing.T, src *Group, dst *WGroup) {
	t.Helper()
	attrs, err := src.Attrs()
	if err != nil {
		t.Fatal(err)
	}
	copyAttrs(t, attrs, &dst.attrHolder)
	names, err := src.Members()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		k, err := src.Kind(n)
		if err != nil {
			t.Fatal(err)
		}
		switch k {
		case KindGroup:
			sg, err := src.Group(n)
			if err != nil {
				t.Fatal(err)
			}
			copyInto(t, sg, dst.CreateGroup(n))
		case KindDataset:
			ds, err := src.Dataset(n)
			if err != nil {
				t.Fatal(err)
			}
			var d *WDataset
			switch ds.DType() {
			case Float32:
				v, err := ds.ReadFloat32()
				if err != nil {
					t.Fatal(err)
				}
				d = dst.CreateDataset(n, Float32, ds.Shape(), v)
			case Float64:
				v, _ := ds.ReadFloat64()
				d = dst.CreateDataset(n, Float64, ds.Shape(), v)
			case Int64, Int32:
				v, err := ds.ReadInt64()
				if err != nil {
					t.Fatal(err)
				}
				if ds.DType() == Int64 {
					d = dst.CreateDataset(n, Int64, ds.Shape(), v)
				} else {
					v32 := make([]int32, len(v))
					for i, x := range v {
						v32[i] = int32(x)
					}
					d = dst.CreateDataset(n, Int32, ds.Shape(), v32)
				}
			default:
				t.Fatalf("%s: cannot copy %s dataset", ds.Path(), ds.DType())
			}
			dattrs, err := ds.Attrs()
			if err != nil {
				t.Fatal(err)
			}
			copyAttrs(t, dattrs, &d.attrHolder)
		}
	}
}

func copyAttrs(t *testing.T, attrs []*Attribute, h *attrHolder) {
	t.Helper()
	for _, a := range attrs {
		scalar := len(a.Shape()) == 0
		switch a.DType() {
		case String:
			s, err := a.Strings()
			if err != nil {
				t.Fatal(err)
			}
			vlen := a.dt.class == classVlen
			switch {
			case scalar && vlen:
				h.SetAttrString(a.Name, s[0])
			case scalar:
				h.SetAttrBytes(a.Name, s[0])
			case vlen:
				h.SetAttrStrings(a.Name, s, VarString)
			default:
				h.SetAttrStrings(a.Name, s, FixedBytes)
			}
		case Float64:
			v, _ := a.Float64s()
			if scalar {
				h.SetAttrFloat64(a.Name, v[0])
			} else {
				h.SetAttrFloat64s(a.Name, v)
			}
		case Int64:
			v, _ := a.Int64s()
			if scalar {
				h.SetAttrInt64(a.Name, v[0])
			} else {
				h.SetAttrInt64s(a.Name, v)
			}
		default:
			t.Fatalf("attribute %q: cannot copy %s", a.Name, a.DType())
		}
	}
}

// TestRewriteKerasFiles copies every Keras-written model.h5 / model.weights.h5
// with the writer. Our reader must see in each copy exactly what h5py saw in
// the original (expected.json), and h5py must see the copies the same way.
func TestRewriteKerasFiles(t *testing.T) {
	js, err := os.ReadFile(filepath.Join(realDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(js, &all); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range all {
		if strings.HasPrefix(k, "keras-cases/") && !strings.Contains(k, "!") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) != 80 {
		t.Fatalf("%d keras-case files", len(keys))
	}
	dir := t.TempDir()
	var paths []string
	for i, k := range keys {
		src := openTestFile(t, k)
		w := NewWriter()
		copyInto(t, src.Root(), w.Root())
		src.Close()
		b, err := w.Bytes()
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		p := filepath.Join(dir, strings.ReplaceAll(k, "/", "_"))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
		var want sidecar
		if err := json.Unmarshal(all[k], &want); err != nil {
			t.Fatal(err)
		}
		f, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(k, func(t *testing.T) { checkDescription(t, f.Root(), &want) })
		f.Close()
		_ = i
	}
	// h5py's view of the copies (one Python process for all files)
	descs := h5pyDescribe(t, paths)
	for i, p := range paths {
		f, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("h5py/"+keys[i], func(t *testing.T) { checkDescription(t, f.Root(), descs[p]) })
		f.Close()
	}
}
