package runtime

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// instr is one compiled instruction of a program: it reads and writes the
// frame's buffers by slot index. Instructions are immutable and shared by all
// goroutines running the program.
type instr interface {
	run(b [][]float32)
}

// kctx describes one application of a kerago op to the executor: input and
// output slots with their shapes, and an allocator for scratch buffers that
// live as long as the instruction runs.
type kctx struct {
	ins      []int
	inShapes [][]int
	out      int
	outShape []int
	temp     func(n int) int
}

// kernelOp is implemented by kerago's own gorgonia ops: besides gorgonia.Op
// (so that gorgonia's TapeMachine can run them too) and gorgonia.SDOp (so that
// gorgonia.Grad can differentiate them), they compile to an executor
// instruction.
type kernelOp interface {
	G.Op
	build(c *kctx) (instr, error)
}

// opBase carries what every kerago op has in common: a name that identifies
// the op and its parameters (String and hash), the input ranks and the output
// shape. Ops embed it and add build, DiffWRT and SymDiff.
type opBase struct {
	name     string
	inDims   []int
	outShape gt.Shape
}

func newOpBase(name string, outShape []int, inputs ...*G.Node) opBase {
	d := make([]int, len(inputs))
	for i, n := range inputs {
		d[i] = n.Dims()
	}
	return opBase{name: name, inDims: d, outShape: gt.Shape(append([]int{}, outShape...))}
}

// diffAll is DiffWRT for an op differentiable with respect to all n inputs.
func diffAll(n int) []bool {
	d := make([]bool, n)
	for i := range d {
		d[i] = true
	}
	return d
}

// gradPerInput is SymDiff for ops whose gradient with respect to input i is
// one op reading (inputs..., grad): mk builds that op for input i.
func gradPerInput(in G.Nodes, grad *G.Node, mk func(i int, args G.Nodes) G.Op) (G.Nodes, error) {
	args := append(append(G.Nodes{}, in...), grad)
	res := make(G.Nodes, len(in))
	for i := range in {
		d, err := G.ApplyOp(mk(i, args), args...)
		if err != nil {
			return nil, err
		}
		res[i] = d
	}
	return res, nil
}

func f32Type(dims int) hm.Type {
	if dims == 0 {
		return gt.Float32
	}
	return G.TensorType{Dims: dims, Of: gt.Float32}
}

func (o *opBase) Arity() int { return len(o.inDims) }

func (o *opBase) Type() hm.Type {
	ts := make([]hm.Type, 0, len(o.inDims)+1)
	for _, d := range o.inDims {
		ts = append(ts, f32Type(d))
	}
	ts = append(ts, f32Type(len(o.outShape)))
	return hm.NewFnType(ts...)
}

func (o *opBase) InferShape(...G.DimSizer) (gt.Shape, error) { return o.outShape.Clone(), nil }
func (o *opBase) ReturnsPtr() bool                           { return false }
func (o *opBase) CallsExtern() bool                          { return false }
func (o *opBase) OverwritesInput() int                       { return -1 }
func (o *opBase) WriteHash(h hash.Hash)                      { fmt.Fprintf(h, "kerago.%s%v", o.name, []int(o.outShape)) }
func (o *opBase) Hashcode() uint32 {
	h := fnv.New32a()
	o.WriteHash(h)
	return h.Sum32()
}
func (o *opBase) String() string { return o.name }

// valueData returns the float32 data of a gorgonia value (a *tensor.Dense or
// a scalar *F32) and its shape.
func valueData(v G.Value) ([]float32, []int, error) {
	switch t := v.(type) {
	case *G.F32:
		return []float32{float32(*t)}, nil, nil
	case *gt.Dense:
		d, ok := t.Data().([]float32)
		if !ok {
			if f, ok2 := t.Data().(float32); ok2 {
				return []float32{f}, nil, nil
			}
			return nil, nil, fmt.Errorf("runtime: value of dtype %v, want float32", t.Dtype())
		}
		return d, []int(t.Shape()), nil
	default:
		return nil, nil, fmt.Errorf("runtime: unsupported value type %T", v)
	}
}

// doKernel runs a kerago op outside the executor, on gorgonia values: the
// implementation of gorgonia.Op.Do for TapeMachine and other VMs.
func doKernel(op kernelOp, outShape gt.Shape, inputs []G.Value) (G.Value, error) {
	if len(inputs) != op.Arity() {
		return nil, errors.Errorf("runtime: %v takes %d inputs, got %d", op, op.Arity(), len(inputs))
	}
	bufs := make([][]float32, 0, len(inputs)+4)
	c := &kctx{}
	for _, v := range inputs {
		d, s, err := valueData(v)
		if err != nil {
			return nil, errors.Wrapf(err, "%v", op)
		}
		c.ins = append(c.ins, len(bufs))
		c.inShapes = append(c.inShapes, s)
		bufs = append(bufs, d)
	}
	size := outShape.TotalSize()
	if len(outShape) == 0 {
		size = 1
	}
	c.out = len(bufs)
	c.outShape = []int(outShape)
	bufs = append(bufs, make([]float32, size))
	c.temp = func(n int) int {
		bufs = append(bufs, make([]float32, n))
		return len(bufs) - 1
	}
	in, err := op.build(c)
	if err != nil {
		return nil, err
	}
	in.run(bufs)
	out := bufs[c.out]
	if len(outShape) == 0 {
		return G.NewF32(out[0]), nil
	}
	return gt.New(gt.WithShape(outShape.Clone()...), gt.WithBacking(out)), nil
}

// prod returns the product of dims (1 for an empty list).
func prod(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

// splitAxis returns (outer, n, inner) for reducing or normalizing along axis
// of shape.
func splitAxis(shape []int, axis int) (outer, n, inner int) {
	return prod(shape[:axis]), shape[axis], prod(shape[axis+1:])
}

// nodesOf is a small helper to build gorgonia.Nodes.
func nodesOf(ns ...*G.Node) G.Nodes { return G.Nodes(ns) }
