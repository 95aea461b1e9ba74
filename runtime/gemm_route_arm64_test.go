//go:build arm64 && !purego

package runtime

import "testing"

// TestGemmRoutesToNEON: on arm64 internal/gemm has its NEON kernel, so the
// executor sends products from gemmSmall up there rather than to gemmOwn,
// one-row products too (those stay in gemmOwn only with the Go kernel).
func TestGemmRoutesToNEON(t *testing.T) {
	if !gemmAsm || !usePacked(gemmAsm, false, 64, 64, 64) || !usePacked(gemmAsm, false, 1, 512, 512) {
		t.Fatalf("gemmAsm = %v: products on arm64 do not reach the NEON kernel", gemmAsm)
	}
}
