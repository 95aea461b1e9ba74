package hdf5

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTruncatedFile: a file shorter than the end-of-file address its
// superblock records is refused as truncated (as libhdf5 does), at every
// cut that keeps the superblock; trailing bytes after that address are
// allowed (libhdf5 allows them too). The recorded address equals the file
// size in every fixture h5py wrote.
func TestTruncatedFile(t *testing.T) {
	for _, rel := range []string{
		"keras-cases/mlp_2_10_10_2/model.h5",
		"keras-cases/normalization_adapted/model.weights.h5",
		"fixtures/small_latest.h5",
		"fixtures/sb0_userblock.h5",
	} {
		b, err := os.ReadFile(fixturePath(rel))
		if err != nil {
			t.Fatal(err)
		}
		f, err := NewFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if f.EndOfFile() != int64(len(b)) {
			t.Errorf("%s: end of file %d, size %d", rel, f.EndOfFile(), len(b))
		}
		for i := 1; i < 20; i++ {
			n := len(b) * i / 20
			_, err := NewFile(bytes.NewReader(b[:n]), int64(n))
			if err == nil {
				t.Errorf("%s cut to %d bytes: opened", rel, n)
				continue
			}
			if n >= 2048 && !errors.Is(err, ErrTruncated) {
				t.Errorf("%s cut to %d bytes: %v, want ErrTruncated", rel, n, err)
			}
		}
		longer := append(append([]byte(nil), b...), make([]byte, 4096)...)
		if _, err := NewFile(bytes.NewReader(longer), int64(len(longer))); err != nil {
			t.Errorf("%s with trailing bytes: %v", rel, err)
		}
	}
}

// hostileH5Seeds are the damaged files of issue 15 (testdata/hostile).
func hostileH5Seeds(t testing.TB) [][]byte {
	paths, err := filepath.Glob("../../testdata/hostile/*.h5")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no hostile .h5 files: %v", err)
	}
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(p, ".h5") {
			continue
		}
		out = append(out, b)
	}
	return out
}
