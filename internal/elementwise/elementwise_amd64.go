//go:build amd64 && !purego

package elementwise

import "golang.org/x/sys/cpu"

// hasAVX2 selects the assembly kernels; it is set once from the CPU's
// features and never changed (tests call both versions directly).
var hasAVX2 = cpu.X86.HasAVX2

//go:noescape
func adamAVX2(w, grad, m, v *float32, n int, c1, c2, alpha, eps float32)

//go:noescape
func reluAVX2(y, x *float32, n int)

//go:noescape
func reluGradAVX2(dx, x, dy *float32, n int)

//go:noescape
func maxPoolGradAVX2(x *float32, taps *int32, ntaps, c8, ldc int, y, dy, dx *float32)

// adamSIMD runs the assembly on the multiple-of-8 prefix, Go on the tail.
func adamSIMD(w, g, m, v []float32, c1, c2, alpha, eps float32) {
	n := len(w)
	g, m, v = g[:n], m[:n], v[:n]
	n8 := n &^ 7
	if n8 > 0 {
		adamAVX2(&w[0], &g[0], &m[0], &v[0], n8, c1, c2, alpha, eps)
	}
	adamGo(w[n8:], g[n8:], m[n8:], v[n8:], c1, c2, alpha, eps)
}

func reluSIMD(y, x []float32) {
	n := len(x)
	y = y[:n]
	n8 := n &^ 7
	if n8 > 0 {
		reluAVX2(&y[0], &x[0], n8)
	}
	reluGo(y[n8:], x[n8:])
}

func reluGradSIMD(dx, x, dy []float32) {
	n := len(x)
	dx, dy = dx[:n], dy[:n]
	n8 := n &^ 7
	if n8 > 0 {
		reluGradAVX2(&dx[0], &x[0], &dy[0], n8)
	}
	reluGradGo(dx[n8:], x[n8:], dy[n8:])
}

// maxPoolGradSIMD does the first multiple of 8 channels and returns how
// many it did. Every tap's row is bounds-checked first.
func maxPoolGradSIMD(x []float32, taps []int32, ldc int, y, dy, dx []float32) int {
	c8 := len(y) &^ 7
	if c8 == 0 || len(taps) == 0 || len(dy) < c8 || ldc < c8 {
		return 0
	}
	for _, ip := range taps {
		if ip >= 0 {
			o := int(ip)*ldc + c8
			_, _ = x[o-1], dx[o-1]
		}
	}
	maxPoolGradAVX2(&x[0], &taps[0], len(taps), c8, ldc, &y[0], &dy[0], &dx[0])
	return c8
}
