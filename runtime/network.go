package runtime

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
)

// NetworkConfig describes a network to compile.
type NetworkConfig struct {
	InputShape []int       // per-sample input shape (no batch dimension)
	Stages     []Stage     // in order
	Variables  []*Variable // all variables, in Keras get_weights() order
	// Loss is the compiled loss; nil makes an inference-only network
	// (TrainStep and TestStep fail). See package internal/kernels.
	Loss kernels.Loss
	Seed uint64 // seed of the dropout random generator
}

// Network is a compiled stack of stages. Predict may be called from many
// goroutines at once; TrainStep and TestStep may not (neither concurrently
// with each other).
type Network struct {
	inShape   []int
	inSize    int
	outShape  []int
	outSize   int
	stages    []Stage
	vars      []*Variable
	trainable []*Variable
	loss      kernels.Loss

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
	colsTrue int
}

// stepProgram is a compiled training or test step for one batch size.
type stepProgram struct {
	p        *program
	f        *frame
	g        *Graph
	outNodes []*G.Node // yPred, loss, gradients of the used trainable variables
	yNode    *G.Node
	swNode   *G.Node
	rows     int // per-sample loss values (yPred rows)
	colsTrue int
	colsPred int
	ones     []float32 // default sample weights
	swBuf    []float32 // expanded sample weights
	yPred    *tensor.Tensor
	grads    [][]float32
	gradIdx  []int // output index of each trainable variable's gradient, -1 if zero
	zeros    [][]float32
	result   StepResult
}

// StepResult is the outcome of one TrainStep.
type StepResult struct {
	// Loss is the compiled loss (sum_over_batch_size with sample weights,
	// spec §5.1) plus all regularization penalties.
	Loss float32
	// YPred are the predictions of this step's forward pass (before any
	// weight update), valid until the next call.
	YPred *tensor.Tensor
	// Grads holds the gradient of Loss for each trainable variable, in the
	// order of TrainableVariables(); valid until the next call.
	Grads [][]float32
}

// NewNetwork validates cfg and compiles the network for inference on one
// row (further batch sizes are compiled on first use).
func NewNetwork(cfg NetworkConfig) (*Network, error) {
	n := &Network{
		inShape: append([]int(nil), cfg.InputShape...),
		stages:  append([]Stage(nil), cfg.Stages...),
		vars:    append([]*Variable(nil), cfg.Variables...),
		loss:    cfg.Loss,
		steps:   map[stepKey]*stepProgram{},
		rngs:    map[int64]*rand.Rand{},
	}
	n.rng = rand.New(rand.NewPCG(cfg.Seed, 0x6b657261676f)) // "kerago"
	for _, d := range n.inShape {
		if d <= 0 {
			return nil, fmt.Errorf("runtime: input shape %v: every dimension must be positive", n.inShape)
		}
	}
	size, err := tensor.NumElements(n.inShape)
	if err != nil {
		return nil, fmt.Errorf("runtime: input shape: %w", err)
	}
	n.inSize = size
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
	g, out, err := n.emit(1, false)
	if err != nil {
		return nil, err
	}
	for v := range g.vars {
		if !seen[v] {
			return nil, fmt.Errorf("runtime: a stage uses variable %q that is not in NetworkConfig.Variables", v.Path)
		}
	}
	os := []int(out.Shape())
	if len(os) == 0 {
		return nil, errors.New("runtime: the network output is a scalar per batch, want a batch dimension")
	}
	n.outShape = append([]int(nil), os[1:]...)
	n.outSize = prod(n.outShape)
	p, err := compile(g, []*G.Node{g.x}, []*G.Node{out})
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

// emit builds the forward graph for a batch size.
func (n *Network) emit(batch int, training bool) (*Graph, *G.Node, error) {
	g := newGraph(batch, training)
	g.x = newInput(g.g, append([]int{batch}, n.inShape...), "x")
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
	return g, h, nil
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

// OutputShape returns the per-sample output shape.
func (n *Network) OutputShape() []int { return append([]int(nil), n.outShape...) }

// InputShape returns the per-sample input shape.
func (n *Network) InputShape() []int { return append([]int(nil), n.inShape...) }

// checkInput validates x's shape and values and returns the batch size.
func (n *Network) checkInput(x *tensor.Tensor) (int, error) {
	if x == nil {
		return 0, errors.New("runtime: input is nil")
	}
	s := x.Shape()
	ok := len(s) == len(n.inShape)+1
	for i := 0; ok && i < len(n.inShape); i++ {
		ok = s[i+1] == n.inShape[i]
	}
	if !ok {
		return 0, fmt.Errorf("runtime: input shape %v, model expects [batch %s]", s, dimsString(n.inShape))
	}
	if i := firstNonFinite(x.Data()); i >= 0 {
		return 0, fmt.Errorf("runtime: input element %d (row %d) is %v; inputs must be finite", i, i/max(1, n.inSize), x.Data()[i])
	}
	return s[0], nil
}

func dimsString(d []int) string {
	s := fmt.Sprint(d)
	return s[1 : len(s)-1]
}

// firstNonFinite returns the index of the first NaN or ±Inf, or -1. It
// checks blocks with one comparison per element (v-v is 0 exactly for finite
// v) and only searches element by element when a block fails.
func firstNonFinite(d []float32) int {
	const blk = 64
	for start := 0; start < len(d); start += blk {
		end := min(start+blk, len(d))
		var acc float32
		for _, v := range d[start:end] {
			acc += v - v
		}
		if acc != 0 || acc != acc {
			for i := start; i < end; i++ {
				v := float64(d[i])
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return i
				}
			}
		}
	}
	return -1
}

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
	g, out, err := n.emit(batch, false)
	if err != nil {
		return nil, err
	}
	p, err := compile(g, []*G.Node{g.x}, []*G.Node{out})
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
// [batch, InputShape...] and returns [batch, OutputShape...]. It is safe for
// concurrent use.
func (n *Network) Predict(x *tensor.Tensor) (*tensor.Tensor, error) {
	batch, err := n.checkInput(x)
	if err != nil {
		return nil, err
	}
	data := make([]float32, batch*n.outSize)
	xd := x.Data()
	for start := 0; start < batch; start += n.chunk {
		rows := min(n.chunk, batch-start)
		p, err := n.predictProgram(rows)
		if err != nil {
			return nil, err
		}
		f := p.getFrame()
		f.bufs[p.ext[0]] = xd[start*n.inSize : (start+rows)*n.inSize]
		p.bind(f)
		p.exec(f)
		copy(data[start*n.outSize:], f.bufs[p.outs[0]])
		p.putFrame(f)
		if rows == batch {
			// the program's output shape is [batch, OutputShape...]
			return tensor.FromSlice(data, p.slots[p.outs[0]].shape...)
		}
	}
	shape := make([]int, 1+len(n.outShape))
	shape[0] = batch
	copy(shape[1:], n.outShape)
	return tensor.FromSlice(data, shape...)
}

// targets validates y against the output for a batch: it returns the number
// of loss rows (output elements / last dimension) and y's values per row.
func (n *Network) targets(y *tensor.Tensor, batch int) (rows, colsTrue int, err error) {
	if y == nil {
		return 0, 0, errors.New("runtime: targets y are nil")
	}
	if len(n.outShape) == 0 {
		return 0, 0, errors.New("runtime: a loss needs an output with a last axis, the model outputs one value per sample")
	}
	colsPred := n.outShape[len(n.outShape)-1]
	rows = batch * n.outSize / max(1, colsPred)
	ys := y.Shape()
	if len(ys) == 0 || ys[0] != batch {
		return 0, 0, fmt.Errorf("runtime: targets shape %v, want %d rows (the batch size of x)", ys, batch)
	}
	if rows == 0 {
		return 0, 0, fmt.Errorf("runtime: empty output")
	}
	if y.Len()%rows != 0 {
		return 0, 0, fmt.Errorf("runtime: targets shape %v do not match the output shape [batch %s]", ys, dimsString(n.outShape))
	}
	colsTrue = y.Len() / rows
	if colsTrue != colsPred && colsTrue != 1 {
		return 0, 0, fmt.Errorf("runtime: targets shape %v do not match the output shape [batch %s]", ys, dimsString(n.outShape))
	}
	if i := firstNonFinite(y.Data()); i >= 0 {
		return 0, 0, fmt.Errorf("runtime: target element %d is %v; targets must be finite", i, y.Data()[i])
	}
	return rows, colsTrue, nil
}

func (n *Network) stepProgram(train bool, batch, colsTrue int) (*stepProgram, error) {
	key := stepKey{train: train, batch: batch, colsTrue: colsTrue}
	if sp := n.steps[key]; sp != nil {
		return sp, nil
	}
	g, out, err := n.emit(batch, train)
	if err != nil {
		return nil, err
	}
	os := []int(out.Shape())
	colsPred := os[len(os)-1]
	rows := prod(os) / max(1, colsPred)
	y := newInput(g.g, []int{rows, colsTrue}, "y")
	sw := newInput(g.g, []int{rows}, "sample_weight")
	lossIn, lossFn := lossInput(n.loss, out)
	loss, err := G.ApplyOp(newLossOp(lossFn, y, lossIn, sw, rows, colsTrue, colsPred), y, lossIn, sw)
	if err != nil {
		return nil, fmt.Errorf("runtime: loss: %w", err)
	}
	total := loss
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
	outs := []*G.Node{out, total}
	sp := &stepProgram{g: g, rows: rows, colsTrue: colsTrue, colsPred: colsPred, yNode: y, swNode: sw}
	if train {
		var wrt []*G.Node
		sp.gradIdx = make([]int, len(n.trainable))
		for i, v := range n.trainable {
			vn, ok := g.vars[v]
			if !ok {
				sp.gradIdx[i] = -1
				continue
			}
			sp.gradIdx[i] = len(outs)
			wrt = append(wrt, vn)
			outs = append(outs, nil)
		}
		if len(wrt) > 0 {
			grads, err := G.Grad(total, wrt...)
			if err != nil {
				return nil, fmt.Errorf("runtime: gradients: %w", err)
			}
			k := 0
			for i := range sp.gradIdx {
				if sp.gradIdx[i] >= 0 {
					outs[sp.gradIdx[i]] = grads[k]
					k++
				}
			}
		}
	}
	p, err := compile(g, []*G.Node{g.x, y, sw}, outs)
	if err != nil {
		return nil, err
	}
	sp.p = p
	sp.outNodes = outs
	sp.f = p.newFrame()
	sp.ones = make([]float32, rows)
	for i := range sp.ones {
		sp.ones[i] = 1
	}
	sp.yPred, err = tensor.FromSlice(sp.f.bufs[p.outs[0]], append([]int{batch}, n.outShape...)...)
	if err != nil {
		return nil, err
	}
	if train {
		sp.grads = make([][]float32, len(n.trainable))
		for i, oi := range sp.gradIdx {
			if oi < 0 {
				sp.grads[i] = make([]float32, n.trainable[i].Value.Len())
			}
		}
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

// sampleWeights returns the per-row weights for a step: ones when sw is nil,
// sw itself when it has one value per loss row, or each sample's weight
// repeated over its rows.
func (sp *stepProgram) sampleWeights(sw *tensor.Tensor, batch int) ([]float32, error) {
	if sw == nil {
		return sp.ones, nil
	}
	s := sw.Shape()
	if len(s) == 0 || s[0] != batch {
		return nil, fmt.Errorf("runtime: sample weights shape %v, want (%d,) or (%d, 1)", s, batch, batch)
	}
	if i := firstNonFinite(sw.Data()); i >= 0 {
		return nil, fmt.Errorf("runtime: sample weight %d is %v; weights must be finite", i, sw.Data()[i])
	}
	switch sw.Len() {
	case sp.rows:
		return sw.Data(), nil
	case batch:
		if sp.swBuf == nil {
			sp.swBuf = make([]float32, sp.rows)
		}
		per := sp.rows / batch
		for i, w := range sw.Data() {
			for j := 0; j < per; j++ {
				sp.swBuf[i*per+j] = w
			}
		}
		return sp.swBuf, nil
	}
	return nil, fmt.Errorf("runtime: sample weights shape %v, want (%d,) or (%d, 1)", s, batch, batch)
}

func (n *Network) runStep(train bool, x, y, sw *tensor.Tensor) (*stepProgram, error) {
	if n.loss == nil {
		return nil, errors.New("runtime: the network has no loss (inference only)")
	}
	batch, err := n.checkInput(x)
	if err != nil {
		return nil, err
	}
	if batch == 0 {
		return nil, errors.New("runtime: empty batch")
	}
	_, colsTrue, err := n.targets(y, batch)
	if err != nil {
		return nil, err
	}
	sp, err := n.stepProgram(train, batch, colsTrue)
	if err != nil {
		return nil, err
	}
	w, err := sp.sampleWeights(sw, batch)
	if err != nil {
		return nil, err
	}
	p, f := sp.p, sp.f
	if err := kernels.CheckInputs(n.loss, y.Data(), f.bufs[p.outs[0]], sp.rows, sp.colsTrue, sp.colsPred); err != nil {
		return nil, fmt.Errorf("runtime: %w", err)
	}
	f.bufs[p.ext[0]] = x.Data()
	f.bufs[p.ext[1]] = y.Data()
	f.bufs[p.ext[2]] = w
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
// sampleWeight may be nil; its shape is (batch,) or (batch, 1). Not safe for
// concurrent use.
func (n *Network) TrainStep(x, y, sampleWeight *tensor.Tensor) (*StepResult, error) {
	sp, err := n.runStep(true, x, y, sampleWeight)
	if err != nil {
		return nil, err
	}
	b := sp.f.bufs
	sp.result.Loss = b[sp.p.outs[1]][0]
	sp.result.YPred = sp.yPred
	for i, oi := range sp.gradIdx {
		if oi >= 0 {
			sp.grads[i] = b[sp.p.outs[oi]]
		}
	}
	sp.result.Grads = sp.grads
	return &sp.result, nil
}

// TestStep runs the forward pass with training=false and returns the loss
// (including regularization penalties) and the predictions (valid until the
// next call). Not safe for concurrent use with TrainStep.
func (n *Network) TestStep(x, y, sampleWeight *tensor.Tensor) (float32, *tensor.Tensor, error) {
	sp, err := n.runStep(false, x, y, sampleWeight)
	if err != nil {
		return 0, nil, err
	}
	return sp.f.bufs[sp.p.outs[1]][0], sp.yPred, nil
}
