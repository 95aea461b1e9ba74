package serve

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHostileLoadKerasReference is the operator's load test in small
// (loopback, bounded): valid clients send 1..4 of Keras's x.npy rows to the
// quickstart model while hostile clients send malformed JSON, NaN, wrong
// shapes, oversized bodies, stalled uploads and malformed HTTP, and the
// model file is reloaded. Every valid answer must match Keras's y.npy
// (allclose 1e-5) and none may fail; every hostile request must get a
// JSON error or be cut by a timeout.
func TestHostileLoadKerasReference(t *testing.T) {
	ref := loadKerasRef(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "model.keras")
	copyFile(t, quickstart+"model.keras", path)
	s, err := New(Config{Load: KerasLoader, MaxBatch: 16, BatchTimeout: time.Millisecond, MaxBodyBytes: 64 << 10,
		Models: []ModelConfig{{Name: "m", Version: 1, Path: path}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 500 * time.Millisecond,
		IdleTimeout: time.Minute, MaxHeaderBytes: 16 << 10} // IdleTimeout would default to ReadTimeout
	go hs.Serve(NewListener(ln))
	defer hs.Close()
	url := "http://" + ln.Addr().String() + "/v1/models/m:predict"

	const validClients, perClient = 16, 120
	stop := make(chan struct{})
	var hostileWG, validWG sync.WaitGroup
	var hostileSent, hostileBad atomic.Int64
	hostile := []func(*http.Client) error{
		func(c *http.Client) error { return wantJSONError(c, url, `{"instances": [[1, 2]`, 400) },
		func(c *http.Client) error { return wantJSONError(c, url, `{"instances": [[NaN, 2]]}`, 400) },
		func(c *http.Client) error { return wantJSONError(c, url, `{"instances": [[1, 2, 3]]}`, 400) },
		func(c *http.Client) error {
			return wantJSONError(c, url, `{"instances": [[1, 2]]}`+strings.Repeat(" ", 70<<10), 413)
		},
		func(*http.Client) error { return stalledUpload(ln.Addr().String()) },
		func(*http.Client) error {
			return rawJSONError(ln.Addr().String(), "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")
		},
	}
	for h := 0; h < 6; h++ {
		hostileWG.Add(1)
		go func(h int) {
			defer hostileWG.Done()
			c := &http.Client{Timeout: 5 * time.Second}
			for i := 0; i < 500; i++ { // bounded
				select {
				case <-stop:
					return
				default:
				}
				hostileSent.Add(1)
				if err := hostile[(h+i)%len(hostile)](c); err != nil {
					hostileBad.Add(1)
					t.Errorf("hostile request %d: %v", (h+i)%len(hostile), err)
					return
				}
			}
		}(h)
	}
	var valid, wrong atomic.Int64
	for v := 0; v < validClients; v++ {
		validWG.Add(1)
		go func(v int) {
			defer validWG.Done()
			rng := rand.New(rand.NewPCG(uint64(v), 16))
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			defer c.CloseIdleConnections()
			for i := 0; i < perClient; i++ {
				n := 1 + rng.IntN(4)
				rows, xs := make([]int, n), make([][]float32, n)
				for j := range rows {
					rows[j] = rng.IntN(len(ref.x))
					xs[j] = ref.x[rows[j]]
				}
				r, err := try(c, "POST", url, `{"instances":`+rowsJSON(xs)+`}`)
				if err != nil || r.code != 200 {
					t.Errorf("valid request failed: %v %d %s", err, r.code, r.body)
					return
				}
				if got, err := decodePredictions(r.body); err != nil || !ref.close(got, rows) {
					wrong.Add(1)
					t.Errorf("wrong answer for rows %v: %s", rows, r.body)
					return
				}
				valid.Add(1)
			}
		}(v)
	}
	time.Sleep(50 * time.Millisecond)
	copyFile(t, quickstart+"model.keras", path) // a deployment rewrites the file
	if err := s.Reload(context.Background()); err != nil {
		t.Errorf("reload under load: %v", err)
	}
	validWG.Wait()
	close(stop)
	hostileWG.Wait()
	if valid.Load() != validClients*perClient || wrong.Load() != 0 {
		t.Errorf("%d of %d valid requests answered right, %d wrong", valid.Load(), validClients*perClient, wrong.Load())
	}
	t.Logf("%d valid requests (all equal to Keras's y.npy), %d hostile requests", valid.Load(), hostileSent.Load())
}

// wantJSONError posts body and expects code with {"error": ...}.
func wantJSONError(c *http.Client, url, body string, code int) error {
	r, err := try(c, "POST", url, body)
	if err != nil {
		return err
	}
	var e struct{ Error string }
	if r.code != code || jsonUnmarshal(r.body, &e) != nil || e.Error == "" {
		return fmt.Errorf("got %d %.200s, want %d with a JSON error", r.code, r.body, code)
	}
	return nil
}

// stalledUpload sends half a body and waits for the server to give up: a
// 408 JSON error (read timeout) or a closed connection.
func stalledUpload(addr string) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "POST /v1/models/m:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"instances\": [[1,")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil // closed by the read timeout
	}
	defer resp.Body.Close()
	if resp.StatusCode != 408 || resp.Header.Get("Content-Type") != "application/json" {
		return fmt.Errorf("stalled upload answered %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return nil
}

// rawJSONError sends raw bytes and expects a 400 with a JSON body.
func rawJSONError(addr, req string) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, req)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/json" {
		return fmt.Errorf("malformed HTTP answered %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return nil
}
