package runtime

import (
	"fmt"

	fastgemm "github.com/kerago/kerago/internal/gemm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// This file holds the fused recurrent layers (LSTM here, SimpleRNN as its
// one-gate case, GRU in rnn_gru.go): one forward op over the whole
// sequence and a hand-written backward (BPTT) op that its SymDiff returns,
// instead of a graph unrolled step by step. The layouts below are the
// LSTM's.
//
// The forward op writes a workspace ws (rnnGeo.wsLen floats) of everything
// the backward pass needs; a second op (rnnOutOp) extracts the layer's
// outputs from it. Layouts are time-major (each step's rows contiguous, so
// the per-step products read and write whole matrices), steps indexed by
// input time t (not processing order):
//
//	XH (T, B, K)    each step's product input [x_t | h_prev | 1] (K = F+u+1;
//	                no 1 without bias): z_t = XH_t·[W; U; b], and the
//	                weights' gradient is XHᵀ·dZ, one product for all three
//	Z  (T, B, 4u)   gate pre-activations x·W + b + h·U (blocks i, f, c, o)
//	A  (T, B, 4u)   activated gates
//	H  (T+1, B, u)  h after each time step, plus one zero slot: the
//	                state before the first processed step
//	C  (T+1, B, u)  c likewise
//	AC (T, B, u)    act(c) of each unmasked step
//
// Going forwards, H(t) is slot t+1 and the zero slot is 0; going backwards
// H(t) is slot t and the zero slot is T. Either way the state before time t
// is slot prev(t) = t+1−off and the state after it is slot t+off.
//
// The gradient reaching ws is not ws-shaped: rnnOutOp's gradient op writes
// only what the backward op reads, dH (T, B, u) (the outputs' gradients with
// respect to each step's h) and dC (B, u) (the final c's). ws has no other
// consumer, so gorgonia never adds two of them.

// RNNParams configures Graph.LSTM, Graph.GRU and Graph.SimpleRNN.
type RNNParams struct {
	Act, RecAct *Activation // Keras's activation and recurrent_activation
	GoBackwards bool        // process the steps from last to first
	// ReturnSequences returns every step's output (B, T, u) in processing
	// order, or reversed with Reverse (Bidirectional flips its backward
	// layer's sequence); otherwise the last processed step's (B, u).
	ReturnSequences, Reverse bool
	ReturnState              bool // also return the final h (and c for LSTM)
	// ZeroOutputForMask makes the output of a masked step 0 instead of the
	// carried h.
	ZeroOutputForMask bool

	// ResetAfter is GRU's reset_after: the reset gate multiplies h·U
	// (Keras 3's default) rather than h before the product.
	ResetAfter bool

	// DropIn (B, gates, F) and DropRec (B, gates, u), each optional, are
	// per-gate dropout masks of 1 (keep) and 0 as Keras 3's LSTM and
	// SimpleRNN cells apply them with recurrent_dropout (implementation
	// 1): gate k's pre-activation reads x_t ⊙ DropIn[k]/InKeep and
	// h_{t−1} ⊙ DropRec[k]/RecKeep at every step. GRU does not take them.
	DropIn, DropRec *G.Node
	InKeep, RecKeep float64

	// tests: force a gate implementation instead of the CPU's best
	impl      gateImpl
	forceImpl bool
}

// RNNFusable reports whether the fused ops support these activations:
// elementwise ones (or linear), not axis-wise ones such as softmax. recAct
// is nil for SimpleRNN, which has none.
func RNNFusable(act, recAct *Activation) bool {
	ok := func(a *Activation) bool { return a != nil && (a.kind == actElem || a.kind == actLinear) }
	return ok(act) && (recAct == nil || ok(recAct))
}

// rnnGeo is the geometry and settings of one fused recurrent layer call.
type rnnGeo struct {
	b, t, f, u  int
	act, recAct *Activation
	fAct, fRec  gateFn   // their fast paths
	impl        gateImpl // sigmoid and tanh loops
	p           RNNParams
	gates       int // 4 LSTM, 3 GRU, 1 SimpleRNN
	bias, mask  bool
	// per-gate dropout masks among the inputs (RNNParams.DropIn, DropRec)
	dropIn, dropRec bool
	inKeep, recKeep float32
}

func (g *rnnGeo) gu() int { return g.gates * g.u }

func (g *rnnGeo) lstm() bool { return g.gates == 4 }

// states is the number of state tensors: h and c, or h.
func (g *rnnGeo) states() int {
	if g.lstm() {
		return 2
	}
	return 1
}

// k is the length of a row of XH: F + u, plus 1 with a bias.
func (g *rnnGeo) k() int { return g.f + g.u + b2i(g.bias) }

// workspace offsets
func (g *rnnGeo) offZ() int { return g.xhCopies() * g.b * g.t * g.k() }
func (g *rnnGeo) offA() int { return g.offZ() + g.b*g.t*g.gu() }
func (g *rnnGeo) offH() int {
	if g.gates == 3 {
		return g.gruOffH()
	}
	return g.offA() + g.b*g.t*g.gu()
}
func (g *rnnGeo) offC() int  { return g.offH() + g.b*(g.t+1)*g.u }
func (g *rnnGeo) offAC() int { return g.offC() + g.b*(g.t+1)*g.u }
func (g *rnnGeo) wsLen() int {
	if g.gates == 3 {
		return g.gruOffH() + g.b*(g.t+1)*g.u
	}
	return g.offAC() + g.b*g.t*g.u
}

// off is 1 going forwards (H(t) in slot t+1), 0 going backwards.
func (g *rnnGeo) off() int {
	if g.p.GoBackwards {
		return 0
	}
	return 1
}

// time returns the input time of processing step s.
func (g *rnnGeo) time(s int) int {
	if g.p.GoBackwards {
		return g.t - 1 - s
	}
	return s
}

func (g *rnnGeo) cur(t int) int  { return t + g.off() }
func (g *rnnGeo) prev(t int) int { return t + 1 - g.off() }

// hRow returns H (or C) slot k of sample b in the H region hs.
func (g *rnnGeo) hRow(hs []float32, b, k int) []float32 {
	o := (k*g.b + b) * g.u
	return hs[o : o+g.u : o+g.u]
}

// outLen is the length of the sequence or last output.
func (g *rnnGeo) outLen() int {
	if g.p.ReturnSequences {
		return g.b * g.t * g.u
	}
	return g.b * g.u
}

func (g *rnnGeo) yShape() []int {
	switch {
	case g.p.ReturnState:
		return []int{g.outLen() + g.states()*g.b*g.u}
	case g.p.ReturnSequences:
		return []int{g.b, g.t, g.u}
	}
	return []int{g.b, g.u}
}

// dwsLen is the length of the gradient reaching ws: dH then dC.
func (g *rnnGeo) dwsLen() int { return g.b*g.t*g.u + g.b*g.u }

// gradLen is the packed gradient of the backward op: dx, dW, dU, db.
func (g *rnnGeo) gradLen() int {
	n := g.b*g.t*g.f + g.f*g.gu() + g.u*g.gu()
	if g.bias {
		n += g.gu()
		if g.gates == 3 && g.p.ResetAfter { // GRU's input and recurrent bias rows
			n += g.gu()
		}
	}
	return n
}

func (g *rnnGeo) masked(m []float32, b, t int) bool { return g.mask && m[b*g.t+t] == 0 }

func (g *rnnGeo) String() string {
	return fmt.Sprintf("g%d B%d T%d F%d u%d %v/%v back=%v seq=%v rev=%v state=%v zero=%v bias=%v mask=%v gates=%v",
		g.gates, g.b, g.t, g.f, g.u, g.act, g.recAct, g.p.GoBackwards, g.p.ReturnSequences, g.p.Reverse,
		g.p.ReturnState, g.p.ZeroOutputForMask, g.bias, g.mask, g.impl) + fmt.Sprintf(" ra=%v", g.p.ResetAfter) +
		fmt.Sprintf(" drop=%v/%v keep=%v/%v", g.dropIn, g.dropRec, g.inKeep, g.recKeep)
}

// LSTM emits Keras's LSTM over x (B, T, F) as one fused op: kernel (F, 4u),
// recurrent kernel (u, 4u), bias (4u,) or nil, mask (B, T) or nil (Keras's
// mask: a step whose mask is 0 carries h and c). It returns the output
// (B, u) or (B, T, u), then with ReturnState the final h and c (B, u).
// Differentiable with respect to x, kernel, recurrent kernel and bias.
func (g *Graph) LSTM(x, kernel, recurrent, bias, mask *G.Node, p RNNParams) ([]*G.Node, error) {
	if p.RecAct == nil {
		return nil, fmt.Errorf("runtime: LSTM needs a recurrent activation")
	}
	return g.fusedRNN(4, x, kernel, recurrent, bias, mask, p)
}

// SimpleRNN emits Keras's SimpleRNN, h_t = act(x_t·W + h_{t−1}·U + b), as
// one fused op: kernel (F, u), recurrent kernel (u, u), bias (u,) or nil,
// mask as LSTM's. p.RecAct is ignored. It returns the output, then with
// ReturnState the final h.
func (g *Graph) SimpleRNN(x, kernel, recurrent, bias, mask *G.Node, p RNNParams) ([]*G.Node, error) {
	p.RecAct = nil
	return g.fusedRNN(1, x, kernel, recurrent, bias, mask, p)
}

func (g *Graph) fusedRNN(gates int, x, kernel, recurrent, bias, mask *G.Node, p RNNParams) ([]*G.Node, error) {
	geo, ins, err := newRNNGeo(gates, x, kernel, recurrent, bias, mask, p)
	if err != nil {
		return nil, err
	}
	fop := &rnnSeqOp{opBase: newOpBase("RNNSeq{"+geo.String()+"}", []int{geo.wsLen()}, ins...), geo: geo}
	ws, err := G.ApplyOp(fop, ins...)
	if err != nil {
		return nil, fmt.Errorf("runtime: recurrent layer: %w", err)
	}
	oins := G.Nodes{ws}
	if mask != nil {
		oins = append(oins, mask)
	}
	y, err := G.ApplyOp(&rnnOutOp{opBase: newOpBase("RNNOut{"+geo.String()+"}", geo.yShape(), oins...), geo: geo}, oins...)
	if err != nil {
		return nil, fmt.Errorf("runtime: recurrent layer output: %w", err)
	}
	if !p.ReturnState {
		return []*G.Node{y}, nil
	}
	return geo.splitOutputs(y)
}

// newRNNGeo checks the operands of a fused recurrent layer with gates
// gates and returns its geometry and the forward op's inputs.
func newRNNGeo(gates int, x, kernel, recurrent, bias, mask *G.Node, p RNNParams) (*rnnGeo, G.Nodes, error) {
	xs, ks, rs := []int(x.Shape()), []int(kernel.Shape()), []int(recurrent.Shape())
	if len(xs) != 3 || len(ks) != 2 || len(rs) != 2 || ks[0] != xs[2] || ks[1] != gates*rs[0] || rs[1] != ks[1] {
		return nil, nil, fmt.Errorf("runtime: recurrent layer of x %v with kernel %v and recurrent kernel %v: want (B, T, F), (F, %du), (u, %du)", xs, ks, rs, gates, gates)
	}
	if !RNNFusable(p.Act, p.RecAct) {
		return nil, nil, fmt.Errorf("runtime: recurrent layer with activations %v/%v: the fused ops need elementwise activations", p.Act, p.RecAct)
	}
	if xs[1] < 1 {
		return nil, nil, fmt.Errorf("runtime: recurrent layer of x %v: no time steps", xs)
	}
	geo := &rnnGeo{b: xs[0], t: xs[1], f: xs[2], u: rs[0], act: p.Act, recAct: p.RecAct, p: p, gates: gates, bias: bias != nil, mask: mask != nil,
		fAct: gateFnOf(p.Act), impl: gateBest}
	if p.forceImpl {
		geo.impl = p.impl
	}
	if p.RecAct != nil {
		geo.fRec = gateFnOf(p.RecAct)
	}
	ins := G.Nodes{x, kernel, recurrent}
	if bias != nil {
		if bs := []int(bias.Shape()); gates != 3 && (len(bs) != 1 || bs[0] != ks[1]) {
			return nil, nil, fmt.Errorf("runtime: recurrent layer bias of shape %v, want (%d)", bs, ks[1])
		}
		ins = append(ins, bias)
	}
	if mask != nil {
		if ms := []int(mask.Shape()); len(ms) != 2 || ms[0] != xs[0] || ms[1] != xs[1] {
			return nil, nil, fmt.Errorf("runtime: recurrent layer mask of shape %v for x %v, want (B, T)", ms, xs)
		}
		ins = append(ins, mask)
	}
	dins, err := geo.dropInputs(p)
	if err != nil {
		return nil, nil, err
	}
	return geo, append(ins, dins...), nil
}

// splitOutputs cuts the flat output y of a layer with return_state into
// the output, h and (LSTM) c.
func (g *rnnGeo) splitOutputs(y *G.Node) ([]*G.Node, error) {
	outShape := []int{g.b, g.u}
	if g.p.ReturnSequences {
		outShape = []int{g.b, g.t, g.u}
	}
	parts := []struct {
		off   int
		shape []int
	}{{0, outShape}, {g.outLen(), []int{g.b, g.u}}, {g.outLen() + g.b*g.u, []int{g.b, g.u}}}[:1+g.states()]
	outs := make([]*G.Node, len(parts))
	for i, pt := range parts {
		var err error
		if outs[i], err = flatSlice(y, pt.off, pt.shape, true); err != nil {
			return nil, fmt.Errorf("runtime: recurrent layer output %d: %w", i, err)
		}
	}
	return outs, nil
}

// rnnSeqOp: (x, W, U[, b][, mask]) → ws.
type rnnSeqOp struct {
	opBase
	geo *rnnGeo
}

func (op *rnnSeqOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *rnnSeqOp) DiffWRT(n int) []bool {
	d := diffAll(n)
	for i := 3 + b2i(op.geo.bias); i < n; i++ { // mask and dropout masks
		d[i] = false
	}
	return d
}

// SymDiff returns the parts of one backward op's packed gradient.
func (op *rnnSeqOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	g := op.geo
	args := append(append(G.Nodes{}, in...), out, grad)
	bop := &rnnSeqGradOp{opBase: newOpBase("RNNSeqGrad{"+g.String()+"}", []int{g.gradLen()}, args...), geo: g}
	gr, err := G.ApplyOp(bop, args...)
	if err != nil {
		return nil, err
	}
	res := make(G.Nodes, len(in))
	off := 0
	for i, n := range in[:3+b2i(g.bias)] {
		if res[i], err = flatSlice(gr, off, n.Shape(), false); err != nil {
			return nil, err
		}
		off += n.Shape().TotalSize()
	}
	return res, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// biasMask returns the slots of the bias and the mask among a forward
// sequence op's inputs (x, W, U[, b][, mask]), −1 for those it has not.
func (g *rnnGeo) biasMask(ins []int) (b, m int) {
	b, m = -1, -1
	k := 3
	if g.bias {
		b = ins[k]
		k++
	}
	if g.mask {
		m = ins[k]
	}
	return b, m
}

func (op *rnnSeqOp) build(c *kctx) (instr, error) {
	if op.geo.drop() {
		return newRNNDropFwdInstr(op.geo, c), nil
	}
	if op.geo.gates == 3 {
		if !op.geo.p.ResetAfter {
			return newGRUBeforeFwdInstr(op.geo, c), nil
		}
		return newGRUFwdInstr(op.geo, c), nil
	}
	in := &lstmFwdInstr{geo: op.geo, x: c.ins[0], w: c.ins[1], u: c.ins[2], ws: c.out}
	in.b, in.m = op.geo.biasMask(c.ins)
	in.wub = c.temp(op.geo.k() * op.geo.gu())
	in.pack = c.temp(fastgemm.PackedBSize(op.geo.k(), op.geo.gu()))
	return in, nil
}

type lstmFwdInstr struct {
	geo               *rnnGeo
	x, w, u, b, m, ws int
	wub               int // [W; U; b] stacked
	pack              int // wub packed for the product kernel
}

func (in *lstmFwdInstr) run(bufs [][]float32) {
	g := in.geo
	B, T, F, u, gu, K := g.b, g.t, g.f, g.u, g.gu(), g.k()
	ws, wub := bufs[in.ws], bufs[in.wub]
	copy(wub, bufs[in.w][:F*gu])
	copy(wub[F*gu:], bufs[in.u][:u*gu])
	if in.b >= 0 {
		copy(wub[(F+u)*gu:], bufs[in.b][:gu])
	}
	sp := newStepProduct(B, K, gu, false, wub, bufs[in.pack])
	xh, z := ws[:g.offZ()], ws[g.offZ():g.offA()]
	x := bufs[in.x]
	for t := 0; t < T; t++ {
		for b := 0; b < B; b++ {
			r := xh[(t*B+b)*K : (t*B+b)*K+K]
			copy(r, x[(b*T+t)*F:(b*T+t)*F+F])
			if in.b >= 0 {
				r[F+u] = 1
			}
		}
	}
	hs, cs := ws[g.offH():g.offC()], ws[g.offC():g.offAC()]
	zero := g.prev(g.time(0)) * B * u
	clear(hs[zero : zero+B*u])
	clear(cs[zero : zero+B*u])
	var mask []float32
	if in.m >= 0 {
		mask = bufs[in.m]
	}
	for s := 0; s < T; s++ {
		t := g.time(s)
		hp := g.prev(t) * B * u
		for b := 0; b < B; b++ {
			copy(xh[(t*B+b)*K+F:(t*B+b)*K+F+u], hs[hp+b*u:hp+b*u+u])
		}
		sp.mul(xh[t*B*K:(t+1)*B*K], z[t*B*gu:(t+1)*B*gu])
		for b := 0; b < B; b++ {
			g.cellForward(ws, mask, b, t)
		}
	}
}

// cellForward computes the gates, c and h of sample b at time t.
func (g *rnnGeo) cellForward(ws, mask []float32, b, t int) {
	u, gu := g.u, g.gu()
	hs, cs := ws[g.offH():g.offC()], ws[g.offC():g.offAC()]
	hp, cp := g.hRow(hs, b, g.prev(t)), g.hRow(cs, b, g.prev(t))
	hn, cn := g.hRow(hs, b, g.cur(t)), g.hRow(cs, b, g.cur(t))
	if g.masked(mask, b, t) {
		copy(hn, hp)
		copy(cn, cp)
		return
	}
	o := (t*g.b + b) * gu
	z, a := ws[g.offZ()+o:g.offZ()+o+gu:g.offZ()+o+gu], ws[g.offA()+o:g.offA()+o+gu:g.offA()+o+gu]
	if !g.lstm() { // SimpleRNN: h = act(z)
		gateForward(g.fAct, g.act, g.impl, a, z)
		copy(hn, a)
		return
	}
	gateForward(g.fRec, g.recAct, g.impl, a[:2*u], z[:2*u])
	gateForward(g.fAct, g.act, g.impl, a[2*u:3*u], z[2*u:3*u])
	gateForward(g.fRec, g.recAct, g.impl, a[3*u:], z[3*u:])
	ig, fg, cg, og := a[:u], a[u:2*u], a[2*u:3*u], a[3*u:]
	for j := range cn {
		cn[j] = fg[j]*cp[j] + ig[j]*cg[j]
	}
	oa := g.offAC() + (t*g.b+b)*u
	ac := ws[oa : oa+u : oa+u]
	gateForward(g.fAct, g.act, g.impl, ac, cn)
	for j := range hn {
		hn[j] = og[j] * ac[j]
	}
}

// rnnOutOp: (ws[, mask]) → the layer's outputs (see rnnGeo.yShape).
type rnnOutOp struct {
	opBase
	geo  *rnnGeo
	grad bool // the gradient op: (dy[, mask]) → dws
}

func (op *rnnOutOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *rnnOutOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	d[0] = !op.grad
	return d
}
func (op *rnnOutOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.Errorf("runtime: %v is not differentiable", op)
	}
	args := G.Nodes{grad}
	if op.geo.mask {
		args = append(args, in[1])
	}
	gop := &rnnOutOp{opBase: newOpBase("RNNOutGrad{"+op.geo.String()+"}", []int{op.geo.dwsLen()}, args...), geo: op.geo, grad: true}
	d, err := G.ApplyOp(gop, args...)
	if err != nil {
		return nil, err
	}
	res := make(G.Nodes, len(in))
	res[0] = d
	return res, nil
}
func (op *rnnOutOp) build(c *kctx) (instr, error) {
	in := &rnnOutInstr{geo: op.geo, grad: op.grad, x: c.ins[0], m: -1, out: c.out}
	if op.geo.mask {
		in.m = c.ins[1]
	}
	return in, nil
}

type rnnOutInstr struct {
	geo       *rnnGeo
	grad      bool
	x, m, out int
}

func (in *rnnOutInstr) run(bufs [][]float32) {
	g := in.geo
	var mask []float32
	if in.m >= 0 {
		mask = bufs[in.m]
	}
	if in.grad {
		g.outBackward(bufs[in.x], mask, bufs[in.out])
	} else {
		g.outForward(bufs[in.x], mask, bufs[in.out])
	}
}

// outPos returns the position of processing step s in the sequence output.
func (g *rnnGeo) outPos(s int) int {
	if g.p.Reverse {
		return g.t - 1 - s
	}
	return s
}

// outRow is the row of the layer output y (or of its gradient) that step s
// of sample b writes: its place in the sequence, or the one row of the
// sample when only the last output is returned.
func (g *rnnGeo) outRow(y []float32, b, s int) []float32 {
	u := g.u
	if g.p.ReturnSequences {
		o := (b*g.t + g.outPos(s)) * u
		return y[o : o+u]
	}
	return y[b*u : b*u+u]
}

// outForward writes y = [output | h | c] from ws.
func (g *rnnGeo) outForward(ws, mask, y []float32) {
	B, T, u := g.b, g.t, g.u
	hs, cs := ws[g.offH():g.offC()], ws[g.offC():] // cs only for LSTM
	zero := g.p.ZeroOutputForMask
	for b := 0; b < B; b++ {
		for s := 0; s < T; s++ {
			if !g.p.ReturnSequences && s != T-1 {
				continue
			}
			t := g.time(s)
			dst := g.outRow(y, b, s)
			if zero && g.masked(mask, b, t) {
				clear(dst)
			} else {
				copy(dst, g.hRow(hs, b, g.cur(t)))
			}
		}
		if g.p.ReturnState {
			last := g.cur(g.time(T - 1))
			o := g.outLen() + b*u
			copy(y[o:o+u], g.hRow(hs, b, last))
			if g.lstm() {
				o += B * u
				copy(y[o:o+u], g.hRow(cs, b, last))
			}
		}
	}
}

// outBackward writes dws = [dH | dC] from the outputs' gradient dy.
func (g *rnnGeo) outBackward(dy, mask, dws []float32) {
	B, T, u := g.b, g.t, g.u
	dh, dc := dws[:B*T*u], dws[B*T*u:B*T*u+B*u]
	if !g.p.ReturnSequences {
		clear(dh)
	}
	zero := g.p.ZeroOutputForMask
	tl := g.time(T - 1)
	for b := 0; b < B; b++ {
		for s := 0; s < T; s++ {
			if !g.p.ReturnSequences && s != T-1 {
				continue
			}
			t := g.time(s)
			dst := dh[(t*B+b)*u : (t*B+b)*u+u]
			src := g.outRow(dy, b, s)
			if zero && g.masked(mask, b, t) {
				clear(dst)
			} else {
				copy(dst, src)
			}
		}
		dcb := dc[b*u : b*u+u]
		if !g.p.ReturnState {
			clear(dcb)
			continue
		}
		o := g.outLen() + b*u
		addInto(dh[(tl*B+b)*u:(tl*B+b)*u+u], dy[o:o+u])
		if g.lstm() {
			copy(dcb, dy[o+B*u:o+B*u+u])
		} else {
			clear(dcb)
		}
	}
}

// rnnSeqGradOp: (x, W, U[, b][, mask], ws, dws) → [dx | dW | dU | db].
type rnnSeqGradOp struct {
	opBase
	geo *rnnGeo
}

func (op *rnnSeqGradOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *rnnSeqGradOp) DiffWRT(n int) []bool             { return make([]bool, n) }
func (op *rnnSeqGradOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("runtime: %v is not differentiable", op)
}
func (op *rnnSeqGradOp) build(c *kctx) (instr, error) {
	g := op.geo
	if g.drop() {
		return newRNNDropBwdInstr(g, c), nil
	}
	if g.gates == 3 {
		if !g.p.ResetAfter {
			return newGRUBeforeBwdInstr(g, c), nil
		}
		return newGRUBwdInstr(g, c), nil
	}
	n := len(c.ins)
	in := &lstmBwdInstr{geo: g, x: c.ins[0], w: c.ins[1], u: c.ins[2], m: -1, ws: c.ins[n-2], dws: c.ins[n-1], out: c.out}
	if g.mask {
		in.m = c.ins[n-3]
	}
	in.dz = c.temp(g.b * g.t * g.gu())
	in.dh = c.temp(g.b * g.u)
	in.dc = c.temp(g.b * g.u)
	in.tmp = c.temp(g.b * g.u)
	in.wu = c.temp(g.gu() * (g.f + g.u))
	in.pack = c.temp(fastgemm.PackedBSize(g.gu(), g.f+g.u))
	in.d = c.temp(g.b * (g.f + g.u))
	return in, nil
}

type lstmBwdInstr struct {
	geo                  *rnnGeo
	x, w, u, m, ws, dws  int
	out, dz, dh, dc, tmp int
	wu, pack, d          int // [W; U], it packed, one step's [dx | dh]
}

func (in *lstmBwdInstr) run(bufs [][]float32) {
	g := in.geo
	B, T, F, u, gu := g.b, g.t, g.f, g.u, g.gu()
	ws, dws, out := bufs[in.ws], bufs[in.dws], bufs[in.out]
	dZ, dh, dc, tmp := bufs[in.dz], bufs[in.dh], bufs[in.dc], bufs[in.tmp]
	dx := out[:B*T*F]
	var mask []float32
	if in.m >= 0 {
		mask = bufs[in.m]
	}
	// each step's [dx_t | dh_prev] = dz_t·[W; U]ᵀ is one product
	fu := F + u
	wu, d := bufs[in.wu], bufs[in.d]
	copy(wu, bufs[in.w][:F*gu])
	copy(wu[F*gu:], bufs[in.u][:u*gu])
	sp := newStepProduct(B, gu, fu, true, wu, bufs[in.pack])
	dH := dws[:B*T*u]
	clear(dh)
	copy(dc, dws[B*T*u:B*T*u+B*u])
	for s := T - 1; s >= 0; s-- {
		t := g.time(s)
		addInto(dh, dH[t*B*u:(t+1)*B*u])
		for b := 0; b < B; b++ {
			g.cellBackward(ws, mask, dZ, dh[b*u:b*u+u], dc[b*u:b*u+u], tmp[b*u:b*u+u], b, t)
		}
		sp.mul(dZ[t*B*gu:(t+1)*B*gu], d)
		for b := 0; b < B; b++ {
			copy(dx[(b*T+t)*F:(b*T+t)*F+F], d[b*fu:b*fu+F])
			if !g.masked(mask, b, t) { // masked rows carry dh
				copy(dh[b*u:b*u+u], d[b*fu+F:b*fu+fu])
			}
		}
	}
	// [dW; dU; db] = XHᵀ·dZ, laid out as the packed gradient wants them
	K := g.k()
	gemm(true, false, K, gu, B*T, ws[:g.offZ()], dZ, out[B*T*F:B*T*F+K*gu])
}

// stepProduct multiplies every step's m rows by one constant k×n operand
// op(b): packed once for internal/gemm's kernels (repacking the weights for
// each step would cost as much as the step's arithmetic), or through the
// executor's own loops for a handful of rows or without assembly kernels.
type stepProduct struct {
	m, k, n int
	transB  bool
	b       []float32
	packed  bool
	pb      fastgemm.PackedB
}

// newStepProduct prepares op(b) (b stored k×n, or n×k with transB); buf
// holds fastgemm.PackedBSize(k, n) floats.
func newStepProduct(m, k, n int, transB bool, b, buf []float32) stepProduct {
	sp := stepProduct{m: m, k: k, n: n, transB: transB, b: b}
	if gemmAsm && m > 4 {
		ldb := n
		if transB {
			ldb = k
		}
		sp.packed, sp.pb = true, fastgemm.PackB(transB, k, n, b, ldb, buf)
	}
	return sp
}

// mul writes c (m×n) = a (m×k)·op(b).
func (sp *stepProduct) mul(a, c []float32) {
	if sp.packed {
		fastgemm.SgemmPackedB(false, sp.m, 1, a, sp.k, sp.pb, 0, c, sp.n)
		return
	}
	gemmOwn(false, sp.transB, sp.m, sp.n, sp.k, a, sp.b, c, false)
}

// cellBackward writes dz of sample b at time t from dh and dc (the
// gradients of h and c after the step) and replaces dc by the gradient of
// c before it; tmp is scratch of u floats. A masked step has dz = 0 and
// passes dh and dc on unchanged.
func (g *rnnGeo) cellBackward(ws, mask, dZ, dh, dc, tmp []float32, b, t int) {
	u, gu := g.u, g.gu()
	o := (t*g.b + b) * gu
	dz := dZ[o : o+gu : o+gu]
	if g.masked(mask, b, t) {
		clear(dz)
		return
	}
	z, a := ws[g.offZ()+o:g.offZ()+o+gu:g.offZ()+o+gu], ws[g.offA()+o:g.offA()+o+gu:g.offA()+o+gu]
	if !g.lstm() { // SimpleRNN: dz = act'(z)·dh
		gateBackward(g.fAct, g.act, dz, z, a, dh[:u])
		return
	}
	cs := ws[g.offC():g.offAC()]
	cn, cp := g.hRow(cs, b, g.cur(t)), g.hRow(cs, b, g.prev(t))
	oa := g.offAC() + (t*g.b+b)*u
	ac := ws[oa : oa+u : oa+u]
	ig, fg, cg, og := a[:u], a[u:2*u], a[2*u:3*u], a[3*u:]
	dh, dc, tmp = dh[:u], dc[:u], tmp[:u]
	if g.fRec == gateSigmoid && g.fAct == gateTanh {
		lstmBackwardSigmoidTanh(dz, dh, dc, ig, fg, cg, og, cp, ac)
		return
	}
	dO := dz[3*u:]
	for j := range tmp {
		dO[j] = dh[j] * ac[j]
		tmp[j] = dh[j] * og[j]
	}
	gateBackward(g.fAct, g.act, tmp, cn, ac, tmp)
	dI, dF, dG := dz[:u], dz[u:2*u], dz[2*u:3*u]
	for j := range tmp {
		d := dc[j] + tmp[j]
		dI[j] = d * cg[j]
		dF[j] = d * cp[j]
		dG[j] = d * ig[j]
		dc[j] = d * fg[j]
	}
	gateBackward(g.fRec, g.recAct, dz[:2*u], z[:2*u], a[:2*u], dz[:2*u])
	gateBackward(g.fAct, g.act, dG, z[2*u:3*u], cg, dG)
	gateBackward(g.fRec, g.recAct, dO, z[3*u:], og, dO)
}

// lstmBackwardSigmoidTanh is cellBackward's arithmetic for Keras's default
// activations in one pass: sigmoid' = y(1−y), tanh' = 1−y², from the
// stored activations.
func lstmBackwardSigmoidTanh(dz, dh, dc, ig, fg, cg, og, cp, ac []float32) {
	n := len(dh)
	dc, ig, fg, cg, og, cp, ac = dc[:n], ig[:n], fg[:n], cg[:n], og[:n], cp[:n], ac[:n]
	dI, dF, dG, dO := dz[:n], dz[n:2*n], dz[2*n:3*n], dz[3*n:4*n]
	for j, h := range dh {
		a, o, i, f, c := ac[j], og[j], ig[j], fg[j], cg[j]
		dO[j] = h * a * (o * (1 - o))
		d := dc[j] + (1-a*a)*(h*o)
		dI[j] = d * c * (i * (1 - i))
		dF[j] = d * cp[j] * (f * (1 - f))
		dG[j] = d * i * (1 - c*c)
		dc[j] = d * f
	}
}

// flatSlice returns x's elements [off, off+size(shape)) as a tensor of the
// given shape. With diff it is differentiable (its gradient scatters dy
// into zeros of x's size); without, it only reads a packed result.
func flatSlice(x *G.Node, off int, shape []int, diff bool) (*G.Node, error) {
	op := &flatSliceOp{opBase: newOpBase(fmt.Sprintf("FlatSlice{%d,%v,%v}", off, shape, diff), shape, x),
		off: off, n: prod(shape), total: x.Shape().TotalSize(), diff: diff}
	return G.ApplyOp(op, x)
}

// flatSliceOp copies a range of its input; with grad set it is the
// gradient, scattering its input into zeros of the sliced tensor's size.
type flatSliceOp struct {
	opBase
	off, n, total int
	diff, grad    bool
}

func (op *flatSliceOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *flatSliceOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	d[0] = op.diff && !op.grad
	return d
}
func (op *flatSliceOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if !op.diff || op.grad {
		return nil, errors.Errorf("runtime: %v is not differentiable", op)
	}
	shape := []int(in[0].Shape())
	gop := &flatSliceOp{opBase: newOpBase(fmt.Sprintf("FlatSliceGrad{%d,%d}", op.off, op.n), shape, grad),
		off: op.off, n: op.n, total: op.total, grad: true}
	d, err := G.ApplyOp(gop, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{d}, nil
}
func (op *flatSliceOp) build(c *kctx) (instr, error) {
	return &flatSliceInstr{op: op, x: c.ins[0], out: c.out}, nil
}

type flatSliceInstr struct {
	op     *flatSliceOp
	x, out int
}

func (in *flatSliceInstr) run(bufs [][]float32) {
	o := in.op
	x, out := bufs[in.x], bufs[in.out]
	if !o.grad {
		copy(out[:o.n], x[o.off:o.off+o.n])
		return
	}
	out = out[:o.total]
	clear(out[:o.off])
	copy(out[o.off:o.off+o.n], x[:o.n])
	clear(out[o.off+o.n:])
}
