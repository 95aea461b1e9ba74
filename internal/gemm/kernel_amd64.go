//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

//go:generate go run gen_kernels.go

//go:noescape
func kernAVX2x6x16(k int, a, b, c *float32, ldc int, acc int)

//go:noescape
func kernAVX512x14x32(k int, a, b, c *float32, ldc int, acc int)

var avx2 = newKernel("avx2", 6, 16, 240, 256, 768, microAVX2)

var avx512 = newKernel("avx512", 14, 32, 252, 256, 512, microAVX512)

func microAVX2(k int, a, b, c []float32, ldc int, acc bool) {
	_ = a[6*k-1]
	_ = b[16*k-1]
	_ = c[5*ldc+15]
	kernAVX2x6x16(k, &a[0], &b[0], &c[0], ldc, b2i(acc))
}

func microAVX512(k int, a, b, c []float32, ldc int, acc bool) {
	_ = a[14*k-1]
	_ = b[32*k-1]
	_ = c[13*ldc+31]
	kernAVX512x14x32(k, &a[0], &b[0], &c[0], ldc, b2i(acc))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// available lists the kernels this CPU runs, fastest last.
func available() []*kernel {
	ks := []*kernel{generic}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, avx2)
	}
	if cpu.X86.HasAVX512F {
		ks = append(ks, avx512)
	}
	return ks
}
