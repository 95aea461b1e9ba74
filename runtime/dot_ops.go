package runtime

import (
	"fmt"
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// BatchDot contracts axis ax of x with axis ay of y per sample (Keras's
// Dot layer, batch_dot): the output holds x's other axes then y's other
// axes, or (batch, 1) when none remain. Axes count the batch axis (≥ 1).
func (g *Graph) BatchDot(x, y *G.Node, ax, ay int) (*G.Node, error) {
	xs, ys := []int(x.Shape()), []int(y.Shape())
	if ax < 1 || ax >= len(xs) || ay < 1 || ay >= len(ys) || xs[0] != ys[0] || xs[ax] != ys[ay] {
		return nil, fmt.Errorf("runtime: batch_dot of shapes %v and %v on axes (%d, %d)", xs, ys, ax, ay)
	}
	geo := dotGeo{
		batch: xs[0], k: xs[ax],
		xPre: prod(xs[1:ax]), xPost: prod(xs[ax+1:]),
		yPre: prod(ys[1:ay]), yPost: prod(ys[ay+1:]),
	}
	out := []int{xs[0]}
	out = append(append(out, xs[1:ax]...), xs[ax+1:]...)
	out = append(append(out, ys[1:ay]...), ys[ay+1:]...)
	if len(out) == 1 {
		out = append(out, 1)
	}
	op := &dotOp{opBase: newOpBase(fmt.Sprintf("batch_dot%v", geo), out, x, y), geo: geo}
	return G.ApplyOp(op, x, y)
}

// dotGeo views x as (batch, xPre, k, xPost) and y as (batch, yPre, k,
// yPost); the output is (batch, xPre·xPost, yPre·yPost).
type dotGeo struct{ batch, k, xPre, xPost, yPre, yPost int }

func (d dotGeo) xAt(b, m, k int) int {
	p, q := m/d.xPost, m%d.xPost
	return ((b*d.xPre+p)*d.k+k)*d.xPost + q
}

func (d dotGeo) yAt(b, n, k int) int {
	p, q := n/d.yPost, n%d.yPost
	return ((b*d.yPre+p)*d.k+k)*d.yPost + q
}

type dotOp struct {
	opBase
	geo dotGeo
}

func (op *dotOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *dotOp) DiffWRT(n int) []bool             { return diffAll(n) }
func (op *dotOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return gradPerInput(in, grad, func(i int, args G.Nodes) G.Op {
		return &dotGradOp{opBase: newOpBase(fmt.Sprintf("%s_grad%d", op.name, i), args[i].Shape(), args...), geo: op.geo, wrt: i}
	})
}

func (op *dotOp) build(c *kctx) (instr, error) {
	return &dotInstr{geo: op.geo, x: c.ins[0], y: c.ins[1], out: c.out}, nil
}

type dotInstr struct {
	geo       dotGeo
	x, y, out int
}

func (in *dotInstr) run(b [][]float32) {
	d, x, y, out := in.geo, b[in.x], b[in.y], b[in.out]
	M, N := d.xPre*d.xPost, d.yPre*d.yPost
	for bi := 0; bi < d.batch; bi++ {
		for m := 0; m < M; m++ {
			for n := 0; n < N; n++ {
				var s float32
				for k := 0; k < d.k; k++ {
					s += x[d.xAt(bi, m, k)] * y[d.yAt(bi, n, k)]
				}
				out[(bi*M+m)*N+n] = s
			}
		}
	}
}

// dotGradOp is the gradient of BatchDot with respect to input wrt, from
// (x, y, dOut).
type dotGradOp struct {
	opBase
	geo dotGeo
	wrt int
}

func (op *dotGradOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *dotGradOp) DiffWRT(n int) []bool             { return make([]bool, n) }
func (op *dotGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("runtime: %v is not differentiable (no second derivatives)", op)
}

func (op *dotGradOp) build(c *kctx) (instr, error) {
	return &dotGradInstr{geo: op.geo, wrt: op.wrt, x: c.ins[0], y: c.ins[1], dy: c.ins[2], dx: c.out}, nil
}

type dotGradInstr struct {
	geo          dotGeo
	wrt          int
	x, y, dy, dx int
}

func (in *dotGradInstr) run(b [][]float32) {
	d, x, y, g, dx := in.geo, b[in.x], b[in.y], b[in.dy], b[in.dx]
	M, N := d.xPre*d.xPost, d.yPre*d.yPost
	for bi := 0; bi < d.batch; bi++ {
		for k := 0; k < d.k; k++ {
			if in.wrt == 0 {
				for m := 0; m < M; m++ {
					var s float32
					for n := 0; n < N; n++ {
						s += g[(bi*M+m)*N+n] * y[d.yAt(bi, n, k)]
					}
					dx[d.xAt(bi, m, k)] = s
				}
				continue
			}
			for n := 0; n < N; n++ {
				var s float32
				for m := 0; m < M; m++ {
					s += x[d.xAt(bi, m, k)] * g[(bi*M+m)*N+n]
				}
				dx[d.yAt(bi, n, k)] = s
			}
		}
	}
}

// L2Normalize scales x along axis (≥ 1) to unit L2 norm as Keras's
// ops.normalize: x · rsqrt(max(Σx², ε²)), ε = 1e-7.
func (g *Graph) L2Normalize(x *G.Node, axis int) (*G.Node, error) {
	s := []int(x.Shape())
	if axis < 0 {
		axis += len(s)
	}
	if axis < 1 || axis >= len(s) {
		return nil, fmt.Errorf("runtime: normalize axis %d of shape %v", axis, s)
	}
	op := &l2NormOp{opBase: newOpBase(fmt.Sprintf("l2_normalize%d", axis), s, x), axis: axis}
	return G.ApplyOp(op, x)
}

const l2Eps2 = 1e-7 * 1e-7

type l2NormOp struct {
	opBase
	axis int
}

func (op *l2NormOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *l2NormOp) DiffWRT(n int) []bool             { return []bool{true} }
func (op *l2NormOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return gradPerInput(in, grad, func(i int, args G.Nodes) G.Op {
		return &l2NormGradOp{opBase: newOpBase(op.name+"_grad", op.outShape, args...), axis: op.axis}
	})
}

func (op *l2NormOp) build(c *kctx) (instr, error) {
	o, n, inner := splitAxis(c.inShapes[0], op.axis)
	return &l2NormInstr{x: c.ins[0], dy: -1, out: c.out, outer: o, n: n, inner: inner}, nil
}

type l2NormGradOp struct {
	opBase
	axis int
}

func (op *l2NormGradOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *l2NormGradOp) DiffWRT(n int) []bool             { return make([]bool, n) }
func (op *l2NormGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("runtime: %v is not differentiable (no second derivatives)", op)
}

func (op *l2NormGradOp) build(c *kctx) (instr, error) {
	o, n, inner := splitAxis(c.inShapes[0], op.axis)
	return &l2NormInstr{x: c.ins[0], dy: c.ins[1], out: c.out, outer: o, n: n, inner: inner}, nil
}

// l2NormInstr computes the normalization (dy < 0) or its input gradient
// dx = r·dy − x·r³·Σ(x·dy) where Σx² > ε² (else r·dy).
type l2NormInstr struct {
	x, dy, out      int
	outer, n, inner int
}

func (in *l2NormInstr) run(b [][]float32) {
	x, out := b[in.x], b[in.out]
	var dy []float32
	if in.dy >= 0 {
		dy = b[in.dy]
	}
	for o := 0; o < in.outer; o++ {
		for i := 0; i < in.inner; i++ {
			base := o*in.n*in.inner + i
			var ss float32
			for j := 0; j < in.n; j++ {
				v := x[base+j*in.inner]
				ss += v * v
			}
			clamped := ss <= l2Eps2
			r := float32(1 / math.Sqrt(float64(max(ss, l2Eps2))))
			if dy == nil {
				for j := 0; j < in.n; j++ {
					out[base+j*in.inner] = x[base+j*in.inner] * r
				}
				continue
			}
			var xd float32
			for j := 0; j < in.n; j++ {
				xd += x[base+j*in.inner] * dy[base+j*in.inner]
			}
			for j := 0; j < in.n; j++ {
				k := base + j*in.inner
				out[k] = r * dy[k]
				if !clamped {
					out[k] -= x[k] * r * r * r * xd
				}
			}
		}
	}
}
