package loader

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kerago/kerago/internal/hdf5"
	"github.com/kerago/kerago/tensor"
)

// h5Attr reads a string attribute; ok is false when it is absent.
func h5Attr(g *hdf5.Group, name string) (string, bool, error) {
	a, err := g.Attr(name)
	if errors.Is(err, hdf5.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	s, err := a.Strings()
	if err != nil {
		return "", false, err
	}
	if len(s) != 1 {
		return "", false, fmt.Errorf("attribute %q holds %d strings, expected one", name, len(s))
	}
	return s[0], true, nil
}

// h5StringList reads a list-of-strings attribute, following Keras's split
// form (name0, name1, ... when one attribute would exceed the HDF5 object
// header limit). ok is false when neither form is present.
func h5StringList(g *hdf5.Group, name string) ([]string, bool, error) {
	a, err := g.Attr(name)
	if err == nil {
		s, err := a.Strings()
		if err != nil {
			return nil, true, err
		}
		return s, true, nil
	}
	if !errors.Is(err, hdf5.ErrNotFound) {
		return nil, false, err
	}
	var out []string
	found := false
	for i := 0; ; i++ {
		a, err := g.Attr(name + strconv.Itoa(i))
		if errors.Is(err, hdf5.ErrNotFound) {
			break
		}
		if err != nil {
			return nil, true, err
		}
		s, err := a.Strings()
		if err != nil {
			return nil, true, err
		}
		out = append(out, s...)
		found = true
	}
	return out, found, nil
}

// readBudget counts the bytes of weight values still allowed for one file:
// at most the memory budget, and at most 256 times the file's size plus 64
// MiB, so that HDF5 hard links repeating one dataset cannot amplify a small
// file into a large allocation.
type readBudget struct{ left, limit int64 }

func newBudget(fileSize, mem int64) *readBudget {
	n := min(mem, 256*max(fileSize, 0)+64<<20)
	return &readBudget{left: n, limit: n}
}

// datasetTensor reads a dataset as a float32 tensor after checking its size
// against MaxElements and the file's budget.
func datasetTensor(ds *hdf5.Dataset, b *readBudget) (*tensor.Tensor, error) {
	shape := ds.Shape()
	if shape == nil {
		return nil, fmt.Errorf("dataset %s has no dataspace (null), expected an array", ds.Path())
	}
	n, err := tensor.NumElements(shape)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %v", ds.Path(), err)
	}
	if int64(n)*4 > b.left {
		return nil, fmt.Errorf("dataset %s of shape %v (%s) exceeds what kerago reads from this file: %s of weights in all (the smaller of the memory budget, which --memory-budget or %s raise, and 256 times the file size plus 64 MiB)", ds.Path(), shape, FormatSize(int64(n)*4), FormatSize(b.limit), MemoryBudgetEnv)
	}
	b.left -= int64(n) * 4
	if a, err := ds.Attr("dtype"); err == nil {
		if s, err := a.String(); err == nil && s == "bfloat16" {
			return nil, fmt.Errorf("dataset %s holds bfloat16 values, which kerago does not read: %w", ds.Path(), ErrUnsupported)
		}
	}
	switch ds.DType() {
	case hdf5.Unknown, hdf5.String:
		return nil, fmt.Errorf("dataset %s has element type %s, expected numbers", ds.Path(), ds.DType())
	}
	data, err := ds.ReadFloat32()
	if err != nil {
		return nil, err
	}
	return tensor.FromSlice(data, shape...)
}

// readLegacyWeights reads the legacy layout (§1.3/§1.4): attr layer_names on
// g, one group per layer with attr weight_names, datasets at the weight
// names' paths.
func readLegacyWeights(path string, g *hdf5.Group, b *readBudget) (*Weights, error) {
	names, ok, err := h5StringList(g, "layer_names")
	if err != nil {
		return nil, &FormatError{Path: path, Msg: fmt.Sprintf("%s: reading layer_names", g.Path()), Err: err}
	}
	if !ok {
		return nil, Errorf(path, "%s has no layer_names attribute; not a Keras legacy weights group", g.Path())
	}
	w := &Weights{Layout: LayoutLegacy, Path: path}
	for _, ln := range names {
		lg, err := g.Group(ln)
		if err != nil {
			return nil, &FormatError{Path: path, Msg: fmt.Sprintf("layer %q is listed in layer_names but its group is missing", ln), Err: err}
		}
		wn, _, err := h5StringList(lg, "weight_names")
		if err != nil {
			return nil, &FormatError{Path: path, Msg: fmt.Sprintf("layer %q: reading weight_names", ln), Err: err}
		}
		lw := LayerWeights{Name: ln, VarNames: wn}
		for _, vn := range wn {
			ds, err := lg.Dataset(vn)
			if err != nil {
				return nil, &FormatError{Path: path, Msg: fmt.Sprintf("layer %q: weight %q", ln, vn), Err: err}
			}
			t, err := datasetTensor(ds, b)
			if err != nil {
				return nil, &FormatError{Path: path, Msg: fmt.Sprintf("layer %q: weight %q", ln, vn), Err: err}
			}
			lw.Arrays = append(lw.Arrays, t)
		}
		w.Layers = append(w.Layers, lw)
	}
	return w, nil
}

// readLegacyOptimizer reads the optimizer_weights group (attr weight_names,
// datasets by name) in file order.
func readLegacyOptimizer(path string, g *hdf5.Group, layout string, b *readBudget) (*OptimizerState, error) {
	names, _, err := h5StringList(g, "weight_names")
	if err != nil {
		return nil, &FormatError{Path: path, Msg: "optimizer_weights: reading weight_names", Err: err}
	}
	st := &OptimizerState{Layout: layout}
	for _, n := range names {
		ds, err := g.Dataset(n)
		if err != nil {
			return nil, &FormatError{Path: path, Msg: fmt.Sprintf("optimizer weight %q", n), Err: err}
		}
		t, err := datasetTensor(ds, b)
		if err != nil {
			return nil, &FormatError{Path: path, Msg: fmt.Sprintf("optimizer weight %q", n), Err: err}
		}
		st.Names = append(st.Names, n)
		st.Arrays = append(st.Arrays, t)
	}
	return st, nil
}

// legacyOptimizerLayout decides the variable order of a legacy .h5
// optimizer_weights group (spec §1.3) from the file's Keras version and raw
// training_config.
func legacyOptimizerLayout(version string, rawTraining map[string]any) string {
	if strings.HasPrefix(version, "3.") {
		return "keras3"
	}
	oc, _ := rawTraining["optimizer_config"].(map[string]any)
	cls, _ := oc["class_name"].(string)
	cfg, _ := oc["config"].(map[string]any)
	if strings.HasPrefix(cls, "Custom>") {
		return "tf.keras"
	}
	if v, ok := cfg["is_legacy_optimizer"].(bool); ok && !v {
		return "tf.keras"
	}
	return "legacy"
}

// readKeras3Weights reads the Keras 3 layout: layers/<auto-name>/vars/<i>
// (and the tf.keras 2.12–2.14 _layer_checkpoint_dependencies alias), plus
// optimizer/vars/<i>.
func readKeras3Weights(path string, root *hdf5.Group, kerasMajor int, b *readBudget) (*Weights, *OptimizerState, error) {
	w := &Weights{Layout: LayoutKeras3, Path: path}
	byName := map[string]int{}
	for _, container := range []string{"_layer_checkpoint_dependencies", "layers"} {
		k, err := root.Kind(container)
		if errors.Is(err, hdf5.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, &FormatError{Path: path, Msg: container, Err: err}
		}
		if k != hdf5.KindGroup {
			return nil, nil, Errorf(path, "/%s is a %s, expected a group", container, k)
		}
		cg, err := root.Group(container)
		if err != nil {
			return nil, nil, &FormatError{Path: path, Msg: container, Err: err}
		}
		members, err := cg.Members()
		if err != nil {
			return nil, nil, &FormatError{Path: path, Msg: container, Err: err}
		}
		for _, m := range members {
			lw, err := readLayerTree(path, cg, m, b, 0)
			if err != nil {
				return nil, nil, err
			}
			if lw == nil {
				continue
			}
			lw.Name = m
			lw.ClassHint = classHint(m)
			if i, dup := byName[m]; dup {
				// keep the entry that holds variables
				if len(w.Layers[i].Arrays) == 0 {
					w.Layers[i] = *lw
				}
				continue
			}
			byName[m] = len(w.Layers)
			w.Layers = append(w.Layers, *lw)
		}
	}
	var opt *OptimizerState
	og, err := optionalGroup(path, root, "optimizer", "the optimizer state")
	if err != nil {
		return nil, nil, err
	}
	if og != nil {
		lw, err := readVarsGroup(path, og, "", b)
		if err != nil {
			return nil, nil, err
		}
		if lw != nil && len(lw.Arrays) > 0 {
			layout := "keras3"
			if kerasMajor == 2 {
				layout = "tf.keras"
			}
			opt = &OptimizerState{Layout: layout, Names: lw.VarNames, Arrays: lw.Arrays}
		}
	}
	return w, opt, nil
}

// readLayerTree reads a Keras 3 layer group: its vars and, recursively, the
// groups below it (nested models' "layers", RNN "cell", ...).
func readLayerTree(path string, parent *hdf5.Group, name string, b *readBudget, depth int) (*LayerWeights, error) {
	lw, err := readVarsGroup(path, parent, name, b)
	if err != nil || lw == nil {
		return lw, err
	}
	if depth > 32 {
		return nil, Errorf(path, "%s/%s: groups nested more than 32 deep", parent.Path(), name)
	}
	g, err := parent.Group(name)
	if err != nil {
		return nil, &FormatError{Path: path, Msg: parent.Path() + "/" + name, Err: err}
	}
	members, err := g.Members()
	if err != nil {
		return nil, &FormatError{Path: path, Msg: g.Path(), Err: err}
	}
	for _, m := range members {
		if m == "vars" {
			continue
		}
		sub, err := readLayerTree(path, g, m, b, depth+1)
		if err != nil {
			return nil, err
		}
		if sub == nil {
			continue
		}
		if lw.Sub == nil {
			lw.Sub = map[string]*LayerWeights{}
		}
		lw.Sub[m] = sub
	}
	return lw, nil
}

// readVarsGroup reads <parent>/<name>/vars/0..n-1 (name "" means parent
// itself). A layer group without a vars group gives empty LayerWeights.
func readVarsGroup(path string, parent *hdf5.Group, name string, b *readBudget) (*LayerWeights, error) {
	g := parent
	if name != "" {
		k, err := parent.Kind(name)
		if err != nil {
			return nil, &FormatError{Path: path, Msg: parent.Path() + "/" + name, Err: err}
		}
		if k != hdf5.KindGroup {
			// Keras writes only groups here: anything else is damage, and
			// skipping it would leave a layer without its weights.
			return nil, Errorf(path, "%s/%s is not a group (found: %s); the file is damaged", parent.Path(), name, k)
		}
		if g, err = parent.Group(name); err != nil {
			return nil, &FormatError{Path: path, Msg: parent.Path() + "/" + name, Err: err}
		}
	}
	k, err := g.Kind("vars")
	if errors.Is(err, hdf5.ErrNotFound) {
		return &LayerWeights{}, nil
	}
	if err != nil {
		return nil, &FormatError{Path: path, Msg: g.Path() + "/vars", Err: err}
	}
	if k != hdf5.KindGroup {
		return nil, Errorf(path, "%s/vars is a %s, expected a group", g.Path(), k)
	}
	vg, err := g.Group("vars")
	if err != nil {
		return nil, &FormatError{Path: path, Msg: g.Path() + "/vars", Err: err}
	}
	lw := &LayerWeights{}
	if s, ok, err := h5Attr(vg, "name"); err != nil {
		return nil, &FormatError{Path: path, Msg: vg.Path() + ": reading the name attribute", Err: err}
	} else if ok {
		lw.SavedName = s
	}
	members, err := vg.Members()
	if err != nil {
		return nil, &FormatError{Path: path, Msg: vg.Path(), Err: err}
	}
	idx := make(map[int]string, len(members))
	for _, m := range members {
		i, err := strconv.Atoi(m)
		if err != nil || i < 0 || strconv.Itoa(i) != m {
			return nil, Errorf(path, "%s/%s: variable names must be 0, 1, 2, ...", vg.Path(), m)
		}
		idx[i] = m
	}
	for i := range len(members) {
		m, ok := idx[i]
		if !ok {
			return nil, Errorf(path, "%s: variables are not numbered 0..%d (missing %d)", vg.Path(), len(members)-1, i)
		}
		ds, err := vg.Dataset(m)
		if err != nil {
			return nil, &FormatError{Path: path, Msg: vg.Path() + "/" + m, Err: err}
		}
		t, err := datasetTensor(ds, b)
		if err != nil {
			return nil, &FormatError{Path: path, Msg: vg.Path() + "/" + m, Err: err}
		}
		lw.VarNames = append(lw.VarNames, m)
		lw.Arrays = append(lw.Arrays, t)
	}
	return lw, nil
}

// classHint strips the uniquifying "_<n>" suffix of a Keras 3 group name.
func classHint(name string) string {
	i := strings.LastIndexByte(name, '_')
	if i <= 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err == nil {
		return name[:i]
	}
	return name
}

// h5Kind classifies an open HDF5 file as a legacy full model, legacy
// weights, or Keras 3 weights.
func h5Kind(root *hdf5.Group) (Format, error) {
	if _, err := root.Attr("model_config"); err == nil {
		return FormatH5, nil
	} else if !errors.Is(err, hdf5.ErrNotFound) {
		return "", err
	}
	if _, ok, err := h5StringList(root, "layer_names"); err != nil {
		return "", err
	} else if ok {
		return FormatLegacyH5W, nil
	}
	if k, err := root.Kind("model_weights"); err == nil && k == hdf5.KindGroup {
		return FormatLegacyH5W, nil
	} else if err != nil && !errors.Is(err, hdf5.ErrNotFound) {
		return "", fmt.Errorf("/model_weights cannot be read; the file is damaged: %w", err)
	}
	for _, n := range []string{"layers", "_layer_checkpoint_dependencies", "vars", "optimizer"} {
		if k, err := root.Kind(n); err == nil && k == hdf5.KindGroup {
			return FormatWeightsH5, nil
		} else if err != nil && !errors.Is(err, hdf5.ErrNotFound) {
			return "", fmt.Errorf("/%s cannot be read; the file is damaged: %w", n, err)
		}
	}
	return "", errors.New("HDF5 file has no model_config or layer_names attribute and no layers/vars groups; it is not a Keras model or weights file")
}
