package datafile

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kerago/kerago/tensor"
)

func TestReadCSV(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	cases := []struct {
		name  string
		in    string
		shape []int
		data  []float32
		err   string
	}{
		{name: "plain", in: "1,2\n3,4\n", shape: []int{2, 2}, data: []float32{1, 2, 3, 4}},
		{name: "header", in: "a,b\n1,2\n", shape: []int{1, 2}, data: []float32{1, 2}},
		{name: "quoted header", in: "\"x 1\",\"x 2\"\r\n0.5,-1e-3\r\n", shape: []int{1, 2}, data: []float32{0.5, -1e-3}},
		{name: "header with one numeric name", in: "id,2\n7,8\n", shape: []int{1, 2}, data: []float32{7, 8}},
		{name: "spaces", in: " 1, 2\n3 ,4 \n", shape: []int{2, 2}, data: []float32{1, 2, 3, 4}},
		{name: "numpy specials", in: "nan,inf\n-inf,1.5\n", shape: []int{2, 2}, data: []float32{nan, inf, -inf, 1.5}},
		{name: "no trailing newline", in: "1\n2", shape: []int{2, 1}, data: []float32{1, 2}},
		{name: "float32 rounding", in: "0.1\n", shape: []int{1, 1}, data: []float32{0.1}},
		{name: "blank lines skipped", in: "1,2\n\n3,4\n", shape: []int{2, 2}, data: []float32{1, 2, 3, 4}},
		{name: "ragged", in: "1,2\n3\n", err: "line 2 has 1 fields, the first data row has 2"},
		{name: "text in data", in: "1,2\n3,x\n", err: `line 2, column 2: "x" is not a number`},
		{name: "missing value", in: "1,,2\n", err: `line 1, column 2: "" is not a number`},
		{name: "only header", in: "a,b\n", err: "no data rows"},
		{name: "empty", in: "", err: "no data rows"},
		{name: "bad quote", in: "\"1,2\n", err: "CSV:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ReadCSV(strings.NewReader(c.in))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Shape(), c.shape) {
				t.Fatalf("shape %v, want %v", got.Shape(), c.shape)
			}
			for i, v := range got.Data() {
				w := c.data[i]
				if math.Float32bits(v) != math.Float32bits(w) && !(v != v && w != w) {
					t.Fatalf("value %d = %v, want %v", i, v, w)
				}
			}
		})
	}
}

func TestWriteCSV(t *testing.T) {
	x, _ := tensor.FromSlice([]float32{0.1, -2, 1e-7, float32(math.NaN()), float32(math.Inf(-1)), 3.4028235e38}, 2, 3)
	var b bytes.Buffer
	if err := WriteCSV(&b, x); err != nil {
		t.Fatal(err)
	}
	want := "0.1,-2,1e-07\nnan,-inf,3.4028235e+38\n"
	if b.String() != want {
		t.Fatalf("got %q, want %q", b.String(), want)
	}
	back, err := ReadCSV(&b)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range back.Data() {
		w := x.Data()[i]
		if math.Float32bits(v) != math.Float32bits(w) && !(v != v && w != w) {
			t.Fatalf("round trip value %d = %v, want %v", i, v, w)
		}
	}
}

// TestReadNpyFixture reads an array NumPy wrote (a Keras keras-cases input)
// through every format and checks the values survive.
func TestFormatsRoundTrip(t *testing.T) {
	src := filepath.Join("..", "..", "..", "testdata", "keras-cases", "mlp_2_10_10_2", "x.npy")
	x, err := Read(src, "x")
	if err != nil {
		t.Fatal(err)
	}
	if x.Rank() != 2 || x.Dim(1) != 2 {
		t.Fatalf("x.npy has shape %v, want (N, 2)", x.Shape())
	}
	dir := t.TempDir()
	for _, name := range []string{"a.npy", "a.npz", "a.csv", "b.npz:inputs"} {
		p := filepath.Join(dir, name)
		if err := Write(p, x, ""); err != nil {
			t.Fatal(err)
		}
		got, err := Read(p, "y")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Shape(), x.Shape()) || !slices.Equal(got.Data(), x.Data()) {
			t.Fatalf("%s: round trip changed the data", name)
		}
	}
	if _, err := Read(filepath.Join(dir, "b.npz:nope"), ""); err == nil || !strings.Contains(err.Error(), `no array named "nope"`) {
		t.Fatalf("missing key: err = %v", err)
	}
}

func TestNpzChoice(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "d.npz")
	a, _ := tensor.FromSlice([]float32{1, 2}, 2, 1)
	b, _ := tensor.FromSlice([]float32{3, 4}, 2, 1)
	if err := tensor.SaveNpz(p, []string{"x", "y"}, []*tensor.Tensor{a, b}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, role string
		want       []float32
		err        string
	}{
		{path: p, role: "x", want: []float32{1, 2}},
		{path: p, role: "y", want: []float32{3, 4}},
		{path: p + ":y", role: "x", want: []float32{3, 4}},
		{path: p, role: "z", err: `holds 2 arrays ("x", "y")`},
		{path: p, role: "", err: "give a name"},
	}
	for _, c := range cases {
		got, err := Read(c.path, c.role)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Read(%s, %q): err = %v, want %q", c.path, c.role, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Read(%s, %q): %v", c.path, c.role, err)
			continue
		}
		if !slices.Equal(got.Data(), c.want) {
			t.Errorf("Read(%s, %q) = %v, want %v", c.path, c.role, got.Data(), c.want)
		}
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.npy")
	os.WriteFile(bad, []byte("not numpy"), 0o644)
	cases := []struct{ path, err string }{
		{filepath.Join(dir, "missing.npy"), "missing.npy: no such file or directory"},
		{filepath.Join(dir, "missing.csv"), "missing.csv: no such file or directory"},
		{filepath.Join(dir, "x.txt"), "must end in .npy, .npz or .csv"},
		{bad, "bad.npy: "},
	}
	for _, c := range cases {
		_, err := Read(c.path, "x")
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("Read(%s): err = %v, want %q", c.path, err, c.err)
		}
		if err != nil && strings.Count(err.Error(), c.path) > 1 {
			t.Errorf("Read(%s): path repeated in %q", c.path, err)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	x, _ := tensor.FromSlice([]float32{1, 2}, 2, 1)
	os.Mkdir(filepath.Join(dir, "d.npy"), 0o755)
	cases := []struct{ path, err string }{
		{filepath.Join(dir, "d.npy"), "d.npy: is a directory"},
		{filepath.Join(dir, "missing", "p.csv"), "p.csv: cannot create files in " + filepath.Join(dir, "missing") + ": no such file or directory"},
		{filepath.Join(dir, "p.txt"), "must end in .npy, .npz or .csv"},
	}
	for _, c := range cases {
		err := Write(c.path, x, "")
		if err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), ".tmp") {
			t.Errorf("Write(%s): err = %v, want %q", c.path, err, c.err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("failed writes left files: %v", entries)
	}
}

func TestSamples(t *testing.T) {
	flat, _ := tensor.FromSlice(make([]float32, 12), 2, 6)
	vec, _ := tensor.FromSlice(make([]float32, 3), 3)
	cases := []struct {
		name  string
		x     *tensor.Tensor
		want  []int
		shape []int
		err   string
	}{
		{"same", flat, []int{6}, []int{2, 6}, ""},
		{"unflatten", flat, []int{2, 3}, []int{2, 2, 3}, ""},
		{"vector as column", vec, []int{1}, []int{3, 1}, ""},
		{"vector for wide input", vec, []int{2}, nil, "one value per sample, the model expects samples of shape (2,)"},
		{"wrong width", flat, []int{4}, nil, "samples have shape (6,) (6 values), the model expects (4,) (4 values)"},
	}
	for _, c := range cases {
		got, err := Samples(c.x, c.want, "x.csv")
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err = %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got.Shape(), c.shape) {
			t.Errorf("%s: got %v, %v; want shape %v", c.name, got, err, c.shape)
		}
	}
}
