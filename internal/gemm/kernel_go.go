package gemm

// goMR and goNR are the portable micro-kernel's tile: eight accumulators,
// four B values and one A value fit the sixteen float registers of amd64
// (more accumulators are spilled to the stack by the Go compiler).
const goMR, goNR = 2, 4

// generic is the portable kernel: every platform has it, and the tests run
// it even where an assembly kernel is faster.
var generic = newKernel("go", goMR, goNR, 256, 256, 1024, microGo)

// microGo is the portable micro-kernel: a 2×4 tile accumulated in locals.
func microGo(k int, a, b, c []float32, ldc int, acc bool) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	a, b = a[:k*goMR], b[:k*goNR]
	for p := 0; p < k; p++ {
		bp := b[p*goNR : p*goNR+goNR : p*goNR+goNR]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0 := a[p*goMR]
		c00, c01, c02, c03 = c00+a0*b0, c01+a0*b1, c02+a0*b2, c03+a0*b3
		a1 := a[p*goMR+1]
		c10, c11, c12, c13 = c10+a1*b0, c11+a1*b1, c12+a1*b2, c13+a1*b3
	}
	t := [goMR][goNR]float32{{c00, c01, c02, c03}, {c10, c11, c12, c13}}
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
