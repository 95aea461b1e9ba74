package elementwise

import "math"

// Adam applies Keras's Adam step (amsgrad off) to w in place, with m and v
// the momentum and velocity slots, c1 = 1 − β₁, c2 = 1 − β₂, alpha the
// bias-corrected learning rate and eps ε, each element in float32 as
//
//	m += (g − m)·c1;  v += (g·g − v)·c2;  w −= (m·alpha) / (sqrt(v) + eps)
//
// g, m and v must hold at least len(w) values.
func Adam(w, g, m, v []float32, c1, c2, alpha, eps float32) {
	if hasAVX2 {
		adamSIMD(w, g, m, v, c1, c2, alpha, eps)
		return
	}
	adamGo(w, g, m, v, c1, c2, alpha, eps)
}

// adamGo is the portable Adam step, the scalar reference of the assembly
// version (the conversions keep every product rounded: no FMA).
func adamGo(w, g, m, v []float32, c1, c2, alpha, eps float32) {
	n := len(w)
	g, m, v = g[:n], m[:n], v[:n]
	for j := range w {
		m[j] += float32((g[j] - m[j]) * c1)
		v[j] += float32((float32(g[j]*g[j]) - v[j]) * c2)
		w[j] -= float32(m[j]*alpha) / (float32(math.Sqrt(float64(v[j]))) + eps)
	}
}

// ReLU writes y = max(x, 0) (a NaN stays NaN, −0 gives +0). y must hold at
// least len(x) values.
func ReLU(y, x []float32) {
	if hasAVX2 {
		reluSIMD(y, x)
		return
	}
	reluGo(y, x)
}

func reluGo(y, x []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = max(v, 0)
	}
}

// ReLUGrad writes dx = dy where x is not ≤ 0 (a NaN x passes its gradient
// on), else 0. dx and dy must hold at least len(x) values.
func ReLUGrad(dx, x, dy []float32) {
	if hasAVX2 {
		reluGradSIMD(dx, x, dy)
		return
	}
	reluGradGo(dx, x, dy)
}

func reluGradGo(dx, x, dy []float32) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	for i, v := range x {
		// a bit mask instead of a branch: the sign of x is random in
		// training, and a mispredicted branch costs more than the select.
		var keep uint32
		if !(v <= 0) {
			keep = ^uint32(0)
		}
		dx[i] = math.Float32frombits(math.Float32bits(dy[i]) & keep)
	}
}

// MaxPoolGrad routes the upstream gradient of max-pooling windows over n
// samples. x and dx hold n (pixels × C) input and input-gradient maps of
// len(x)/n floats; y and dy hold n × (len(taps)/kv) × C values. Window w
// reads the kv taps taps[w·kv:] (input pixels; < 0 for padding) and the
// C-channel rows y[w·C:] and dy[w·C:] of its sample; for every channel c,
// its first tap (in order) whose x[tap·C + c] == y[w·C + c] gets
// dx[tap·C + c] += dy[w·C + c]. A NaN maximum matches no tap and routes
// nothing. dx must not hold −0 (it never does when cleared and only added
// to). With overwrite (windows no other window overlaps) every tap's cell
// is set instead: dy for the routed one, +0 for the others. With relu, the
// routed dy is +0 where y ≤ 0: the result is then the gradient of the
// input of a plain ReLU whose output x is (x == y > 0 exactly where that
// input is > 0). The taps are checked once for all samples.
func MaxPoolGrad(x []float32, n int, taps []int32, kv, C int, y, dy, dx []float32, overwrite, relu bool) {
	maxPoolGradN(x, n, taps, kv, C, y, dy, dx, overwrite, relu, hasAVX2)
}

// maxPoolGradN is MaxPoolGrad with the vector kernels on or off.
func maxPoolGradN(x []float32, n int, taps []int32, kv, C int, y, dy, dx []float32, overwrite, relu, simd bool) {
	if n <= 0 || kv <= 0 {
		return
	}
	c0 := 0
	if simd {
		c0 = maxPoolGradSIMDN(x, n, taps, kv, C, y, dy, dx, overwrite, relu)
	}
	if c0 == C {
		return
	}
	inS, outS := len(x)/n, len(taps)/kv*C
	for b := 0; b < n; b++ {
		xb, db := x[b*inS:(b+1)*inS], dx[b*inS:(b+1)*inS]
		for w := 0; w+kv <= len(taps); w += kv {
			o := b*outS + w/kv*C
			maxPoolGradGo(xb, taps[w:w+kv], C, y[o+c0:o+C], dy[o+c0:o+C], db, c0, overwrite, relu)
		}
	}
}

// maxPoolGrad is MaxPoolGrad for one sample with the vector kernel on or
// off.
func maxPoolGrad(x []float32, taps []int32, kv, C int, y, dy, dx []float32, overwrite, relu, simd bool) {
	c0 := 0
	if simd {
		c0 = maxPoolGradSIMD(x, taps, kv, C, y, dy, dx, overwrite, relu)
	}
	if c0 == C || kv <= 0 {
		return
	}
	for w := 0; w+kv <= len(taps); w += kv {
		o := w / kv * C
		maxPoolGradGo(x, taps[w:w+kv], C, y[o+c0:o+C], dy[o+c0:o+C], dx, c0, overwrite, relu)
	}
}

// maxPoolGradGo does channels c0 … c0+len(y)−1 of one window (y and dy
// start at c0).
func maxPoolGradGo(x []float32, taps []int32, ldc int, y, dy, dx []float32, c0 int, overwrite, relu bool) {
	dy = dy[:len(y)]
	for c, yc := range y {
		d := dy[c]
		if relu && !(yc > 0) {
			d = 0
		}
		routed := false
		for _, ip := range taps {
			if ip < 0 {
				continue
			}
			o := int(ip)*ldc + c0 + c
			hit := !routed && x[o] == yc
			switch {
			case hit && overwrite:
				dx[o] = d
			case hit:
				dx[o] += d
			case overwrite:
				dx[o] = 0
			}
			routed = routed || hit
		}
	}
}

// checkWindows returns the number of windows, the multiple of 8 channels
// the vector kernels may run and the largest tap, after checking that every
// tap's row lies in x and every window's row in y (it panics like an index
// expression otherwise).
func checkWindows(x []float32, taps []int32, kv, C int, y []float32) (nwin, c8 int, top int32) {
	if kv <= 0 || C < 8 || len(taps) < kv {
		return 0, 0, -1
	}
	nwin = len(taps) / kv
	top = maxTap(taps[:nwin*kv])
	if top >= 0 {
		_ = x[int(top)*C+C-1]
	}
	_ = y[nwin*C-1]
	return nwin, C &^ 7, top
}

// maxTap returns the largest of taps, −1 when there are none (every tap
// padding, or no taps).
func maxTap(taps []int32) int32 {
	top := int32(-1)
	for _, ip := range taps {
		top = max(top, ip)
	}
	return top
}

// ColumnSums writes out[c] = Σ_r x[r·cols + c] for the len(x)/cols whole
// rows of x, each column summed in float32 in row order starting from +0
// (the bias gradient). out must hold at least cols values.
func ColumnSums(out, x []float32, cols int) {
	c0 := 0
	if hasAVX2 {
		c0 = columnSumsSIMD(out, x, cols)
	}
	columnSumsGo(out, x, cols, c0)
}

// columnSumsGo sums columns c0 … cols−1.
func columnSumsGo(out, x []float32, cols, c0 int) {
	if cols <= c0 {
		return
	}
	o := out[c0:cols]
	clear(o)
	for r := 0; r+cols <= len(x); r += cols {
		addGo(o, x[r+c0:r+cols])
	}
}

// AddBias writes y[r·C + c] = x[r·C + c] + b[c], C = len(b), for the
// len(x)/C whole rows of x; y must be as long (y may be x).
func AddBias(y, x, b []float32) { addBias(y, x, b, false, hasAVX2) }

// AddBiasReLU writes y = max(x + b, 0) as AddBias then ReLU would (the
// sum rounded, then NaN kept and −0 made +0), in one pass.
func AddBiasReLU(y, x, b []float32) { addBias(y, x, b, true, hasAVX2) }

// addBias is AddBias or AddBiasReLU with the vector kernel on or off.
func addBias(y, x, b []float32, relu, simd bool) {
	c0 := 0
	if simd {
		c0 = addBiasSIMD(y, x, b, relu)
	}
	C := len(b)
	if C <= c0 {
		return
	}
	for r := 0; r+C <= len(x); r += C {
		yr, xr := y[r+c0:r+C], x[r+c0:r+C]
		for i, bv := range b[c0:] {
			yr[i] = xr[i] + bv
		}
		if relu {
			reluGo(yr, yr)
		}
	}
}

// Add adds src to dst element-wise; dst must hold at least len(src) values.
func Add(dst, src []float32) {
	if hasAVX2 {
		addSIMD(dst, src)
		return
	}
	addGo(dst, src)
}

func addGo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += v
	}
}

// MaxPool writes max-pooling windows over n samples (maps, taps and rows
// as in MaxPoolGrad): y[w·C + c] = the max (Go's max: NaN wins, +0 over −0)
// over window w's taps ≥ 0 of x[tap·C + c] in its sample; 0 for a window of
// padding only.
func MaxPool(x []float32, n int, taps []int32, kv, C int, y []float32) {
	maxPoolN(x, n, taps, kv, C, y, hasAVX2)
}

// maxPoolN is MaxPool with the vector kernels on or off.
func maxPoolN(x []float32, n int, taps []int32, kv, C int, y []float32, simd bool) {
	if n <= 0 || kv <= 0 {
		return
	}
	c0 := 0
	if simd {
		c0 = maxPoolSIMDN(x, n, taps, kv, C, y)
	}
	if c0 == C {
		return
	}
	inS, outS := len(x)/n, len(taps)/kv*C
	for b := 0; b < n; b++ {
		for w := 0; w+kv <= len(taps); w += kv {
			o := b*outS + w/kv*C
			maxPoolGo(x[b*inS:(b+1)*inS], taps[w:w+kv], C, y[o+c0:o+C], c0)
		}
	}
}

// maxPool is MaxPool for one sample with the vector kernel on or off.
func maxPool(x []float32, taps []int32, kv, C int, y []float32, simd bool) {
	c0 := 0
	if simd {
		c0 = maxPoolSIMD(x, taps, kv, C, y)
	}
	if c0 == C || kv <= 0 {
		return
	}
	for w := 0; w+kv <= len(taps); w += kv {
		o := w / kv * C
		maxPoolGo(x, taps[w:w+kv], C, y[o+c0:o+C], c0)
	}
}

// maxPoolGo does channels c0 … c0+len(y)−1 of one window (y starts at c0).
func maxPoolGo(x []float32, taps []int32, ldc int, y []float32, c0 int) {
	first := true
	for _, ip := range taps {
		if ip < 0 {
			continue
		}
		xr := x[int(ip)*ldc+c0 : int(ip)*ldc+c0+len(y)]
		if first {
			copy(y, xr)
			first = false
			continue
		}
		for c, v := range xr {
			y[c] = max(y[c], v)
		}
	}
	if first {
		clear(y)
	}
}

// FilterGradC1 adds the filter gradient of a one-channel convolution over
// n samples to dw (kv × F, row-major): dw[j·F + f] += Σ_b Σ_p
// x[b·inP + taps[p·kv + j]] · dy[(b·np + p)·F + f] over the np = len(taps)/kv
// output pixels p, taps < 0 (padding) contributing nothing; x holds n
// samples of inP pixels. The vector path sums with FMA per sample (one
// partial sum per tap, or four per tap when kv != 9) and adds each sample's
// sums to dw; the order of the sums is not the Go path's.
func FilterGradC1(x []float32, n, inP int, taps []int32, kv int, dy []float32, F int, dw []float32) {
	filterGradC1(x, n, inP, taps, kv, dy, F, dw, hasAVX2, hasAVX512)
}

// filterGradC1 is FilterGradC1 with the vector kernels on or off and the
// 512-bit one allowed or not.
func filterGradC1(x []float32, n, inP int, taps []int32, kv int, dy []float32, F int, dw []float32, simd, avx512 bool) {
	f0 := 0
	if simd {
		f0 = filterGradC1Kernels(x, n, inP, taps, kv, dy, F, dw, avx512)
	}
	if f0 == F || kv <= 0 {
		return
	}
	np := len(taps) / kv
	for b := 0; b < n; b++ {
		xb := x[b*inP : (b+1)*inP]
		for p := 0; p < np; p++ {
			dyr := dy[(b*np+p)*F+f0 : (b*np+p+1)*F]
			for j, ip := range taps[p*kv : (p+1)*kv] {
				if ip < 0 {
					continue
				}
				xv, wr := xb[ip], dw[j*F+f0:j*F+F]
				for f, v := range dyr {
					wr[f] += xv * v
				}
			}
		}
	}
}

// ConvC1 is the forward pass of a one-channel convolution over n samples:
// y[(b·np + p)·F + f] = Σ_j x[b·inP + taps[p·kv + j]]·w[j·F + f] for the
// np = len(taps)/kv output pixels, taps < 0 (padding) contributing
// nothing; w is the (kv × F) kernel. The vector path sums with FMA in tap
// order from 0 (as the GEMM micro-kernels do); the Go path rounds every
// product.
func ConvC1(x []float32, n, inP int, taps []int32, kv int, w []float32, F int, y []float32) {
	convC1(x, n, inP, taps, kv, w, F, y, hasAVX2)
}

// convC1 is ConvC1 with the vector kernel on or off.
func convC1(x []float32, n, inP int, taps []int32, kv int, w []float32, F int, y []float32, simd bool) {
	f0 := 0
	if simd {
		f0 = convC1SIMD(x, n, inP, taps, kv, w, F, y)
	}
	if f0 == F || kv <= 0 {
		return
	}
	np := len(taps) / kv
	for b := 0; b < n; b++ {
		xb := x[b*inP : (b+1)*inP]
		for p := 0; p < np; p++ {
			yr := y[(b*np+p)*F+f0 : (b*np+p+1)*F]
			clear(yr)
			for j, ip := range taps[p*kv : (p+1)*kv] {
				if ip < 0 {
					continue
				}
				xv, wr := xb[ip], w[j*F+f0:j*F+F]
				for f, v := range wr {
					yr[f] += float32(xv * v)
				}
			}
		}
	}
}

// GatherRows copies rows of src into consecutive rows of dst: row i of dst
// (rowLen values) is src[taps[i]·ld : taps[i]·ld + rowLen], or zeros when
// taps[i] < 0 (the patch matrix of a convolution, one tap per row).
func GatherRows(dst, src []float32, taps []int32, rowLen, ld int) {
	gatherRows(dst, src, taps, rowLen, ld, hasAVX2)
}

// gatherRows is GatherRows with the vector kernel on or off.
func gatherRows(dst, src []float32, taps []int32, rowLen, ld int, simd bool) {
	if simd && gatherRowsSIMD(dst, src, taps, rowLen, ld) {
		return
	}
	for i, ip := range taps {
		d := dst[i*rowLen : (i+1)*rowLen]
		if ip < 0 {
			clear(d)
		} else {
			copy(d, src[int(ip)*ld:int(ip)*ld+rowLen])
		}
	}
}

// ScatterAddRows is GatherRows' adjoint: row i of src (rowLen values) is
// added to dst[taps[i]·ld : taps[i]·ld + rowLen] for i in order (taps < 0
// skipped), each element in float32 (col2im).
func ScatterAddRows(dst, src []float32, taps []int32, rowLen, ld int) {
	scatterAddRows(dst, src, taps, rowLen, ld, hasAVX2)
}

// scatterAddRows is ScatterAddRows with the vector kernel on or off.
func scatterAddRows(dst, src []float32, taps []int32, rowLen, ld int, simd bool) {
	if simd && scatterAddRowsSIMD(dst, src, taps, rowLen, ld) {
		return
	}
	for i, ip := range taps {
		if ip >= 0 {
			addGo(dst[int(ip)*ld:int(ip)*ld+rowLen], src[i*rowLen:(i+1)*rowLen])
		}
	}
}

// AnyNonFinite reports whether x holds a NaN or ±Inf (an exponent of all
// ones), reading x once.
func AnyNonFinite(x []float32) bool {
	if hasAVX2 {
		return anyNonFiniteSIMD(x)
	}
	return anyNonFiniteGo(x)
}

func anyNonFiniteGo(x []float32) bool {
	for _, v := range x {
		if math.Float32bits(v)&0x7f800000 == 0x7f800000 {
			return true
		}
	}
	return false
}
