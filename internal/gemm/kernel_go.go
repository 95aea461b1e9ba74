package gemm

// goMR and goNR are the portable micro-kernel's tile.
const goMR, goNR = 4, 8

// generic is the portable kernel: every platform has it, and the tests run
// it even where an assembly kernel is faster.
var generic = newKernel("go", goMR, goNR, 256, 256, 512, microGo)

// microGo is the portable micro-kernel: a 4×8 tile accumulated in locals.
func microGo(k int, a, b, c []float32, ldc int, acc bool) {
	var t [goMR][goNR]float32
	a = a[:k*goMR]
	b = b[:k*goNR]
	for p := 0; p < k; p++ {
		bp := (*[goNR]float32)(b[p*goNR:])
		ap := (*[goMR]float32)(a[p*goMR:])
		for i := range goMR {
			av := ap[i]
			ti := &t[i]
			for j := range goNR {
				ti[j] += av * bp[j]
			}
		}
	}
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
