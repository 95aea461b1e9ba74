package loader

import (
	"bytes"
	"compress/flate"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

func deflatedReader(t *testing.T, data []byte) io.Reader {
	t.Helper()
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, flate.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	w.Close()
	return flate.NewReader(&b)
}

// TestLazyMemberConcurrent reads a lazily inflated member from several
// goroutines at random offsets (run with -race): every read returns the
// original bytes, and only as much is inflated as the furthest read needs.
func TestLazyMemberConcurrent(t *testing.T) {
	data := make([]byte, 8<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.IntN(7))
	}
	lm := &lazyMember{name: "m", rc: deflatedReader(t, data), size: int64(len(data)), limit: 1 << 30}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(3, uint64(g)))
			buf := make([]byte, 4096)
			for range 50 {
				off := r.Int64N(2 << 20)
				n, err := lm.ReadAt(buf, off)
				if err != nil || !bytes.Equal(buf[:n], data[off:off+int64(n)]) {
					errs <- "read mismatch"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if held := len(lm.buf); held > 2<<20+1<<20 {
		t.Errorf("holds %d bytes after reads below 2 MiB", held)
	}
	if err := lm.drain(); err != nil {
		t.Errorf("drain: %v", err)
	}
}

// TestLazyMemberLimits: reading past the budget and a member shorter than
// it declares are errors; reading at or past the declared end is io.EOF.
func TestLazyMemberLimits(t *testing.T) {
	data := make([]byte, 1<<20)
	lm := &lazyMember{name: "m", rc: deflatedReader(t, data), size: int64(len(data)), limit: 64 << 10}
	if _, err := lm.ReadAt(make([]byte, 16), 100<<10); err == nil || !strings.Contains(err.Error(), "memory budget") {
		t.Errorf("read past the budget: %v", err)
	}
	short := &lazyMember{name: "m", rc: deflatedReader(t, data[:1000]), size: 1 << 20, limit: 1 << 30}
	if _, err := short.ReadAt(make([]byte, 16), 5000); err == nil || !strings.Contains(err.Error(), "declares") {
		t.Errorf("short member: %v", err)
	}
	if n, err := short.ReadAt(make([]byte, 16), 1<<20); n != 0 || err != io.EOF {
		t.Errorf("read at the end: %d, %v", n, err)
	}
}
