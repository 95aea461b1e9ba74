package hdf5

import (
	"os"
	"testing"
)

func TestDumpEnv(t *testing.T) {
	p := os.Getenv("HDF5_DUMP")
	if p == "" {
		t.Skip("set HDF5_DUMP=file.h5 to dump a file")
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	budget := 1 << 20
	if err := walk(f.Root(), os.Stdout, map[uint64]bool{}, &budget); err != nil {
		t.Fatal(err)
	}
}
