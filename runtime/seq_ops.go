package runtime

import (
	"fmt"
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// Embedding emits Keras's Embedding lookup: table (V, D), ids of any shape
// (float32 holding integers, as kerago's tensors carry token ids); the
// output has the ids' shape with D appended, row ids[i] of the table at
// position i. An id that is not an integer in [0, V) yields a NaN row, never
// another row (keras.Model checks ids before predicting and reports them).
// Differentiable with respect to the table: the gradient adds each position's
// output gradient to the row it read (Keras's dense update of the rows used).
func (g *Graph) Embedding(table, ids *G.Node) (*G.Node, error) {
	ts := []int(table.Shape())
	if len(ts) != 2 || ids.Dims() < 1 {
		return nil, fmt.Errorf("runtime: embedding of table %v with ids %v: want a (rows, dim) table and ids with a batch axis", ts, []int(ids.Shape()))
	}
	out := append(append([]int(nil), ids.Shape()...), ts[1])
	op := &embedOp{opBase: newOpBase("Embedding", out, table, ids), v: ts[0], d: ts[1]}
	return G.ApplyOp(op, table, ids)
}

// embedOp: y[i, :] = table[ids[i], :]; with grad set it reads
// (table, ids, dy) and returns dtable.
type embedOp struct {
	opBase
	v, d int
	grad bool
}

func (op *embedOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *embedOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	d[0] = !op.grad
	return d
}
func (op *embedOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.Errorf("runtime: %v is not differentiable", op)
	}
	gop := &embedOp{opBase: newOpBase("EmbeddingGrad", in[0].Shape(), in[0], in[1], grad), v: op.v, d: op.d, grad: true}
	dt, err := G.ApplyOp(gop, in[0], in[1], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dt, nil}, nil
}
func (op *embedOp) build(c *kctx) (instr, error) {
	in := &embedInstr{op: op, table: c.ins[0], ids: c.ins[1], out: c.out, dy: -1}
	if op.grad {
		in.dy = c.ins[2]
	}
	return in, nil
}

type embedInstr struct {
	op                  *embedOp
	table, ids, dy, out int
}

// row returns the table row of an id, or -1 when the id is not an integer
// in range.
func (in *embedInstr) row(id float32) int {
	if id != float32(math.Trunc(float64(id))) || id < 0 || id >= float32(in.op.v) {
		return -1
	}
	return int(id)
}

func (in *embedInstr) run(b [][]float32) {
	D, ids, out := in.op.d, b[in.ids], b[in.out]
	if in.op.grad {
		clear(out)
		dy := b[in.dy]
		for i, id := range ids {
			r := in.row(id)
			if r < 0 {
				continue
			}
			dst := out[r*D : (r+1)*D]
			for k, v := range dy[i*D : (i+1)*D] {
				dst[k] += v
			}
		}
		return
	}
	table := b[in.table]
	for i, id := range ids {
		dst := out[i*D : (i+1)*D]
		r := in.row(id)
		if r < 0 {
			for k := range dst {
				dst[k] = float32(math.NaN())
			}
			continue
		}
		copy(dst, table[r*D:(r+1)*D])
	}
}

// StepMask emits a Keras mask (1 keep, 0 masked) of x's first two axes
// (batch, steps): for rank 2 x (token ids), m = (x ≠ value), as
// Embedding(mask_zero=True) with value 0; for rank ≥ 3 x, m = any(x[b, t, …]
// ≠ value), as Masking(mask_value). Not differentiable.
func (g *Graph) StepMask(x *G.Node, value float64) (*G.Node, error) {
	xs := []int(x.Shape())
	if len(xs) < 2 {
		return nil, fmt.Errorf("runtime: step mask of shape %v: want (batch, steps, ...)", xs)
	}
	op := &stepMaskOp{opBase: newOpBase(fmt.Sprintf("StepMask{%g}", value), xs[:2], x), value: float32(value), per: prod(xs[2:])}
	return G.ApplyOp(op, x)
}

type stepMaskOp struct {
	opBase
	value float32
	per   int
}

func (op *stepMaskOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *stepMaskOp) DiffWRT(n int) []bool             { return make([]bool, n) }
func (op *stepMaskOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("runtime: %v is not differentiable", op)
}
func (op *stepMaskOp) build(c *kctx) (instr, error) {
	return &stepMaskInstr{op: op, x: c.ins[0], out: c.out}, nil
}

type stepMaskInstr struct {
	op     *stepMaskOp
	x, out int
}

func (in *stepMaskInstr) run(b [][]float32) {
	x, out, P := b[in.x], b[in.out], in.op.per
	for i := range out {
		out[i] = 0
		for _, v := range x[i*P : (i+1)*P] {
			if v != in.op.value {
				out[i] = 1
				break
			}
		}
	}
}

// ApplyStepMask emits y[b, t, …] = x[b, t, …]·m[b, t] (Masking's output:
// masked steps become zeros). Differentiable with respect to x.
func (g *Graph) ApplyStepMask(x, mask *G.Node) (*G.Node, error) {
	xs, ms := []int(x.Shape()), []int(mask.Shape())
	if len(xs) < 2 || len(ms) != 2 || ms[0] != xs[0] || ms[1] != xs[1] {
		return nil, fmt.Errorf("runtime: step mask %v applied to %v: want mask (batch, steps)", ms, xs)
	}
	op := &applyMaskOp{opBase: newOpBase("ApplyStepMask", xs, x, mask), per: prod(xs[2:])}
	return G.ApplyOp(op, x, mask)
}

// applyMaskOp: y = x·m per step; its gradient w.r.t. x is the same op on
// dy (dx = dy·m).
type applyMaskOp struct {
	opBase
	per int
}

func (op *applyMaskOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *applyMaskOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	d[0] = true
	return d
}
func (op *applyMaskOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&applyMaskOp{opBase: newOpBase("ApplyStepMaskGrad", op.outShape, grad, in[1]), per: op.per}, grad, in[1])
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, nil}, nil
}
func (op *applyMaskOp) build(c *kctx) (instr, error) {
	return &applyMaskInstr{per: op.per, x: c.ins[0], m: c.ins[1], out: c.out}, nil
}

type applyMaskInstr struct{ per, x, m, out int }

func (in *applyMaskInstr) run(b [][]float32) {
	x, m, out, P := b[in.x], b[in.m], b[in.out], in.per
	for i, mv := range m {
		for k := i * P; k < (i+1)*P; k++ {
			out[k] = x[k] * mv
		}
	}
}
