package loader

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/kerago/kerago/internal/hdf5"
)

// maxMetadata bounds metadata.json inside a .keras archive.
const maxMetadata = 1 << 20

// readKerasArchive reads a Keras 3 .keras zip held in r, spending at most
// about mem bytes on the weights.
func readKerasArchive(path string, r io.ReaderAt, size, mem int64) (*Model, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, &FormatError{Path: path, Msg: "not a readable zip archive", Err: err}
	}
	members := map[string]*zip.File{}
	for _, f := range zr.File {
		if _, dup := members[f.Name]; dup {
			return nil, Errorf(path, "archive member %q appears twice", f.Name)
		}
		members[f.Name] = f
	}
	cf := members["config.json"]
	if cf == nil {
		return nil, Errorf(path, "archive has no config.json; not a .keras file")
	}
	cfgBytes, err := readMember(path, cf, MaxConfigSize)
	if err != nil {
		return nil, err
	}
	var meta []byte
	if mf := members["metadata.json"]; mf != nil {
		if meta, err = readMember(path, mf, maxMetadata); err != nil {
			return nil, err
		}
	}
	m := &Model{Path: path, Format: FormatKeras}
	if err := m.applyArchiveConfig(cfgBytes, meta); err != nil {
		return nil, err
	}
	wf := members["model.weights.h5"]
	if wf == nil {
		if members["model.weights.npz"] != nil {
			return nil, &FormatError{Path: path, Msg: "weights are stored as model.weights.npz (weights_format=\"npz\", pickled objects), which kerago does not read; save with the default .h5 weights", Err: ErrUnsupported}
		}
		return nil, Errorf(path, "archive has no model.weights.h5")
	}
	ra, wsize, closeMember, err := openWeightsMember(path, r, size, wf, mem)
	if err != nil {
		return nil, err
	}
	defer closeMember()
	if err := checkMemberEnd(path+"/model.weights.h5", ra, wsize); err != nil {
		return nil, err
	}
	if err := m.applyKeras3Weights(path+"/model.weights.h5", ra, wsize, mem); err != nil {
		return nil, err
	}
	if err := verifyMember(path, wf, ra); err != nil {
		return nil, err
	}
	return m, nil
}

// verifyMember reads the rest of the weights member, discarding it, so that
// archive/zip checks its CRC-32 and length: the HDF5 reader reads only what
// it needs, and a damaged member must not load. Memory stays constant.
func verifyMember(path string, wf *zip.File, ra io.ReaderAt) error {
	var err error
	if lm, ok := ra.(*lazyMember); ok {
		err = lm.drain()
	} else {
		var rc io.ReadCloser
		if rc, err = wf.Open(); err == nil {
			_, err = io.Copy(io.Discard, rc)
			rc.Close()
		}
	}
	if err != nil {
		return &FormatError{Path: path, Msg: "model.weights.h5 fails the archive's integrity check (damaged)", Err: err}
	}
	return nil
}

// openWeightsMember gives random access to model.weights.h5 without reading
// it whole: a stored member is read in place, a deflated one is inflated
// lazily (only as far as the HDF5 reader reads, and at most mem bytes). The
// size the archive declares is checked but never allocated.
func openWeightsMember(path string, r io.ReaderAt, size int64, wf *zip.File, mem int64) (io.ReaderAt, int64, func(), error) {
	wsize := int64(wf.UncompressedSize64)
	if wf.UncompressedSize64 > uint64(math.MaxInt64) {
		return nil, 0, nil, Errorf(path, "model.weights.h5 declares %d bytes", wf.UncompressedSize64)
	}
	var ra io.ReaderAt
	closeMember := func() {}
	switch {
	case wf.Method == zip.Store && wf.CompressedSize64 == wf.UncompressedSize64:
		off, err := wf.DataOffset()
		if err != nil {
			return nil, 0, nil, &FormatError{Path: path, Msg: "model.weights.h5", Err: err}
		}
		if off < 0 || off > size || wsize > size-off {
			return nil, 0, nil, Errorf(path, "model.weights.h5 extends past the end of the archive")
		}
		ra = io.NewSectionReader(r, off, wsize)
	case wf.Method == zip.Store || wf.Method == zip.Deflate:
		rc, err := wf.Open()
		if err != nil {
			return nil, 0, nil, &FormatError{Path: path, Msg: "model.weights.h5", Err: err}
		}
		lm := &lazyMember{name: path + "/model.weights.h5", rc: rc, size: wsize, limit: mem}
		ra, closeMember = lm, func() { rc.Close() }
	default:
		return nil, 0, nil, Errorf(path, "model.weights.h5 uses compression method %d; expected stored or deflated", wf.Method)
	}
	var sig [8]byte
	if n, _ := ra.ReadAt(sig[:], 0); n < len(sig) || !bytes.Equal(sig[:], hdf5Magic) {
		closeMember()
		return nil, 0, nil, Errorf(path+"/model.weights.h5", "not an HDF5 file (no HDF5 signature at its start, where h5py writes it)")
	}
	return ra, wsize, closeMember, nil
}

// maxTrailing is how many bytes a weights member may hold beyond the end of
// file its HDF5 superblock records (h5py writes none).
const maxTrailing = 1 << 20

// checkMemberEnd refuses a weights member that declares much more data than
// its HDF5 superblock says the file holds (such as a zip bomb padding a
// real file with gigabytes of zeros), and one shorter than that (cut).
func checkMemberEnd(name string, r io.ReaderAt, size int64) error {
	hf, err := hdf5.NewFile(r, size)
	if err != nil {
		return &FormatError{Path: name, Msg: "not a readable HDF5 file", Err: err}
	}
	end := hf.EndOfFile()
	if end >= 0 && size-end > maxTrailing {
		return Errorf(name, "the archive declares %d bytes but the HDF5 file inside ends at byte %d (its superblock says so): %d bytes of trailing data, as in a zip bomb; h5py writes none", size, end, size-end)
	}
	return nil
}

// readMember reads one archive member, refusing a declared size above limit
// and a member that inflates past its declared size.
func readMember(path string, f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, Errorf(path, "%s declares %d bytes, more than the %d kerago reads", f.Name, f.UncompressedSize64, limit)
	}
	if f.Method != zip.Store && f.Method != zip.Deflate {
		return nil, Errorf(path, "%s uses compression method %d; expected stored or deflated", f.Name, f.Method)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, &FormatError{Path: path, Msg: f.Name, Err: err}
	}
	defer rc.Close()
	n := int64(f.UncompressedSize64)
	b := make([]byte, 0, min(n, 1<<20))
	buf := bytes.NewBuffer(b)
	if _, err := io.Copy(buf, io.LimitReader(rc, n+1)); err != nil {
		return nil, &FormatError{Path: path, Msg: f.Name, Err: err}
	}
	if int64(buf.Len()) != n {
		return nil, Errorf(path, "%s holds %d bytes but declares %d", f.Name, buf.Len(), n)
	}
	return buf.Bytes(), nil
}

// applyArchiveConfig parses config.json (and metadata.json, if any) into m.
func (m *Model) applyArchiveConfig(cfgBytes, meta []byte) error {
	if meta != nil {
		var md struct {
			KerasVersion string `json:"keras_version"`
		}
		if err := json.Unmarshal(meta, &md); err != nil {
			return &FormatError{Path: m.Path, Msg: "metadata.json is not valid JSON", Err: err}
		}
		m.KerasVersion = md.KerasVersion
	}
	root, err := decodeJSON(m.Path+"/config.json", cfgBytes)
	if err != nil {
		return err
	}
	cfg, tc, err := parseConfigRoot(m.Path+"/config.json", root, m.KerasVersion)
	if err != nil {
		return err
	}
	m.Config, m.Training = cfg, tc
	return nil
}

// applyKeras3Weights reads a Keras 3 weights file held in r into m.
func (m *Model) applyKeras3Weights(path string, r io.ReaderAt, size, mem int64) error {
	hf, err := hdf5.NewFile(r, size)
	if err != nil {
		return &FormatError{Path: path, Msg: "not a readable HDF5 file", Err: err}
	}
	defer hf.Close()
	major := 3
	if m.Config != nil {
		major = m.Config.KerasMajor
	}
	w, opt, err := readKeras3Weights(path, hf.Root(), major, newBudget(size, mem))
	if err != nil {
		return err
	}
	m.Weights, m.Optimizer = w, opt
	return nil
}

// readKerasDir reads an unzipped .keras archive: a directory holding
// config.json, metadata.json and model.weights.h5.
func readKerasDir(dir string, mem int64) (*Model, error) {
	cfgBytes, err := readFileLimited(filepath.Join(dir, "config.json"), MaxConfigSize)
	if err != nil {
		return nil, &FormatError{Path: dir, Msg: "config.json", Err: err}
	}
	meta, err := readFileLimited(filepath.Join(dir, "metadata.json"), maxMetadata)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, &FormatError{Path: dir, Msg: "metadata.json", Err: err}
	}
	m := &Model{Path: dir, Format: FormatKeras}
	if err := m.applyArchiveConfig(cfgBytes, meta); err != nil {
		return nil, err
	}
	wp := filepath.Join(dir, "model.weights.h5")
	f, err := os.Open(wp)
	if err != nil {
		if _, e2 := os.Stat(filepath.Join(dir, "model.weights.npz")); e2 == nil {
			return nil, &FormatError{Path: dir, Msg: "weights are stored as model.weights.npz (pickled objects), which kerago does not read", Err: ErrUnsupported}
		}
		return nil, &FormatError{Path: dir, Msg: "model.weights.h5", Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := m.applyKeras3Weights(wp, f, st.Size(), mem); err != nil {
		return nil, err
	}
	return m, nil
}

// readKerasFile reads a .keras archive from disk.
func readKerasFile(path string, mem int64) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	m, err := readKerasArchive(path, f, st.Size(), mem)
	if err != nil {
		return nil, err
	}
	return m, nil
}
