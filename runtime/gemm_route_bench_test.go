package runtime

import (
	"fmt"
	"testing"
)

// BenchmarkGemmPaths times the executor's two product paths side by side,
// its own loops and internal/gemm (whichever kernel this machine runs; with
// -tags purego the portable one), on the shapes of an MLP training step
// (forward, weight gradient Aᵀ·B, input gradient A·Bᵀ), on small products
// around gemmSmall, on a one-row product (predicting one sample) and on a
// ten-column output layer and its weight gradient.
func BenchmarkGemmPaths(b *testing.B) {
	shapes := []struct {
		m, n, k        int
		transA, transB bool
	}{
		{128, 512, 784, false, false}, {784, 512, 128, true, false}, {128, 784, 512, false, true},
		{32, 64, 64, false, false}, {16, 16, 16, false, false}, {8, 16, 16, false, true},
		{1, 512, 784, false, false}, {128, 10, 512, false, false}, {10, 512, 128, true, false},
	}
	for _, s := range shapes {
		a, bb, c := make([]float32, s.m*s.k), make([]float32, s.k*s.n), make([]float32, s.m*s.n)
		for i := range a {
			a[i] = float32(i%7) - 3
		}
		for i := range bb {
			bb[i] = float32(i%5) - 2
		}
		for _, path := range []struct {
			name string
			run  func(transA, transB bool, m, n, k int, a, b, c []float32, acc bool)
		}{{"own", gemmOwn}, {"packed", gemmPacked}} {
			b.Run(fmt.Sprintf("%s/m%d_n%d_k%d_tA%v_tB%v", path.name, s.m, s.n, s.k, s.transA, s.transB), func(b *testing.B) {
				for b.Loop() {
					path.run(s.transA, s.transB, s.m, s.n, s.k, a, bb, c, false)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
