package runtime

import (
	"fmt"
	"math"
	"slices"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// Apply adds the activation to the graph: y = f(x). The identity returns x
// itself.
func (a *Activation) Apply(x *G.Node) (*G.Node, error) {
	if a.kind == actLinear {
		return x, nil
	}
	shape := []int(x.Shape())
	out, err := a.OutputShape(shape)
	if err != nil {
		return nil, err
	}
	op := &actOp{opBase: newOpBase("Act{"+a.id+"}", out, x), a: a, in: x}
	if a.kind != actElem {
		if op.axis, err = normAxis(a.axis, len(shape)); err != nil {
			return nil, fmt.Errorf("activation %s on shape %v: %w", a.name, shape, err)
		}
	}
	return G.ApplyOp(op, x)
}

// actOp applies an activation.
type actOp struct {
	opBase
	a    *Activation
	axis int     // normalized axis for axis-wise kinds
	in   *G.Node // the input (a crossentropy may take it as logits)
}

func (op *actOp) Do(vals ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, vals) }
func (op *actOp) DiffWRT(int) []bool                  { return []bool{true} }
func (op *actOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	g := &actGradOp{opBase: newOpBase("ActGrad{"+op.a.id+"}", inputs[0].Shape(), inputs[0], output, grad), a: op.a, axis: op.axis}
	dx, err := G.ApplyOp(g, inputs[0], output, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

func (op *actOp) build(c *kctx) (instr, error) {
	in := c.inShapes[0]
	switch op.a.kind {
	case actElem:
		return &actElemInstr{a: op.a, x: c.ins[0], y: c.out}, nil
	case actSoftmax, actLogSoftmax:
		o, n, inner := splitAxis(in, op.axis)
		return &softmaxInstr{log: op.a.kind == actLogSoftmax, x: c.ins[0], y: c.out, outer: o, n: n, inner: inner, tmp: c.temp(n)}, nil
	case actSparsemax:
		o, n, inner := splitAxis(in, op.axis)
		return &sparsemaxInstr{x: c.ins[0], y: c.out, outer: o, n: n, inner: inner, tmp: c.temp(n)}, nil
	case actGLU:
		o, n, inner := splitAxis(in, op.axis)
		return &gluInstr{x: c.ins[0], y: c.out, outer: o, half: n / 2, inner: inner}, nil
	}
	return nil, errors.Errorf("runtime: activation %s has no kernel", op.a.name)
}

// actGradOp computes the input gradient of an activation from (x, y, dy).
type actGradOp struct {
	opBase
	a    *Activation
	axis int
}

func (op *actGradOp) Do(vals ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, vals) }
func (op *actGradOp) DiffWRT(n int) []bool                { return make([]bool, n) }
func (op *actGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("runtime: %v is not differentiable (no second derivatives)", op)
}

func (op *actGradOp) build(c *kctx) (instr, error) {
	in := c.inShapes[0]
	x, y, dy, dx := c.ins[0], c.ins[1], c.ins[2], c.out
	switch op.a.kind {
	case actElem:
		return &actElemGradInstr{a: op.a, x: x, y: y, dy: dy, dx: dx}, nil
	case actSoftmax, actLogSoftmax:
		o, n, inner := splitAxis(in, op.axis)
		return &softmaxGradInstr{log: op.a.kind == actLogSoftmax, y: y, dy: dy, dx: dx, outer: o, n: n, inner: inner}, nil
	case actSparsemax:
		o, n, inner := splitAxis(in, op.axis)
		return &sparsemaxGradInstr{x: x, y: y, dy: dy, dx: dx, outer: o, n: n, inner: inner, tmp: c.temp(n)}, nil
	case actGLU:
		o, n, inner := splitAxis(in, op.axis)
		return &gluGradInstr{x: x, dy: dy, dx: dx, outer: o, half: n / 2, inner: inner}, nil
	}
	return nil, errors.Errorf("runtime: activation %s has no gradient kernel", op.a.name)
}

type actElemInstr struct {
	a    *Activation
	x, y int
}

func (in *actElemInstr) run(b [][]float32) { in.a.forward(b[in.y], b[in.x]) }

type actElemGradInstr struct {
	a            *Activation
	x, y, dy, dx int
}

func (in *actElemGradInstr) run(b [][]float32) { in.a.backward(b[in.dx], b[in.x], b[in.y], b[in.dy]) }

// softmaxInstr: y = softmax(x) or log_softmax(x) along the middle axis of
// (outer, n, inner), as numpy: exp(x − max) / Σ exp(x − max).
type softmaxInstr struct {
	log                  bool
	x, y                 int
	outer, n, inner, tmp int
}

func (in *softmaxInstr) run(b [][]float32) {
	x, y, e := b[in.x], b[in.y], b[in.tmp]
	n, inner := in.n, in.inner
	for o := 0; o < in.outer; o++ {
		for j := 0; j < inner; j++ {
			base := o*n*inner + j
			mx := float32(math.Inf(-1))
			for k := 0; k < n; k++ {
				if v := x[base+k*inner]; v > mx {
					mx = v
				}
			}
			var s float64
			for k := 0; k < n; k++ {
				v := float32(math.Exp(float64(x[base+k*inner] - mx)))
				e[k] = v
				s += float64(v)
			}
			s32 := float32(s)
			if in.log {
				ls := float32(math.Log(float64(s32)))
				for k := 0; k < n; k++ {
					y[base+k*inner] = x[base+k*inner] - mx - ls
				}
			} else {
				for k := 0; k < n; k++ {
					y[base+k*inner] = e[k] / s32
				}
			}
		}
	}
}

type softmaxGradInstr struct {
	log             bool
	y, dy, dx       int
	outer, n, inner int
}

func (in *softmaxGradInstr) run(b [][]float32) {
	y, dy, dx := b[in.y], b[in.dy], b[in.dx]
	n, inner := in.n, in.inner
	for o := 0; o < in.outer; o++ {
		for j := 0; j < inner; j++ {
			base := o*n*inner + j
			var s float64
			if in.log {
				for k := 0; k < n; k++ {
					s += float64(dy[base+k*inner])
				}
				for k := 0; k < n; k++ {
					i := base + k*inner
					dx[i] = float32(float64(dy[i]) - math.Exp(float64(y[i]))*s)
				}
				continue
			}
			for k := 0; k < n; k++ {
				i := base + k*inner
				s += float64(dy[i]) * float64(y[i])
			}
			for k := 0; k < n; k++ {
				i := base + k*inner
				dx[i] = float32(float64(y[i]) * (float64(dy[i]) - s))
			}
		}
	}
}

// sparsemaxInstr follows Keras 3's sparsemax exactly (all backends):
// sort descending, cumsum c, support z_j − (c_j − 1)/j > 0, k = |support|,
// τ = (Σ_{j∈support} c_j − 1)/k, y = max(x − τ, 0).
type sparsemaxInstr struct {
	x, y                 int
	outer, n, inner, tmp int
}

func sparsemaxTau(z []float32) (tau float32, k int) {
	slices.Sort(z)
	slices.Reverse(z)
	var c float32
	var sumC float32
	for j, v := range z {
		c += v
		if v-(c-1)/float32(j+1) > 0 {
			k++
			sumC += c
		}
	}
	return (sumC - 1) / float32(k), k
}

func (in *sparsemaxInstr) run(b [][]float32) {
	x, y, z := b[in.x], b[in.y], b[in.tmp]
	n, inner := in.n, in.inner
	for o := 0; o < in.outer; o++ {
		for j := 0; j < inner; j++ {
			base := o*n*inner + j
			for k := 0; k < n; k++ {
				z[k] = x[base+k*inner]
			}
			tau, _ := sparsemaxTau(z[:n])
			for k := 0; k < n; k++ {
				v := x[base+k*inner] - tau
				if v < 0 {
					v = 0
				}
				y[base+k*inner] = v
			}
		}
	}
}

type sparsemaxGradInstr struct {
	x, y, dy, dx         int
	outer, n, inner, tmp int
}

func (in *sparsemaxGradInstr) run(b [][]float32) {
	x, y, dy, dx, z := b[in.x], b[in.y], b[in.dy], b[in.dx], b[in.tmp]
	n, inner := in.n, in.inner
	for o := 0; o < in.outer; o++ {
		for j := 0; j < inner; j++ {
			base := o*n*inner + j
			for k := 0; k < n; k++ {
				z[k] = x[base+k*inner]
			}
			_, kk := sparsemaxTau(z[:n])
			var s float64
			for k := 0; k < n; k++ {
				i := base + k*inner
				if y[i] > 0 {
					s += float64(dy[i])
				}
			}
			for m := 0; m < n; m++ {
				im := base + m*inner
				xm := x[im]
				// rank of x_m in descending order (stable among ties)
				r := 0
				for k := 0; k < n; k++ {
					v := x[base+k*inner]
					if v > xm || (v == xm && k < m) {
						r++
					}
				}
				var dtau float64
				if r < kk {
					dtau = float64(kk-r) / float64(kk)
				}
				var d float64
				if y[im] > 0 {
					d = float64(dy[im])
				}
				dx[im] = float32(d - dtau*s)
			}
		}
	}
}

// gluInstr: x split into halves a, b along the axis; y = a·sigmoid(b).
type gluInstr struct {
	x, y               int
	outer, half, inner int
}

func (in *gluInstr) run(b [][]float32) {
	x, y := b[in.x], b[in.y]
	h, inner := in.half, in.inner
	for o := 0; o < in.outer; o++ {
		xb := o * 2 * h * inner
		yb := o * h * inner
		for k := 0; k < h*inner; k++ {
			a := x[xb+k]
			g := sigmoid32(x[xb+h*inner+k])
			y[yb+k] = a * g
		}
	}
}

type gluGradInstr struct {
	x, dy, dx          int
	outer, half, inner int
}

func (in *gluGradInstr) run(b [][]float32) {
	x, dy, dx := b[in.x], b[in.dy], b[in.dx]
	h, inner := in.half, in.inner
	for o := 0; o < in.outer; o++ {
		xb := o * 2 * h * inner
		yb := o * h * inner
		for k := 0; k < h*inner; k++ {
			a := float64(x[xb+k])
			s := 1 / (1 + math.Exp(-float64(x[xb+h*inner+k])))
			g := float64(dy[yb+k])
			dx[xb+k] = float32(g * s)
			dx[xb+h*inner+k] = float32(g * a * s * (1 - s))
		}
	}
}

var _ = gt.Float32
