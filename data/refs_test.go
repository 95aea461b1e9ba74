package data

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/tensor"
)

// refs are outputs of NumPy 1.24.2, pandas 1.5.3 and scikit-learn 1.2.1,
// written by testdata/translate/data-refs/make_refs.py.
type refs struct {
	Versions       map[string]string `json:"versions"`
	TrainTestSplit []struct {
		N      int            `json:"n"`
		Kwargs map[string]any `json:"kwargs"`
		Train  []int          `json:"train"`
		Test   []int          `json:"test"`
	} `json:"train_test_split"`
	StandardScaler struct {
		X           [][]float64 `json:"x"`
		Mean        []float64   `json:"mean"`
		Var         []float64   `json:"var"`
		Scale       []float64   `json:"scale"`
		Transformed [][]float64 `json:"transformed"`
	} `json:"standard_scaler"`
	MinMaxScaler struct {
		DataMin        []float64   `json:"data_min"`
		DataMax        []float64   `json:"data_max"`
		Transformed    [][]float64 `json:"transformed"`
		TransformedPM1 [][]float64 `json:"transformed_pm1"`
	} `json:"minmax_scaler"`
	LabelEncoder struct {
		Labels  []string `json:"labels"`
		Codes   []int    `json:"codes"`
		Classes []string `json:"classes"`
	} `json:"label_encoder"`
	GetDummies struct {
		Columns []string `json:"columns"`
		Values  [][]int  `json:"values"`
	} `json:"get_dummies"`
	ReadCSV struct {
		Text         string       `json:"text"`
		Columns      []string     `json:"columns"`
		Dtypes       []string     `json:"dtypes"`
		B            []*float64   `json:"b"`
		ILocFirstTwo [][]*float64 `json:"iloc_first_two"`
	} `json:"read_csv"`
	ReadCSVNoHeader struct {
		Text              string      `json:"text"`
		HeaderNoneColumns []string    `json:"header_none_columns"`
		NamesValues       [][]float64 `json:"names_values"`
		DefaultColumns    []string    `json:"default_columns"`
		DefaultShape      []int       `json:"default_shape"`
	} `json:"read_csv_noheader"`
	ReadCSVMangle struct {
		Text    string      `json:"text"`
		Columns []string    `json:"columns"`
		Values  [][]float64 `json:"values"`
		UseCols [][]float64 `json:"usecols"`
	} `json:"read_csv_mangle"`
	LoadTxt struct {
		Text        string      `json:"text"`
		All         [][]float64 `json:"all"`
		UseCols2    []float64   `json:"usecols_2"`
		UseCols02   [][]float64 `json:"usecols_0_2"`
		SkipRows2   [][]float64 `json:"skiprows_2"`
		NDMin2Shape []int       `json:"ndmin2_shape"`
		OneRowShape []int       `json:"one_row_shape"`
	} `json:"loadtxt"`
	GenFromTxt struct {
		Text   string       `json:"text"`
		Values [][]*float64 `json:"values"`
	} `json:"genfromtxt"`
	Random struct {
		Seed               uint32      `json:"seed"`
		Rand2x3            [][]float64 `json:"rand_2x3"`
		Randn5             []float64   `json:"randn_5"`
		Randint076         []int64     `json:"randint_0_7_6"`
		RandintBig         []int64     `json:"randint_big"`
		Uniform            []float64   `json:"uniform"`
		Normal             []float64   `json:"normal"`
		Permutation17      []int       `json:"permutation_17"`
		ShuffledRows       [][]float64 `json:"shuffled_rows"`
		AfterShuffleRandom []float64   `json:"after_shuffle_random"`
		Seed0FirstUint32   []uint32    `json:"seed0_first_uint32"`
	} `json:"random"`
	Format []struct {
		V    float64 `json:"v"`
		Spec string  `json:"spec"`
		Out  string  `json:"out"`
	} `json:"format"`
	Repr []struct {
		V   float64 `json:"v"`
		Out string  `json:"out"`
	} `json:"repr"`
	FormatInt []struct {
		V    int    `json:"v"`
		Spec string `json:"spec"`
		Out  string `json:"out"`
	} `json:"format_int"`
}

func loadRefs(t *testing.T) *refs {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "translate", "data-refs", "refs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r refs
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func writeTemp(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func rowsOf(t *testing.T, x *tensor.Tensor) [][]float32 {
	t.Helper()
	r, err := x.Rows()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestTrainTestSplitMatchesScikitLearn(t *testing.T) {
	r := loadRefs(t)
	for _, c := range r.TrainTestSplit {
		cfg := SplitConfig{}
		for k, v := range c.Kwargs {
			f, _ := v.(float64)
			switch k {
			case "test_size":
				if f == math.Trunc(f) && f >= 1 {
					cfg.TestCount = int(f)
				} else {
					cfg.TestSize = f
				}
			case "train_size":
				if f == math.Trunc(f) && f >= 1 {
					cfg.TrainCount = int(f)
				} else {
					cfg.TrainSize = f
				}
			case "random_state":
				cfg.RandomState = NewRandomState(uint32(f))
			case "global_seed":
				cfg.RandomState = NewRandomState(uint32(f))
			case "shuffle":
				cfg.NoShuffle = v == false
			}
		}
		idx := make([]float32, c.N)
		for i := range idx {
			idx[i] = float32(i)
		}
		a, _ := tensor.FromSlice(idx, c.N)
		parts, err := TrainTestSplit(cfg, a, a)
		if err != nil {
			t.Fatalf("n=%d %v: %v", c.N, c.Kwargs, err)
		}
		for p, want := range [][]int{c.Train, c.Test, c.Train, c.Test} {
			got := parts[p].Data()
			if len(got) != len(want) {
				t.Fatalf("n=%d %v part %d: %d samples, scikit-learn %d", c.N, c.Kwargs, p, len(got), len(want))
			}
			for i := range want {
				if int(got[i]) != want[i] {
					t.Fatalf("n=%d %v part %d: %v, scikit-learn %v", c.N, c.Kwargs, p, got, want)
				}
			}
		}
	}
}

func TestTrainTestSplitErrors(t *testing.T) {
	a, _ := tensor.FromSlice(make([]float32, 10), 10)
	b, _ := tensor.FromSlice(make([]float32, 9), 9)
	for _, c := range []struct {
		cfg    SplitConfig
		arrays []*tensor.Tensor
		want   string
	}{
		{SplitConfig{TestSize: 1.5}, []*tensor.Tensor{a}, "test_size=1.5 should be"},
		{SplitConfig{TestCount: 10}, []*tensor.Tensor{a}, "test_size=10 should be"},
		{SplitConfig{TestSize: 0.6, TrainSize: 0.6}, []*tensor.Tensor{a}, "the sum of test_size and train_size"},
		{SplitConfig{}, []*tensor.Tensor{a, b}, "inconsistent numbers of samples: [10, 9]"},
		{SplitConfig{}, nil, "at least one array"},
		{SplitConfig{TestSize: 0.95}, []*tensor.Tensor{a}, "train set will be empty"},
	} {
		_, err := TrainTestSplit(c.cfg, c.arrays...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.cfg, err, c.want)
		}
	}
}

func TestStandardScalerMatchesScikitLearn(t *testing.T) {
	r := loadRefs(t).StandardScaler
	x := fromRows64(t, r.X)
	s := NewStandardScaler()
	out, err := s.FitTransform(x)
	if err != nil {
		t.Fatal(err)
	}
	for j := range r.Mean {
		if !closeRel(s.Mean[j], r.Mean[j], 1e-12) || !closeRel(s.Var[j], r.Var[j], 1e-9) || !closeRel(s.Scale[j], r.Scale[j], 1e-12) {
			t.Errorf("feature %d: mean %v var %v scale %v, scikit-learn %v %v %v", j, s.Mean[j], s.Var[j], s.Scale[j], r.Mean[j], r.Var[j], r.Scale[j])
		}
	}
	if s.Scale[3] != 1 {
		t.Errorf("constant feature: scale %v, want 1", s.Scale[3])
	}
	assertRowsEqual(t, "StandardScaler.transform", rowsOf(t, out), r.Transformed)
	back, err := s.InverseTransform(out)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range back.Data() {
		if math.Abs(float64(v-x.Data()[i])) > 1e-5*math.Max(1, math.Abs(float64(v))) {
			t.Fatalf("inverse_transform element %d: %v, want %v", i, v, x.Data()[i])
		}
	}
}

func TestMinMaxScalerMatchesScikitLearn(t *testing.T) {
	rr := loadRefs(t)
	r := rr.MinMaxScaler
	x := fromRows64(t, rr.StandardScaler.X)
	s := NewMinMaxScaler(0, 1)
	out, err := s.FitTransform(x)
	if err != nil {
		t.Fatal(err)
	}
	for j := range r.DataMin {
		if float64(s.DataMin[j]) != r.DataMin[j] || float64(s.DataMax[j]) != r.DataMax[j] {
			t.Errorf("feature %d: min/max %v/%v, scikit-learn %v/%v", j, s.DataMin[j], s.DataMax[j], r.DataMin[j], r.DataMax[j])
		}
	}
	assertRowsEqual(t, "MinMaxScaler.transform", rowsOf(t, out), r.Transformed)
	s2 := NewMinMaxScaler(-1, 1)
	out2, err := s2.FitTransform(x)
	if err != nil {
		t.Fatal(err)
	}
	assertRowsEqual(t, "MinMaxScaler(-1, 1).transform", rowsOf(t, out2), r.TransformedPM1)
	if err := NewMinMaxScaler(1, 1).Fit(x); err == nil {
		t.Error("feature_range (1, 1) accepted")
	}
}

func TestLabelEncoderAndGetDummies(t *testing.T) {
	r := loadRefs(t)
	csv := "species\n" + strings.Join(r.LabelEncoder.Labels, "\n") + "\n"
	f, err := ParseCSV(csv, CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	enc := NewLabelEncoder()
	codes, err := enc.FitTransform(f.Col("species"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(enc.Classes, ",") != strings.Join(r.LabelEncoder.Classes, ",") {
		t.Errorf("classes %v, scikit-learn %v", enc.Classes, r.LabelEncoder.Classes)
	}
	for i, c := range r.LabelEncoder.Codes {
		if int(codes.Data()[i]) != c {
			t.Errorf("codes %v, scikit-learn %v", codes.Data(), r.LabelEncoder.Codes)
			break
		}
	}
	d := GetDummies(f.Col("species"))
	if strings.Join(d.Columns(), ",") != strings.Join(r.GetDummies.Columns, ",") {
		t.Errorf("get_dummies columns %v, pandas %v", d.Columns(), r.GetDummies.Columns)
	}
	v, err := d.Values()
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range rowsOf(t, v) {
		for j, x := range row {
			if int(x) != r.GetDummies.Values[i][j] {
				t.Fatalf("get_dummies row %d: %v, pandas %v", i, row, r.GetDummies.Values[i])
			}
		}
	}
	if _, err := enc.Transform(mustParse(t, "species\nrose\n").Col("species")); err == nil || !strings.Contains(err.Error(), `unseen label "rose"`) {
		t.Errorf("unseen label: %v", err)
	}
}

func mustParse(t *testing.T, text string) *Frame {
	t.Helper()
	f, err := ParseCSV(text, CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestReadCSVMatchesPandas(t *testing.T) {
	r := loadRefs(t)
	f, err := ParseCSV(r.ReadCSV.Text, CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(f.Columns(), ",") != strings.Join(r.ReadCSV.Columns, ",") {
		t.Errorf("columns %v, pandas %v", f.Columns(), r.ReadCSV.Columns)
	}
	kinds := map[colKind]string{colInt: "int64", colFloat: "float64", colText: "object", colBool: "bool"}
	for i, c := range f.cols {
		if kinds[c.kind] != r.ReadCSV.Dtypes[i] {
			t.Errorf("column %q: %s, pandas %s", c.name, kinds[c.kind], r.ReadCSV.Dtypes[i])
		}
	}
	b, err := f.Col("b").Values()
	if err != nil {
		t.Fatal(err)
	}
	if b.Rank() != 1 {
		t.Errorf("a Series' values have shape %v", b.Shape())
	}
	assertOptional(t, "df['b']", b.Data(), r.ReadCSV.B)
	ab, err := f.ILoc(All(), To(2)).Values()
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range rowsOf(t, ab) {
		assertOptional(t, "iloc[:, :2]", row, r.ReadCSV.ILocFirstTwo[i])
	}
	if _, err := f.Values(); err == nil || !strings.Contains(err.Error(), `column "c" holds text`) {
		t.Errorf("values of text columns: %v", err)
	}
	if _, err := f.Col("nope").Values(); err == nil || !strings.Contains(err.Error(), `no column "nope" (columns: a, b, c, label)`) {
		t.Errorf("missing column: %v", err)
	}
	if _, err := f.Drop("label", "c").Col("c").Values(); err == nil || !strings.Contains(err.Error(), `no column "c"`) {
		t.Errorf("column after drop: %v", err)
	}

	nh := r.ReadCSVNoHeader
	f2, err := ParseCSV(nh.Text, CSVOptions{NoHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(f2.Columns(), ",") != strings.Join(nh.HeaderNoneColumns, ",") {
		t.Errorf("header=None columns %v, pandas %v", f2.Columns(), nh.HeaderNoneColumns)
	}
	f3, err := ParseCSV(nh.Text, CSVOptions{Names: []string{"p", "q", "r"}})
	if err != nil {
		t.Fatal(err)
	}
	v3, err := f3.Cols("r", "p").Values()
	if err != nil {
		t.Fatal(err)
	}
	assertRowsEqual(t, "names= then [['r', 'p']]", rowsOf(t, v3), nh.NamesValues)
	f4 := mustParse(t, nh.Text)
	if strings.Join(f4.Columns(), ",") != strings.Join(nh.DefaultColumns, ",") || f4.Shape()[0] != nh.DefaultShape[0] || f4.Shape()[1] != nh.DefaultShape[1] {
		t.Errorf("default header: columns %v shape %v, pandas %v %v", f4.Columns(), f4.Shape(), nh.DefaultColumns, nh.DefaultShape)
	}

	m := r.ReadCSVMangle
	f5, err := ParseCSV(m.Text, CSVOptions{IndexCol: "id"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(f5.Columns(), ",") != strings.Join(m.Columns, ",") {
		t.Errorf("mangled columns %v, pandas %v", f5.Columns(), m.Columns)
	}
	v5, _ := f5.Values()
	assertRowsEqual(t, "index_col values", rowsOf(t, v5), m.Values)
	f6, err := ParseCSV(m.Text, CSVOptions{UseCols: []string{"x.1", "id"}})
	if err != nil {
		t.Fatal(err)
	}
	v6, _ := f6.Values()
	assertRowsEqual(t, "usecols (file order)", rowsOf(t, v6), m.UseCols)
}

func TestLoadTxtMatchesNumPy(t *testing.T) {
	r := loadRefs(t).LoadTxt
	p := writeTemp(t, "d.txt", r.Text)
	all, err := LoadTxt(p, TxtOptions{})
	if err != nil {
		t.Fatal(err)
	}
	assertRowsEqual(t, "loadtxt", rowsOf(t, all), r.All)
	c2, err := LoadTxt(p, TxtOptions{UseCols: []int{2}})
	if err != nil {
		t.Fatal(err)
	}
	if c2.Rank() != 1 {
		t.Errorf("usecols=2: shape %v, NumPy (%d,)", c2.Shape(), len(r.UseCols2))
	}
	assertRowsEqual(t, "usecols=2", [][]float32{c2.Data()}, [][]float64{r.UseCols2})
	c02, _ := LoadTxt(p, TxtOptions{UseCols: []int{0, 2}})
	assertRowsEqual(t, "usecols=(0, 2)", rowsOf(t, c02), r.UseCols02)
	s2, _ := LoadTxt(p, TxtOptions{SkipRows: 2})
	assertRowsEqual(t, "skiprows=2", rowsOf(t, s2), r.SkipRows2)
	one := writeTemp(t, "one.txt", "1 2 3\n")
	o, _ := LoadTxt(one, TxtOptions{})
	o2, _ := LoadTxt(one, TxtOptions{NDMin: 2})
	if !tensor.SameShape(o.Shape(), r.OneRowShape) || !tensor.SameShape(o2.Shape(), r.NDMin2Shape) {
		t.Errorf("one row: shapes %v and (ndmin=2) %v, NumPy %v %v", o.Shape(), o2.Shape(), r.OneRowShape, r.NDMin2Shape)
	}
	bad := writeTemp(t, "bad.txt", "1 2\n3 x\n")
	if _, err := LoadTxt(bad, TxtOptions{}); err == nil || !strings.Contains(err.Error(), `line 2: could not convert "x"`) {
		t.Errorf("bad value: %v", err)
	}
	ragged := writeTemp(t, "ragged.txt", "1 2\n3\n")
	if _, err := LoadTxt(ragged, TxtOptions{}); err == nil || !strings.Contains(err.Error(), "line 2 has 1 columns") {
		t.Errorf("ragged: %v", err)
	}

	g := loadRefs(t).GenFromTxt
	gp := writeTemp(t, "g.csv", g.Text)
	gv, err := GenFromTxt(gp, TxtOptions{Delimiter: ",", SkipRows: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range rowsOf(t, gv) {
		assertOptional(t, "genfromtxt", row, g.Values[i])
	}
}

func TestRandomStateMatchesNumPyRefs(t *testing.T) {
	r := loadRefs(t).Random
	rs := NewRandomState(r.Seed)
	check := func(what string, got *tensor.Tensor, want []float64) {
		t.Helper()
		for i, w := range want {
			if got.Data()[i] != float32(w) {
				t.Fatalf("%s: %v, NumPy %v", what, got.Data(), want)
			}
		}
	}
	x, _ := rs.Rand(2, 3)
	check("rand(2, 3)", x, append(r.Rand2x3[0], r.Rand2x3[1]...))
	x, _ = rs.Randn(5)
	check("randn(5)", x, r.Randn5)
	x, _ = rs.Randint(0, 7, 6)
	for i, w := range r.Randint076 {
		if int64(x.Data()[i]) != w {
			t.Fatalf("randint(0, 7, 6): %v, NumPy %v", x.Data(), r.Randint076)
		}
	}
	x, _ = rs.Randint(0, 1<<33, 3)
	for i, w := range r.RandintBig {
		if x.Data()[i] != float32(w) {
			t.Fatalf("randint(0, 2**33, 3): %v, NumPy %v", x.Data(), r.RandintBig)
		}
	}
	x, _ = rs.Uniform(-3, 2, 4)
	check("uniform(-3, 2, 4)", x, r.Uniform)
	x, _ = rs.Normal(1.5, 0.5, 3)
	check("normal(1.5, 0.5, 3)", x, r.Normal)
	p, _ := rs.Permutation(17)
	for i, w := range r.Permutation17 {
		if p[i] != w {
			t.Fatalf("permutation(17): %v, NumPy %v", p, r.Permutation17)
		}
	}
	arr := make([]float32, 12)
	for i := range arr {
		arr[i] = float32(i)
	}
	a, _ := tensor.FromSlice(arr, 6, 2)
	if err := rs.Shuffle(a); err != nil {
		t.Fatal(err)
	}
	assertRowsEqual(t, "shuffle rows", rowsOf(t, a), r.ShuffledRows)
	for i, w := range r.AfterShuffleRandom {
		if got := rs.Float64(); got != w {
			t.Fatalf("random_sample after shuffle [%d]: %v, NumPy %v", i, got, w)
		}
	}
	r0 := NewRandomState(0)
	for i, w := range r.Seed0FirstUint32 {
		if got := r0.Uint32(); got != w {
			t.Fatalf("seed 0 output %d: %d, NumPy %d", i, got, w)
		}
	}
}

func TestFormatMatchesPython(t *testing.T) {
	r := loadRefs(t)
	for _, c := range r.Format {
		if got := Format(c.V, c.Spec); got != c.Out {
			t.Errorf("format(%v, %q) = %q, Python %q", c.V, c.Spec, got, c.Out)
		}
	}
	for _, c := range r.FormatInt {
		if got := Format(c.V, c.Spec); got != c.Out {
			t.Errorf("format(%d, %q) = %q, Python %q", c.V, c.Spec, got, c.Out)
		}
	}
	for _, c := range r.Repr {
		if got := Repr(c.V); got != c.Out {
			t.Errorf("repr(%v) = %q, Python %q", c.V, got, c.Out)
		}
	}
}

func fromRows64(t *testing.T, rows [][]float64) *tensor.Tensor {
	t.Helper()
	var flat []float32
	for _, r := range rows {
		for _, v := range r {
			flat = append(flat, float32(v))
		}
	}
	x, err := tensor.FromSlice(flat, len(rows), len(rows[0]))
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// assertRowsEqual compares float32 results with reference values as
// float32 (the references are float32 arrays widened by tolist()).
func assertRowsEqual(t *testing.T, what string, got [][]float32, want [][]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("%s row %d: %v, want %v", what, i, got[i], want[i])
		}
		for j := range want[i] {
			if got[i][j] != float32(want[i][j]) {
				t.Fatalf("%s row %d: %v, want %v", what, i, got[i], want[i])
			}
		}
	}
}

func assertOptional(t *testing.T, what string, got []float32, want []*float64) {
	t.Helper()
	for i, w := range want {
		if w == nil {
			if !math.IsNaN(float64(got[i])) {
				t.Errorf("%s [%d]: %v, want NaN", what, i, got[i])
			}
			continue
		}
		if got[i] != float32(*w) {
			t.Errorf("%s [%d]: %v, want %v", what, i, got[i], *w)
		}
	}
}

func closeRel(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(math.Abs(b), 1e-300) || a == b
}
