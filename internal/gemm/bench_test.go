package gemm

import (
	"fmt"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// BenchmarkKernels times every kernel this CPU runs beside gonum's Sgemm
// (the product kerago used before) on square and MLP-shaped products.
func BenchmarkKernels(b *testing.B) {
	for _, s := range [][3]int{{1024, 1024, 1024}, {128, 512, 784}, {64, 64, 64}} {
		m, n, k := s[0], s[1], s[2]
		a, bb, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		for i := range a {
			a[i] = float32(i%7) - 3
		}
		for i := range bb {
			bb[i] = float32(i%5) - 2
		}
		report := func(b *testing.B) {
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		for _, kn := range available() {
			b.Run(fmt.Sprintf("%s/%dx%dx%d", kn.name, m, n, k), func(b *testing.B) {
				p := problem{m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: bb, ldb: n, c: c, ldc: n}
				for b.Loop() {
					kn.run(p)
				}
				report(b)
			})
		}
		b.Run(fmt.Sprintf("gonum/%dx%dx%d", m, n, k), func(b *testing.B) {
			var impl gonum.Implementation
			for b.Loop() {
				impl.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, bb, n, 0, c, n)
			}
			report(b)
		})
	}
}

// BenchmarkPack times packing a 128×784 row-major operand into 14-row
// micro-panels (the strided case: non-transposed A, transposed B).
func BenchmarkPack(b *testing.B) {
	const m, k, mr = 128, 784, 14
	src, dst := make([]float32, m*k), make([]float32, roundUp(m, mr)*256)
	for b.Loop() {
		for pc := 0; pc < k; pc += 256 {
			kc := min(256, k-pc)
			for ir := 0; ir < m; ir += mr {
				packRowsStrided(dst[ir*kc:(ir+mr)*kc], src, k, ir, min(mr, m-ir), pc, kc, mr, 1)
			}
		}
	}
	b.ReportMetric(float64(m*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gfloat/s")
}
