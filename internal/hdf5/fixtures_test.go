package hdf5

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// sidecar is the description written by testdata/hdf5/gen_fixtures.py from h5py's own reading.
type sidecar struct {
	Groups   map[string][]string `json:"groups"`
	Datasets map[string]struct {
		DType  string            `json:"dtype"`
		Shape  []int             `json:"shape"`
		Values []json.RawMessage `json:"values"`
		SHA256 string            `json:"sha256"` // instead of values: see h5describe.py
		Count  int               `json:"count"`
	} `json:"datasets"`
	Attrs map[string]struct {
		Order []string `json:"order"`
		Attrs map[string]struct {
			DType  string            `json:"dtype"`
			Shape  []int             `json:"shape"`
			Values []json.RawMessage `json:"values"`
		} `json:"attrs"`
	} `json:"attrs"`
}

const fixtureDir = "../../testdata/hdf5/fixtures"

func TestH5pyFixtures(t *testing.T) {
	sbVersion := map[string]int{"earliest": 0, "latest": 3, "small_earliest": 0, "small_latest": 3, "sb0_userblock": 0, "sb2": 2}
	for _, name := range []string{"earliest", "latest", "small_earliest", "small_latest", "sb0_userblock", "sb2"} {
		t.Run(name, func(t *testing.T) {
			var want sidecar
			js, err := os.ReadFile(filepath.Join(fixtureDir, name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(js, &want); err != nil {
				t.Fatal(err)
			}
			f, err := Open(filepath.Join(fixtureDir, name+".h5"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			root := f.Root()
			if v := f.SuperblockVersion(); v != sbVersion[name] {
				t.Errorf("superblock version %d, want %d", v, sbVersion[name])
			}
			if name == "sb0_userblock" && f.base != 1024 {
				t.Errorf("superblock found at %d, want 1024 (after the user block)", f.base)
			}
			if (name == "earliest" || name == "latest") && (len(want.Groups) < 10 || len(want.Datasets) < 30) {
				t.Fatalf("sidecar too small: %d groups, %d datasets", len(want.Groups), len(want.Datasets))
			}
			checkDescription(t, root, &want)
			// the fixtures must exercise every chunk index this package implements
			seen := map[int]bool{}
			for path := range want.Datasets {
				ds, err := root.Dataset(path)
				if err == nil && ds.layout.class == layoutChunked {
					seen[ds.layout.index] = true
				}
			}
			wantIdx := map[string][]int{"earliest": {idxBtree1}, "latest": {idxSingle, idxImplicit, idxFixedArr, idxExtArr, idxBtree2}}
			for _, i := range wantIdx[name] {
				if !seen[i] {
					t.Errorf("no dataset with chunk index type %d in %s fixture", i, name)
				}
			}
		})
	}
}

// checkDescription compares everything reachable from root with h5py's description.
func checkDescription(t *testing.T, root *Group, want *sidecar) {
	t.Helper()
	for path, members := range want.Groups {
		if path == "__soft__" {
			continue
		}
		g, err := root.Group(path)
		if err != nil {
			t.Errorf("Group(%q): %v", path, err)
			continue
		}
		got, err := g.Members()
		if err != nil {
			t.Errorf("%s: Members: %v", path, err)
			continue
		}
		if !reflect.DeepEqual(got, members) {
			t.Errorf("%s: members\n got %v\nwant %v", path, trunc(got), trunc(members))
		}
		for _, m := range members {
			k, err := g.Kind(m)
			if err != nil {
				t.Errorf("%s: Kind(%q): %v", path, m, err)
			}
			full := joinPath(path, m)
			_, isDS := want.Datasets[full]
			_, isG := want.Groups[full]
			if (isDS && k != KindDataset) || (isG && k != KindGroup) {
				t.Errorf("%s: Kind = %v", full, k)
			}
		}
	}
	for path, w := range want.Datasets {
		ds, err := root.Dataset(path)
		if err != nil {
			t.Errorf("Dataset(%q): %v", path, err)
			continue
		}
		if ds.Path() != path {
			t.Errorf("Path() = %q, want %q", ds.Path(), path)
		}
		if got := ds.DType().String(); got != w.DType {
			t.Errorf("%s: dtype %s, want %s", path, got, w.DType)
		}
		if !sameShape(ds.Shape(), w.Shape) {
			t.Errorf("%s: shape %v, want %v", path, ds.Shape(), w.Shape)
		}
		if w.SHA256 != "" {
			checkDigest(t, path, ds, w.DType, w.SHA256, w.Count)
		} else {
			checkValues(t, path, w.DType, w.Values, ds.ReadStrings, ds.ReadInt64, ds.ReadFloat64)
		}
	}
	for path, wa := range want.Attrs {
		var attrs []*Attribute
		if _, isDS := want.Datasets[path]; isDS {
			ds, err := root.Dataset(path)
			if err != nil {
				t.Errorf("Dataset(%q): %v", path, err)
				continue
			}
			attrs, err = ds.Attrs()
			if err != nil {
				t.Errorf("%s: Attrs: %v", path, err)
				continue
			}
		} else {
			g, err := root.Group(path)
			if err != nil {
				t.Errorf("Group(%q): %v", path, err)
				continue
			}
			attrs, err = g.Attrs()
			if err != nil {
				t.Errorf("%s: Attrs: %v", path, err)
				continue
			}
			if len(wa.Order) > 0 {
				if _, err := g.Attr(wa.Order[0]); err != nil {
					t.Errorf("%s: Attr(%q): %v", path, wa.Order[0], err)
				}
			}
		}
		var names []string
		for _, a := range attrs {
			names = append(names, a.Name)
		}
		if len(names) != len(wa.Order) || (len(names) > 0 && !reflect.DeepEqual(names, wa.Order)) {
			t.Errorf("%s: attribute order\n got %v\nwant %v", path, names, wa.Order)
		}
		for _, a := range attrs {
			w, ok := wa.Attrs[a.Name]
			if !ok {
				continue
			}
			where := path + "@" + a.Name
			if got := a.DType().String(); got != w.DType {
				t.Errorf("%s: dtype %s, want %s", where, got, w.DType)
			}
			if !sameShape(a.Shape(), w.Shape) {
				t.Errorf("%s: shape %v, want %v", where, a.Shape(), w.Shape)
			}
			checkValues(t, where, w.DType, w.Values, a.Strings, a.Int64s, a.Float64s)
		}
	}
}

func trunc(s []string) []string {
	if len(s) > 8 {
		return append(s[:8:8], "...")
	}
	return s
}

func sameShape(a, b []int) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

func checkValues(t *testing.T, where, dtype string, raw []json.RawMessage,
	strs func() ([]string, error), ints func() ([]int64, error), floats func() ([]float64, error)) {
	t.Helper()
	switch {
	case dtype == "string":
		got, err := strs()
		if err != nil {
			t.Errorf("%s: %v", where, err)
			return
		}
		var want []string
		for _, r := range raw {
			var s string
			if err := json.Unmarshal(r, &s); err != nil {
				t.Fatalf("%s: sidecar: %v", where, err)
			}
			want = append(want, s)
		}
		if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
			t.Errorf("%s: strings\n got %q\nwant %q", where, got, want)
		}
	case dtype == "bool" || strings.HasPrefix(dtype, "int") || strings.HasPrefix(dtype, "uint"):
		got, err := ints()
		if err != nil {
			t.Errorf("%s: %v", where, err)
			return
		}
		if len(got) != len(raw) {
			t.Errorf("%s: %d values, want %d", where, len(got), len(raw))
			return
		}
		for i, r := range raw {
			var v int64
			if err := json.Unmarshal(r, &v); err != nil {
				t.Fatalf("%s: sidecar: %v", where, err)
			}
			if got[i] != v {
				t.Errorf("%s[%d] = %d, want %d", where, i, got[i], v)
				return
			}
		}
	default:
		got, err := floats()
		if err != nil {
			t.Errorf("%s: %v", where, err)
			return
		}
		if len(got) != len(raw) {
			t.Errorf("%s: %d values, want %d", where, len(got), len(raw))
			return
		}
		for i, r := range raw {
			var v float64
			if err := json.Unmarshal(r, &v); err != nil {
				var s string // non-finite values are written as "inf", "-inf", "nan"
				if json.Unmarshal(r, &s) != nil {
					t.Fatalf("%s: sidecar: %v", where, err)
				}
				if v, err = strconv.ParseFloat(s, 64); err != nil {
					t.Fatalf("%s: sidecar: %v", where, err)
				}
			}
			if got[i] != v && !(math.IsNaN(got[i]) && math.IsNaN(v)) {
				t.Errorf("%s[%d] = %v, want %v", where, i, got[i], v)
				return
			}
		}
	}
}

// checkDigest compares a dataset with the SHA-256 written by h5describe.py:
// values as little-endian float64, or strings joined with NUL.
func checkDigest(t *testing.T, where string, ds *Dataset, dtype, want string, count int) {
	t.Helper()
	h := sha256.New()
	n := 0
	if dtype == "string" {
		s, err := ds.ReadStrings()
		if err != nil {
			t.Errorf("%s: %v", where, err)
			return
		}
		h.Write([]byte(strings.Join(s, "\x00")))
		n = len(s)
	} else {
		v, err := ds.ReadFloat64()
		if err != nil {
			t.Errorf("%s: %v", where, err)
			return
		}
		b := make([]byte, 8*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
		}
		h.Write(b)
		n = len(v)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want || (dtype != "string" && n != count) {
		t.Errorf("%s: %d values with digest %s, want %d values with digest %s", where, n, got[:12], count, want[:12])
	}
}
