package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPackedB runs every kernel's pre-packed products against the float64
// reference: the shapes of the Sgemm tests (blocks of k and n beyond the
// cache blocks included), both transposes, alpha/beta pairs, padded
// strides, and one packed operand reused for several products.
func TestPackedB(t *testing.T) {
	for _, kn := range available() {
		for _, s := range shapes {
			for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
				for _, sc := range [][2]float32{{1, 0}, {1, 1}, {0.5, -2}} {
					tc := tcase{m: s[0], n: s[1], k: s[2], transA: tr[0], transB: tr[1], pad: 2, alpha: sc[0], beta: sc[1]}
					checkPacked(t, kn, tc, uint64(s[0]*7+s[1]*13+s[2]))
				}
			}
		}
	}
}

func checkPacked(t *testing.T, kn *kernel, tc tcase, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 2))
	a, lda, b, ldb, c, ldc := tc.operands(rng)
	buf := make([]float32, kn.packedBSize(tc.k, tc.n)+3)
	pb := kn.packB(tc.transB, tc.k, tc.n, b, ldb, buf)
	for rep := 0; rep < 2; rep++ { // the packed operand is reusable
		c2 := append([]float32(nil), c...)
		want, tol := reference(tc, a, lda, b, ldb, c2, ldc)
		if tc.beta == 0 {
			for i := range c2 {
				c2[i] = float32(math.NaN())
			}
		}
		SgemmPackedB(tc.transA, tc.m, tc.alpha, a, lda, pb, tc.beta, c2, ldc)
		for i := 0; i < tc.m; i++ {
			for j := 0; j < tc.n; j++ {
				got, w := c2[i*ldc+j], want[i*tc.n+j]
				if !(math.Abs(float64(got)-w) <= tol[i*tc.n+j]) {
					t.Fatalf("%s %v rep %d: C[%d,%d] = %v, want %v", kn.name, tc, rep, i, j, got, w)
				}
			}
		}
		a = randSlice(rng, len(a))
	}
}

// TestPackedBRejects checks the panics on buffers and operands that do not
// fit, like Sgemm's.
func TestPackedBRejects(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	b := make([]float32, 12)
	mustPanic("short buffer", func() { PackB(false, 3, 4, b, 4, make([]float32, 1)) })
	mustPanic("short B", func() { PackB(false, 4, 4, b, 4, make([]float32, PackedBSize(4, 4))) })
	pb := PackB(false, 3, 4, b, 4, make([]float32, PackedBSize(3, 4)))
	mustPanic("short C", func() { SgemmPackedB(false, 2, 1, make([]float32, 6), 3, pb, 0, make([]float32, 7), 4) })
	mustPanic("unpacked", func() {
		SgemmPackedB(false, 2, 1, make([]float32, 6), 3, PackedB{k: 3, n: 4}, 0, make([]float32, 8), 4)
	})
}

func TestPackedBDoesNotAllocate(t *testing.T) {
	a, b, c := make([]float32, 64*129), make([]float32, 129*256), make([]float32, 64*256)
	buf := make([]float32, PackedBSize(129, 256))
	pb := PackB(false, 129, 256, b, 256, buf)
	SgemmPackedB(false, 64, 1, a, 129, pb, 0, c, 256)
	if n := testing.AllocsPerRun(10, func() {
		pb := PackB(false, 129, 256, b, 256, buf)
		SgemmPackedB(false, 64, 1, a, 129, pb, 0, c, 256)
	}); n != 0 {
		t.Errorf("%v allocations per packed product, want 0", n)
	}
}
