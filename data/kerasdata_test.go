package data

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// npyBytes writes a .npy (format 1.0) of raw little-endian values.
func npyBytes(descr string, shape []int, raw []byte) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	sh := strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	hdr := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, sh)
	for (10+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	hdr += "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(hdr)))
	b.WriteString(hdr)
	b.Write(raw)
	return b.Bytes()
}

func writeNpz(t *testing.T, path string, arrays map[string][]byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, a := range arrays {
		w, err := zw.Create(name + ".npy")
		if err != nil {
			t.Fatal(err)
		}
		w.Write(a)
	}
	zw.Close()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func f64Bytes(v []float64) []byte {
	var b bytes.Buffer
	for _, x := range v {
		binary.Write(&b, binary.LittleEndian, math.Float64bits(x))
	}
	return b.Bytes()
}

// TestLoadKerasDataset: keras.datasets reads Keras's cache under
// KERAS_HOME with Keras's file names and formats (mnist.npz of uint8,
// boston_housing.npz split 80/20 after a shuffle, Fashion-MNIST's gzipped
// IDX files), and a missing file is an error naming it, its path and the
// URL to fetch it from.
func TestLoadKerasDataset(t *testing.T) {
	home := t.TempDir()
	t.Setenv("KERAS_HOME", home)
	dir := filepath.Join(home, "datasets")
	if got := KerasDatasetsDir(); got != dir {
		t.Fatalf("KerasDatasetsDir %s, want %s", got, dir)
	}
	ctx := context.Background()
	if _, err := LoadKerasDataset(ctx, "mnist", false); err == nil ||
		!strings.Contains(err.Error(), filepath.Join(dir, "mnist.npz")) || !strings.Contains(err.Error(), "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz") {
		t.Fatalf("missing mnist.npz: %v", err)
	}
	writeNpz(t, filepath.Join(dir, "mnist.npz"), map[string][]byte{
		"x_train": npyBytes("|u1", []int{2, 2, 2}, []byte{0, 1, 254, 255, 10, 20, 30, 40}),
		"y_train": npyBytes("|u1", []int{2}, []byte{7, 3}),
		"x_test":  npyBytes("|u1", []int{1, 2, 2}, []byte{5, 6, 7, 8}),
		"y_test":  npyBytes("|u1", []int{1}, []byte{9}),
	})
	ds, err := LoadKerasDataset(ctx, "mnist", false)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ds.XTrain.Shape(), ds.XTrain.Data(), ds.YTrain.Data(), ds.XTest.Shape(), ds.YTest.Data()); got != "[2 2 2] [0 1 254 255 10 20 30 40] [7 3] [1 2 2] [9]" {
		t.Errorf("mnist: %s", got)
	}

	x := make([]float64, 10*2)
	y := make([]float64, 10)
	for i := range y {
		x[2*i], x[2*i+1], y[i] = float64(i), float64(10*i), float64(100*i)
	}
	writeNpz(t, filepath.Join(dir, "boston_housing.npz"), map[string][]byte{
		"x": npyBytes("<f8", []int{10, 2}, f64Bytes(x)), "y": npyBytes("<f8", []int{10}, f64Bytes(y)),
	})
	ds, err = LoadKerasDataset(ctx, "boston_housing", false)
	if err != nil {
		t.Fatal(err)
	}
	if ds.XTrain.Dim(0) != 8 || ds.XTest.Dim(0) != 2 || ds.YTrain.Dim(0) != 8 || ds.YTest.Dim(0) != 2 {
		t.Fatalf("boston split %v %v", ds.XTrain.Shape(), ds.XTest.Shape())
	}
	seen := map[float32]bool{}
	for _, part := range [][2][]float32{{ds.XTrain.Data(), ds.YTrain.Data()}, {ds.XTest.Data(), ds.YTest.Data()}} {
		for r, yv := range part[1] {
			if part[0][2*r] != yv/100 || part[0][2*r+1] != yv/10 || seen[yv] {
				t.Fatalf("boston: row %d of a split: x %v, y %v", r, part[0][2*r:2*r+2], yv)
			}
			seen[yv] = true
		}
	}
	if len(seen) != 10 {
		t.Errorf("boston: %d distinct rows, want 10", len(seen))
	}

	idx := func(name string, dims []uint32, vals []byte) {
		var raw bytes.Buffer
		raw.Write([]byte{0, 0, 8, byte(len(dims))})
		for _, d := range dims {
			binary.Write(&raw, binary.BigEndian, d)
		}
		raw.Write(vals)
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(raw.Bytes())
		zw.Close()
		p := filepath.Join(dir, "fashion-mnist", name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, gz.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	idx("train-labels-idx1-ubyte.gz", []uint32{2}, []byte{1, 2})
	idx("train-images-idx3-ubyte.gz", []uint32{2, 1, 2}, []byte{3, 4, 5, 6})
	idx("t10k-labels-idx1-ubyte.gz", []uint32{1}, []byte{9})
	idx("t10k-images-idx3-ubyte.gz", []uint32{1, 1, 2}, []byte{200, 100})
	ds, err = LoadKerasDataset(ctx, "fashion_mnist", false)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ds.XTrain.Shape(), ds.XTrain.Data(), ds.YTrain.Data(), ds.XTest.Data(), ds.YTest.Data()); got != "[2 1 2] [3 4 5 6] [1 2] [200 100] [9]" {
		t.Errorf("fashion_mnist: %s", got)
	}
	if _, err := LoadKerasDataset(ctx, "cifar100", false); err == nil || !strings.Contains(err.Error(), "cifar100") {
		t.Errorf("cifar100: %v", err)
	}
}
