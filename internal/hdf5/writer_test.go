package hdf5

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kerago/kerago/internal/testenv"
)

// buildTestFile writes a file exercising every writer feature.
func buildTestFile() *Writer {
	w := NewWriter()
	root := w.Root()
	root.SetAttrString("keras_version", "3.15.1")
	root.SetAttrBytes("backend_bytes", "tensorflow")
	root.SetAttrStrings("vlen_list", []string{"a", "", "ünïcode", strings.Repeat("long", 2000)}, VarString)
	root.SetAttrStrings("fixed_list", []string{"dense", "dense_1", ""}, FixedBytes)
	root.SetAttrStrings("empty_fixed", nil, FixedBytes)
	root.SetAttrStrings("empty_vlen", []string{}, VarString)
	root.SetAttrFloat64("pi", math.Pi)
	root.SetAttrFloat64s("f64s", []float64{1.5, -2, math.Inf(1)})
	root.SetAttrFloat32s("f32s", []float32{0.1, 0.2})
	root.SetAttrInt64("answer", -42)
	root.SetAttrInt64s("i64s", []int64{math.MinInt64, 0, math.MaxInt64})
	root.SetAttrInt32s("i32s", []int32{-1, 7})
	root.SetAttrString("keras_version", "3.15.2") // overwrite keeps one attribute

	many := root.CreateGroup("many")
	for i := 999; i >= 0; i-- {
		if i%3 == 0 {
			many.CreateGroup(fmt.Sprintf("g%04d", i)).SetAttrInt64("i", int64(i))
		} else {
			many.CreateDataset(fmt.Sprintf("d%04d", i), Int32, nil, []int32{int32(i)})
		}
	}
	d := root.CreateGroup("a/b/c")
	d.SetAttrString("deep", "yes")
	k := root.CreateDataset("a/b/kernel:0", Float32, []int{4, 3}, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	k.SetAttrString("unit", "m")
	k.SetAttrFloat64s("range", []float64{1, 12})
	root.CreateDataset("types/f64", Float64, []int{2, 2}, []float64{1e-300, -0.0, math.MaxFloat64, 3})
	root.CreateDataset("types/i64", Int64, []int{3}, []int64{math.MinInt64, 1, math.MaxInt64})
	root.CreateDataset("types/i32", Int32, []int{2, 1, 2}, []int32{1, -2, 3, -4})
	root.CreateDataset("types/u8", Uint8, []int{3}, []uint8{0, 128, 255})
	root.CreateDataset("types/scalar", Int64, nil, []int64{7})
	root.CreateDataset("types/empty", Float32, []int{0}, []float32{})
	root.CreateDataset("types/empty2", Float64, []int{2, 0, 3}, []float64{})
	big := make([]float32, 20000)
	for i := range big {
		big[i] = float32(i) * 0.5
	}
	root.CreateDataset("types/big", Float32, []int{200, 100}, big)
	return w
}

func TestWriterErrors(t *testing.T) {
	cases := []struct {
		name  string
		build func(w *Writer)
		want  string
	}{
		{"dtype mismatch", func(w *Writer) { w.Root().CreateDataset("x", Float32, []int{1}, []float64{1}) }, "does not match"},
		{"count mismatch", func(w *Writer) { w.Root().CreateDataset("x", Float32, []int{2, 2}, []float32{1}) }, "1 values for 4 elements"},
		{"duplicate", func(w *Writer) {
			w.Root().CreateDataset("x", Int64, nil, []int64{1})
			w.Root().CreateDataset("x", Int64, nil, []int64{1})
		}, "already exists"},
		{"group over dataset", func(w *Writer) {
			w.Root().CreateDataset("x", Int64, nil, []int64{1})
			w.Root().CreateGroup("x/y")
		}, "not a group"},
		{"negative shape", func(w *Writer) { w.Root().CreateDataset("x", Int64, []int{-1}, []int64{}) }, "bad shape"},
		{"huge attribute", func(w *Writer) { w.Root().SetAttrFloat64s("x", make([]float64, 9000)) }, "64 KiB"},
		{"empty name", func(w *Writer) { w.Root().CreateDataset("/", Int64, nil, []int64{1}) }, "empty dataset name"},
		{"NUL in group", func(w *Writer) { w.Root().CreateGroup("a\x00b") }, "NUL"},
		{"NUL in dataset", func(w *Writer) { w.Root().CreateDataset("g/a\x00", Int64, nil, []int64{1}) }, "NUL"},
		{"NUL in attribute", func(w *Writer) { w.Root().SetAttrInt64("a\x00", 1) }, "bad attribute name"},
		{"empty attribute name", func(w *Writer) { w.Root().SetAttrInt64("", 1) }, "bad attribute name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := NewWriter()
			c.build(w)
			_, err := w.Bytes()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// TestWriterRoundTrip writes with the Go writer and reads back with the Go reader.
func TestWriterRoundTrip(t *testing.T) {
	b, err := buildTestFile().Bytes()
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	root := f.Root()
	attrWant := map[string]any{
		"keras_version": []string{"3.15.2"},
		"backend_bytes": []string{"tensorflow"},
		"vlen_list":     []string{"a", "", "ünïcode", strings.Repeat("long", 2000)},
		"fixed_list":    []string{"dense", "dense_1", ""},
		"empty_fixed":   []string{},
		"empty_vlen":    []string{},
		"pi":            []float64{math.Pi},
		"f64s":          []float64{1.5, -2, math.Inf(1)},
		"f32s":          []float64{float64(float32(0.1)), float64(float32(0.2))},
		"answer":        []int64{-42},
		"i64s":          []int64{math.MinInt64, 0, math.MaxInt64},
		"i32s":          []int64{-1, 7},
	}
	attrs, err := root.Attrs()
	if err != nil {
		t.Fatal(err)
	}
	if len(attrs) != len(attrWant) {
		t.Errorf("%d root attributes, want %d", len(attrs), len(attrWant))
	}
	for _, a := range attrs {
		var got any
		switch attrWant[a.Name].(type) {
		case []string:
			got, err = a.Strings()
		case []float64:
			got, err = a.Float64s()
		case []int64:
			got, err = a.Int64s()
		default:
			t.Errorf("unexpected attribute %q", a.Name)
			continue
		}
		if err != nil || !reflect.DeepEqual(got, attrWant[a.Name]) {
			t.Errorf("attribute %s = %v (%v), want %v", a.Name, truncS(fmt.Sprint(got)), err, truncS(fmt.Sprint(attrWant[a.Name])))
		}
	}
	if a, _ := root.Attr("answer"); a == nil || len(a.Shape()) != 0 {
		t.Errorf("answer should be a scalar")
	}
	if a, _ := root.Attr("fixed_list"); a == nil || !reflect.DeepEqual(a.Shape(), []int{3}) {
		t.Errorf("fixed_list shape")
	}
	many, err := root.Group("many")
	if err != nil {
		t.Fatal(err)
	}
	names, err := many.Members()
	if err != nil || len(names) != 1000 || names[0] != "d0001" || names[999] != "g0999" {
		t.Fatalf("many: %d members (%v), first %q", len(names), err, names[:1])
	}
	for i := 0; i < 1000; i++ {
		if i%3 == 0 {
			g, err := many.Group(fmt.Sprintf("g%04d", i))
			if err != nil {
				t.Fatal(err)
			}
			a, err := g.Attr("i")
			if err != nil {
				t.Fatal(err)
			}
			if v, err := a.Int64s(); err != nil || v[0] != int64(i) {
				t.Fatalf("g%04d@i = %v %v", i, v, err)
			}
		} else {
			ds, err := many.Dataset(fmt.Sprintf("d%04d", i))
			if err != nil {
				t.Fatal(err)
			}
			if v, err := ds.ReadInt64(); err != nil || len(v) != 1 || v[0] != int64(i) || ds.DType() != Int32 {
				t.Fatalf("d%04d = %v %v", i, v, err)
			}
		}
	}
	if a, err := root.Group("a/b/c"); err != nil {
		t.Fatal(err)
	} else if at, err := a.Attr("deep"); err != nil {
		t.Fatal(err)
	} else if s, err := at.String(); s != "yes" || err != nil {
		t.Fatalf("deep = %q %v", s, err)
	}
	type dsWant struct {
		dtype DType
		shape []int
		vals  []float64
	}
	big := make([]float64, 20000)
	for i := range big {
		big[i] = float64(float32(i) * 0.5)
	}
	dsets := map[string]dsWant{
		"a/b/kernel:0": {Float32, []int{4, 3}, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		"types/f64":    {Float64, []int{2, 2}, []float64{1e-300, math.Copysign(0, -1), math.MaxFloat64, 3}},
		"types/i32":    {Int32, []int{2, 1, 2}, []float64{1, -2, 3, -4}},
		"types/u8":     {Uint8, []int{3}, []float64{0, 128, 255}},
		"types/scalar": {Int64, []int{}, []float64{7}},
		"types/empty":  {Float32, []int{0}, []float64{}},
		"types/empty2": {Float64, []int{2, 0, 3}, []float64{}},
		"types/big":    {Float32, []int{200, 100}, big},
	}
	for p, w := range dsets {
		ds, err := root.Dataset(p)
		if err != nil {
			t.Fatal(err)
		}
		v, err := ds.ReadFloat64()
		if err != nil {
			t.Fatal(err)
		}
		if ds.DType() != w.dtype || !sameShape(ds.Shape(), w.shape) || !reflect.DeepEqual(v, w.vals) {
			t.Errorf("%s: %s %v %v, want %s %v %v", p, ds.DType(), ds.Shape(), truncS(fmt.Sprint(v)), w.dtype, w.shape, truncS(fmt.Sprint(w.vals)))
		}
	}
	i64, _ := root.Dataset("types/i64")
	if v, err := i64.ReadInt64(); err != nil || !reflect.DeepEqual(v, []int64{math.MinInt64, 1, math.MaxInt64}) {
		t.Errorf("types/i64 = %v %v", v, err)
	}
	k, _ := root.Dataset("a/b/kernel:0")
	if a, err := k.Attr("unit"); err != nil {
		t.Error(err)
	} else if s, _ := a.String(); s != "m" {
		t.Errorf("unit = %q", s)
	}
	if _, err := k.Attr("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing attribute: %v", err)
	}
	if _, err := root.Group("a/nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing group: %v", err)
	}
	if _, err := root.Group("a/b/kernel:0"); err == nil {
		t.Errorf("dataset opened as group")
	}
	if _, err := root.Dataset("a/b"); err == nil {
		t.Errorf("group opened as dataset")
	}
}

func truncS(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}

// h5pyDescribe runs testdata/hdf5/writer_check.py on paths and returns h5py's
// descriptions; paths starting with "+" are first modified by libhdf5 (the key
// is the path without "+").
func h5pyDescribe(t *testing.T, paths []string) map[string]*sidecar {
	t.Helper()
	py := testenv.RequireH5py(t)
	args := append([]string{filepath.Join(realDir, "writer_check.py")}, paths...)
	cmd := exec.Command(py, args...)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("writer_check.py: %v\n%s", err, stderr.String())
	}
	var sc map[string]*sidecar
	if err := json.Unmarshal(out, &sc); err != nil {
		t.Fatal(err)
	}
	if len(sc) != len(paths) {
		t.Fatalf("writer_check.py described %d of %d files", len(sc), len(paths))
	}
	return sc
}

// TestWriterH5py reads files from the Go writer with real h5py/libhdf5 (also
// after libhdf5 modified them) and checks that h5py and our reader agree.
func TestWriterH5py(t *testing.T) {
	b, err := buildTestFile().Bytes()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	plain, modified := filepath.Join(dir, "w.h5"), filepath.Join(dir, "w_mod.h5")
	for _, p := range []string{plain, modified} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// the same file with a version 1 superblock
	w1 := buildTestFile()
	w1.sbVersion = 1
	b1, err := w1.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	sb1 := filepath.Join(dir, "w_sb1.h5")
	if err := os.WriteFile(sb1, b1, 0o644); err != nil {
		t.Fatal(err)
	}
	descs := h5pyDescribe(t, []string{plain, "+" + modified, sb1})
	if f, err := Open(sb1); err != nil || f.SuperblockVersion() != 1 {
		t.Fatalf("superblock v1 file: %v", err)
	} else {
		checkDescription(t, f.Root(), descs[sb1])
		f.Close()
	}
	for _, p := range []string{plain, modified} {
		t.Run(filepath.Base(p), func(t *testing.T) {
			want := descs[p]
			added := 0
			if p == modified {
				added = 40
				if _, ok := want.Datasets["/added/by/h5py"]; !ok {
					t.Fatalf("h5py modification missing")
				}
			}
			if n := len(want.Groups["/many"]); n != 1000+added {
				t.Fatalf("h5py sees %d members in /many", n)
			}
			f, err := Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			checkDescription(t, f.Root(), want)
			// h5py's view of the data equals what was written
			var s string
			json.Unmarshal(want.Attrs["/"].Attrs["vlen_list"].Values[2], &s)
			if s != "ünïcode" {
				t.Errorf("h5py vlen_list[2] = %q", s)
			}
			var x float64
			json.Unmarshal(want.Datasets["/types/big"].Values[19999], &x)
			if x != 9999.5 {
				t.Errorf("h5py types/big[-1] = %v", x)
			}
		})
	}
}
