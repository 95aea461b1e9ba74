package loader

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kerago/kerago/internal/hdf5"
)

var hdf5Magic = []byte("\x89HDF\r\n\x1a\n")

// Detect tells which Keras format the file or directory at path holds,
// from its content: the HDF5 signature (at offset 0, 512, 1024, ...), the
// zip signature, the .npy magic, JSON, YAML, or a directory with
// manifest.json (npy directory) or config.json (unzipped .keras). HDF5 files
// are classified by their structure: a model_config attribute means a full
// legacy model, a layer_names attribute legacy weights, layers/vars groups
// Keras 3 weights. The extension is only a tiebreak between JSON and YAML
// text.
func Detect(path string) (Format, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if st.IsDir() {
		if fileExists(filepath.Join(path, "manifest.json")) {
			return FormatNPYDir, nil
		}
		if fileExists(filepath.Join(path, "config.json")) {
			return FormatKeras, nil
		}
		return "", Errorf(path, "directory has neither manifest.json (npy weights) nor config.json (unzipped .keras)")
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return detectReader(path, f, st.Size())
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func detectReader(path string, r io.ReaderAt, size int64) (Format, error) {
	head := make([]byte, min(size, 4096))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return "", &FormatError{Path: path, Msg: "reading", Err: err}
	}
	if isHDF5(r, size) {
		hf, err := hdf5.NewFile(r, size)
		if err != nil {
			return "", &FormatError{Path: path, Msg: "HDF5 signature found but the file is not readable", Err: err}
		}
		defer hf.Close()
		k, err := h5Kind(hf.Root())
		if err != nil {
			return "", &FormatError{Path: path, Msg: "HDF5", Err: err}
		}
		return k, nil
	}
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		zr, err := zip.NewReader(r, size)
		if err != nil {
			return "", &FormatError{Path: path, Msg: "zip signature found but the archive is not readable", Err: err}
		}
		allNpy := true
		for _, f := range zr.File {
			if f.Name == "config.json" {
				return FormatKeras, nil
			}
			if !strings.HasSuffix(f.Name, ".npy") {
				allNpy = false
			}
		}
		if allNpy {
			return FormatNPZ, nil
		}
		return "", Errorf(path, "zip archive has no config.json (.keras) and not only .npy members (.npz)")
	case bytes.HasPrefix(head, []byte("\x93NUMPY")):
		return FormatNPY, nil
	}
	text := bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	text = bytes.TrimLeft(text, " \t\r\n")
	if bytes.IndexByte(head, 0) >= 0 {
		return "", Errorf(path, "not a Keras file: binary content without HDF5, zip or npy signature")
	}
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".yaml" || ext == ".yml" {
		return FormatYAML, nil
	}
	if isJSONStart(text) {
		return FormatJSON, nil
	}
	if bytes.Contains(head, []byte("class_name:")) {
		return FormatYAML, nil
	}
	return "", Errorf(path, "not a Keras file: expected HDF5 (.h5), zip (.keras/.npz), .npy, JSON or YAML")
}

// isHDF5 looks for the HDF5 superblock signature at 0, 512, 1024, 2048, ...
func isHDF5(r io.ReaderAt, size int64) bool {
	var sig [8]byte
	for off := int64(0); off+8 <= size; {
		if _, err := r.ReadAt(sig[:], off); err != nil {
			return false
		}
		if bytes.Equal(sig[:], hdf5Magic) {
			return true
		}
		if off == 0 {
			off = 512
		} else {
			off *= 2
		}
	}
	return false
}
