package serve

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kerago/kerago/tensor"
)

// randomRows returns n rows of 2 values in [-2, 2).
func randomRows(rng *rand.Rand, n int) [][]float32 {
	rows := make([][]float32, n)
	for i := range rows {
		rows[i] = []float32{rng.Float32()*4 - 2, rng.Float32()*4 - 2}
	}
	return rows
}

// TestBatchingMergesAndMatches holds the only worker on a first request so
// that the following concurrent requests must queue, then checks that they
// were merged into fewer forward passes of at most MaxBatch rows, and that
// every answer is bit-for-bit what the model gives for that request alone.
func TestBatchingMergesAndMatches(t *testing.T) {
	ref := mlp(1)
	f := mlp(1)
	f.gate = make(chan struct{})
	s, hs := newTestServer(t, Config{MaxBatch: 8, BatchTimeout: 50 * time.Millisecond, Workers: 1})
	if err := s.AddModel("m", 1, f); err != nil {
		t.Fatal(err)
	}
	const clients = 40
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := make([][][]float32, clients)
	for i := range inputs {
		inputs[i] = randomRows(rng, 1+i%4) // 1..4 rows
	}
	wants := make([][][]float32, clients)
	for i := range inputs {
		wants[i] = directRows(t, ref, inputs[i])
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := try(hs.Client(), "POST", hs.URL+"/v1/models/m:predict", `{"instances":`+rowsJSON(inputs[i])+`}`)
			if err != nil || r.code != 200 {
				errs <- fmt.Errorf("client %d: %v %d %s", i, err, r.code, r.body)
				return
			}
			got, err := decodePredictions(r.body)
			if want := wants[i]; err != nil || !equalRows(got, want) {
				errs <- fmt.Errorf("client %d: got %v, want %v", i, got, want)
			}
		}()
	}
	// Let the requests pile up behind the gate, then open it.
	deadline := time.Now().Add(5 * time.Second)
	for s.metrics.inFlight.Load() < clients && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(f.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	calls := f.calls.Load()
	if calls >= clients {
		t.Errorf("%d forward passes for %d requests: nothing was merged", calls, clients)
	}
	if f.rows.Load() > 8 {
		t.Errorf("a forward pass had %d rows, more than MaxBatch 8", f.rows.Load())
	}
	t.Logf("%d requests in %d forward passes, sizes %v", clients, calls, f.sizes)
}

// TestBatchingLoneRequestDoesNotWait checks that a request with no other
// request on the way is not held for the batch timeout (an hour here: the
// test would hang).
func TestBatchingLoneRequestDoesNotWait(t *testing.T) {
	s, hs := newTestServer(t, Config{MaxBatch: 8, BatchTimeout: time.Hour})
	if err := s.AddModel("m", 1, sumDiff()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		r := do(t, hs.Client(), "POST", hs.URL+"/v1/models/m:predict", `{"instances": [[1, 2]]}`)
		jsonEqual(t, r.body, `{"predictions": [[3, -1]]}`)
	}
}

// TestBatchingBigRequestRunsAlone checks that a request of MaxBatch rows or
// more bypasses the batcher.
func TestBatchingBigRequestRunsAlone(t *testing.T) {
	f := mlp(1)
	s, hs := newTestServer(t, Config{MaxBatch: 4})
	if err := s.AddModel("m", 1, f); err != nil {
		t.Fatal(err)
	}
	rows := randomRows(rand.New(rand.NewPCG(3, 4)), 10)
	r := do(t, hs.Client(), "POST", hs.URL+"/v1/models/m:predict", `{"inputs":`+rowsJSON(rows)+`}`)
	if r.code != 200 {
		t.Fatalf("%d %s", r.code, r.body)
	}
	if f.rows.Load() != 10 || f.calls.Load() != 1 {
		t.Errorf("calls %d, largest batch %d; want one pass of 10 rows", f.calls.Load(), f.rows.Load())
	}
}

// TestConcurrentClients runs 64 goroutines against the server (meant for
// -race), with and without batching, checking every answer.
func TestConcurrentClients(t *testing.T) {
	for _, maxBatch := range []int{0, 16} {
		t.Run(fmt.Sprintf("max-batch=%d", maxBatch), func(t *testing.T) {
			ref := mlp(1)
			s, hs := newTestServer(t, Config{MaxBatch: maxBatch, BatchTimeout: time.Millisecond})
			if err := s.AddModel("m", 1, mlp(1)); err != nil {
				t.Fatal(err)
			}
			hs.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 64
			var wg sync.WaitGroup
			var failures atomic.Int64
			for g := 0; g < 64; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(uint64(g), 9))
					for i := 0; i < 20; i++ {
						rows := randomRows(rng, 1+rng.IntN(5))
						r, err := try(hs.Client(), "POST", hs.URL+"/v1/models/m:predict", `{"instances":`+rowsJSON(rows)+`}`)
						if err != nil || r.code != 200 {
							failures.Add(1)
							t.Errorf("goroutine %d: %v %d %s", g, err, r.code, r.body)
							return
						}
						got, err := decodePredictions(r.body)
						want, derr := direct(ref, rows)
						if err != nil || derr != nil || !equalRows(got, want) {
							failures.Add(1)
							t.Errorf("goroutine %d: got %v, want %v", g, got, want)
							return
						}
					}
				}()
			}
			wg.Wait()
			// Library path: Server.Predict from many goroutines.
			for g := 0; g < 64; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rows := randomRows(rand.New(rand.NewPCG(uint64(g), 10)), 3)
					x, _ := tensor.FromRows(rows)
					y, err := s.Predict(context.Background(), "m", Latest, x)
					if err != nil {
						t.Error(err)
						return
					}
					got, _ := y.Rows()
					if want, err := direct(ref, rows); err != nil || !equalRows(got, want) {
						t.Errorf("Predict: got %v, want %v", got, want)
					}
				}()
			}
			wg.Wait()
		})
	}
}

// TestReloadUnderLoad swaps the model file back and forth while 16 clients
// send requests: no request may fail, and every answer must be exactly the
// old model's or the new model's. A corrupt file must leave the last good
// model serving.
func TestReloadUnderLoad(t *testing.T) {
	for _, maxBatch := range []int{0, 8} {
		t.Run(fmt.Sprintf("max-batch=%d", maxBatch), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "m.json")
			a, b := mlp(1), mlp(-3) // different weights, same shapes
			writeModel(t, path, a)
			s, hs := newTestServer(t, Config{Load: loadFake, MaxBatch: maxBatch, BatchTimeout: time.Millisecond})
			if err := s.AddModelFile("m", 1, path); err != nil {
				t.Fatal(err)
			}
			rows := [][]float32{{0.5, -1}, {1.5, 0.25}}
			wantA, wantB := directRows(t, a, rows), directRows(t, b, rows)
			if equalRows(wantA, wantB) {
				t.Fatal("test models give the same answers")
			}
			body := `{"instances":` + rowsJSON(rows) + `}`
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var sawA, sawB, total atomic.Int64
			for g := 0; g < 16; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						r, err := try(hs.Client(), "POST", hs.URL+"/v1/models/m:predict", body)
						total.Add(1)
						if err != nil || r.code != 200 {
							t.Errorf("request failed during reload: %v %d %s", err, r.code, r.body)
							return
						}
						got, _ := decodePredictions(r.body)
						switch {
						case equalRows(got, wantA):
							sawA.Add(1)
						case equalRows(got, wantB):
							sawB.Add(1)
						default:
							t.Errorf("answer %v is neither model's", got)
							return
						}
					}
				}()
			}
			for i := 0; i < 10; i++ {
				time.Sleep(5 * time.Millisecond)
				next := b
				if i%2 == 1 {
					next = a
				}
				writeModel(t, path, next)
				if err := s.Reload(context.Background()); err != nil {
					t.Errorf("reload %d: %v", i, err)
				}
			}
			// Last good model is a; a corrupt file must keep it.
			writeFileAtomic(t, path, []byte(`{"in": [2], "layers": [`))
			err := s.Reload(context.Background())
			if err == nil || !strings.Contains(err.Error(), `reload model "m" version 1`) {
				t.Errorf("corrupt file: err %v", err)
			}
			time.Sleep(20 * time.Millisecond)
			close(stop)
			wg.Wait()
			if sawA.Load() == 0 || sawB.Load() == 0 {
				t.Errorf("answers: %d from A, %d from B; want both", sawA.Load(), sawB.Load())
			}
			r := do(t, hs.Client(), "POST", hs.URL+"/v1/models/m:predict", body)
			if got := predictions(t, r.body); !equalRows(got, wantA) {
				t.Errorf("after a failed reload: got %v, want the previous model's %v", got, wantA)
			}
			m := do(t, hs.Client(), "GET", hs.URL+"/metrics", "")
			for _, line := range []string{
				`kerago_serve_model_reloads_total{model="m",version="1",result="ok"} 10`,
				`kerago_serve_model_reloads_total{model="m",version="1",result="error"} 1`,
			} {
				if !strings.Contains(string(m.body), line+"\n") {
					t.Errorf("metrics lack %q", line)
				}
			}
			t.Logf("%d requests during reloads (%d old, %d new answers)", total.Load(), sawA.Load(), sawB.Load())
		})
	}
}

// TestReloadSkipsUnchangedAndChangesShape checks that Reload leaves an
// unchanged file alone and that a new file may change the model's shapes.
func TestReloadSkipsUnchangedAndChangesShape(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.json")
	writeModel(t, path, sumDiff())
	var loads atomic.Int64
	load := func(p string) (Predictor, error) { loads.Add(1); return loadFake(p) }
	s, hs := newTestServer(t, Config{Load: load})
	if err := s.AddModelFile("m", 1, path); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(context.Background()); err != nil || loads.Load() != 1 {
		t.Fatalf("unchanged file: err %v, %d loads", err, loads.Load())
	}
	three := &fakeNet{In: []int{3}, Layers: []fakeLayer{{W: [][]float32{{1}, {2}, {3}}, B: []float32{0.5}}}}
	writeModel(t, path, three)
	if err := s.Reload(context.Background()); err != nil || loads.Load() != 2 {
		t.Fatalf("changed file: err %v, %d loads", err, loads.Load())
	}
	r := do(t, hs.Client(), "POST", hs.URL+"/v1/models/m:predict", `{"instances": [[1, 1, 1]]}`)
	jsonEqual(t, r.body, `{"predictions": [[6.5]]}`)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(context.Background()); err == nil {
		t.Error("missing file: no error")
	}
	r = do(t, hs.Client(), "POST", hs.URL+"/v1/models/m:predict", `{"instances": [[1, 1, 1]]}`)
	jsonEqual(t, r.body, `{"predictions": [[6.5]]}`)
}

// TestMetrics checks the Prometheus text after a known set of requests.
func TestMetrics(t *testing.T) {
	s, hs := newTestServer(t, Config{})
	if err := s.AddModel("m", 1, sumDiff()); err != nil {
		t.Fatal(err)
	}
	c := hs.Client()
	for i := 0; i < 3; i++ {
		do(t, c, "POST", hs.URL+"/v1/models/m:predict", `{"instances": [[1, 2], [3, 4]]}`)
	}
	do(t, c, "POST", hs.URL+"/v1/models/m:predict", `{"inputs": [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]}`)
	do(t, c, "POST", hs.URL+"/v1/models/m:predict", `{"instances": [[1, "x"]]}`)
	do(t, c, "POST", hs.URL+"/v1/models/m:predict", `{"instances": [[NaN, 1]]}`)
	do(t, c, "POST", hs.URL+"/v1/models/nope:predict", `{"instances": [[1, 1]]}`)
	do(t, c, "GET", hs.URL+"/v1/models/m", "")
	r := do(t, c, "GET", hs.URL+"/metrics", "")
	if r.code != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("%d %q", r.code, r.header.Get("Content-Type"))
	}
	text := string(r.body)
	for _, line := range []string{
		"# TYPE kerago_serve_requests_total counter",
		`kerago_serve_requests_total{model="m",api="predict",code="200"} 4`,
		`kerago_serve_requests_total{model="m",api="predict",code="400"} 2`,
		`kerago_serve_requests_total{model="",api="predict",code="404"} 1`,
		`kerago_serve_requests_total{model="m",api="status",code="200"} 1`,
		`kerago_serve_errors_total{model="m",api="predict",reason="invalid_type"} 1`,
		`kerago_serve_errors_total{model="m",api="predict",reason="non_finite"} 1`,
		`kerago_serve_errors_total{model="",api="predict",reason="not_found"} 1`,
		"# TYPE kerago_serve_request_duration_seconds histogram",
		`kerago_serve_request_duration_seconds_count{model="m",api="predict"} 6`,
		`kerago_serve_request_duration_seconds_bucket{model="m",api="predict",le="+Inf"} 6`,
		"# TYPE kerago_serve_batch_size histogram",
		`kerago_serve_batch_size_bucket{model="m",le="1"} 0`,
		`kerago_serve_batch_size_bucket{model="m",le="2"} 3`,
		`kerago_serve_batch_size_bucket{model="m",le="4"} 3`,
		`kerago_serve_batch_size_bucket{model="m",le="8"} 4`,
		`kerago_serve_batch_size_bucket{model="m",le="+Inf"} 4`,
		`kerago_serve_batch_size_sum{model="m"} 11`,
		`kerago_serve_batch_size_count{model="m"} 4`,
		"# TYPE kerago_serve_in_flight_requests gauge",
		"kerago_serve_in_flight_requests 1", // the /metrics request itself
		`kerago_serve_model_loaded_timestamp_seconds{model="m",version="1"}`,
	} {
		if !strings.Contains(text, line) {
			t.Errorf("metrics lack %q", line)
		}
	}
	checkExposition(t, text)
}

// checkExposition checks the text format's grammar: every sample line is
// NAME{LABELS} VALUE with a TYPE line before it, and histogram buckets are
// cumulative.
func checkExposition(t *testing.T, text string) {
	t.Helper()
	typed := map[string]string{}
	var last float64
	var lastSeries string
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if strings.HasPrefix(line, "# HELP ") {
			continue
		}
		if f := strings.Fields(line); strings.HasPrefix(line, "# TYPE ") && len(f) == 4 {
			typed[f[2]] = f[3]
			continue
		}
		name, rest, _ := strings.Cut(line, "{")
		if !strings.Contains(line, "{") {
			name, rest, _ = strings.Cut(line, " ")
			rest = "} " + rest
		}
		labels, value, ok := strings.Cut(rest, "} ")
		if !ok {
			t.Errorf("bad sample line %q", line)
			continue
		}
		base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
		if typed[name] == "" && typed[base] == "" {
			t.Errorf("sample %q has no TYPE line", line)
		}
		var v float64
		if _, err := fmt.Sscan(value, &v); err != nil {
			t.Errorf("bad value in %q", line)
		}
		if strings.HasSuffix(name, "_bucket") {
			series := name + strings.Split(labels, ",le=")[0]
			if series == lastSeries && v < last {
				t.Errorf("bucket not cumulative: %q", line)
			}
			lastSeries, last = series, v
		}
	}
}

func TestPredictLibrary(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.AddModel("m", 2, sumDiff()); err != nil {
		t.Fatal(err)
	}
	x, _ := tensor.FromRows([][]float32{{1, 2}})
	y, err := s.Predict(context.Background(), "m", 2, x)
	if err != nil || fmt.Sprint(y.Data()) != "[3 -1]" {
		t.Errorf("got %v, %v", y, err)
	}
	for _, tc := range []struct {
		name    string
		version int64
		x       [][]float32
		want    string
	}{
		{"nope", Latest, [][]float32{{1, 2}}, "model not found"},
		{"m", 1, [][]float32{{1, 2}}, "model not found"},
		{"m", Latest, [][]float32{{1, 2, 3}}, "input shape [1,3], want [-1,2]"},
		{"m", Latest, [][]float32{{1, float32(nan())}}, "element 1 is NaN"},
	} {
		x, _ := tensor.FromRows(tc.x)
		if _, err := s.Predict(context.Background(), tc.name, tc.version, x); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s v%d %v: err %v, want %q", tc.name, tc.version, tc.x, err, tc.want)
		}
	}
	if err := s.AddModel("m", 2, sumDiff()); err == nil {
		t.Error("duplicate version accepted")
	}
	for _, name := range []string{"", "a/b", "a:b", "a\nb"} {
		if err := s.AddModel(name, 1, sumDiff()); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
	if err := s.AddModel("m", -2, sumDiff()); err == nil {
		t.Error("negative version accepted")
	}
	if err := s.AddModelFile("f", 1, "x.json"); err == nil {
		t.Error("AddModelFile without a loader accepted")
	}
	s.Close()
	if _, err := s.Predict(context.Background(), "m", 2, x); err != ErrClosed {
		t.Errorf("after Close: %v", err)
	}
}

func nan() float64 { var z float64; return z / z }
