package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kerago/kerago/tensor"
)

func hostile(o options) error {
	x, err := tensor.LoadNpy(filepath.Join(o.ref, "x.npy"))
	if err != nil {
		return err
	}
	y, err := tensor.LoadNpy(filepath.Join(o.ref, "y.npy"))
	if err != nil {
		return err
	}
	xr, _ := x.Rows()
	yr, _ := y.Rows()
	model, err := os.ReadFile(o.model)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "faultload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, filepath.Base(o.model))
	if err := os.WriteFile(path, model, 0o644); err != nil {
		return err
	}
	o.model = path
	s, err := startServer(o, "--max-batch", "32", "--batch-timeout", "1ms", "--read-timeout", "5s")
	if err != nil {
		return err
	}
	defer s.stop()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var valid, failed, wrong, hostileN atomic.Int64
	var firstFail atomic.Value
	var mu sync.Mutex
	var lat []time.Duration
	for c := 0; c < 64; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			var mine []time.Duration
			defer func() { mu.Lock(); lat = append(lat, mine...); mu.Unlock() }()
			for i := 0; i < 10_000_000; i++ { // bounded; ends at stop
				select {
				case <-stop:
					return
				default:
				}
				n := 1 + rng.IntN(4)
				rows, xs := make([]int, n), make([][]float32, n)
				for j := range rows {
					rows[j] = rng.IntN(len(xr))
					xs[j] = xr[rows[j]]
				}
				body, _ := json.Marshal(map[string]any{"instances": xs})
				t0 := time.Now()
				code, b, err := post(client, s.url(), body)
				mine = append(mine, time.Since(t0))
				if err != nil || code != 200 {
					failed.Add(1)
					firstFail.CompareAndSwap(nil, fmt.Sprintf("%v %d %.200s", err, code, b))
					continue
				}
				var got struct{ Predictions [][]float32 }
				if json.Unmarshal(b, &got) != nil || !allClose(got.Predictions, yr, rows) {
					wrong.Add(1)
					continue
				}
				valid.Add(1)
			}
		}(c)
	}
	for h := 0; h < 16; h++ {
		wg.Add(1)
		go func(h int) {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second}
			for i := 0; i < 10_000_000; i++ { // bounded; ends at stop
				select {
				case <-stop:
					return
				default:
				}
				hostileN.Add(1)
				if h < 4 { // slow kinds: oversized bodies, stalled uploads
					hostileRequest(client, s, 3+(h+i)%3)
				} else {
					hostileRequest(client, s, []int{0, 1, 2, 6}[(h+i)%4])
				}
			}
		}(h)
	}
	start := time.Now()
	tick := time.NewTicker(2 * time.Second)
	end := time.After(o.duration)
	reloads := 0
loop:
	for {
		select {
		case <-tick.C:
			os.WriteFile(path+".tmp", model, 0o644)
			os.Rename(path+".tmp", path)
			s.cmd.Process.Signal(syscall.SIGHUP)
			reloads++
		case <-end:
			break loop
		}
	}
	tick.Stop()
	close(stop)
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	p := func(q float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(q*float64(len(lat)-1))]
	}
	total := valid.Load() + failed.Load() + wrong.Load() + hostileN.Load()
	fmt.Printf("hostile: %v, 64 valid + 16 hostile clients, %d SIGHUP reloads: %d valid answered right (%.0f req/s, p50 %v, p99 %v), %d failed, %d wrong; %d hostile requests (%.0f%% of all) %v\n",
		elapsed.Round(time.Second), reloads, valid.Load(), float64(valid.Load())/elapsed.Seconds(), p(0.5).Round(time.Microsecond), p(0.99).Round(time.Microsecond),
		failed.Load(), wrong.Load(), hostileN.Load(), 100*float64(hostileN.Load())/float64(max(total, 1)), firstFail.Load())
	return nil
}

func allClose(got, y [][]float32, rows []int) bool {
	if len(got) != len(rows) {
		return false
	}
	for i, r := range rows {
		if len(got[i]) != len(y[r]) {
			return false
		}
		for j, v := range got[i] {
			w := float64(y[r][j])
			if math.Abs(float64(v)-w) > 1e-5+1e-5*math.Abs(w) {
				return false
			}
		}
	}
	return true
}

// hostileRequest sends one kind of bad traffic; its answer is not checked
// (the fault tests check those).
func hostileRequest(c *http.Client, s *server, kind int) {
	switch kind {
	case 0:
		post(c, s.url(), []byte(`{"instances": [[1, 2]`))
	case 1:
		post(c, s.url(), []byte(`{"instances": [[NaN, 2]]}`))
	case 2:
		post(c, s.url(), []byte(`{"instances": [[1, 2, 3]]}`))
	case 3:
		post(c, s.url(), bytes.Repeat([]byte(" "), 9<<20))
	case 4, 5: // stalled upload, held 1s
		conn, err := net.Dial("tcp", s.addr)
		if err != nil {
			return
		}
		fmt.Fprintf(conn, "POST /v1/models/m:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n{\"instances\": [[1,")
		time.Sleep(time.Second)
		conn.Close()
	case 6:
		conn, err := net.Dial("tcp", s.addr)
		if err != nil {
			return
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(conn, "POST /v1/models/m:predict HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")
		http.ReadResponse(bufio.NewReader(conn), nil)
		conn.Close()
	}
}
