package data

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/keras/callbacks"
	"github.com/kerago/kerago/tensor"
)

func arange(t *testing.T, shape ...int) *tensor.Tensor {
	t.Helper()
	n, _ := tensor.NumElements(shape)
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(i)
	}
	x, err := tensor.FromSlice(d, shape...)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestTake(t *testing.T) {
	x := arange(t, 4, 3) // [[0 1 2] [3 4 5] [6 7 8] [9 10 11]]
	two := 2
	for _, c := range []struct {
		name  string
		idx   []Index
		shape []int
		data  []float32
	}{
		{"x[:, 0]", []Index{All(), At(0)}, []int{4}, []float32{0, 3, 6, 9}},
		{"x[:, -1]", []Index{All(), At(-1)}, []int{4}, []float32{2, 5, 8, 11}},
		{"x[:, :-1]", []Index{All(), To(-1)}, []int{4, 2}, []float32{0, 1, 3, 4, 6, 7, 9, 10}},
		{"x[1:3]", []Index{Range(1, 3)}, []int{2, 3}, []float32{3, 4, 5, 6, 7, 8}},
		{"x[2:]", []Index{From(2)}, []int{2, 3}, []float32{6, 7, 8, 9, 10, 11}},
		{"x[-1]", []Index{At(-1)}, []int{3}, []float32{9, 10, 11}},
		{"x[1, 2]", []Index{At(1), At(2)}, []int{}, []float32{5}},
		{"x[:100]", []Index{To(100)}, []int{4, 3}, x.Data()},
		{"x[::2, [2, 0]]", []Index{Slice(nil, nil, 2), List(2, 0)}, []int{2, 2}, []float32{2, 0, 8, 6}},
		{"x[::-1, 0]", []Index{Slice(nil, nil, -1), At(0)}, []int{4}, []float32{9, 6, 3, 0}},
		{"x[2::-2, 1]", []Index{Slice(&two, nil, -2), At(1)}, []int{2}, []float32{7, 1}},
		{"x[5:1]", []Index{Range(5, 1)}, []int{0, 3}, nil},
	} {
		got, err := Take(x, c.idx...)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !tensor.SameShape(got.Shape(), c.shape) {
			t.Errorf("%s: shape %v, want %v", c.name, got.Shape(), c.shape)
			continue
		}
		for i := range c.data {
			if got.Data()[i] != c.data[i] {
				t.Errorf("%s: %v, want %v", c.name, got.Data(), c.data)
				break
			}
		}
	}
	for _, c := range []struct {
		name string
		idx  []Index
		want string
	}{
		{"x[4]", []Index{At(4)}, "index 4 is out of bounds for an axis of size 4"},
		{"x[:, -4]", []Index{All(), At(-4)}, "axis 1: index -4 is out of bounds"},
		{"x[0, 0, 0]", []Index{At(0), At(0), At(0)}, "too many indices"},
		{"x[::0]", []Index{Slice(nil, nil, 0)}, ""},
		{"x[[0], [1]]", []Index{List(0), List(1)}, "more than one list"},
	} {
		_, err := Take(x, c.idx...)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v (step 0 means 1)", c.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

func TestToCategorical(t *testing.T) {
	// keras.utils.to_categorical([0, 2, 1], 4) and labels of shape (n, 1)
	y, _ := tensor.FromSlice([]float32{0, 2, 1}, 3)
	got, err := ToCategorical(y, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0}
	if !tensor.SameShape(got.Shape(), []int{3, 4}) {
		t.Fatalf("shape %v", got.Shape())
	}
	for i := range want {
		if got.Data()[i] != want[i] {
			t.Fatalf("%v, want %v", got.Data(), want)
		}
	}
	col, _ := tensor.FromSlice([]float32{1, 0}, 2, 1)
	got, err = ToCategorical(col, 0) // num_classes=None: max+1
	if err != nil || !tensor.SameShape(got.Shape(), []int{2, 2}) || got.Data()[1] != 1 || got.Data()[2] != 1 {
		t.Fatalf("(n, 1) labels: %v %v %v", got, got.Data(), err)
	}
	trunc, _ := tensor.FromSlice([]float32{1.9, -1}, 2)
	got, err = ToCategorical(trunc, 3) // int64 cast truncates; -1 wraps as a NumPy index
	if err != nil || got.Data()[1] != 1 || got.Data()[5] != 1 {
		t.Fatalf("truncation/negative index: %v %v", got.Data(), err)
	}
	bad, _ := tensor.FromSlice([]float32{3}, 1)
	if _, err := ToCategorical(bad, 3); err == nil || !strings.Contains(err.Error(), "label 3 (sample 0) is out of range for 3 classes") {
		t.Errorf("out of range: %v", err)
	}
}

func TestReductionsAndArithmetic(t *testing.T) {
	x, _ := tensor.FromSlice([]float32{1, 5, 3, 4, 2, 6}, 2, 3)
	am, _ := Argmax(x, 1)
	if am.Data()[0] != 1 || am.Data()[1] != 2 {
		t.Errorf("argmax axis 1: %v", am.Data())
	}
	am0, _ := Argmax(x, 0)
	if am0.Data()[0] != 1 || am0.Data()[1] != 0 || am0.Data()[2] != 1 {
		t.Errorf("argmax axis 0: %v", am0.Data())
	}
	m, _ := MeanAxis(x, 0) // (1+4)/2, (5+2)/2, (3+6)/2
	s, _ := StdAxis(x, 0)  // population std: 1.5 each
	for i, w := range []float32{2.5, 3.5, 4.5} {
		if m.Data()[i] != w || s.Data()[i] != 1.5 {
			t.Errorf("mean/std axis 0: %v %v", m.Data(), s.Data())
		}
	}
	if Mean(x) != 3.5 || Sum(x) != 21 {
		t.Errorf("mean %v sum %v", Mean(x), Sum(x))
	}
	if _, err := Argmax(x, 2); err == nil {
		t.Error("argmax axis 2 of a 2-D array accepted")
	}
	// (x - mean) / std with broadcasting
	c, err := Sub(x, m)
	if err != nil {
		t.Fatal(err)
	}
	z, err := Div(c, s)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []float32{-1, 1, -1, 1, -1, 1} {
		if z.Data()[i] != w {
			t.Fatalf("standardized: %v", z.Data())
		}
	}
	half, _ := Div(x, Scalar(2))
	if half.Data()[1] != 2.5 {
		t.Errorf("x / 2: %v", half.Data())
	}
	col, _ := tensor.FromSlice([]float32{10, 20}, 2, 1)
	sum, err := Add(x, col)
	if err != nil || !tensor.SameShape(sum.Shape(), []int{2, 3}) || sum.Data()[3] != 24 {
		t.Errorf("(2,3)+(2,1): %v %v", sum, err)
	}
	if _, err := Add(x, arange(t, 2)); err == nil || !strings.Contains(err.Error(), "could not be broadcast together with shapes [2 3] [2]") {
		t.Errorf("bad broadcast: %v", err)
	}
	gt, _ := Compare(x, ">", Scalar(3))
	for i, w := range []float32{0, 1, 0, 1, 0, 1} {
		if gt.Data()[i] != w {
			t.Fatalf("x > 3: %v", gt.Data())
		}
	}
	r := Round(mustT(t, []float32{0.5, 1.5, 2.5, -0.5}))
	for i, w := range []float32{0, 2, 2, 0} {
		if r.Data()[i] != w {
			t.Fatalf("np.round (half to even): %v", r.Data())
		}
	}
	ai, _ := AsType(mustT(t, []float32{1.9, -1.9, 300}), "int32")
	au, _ := AsType(mustT(t, []float32{1.9, -1.9, 300}), "uint8")
	for i, w := range []float32{1, -1, 300} {
		if ai.Data()[i] != w {
			t.Fatalf("astype(int32): %v", ai.Data())
		}
	}
	for i, w := range []float32{1, 255, 44} {
		if au.Data()[i] != w {
			t.Fatalf("astype(uint8): %v", au.Data())
		}
	}
	if _, err := AsType(x, "complex64"); err == nil {
		t.Error("astype(complex64) accepted")
	}
	if v, err := Item(mustT(t, []float32{7})); err != nil || v != 7 {
		t.Errorf("item: %v %v", v, err)
	}
	if _, err := Item(x); err == nil {
		t.Error("item of 6 elements accepted")
	}
	for _, c := range []struct{ a, b, div, mod int }{{7, 2, 3, 1}, {-7, 2, -4, 1}, {7, -2, -4, -1}, {-7, -2, 3, -1}, {6, 3, 2, 0}} {
		if FloorDiv(c.a, c.b) != c.div || Mod(c.a, c.b) != c.mod {
			t.Errorf("%d // %d = %d, %% = %d; Python %d, %d", c.a, c.b, FloorDiv(c.a, c.b), Mod(c.a, c.b), c.div, c.mod)
		}
	}
	for _, c := range []struct {
		x    float64
		n    int
		want float64
	}{{2.675, 2, 2.67}, {0.125, 2, 0.12}, {1.5, 0, 2}, {2.5, 0, 2}, {1234.5, -2, 1200}} {
		if got := RoundTo(c.x, c.n); got != c.want {
			t.Errorf("round(%v, %d) = %v, Python %v", c.x, c.n, got, c.want)
		}
	}
}

func mustT(t *testing.T, d []float32) *tensor.Tensor {
	t.Helper()
	x, err := tensor.FromSlice(d, len(d))
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestFrameSelections(t *testing.T) {
	f := mustParse(t, "a,b,c,y\n1,2,3,0\n4,5,6,1\n7,8,9,0\n")
	for _, c := range []struct {
		name  string
		f     *Frame
		shape []int
		data  []float32
	}{
		{"iloc[:, :-1]", f.ILoc(All(), To(-1)), []int{3, 3}, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"iloc[:, -1]", f.ILoc(All(), At(-1)), []int{3}, []float32{0, 1, 0}},
		{"iloc[1:, [2, 0]]", f.ILoc(From(1), List(2, 0)), []int{2, 2}, []float32{6, 4, 9, 7}},
		{"iloc[:2]", f.ILocRows(To(2)), []int{2, 4}, []float32{1, 2, 3, 0, 4, 5, 6, 1}},
		{"drop('y', axis=1)", f.Drop("y"), []int{3, 3}, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"[['c', 'a']]", f.Cols("c", "a"), []int{3, 2}, []float32{3, 1, 6, 4, 9, 7}},
		{"['y']", f.Col("y"), []int{3}, []float32{0, 1, 0}},
		{"head(1)", f.Head(1), []int{1, 4}, []float32{1, 2, 3, 0}},
		{"['y'].map", f.Col("y").Map(map[string]float64{"0": 10, "1": 20}), []int{3}, []float32{10, 20, 10}},
	} {
		v, err := c.f.Values()
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !tensor.SameShape(v.Shape(), c.shape) || !tensor.SameShape(c.f.Shape(), c.shape) {
			t.Errorf("%s: shape %v / %v, want %v", c.name, v.Shape(), c.f.Shape(), c.shape)
			continue
		}
		for i := range c.data {
			if v.Data()[i] != c.data[i] {
				t.Errorf("%s: %v, want %v", c.name, v.Data(), c.data)
				break
			}
		}
	}
	for _, c := range []struct {
		name string
		f    *Frame
		want string
	}{
		{"iloc[:, 4]", f.ILoc(All(), At(4)), "iloc columns 4: index 4 is out of bounds for an axis of size 4"},
		{"iloc[0, :]", f.ILoc(At(0), All()), "selecting a single row is not supported"},
		{"drop('z')", f.Drop("z"), `drop: no column "z"`},
		{"Col after error", f.Col("z").Cols("a"), `no column "z"`},
	} {
		if _, err := c.f.Values(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	na := mustParse(t, "a,b\n1,\n2,3\nNA,4\n")
	if na.DropNA().Len() != 1 {
		t.Errorf("dropna kept %d rows, want 1", na.DropNA().Len())
	}
	filled, _ := na.FillNA(0).Values()
	if filled.Data()[1] != 0 || filled.Data()[4] != 0 {
		t.Errorf("fillna(0): %v", filled.Data())
	}
	ws, err := ParseCSV("x y\n1  2\n3 4\n", CSVOptions{Sep: `\s+`})
	if err != nil || ws.Len() != 2 || strings.Join(ws.Columns(), ",") != "x,y" {
		t.Errorf(`sep="\s+": %v %v`, ws, err)
	}
	semi, err := ParseCSV("a;b\n1;2\n", CSVOptions{Sep: ";"})
	if err != nil || len(semi.Columns()) != 2 {
		t.Errorf("sep=';': %v %v", semi, err)
	}
	if _, err := ParseCSV("a,b\n1,2,3\n", CSVOptions{}); err == nil || !strings.Contains(err.Error(), "line 2: expected 2 fields, saw 3") {
		t.Errorf("extra field: %v", err)
	}
	skip, err := ParseCSV("junk\nmore junk\na,b\n1,2\n", CSVOptions{SkipRows: 2})
	if err != nil || strings.Join(skip.Columns(), ",") != "a,b" || skip.Len() != 1 {
		t.Errorf("skiprows=2: %v %v", skip, err)
	}
	hdr, err := ParseCSV("junk\na,b\n1,2\n", CSVOptions{HeaderRow: 1})
	if err != nil || strings.Join(hdr.Columns(), ",") != "a,b" {
		t.Errorf("header=1: %v %v", hdr, err)
	}
	if _, err := ReadCSV(filepath.Join(t.TempDir(), "missing.csv"), CSVOptions{}); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing file: %v", err)
	}
}

func TestStrAndRepr(t *testing.T) {
	x, _ := tensor.FromSlice([]float32{1, 2.5, -3, 0.125}, 2, 2)
	ints, _ := tensor.FromSlice([]float32{1, 20, 3}, 3)
	h := callbacks.NewHistory()
	h.Keys = []string{"loss", "val_loss"}
	h.History = map[string][]float64{"loss": {0.5, 0.25}, "val_loss": {1, 0.75}}
	logs := callbacks.NewLogs()
	logs.Set("loss", 0.5)
	logs.Set("accuracy", 1)
	for _, c := range []struct {
		v    any
		want string
	}{
		{"text", "text"},
		{[]string{"a", "it's"}, `['a', "it's"]`},
		{0.1, "0.1"},
		{float32(0.1), "0.1"},
		{float64(float32(0.1)), "0.10000000149011612"},
		{2.0, "2.0"},
		{true, "True"},
		{nil, "None"},
		{[]float64{0.5, 1}, "[0.5, 1.0]"},
		{Tuple{150, 4}, "(150, 4)"},
		{Tuple{3}, "(3,)"},
		{x, "[[ 1.     2.5  ]\n [-3.     0.125]]"},
		{ints, "[ 1. 20.  3.]"},
		{h, "{'loss': [0.5, 0.25], 'val_loss': [1.0, 0.75]}"},
		{logs, "{'loss': 0.5, 'accuracy': 1.0}"},
		{[]any{1, "a", 0.5}, "[1, 'a', 0.5]"},
	} {
		if got := Str(c.v); got != c.want {
			t.Errorf("str(%#v) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	h := callbacks.NewHistory()
	h.Keys = []string{"loss", "mae"}
	h.History = map[string][]float64{"loss": {0.5, 0.25}, "mae": {1, math.NaN()}}
	p := filepath.Join(t.TempDir(), "h.json")
	if err := WriteJSON(p, h, 0); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	// json.dump(history.history, f)
	if want := `{"loss": [0.5, 0.25], "mae": [1.0, NaN]}`; string(b) != want {
		t.Errorf("json.dump: %s, want %s", b, want)
	}
	if err := WriteJSON(p, map[string][]float64{"b": {1}, "a": {2}}, 2); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(p)
	if want := "{\n  \"a\": [\n    2.0\n  ],\n  \"b\": [\n    1.0\n  ]\n}"; string(b) != want {
		t.Errorf("json.dump(indent=2): %q, want %q", b, want)
	}
	if err := WriteJSON(p, struct{}{}, 0); err == nil {
		t.Error("a struct written as JSON")
	}
}

func TestBoundedAllocations(t *testing.T) {
	huge, _ := tensor.FromSlice([]float32{1e9, 0}, 2)
	if _, err := ToCategorical(huge, 0); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("label 1e9: %v", err)
	}
}

func TestReadCSVCommentAndInitialSpace(t *testing.T) {
	// pandas 1.5.3: [[1, 2, 3], [4, 5, 6]] and [[1, 2]]
	f, err := ParseCSV("1  2   3\t# c\n4 5 6\n", CSVOptions{Sep: " ", SkipInitialSpace: true, NoHeader: true, Comment: "\t"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.Values()
	if err != nil {
		t.Fatal(err)
	}
	assertRowsEqual(t, "sep=' ', skipinitialspace, comment='\\t'", rowsOf(t, v), [][]float64{{1, 2, 3}, {4, 5, 6}})
	g, err := ParseCSV("a,b\n# full comment\n1,2 # x\n", CSVOptions{Comment: "#"})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := g.Values()
	assertRowsEqual(t, "comment='#'", rowsOf(t, w), [][]float64{{1, 2}})
	if l, err := ToList(mustT(t, []float32{0.92, 6})); err != nil || l[0] != 0.92 || l[1] != 6 {
		t.Errorf("tolist: %v %v", l, err)
	}
}
