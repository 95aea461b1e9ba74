package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmPaths runs the executor's products down both of its paths, its
// own loops (gemmOwn) and internal/gemm (gemmPacked, whatever kernel this
// machine has), and down gemmAcc's own choice, for every transpose pair,
// overwrite and accumulate, against a float64 triple loop.
func TestGemmPaths(t *testing.T) {
	paths := []struct {
		name string
		run  func(transA, transB bool, m, n, k int, a, b, c []float32, acc bool)
	}{{"own", gemmOwn}, {"packed", gemmPacked}, {"routed", gemmAcc}}
	shapes := [][3]int{{1, 1, 1}, {2, 40, 30}, {7, 13, 5}, {16, 16, 16}, {33, 70, 65}, {64, 10, 200}}
	for _, s := range shapes {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			for _, acc := range []bool{false, true} {
				for _, path := range paths {
					name := fmt.Sprintf("%s/m%d_n%d_k%d_tA%v_tB%v_acc%v", path.name, s[0], s[1], s[2], tr[0], tr[1], acc)
					checkGemmPath(t, name, path.run, s[0], s[1], s[2], tr[0], tr[1], acc)
				}
			}
		}
	}
}

func checkGemmPath(t *testing.T, name string, run func(bool, bool, int, int, int, []float32, []float32, []float32, bool),
	m, n, k int, transA, transB, acc bool) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(m*n), uint64(k)))
	rnd := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(rng.Float64()*2 - 1)
		}
		return s
	}
	a, b, c := rnd(m*k), rnd(k*n), rnd(m*n)
	orig := append([]float32(nil), c...)
	run(transA, transB, m, n, k, a, b, c, acc)
	for i := range m {
		for j := range n {
			var s, abs float64
			for p := range k {
				ai, bi := i*k+p, p*n+j
				if transA {
					ai = p*m + i
				}
				if transB {
					bi = j*k + p
				}
				v := float64(a[ai]) * float64(b[bi])
				s, abs = s+v, abs+math.Abs(v)
			}
			if acc {
				s += float64(orig[i*n+j])
				abs += math.Abs(float64(orig[i*n+j]))
			}
			tol := float64(k+2)*abs/(1<<24) + 1e-7
			if got := float64(c[i*n+j]); !(math.Abs(got-s) <= tol) {
				t.Fatalf("%s: c[%d,%d] = %v, want %v (tol %.3g)", name, i, j, got, s, tol)
			}
		}
	}
}

// TestUsePacked pins the routing: internal/gemm from gemmSmall up, except
// one- or two-row (or column) products against a transposed B, and with the
// portable Go kernel (asm false) except products of fewer than
// gemmGoMinRows rows.
func TestUsePacked(t *testing.T) {
	cases := []struct {
		asm, transB bool
		m, n, k     int
		want        bool
	}{
		{true, false, 256, 256, 256, true},
		{false, false, 256, 256, 256, true},
		{true, false, 8, 8, 16, false}, // 1024 < gemmSmall
		{true, false, 8, 16, 16, true}, // 2048 == gemmSmall
		{false, false, 8, 16, 16, true},
		{true, true, 2, 512, 512, false},
		{true, true, 512, 2, 512, false},
		{true, true, 3, 512, 512, true},
		{true, false, 1, 512, 512, true},
		{false, false, 1, 512, 512, false},
		{false, false, 7, 512, 512, false},
		{false, true, 512, 2, 512, false},
		{false, false, 512, 1, 512, true},
	}
	for _, tc := range cases {
		if got := usePacked(tc.asm, tc.transB, tc.m, tc.n, tc.k); got != tc.want {
			t.Errorf("usePacked(%v, %v, %d, %d, %d) = %v, want %v", tc.asm, tc.transB, tc.m, tc.n, tc.k, got, tc.want)
		}
	}
}
