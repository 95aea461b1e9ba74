//go:build arm64 && !purego

package runtime

import "testing"

// TestGemmRoutesToNEON: on arm64 internal/gemm has its NEON kernel, so the
// executor sends products above gemmSmall there rather than to gemmOwn.
func TestGemmRoutesToNEON(t *testing.T) {
	if !gemmAsm || !usePacked(gemmAsm, false, 64, 64, 64) {
		t.Fatalf("gemmAsm = %v: products on arm64 do not reach the NEON kernel", gemmAsm)
	}
}
