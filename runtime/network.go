package runtime

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
)

// NetworkConfig describes a network to compile.
//
// A chain of stages gives InputShape and Stages; a graph (several inputs or
// outputs, branches, shared layers) gives InputShapes and Forward instead.
type NetworkConfig struct {
	InputShape []int   // per-sample input shape (no batch dimension)
	Stages     []Stage // in order

	// InputShapes are the per-sample shapes of a graph's inputs.
	InputShapes [][]int
	// Forward emits a graph's outputs from its input nodes (batch
	// dimension first); g.Training() tells which pass is being built.
	Forward func(g *Graph, xs []*G.Node) ([]*G.Node, error)

	Variables []*Variable // all variables, in Keras get_weights() order
	// Loss is the compiled loss of a one-output network; nil makes an
	// inference-only network (TrainStep and TestStep fail). See package
	// internal/kernels.
	Loss kernels.Loss
	// Losses are the per-output losses of a network with several outputs
	// (instead of Loss), weighted by LossWeights (nil: all 1).
	Losses      []kernels.Loss
	LossWeights []float32
	Seed        uint64 // seed of the dropout random generator
}

// Network is a compiled stack of stages. Predict may be called from many
// goroutines at once; TrainStep and TestStep may not (neither concurrently
// with each other).
type Network struct {
	inShapes  [][]int
	inSizes   []int
	outShapes [][]int
	outSizes  []int
	stages    []Stage
	forward   func(g *Graph, xs []*G.Node) ([]*G.Node, error)
	vars      []*Variable
	trainable []*Variable
	losses    []kernels.Loss // one per output, or nil
	lossW     []float32

	chunk int // rows per predict program run

	mu      sync.Mutex // serializes compiles into the predict cache
	predict atomic.Pointer[map[int]*program]

	steps map[stepKey]*stepProgram // TrainStep/TestStep programs
	rng   *rand.Rand
	rngs  map[int64]*rand.Rand // per-layer seeded generators
}

// Bounds of the program caches.
const (
	maxPredictPrograms = 16
	maxStepPrograms    = 8
	maxChunkRows       = 1024
	chunkArenaFloats   = 1 << 22
)

type stepKey struct {
	train    bool
	batch    int
	colsTrue int    // target columns of output 0
	more     string // target columns of the other outputs
}

// stepProgram is a compiled training or test step for one batch size.
//
// Program outputs: the yPred of each network output, the total loss, each
// output's loss, then the gradients. Program inputs: the network inputs,
// then y and sample weights of each output.
type stepProgram struct {
	p       *program
	f       *frame
	g       *Graph
	nIn     int
	ext     []*G.Node // program inputs
	outNode []*G.Node // program outputs
	outs    []stepOutput
	grads   [][]float32
	gradIdx []int // output index of each trainable variable's gradient, -1 if zero
	result  StepResult
}

// stepOutput is what a step program knows of one network output.
type stepOutput struct {
	rows     int // per-sample loss values (yPred rows)
	colsTrue int
	colsPred int
	ones     []float32 // default sample weights
	swBuf    []float32 // expanded sample weights
	yPred    *tensor.Tensor
}

// StepResult is the outcome of one TrainStep.
type StepResult struct {
	// Loss is the compiled loss (sum_over_batch_size with sample weights,
	// spec §5.1; with several outputs the weighted sum of their losses)
	// plus all regularization penalties.
	Loss float32
	// Losses are each output's unweighted loss (several outputs only).
	Losses []float32
	// YPred are the predictions of this step's forward pass (before any
	// weight update), valid until the next call; YPreds holds every
	// output's (YPred is YPreds[0]).
	YPred  *tensor.Tensor
	YPreds []*tensor.Tensor
	// Grads holds the gradient of Loss for each trainable variable, in the
	// order of TrainableVariables(); valid until the next call.
	Grads [][]float32
}

// NewNetwork validates cfg and compiles the network for inference on one
// row (further batch sizes are compiled on first use).
func NewNetwork(cfg NetworkConfig) (*Network, error) {
	n := &Network{
		stages:  append([]Stage(nil), cfg.Stages...),
		forward: cfg.Forward,
		vars:    append([]*Variable(nil), cfg.Variables...),
		steps:   map[stepKey]*stepProgram{},
		rngs:    map[int64]*rand.Rand{},
	}
	n.rng = rand.New(rand.NewPCG(cfg.Seed, 0x6b657261676f)) // "kerago"
	shapes := cfg.InputShapes
	if cfg.Forward == nil {
		shapes = [][]int{cfg.InputShape}
	} else if len(cfg.Stages) > 0 || cfg.InputShape != nil {
		return nil, errors.New("runtime: give either InputShape and Stages (a chain) or InputShapes and Forward (a graph)")
	}
	if len(shapes) == 0 {
		return nil, errors.New("runtime: the network has no input")
	}
	for _, sh := range shapes {
		for _, d := range sh {
			if d <= 0 {
				return nil, fmt.Errorf("runtime: input shape %v: every dimension must be positive", sh)
			}
		}
		size, err := tensor.NumElements(sh)
		if err != nil {
			return nil, fmt.Errorf("runtime: input shape: %w", err)
		}
		n.inShapes = append(n.inShapes, append([]int(nil), sh...))
		n.inSizes = append(n.inSizes, size)
	}
	seen := map[*Variable]bool{}
	for i, v := range n.vars {
		if v == nil || v.Value == nil {
			return nil, fmt.Errorf("runtime: variable %d has no value", i)
		}
		if seen[v] {
			return nil, fmt.Errorf("runtime: variable %q listed twice", v.Path)
		}
		seen[v] = true
		if v.Trainable {
			n.trainable = append(n.trainable, v)
		}
	}
	g, outs, err := n.emit(1, false)
	if err != nil {
		return nil, err
	}
	for v := range g.vars {
		if !seen[v] {
			return nil, fmt.Errorf("runtime: a stage uses variable %q that is not in NetworkConfig.Variables", v.Path)
		}
	}
	for _, out := range outs {
		os := []int(out.Shape())
		n.outShapes = append(n.outShapes, append([]int(nil), os[1:]...))
		n.outSizes = append(n.outSizes, prod(os[1:]))
	}
	if err := n.setLosses(cfg); err != nil {
		return nil, err
	}
	p, err := compile(g, g.xs, outs)
	if err != nil {
		return nil, err
	}
	n.chunk = maxChunkRows
	if p.arena > 0 {
		n.chunk = max(1, min(maxChunkRows, chunkArenaFloats/p.arena))
	}
	m := map[int]*program{1: p}
	n.predict.Store(&m)
	return n, nil
}

// setLosses records the per-output losses of cfg.
func (n *Network) setLosses(cfg NetworkConfig) error {
	switch {
	case cfg.Loss != nil && cfg.Losses != nil:
		return errors.New("runtime: give Loss (one output) or Losses (one per output), not both")
	case cfg.Loss != nil:
		if len(n.outShapes) != 1 {
			return fmt.Errorf("runtime: the network has %d outputs; give one loss per output (Losses)", len(n.outShapes))
		}
		n.losses = []kernels.Loss{cfg.Loss}
	case cfg.Losses != nil:
		if len(cfg.Losses) != len(n.outShapes) {
			return fmt.Errorf("runtime: %d losses for %d outputs", len(cfg.Losses), len(n.outShapes))
		}
		n.losses = append([]kernels.Loss(nil), cfg.Losses...)
	}
	if cfg.LossWeights != nil && len(cfg.LossWeights) != len(n.losses) {
		return fmt.Errorf("runtime: %d loss weights for %d losses", len(cfg.LossWeights), len(n.losses))
	}
	n.lossW = append([]float32(nil), cfg.LossWeights...)
	return nil
}

// emit builds the forward graph for a batch size.
func (n *Network) emit(batch int, training bool) (*Graph, []*G.Node, error) {
	g := newGraph(batch, training)
	for i, sh := range n.inShapes {
		name := "x"
		if i > 0 {
			name = fmt.Sprintf("x%d", i)
		}
		g.xs = append(g.xs, newInput(g.g, append([]int{batch}, sh...), name))
	}
	g.x = g.xs[0]
	var outs []*G.Node
	if n.forward != nil {
		var err error
		if outs, err = n.forward(g, g.xs); err != nil {
			return nil, nil, fmt.Errorf("runtime: %w", err)
		}
		if len(outs) == 0 {
			return nil, nil, errors.New("runtime: the network has no output")
		}
	} else {
		h := g.x
		for i, st := range n.stages {
			out, err := st.Emit(g, h, training)
			if err != nil {
				return nil, nil, fmt.Errorf("runtime: stage %d (%s): %w", i, stageName(st), err)
			}
			if out == nil {
				return nil, nil, fmt.Errorf("runtime: stage %d (%s) returned no node", i, stageName(st))
			}
			if s := out.Shape(); len(s) == 0 || s[0] != batch {
				return nil, nil, fmt.Errorf("runtime: stage %d (%s) output shape %v lost the batch dimension %d", i, stageName(st), s, batch)
			}
			h = out
		}
		outs = []*G.Node{h}
	}
	for i, out := range outs {
		if out == nil {
			return nil, nil, fmt.Errorf("runtime: output %d is missing", i)
		}
		if s := out.Shape(); len(s) == 0 || s[0] != batch {
			return nil, nil, fmt.Errorf("runtime: output %d has shape %v, want a batch dimension of %d first", i, s, batch)
		}
	}
	return g, outs, nil
}

func stageName(st Stage) string {
	if nm, ok := st.(interface{ Name() string }); ok {
		return nm.Name()
	}
	return fmt.Sprintf("%T", st)
}

// TrainableVariables returns the trainable variables in Keras order; the
// gradients of TrainStep follow this order.
func (n *Network) TrainableVariables() []*Variable { return append([]*Variable(nil), n.trainable...) }

// OutputShape returns the per-sample shape of the (first) output.
func (n *Network) OutputShape() []int { return append([]int(nil), n.outShapes[0]...) }

// OutputShapes returns the per-sample shape of every output.
func (n *Network) OutputShapes() [][]int { return cloneShapes(n.outShapes) }

// InputShape returns the per-sample shape of the (first) input.
func (n *Network) InputShape() []int { return append([]int(nil), n.inShapes[0]...) }

// InputShapes returns the per-sample shape of every input.
func (n *Network) InputShapes() [][]int { return cloneShapes(n.inShapes) }

func cloneShapes(s [][]int) [][]int {
	out := make([][]int, len(s))
	for i, e := range s {
		out[i] = append([]int(nil), e...)
	}
	return out
}

// checkInputs validates the shapes and values of a batch of inputs and
// returns the batch size.
func (n *Network) checkInputs(xs []*tensor.Tensor) (int, error) {
	if len(xs) != len(n.inShapes) {
		return 0, fmt.Errorf("runtime: %d inputs given, the model has %d", len(xs), len(n.inShapes))
	}
	batch := -1
	for k, x := range xs {
		if x == nil {
			return 0, fmt.Errorf("runtime: input %d is nil", k)
		}
		s, want := x.Shape(), n.inShapes[k]
		ok := len(s) == len(want)+1
		for i := 0; ok && i < len(want); i++ {
			ok = s[i+1] == want[i]
		}
		if !ok {
			return 0, fmt.Errorf("runtime: input %sshape %v, model expects [batch %s]", inputLabel(k, len(xs)), s, dimsString(want))
		}
		if batch >= 0 && s[0] != batch {
			return 0, fmt.Errorf("runtime: input %d has %d rows, input 0 has %d", k, s[0], batch)
		}
		batch = s[0]
		if i := firstNonFinite(x.Data()); i >= 0 {
			return 0, fmt.Errorf("runtime: input %selement %d (row %d) is %v; inputs must be finite", inputLabel(k, len(xs)), i, i/max(1, n.inSizes[k]), x.Data()[i])
		}
	}
	return batch, nil
}

func inputLabel(k, n int) string {
	if n == 1 {
		return ""
	}
	return fmt.Sprintf("%d ", k)
}

func dimsString(d []int) string {
	s := fmt.Sprint(d)
	return s[1 : len(s)-1]
}

// firstNonFinite returns the index of the first NaN or ±Inf, or -1.
func firstNonFinite(d []float32) int { return tensor.FirstNonFinite(d) }

// predictProgram returns the cached inference program for a batch size,
// compiling it on first use.
func (n *Network) predictProgram(batch int) (*program, error) {
	if p := (*n.predict.Load())[batch]; p != nil {
		return p, nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	old := *n.predict.Load()
	if p := old[batch]; p != nil {
		return p, nil
	}
	g, outs, err := n.emit(batch, false)
	if err != nil {
		return nil, err
	}
	p, err := compile(g, g.xs, outs)
	if err != nil {
		return nil, err
	}
	m := make(map[int]*program, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	if len(m) >= maxPredictPrograms {
		// evict one size other than the one-row and chunk-size programs
		for k := range m {
			if k != 1 && k != n.chunk {
				delete(m, k)
				break
			}
		}
	}
	m[batch] = p
	n.predict.Store(&m)
	return p, nil
}

// Predict runs inference (training=false: Dropout is the identity,
// BatchNormalization uses its moving statistics) on x of shape
// [batch, InputShape...] and returns [batch, OutputShape...]. The network
// must have one input and one output (else PredictN). It is safe for
// concurrent use.
func (n *Network) Predict(x *tensor.Tensor) (*tensor.Tensor, error) {
	if len(n.inShapes) != 1 || len(n.outShapes) != 1 {
		return nil, fmt.Errorf("runtime: the network has %d inputs and %d outputs; use PredictN", len(n.inShapes), len(n.outShapes))
	}
	ys, err := n.PredictN([]*tensor.Tensor{x})
	if err != nil {
		return nil, err
	}
	return ys[0], nil
}

// PredictN runs inference on one tensor per input (same number of rows)
// and returns one tensor per output. It is safe for concurrent use.
func (n *Network) PredictN(xs []*tensor.Tensor) ([]*tensor.Tensor, error) {
	batch, err := n.checkInputs(xs)
	if err != nil {
		return nil, err
	}
	data := make([][]float32, len(n.outShapes))
	for i := range data {
		data[i] = make([]float32, batch*n.outSizes[i])
	}
	for start := 0; start < batch; start += n.chunk {
		rows := min(n.chunk, batch-start)
		p, err := n.predictProgram(rows)
		if err != nil {
			return nil, err
		}
		f := p.getFrame()
		for k, x := range xs {
			f.bufs[p.ext[k]] = x.Data()[start*n.inSizes[k] : (start+rows)*n.inSizes[k]]
		}
		p.bind(f)
		p.exec(f)
		for i := range data {
			copy(data[i][start*n.outSizes[i]:], f.bufs[p.outs[i]][:rows*n.outSizes[i]])
		}
		p.putFrame(f)
	}
	out := make([]*tensor.Tensor, len(data))
	for i := range data {
		if out[i], err = tensor.FromSlice(data[i], append([]int{batch}, n.outShapes[i]...)...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// targets validates y against output k for a batch: it returns the number
// of loss rows (output elements / last dimension) and y's values per row.
func (n *Network) targets(k int, y *tensor.Tensor, batch int) (rows, colsTrue int, err error) {
	what := "targets"
	if len(n.outShapes) > 1 {
		what = fmt.Sprintf("targets of output %d", k)
	}
	if y == nil {
		return 0, 0, fmt.Errorf("runtime: %s are nil", what)
	}
	outShape := n.outShapes[k]
	if len(outShape) == 0 {
		return 0, 0, errors.New("runtime: a loss needs an output with a last axis, the model outputs one value per sample")
	}
	colsPred := outShape[len(outShape)-1]
	rows = batch * n.outSizes[k] / max(1, colsPred)
	ys := y.Shape()
	if len(ys) == 0 || ys[0] != batch {
		return 0, 0, fmt.Errorf("runtime: %s shape %v, want %d rows (the batch size of x)", what, ys, batch)
	}
	if rows == 0 {
		return 0, 0, fmt.Errorf("runtime: empty output")
	}
	if y.Len()%rows != 0 {
		return 0, 0, fmt.Errorf("runtime: %s shape %v do not match the output shape [batch %s]", what, ys, dimsString(outShape))
	}
	colsTrue = y.Len() / rows
	if colsTrue != colsPred && colsTrue != 1 {
		return 0, 0, fmt.Errorf("runtime: %s shape %v do not match the output shape [batch %s]", what, ys, dimsString(outShape))
	}
	if i := firstNonFinite(y.Data()); i >= 0 {
		return 0, 0, fmt.Errorf("runtime: target element %d is %v; targets must be finite", i, y.Data()[i])
	}
	return rows, colsTrue, nil
}

func (n *Network) stepProgram(train bool, batch int, colsTrue []int) (*stepProgram, error) {
	key := stepKey{train: train, batch: batch, colsTrue: colsTrue[0]}
	if len(colsTrue) > 1 {
		key.more = fmt.Sprint(colsTrue[1:])
	}
	if sp := n.steps[key]; sp != nil {
		return sp, nil
	}
	g, preds, err := n.emit(batch, train)
	if err != nil {
		return nil, err
	}
	sp := &stepProgram{g: g, nIn: len(g.xs)}
	ext := append([]*G.Node(nil), g.xs...)
	var total *G.Node
	var lossNodes []*G.Node
	for k, out := range preds {
		os := []int(out.Shape())
		so := stepOutput{colsTrue: colsTrue[k], colsPred: os[len(os)-1]}
		so.rows = prod(os) / max(1, so.colsPred)
		y := newInput(g.g, []int{so.rows, so.colsTrue}, fmt.Sprintf("y%d", k))
		sw := newInput(g.g, []int{so.rows}, fmt.Sprintf("sample_weight%d", k))
		ext = append(ext, y, sw)
		lossIn, lossFn := lossInput(n.losses[k], out)
		loss, err := G.ApplyOp(newLossOp(lossFn, y, lossIn, sw, so.rows, so.colsTrue, so.colsPred), y, lossIn, sw)
		if err != nil {
			return nil, fmt.Errorf("runtime: loss: %w", err)
		}
		lossNodes = append(lossNodes, loss)
		term := loss
		if len(n.lossW) > 0 && n.lossW[k] != 1 {
			w, err := g.Constant([]float32{n.lossW[k]}, nil)
			if err != nil {
				return nil, err
			}
			if term, err = G.Mul(loss, w); err != nil {
				return nil, err
			}
		}
		if total == nil {
			total = term
		} else if total, err = G.Add(total, term); err != nil {
			return nil, err
		}
		so.ones = make([]float32, so.rows)
		for i := range so.ones {
			so.ones[i] = 1
		}
		sp.outs = append(sp.outs, so)
	}
	if total, err = n.addPenalties(g, total); err != nil {
		return nil, err
	}
	outs := append(append(append([]*G.Node(nil), preds...), total), lossNodes...)
	if train {
		if outs, err = n.addGradients(sp, total, outs); err != nil {
			return nil, err
		}
	}
	p, err := compile(g, ext, outs)
	if err != nil {
		return nil, err
	}
	sp.p, sp.ext, sp.outNode = p, ext, outs
	sp.f = p.newFrame()
	sp.result.YPreds = make([]*tensor.Tensor, len(preds))
	sp.result.Losses = make([]float32, len(preds))
	for k := range sp.outs {
		so := &sp.outs[k]
		so.yPred, err = tensor.FromSlice(sp.f.bufs[p.outs[k]], append([]int{batch}, n.outShapes[k]...)...)
		if err != nil {
			return nil, err
		}
		sp.result.YPreds[k] = so.yPred
	}
	if len(n.steps) >= maxStepPrograms {
		for k := range n.steps {
			delete(n.steps, k)
			break
		}
	}
	n.steps[key] = sp
	return sp, nil
}

// addPenalties adds the regularization penalties of the trainable
// variables used by g and the graph's extra loss terms to total.
func (n *Network) addPenalties(g *Graph, total *G.Node) (*G.Node, error) {
	var err error
	for _, v := range n.trainable {
		if v.Regularizer == nil {
			continue
		}
		vn, ok := g.vars[v]
		if !ok {
			continue
		}
		pen, err := G.ApplyOp(newRegOp(v.Regularizer, vn), vn)
		if err != nil {
			return nil, fmt.Errorf("runtime: regularizer of %q: %w", v.Path, err)
		}
		if total, err = G.Add(total, pen); err != nil {
			return nil, err
		}
	}
	for _, e := range g.extra {
		if total, err = G.Add(total, e); err != nil {
			return nil, err
		}
	}
	return total, nil
}

// addGradients appends the gradient of total with respect to each trainable
// variable the graph uses to outs, recording their positions in sp.
func (n *Network) addGradients(sp *stepProgram, total *G.Node, outs []*G.Node) ([]*G.Node, error) {
	var wrt []*G.Node
	sp.gradIdx = make([]int, len(n.trainable))
	sp.grads = make([][]float32, len(n.trainable))
	for i, v := range n.trainable {
		vn, ok := sp.g.vars[v]
		if !ok {
			sp.gradIdx[i] = -1
			sp.grads[i] = make([]float32, v.Value.Len())
			continue
		}
		sp.gradIdx[i] = len(outs)
		wrt = append(wrt, vn)
		outs = append(outs, nil)
	}
	if len(wrt) == 0 {
		return outs, nil
	}
	grads, err := G.Grad(total, wrt...)
	if err != nil {
		return nil, fmt.Errorf("runtime: gradients: %w", err)
	}
	k := 0
	for _, oi := range sp.gradIdx {
		if oi >= 0 {
			outs[oi] = grads[k]
			k++
		}
	}
	return outs, nil
}

// sampleWeights returns the per-row weights of output k for a step: ones
// when sw is nil, sw itself when it has one value per loss row, or each
// sample's weight repeated over its rows.
func (sp *stepProgram) sampleWeights(k int, sw *tensor.Tensor, batch int) ([]float32, error) {
	so := &sp.outs[k]
	if sw == nil {
		return so.ones, nil
	}
	s := sw.Shape()
	if len(s) == 0 || s[0] != batch {
		return nil, fmt.Errorf("runtime: sample weights shape %v, want (%d,) or (%d, 1)", s, batch, batch)
	}
	if i := firstNonFinite(sw.Data()); i >= 0 {
		return nil, fmt.Errorf("runtime: sample weight %d is %v; weights must be finite", i, sw.Data()[i])
	}
	switch sw.Len() {
	case so.rows:
		return sw.Data(), nil
	case batch:
		if so.swBuf == nil {
			so.swBuf = make([]float32, so.rows)
		}
		per := so.rows / batch
		for i, w := range sw.Data() {
			for j := 0; j < per; j++ {
				so.swBuf[i*per+j] = w
			}
		}
		return so.swBuf, nil
	}
	return nil, fmt.Errorf("runtime: sample weights shape %v, want (%d,) or (%d, 1)", s, batch, batch)
}

func (n *Network) runStep(train bool, xs, ys []*tensor.Tensor, sw *tensor.Tensor) (*stepProgram, error) {
	if n.losses == nil {
		return nil, errors.New("runtime: the network has no loss (inference only)")
	}
	batch, err := n.checkInputs(xs)
	if err != nil {
		return nil, err
	}
	if batch == 0 {
		return nil, errors.New("runtime: empty batch")
	}
	if len(ys) != len(n.outShapes) {
		return nil, fmt.Errorf("runtime: %d targets given, the model has %d outputs", len(ys), len(n.outShapes))
	}
	var cols [4]int
	colsTrue := cols[:0]
	for k, y := range ys {
		_, c, err := n.targets(k, y, batch)
		if err != nil {
			return nil, err
		}
		colsTrue = append(colsTrue, c)
	}
	sp, err := n.stepProgram(train, batch, colsTrue)
	if err != nil {
		return nil, err
	}
	p, f := sp.p, sp.f
	for k, x := range xs {
		f.bufs[p.ext[k]] = x.Data()
	}
	for k, y := range ys {
		so := &sp.outs[k]
		w, err := sp.sampleWeights(k, sw, batch)
		if err != nil {
			return nil, err
		}
		if err := kernels.CheckInputs(n.losses[k], y.Data(), f.bufs[p.outs[k]], so.rows, so.colsTrue, so.colsPred); err != nil {
			return nil, fmt.Errorf("runtime: %w", err)
		}
		f.bufs[p.ext[sp.nIn+2*k]] = y.Data()
		f.bufs[p.ext[sp.nIn+2*k+1]] = w
	}
	if train {
		n.fillMasks(sp)
	}
	p.bind(f)
	p.exec(f)
	if train {
		for i, h := range sp.g.hooks {
			h.fn(f.bufs[p.hooks[i]])
		}
	}
	return sp, nil
}

func (n *Network) fillMasks(sp *stepProgram) {
	for i, m := range sp.g.masks {
		r := n.rng
		if m.seed >= 0 {
			if r = n.rngs[m.seed]; r == nil {
				r = rand.New(rand.NewPCG(uint64(m.seed), 0x6d61736b)) // "mask"
				n.rngs[m.seed] = r
			}
		}
		buf := sp.f.bufs[sp.p.masks[i]]
		if m.normal {
			for j := range buf {
				buf[j] = m.mean + m.std*float32(r.NormFloat64())
			}
			continue
		}
		keep := m.keep
		for j := range buf {
			if r.Float32() < keep {
				buf[j] = 1
			} else {
				buf[j] = 0
			}
		}
	}
}

// TrainStep runs one training step on a batch: forward with training=true
// (dropout masks from the seeded generator, BatchNormalization on batch
// statistics with the moving statistics updated in place as Keras does),
// the loss and the backward pass. It does not change trainable variables.
// sampleWeight may be nil; its shape is (batch,) or (batch, 1). The network
// must have one input and one output (else TrainStepN). Not safe for
// concurrent use.
func (n *Network) TrainStep(x, y, sampleWeight *tensor.Tensor) (*StepResult, error) {
	return n.TrainStepN([]*tensor.Tensor{x}, []*tensor.Tensor{y}, sampleWeight)
}

// TrainStepN is TrainStep for one tensor per input and one target per
// output.
func (n *Network) TrainStepN(xs, ys []*tensor.Tensor, sampleWeight *tensor.Tensor) (*StepResult, error) {
	sp, err := n.runStep(true, xs, ys, sampleWeight)
	if err != nil {
		return nil, err
	}
	sp.collect()
	return &sp.result, nil
}

// collect fills sp.result from the frame after a run.
func (sp *stepProgram) collect() {
	b, outs := sp.f.bufs, sp.p.outs
	k := len(sp.outs)
	sp.result.Loss = b[outs[k]][0]
	for i := range sp.outs {
		sp.result.Losses[i] = b[outs[k+1+i]][0]
	}
	sp.result.YPred = sp.result.YPreds[0]
	for i, oi := range sp.gradIdx {
		if oi >= 0 {
			sp.grads[i] = b[outs[oi]]
		}
	}
	sp.result.Grads = sp.grads
}

// TestStep runs the forward pass with training=false and returns the loss
// (including regularization penalties) and the predictions (valid until the
// next call). Not safe for concurrent use with TrainStep.
func (n *Network) TestStep(x, y, sampleWeight *tensor.Tensor) (float32, *tensor.Tensor, error) {
	res, err := n.TestStepN([]*tensor.Tensor{x}, []*tensor.Tensor{y}, sampleWeight)
	if err != nil {
		return 0, nil, err
	}
	return res.Loss, res.YPred, nil
}

// TestStepN is TestStep for one tensor per input and one target per
// output; the result (no gradients) is valid until the next call.
func (n *Network) TestStepN(xs, ys []*tensor.Tensor, sampleWeight *tensor.Tensor) (*StepResult, error) {
	sp, err := n.runStep(false, xs, ys, sampleWeight)
	if err != nil {
		return nil, err
	}
	sp.collect()
	return &sp.result, nil
}
