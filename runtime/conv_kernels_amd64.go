//go:build amd64 && !purego

package runtime

import "golang.org/x/sys/cpu"

//go:generate go run gen_conv_kernels.go

// dwAVX512 computes np output pixels of a depthwise convolution with
// multiplier 1 over channels [0, cn) (any cn: the last partial vector is
// masked); ldc is the channel count (row stride of x, y and w). See convKernel.
//
//go:noescape
func dwAVX512(y, x, w *float32, taps *int32, kv, ldc, cn, np int, inv, res *float32, lo, hi float32)

// dwAVX2 is dwAVX512 with 8-lane vectors; cn must be a multiple of 8.
//
//go:noescape
func dwAVX2(y, x, w *float32, taps *int32, kv, ldc, cn, np int, inv, res *float32, lo, hi float32)

// epiAVX512 applies the epilogue to rows of ldc channels, channels
// [0, cn) (any cn: the last partial vector is masked).
//
//go:noescape
func epiAVX512(y *float32, rows, ldc, cn int, inv, res *float32, lo, hi float32)

// epiAVX2 is epiAVX512 with 8-lane vectors; cn must be a multiple of 8.
//
//go:noescape
func epiAVX2(y *float32, rows, ldc, cn int, inv, res *float32, lo, hi float32)

// pwAVX512xRxV (R rows, V vectors of 16 channels) computes the R×16V
// block y = x·w of a product with K = k (row strides ldy, ldx, ldw) and
// applies the epilogue; mask selects the lanes of the last vector.
//
//go:noescape
func pwAVX512x6x1(y *float32, ldy int, x *float32, ldx int, w *float32, ldw, k int, inv, res *float32, lo, hi float32, mask int)

//go:noescape
func pwAVX512x6x2(y *float32, ldy int, x *float32, ldx int, w *float32, ldw, k int, inv, res *float32, lo, hi float32, mask int)

//go:noescape
func pwAVX512x6x3(y *float32, ldy int, x *float32, ldx int, w *float32, ldw, k int, inv, res *float32, lo, hi float32, mask int)

//go:noescape
func pwAVX512x6x4(y *float32, ldy int, x *float32, ldx int, w *float32, ldw, k int, inv, res *float32, lo, hi float32, mask int)

//go:noescape
func pwAVX512x1x1(y *float32, ldy int, x *float32, ldx int, w *float32, ldw, k int, inv, res *float32, lo, hi float32, mask int)

//go:noescape
func pwAVX512x1x2(y *float32, ldy int, x *float32, ldx int, w *float32, ldw, k int, inv, res *float32, lo, hi float32, mask int)

//go:noescape
func pwAVX512x1x3(y *float32, ldy int, x *float32, ldx int, w *float32, ldw, k int, inv, res *float32, lo, hi float32, mask int)

//go:noescape
func pwAVX512x1x4(y *float32, ldy int, x *float32, ldx int, w *float32, ldw, k int, inv, res *float32, lo, hi float32, mask int)

// pwsAVX512x6xV is pwAVX512x6xV reading each row of x as segs segments of
// k floats, segStride floats apart, with the rows of w running on.
//
//go:noescape
func pwsAVX512x6x1(y *float32, ldy int, x *float32, ldx int, w *float32, ldw, k int, inv, res *float32, lo, hi float32, mask int, segs, segStride int)

//go:noescape
func pwsAVX512x6x2(y *float32, ldy int, x *float32, ldx int, w *float32, ldw, k int, inv, res *float32, lo, hi float32, mask int, segs, segStride int)

//go:noescape
func pwsAVX512x6x3(y *float32, ldy int, x *float32, ldx int, w *float32, ldw, k int, inv, res *float32, lo, hi float32, mask int, segs, segStride int)

//go:noescape
func pwsAVX512x6x4(y *float32, ldy int, x *float32, ldx int, w *float32, ldw, k int, inv, res *float32, lo, hi float32, mask int, segs, segStride int)

// convKernels lists the convolution kernel sets this CPU runs, fastest last.
func convKernels() []convKernel {
	ks := []convKernel{{name: "go"}}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, convKernel{name: "avx2", lanes: 8, asm: dwAVX2, epi: epiAVX2})
	}
	if cpu.X86.HasAVX512F {
		ks = append(ks, convKernel{name: "avx512", lanes: 1, asm: dwAVX512, epi: epiAVX512, pw: &[2][4]pwAsmFunc{
			{pwAVX512x6x1, pwAVX512x6x2, pwAVX512x6x3, pwAVX512x6x4},
			{pwAVX512x1x1, pwAVX512x1x2, pwAVX512x1x3, pwAVX512x1x4},
		}, pws: &[4]pwsAsmFunc{pwsAVX512x6x1, pwsAVX512x6x2, pwsAVX512x6x3, pwsAVX512x6x4}})
	}
	return ks
}
