package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/tensor"
)

// multiIO is testdata/keras-layers/merge_multi_io: a Keras 3.15.1
// Functional model with inputs a, b (5 features each) and outputs cls (3,
// softmax) and reg (1); x0/x1 are its inputs and y0/y1 Keras's outputs.
const multiIO = "../testdata/keras-layers/merge_multi_io/"

type multiRef struct {
	a, b     [][]float32
	cls, reg *tensor.Tensor
}

func loadMultiRef(t testing.TB) multiRef {
	t.Helper()
	var r multiRef
	var ts [4]*tensor.Tensor
	for i, f := range []string{"x0", "x1", "y0", "y1"} {
		x, err := tensor.LoadNpy(multiIO + f + ".npy")
		if err != nil {
			t.Fatal(err)
		}
		ts[i] = x
	}
	r.a, _ = ts[0].Rows()
	r.b, _ = ts[1].Rows()
	r.cls, r.reg = ts[2], ts[3]
	return r
}

// check compares served outputs for the given fixture rows with Keras's.
func (r multiRef) check(t testing.TB, what string, cls, reg [][]float32, rows []int) {
	t.Helper()
	for _, o := range []struct {
		name string
		got  [][]float32
		ref  *tensor.Tensor
	}{{"cls", cls, r.cls}, {"reg", reg, r.reg}} {
		gt, err := tensor.FromRows(o.got)
		if err != nil {
			t.Errorf("%s: output %s: %v", what, o.name, err)
			continue
		}
		want, _ := o.ref.Gather(rows)
		if ok, worst, diff := tensor.AllClose(gt, want, 1e-5, 1e-5); !ok {
			t.Errorf("%s: output %s differs from Keras at %d by %g", what, o.name, worst, diff)
		}
	}
}

func (r multiRef) pick(rows []int) (a, b [][]float32) {
	for _, k := range rows {
		a, b = append(a, r.a[k]), append(b, r.b[k])
	}
	return a, b
}

// instancesBody is the row format: one object per instance.
func instancesBody(a, b [][]float32) string {
	inst := make([]map[string][]float32, len(a))
	for i := range a {
		inst[i] = map[string][]float32{"a": a[i], "b": b[i]}
	}
	body, _ := json.Marshal(map[string]any{"instances": inst})
	return string(body)
}

// inputsBody is the columnar format: one batched tensor per input name.
func inputsBody(a, b [][]float32) string {
	body, _ := json.Marshal(map[string]any{"inputs": map[string][][]float32{"a": a, "b": b}})
	return string(body)
}

// decodeMulti reads either answer form of a two-output model.
func decodeMulti(body []byte, rowFmt bool) (cls, reg [][]float32, err error) {
	if rowFmt {
		var v struct {
			Predictions []struct{ Cls, Reg []float32 } `json:"predictions"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return nil, nil, fmt.Errorf("decoding %s: %w", body, err)
		}
		for _, p := range v.Predictions {
			cls, reg = append(cls, p.Cls), append(reg, p.Reg)
		}
		return cls, reg, nil
	}
	var v struct {
		Outputs struct{ Cls, Reg [][]float32 } `json:"outputs"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, nil, fmt.Errorf("decoding %s: %w", body, err)
	}
	return v.Outputs.Cls, v.Outputs.Reg, nil
}

// gatedModel is the Keras model with a gate on PredictN and a record of
// the rows of every forward pass.
type gatedModel struct {
	*keras.Model
	gate   chan struct{}
	calls  atomic.Int64
	mu     sync.Mutex
	passes []int
}

func (g *gatedModel) PredictN(xs ...*tensor.Tensor) ([]*tensor.Tensor, error) {
	if g.gate != nil {
		<-g.gate
	}
	g.calls.Add(1)
	g.mu.Lock()
	g.passes = append(g.passes, xs[0].Dim(0))
	g.mu.Unlock()
	return g.Model.PredictN(xs...)
}

// TestMultiIOKeras serves merge_multi_io and checks both request formats,
// batched and unbatched, and metadata, against Keras's y0/y1.
func TestMultiIOKeras(t *testing.T) {
	ref := loadMultiRef(t)
	all := []int{0, 1, 2, 3}
	for _, maxBatch := range []int{0, 8} {
		t.Run(fmt.Sprintf("max-batch=%d", maxBatch), func(t *testing.T) {
			s, hs := newTestServer(t, Config{Load: KerasLoader, MaxBatch: maxBatch})
			if err := s.AddModelFile("mio", 1, multiIO+"model.keras"); err != nil {
				t.Fatal(err)
			}
			a, b := ref.pick(all)
			for _, rowFmt := range []bool{true, false} {
				body := inputsBody(a, b)
				if rowFmt {
					body = instancesBody(a, b)
				}
				r := do(t, hs.Client(), "POST", hs.URL+"/v1/models/mio:predict", body)
				if r.code != 200 {
					t.Fatalf("row format %v: %d %s", rowFmt, r.code, r.body)
				}
				cls, reg, err := decodeMulti(r.body, rowFmt)
				if err != nil {
					t.Fatal(err)
				}
				ref.check(t, fmt.Sprintf("row format %v", rowFmt), cls, reg, all)
			}
			xa, _ := tensor.FromRows(a)
			xb, _ := tensor.FromRows(b)
			ys, err := s.PredictN(context.Background(), "mio", Latest, []*tensor.Tensor{xa, xb})
			if err != nil {
				t.Fatal(err)
			}
			cls, _ := ys[0].Rows()
			reg, _ := ys[1].Rows()
			ref.check(t, "Server.PredictN", cls, reg, all)
		})
	}
}

// TestMultiIOAnswerForm checks the exact JSON forms on one instance: the
// row format answers an object per instance, the columnar one an object
// per output.
func TestMultiIOAnswerForm(t *testing.T) {
	ref := loadMultiRef(t)
	_, hs := newTestServer(t, Config{Load: KerasLoader, Models: []ModelConfig{{Name: "mio", Version: 1, Path: multiIO + "model.keras"}}})
	a, b := ref.pick([]int{2})
	r := do(t, hs.Client(), "POST", hs.URL+"/v1/models/mio:predict", instancesBody(a, b))
	var row map[string][]map[string][]float64
	if err := json.Unmarshal(r.body, &row); err != nil || len(row) != 1 || len(row["predictions"]) != 1 ||
		len(row["predictions"][0]) != 2 || len(row["predictions"][0]["cls"]) != 3 || len(row["predictions"][0]["reg"]) != 1 {
		t.Errorf("row answer %s (%v)", r.body, err)
	}
	r = do(t, hs.Client(), "POST", hs.URL+"/v1/models/mio:predict", inputsBody(a, b))
	var col map[string]map[string][][]float64
	if err := json.Unmarshal(r.body, &col); err != nil || len(col) != 1 || len(col["outputs"]) != 2 ||
		len(col["outputs"]["cls"]) != 1 || len(col["outputs"]["reg"][0]) != 1 {
		t.Errorf("columnar answer %s (%v)", r.body, err)
	}
}

// TestMultiIOMetadata checks that the signature lists every named input and
// output with its shape.
func TestMultiIOMetadata(t *testing.T) {
	s, hs := newTestServer(t, Config{Load: KerasLoader, Models: []ModelConfig{{Name: "mio", Version: 3, Path: multiIO + "model.keras"}}})
	r := do(t, hs.Client(), "GET", hs.URL+"/v1/models/mio/metadata", "")
	var md metadataJSON
	if err := jsonUnmarshal(r.body, &md); err != nil {
		t.Fatal(err)
	}
	sig := md.Metadata.SignatureDef.SignatureDef[SignatureName]
	got := map[string]string{}
	for n, ti := range sig.Inputs {
		got["in:"+n] = ti.Dtype + fmt.Sprint(ti.TensorShape.Dim)
	}
	for n, ti := range sig.Outputs {
		got["out:"+n] = ti.Dtype + fmt.Sprint(ti.TensorShape.Dim)
	}
	want := map[string]string{
		"in:a": "DT_FLOAT[{-1 } {5 }]", "in:b": "DT_FLOAT[{-1 } {5 }]",
		"out:cls": "DT_FLOAT[{-1 } {3 }]", "out:reg": "DT_FLOAT[{-1 } {1 }]",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("signature %v, want %v\n%s", got, want, r.body)
	}
	info := s.Models()[0]
	if fmt.Sprint(info.Inputs) != "[{a [5] DT_FLOAT} {b [5] DT_FLOAT}]" || fmt.Sprint(info.Outputs) != "[{cls [3] DT_FLOAT} {reg [1] DT_FLOAT}]" {
		t.Errorf("ModelInfo inputs %v outputs %v", info.Inputs, info.Outputs)
	}
}

// TestMultiIOBatching holds the only worker on a first request so that the
// following concurrent requests (both formats, 1 to 3 rows) queue, then
// checks that they were merged and that every answer matches Keras.
func TestMultiIOBatching(t *testing.T) {
	ref := loadMultiRef(t)
	m, err := keras.Load(multiIO + "model.keras")
	if err != nil {
		t.Fatal(err)
	}
	g := &gatedModel{Model: m, gate: make(chan struct{})}
	s, hs := newTestServer(t, Config{MaxBatch: 8, BatchTimeout: 50 * time.Millisecond, Workers: 1})
	if err := s.AddModel("mio", 1, g); err != nil {
		t.Fatal(err)
	}
	const clients = 24
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			rows := make([]int, 1+i%3)
			for j := range rows {
				rows[j] = rng.IntN(4)
			}
			a, b := ref.pick(rows)
			rowFmt := i%2 == 0
			body := inputsBody(a, b)
			if rowFmt {
				body = instancesBody(a, b)
			}
			r, err := try(hs.Client(), "POST", hs.URL+"/v1/models/mio:predict", body)
			if err != nil || r.code != 200 {
				t.Errorf("client %d: %v %d %s", i, err, r.code, r.body)
				return
			}
			cls, reg, err := decodeMulti(r.body, rowFmt)
			if err != nil {
				t.Error(err)
				return
			}
			ref.check(t, fmt.Sprintf("client %d", i), cls, reg, rows)
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.metrics.inFlight.Load() < clients && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(g.gate)
	wg.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	if int(g.calls.Load()) >= clients {
		t.Errorf("%d forward passes for %d requests: nothing was merged", g.calls.Load(), clients)
	}
	for _, n := range g.passes {
		if n > 8 {
			t.Errorf("a forward pass had %d rows, more than MaxBatch 8", n)
		}
	}
	t.Logf("%d requests in %d forward passes, rows %v", clients, g.calls.Load(), g.passes)
}

// TestMultiIOErrors checks that bad requests for a model with two inputs
// get 400 with a JSON error naming the input at fault.
func TestMultiIOErrors(t *testing.T) {
	_, hs := newTestServer(t, Config{Load: KerasLoader, Models: []ModelConfig{{Name: "mio", Version: 1, Path: multiIO + "model.keras"}}})
	five := "[1,2,3,4,5]"
	cases := []struct {
		name, body string
		want       []string
	}{
		{"row missing b", `{"instances":[{"a":` + five + `}]}`, []string{`instances[0]: missing input "b"`, `has inputs "a", "b"`}},
		{"row missing b in second", `{"instances":[{"a":` + five + `,"b":` + five + `},{"a":` + five + `}]}`, []string{`instances[1]: missing input "b"`}},
		{"row extra c", `{"instances":[{"a":` + five + `,"b":` + five + `,"c":[1]}]}`, []string{`instances[0]: unknown input name "c"`, `"a", "b"`}},
		{"row twice", `{"instances":[{"a":` + five + `,"a":` + five + `,"b":` + five + `}]}`, []string{`input "a" given twice`}},
		{"row not objects", `{"instances":[` + five + `]}`, []string{`instances[0]`, `must be an object {"a": ..., "b": ...}`, "got Array"}},
		{"row wrong shape", `{"instances":[{"a":[1,2,3,4],"b":` + five + `}]}`, []string{`instances[0].a`, "got 4 values at dimension 1, want 5", `input "a" has shape [-1,5]`}},
		{"row string", `{"instances":[{"a":` + five + `,"b":[1,2,"x",4,5]}]}`, []string{`instances[0].b[2]`, "DT_FLOAT"}},
		{"row empty", `{"instances":[]}`, []string{"No values in 'instances' array"}},
		{"row nan", `{"instances":[{"a":[1,2,NaN,4,5],"b":` + five + `}]}`, []string{`instances[0].a[2]: NaN`}},
		{"columnar missing b", `{"inputs":{"a":[` + five + `]}}`, []string{`inputs: missing input "b"`}},
		{"columnar missing both", `{"inputs":{}}`, []string{`missing input "a", "b"`}},
		{"columnar extra c", `{"inputs":{"a":[` + five + `],"b":[` + five + `],"c":[[1]]}}`, []string{`inputs: unknown input name "c"`}},
		{"columnar bare tensor", `{"inputs":[` + five + `]}`, []string{`'inputs' must be an object {"a": ..., "b": ...}`, "got Array"}},
		{"columnar rows differ", `{"inputs":{"a":[` + five + `],"b":[` + five + `,` + five + `]}}`, []string{`input "b" has 2 rows but "a" has 1`}},
		{"columnar wrong shape", `{"inputs":{"a":[` + five + `],"b":[[1,2]]}}`, []string{`inputs.b[0]`, "got 2 values at dimension 1, want 5", `input "b" has shape [-1,5]`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, hs.Client(), "POST", hs.URL+"/v1/models/mio:predict", tc.body)
			var e struct{ Error string }
			if err := json.Unmarshal(r.body, &e); r.code != 400 || err != nil {
				t.Fatalf("%d %s (%v), want 400 with a JSON error", r.code, r.body, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(e.Error, w) {
					t.Errorf("error %q does not contain %q", e.Error, w)
				}
			}
		})
	}
}

// TestMultiIOServerAPI checks Server.Predict and PredictN argument errors.
func TestMultiIOServerAPI(t *testing.T) {
	s, _ := newTestServer(t, Config{Load: KerasLoader, Models: []ModelConfig{{Name: "mio", Version: 1, Path: multiIO + "model.keras"}}})
	ok, _ := tensor.New(2, 5)
	short, _ := tensor.New(2, 4)
	three, _ := tensor.New(3, 5)
	ctx := context.Background()
	if _, err := s.Predict(ctx, "mio", Latest, ok); err == nil || !strings.Contains(err.Error(), "use PredictN") {
		t.Errorf("Predict on a two-input model: %v", err)
	}
	for _, tc := range []struct {
		xs   []*tensor.Tensor
		want string
	}{
		{[]*tensor.Tensor{ok}, `got 1 input tensors, want 2 ("a", "b")`},
		{[]*tensor.Tensor{ok, short}, `input "b" shape [2,4], want [-1,5]`},
		{[]*tensor.Tensor{ok, three}, `input "b" has 3 rows but "a" has 2`},
		{[]*tensor.Tensor{ok, nil}, `input "b" shape nil`},
	} {
		if _, err := s.PredictN(ctx, "mio", Latest, tc.xs); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("PredictN: %v, want %q", err, tc.want)
		}
	}
}

// arith is a fake model with inputs x and y of 2 values: outputs sum = x+y
// and quot = x/y (or sum alone), computed in float32; dtypes optional.
type arith struct {
	single bool
	dtypes []string
}

func (arith) InputShape() []int       { return []int{2} }
func (arith) OutputShape() []int      { return []int{2} }
func (arith) InputNames() []string    { return []string{"x", "y"} }
func (arith) InputShapes() [][]int    { return [][]int{{2}, {2}} }
func (f arith) InputDTypes() []string { return f.dtypes }
func (f arith) OutputNames() []string {
	if f.single {
		return []string{"sum"}
	}
	return []string{"sum", "quot"}
}

func (f arith) OutputShapes() [][]int {
	if f.single {
		return [][]int{{2}}
	}
	return [][]int{{2}, {2}}
}

func (arith) Predict(*tensor.Tensor) (*tensor.Tensor, error) {
	return nil, fmt.Errorf("arith has two inputs")
}

func (f arith) PredictN(xs ...*tensor.Tensor) ([]*tensor.Tensor, error) {
	sum, _ := tensor.New(xs[0].Shape()...)
	quot, _ := tensor.New(xs[0].Shape()...)
	for i, v := range xs[0].Data() {
		sum.Data()[i] = v + xs[1].Data()[i]
		quot.Data()[i] = v / xs[1].Data()[i]
	}
	if f.single {
		return []*tensor.Tensor{sum}, nil
	}
	return []*tensor.Tensor{sum, quot}, nil
}

// TestMultiIOForms covers a two-input model with one output (bare answer
// forms, as TensorFlow Serving), integer inputs, and non-finite outputs
// under NonFiniteError, on hand-computed numbers.
func TestMultiIOForms(t *testing.T) {
	s, hs := newTestServer(t, Config{NonFiniteOutputs: NonFiniteError})
	for _, m := range []struct {
		name string
		p    Predictor
	}{{"one", arith{single: true}}, {"two", arith{}}, {"ints", arith{single: true, dtypes: []string{"int32", "float32"}}}} {
		if err := s.AddModel(m.name, 1, m.p); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		model, body string
		code        int
		want        string // the exact answer, or a part of the error
	}{
		{"one", `{"instances":[{"x":[1,2],"y":[3,4.5]},{"x":[0,-1],"y":[0.25,1]}]}`, 200, `{"predictions":[[4.0,6.5],[0.25,0.0]]}`},
		{"one", `{"inputs":{"y":[[3,4.5]],"x":[[1,2]]}}`, 200, `{"outputs":[[4.0,6.5]]}`},
		{"two", `{"instances":[{"x":[1,2],"y":[4,8]}]}`, 200, `{"predictions":[{"sum":[5.0,10.0],"quot":[0.25,0.25]}]}`},
		{"two", `{"inputs":{"x":[[1,2],[3,3]],"y":[[4,8],[1,2]]}}`, 200, `{"outputs":{"sum":[[5.0,10.0],[4.0,5.0]],"quot":[[0.25,0.25],[3.0,1.5]]}}`},
		{"two", `{"instances":[{"x":[1,2],"y":[4,8]},{"x":[1,2],"y":[4,0]}]}`, 400, `output "quot" is Infinity at predictions[1].quot[1]`},
		{"two", `{"inputs":{"x":[[1,2]],"y":[[0,8]]}}`, 400, `output "quot" is Infinity at outputs.quot[0][0]`},
		{"ints", `{"instances":[{"x":[1,2],"y":[0.5,0.5]}]}`, 200, `{"predictions":[[1.5,2.5]]}`},
		{"ints", `{"instances":[{"x":[1,2.5],"y":[0.5,0.5]}]}`, 400, `instances[0].x[1]: Cannot convert JSON value: 2.5 to DT_INT32`},
		{"ints", `{"inputs":{"x":[[1,"2"]],"y":[[0.5,0.5]]}}`, 400, `is not of expected type: DT_INT32`},
	}
	for i, tc := range cases {
		r := do(t, hs.Client(), "POST", hs.URL+"/v1/models/"+tc.model+":predict", tc.body)
		body := strings.TrimSpace(string(r.body))
		if r.code != 200 {
			var e struct{ Error string }
			if err := json.Unmarshal(r.body, &e); err != nil {
				t.Errorf("case %d: error answer %s is not JSON: %v", i, body, err)
			}
			body = e.Error
		}
		if r.code != tc.code || tc.code == 200 && body != tc.want || tc.code != 200 && !strings.Contains(body, tc.want) {
			t.Errorf("case %d (%s %s): %d %s, want %d %s", i, tc.model, tc.body, r.code, body, tc.code, tc.want)
		}
	}
	r := do(t, hs.Client(), "GET", hs.URL+"/v1/models/ints/metadata", "")
	var md metadataJSON
	if err := jsonUnmarshal(r.body, &md); err != nil {
		t.Fatal(err)
	}
	sig := md.Metadata.SignatureDef.SignatureDef[SignatureName]
	if sig.Inputs["x"].Dtype != "DT_INT32" || sig.Inputs["y"].Dtype != "DT_FLOAT" || len(sig.Outputs) != 1 || sig.Outputs[OutputName].Dtype != "DT_FLOAT" {
		t.Errorf("metadata %s", r.body)
	}
}

// TestMultiIOBadSignature checks that a model reporting inconsistent
// names is refused at AddModel with a clear error.
func TestMultiIOBadSignature(t *testing.T) {
	s, _ := newTestServer(t, Config{})
	for _, tc := range []struct {
		p    Predictor
		want string
	}{
		{arith{dtypes: []string{"int32"}}, "1 input dtypes for 2 inputs"},
		{arith{dtypes: []string{"string", "int32"}}, `input "x": input dtype "string" cannot be served`},
		{dupNames{}, `repeated name "x"`},
	} {
		if err := s.AddModel("bad", 1, tc.p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("AddModel: %v, want %q", err, tc.want)
		}
	}
}

type dupNames struct{ arith }

func (dupNames) InputNames() []string { return []string{"x", "x"} }

// TestMultiIOCommand runs the kerago serve command on merge_multi_io with
// batching and checks its start line and an answer in each format against
// Keras.
func TestMultiIOCommand(t *testing.T) {
	ref := loadMultiRef(t)
	ctx, cancel := context.WithCancel(context.Background())
	st := start(t, ctx, []string{"--model", "mio=" + multiIO + "model.keras", "--port", "0", "--max-batch", "8", "--drain-grace", "10ms"}, KerasLoader)
	if want := "(models: mio@1 a[-1,5] b[-1,5])"; !strings.Contains(st.out.String(), want) {
		t.Errorf("stdout %q, want %q", st.out.String(), want)
	}
	rows := []int{3, 0, 1}
	a, b := ref.pick(rows)
	c := &http.Client{}
	for _, rowFmt := range []bool{true, false} {
		body := inputsBody(a, b)
		if rowFmt {
			body = instancesBody(a, b)
		}
		r := do(t, c, "POST", st.url+"/v1/models/mio/versions/1:predict", body)
		cls, reg, err := decodeMulti(r.body, rowFmt)
		if r.code != 200 || err != nil {
			t.Fatalf("%d %s (%v)", r.code, r.body, err)
		}
		ref.check(t, fmt.Sprintf("command, row format %v", rowFmt), cls, reg, rows)
	}
	c.CloseIdleConnections()
	cancel()
	if err := st.wait(t); err != nil {
		t.Errorf("command returned %v", err)
	}
}

// FuzzPredictBodyMulti checks that no body makes the two-input decoders
// panic and that accepted bodies give one tensor per input with the same
// rows and the model's sample shapes.
func FuzzPredictBodyMulti(f *testing.F) {
	for _, s := range []string{
		`{"instances": [{"x": [1, 2], "y": [3, 4]}]}`, `{"inputs": {"x": [[1, 2]], "y": [[3, 4]]}}`,
		`{"instances": [{"x": [1, 2]}]}`, `{"inputs": {"x": [], "y": []}}`, `{"instances": [[1, 2]]}`,
		`{"inputs": {"x": [[1, 2]], "y": [[3, 4], [5, 6]]}}`, `{"instances": [{"x": [1, 2], "x": [1, 2]}]}`,
	} {
		f.Add([]byte(s))
	}
	s, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	if err := s.AddModel("m", 1, arith{}); err != nil {
		f.Fatal(err)
	}
	sv := s.find("m", Latest)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, xs, _, aerr := s.decodePredict(sv, b)
		if aerr != nil {
			return
		}
		if len(xs) != 2 || xs[0].Rank() != 2 || xs[1].Rank() != 2 || xs[0].Dim(1) != 2 || xs[1].Dim(1) != 2 || xs[0].Dim(0) != xs[1].Dim(0) {
			t.Errorf("accepted %q as %v", b, xs)
		}
	})
}
