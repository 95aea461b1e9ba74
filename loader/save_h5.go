package loader

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/kerago/kerago/internal/hdf5"
)

// intDType is the dtype Keras's "int" variables have on a backend.
func intDType(backend string) hdf5.DType {
	if backend == "tensorflow" {
		return hdf5.Int64
	}
	return hdf5.Int32
}

// createVarDataset stores one variable at path under g: float32, or the
// backend's int type for counters.
func createVarDataset(g *hdf5.WGroup, path string, v savedVar, backend string) error {
	shape := v.arr.Shape()
	data := v.arr.Data()
	if !v.isInt {
		g.CreateDataset(path, hdf5.Float32, shape, data)
		return nil
	}
	dt := intDType(backend)
	if dt == hdf5.Int64 {
		out := make([]int64, len(data))
		for i, x := range data {
			if math.IsNaN(float64(x)) || math.Abs(float64(x)) > 1<<62 {
				return fmt.Errorf("variable %q: value %v is not an integer", v.path, x)
			}
			out[i] = int64(math.Round(float64(x)))
		}
		g.CreateDataset(path, dt, shape, out)
		return nil
	}
	out := make([]int32, len(data))
	for i, x := range data {
		if math.IsNaN(float64(x)) || math.Abs(float64(x)) > math.MaxInt32 {
			return fmt.Errorf("variable %q: value %v does not fit an int32", v.path, x)
		}
		out[i] = int32(math.Round(float64(x)))
	}
	g.CreateDataset(path, dt, shape, out)
	return nil
}

// keras3GroupNames uniquifies snake_case class names in order, as
// saving_lib._save_container_state names a list's children.
func keras3GroupNames(classes []string) []string {
	used := map[string]int{}
	out := make([]string, len(classes))
	for i, c := range classes {
		n := SnakeCase(c)
		if k, ok := used[n]; ok {
			used[n] = k + 1
			n = n + "_" + strconv.Itoa(k+1)
		} else {
			used[n] = 0
		}
		out[i] = n
	}
	return out
}

// keras3WeightsH5 builds model.weights.h5 in Keras 3.15.1's layout:
// /vars (name = model name), /layers/<auto-name>/vars/<i> (name = layer
// name; weightless layers get an empty vars group; a Functional model's
// InputLayer is the first child), /optimizer/vars/<i> (name = optimizer
// name) when compiled.
func keras3WeightsH5(p *modelPlan, vars [][]savedVar, op *optPlan, backend string) ([]byte, error) {
	w := hdf5.NewWriter()
	root := w.Root()
	root.CreateGroup("vars").SetAttrString("name", p.name)
	if err := keras3LayerGroups(root, "layers/", p, vars, backend); err != nil {
		return nil, err
	}
	if op != nil {
		vg := root.CreateGroup("optimizer/vars")
		vg.SetAttrString("name", op.name)
		for j, v := range op.vars {
			if err := createVarDataset(vg, strconv.Itoa(j), v, backend); err != nil {
				return nil, err
			}
		}
	}
	return w.Bytes()
}

// legacyWeightsGroup writes the legacy model_weights layout into g
// (save_weights_to_hdf5_group): attrs layer_names, backend, keras_version;
// one group per layer in name order with attr weight_names and datasets at
// the weight paths; top_level_model_weights.
func legacyWeightsGroup(g *hdf5.WGroup, p *modelPlan, vars [][]savedVar, backend string) error {
	type entry struct {
		name string
		vars []savedVar
	}
	var layers []entry
	for _, i := range p.containerOrder() {
		if i < 0 {
			layers = append(layers, entry{p.inputs[-1-i].Name, nil})
			continue
		}
		l := p.layers[i]
		if strings.Contains(l.Name, "/") {
			return fmt.Errorf("layer name %q contains \"/\", which an HDF5 group name cannot", l.Name)
		}
		vs := vars[i]
		if p.subs[i] != nil {
			vs = legacyOrder(vs)
		}
		layers = append(layers, entry{l.Name, vs})
	}
	names := make([]string, len(layers))
	for i, e := range layers {
		names[i] = e.name
	}
	setStringList(g, "layer_names", names)
	g.SetAttrASCII("backend", backend)
	g.SetAttrASCII("keras_version", KerasVersion)
	sorted := append([]entry(nil), layers...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for _, e := range sorted {
		lg := g.CreateGroup(e.name)
		wn := make([]string, len(e.vars))
		for i, v := range e.vars {
			wn[i] = v.path
		}
		setStringList(lg, "weight_names", wn)
		for _, v := range e.vars {
			if err := createVarDataset(lg, v.path, v, backend); err != nil {
				return err
			}
		}
	}
	setStringList(g.CreateGroup("top_level_model_weights"), "weight_names", nil)
	return nil
}

// hdf5ObjectHeaderLimit is Keras's HDF5_OBJECT_HEADER_LIMIT: a list
// attribute whose numpy array (8 bytes per string object) exceeds it is
// split into name0, name1, ...
const hdf5ObjectHeaderLimit = 64512

// setStringList stores a list of names as Keras does through h5py: an
// array of variable-length strings, or an empty float64 array for an empty
// list (np.asarray([])), split into numbered attributes when long.
func setStringList(g *hdf5.WGroup, name string, values []string) {
	if len(values) == 0 {
		g.SetAttrFloat64s(name, nil)
		return
	}
	chunks := 1
	for 8*((len(values)+chunks-1)/chunks) > hdf5ObjectHeaderLimit {
		chunks++
	}
	if chunks == 1 {
		g.SetAttrStrings(name, values, hdf5.VarASCII)
		return
	}
	// np.array_split: the first len%chunks parts get one extra element
	base, extra := len(values)/chunks, len(values)%chunks
	at := 0
	for k := 0; k < chunks; k++ {
		n := base
		if k < extra {
			n++
		}
		g.SetAttrStrings(name+strconv.Itoa(k), values[at:at+n], hdf5.VarASCII)
		at += n
	}
}

// legacyH5 builds a legacy full-model .h5 (Keras 3's legacy_h5_format):
// root attrs keras_version, backend, model_config, training_config (when
// compiled); model_weights; optimizer_weights (when compiled). With
// weightsOnly, the model_weights layout is written at the root (legacy
// save_weights).
func legacyH5(m *Model, p *modelPlan, vars [][]savedVar, op *optPlan, weightsOnly bool) ([]byte, error) {
	backend := saveBackend(m)
	w := hdf5.NewWriter()
	root := w.Root()
	if weightsOnly {
		if err := legacyWeightsGroup(root, p, vars, backend); err != nil {
			return nil, err
		}
		return w.Bytes()
	}
	root.SetAttrString("keras_version", KerasVersion)
	root.SetAttrString("backend", backend)
	mc, err := buildModelTree(m, modeLegacy)
	if err != nil {
		return nil, err
	}
	js, err := marshalPy(mc, -1)
	if err != nil {
		return nil, err
	}
	root.SetAttrASCII("model_config", string(js))
	if m.Training != nil {
		tc, err := legacyTrainingConfigTree(m)
		if err != nil {
			return nil, fmt.Errorf("training config: %w", err)
		}
		js, err := marshalPy(tc, -1)
		if err != nil {
			return nil, err
		}
		root.SetAttrASCII("training_config", string(js))
	}
	if err := legacyWeightsGroup(root.CreateGroup("model_weights"), p, vars, backend); err != nil {
		return nil, err
	}
	if op != nil && len(op.vars) > 0 {
		og := root.CreateGroup("optimizer_weights")
		wn := make([]string, len(op.vars))
		for i, v := range op.vars {
			wn[i] = v.path
		}
		setStringList(og, "weight_names", wn)
		for _, v := range op.vars {
			if err := createVarDataset(og, v.path, v, backend); err != nil {
				return nil, err
			}
		}
	}
	return w.Bytes()
}

// containerOrder lists the model's children as its layers list has them
// (Keras's model.layers): a Functional model's operations, InputLayers
// included (-1-k for input k); a Sequential's layers.
func (p *modelPlan) containerOrder() []int {
	if p.functional {
		return p.order
	}
	return p.weightOrder()
}

// keras3LayerGroups writes the model's children under prefix in the
// model.weights.h5 layout: <prefix><auto-name>/vars/<i> with attribute
// name = the layer name (empty vars groups for layers without variables and
// for a Functional's InputLayers); a nested model gets its own (empty)
// vars group named after it and its layers below <auto-name>/layers/.
func keras3LayerGroups(g *hdf5.WGroup, prefix string, p *modelPlan, vars [][]savedVar, backend string) error {
	order := p.containerOrder()
	classes := make([]string, len(order))
	for k, i := range order {
		switch {
		case i < 0:
			classes[k] = "InputLayer"
		case p.subs[i] != nil && p.subs[i].functional:
			classes[k] = "Functional"
		case p.subs[i] != nil:
			classes[k] = "Sequential"
		default:
			classes[k] = p.layers[i].ClassName
		}
	}
	for k, gname := range keras3GroupNames(classes) {
		i := order[k]
		vg := g.CreateGroup(prefix + gname + "/vars")
		if i < 0 {
			vg.SetAttrString("name", p.inputs[-1-i].Name)
			continue
		}
		if sub := p.subs[i]; sub != nil {
			vg.SetAttrString("name", p.layers[i].Name)
			parts, err := splitNested(sub, vars[i])
			if err != nil {
				return err
			}
			if err := keras3LayerGroups(g, prefix+gname+"/layers/", sub, parts, backend); err != nil {
				return err
			}
			continue
		}
		vg.SetAttrString("name", p.layers[i].Name)
		// Keras 3 keeps the variables of RNNs and wrappers in sub-objects
		// (cell/vars, forward_layer/cell/vars, layer/vars)
		for _, sg := range keras3VarGroups(classes[k], len(vars[i])) {
			sv := vg
			if sg.path != "vars" {
				sv = g.CreateGroup(prefix + gname + "/" + sg.path)
				sv.SetAttrString("name", subGroupName(classes[k], sg.path, p.layers[i].Name))
			}
			for j, v := range vars[i][sg.from:sg.to] {
				if err := createVarDataset(sv, strconv.Itoa(j), v, backend); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
