package runtime

import (
	"fmt"

	fastgemm "github.com/kerago/kerago/internal/gemm"
	G "gorgonia.org/gorgonia"
)

// This file holds the fused LSTM and SimpleRNN with per-gate dropout masks
// (RNNParams.DropIn, DropRec; Keras 3's implementation 1). Gate k's columns
// of z_t are XH_k·[W_k; U_k; b_k] with XH_k = [x_t ⊙ mx_k | h_prev ⊙ mh_k
// | 1] (masks scaled by 1/keep), so the workspace holds one XH per gate
// (XH_k at k·T·B·K) and each step runs one product per gate; the rest of
// the workspace and the cell arithmetic are the unmasked LSTM's.

// drop reports whether the layer call has per-gate dropout masks.
func (g *rnnGeo) drop() bool { return g.dropIn || g.dropRec }

// xhCopies is the number of XH blocks in the workspace: one per gate with
// dropout masks, else one.
func (g *rnnGeo) xhCopies() int {
	if g.drop() {
		return g.gates
	}
	return 1
}

// dropInputs checks p's dropout masks, records them in g and returns them
// as the forward op's trailing inputs.
func (g *rnnGeo) dropInputs(p RNNParams) ([]*G.Node, error) {
	var ins []*G.Node
	for _, d := range []struct {
		n     *G.Node
		keep  float64
		width int
		name  string
		has   *bool
		k     *float32
	}{{p.DropIn, p.InKeep, g.f, "input", &g.dropIn, &g.inKeep}, {p.DropRec, p.RecKeep, g.u, "recurrent", &g.dropRec, &g.recKeep}} {
		if d.n == nil {
			continue
		}
		if g.gates == 3 {
			return nil, fmt.Errorf("runtime: GRU takes no per-gate dropout masks")
		}
		if ds := []int(d.n.Shape()); len(ds) != 3 || ds[0] != g.b || ds[1] != g.gates || ds[2] != d.width {
			return nil, fmt.Errorf("runtime: recurrent layer %s dropout mask of shape %v, want (%d, %d, %d)", d.name, ds, g.b, g.gates, d.width)
		}
		if !(d.keep > 0 && d.keep <= 1) {
			return nil, fmt.Errorf("runtime: recurrent layer %s dropout keep probability %v, want a value in (0, 1]", d.name, d.keep)
		}
		*d.has, *d.k = true, float32(d.keep)
		ins = append(ins, d.n)
	}
	return ins, nil
}

// dropSlots returns the slots of the mask and the dropout masks among the
// inputs (x, W, U[, b][, mask][, dropIn][, dropRec]...), −1 for absent ones.
func (g *rnnGeo) dropSlots(ins []int) (m, in, rec int) {
	m, in, rec = -1, -1, -1
	k := 3 + b2i(g.bias)
	for _, s := range []struct {
		has  bool
		slot *int
	}{{g.mask, &m}, {g.dropIn, &in}, {g.dropRec, &rec}} {
		if s.has {
			*s.slot = ins[k]
			k++
		}
	}
	return m, in, rec
}

// maskedRow writes dst = src ⊙ m/keep, or src without a mask.
func maskedRow(dst, src, m []float32, keep float32) {
	if m == nil {
		copy(dst, src)
		return
	}
	for i, v := range src[:len(dst)] {
		if m[i] != 0 {
			dst[i] = v / keep
		} else {
			dst[i] = 0
		}
	}
}

// addMaskedRow adds src ⊙ m/keep (or src) into dst.
func addMaskedRow(dst, src, m []float32, keep float32) {
	if m == nil {
		addInto(dst, src)
		return
	}
	for i, v := range src[:len(dst)] {
		if m[i] != 0 {
			dst[i] += v / keep
		}
	}
}

// maskRow returns gate k's mask row of sample b from masks (B, gates, n),
// or nil without masks.
func (g *rnnGeo) maskRow(masks []float32, k, b, n int) []float32 {
	if masks == nil {
		return nil
	}
	o := (b*g.gates + k) * n
	return masks[o : o+n : o+n]
}

type rnnDropFwdInstr struct {
	geo                     *rnnGeo
	x, w, u, b, m, in, rec  int
	ws, wub, pack, zk       int // ws; per-gate [W_k; U_k; b_k], their packings; one gate's z
	wubLen, packLen, kWidth int
}

func newRNNDropFwdInstr(g *rnnGeo, c *kctx) *rnnDropFwdInstr {
	in := &rnnDropFwdInstr{geo: g, x: c.ins[0], w: c.ins[1], u: c.ins[2], b: -1, ws: c.out}
	if g.bias {
		in.b = c.ins[3]
	}
	in.m, in.in, in.rec = g.dropSlots(c.ins)
	in.wubLen, in.packLen = g.k()*g.u, fastgemm.PackedBSize(g.k(), g.u)
	in.wub = c.temp(g.gates * in.wubLen)
	in.pack = c.temp(g.gates * in.packLen)
	in.zk = c.temp(g.b * g.u)
	return in
}

// buf returns bufs[i], or nil for an absent input (−1).
func buf(bufs [][]float32, i int) []float32 {
	if i < 0 {
		return nil
	}
	return bufs[i]
}

func (in *rnnDropFwdInstr) run(bufs [][]float32) {
	g := in.geo
	B, T, F, u, gu, K := g.b, g.t, g.f, g.u, g.gu(), g.k()
	ws, x, zk := bufs[in.ws], bufs[in.x], bufs[in.zk]
	mIn, mRec, mask := buf(bufs, in.in), buf(bufs, in.rec), buf(bufs, in.m)
	sps := make([]stepProduct, g.gates)
	for k := range sps {
		wub := bufs[in.wub][k*in.wubLen : (k+1)*in.wubLen]
		for r := 0; r < F; r++ {
			copy(wub[r*u:(r+1)*u], bufs[in.w][r*gu+k*u:r*gu+k*u+u])
		}
		for r := 0; r < u; r++ {
			copy(wub[(F+r)*u:(F+r+1)*u], bufs[in.u][r*gu+k*u:r*gu+k*u+u])
		}
		if in.b >= 0 {
			copy(wub[(F+u)*u:], bufs[in.b][k*u:k*u+u])
		}
		sps[k] = newStepProduct(B, K, u, false, wub, bufs[in.pack][k*in.packLen:(k+1)*in.packLen])
	}
	xhLen := T * B * K
	for k := 0; k < g.gates; k++ {
		xh := ws[k*xhLen : (k+1)*xhLen]
		for t := 0; t < T; t++ {
			for b := 0; b < B; b++ {
				r := xh[(t*B+b)*K : (t*B+b)*K+K]
				maskedRow(r[:F], x[(b*T+t)*F:(b*T+t)*F+F], g.maskRow(mIn, k, b, F), g.inKeep)
				if in.b >= 0 {
					r[F+u] = 1
				}
			}
		}
	}
	hs, cs := ws[g.offH():g.offC()], ws[g.offC():g.offAC()]
	zero := g.prev(g.time(0)) * B * u
	clear(hs[zero : zero+B*u])
	clear(cs[zero : zero+B*u])
	z := ws[g.offZ():g.offA()]
	for s := 0; s < T; s++ {
		t := g.time(s)
		hp := g.prev(t) * B * u
		for k := 0; k < g.gates; k++ {
			xh := ws[k*xhLen+t*B*K : k*xhLen+(t+1)*B*K]
			for b := 0; b < B; b++ {
				maskedRow(xh[b*K+F:b*K+F+u], hs[hp+b*u:hp+b*u+u], g.maskRow(mRec, k, b, u), g.recKeep)
			}
			sps[k].mul(xh, zk)
			for b := 0; b < B; b++ {
				copy(z[(t*B+b)*gu+k*u:(t*B+b)*gu+k*u+u], zk[b*u:b*u+u])
			}
		}
		for b := 0; b < B; b++ {
			g.cellForward(ws, mask, b, t)
		}
	}
}

type rnnDropBwdInstr struct {
	geo                       *rnnGeo
	w, u, m, in, rec, ws, dws int
	out, dz, dh, dc, tmp, dhn int
	wu, pack, d, dzk          int
	wuLen, packLen            int
}

func newRNNDropBwdInstr(g *rnnGeo, c *kctx) *rnnDropBwdInstr {
	n := len(c.ins)
	in := &rnnDropBwdInstr{geo: g, w: c.ins[1], u: c.ins[2], ws: c.ins[n-2], dws: c.ins[n-1], out: c.out}
	in.m, in.in, in.rec = g.dropSlots(c.ins)
	in.dz = c.temp(g.b * g.t * g.gu())
	in.dh, in.dc, in.tmp, in.dhn = c.temp(g.b*g.u), c.temp(g.b*g.u), c.temp(g.b*g.u), c.temp(g.b*g.u)
	in.wuLen, in.packLen = (g.f+g.u)*g.u, fastgemm.PackedBSize(g.u, g.f+g.u)
	in.wu = c.temp(g.gates * in.wuLen)
	in.pack = c.temp(g.gates * in.packLen)
	in.d = c.temp(g.b * (g.f + g.u))
	in.dzk = c.temp(g.b * g.u)
	return in
}

func (in *rnnDropBwdInstr) run(bufs [][]float32) {
	g := in.geo
	B, T, F, u, gu := g.b, g.t, g.f, g.u, g.gu()
	fu := F + u
	ws, dws, out := bufs[in.ws], bufs[in.dws], bufs[in.out]
	dZ, dh, dc, tmp, dhn, dzk, d := bufs[in.dz], bufs[in.dh], bufs[in.dc], bufs[in.tmp], bufs[in.dhn], bufs[in.dzk], bufs[in.d]
	mIn, mRec, mask := buf(bufs, in.in), buf(bufs, in.rec), buf(bufs, in.m)
	dx := out[:B*T*F]
	// gate k's [dx_t | dh_prev] = dz_k·[W_k; U_k]ᵀ, before the masks
	sps := make([]stepProduct, g.gates)
	for k := range sps {
		wu := bufs[in.wu][k*in.wuLen : (k+1)*in.wuLen]
		for r := 0; r < F; r++ {
			copy(wu[r*u:(r+1)*u], bufs[in.w][r*gu+k*u:r*gu+k*u+u])
		}
		for r := 0; r < u; r++ {
			copy(wu[(F+r)*u:(F+r+1)*u], bufs[in.u][r*gu+k*u:r*gu+k*u+u])
		}
		sps[k] = newStepProduct(B, u, fu, true, wu, bufs[in.pack][k*in.packLen:(k+1)*in.packLen])
	}
	dH := dws[:B*T*u]
	clear(dh)
	copy(dc, dws[B*T*u:B*T*u+B*u])
	for s := T - 1; s >= 0; s-- {
		t := g.time(s)
		addInto(dh, dH[t*B*u:(t+1)*B*u])
		for b := 0; b < B; b++ {
			g.cellBackward(ws, mask, dZ, dh[b*u:b*u+u], dc[b*u:b*u+u], tmp[b*u:b*u+u], b, t)
		}
		clear(dhn)
		for b := 0; b < B; b++ {
			clear(dx[(b*T+t)*F : (b*T+t)*F+F])
		}
		for k := 0; k < g.gates; k++ {
			for b := 0; b < B; b++ {
				copy(dzk[b*u:b*u+u], dZ[(t*B+b)*gu+k*u:(t*B+b)*gu+k*u+u])
			}
			sps[k].mul(dzk, d)
			for b := 0; b < B; b++ {
				addMaskedRow(dx[(b*T+t)*F:(b*T+t)*F+F], d[b*fu:b*fu+F], g.maskRow(mIn, k, b, F), g.inKeep)
				addMaskedRow(dhn[b*u:b*u+u], d[b*fu+F:b*fu+fu], g.maskRow(mRec, k, b, u), g.recKeep)
			}
		}
		for b := 0; b < B; b++ {
			if !g.masked(mask, b, t) { // masked rows carry dh
				copy(dh[b*u:b*u+u], dhn[b*u:b*u+u])
			}
		}
	}
	// gate k's columns of [dW; dU; db] = XH_kᵀ·dZ_k
	K := g.k()
	xhLen := T * B * K
	dw := out[B*T*F : B*T*F+K*gu]
	for k := 0; k < g.gates; k++ {
		fastgemm.Sgemm(true, false, K, u, B*T, 1, ws[k*xhLen:(k+1)*xhLen], K, dZ[k*u:], gu, 0, dw[k*u:], gu)
	}
}
