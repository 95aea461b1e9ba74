//go:build amd64 && !purego

#include "textflag.h"

// func adamAVX2(w, grad, m, v *float32, n int, c1, c2, alpha, eps float32)
// n is a positive multiple of 8. Per element, in adamGo's order:
// m += (g−m)·c1; v += (g·g−v)·c2; w −= (m·alpha)/(sqrt(v)+eps).
TEXT ·adamAVX2(SB), NOSPLIT, $0-56
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	VBROADCASTSS c1+40(FP), Y10
	VBROADCASTSS c2+44(FP), Y11
	VBROADCASTSS alpha+48(FP), Y12
	VBROADCASTSS eps+52(FP), Y13
	SHLQ $2, CX
	XORQ AX, AX
adam_loop:
	VMOVUPS (SI)(AX*1), Y0 // g
	VMOVUPS (R8)(AX*1), Y1 // m
	VMOVUPS (R9)(AX*1), Y2 // v
	VSUBPS  Y1, Y0, Y4     // g − m
	VMULPS  Y10, Y4, Y4    // ·c1
	VADDPS  Y4, Y1, Y1     // m + …
	VMOVUPS Y1, (R8)(AX*1)
	VMULPS  Y0, Y0, Y5     // g·g
	VSUBPS  Y2, Y5, Y5     // − v
	VMULPS  Y11, Y5, Y5    // ·c2
	VADDPS  Y5, Y2, Y2     // v + …
	VMOVUPS Y2, (R9)(AX*1)
	VSQRTPS Y2, Y6
	VADDPS  Y13, Y6, Y6    // sqrt(v) + eps
	VMULPS  Y12, Y1, Y7    // m·alpha
	VDIVPS  Y6, Y7, Y7     // (m·alpha) / (sqrt(v)+eps)
	VMOVUPS (DI)(AX*1), Y3
	VSUBPS  Y7, Y3, Y3     // w − …
	VMOVUPS Y3, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  adam_loop
	VZEROUPPER
	RET

// func reluAVX2(y, x *float32, n int)
// y = max(0, x) + 0 with VMAXPS's operand order returning x when x is NaN
// (0 > NaN is false); the + 0 turns −0 into +0 and changes nothing else.
TEXT ·reluAVX2(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHLQ $2, CX
	XORQ AX, AX
	VXORPS Y15, Y15, Y15
relu_loop:
	VMOVUPS (SI)(AX*1), Y0
	VMAXPS  Y0, Y15, Y1 // 0 > x ? 0 : x
	VADDPS  Y15, Y1, Y1
	VMOVUPS Y1, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  relu_loop
	VZEROUPPER
	RET

// func reluGradAVX2(dx, x, dy *float32, n int)
// dx = dy & (x NLE_UQ 0): all ones where x > 0 or x is NaN.
TEXT ·reluGradAVX2(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ dy+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $2, CX
	XORQ AX, AX
	VXORPS Y15, Y15, Y15
relugrad_loop:
	VMOVUPS (SI)(AX*1), Y0
	VCMPPS  $6, Y15, Y0, Y1 // !(x <= 0)
	VANDPS  (DX)(AX*1), Y1, Y1
	VMOVUPS Y1, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  relugrad_loop
	VZEROUPPER
	RET

// func maxPoolGradAVX2(x *float32, taps *int32, ntaps, nwin, c8, ldc int, y, dy, dx *float32, overwrite, relu int)
// For nwin ≥ 1 windows of ntaps ≥ 1 taps (window w's taps at taps[w·ntaps:],
// its y and dy rows at w·ldc), channels [0, c8) in blocks of 8:
// left = all ones; for each tap ip ≥ 0 (row offset ip·ldc):
// hit = (x[row] == y) & left; left &^= hit; dx[row] += dy & hit
// (masked-out lanes add +0), or dx[row] = dy & hit when overwrite != 0.
// With relu != 0, dy is first masked by y > 0 (the gradient of a plain
// ReLU whose output x is).
TEXT ·maxPoolGradAVX2(SB), NOSPLIT, $0-88
	MOVQ x+0(FP), SI
	MOVQ taps+8(FP), R8
	MOVQ ntaps+16(FP), R9
	MOVQ c8+32(FP), BX
	MOVQ ldc+40(FP), R10
	MOVQ y+48(FP), R11
	MOVQ dy+56(FP), R12
	MOVQ dx+64(FP), DI
	MOVQ overwrite+72(FP), CX
	SHLQ $2, BX
	SHLQ $2, R10
	VPCMPEQD Y15, Y15, Y15
mpg_win:
	XORQ AX, AX
mpg_chan:
	VMOVUPS (R11)(AX*1), Y0 // y
	VMOVUPS (R12)(AX*1), Y1 // dy
	CMPQ relu+80(FP), $0
	JEQ  mpg_norelu
	VXORPS  Y5, Y5, Y5
	VCMPPS  $0x1e, Y5, Y0, Y5 // y > 0 (ordered)
	VANDPS  Y5, Y1, Y1
mpg_norelu:
	VMOVAPS Y15, Y2         // left
	XORQ DX, DX
mpg_tap:
	MOVLQSX (R8)(DX*4), R13
	INCQ DX
	TESTQ R13, R13
	JS   mpg_next
	IMULQ R10, R13
	ADDQ AX, R13
	VCMPPS  $0, (SI)(R13*1), Y0, Y4 // x == y (ordered)
	VANDPS  Y2, Y4, Y4              // & left
	VANDNPS Y2, Y4, Y2              // left &^= hit
	VANDPS  Y1, Y4, Y4              // dy & hit
	TESTQ CX, CX
	JNZ  mpg_store
	VADDPS  (DI)(R13*1), Y4, Y4
mpg_store:
	VMOVUPS Y4, (DI)(R13*1)
mpg_next:
	CMPQ DX, R9
	JLT  mpg_tap
	ADDQ $32, AX
	CMPQ AX, BX
	JLT  mpg_chan
	ADDQ R10, R11
	ADDQ R10, R12
	LEAQ (R8)(R9*4), R8
	DECQ nwin+24(FP)
	JNZ  mpg_win
	VZEROUPPER
	RET

// func columnSumsAVX2(out, x *float32, rows, c8, ldc int)
// out[c] = ((0 + x[0,c]) + x[1,c]) + … for c < c8 (a multiple of 8),
// rows ≥ 1: one accumulator per channel, summed in row order; four
// 8-channel blocks at a time give four independent add chains.
TEXT ·columnSumsAVX2(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ c8+24(FP), BX
	MOVQ ldc+32(FP), R10
	SHLQ $2, BX
	SHLQ $2, R10
	XORQ AX, AX
cs_blk32:
	MOVQ BX, DX
	SUBQ AX, DX
	CMPQ DX, $128
	JLT  cs_blk8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	LEAQ (SI)(AX*1), R11
	MOVQ R8, CX
cs_row32:
	VADDPS 0(R11), Y0, Y0
	VADDPS 32(R11), Y1, Y1
	VADDPS 64(R11), Y2, Y2
	VADDPS 96(R11), Y3, Y3
	ADDQ R10, R11
	DECQ CX
	JNZ  cs_row32
	VMOVUPS Y0, 0(DI)(AX*1)
	VMOVUPS Y1, 32(DI)(AX*1)
	VMOVUPS Y2, 64(DI)(AX*1)
	VMOVUPS Y3, 96(DI)(AX*1)
	ADDQ $128, AX
	JMP  cs_blk32
cs_blk8:
	CMPQ AX, BX
	JGE  cs_done
	VXORPS Y0, Y0, Y0
	LEAQ (SI)(AX*1), R11
	MOVQ R8, CX
cs_row8:
	VADDPS (R11), Y0, Y0
	ADDQ R10, R11
	DECQ CX
	JNZ  cs_row8
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	JMP  cs_blk8
cs_done:
	VZEROUPPER
	RET

// func addBiasAVX2(y, x, b *float32, rows, c8, ldc, relu int)
// y[r,c] = x[r,c] + b[c] for c < c8 (a multiple of 8), rows ≥ 1; with
// relu != 0 then max(0, ·) + 0 as reluAVX2 (NaN kept, −0 → +0).
TEXT ·addBiasAVX2(SB), NOSPLIT, $0-56
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ b+16(FP), R9
	MOVQ rows+24(FP), R8
	MOVQ c8+32(FP), BX
	MOVQ ldc+40(FP), R10
	MOVQ relu+48(FP), CX
	SHLQ $2, BX
	SHLQ $2, R10
	VXORPS Y15, Y15, Y15
ab_row:
	XORQ AX, AX
ab_col:
	VMOVUPS (SI)(AX*1), Y0
	VADDPS  (R9)(AX*1), Y0, Y0
	TESTQ CX, CX
	JZ   ab_store
	VMAXPS  Y0, Y15, Y0 // 0 > v ? 0 : v
	VADDPS  Y15, Y0, Y0
ab_store:
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, BX
	JLT  ab_col
	ADDQ R10, SI
	ADDQ R10, DI
	DECQ R8
	JNZ  ab_row
	VZEROUPPER
	RET

// func addAVX2(dst, src *float32, n int)
// dst += src, n a positive multiple of 8.
TEXT ·addAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHLQ $2, CX
	XORQ AX, AX
add_loop:
	VMOVUPS (DI)(AX*1), Y0
	VADDPS  (SI)(AX*1), Y0, Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  add_loop
	VZEROUPPER
	RET

// func maxPoolAVX2(x *float32, taps *int32, ntaps, nwin, c8, ldc int, y *float32)
// For nwin ≥ 1 windows of ntaps ≥ 1 taps: y[c] = max over taps ip ≥ 0 of
// x[ip·ldc + c], for c < c8, starting from −Inf, with Go's max:
// (maxps(a,b) & maxps(b,a)) | unordered(a,b) gives NaN if either is NaN
// and +0 for max(−0, +0); 0 for a window of padding only.
TEXT ·maxPoolAVX2(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), SI
	MOVQ taps+8(FP), R8
	MOVQ ntaps+16(FP), R9
	MOVQ c8+32(FP), BX
	MOVQ ldc+40(FP), R10
	MOVQ y+48(FP), DI
	SHLQ $2, BX
	SHLQ $2, R10
	MOVL $0xff800000, R12
	MOVQ R12, X14
	VBROADCASTSS X14, Y14 // −Inf
mp_win:
	XORQ AX, AX
mp_chan:
	VMOVAPS Y14, Y0
	XORQ DX, DX
	XORQ CX, CX // real taps seen
mp_tap:
	MOVLQSX (R8)(DX*4), R13
	INCQ DX
	TESTQ R13, R13
	JS   mp_next
	INCQ CX
	IMULQ R10, R13
	ADDQ AX, R13
	VMOVUPS (SI)(R13*1), Y1
	VMAXPS  Y1, Y0, Y2     // acc > v ? acc : v
	VMAXPS  Y0, Y1, Y3     // v > acc ? v : acc
	VCMPPS  $3, Y1, Y0, Y4 // unordered
	VANDPS  Y3, Y2, Y2
	VORPS   Y4, Y2, Y0
mp_next:
	CMPQ DX, R9
	JLT  mp_tap
	TESTQ CX, CX
	JNZ  mp_store
	VXORPS Y0, Y0, Y0
mp_store:
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, BX
	JLT  mp_chan
	ADDQ R10, DI
	LEAQ (R8)(R9*4), R8
	DECQ nwin+24(FP)
	JNZ  mp_win
	VZEROUPPER
	RET

// func tapDotAVX2(x *float32, taps *int32, tapStride, np int, dy *float32, ldy int, out *float32)
// out[0:8] += Σ_{p<np} x[taps[p·tapStride]] · dy[p·ldy : p·ldy+8], taps < 0
// contributing nothing; four accumulators (p mod 4) summed at the end.
TEXT ·tapDotAVX2(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), SI
	MOVQ taps+8(FP), R8
	MOVQ tapStride+16(FP), R9
	MOVQ np+24(FP), CX
	MOVQ dy+32(FP), DX
	MOVQ ldy+40(FP), R10
	MOVQ out+48(FP), DI
	SHLQ $2, R9
	SHLQ $2, R10
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	CMPQ CX, $4
	JLT  td_tail
td_loop4:
	MOVLQSX (R8), R11
	TESTQ R11, R11
	JS   td_s0
	VBROADCASTSS (SI)(R11*4), Y4
	VFMADD231PS (DX), Y4, Y0
td_s0:
	ADDQ R9, R8
	ADDQ R10, DX
	MOVLQSX (R8), R11
	TESTQ R11, R11
	JS   td_s1
	VBROADCASTSS (SI)(R11*4), Y5
	VFMADD231PS (DX), Y5, Y1
td_s1:
	ADDQ R9, R8
	ADDQ R10, DX
	MOVLQSX (R8), R11
	TESTQ R11, R11
	JS   td_s2
	VBROADCASTSS (SI)(R11*4), Y6
	VFMADD231PS (DX), Y6, Y2
td_s2:
	ADDQ R9, R8
	ADDQ R10, DX
	MOVLQSX (R8), R11
	TESTQ R11, R11
	JS   td_s3
	VBROADCASTSS (SI)(R11*4), Y7
	VFMADD231PS (DX), Y7, Y3
td_s3:
	ADDQ R9, R8
	ADDQ R10, DX
	SUBQ $4, CX
	CMPQ CX, $4
	JGE  td_loop4
td_tail:
	TESTQ CX, CX
	JZ   td_done
td_loop1:
	MOVLQSX (R8), R11
	TESTQ R11, R11
	JS   td_s
	VBROADCASTSS (SI)(R11*4), Y4
	VFMADD231PS (DX), Y4, Y0
td_s:
	ADDQ R9, R8
	ADDQ R10, DX
	DECQ CX
	JNZ  td_loop1
td_done:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VADDPS (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	VZEROUPPER
	RET

// func tapDot9AVX2(x *float32, taps *int32, np int, dy *float32, ldy int, out *float32, ldo int)
// For 9 taps per pixel (a 3×3 kernel): out[j·ldo : j·ldo+8] +=
// Σ_{p<np} x[taps[9p+j]] · dy[p·ldy : p·ldy+8] for j < 9, taps < 0
// contributing nothing: dy is loaded once per pixel, one accumulator per tap.
TEXT ·tapDot9AVX2(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), SI
	MOVQ taps+8(FP), R8
	MOVQ np+16(FP), CX
	MOVQ dy+24(FP), DX
	MOVQ ldy+32(FP), R10
	MOVQ out+40(FP), DI
	MOVQ ldo+48(FP), R9
	SHLQ $2, R10
	SHLQ $2, R9
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
t9_pix:
	VMOVUPS (DX), Y12
	MOVLQSX 0(R8), R11
	TESTQ R11, R11
	JS   t9_s0
	VBROADCASTSS (SI)(R11*4), Y13
	VFMADD231PS Y12, Y13, Y0
t9_s0:
	MOVLQSX 4(R8), R11
	TESTQ R11, R11
	JS   t9_s1
	VBROADCASTSS (SI)(R11*4), Y13
	VFMADD231PS Y12, Y13, Y1
t9_s1:
	MOVLQSX 8(R8), R11
	TESTQ R11, R11
	JS   t9_s2
	VBROADCASTSS (SI)(R11*4), Y13
	VFMADD231PS Y12, Y13, Y2
t9_s2:
	MOVLQSX 12(R8), R11
	TESTQ R11, R11
	JS   t9_s3
	VBROADCASTSS (SI)(R11*4), Y13
	VFMADD231PS Y12, Y13, Y3
t9_s3:
	MOVLQSX 16(R8), R11
	TESTQ R11, R11
	JS   t9_s4
	VBROADCASTSS (SI)(R11*4), Y13
	VFMADD231PS Y12, Y13, Y4
t9_s4:
	MOVLQSX 20(R8), R11
	TESTQ R11, R11
	JS   t9_s5
	VBROADCASTSS (SI)(R11*4), Y13
	VFMADD231PS Y12, Y13, Y5
t9_s5:
	MOVLQSX 24(R8), R11
	TESTQ R11, R11
	JS   t9_s6
	VBROADCASTSS (SI)(R11*4), Y13
	VFMADD231PS Y12, Y13, Y6
t9_s6:
	MOVLQSX 28(R8), R11
	TESTQ R11, R11
	JS   t9_s7
	VBROADCASTSS (SI)(R11*4), Y13
	VFMADD231PS Y12, Y13, Y7
t9_s7:
	MOVLQSX 32(R8), R11
	TESTQ R11, R11
	JS   t9_s8
	VBROADCASTSS (SI)(R11*4), Y13
	VFMADD231PS Y12, Y13, Y8
t9_s8:
	ADDQ $36, R8
	ADDQ R10, DX
	DECQ CX
	JNZ  t9_pix
	VADDPS (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ R9, DI
	VADDPS (DI), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ R9, DI
	VADDPS (DI), Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ R9, DI
	VADDPS (DI), Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ R9, DI
	VADDPS (DI), Y4, Y4
	VMOVUPS Y4, (DI)
	ADDQ R9, DI
	VADDPS (DI), Y5, Y5
	VMOVUPS Y5, (DI)
	ADDQ R9, DI
	VADDPS (DI), Y6, Y6
	VMOVUPS Y6, (DI)
	ADDQ R9, DI
	VADDPS (DI), Y7, Y7
	VMOVUPS Y7, (DI)
	ADDQ R9, DI
	VADDPS (DI), Y8, Y8
	VMOVUPS Y8, (DI)
	VZEROUPPER
	RET

// func maxPoolGrad32AVX2(x *float32, taps *int32, ntaps, nwin, c32, ldc int, y, dy, dx *float32, overwrite, relu int)
// maxPoolGradAVX2 for channels [0, c32) (a multiple of 32) with the taps
// outside: 32 channels' y, dy and left masks stay in registers while every
// tap's row is compared, routed and stored 128 contiguous bytes at a time.
TEXT ·maxPoolGrad32AVX2(SB), NOSPLIT, $0-88
	MOVQ x+0(FP), SI
	MOVQ taps+8(FP), R8
	MOVQ ntaps+16(FP), R9
	MOVQ c32+32(FP), BX
	MOVQ ldc+40(FP), R10
	MOVQ y+48(FP), R11
	MOVQ dy+56(FP), R12
	MOVQ dx+64(FP), DI
	MOVQ overwrite+72(FP), CX
	SHLQ $2, BX
	SHLQ $2, R10
	VPCMPEQD Y15, Y15, Y15
	VXORPS Y14, Y14, Y14
m32_win:
	XORQ AX, AX
m32_grp:
	VMOVUPS 0(R11)(AX*1), Y0
	VMOVUPS 32(R11)(AX*1), Y1
	VMOVUPS 64(R11)(AX*1), Y2
	VMOVUPS 96(R11)(AX*1), Y3
	VMOVUPS 0(R12)(AX*1), Y4
	VMOVUPS 32(R12)(AX*1), Y5
	VMOVUPS 64(R12)(AX*1), Y6
	VMOVUPS 96(R12)(AX*1), Y7
	CMPQ relu+80(FP), $0
	JEQ  m32_norelu
	VCMPPS  $0x1e, Y14, Y0, Y12
	VANDPS  Y12, Y4, Y4
	VCMPPS  $0x1e, Y14, Y1, Y12
	VANDPS  Y12, Y5, Y5
	VCMPPS  $0x1e, Y14, Y2, Y12
	VANDPS  Y12, Y6, Y6
	VCMPPS  $0x1e, Y14, Y3, Y12
	VANDPS  Y12, Y7, Y7
m32_norelu:
	VMOVAPS Y15, Y8
	VMOVAPS Y15, Y9
	VMOVAPS Y15, Y10
	VMOVAPS Y15, Y11
	XORQ DX, DX
	TESTQ CX, CX
	JNZ  m32_tapw
m32_tapa:
	MOVLQSX (R8)(DX*4), R13
	INCQ DX
	TESTQ R13, R13
	JS   m32_nexta
	IMULQ R10, R13
	ADDQ AX, R13
	VCMPPS  $0, 0(SI)(R13*1), Y0, Y12
	VANDPS  Y8, Y12, Y12
	VANDNPS Y8, Y12, Y8
	VANDPS  Y4, Y12, Y12
	VADDPS  0(DI)(R13*1), Y12, Y12
	VMOVUPS Y12, 0(DI)(R13*1)
	VCMPPS  $0, 32(SI)(R13*1), Y1, Y12
	VANDPS  Y9, Y12, Y12
	VANDNPS Y9, Y12, Y9
	VANDPS  Y5, Y12, Y12
	VADDPS  32(DI)(R13*1), Y12, Y12
	VMOVUPS Y12, 32(DI)(R13*1)
	VCMPPS  $0, 64(SI)(R13*1), Y2, Y12
	VANDPS  Y10, Y12, Y12
	VANDNPS Y10, Y12, Y10
	VANDPS  Y6, Y12, Y12
	VADDPS  64(DI)(R13*1), Y12, Y12
	VMOVUPS Y12, 64(DI)(R13*1)
	VCMPPS  $0, 96(SI)(R13*1), Y3, Y12
	VANDPS  Y11, Y12, Y12
	VANDNPS Y11, Y12, Y11
	VANDPS  Y7, Y12, Y12
	VADDPS  96(DI)(R13*1), Y12, Y12
	VMOVUPS Y12, 96(DI)(R13*1)
m32_nexta:
	CMPQ DX, R9
	JLT  m32_tapa
	JMP  m32_grpdone
m32_tapw:
	MOVLQSX (R8)(DX*4), R13
	INCQ DX
	TESTQ R13, R13
	JS   m32_nextw
	IMULQ R10, R13
	ADDQ AX, R13
	VCMPPS  $0, 0(SI)(R13*1), Y0, Y12
	VANDPS  Y8, Y12, Y12
	VANDNPS Y8, Y12, Y8
	VANDPS  Y4, Y12, Y12
	VMOVUPS Y12, 0(DI)(R13*1)
	VCMPPS  $0, 32(SI)(R13*1), Y1, Y12
	VANDPS  Y9, Y12, Y12
	VANDNPS Y9, Y12, Y9
	VANDPS  Y5, Y12, Y12
	VMOVUPS Y12, 32(DI)(R13*1)
	VCMPPS  $0, 64(SI)(R13*1), Y2, Y12
	VANDPS  Y10, Y12, Y12
	VANDNPS Y10, Y12, Y10
	VANDPS  Y6, Y12, Y12
	VMOVUPS Y12, 64(DI)(R13*1)
	VCMPPS  $0, 96(SI)(R13*1), Y3, Y12
	VANDPS  Y11, Y12, Y12
	VANDNPS Y11, Y12, Y11
	VANDPS  Y7, Y12, Y12
	VMOVUPS Y12, 96(DI)(R13*1)
m32_nextw:
	CMPQ DX, R9
	JLT  m32_tapw
	JMP  m32_grpdone
m32_grpdone:
	ADDQ $128, AX
	CMPQ AX, BX
	JLT  m32_grp
	ADDQ R10, R11
	ADDQ R10, R12
	LEAQ (R8)(R9*4), R8
	DECQ nwin+24(FP)
	JNZ  m32_win
	VZEROUPPER
	RET

// func convC1x32AVX2(x *float32, taps *int32, kv, np int, w *float32, ldw int, y *float32, ldy int)
// y[p·ldy + f] = Σ_j x[taps[p·kv + j]]·w[j·ldw + f] for p < np, f < 32
// (taps < 0 contribute nothing), one FMA chain per output in tap order from
// 0, as the GEMM micro-kernels accumulate; kv ≥ 1, np ≥ 1.
TEXT ·convC1x32AVX2(SB), NOSPLIT, $0-64
	MOVQ x+0(FP), SI
	MOVQ taps+8(FP), R8
	MOVQ kv+16(FP), R9
	MOVQ np+24(FP), CX
	MOVQ w+32(FP), R11
	MOVQ ldw+40(FP), R10
	MOVQ y+48(FP), DI
	MOVQ ldy+56(FP), R12
	SHLQ $2, R10
	SHLQ $2, R12
convC1x32AVX2_pix:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ R11, BX
	XORQ DX, DX
convC1x32AVX2_tap:
	MOVLQSX (R8)(DX*4), R13
	TESTQ R13, R13
	JS   convC1x32AVX2_skip
	VBROADCASTSS (SI)(R13*4), Y8
	VFMADD231PS 0(BX), Y8, Y0
	VFMADD231PS 32(BX), Y8, Y1
	VFMADD231PS 64(BX), Y8, Y2
	VFMADD231PS 96(BX), Y8, Y3
convC1x32AVX2_skip:
	ADDQ R10, BX
	INCQ DX
	CMPQ DX, R9
	JLT  convC1x32AVX2_tap
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	LEAQ (R8)(R9*4), R8
	ADDQ R12, DI
	DECQ CX
	JNZ  convC1x32AVX2_pix
	VZEROUPPER
	RET

// func convC1x8AVX2(x *float32, taps *int32, kv, np int, w *float32, ldw int, y *float32, ldy int)
// y[p·ldy + f] = Σ_j x[taps[p·kv + j]]·w[j·ldw + f] for p < np, f < 8
// (taps < 0 contribute nothing), one FMA chain per output in tap order from
// 0, as the GEMM micro-kernels accumulate; kv ≥ 1, np ≥ 1.
TEXT ·convC1x8AVX2(SB), NOSPLIT, $0-64
	MOVQ x+0(FP), SI
	MOVQ taps+8(FP), R8
	MOVQ kv+16(FP), R9
	MOVQ np+24(FP), CX
	MOVQ w+32(FP), R11
	MOVQ ldw+40(FP), R10
	MOVQ y+48(FP), DI
	MOVQ ldy+56(FP), R12
	SHLQ $2, R10
	SHLQ $2, R12
convC1x8AVX2_pix:
	VXORPS Y0, Y0, Y0
	MOVQ R11, BX
	XORQ DX, DX
convC1x8AVX2_tap:
	MOVLQSX (R8)(DX*4), R13
	TESTQ R13, R13
	JS   convC1x8AVX2_skip
	VBROADCASTSS (SI)(R13*4), Y8
	VFMADD231PS 0(BX), Y8, Y0
convC1x8AVX2_skip:
	ADDQ R10, BX
	INCQ DX
	CMPQ DX, R9
	JLT  convC1x8AVX2_tap
	VMOVUPS Y0, 0(DI)
	LEAQ (R8)(R9*4), R8
	ADDQ R12, DI
	DECQ CX
	JNZ  convC1x8AVX2_pix
	VZEROUPPER
	RET

// func tapDot9x32AVX512(x *float32, taps *int32, np int, dy *float32, ldy int, out *float32, ldo int)
// tapDot9AVX2 for 32 filters at once: out[j·ldo : j·ldo+32] +=
// Σ_{p<np} x[taps[9p+j]] · dy[p·ldy : p·ldy+32] for j < 9 (taps < 0
// contributing nothing), in 18 zmm accumulators: each tap's x is loaded
// and broadcast once per pixel for all 32 filters.
TEXT ·tapDot9x32AVX512(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), SI
	MOVQ taps+8(FP), R8
	MOVQ np+16(FP), CX
	MOVQ dy+24(FP), DX
	MOVQ ldy+32(FP), R10
	MOVQ out+40(FP), DI
	MOVQ ldo+48(FP), R9
	SHLQ $2, R10
	SHLQ $2, R9
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
t9z_pix:
	VMOVUPS (DX), Z18
	VMOVUPS 64(DX), Z19
	MOVLQSX 0(R8), R11
	TESTQ R11, R11
	JS   t9z_s0
	VBROADCASTSS (SI)(R11*4), Z20
	VFMADD231PS Z18, Z20, Z0
	VFMADD231PS Z19, Z20, Z1
t9z_s0:
	MOVLQSX 4(R8), R11
	TESTQ R11, R11
	JS   t9z_s1
	VBROADCASTSS (SI)(R11*4), Z20
	VFMADD231PS Z18, Z20, Z2
	VFMADD231PS Z19, Z20, Z3
t9z_s1:
	MOVLQSX 8(R8), R11
	TESTQ R11, R11
	JS   t9z_s2
	VBROADCASTSS (SI)(R11*4), Z20
	VFMADD231PS Z18, Z20, Z4
	VFMADD231PS Z19, Z20, Z5
t9z_s2:
	MOVLQSX 12(R8), R11
	TESTQ R11, R11
	JS   t9z_s3
	VBROADCASTSS (SI)(R11*4), Z20
	VFMADD231PS Z18, Z20, Z6
	VFMADD231PS Z19, Z20, Z7
t9z_s3:
	MOVLQSX 16(R8), R11
	TESTQ R11, R11
	JS   t9z_s4
	VBROADCASTSS (SI)(R11*4), Z20
	VFMADD231PS Z18, Z20, Z8
	VFMADD231PS Z19, Z20, Z9
t9z_s4:
	MOVLQSX 20(R8), R11
	TESTQ R11, R11
	JS   t9z_s5
	VBROADCASTSS (SI)(R11*4), Z20
	VFMADD231PS Z18, Z20, Z10
	VFMADD231PS Z19, Z20, Z11
t9z_s5:
	MOVLQSX 24(R8), R11
	TESTQ R11, R11
	JS   t9z_s6
	VBROADCASTSS (SI)(R11*4), Z20
	VFMADD231PS Z18, Z20, Z12
	VFMADD231PS Z19, Z20, Z13
t9z_s6:
	MOVLQSX 28(R8), R11
	TESTQ R11, R11
	JS   t9z_s7
	VBROADCASTSS (SI)(R11*4), Z20
	VFMADD231PS Z18, Z20, Z14
	VFMADD231PS Z19, Z20, Z15
t9z_s7:
	MOVLQSX 32(R8), R11
	TESTQ R11, R11
	JS   t9z_s8
	VBROADCASTSS (SI)(R11*4), Z20
	VFMADD231PS Z18, Z20, Z16
	VFMADD231PS Z19, Z20, Z17
t9z_s8:
	ADDQ $36, R8
	ADDQ R10, DX
	DECQ CX
	JNZ  t9z_pix
	VADDPS (DI), Z0, Z0
	VMOVUPS Z0, (DI)
	VADDPS 64(DI), Z1, Z1
	VMOVUPS Z1, 64(DI)
	ADDQ R9, DI
	VADDPS (DI), Z2, Z2
	VMOVUPS Z2, (DI)
	VADDPS 64(DI), Z3, Z3
	VMOVUPS Z3, 64(DI)
	ADDQ R9, DI
	VADDPS (DI), Z4, Z4
	VMOVUPS Z4, (DI)
	VADDPS 64(DI), Z5, Z5
	VMOVUPS Z5, 64(DI)
	ADDQ R9, DI
	VADDPS (DI), Z6, Z6
	VMOVUPS Z6, (DI)
	VADDPS 64(DI), Z7, Z7
	VMOVUPS Z7, 64(DI)
	ADDQ R9, DI
	VADDPS (DI), Z8, Z8
	VMOVUPS Z8, (DI)
	VADDPS 64(DI), Z9, Z9
	VMOVUPS Z9, 64(DI)
	ADDQ R9, DI
	VADDPS (DI), Z10, Z10
	VMOVUPS Z10, (DI)
	VADDPS 64(DI), Z11, Z11
	VMOVUPS Z11, 64(DI)
	ADDQ R9, DI
	VADDPS (DI), Z12, Z12
	VMOVUPS Z12, (DI)
	VADDPS 64(DI), Z13, Z13
	VMOVUPS Z13, 64(DI)
	ADDQ R9, DI
	VADDPS (DI), Z14, Z14
	VMOVUPS Z14, (DI)
	VADDPS 64(DI), Z15, Z15
	VMOVUPS Z15, 64(DI)
	ADDQ R9, DI
	VADDPS (DI), Z16, Z16
	VMOVUPS Z16, (DI)
	VADDPS 64(DI), Z17, Z17
	VMOVUPS Z17, 64(DI)
	VZEROUPPER
	RET

// func maxPool32AVX2(x *float32, taps *int32, ntaps, nwin, c32, ldc int, y *float32)
// maxPoolAVX2 for channels [0, c32) (a multiple of 32) with the taps
// outside: 32 channels' running maxima stay in registers while every tap's
// row is read 128 contiguous bytes at a time.
TEXT ·maxPool32AVX2(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), SI
	MOVQ taps+8(FP), R8
	MOVQ ntaps+16(FP), R9
	MOVQ c32+32(FP), BX
	MOVQ ldc+40(FP), R10
	MOVQ y+48(FP), DI
	SHLQ $2, BX
	SHLQ $2, R10
	MOVL $0xff800000, R12
	MOVQ R12, X14
	VBROADCASTSS X14, Y14 // −Inf
p32_win:
	XORQ AX, AX
p32_grp:
	VMOVAPS Y14, Y0
	VMOVAPS Y14, Y1
	VMOVAPS Y14, Y2
	VMOVAPS Y14, Y3
	XORQ DX, DX
	XORQ CX, CX // real taps seen
p32_tap:
	MOVLQSX (R8)(DX*4), R13
	INCQ DX
	TESTQ R13, R13
	JS   p32_next
	INCQ CX
	IMULQ R10, R13
	ADDQ AX, R13
	VMOVUPS 0(SI)(R13*1), Y4
	VMAXPS  Y4, Y0, Y5
	VMAXPS  Y0, Y4, Y6
	VCMPPS  $3, Y4, Y0, Y7
	VANDPS  Y6, Y5, Y5
	VORPS   Y7, Y5, Y0
	VMOVUPS 32(SI)(R13*1), Y4
	VMAXPS  Y4, Y1, Y5
	VMAXPS  Y1, Y4, Y6
	VCMPPS  $3, Y4, Y1, Y7
	VANDPS  Y6, Y5, Y5
	VORPS   Y7, Y5, Y1
	VMOVUPS 64(SI)(R13*1), Y4
	VMAXPS  Y4, Y2, Y5
	VMAXPS  Y2, Y4, Y6
	VCMPPS  $3, Y4, Y2, Y7
	VANDPS  Y6, Y5, Y5
	VORPS   Y7, Y5, Y2
	VMOVUPS 96(SI)(R13*1), Y4
	VMAXPS  Y4, Y3, Y5
	VMAXPS  Y3, Y4, Y6
	VCMPPS  $3, Y4, Y3, Y7
	VANDPS  Y6, Y5, Y5
	VORPS   Y7, Y5, Y3
p32_next:
	CMPQ DX, R9
	JLT  p32_tap
	TESTQ CX, CX
	JNZ  p32_store
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
p32_store:
	VMOVUPS Y0, 0(DI)(AX*1)
	VMOVUPS Y1, 32(DI)(AX*1)
	VMOVUPS Y2, 64(DI)(AX*1)
	VMOVUPS Y3, 96(DI)(AX*1)
	ADDQ $128, AX
	CMPQ AX, BX
	JLT  p32_grp
	ADDQ R10, DI
	LEAQ (R8)(R9*4), R8
	DECQ nwin+24(FP)
	JNZ  p32_win
	VZEROUPPER
	RET

// func gatherRowsAVX2(dst, src *float32, taps *int32, n, rowLen, ld int)
// dst[i·rowLen : (i+1)·rowLen] = src[taps[i]·ld : taps[i]·ld + rowLen],
// or zeros when taps[i] < 0, for i < n ≥ 1; rowLen a positive multiple of 8.
TEXT ·gatherRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ taps+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ rowLen+32(FP), BX
	MOVQ ld+40(FP), R10
	SHLQ $2, BX
	SHLQ $2, R10
	VXORPS Y15, Y15, Y15
gr_row:
	MOVLQSX (R8), R13
	ADDQ $4, R8
	XORQ AX, AX
	TESTQ R13, R13
	JS   gr_zero
	IMULQ R10, R13
	ADDQ SI, R13
	CMPQ BX, $128
	JNE  gr_copy
	VMOVUPS 0(R13), Y0 // 32 floats: one unrolled copy
	VMOVUPS 32(R13), Y1
	VMOVUPS 64(R13), Y2
	VMOVUPS 96(R13), Y3
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	JMP  gr_next
gr_copy:
	VMOVUPS (R13)(AX*1), Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, BX
	JLT  gr_copy
	JMP  gr_next
gr_zero:
	VMOVUPS Y15, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, BX
	JLT  gr_zero
gr_next:
	ADDQ BX, DI
	DECQ CX
	JNZ  gr_row
	VZEROUPPER
	RET

// func scatterAddRowsAVX2(dst, src *float32, taps *int32, n, rowLen, ld int)
// dst[taps[i]·ld : taps[i]·ld + rowLen] += src[i·rowLen : (i+1)·rowLen] for
// i < n ≥ 1 in order, taps < 0 skipped; rowLen a positive multiple of 8.
TEXT ·scatterAddRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ taps+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ rowLen+32(FP), BX
	MOVQ ld+40(FP), R10
	SHLQ $2, BX
	SHLQ $2, R10
sa_row:
	MOVLQSX (R8), R13
	ADDQ $4, R8
	TESTQ R13, R13
	JS   sa_next
	IMULQ R10, R13
	ADDQ DI, R13
	XORQ AX, AX
sa_add:
	VMOVUPS (SI)(AX*1), Y0
	VADDPS  (R13)(AX*1), Y0, Y0
	VMOVUPS Y0, (R13)(AX*1)
	ADDQ $32, AX
	CMPQ AX, BX
	JLT  sa_add
sa_next:
	ADDQ BX, SI
	DECQ CX
	JNZ  sa_row
	VZEROUPPER
	RET

// func anyNonFiniteAVX2(x *float32, n int) bool
// Reports whether any of x[0:n] (n a positive multiple of 8) has an
// all-ones exponent (±Inf or NaN): bits & 0x7f800000 == 0x7f800000.
TEXT ·anyNonFiniteAVX2(SB), NOSPLIT, $0-17
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	SHLQ $2, CX
	XORQ AX, AX
	MOVL $0x7f800000, DX
	MOVQ DX, X15
	VPBROADCASTD X15, Y15
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	MOVQ CX, BX
	ANDQ $-128, BX // bytes in whole 32-float groups
	JZ   nf_tail
nf_loop4:
	VPAND   0(SI)(AX*1), Y15, Y2
	VPAND   32(SI)(AX*1), Y15, Y3
	VPAND   64(SI)(AX*1), Y15, Y4
	VPAND   96(SI)(AX*1), Y15, Y5
	VPCMPEQD Y15, Y2, Y2
	VPCMPEQD Y15, Y3, Y3
	VPCMPEQD Y15, Y4, Y4
	VPCMPEQD Y15, Y5, Y5
	VPOR    Y2, Y0, Y0
	VPOR    Y3, Y1, Y1
	VPOR    Y4, Y0, Y0
	VPOR    Y5, Y1, Y1
	ADDQ $128, AX
	CMPQ AX, BX
	JLT  nf_loop4
nf_tail:
	CMPQ AX, CX
	JGE  nf_done
	VPAND   (SI)(AX*1), Y15, Y2
	VPCMPEQD Y15, Y2, Y2
	VPOR    Y2, Y0, Y0
	ADDQ $32, AX
	JMP  nf_tail
nf_done:
	VPOR  Y1, Y0, Y0
	VPTEST Y0, Y0
	SETNE ret+16(FP)
	VZEROUPPER
	RET
