package hdf5

import (
	"bytes"
	"strings"
	"testing"
)

// TestUnstoredHugeDataset: a small file whose never-written dataset claims
// 800 MB (shape [4] of 50-million-float arrays, the loader helper's
// reproducer) must be an error, not an allocation.
func TestUnstoredHugeDataset(t *testing.T) {
	w := NewWriter()
	w.Root().CreateDataset("d", Float32, []int{4}, []float32{1, 2, 3, 4})
	b, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.Root().Dataset("d")
	if err != nil {
		t.Fatal(err)
	}
	// Make the stored dataset look unwritten and huge: undefined address
	// and 200 MiB elements.
	d.layout.addr = ^uint64(0)
	d.dt.size = 200 << 20
	_, err = d.ReadFloat32()
	if err == nil || !strings.Contains(err.Error(), "no stored data") {
		t.Fatalf("err = %v, want a no-stored-data error", err)
	}
}
