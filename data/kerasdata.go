package data

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/kerago/kerago/internal/atomicfile"
	"github.com/kerago/kerago/tensor"
)

// KerasDataset is what keras.datasets.<name>.load_data() returns:
// (XTrain, YTrain), (XTest, YTest), as float32 arrays of the stored values
// (MNIST's uint8 pixels are 0…255, as in Python before a script scales
// them).
type KerasDataset struct {
	XTrain, YTrain, XTest, YTest *tensor.Tensor
}

// kerasOrigin is where Keras downloads its datasets from.
const kerasOrigin = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

// datasetFile is one file of a dataset in Keras's cache.
type datasetFile struct {
	name   string // under datasets/ (with the dataset's folder)
	url    string
	sha256 string // Keras's file_hash, "" if Keras checks none
}

var kerasDatasetFiles = map[string][]datasetFile{
	"mnist": {{"mnist.npz", kerasOrigin + "mnist.npz", "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"}},
	"boston_housing": {{"boston_housing.npz", kerasOrigin + "boston_housing.npz",
		"f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"}},
	"fashion_mnist": {
		{"fashion-mnist/train-labels-idx1-ubyte.gz", kerasOrigin + "train-labels-idx1-ubyte.gz", ""},
		{"fashion-mnist/train-images-idx3-ubyte.gz", kerasOrigin + "train-images-idx3-ubyte.gz", ""},
		{"fashion-mnist/t10k-labels-idx1-ubyte.gz", kerasOrigin + "t10k-labels-idx1-ubyte.gz", ""},
		{"fashion-mnist/t10k-images-idx3-ubyte.gz", kerasOrigin + "t10k-images-idx3-ubyte.gz", ""},
	},
}

// KerasDatasetsDir is Keras's cache of datasets: $KERAS_HOME/datasets when
// KERAS_HOME is set, else ~/.keras/datasets, as in Keras.
func KerasDatasetsDir() string {
	if h := os.Getenv("KERAS_HOME"); h != "" {
		return filepath.Join(h, "datasets")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, ".keras", "datasets")
}

// LoadKerasDataset is keras.datasets.<name>.load_data() for mnist,
// fashion_mnist and boston_housing (its default test_split=0.2 and
// seed=113): it reads the files of Keras's cache (KerasDatasetsDir, same
// names and formats as Keras) and, when a file is missing and download is
// true, downloads it from Keras's URL first (checking Keras's SHA-256). A
// file that is missing and cannot be downloaded is an error naming the
// file, its path and the URL.
func LoadKerasDataset(ctx context.Context, name string, download bool) (*KerasDataset, error) {
	files, ok := kerasDatasetFiles[name]
	if !ok {
		return nil, fmt.Errorf("data: keras.datasets.%s is not one kerago reads (it reads mnist, fashion_mnist and boston_housing)", name)
	}
	dir := KerasDatasetsDir()
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(dir, filepath.FromSlash(f.name))
		if _, err := os.Stat(paths[i]); err == nil {
			continue
		}
		if !download {
			return nil, fmt.Errorf("data: keras.datasets.%s: %s is not in Keras's cache (%s); download %s there (KERAS_HOME sets the cache folder, as in Keras)", name, f.name, paths[i], f.url)
		}
		if err := fetchDataset(ctx, f, paths[i]); err != nil {
			return nil, fmt.Errorf("data: keras.datasets.%s: %s is not in Keras's cache (%s) and could not be downloaded from %s: %w; put the file there (KERAS_HOME sets the cache folder, as in Keras)", name, f.name, paths[i], f.url, err)
		}
	}
	var ds *KerasDataset
	var err error
	switch name {
	case "mnist":
		ds, err = loadMNISTNpz(paths[0])
	case "boston_housing":
		ds, err = loadBoston(paths[0])
	case "fashion_mnist":
		ds, err = loadIdxSet(paths)
	}
	if err != nil {
		return nil, fmt.Errorf("data: keras.datasets.%s: %w", name, err)
	}
	return ds, nil
}

func loadMNISTNpz(path string) (*KerasDataset, error) {
	f, err := LoadNpz(path)
	if err != nil {
		return nil, err
	}
	var ds KerasDataset
	for _, p := range []struct {
		key string
		dst **tensor.Tensor
	}{{"x_train", &ds.XTrain}, {"y_train", &ds.YTrain}, {"x_test", &ds.XTest}, {"y_test", &ds.YTest}} {
		if *p.dst, err = f.Get(p.key); err != nil {
			return nil, err
		}
	}
	return &ds, nil
}

// loadBoston is keras.datasets.boston_housing.load_data(test_split=0.2,
// seed=113): the rows shuffled by RandomState(113).shuffle, then split.
func loadBoston(path string) (*KerasDataset, error) {
	f, err := LoadNpz(path)
	if err != nil {
		return nil, err
	}
	x, err := f.Get("x")
	if err != nil {
		return nil, err
	}
	y, err := f.Get("y")
	if err != nil {
		return nil, err
	}
	n := x.Dim(0)
	perm, err := NewRandomState(113).Permutation(n)
	if err != nil {
		return nil, err
	}
	nTrain := int(float64(n) * (1 - 0.2))
	var ds KerasDataset
	for _, p := range []struct {
		src  *tensor.Tensor
		rows []int
		dst  **tensor.Tensor
	}{{x, perm[:nTrain], &ds.XTrain}, {y, perm[:nTrain], &ds.YTrain}, {x, perm[nTrain:], &ds.XTest}, {y, perm[nTrain:], &ds.YTest}} {
		if *p.dst, err = p.src.Gather(p.rows); err != nil {
			return nil, err
		}
	}
	return &ds, nil
}

// loadIdxSet reads Fashion-MNIST's four gzipped IDX files (train labels,
// train images, test labels, test images).
func loadIdxSet(paths []string) (*KerasDataset, error) {
	var arrs [4]*tensor.Tensor
	for i, p := range paths {
		a, err := readIdxGz(p)
		if err != nil {
			return nil, err
		}
		arrs[i] = a
	}
	return &KerasDataset{YTrain: arrs[0], XTrain: arrs[1], YTest: arrs[2], XTest: arrs[3]}, nil
}

// maxIdxBytes bounds what one IDX file may hold once decompressed.
const maxIdxBytes = 1 << 30

// readIdxGz reads a gzipped IDX file of unsigned bytes (type 0x08), as
// Keras's fashion_mnist reads it (labels from offset 8, images from
// offset 16).
func readIdxGz(path string) (*tensor.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var hdr [4]byte
	if _, err := io.ReadFull(zr, hdr[:]); err != nil {
		return nil, fmt.Errorf("%s: IDX header: %w", path, err)
	}
	if hdr[0] != 0 || hdr[1] != 0 || hdr[2] != 0x08 || hdr[3] < 1 || hdr[3] > 3 {
		return nil, fmt.Errorf("%s: not an IDX file of unsigned bytes (magic % x)", path, hdr)
	}
	shape := make([]int, hdr[3])
	size := 1
	for i := range shape {
		var d uint32
		if err := binary.Read(zr, binary.BigEndian, &d); err != nil {
			return nil, fmt.Errorf("%s: IDX dimensions: %w", path, err)
		}
		shape[i] = int(d)
		size *= int(d)
		if size > maxIdxBytes {
			return nil, fmt.Errorf("%s: IDX shape %v larger than %d bytes", path, shape[:i+1], maxIdxBytes)
		}
	}
	raw := make([]byte, size)
	if _, err := io.ReadFull(zr, raw); err != nil {
		return nil, fmt.Errorf("%s: IDX data (%d bytes for shape %v): %w", path, size, shape, err)
	}
	vals := make([]float32, size)
	for i, b := range raw {
		vals[i] = float32(b)
	}
	return tensor.FromSlice(vals, shape...)
}

// maxDownload bounds a dataset download.
const maxDownload = 256 << 20

// fetchDataset downloads one file into Keras's cache (atomically),
// checking its SHA-256 when Keras gives one.
func fetchDataset(ctx context.Context, f datasetFile, path string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return err
	}
	if len(body) > maxDownload {
		return errors.New("larger than any Keras dataset kerago reads")
	}
	if f.sha256 != "" {
		sum := sha256.Sum256(body)
		if got := hex.EncodeToString(sum[:]); got != f.sha256 {
			return fmt.Errorf("SHA-256 %s, Keras expects %s", got, f.sha256)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, body)
}
