//go:build !amd64 || purego

package elementwise

// hasAVX2 is false: only the portable kernels exist here.
const hasAVX2 = false

func adamSIMD(w, g, m, v []float32, c1, c2, alpha, eps float32) {
	adamGo(w, g, m, v, c1, c2, alpha, eps)
}

func reluSIMD(y, x []float32) { reluGo(y, x) }

func reluGradSIMD(dx, x, dy []float32) { reluGradGo(dx, x, dy) }

func maxPoolGradSIMD(x []float32, taps []int32, kv, C int, y, dy, dx []float32, overwrite, relu bool) int {
	return 0
}

func columnSumsSIMD(out, x []float32, cols int) int { return 0 }

func addBiasSIMD(y, x, b []float32, relu bool) int { return 0 }

func addSIMD(dst, src []float32) { addGo(dst, src) }

func maxPoolSIMD(x []float32, taps []int32, kv, C int, y []float32) int { return 0 }

// hasAVX512 is false: only the portable kernels exist here.
const hasAVX512 = false

func filterGradC1Kernels(x []float32, n, inP int, taps []int32, kv int, dy []float32, F int, dw []float32, avx512 bool) int {
	return 0
}

func convC1SIMD(x []float32, n, inP int, taps []int32, kv int, w []float32, F int, y []float32) int {
	return 0
}

func gatherRowsSIMD(dst, src []float32, taps []int32, rowLen, ld int) bool { return false }

func scatterAddRowsSIMD(dst, src []float32, taps []int32, rowLen, ld int) bool { return false }

func anyNonFiniteSIMD(x []float32) bool { return anyNonFiniteGo(x) }

func maxPoolGradSIMDN(x []float32, n int, taps []int32, kv, C int, y, dy, dx []float32, overwrite, relu bool) int {
	return 0
}

func maxPoolSIMDN(x []float32, n int, taps []int32, kv, C int, y []float32) int { return 0 }
