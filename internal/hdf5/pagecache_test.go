package hdf5

import (
	"bytes"
	"io"
	"math/rand"
	"testing"
)

// TestPageReader compares cached reads with direct reads at random offsets,
// including reads crossing pages, the end of the file and beyond it.
func TestPageReader(t *testing.T) {
	data := make([]byte, 3*pageSize+123)
	rng := rand.New(rand.NewSource(3))
	rng.Read(data)
	br := bytes.NewReader(data)
	pr := &pageReader{r: br, size: int64(len(data))}
	for i := 0; i < 20000; i++ {
		off := int64(rng.Intn(len(data) + 50))
		n := rng.Intn(3 * pageSize)
		if i%3 == 0 {
			n = rng.Intn(64)
		}
		got := make([]byte, n)
		want := make([]byte, n)
		gn, gerr := pr.ReadAt(got, off)
		wn, werr := br.ReadAt(want, off)
		if gn != wn || !bytes.Equal(got[:gn], want[:wn]) || (gerr == nil) != (werr == nil) {
			t.Fatalf("ReadAt(%d bytes at %d) = %d, %v; want %d, %v", n, off, gn, gerr, wn, werr)
		}
		if gerr != nil && gerr != io.EOF {
			t.Fatalf("unexpected error %v", gerr)
		}
	}
	if len(pr.pages) > maxCachedPages {
		t.Fatalf("%d pages cached", len(pr.pages))
	}
}
