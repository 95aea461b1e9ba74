package loader

import (
	"fmt"
	"maps"
	"slices"
)

// parseFunctional reads a Functional model's graph (Keras 1, 2 and 3 forms,
// spec keras-layers.md §1): its InputLayers become mc.Inputs, every other
// layer becomes a LayerConfig whose Inbound lists the input tensors of each
// of its calls, and output_layers becomes mc.Outputs. Layers keep the
// file's order; node indices are normalized to 0-based call positions.
func (p *cfgParser) parseFunctional(mc *ModelConfig, body any) (err error) {
	mc.ClassName = "Functional"
	cfg, ok := body.(map[string]any)
	if !ok {
		return p.errorf("Functional config is %s, expected an object with \"layers\", \"input_layers\" and \"output_layers\"", jsonType(body))
	}
	mc.Name, _ = cfg["name"].(string)
	if mc.Name == "" {
		mc.Name = "functional"
	}
	rawLayers, ok := cfg["layers"].([]any)
	if !ok {
		return p.errorf("Functional config: \"layers\" is %s, expected a list", jsonType(cfg["layers"]))
	}
	g := &funcGraph{p: p, inputs: map[string]ModelInput{}, layers: map[string]int{}}
	for i, l := range rawLayers {
		e, ok := l.(map[string]any)
		if !ok {
			return p.errorf("Functional layer %d is %s, expected an object", i, jsonType(l))
		}
		if err := g.addEntry(mc, e, i); err != nil {
			return err
		}
	}
	ins, err := p.endpoints(cfg["input_layers"], "input_layers", 0)
	if err != nil {
		return err
	}
	for _, r := range ins {
		in, ok := g.inputs[r.Layer]
		if !ok {
			return p.errorf("input_layers names %q, which is not an InputLayer of the model", r.Layer)
		}
		mc.Inputs = append(mc.Inputs, in)
	}
	if len(mc.Inputs) == 0 {
		return p.errorf("Functional model %q has no input_layers", mc.Name)
	}
	mc.InputName, mc.InputShape, mc.InputDType = mc.Inputs[0].Name, mc.Inputs[0].Shape, mc.Inputs[0].DType
	outs, err := p.endpoints(cfg["output_layers"], "output_layers", 0)
	if err != nil {
		return err
	}
	if len(outs) == 0 {
		return p.errorf("Functional model %q has no output_layers", mc.Name)
	}
	for i := range outs {
		if err := g.resolve(mc, &outs[i], true, "output_layers"); err != nil {
			return err
		}
	}
	mc.Outputs = outs
	defer func() {
		if err == nil {
			_, err = mc.CallOrder()
			if err != nil {
				err = &FormatError{Path: p.path, Msg: fmt.Sprintf("Functional model %q", mc.Name), Err: err}
			}
		}
	}()
	for i := range mc.Layers {
		l := &mc.Layers[i]
		for c := range l.Inbound {
			for k := range l.Inbound[c] {
				if err := g.resolve(mc, &l.Inbound[c][k], g.listForm[i], fmt.Sprintf("layer %q", l.Name)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// funcGraph is the state of one Functional config being read.
type funcGraph struct {
	p        *cfgParser
	inputs   map[string]ModelInput
	layers   map[string]int // name → index in mc.Layers
	listForm []bool         // per layer: Keras 1/2 list-form nodes
}

func (g *funcGraph) addEntry(mc *ModelConfig, e map[string]any, i int) error {
	p := g.p
	name, _ := e["name"].(string)
	if name == "" {
		name = layerName(e)
	}
	if name == "" {
		return p.errorf("Functional layer %d has no name", i)
	}
	if _, dup := g.layers[name]; dup {
		return p.errorf("two layers are named %q; layer names must be unique", name)
	}
	if _, dup := g.inputs[name]; dup {
		return p.errorf("two layers are named %q; layer names must be unique", name)
	}
	if cn, _ := e["class_name"].(string); cn == "InputLayer" {
		tmp := &ModelConfig{InputDType: "float32"}
		if err := p.inputLayer(tmp, e); err != nil {
			return err
		}
		if tmp.InputShape == nil {
			return p.errorf("InputLayer %q has no shape", name)
		}
		g.inputs[name] = ModelInput{Name: name, Shape: tmp.InputShape, DType: tmp.InputDType}
		return nil
	}
	lc, err := p.normalizeLayer(e)
	if err != nil {
		return err
	}
	lc.Name = name
	nodes, ok := e["inbound_nodes"].([]any)
	if !ok {
		return p.errorf("layer %q: \"inbound_nodes\" is %s, expected a list", name, jsonType(e["inbound_nodes"]))
	}
	list := false
	for _, n := range nodes {
		refs, isList, err := p.callInputs(name, n)
		if err != nil {
			return err
		}
		if err := checkAttentionCall(lc.ClassName, n); err != nil {
			return &FormatError{Path: p.path, Msg: fmt.Sprintf("layer %q: %v", name, err), Err: ErrUnsupported}
		}
		list = list || isList
		lc.Inbound = append(lc.Inbound, refs)
	}
	g.layers[name] = len(mc.Layers)
	g.listForm = append(g.listForm, list)
	mc.Layers = append(mc.Layers, lc)
	return nil
}

// callInputs reads one inbound node: the input tensors of one call.
func (p *cfgParser) callInputs(name string, node any) ([]TensorRef, bool, error) {
	switch n := node.(type) {
	case []any: // Keras 1/2: [[name, node, tensor(, kwargs)], ...]
		var refs []TensorRef
		for _, in := range n {
			l, ok := in.([]any)
			if !ok || len(l) < 3 {
				return nil, true, p.errorf("layer %q: inbound node entry is %s, expected [name, node_index, tensor_index, kwargs]", name, jsonType(in))
			}
			s, ok := l[0].(string)
			ni, ok1 := intValue(l[1])
			ti, ok2 := intValue(l[2])
			if s == "_CONSTANT_VALUE" {
				return nil, true, &FormatError{Path: p.path, Msg: fmt.Sprintf("layer %q is called on a constant value, which kerago cannot run", name), Err: ErrUnsupported}
			}
			if !ok || !ok1 || !ok2 {
				return nil, true, p.errorf("layer %q: inbound node entry %v, expected [name, node_index, tensor_index, kwargs]", name, l)
			}
			refs = append(refs, TensorRef{s, ni, ti})
			if len(l) > 3 {
				refs = append(refs, kwargTensors(l[3], 0)...)
			}
		}
		return refs, true, nil
	case map[string]any: // Keras 3: {"args": [...], "kwargs": {...}}
		refs := findKerasTensors(n["args"], 0)
		refs = append(refs, findKerasTensors(n["kwargs"], 0)...)
		for _, r := range refs {
			if r.Layer == "" {
				return nil, false, p.errorf("layer %q: an input tensor has no keras_history", name)
			}
		}
		return refs, false, nil
	}
	return nil, false, p.errorf("layer %q: inbound node is %s, expected a list or an object", name, jsonType(node))
}

// kwargTensors finds Keras 2's tensor triples inside call kwargs
// ({"value": ["v", 0, 0]}).
func kwargTensors(v any, depth int) []TensorRef {
	m, ok := v.(map[string]any)
	if !ok || depth > 8 {
		return nil
	}
	keys := slices.Sorted(maps.Keys(m))
	var out []TensorRef
	for _, k := range keys {
		if l, ok := m[k].([]any); ok && len(l) == 3 {
			s, ok := l[0].(string)
			ni, ok1 := intValue(l[1])
			ti, ok2 := intValue(l[2])
			if ok && ok1 && ok2 {
				out = append(out, TensorRef{s, ni, ti})
			}
		}
	}
	return out
}

// endpoints reads input_layers/output_layers: a bare triple (Keras 3, one
// tensor), a list of triples, or a dict or nested list of them.
func (p *cfgParser) endpoints(v any, what string, depth int) ([]TensorRef, error) {
	if depth > 16 {
		return nil, p.errorf("Functional config: %q is nested too deeply", what)
	}
	switch x := v.(type) {
	case []any:
		if len(x) > 0 {
			if s, ok := x[0].(string); ok {
				if len(x) < 3 {
					return nil, p.errorf("Functional config: %q entry %v, expected [name, node_index, tensor_index]", what, x)
				}
				ni, ok1 := intValue(x[1])
				ti, ok2 := intValue(x[2])
				if !ok1 || !ok2 {
					return nil, p.errorf("Functional config: %q entry %v, expected [name, node_index, tensor_index]", what, x)
				}
				return []TensorRef{{s, ni, ti}}, nil
			}
		}
		var out []TensorRef
		for _, e := range x {
			r, err := p.endpoints(e, what, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, r...)
		}
		return out, nil
	case map[string]any:
		keys := slices.Sorted(maps.Keys(x))
		var out []TensorRef
		for _, k := range keys {
			r, err := p.endpoints(x[k], what, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, r...)
		}
		return out, nil
	}
	return nil, p.errorf("Functional config: %q is %s, expected a list", what, jsonType(v))
}

// resolve checks a reference and normalizes its node index. Keras counts a
// nested model's construction node in some places (spec §1.2): Keras 1/2
// references to a nested Functional (or a Sequential with an InputLayer)
// and Keras 3 output/input references to a nested Functional are one too
// high. A layer called once is call 0 whatever the file says.
func (g *funcGraph) resolve(mc *ModelConfig, r *TensorRef, offsetForm bool, where string) error {
	if _, ok := g.inputs[r.Layer]; ok {
		if r.Tensor != 0 {
			return g.p.errorf("%s reads output %d of input %q, which has one output", where, r.Tensor, r.Layer)
		}
		r.Node = 0
		return nil
	}
	i, ok := g.layers[r.Layer]
	if !ok {
		return g.p.errorf("%s reads layer %q, which is not a layer of the model", where, r.Layer)
	}
	l := mc.Layers[i]
	calls := len(l.Inbound)
	switch {
	case calls == 1 && (l.Model != nil || r.Node == 0):
		r.Node = 0
	case calls > 1 && offsetForm && l.Model != nil && (l.Model.ClassName == "Functional" || l.Model.InputName != ""):
		r.Node--
	}
	if r.Node < 0 || r.Node >= calls {
		return g.p.errorf("%s reads call %d of layer %q, which is called %d times in this model", where, r.Node, r.Layer, calls)
	}
	if r.Tensor < 0 {
		return g.p.errorf("%s reads output %d of layer %q", where, r.Tensor, r.Layer)
	}
	return nil
}

// nestedModel reads a Sequential or Functional used as a layer.
func (p *cfgParser) nestedModel(cls, name string, e map[string]any) (LayerConfig, error) {
	if p.depth > 32 {
		return LayerConfig{}, p.errorf("layer %q: models are nested more than 32 deep", name)
	}
	p.depth++
	defer func() { p.depth-- }()
	sub := &ModelConfig{InputDType: "float32", Raw: e}
	body := e["config"]
	if body == nil {
		return LayerConfig{}, p.errorf("nested model %q has no \"config\"", name)
	}
	var err error
	if cls == "Sequential" {
		err = p.parseSequential(sub, body)
	} else {
		err = p.parseFunctional(sub, body)
	}
	if err != nil {
		return LayerConfig{}, err
	}
	if sub.Name == "" || name == "" {
		name = sub.Name
	}
	sub.Name = name
	return LayerConfig{ClassName: sub.ClassName, Name: name, Model: sub}, nil
}

// Call is one call of a layer of a Functional model: Layers[Layer], its
// Node-th call.
type Call struct{ Layer, Node int }

// CallOrder returns the layer calls the model's outputs depend on, each
// after the calls whose outputs it reads (a depth-first walk from the
// outputs, inputs in order). It fails on a cycle or a dangling reference.
// A Sequential's calls are its layers in order.
func (mc *ModelConfig) CallOrder() ([]Call, error) {
	if mc.Outputs == nil {
		out := make([]Call, len(mc.Layers))
		for i := range out {
			out[i] = Call{i, 0}
		}
		return out, nil
	}
	idx := make(map[string]int, len(mc.Layers))
	for i, l := range mc.Layers {
		idx[l.Name] = i
	}
	const (
		visiting = 1
		done     = 2
	)
	state := map[Call]int{}
	var order []Call
	var visit func(r TensorRef, depth int) error
	visit = func(r TensorRef, depth int) error {
		i, ok := idx[r.Layer]
		if !ok {
			return nil // a model input
		}
		c := Call{i, r.Node}
		switch state[c] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("the layer graph has a cycle through %q", r.Layer)
		}
		if depth > 100000 || r.Node < 0 || r.Node >= len(mc.Layers[i].Inbound) {
			return fmt.Errorf("layer %q has no call %d", r.Layer, r.Node)
		}
		state[c] = visiting
		for _, in := range mc.Layers[i].Inbound[r.Node] {
			if err := visit(in, depth+1); err != nil {
				return err
			}
		}
		state[c] = done
		order = append(order, c)
		return nil
	}
	for _, o := range mc.Outputs {
		if err := visit(o, 0); err != nil {
			return nil, err
		}
	}
	return order, nil
}
