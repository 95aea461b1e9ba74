package runtime

import (
	"fmt"
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// Ops of the preprocessing, noise and extra normalization layers
// (keras-layers.md §4.3, §9): GroupNorm, UnitNorm, Rescale, AlphaDropout and
// ActivityPenalty.

// ---------------------------------------------------------------------------
// GroupNormalization

// GroupNormParams configures Graph.GroupNorm (keras.layers.GroupNormalization).
type GroupNormParams struct {
	Groups  int // number of contiguous channel groups; it divides the channel count
	Axis    int // channel axis of the batched input (negative counts from the end); not 0
	Epsilon float64
	// Gamma and Beta (one value per channel) are nil when scale / center
	// are off.
	Gamma, Beta *Variable
}

// GroupNorm emits group normalization of x: per sample and group of
// channels, y = (x − μ)·rsqrt(σ² + ε)·γ_c + β_c, with μ and σ² over every
// non-batch position of the group's channels (spec keras-layers.md §9.1).
func (g *Graph) GroupNorm(x *G.Node, p GroupNormParams) (*G.Node, error) {
	shape := []int(x.Shape())
	ax, err := normAxis(p.Axis, len(shape))
	if err != nil || ax == 0 {
		return nil, fmt.Errorf("group normalization of shape %v: axis %d is not a channel axis", shape, p.Axis)
	}
	c := shape[ax]
	if p.Groups <= 0 || c%p.Groups != 0 {
		return nil, fmt.Errorf("group normalization: %d groups do not divide %d channels", p.Groups, c)
	}
	per := shape[1:]
	_, _, inner := splitAxis(per, ax-1)
	geo := lnGeo{sample: prod(per), groups: p.Groups}
	geo.m = geo.sample / p.Groups
	geo.group = make([]int32, geo.sample)
	geo.pidx = make([]int32, geo.sample)
	size := c / p.Groups
	for i := range geo.group {
		ch := (i / inner) % c
		geo.group[i], geo.pidx[i] = int32(ch/size), int32(ch)
	}
	for _, v := range []*Variable{p.Gamma, p.Beta} {
		if v != nil && v.Value.Len() != c {
			return nil, fmt.Errorf("variable %q has %d values, want %d (channels of %v)", v.Path, v.Value.Len(), c, shape)
		}
	}
	op := &lnOp{geo: &geo, eps: float32(p.Epsilon), gamma: -1, beta: -1}
	ins := []*G.Node{x}
	for _, pv := range []struct {
		v   *Variable
		idx *int
	}{{p.Gamma, &op.gamma}, {p.Beta, &op.beta}} {
		if pv.v == nil {
			continue
		}
		n, err := g.Var(pv.v)
		if err != nil {
			return nil, err
		}
		*pv.idx = len(ins)
		ins = append(ins, n)
	}
	op.opBase = newOpBase(fmt.Sprintf("GN{%d,%d,%v,%d,%d}", p.Groups, ax, p.Epsilon, op.gamma, op.beta), shape, ins...)
	return G.ApplyOp(op, ins...)
}

// ---------------------------------------------------------------------------
// UnitNormalization

// unitInvMax is 1/epsilon of Keras's ops.normalize (epsilon 1e-12).
const unitInvMax = 1e12

// UnitNorm emits keras.layers.UnitNormalization: x·min(rsqrt(Σx²), 1e12)
// with the sum over axes of the batched input (spec keras-layers.md §9.3).
func (g *Graph) UnitNorm(x *G.Node, axes []int) (*G.Node, error) {
	shape := []int(x.Shape())
	geo, err := axesGeo(shape, axes)
	if err != nil {
		return nil, fmt.Errorf("unit normalization of shape %v: %w", shape, err)
	}
	op := &unitNormOp{opBase: newOpBase(fmt.Sprintf("UnitNorm{%v}", axes), shape, x), geo: geo}
	return G.ApplyOp(op, x)
}

// axesGeo groups the elements of one sample by their coordinates on the
// axes that are not reduced (as LayerNorm does).
func axesGeo(shape, axes []int) (*lnGeo, error) {
	if len(axes) == 0 {
		return nil, fmt.Errorf("needs at least one axis")
	}
	isNorm := make([]bool, len(shape))
	for _, a := range axes {
		ax, err := normAxis(a, len(shape))
		if err != nil {
			return nil, err
		}
		if ax == 0 {
			return nil, fmt.Errorf("the batch axis cannot be reduced")
		}
		isNorm[ax] = true
	}
	per := shape[1:]
	geo := &lnGeo{sample: prod(per), m: 1, groups: 1}
	geo.group = make([]int32, geo.sample)
	geo.pidx = make([]int32, geo.sample)
	for d, n := range per {
		if isNorm[d+1] {
			geo.m *= n
		} else {
			geo.groups *= n
		}
	}
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
			if coord[d]++; coord[d] < per[d] {
				break
			}
			coord[d] = 0
		}
	}
	return geo, nil
}

// unitNormOp: y = x·r with r = min(rsqrt(Σx²), 1e12) per group; its
// gradient op (grad true) reads (x, dy): dx = r·dy − r³·x·Σ dy·x where
// the norm is not clamped, 1e12·dy where it is.
type unitNormOp struct {
	opBase
	geo  *lnGeo
	grad bool
}

func (op *unitNormOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *unitNormOp) DiffWRT(n int) []bool {
	if op.grad {
		return make([]bool, n)
	}
	return []bool{true}
}
func (op *unitNormOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.Errorf("runtime: %v is not differentiable", op)
	}
	gop := &unitNormOp{opBase: newOpBase("Grad"+op.name, in[0].Shape(), in[0], grad), geo: op.geo, grad: true}
	d, err := G.ApplyOp(gop, in[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{d}, nil
}

func (op *unitNormOp) build(c *kctx) (instr, error) {
	in := &unitNormInstr{op: op, x: c.ins[0], dy: -1, out: c.out, batch: prod(c.inShapes[0]) / op.geo.sample,
		acc: c.temp(2 * op.geo.groups)}
	if op.grad {
		in.dy = c.ins[1]
	}
	return in, nil
}

type unitNormInstr struct {
	op         *unitNormOp
	x, dy, out int
	batch, acc int
}

func (in *unitNormInstr) run(b [][]float32) {
	geo := in.op.geo
	x, out := b[in.x], b[in.out]
	dy := optBuf(b, in.dy)
	acc := b[in.acc]
	r, s := acc[:geo.groups], acc[geo.groups:2*geo.groups]
	for n := 0; n < in.batch; n++ {
		xs := x[n*geo.sample : (n+1)*geo.sample]
		ys := out[n*geo.sample : (n+1)*geo.sample]
		for i := range r {
			r[i], s[i] = 0, 0
		}
		for i, v := range xs {
			r[geo.group[i]] += v * v
		}
		for i, sq := range r {
			r[i] = unitInv(sq)
		}
		if dy == nil {
			for i, v := range xs {
				ys[i] = v * r[geo.group[i]]
			}
			continue
		}
		ds := dy[n*geo.sample : (n+1)*geo.sample]
		for i, v := range xs {
			s[geo.group[i]] += ds[i] * v
		}
		for i, v := range xs {
			gi := geo.group[i]
			ri := r[gi]
			if ri >= unitInvMax {
				ys[i] = ri * ds[i]
				continue
			}
			ys[i] = ri*ds[i] - ri*ri*ri*v*s[gi]
		}
	}
}

// unitInv is min(rsqrt(sq), 1e12) in float32.
func unitInv(sq float32) float32 {
	if sq <= 0 {
		return unitInvMax
	}
	r := float32(1 / math.Sqrt(float64(sq)))
	if r > unitInvMax {
		return unitInvMax
	}
	return r
}

// ---------------------------------------------------------------------------
// Rescaling

// Rescale emits keras.layers.Rescaling: y = x·scale + offset, where scale
// and offset are constants broadcast against the batched input numpy-style
// (shape nil or empty: one value).
func (g *Graph) Rescale(x *G.Node, scale []float32, scaleShape []int, offset []float32, offsetShape []int) (*G.Node, error) {
	shape := []int(x.Shape())
	si, err := constIndex(shape, scale, scaleShape)
	if err != nil {
		return nil, fmt.Errorf("rescaling scale: %w", err)
	}
	oi, err := constIndex(shape, offset, offsetShape)
	if err != nil {
		return nil, fmt.Errorf("rescaling offset: %w", err)
	}
	op := &rescaleOp{opBase: newOpBase(fmt.Sprintf("Rescale{%v%v,%v%v}", scale, scaleShape, offset, offsetShape), shape, x),
		scale: append([]float32(nil), scale...), offset: append([]float32(nil), offset...), si: si, oi: oi}
	return G.ApplyOp(op, x)
}

// constIndex maps every element of a batched shape to the index of a
// broadcast constant (nil: the constant has one value).
func constIndex(full []int, vals []float32, small []int) ([]int32, error) {
	if len(vals) != prod(small) {
		return nil, fmt.Errorf("%d values for shape %v", len(vals), small)
	}
	if len(vals) == 1 {
		return nil, nil
	}
	if len(small) > len(full) {
		return nil, fmt.Errorf("shape %v has more axes than the input %v", small, full)
	}
	padded := make([]int, len(full))
	for i := range padded {
		padded[i] = 1
	}
	copy(padded[len(full)-len(small):], small)
	return bcastIndex(full, padded)
}

// rescaleOp is y = x·scale[si] + offset[oi] (grad: dx = dy·scale[si]).
type rescaleOp struct {
	opBase
	scale, offset []float32
	si, oi        []int32
	grad          bool
}

func (op *rescaleOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *rescaleOp) DiffWRT(n int) []bool {
	if op.grad {
		return make([]bool, n)
	}
	return []bool{true}
}
func (op *rescaleOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.Errorf("runtime: %v is not differentiable", op)
	}
	gop := &rescaleOp{opBase: newOpBase("Grad"+op.name, in[0].Shape(), grad), scale: op.scale, offset: []float32{0}, si: op.si, grad: true}
	d, err := G.ApplyOp(gop, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{d}, nil
}
func (op *rescaleOp) build(c *kctx) (instr, error) {
	return &rescaleInstr{op: op, x: c.ins[0], out: c.out, n: prod(c.inShapes[0])}, nil
}

type rescaleInstr struct {
	op        *rescaleOp
	x, out, n int
}

func (in *rescaleInstr) run(b [][]float32) {
	op := in.op
	x, out := b[in.x][:in.n], b[in.out]
	for i, v := range x {
		s, o := op.scale[0], op.offset[0]
		if op.si != nil {
			s = op.scale[op.si[i]]
		}
		if op.oi != nil {
			o = op.offset[op.oi[i]]
		}
		p := v * s // rounded to float32 before the addition, as Keras
		out[i] = p + o
	}
}

// ---------------------------------------------------------------------------
// AlphaDropout

// AlphaDropout emits keras.layers.AlphaDropout in training: with keep =
// (u ≥ rate) drawn per element of the noise shape (noiseShape entries ≤ 0
// take the input's size; nil: the input's shape), y = a·(keep ? x : α') + b
// with α' = −αλ, a = ((1−rate)(1+rate·α'²))^−½, b = −a·α'·rate (spec
// keras-layers.md §9.4). seed < 0 uses the network's generator.
func (g *Graph) AlphaDropout(x *G.Node, rate float64, noiseShape []int, seed int64) (*G.Node, error) {
	shape := []int(x.Shape())
	if rate <= 0 {
		return x, nil
	}
	if rate >= 1 {
		return nil, fmt.Errorf("alpha dropout rate %v, want a value in [0, 1)", rate)
	}
	ns := shape
	var idx []int32
	if noiseShape != nil {
		if len(noiseShape) != len(shape) {
			return nil, fmt.Errorf("alpha dropout noise_shape %v has rank %d, input %v", noiseShape, len(noiseShape), shape)
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
			return nil, fmt.Errorf("alpha dropout noise_shape: %w", err)
		}
	}
	ap := -seluAlpha * seluScale
	a := math.Pow((1-rate)*(1+rate*ap*ap), -0.5)
	mask := g.DropoutMask(ns, 1-rate, seed)
	op := &alphaDropoutOp{opBase: newOpBase(fmt.Sprintf("AlphaDropout{%v,%v}", rate, ns), shape, x, mask),
		a: float32(a), b: float32(-a * ap * rate), ap: float32(ap), idx: idx}
	return G.ApplyOp(op, x, mask)
}

// alphaDropoutOp: y = a·(m ? x : α') + b; its gradient op (grad true, inputs
// dy and the mask) is dx = m ? a·dy : 0.
type alphaDropoutOp struct {
	opBase
	a, b, ap float32
	idx      []int32
	grad     bool
}

func (op *alphaDropoutOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *alphaDropoutOp) DiffWRT(n int) []bool {
	if op.grad {
		return make([]bool, n)
	}
	return []bool{true, false}
}
func (op *alphaDropoutOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.Errorf("runtime: %v is not differentiable", op)
	}
	gop := &alphaDropoutOp{opBase: newOpBase("Grad"+op.name, in[0].Shape(), grad, in[1]), a: op.a, idx: op.idx, grad: true}
	d, err := G.ApplyOp(gop, grad, in[1])
	if err != nil {
		return nil, err
	}
	return G.Nodes{d, nil}, nil
}
func (op *alphaDropoutOp) build(c *kctx) (instr, error) {
	return &alphaDropoutInstr{op: op, x: c.ins[0], mask: c.ins[1], out: c.out, n: prod(c.inShapes[0])}, nil
}

type alphaDropoutInstr struct {
	op              *alphaDropoutOp
	x, mask, out, n int
}

func (in *alphaDropoutInstr) run(b [][]float32) {
	op := in.op
	x, mask, out := b[in.x][:in.n], b[in.mask], b[in.out]
	for i, v := range x {
		var m float32
		if op.idx == nil {
			m = mask[i]
		} else {
			m = mask[op.idx[i]]
		}
		switch {
		case op.grad && m != 0:
			out[i] = op.a * v
		case op.grad:
			out[i] = 0
		case m != 0:
			out[i] = op.a*v + op.b
		default:
			out[i] = op.a*op.ap + op.b
		}
	}
}

// ---------------------------------------------------------------------------
// Activity regularization

// ActivityPenalty emits the scalar (l1·Σ|x| + l2·Σx²)/batch, Keras 3's
// activity regularization loss term for an output x whose axis 0 is the
// batch (spec keras-layers.md §9.5). Add it with AddLoss.
func (g *Graph) ActivityPenalty(x *G.Node, l1, l2 float64) (*G.Node, error) {
	shape := []int(x.Shape())
	if len(shape) == 0 || shape[0] <= 0 {
		return nil, fmt.Errorf("activity regularization needs a batched tensor, have shape %v", shape)
	}
	op := &activityOp{opBase: newOpBase(fmt.Sprintf("Activity{%v,%v}", l1, l2), nil, x), l1: l1, l2: l2, batch: shape[0]}
	return G.ApplyOp(op, x)
}

// activityOp is the penalty (scalar output); its gradient op (grad true,
// inputs x and the scalar upstream gradient) is
// dx = g·(l1·sign(x) + 2·l2·x)/batch.
type activityOp struct {
	opBase
	l1, l2 float64
	batch  int
	grad   bool
}

func (op *activityOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *activityOp) DiffWRT(n int) []bool {
	if op.grad {
		return make([]bool, n)
	}
	return []bool{true}
}
func (op *activityOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.Errorf("runtime: %v is not differentiable", op)
	}
	gop := &activityOp{opBase: newOpBase("Grad"+op.name, in[0].Shape(), in[0], grad), l1: op.l1, l2: op.l2, batch: op.batch, grad: true}
	d, err := G.ApplyOp(gop, in[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{d}, nil
}
func (op *activityOp) build(c *kctx) (instr, error) {
	in := &activityInstr{op: op, x: c.ins[0], g: -1, out: c.out, n: prod(c.inShapes[0])}
	if op.grad {
		in.g = c.ins[1]
	}
	return in, nil
}

type activityInstr struct {
	op           *activityOp
	x, g, out, n int
}

func (in *activityInstr) run(b [][]float32) {
	op := in.op
	x, out := b[in.x][:in.n], b[in.out]
	l1, l2, batch := float32(op.l1), float32(op.l2), float32(op.batch)
	if !op.grad {
		var s1, s2 float64
		for _, v := range x {
			s1 += math.Abs(float64(v))
			s2 += float64(v) * float64(v)
		}
		out[0] = (l1*float32(s1) + l2*float32(s2)) / batch
		return
	}
	g := b[in.g][0] / batch
	for i, v := range x {
		var s float32
		switch {
		case v > 0:
			s = 1
		case v < 0:
			s = -1
		}
		out[i] = g * (l1*s + 2*l2*v)
	}
}

// ---------------------------------------------------------------------------
// RMSNormalization

// RMSNorm emits keras.layers.RMSNormalization: y = x·rsqrt(mean(x²) + ε)·scale
// with the mean over axes of the batched input; scale (nil for none) has
// the sizes of the axes in increasing order (spec keras-layers.md §9.2).
func (g *Graph) RMSNorm(x *G.Node, axes []int, epsilon float64, scale *Variable) (*G.Node, error) {
	shape := []int(x.Shape())
	geo, err := axesGeo(shape, axes)
	if err != nil {
		return nil, fmt.Errorf("rms normalization of shape %v: %w", shape, err)
	}
	op := &rmsOp{geo: geo, eps: float32(epsilon), wrt: -1}
	ins := []*G.Node{x}
	if scale != nil {
		if scale.Value.Len() != geo.m {
			return nil, fmt.Errorf("variable %q has %d values, want %d (normalized axes of %v)", scale.Path, scale.Value.Len(), geo.m, shape)
		}
		n, err := g.Var(scale)
		if err != nil {
			return nil, err
		}
		ins = append(ins, n)
	}
	op.opBase = newOpBase(fmt.Sprintf("RMSNorm{%v,%v,%d}", axes, epsilon, len(ins)), shape, ins...)
	return G.ApplyOp(op, ins...)
}

// rmsOp is the forward op (wrt −1; inputs x[, scale]) or, for wrt ≥ 0,
// the gradient with respect to input wrt (inputs x[, scale], dy):
// dx = r·u − r³·x·Σ(u·x)/M with u = dy·scale; dscale = Σ dy·x·r.
type rmsOp struct {
	opBase
	geo *lnGeo
	eps float32
	wrt int
}

func (op *rmsOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *rmsOp) DiffWRT(n int) []bool {
	if op.wrt >= 0 {
		return make([]bool, n)
	}
	return diffAll(n)
}
func (op *rmsOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.wrt >= 0 {
		return nil, errors.Errorf("runtime: %v is not differentiable", op)
	}
	return gradPerInput(in, grad, func(i int, args G.Nodes) G.Op {
		return &rmsOp{opBase: newOpBase(fmt.Sprintf("Grad%d%s", i, op.name), in[i].Shape(), args...), geo: op.geo, eps: op.eps, wrt: i}
	})
}
func (op *rmsOp) build(c *kctx) (instr, error) {
	in := &rmsInstr{op: op, x: c.ins[0], scale: -1, dy: -1, out: c.out, nout: prod(c.outShape),
		batch: prod(c.inShapes[0]) / op.geo.sample, acc: c.temp(2 * op.geo.groups)}
	n := len(c.ins)
	if op.wrt >= 0 {
		in.dy = c.ins[n-1]
		n--
	}
	if n == 2 {
		in.scale = c.ins[1]
	}
	return in, nil
}

type rmsInstr struct {
	op                      *rmsOp
	x, scale, dy, out, nout int
	batch, acc              int
}

func (in *rmsInstr) run(b [][]float32) {
	op, geo := in.op, in.op.geo
	x, out := b[in.x], b[in.out]
	scale, dy := optBuf(b, in.scale), optBuf(b, in.dy)
	acc := b[in.acc]
	r, s := acc[:geo.groups], acc[geo.groups:2*geo.groups]
	if op.wrt > 0 {
		clear(out[:in.nout])
	}
	m := float32(geo.m)
	for n := 0; n < in.batch; n++ {
		xs := x[n*geo.sample : (n+1)*geo.sample]
		clear(r)
		clear(s)
		for i, v := range xs {
			r[geo.group[i]] += v * v
		}
		for i, sq := range r {
			r[i] = float32(1 / math.Sqrt(float64(sq/m+op.eps)))
		}
		switch {
		case op.wrt < 0:
			ys := out[n*geo.sample : (n+1)*geo.sample]
			for i, v := range xs {
				y := v * r[geo.group[i]]
				if scale != nil {
					y *= scale[geo.pidx[i]]
				}
				ys[i] = y
			}
		case op.wrt > 0: // scale
			ds := dy[n*geo.sample : (n+1)*geo.sample]
			for i, v := range xs {
				out[geo.pidx[i]] += ds[i] * v * r[geo.group[i]]
			}
		default:
			ds := dy[n*geo.sample : (n+1)*geo.sample]
			ys := out[n*geo.sample : (n+1)*geo.sample]
			u := func(i int) float32 {
				if scale != nil {
					return ds[i] * scale[geo.pidx[i]]
				}
				return ds[i]
			}
			for i, v := range xs {
				s[geo.group[i]] += u(i) * v
			}
			for i, v := range xs {
				gi := geo.group[i]
				ri := r[gi]
				ys[i] = ri*u(i) - ri*ri*ri*v*s[gi]/m
			}
		}
	}
}
