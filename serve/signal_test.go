//go:build unix

package serve

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestSignals sends the process real signals while the command runs: SIGHUP
// under load must reload a changed file without failing a request, a SIGHUP
// with a corrupt file must keep the old model, and SIGTERM must drain a
// request in flight before the command returns.
func TestSignals(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.json")
	a, b := mlp(1), mlp(-3)
	writeModel(t, path, a)
	var gate atomic.Pointer[chan struct{}]
	load := func(p string) (Predictor, error) {
		pr, err := loadFake(p)
		if err == nil {
			if g := gate.Load(); g != nil {
				pr.(*fakeNet).gate = *g
			}
		}
		return pr, err
	}
	st := start(t, context.Background(), []string{"--model", "m=" + path, "--port", "0", "--max-batch", "8"}, load)

	rows := [][]float32{{0.5, -1}, {1.5, 0.25}}
	wantA, wantB := directRows(t, a, rows), directRows(t, b, rows)
	body := `{"instances":` + rowsJSON(rows) + `}`
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var sawB, total atomic.Int64
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				r, err := try(client, "POST", st.url+"/v1/models/m:predict", body)
				total.Add(1)
				if err != nil || r.code != 200 {
					t.Errorf("request failed during SIGHUP reload: %v %d %s", err, r.code, r.body)
					return
				}
				got, _ := decodePredictions(r.body)
				switch {
				case equalRows(got, wantA):
				case equalRows(got, wantB):
					sawB.Add(1)
				default:
					t.Errorf("answer %v is neither model's", got)
					return
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	writeModel(t, path, b)
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if err := <-st.reload; err != nil {
		t.Errorf("SIGHUP reload: %v", err)
	}
	waitFor(t, func() bool { return sawB.Load() > 0 })
	writeFileAtomic(t, path, []byte("not a model"))
	syscall.Kill(syscall.Getpid(), syscall.SIGHUP)
	if err := <-st.reload; err == nil {
		t.Error("SIGHUP with a corrupt file: no error")
	}
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	if !strings.Contains(st.errOut.String(), "reload failed, keeping the previous model") {
		t.Errorf("log lacks the reload failure:\n%s", st.errOut.String())
	}
	r := do(t, client, "POST", st.url+"/v1/models/m:predict", body)
	if got := predictions(t, r.body); !equalRows(got, wantB) {
		t.Errorf("after the corrupt file: %v, want the previous model's %v", got, wantB)
	}
	t.Logf("%d requests across two SIGHUPs", total.Load())

	// SIGTERM with a request in flight: reload a gated model, start a
	// request on it, signal, then open the gate.
	g := make(chan struct{})
	gate.Store(&g)
	writeModel(t, path, a)
	syscall.Kill(syscall.Getpid(), syscall.SIGHUP)
	if err := <-st.reload; err != nil {
		t.Fatal(err)
	}
	inflight := make(chan response, 1)
	go func() {
		r, _ := try(&http.Client{}, "POST", st.url+"/v1/models/m:predict", body)
		inflight <- r
	}()
	waitFor(t, func() bool { return st.srv.metrics.inFlight.Load() == 1 })
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-st.result:
		t.Fatalf("command returned with a request in flight: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(g)
	if r := <-inflight; r.code != 200 || !equalRows(predictions(t, r.body), wantA) {
		t.Errorf("in-flight request across SIGTERM: %d %s", r.code, r.body)
	}
	if err := st.wait(t); err != nil {
		t.Errorf("command after SIGTERM: %v", err)
	}
	if !strings.Contains(st.errOut.String(), "signal=terminated") {
		t.Errorf("log lacks the SIGTERM:\n%s", st.errOut.String())
	}
}
