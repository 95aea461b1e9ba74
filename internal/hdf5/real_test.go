package hdf5

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const realDir = "../../testdata/hdf5"

// sharedDir holds the keras-cases and realmodels fixtures every package
// shares (testdata/PROVENANCE.md); expected.json keys name files there.
const sharedDir = "../../testdata"

// fixturePath maps an expected.json key or fixture path to its file:
// keras-cases/... and realmodels/... are the shared copies, the rest is
// testdata/hdf5.
func fixturePath(rel string) string {
	if strings.HasPrefix(rel, "keras-cases/") || strings.HasPrefix(rel, "realmodels/") {
		return filepath.Join(sharedDir, rel)
	}
	return filepath.Join(realDir, rel)
}

// openTestFile opens "dir/file.h5" or "dir/archive.keras!member" (a zip member).
func openTestFile(t testing.TB, key string) *File {
	t.Helper()
	if i := strings.Index(key, "!"); i >= 0 {
		b := zipMember(t, fixturePath(key[:i]), key[i+1:])
		f, err := NewFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		return f
	}
	f, err := Open(fixturePath(key))
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return f
}

func zipMember(t testing.TB, path, name string) []byte {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, zf := range z.File {
		if zf.Name == name {
			r, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			b, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("%s: no member %s", path, name)
	return nil
}

// TestRealFiles compares every copied Keras / real-world HDF5 file with h5py's
// description of it (testdata/hdf5/expected.json, written by describe_real.py).
func TestRealFiles(t *testing.T) {
	js, err := os.ReadFile(filepath.Join(realDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(js, &all); err != nil {
		t.Fatal(err)
	}
	delete(all, "__tools__")
	var keys []string
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	counts := map[string]int{}
	for _, k := range keys {
		counts[strings.SplitN(k, "/", 2)[0]]++
	}
	// 40 keras cases x (model.h5, model.weights.h5, model.keras) and the realmodels files
	if counts["keras-cases"] != 120 || counts["realmodels"] < 50 {
		t.Fatalf("expected.json covers %v files", counts)
	}
	for _, k := range keys {
		t.Run(k, func(t *testing.T) {
			var want sidecar
			if err := json.Unmarshal(all[k], &want); err != nil {
				t.Fatal(err)
			}
			f := openTestFile(t, k)
			defer f.Close()
			checkDescription(t, f.Root(), &want)
			budget := 1 << 20
			if err := walk(f.Root(), nil, map[uint64]bool{}, &budget); err != nil {
				t.Error(err)
			}
		})
	}
}

// npyArray is a decoded .npy file.
type npyArray struct {
	shape []int
	data  []float64
}

var npyShapeRE = regexp.MustCompile(`'shape':\s*\(([^)]*)\)`)
var npyDescrRE = regexp.MustCompile(`'descr':\s*'([^']*)'`)

// readNpy decodes the little-endian float/int .npy files Keras cases use.
func readNpy(path string) (*npyArray, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" {
		return nil, fmt.Errorf("%s: not a .npy file", path)
	}
	var hlen, start int
	if b[6] == 1 {
		hlen, start = int(binary.LittleEndian.Uint16(b[8:])), 10
	} else {
		hlen, start = int(binary.LittleEndian.Uint32(b[8:])), 12
	}
	if start+hlen > len(b) {
		return nil, fmt.Errorf("%s: truncated header", path)
	}
	hdr := string(b[start : start+hlen])
	if strings.Contains(hdr, "'fortran_order': True") {
		return nil, fmt.Errorf("%s: fortran order", path)
	}
	a := &npyArray{}
	m := npyShapeRE.FindStringSubmatch(hdr)
	if m == nil {
		return nil, fmt.Errorf("%s: no shape in %q", path, hdr)
	}
	for _, s := range strings.Split(m[1], ",") {
		if s = strings.TrimSpace(s); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return nil, err
			}
			a.shape = append(a.shape, n)
		}
	}
	d := npyDescrRE.FindStringSubmatch(hdr)
	if d == nil {
		return nil, fmt.Errorf("%s: no descr", path)
	}
	body := b[start+hlen:]
	switch d[1] {
	case "<f4":
		for i := 0; i+4 <= len(body); i += 4 {
			a.data = append(a.data, float64(math.Float32frombits(binary.LittleEndian.Uint32(body[i:]))))
		}
	case "<f8":
		for i := 0; i+8 <= len(body); i += 8 {
			a.data = append(a.data, math.Float64frombits(binary.LittleEndian.Uint64(body[i:])))
		}
	case "<i4":
		for i := 0; i+4 <= len(body); i += 4 {
			a.data = append(a.data, float64(int32(binary.LittleEndian.Uint32(body[i:]))))
		}
	case "<i8":
		for i := 0; i+8 <= len(body); i += 8 {
			a.data = append(a.data, float64(int64(binary.LittleEndian.Uint64(body[i:]))))
		}
	default:
		return nil, fmt.Errorf("%s: unsupported descr %s", path, d[1])
	}
	n := 1
	for _, x := range a.shape {
		n *= x
	}
	if n != len(a.data) {
		return nil, fmt.Errorf("%s: %d values for shape %v", path, len(a.data), a.shape)
	}
	return a, nil
}

type manifestEntry struct {
	Path  string `json:"path"`
	Shape []int  `json:"shape"`
	DType string `json:"dtype"`
	File  string `json:"file"`
}

// TestKerasCasesWeights checks the weights stored by Keras 3.15.1 in
// model.h5 (legacy layout, resolved through layer_names/weight_names),
// model.weights.h5 and model.keras (Keras 3 layout) against weights/*.npy.
func TestKerasCasesWeights(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join(sharedDir, "keras-cases", "*", "weights", "manifest.json"))
	if err != nil || len(cases) != 40 {
		t.Fatalf("found %d keras cases (%v)", len(cases), err)
	}
	for _, mpath := range cases {
		dir := filepath.Dir(filepath.Dir(mpath))
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			var man []manifestEntry
			b, err := os.ReadFile(mpath)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &man); err != nil {
				t.Fatal(err)
			}
			want := make([]*npyArray, len(man))
			for i, e := range man {
				if want[i], err = readNpy(filepath.Join(dir, "weights", e.File)); err != nil {
					t.Fatal(err)
				}
			}
			// legacy model.h5: every manifest weight is found by its weight name
			f := openTestFile(t, filepath.Join("keras-cases", name, "model.h5"))
			defer f.Close()
			byName := legacyWeights(t, f)
			for i, e := range man {
				ds, ok := byName[e.Path]
				if !ok {
					t.Errorf("model.h5: no weight named %q (have %v)", e.Path, keysOf(byName))
					continue
				}
				compareWeight(t, "model.h5:"+ds.Path(), ds, e, want[i])
			}
			// Keras 3 layout: the datasets under /layers are exactly the manifest weights
			for _, key := range []string{"model.weights.h5", "model.keras!model.weights.h5"} {
				f := openTestFile(t, filepath.Join("keras-cases", name, key))
				defer f.Close()
				var got []*Dataset
				collectDatasets(t, f.Root(), "layers", &got)
				if len(got) != len(man) {
					t.Errorf("%s: %d datasets under /layers, manifest has %d", key, len(got), len(man))
				}
				used := make([]bool, len(got))
				for i, e := range man {
					found := false
					for j, ds := range got {
						if used[j] || !sameShape(ds.Shape(), e.Shape) {
							continue
						}
						v, err := ds.ReadFloat64()
						if err == nil && equalFloats(v, want[i].data) {
							used[j], found = true, true
							compareWeight(t, key+":"+ds.Path(), ds, e, want[i])
							break
						}
					}
					if !found {
						t.Errorf("%s: no dataset equals %s %v", key, e.Path, e.Shape)
					}
				}
			}
		})
	}
}

func keysOf[V any](m map[string]V) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

// legacyWeights resolves /model_weights through layer_names and weight_names.
func legacyWeights(t *testing.T, f *File) map[string]*Dataset {
	t.Helper()
	mw, err := f.Root().Group("model_weights")
	if err != nil {
		t.Fatal(err)
	}
	a, err := mw.Attr("layer_names")
	if err != nil {
		t.Fatal(err)
	}
	layers, err := a.Strings()
	if err != nil || len(layers) == 0 {
		t.Fatalf("layer_names: %v %v", layers, err)
	}
	out := map[string]*Dataset{}
	for _, l := range layers {
		g, err := mw.Group(l)
		if err != nil {
			t.Fatal(err)
		}
		wa, err := g.Attr("weight_names")
		if err != nil {
			t.Fatal(err)
		}
		names, err := wa.Strings()
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			ds, err := g.Dataset(n)
			if err != nil {
				t.Fatal(err)
			}
			out[n] = ds
		}
	}
	return out
}

func collectDatasets(t *testing.T, g *Group, path string, out *[]*Dataset) {
	t.Helper()
	sub, err := g.Group(path)
	if err != nil {
		t.Fatal(err)
	}
	names, err := sub.Members()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		k, err := sub.Kind(n)
		if err != nil {
			t.Fatal(err)
		}
		switch k {
		case KindGroup:
			collectDatasets(t, sub, n, out)
		case KindDataset:
			ds, err := sub.Dataset(n)
			if err != nil {
				t.Fatal(err)
			}
			*out = append(*out, ds)
		}
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func compareWeight(t *testing.T, where string, ds *Dataset, e manifestEntry, want *npyArray) {
	t.Helper()
	if ds.DType().String() != e.DType {
		t.Errorf("%s: dtype %s, want %s", where, ds.DType(), e.DType)
	}
	if !sameShape(ds.Shape(), e.Shape) || !sameShape(want.shape, e.Shape) {
		t.Errorf("%s: shape %v, want %v (npy %v)", where, ds.Shape(), e.Shape, want.shape)
	}
	if e.DType == "float32" {
		v, err := ds.ReadFloat32()
		if err != nil {
			t.Fatal(err)
		}
		for i := range v {
			if float64(v[i]) != want.data[i] {
				t.Fatalf("%s[%d] = %v, want %v", where, i, v[i], want.data[i])
			}
		}
	} else {
		v, err := ds.ReadInt64()
		if err != nil {
			t.Fatal(err)
		}
		for i := range v {
			if float64(v[i]) != want.data[i] {
				t.Fatalf("%s[%d] = %v, want %v", where, i, v[i], want.data[i])
			}
		}
	}
}
