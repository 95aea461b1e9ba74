package runtime

import (
	"fmt"

	fastgemm "github.com/kerago/kerago/internal/gemm"
	G "gorgonia.org/gorgonia"
)

// The fused GRU shares the LSTM's ops, output op and state layout
// (rnn_ops.go) with its own workspace, all time-major:
//
//	X1 (T, B, K1)  [x_t | 1] (K1 = F+1; no 1 without bias)
//	XP (T, B, 3u)  x_t·W + b_in (blocks z, r, h): one product for all steps
//	HP (T, B, K2)  reset_after: [h_prev | 1] (K2 = u+1; no 1 without
//	               bias); reset_after=False: r⊙h_prev (K2 = u)
//	RP (T, B, 3u)  reset_after: h_prev·U + b_rec, per step (unused without)
//	ZP (T, B, 3u)  pre-activations xz+rz, xr+rr, xh + r⊙rh
//	A  (T, B, 3u)  z, r, ĥ
//	H  (T+1, B, u) as the LSTM's
//
// h = z⊙h_prev + (1−z)⊙ĥ, Keras's GRUCell.

func (g *rnnGeo) k1() int      { return g.f + b2i(g.bias) }
func (g *rnnGeo) k2() int      { return g.u + b2i(g.bias && g.p.ResetAfter) }
func (g *rnnGeo) gruXP() int   { return g.t * g.b * g.k1() }
func (g *rnnGeo) gruHP() int   { return g.gruXP() + g.t*g.b*g.gu() }
func (g *rnnGeo) gruRP() int   { return g.gruHP() + g.t*g.b*g.k2() }
func (g *rnnGeo) gruZP() int   { return g.gruRP() + g.t*g.b*g.gu() }
func (g *rnnGeo) gruA() int    { return g.gruZP() + g.t*g.b*g.gu() }
func (g *rnnGeo) gruOffH() int { return g.gruA() + g.t*g.b*g.gu() }

// GRU emits Keras's GRU over x (B, T, F) as one fused op: kernel (F, 3u),
// recurrent kernel (u, 3u), bias or nil, mask as LSTM's. With
// p.ResetAfter (Keras 3's default) the bias is (2, 3u), input and recurrent
// rows, and ĥ = act(x·W_h + b_h + r⊙(h·U_h + b'_h)); without, the bias is
// (3u,) and ĥ = act(x·W_h + b_h + (r⊙h)·U_h). It returns the output, then
// with ReturnState the final h. Differentiable with respect to x, the
// kernels and the bias.
func (g *Graph) GRU(x, kernel, recurrent, bias, mask *G.Node, p RNNParams) ([]*G.Node, error) {
	if p.RecAct == nil {
		return nil, fmt.Errorf("runtime: GRU needs a recurrent activation")
	}
	if bias != nil {
		rs, bs := []int(recurrent.Shape()), []int(bias.Shape())
		ok := len(rs) == 2 && len(bs) == 1 && bs[0] == rs[1]
		if p.ResetAfter {
			ok = len(rs) == 2 && len(bs) == 2 && bs[0] == 2 && bs[1] == rs[1]
		}
		if !ok {
			return nil, fmt.Errorf("runtime: GRU (reset_after %v) bias of shape %v for recurrent kernel %v", p.ResetAfter, bs, rs)
		}
	}
	return g.fusedRNN(3, x, kernel, recurrent, bias, mask, p)
}

type gruFwdInstr struct {
	geo               *rnnGeo
	x, w, u, b, m, ws int
	wb, ub, pack      int // [W; b_in], [U; b_rec], the latter packed
}

func newGRUFwdInstr(g *rnnGeo, c *kctx) *gruFwdInstr {
	in := &gruFwdInstr{geo: g, x: c.ins[0], w: c.ins[1], u: c.ins[2], ws: c.out}
	in.b, in.m = g.biasMask(c.ins)
	in.wb = c.temp(g.k1() * g.gu())
	in.ub = c.temp(g.k2() * g.gu())
	in.pack = c.temp(fastgemm.PackedBSize(g.k2(), g.gu()))
	return in
}

func (in *gruFwdInstr) run(bufs [][]float32) {
	g := in.geo
	B, T, F, u, gu, K1, K2 := g.b, g.t, g.f, g.u, g.gu(), g.k1(), g.k2()
	ws, wb, ub := bufs[in.ws], bufs[in.wb], bufs[in.ub]
	copy(wb, bufs[in.w][:F*gu])
	copy(ub, bufs[in.u][:u*gu])
	if in.b >= 0 {
		copy(wb[F*gu:], bufs[in.b][:gu])
		copy(ub[u*gu:], bufs[in.b][gu:2*gu])
	}
	x1, xp, hp1, rp := ws[:g.gruXP()], ws[g.gruXP():g.gruHP()], ws[g.gruHP():g.gruRP()], ws[g.gruRP():g.gruZP()]
	x := bufs[in.x]
	for t := 0; t < T; t++ {
		for b := 0; b < B; b++ {
			r := x1[(t*B+b)*K1 : (t*B+b)*K1+K1]
			copy(r, x[(b*T+t)*F:(b*T+t)*F+F])
			if in.b >= 0 {
				r[F] = 1
				hp1[(t*B+b)*K2+u] = 1
			}
		}
	}
	gemm(false, false, T*B, gu, K1, x1, wb, xp)
	hs := ws[g.offH():]
	zero := g.prev(g.time(0)) * B * u
	clear(hs[zero : zero+B*u])
	var mask []float32
	if in.m >= 0 {
		mask = bufs[in.m]
	}
	sp := newStepProduct(B, K2, gu, false, ub, bufs[in.pack])
	for s := 0; s < T; s++ {
		t := g.time(s)
		hp := g.prev(t) * B * u
		for b := 0; b < B; b++ {
			copy(hp1[(t*B+b)*K2:(t*B+b)*K2+u], hs[hp+b*u:hp+b*u+u])
		}
		sp.mul(hp1[t*B*K2:(t+1)*B*K2], rp[t*B*gu:(t+1)*B*gu])
		for b := 0; b < B; b++ {
			g.gruCellForward(ws, mask, b, t)
		}
	}
}

// gruCellForward computes z, r, ĥ and h of sample b at time t.
func (g *rnnGeo) gruCellForward(ws, mask []float32, b, t int) {
	u, gu := g.u, g.gu()
	hs := ws[g.offH():]
	hp, hn := g.hRow(hs, b, g.prev(t)), g.hRow(hs, b, g.cur(t))
	if g.masked(mask, b, t) {
		copy(hn, hp)
		return
	}
	o := (t*g.b + b) * gu
	xp, rp := ws[g.gruXP()+o:g.gruXP()+o+gu], ws[g.gruRP()+o:g.gruRP()+o+gu]
	zp, a := ws[g.gruZP()+o:g.gruZP()+o+gu], ws[g.gruA()+o:g.gruA()+o+gu]
	for j := 0; j < 2*u; j++ {
		zp[j] = xp[j] + rp[j]
	}
	gateForward(g.fRec, g.recAct, g.impl, a[:2*u], zp[:2*u])
	r := a[u : 2*u]
	for j := 0; j < u; j++ {
		zp[2*u+j] = xp[2*u+j] + r[j]*rp[2*u+j]
	}
	g.gruState(a, zp, hp, hn)
}

// gruState computes the candidate ĥ = act(zp's third block) into a's third
// block and from it h = z⊙h_prev + (1−z)⊙ĥ into hn (z is a's first block).
func (g *rnnGeo) gruState(a, zp, hp, hn []float32) {
	u := g.u
	gateForward(g.fAct, g.act, g.impl, a[2*u:], zp[2*u:])
	z, hh := a[:u], a[2*u:]
	for j := range hn {
		hn[j] = z[j]*hp[j] + (1-z[j])*hh[j]
	}
}

type gruBwdInstr struct {
	geo                 *rnnGeo
	x, w, u, m, ws, dws int
	out, dxp, drp, dh   int
	tmp, d              int // one step's dRP·Uᵀ and dXP·Wᵀ
	wbg, ubg            int // [dW; db_in], [dU; db_rec]
	pw, pu              int // packed Wᵀ and Uᵀ
}

func newGRUBwdInstr(g *rnnGeo, c *kctx) *gruBwdInstr {
	n := len(c.ins)
	in := &gruBwdInstr{geo: g, x: c.ins[0], w: c.ins[1], u: c.ins[2], m: -1, ws: c.ins[n-2], dws: c.ins[n-1], out: c.out}
	if g.mask {
		in.m = c.ins[n-3]
	}
	bt, gu := g.b*g.t, g.gu()
	in.dxp, in.drp = c.temp(bt*gu), c.temp(bt*gu)
	in.dh, in.tmp, in.d = c.temp(g.b*g.u), c.temp(g.b*g.u), c.temp(g.b*g.f)
	in.pw = c.temp(fastgemm.PackedBSize(gu, g.f))
	in.pu = c.temp(fastgemm.PackedBSize(gu, g.u))
	in.wbg, in.ubg = c.temp(g.k1()*gu), c.temp(g.k2()*gu)
	return in
}

func (in *gruBwdInstr) run(bufs [][]float32) {
	g := in.geo
	B, T, F, u, gu, K1, K2 := g.b, g.t, g.f, g.u, g.gu(), g.k1(), g.k2()
	ws, dws, out := bufs[in.ws], bufs[in.dws], bufs[in.out]
	dXP, dRP, dh, tmp, d := bufs[in.dxp], bufs[in.drp], bufs[in.dh], bufs[in.tmp], bufs[in.d]
	var mask []float32
	if in.m >= 0 {
		mask = bufs[in.m]
	}
	dx := out[:B*T*F]
	spW := newStepProduct(B, gu, F, true, bufs[in.w], bufs[in.pw])
	spU := newStepProduct(B, gu, u, true, bufs[in.u], bufs[in.pu])
	dH := dws[:B*T*u]
	clear(dh)
	for s := T - 1; s >= 0; s-- {
		t := g.time(s)
		addInto(dh, dH[t*B*u:(t+1)*B*u])
		for b := 0; b < B; b++ {
			g.gruCellBackward(ws, mask, dXP, dRP, dh[b*u:b*u+u], b, t)
		}
		o := t * B * gu
		spW.mul(dXP[o:o+B*gu], d)
		spU.mul(dRP[o:o+B*gu], tmp)
		for b := 0; b < B; b++ {
			copy(dx[(b*T+t)*F:(b*T+t)*F+F], d[b*F:b*F+F])
			if !g.masked(mask, b, t) { // masked rows carry dh
				addInto(dh[b*u:b*u+u], tmp[b*u:b*u+u])
			}
		}
	}
	// [dW; db_in] = X1ᵀ·dXP and [dU; db_rec] = HPᵀ·dRP
	wbg, ubg := bufs[in.wbg], bufs[in.ubg]
	gemm(true, false, K1, gu, B*T, ws[:g.gruXP()], dXP, wbg)
	gemm(true, false, K2, gu, B*T, ws[g.gruHP():g.gruRP()], dRP, ubg)
	o := B * T * F
	copy(out[o:o+F*gu], wbg[:F*gu])
	o += F * gu
	copy(out[o:o+u*gu], ubg[:u*gu])
	if g.bias {
		o += u * gu
		copy(out[o:o+gu], wbg[F*gu:])
		copy(out[o+gu:o+2*gu], ubg[u*gu:])
	}
}

// gruCellBackward writes the gradients of sample b's pre-activations at
// time t, dXP = [dz_pre, dr_pre, dĥ_pre] and dRP = [dz_pre, dr_pre,
// dĥ_pre⊙r], from dh (the gradient of h after the step), and replaces dh by
// its direct part z⊙dh (the recurrent part dRP·Uᵀ is added by the caller).
// A masked step has zero gradients and passes dh on unchanged.
func (g *rnnGeo) gruCellBackward(ws, mask, dXP, dRP, dh []float32, b, t int) {
	u, gu := g.u, g.gu()
	o := (t*g.b + b) * gu
	dxp, drp := dXP[o:o+gu], dRP[o:o+gu]
	if g.masked(mask, b, t) {
		clear(dxp)
		clear(drp)
		return
	}
	hp := g.hRow(ws[g.offH():], b, g.prev(t))
	rp := ws[g.gruRP()+o : g.gruRP()+o+gu]
	zp, a := ws[g.gruZP()+o:g.gruZP()+o+gu], ws[g.gruA()+o:g.gruA()+o+gu]
	z, r, hh := a[:u], a[u:2*u], a[2*u:]
	dh = dh[:u]
	for j, v := range dh {
		dxp[j] = v * (hp[j] - hh[j]) // dz
		dxp[2*u+j] = v * (1 - z[j])  // dĥ
		dh[j] = v * z[j]
	}
	gateBackward(g.fAct, g.act, dxp[2*u:], zp[2*u:], hh, dxp[2*u:])
	for j := 0; j < u; j++ {
		dxp[u+j] = dxp[2*u+j] * rp[2*u+j] // dr
		drp[2*u+j] = dxp[2*u+j] * r[j]
	}
	gateBackward(g.fRec, g.recAct, dxp[:2*u], zp[:2*u], a[:2*u], dxp[:2*u])
	copy(drp[:2*u], dxp[:2*u])
}

// gruBeforeFwdInstr is the forward pass of GRU with reset_after=False: per
// step h_prev·[U_z U_r], the gates, then (r⊙h_prev)·U_h.
type gruBeforeFwdInstr struct {
	geo                  *rnnGeo
	x, w, u, b, m, ws    int
	wb, uzr, uh, pzr, ph int // [W; b], U's blocks and them packed
	rz, rh               int // one step's h_prev·U_zr and (r⊙h_prev)·U_h
}

func newGRUBeforeFwdInstr(g *rnnGeo, c *kctx) *gruBeforeFwdInstr {
	in := &gruBeforeFwdInstr{geo: g, x: c.ins[0], w: c.ins[1], u: c.ins[2], ws: c.out}
	in.b, in.m = g.biasMask(c.ins)
	u := g.u
	in.wb, in.uzr, in.uh = c.temp(g.k1()*g.gu()), c.temp(u*2*u), c.temp(u*u)
	in.pzr, in.ph = c.temp(fastgemm.PackedBSize(u, 2*u)), c.temp(fastgemm.PackedBSize(u, u))
	in.rz, in.rh = c.temp(g.b*2*u), c.temp(g.b*u)
	return in
}

// splitU copies U (u, 3u) into its blocks [U_z U_r] (u, 2u) and U_h (u, u).
func splitU(U, uzr, uh []float32, u int) {
	for p := 0; p < u; p++ {
		copy(uzr[p*2*u:(p+1)*2*u], U[p*3*u:p*3*u+2*u])
		copy(uh[p*u:(p+1)*u], U[p*3*u+2*u:(p+1)*3*u])
	}
}

func (in *gruBeforeFwdInstr) run(bufs [][]float32) {
	g := in.geo
	B, T, F, u, gu, K1 := g.b, g.t, g.f, g.u, g.gu(), g.k1()
	ws, wb := bufs[in.ws], bufs[in.wb]
	copy(wb, bufs[in.w][:F*gu])
	if in.b >= 0 {
		copy(wb[F*gu:], bufs[in.b][:gu])
	}
	uzr, uh := bufs[in.uzr], bufs[in.uh]
	splitU(bufs[in.u], uzr, uh, u)
	x1, xp, rhi := ws[:g.gruXP()], ws[g.gruXP():g.gruHP()], ws[g.gruHP():g.gruRP()]
	x := bufs[in.x]
	for t := 0; t < T; t++ {
		for b := 0; b < B; b++ {
			r := x1[(t*B+b)*K1 : (t*B+b)*K1+K1]
			copy(r, x[(b*T+t)*F:(b*T+t)*F+F])
			if in.b >= 0 {
				r[F] = 1
			}
		}
	}
	gemm(false, false, T*B, gu, K1, x1, wb, xp)
	hs := ws[g.offH():]
	zero := g.prev(g.time(0)) * B * u
	clear(hs[zero : zero+B*u])
	var mask []float32
	if in.m >= 0 {
		mask = bufs[in.m]
	}
	spZR := newStepProduct(B, u, 2*u, false, uzr, bufs[in.pzr])
	spH := newStepProduct(B, u, u, false, uh, bufs[in.ph])
	rz, rh := bufs[in.rz], bufs[in.rh]
	for s := 0; s < T; s++ {
		t := g.time(s)
		hp := g.prev(t) * B * u
		spZR.mul(hs[hp:hp+B*u], rz)
		for b := 0; b < B; b++ {
			g.gruBeforeGates(ws, mask, rz[b*2*u:(b+1)*2*u], b, t)
		}
		spH.mul(rhi[t*B*u:(t+1)*B*u], rh)
		for b := 0; b < B; b++ {
			g.gruBeforeState(ws, mask, rh[b*u:(b+1)*u], b, t)
		}
	}
}

// gruBeforeGates computes z, r and r⊙h_prev of sample b at time t from rz =
// h_prev·[U_z U_r].
func (g *rnnGeo) gruBeforeGates(ws, mask, rz []float32, b, t int) {
	u, gu := g.u, g.gu()
	o := (t*g.b + b) * gu
	rhi := ws[g.gruHP()+(t*g.b+b)*u : g.gruHP()+(t*g.b+b+1)*u]
	if g.masked(mask, b, t) {
		clear(rhi)
		return
	}
	hp := g.hRow(ws[g.offH():], b, g.prev(t))
	xp := ws[g.gruXP()+o : g.gruXP()+o+gu]
	zp, a := ws[g.gruZP()+o:g.gruZP()+o+gu], ws[g.gruA()+o:g.gruA()+o+gu]
	for j := 0; j < 2*u; j++ {
		zp[j] = xp[j] + rz[j]
	}
	gateForward(g.fRec, g.recAct, g.impl, a[:2*u], zp[:2*u])
	r := a[u : 2*u]
	for j := range rhi {
		rhi[j] = r[j] * hp[j]
	}
}

// gruBeforeState computes ĥ and h of sample b at time t from rh =
// (r⊙h_prev)·U_h.
func (g *rnnGeo) gruBeforeState(ws, mask, rh []float32, b, t int) {
	u, gu := g.u, g.gu()
	hs := ws[g.offH():]
	hp, hn := g.hRow(hs, b, g.prev(t)), g.hRow(hs, b, g.cur(t))
	if g.masked(mask, b, t) {
		copy(hn, hp)
		return
	}
	o := (t*g.b + b) * gu
	xp := ws[g.gruXP()+o : g.gruXP()+o+gu]
	zp, a := ws[g.gruZP()+o:g.gruZP()+o+gu], ws[g.gruA()+o:g.gruA()+o+gu]
	for j := 0; j < u; j++ {
		zp[2*u+j] = xp[2*u+j] + rh[j]
	}
	g.gruState(a, zp, hp, hn)
}

// gruBeforeBwdInstr is the backward pass of GRU with reset_after=False.
type gruBeforeBwdInstr struct {
	geo                 *rnnGeo
	x, w, u, m, ws, dws int
	out, dxp, dh, d     int
	uzr, uh, pw, pzr    int
	ph, th, tr, tz, tmp int
	wbg                 int
}

func newGRUBeforeBwdInstr(g *rnnGeo, c *kctx) *gruBeforeBwdInstr {
	n := len(c.ins)
	in := &gruBeforeBwdInstr{geo: g, x: c.ins[0], w: c.ins[1], u: c.ins[2], m: -1, ws: c.ins[n-2], dws: c.ins[n-1], out: c.out}
	if g.mask {
		in.m = c.ins[n-3]
	}
	B, u, gu := g.b, g.u, g.gu()
	in.dxp, in.dh, in.d = c.temp(B*g.t*gu), c.temp(B*u), c.temp(B*g.f)
	in.uzr, in.uh = c.temp(u*2*u), c.temp(u*u)
	in.pw = c.temp(fastgemm.PackedBSize(gu, g.f))
	in.pzr, in.ph = c.temp(fastgemm.PackedBSize(2*u, u)), c.temp(fastgemm.PackedBSize(u, u))
	in.th, in.tr, in.tz, in.tmp = c.temp(B*u), c.temp(B*u), c.temp(B*2*u), c.temp(B*u)
	in.wbg = c.temp(g.k1() * gu)
	return in
}

func (in *gruBeforeBwdInstr) run(bufs [][]float32) {
	g := in.geo
	B, T, F, u, gu, K1 := g.b, g.t, g.f, g.u, g.gu(), g.k1()
	ws, dws, out := bufs[in.ws], bufs[in.dws], bufs[in.out]
	dXP, dh, d := bufs[in.dxp], bufs[in.dh], bufs[in.d]
	var mask []float32
	if in.m >= 0 {
		mask = bufs[in.m]
	}
	uzr, uh := bufs[in.uzr], bufs[in.uh]
	splitU(bufs[in.u], uzr, uh, u)
	spW := newStepProduct(B, gu, F, true, bufs[in.w], bufs[in.pw])
	spZR := newStepProduct(B, 2*u, u, true, uzr, bufs[in.pzr])
	spH := newStepProduct(B, u, u, true, uh, bufs[in.ph])
	th, tr, tz, tmp := bufs[in.th], bufs[in.tr], bufs[in.tz], bufs[in.tmp]
	dx, dH := out[:B*T*F], dws[:B*T*u]
	clear(dh)
	for s := T - 1; s >= 0; s-- {
		t := g.time(s)
		addInto(dh, dH[t*B*u:(t+1)*B*u])
		o := t * B * gu
		for b := 0; b < B; b++ {
			g.gruBeforeCellBackward(ws, mask, dXP, dh[b*u:b*u+u], b, t)
			copy(th[b*u:(b+1)*u], dXP[o+b*gu+2*u:o+(b+1)*gu])
		}
		spH.mul(th, tr) // d(r⊙h_prev)
		for b := 0; b < B; b++ {
			g.gruBeforeResetBackward(ws, mask, dXP, dh[b*u:b*u+u], tr[b*u:b*u+u], b, t)
			copy(tz[b*2*u:(b+1)*2*u], dXP[o+b*gu:o+b*gu+2*u])
		}
		spZR.mul(tz, tmp)
		spW.mul(dXP[o:o+B*gu], d)
		for b := 0; b < B; b++ {
			copy(dx[(b*T+t)*F:(b*T+t)*F+F], d[b*F:b*F+F])
			if !g.masked(mask, b, t) {
				addInto(dh[b*u:b*u+u], tmp[b*u:b*u+u])
			}
		}
	}
	// [dW; db] = X1ᵀ·dXP; dU = [h_prevᵀ·dXP_zr | (r⊙h_prev)ᵀ·dXP_h]
	wbg := bufs[in.wbg]
	gemm(true, false, K1, gu, B*T, ws[:g.gruXP()], dXP, wbg)
	o := B * T * F
	copy(out[o:o+F*gu], wbg[:F*gu])
	dU := out[o+F*gu : o+F*gu+u*gu]
	hp := g.offH() + g.prev(0)*B*u
	fastgemm.Sgemm(true, false, u, 2*u, B*T, 1, ws[hp:hp+B*T*u], u, dXP, gu, 0, dU, gu)
	fastgemm.Sgemm(true, false, u, u, B*T, 1, ws[g.gruHP():g.gruRP()], u, dXP[2*u:], gu, 0, dU[2*u:], gu)
	if g.bias {
		copy(out[o+F*gu+u*gu:o+F*gu+u*gu+gu], wbg[F*gu:])
	}
}

// gruBeforeCellBackward writes dz (before σ') and dĥ_pre of sample b at
// time t into dXP and replaces dh by its direct part z⊙dh; a masked step
// zeroes its row and leaves dh.
func (g *rnnGeo) gruBeforeCellBackward(ws, mask, dXP, dh []float32, b, t int) {
	u, gu := g.u, g.gu()
	o := (t*g.b + b) * gu
	dxp := dXP[o : o+gu]
	if g.masked(mask, b, t) {
		clear(dxp)
		return
	}
	hp := g.hRow(ws[g.offH():], b, g.prev(t))
	zp, a := ws[g.gruZP()+o:g.gruZP()+o+gu], ws[g.gruA()+o:g.gruA()+o+gu]
	z, hh := a[:u], a[2*u:]
	dh = dh[:u]
	for j, v := range dh {
		dxp[j] = v * (hp[j] - hh[j])
		dxp[2*u+j] = v * (1 - z[j])
		dh[j] = v * z[j]
	}
	gateBackward(g.fAct, g.act, dxp[2*u:], zp[2*u:], hh, dxp[2*u:])
}

// gruBeforeResetBackward takes drh = d(r⊙h_prev) of sample b at time t:
// dr = drh⊙h_prev, dh += drh⊙r, then the gates' σ' on dz and dr.
func (g *rnnGeo) gruBeforeResetBackward(ws, mask, dXP, dh, drh []float32, b, t int) {
	if g.masked(mask, b, t) {
		return
	}
	u, gu := g.u, g.gu()
	o := (t*g.b + b) * gu
	dxp := dXP[o : o+gu]
	hp := g.hRow(ws[g.offH():], b, g.prev(t))
	zp, a := ws[g.gruZP()+o:g.gruZP()+o+gu], ws[g.gruA()+o:g.gruA()+o+gu]
	r := a[u : 2*u]
	for j, v := range drh[:u] {
		dxp[u+j] = v * hp[j]
		dh[j] += v * r[j]
	}
	gateBackward(g.fRec, g.recAct, dxp[:2*u], zp[:2*u], a[:2*u], dxp[:2*u])
}
