//go:build arm64 && !purego

package gemm

import "testing"

// TestNEONChosen: on arm64 the NEON kernel is always available (Advanced
// SIMD is architectural) and is the one Sgemm uses; the portable kernel is
// still listed so that every test runs it as well.
func TestNEONChosen(t *testing.T) {
	ks := available()
	if len(ks) != 2 || ks[0] != generic || ks[1] != neon {
		t.Fatalf("available() has %d kernels, want [go neon]", len(ks))
	}
	if best != neon || Kernel() != "neon" {
		t.Fatalf("best = %s, want neon", best.name)
	}
}
