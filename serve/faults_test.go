package serve

// The fault suite of issue 16: each test reproduces one defect an operator
// found (loopback only, bounded loops) and fails on the code before the fix.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kerago/kerago/tensor"
)

// kerasRef is the quickstart model's Keras reference: x.npy and Keras's
// predict of it, y.npy.
type kerasRef struct{ x, y [][]float32 }

func loadKerasRef(t testing.TB) kerasRef {
	t.Helper()
	x, err := tensor.LoadNpy(quickstart + "x.npy")
	if err != nil {
		t.Fatal(err)
	}
	y, err := tensor.LoadNpy(quickstart + "y.npy")
	if err != nil {
		t.Fatal(err)
	}
	xr, _ := x.Rows()
	yr, _ := y.Rows()
	return kerasRef{xr, yr}
}

// close reports whether got matches Keras's rows (numpy allclose 1e-5, 1e-5).
func (k kerasRef) close(got [][]float32, rows []int) bool {
	if len(got) != len(rows) {
		return false
	}
	for i, r := range rows {
		if len(got[i]) != len(k.y[r]) {
			return false
		}
		for j, v := range got[i] {
			w := float64(k.y[r][j])
			if d := float64(v) - w; d > 1e-5+1e-5*abs(w) || -d > 1e-5+1e-5*abs(w) {
				return false
			}
		}
	}
	return true
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// Defect 1: a config-only file was served with random weights, at start
// and on reload.
func TestFaultWeightlessModelRefused(t *testing.T) {
	ref := loadKerasRef(t)
	if _, err := New(Config{Load: KerasLoader, Models: []ModelConfig{{Name: "m", Version: 1, Path: quickstart + "model.json"}}}); !errors.Is(err, ErrNoStoredWeights) {
		t.Fatalf("start with a config-only file: err %v, want ErrNoStoredWeights", err)
	}
	if _, err := New(Config{Load: KerasLoader, AllowRandomWeights: true, Models: []ModelConfig{{Name: "m", Version: 1, Path: quickstart + "model.json"}}}); err != nil {
		t.Fatalf("with AllowRandomWeights: %v", err)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "model.keras")
	copyFile(t, quickstart+"model.keras", path)
	s, hs := newTestServer(t, Config{Load: KerasLoader})
	if err := s.AddModelFile("m", 1, path); err != nil {
		t.Fatal(err)
	}
	copyFile(t, quickstart+"model.json", path) // the format is read from the content
	if err := s.Reload(context.Background()); !errors.Is(err, ErrNoStoredWeights) {
		t.Fatalf("reload to a config-only file: err %v, want ErrNoStoredWeights", err)
	}
	r := do(t, hs.Client(), "POST", hs.URL+"/v1/models/m:predict", `{"instances":`+rowsJSON(ref.x[:2])+`}`)
	if got := predictions(t, r.body); !ref.close(got, []int{0, 1}) {
		t.Errorf("after the refused reload: %v, want Keras's %v", got, ref.y[:2])
	}
	m := do(t, hs.Client(), "GET", hs.URL+"/metrics", "")
	if want := `kerago_serve_model_reloads_total{model="m",version="1",result="no_stored_weights"} 1`; !strings.Contains(string(m.body), want) {
		t.Errorf("/metrics lacks %s", want)
	}
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFileAtomic(t, to, b)
}

// Defect 2: a request whose body was still arriving counted as coming to
// the batcher, so one stalled upload made every batched request wait the
// whole batch timeout.
func TestFaultStalledUploadDoesNotHoldBatch(t *testing.T) {
	const batchTimeout = 10 * time.Second
	s, hs := newTestServer(t, Config{MaxBatch: 8, BatchTimeout: batchTimeout})
	if err := s.AddModel("m", 1, sumDiff()); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", hs.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/models/m:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"instances\": [[1,")
	waitFor(t, func() bool { return s.metrics.inFlight.Load() == 1 })
	if n := s.find("m", Latest).coming.Load(); n != 0 {
		t.Errorf("a stalled upload counts as %d request(s) coming to the batcher, want 0", n)
	}
	done := make(chan response, 1)
	go func() {
		r, _ := try(hs.Client(), "POST", hs.URL+"/v1/models/m:predict", `{"instances": [[1, 2]]}`)
		done <- r
	}()
	select {
	case r := <-done:
		jsonEqual(t, r.body, `{"predictions": [[3, -1]]}`)
	case <-time.After(batchTimeout / 2):
		t.Fatalf("a lone request waited over %v behind a stalled upload (batch timeout %v)", batchTimeout/2, batchTimeout)
	}
}

// Defect 4: no bound on concurrent work. Beyond the budgets a request waits
// AdmissionWait, then gets 503 with Retry-After and a JSON error.
func TestFaultAdmissionBudget(t *testing.T) {
	gated := sumDiff()
	gated.gate = make(chan struct{})
	s, hs := newTestServer(t, Config{MaxInflightRows: 10, MaxInflightBytes: 4096, AdmissionWait: 30 * time.Millisecond})
	if err := s.AddModel("m", 1, gated); err != nil {
		t.Fatal(err)
	}
	rows := func(n int) string {
		r := make([][]float32, n)
		for i := range r {
			r[i] = []float32{float32(i), 1}
		}
		return `{"instances":` + rowsJSON(r) + `}`
	}
	held := make(chan response, 1)
	go func() {
		r, _ := try(hs.Client(), "POST", hs.URL+"/v1/models/m:predict", rows(8))
		held <- r
	}()
	waitFor(t, func() bool { return s.metrics.inflightRows.Load() == 8 })
	cases := []struct {
		name, body, want string
	}{
		{"rows", rows(4), "in-flight rows budget (10)"},
		{"bytes", `{"instances": [[1, 2]]}` + strings.Repeat(" ", 4070), "in-flight body bytes budget (4096)"},
	}
	for _, c := range cases {
		r := do(t, hs.Client(), "POST", hs.URL+"/v1/models/m:predict", c.body)
		var e struct{ Error string }
		if r.code != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "1" || json.Unmarshal(r.body, &e) != nil || !strings.Contains(e.Error, c.want) {
			t.Errorf("%s over budget: %d Retry-After %q %s; want 503, Retry-After 1 and a JSON error naming %q", c.name, r.code, r.header.Get("Retry-After"), r.body, c.want)
		}
	}
	close(gated.gate)
	if r := <-held; r.code != 200 {
		t.Fatalf("held request: %d %s", r.code, r.body)
	}
	r := do(t, hs.Client(), "POST", hs.URL+"/v1/models/m:predict", rows(4))
	if r.code != 200 || s.metrics.inflightRows.Load() != 0 || s.metrics.inflightBytes.Load() != 0 {
		t.Errorf("after the burst: %d %s, rows %d bytes %d in flight", r.code, r.body, s.metrics.inflightRows.Load(), s.metrics.inflightBytes.Load())
	}
	// A request larger than the whole budget runs alone rather than never.
	if r := do(t, hs.Client(), "POST", hs.URL+"/v1/models/m:predict", rows(12)); r.code != 200 {
		t.Errorf("12 rows with a budget of 10 and nothing in flight: %d %s", r.code, r.body)
	}
}

// Stalled uploads that declare large bodies hold only the bytes they sent:
// they cannot take the bytes budget from valid requests.
func TestFaultStalledUploadsDoNotTakeBudget(t *testing.T) {
	s, hs := newTestServer(t, Config{MaxInflightBytes: 1 << 20, AdmissionWait: 30 * time.Millisecond})
	if err := s.AddModel("m", 1, sumDiff()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 8; i++ {
		conn, err := net.Dial("tcp", hs.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /v1/models/m:predict HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n{\"instances\": [[1,", 4<<20)
	}
	waitFor(t, func() bool { return s.metrics.inFlight.Load() == 8 })
	r := do(t, hs.Client(), "POST", hs.URL+"/v1/models/m:predict", `{"instances": [[1, 2]]}`)
	if r.code != 200 {
		t.Fatalf("valid request beside 8 stalled 4 MiB uploads (budget 1 MiB): %d %s", r.code, r.body)
	}
	jsonEqual(t, r.body, `{"predictions": [[3, -1]]}`)
	if held := s.metrics.inflightBytes.Load(); held > 8*bodyFirstStep {
		t.Errorf("8 stalled uploads hold %d budget bytes, want at most %d", held, 8*bodyFirstStep)
	}
}

// Defect 5: finite inputs whose outputs overflow. By default the answer is
// TensorFlow Serving's (200 with bare NaN/Infinity tokens, as its
// json_tensor.cc writes them); with NonFiniteError it is a strict-JSON 400
// naming the output and element.
func TestFaultNonFiniteOutputs(t *testing.T) {
	m, err := KerasLoader(quickstart + "model.keras")
	if err != nil {
		t.Fatal(err)
	}
	x, _ := tensor.FromRows([][]float32{{3.4e38, -3.4e38}})
	y, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	tokens := make([]string, y.Len())
	nonFinite := 0
	for i, v := range y.Data() {
		switch f := float64(v); {
		case f != f:
			tokens[i] = "NaN"
		case f > 3.5e38:
			tokens[i] = "Infinity"
		case f < -3.5e38:
			tokens[i] = "-Infinity"
		default:
			tokens[i] = strconv.FormatFloat(f, 'g', -1, 32)
			continue
		}
		nonFinite++
	}
	if nonFinite == 0 {
		t.Fatalf("the model's output %v is finite: the test needs an overflow", y.Data())
	}
	body := `{"instances": [[3.4e38, -3.4e38]]}`
	for _, policy := range []NonFinitePolicy{"", NonFiniteError} {
		s, hs := newTestServer(t, Config{NonFiniteOutputs: policy})
		if err := s.AddModel("m", 1, m); err != nil {
			t.Fatal(err)
		}
		r := do(t, hs.Client(), "POST", hs.URL+"/v1/models/m:predict", body)
		if policy == "" {
			want := `{"predictions":[[` + strings.Join(tokens, ",") + "]]}\n"
			if r.code != 200 || string(r.body) != want {
				t.Errorf("TF Serving policy: %d %q, want 200 %q", r.code, r.body, want)
			}
			continue
		}
		var e struct{ Error string }
		if r.code != 400 || json.Unmarshal(r.body, &e) != nil || !strings.Contains(e.Error, `output "output_0"`) || !strings.Contains(e.Error, "predictions[0][") {
			t.Errorf("error policy: %d %s; want 400 and a strict JSON error naming output_0 and the element", r.code, r.body)
		}
	}
}

// Defect 6: errors net/http answers by itself were plain text.
func TestFaultMalformedHTTPIsJSON(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.AddModel("m", 1, sumDiff()); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 300 * time.Millisecond, MaxHeaderBytes: 64 << 10}
	go hs.Serve(NewListener(ln))
	defer hs.Close()
	predict := "POST /v1/models/m:predict HTTP/1.1\r\nHost: x\r\n"
	cases := []struct {
		name, req string
		code      int
	}{
		{"bad request line", "GARBAGE\r\n\r\n", 400},
		{"negative Content-Length", predict + "Content-Length: -1\r\n\r\n", 400},
		{"70 KB header", predict + "X-Big: " + strings.Repeat("a", 70<<10) + "\r\n\r\n", 431},
		{"Transfer-Encoding gzip", predict + "Transfer-Encoding: gzip\r\n\r\n", 501},
		{"missing Host", "GET /healthz HTTP/1.1\r\n\r\n", 400},
		{"header timeout", predict + "Content-Len", 408},
		{"handler error", predict + "Content-Length: 1\r\n\r\n{", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			go io.WriteString(conn, c.req) // a 70 KB header may not be read in full
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no HTTP response: %v", err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			var e struct{ Error string }
			if resp.StatusCode != c.code || resp.Header.Get("Content-Type") != "application/json" || err != nil ||
				json.NewDecoder(bytes.NewReader(b)).Decode(&e) != nil || e.Error == "" {
				t.Errorf("%d %q %q (%v); want %d with a JSON error", resp.StatusCode, resp.Header.Get("Content-Type"), b, err, c.code)
			}
		})
	}
}

// Readiness and liveness across Drain: /readyz turns 503 with Retry-After
// and a JSON error, /healthz stays 200, predictions keep being answered and
// every response asks to close the connection.
func TestReadyzAndDrain(t *testing.T) {
	s, hs := newTestServer(t, Config{})
	if err := s.AddModel("m", 1, sumDiff()); err != nil {
		t.Fatal(err)
	}
	c := hs.Client()
	if r := do(t, c, "GET", hs.URL+"/readyz", ""); r.code != 200 || r.close {
		t.Fatalf("/readyz before the drain: %d close=%v %s", r.code, r.close, r.body)
	}
	s.Drain()
	r := do(t, c, "GET", hs.URL+"/readyz", "")
	var e struct{ Error string }
	if r.code != 503 || r.header.Get("Retry-After") != "1" || json.Unmarshal(r.body, &e) != nil || !strings.Contains(e.Error, "draining") || !r.close {
		t.Errorf("/readyz draining: %d Retry-After %q close=%v %s", r.code, r.header.Get("Retry-After"), r.close, r.body)
	}
	if r := do(t, c, "GET", hs.URL+"/healthz", ""); r.code != 200 || !r.close {
		t.Errorf("/healthz draining: %d close=%v %s", r.code, r.close, r.body)
	}
	r = do(t, c, "POST", hs.URL+"/v1/models/m:predict", `{"instances": [[1, 2]]}`)
	if r.code != 200 || !r.close {
		t.Errorf("predict draining: %d close=%v %s", r.code, r.close, r.body)
	}
	jsonEqual(t, r.body, `{"predictions": [[3, -1]]}`)
	m := do(t, c, "GET", hs.URL+"/metrics", "")
	if !strings.Contains(string(m.body), "\nkerago_serve_ready 0\n") {
		t.Errorf("/metrics lacks kerago_serve_ready 0")
	}
}
