package elementwise

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// sizes cover empty, shorter than a vector, exact multiples of 8 and tails.
var sizes = []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1029}

// impl is one code path of a kernel: the portable Go loop and the SIMD
// dispatcher (which is the Go loop again where no assembly exists).
type impl[F any] struct {
	name string
	fn   F
}

// special mixes ordinary values with the ones the float32 ops treat
// specially: zeros of both signs, subnormals, infinities and NaN.
func special(r *rand.Rand, n int) []float32 {
	sp := []float32{0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 3e38, -3e38}
	x := make([]float32, n)
	for i := range x {
		switch r.IntN(8) {
		case 0:
			x[i] = sp[r.IntN(len(sp))]
		case 1:
			x[i] = float32(r.NormFloat64() * 1e-20)
		default:
			x[i] = float32(r.NormFloat64())
		}
	}
	return x
}

func randn(r *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	return x
}

// same reports whether a and b hold the same bits, NaN payloads aside.
func same(a, b float32) bool {
	if a != a && b != b {
		return true
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

func checkSame(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if !same(got[i], want[i]) {
			t.Fatalf("%s[%d] = %v (%#x), want %v (%#x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// r32 rounds a float64 result of float32 operands to float32: for +, −, ·,
// / and sqrt this is the correctly rounded float32 operation.
func r32(x float64) float64 { return float64(float32(x)) }

// adamRef is the Adam step re-derived in float64, rounding after every
// operation as float32 arithmetic does.
func adamRef(w, g, m, v []float32, c1, c2, alpha, eps float32) {
	C1, C2, A, E := float64(c1), float64(c2), float64(alpha), float64(eps)
	for j := range w {
		G, M, V, W := float64(g[j]), float64(m[j]), float64(v[j]), float64(w[j])
		M = r32(M + r32(r32(G-M)*C1))
		V = r32(V + r32(r32(r32(G*G)-V)*C2))
		W = r32(W - r32(r32(M*A)/r32(r32(math.Sqrt(V))+E)))
		m[j], v[j], w[j] = float32(M), float32(V), float32(W)
	}
}

type adamFn = func(w, g, m, v []float32, c1, c2, alpha, eps float32)

func TestAdam(t *testing.T) {
	impls := []impl[adamFn]{{"go", adamGo}, {"simd", adamSIMD}, {"dispatch", Adam}}
	hyper := []struct{ c1, c2, alpha, eps float32 }{
		{0.1, 0.001, 0.001, 1e-7},
		{float32(1 - 0.9), float32(1 - 0.999), 3.2e-4, 1e-7},
		{0.5, 0.25, 1, 0},
	}
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range sizes {
		for hi, h := range hyper {
			for _, sp := range []bool{false, true} {
				gen := func(scale float64) []float32 { return randn(r, n, scale) }
				if sp {
					gen = func(float64) []float32 { return special(r, n) }
				}
				w, g, m := gen(1), gen(1e-2), gen(1e-3)
				v := gen(1e-4)
				for i := range v {
					if !sp {
						v[i] = v[i] * v[i]
					}
				}
				ww, wm, wv := clone(w), clone(m), clone(v)
				adamRef(ww, g, wm, wv, h.c1, h.c2, h.alpha, h.eps)
				for _, im := range impls {
					t.Run(fmt.Sprintf("n=%d/h=%d/special=%v/%s", n, hi, sp, im.name), func(t *testing.T) {
						gw, gm, gv := clone(w), clone(m), clone(v)
						im.fn(gw, g, gm, gv, h.c1, h.c2, h.alpha, h.eps)
						checkSame(t, "m", gm, wm)
						checkSame(t, "v", gv, wv)
						checkSame(t, "w", gw, ww)
					})
				}
			}
		}
	}
}

func clone(x []float32) []float32 { return append([]float32(nil), x...) }

type unaryFn = func(y, x []float32)

func TestReLU(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, im := range []impl[unaryFn]{{"go", reluGo}, {"simd", reluSIMD}, {"dispatch", ReLU}} {
		for _, n := range sizes {
			t.Run(fmt.Sprintf("%s/n=%d", im.name, n), func(t *testing.T) {
				x := special(r, n)
				want := make([]float32, n)
				for i, v := range x {
					switch {
					case math.IsNaN(float64(v)):
						want[i] = v
					case float64(v) > 0:
						want[i] = v
					} // else +0
				}
				y := randn(r, n+3, 1) // longer than x: the extra values stay
				tail := clone(y[n:])
				im.fn(y, x)
				checkSame(t, "y", y[:n], want)
				checkSame(t, "y beyond x", y[n:], tail)
			})
		}
	}
}

type gradFn = func(dx, x, dy []float32)

func TestReLUGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, im := range []impl[gradFn]{{"go", reluGradGo}, {"simd", reluGradSIMD}, {"dispatch", ReLUGrad}} {
		for _, n := range sizes {
			t.Run(fmt.Sprintf("%s/n=%d", im.name, n), func(t *testing.T) {
				x, dy := special(r, n), special(r, n)
				want := make([]float32, n)
				for i, v := range x {
					if math.IsNaN(float64(v)) || float64(v) > 0 {
						want[i] = dy[i]
					}
				}
				dx := randn(r, n, 1)
				im.fn(dx, x, dy)
				checkSame(t, "dx", dx, want)
			})
		}
	}
}

type poolFn = func(x []float32, taps []int32, kv, C int, y, dy, dx []float32, overwrite, relu bool)

// poolWindows are window sets over a map of pix pixels of C channels: kv
// taps per window, < 0 for padding.
var poolWindows = []struct {
	name     string
	pix, c   int
	kv       int
	taps     []int32
	disjoint bool // no pixel in two windows: overwrite allowed
}{
	{"2x2_c32", 8, 32, 4, []int32{0, 1, 4, 5, 2, 3, 6, 7}, true},
	{"2x2_c45", 8, 45, 4, []int32{0, 1, 4, 5, 2, 3, 6, 7}, true},
	{"2x2_c64", 8, 64, 4, []int32{0, 1, 4, 5, 2, 3, 6, 7}, true},
	{"3x3_s1_pad_c40", 4, 40, 9, []int32{-1, -1, -1, -1, 0, 1, -1, 2, 3, -1, -1, -1, 0, 1, -1, 2, 3, -1}, false},
	{"pad_only_c32", 0, 32, 2, []int32{-1, -1, -1, -1}, true},
	{"pad_window_c40", 4, 40, 2, []int32{0, 1, -1, -1, 2, 3}, true},
	{"2x2_c1", 8, 1, 4, []int32{0, 1, 4, 5, 2, 3, 6, 7}, true},
	{"2x2_c13", 4, 13, 4, []int32{3, 1, 0, 2}, true},
	{"3x3_pad_c24", 9, 24, 9, []int32{-1, -1, -1, 0, 1, 2, 4, 5, 6, -1, 7, 8, -1, -1, -1, -1, -1, -1}, true},
	{"1tap_c8", 3, 8, 1, []int32{1, 0, 2}, true},
	{"all_pad_c16", 2, 16, 2, []int32{-1, -1, 0, 1}, true},
	{"no_taps_c16", 2, 16, 2, nil, true},
	{"overlap_c20", 5, 20, 3, []int32{4, 0, 3, 3, 2, 1, 0, 1, 2}, false},
	{"repeated_tap_c9", 3, 9, 3, []int32{2, 2, 0}, false},
}

// maxPoolGradRef routes dy to the first tap equal to y, window by window
// and channel by channel, in float64; with overwrite the other taps' cells
// become 0. With relu the result is then the input gradient of a ReLU
// whose output x is: 0 where x ≤ 0 (after routing, so with overwrite off
// that needs the cells' earlier values to be ReLU gradients too).
func maxPoolGradRef(x []float32, taps []int32, kv, C int, y, dy []float32, dx []float64, overwrite, relu bool) {
	defer func() {
		if !relu {
			return
		}
		for w := 0; w+kv <= len(taps); w += kv {
			for _, ip := range taps[w : w+kv] {
				for c := 0; ip >= 0 && c < C; c++ {
					if i := int(ip)*C + c; float64(x[i]) <= 0 {
						dx[i] = 0
					}
				}
			}
		}
	}()
	for w := 0; w+kv <= len(taps); w += kv {
		o := w / kv * C
		for c := 0; c < C; c++ {
			routed := false
			for _, ip := range taps[w : w+kv] {
				if ip < 0 {
					continue
				}
				i := int(ip)*C + c
				switch {
				case !routed && float64(x[i]) == float64(y[o+c]):
					if overwrite {
						dx[i] = 0
					}
					dx[i] = r32(dx[i] + float64(dy[o+c]))
					routed = true
				case overwrite:
					dx[i] = 0
				}
			}
		}
	}
}

func TestMaxPoolGrad(t *testing.T) {
	impls := []impl[poolFn]{
		{"go", func(x []float32, taps []int32, kv, C int, y, dy, dx []float32, ow, relu bool) {
			maxPoolGrad(x, taps, kv, C, y, dy, dx, ow, relu, false)
		}},
		{"simd", func(x []float32, taps []int32, kv, C int, y, dy, dx []float32, ow, relu bool) {
			maxPoolGrad(x, taps, kv, C, y, dy, dx, ow, relu, true)
		}},
		{"dispatch", func(x []float32, taps []int32, kv, C int, y, dy, dx []float32, ow, relu bool) {
			MaxPoolGrad(x, 1, taps, kv, C, y, dy, dx, ow, relu)
		}},
	}
	r := rand.New(rand.NewPCG(4, 4))
	for _, tc := range poolWindows {
		for _, im := range impls {
			for _, mode := range []struct{ ow, relu bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
				ow, relu := mode.ow, mode.relu
				if ow && !tc.disjoint {
					continue
				}
				t.Run(fmt.Sprintf("%s/%s/overwrite=%v/relu=%v", tc.name, im.name, ow, relu), func(t *testing.T) {
					// small integers (ReLU outputs: ≥ 0): ties between
					// taps are common, zeros too
					x := make([]float32, tc.pix*tc.c)
					for i := range x {
						x[i] = float32(r.IntN(3))
						if r.IntN(50) == 0 {
							x[i] = float32(math.NaN())
						}
					}
					nwin := len(tc.taps) / tc.kv
					y, dy := make([]float32, nwin*tc.c), randn(r, nwin*tc.c, 1)
					maxPool(x, tc.taps, tc.kv, tc.c, y, false)
					// dx starts from earlier windows' sums (overlap) or
					// from anything (overwrite)
					dx := make([]float32, len(x))
					want := make([]float64, len(x))
					for i := range dx {
						if r.IntN(2) == 0 && !(relu && x[i] <= 0) {
							dx[i] = float32(r.IntN(5) - 2)
							want[i] = float64(dx[i])
						}
					}
					maxPoolGradRef(x, tc.taps, tc.kv, tc.c, y, dy, want, ow, relu)
					im.fn(x, tc.taps, tc.kv, tc.c, y, dy, dx, ow, relu)
					for i, w := range want {
						if !same(dx[i], float32(w)) {
							t.Fatalf("dx[%d] = %v, want %v", i, dx[i], w)
						}
					}
				})
			}
		}
	}
}

type colSumFn = func(out, x []float32, cols int)

func TestColumnSums(t *testing.T) {
	impls := []impl[colSumFn]{
		{"go", func(out, x []float32, cols int) { columnSumsGo(out, x, cols, 0) }},
		{"simd", func(out, x []float32, cols int) { columnSumsGo(out, x, cols, columnSumsSIMD(out, x, cols)) }},
		{"dispatch", ColumnSums},
	}
	r := rand.New(rand.NewPCG(5, 5))
	for _, cols := range []int{1, 3, 8, 10, 32, 40, 64, 75, 128} {
		for _, rows := range []int{0, 1, 2, 13} {
			x := special(r, rows*cols+cols/2) // a partial row at the end is ignored
			if rows == 13 {
				x = randn(r, rows*cols, 1)
			}
			// float32 sums in row order from +0, each addition rounded
			want := make([]float32, cols)
			for c := range want {
				s := 0.0
				for k := 0; k < rows; k++ {
					s = r32(s + float64(x[k*cols+c]))
				}
				want[c] = float32(s)
			}
			for _, im := range impls {
				t.Run(fmt.Sprintf("cols=%d/rows=%d/%s", cols, rows, im.name), func(t *testing.T) {
					out := randn(r, cols+2, 1)
					tail := clone(out[cols:])
					im.fn(out, x, cols)
					checkSame(t, "out", out[:cols], want)
					checkSame(t, "out beyond cols", out[cols:], tail)
				})
			}
		}
	}
}

type biasFn = func(y, x, b []float32)

func TestAddBias(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	for _, relu := range []bool{false, true} {
		impls := []impl[biasFn]{
			{"go", func(y, x, b []float32) { addBias(y, x, b, relu, false) }},
			{"simd", func(y, x, b []float32) { addBias(y, x, b, relu, true) }},
			{"dispatch", AddBias},
		}
		if relu {
			impls[2].fn = AddBiasReLU
		}
		for _, cols := range []int{1, 7, 8, 10, 32, 45, 64} {
			for _, rows := range []int{0, 1, 5} {
				x, b := special(r, rows*cols), special(r, cols)
				if rows == 5 { // sums that cancel to +0, and −0 + −0
					for i := range x {
						if r.IntN(4) == 0 {
							x[i] = -b[i%cols]
						}
					}
					b[0] = float32(math.Copysign(0, -1))
					for i := 0; i < len(x); i += 2 * cols {
						x[i] = b[0]
					}
				}
				want := make([]float32, len(x))
				for i := range want {
					s := r32(float64(x[i]) + float64(b[i%cols]))
					if relu && !(s > 0) && !math.IsNaN(s) {
						s = 0
					}
					want[i] = float32(s)
				}
				for _, im := range impls {
					for _, inPlace := range []bool{false, true} {
						t.Run(fmt.Sprintf("relu=%v/cols=%d/rows=%d/%s/inplace=%v", relu, cols, rows, im.name, inPlace), func(t *testing.T) {
							y := make([]float32, len(x))
							xx := x
							if inPlace {
								copy(y, x)
								xx = y
							}
							im.fn(y, xx, b)
							checkSame(t, "y", y, want)
						})
					}
				}
			}
		}
	}
}

type addFn = func(dst, src []float32)

func TestAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for _, im := range []impl[addFn]{{"go", addGo}, {"simd", addSIMD}, {"dispatch", Add}} {
		for _, n := range sizes {
			t.Run(fmt.Sprintf("%s/n=%d", im.name, n), func(t *testing.T) {
				dst, src := special(r, n+2), special(r, n)
				want := clone(dst)
				for i, v := range src {
					want[i] = float32(r32(float64(want[i]) + float64(v)))
				}
				im.fn(dst, src)
				checkSame(t, "dst", dst, want)
			})
		}
	}
}

type maxPoolFn = func(x []float32, taps []int32, kv, C int, y []float32)

func TestMaxPool(t *testing.T) {
	impls := []impl[maxPoolFn]{
		{"go", func(x []float32, taps []int32, kv, C int, y []float32) { maxPool(x, taps, kv, C, y, false) }},
		{"simd", func(x []float32, taps []int32, kv, C int, y []float32) { maxPool(x, taps, kv, C, y, true) }},
		{"dispatch", func(x []float32, taps []int32, kv, C int, y []float32) { MaxPool(x, 1, taps, kv, C, y) }},
	}
	r := rand.New(rand.NewPCG(8, 8))
	// ties of signed zeros and NaN against numbers are common among few values
	few := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.NaN())}
	for _, tc := range poolWindows {
		for _, im := range impls {
			for _, ties := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/ties=%v", tc.name, im.name, ties), func(t *testing.T) {
					x := special(r, tc.pix*tc.c)
					if ties {
						for i := range x {
							x[i] = few[r.IntN(len(few))]
						}
					}
					// the reference: float64 max with NaN winning and +0
					// over −0; 0 for padding only
					nwin := len(tc.taps) / tc.kv
					want := make([]float32, nwin*tc.c)
					for w := 0; w < nwin; w++ {
						for c := 0; c < tc.c; c++ {
							acc, any := math.Inf(-1), false
							for _, ip := range tc.taps[w*tc.kv : (w+1)*tc.kv] {
								if ip < 0 {
									continue
								}
								v := float64(x[int(ip)*tc.c+c])
								switch {
								case !any || math.IsNaN(v):
									acc = v
								case math.IsNaN(acc):
								case v > acc || (v == 0 && acc == 0 && !math.Signbit(v)):
									acc = v
								}
								any = true
							}
							if any {
								want[w*tc.c+c] = float32(acc)
							}
						}
					}
					y := randn(r, nwin*tc.c, 1)
					im.fn(x, tc.taps, tc.kv, tc.c, y)
					checkSame(t, "y", y, want)
				})
			}
		}
	}
}

type filterFn = func(x []float32, n, inP int, taps []int32, kv int, dy []float32, F int, dw []float32)

// TestFilterGradC1 compares the one-channel filter gradient with a float64
// sum, to within float32 rounding of the sum of the terms' magnitudes (the
// order of the float32 sums is free), on every path, with padding taps,
// pixel counts around the 4-way unroll, the 9-tap kernel and others, and
// filter counts with tails.
func TestFilterGradC1(t *testing.T) {
	impls := []impl[filterFn]{
		{"go", func(x []float32, n, inP int, taps []int32, kv int, dy []float32, F int, dw []float32) {
			filterGradC1(x, n, inP, taps, kv, dy, F, dw, false, false)
		}},
		{"avx2", func(x []float32, n, inP int, taps []int32, kv int, dy []float32, F int, dw []float32) {
			filterGradC1(x, n, inP, taps, kv, dy, F, dw, true, false)
		}},
		{"avx512", func(x []float32, n, inP int, taps []int32, kv int, dy []float32, F int, dw []float32) {
			filterGradC1(x, n, inP, taps, kv, dy, F, dw, true, hasAVX512)
		}},
		{"dispatch", FilterGradC1},
	}
	r := rand.New(rand.NewPCG(10, 10))
	for _, np := range []int{1, 3, 4, 7, 50} {
		for _, kv := range []int{1, 4, 9} {
			for _, F := range []int{1, 8, 13, 32, 40, 64, 75} {
				n, inP := 1+r.IntN(3), np+kv
				taps := make([]int32, np*kv)
				for i := range taps {
					taps[i] = int32(r.IntN(inP+2)) - 2 // some padding (< 0)
				}
				x, dy := randn(r, n*inP, 1), randn(r, n*np*F, 1)
				dw0 := randn(r, kv*F, 1)
				want, mag := make([]float64, kv*F), make([]float64, kv*F)
				for i, v := range dw0 {
					want[i], mag[i] = float64(v), math.Abs(float64(v))
				}
				for b := 0; b < n; b++ {
					for p := 0; p < np; p++ {
						for j, ip := range taps[p*kv : (p+1)*kv] {
							if ip < 0 {
								continue
							}
							for f := 0; f < F; f++ {
								term := float64(x[b*inP+int(ip)]) * float64(dy[(b*np+p)*F+f])
								want[j*F+f] += term
								mag[j*F+f] += math.Abs(term)
							}
						}
					}
				}
				for _, im := range impls {
					t.Run(fmt.Sprintf("n=%d/np=%d/kv=%d/F=%d/%s", n, np, kv, F, im.name), func(t *testing.T) {
						dw := clone(dw0)
						im.fn(x, n, inP, taps, kv, dy, F, dw)
						for i, w := range want {
							if d := math.Abs(float64(dw[i]) - w); d > 4e-7*float64(n*np+2)*mag[i]+1e-30 {
								t.Fatalf("dw[%d] = %v, want %v (|diff| %g)", i, dw[i], w, d)
							}
						}
					})
				}
			}
		}
	}
}

type convC1Fn = func(x []float32, n, inP int, taps []int32, kv int, w []float32, F int, y []float32)

// TestConvC1 compares the one-channel convolution with a float64 sum, to
// within float32 rounding of the sum of the terms' magnitudes, on every
// path, with padding taps and filter counts of 32-groups, 8-blocks and
// tails.
func TestConvC1(t *testing.T) {
	impls := []impl[convC1Fn]{
		{"go", func(x []float32, n, inP int, taps []int32, kv int, w []float32, F int, y []float32) {
			convC1(x, n, inP, taps, kv, w, F, y, false)
		}},
		{"simd", func(x []float32, n, inP int, taps []int32, kv int, w []float32, F int, y []float32) {
			convC1(x, n, inP, taps, kv, w, F, y, true)
		}},
		{"dispatch", ConvC1},
	}
	r := rand.New(rand.NewPCG(11, 11))
	for _, np := range []int{1, 5, 30} {
		for _, kv := range []int{1, 4, 9} {
			for _, F := range []int{1, 8, 13, 32, 40, 64, 75} {
				n, inP := 1+r.IntN(3), np+kv
				taps := make([]int32, np*kv)
				for i := range taps {
					taps[i] = int32(r.IntN(inP+2)) - 2 // some padding (< 0)
				}
				x, w := randn(r, n*inP, 1), randn(r, kv*F, 1)
				want, mag := make([]float64, n*np*F), make([]float64, n*np*F)
				for b := 0; b < n; b++ {
					for p := 0; p < np; p++ {
						for j, ip := range taps[p*kv : (p+1)*kv] {
							for f := 0; ip >= 0 && f < F; f++ {
								term := float64(x[b*inP+int(ip)]) * float64(w[j*F+f])
								want[(b*np+p)*F+f] += term
								mag[(b*np+p)*F+f] += math.Abs(term)
							}
						}
					}
				}
				for _, im := range impls {
					t.Run(fmt.Sprintf("n=%d/np=%d/kv=%d/F=%d/%s", n, np, kv, F, im.name), func(t *testing.T) {
						y := randn(r, n*np*F, 1) // overwritten
						im.fn(x, n, inP, taps, kv, w, F, y)
						for i, wv := range want {
							if d := math.Abs(float64(y[i]) - wv); d > 4e-7*float64(kv+2)*mag[i]+1e-30 {
								t.Fatalf("y[%d] = %v, want %v (|diff| %g)", i, y[i], wv, d)
							}
						}
					})
				}
			}
		}
	}
}

type gatherFn = func(dst, src []float32, taps []int32, rowLen, ld int)

// TestGatherRows checks row gathers (the 32-float unrolled copy, other
// multiples of 8, odd lengths, padding rows, rows shorter than ld) on every
// path against plain indexing.
func TestGatherRows(t *testing.T) {
	impls := []impl[gatherFn]{
		{"go", func(dst, src []float32, taps []int32, rowLen, ld int) { gatherRows(dst, src, taps, rowLen, ld, false) }},
		{"simd", func(dst, src []float32, taps []int32, rowLen, ld int) { gatherRows(dst, src, taps, rowLen, ld, true) }},
		{"dispatch", GatherRows},
	}
	r := rand.New(rand.NewPCG(12, 12))
	for _, c := range []struct{ rowLen, ld int }{{32, 32}, {32, 40}, {8, 8}, {16, 48}, {24, 24}, {5, 7}, {96, 96}} {
		for _, nt := range []int{1, 3, 20} {
			rows := 6
			src := randn(r, rows*c.ld, 1)
			taps := make([]int32, nt)
			for i := range taps {
				taps[i] = int32(r.IntN(rows+2)) - 2
			}
			want := make([]float32, nt*c.rowLen)
			for i, ip := range taps {
				for k := 0; ip >= 0 && k < c.rowLen; k++ {
					want[i*c.rowLen+k] = src[int(ip)*c.ld+k]
				}
			}
			for _, im := range impls {
				t.Run(fmt.Sprintf("row=%d/ld=%d/n=%d/%s", c.rowLen, c.ld, nt, im.name), func(t *testing.T) {
					dst := randn(r, nt*c.rowLen+3, 1)
					tail := clone(dst[nt*c.rowLen:])
					im.fn(dst, src, taps, c.rowLen, c.ld)
					checkSame(t, "dst", dst[:nt*c.rowLen], want)
					checkSame(t, "dst beyond the rows", dst[nt*c.rowLen:], tail)
				})
			}
		}
	}
}

// TestScatterAddRows checks the row scatter-add (repeated rows accumulate
// in order) on every path against float64 sums rounded after every add.
func TestScatterAddRows(t *testing.T) {
	impls := []impl[gatherFn]{
		{"go", func(dst, src []float32, taps []int32, rowLen, ld int) {
			scatterAddRows(dst, src, taps, rowLen, ld, false)
		}},
		{"simd", func(dst, src []float32, taps []int32, rowLen, ld int) {
			scatterAddRows(dst, src, taps, rowLen, ld, true)
		}},
		{"dispatch", ScatterAddRows},
	}
	r := rand.New(rand.NewPCG(13, 13))
	for _, c := range []struct{ rowLen, ld int }{{32, 32}, {32, 40}, {8, 8}, {16, 48}, {5, 7}, {96, 96}} {
		for _, nt := range []int{1, 3, 20} {
			rows := 6
			dst0 := special(r, rows*c.ld)
			src := special(r, nt*c.rowLen)
			taps := make([]int32, nt)
			for i := range taps {
				taps[i] = int32(r.IntN(rows+2)) - 2
			}
			want := clone(dst0)
			for i, ip := range taps {
				for k := 0; ip >= 0 && k < c.rowLen; k++ {
					o := int(ip)*c.ld + k
					want[o] = float32(r32(float64(want[o]) + float64(src[i*c.rowLen+k])))
				}
			}
			for _, im := range impls {
				t.Run(fmt.Sprintf("row=%d/ld=%d/n=%d/%s", c.rowLen, c.ld, nt, im.name), func(t *testing.T) {
					dst := clone(dst0)
					im.fn(dst, src, taps, c.rowLen, c.ld)
					checkSame(t, "dst", dst, want)
				})
			}
		}
	}
}

type anyFn = func(x []float32) bool

// TestAnyNonFinite puts one NaN, ±Inf, or a finite extreme (max float32,
// subnormal, −0) at every position of slices around the 8- and 32-float
// steps, on every path.
func TestAnyNonFinite(t *testing.T) {
	impls := []impl[anyFn]{{"go", anyNonFiniteGo}, {"simd", anyNonFiniteSIMD}, {"dispatch", AnyNonFinite}}
	vals := []struct {
		v   float32
		bad bool
	}{
		{float32(math.NaN()), true}, {float32(math.Inf(1)), true}, {float32(math.Inf(-1)), true},
		{math.MaxFloat32, false}, {-math.MaxFloat32, false}, {1e-45, false}, {float32(math.Copysign(0, -1)), false},
	}
	for _, im := range impls {
		for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 64, 100} {
			for pos := 0; pos < n; pos++ {
				for _, c := range vals {
					x := make([]float32, n)
					for i := range x {
						x[i] = float32(i%5) - 2
					}
					x[pos] = c.v
					if got := im.fn(x); got != c.bad {
						t.Fatalf("%s: n=%d, %v at %d: got %v", im.name, n, c.v, pos, got)
					}
				}
			}
			if n > 0 && im.fn(make([]float32, n)) {
				t.Fatalf("%s: zeros of length %d reported non-finite", im.name, n)
			}
		}
	}
}

// TestMaxPoolSamples runs MaxPool and MaxPoolGrad over 3 samples at once on
// both paths and compares with the one-sample Go kernels sample by sample,
// bit for bit.
func TestMaxPoolSamples(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 14))
	const n = 3
	for _, tc := range poolWindows {
		for _, simd := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/simd=%v", tc.name, simd), func(t *testing.T) {
				inS, outS := tc.pix*tc.c, len(tc.taps)/tc.kv*tc.c
				x := make([]float32, n*inS)
				for i := range x {
					x[i] = float32(r.IntN(3)) // ties
				}
				y, want := randn(r, n*outS, 1), make([]float32, n*outS)
				for b := 0; b < n; b++ {
					maxPool(x[b*inS:(b+1)*inS], tc.taps, tc.kv, tc.c, want[b*outS:(b+1)*outS], false)
				}
				maxPoolN(x, n, tc.taps, tc.kv, tc.c, y, simd)
				checkSame(t, "y", y, want)
				dy := randn(r, n*outS, 1)
				for _, relu := range []bool{false, true} {
					dx, wdx := make([]float32, n*inS), make([]float32, n*inS)
					for b := 0; b < n; b++ {
						maxPoolGrad(x[b*inS:(b+1)*inS], tc.taps, tc.kv, tc.c, y[b*outS:(b+1)*outS], dy[b*outS:(b+1)*outS],
							wdx[b*inS:(b+1)*inS], false, relu, false)
					}
					maxPoolGradN(x, n, tc.taps, tc.kv, tc.c, y, dy, dx, false, relu, simd)
					checkSame(t, fmt.Sprintf("dx (relu=%v)", relu), dx, wdx)
				}
			})
		}
	}
}
