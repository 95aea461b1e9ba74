package runtime

import (
	"fmt"
	"math"
	"slices"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// Constant adds a constant float32 tensor (shape may be empty for a scalar)
// to the graph.
func (g *Graph) Constant(data []float32, shape []int) (*G.Node, error) {
	if prod(shape) != len(data) {
		return nil, fmt.Errorf("runtime: constant of shape %v needs %d values, have %d", shape, prod(shape), len(data))
	}
	name := g.uniqueName("const")
	var n *G.Node
	if len(shape) == 0 {
		n = G.NewConstant(data[0], G.WithName(name))
	} else {
		t := gt.New(gt.WithShape(shape...), gt.WithBacking(append([]float32(nil), data...)))
		n = G.NewConstant(t, G.WithName(name))
	}
	return g.g.AddNode(n), nil
}

// bcastIndex maps every element of a tensor of shape full to the element of
// a tensor of shape small (same rank, each dimension equal or 1) it reads
// under broadcasting.
func bcastIndex(full, small []int) ([]int32, error) {
	if len(full) != len(small) {
		return nil, fmt.Errorf("cannot broadcast shape %v to %v", small, full)
	}
	for i := range full {
		if small[i] != full[i] && small[i] != 1 {
			return nil, fmt.Errorf("cannot broadcast shape %v to %v", small, full)
		}
	}
	n := prod(full)
	idx := make([]int32, n)
	strides := make([]int, len(small))
	s := 1
	for d := len(small) - 1; d >= 0; d-- {
		if small[d] == 1 {
			strides[d] = 0
		} else {
			strides[d] = s
		}
		s *= small[d]
	}
	coord := make([]int, len(full))
	for i := 0; i < n; i++ {
		o := 0
		for d, c := range coord {
			o += c * strides[d]
		}
		idx[i] = int32(o)
		for d := len(full) - 1; d >= 0; d-- {
			coord[d]++
			if coord[d] < full[d] {
				break
			}
			coord[d] = 0
		}
	}
	return idx, nil
}

// ---------------------------------------------------------------------------
// BatchNormalization

// BatchNormParams configures Graph.BatchNorm (keras.layers.BatchNormalization).
type BatchNormParams struct {
	Axis     int     // feature axis of the batched input; negative counts from the end
	Epsilon  float64 // added to the variance
	Momentum float64 // moving statistics: moving·momentum + batch·(1−momentum)
	// Gamma and Beta are nil when scale / center are off.
	Gamma, Beta                *Variable
	MovingMean, MovingVariance *Variable
	// BatchStats selects training behaviour: normalize with the batch mean and
	// (biased) variance and update the moving statistics after the step.
	BatchStats bool
}

// BatchNorm emits batch normalization of x. In inference it computes Keras's
// inv = γ/sqrt(var+ε); y = x·inv + (β − mean·inv) with the moving statistics.
// With BatchStats it uses mean = E[x], var = E[x²] − E[x]² over all axes but
// Axis, and registers the moving-statistics update.
func (g *Graph) BatchNorm(x *G.Node, p BatchNormParams) (*G.Node, error) {
	shape := []int(x.Shape())
	ax, err := normAxis(p.Axis, len(shape))
	if err != nil {
		return nil, fmt.Errorf("batch normalization of shape %v: %w", shape, err)
	}
	if ax == 0 {
		return nil, fmt.Errorf("batch normalization over the batch axis is not supported")
	}
	c := shape[ax]
	for _, v := range []*Variable{p.Gamma, p.Beta, p.MovingMean, p.MovingVariance} {
		if v != nil && v.Value.Len() != c {
			return nil, fmt.Errorf("variable %q has %d values, want %d (size of axis %d of %v)", v.Path, v.Value.Len(), c, p.Axis, shape)
		}
	}
	if p.MovingMean == nil || p.MovingVariance == nil {
		return nil, fmt.Errorf("batch normalization needs moving_mean and moving_variance")
	}
	outer, _, inner := splitAxis(shape, ax)
	geo := bnGeo{outer: outer, c: c, inner: inner}
	var mean, variance *G.Node
	if p.BatchStats {
		mo := &bnMeanOp{opBase: newOpBase(fmt.Sprintf("BNMean{%d}", ax), []int{c}, x), geo: geo}
		if mean, err = G.ApplyOp(mo, x); err != nil {
			return nil, err
		}
		vo := &bnVarOp{opBase: newOpBase(fmt.Sprintf("BNVar{%d}", ax), []int{c}, x, mean), geo: geo}
		if variance, err = G.ApplyOp(vo, x, mean); err != nil {
			return nil, err
		}
		m32, om32 := float32(p.Momentum), float32(1-p.Momentum)
		mm, mv := p.MovingMean, p.MovingVariance
		g.AfterStep(mean, func(d []float32) {
			w := mm.Value.Data()
			for i := range w {
				w[i] = w[i]*m32 + d[i]*om32
			}
		})
		g.AfterStep(variance, func(d []float32) {
			w := mv.Value.Data()
			for i := range w {
				w[i] = w[i]*m32 + d[i]*om32
			}
		})
	} else {
		if mean, err = g.Var(p.MovingMean); err != nil {
			return nil, err
		}
		if variance, err = g.Var(p.MovingVariance); err != nil {
			return nil, err
		}
	}
	ins := []*G.Node{x, mean, variance}
	ap := &bnApplyOp{geo: geo, eps: float32(p.Epsilon), gamma: -1, beta: -1}
	if p.Gamma != nil {
		n, err := g.Var(p.Gamma)
		if err != nil {
			return nil, err
		}
		ap.gamma = len(ins)
		ins = append(ins, n)
	}
	if p.Beta != nil {
		n, err := g.Var(p.Beta)
		if err != nil {
			return nil, err
		}
		ap.beta = len(ins)
		ins = append(ins, n)
	}
	ap.opBase = newOpBase(fmt.Sprintf("BN{%d,%v,%d,%d}", ax, p.Epsilon, ap.gamma, ap.beta), shape, ins...)
	return G.ApplyOp(ap, ins...)
}

// bnGeo is the (outer, channels, inner) layout of a batch-normalized tensor.
type bnGeo struct{ outer, c, inner int }

func (g bnGeo) count() int { return g.outer * g.inner }

// bnMeanOp: per-channel mean.
type bnMeanOp struct {
	opBase
	geo bnGeo
}

func (op *bnMeanOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *bnMeanOp) DiffWRT(int) []bool               { return []bool{true} }
func (op *bnMeanOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	b := &bnBcastOp{opBase: newOpBase("BNMeanGrad", in[0].Shape(), grad), geo: op.geo, scale: 1 / float32(op.geo.count())}
	d, err := G.ApplyOp(b, grad)
	return G.Nodes{d}, err
}
func (op *bnMeanOp) build(c *kctx) (instr, error) {
	return &bnMeanInstr{geo: op.geo, x: c.ins[0], out: c.out}, nil
}

type bnMeanInstr struct {
	geo    bnGeo
	x, out int
}

func (in *bnMeanInstr) run(b [][]float32) {
	x, out := b[in.x], b[in.out]
	g := in.geo
	for ch := 0; ch < g.c; ch++ {
		var s float64
		for o := 0; o < g.outer; o++ {
			base := (o*g.c + ch) * g.inner
			for _, v := range x[base : base+g.inner] {
				s += float64(v)
			}
		}
		out[ch] = float32(s / float64(g.count()))
	}
}

// bnBcastOp: dx[i] = scale · d[channel(i)] (gradient of a channel mean).
type bnBcastOp struct {
	opBase
	geo   bnGeo
	scale float32
}

func (op *bnBcastOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *bnBcastOp) DiffWRT(n int) []bool             { return make([]bool, n) }
func (op *bnBcastOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("runtime: %v is not differentiable", op)
}
func (op *bnBcastOp) build(c *kctx) (instr, error) {
	return &bnBcastInstr{geo: op.geo, scale: op.scale, d: c.ins[0], out: c.out}, nil
}

type bnBcastInstr struct {
	geo    bnGeo
	scale  float32
	d, out int
}

func (in *bnBcastInstr) run(b [][]float32) {
	d, out := b[in.d], b[in.out]
	g := in.geo
	for o := 0; o < g.outer; o++ {
		for ch := 0; ch < g.c; ch++ {
			v := d[ch] * in.scale
			base := (o*g.c + ch) * g.inner
			dst := out[base : base+g.inner]
			for i := range dst {
				dst[i] = v
			}
		}
	}
}

// bnVarOp: per-channel variance E[x²] − mean² (Keras ops.moments).
type bnVarOp struct {
	opBase
	geo bnGeo
}

func (op *bnVarOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *bnVarOp) DiffWRT(int) []bool               { return []bool{true, true} }
func (op *bnVarOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	gx := &bnVarGradOp{opBase: newOpBase("BNVarGradX", in[0].Shape(), in[0], in[1], grad), geo: op.geo, wrtMean: false}
	dx, err := G.ApplyOp(gx, in[0], in[1], grad)
	if err != nil {
		return nil, err
	}
	gm := &bnVarGradOp{opBase: newOpBase("BNVarGradMean", in[1].Shape(), in[0], in[1], grad), geo: op.geo, wrtMean: true}
	dm, err := G.ApplyOp(gm, in[0], in[1], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dm}, nil
}
func (op *bnVarOp) build(c *kctx) (instr, error) {
	return &bnVarInstr{geo: op.geo, x: c.ins[0], mean: c.ins[1], out: c.out}, nil
}

type bnVarInstr struct {
	geo          bnGeo
	x, mean, out int
}

func (in *bnVarInstr) run(b [][]float32) {
	x, mean, out := b[in.x], b[in.mean], b[in.out]
	g := in.geo
	for ch := 0; ch < g.c; ch++ {
		var s float64
		for o := 0; o < g.outer; o++ {
			base := (o*g.c + ch) * g.inner
			for _, v := range x[base : base+g.inner] {
				s += float64(v * v)
			}
		}
		m := mean[ch]
		out[ch] = float32(s/float64(g.count())) - m*m
	}
}

// bnVarGradOp: gradient of var = E[x²] − mean² w.r.t. x (2x/N·dvar) or
// w.r.t. mean (−2·mean·dvar).
type bnVarGradOp struct {
	opBase
	geo     bnGeo
	wrtMean bool
}

func (op *bnVarGradOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *bnVarGradOp) DiffWRT(n int) []bool             { return make([]bool, n) }
func (op *bnVarGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("runtime: %v is not differentiable", op)
}
func (op *bnVarGradOp) build(c *kctx) (instr, error) {
	return &bnVarGradInstr{geo: op.geo, wrtMean: op.wrtMean, x: c.ins[0], mean: c.ins[1], d: c.ins[2], out: c.out}, nil
}

type bnVarGradInstr struct {
	geo             bnGeo
	wrtMean         bool
	x, mean, d, out int
}

func (in *bnVarGradInstr) run(b [][]float32) {
	x, mean, d, out := b[in.x], b[in.mean], b[in.d], b[in.out]
	g := in.geo
	if in.wrtMean {
		for ch := 0; ch < g.c; ch++ {
			out[ch] = -2 * mean[ch] * d[ch]
		}
		return
	}
	k := 2 / float32(g.count())
	for o := 0; o < g.outer; o++ {
		for ch := 0; ch < g.c; ch++ {
			s := d[ch] * k
			base := (o*g.c + ch) * g.inner
			for i := base; i < base+g.inner; i++ {
				out[i] = x[i] * s
			}
		}
	}
}

// bnApplyOp: y = x·inv + (β − mean·inv), inv = γ/sqrt(var+ε). Inputs: x,
// mean, var, then γ and β when present (gamma/beta are their input indices
// or −1).
type bnApplyOp struct {
	opBase
	geo         bnGeo
	eps         float32
	gamma, beta int
}

func (op *bnApplyOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *bnApplyOp) DiffWRT(n int) []bool             { return diffAll(n) }
func (op *bnApplyOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return gradPerInput(in, grad, func(i int, args G.Nodes) G.Op {
		return &bnApplyGradOp{opBase: newOpBase(fmt.Sprintf("BNGrad{%d,%v,%d,%d}", i, op.eps, op.gamma, op.beta), in[i].Shape(), args...),
			apply: op, wrt: i}
	})
}
func (op *bnApplyOp) build(c *kctx) (instr, error) {
	in := &bnApplyInstr{op: op, x: c.ins[0], mean: c.ins[1], v: c.ins[2], gamma: -1, beta: -1, out: c.out, inv: c.temp(op.geo.c), res: c.temp(op.geo.c)}
	if op.gamma >= 0 {
		in.gamma = c.ins[op.gamma]
	}
	if op.beta >= 0 {
		in.beta = c.ins[op.beta]
	}
	return in, nil
}

type bnApplyInstr struct {
	op                    *bnApplyOp
	x, mean, v, out       int
	gamma, beta, inv, res int
}

// coeffs computes Keras's per-channel inv and res in float32.
func bnCoeffs(inv, res, mean, variance, gamma, beta []float32, eps float32) {
	for ch := range inv {
		s := float32(math.Sqrt(float64(variance[ch] + eps)))
		iv := 1 / s
		if gamma != nil {
			iv *= gamma[ch]
		}
		r := -mean[ch] * iv
		if beta != nil {
			r += beta[ch]
		}
		inv[ch], res[ch] = iv, r
	}
}

func optBuf(b [][]float32, i int) []float32 {
	if i < 0 {
		return nil
	}
	return b[i]
}

func (in *bnApplyInstr) run(b [][]float32) {
	g := in.op.geo
	inv, res := b[in.inv][:g.c], b[in.res][:g.c]
	bnCoeffs(inv, res, b[in.mean], b[in.v], optBuf(b, in.gamma), optBuf(b, in.beta), in.op.eps)
	x, out := b[in.x], b[in.out]
	if g.inner == 1 { // channels last: one row of channels per position
		for o := 0; o < g.outer; o++ {
			xr, or := x[o*g.c:(o+1)*g.c], out[o*g.c:(o+1)*g.c]
			for ch, v := range xr {
				or[ch] = v*inv[ch] + res[ch]
			}
		}
		return
	}
	for o := 0; o < g.outer; o++ {
		for ch := 0; ch < g.c; ch++ {
			iv, r := inv[ch], res[ch]
			base := (o*g.c + ch) * g.inner
			for i := base; i < base+g.inner; i++ {
				out[i] = x[i]*iv + r
			}
		}
	}
}

// bnApplyGradOp differentiates bnApplyOp w.r.t. its input wrt; inputs are
// bnApplyOp's inputs followed by dy.
type bnApplyGradOp struct {
	opBase
	apply *bnApplyOp
	wrt   int
}

func (op *bnApplyGradOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *bnApplyGradOp) DiffWRT(n int) []bool             { return make([]bool, n) }
func (op *bnApplyGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("runtime: %v is not differentiable", op)
}
func (op *bnApplyGradOp) build(c *kctx) (instr, error) {
	a := op.apply
	in := &bnApplyGradInstr{op: op, x: c.ins[0], mean: c.ins[1], v: c.ins[2], gamma: -1, dy: c.ins[len(c.ins)-1], out: c.out}
	if a.gamma >= 0 {
		in.gamma = c.ins[a.gamma]
	}
	return in, nil
}

type bnApplyGradInstr struct {
	op                         *bnApplyGradOp
	x, mean, v, gamma, dy, out int
}

func (in *bnApplyGradInstr) run(b [][]float32) {
	a := in.op.apply
	g := a.geo
	x, mean, variance, dy, out := b[in.x], b[in.mean], b[in.v], b[in.dy], b[in.out]
	gamma := optBuf(b, in.gamma)
	gam := func(ch int) float64 {
		if gamma == nil {
			return 1
		}
		return float64(gamma[ch])
	}
	// per-channel sums Σdy and Σdy·(x−mean)
	chanSums := func(ch int) (sdy, sdyx float64) {
		m := float64(mean[ch])
		for o := 0; o < g.outer; o++ {
			base := (o*g.c + ch) * g.inner
			for i := base; i < base+g.inner; i++ {
				sdy += float64(dy[i])
				sdyx += float64(dy[i]) * (float64(x[i]) - m)
			}
		}
		return
	}
	switch {
	case in.op.wrt == 0: // dx = dy·inv
		for ch := 0; ch < g.c; ch++ {
			iv := float32(gam(ch) / math.Sqrt(float64(variance[ch]+a.eps)))
			for o := 0; o < g.outer; o++ {
				base := (o*g.c + ch) * g.inner
				for i := base; i < base+g.inner; i++ {
					out[i] = dy[i] * iv
				}
			}
		}
	case in.op.wrt == 1: // dmean = −inv·Σdy
		for ch := 0; ch < g.c; ch++ {
			sdy, _ := chanSums(ch)
			out[ch] = float32(-gam(ch) / math.Sqrt(float64(variance[ch]+a.eps)) * sdy)
		}
	case in.op.wrt == 2: // dvar = −½·γ·(var+ε)^−3/2·Σdy·(x−mean)
		for ch := 0; ch < g.c; ch++ {
			_, sdyx := chanSums(ch)
			ve := float64(variance[ch] + a.eps)
			out[ch] = float32(-0.5 * gam(ch) * math.Pow(ve, -1.5) * sdyx)
		}
	case in.op.wrt == a.gamma: // dγ = Σdy·(x−mean)/sqrt(var+ε)
		for ch := 0; ch < g.c; ch++ {
			_, sdyx := chanSums(ch)
			out[ch] = float32(sdyx / math.Sqrt(float64(variance[ch]+a.eps)))
		}
	case in.op.wrt == a.beta: // dβ = Σdy
		for ch := 0; ch < g.c; ch++ {
			sdy, _ := chanSums(ch)
			out[ch] = float32(sdy)
		}
	}
}

// ---------------------------------------------------------------------------
// LayerNormalization

// LayerNormParams configures Graph.LayerNorm (keras.layers.LayerNormalization).
type LayerNormParams struct {
	Axes    []int // normalized axes of the batched input (negative count from the end); not 0
	Epsilon float64
	// Gamma and Beta are nil when scale / center are off; their shapes are
	// the sizes of Axes in order.
	Gamma, Beta *Variable
	RMSScaling  bool // Keras's deprecated rms_scaling: y = x·rsqrt(var+ε)·γ
}

// lnGeo maps each element of one sample to its group (over the
// non-normalized axes) and to its parameter index (over the normalized
// axes).
type lnGeo struct {
	sample int     // elements per sample
	groups int     // groups per sample
	m      int     // elements per group
	group  []int32 // per sample element
	pidx   []int32 // per sample element
}

// LayerNorm emits layer normalization of x over p.Axes.
func (g *Graph) LayerNorm(x *G.Node, p LayerNormParams) (*G.Node, error) {
	shape := []int(x.Shape())
	isNorm := make([]bool, len(shape))
	for _, a := range p.Axes {
		ax, err := normAxis(a, len(shape))
		if err != nil {
			return nil, fmt.Errorf("layer normalization of shape %v: %w", shape, err)
		}
		if ax == 0 {
			return nil, fmt.Errorf("layer normalization over the batch axis is not supported")
		}
		isNorm[ax] = true
	}
	if len(p.Axes) == 0 {
		return nil, fmt.Errorf("layer normalization needs at least one axis")
	}
	per := shape[1:]
	geo := lnGeo{sample: prod(per)}
	var gshape, pshape []int
	for i, d := range per {
		if isNorm[i+1] {
			pshape = append(pshape, d)
		} else {
			gshape = append(gshape, d)
		}
	}
	geo.groups, geo.m = prod(gshape), prod(pshape)
	geo.group = make([]int32, geo.sample)
	geo.pidx = make([]int32, geo.sample)
	coord := make([]int, len(per))
	for i := 0; i < geo.sample; i++ {
		gi, pi := 0, 0
		for d, c := range coord {
			if isNorm[d+1] {
				pi = pi*per[d] + c
			} else {
				gi = gi*per[d] + c
			}
		}
		geo.group[i], geo.pidx[i] = int32(gi), int32(pi)
		for d := len(per) - 1; d >= 0; d-- {
			coord[d]++
			if coord[d] < per[d] {
				break
			}
			coord[d] = 0
		}
	}
	for _, v := range []*Variable{p.Gamma, p.Beta} {
		if v != nil && v.Value.Len() != geo.m {
			return nil, fmt.Errorf("variable %q has %d values, want %d (normalized axes of %v)", v.Path, v.Value.Len(), geo.m, shape)
		}
	}
	op := &lnOp{geo: &geo, eps: float32(p.Epsilon), rms: p.RMSScaling, gamma: -1, beta: -1}
	ins := []*G.Node{x}
	if p.Gamma != nil {
		n, err := g.Var(p.Gamma)
		if err != nil {
			return nil, err
		}
		op.gamma = len(ins)
		ins = append(ins, n)
	}
	if p.Beta != nil && !p.RMSScaling {
		n, err := g.Var(p.Beta)
		if err != nil {
			return nil, err
		}
		op.beta = len(ins)
		ins = append(ins, n)
	}
	op.opBase = newOpBase(fmt.Sprintf("LN{%v,%v,%v,%d,%d}", p.Axes, p.Epsilon, p.RMSScaling, op.gamma, op.beta), shape, ins...)
	return G.ApplyOp(op, ins...)
}

type lnOp struct {
	opBase
	geo         *lnGeo
	eps         float32
	rms         bool
	gamma, beta int
}

func (op *lnOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *lnOp) DiffWRT(n int) []bool             { return diffAll(n) }
func (op *lnOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return gradPerInput(in, grad, func(i int, args G.Nodes) G.Op {
		return &lnGradOp{opBase: newOpBase(fmt.Sprintf("LNGrad{%d}%s", i, op.name), in[i].Shape(), args...), ln: op, wrt: i}
	})
}

func (op *lnOp) build(c *kctx) (instr, error) {
	batch := 1
	if len(c.inShapes[0]) > 0 {
		batch = c.inShapes[0][0]
	}
	in := &lnInstr{op: op, x: c.ins[0], out: c.out, gamma: -1, beta: -1, batch: batch,
		stats: c.temp(2 * op.geo.groups)}
	if op.gamma >= 0 {
		in.gamma = c.ins[op.gamma]
	}
	if op.beta >= 0 {
		in.beta = c.ins[op.beta]
	}
	return in, nil
}

type lnInstr struct {
	op                  *lnOp
	x, out, gamma, beta int
	batch, stats        int
}

// lnStats writes per-group mean and rsqrt(var+ε) of one sample (as Keras
// computes them in float32: var = E[x²] − mean², or the two-pass variance
// with rms_scaling).
func lnStats(geo *lnGeo, xs []float32, mean, rinv []float32, eps float32, rms bool, scratch []float64) {
	sum := scratch[:geo.groups]
	sq := scratch[geo.groups : 2*geo.groups]
	for i := range sum {
		sum[i], sq[i] = 0, 0
	}
	for i, v := range xs[:geo.sample] {
		gi := geo.group[i]
		sum[gi] += float64(v)
		sq[gi] += float64(v * v)
	}
	m := float64(geo.m)
	for gi := 0; gi < geo.groups; gi++ {
		mean[gi] = float32(sum[gi] / m)
	}
	if rms {
		for i := range sq {
			sq[i] = 0
		}
		for i, v := range xs[:geo.sample] {
			gi := geo.group[i]
			d := float64(v - mean[gi])
			sq[gi] += d * d
		}
		for gi := 0; gi < geo.groups; gi++ {
			rinv[gi] = 1 / float32(math.Sqrt(float64(float32(sq[gi]/m)+eps)))
		}
		return
	}
	for gi := 0; gi < geo.groups; gi++ {
		v := float32(sq[gi]/m) - mean[gi]*mean[gi]
		rinv[gi] = 1 / float32(math.Sqrt(float64(v+eps)))
	}
}

// scratch64 returns float64 scratch for lnStats: buf when it is large
// enough (callers pass a stack array; Dense models have few groups).
func scratch64(buf []float64, groups int) []float64 {
	if 2*groups <= len(buf) {
		return buf
	}
	return make([]float64, 2*groups)
}

func (in *lnInstr) run(b [][]float32) {
	op := in.op
	geo := op.geo
	x, out := b[in.x], b[in.out]
	gamma, beta := optBuf(b, in.gamma), optBuf(b, in.beta)
	st := b[in.stats]
	mean, rinv := st[:geo.groups], st[geo.groups:2*geo.groups]
	var buf [32]float64
	sc := scratch64(buf[:], geo.groups)
	for s := 0; s < in.batch; s++ {
		xs := x[s*geo.sample : (s+1)*geo.sample]
		ys := out[s*geo.sample : (s+1)*geo.sample]
		lnStats(geo, xs, mean, rinv, op.eps, op.rms, sc)
		for i, v := range xs {
			gi, pi := geo.group[i], geo.pidx[i]
			if op.rms {
				y := v * rinv[gi]
				if gamma != nil {
					y *= gamma[pi]
				}
				ys[i] = y
				continue
			}
			// Keras: inv = rsqrt(var+ε)·γ; res = −mean·inv + β; y = x·inv + res
			iv := rinv[gi]
			if gamma != nil {
				iv *= gamma[pi]
			}
			r := -mean[gi] * iv
			if beta != nil {
				r += beta[pi]
			}
			ys[i] = v*iv + r
		}
	}
}

// lnGradOp differentiates lnOp w.r.t. input wrt; inputs are lnOp's inputs
// followed by dy.
type lnGradOp struct {
	opBase
	ln  *lnOp
	wrt int
}

func (op *lnGradOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *lnGradOp) DiffWRT(n int) []bool             { return make([]bool, n) }
func (op *lnGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("runtime: %v is not differentiable", op)
}
func (op *lnGradOp) build(c *kctx) (instr, error) {
	batch := 1
	if len(c.inShapes[0]) > 0 {
		batch = c.inShapes[0][0]
	}
	in := &lnGradInstr{op: op, x: c.ins[0], dy: c.ins[len(c.ins)-1], out: c.out, gamma: -1, batch: batch,
		stats: c.temp(2 * op.ln.geo.groups), acc: c.temp(2 * op.ln.geo.groups), nout: prod(c.outShape)}
	if op.ln.gamma >= 0 {
		in.gamma = c.ins[op.ln.gamma]
	}
	return in, nil
}

type lnGradInstr struct {
	op                *lnGradOp
	x, dy, out, gamma int
	batch, stats, acc int
	nout              int // output size (parameter count for γ and β; GroupNorm's differs from geo.m)
}

func (in *lnGradInstr) run(b [][]float32) {
	ln := in.op.ln
	geo := ln.geo
	x, dy, out := b[in.x], b[in.dy], b[in.out]
	gamma := optBuf(b, in.gamma)
	st := b[in.stats]
	mean, rinv := st[:geo.groups], st[geo.groups:2*geo.groups]
	wrt := in.op.wrt
	if wrt != 0 { // parameter gradients accumulate over the batch
		for i := range out[:in.nout] {
			out[i] = 0
		}
	}
	acc := b[in.acc]
	s1, s2 := acc[:geo.groups], acc[geo.groups:2*geo.groups]
	m := float32(geo.m)
	var buf [32]float64
	sc := scratch64(buf[:], geo.groups)
	for s := 0; s < in.batch; s++ {
		xs := x[s*geo.sample : (s+1)*geo.sample]
		ds := dy[s*geo.sample : (s+1)*geo.sample]
		lnStats(geo, xs, mean, rinv, ln.eps, ln.rms, sc)
		switch {
		case wrt == ln.beta:
			for i, d := range ds {
				out[geo.pidx[i]] += d
			}
		case wrt == ln.gamma:
			for i, d := range ds {
				gi := geo.group[i]
				xh := xs[i] * rinv[gi]
				if !ln.rms {
					xh = (xs[i] - mean[gi]) * rinv[gi]
				}
				out[geo.pidx[i]] += d * xh
			}
		default: // wrt x
			for i := range s1 {
				s1[i], s2[i] = 0, 0
			}
			// u = dy·γ; non-rms: dx = r(u − mean(u) − x̂·mean(u·x̂))
			// rms: dx = r·u − r³(x − mean)/M · Σ u·x
			for i, d := range ds {
				gi := geo.group[i]
				u := d
				if gamma != nil {
					u *= gamma[geo.pidx[i]]
				}
				if ln.rms {
					s1[gi] += u * xs[i]
				} else {
					s1[gi] += u
					s2[gi] += u * (xs[i] - mean[gi]) * rinv[gi]
				}
			}
			ys := out[s*geo.sample : (s+1)*geo.sample]
			for i, d := range ds {
				gi := geo.group[i]
				u := d
				if gamma != nil {
					u *= gamma[geo.pidx[i]]
				}
				r := rinv[gi]
				if ln.rms {
					ys[i] = r*u - r*r*r*(xs[i]-mean[gi])/m*s1[gi]
				} else {
					xh := (xs[i] - mean[gi]) * r
					ys[i] = r * (u - s1[gi]/m - xh*s2[gi]/m)
				}
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Normalization (preprocessing layer)

// Normalize emits keras.layers.Normalization: (x − mean)/max(sqrt(var), 1e-7)
// or, with invert, mean + x·max(sqrt(var), 1e-7). mean and variance are
// nodes of shape paramShape, which is the per-sample shape with 1 on the
// axes that are not kept (or empty for a single mean and variance).
func (g *Graph) Normalize(x, mean, variance *G.Node, paramShape []int, invert bool) (*G.Node, error) {
	shape := []int(x.Shape())
	per := shape[1:]
	var pidx []int32
	if len(paramShape) != 0 {
		var err error
		if pidx, err = bcastIndex(per, paramShape); err != nil {
			return nil, fmt.Errorf("normalization: %w", err)
		}
	}
	if nodeSize(mean) != prod(paramShape) || nodeSize(variance) != prod(paramShape) {
		return nil, fmt.Errorf("normalization: mean/variance have %d/%d values, want %d (shape %v)", nodeSize(mean), nodeSize(variance), prod(paramShape), paramShape)
	}
	op := &normOp{opBase: newOpBase(fmt.Sprintf("Normalize{%v,%v}", paramShape, invert), shape, x, mean, variance),
		pidx: pidx, sample: prod(per), invert: invert}
	return G.ApplyOp(op, x, mean, variance)
}

type normOp struct {
	opBase
	pidx   []int32 // per sample element → parameter index; nil for scalar parameters
	sample int
	invert bool
	grad   bool
}

func (op *normOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *normOp) DiffWRT(n int) []bool {
	if op.grad {
		return make([]bool, n)
	}
	return []bool{true, false, false}
}
func (op *normOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.Errorf("runtime: %v is not differentiable", op)
	}
	gop := &normOp{opBase: newOpBase("NormalizeGrad"+op.name, in[0].Shape(), grad, in[1], in[2]), pidx: op.pidx, sample: op.sample, invert: op.invert, grad: true}
	d, err := G.ApplyOp(gop, grad, in[1], in[2])
	if err != nil {
		return nil, err
	}
	return G.Nodes{d, nil, nil}, nil
}
func (op *normOp) build(c *kctx) (instr, error) {
	return &normInstr{op: op, x: c.ins[0], mean: c.ins[1], v: c.ins[2], out: c.out, n: prod(c.outShape)}, nil
}

type normInstr struct {
	op                 *normOp
	x, mean, v, out, n int
}

func (in *normInstr) run(b [][]float32) {
	op := in.op
	x, mean, variance, out := b[in.x][:in.n], b[in.mean], b[in.v], b[in.out]
	for i, v := range x {
		p := 0
		if op.pidx != nil {
			p = int(op.pidx[i%op.sample])
		}
		sd := float32(math.Sqrt(float64(variance[p])))
		if sd < 1e-7 {
			sd = 1e-7
		}
		switch {
		case op.grad && op.invert:
			out[i] = v * sd
		case op.grad:
			out[i] = v / sd
		case op.invert:
			out[i] = mean[p] + v*sd
		default:
			out[i] = (v - mean[p]) / sd
		}
	}
}

// ---------------------------------------------------------------------------
// PReLU

// PReLU emits keras.layers.PReLU: relu(x) − alpha·relu(−x), alpha of shape
// paramShape (the per-sample shape with 1 on shared axes).
func (g *Graph) PReLU(x *G.Node, alpha *Variable) (*G.Node, error) {
	shape := []int(x.Shape())
	per := shape[1:]
	a, err := g.Var(alpha)
	if err != nil {
		return nil, err
	}
	pidx, err := bcastIndex(per, alpha.Value.Shape())
	if err != nil {
		return nil, fmt.Errorf("prelu alpha %q: %w", alpha.Path, err)
	}
	op := &preluOp{opBase: newOpBase(fmt.Sprintf("PReLU%v", alpha.Value.Shape()), shape, x, a), pidx: pidx, sample: prod(per), np: alpha.Value.Len()}
	return G.ApplyOp(op, x, a)
}

// preluOp: mode 0 forward y(x, α); 1 dx(x, α, dy); 2 dα(x, α, dy).
type preluOp struct {
	opBase
	pidx   []int32
	sample int
	np     int
	mode   int
}

func (op *preluOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *preluOp) DiffWRT(n int) []bool {
	if op.mode != 0 {
		return make([]bool, n)
	}
	return []bool{true, true}
}
func (op *preluOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.mode != 0 {
		return nil, errors.Errorf("runtime: %v is not differentiable", op)
	}
	var res G.Nodes
	for mode, wrt := range []*G.Node{in[0], in[1]} {
		gop := &preluOp{opBase: newOpBase(fmt.Sprintf("PReLUGrad%d%s", mode+1, op.name), wrt.Shape(), in[0], in[1], grad),
			pidx: op.pidx, sample: op.sample, np: op.np, mode: mode + 1}
		d, err := G.ApplyOp(gop, in[0], in[1], grad)
		if err != nil {
			return nil, err
		}
		res = append(res, d)
	}
	return res, nil
}
func (op *preluOp) build(c *kctx) (instr, error) {
	in := &preluInstr{op: op, x: c.ins[0], a: c.ins[1], out: c.out, dy: -1, n: prod(c.inShapes[0])}
	if op.mode != 0 {
		in.dy = c.ins[2]
	}
	return in, nil
}

type preluInstr struct {
	op               *preluOp
	x, a, out, dy, n int
}

func (in *preluInstr) run(b [][]float32) {
	op := in.op
	x, a, out := b[in.x][:in.n], b[in.a], b[in.out]
	switch op.mode {
	case 0:
		for i, v := range x {
			al := a[op.pidx[i%op.sample]]
			if v != v { // relu(x) − α·relu(−x) keeps NaN
				out[i] = v
				continue
			}
			var pos, neg float32
			if v > 0 {
				pos = v
			} else if v < 0 {
				neg = -v
			}
			out[i] = pos + (-al)*neg
		}
	case 1:
		dy := b[in.dy]
		for i, v := range x {
			switch {
			case v > 0:
				out[i] = dy[i]
			case v < 0:
				out[i] = a[op.pidx[i%op.sample]] * dy[i]
			default:
				out[i] = 0
			}
		}
	case 2:
		dy := b[in.dy]
		acc := out[:op.np]
		for i := range acc {
			acc[i] = 0
		}
		for i, v := range x {
			if v < 0 {
				acc[op.pidx[i%op.sample]] += dy[i] * v
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Dropout

// Dropout emits inverted dropout for a training graph: each unit is kept
// with probability 1−rate and scaled by 1/(1−rate), else zeroed; noiseShape
// (batched, may be nil) shares one draw across broadcast dimensions (−1 or
// 0 entries take x's size). seed < 0 uses the network generator. In
// inference graphs call nothing: dropout is the identity.
func (g *Graph) Dropout(x *G.Node, rate float64, noiseShape []int, seed int64) (*G.Node, error) {
	shape := []int(x.Shape())
	if rate <= 0 {
		return x, nil
	}
	ns := shape
	var idx []int32
	if noiseShape != nil {
		if len(noiseShape) != len(shape) {
			return nil, fmt.Errorf("dropout noise_shape %v has rank %d, input %v", noiseShape, len(noiseShape), shape)
		}
		ns = make([]int, len(shape))
		for i, d := range noiseShape {
			if d <= 0 {
				d = shape[i]
			}
			ns[i] = d
		}
		var err error
		if idx, err = bcastIndex(shape, ns); err != nil {
			return nil, fmt.Errorf("dropout noise_shape: %w", err)
		}
	}
	keep := 1 - rate
	if keep < 0 {
		keep = 0
	}
	mask := g.DropoutMask(ns, keep, seed)
	op := &dropoutOp{opBase: newOpBase(fmt.Sprintf("Dropout{%v,%v}", rate, ns), shape, x, mask), keep: float32(keep), idx: idx}
	return G.ApplyOp(op, x, mask)
}

// ApplyDropout applies inverted dropout with a given mask of 1 (keep) and 0
// (drop) — a DropoutMask input, or a constant — whose shape broadcasts to
// x's (same rank, each dimension equal or 1): y = mask ? x/keep : 0, with
// the same map for the gradient. keep must be in (0, 1]. Recurrent layers
// use it to apply one mask at every time step.
func (g *Graph) ApplyDropout(x, mask *G.Node, keep float64) (*G.Node, error) {
	shape, ms := []int(x.Shape()), []int(mask.Shape())
	if !(keep > 0 && keep <= 1) {
		return nil, fmt.Errorf("runtime: dropout keep probability %v, want a value in (0, 1]", keep)
	}
	var idx []int32
	if !slices.Equal(shape, ms) {
		var err error
		if idx, err = bcastIndex(shape, ms); err != nil {
			return nil, fmt.Errorf("runtime: dropout mask %v for input %v: %w", ms, shape, err)
		}
	}
	op := &dropoutOp{opBase: newOpBase(fmt.Sprintf("Dropout{keep %v,%v}", keep, ms), shape, x, mask), keep: float32(keep), idx: idx}
	return G.ApplyOp(op, x, mask)
}

// dropoutOp: y = mask ? x/keep : 0 (Keras divides the kept inputs by the
// keep probability). The gradient is the same map applied to dy.
type dropoutOp struct {
	opBase
	keep float32
	idx  []int32 // element → mask index, nil when the mask has x's shape
	grad bool
}

func (op *dropoutOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *dropoutOp) DiffWRT(n int) []bool {
	if op.grad {
		return make([]bool, n)
	}
	return []bool{true, false}
}
func (op *dropoutOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.Errorf("runtime: %v is not differentiable", op)
	}
	gop := &dropoutOp{opBase: newOpBase("DropoutGrad"+op.name, in[0].Shape(), grad, in[1]), keep: op.keep, idx: op.idx, grad: true}
	d, err := G.ApplyOp(gop, grad, in[1])
	if err != nil {
		return nil, err
	}
	return G.Nodes{d, nil}, nil
}
func (op *dropoutOp) build(c *kctx) (instr, error) {
	return &dropoutInstr{op: op, x: c.ins[0], mask: c.ins[1], out: c.out, n: prod(c.inShapes[0])}, nil
}

type dropoutInstr struct {
	op              *dropoutOp
	x, mask, out, n int
}

func (in *dropoutInstr) run(b [][]float32) {
	x, mask, out := b[in.x][:in.n], b[in.mask], b[in.out]
	keep := in.op.keep
	idx := in.op.idx
	for i, v := range x {
		var m float32
		if idx != nil {
			m = mask[idx[i]]
		} else {
			m = mask[i]
		}
		if m != 0 && keep > 0 {
			out[i] = v / keep
		} else {
			out[i] = 0
		}
	}
}
