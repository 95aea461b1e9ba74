package serve

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestScannerGrammar(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{`0`, true}, {`-0`, true}, {`1.5e+3`, true}, {`-2E-2`, true}, {`123`, true},
		{`01`, false}, {`1.`, false}, {`.5`, false}, {`-`, false}, {`+1`, false}, {`1e`, false}, {`0x10`, false},
		{`NaN`, true}, {`Infinity`, true}, {`-Infinity`, true}, {`-NaN`, false}, {`nan`, false}, {`Inf`, false}, {`NaNa`, false},
		{`"a\"b\\c\/d\u00e9\n"`, true}, {`"\x"`, false}, {`"\u12"`, false}, {"\"a\x01\"", false}, {"\"\xff\"", false}, {`"abc`, false},
		{`[]`, true}, {`[1,]`, false}, {`[,1]`, false}, {`[1 2]`, false}, {`{}`, true}, {`{"a":1,}`, false}, {`{"a" 1}`, false},
		{`{1:2}`, false}, {`true`, true}, {`tru`, false}, {`null`, true}, {` [ 1 , { "x" : [ ] } ] `, true},
	} {
		s := &scanner{b: []byte(tc.in)}
		err := s.skipValue()
		if err == nil && s.peek() != 0 {
			err = fmt.Errorf("trailing %q", tc.in[s.i:])
		}
		if (err == nil) != tc.ok {
			t.Errorf("%q: err %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestScannerString(t *testing.T) {
	for in, want := range map[string]string{
		`"plain"`:           "plain",
		`"a\"b"`:            `a"b`,
		`"\/\\\n\t"`:        "/\\\n\t",
		`"\u00e9\u4e2d"`:    "é中",
		`"\ud83d\ude00"`:    "😀",
		`"caf\u00e9 ok"`:    "café ok",
		`"serving_default"`: "serving_default",
		`"\ud83d x"`:        "\ufffd x",
		`"\ude00\ud83d"`:    "\ufffd\ufffd",
		`"\ud83d\u0041"`:    "\ufffdA",
	} {
		s := &scanner{b: []byte(in)}
		got, err := s.str()
		if err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", in, got, err, want)
		}
		// encoding/json agrees.
		var ref string
		if err := json.Unmarshal([]byte(in), &ref); err != nil || ref != got {
			t.Errorf("%s: encoding/json reads %q", in, ref)
		}
	}
}

func TestDecodeInstances(t *testing.T) {
	spec := &inputSpec{model: "m", version: 1, name: "inputs", shape: []int{2, 3}}
	x, err := decodeInstances([]byte(`[[[1,2,3],[4,5,6]], [[7,8,9],[10,11,12.5]]]`), spec)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(x.Shape(), x.Data()) != "[2 2 3] [1 2 3 4 5 6 7 8 9 10 11 12.5]" {
		t.Errorf("got %v %v", x.Shape(), x.Data())
	}
	// A dimension the model leaves open (-1) is taken from the first
	// instance; later instances must agree.
	open := &inputSpec{model: "m", version: 1, name: "inputs", shape: []int{-1, 2}}
	x, err = decodeInstances([]byte(`[[[1,2],[3,4],[5,6]], [[7,8],[9,10],[11,12]]]`), open)
	if err != nil || fmt.Sprint(x.Shape()) != "[2 3 2]" {
		t.Errorf("open dim: %v %v", x, err)
	}
	_, err = decodeInstances([]byte(`[[[1,2],[3,4],[5,6]], [[7,8]]]`), open)
	if err == nil || !strings.Contains(err.msg, "instances[1]: got 1 values at dimension 1, want 3 like the lists before it") {
		t.Errorf("ragged open dim: %v", err)
	}
	// Scalar instances for a model whose samples are scalars.
	scalar := &inputSpec{model: "m", version: 1, name: "inputs", shape: nil}
	x, err = decodeInstances([]byte(`[1.0, 2.0, 5.0]`), scalar)
	if err != nil || fmt.Sprint(x.Shape(), x.Data()) != "[3] [1 2 5]" {
		t.Errorf("scalars: %v %v", x, err)
	}
	// Values go through float64 then float32, as TensorFlow Serving's
	// GetFloat() and numpy's float32 cast do.
	x, err = decodeInstances([]byte(`[[0.1, 3.4028234663852886e38]]`), &inputSpec{shape: []int{2}})
	if err != nil || x.Data()[0] != float32(0.1) || x.Data()[1] != math.MaxFloat32 {
		t.Errorf("rounding: %v %v", x, err)
	}
	x, err = decodeInstances([]byte(`[[16777215, -16777215]]`), &inputSpec{shape: []int{2}})
	if err != nil || x.Data()[0] != 16777215 {
		t.Errorf("largest exact integers: %v %v", x, err)
	}
}

func TestAppendFloat(t *testing.T) {
	for _, tc := range []struct {
		v    float32
		want string
	}{
		{0, "0.0"}, {1, "1.0"}, {-3, "-3.0"}, {0.5, "0.5"}, {0.1, "0.1"}, {1e-5, "1e-05"}, {1e7, "1e+07"},
		{123456, "123456.0"}, {16777216, "1.6777216e+07"}, {float32(math.NaN()), "NaN"},
		{float32(math.Inf(1)), "Infinity"}, {float32(math.Inf(-1)), "-Infinity"}, {math.MaxFloat32, "3.4028235e+38"},
		{math.SmallestNonzeroFloat32, "1e-45"},
	} {
		if got := string(appendFloat(nil, tc.v)); got != tc.want {
			t.Errorf("%g: got %s, want %s", tc.v, got, tc.want)
		}
	}
	// Every finite float32 written reads back exactly, through a float64
	// parse as a JSON client does.
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 100000; i++ {
		v := math.Float32frombits(rng.Uint32())
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			continue
		}
		text := string(appendFloat(nil, v))
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || float32(f) != v {
			t.Fatalf("%v written as %s reads back as %v", v, text, float32(f))
		}
	}
}

func TestAppendNested(t *testing.T) {
	data := []float32{1, 2, 3, 4, 5, 6}
	for _, tc := range []struct {
		shape []int
		want  string
	}{
		{[]int{6}, "[1.0,2.0,3.0,4.0,5.0,6.0]"},
		{[]int{2, 3}, "[[1.0,2.0,3.0],[4.0,5.0,6.0]]"},
		{[]int{3, 1, 2}, "[[[1.0,2.0]],[[3.0,4.0]],[[5.0,6.0]]]"},
		{[]int{0, 2}, "[]"},
	} {
		if got := string(appendNested(nil, data, tc.shape)); got != tc.want {
			t.Errorf("%v: got %s, want %s", tc.shape, got, tc.want)
		}
	}
	if got := string(appendNested(nil, data[2:3], nil)); got != "3.0" {
		t.Errorf("scalar: %s", got)
	}
}

// FuzzString checks strings against encoding/json.
func FuzzString(f *testing.F) {
	for _, s := range []string{`"a"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\u00e9\n"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := &scanner{b: b}
		if s.peek() != '"' {
			return
		}
		got, err := s.str()
		var ref string
		refErr := json.Unmarshal(b[:s.i], &ref)
		if err == nil && (refErr != nil || got != ref) {
			t.Errorf("%q: got %q, encoding/json %q (%v)", b, got, ref, refErr)
		}
	})
}

// FuzzPredictBody checks that no body makes the decoder panic and that
// accepted bodies give tensors of the model's shape.
func FuzzPredictBody(f *testing.F) {
	for _, s := range []string{
		`{"instances": [[1, 2]]}`, `{"inputs": {"inputs": [[1, 2]]}}`, `{"instances": [{"inputs": [1, 2]}]}`,
		`{"inputs": [[NaN, 1]]}`, `{"instances": [[[1]]]}`, `{"signature_name": "x"}`, `[`, `{"instances": [1e999]}`,
	} {
		f.Add([]byte(s))
	}
	spec := &inputSpec{model: "m", version: 1, name: "inputs", shape: []int{2}}
	f.Fuzz(func(t *testing.T, b []byte) {
		body, err := parsePredictBody(b)
		if err != nil {
			return
		}
		var x interface{ Shape() []int }
		if body.instances != nil {
			x, err = decodeInstances(body.instances, spec)
		} else {
			x, err = decodeInputs(body.inputs, spec)
		}
		if err == nil && (len(x.Shape()) != 2 || x.Shape()[1] != 2) {
			t.Errorf("accepted %q as shape %v", b, x.Shape())
		}
	})
}
