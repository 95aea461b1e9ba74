package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// tcase is one product: shapes, transposes, extra row-stride padding and
// the alpha/beta pair.
type tcase struct {
	m, n, k        int
	transA, transB bool
	pad            int // added to every leading dimension
	alpha, beta    float32
}

func (tc tcase) String() string {
	return fmt.Sprintf("m%d_n%d_k%d_tA%v_tB%v_pad%d_a%g_b%g", tc.m, tc.n, tc.k, tc.transA, tc.transB, tc.pad, tc.alpha, tc.beta)
}

// operands builds random A, B and C for tc with their strides.
func (tc tcase) operands(rng *rand.Rand) (a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	lda, ldb, ldc = max(ac, 1)+tc.pad, max(bc, 1)+tc.pad, max(tc.n, 1)+tc.pad
	a, b, c = randSlice(rng, ar*lda), randSlice(rng, br*ldb), randSlice(rng, tc.m*ldc)
	return
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.Float64()*2 - 1)
	}
	return s
}

// reference computes alpha·op(A)·op(B) + beta·C in float64 with a plain
// triple loop, and for each element a bound on float32 rounding error.
func reference(tc tcase, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) (want, tol []float64) {
	want, tol = make([]float64, tc.m*tc.n), make([]float64, tc.m*tc.n)
	const u = 1.0 / (1 << 24)
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			var s, abs float64
			for p := 0; p < tc.k; p++ {
				ai, bi := i*lda+p, p*ldb+j
				if tc.transA {
					ai = p*lda + i
				}
				if tc.transB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				s += float64(av) * float64(bv)
				abs += math.Abs(float64(av) * float64(bv))
			}
			w := float64(tc.alpha) * s
			if tc.beta != 0 {
				w += float64(tc.beta) * float64(c[i*ldc+j])
			}
			want[i*tc.n+j] = w
			tol[i*tc.n+j] = float64(tc.k+4)*u*(math.Abs(float64(tc.alpha))*abs+math.Abs(float64(tc.beta*c[i*ldc+j]))) + 1e-7
		}
	}
	return want, tol
}

// check runs tc with kernel kn and compares every element with the float64
// reference; it also checks the padding between rows of C is untouched.
func check(t testing.TB, kn *kernel, tc tcase, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	a, lda, b, ldb, c, ldc := tc.operands(rng)
	want, tol := reference(tc, a, lda, b, ldb, c, ldc)
	orig := append([]float32(nil), c...)
	if tc.beta == 0 {
		for i := range c {
			c[i] = float32(math.NaN()) // beta == 0 must not read C
		}
	}
	kn.run(problem{transA: tc.transA, transB: tc.transB, m: tc.m, n: tc.n, k: tc.k, alpha: tc.alpha,
		a: a, lda: lda, b: b, ldb: ldb, beta: tc.beta, c: c, ldc: ldc})
	for i := 0; i < tc.m; i++ {
		for j := 0; j < ldc; j++ {
			got := c[i*ldc+j]
			if j >= tc.n {
				if tc.beta != 0 && got != orig[i*ldc+j] {
					t.Fatalf("%s %v: padding C[%d,%d] changed", kn.name, tc, i, j)
				}
				continue
			}
			if w := want[i*tc.n+j]; !(math.Abs(float64(got)-w) <= tol[i*tc.n+j]) {
				t.Fatalf("%s %v: C[%d,%d] = %v, want %v (tol %.3g)", kn.name, tc, i, j, got, w, tol[i*tc.n+j])
			}
		}
	}
}

// shapes covers tiny products, odd sizes around every kernel's tile, exact
// tile multiples, k, m and n beyond the cache blocks, and one product large
// enough to run in parallel.
var shapes = [][3]int{
	{1, 1, 1}, {1, 7, 3}, {5, 1, 9}, {2, 3, 4}, {7, 13, 5}, {13, 17, 19}, {15, 33, 31},
	{14, 32, 8}, {6, 16, 4}, {4, 8, 2}, {28, 64, 3}, {29, 65, 1}, {3, 5, 600},
	{300, 40, 20}, {20, 1100, 10}, {131, 257, 300}, {64, 10, 784},
}

func TestKernelsAgainstFloat64(t *testing.T) {
	type ab struct{ alpha, beta float32 }
	for _, kn := range available() {
		for _, s := range shapes {
			for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
				for _, sc := range []ab{{1, 0}, {1, 1}, {0.5, -2}} {
					for _, pad := range []int{0, 3} {
						tc := tcase{m: s[0], n: s[1], k: s[2], transA: tr[0], transB: tr[1], pad: pad, alpha: sc.alpha, beta: sc.beta}
						check(t, kn, tc, uint64(s[0]*7+s[1]*13+s[2]))
					}
				}
			}
		}
	}
}

func TestDegenerate(t *testing.T) {
	for _, kn := range available() {
		for _, tc := range []tcase{
			{m: 3, n: 4, k: 0, alpha: 1, beta: 0},
			{m: 3, n: 4, k: 0, alpha: 1, beta: 2},
			{m: 3, n: 4, k: 5, alpha: 0, beta: 1},
			{m: 0, n: 4, k: 5, alpha: 1, beta: 1},
			{m: 3, n: 0, k: 5, alpha: 1, beta: 1},
		} {
			check(t, kn, tc, 1)
		}
	}
}

// TestAvailable checks the run-time choice: the portable kernel is always
// there, and the assembly kernels appear exactly when the CPU has them.
func TestAvailable(t *testing.T) {
	ks := available()
	if ks[0] != generic {
		t.Fatalf("first kernel %s, want go", ks[0].name)
	}
	if best != ks[len(ks)-1] || Kernel() != best.name {
		t.Fatalf("best = %s, Kernel() = %s, available ends with %s", best.name, Kernel(), ks[len(ks)-1].name)
	}
	t.Logf("kernels on this machine: %d, using %s (GOARCH=%s)", len(ks), Kernel(), runtime.GOARCH)
}

func TestSgemmRejectsBadArguments(t *testing.T) {
	cases := []struct {
		name  string
		call  func()
		wantS string
	}{
		{"negative", func() { Sgemm(false, false, -1, 1, 1, 1, nil, 1, nil, 1, 0, nil, 1) }, "negative dimension"},
		{"short A", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		}, "A is 2×2"},
		{"stride B", func() {
			Sgemm(false, true, 2, 2, 3, 1, make([]float32, 6), 3, make([]float32, 6), 2, 0, make([]float32, 4), 2)
		}, "B has 3 columns"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				err, ok := r.(error)
				if !ok || !contains(err.Error(), tc.wantS) {
					t.Fatalf("panic %v, want an error containing %q", r, tc.wantS)
				}
			}()
			tc.call()
		})
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestSmallProductDoesNotAllocate: a product below the parallel threshold
// reuses pooled packing buffers.
func TestSmallProductDoesNotAllocate(t *testing.T) {
	a, b, c := make([]float32, 32*64), make([]float32, 64*48), make([]float32, 32*48)
	for _, kn := range available() {
		p := problem{m: 32, n: 48, k: 64, alpha: 1, a: a, lda: 64, b: b, ldb: 48, c: c, ldc: 48}
		if n := testing.AllocsPerRun(50, func() { kn.run(p) }); n != 0 {
			t.Errorf("%s: %v allocations per small product, want 0", kn.name, n)
		}
	}
}

// TestConcurrentProducts runs large (parallel) and small products from many
// goroutines at once, as concurrent serve requests do; run it with -race.
func TestConcurrentProducts(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3 {
				for _, kn := range available() {
					check(t, kn, tcase{m: 90 + g, n: 150, k: 70 + i, transB: g%2 == 0, alpha: 1, beta: 1}, uint64(g*10+i))
					check(t, kn, tcase{m: 5, n: 7, k: 9, alpha: 1}, uint64(g))
				}
			}
		}()
	}
	wg.Wait()
}

// FuzzSgemm checks random shapes, transposes, strides and scalars on every
// kernel against the float64 reference.
func FuzzSgemm(f *testing.F) {
	f.Add(uint8(13), uint8(17), uint8(19), uint8(0), uint8(3), uint64(1))
	f.Add(uint8(1), uint8(1), uint8(1), uint8(3), uint8(0), uint64(2))
	f.Add(uint8(40), uint8(70), uint8(200), uint8(6), uint8(1), uint64(3))
	f.Fuzz(func(t *testing.T, m, n, k, flags, pad uint8, seed uint64) {
		tc := tcase{m: int(m) % 80, n: int(n) % 80, k: int(k), transA: flags&1 != 0, transB: flags&2 != 0,
			pad: int(pad) % 5, alpha: 1, beta: 0}
		if flags&4 != 0 {
			tc.beta = 1
		}
		if flags&8 != 0 {
			tc.alpha, tc.beta = -1.5, 0.25
		}
		for _, kn := range available() {
			check(t, kn, tc, seed)
		}
	})
}

func TestSgemmExported(t *testing.T) {
	// 2×3 · 3×2 worked by hand.
	a := []float32{1, 2, 3, 4, 5, 6}
	b := []float32{7, 8, 9, 10, 11, 12}
	c := []float32{1, 1, 1, 1}
	Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 1, c, 2)
	want := []float32{59, 65, 140, 155}
	for i := range want {
		if c[i] != want[i] {
			t.Fatalf("c = %v, want %v", c, want)
		}
	}
}

// TestMicroKernels calls every micro-kernel directly on random packed panels
// for step counts around its unrolling (the main loop, the remainder loop
// and both), storing and accumulating into a C tile with padded rows, and
// compares with the float64 sum; the padding must stay untouched.
func TestMicroKernels(t *testing.T) {
	const u = 1.0 / (1 << 24)
	for _, kn := range available() {
		for _, k := range []int{1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 256} {
			for _, acc := range []bool{false, true} {
				rng := rand.New(rand.NewPCG(uint64(k), uint64(kn.mr)))
				a, b := randSlice(rng, kn.mr*k), randSlice(rng, kn.nr*k)
				ldc := kn.nr + 3
				c := randSlice(rng, kn.mr*ldc)
				orig := append([]float32(nil), c...)
				kn.micro(k, a, b, c, ldc, acc)
				for i := range kn.mr {
					for j := range ldc {
						got := c[i*ldc+j]
						if j >= kn.nr {
							if got != orig[i*ldc+j] {
								t.Fatalf("%s k=%d acc=%v: padding C[%d,%d] changed", kn.name, k, acc, i, j)
							}
							continue
						}
						var s, abs float64
						for p := range k {
							v := float64(a[p*kn.mr+i]) * float64(b[p*kn.nr+j])
							s, abs = s+v, abs+math.Abs(v)
						}
						if acc {
							s += float64(orig[i*ldc+j])
							abs += math.Abs(float64(orig[i*ldc+j]))
						}
						if tol := float64(k+2)*u*abs + 1e-7; !(math.Abs(float64(got)-s) <= tol) {
							t.Fatalf("%s k=%d acc=%v: C[%d,%d] = %v, want %v (tol %.3g)", kn.name, k, acc, i, j, got, s, tol)
						}
					}
				}
			}
		}
	}
}
