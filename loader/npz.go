package loader

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/kerago/kerago/tensor"
)

// readNpzWeights reads an .npz of weights. Keys that are weight paths
// ("sequential/dense/kernel", "dense/kernel:0") are grouped by layer (the
// path component before the variable name) and matched by layer name;
// np.savez(*model.get_weights()) keys arr_0, arr_1, ... form one flat list.
func readNpzWeights(path string, mem int64) (*Weights, error) {
	m, order, err := tensor.ReadNpzFile(path, mem)
	if err != nil {
		return nil, &FormatError{Path: path, Msg: "reading .npz", Err: err}
	}
	return npzWeights(path, m, order)
}

func npzWeights(path string, m map[string]*tensor.Tensor, order []string) (*Weights, error) {
	positional := len(order) > 0
	pathLike := len(order) > 0
	for _, k := range order {
		if !isArrName(k) {
			positional = false
		}
		if !strings.Contains(k, "/") {
			pathLike = false
		}
	}
	switch {
	case positional:
		sorted := append([]string(nil), order...)
		sort.Slice(sorted, func(i, j int) bool {
			a, _ := strconv.Atoi(sorted[i][4:])
			b, _ := strconv.Atoi(sorted[j][4:])
			return a < b
		})
		for i, k := range sorted {
			if k != "arr_"+strconv.Itoa(i) {
				return nil, Errorf(path, "positional arrays arr_0..arr_%d have a gap at %d", len(sorted)-1, i)
			}
		}
		lw := LayerWeights{}
		for _, k := range sorted {
			lw.VarNames = append(lw.VarNames, k)
			lw.Arrays = append(lw.Arrays, m[k])
		}
		return &Weights{Layout: LayoutFlat, Path: path, Layers: []LayerWeights{lw}}, nil
	case pathLike:
		w := &Weights{Layout: LayoutNamed, Path: path}
		for _, k := range order {
			addNamed(w, k, m[k])
		}
		return w, nil
	}
	lw := LayerWeights{}
	for _, k := range order {
		lw.VarNames = append(lw.VarNames, k)
		lw.Arrays = append(lw.Arrays, m[k])
	}
	return &Weights{Layout: LayoutFlat, Path: path, Layers: []LayerWeights{lw}}, nil
}

func isArrName(k string) bool {
	if !strings.HasPrefix(k, "arr_") {
		return false
	}
	n, err := strconv.Atoi(k[4:])
	return err == nil && n >= 0 && strconv.Itoa(n) == k[4:]
}

// layerOfPath returns the layer a weight path belongs to: the component
// before the variable name ("model/dense_1/kernel" → "dense_1").
func layerOfPath(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) < 2 {
		return ""
	}
	return wrappedLayerOfPath(parts)
}

// addNamed appends a variable to the entry of its layer, creating entries
// in order of first appearance.
func addNamed(w *Weights, varPath string, t *tensor.Tensor) {
	layer := layerOfPath(varPath)
	// consecutive variables of one layer form its group; a name seen again
	// later (a nested model's prefix around other layers) starts a new
	// group, so that the groups keep the file's (get_weights) order
	if n := len(w.Layers); n > 0 && w.Layers[n-1].Name == layer {
		w.Layers[n-1].VarNames = append(w.Layers[n-1].VarNames, varPath)
		w.Layers[n-1].Arrays = append(w.Layers[n-1].Arrays, t)
		return
	}
	w.Layers = append(w.Layers, LayerWeights{Name: layer, VarNames: []string{varPath}, Arrays: []*tensor.Tensor{t}})
}

// manifestEntry is one variable of a kerago/keras-cases weights directory.
type manifestEntry struct {
	Index     int    `json:"index"`
	Path      string `json:"path"`
	Name      string `json:"name"`
	Shape     []int  `json:"shape"`
	DType     string `json:"dtype"`
	Trainable bool   `json:"trainable"`
	File      string `json:"file"`
}

// maxManifest bounds manifest.json.
const maxManifest = 16 << 20

// readNpyDir reads a directory of .npy files described by manifest.json: a
// list of {index, path, name, shape, dtype, trainable, file}, one per
// variable in model.weights order.
func readNpyDir(dir string, mem int64) (*Weights, error) {
	mp := filepath.Join(dir, "manifest.json")
	b, err := readFileLimited(mp, maxManifest)
	if err != nil {
		return nil, &FormatError{Path: mp, Msg: "reading manifest", Err: err}
	}
	var entries []manifestEntry
	if err := json.Unmarshal(b, &entries); err != nil {
		return nil, &FormatError{Path: mp, Msg: "manifest is not a JSON list of {index, path, name, shape, dtype, trainable, file}", Err: err}
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Index < entries[j].Index })
	w := &Weights{Layout: LayoutNamed, Path: dir}
	for i, e := range entries {
		if e.Index != i {
			return nil, Errorf(mp, "entry indices are not 0..%d (found %d at position %d)", len(entries)-1, e.Index, i)
		}
		if e.File == "" || e.File != filepath.Base(e.File) || e.File == "." || e.File == ".." || strings.ContainsAny(e.File, `/\`) {
			return nil, Errorf(mp, "entry %d: file %q must be a plain file name inside the directory", i, e.File)
		}
		if e.Path == "" {
			return nil, Errorf(mp, "entry %d has no path", i)
		}
		fp := filepath.Join(dir, e.File)
		t, err := tensor.LoadNpy(fp)
		if err != nil {
			return nil, &FormatError{Path: fp, Msg: fmt.Sprintf("variable %q", e.Path), Err: err}
		}
		if mem -= 4 * int64(t.Len()); mem < 0 {
			return nil, Errorf(fp, "variable %q (shape %v) brings the weights beyond the memory budget (raise it with --memory-budget or %s)", e.Path, t.Shape(), MemoryBudgetEnv)
		}
		if e.Shape != nil && !tensor.SameShape(t.Shape(), e.Shape) {
			return nil, Errorf(fp, "variable %q has shape %v, manifest says %v", e.Path, t.Shape(), e.Shape)
		}
		addNamed(w, e.Path, t)
	}
	return w, nil
}

// readFileLimited reads a whole file, refusing files above limit bytes.
func readFileLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("file is %d bytes, more than the %d kerago reads", st.Size(), limit)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("file is more than the %d bytes kerago reads", limit)
	}
	return b, nil
}
