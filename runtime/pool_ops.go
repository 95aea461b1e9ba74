package runtime

import (
	"fmt"

	"github.com/kerago/kerago/internal/elementwise"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// PoolParams configures Graph.Pool. Slices have one entry per spatial axis;
// nil Strides means Strides = Size (Keras's default), nil pads mean 0. The
// paddings are explicit: layers compute them with ConvOutputSize (dilation
// 1), which gives TF's split for "same".
type PoolParams struct {
	Max                 bool // max pooling; false: average pooling
	Size, Strides       []int
	PadBefore, PadAfter []int
}

// newPoolGeo is the geometry of a pooling of x (shape xs, channels last)
// with the window size, strides st and padding before/after pb, pa.
func newPoolGeo(xs, size, st, pb, pa []int) (*convGeo, error) {
	geo, err := newConvGeo(xs, size, xs[len(xs)-1], 1, st, nil, pb, pa)
	if err != nil {
		return nil, err
	}
	geo.pool = true
	geo.finish()
	return geo, nil
}

// Pool emits max or average pooling of x (N, spatial..., C), 1 to 3
// spatial axes, TF/JAX semantics (spec §3.2): padding cells never take
// part — max is over the window's real cells, average divides the sum of
// the real cells by their number (not torch's replicate padding). A window
// without any real cell gives 0. Differentiable w.r.t. x: max pooling
// routes the gradient to the first maximum in row-major window order.
func (g *Graph) Pool(x *G.Node, p PoolParams) (*G.Node, error) {
	xs := []int(x.Shape())
	st := p.Strides
	if st == nil {
		st = p.Size
	}
	if len(xs) < 3 {
		return nil, fmt.Errorf("runtime: pooling input of shape %v: want (batch, 1 to 3 spatial axes, channels)", xs)
	}
	geo, err := newPoolGeo(xs, p.Size, st, p.PadBefore, p.PadAfter)
	if err != nil {
		return nil, fmt.Errorf("runtime: pooling of %v with size %v: %w", xs, p.Size, err)
	}
	kind := "AvgPool"
	if p.Max {
		kind = "MaxPool"
	}
	op := &poolOp{opBase: newOpBase(fmt.Sprintf("%s{%v}", kind, geo), geo.outShape(), x), geo: geo, max: p.Max}
	return G.ApplyOp(op, x)
}

// GlobalPool emits the max or mean over all spatial axes of x (N,
// spatial..., C): shape (N, C), or (N, 1, ..., 1, C) with keepdims.
// Differentiable w.r.t. x.
func (g *Graph) GlobalPool(x *G.Node, max, keepdims bool) (*G.Node, error) {
	xs := []int(x.Shape())
	if len(xs) < 3 || len(xs) > 5 {
		return nil, fmt.Errorf("runtime: global pooling input of shape %v: want (batch, 1 to 3 spatial axes, channels)", xs)
	}
	sp := xs[1 : len(xs)-1]
	y, err := g.Pool(x, PoolParams{Max: max, Size: sp, Strides: sp})
	if err != nil || keepdims {
		return y, err
	}
	return G.Reshape(y, gt.Shape{xs[0], xs[len(xs)-1]})
}

// poolOp is max or average pooling; poolOp with grad set is its gradient,
// reading (x, y, dy).
type poolOp struct {
	opBase
	geo  *convGeo
	max  bool
	grad bool
}

func (op *poolOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *poolOp) DiffWRT(n int) []bool {
	if op.grad {
		return make([]bool, n)
	}
	return []bool{true}
}
func (op *poolOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.Errorf("runtime: %v is not differentiable", op)
	}
	gop := &poolOp{opBase: newOpBase(op.name+"Grad", in[0].Shape(), in[0], out, grad), geo: op.geo, max: op.max, grad: true}
	dx, err := G.ApplyOp(gop, in[0], out, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}
func (op *poolOp) build(c *kctx) (instr, error) {
	in := &poolInstr{geo: op.geo, max: op.max, grad: op.grad, x: c.ins[0], out: c.out, y: -1, dy: -1}
	if op.grad {
		in.y, in.dy = c.ins[1], c.ins[2]
		if op.max {
			in.uncovered, in.disjoint = op.geo.coverage()
		}
	}
	return in, nil
}

// buildReLUGrad builds the max-pooling gradient fused with the gradient of
// the plain ReLU whose output the pooling reads; c.ins are the pooling
// gradient's (x, y, dy) and c.out the ReLU input's gradient.
func (op *poolOp) buildReLUGrad(c *kctx) instr {
	in := &poolInstr{geo: op.geo, max: true, grad: true, relu: true, x: c.ins[0], y: c.ins[1], dy: c.ins[2], out: c.out}
	in.uncovered, in.disjoint = op.geo.coverage()
	return in
}

// coverage reports whether no input pixel is in two windows and, if so,
// which pixels are in none.
func (g *convGeo) coverage() (uncovered []int32, disjoint bool) {
	seen := make([]bool, g.inPix())
	for _, ip := range g.taps {
		if ip < 0 {
			continue
		}
		if seen[ip] {
			return nil, false
		}
		seen[ip] = true
	}
	for p, s := range seen {
		if !s {
			uncovered = append(uncovered, int32(p))
		}
	}
	return uncovered, true
}

type poolInstr struct {
	geo           *convGeo
	max, grad     bool
	x, y, dy, out int
	// max-pooling gradient with disjoint windows: every covered pixel is
	// written once (no clear, no read of dx), the uncovered ones are zeroed
	disjoint  bool
	uncovered []int32
	// relu: the gradient fused with that of the plain ReLU whose output x
	// is (see fusePoolReLUGrad): out is the ReLU input's gradient
	relu bool
}

func (in *poolInstr) run(b [][]float32) {
	g := in.geo
	switch {
	case !in.grad && in.max:
		g.maxPool(b[in.x], b[in.out])
	case !in.grad:
		g.avgPool(b[in.x], b[in.out])
	case in.max:
		g.maxPoolGrad(b[in.x], b[in.y], b[in.dy], b[in.out], in.disjoint, in.relu, in.uncovered)
	default:
		g.avgPoolGrad(b[in.dy], b[in.out])
	}
}

// window calls fn(yOff, xOffs) for every output pixel: yOff the offset of
// its channel row in y, and the tap list (input pixel offsets of x's
// channel rows, −1 for padding).
func (g *convGeo) window(fn func(yOff, xBase int, taps []int32)) {
	P, kv, inP := g.outPix(), g.kvol(), g.inPix()
	for b := 0; b < g.n; b++ {
		for p := 0; p < P; p++ {
			fn((b*P+p)*g.cout, b*inP, g.taps[p*kv:(p+1)*kv])
		}
	}
}

// maxPool writes each window's maximum (NaN if any cell is NaN; 0 for a
// window of padding only).
func (g *convGeo) maxPool(x, y []float32) {
	C, P, kv, inP := g.cin, g.outPix(), g.kvol(), g.inPix()
	elementwise.MaxPool(x[:g.n*inP*C], g.n, g.taps[:P*kv], kv, C, y[:g.n*P*C])
}

func (g *convGeo) avgPool(x, y []float32) {
	C := g.cin
	g.window(func(yo, xb int, taps []int32) {
		yr := y[yo : yo+C]
		clear(yr)
		n := 0
		for _, ip := range taps {
			if ip >= 0 {
				addInto(yr, x[(xb+int(ip))*C:(xb+int(ip)+1)*C])
				n++
			}
		}
		if n > 1 {
			d := float32(n)
			for c := range yr {
				yr[c] /= d
			}
		}
	})
}

// maxPoolGrad adds dy to the first cell of each window (in row-major tap
// order) equal to the window's maximum; a NaN maximum routes nothing. With
// disjoint windows it writes each covered cell once and zeroes the
// uncovered ones instead of clearing dx and adding. With relu (x the
// output of a plain ReLU) it routes +0 where the maximum is ≤ 0, which
// makes dx the gradient of the ReLU's input.
func (g *convGeo) maxPoolGrad(x, y, dy, dx []float32, disjoint, relu bool, uncovered []int32) {
	C, P, kv, inP := g.cin, g.outPix(), g.kvol(), g.inPix()
	if !disjoint {
		clear(dx[:g.n*inP*C])
	}
	for b := 0; b < g.n; b++ {
		for _, ip := range uncovered {
			o := (b*inP + int(ip)) * C
			clear(dx[o : o+C])
		}
	}
	n := g.n * inP * C
	elementwise.MaxPoolGrad(x[:n], g.n, g.taps[:P*kv], kv, C, y[:g.n*P*C], dy[:g.n*P*C], dx[:n], disjoint, relu)
}

func (g *convGeo) avgPoolGrad(dy, dx []float32) {
	C := g.cin
	clear(dx[:g.n*g.inPix()*C])
	g.window(func(yo, xb int, taps []int32) {
		n := 0
		for _, ip := range taps {
			if ip >= 0 {
				n++
			}
		}
		if n == 0 {
			return
		}
		dyr, d := dy[yo:yo+C], float32(n)
		for _, ip := range taps {
			if ip < 0 {
				continue
			}
			dxr := dx[(xb+int(ip))*C : (xb+int(ip)+1)*C]
			for c, v := range dyr {
				dxr[c] += v / d
			}
		}
	})
}

// MaskedGlobalAverage emits Keras's GlobalAveragePooling1D with a mask:
// x (N, T, C), mask (N, T) of 1 (keep) and 0 (masked):
// y[b, c] = Σ_t m[b,t]·x[b,t,c] / Σ_t m[b,t] (shape (N, C), or (N, 1, C)
// with keepdims); a fully masked row gives NaN (0/0) as in Keras.
// Differentiable w.r.t. x (the mask gets no gradient).
func (g *Graph) MaskedGlobalAverage(x, mask *G.Node, keepdims bool) (*G.Node, error) {
	xs, ms := []int(x.Shape()), []int(mask.Shape())
	if len(xs) != 3 || len(ms) != 2 || ms[0] != xs[0] || ms[1] != xs[1] {
		return nil, fmt.Errorf("runtime: masked global average of %v with mask %v: want x (batch, steps, channels) and mask (batch, steps)", xs, ms)
	}
	out := []int{xs[0], xs[2]}
	if keepdims {
		out = []int{xs[0], 1, xs[2]}
	}
	op := &maskedMeanOp{opBase: newOpBase(fmt.Sprintf("MaskedMean{%v}", keepdims), out, x, mask), n: xs[0], t: xs[1], c: xs[2]}
	return G.ApplyOp(op, x, mask)
}

// maskedMeanOp: y = Σ m·x / Σ m over steps; with grad set it reads
// (x, mask, dy) and returns dx = m·dy / Σ m.
type maskedMeanOp struct {
	opBase
	n, t, c int
	grad    bool
}

func (op *maskedMeanOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *maskedMeanOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	d[0] = !op.grad
	return d
}
func (op *maskedMeanOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.Errorf("runtime: %v is not differentiable", op)
	}
	gop := &maskedMeanOp{opBase: newOpBase(op.name+"Grad", in[0].Shape(), in[0], in[1], grad), n: op.n, t: op.t, c: op.c, grad: true}
	dx, err := G.ApplyOp(gop, in[0], in[1], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, nil}, nil
}
func (op *maskedMeanOp) build(c *kctx) (instr, error) {
	in := &maskedMeanInstr{op: op, x: c.ins[0], m: c.ins[1], out: c.out, dy: -1}
	if op.grad {
		in.dy = c.ins[2]
	}
	return in, nil
}

type maskedMeanInstr struct {
	op            *maskedMeanOp
	x, m, dy, out int
}

func (in *maskedMeanInstr) run(b [][]float32) {
	T, C := in.op.t, in.op.c
	m, out := b[in.m], b[in.out]
	for n := 0; n < in.op.n; n++ {
		var cnt float32
		for _, v := range m[n*T : (n+1)*T] {
			cnt += v
		}
		if in.op.grad {
			dy := b[in.dy][n*C : (n+1)*C]
			for t := 0; t < T; t++ {
				dx := out[(n*T+t)*C : (n*T+t+1)*C]
				s := m[n*T+t] / cnt
				for c, v := range dy {
					dx[c] = v * s
				}
			}
			continue
		}
		yr := out[n*C : (n+1)*C]
		clear(yr)
		for t := 0; t < T; t++ {
			if mv := m[n*T+t]; mv != 0 {
				axpy(yr, mv, b[in.x][(n*T+t)*C:(n*T+t+1)*C])
			}
		}
		for c := range yr {
			yr[c] /= cnt
		}
	}
}
