package serve

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the command's and the test's
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunCommandFlags(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.json")
	writeModel(t, path, sumDiff())
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "no model given: use --model NAME=PATH"},
		{[]string{"--model", "m"}, "want NAME=PATH or NAME@VERSION=PATH"},
		{[]string{"--model", "m@x=" + path}, `version "x"`},
		{[]string{"--model", "m@-1=" + path}, `version "-1"`},
		{[]string{"--model", "a/b=" + path}, "must not contain '/' or ':'"},
		{[]string{"--model", "m=" + path, "extra"}, `unexpected argument "extra"`},
		{[]string{"--model", "m=" + path, "--port", "70000"}, "--port 70000 out of range"},
		{[]string{"--model", "m=" + path, "--max-batch", "-1"}, "--max-batch -1"},
		{[]string{"--model", "m=" + path, "--batch-timeout", "0s"}, "--batch-timeout 0s must be positive"},
		{[]string{"--model", "m=" + path, "--max-body-bytes", "0"}, "--max-body-bytes 0 must be positive"},
		{[]string{"--model", "m=" + path, "--write-timeout", "-1s"}, "timeouts must be positive"},
		{[]string{"--model", "m=" + path, "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"--model", "m=" + filepath.Join(dir, "missing.json")}, "missing.json"},
		{[]string{"--model", "m=" + path, "--model", "m=" + path}, `model "m" version 1 is already registered`},
		{[]string{"--model", "m=" + path, "--host", "256.0.0.1", "--port", "0"}, "256.0.0.1"},
	} {
		var out, errOut syncBuffer
		err := RunCommand(context.Background(), tc.args, &out, &errOut, loadFake)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want %q", tc.args, err, tc.want)
		}
	}
	var out, errOut syncBuffer
	if err := RunCommand(context.Background(), []string{"-h"}, &out, &errOut, loadFake); err != nil {
		t.Errorf("-h: %v", err)
	}
	if !strings.Contains(errOut.String(), "usage: kerago serve --model NAME=PATH") {
		t.Errorf("-h printed %q", errOut.String())
	}
}

// started runs the command in the background and returns its address, server
// and result channel.
type started struct {
	url    string
	srv    *Server
	result chan error
	out    *syncBuffer
	errOut *syncBuffer
	reload chan error
}

func start(t *testing.T, ctx context.Context, args []string, load Loader) *started {
	t.Helper()
	st := &started{result: make(chan error, 1), out: &syncBuffer{}, errOut: &syncBuffer{}, reload: make(chan error, 8)}
	ready := make(chan struct{})
	hooks := commandHooks{
		ready: func(addr net.Addr, s *Server) {
			st.url = "http://" + addr.String()
			st.srv = s
			close(ready)
		},
		reloaded: func(err error) { st.reload <- err },
	}
	go func() { st.result <- runCommand(ctx, args, st.out, st.errOut, load, hooks) }()
	select {
	case <-ready:
	case err := <-st.result:
		t.Fatalf("command ended before listening: %v\n%s", err, st.errOut.String())
	case <-time.After(10 * time.Second):
		t.Fatal("command did not start")
	}
	return st
}

func (st *started) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-st.result:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("command did not stop")
		return nil
	}
}

// TestRunCommandServesAndDrains runs the command on 127.0.0.1:0, checks the
// endpoints, then cancels its context while a request is in flight: the
// request must complete, new connections must be refused, and the command
// must return nil.
func TestRunCommandServesAndDrains(t *testing.T) {
	dir := t.TempDir()
	fast, slow := filepath.Join(dir, "fast.json"), filepath.Join(dir, "slow.json")
	writeModel(t, fast, sumDiff())
	writeModel(t, slow, sumDiff())
	gated := sumDiff()
	gated.gate = make(chan struct{})
	load := func(p string) (Predictor, error) {
		if p == slow {
			return gated, nil
		}
		return loadFake(p)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := start(t, ctx, []string{"--model", "fast=" + fast, "--model", "fast@2=" + fast, "--model", "slow=" + slow,
		"--port", "0", "--max-batch", "4", "--batch-timeout", "1ms", "--drain-grace", "100ms"}, load)
	if !strings.Contains(st.out.String(), "kerago serve: listening on "+st.url) {
		t.Errorf("stdout %q", st.out.String())
	}
	c := &http.Client{}
	r := do(t, c, "POST", st.url+"/v1/models/fast/versions/2:predict", `{"instances": [[1, 2]]}`)
	jsonEqual(t, r.body, `{"predictions": [[3, -1]]}`)
	r = do(t, c, "GET", st.url+"/v1/models/fast", "")
	jsonEqual(t, r.body, `{"model_version_status":[
		{"version":"2","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}},
		{"version":"1","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}}]}`)

	inflight := make(chan response, 1)
	go func() {
		r, err := try(&http.Client{}, "POST", st.url+"/v1/models/slow:predict", `{"instances": [[5, 1]]}`)
		if err != nil {
			r.body = []byte(err.Error())
		}
		inflight <- r
	}()
	waitFor(t, func() bool { return st.srv.metrics.inFlight.Load() == 1 })
	cancel()
	// The listener closes at once; the command waits for the request.
	waitFor(t, func() bool {
		conn, err := net.Dial("tcp", strings.TrimPrefix(st.url, "http://"))
		if err == nil {
			conn.Close()
		}
		return err != nil
	})
	select {
	case err := <-st.result:
		t.Fatalf("command returned with a request in flight: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(gated.gate)
	got := <-inflight
	if got.code != 200 {
		t.Fatalf("in-flight request: %d %s", got.code, got.body)
	}
	jsonEqual(t, got.body, `{"predictions": [[6, 4]]}`)
	if err := st.wait(t); err != nil {
		t.Errorf("command: %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRunCommandShutdownTimeout(t *testing.T) {
	dir := t.TempDir()
	slow := filepath.Join(dir, "slow.json")
	writeModel(t, slow, sumDiff())
	gated := sumDiff()
	gated.gate = make(chan struct{})
	defer close(gated.gate)
	ctx, cancel := context.WithCancel(context.Background())
	st := start(t, ctx, []string{"--model", "slow=" + slow, "--port", "0", "--shutdown-timeout", "50ms"},
		func(string) (Predictor, error) { return gated, nil })
	go try(&http.Client{}, "POST", st.url+"/v1/models/slow:predict", `{"instances": [[5, 1]]}`)
	waitFor(t, func() bool { return st.srv.metrics.inFlight.Load() == 1 })
	cancel()
	err := st.wait(t)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "requests still running after 50ms") {
		t.Errorf("err %v", err)
	}
}

// TestRunCommandReadTimeout checks that --read-timeout ends a request whose
// headers or body stall (a slow-loris client cannot hold a connection).
func TestRunCommandReadTimeout(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.json")
	writeModel(t, path, sumDiff())
	ctx, cancel := context.WithCancel(context.Background())
	st := start(t, ctx, []string{"--model", "m=" + path, "--port", "0", "--read-timeout", "200ms"}, loadFake)
	for _, partial := range []string{
		"POST /v1/models/m:predict HTTP/1.1\r\nHost: x\r\n",                                          // headers stall
		"POST /v1/models/m:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"instances\"", // body stalls
	} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(st.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write([]byte(partial)); err != nil {
			t.Fatal(err)
		}
		begin := time.Now()
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		var got bytes.Buffer
		_, err = got.ReadFrom(conn) // until the server closes the connection
		conn.Close()
		if err != nil {
			t.Errorf("%q: connection still open after %v: %v", partial, time.Since(begin), err)
		}
		if s := got.String(); s != "" && !strings.HasPrefix(s, "HTTP/1.1 400") && !strings.HasPrefix(s, "HTTP/1.1 408") {
			t.Errorf("%q: answered %q", partial, s)
		}
	}
	cancel()
	if err := st.wait(t); err != nil {
		t.Error(err)
	}
}
