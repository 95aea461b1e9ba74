package hdf5

import (
	"os"
	"testing"
)

// benchFile is the largest real Keras HDF5 file in testdata (1.2 MiB of weights).
var benchFile = fixturePath("realmodels/fastmachinelearning__hls4ml__svhn_grayscale_mlp/svhn_grayscale_mlp_weights.h5")

// readAllFloat32 opens path and reads every attribute and every dataset as float32.
func readAllFloat32(tb testing.TB, path string) int {
	f, err := Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	n := 0
	var visit func(g *Group)
	visit = func(g *Group) {
		if _, err := g.Attrs(); err != nil {
			tb.Fatal(err)
		}
		names, err := g.Members()
		if err != nil {
			tb.Fatal(err)
		}
		for _, name := range names {
			k, err := g.Kind(name)
			if err != nil {
				tb.Fatal(err)
			}
			switch k {
			case KindGroup:
				sub, err := g.Group(name)
				if err != nil {
					tb.Fatal(err)
				}
				visit(sub)
			case KindDataset:
				ds, err := g.Dataset(name)
				if err != nil {
					tb.Fatal(err)
				}
				v, err := ds.ReadFloat32()
				if err != nil {
					tb.Fatal(err)
				}
				n += len(v)
			}
		}
	}
	visit(f.Root())
	return n
}

func TestBenchFileSize(t *testing.T) {
	st, err := os.Stat(benchFile)
	if err != nil {
		t.Fatal(err)
	}
	if n := readAllFloat32(t, benchFile); n != 305962 || st.Size() < 1<<20 {
		t.Fatalf("%d weights in %d bytes", n, st.Size())
	}
}

// BenchmarkOpenRead opens the file and reads all of its weights.
func BenchmarkOpenRead(b *testing.B) {
	st, _ := os.Stat(benchFile)
	b.SetBytes(st.Size())
	for i := 0; i < b.N; i++ {
		readAllFloat32(b, benchFile)
	}
}

// BenchmarkReadFileBytes is the floor: os.ReadFile of the same file.
func BenchmarkReadFileBytes(b *testing.B) {
	st, _ := os.Stat(benchFile)
	b.SetBytes(st.Size())
	for i := 0; i < b.N; i++ {
		if _, err := os.ReadFile(benchFile); err != nil {
			b.Fatal(err)
		}
	}
}
