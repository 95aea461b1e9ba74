//go:build arm64 && !purego

package gemm

//go:generate go run gen_kernels.go

//go:noescape
func kernNEON8x12(k int, a, b, c *float32, ldc int, acc int)

// neon is the arm64 kernel. Its 8×12 tile takes 24 of the 32 vector
// registers as accumulators (8 rows × 3 registers of 4 floats), 2 for the A
// step and 3 for the B step. Blocking for a core with 64 KB of L1 and 1 MB of
// L2: kc = 256 keeps one A micro-panel (8 KB) and one B micro-panel (12 KB)
// in L1, and a packed kc×nc block of B (384 KB) in L2, where macro streams it
// once per A micro-panel.
var neon = newKernel("neon", 8, 12, 192, 256, 384, microNEON)

func microNEON(k int, a, b, c []float32, ldc int, acc bool) {
	_ = a[8*k-1]
	_ = b[12*k-1]
	_ = c[7*ldc+11]
	kernNEON8x12(k, &a[0], &b[0], &c[0], ldc, b2i(acc))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// available lists the kernels this CPU runs, fastest last. Advanced SIMD
// (NEON) is architectural on arm64, so the NEON kernel is always there; the
// portable kernel stays first so that the tests run it too.
func available() []*kernel { return []*kernel{generic, neon} }
