package runtime

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// Stage is anything that emits graph nodes; the layers of keras/layers
// implement it. Emit receives the stage's input node (batch dimension first)
// and returns its output node. training is true in TrainStep (Dropout active,
// BatchNormalization on batch statistics).
type Stage interface {
	Emit(g *Graph, x *G.Node, training bool) (*G.Node, error)
}

// Graph is one gorgonia expression graph being built for a fixed batch size.
// Stages use it to reach the nodes of model variables (Var), to request
// dropout masks (DropoutMask) and to register updates that run after a
// training step (AfterStep), such as BatchNormalization's moving statistics.
type Graph struct {
	g        *G.ExprGraph
	x        *G.Node   // the (first) input batch
	xs       []*G.Node // every input batch
	batch    int
	training bool

	vars    map[*Variable]*G.Node
	varList []*Variable
	seq     int

	masks []maskInput
	hooks []statHook
	// keras masks: the mask (1 keep, 0 masked; shape (batch, steps)) that
	// flows beside an output node, as Keras's _keras_mask
	seqMasks map[*G.Node]*G.Node
	extra    []*G.Node // extra scalar loss terms
}

type maskInput struct {
	node *G.Node
	keep float32 // probability of keeping a unit
	seed int64   // layer seed; -1 uses the network's generator
	// normal: draws of mean + std·z, z standard normal (NormalNoise),
	// instead of 0/1 keep draws
	normal    bool
	mean, std float32
}

type statHook struct {
	node *G.Node
	fn   func(data []float32)
}

func newGraph(batch int, training bool) *Graph {
	return &Graph{g: G.NewGraph(), batch: batch, training: training, vars: map[*Variable]*G.Node{}}
}

// ExprGraph returns the underlying gorgonia graph.
func (g *Graph) ExprGraph() *G.ExprGraph { return g.g }

// Input returns the graph's input node (the batch of x).
func (g *Graph) Input() *G.Node { return g.x }

// BatchSize returns the batch size the graph is built for.
func (g *Graph) BatchSize() int { return g.batch }

// Training reports whether the graph is built for a training step.
func (g *Graph) Training() bool { return g.training }

func (g *Graph) uniqueName(base string) string {
	g.seq++
	return fmt.Sprintf("%s#%d", base, g.seq)
}

// Var returns the node holding the current value of v (created on first
// use). The node is a gorgonia input; the runtime binds v.Value's data to it
// at every run.
func (g *Graph) Var(v *Variable) (*G.Node, error) {
	if n, ok := g.vars[v]; ok {
		return n, nil
	}
	if v == nil || v.Value == nil {
		return nil, fmt.Errorf("runtime: variable %v has no value", v)
	}
	shape := v.Value.Shape()
	n := newInput(g.g, shape, g.uniqueName(v.Path))
	g.vars[v] = n
	g.varList = append(g.varList, v)
	return n, nil
}

func newInput(g *G.ExprGraph, shape []int, name string) *G.Node {
	if len(shape) == 0 {
		return G.NewScalar(g, gt.Float32, G.WithName(name))
	}
	return G.NewTensor(g, gt.Float32, len(shape), G.WithShape(shape...), G.WithName(name))
}

// DropoutMask returns an input node of the given shape (batch dimension
// first) that holds, in each training step, independent draws of 1 (keep,
// probability keep) or 0. seed < 0 uses the network's generator (seeded by
// NetworkConfig.Seed); otherwise the mask has its own generator with that
// seed.
func (g *Graph) DropoutMask(shape []int, keep float64, seed int64) *G.Node {
	n := newInput(g.g, shape, g.uniqueName("dropout_mask"))
	g.masks = append(g.masks, maskInput{node: n, keep: float32(keep), seed: seed})
	return n
}

// NormalNoise returns an input node of the given shape that holds, in each
// training step, independent float32 draws of mean + stddev·z with z
// standard normal (Keras's random.normal), as GaussianNoise and
// GaussianDropout use. seed has DropoutMask's meaning. Outside training the
// node is never filled: layers use it only when training.
func (g *Graph) NormalNoise(shape []int, mean, stddev float64, seed int64) *G.Node {
	n := newInput(g.g, shape, g.uniqueName("normal_noise"))
	g.masks = append(g.masks, maskInput{node: n, seed: seed, normal: true, mean: float32(mean), std: float32(stddev)})
	return n
}

// SetMask records mask as the Keras mask of x: a (batch, steps) node of 1
// (keep) and 0 (masked), as Embedding(mask_zero=True) and Masking make.
func (g *Graph) SetMask(x, mask *G.Node) {
	if g.seqMasks == nil {
		g.seqMasks = map[*G.Node]*G.Node{}
	}
	g.seqMasks[x] = mask
}

// Mask returns the Keras mask flowing beside x, or nil.
func (g *Graph) Mask(x *G.Node) *G.Node { return g.seqMasks[x] }

// AfterStep registers fn to run after each training step with the values the
// step computed for node (for example a batch mean). fn runs on the caller's
// goroutine before TrainStep returns; data is valid only during the call.
func (g *Graph) AfterStep(node *G.Node, fn func(data []float32)) {
	g.hooks = append(g.hooks, statHook{node: node, fn: fn})
}

// AddLoss adds a scalar node to the training and test loss (for example an
// activity regularization term).
func (g *Graph) AddLoss(n *G.Node) error {
	if !n.IsScalar() {
		return fmt.Errorf("runtime: AddLoss needs a scalar node, have shape %v", n.Shape())
	}
	g.extra = append(g.extra, n)
	return nil
}
