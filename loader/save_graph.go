package loader

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/kerago/kerago/tensor"
)

// This file writes layer graphs: Functional models (spec keras-layers.md
// §1.1, §1.2, §1.5) and models used as layers of other models, in every
// format Save writes (§1.6 for the weights).

// maxSaveDepth bounds how deep models may be nested in a model Save writes.
const maxSaveDepth = 32

// planConfig resolves one model (the top-level one or a nested one).
func planConfig(mc *ModelConfig, depth int) (*modelPlan, error) {
	if depth > maxSaveDepth {
		return nil, fmt.Errorf("models are nested more than %d deep", maxSaveDepth)
	}
	p := &modelPlan{name: mc.Name, inName: mc.InputName, inDType: mc.InputDType, layers: mc.Layers, trainable: true}
	switch mc.ClassName {
	case "", "Sequential":
	case "Functional", "Model":
		p.functional = true
	default:
		return nil, fmt.Errorf("model class %q: kerago writes Sequential and Functional models: %w", mc.ClassName, ErrUnsupported)
	}
	if p.name == "" {
		p.name = "sequential"
		if p.functional {
			p.name = "functional"
		}
	}
	if p.inName == "" {
		p.inName = "input_layer"
	}
	if p.inDType == "" || strings.HasPrefix(p.inDType, "mixed_") {
		p.inDType = "float32"
	}
	if raw, ok := mc.Raw["config"].(map[string]any); ok {
		if t, ok := raw["trainable"].(bool); ok {
			p.trainable = t
		}
	}
	if err := p.planLayers(mc, depth); err != nil {
		return nil, err
	}
	p.inShape = mc.InputShape
	if p.inShape == nil && len(mc.Layers) > 0 {
		p.inShape = mc.Layers[0].BuildInputShape
	}
	p.inShapes = make([][]int, len(mc.Layers))
	cur := p.inShape
	for i, l := range mc.Layers {
		if l.BuildInputShape != nil {
			cur = l.BuildInputShape
		}
		p.inShapes[i] = cur
		if cur != nil {
			cur = outputShape(l, cur)
		}
	}
	if !p.functional {
		return p, nil
	}
	if err := p.planGraph(mc); err != nil {
		return nil, fmt.Errorf("Functional model %q: %w", p.name, err)
	}
	return p, nil
}

// planLayers checks the layers' names and classes and plans nested models.
func (p *modelPlan) planLayers(mc *ModelConfig, depth int) error {
	seen := map[string]bool{}
	if !p.functional || len(mc.Inputs) == 0 {
		seen[p.inName] = true
	}
	for _, in := range mc.Inputs {
		seen[in.Name] = true
	}
	p.subs = make([]*modelPlan, len(mc.Layers))
	for i, l := range mc.Layers {
		if l.ClassName == "" && l.Model == nil {
			return fmt.Errorf("layer %d has no class name", i)
		}
		if l.Name == "" {
			return fmt.Errorf("layer %d (%s) has no name", i, l.ClassName)
		}
		if seen[l.Name] {
			return fmt.Errorf("two layers are named %q; Keras needs unique layer names", l.Name)
		}
		seen[l.Name] = true
		if l.Model != nil {
			sub, err := planConfig(l.Model, depth+1)
			if err != nil {
				return fmt.Errorf("nested model %q: %w", l.Name, err)
			}
			sub.name = l.Name
			p.subs[i] = sub
			continue
		}
		switch l.ClassName {
		case "InputLayer", "Sequential", "Functional", "Model":
			return fmt.Errorf("layer %q: a %s without its model config cannot be a layer", l.Name, l.ClassName)
		}
	}
	return nil
}

// planGraph fixes a Functional model's inputs, calls and outputs. A config
// without Inputs (older descriptions of chain-shaped Functional models) is
// taken as the chain input → layers → last layer.
func (p *modelPlan) planGraph(mc *ModelConfig) error {
	p.inputs, p.outputs = mc.Inputs, mc.Outputs
	if len(p.inputs) == 0 {
		if p.inShape == nil {
			return fmt.Errorf("no input shape")
		}
		p.inputs = []ModelInput{{Name: p.inName, Shape: p.inShape, DType: p.inDType}}
		layers := make([]LayerConfig, len(p.layers))
		copy(layers, p.layers)
		prev := p.inName
		for i := range layers {
			if layers[i].Inbound == nil {
				layers[i].Inbound = [][]TensorRef{{{Layer: prev}}}
			}
			if layers[i].CallShapes == nil && p.inShapes[i] != nil {
				layers[i].CallShapes = [][][]int{{p.inShapes[i]}}
			}
			prev = layers[i].Name
		}
		p.layers = layers
		if p.outputs == nil && len(layers) > 0 {
			p.outputs = []TensorRef{{Layer: prev}}
		}
	}
	if len(p.outputs) == 0 {
		return fmt.Errorf("no outputs")
	}
	for i := range p.inputs {
		if p.inputs[i].Shape == nil {
			return fmt.Errorf("input %q has no shape", p.inputs[i].Name)
		}
	}
	p.inName, p.inShape = p.inputs[0].Name, p.inputs[0].Shape
	p.fillCallShapes(mc.Raw)
	for i, l := range p.layers {
		p.inShapes[i] = nil
		if len(l.CallShapes) > 0 && len(l.CallShapes[0]) == 1 {
			p.inShapes[i] = l.CallShapes[0][0]
		}
	}
	order, err := graphOrder(p.inputs, p.layers, p.outputs)
	if err != nil {
		return err
	}
	p.order = order
	return nil
}

// gnode is one node of a Functional graph: call node of layer (layer >= 0)
// or the InputLayer -1-layer.
type gnode struct{ layer, call int }

// graphOrder returns a Functional model's operations in Keras's
// model.operations order (ops/function.py map_graph, spec §1.5): each
// entry is a layer index, or -1-k for input k. A depth-first walk from the
// outputs numbers operations on first visit; node depths grow towards the
// inputs; operations sort by decreasing depth, then by visit number.
// Unused inputs come last at depth 0; layers the outputs do not reach
// (which Keras would drop) are appended in config order.
func graphOrder(inputs []ModelInput, layers []LayerConfig, outputs []TensorRef) ([]int, error) {
	g := &graphWalk{inputs: inputs, layers: layers, inIdx: map[string]int{}, lIdx: map[string]int{},
		state: map[gnode]int{}, opIndex: map[int]int{}}
	for k, in := range inputs {
		g.inIdx[in.Name] = k
	}
	for i, l := range layers {
		g.lIdx[l.Name] = i
	}
	for _, o := range outputs {
		n, err := g.nodeOf(o)
		if err != nil {
			return nil, fmt.Errorf("output: %w", err)
		}
		if err := g.visit(n, 0); err != nil {
			return nil, err
		}
	}
	return g.sortedOps(), nil
}

// graphWalk is the state of graphOrder: _build_map_helper's visit marks,
// traversal indices and post-order node list.
type graphWalk struct {
	inputs      []ModelInput
	layers      []LayerConfig
	inIdx, lIdx map[string]int
	state       map[gnode]int // 1 in progress, 2 finished
	opIndex     map[int]int
	post        []gnode
}

func (g *graphWalk) nodeOf(r TensorRef) (gnode, error) {
	if k, ok := g.inIdx[r.Layer]; ok {
		return gnode{-1 - k, 0}, nil
	}
	i, ok := g.lIdx[r.Layer]
	if !ok {
		return gnode{}, fmt.Errorf("a tensor of %q is read, which is neither an input nor a layer of the model", r.Layer)
	}
	if r.Node < 0 || r.Node >= len(g.layers[i].Inbound) {
		return gnode{}, fmt.Errorf("call %d of layer %q is read; the layer is called %d times", r.Node, r.Layer, len(g.layers[i].Inbound))
	}
	return gnode{i, r.Node}, nil
}

// parents are the nodes whose outputs node n reads.
func (g *graphWalk) parents(n gnode) ([]gnode, error) {
	if n.layer < 0 {
		return nil, nil
	}
	var out []gnode
	for _, r := range g.layers[n.layer].Inbound[n.call] {
		pn, err := g.nodeOf(r)
		if err != nil {
			return nil, fmt.Errorf("layer %q: %w", g.layers[n.layer].Name, err)
		}
		out = append(out, pn)
	}
	return out, nil
}

// visit is _build_map_helper: number the operation on first visit, recurse
// into the inputs, append the node after them.
func (g *graphWalk) visit(n gnode, depth int) error {
	switch g.state[n] {
	case 2:
		return nil
	case 1:
		return fmt.Errorf("the layer graph has a cycle through %q", g.layers[n.layer].Name)
	}
	if depth > 100000 {
		return fmt.Errorf("the layer graph is too deep")
	}
	if _, ok := g.opIndex[n.layer]; !ok {
		g.opIndex[n.layer] = len(g.opIndex)
	}
	g.state[n] = 1
	ps, err := g.parents(n)
	if err != nil {
		return err
	}
	for _, pn := range ps {
		if err := g.visit(pn, depth+1); err != nil {
			return err
		}
	}
	g.state[n] = 2
	g.post = append(g.post, n)
	return nil
}

// sortedOps is map_graph's ordering: node depths from the outputs, an
// operation's depth the max of its nodes', unused inputs at depth 0 with
// index -1, then decreasing depth, ties by traversal index.
func (g *graphWalk) sortedOps() []int {
	nodeDepth := map[gnode]int{}
	opDepth := map[int]int{}
	var ops []int
	for k := len(g.post) - 1; k >= 0; k-- {
		n := g.post[k]
		prev, seen := opDepth[n.layer]
		if !seen {
			ops = append(ops, n.layer)
		}
		d := max(nodeDepth[n], prev)
		opDepth[n.layer], nodeDepth[n] = d, d
		ps, _ := g.parents(n)
		for _, pn := range ps {
			nodeDepth[pn] = max(nodeDepth[pn], d+1)
		}
	}
	for k := range g.inputs {
		if _, ok := opDepth[-1-k]; !ok {
			opDepth[-1-k], g.opIndex[-1-k] = 0, -1
			ops = append(ops, -1-k)
		}
	}
	sort.SliceStable(ops, func(a, b int) bool {
		if opDepth[ops[a]] != opDepth[ops[b]] {
			return opDepth[ops[a]] > opDepth[ops[b]]
		}
		return g.opIndex[ops[a]] < g.opIndex[ops[b]]
	})
	for i := range g.layers {
		if _, ok := opDepth[i]; !ok {
			ops = append(ops, i)
		}
	}
	return ops
}

// weightOrder lists the model's layers in get_weights order: a Functional
// model's operations order (InputLayers skipped), a Sequential's layers.
func (p *modelPlan) weightOrder() []int {
	if !p.functional {
		out := make([]int, len(p.layers))
		for i := range out {
			out[i] = i
		}
		return out
	}
	var out []int
	for _, k := range p.order {
		if k >= 0 {
			out = append(out, k)
		}
	}
	return out
}

// builtAtInit lists the Keras 3.15.1 layer classes built in their
// constructor (they call Layer._build_at_init or set built=True): they
// record no build_config. Every other layer records the shapes it was
// first called on.
var builtAtInit = map[string]bool{
	"InputLayer": true, "Activation": true, "ELU": true, "LeakyReLU": true, "ReLU": true, "Softmax": true,
	"ThresholdedReLU": true, "Identity": true, "Masking": true, "UnitNormalization": true,
	"ActivityRegularization": true, "Dropout": true, "SpatialDropout1D": true, "SpatialDropout2D": true,
	"SpatialDropout3D": true, "AlphaDropout": true, "GaussianDropout": true, "GaussianNoise": true,
	"Reshape":      true,
	"MaxPooling1D": true, "MaxPooling2D": true, "MaxPooling3D": true,
	"AveragePooling1D": true, "AveragePooling2D": true, "AveragePooling3D": true,
	"GlobalMaxPooling1D": true, "GlobalMaxPooling2D": true, "GlobalMaxPooling3D": true,
	"GlobalAveragePooling1D": true, "GlobalAveragePooling2D": true, "GlobalAveragePooling3D": true,
}

// callHasMask lists the Keras 3.15.1 classes whose call() takes a mask
// argument: Layer.__call__ then records "mask" (null without masking) in
// the node's kwargs.
var callHasMask = map[string]bool{
	"BatchNormalization": true, "Softmax": true, "GlobalAveragePooling1D": true, "Lambda": true,
	"RNN": true, "SimpleRNN": true, "LSTM": true, "GRU": true,
	"ConvLSTM1D": true, "ConvLSTM2D": true, "ConvLSTM3D": true, "Bidirectional": true,
	"TimeDistributed": true, "Sequential": true, "Functional": true, "Pipeline": true,
}

// mergeClasses take their inputs as one list argument (a nested list in
// the node's args).
var mergeClasses = map[string]bool{
	"Add": true, "Subtract": true, "Multiply": true, "Average": true, "Maximum": true, "Minimum": true,
	"Concatenate": true, "Dot": true,
}

// kerasTensorTree is a symbolic tensor of a saved node.
func kerasTensorTree(shape []int, dtype string, r TensorRef) *jobj {
	var s any
	if shape != nil {
		s = batchShape(shape)
	}
	return newObj().set("class_name", "__keras_tensor__").set("config", newObj().
		set("shape", s).set("dtype", dtype).set("keras_history", []any{r.Layer, jint(r.Node), jint(r.Tensor)}))
}

// inboundNodesTree writes a layer's inbound_nodes: per call {"args",
// "kwargs"}; merge layers and multi-input models take one list argument.
func (p *modelPlan) inboundNodesTree(i int) []any {
	l := p.layers[i]
	cls := l.ClassName
	if p.subs[i] != nil {
		cls = "Sequential"
		if p.subs[i].functional {
			cls = "Functional"
		}
	}
	dtypes := map[string]string{}
	for _, in := range p.inputs {
		dtypes[in.Name] = in.DType
	}
	nodes := []any{}
	for c, refs := range l.Inbound {
		var kts []any
		for k, r := range refs {
			var shape []int
			if c < len(l.CallShapes) && k < len(l.CallShapes[c]) {
				shape = l.CallShapes[c][k]
			}
			dt := dtypes[r.Layer]
			if dt == "" || strings.HasPrefix(dt, "mixed_") {
				dt = "float32"
			}
			kts = append(kts, kerasTensorTree(shape, dt, r))
		}
		if kts == nil {
			kts = []any{}
		}
		args := kts
		listArg := mergeClasses[cls] || listArgAttention[cls] || (p.subs[i] != nil && p.subs[i].functional && len(p.subs[i].inputs) > 1)
		if listArg {
			args = []any{kts}
		}
		kw := newObj()
		if callHasMask[cls] {
			if listArg {
				masks := make([]any, len(kts))
				kw.set("mask", masks)
			} else {
				kw.set("mask", nil)
			}
		}
		nodes = append(nodes, newObj().set("args", args).set("kwargs", kw))
	}
	return nodes
}

// buildConfigTree is a layer's build_config: the shapes of its first call
// (a list of shapes for a merge layer or a call on several tensors), or nil
// when Keras records none or the shapes are unknown.
func (p *modelPlan) buildConfigTree(i int) *jobj {
	l := p.layers[i]
	if builtAtInit[l.ClassName] {
		return nil
	}
	var shapes [][]int
	switch {
	case len(l.CallShapes) > 0:
		shapes = l.CallShapes[0]
	case p.inShapes[i] != nil:
		shapes = [][]int{p.inShapes[i]}
	}
	if len(shapes) == 0 {
		return nil
	}
	if l.ClassName == "MultiHeadAttention" {
		return shapesDictTree(shapes, "query_shape", "value_shape", "key_shape")
	}
	if len(shapes) == 1 && !mergeClasses[l.ClassName] {
		if shapes[0] == nil {
			return nil
		}
		return newObj().set("input_shape", batchShape(shapes[0]))
	}
	list := make([]any, len(shapes))
	for k, s := range shapes {
		if s == nil {
			return nil
		}
		list[k] = batchShape(s)
	}
	return newObj().set("input_shape", list)
}

// endpointsTree writes input_layers/output_layers: a bare triple for one
// tensor, else a list; references to a nested Functional count its
// construction node (+1, spec §1.2).
func (p *modelPlan) endpointsTree(refs []TensorRef) any {
	idx := map[string]int{}
	for i, l := range p.layers {
		idx[l.Name] = i
	}
	out := make([]any, len(refs))
	for k, r := range refs {
		node := r.Node
		if i, ok := idx[r.Layer]; ok && p.subs[i] != nil && p.subs[i].functional {
			node++
		}
		out[k] = []any{r.Layer, jint(node), jint(r.Tensor)}
	}
	if len(out) == 1 {
		return out[0]
	}
	return out
}

// modelEntryTree serializes a model (top-level or nested) without its
// compile_config; policies collects the DTypePolicy dicts in Keras's
// serialization order.
func modelEntryTree(p *modelPlan, mode cfgMode, raw map[string]any, policies *[]*jobj) (*jobj, error) {
	var layers []any
	if p.functional {
		for _, k := range p.order {
			if k < 0 {
				in := p.inputs[-1-k]
				layers = append(layers, inputLayerEntry(mode, in.Name, in.Shape, in.DType).
					set("name", in.Name).set("inbound_nodes", []any{}))
				continue
			}
			e, err := p.layerEntryTree(k, mode, policies)
			if err != nil {
				return nil, err
			}
			layers = append(layers, e.set("name", p.layers[k].Name).set("inbound_nodes", p.inboundNodesTree(k)))
		}
	} else {
		if p.inShape != nil {
			layers = append(layers, inputLayerEntry(mode, p.inName, p.inShape, p.inDType))
		}
		for i := range p.layers {
			e, err := p.layerEntryTree(i, mode, policies)
			if err != nil {
				return nil, err
			}
			layers = append(layers, e)
		}
	}
	if layers == nil {
		layers = []any{}
	}
	cfg := newObj().set("name", p.name).set("trainable", p.trainable)
	cls := "Sequential"
	if p.functional {
		cls = "Functional"
		cfg.set("layers", layers)
		cfg.set("input_layers", p.endpointsTree(refsOfInputs(p.inputs)))
		cfg.set("output_layers", p.endpointsTree(p.outputs))
	} else {
		d, err := dtypePolicyTree(nil)
		if err != nil {
			return nil, err
		}
		if rc, ok := raw["config"].(map[string]any); ok && rc["dtype"] != nil {
			if d, err = dtypePolicyTree(rc["dtype"]); err != nil {
				return nil, fmt.Errorf("model %q dtype: %w", p.name, err)
			}
		}
		cfg.set("dtype", d)
		*policies = append(*policies, d)
		cfg.set("layers", layers)
		if p.inShape != nil {
			cfg.set("build_input_shape", batchShape(p.inShape))
		}
	}
	if mode == modeLegacy {
		return newObj().set("class_name", cls).set("config", cfg), nil
	}
	top := newObj()
	if p.functional {
		top.set("module", "keras.src.models.functional").set("class_name", cls).set("config", cfg).
			set("registered_name", "Functional").set("build_config", newObj().set("input_shape", nil))
	} else {
		top.set("module", "keras").set("class_name", cls).set("config", cfg).set("registered_name", nil)
		if p.inShape != nil {
			top.set("build_config", newObj().set("input_shape", batchShape(p.inShape)))
		}
	}
	return top, nil
}

func refsOfInputs(ins []ModelInput) []TensorRef {
	out := make([]TensorRef, len(ins))
	for k, in := range ins {
		out[k] = TensorRef{Layer: in.Name}
	}
	return out
}

func inputLayerEntry(mode cfgMode, name string, shape []int, dtype string) *jobj {
	if dtype == "" || strings.HasPrefix(dtype, "mixed_") {
		dtype = "float32"
	}
	in := newObj().set("batch_shape", batchShape(shape)).set("dtype", dtype).
		set("sparse", false).set("ragged", false).set("name", name).set("optional", false)
	return layerEntry(mode, "InputLayer", in, nil)
}

// layerEntryTree serializes layer i: a nested model's entry (with an empty
// compile_config, as Keras writes it) or a layer's.
func (p *modelPlan) layerEntryTree(i int, mode cfgMode, policies *[]*jobj) (*jobj, error) {
	l := p.layers[i]
	if sub := p.subs[i]; sub != nil {
		e, err := modelEntryTree(sub, mode, l.Model.Raw, policies)
		if err != nil {
			return nil, fmt.Errorf("nested model %q: %w", l.Name, err)
		}
		if mode != modeLegacy {
			e.set("compile_config", newObj())
		}
		return e, nil
	}
	l = keras3Layer(l)
	cfg, err := layerConfigTree(l)
	if err != nil {
		return nil, fmt.Errorf("layer %q (%s): %w", l.Name, l.ClassName, err)
	}
	if d, ok := cfg.vals["dtype"].(*jobj); ok {
		*policies = append(*policies, d)
	}
	return layerEntry(mode, l.ClassName, cfg, p.buildConfigTree(i)), nil
}

// nestedVars names a nested model's variables in its get_weights order
// (spec §1.6): each entry's src is its position in the order the arrays
// come in — layer by layer in config order, recursively — so that
// arrays[src] is its value. Paths follow where Keras creates them: a
// Sequential builds its layers inside its name scope ("head/dense/kernel"),
// a Functional's layers are built outside it ("Conv1/kernel").
func nestedVars(p *modelPlan) ([]savedVar, []int, error) {
	perLayer := make([][]savedVar, len(p.layers))
	perSrc := make([][]int, len(p.layers))
	at := 0
	for i, l := range p.layers {
		if sub := p.subs[i]; sub != nil {
			vs, src, err := nestedVars(sub)
			if err != nil {
				return nil, nil, err
			}
			for k := range src {
				src[k] += at
			}
			perLayer[i], perSrc[i] = vs, src
			at += len(vs)
			continue
		}
		names, tr, ints, ok := layerVarNames(l)
		if !ok {
			return nil, nil, fmt.Errorf("layer %q (%s) of nested model %q: kerago does not know its variables", l.Name, l.ClassName, p.name)
		}
		prefix := l.Name + "/"
		if !p.functional {
			prefix = p.name + "/" + prefix
		}
		for k, n := range names {
			perLayer[i] = append(perLayer[i], savedVar{name: n, path: prefix + n, trainable: tr[k], isInt: ints[k]})
			perSrc[i] = append(perSrc[i], at)
			at++
		}
	}
	var vs []savedVar
	var src []int
	for _, i := range p.weightOrder() {
		vs = append(vs, perLayer[i]...)
		src = append(src, perSrc[i]...)
	}
	if !p.trainable {
		for k := range vs {
			vs[k].trainable = false
		}
	}
	return vs, src, nil
}

// splitNested returns a nested model's variables (get_weights order) per
// layer of it, indexed like p.layers.
func splitNested(p *modelPlan, vars []savedVar) ([][]savedVar, error) {
	counts := make([]int, len(p.layers))
	for i, l := range p.layers {
		if sub := p.subs[i]; sub != nil {
			vs, _, err := nestedVars(sub)
			if err != nil {
				return nil, err
			}
			counts[i] = len(vs)
			continue
		}
		names, _, _, _ := layerVarNames(l)
		counts[i] = len(names)
	}
	out := make([][]savedVar, len(p.layers))
	at := 0
	for _, i := range p.weightOrder() {
		if at+counts[i] > len(vars) {
			return nil, fmt.Errorf("nested model %q: %d variables for its layers, %d given", p.name, at+counts[i], len(vars))
		}
		out[i] = vars[at : at+counts[i]]
		at += counts[i]
	}
	return out, nil
}

// legacyOrder is a nested model's variable list as a legacy .h5 group
// stores it: all trainable variables first, then the non-trainable ones.
func legacyOrder(vs []savedVar) []savedVar {
	var tr, non []savedVar
	for _, v := range vs {
		if v.trainable {
			tr = append(tr, v)
		} else {
			non = append(non, v)
		}
	}
	return append(tr, non...)
}

// orderedVars lists the model's variables per layer in get_weights order.
func orderedVars(p *modelPlan, vars [][]savedVar) [][]savedVar {
	var out [][]savedVar
	for _, i := range p.weightOrder() {
		out = append(out, vars[i])
	}
	return out
}

// fillCallShapes completes the per-call input shapes of layers that carry
// none: from the Keras tensors of the config the model was read from (Keras
// 3 files record them), else by carrying the input shapes through the
// layers whose output shape is known (outputShape). It works on a copy of
// the layers.
func (p *modelPlan) fillCallShapes(raw map[string]any) {
	layers := make([]LayerConfig, len(p.layers))
	copy(layers, p.layers)
	p.layers = layers
	rawNodes := rawInboundNodes(raw)
	for i := range layers {
		l := &layers[i]
		if l.CallShapes != nil {
			continue
		}
		if s := shapesOfNodes(rawNodes[l.Name], l.Inbound); s != nil {
			l.CallShapes = s
		}
	}
	out := map[TensorRef][]int{}
	for _, in := range p.inputs {
		out[TensorRef{Layer: in.Name}] = in.Shape
	}
	idx := map[string]int{}
	for i, l := range layers {
		idx[l.Name] = i
	}
	mc := &ModelConfig{Layers: layers, Outputs: p.outputs}
	order, err := mc.CallOrder()
	if err != nil {
		return
	}
	for _, c := range order {
		l := &layers[c.Layer]
		if c.Node >= len(l.CallShapes) || l.CallShapes[c.Node] == nil {
			in := make([][]int, len(l.Inbound[c.Node]))
			for k, r := range l.Inbound[c.Node] {
				in[k] = out[r]
			}
			if c.Node == 0 && len(in) == 1 && l.BuildInputShape != nil {
				in[0] = l.BuildInputShape
			}
			for len(l.CallShapes) <= c.Node {
				l.CallShapes = append(l.CallShapes, nil)
			}
			l.CallShapes[c.Node] = in
		}
		in := l.CallShapes[c.Node]
		if len(in) == 0 || in[0] == nil || p.subs[c.Layer] != nil {
			continue
		}
		var o []int
		switch {
		case l.ClassName == "Concatenate":
			o = concatShape(*l, in)
		case mergeClasses[l.ClassName] && l.ClassName != "Dot":
			o = in[0]
		case len(in) == 1:
			o = outputShape(*l, in[0])
		}
		if o != nil {
			out[TensorRef{Layer: l.Name, Node: c.Node}] = o
		}
	}
}

// rawInboundNodes maps layer names to their inbound_nodes in a parsed
// Functional config (mc.Raw), or nil.
func rawInboundNodes(raw map[string]any) map[string][]any {
	cfg, _ := raw["config"].(map[string]any)
	if cfg == nil {
		cfg = raw
	}
	ls, _ := cfg["layers"].([]any)
	out := map[string][]any{}
	for _, e := range ls {
		m, _ := e.(map[string]any)
		name, _ := m["name"].(string)
		if nodes, ok := m["inbound_nodes"].([]any); ok && name != "" {
			out[name] = nodes
		}
	}
	return out
}

// shapesOfNodes reads the shapes of the Keras tensors of Keras 3 nodes (in
// the order the reader finds them: args, then kwargs), or nil when they do
// not match the calls.
func shapesOfNodes(nodes []any, calls [][]TensorRef) [][][]int {
	if len(nodes) != len(calls) {
		return nil
	}
	out := make([][][]int, len(nodes))
	for c, n := range nodes {
		m, ok := n.(map[string]any)
		if !ok {
			return nil
		}
		var shapes [][]int
		collectTensorShapes(m["args"], &shapes, 0)
		collectTensorShapes(m["kwargs"], &shapes, 0)
		if len(shapes) != len(calls[c]) {
			return nil
		}
		out[c] = shapes
	}
	return out
}

func collectTensorShapes(v any, out *[][]int, depth int) {
	if depth > 64 {
		return
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			collectTensorShapes(e, out, depth+1)
		}
	case map[string]any:
		if x["class_name"] == "__keras_tensor__" {
			c, _ := x["config"].(map[string]any)
			s, _ := c["shape"].([]any)
			var shape []int
			for k, d := range s {
				if k == 0 {
					continue // batch
				}
				n, ok := intValue(d)
				if !ok {
					n = -1
				}
				shape = append(shape, n)
			}
			if s == nil {
				shape = nil
			} else if shape == nil {
				shape = []int{}
			}
			*out = append(*out, shape)
			return
		}
		keys := slices.Sorted(maps.Keys(x))
		for _, k := range keys {
			collectTensorShapes(x[k], out, depth+1)
		}
	}
}

// nestedSources says where each variable of nested layer i (get_weights
// order) finds its array in arrays[i], which depends on where the arrays
// came from: package keras (Describe) and Keras 3 files give them layer by
// layer in config order (for a Keras 3 file they are gathered here from
// the groups below the nested model's group); a legacy .h5 group lists all
// trainable variables first; .npz and npy directories are in get_weights
// order already.
func nestedSources(cfg *ModelConfig, p *modelPlan, w *Weights, i int, src []int, vars []savedVar, arrays [][]*tensor.Tensor) ([]int, error) {
	switch w.Layout {
	case LayoutKeras3:
		if len(arrays[i]) == 0 && len(vars) > 0 {
			nw := NestedWeights(cfg, w, i)
			if nw == nil {
				return nil, fmt.Errorf("nested model %q: the weights have no group for it", p.layers[i].Name)
			}
			a, err := keras3NestedArrays(cfg.Layers[i].Model, p.subs[i], nw)
			if err != nil {
				return nil, fmt.Errorf("nested model %q: %w", p.layers[i].Name, err)
			}
			arrays[i] = a
		}
		return src, nil
	case LayoutLegacy:
		pos := make([]int, len(vars))
		at := 0
		for _, tr := range []bool{true, false} {
			for k, v := range vars {
				if v.trainable == tr {
					pos[k] = at
					at++
				}
			}
		}
		return pos, nil
	}
	id := make([]int, len(vars))
	for k := range id {
		id[k] = k
	}
	return id, nil
}

// keras3NestedArrays gathers a nested model's arrays from its groups in a
// Keras 3 file, layer by layer in config order, recursively.
func keras3NestedArrays(mc *ModelConfig, p *modelPlan, w *Weights) ([]*tensor.Tensor, error) {
	counts := make([]int, len(mc.Layers))
	for j, l := range mc.Layers {
		if l.Model == nil {
			n, _, _, _ := layerVarNames(l)
			counts[j] = len(n)
		}
	}
	al, err := AlignWeights(mc, w, counts)
	if err != nil {
		return nil, err
	}
	var out []*tensor.Tensor
	for j, l := range mc.Layers {
		if l.Model == nil {
			out = append(out, al[j]...)
			continue
		}
		nw := NestedWeights(mc, w, j)
		if nw == nil {
			continue
		}
		a, err := keras3NestedArrays(l.Model, p.subs[j], nw)
		if err != nil {
			return nil, err
		}
		out = append(out, a...)
	}
	return out, nil
}

// concatShape is a Concatenate's output shape: the inputs' sizes summed
// along axis (-1 = None when one is unknown).
func concatShape(l LayerConfig, in [][]int) []int {
	axis, ok := intValue(numberOf(orDefault(l.Config["axis"], -1)))
	if !ok || len(in) == 0 || in[0] == nil {
		return nil
	}
	rank := len(in[0]) + 1 // with the batch axis
	if axis < 0 {
		axis += rank
	}
	if axis < 1 || axis >= rank {
		return nil
	}
	out := append([]int(nil), in[0]...)
	sum := 0
	for _, s := range in {
		if len(s) != len(out) {
			return nil
		}
		if s[axis-1] < 0 || sum < 0 {
			sum = -1
		} else {
			sum += s[axis-1]
		}
	}
	out[axis-1] = sum
	return out
}
