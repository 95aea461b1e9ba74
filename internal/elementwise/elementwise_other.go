//go:build !amd64 || purego

package elementwise

// hasAVX2 is false: only the portable kernels exist here.
const hasAVX2 = false

func adamSIMD(w, g, m, v []float32, c1, c2, alpha, eps float32) { adamGo(w, g, m, v, c1, c2, alpha, eps) }

func reluSIMD(y, x []float32) { reluGo(y, x) }

func reluGradSIMD(dx, x, dy []float32) { reluGradGo(dx, x, dy) }

func maxPoolGradSIMD(x []float32, taps []int32, ldc int, y, dy, dx []float32) int { return 0 }
