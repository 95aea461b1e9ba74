// Command faultload measures a `kerago serve` process under the faults of
// issue 16, on 127.0.0.1 only, with bounded runs:
//
//	go run ./serve/faultload -kerago /tmp/kerago -mode stall|burst|sigterm [flags]
//
// It starts the given kerago binary itself (`kerago serve --model m=MODEL
// --port 0 ...` plus -args), reads the address it prints, and:
//
//   - stall: one client sends 1-row requests for -duration with
//     --max-batch 32 --batch-timeout 50ms, first alone, then while one
//     upload is stalled (headers and half a body sent); prints req/s.
//   - burst: -burst concurrent predict requests of -rows rows each (about
//     12 bytes per row: 640000 rows is 7.7 MB), then idles -idle; prints
//     the answers' status codes, the server's peak RSS (VmHWM) and its RSS
//     after the idle period.
//   - sigterm: -runs times, 64 keep-alive clients send requests until a
//     connection is refused, SIGTERM arrives after -warmup; prints how many
//     requests were answered, refused at connect, reset before being
//     accepted (fresh connection) and dropped (anything else).
//   - hostile: for -duration, 64 valid clients send 1..4 rows of -ref's x.npy
//     and check every answer against its y.npy (allclose 1e-5, 1e-5) while 16
//     hostile clients send malformed JSON, NaN, wrong shapes, oversized
//     bodies, malformed HTTP and stalled uploads, and the model file is
//     rewritten and reloaded with SIGHUP every 2s; prints valid req/s, p99,
//     failed and wrong counts.
//
// It is a separate program so that the test suite stays fast.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type options struct {
	kerago, model, mode string
	args                []string
	duration, idle      time.Duration
	warmup              time.Duration
	burst, rows, runs   int
	ref                 string
}

func main() {
	var o options
	var extra string
	flag.StringVar(&o.kerago, "kerago", "/tmp/kerago", "kerago binary")
	flag.StringVar(&o.model, "model", "testdata/serve/mlp_2_10_10_2/model.keras", "model to serve")
	flag.StringVar(&o.mode, "mode", "stall", "stall, burst or sigterm")
	flag.StringVar(&extra, "args", "", "more `kerago serve` flags, space-separated")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "stall: how long each half runs")
	flag.DurationVar(&o.idle, "idle", 30*time.Second, "burst: idle time before reading RSS again")
	flag.DurationVar(&o.warmup, "warmup", 500*time.Millisecond, "sigterm: load before the signal")
	flag.IntVar(&o.burst, "burst", 32, "burst: concurrent requests")
	flag.IntVar(&o.rows, "rows", 640000, "burst: rows per request")
	flag.IntVar(&o.runs, "runs", 6, "sigterm: runs")
	flag.StringVar(&o.ref, "ref", "testdata/serve/mlp_2_10_10_2", "hostile: folder with x.npy and Keras's y.npy for -model")
	flag.Parse()
	o.args = strings.Fields(extra)
	var err error
	switch o.mode {
	case "stall":
		err = stall(o)
	case "burst":
		err = burst(o)
	case "sigterm":
		err = sigterm(o)
	case "hostile":
		err = hostile(o)
	default:
		err = fmt.Errorf("unknown -mode %q", o.mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "faultload:", err)
		os.Exit(1)
	}
}

// server is a running kerago serve process.
type server struct {
	cmd  *exec.Cmd
	addr string
	done chan error
}

func startServer(o options, args ...string) (*server, error) {
	all := append([]string{"serve", "--model", "m=" + o.model, "--port", "0"}, args...)
	cmd := exec.Command(o.kerago, append(all, o.args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("server did not start: %w", err)
	}
	_, rest, _ := strings.Cut(line, "http://")
	addr, _, _ := strings.Cut(rest, " ")
	s := &server{cmd: cmd, addr: addr, done: make(chan error, 1)}
	go func() { io.Copy(io.Discard, out); s.done <- cmd.Wait() }()
	return s, nil
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *server) url() string { return "http://" + s.addr + "/v1/models/m:predict" }

// procStatus reads a field (in kB) of /proc/PID/status.
func procStatus(pid int, field string) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func post(c *http.Client, url string, body []byte) (int, []byte, error) {
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func stall(o options) error {
	s, err := startServer(o, "--max-batch", "32", "--batch-timeout", "50ms")
	if err != nil {
		return err
	}
	defer s.stop()
	c := &http.Client{}
	body := []byte(`{"instances": [[0.5, -1.25]]}`)
	rate := func() (float64, error) {
		n, end := 0, time.Now().Add(o.duration)
		for time.Now().Before(end) {
			code, b, err := post(c, s.url(), body)
			if err != nil || code != 200 {
				return 0, fmt.Errorf("request: %v %d %s", err, code, b)
			}
			n++
		}
		return float64(n) / o.duration.Seconds(), nil
	}
	alone, err := rate()
	if err != nil {
		return err
	}
	conn, err := net.Dial("tcp", s.addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/models/m:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"instances\": [[1,")
	time.Sleep(100 * time.Millisecond)
	stalled, err := rate()
	if err != nil {
		return err
	}
	fmt.Printf("stall: one client, --max-batch 32 --batch-timeout 50ms, %v each: alone %.0f req/s; with one stalled upload %.0f req/s (ratio %.2f)\n",
		o.duration, alone, stalled, stalled/alone)
	return nil
}

func burst(o options) error {
	s, err := startServer(o)
	if err != nil {
		return err
	}
	defer s.stop()
	pid := s.cmd.Process.Pid
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.WriteString(`{"instances":[`)
	for i := 0; i < o.rows; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%.2f,%.2f]", rng.Float64(), rng.Float64())
	}
	b.WriteString("]}")
	body := b.Bytes()
	fmt.Printf("burst: %d concurrent requests of %d rows (%.1f MB each); server RSS at start %s\n", o.burst, o.rows, float64(len(body))/1e6, procStatus(pid, "VmRSS"))
	codes := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < o.burst; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _, err := post(&http.Client{}, s.url(), body)
			if err != nil {
				code = -1
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	fmt.Printf("  answers %v (-1: transport error) in %v; peak RSS (VmHWM) %s; RSS just after %s\n", codes, time.Since(start).Round(time.Millisecond), procStatus(pid, "VmHWM"), procStatus(pid, "VmRSS"))
	time.Sleep(o.idle)
	fmt.Printf("  RSS after %v idle: %s\n", o.idle, procStatus(pid, "VmRSS"))
	return nil
}

func sigterm(o options) error {
	for run := 0; run < o.runs; run++ {
		if err := sigtermRun(o, run); err != nil {
			return err
		}
	}
	return nil
}

func sigtermRun(o options, run int) error {
	s, err := startServer(o, "--max-batch", "16", "--batch-timeout", "1ms")
	if err != nil {
		return err
	}
	var sent, answered, refused, unaccepted, dropped atomic.Int64
	var firstDrop atomic.Value
	var wg sync.WaitGroup
	body := []byte(`{"instances": [[0.5, -1.25], [1, 2]]}`)
	for c := 0; c < 64; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			for i := 0; i < 100000; i++ { // bounded; ends at the first refusal
				var reused bool
				trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
				req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "POST", s.url(), bytes.NewReader(body))
				sent.Add(1)
				resp, err := client.Do(req)
				var op *net.OpError
				switch {
				case err != nil && errors.As(err, &op) && op.Op == "dial":
					refused.Add(1)
					return
				case err != nil && !reused && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)):
					unaccepted.Add(1)
					return
				case err != nil:
					dropped.Add(1)
					firstDrop.CompareAndSwap(nil, err.Error())
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					dropped.Add(1)
					firstDrop.CompareAndSwap(nil, resp.Status)
					return
				}
				answered.Add(1)
			}
		}()
	}
	time.Sleep(o.warmup)
	s.cmd.Process.Signal(syscall.SIGTERM)
	wg.Wait()
	<-s.done
	fmt.Printf("sigterm run %d: %d sent, %d answered, %d refused at connect, %d reset before accept (fresh connection), %d dropped %v\n",
		run, sent.Load(), answered.Load(), refused.Load(), unaccepted.Load(), dropped.Load(), firstDrop.Load())
	return nil
}
