package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kerago/kerago/tensor"
)

// fakeNet is a hand-written dense network in float32 standing in for a Keras
// model: flatten the input, then Dense layers (kernel [in][out], bias, relu).
// Its file format (for the fake loader) is its JSON encoding.
type fakeNet struct {
	In     []int         `json:"in"`
	Out    []int         `json:"out,omitempty"` // reshapes the last layer's units; nil means [units]
	Layers []fakeLayer   `json:"layers"`
	gate   chan struct{} // when set, Predict waits for it (tests of draining/batching)
	calls  atomic.Int64
	rows   atomic.Int64 // largest batch seen
	mu     sync.Mutex
	sizes  []int // batch sizes seen
}

type fakeLayer struct {
	W    [][]float32 `json:"w"`
	B    []float32   `json:"b"`
	Relu bool        `json:"relu"`
}

func (f *fakeNet) InputShape() []int { return f.In }

func (f *fakeNet) OutputShape() []int {
	if f.Out != nil {
		return f.Out
	}
	return []int{len(f.Layers[len(f.Layers)-1].B)}
}

func (f *fakeNet) Predict(x *tensor.Tensor) (*tensor.Tensor, error) {
	if f.gate != nil {
		<-f.gate
	}
	n := x.Dim(0)
	f.calls.Add(1)
	for {
		old := f.rows.Load()
		if int64(n) <= old || f.rows.CompareAndSwap(old, int64(n)) {
			break
		}
	}
	f.mu.Lock()
	f.sizes = append(f.sizes, n)
	f.mu.Unlock()
	if !tensor.SameShape(x.Shape()[1:], f.In) {
		return nil, fmt.Errorf("fake: input shape %v, want [n]+%v", x.Shape(), f.In)
	}
	per := x.Len() / max(n, 1)
	out := make([]float32, 0)
	for r := 0; r < n; r++ {
		h := x.Data()[r*per : (r+1)*per]
		for _, l := range f.Layers {
			next := make([]float32, len(l.B))
			for j := range next {
				var acc float32
				for i, v := range h {
					acc += v * l.W[i][j]
				}
				acc += l.B[j]
				if l.Relu && acc < 0 {
					acc = 0
				}
				next[j] = acc
			}
			h = next
		}
		out = append(out, h...)
	}
	return tensor.FromSlice(out, append([]int{n}, f.OutputShape()...)...)
}

// sumDiff is the network y = (x0 + x1, x0 - x1): answers are easy to check
// by hand.
func sumDiff() *fakeNet {
	return &fakeNet{In: []int{2}, Layers: []fakeLayer{{W: [][]float32{{1, 1}, {1, -1}}, B: []float32{0, 0}}}}
}

// mlp is a 2-3-2 relu network with irregular weights, shaped like the
// quickstart model.
func mlp(scale float32) *fakeNet {
	return &fakeNet{In: []int{2}, Layers: []fakeLayer{
		{W: [][]float32{{0.5 * scale, -1.25, 0.75}, {1.5, 0.25 * scale, -0.5}}, B: []float32{0.1, -0.2, 0.3}, Relu: true},
		{W: [][]float32{{1, -0.5}, {0.25, 2}, {-1.5, 0.125}}, B: []float32{0.05, -0.05}},
	}}
}

// loadFake is a Loader reading a fakeNet's JSON.
func loadFake(path string) (Predictor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f fakeNet
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("fake: %s: %w", path, err)
	}
	if len(f.Layers) == 0 {
		return nil, errors.New("fake: no layers")
	}
	return &f, nil
}

// writeModel writes f atomically to path (temp file + rename, as a model
// deployment would).
func writeModel(t testing.TB, path string, f *fakeNet) {
	t.Helper()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	writeFileAtomic(t, path, b)
}

func writeFileAtomic(t testing.TB, path string, b []byte) {
	t.Helper()
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		t.Fatal(err)
	}
}

// newTestServer returns a server and an httptest server on 127.0.0.1.
func newTestServer(t testing.TB, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		hs.Close()
		s.Close()
	})
	return s, hs
}

type response struct {
	code   int
	header http.Header
	body   []byte
	close  bool // the server said Connection: close
}

func do(t testing.TB, client *http.Client, method, url, body string) response {
	t.Helper()
	r, err := try(client, method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// try is do for goroutines other than the test's.
func try(client *http.Client, method, url, body string) (response, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return response{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{resp.StatusCode, resp.Header, b, resp.Close}, nil
}

// predictions decodes {"predictions": [...]} of rows of numbers.
func predictions(t testing.TB, body []byte) [][]float32 {
	t.Helper()
	rows, err := decodePredictions(body)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func decodePredictions(body []byte) ([][]float32, error) {
	var v struct {
		Predictions [][]float32 `json:"predictions"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", body, err)
	}
	return v.Predictions, nil
}

// rowsJSON renders rows as a JSON list of lists.
func rowsJSON(rows [][]float32) string {
	b, _ := json.Marshal(rows)
	return string(b)
}

// directRows runs p directly on rows.
func directRows(t testing.TB, p Predictor, rows [][]float32) [][]float32 {
	t.Helper()
	out, err := direct(p, rows)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func direct(p Predictor, rows [][]float32) ([][]float32, error) {
	x, err := tensor.FromRows(rows)
	if err != nil {
		return nil, err
	}
	y, err := p.Predict(x)
	if err != nil {
		return nil, err
	}
	return y.Rows()
}

func equalRows(a, b [][]float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
