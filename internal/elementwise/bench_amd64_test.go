//go:build amd64 && !purego

package elementwise

import (
	"math/rand/v2"
	"testing"
)

// pool2x2Taps returns the taps (input pixel indices, four a window) of a
// 2×2, stride 2 pooling over an H×W map.
func pool2x2Taps(H, W int) []int32 {
	var taps []int32
	w := int32(W)
	for oy := 0; oy < H/2; oy++ {
		for ox := 0; ox < W/2; ox++ {
			p := int32(2*oy*W + 2*ox)
			taps = append(taps, p, p+1, p+w, p+w+1)
		}
	}
	return taps
}

// BenchmarkMaxPoolGrad times the routing of one 26×26×32 sample's 2×2
// max-pooling gradient (the CNN benchmark's first pooling) with the
// 8-channel kernel (taps inside) and the 32-channel one (taps outside).
func BenchmarkMaxPoolGrad(b *testing.B) {
	const H, W, C = 26, 26, 32
	taps := pool2x2Taps(H, W)
	r := rand.New(rand.NewPCG(1, 1))
	x, dy := randn(r, H*W*C, 1), randn(r, len(taps)/4*C, 1)
	y, dx := make([]float32, len(dy)), make([]float32, len(x))
	MaxPool(x, 1, taps, 4, C, y)
	nwin := len(taps) / 4
	b.Run("blocks8", func(b *testing.B) {
		for b.Loop() {
			maxPoolGradAVX2(&x[0], &taps[0], 4, nwin, C, C, &y[0], &dy[0], &dx[0], 1, 0)
		}
	})
	b.Run("blocks32", func(b *testing.B) {
		for b.Loop() {
			maxPoolGrad32AVX2(&x[0], &taps[0], 4, nwin, C, C, &y[0], &dy[0], &dx[0], 1, 0)
		}
	})
}

// BenchmarkFilterGradC1 times the filter gradient of the CNN benchmark's
// first convolution (3×3, one channel, 32 filters) for 8 samples of 28×28,
// with the AVX2 kernels and with the AVX-512 one.
func BenchmarkFilterGradC1(b *testing.B) {
	const H, W, F, n = 28, 28, 32, 8
	var taps []int32
	for oy := 0; oy < H-2; oy++ {
		for ox := 0; ox < W-2; ox++ {
			for ky := 0; ky < 3; ky++ {
				for kx := 0; kx < 3; kx++ {
					taps = append(taps, int32((oy+ky)*W+ox+kx))
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(2, 2))
	np := len(taps) / 9
	x, dy, dw := randn(r, n*H*W, 1), randn(r, n*np*F, 1), make([]float32, 9*F)
	for _, avx512 := range []bool{false, true} {
		b.Run(map[bool]string{false: "avx2", true: "avx512"}[avx512], func(b *testing.B) {
			if avx512 && !hasAVX512 {
				b.Skip("no AVX-512")
			}
			for b.Loop() {
				filterGradC1(x, n, H*W, taps, 9, dy, F, dw, true, avx512)
			}
		})
	}
}

// BenchmarkMaxPool times the 2×2 max pooling of one 26×26×32 sample with
// the 8-channel kernel and the 32-channel one.
func BenchmarkMaxPool(b *testing.B) {
	const H, W, C = 26, 26, 32
	taps := pool2x2Taps(H, W)
	x := randn(rand.New(rand.NewPCG(3, 3)), H*W*C, 1)
	y, nwin := make([]float32, len(taps)/4*C), len(taps)/4
	b.Run("blocks8", func(b *testing.B) {
		for b.Loop() {
			maxPoolAVX2(&x[0], &taps[0], 4, nwin, C, C, &y[0])
		}
	})
	b.Run("blocks32", func(b *testing.B) {
		for b.Loop() {
			maxPool32AVX2(&x[0], &taps[0], 4, nwin, C, C, &y[0])
		}
	})
}

// BenchmarkAdam times one Adam step over the MLP benchmark's 669,706
// parameters with the scalar Go loop and the AVX2 kernel.
func BenchmarkAdam(b *testing.B) {
	const n = 784*512 + 512 + 512*512 + 512 + 512*10 + 10
	r := rand.New(rand.NewPCG(4, 4))
	w, g, m, v := randn(r, n, 1), randn(r, n, 1e-2), make([]float32, n), make([]float32, n)
	for _, c := range []struct {
		name string
		fn   func(w, g, m, v []float32, c1, c2, alpha, eps float32)
	}{{"go", adamGo}, {"avx2", adamSIMD}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.fn(w, g, m, v, 0.1, 0.001, 1e-3, 1e-7)
			}
		})
	}
}
