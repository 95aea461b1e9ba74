package tensor

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npy"
)

const npyDir = "../testdata/loader/npy"

// expectedNpy mirrors testdata/loader/npy/expected.json, written by NumPy
// (gen_npy.py): values are arr.astype(float32) in C order; non-finite values
// are given as Python reprs ("inf", "-inf", "nan").
type expectedNpy struct {
	Npy map[string]struct {
		Shape  []int `json:"shape"`
		Values []any `json:"values"`
		DType  string
	} `json:"npy"`
	Npz map[string]struct {
		Order  []string `json:"order"`
		Arrays map[string]struct {
			Shape  []int     `json:"shape"`
			Values []float64 `json:"values"`
		} `json:"arrays"`
	} `json:"npz"`
}

func loadExpected(t *testing.T) *expectedNpy {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(npyDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e expectedNpy
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return &e
}

func refValue(t *testing.T, v any) float32 {
	switch x := v.(type) {
	case float64:
		return float32(x)
	case string:
		switch x {
		case "inf":
			return float32(math.Inf(1))
		case "-inf":
			return float32(math.Inf(-1))
		case "nan":
			return float32(math.NaN())
		}
	}
	t.Fatalf("bad reference value %v", v)
	return 0
}

func sameBits(a, b float32) bool {
	if math.IsNaN(float64(a)) && math.IsNaN(float64(b)) {
		return true
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

func TestLoadNpyNumpyFixtures(t *testing.T) {
	e := loadExpected(t)
	if len(e.Npy) < 20 {
		t.Fatalf("only %d npy fixtures", len(e.Npy))
	}
	for name, want := range e.Npy {
		t.Run(name, func(t *testing.T) {
			got, err := LoadNpy(filepath.Join(npyDir, name))
			if err != nil {
				t.Fatal(err)
			}
			if !SameShape(got.Shape(), want.Shape) {
				t.Fatalf("shape %v, want %v", got.Shape(), want.Shape)
			}
			if len(got.Data()) != len(want.Values) {
				t.Fatalf("%d values, want %d", len(got.Data()), len(want.Values))
			}
			for i, v := range want.Values {
				if w := refValue(t, v); !sameBits(got.Data()[i], w) {
					t.Errorf("element %d = %v (bits %08x), numpy gives %v (bits %08x)", i, got.Data()[i], math.Float32bits(got.Data()[i]), w, math.Float32bits(w))
				}
			}
			// The same bytes through a plain io.Reader (no Seeker) give the same result.
			raw, err := os.ReadFile(filepath.Join(npyDir, name))
			if err != nil {
				t.Fatal(err)
			}
			got2, err := ReadNpy(struct{ *bytes.Reader }{bytes.NewReader(raw)})
			if err != nil {
				t.Fatal(err)
			}
			if ok, _, _ := AllClose(got, got2, 0, 0); !ok {
				t.Errorf("io.Reader path differs from file path")
			}
		})
	}
}

func TestReadNpzNumpyFixtures(t *testing.T) {
	e := loadExpected(t)
	for name, want := range e.Npz {
		t.Run(name, func(t *testing.T) {
			m, order, err := ReadNpz(filepath.Join(npyDir, name))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(order, ",") != strings.Join(want.Order, ",") {
				t.Errorf("order %v, want %v", order, want.Order)
			}
			if len(m) != len(want.Arrays) {
				t.Errorf("%d arrays, want %d", len(m), len(want.Arrays))
			}
			for k, wa := range want.Arrays {
				g := m[k]
				if g == nil {
					t.Fatalf("array %q missing", k)
				}
				wt, err := FromFloat64(wa.Values, wa.Shape...)
				if err != nil {
					t.Fatal(err)
				}
				if ok, i, d := AllClose(g, wt, 0, 0); !ok {
					t.Errorf("array %q differs at %d by %g", k, i, d)
				}
			}
		})
	}
}

// TestNpyioCrossCheck reads files written by the independent npyio writer and
// has npyio read files written by WriteNpy.
func TestNpyioCrossCheck(t *testing.T) {
	for _, n := range []int{1, 7, 1000} { // npyio writes an empty slice with shape (), so 0 is left out
		vals := make([]float32, n)
		for i := range vals {
			vals[i] = float32(i)*0.25 - 3
		}
		var buf bytes.Buffer
		if err := npy.Write(&buf, vals); err != nil {
			t.Fatal(err)
		}
		got, err := ReadNpy(&buf)
		if err != nil {
			t.Fatalf("n=%d: reading npyio output: %v", n, err)
		}
		if !SameShape(got.Shape(), []int{n}) {
			t.Fatalf("shape %v", got.Shape())
		}
		for i := range vals {
			if got.Data()[i] != vals[i] {
				t.Fatalf("element %d: %v != %v", i, got.Data()[i], vals[i])
			}
		}
	}
	for _, shape := range [][]int{{}, {5}, {2, 3}, {2, 3, 4}, {0, 4}} {
		n, _ := NumElements(shape)
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(math.Sin(float64(i)))
		}
		x, _ := FromSlice(data, shape...)
		var buf bytes.Buffer
		if err := WriteNpy(&buf, x); err != nil {
			t.Fatal(err)
		}
		hdrLen := int(binary.LittleEndian.Uint16(buf.Bytes()[8:10]))
		if (10+hdrLen)%64 != 0 {
			t.Errorf("shape %v: data offset %d not 64-aligned", shape, 10+hdrLen)
		}
		r, err := npy.NewReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("npyio rejects our header for %v: %v", shape, err)
		}
		if !SameShape(r.Header.Descr.Shape, shape) || strings.Trim(r.Header.Descr.Type, "'") != "<f4" || r.Header.Descr.Fortran {
			t.Errorf("npyio reads header %+v for shape %v", r.Header.Descr, shape)
		}
		var back []float32
		if err := r.Read(&back); err != nil && n > 0 {
			t.Fatal(err)
		}
		for i := range data {
			if back[i] != data[i] {
				t.Fatalf("shape %v element %d: npyio reads %v, wrote %v", shape, i, back[i], data[i])
			}
		}
		rt, err := ReadNpy(bytes.NewReader(buf.Bytes()))
		if err != nil || !SameShape(rt.Shape(), shape) {
			t.Fatalf("round trip %v: %v %v", shape, rt, err)
		}
	}
}

func TestSaveNpyAndNpzAtomic(t *testing.T) {
	dir := t.TempDir()
	x, _ := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	p := filepath.Join(dir, "x.npy")
	if err := SaveNpy(p, x); err != nil {
		t.Fatal(err)
	}
	y, err := LoadNpy(p)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := AllClose(x, y, 0, 0); !ok {
		t.Fatal("round trip differs")
	}
	// Saving into a missing directory fails and leaves nothing behind.
	if err := SaveNpy(filepath.Join(dir, "missing", "x.npy"), x); err == nil {
		t.Fatal("expected error")
	}
	s, _ := FromSlice([]float32{9}, 1)
	pz := filepath.Join(dir, "w.npz")
	if err := SaveNpz(pz, []string{"b", "a/kernel"}, []*Tensor{s, x}); err != nil {
		t.Fatal(err)
	}
	m, order, err := ReadNpz(pz)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(order, ",") != "b,a/kernel" || m["a/kernel"].Dim(1) != 3 || m["b"].Data()[0] != 9 {
		t.Fatalf("npz round trip: %v %v", order, m)
	}
	if err := WriteNpz(&bytes.Buffer{}, []string{"a", "a"}, []*Tensor{s, s}); err == nil {
		t.Error("duplicate names accepted")
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func npyWithHeader(dict string, major byte, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString(npyMagic)
	b.WriteByte(major)
	b.WriteByte(0)
	if major == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(len(dict)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(len(dict)))
	}
	b.WriteString(dict)
	b.Write(data)
	return b.Bytes()
}

func TestReadNpyHostile(t *testing.T) {
	good, _ := os.ReadFile(filepath.Join(npyDir, "f4_le_2x3.npy"))
	huge := npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }\n", 1, nil)
	bigButUnder := npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (100000000,), }\n", 1, make([]byte, 64))
	v2len := append([]byte(npyMagic+"\x02\x00"), 0xff, 0xff, 0xff, 0x7f)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "short file"},
		{"bad magic", []byte("\x93NUMPX\x01\x00\x00\x00"), "magic"},
		{"truncated header", good[:20], "header"},
		{"truncated data", good[:len(good)-3], "bytes"},
		{"1e12 elements", huge, "elements"},
		{"800MB claimed, 64 bytes present", bigButUnder, "follow"},
		{"v2 header length 2GB", v2len, "header length"},
		{"version 9", []byte(npyMagic + "\x09\x00\x10\x00"), "version"},
		{"no newline, no dict", npyWithHeader("xxxx", 1, nil), "header"},
		{"object dtype", npyWithHeader("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }\n", 1, make([]byte, 8)), "dtype"},
		{"complex dtype", npyWithHeader("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }\n", 1, make([]byte, 8)), "dtype"},
		{"structured dtype", npyWithHeader("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", 1, make([]byte, 4)), "descr"},
		{"negative dim", npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }\n", 1, nil), "negative"},
		{"missing shape", npyWithHeader("{'descr': '<f4', 'fortran_order': False, }\n", 1, nil), "shape"},
		{"overflowing int", npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }\n", 1, nil), "integer"},
		{"fortran not bool", npyWithHeader("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }\n", 1, make([]byte, 4)), "fortran_order"},
		{"deep nesting", npyWithHeader(strings.Repeat("(", 100)+"\n", 1, nil), "deep"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, r := range []func() (*Tensor, error){
				func() (*Tensor, error) { return ReadNpy(bytes.NewReader(c.data)) },
				func() (*Tensor, error) { return ReadNpy(struct{ *bytes.Reader }{bytes.NewReader(c.data)}) },
			} {
				_, err := r()
				if err == nil {
					t.Fatal("no error")
				}
				if !errors.Is(err, ErrNpy) {
					t.Errorf("error %v does not wrap ErrNpy", err)
				}
				if !strings.Contains(err.Error(), c.want) {
					t.Errorf("error %q does not mention %q", err, c.want)
				}
			}
		})
	}
}

func TestReadNpzHostile(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(npyDir, "f4_le_2x3.npy"))
	if err != nil {
		t.Fatal(err)
	}
	mk := func(f func(zw *zip.Writer)) []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		f(zw)
		zw.Close()
		return b.Bytes()
	}
	// A deflated member of 64 MiB of zeros behind an npy header that claims
	// far more data than the member declares.
	bomb := mk(func(zw *zip.Writer) {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: "a.npy", Method: zip.Deflate})
		w.Write(npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000,), }\n", 1, nil))
		w.Write(make([]byte, 64<<20))
	})
	dup := mk(func(zw *zip.Writer) {
		for range 2 {
			w, _ := zw.Create("a.npy")
			w.Write(good)
		}
	})
	trailing := mk(func(zw *zip.Writer) {
		w, _ := zw.Create("a.npy")
		w.Write(good)
		w.Write([]byte("junk"))
	})
	okz := mk(func(zw *zip.Writer) {
		w, _ := zw.Create("a.npy")
		w.Write(good)
	})
	flipped := append([]byte(nil), okz...)
	flipped[60] ^= 0xff // inside the member data: CRC mismatch or bad header
	cases := []struct {
		name string
		data []byte
	}{
		{"not zip", []byte("hello")},
		{"bomb", bomb},
		{"duplicate", dup},
		{"trailing", trailing},
		{"truncated", okz[:len(okz)/2]},
		{"bit flip", flipped},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ReadNpzFrom(bytes.NewReader(c.data), int64(len(c.data)))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrNpy) {
				t.Errorf("%v does not wrap ErrNpy", err)
			}
		})
	}
	if _, _, err := ReadNpzFrom(bytes.NewReader(okz), int64(len(okz))); err != nil {
		t.Fatalf("control archive: %v", err)
	}
	// A declared size beyond NpzMaxTotal is refused before reading.
	big := append([]byte(nil), okz...)
	// patch the central directory's uncompressed size (offset 24 in the
	// central header) to 0xfffffff0
	cd := bytes.LastIndex(big, []byte("PK\x01\x02"))
	binary.LittleEndian.PutUint32(big[cd+24:], 0xfffffff0)
	zr, err := zip.NewReader(bytes.NewReader(big), int64(len(big)))
	if err == nil && zr.File[0].UncompressedSize64 == 0xfffffff0 {
		if _, _, err := ReadNpzFrom(bytes.NewReader(big), int64(len(big))); err == nil {
			t.Error("member with a false declared size accepted")
		}
	}
}

func TestFloat16ToFloat32(t *testing.T) {
	// Reference values: IEEE 754 binary16 definitions.
	cases := []struct {
		bits uint16
		want float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xc000, -2}, {0x7bff, 65504},
		{0x0001, 5.960464477539063e-08}, {0x03ff, 6.097555160522461e-05}, {0x0400, 6.103515625e-05},
		{0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	}
	for _, c := range cases {
		if got := Float16ToFloat32(c.bits); got != c.want {
			t.Errorf("%#04x: %v, want %v", c.bits, got, c.want)
		}
	}
	if !math.IsNaN(float64(Float16ToFloat32(0x7e00))) {
		t.Error("0x7e00 is not NaN")
	}
	if math.Float32bits(Float16ToFloat32(0x8000)) != 0x80000000 {
		t.Error("-0 lost its sign")
	}
}

func FuzzReadNpy(f *testing.F) {
	ents, _ := os.ReadDir(npyDir)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".npy") {
			b, err := os.ReadFile(filepath.Join(npyDir, e.Name()))
			if err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := ReadNpy(bytes.NewReader(b))
		if err != nil {
			return
		}
		n, err := NumElements(x.Shape())
		if err != nil || n != x.Len() {
			t.Fatalf("inconsistent tensor %v with %d elements", x.Shape(), x.Len())
		}
		if int64(x.Len()) > int64(len(b)) {
			t.Fatalf("%d elements from %d bytes", x.Len(), len(b))
		}
	})
}

func FuzzReadNpz(f *testing.F) {
	ents, _ := os.ReadDir(npyDir)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".npz") {
			b, err := os.ReadFile(filepath.Join(npyDir, e.Name()))
			if err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ReadNpzFrom(bytes.NewReader(b), int64(len(b)))
	})
}
