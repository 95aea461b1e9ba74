//go:build amd64 && !purego

package elementwise

import "golang.org/x/sys/cpu"

// hasAVX2 selects the assembly kernels; it is set once from the CPU's
// features and never changed (tests call both versions directly).
var hasAVX2 = cpu.X86.HasAVX2

//go:noescape
func adamAVX2(w, grad, m, v *float32, n int, c1, c2, alpha, eps float32)

//go:noescape
func reluAVX2(y, x *float32, n int)

//go:noescape
func reluGradAVX2(dx, x, dy *float32, n int)

//go:noescape
func maxPoolGradAVX2(x *float32, taps *int32, ntaps, nwin, c8, ldc int, y, dy, dx *float32, overwrite, relu int)

// adamSIMD runs the assembly on the multiple-of-8 prefix, Go on the tail.
func adamSIMD(w, g, m, v []float32, c1, c2, alpha, eps float32) {
	n := len(w)
	g, m, v = g[:n], m[:n], v[:n]
	n8 := n &^ 7
	if n8 > 0 {
		adamAVX2(&w[0], &g[0], &m[0], &v[0], n8, c1, c2, alpha, eps)
	}
	adamGo(w[n8:], g[n8:], m[n8:], v[n8:], c1, c2, alpha, eps)
}

func reluSIMD(y, x []float32) {
	n := len(x)
	y = y[:n]
	n8 := n &^ 7
	if n8 > 0 {
		reluAVX2(&y[0], &x[0], n8)
	}
	reluGo(y[n8:], x[n8:])
}

func reluGradSIMD(dx, x, dy []float32) {
	n := len(x)
	dx, dy = dx[:n], dy[:n]
	n8 := n &^ 7
	if n8 > 0 {
		reluGradAVX2(&dx[0], &x[0], &dy[0], n8)
	}
	reluGradGo(dx[n8:], x[n8:], dy[n8:])
}

// maxPoolGradSIMD does the first multiple of 8 channels of every window
// and returns how many channels it did (0: none). checkWindows has bounded
// every row the assembly touches.
func maxPoolGradSIMD(x []float32, taps []int32, kv, C int, y, dy, dx []float32, overwrite, relu bool) int {
	return maxPoolGradSIMDN(x, 1, taps, kv, C, y, dy, dx, overwrite, relu)
}

// maxPoolGradSIMDN is maxPoolGradSIMD over n samples (x, dx: n maps of
// len(x)/n floats; y, dy: n × windows × C), checking the taps once.
func maxPoolGradSIMDN(x []float32, n int, taps []int32, kv, C int, y, dy, dx []float32, overwrite, relu bool) int {
	if n <= 0 {
		return 0
	}
	inS := len(x) / n
	nwin, c8, top := checkWindows(x[:inS], taps, kv, C, y)
	if nwin == 0 || c8 == 0 {
		return 0
	}
	if top < 0 {
		return C // padding only: nothing to route
	}
	outS := nwin * C
	_, _, _ = dx[n*inS-1], y[n*outS-1], dy[n*outS-1]
	ow, rl, c32 := b2i(overwrite), b2i(relu), C&^31
	for b := 0; b < n; b++ {
		xb, db, yb, gb := x[b*inS:], dx[b*inS:], y[b*outS:], dy[b*outS:]
		if c32 > 0 {
			maxPoolGrad32AVX2(&xb[0], &taps[0], kv, nwin, c32, C, &yb[0], &gb[0], &db[0], ow, rl)
		}
		if c8 > c32 { // the remaining blocks of 8: the same call on shifted rows
			maxPoolGradAVX2(&xb[c32], &taps[0], kv, nwin, c8-c32, C, &yb[c32], &gb[c32], &db[c32], ow, rl)
		}
	}
	return c8
}

//go:noescape
func columnSumsAVX2(out, x *float32, rows, c8, ldc int)

//go:noescape
func addBiasAVX2(y, x, b *float32, rows, c8, ldc, relu int)

//go:noescape
func addAVX2(dst, src *float32, n int)

//go:noescape
func maxPoolGrad32AVX2(x *float32, taps *int32, ntaps, nwin, c32, ldc int, y, dy, dx *float32, overwrite, relu int)

//go:noescape
func maxPool32AVX2(x *float32, taps *int32, ntaps, nwin, c32, ldc int, y *float32)

//go:noescape
func maxPoolAVX2(x *float32, taps *int32, ntaps, nwin, c8, ldc int, y *float32)

// columnSumsSIMD sums the first multiple of 8 columns and returns how many.
func columnSumsSIMD(out, x []float32, cols int) int {
	rows := len(x) / max(cols, 1)
	c8 := cols &^ 7
	if c8 == 0 || rows == 0 {
		return 0
	}
	_, _ = out[c8-1], x[rows*cols-1]
	columnSumsAVX2(&out[0], &x[0], rows, c8, cols)
	return c8
}

func addBiasSIMD(y, x, b []float32, relu bool) int {
	cols := len(b)
	rows := len(x) / max(cols, 1)
	c8 := cols &^ 7
	if c8 == 0 || rows == 0 {
		return 0
	}
	_, _ = y[rows*cols-1], x[rows*cols-1]
	addBiasAVX2(&y[0], &x[0], &b[0], rows, c8, cols, b2i(relu))
	return c8
}

func addSIMD(dst, src []float32) {
	n := len(src)
	dst = dst[:n]
	n8 := n &^ 7
	if n8 > 0 {
		addAVX2(&dst[0], &src[0], n8)
	}
	addGo(dst[n8:], src[n8:])
}

// maxPoolSIMD does the first multiple of 8 channels of every window and
// returns how many channels it did (0: none).
func maxPoolSIMD(x []float32, taps []int32, kv, C int, y []float32) int {
	return maxPoolSIMDN(x, 1, taps, kv, C, y)
}

// maxPoolSIMDN is maxPoolSIMD over n samples, checking the taps once.
func maxPoolSIMDN(x []float32, n int, taps []int32, kv, C int, y []float32) int {
	if n <= 0 {
		return 0
	}
	inS := len(x) / n
	nwin, c8, top := checkWindows(x[:inS], taps, kv, C, y)
	if nwin == 0 || c8 == 0 {
		return 0
	}
	outS := nwin * C
	_ = y[n*outS-1]
	if top < 0 {
		clear(y[:n*outS]) // windows of padding only
		return C
	}
	c32 := C &^ 31
	for b := 0; b < n; b++ {
		xb, yb := x[b*inS:], y[b*outS:]
		if c32 > 0 {
			maxPool32AVX2(&xb[0], &taps[0], kv, nwin, c32, C, &yb[0])
		}
		if c8 > c32 { // the remaining blocks of 8: the same call on shifted rows
			maxPoolAVX2(&xb[c32], &taps[0], kv, nwin, c8-c32, C, &yb[c32])
		}
	}
	return c8
}

// hasFMA selects the FMA kernels, hasAVX512 the 512-bit filter-gradient
// kernel (set once from the CPU's features; tests call every kernel).
var (
	hasFMA    = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasAVX512 = cpu.X86.HasAVX512F
)

//go:noescape
func tapDot9x32AVX512(x *float32, taps *int32, np int, dy *float32, ldy int, out *float32, ldo int)

//go:noescape
func tapDotAVX2(x *float32, taps *int32, tapStride, np int, dy *float32, ldy int, out *float32)

//go:noescape
func tapDot9AVX2(x *float32, taps *int32, np int, dy *float32, ldy int, out *float32, ldo int)

// filterGradC1Kernels does the first multiple of 8 filters for n samples
// (x: n × inP pixels, dy: n × np × F) and returns how many it did (0: none)
// (avx512: the 512-bit kernel takes 32 filters at a time when kv is 9).
func filterGradC1Kernels(x []float32, n, inP int, taps []int32, kv int, dy []float32, F int, dw []float32, avx512 bool) int {
	f8 := F &^ 7
	if !hasFMA || kv <= 0 || f8 == 0 || len(taps) < kv || n <= 0 || inP <= 0 {
		return 0
	}
	np := len(taps) / kv
	top := maxTap(taps[:np*kv])
	if int(top) >= inP {
		return 0 // the Go path reports it (index out of range)
	}
	_, _, _ = x[n*inP-1], dy[n*np*F-1], dw[kv*F-1]
	for b := 0; b < n; b++ {
		xb, dyb := x[b*inP:], dy[b*np*F:]
		fb := 0
		for ; avx512 && kv == 9 && fb+32 <= f8; fb += 32 {
			tapDot9x32AVX512(&xb[0], &taps[0], np, &dyb[fb], F, &dw[fb], F)
		}
		for ; fb < f8; fb += 8 {
			if kv == 9 {
				tapDot9AVX2(&xb[0], &taps[0], np, &dyb[fb], F, &dw[fb], F)
				continue
			}
			for j := 0; j < kv; j++ {
				tapDotAVX2(&xb[0], &taps[j], kv, np, &dyb[fb], F, &dw[j*F+fb])
			}
		}
	}
	return f8
}

//go:noescape
func convC1x32AVX2(x *float32, taps *int32, kv, np int, w *float32, ldw int, y *float32, ldy int)

//go:noescape
func convC1x8AVX2(x *float32, taps *int32, kv, np int, w *float32, ldw int, y *float32, ldy int)

// convC1SIMD does the first multiple of 8 filters of every sample and
// returns how many it did (0: none).
func convC1SIMD(x []float32, n, inP int, taps []int32, kv int, w []float32, F int, y []float32) int {
	f8 := F &^ 7
	if !hasFMA || kv <= 0 || f8 == 0 || len(taps) < kv || n <= 0 || inP <= 0 {
		return 0
	}
	np := len(taps) / kv
	top := maxTap(taps[:np*kv])
	if int(top) >= inP || top < 0 {
		return 0 // the Go path handles (or reports) these
	}
	_, _, _ = x[n*inP-1], w[kv*F-1], y[n*np*F-1]
	for b := 0; b < n; b++ {
		xb, yb := x[b*inP:], y[b*np*F:]
		f := 0
		for ; f+32 <= f8; f += 32 {
			convC1x32AVX2(&xb[0], &taps[0], kv, np, &w[f], F, &yb[f], F)
		}
		for ; f < f8; f += 8 {
			convC1x8AVX2(&xb[0], &taps[0], kv, np, &w[f], F, &yb[f], F)
		}
	}
	return f8
}

//go:noescape
func gatherRowsAVX2(dst, src *float32, taps *int32, n, rowLen, ld int)

// gatherRowsSIMD gathers with the assembly when rowLen is a multiple of 8
// and reports whether it did.
func gatherRowsSIMD(dst, src []float32, taps []int32, rowLen, ld int) bool {
	if rowLen <= 0 || rowLen%8 != 0 || len(taps) == 0 {
		return false
	}
	top := maxTap(taps)
	if top >= 0 {
		_ = src[int(top)*ld+rowLen-1]
	}
	_ = dst[len(taps)*rowLen-1]
	if len(src) == 0 {
		src = dst // never read: every tap is padding
	}
	gatherRowsAVX2(&dst[0], &src[0], &taps[0], len(taps), rowLen, ld)
	return true
}

//go:noescape
func scatterAddRowsAVX2(dst, src *float32, taps *int32, n, rowLen, ld int)

// scatterAddRowsSIMD scatter-adds with the assembly when rowLen is a
// multiple of 8 and reports whether it did.
func scatterAddRowsSIMD(dst, src []float32, taps []int32, rowLen, ld int) bool {
	if rowLen <= 0 || rowLen%8 != 0 || len(taps) == 0 {
		return false
	}
	top := maxTap(taps)
	if top < 0 {
		return true // padding only: nothing to add
	}
	_, _ = dst[int(top)*ld+rowLen-1], src[len(taps)*rowLen-1]
	scatterAddRowsAVX2(&dst[0], &src[0], &taps[0], len(taps), rowLen, ld)
	return true
}

//go:noescape
func anyNonFiniteAVX2(x *float32, n int) bool

func anyNonFiniteSIMD(x []float32) bool {
	n8 := len(x) &^ 7
	if n8 > 0 && anyNonFiniteAVX2(&x[0], n8) {
		return true
	}
	return anyNonFiniteGo(x[n8:])
}
