package runtime

import (
	"fmt"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// MergeKind is the elementwise combination of a merge layer.
type MergeKind uint8

// The merge layers of Keras (layers/merging): Add, Subtract, Multiply,
// Average, Maximum, Minimum.
const (
	MergeAdd MergeKind = iota
	MergeSubtract
	MergeMultiply
	MergeAverage
	MergeMaximum
	MergeMinimum
)

var mergeNames = [...]string{"add", "subtract", "multiply", "average", "maximum", "minimum"}

// Merge combines inputs of one shape elementwise in Keras's order of
// operations: ((x0 ∘ x1) ∘ x2) ..., Average dividing the sum by n,
// Subtract taking exactly two inputs.
func (g *Graph) Merge(kind MergeKind, xs ...*G.Node) (*G.Node, error) {
	if len(xs) < 2 || (kind == MergeSubtract && len(xs) != 2) {
		return nil, fmt.Errorf("runtime: %s of %d inputs", mergeNames[kind], len(xs))
	}
	shape := []int(xs[0].Shape())
	for _, x := range xs[1:] {
		if !sameInts(shape, x.Shape()) {
			return nil, fmt.Errorf("runtime: %s of shapes %v and %v: kerago merges equal shapes", mergeNames[kind], shape, []int(x.Shape()))
		}
	}
	op := &mergeOp{opBase: newOpBase("merge_"+mergeNames[kind], shape, xs...), kind: kind}
	return G.ApplyOp(op, xs...)
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type mergeOp struct {
	opBase
	kind MergeKind
}

func (op *mergeOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *mergeOp) DiffWRT(n int) []bool             { return diffAll(n) }
func (op *mergeOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return gradPerInput(in, grad, func(i int, args G.Nodes) G.Op {
		return &mergeGradOp{opBase: newOpBase(fmt.Sprintf("%s_grad%d", op.name, i), op.outShape, args...), kind: op.kind, wrt: i}
	})
}

func (op *mergeOp) build(c *kctx) (instr, error) {
	return &mergeInstr{kind: op.kind, ins: append([]int(nil), c.ins...), out: c.out}, nil
}

type mergeInstr struct {
	kind MergeKind
	ins  []int
	out  int
}

func (in *mergeInstr) run(b [][]float32) {
	y := b[in.out]
	copy(y, b[in.ins[0]])
	for _, k := range in.ins[1:] {
		x := b[k]
		switch in.kind {
		case MergeAdd, MergeAverage:
			for i := range y {
				y[i] += x[i]
			}
		case MergeSubtract:
			for i := range y {
				y[i] -= x[i]
			}
		case MergeMultiply:
			for i := range y {
				y[i] *= x[i]
			}
		case MergeMaximum:
			for i := range y {
				y[i] = maxNaN(y[i], x[i])
			}
		case MergeMinimum:
			for i := range y {
				y[i] = -maxNaN(-y[i], -x[i])
			}
		}
	}
	if in.kind == MergeAverage {
		n := float32(len(in.ins))
		for i := range y {
			y[i] /= n
		}
	}
}

// maxNaN is the maximum that propagates NaN (as Keras's ops.maximum).
func maxNaN(a, b float32) float32 {
	if a != a || b != b {
		return a + b
	}
	if b > a {
		return b
	}
	return a
}

// mergeGradOp is the gradient of a merge with respect to input wrt, from
// (inputs..., dy).
type mergeGradOp struct {
	opBase
	kind MergeKind
	wrt  int
}

func (op *mergeGradOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *mergeGradOp) DiffWRT(n int) []bool             { return make([]bool, n) }
func (op *mergeGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("runtime: %v is not differentiable (no second derivatives)", op)
}

func (op *mergeGradOp) build(c *kctx) (instr, error) {
	n := len(c.ins) - 1
	return &mergeGradInstr{kind: op.kind, wrt: op.wrt, ins: append([]int(nil), c.ins[:n]...), dy: c.ins[n], dx: c.out}, nil
}

type mergeGradInstr struct {
	kind   MergeKind
	wrt    int
	ins    []int
	dy, dx int
}

func (in *mergeGradInstr) run(b [][]float32) {
	dy, dx := b[in.dy], b[in.dx]
	switch in.kind {
	case MergeAdd:
		copy(dx, dy)
	case MergeSubtract:
		copy(dx, dy)
		if in.wrt == 1 {
			for i := range dx {
				dx[i] = -dx[i]
			}
		}
	case MergeAverage:
		n := float32(len(in.ins))
		for i := range dx {
			dx[i] = dy[i] / n
		}
	case MergeMultiply:
		for i := range dx {
			p := dy[i]
			for j, k := range in.ins {
				if j != in.wrt {
					p *= b[k][i]
				}
			}
			dx[i] = p
		}
	case MergeMaximum, MergeMinimum:
		in.extremumGrad(b, dy, dx)
	}
}

// extremumGrad routes dy to the input that the left-to-right maximum
// (minimum) chose: at a tie the earlier running value wins, as TF's
// Maximum gradient (x >= y goes to x).
func (in *mergeGradInstr) extremumGrad(b [][]float32, dy, dx []float32) {
	for i := range dx {
		best, arg := b[in.ins[0]][i], 0
		for j, k := range in.ins[1:] {
			v := b[k][i]
			if (in.kind == MergeMaximum && v > best) || (in.kind == MergeMinimum && v < best) {
				best, arg = v, j+1
			}
		}
		if arg == in.wrt {
			dx[i] = dy[i]
		} else {
			dx[i] = 0
		}
	}
}

// Concat joins inputs along axis (of the batched shape; axis ≥ 1), all
// other dimensions equal.
func (g *Graph) Concat(axis int, xs ...*G.Node) (*G.Node, error) {
	if len(xs) == 0 {
		return nil, errors.New("runtime: concatenate of no inputs")
	}
	shape := append([]int(nil), xs[0].Shape()...)
	if axis < 0 {
		axis += len(shape)
	}
	if axis < 1 || axis >= len(shape) {
		return nil, fmt.Errorf("runtime: concatenate axis %d of shape %v", axis, shape)
	}
	total := 0
	for _, x := range xs {
		s := []int(x.Shape())
		if len(s) != len(shape) {
			return nil, fmt.Errorf("runtime: concatenate of shapes %v and %v", shape, s)
		}
		for d := range s {
			if d != axis && s[d] != shape[d] {
				return nil, fmt.Errorf("runtime: concatenate on axis %d of shapes %v and %v", axis, shape, s)
			}
		}
		total += s[axis]
	}
	shape[axis] = total
	op := &concatOp{opBase: newOpBase(fmt.Sprintf("concat%d", axis), shape, xs...), axis: axis}
	return G.ApplyOp(op, xs...)
}

type concatOp struct {
	opBase
	axis int
}

func (op *concatOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *concatOp) DiffWRT(n int) []bool             { return diffAll(n) }
func (op *concatOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	res := make(G.Nodes, len(in))
	off := 0
	for i, x := range in {
		s := []int(x.Shape())
		sl := &sliceOp{opBase: newOpBase(fmt.Sprintf("concat_grad%d_%d", op.axis, off), s, grad), axis: op.axis, off: off}
		d, err := G.ApplyOp(sl, grad)
		if err != nil {
			return nil, err
		}
		res[i] = d
		off += s[op.axis]
	}
	return res, nil
}

func (op *concatOp) build(c *kctx) (instr, error) {
	outer, _, inner := splitAxis(c.outShape, op.axis)
	in := &concatInstr{out: c.out, outer: outer, inner: inner, n: c.outShape[op.axis]}
	for i, k := range c.ins {
		in.ins = append(in.ins, k)
		in.sizes = append(in.sizes, c.inShapes[i][op.axis])
	}
	return in, nil
}

// concatInstr copies each input's rows into its column range of the output
// (the tensors seen as outer × n × inner).
type concatInstr struct {
	ins, sizes      []int
	out             int
	outer, n, inner int
}

func (in *concatInstr) run(b [][]float32) {
	y := b[in.out]
	off := 0
	for j, k := range in.ins {
		x, m := b[k], in.sizes[j]*in.inner
		for o := 0; o < in.outer; o++ {
			copy(y[(o*in.n)*in.inner+off:(o*in.n)*in.inner+off+m], x[o*m:(o+1)*m])
		}
		off += m
	}
}

// sliceOp takes [off, off+size) along axis (the gradient of Concat).
type sliceOp struct {
	opBase
	axis, off int
}

func (op *sliceOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *sliceOp) DiffWRT(n int) []bool             { return make([]bool, n) }
func (op *sliceOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("runtime: %v is not differentiable (no second derivatives)", op)
}

func (op *sliceOp) build(c *kctx) (instr, error) {
	outer, n, inner := splitAxis(c.inShapes[0], op.axis)
	return &sliceInstr{x: c.ins[0], y: c.out, outer: outer, n: n, inner: inner, off: op.off, m: c.outShape[op.axis]}, nil
}

type sliceInstr struct {
	x, y                    int
	outer, n, inner, off, m int
}

func (in *sliceInstr) run(b [][]float32) {
	x, y := b[in.x], b[in.y]
	w := in.m * in.inner
	for o := 0; o < in.outer; o++ {
		copy(y[o*w:(o+1)*w], x[(o*in.n+in.off)*in.inner:(o*in.n+in.off)*in.inner+w])
	}
}
