//go:build amd64 && !purego

package runtime

import "golang.org/x/sys/cpu"

// dwAVX512 computes np output pixels of a depthwise convolution with
// multiplier 1 over channels [0, cn) (any cn: the last partial vector is
// masked); ldc is the channel count (row stride of x, y and w). See dwKernel.
//
//go:noescape
func dwAVX512(y, x, w *float32, taps *int32, kv, ldc, cn, np int, inv, res *float32, lo, hi float32)

// dwAVX2 is dwAVX512 with 8-lane vectors; cn must be a multiple of 8.
//
//go:noescape
func dwAVX2(y, x, w *float32, taps *int32, kv, ldc, cn, np int, inv, res *float32, lo, hi float32)

// dwKernels lists the depthwise kernels this CPU runs, fastest last.
func dwKernels() []dwKernel {
	ks := []dwKernel{{name: "go"}}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, dwKernel{name: "avx2", lanes: 8, asm: dwAVX2})
	}
	if cpu.X86.HasAVX512F {
		ks = append(ks, dwKernel{name: "avx512", lanes: 1, asm: dwAVX512})
	}
	return ks
}
