// Command loadtest measures `kerago serve` on 127.0.0.1 and checks every
// answer against a direct Predict of the same model.
//
//	go run ./serve/loadtest [-model testdata/serve/mlp_2_10_10_2/model.keras]
//	    [-duration 30s] [-clients 64,1] [-max-batch 0,32] [-batch-timeout 1ms]
//	    [-max-rows 4]
//
// For each combination of client count and batching setting it starts a
// serve.Server on 127.0.0.1:0, runs the clients for the duration (each
// request carries 1..max-rows random rows as {"instances": ...}), and
// prints throughput and latency percentiles. It exits with status 1 if any
// request fails or any answer differs from the direct Predict by more than
// allclose(atol=1e-5, rtol=1e-5).
//
// It is a separate program so that the normal test suite stays fast.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kerago/kerago/serve"
	"github.com/kerago/kerago/tensor"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

type config struct {
	clients  int
	maxBatch int
}

type result struct {
	config
	requests, rows   int
	errors, mismatch int
	elapsed          time.Duration
	lat              []time.Duration
	maxDiff          float64
	exact            bool
	meanBatch        float64
	firstErr         error
	loadBefore       string
	loadAfter        string
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	modelPath := fs.String("model", "testdata/serve/mlp_2_10_10_2/model.keras", "Keras model file to serve")
	fake := fs.Bool("fake", false, "serve a built-in 2-10-10-2 relu MLP instead of -model")
	duration := fs.Duration("duration", 30*time.Second, "how long each configuration runs")
	clientsList := fs.String("clients", "64,1", "comma-separated client counts")
	batchList := fs.String("max-batch", "0,32", "comma-separated --max-batch settings (0: no batching)")
	batchTimeout := fs.Duration("batch-timeout", time.Millisecond, "--batch-timeout when batching")
	maxRows := fs.Int("max-rows", 4, "each request carries 1..max-rows rows")
	if err := fs.Parse(args); err != nil {
		return err
	}
	clients, err := ints(*clientsList)
	if err != nil {
		return err
	}
	batches, err := ints(*batchList)
	if err != nil {
		return err
	}
	var model serve.Predictor
	name := "built-in MLP"
	if *fake {
		model = newMLP()
	} else {
		if model, err = loadKeras(*modelPath); err != nil {
			return err
		}
		name = *modelPath
	}

	// A fixed pool of inputs and their direct answers.
	rng := rand.New(rand.NewPCG(42, 7))
	in := model.InputShape()
	per := 1
	for _, d := range in {
		per *= d
	}
	const pool = 4096
	xs := make([]float32, pool*per)
	for i := range xs {
		xs[i] = rng.Float32()*2 - 1
	}
	x, err := tensor.FromSlice(xs, append([]int{pool}, in...)...)
	if err != nil {
		return err
	}
	want, err := model.Predict(x)
	if err != nil {
		return fmt.Errorf("direct Predict: %w", err)
	}
	fmt.Fprintf(out, "model %s, input %v, output %v; %d CPUs, GOMAXPROCS %d; %v per configuration; 1..%d rows per request\n",
		name, in, model.OutputShape(), runtime.NumCPU(), runtime.GOMAXPROCS(0), *duration, *maxRows)
	fmt.Fprintf(out, "%-8s %-10s %9s %9s %10s %9s %9s %9s %6s %6s %9s %s\n",
		"clients", "max-batch", "requests", "req/s", "rows/s", "p50", "p99", "max", "errors", "wrong", "avg-batch", "load avg before -> after")
	var failed bool
	for _, c := range clients {
		for _, b := range batches {
			r, err := measure(config{c, b}, model, x, want, *duration, *batchTimeout, *maxRows)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%-8d %-10d %9d %9.0f %10.0f %9s %9s %9s %6d %6d %9.2f %s -> %s\n",
				r.clients, r.maxBatch, r.requests, float64(r.requests)/r.elapsed.Seconds(), float64(r.rows)/r.elapsed.Seconds(),
				pct(r.lat, 0.50), pct(r.lat, 0.99), pct(r.lat, 1), r.errors, r.mismatch, r.meanBatch, r.loadBefore, r.loadAfter)
			if r.errors > 0 || r.mismatch > 0 {
				failed = true
				fmt.Fprintf(out, "  first failure: %v\n", r.firstErr)
			}
			fmt.Fprintf(out, "  max |served - direct| = %g (bit-identical: %v)\n", r.maxDiff, r.exact)
		}
	}
	if failed {
		return errors.New("some requests failed or gave wrong answers")
	}
	return nil
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad number %q in %q", f, s)
		}
		out = append(out, n)
	}
	return out, nil
}

func pct(lat []time.Duration, p float64) string {
	if len(lat) == 0 {
		return "-"
	}
	i := int(math.Ceil(p*float64(len(lat)))) - 1
	i = max(0, min(i, len(lat)-1))
	d := lat[i]
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/1e3)
	default:
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	}
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func measure(cfg config, model serve.Predictor, x, want *tensor.Tensor, d, batchTimeout time.Duration, maxRows int) (*result, error) {
	srv, err := serve.New(serve.Config{MaxBatch: cfg.maxBatch, BatchTimeout: batchTimeout})
	if err != nil {
		return nil, err
	}
	if err := srv.AddModel("mlp", 1, model); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	go hs.Serve(ln)
	defer func() {
		hs.Shutdown(context.Background())
		srv.Close()
	}()
	url := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.clients + 1, MaxIdleConns: cfg.clients + 1}}

	res := &result{config: cfg, exact: true, loadBefore: loadavg()}
	var mu sync.Mutex
	var wg sync.WaitGroup
	pool := x.Dim(0)
	per := x.Len() / pool
	outPer := want.Len() / pool
	start := time.Now()
	deadline := start.Add(d)
	for c := 0; c < cfg.clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 99))
			var lat []time.Duration
			var reqs, rows, errs, wrong int
			var maxDiff float64
			exact := true
			var firstErr error
			note := func(err error) {
				if firstErr == nil {
					firstErr = err
				}
			}
			body := make([]byte, 0, 1024)
			idx := make([]int, 0, maxRows)
			for time.Now().Before(deadline) {
				n := 1 + rng.IntN(maxRows)
				idx = idx[:0]
				body = append(body[:0], `{"instances":[`...)
				for i := 0; i < n; i++ {
					k := rng.IntN(pool)
					idx = append(idx, k)
					if i > 0 {
						body = append(body, ',')
					}
					body = appendRow(body, x.Data()[k*per:(k+1)*per], x.Shape()[1:])
				}
				body = append(body, "]}"...)
				t0 := time.Now()
				resp, err := client.Post(url+"/v1/models/mlp:predict", "application/json", bytes.NewReader(body))
				var got struct {
					Predictions []json.RawMessage `json:"predictions"`
				}
				var raw []byte
				if err == nil {
					raw, err = io.ReadAll(resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != 200 {
						err = fmt.Errorf("status %d: %s", resp.StatusCode, raw)
					}
				}
				lat = append(lat, time.Since(t0))
				reqs++
				rows += n
				if err == nil {
					err = json.Unmarshal(raw, &got)
				}
				if err == nil && len(got.Predictions) != n {
					err = fmt.Errorf("%d predictions for %d instances", len(got.Predictions), n)
				}
				if err != nil {
					errs++
					note(err)
					continue
				}
				for i, k := range idx {
					flat, err := flatten(got.Predictions[i])
					if err != nil || len(flat) != outPer {
						wrong++
						note(fmt.Errorf("row %d: %v (%d values)", k, err, len(flat)))
						break
					}
					ok := true
					for j, v := range flat {
						w := want.Data()[k*outPer+j]
						diff := math.Abs(float64(v) - float64(w))
						maxDiff = max(maxDiff, diff)
						if v != w {
							exact = false
						}
						if diff > 1e-5+1e-5*math.Abs(float64(w)) {
							ok = false
						}
					}
					if !ok {
						wrong++
						note(fmt.Errorf("row %d: served %v, direct Predict %v", k, flat, want.Data()[k*outPer:(k+1)*outPer]))
						break
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.lat = append(res.lat, lat...)
			res.requests += reqs
			res.rows += rows
			res.errors += errs
			res.mismatch += wrong
			res.maxDiff = max(res.maxDiff, maxDiff)
			res.exact = res.exact && exact
			if res.firstErr == nil {
				res.firstErr = firstErr
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.loadAfter = loadavg()
	slices.Sort(res.lat)
	res.meanBatch = meanBatch(client, url)
	return res, nil
}

// appendRow writes one sample as nested JSON lists, with float32 values in
// their shortest exact form.
func appendRow(b []byte, data []float32, shape []int) []byte {
	if len(shape) == 0 {
		return strconv.AppendFloat(b, float64(data[0]), 'g', -1, 32)
	}
	per := len(data) / max(shape[0], 1)
	b = append(b, '[')
	for i := 0; i < shape[0]; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRow(b, data[i*per:(i+1)*per], shape[1:])
	}
	return append(b, ']')
}

// flatten reads a nested JSON list of numbers as float32s.
func flatten(raw json.RawMessage) ([]float32, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var out []float32
	var walk func(v any) error
	walk = func(v any) error {
		switch t := v.(type) {
		case []any:
			for _, e := range t {
				if err := walk(e); err != nil {
					return err
				}
			}
		case json.Number:
			f, err := strconv.ParseFloat(string(t), 32)
			if err != nil {
				return err
			}
			out = append(out, float32(f))
		default:
			return fmt.Errorf("unexpected %T", v)
		}
		return nil
	}
	return out, walk(v)
}

// meanBatch reads the server's batch-size histogram from /metrics.
func meanBatch(client *http.Client, url string) float64 {
	resp, err := client.Get(url + "/metrics")
	if err != nil {
		return math.NaN()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var sum, count float64
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, `kerago_serve_batch_size_sum{model="mlp"} `); ok {
			sum, _ = strconv.ParseFloat(v, 64)
		}
		if v, ok := strings.CutPrefix(line, `kerago_serve_batch_size_count{model="mlp"} `); ok {
			count, _ = strconv.ParseFloat(v, 64)
		}
	}
	return sum / count
}
