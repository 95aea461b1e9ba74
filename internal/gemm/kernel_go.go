package gemm

// goMR and goNR are the portable micro-kernel's tile: eight accumulators,
// four B values and two A values fit the fifteen float registers the Go
// compiler allocates on amd64 (a bigger tile is spilled to the stack, and
// measured slower: 3×4 and 4×4 tiles ran at half the speed of 2×4).
const goMR, goNR = 2, 4

// generic is the portable kernel: every platform has it, and the tests run
// it even where an assembly kernel is faster.
var generic = newKernel("go", goMR, goNR, 256, 256, 1024, microGo)

// microGo is the portable micro-kernel: a 2×4 tile accumulated in locals,
// two steps per iteration. The panels are walked by re-slicing, so the loop
// carries no bounds checks, and each accumulator is its own statement (a
// tuple assignment makes the compiler shuffle registers). Every accumulator
// sums its k products in step order, whatever the unrolling.
func microGo(k int, a, b, c []float32, ldc int, acc bool) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	a, b = a[:k*goMR], b[:k*goNR]
	for len(a) >= 2*goMR && len(b) >= 2*goNR {
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		a0, a1 := a[0], a[1]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		b0, b1, b2, b3 = b[4], b[5], b[6], b[7]
		a0, a1 = a[2], a[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a, b = a[2*goMR:], b[2*goNR:]
	}
	if len(a) >= goMR && len(b) >= goNR { // odd k: the last step
		a0, a1 := a[0], a[1]
		c00 += a0 * b[0]
		c01 += a0 * b[1]
		c02 += a0 * b[2]
		c03 += a0 * b[3]
		c10 += a1 * b[0]
		c11 += a1 * b[1]
		c12 += a1 * b[2]
		c13 += a1 * b[3]
	}
	storeGo(c, ldc, acc, [goMR][goNR]float32{{c00, c01, c02, c03}, {c10, c11, c12, c13}})
}

// storeGo stores (or adds, when acc) the portable kernel's tile t into c.
func storeGo(c []float32, ldc int, acc bool, t [goMR][goNR]float32) {
	for i := range goMR {
		row := (*[goNR]float32)(c[i*ldc:])
		if acc {
			for j := range goNR {
				row[j] += t[i][j]
			}
		} else {
			*row = t[i]
		}
	}
}
