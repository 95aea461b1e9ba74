package loader

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"github.com/kerago/kerago/internal/atomicfile"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FormatFromPath picks the format Save writes from path's extension
// (case-insensitive): ".keras" → FormatKeras, ".weights.h5" →
// FormatWeightsH5, ".h5"/".hdf5" → FormatH5, ".json" → FormatJSON,
// ".yaml"/".yml" → FormatYAML, ".npz" → FormatNPZ; a path ending in "/",
// an existing directory or a name without extension → FormatNPYDir.
func FormatFromPath(path string) (Format, error) {
	if path == "" {
		return "", errors.New("loader: empty path")
	}
	if strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator)) {
		return FormatNPYDir, nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return FormatNPYDir, nil
	}
	base := strings.ToLower(filepath.Base(path))
	switch {
	case strings.HasSuffix(base, ".keras"):
		return FormatKeras, nil
	case strings.HasSuffix(base, ".weights.h5"):
		return FormatWeightsH5, nil
	case strings.HasSuffix(base, ".h5"), strings.HasSuffix(base, ".hdf5"):
		return FormatH5, nil
	case strings.HasSuffix(base, ".json"):
		return FormatJSON, nil
	case strings.HasSuffix(base, ".yaml"), strings.HasSuffix(base, ".yml"):
		return FormatYAML, nil
	case strings.HasSuffix(base, ".npz"):
		return FormatNPZ, nil
	case filepath.Ext(base) == "":
		return FormatNPYDir, nil
	}
	return "", fmt.Errorf("loader: %s: cannot tell the format from the extension %q (want .keras, .weights.h5, .h5, .hdf5, .json, .yaml, .yml, .npz or a directory)", path, filepath.Ext(path))
}

// Save writes m to path in format f, as Keras 3.15.1 writes that format
// (see KerasVersion):
//
//   - FormatKeras: the .keras zip (metadata.json, config.json,
//     model.weights.h5), with compile config and optimizer state when m
//     has them, so training continues in Python;
//   - FormatWeightsH5: Keras 3 save_weights (model.weights.h5 layout);
//   - FormatH5: a legacy full-model HDF5 (model_config, training_config,
//     model_weights, optimizer_weights);
//   - FormatLegacyH5W: a legacy save_weights HDF5;
//   - FormatJSON / FormatYAML: the to_json() config (YAML: the same tree
//     plus keras_version and backend, keys sorted as PyYAML writes them);
//   - FormatNPZ: np.savez of the weights keyed by variable path;
//   - FormatNPYDir: a directory with one NN_<path>.npy per variable and
//     manifest.json.
//
// m.Config is required; weight formats also need m.Weights (aligned with
// the config layers, or as read by Load). The write is atomic: the content
// goes to a temporary file (or directory) next to path, is synced, and is
// renamed over path; on any error the previous file at path is left intact
// and no temporary file remains. Saving over the file m was loaded from
// works. An existing directory is only replaced by FormatNPYDir, and only
// when it holds nothing but .npy files and manifest.json.
func Save(path string, m *Model, f Format) error {
	return save(path, m, f, saveHooks{})
}

// saveHooks are test seams; the zero value is production behaviour.
type saveHooks struct {
	wrap func(io.Writer) io.Writer // wraps every file being written
	fail func(step string) error   // called before create, sync, close, rename steps
	now  func() time.Time
	// noSync skips fsync, for tests that save hundreds of files and check
	// content only (durability is covered by the tests that use Save).
	noSync bool
}

func (h saveHooks) step(s string) error {
	if h.fail != nil {
		return h.fail(s)
	}
	return nil
}

func (h saveHooks) time() time.Time {
	if h.now != nil {
		return h.now()
	}
	return time.Now()
}

// outFile is one file of the output: name is "" for single-file formats.
type outFile struct {
	name string
	data []byte
}

func save(path string, m *Model, f Format, h saveHooks) error {
	if path == "" {
		return errors.New("loader: Save: empty path")
	}
	files, err := encodeModel(m, f, h.time())
	if err != nil {
		return fmt.Errorf("loader: saving %s as %s: %w", path, f, err)
	}
	target := path
	if st, err := os.Lstat(strings.TrimRight(path, "/")); err == nil && st.Mode()&os.ModeSymlink != 0 {
		if t, err := filepath.EvalSymlinks(strings.TrimRight(path, "/")); err == nil {
			target = t
		}
	}
	if f == FormatNPYDir {
		err = commitDir(strings.TrimRight(target, "/"), files, h)
	} else {
		err = commitFile(target, files[0].data, h)
	}
	if err != nil {
		return fmt.Errorf("loader: saving %s: %w", path, err)
	}
	return nil
}

// encodeModel serializes m in format f.
func encodeModel(m *Model, f Format, now time.Time) ([]outFile, error) {
	if m == nil || m.Config == nil {
		return nil, errors.New("the model has no config (a weights-only model cannot be saved by itself)")
	}
	p, err := planModel(m)
	if err != nil {
		return nil, err
	}
	one := func(b []byte, err error) ([]outFile, error) {
		if err != nil {
			return nil, err
		}
		return []outFile{{data: b}}, nil
	}
	switch f {
	case FormatJSON:
		return one(MarshalConfigJSON(m))
	case FormatYAML:
		return one(marshalConfigYAML(m))
	case FormatKeras, FormatWeightsH5, FormatH5, FormatLegacyH5W, FormatNPZ, FormatNPYDir:
	case FormatNPY:
		return nil, errors.New("a single .npy holds one array; save a model as .keras, .h5, .weights.h5, .npz or a directory")
	default:
		return nil, fmt.Errorf("unknown format %q", f)
	}
	vars, err := planWeights(m, p)
	if err != nil {
		return nil, err
	}
	backend := saveBackend(m)
	var op *optPlan
	if f == FormatKeras || f == FormatWeightsH5 || f == FormatH5 {
		var paths []string
		for _, lv := range orderedVars(p, vars) {
			for _, v := range lv {
				if v.trainable {
					paths = append(paths, v.path)
				}
			}
		}
		if op, err = planOptimizer(m, paths); err != nil {
			return nil, err
		}
	}
	switch f {
	case FormatKeras:
		return one(kerasArchive(m, p, vars, op, now))
	case FormatWeightsH5:
		return one(keras3WeightsH5(p, vars, op, backend))
	case FormatH5:
		return one(legacyH5(m, p, vars, op, false))
	case FormatLegacyH5W:
		return one(legacyH5(m, p, vars, nil, true))
	case FormatNPZ:
		return one(npzBytes(orderedVars(p, vars), backend))
	}
	return npyDirFiles(orderedVars(p, vars), backend)
}

// kerasArchive builds the .keras zip as saving_lib writes it: stored
// members metadata.json, config.json, model.weights.h5 (Unix, mode 0600;
// the JSON members dated 1980-01-01, the weights dated now), no data
// descriptors.
func kerasArchive(m *Model, p *modelPlan, vars [][]savedVar, op *optPlan, now time.Time) ([]byte, error) {
	meta := newObj().set("keras_version", KerasVersion).set("date_saved", now.Format("2006-01-02@15:04:05"))
	metaJS, err := marshalPy(meta, -1)
	if err != nil {
		return nil, err
	}
	cfg, err := buildModelTree(m, modeArchive)
	if err != nil {
		return nil, err
	}
	cfgJS, err := marshalPy(cfg, -1)
	if err != nil {
		return nil, err
	}
	h5, err := keras3WeightsH5(p, vars, op, saveBackend(m))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	epoch := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, mem := range []struct {
		name string
		data []byte
		t    time.Time
	}{{"metadata.json", metaJS, epoch}, {"config.json", cfgJS, epoch}, {"model.weights.h5", h5, now}} {
		if err := storeMember(zw, mem.name, mem.data, mem.t); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// storeMember adds an uncompressed member with Python zipfile's header
// fields (version 2.0 made by Unix, external attributes 0600).
func storeMember(zw *zip.Writer, name string, data []byte, t time.Time) error {
	d, tm := msDosTime(t)
	fh := &zip.FileHeader{
		Name:               name,
		Method:             zip.Store,
		CreatorVersion:     3<<8 | 20,
		ReaderVersion:      20,
		ModifiedDate:       d,
		ModifiedTime:       tm,
		CRC32:              crc32.ChecksumIEEE(data),
		CompressedSize64:   uint64(len(data)),
		UncompressedSize64: uint64(len(data)),
		ExternalAttrs:      0o600 << 16,
	}
	w, err := zw.CreateRaw(fh)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// msDosTime encodes t's wall clock (as Python's time.localtime gives it) in
// MS-DOS date and time fields; years before 1980 become 1980-01-01.
func msDosTime(t time.Time) (date, tm uint16) {
	if t.Year() < 1980 {
		return 1<<5 | 1, 0
	}
	date = uint16((t.Year()-1980)<<9 | int(t.Month())<<5 | t.Day())
	tm = uint16(t.Hour()<<11 | t.Minute()<<5 | t.Second()/2)
	return date, tm
}

// commitFile writes data to a temporary file in path's directory, syncs
// it and renames it over path.
func commitFile(path string, data []byte, h saveHooks) (err error) {
	dir := filepath.Dir(path)
	perm := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		if st.IsDir() {
			return fmt.Errorf("%s is a directory", path)
		}
		if !st.Mode().IsRegular() {
			// /dev/null, a pipe: write in place, never rename over a device
			return atomicfile.WriteBytes(path, data)
		}
		perm = st.Mode().Perm()
	}
	tmp, err := writeTemp(dir, "."+filepath.Base(path)+".tmp-*", data, perm, h)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err = h.step("rename"); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// writeTemp creates a temporary file matching pattern in dir holding data
// (written through the test wrapper), synced and closed. On error nothing
// is left behind.
func writeTemp(dir, pattern string, data []byte, perm os.FileMode, h saveHooks) (name string, err error) {
	if err = h.step("create"); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	tmp := f.Name()
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				f.Close()
			}
			os.Remove(tmp) // not name: a failing return sets name to ""
		}
	}()
	var w io.Writer = f
	if h.wrap != nil {
		w = h.wrap(f)
	}
	for rest := data; len(rest) > 0; {
		chunk := rest[:min(len(rest), 1<<20)]
		n, werr := w.Write(chunk)
		if werr != nil {
			return "", werr
		}
		if n != len(chunk) {
			return "", io.ErrShortWrite
		}
		rest = rest[n:]
	}
	if err = f.Chmod(perm); err != nil {
		return "", err
	}
	if err = h.step("sync"); err != nil {
		return "", err
	}
	if !h.noSync {
		if err = f.Sync(); err != nil {
			return "", err
		}
	}
	if err = h.step("close"); err != nil {
		return "", err
	}
	closed = true
	if err = f.Close(); err != nil {
		return "", err
	}
	return tmp, nil
}

// syncDir makes a rename durable; failures are ignored (some filesystems
// cannot sync directories, and the rename has happened).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// commitDir writes files into a temporary directory next to path and
// swaps it in: an existing directory at path (only one holding .npy files
// and manifest.json) is moved aside, the new one renamed into place, and
// the old one removed; if the swap fails the old one is moved back.
func commitDir(path string, files []outFile, h saveHooks) (err error) {
	parent := filepath.Dir(path)
	base := filepath.Base(path)
	old, statErr := os.Lstat(path)
	if statErr == nil {
		if !old.IsDir() {
			return fmt.Errorf("%s exists and is not a directory", path)
		}
		entries, err := os.ReadDir(path)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.IsDir() || (e.Name() != "manifest.json" && !strings.HasSuffix(e.Name(), ".npy")) {
				return fmt.Errorf("%s holds %q, which is not a kerago weights file; refusing to replace the directory", path, e.Name())
			}
		}
	}
	if err = h.step("mkdir"); err != nil {
		return err
	}
	tmpDir, err := os.MkdirTemp(parent, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmpDir)
		}
	}()
	if err = os.Chmod(tmpDir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		tmp, err := writeTemp(tmpDir, "."+f.name+".tmp-*", f.data, 0o644, h)
		if err != nil {
			return err
		}
		if err := os.Rename(tmp, filepath.Join(tmpDir, f.name)); err != nil {
			return err
		}
	}
	syncDir(tmpDir)
	if err = h.step("rename"); err != nil {
		return err
	}
	if statErr != nil {
		if err = os.Rename(tmpDir, path); err != nil {
			return err
		}
		syncDir(parent)
		return nil
	}
	aside, err := os.MkdirTemp(parent, "."+base+".old-*")
	if err != nil {
		return err
	}
	if err = os.Remove(aside); err != nil {
		return err
	}
	if err = os.Rename(path, aside); err != nil {
		return err
	}
	if err = h.step("swap"); err == nil {
		err = os.Rename(tmpDir, path)
	}
	if err != nil {
		if rerr := os.Rename(aside, path); rerr != nil {
			return fmt.Errorf("%w; and moving the previous directory back from %s failed: %v", err, aside, rerr)
		}
		return err
	}
	syncDir(parent)
	os.RemoveAll(aside)
	return nil
}
