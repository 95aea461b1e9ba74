package keras

import (
	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/tensor"
)

// describeConfig is the model's architecture as the writers need it: the
// loader config plus, for a Functional model, its inputs, outputs, the
// calls of every layer with the shapes of their input tensors, and, for a
// Sequential, each layer's build input shape; nested models recursively.
func (m *Model) describeConfig() *loader.ModelConfig {
	cfg := m.loaderConfig()
	for i, l := range m.layers {
		if nm, ok := l.(*nestedModel); ok {
			cfg.Layers[i].Config, cfg.Layers[i].Model = nil, nm.m.describeConfig()
			cfg.Layers[i].ClassName = nm.m.className
		}
	}
	if m.graph == nil {
		shape := append([]int(nil), m.inputShape...)
		for i, l := range m.layers {
			cfg.Layers[i].BuildInputShape = shape
			shape = l.OutputShape()
		}
		return cfg
	}
	gr := m.graph
	for _, in := range gr.inputs {
		dt := in.dtype
		if dt == "" {
			dt = "float32"
		}
		cfg.Inputs = append(cfg.Inputs, loader.ModelInput{Name: in.name, Shape: append([]int(nil), in.shape...), DType: dt})
	}
	if len(cfg.Inputs) > 0 {
		cfg.InputName, cfg.InputShape, cfg.InputDType = cfg.Inputs[0].Name, cfg.Inputs[0].Shape, cfg.Inputs[0].DType
	}
	idx := make(map[string]int, len(m.layers))
	for i, l := range m.layers {
		idx[l.Name()] = i
	}
	ref := func(r tref) (loader.TensorRef, []int) {
		if k, ok := r.input(); ok {
			return loader.TensorRef{Layer: gr.inputs[k].name}, gr.inputs[k].shape
		}
		c := gr.calls[r.call]
		var shape []int
		if r.out < len(c.outShapes) {
			shape = c.outShapes[r.out]
		}
		return loader.TensorRef{Layer: c.layer.Name(), Node: c.node, Tensor: r.out}, shape
	}
	for _, c := range gr.calls {
		lc := &cfg.Layers[idx[c.layer.Name()]]
		for len(lc.Inbound) <= c.node {
			lc.Inbound = append(lc.Inbound, nil)
			lc.CallShapes = append(lc.CallShapes, nil)
		}
		refs := make([]loader.TensorRef, len(c.in))
		shapes := make([][]int, len(c.in))
		for k, r := range c.in {
			refs[k], shapes[k] = ref(r)
			shapes[k] = append([]int(nil), shapes[k]...)
		}
		lc.Inbound[c.node], lc.CallShapes[c.node] = refs, shapes
		if c.node == 0 && len(shapes) == 1 {
			lc.BuildInputShape = shapes[0]
		}
	}
	for _, r := range gr.outputs {
		t, _ := ref(r)
		cfg.Outputs = append(cfg.Outputs, t)
	}
	return cfg
}

// describeWeights lists the model's variables per layer (a nested model's
// all in one entry, layer by layer in config order) with their Keras 3
// paths: a Sequential builds its layers inside its name scope
// ("sequential/dense/kernel"), a Functional model's layers are built
// outside it ("dense/kernel"); a nested model's variables are named within
// that model.
func (m *Model) describeWeights() *loader.Weights {
	w := &loader.Weights{Layout: loader.LayoutKeras3}
	for _, l := range m.layers {
		lw := loader.LayerWeights{Name: l.Name(), ClassHint: snake(l.ClassName()), SavedName: l.Name()}
		lw.VarNames, lw.Arrays = m.layerVars(l)
		w.Layers = append(w.Layers, lw)
	}
	return w
}

// layerVars returns a layer's variable paths and values (cloned).
func (m *Model) layerVars(l layers.Layer) ([]string, []*tensor.Tensor) {
	var names []string
	var arrays []*tensor.Tensor
	if nm, ok := l.(*nestedModel); ok {
		for _, sl := range nm.m.layers {
			n, a := nm.m.layerVars(sl)
			names, arrays = append(names, n...), append(arrays, a...)
		}
		return names, arrays
	}
	prefix := m.name + "/"
	if m.className == "Functional" {
		prefix = ""
	}
	for _, v := range l.Variables() {
		names = append(names, prefix+v.Path)
		arrays = append(arrays, v.Value.Clone())
	}
	return names, arrays
}
