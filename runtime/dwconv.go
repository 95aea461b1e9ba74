package runtime

import "math"

// This file holds the depthwise-convolution kernels (multiplier 1) and the
// inference epilogue that a forward convolution can apply to its output in
// the same pass: y = act(y·inv + res) per channel, the BatchNormalization and
// ReLU(max_value) that follow the convolutions of MobileNets.

// dwAsmFunc is an assembly depthwise kernel: np output pixels, channels
// [0, cn), row stride ldc channels, kv taps per pixel (negative taps are
// padding), then y = min(max(y·inv + res, lo), hi) (no affine when inv is
// nil).
type dwAsmFunc func(y, x, w *float32, taps *int32, kv, ldc, cn, np int, inv, res *float32, lo, hi float32)

// epiAsmFunc is an assembly epilogue: rows of ldc channels, channels
// [0, cn): y = min(max(y·inv + res, lo), hi) (no affine when inv is nil).
type epiAsmFunc func(y *float32, rows, ldc, cn int, inv, res *float32, lo, hi float32)

// dwKernel is one implementation of the depthwise rows and of the
// epilogue: assembly kernels for the leading channels (a multiple of lanes;
// lanes 1 means all) and the portable loops for the rest, or the portable
// loops alone (asm and epi nil).
type dwKernel struct {
	name  string
	lanes int
	asm   dwAsmFunc
	epi   epiAsmFunc
	// pw[0][V−1] and pw[1][V−1] are product kernels with the epilogue in
	// registers for blocks of 6 and 1 rows and V vectors (nil: none; the
	// caller runs a GEMM and then the epilogue).
	pw *[2][4]pwAsmFunc
}

// pwAsmFunc computes a block of rows of y = x·w (K = k) and applies the
// epilogue (see dwKernel.pw); mask selects the lanes of its last vector.
type pwAsmFunc func(y *float32, ldy int, x *float32, ldx int, w *float32, ldw, k int, inv, res *float32, lo, hi float32, mask int)

// pwRows is the row count of the wide product kernels.
const pwRows = 6

// matmulEpi computes y = e(x·w) for x (rows×K), w (K×F), y (rows×F) with the
// product kernels, and reports false (doing nothing) when k has none.
func (k dwKernel) matmulEpi(y, x, w []float32, rows, K, F int, e *convEpi) bool {
	if k.pw == nil || K <= 0 || F <= 0 || rows <= 0 {
		return false
	}
	y, x, w = y[:rows*F], x[:rows*K], w[:K*F]
	lo, hi := e.bounds()
	var inv, res []float32
	if e != nil && e.inv != nil {
		inv, res = e.inv[:F], e.res[:F]
	}
	for r0 := 0; r0 < rows; {
		R, fns := 1, &k.pw[1]
		if rows-r0 >= pwRows {
			R, fns = pwRows, &k.pw[0]
		}
		for c := 0; c < F; {
			nv := min(4, (F-c+15)/16)
			width := min(F-c, nv*16)
			mask := 1<<(width-(nv-1)*16) - 1
			var ip, rp *float32
			if inv != nil {
				ip, rp = &inv[c], &res[c]
			}
			fns[nv-1](&y[r0*F+c], F, &x[r0*K], K, &w[c], F, K, ip, rp, lo, hi, mask)
			c += width
		}
		r0 += R
	}
	e.after(y)
	return true
}

// dwBest is the fastest depthwise kernel of this CPU (immutable).
var dwBest = func() dwKernel { ks := dwKernels(); return ks[len(ks)-1] }()

// convEpi is an inference epilogue fused into a forward convolution:
// y = act(y·inv + res) per output channel. inv and res are nil when there is
// no affine part; act is nil for none. A clamping activation (relu,
// ReLU(max_value)) runs inside the kernels; any other elementwise one runs
// over the finished rows.
type convEpi struct {
	inv, res []float32
	act      *Activation
	// tinv and tres (when not nil) are inv and res repeated to a length
	// that is a multiple of 16, so that rows of a channel count that is not
	// can be treated as longer rows of whole vectors (no masked tails).
	tinv, tres []float32
}

// epiTile returns the length of the repeated coefficients for C channels
// (the least common multiple of C and 16), or 0 when C is a multiple of 16
// or the repetition would be long.
func epiTile(C int) int {
	if C%16 == 0 || C > 256 {
		return 0
	}
	L := C
	for L%16 != 0 {
		L += C
	}
	return L
}

// tile fills e.tinv and e.tres (of length epiTile(C)) from e.inv and e.res.
func (e *convEpi) tile(tinv, tres []float32) {
	for i := range tinv {
		tinv[i], tres[i] = e.inv[i%len(e.inv)], e.res[i%len(e.res)]
	}
	e.tinv, e.tres = tinv, tres
}

// bounds returns the clamp the kernels apply (±Inf when none).
func (e *convEpi) bounds() (lo, hi float32) {
	lo, hi = float32(math.Inf(-1)), float32(math.Inf(1))
	if e != nil && e.act != nil && e.act.clamp {
		lo, hi = e.act.lo, e.act.hi
	}
	return lo, hi
}

// after applies the part of the epilogue the kernels do not: a
// non-clamping activation over y.
func (e *convEpi) after(y []float32) {
	if e != nil && e.act != nil && !e.act.clamp {
		e.act.forward(y, y)
	}
}

// epilogue applies e (nil: nothing) to y, rows of C channels: the affine
// part and a clamp in the assembly kernel where there is one, the rest in
// Go. Without an affine part y is one flat row; with one, rows that fill
// the repeated coefficients (tinv) are processed as rows of whole vectors.
func (k dwKernel) epilogue(y []float32, C int, e *convEpi) {
	if e == nil || C <= 0 {
		return
	}
	y = y[:len(y)/C*C]
	if e.inv != nil || e.act != nil && e.act.clamp {
		lo, hi := e.bounds()
		rest := y
		switch L := len(e.tinv); {
		case k.epi == nil:
		case e.inv == nil:
			n := len(y) - len(y)%k.lanes
			if n > 0 {
				k.epi(&y[0], 1, n, n, nil, nil, lo, hi)
			}
			epiRow(y[n:], 0, nil, nil, lo, hi)
			rest = nil
		case L > 0 && len(y) >= L:
			whole := len(y) / L * L
			k.epi(&y[0], whole/L, L, L, &e.tinv[0], &e.tres[0], lo, hi)
			rest = y[whole:]
		}
		k.epilogueRows(rest, C, e, lo, hi)
	}
	e.after(y)
}

// epilogueRows applies the affine part and clamp of e to rows of C
// channels: the leading channels in the assembly kernel, the rest in Go.
func (k dwKernel) epilogueRows(y []float32, C int, e *convEpi, lo, hi float32) {
	rows := len(y) / C
	if rows == 0 {
		return
	}
	var inv, res []float32
	if e.inv != nil {
		inv, res = e.inv[:C], e.res[:C]
	}
	cn := 0
	if k.epi != nil {
		cn = C - C%k.lanes
	}
	if cn > 0 {
		var ip, rp *float32
		if inv != nil {
			ip, rp = &inv[0], &res[0]
		}
		k.epi(&y[0], rows, C, cn, ip, rp, lo, hi)
	}
	if cn < C {
		for r := 0; r < rows; r++ {
			epiRow(y[r*C:(r+1)*C], cn, inv, res, lo, hi)
		}
	}
}

// epiRow: y[c] = min(max(y[c]·inv[c] + res[c], lo), hi) for c ≥ c0 (no
// affine when inv is nil). NaN stays NaN, as in the separate ops.
func epiRow(y []float32, c0 int, inv, res []float32, lo, hi float32) {
	if inv == nil {
		for c := c0; c < len(y); c++ {
			y[c] = min(max(y[c], lo), hi)
		}
		return
	}
	inv, res = inv[:len(y)], res[:len(y)]
	for c := c0; c < len(y); c++ {
		y[c] = min(max(y[c]*inv[c]+res[c], lo), hi)
	}
}

// rows computes np output pixels (rows of C channels) of a depthwise
// convolution with multiplier 1 of one sample x, pixel p reading input
// pixels taps[p·kv : (p+1)·kv], and applies the epilogue e (nil: none).
// Every tap must be −1 or an input pixel of x (len(x) ≥ (tap+1)·C): the tap
// tables of convGeo.finish are, and the assembly does not check.
func (k dwKernel) rows(y, x, w []float32, taps []int32, kv, C, np int, e *convEpi) {
	if np <= 0 || C <= 0 {
		return
	}
	y, taps, w = y[:np*C], taps[:np*kv], w[:kv*C]
	var inv, res []float32
	if e != nil && e.inv != nil {
		inv, res = e.inv[:C], e.res[:C]
	}
	lo, hi := e.bounds()
	cn := 0
	if k.asm != nil && kv > 0 {
		cn = C - C%k.lanes
	}
	if cn > 0 {
		var ip, rp *float32
		if inv != nil {
			ip, rp = &inv[0], &res[0]
		}
		k.asm(&y[0], &x[0], &w[0], &taps[0], kv, C, cn, np, ip, rp, lo, hi)
	}
	if cn < C {
		for p := 0; p < np; p++ {
			yr := y[p*C : (p+1)*C]
			depthwiseRow(yr, x, w, taps[p*kv:(p+1)*kv], cn)
			if e != nil {
				epiRow(yr, cn, inv, res, lo, hi)
			}
		}
	}
	e.after(y)
}

// depthwiseRow computes channels c0.. of one output pixel of a depthwise
// conv with multiplier 1: y[c] = Σ_j x[taps[j], c]·w[j, c], four channels at
// a time in registers (one store per output instead of one per tap).
func depthwiseRow(y, x, w []float32, taps []int32, c0 int) {
	C := len(y)
	c := c0
	for ; c+4 <= C; c += 4 {
		var s0, s1, s2, s3 float32
		for j, ip := range taps {
			if ip < 0 {
				continue
			}
			xs := x[int(ip)*C+c : int(ip)*C+c+4 : int(ip)*C+c+4]
			ws := w[j*C+c : j*C+c+4 : j*C+c+4]
			s0 += xs[0] * ws[0]
			s1 += xs[1] * ws[1]
			s2 += xs[2] * ws[2]
			s3 += xs[3] * ws[3]
		}
		y[c], y[c+1], y[c+2], y[c+3] = s0, s1, s2, s3
	}
	for ; c < C; c++ {
		var s float32
		for j, ip := range taps {
			if ip >= 0 {
				s += x[int(ip)*C+c] * w[j*C+c]
			}
		}
		y[c] = s
	}
}
