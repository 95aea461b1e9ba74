//go:build amd64 && !purego

#include "textflag.h"

// Each kernel runs n (a positive multiple of 8) elements in the operation
// order of its Go version in optim.go, without FMA.

// func adamAMSGradAVX2(w, grad, m, v, vh *float32, n int, c1, c2, alpha, eps float32)
TEXT ·adamAMSGradAVX2(SB), NOSPLIT, $0-64
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ vh+32(FP), R10
	MOVQ n+40(FP), CX
	VBROADCASTSS c1+48(FP), Y10
	VBROADCASTSS c2+52(FP), Y11
	VBROADCASTSS alpha+56(FP), Y12
	VBROADCASTSS eps+60(FP), Y13
	SHLQ $2, CX
	XORQ AX, AX
ams_loop:
	VMOVUPS (SI)(AX*1), Y0
	VMOVUPS (R8)(AX*1), Y1
	VMOVUPS (R9)(AX*1), Y2
	VSUBPS  Y1, Y0, Y4
	VMULPS  Y10, Y4, Y4
	VADDPS  Y4, Y1, Y1
	VMOVUPS Y1, (R8)(AX*1)
	VMULPS  Y0, Y0, Y5
	VSUBPS  Y2, Y5, Y5
	VMULPS  Y11, Y5, Y5
	VADDPS  Y5, Y2, Y2
	VMOVUPS Y2, (R9)(AX*1)
	VMAXPS  (R10)(AX*1), Y2, Y2 // v > vh ? v : vh
	VMOVUPS Y2, (R10)(AX*1)
	VSQRTPS Y2, Y6
	VADDPS  Y13, Y6, Y6
	VMULPS  Y12, Y1, Y7
	VDIVPS  Y6, Y7, Y7
	VMOVUPS (DI)(AX*1), Y3
	VSUBPS  Y7, Y3, Y3
	VMOVUPS Y3, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  ams_loop
	VZEROUPPER
	RET

// func sgdAVX2(w, grad *float32, n int, lr float32)
TEXT ·sgdAVX2(SB), NOSPLIT, $0-28
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS lr+24(FP), Y10
	SHLQ $2, CX
	XORQ AX, AX
sgd_loop:
	VMULPS  (SI)(AX*1), Y10, Y0
	VMOVUPS (DI)(AX*1), Y1
	VSUBPS  Y0, Y1, Y1
	VMOVUPS Y1, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  sgd_loop
	VZEROUPPER
	RET

// func sgdMomentumAVX2(w, grad, m *float32, n int, mu, lr float32, nesterov int)
TEXT ·sgdMomentumAVX2(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ n+24(FP), CX
	VBROADCASTSS mu+32(FP), Y10
	VBROADCASTSS lr+36(FP), Y11
	MOVQ nesterov+40(FP), DX
	SHLQ $2, CX
	XORQ AX, AX
sgdm_loop:
	VMULPS  (SI)(AX*1), Y11, Y0 // g·lr
	VMULPS  (R8)(AX*1), Y10, Y1 // m·mu
	VSUBPS  Y0, Y1, Y1          // m = m·mu − g·lr
	VMOVUPS Y1, (R8)(AX*1)
	TESTQ DX, DX
	JZ   sgdm_plain
	VMULPS  Y10, Y1, Y1
	VSUBPS  Y0, Y1, Y1          // m·mu − g·lr
sgdm_plain:
	VADDPS  (DI)(AX*1), Y1, Y1
	VMOVUPS Y1, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  sgdm_loop
	VZEROUPPER
	RET

// func rmspropAVX2(w, grad, v, mom *float32, n int, rho, c, eps, lr, mu float32, hasMom int)
TEXT ·rmspropAVX2(SB), NOSPLIT, $0-72
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ v+16(FP), R8
	MOVQ mom+24(FP), R9
	MOVQ n+32(FP), CX
	VBROADCASTSS rho+40(FP), Y10
	VBROADCASTSS c+44(FP), Y11
	VBROADCASTSS eps+48(FP), Y12
	VBROADCASTSS lr+52(FP), Y13
	VBROADCASTSS mu+56(FP), Y14
	MOVQ hasMom+64(FP), DX
	SHLQ $2, CX
	XORQ AX, AX
rms_loop:
	VMOVUPS (SI)(AX*1), Y0
	VMULPS  (R8)(AX*1), Y10, Y1 // rho·v
	VMULPS  Y0, Y0, Y2
	VMULPS  Y11, Y2, Y2         // c·g²
	VADDPS  Y2, Y1, Y1
	VMOVUPS Y1, (R8)(AX*1)
	VADDPS  Y12, Y1, Y1
	VSQRTPS Y1, Y1              // sqrt(v + eps)
	VMULPS  Y13, Y0, Y3         // lr·g
	VDIVPS  Y1, Y3, Y3          // inc
	TESTQ DX, DX
	JZ   rms_plain
	VMULPS  (R9)(AX*1), Y14, Y4
	VADDPS  Y3, Y4, Y3          // mom = mu·mom + inc
	VMOVUPS Y3, (R9)(AX*1)
rms_plain:
	VMOVUPS (DI)(AX*1), Y5
	VSUBPS  Y3, Y5, Y5
	VMOVUPS Y5, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  rms_loop
	VZEROUPPER
	RET

// func decayAVX2(w *float32, n int, wd, lr float32)
TEXT ·decayAVX2(SB), NOSPLIT, $0-24
	MOVQ w+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSS wd+16(FP), Y10
	VBROADCASTSS lr+20(FP), Y11
	SHLQ $2, CX
	XORQ AX, AX
decay_loop:
	VMOVUPS (DI)(AX*1), Y0
	VMULPS  Y10, Y0, Y1
	VMULPS  Y11, Y1, Y1
	VSUBPS  Y1, Y0, Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  decay_loop
	VZEROUPPER
	RET

// func nadamAVX2(w, grad, m, v *float32, n int, k *NadamConsts)
TEXT ·nadamAVX2(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), DX
	VBROADCASTSS 0(DX), Y7   // c1
	VBROADCASTSS 4(DX), Y8   // c2
	VBROADCASTSS 8(DX), Y9   // ut1
	VBROADCASTSS 12(DX), Y10 // d1
	VBROADCASTSS 16(DX), Y11 // k2
	VBROADCASTSS 20(DX), Y12 // d2
	VBROADCASTSS 24(DX), Y13 // d3
	VBROADCASTSS 28(DX), Y14 // lr
	VBROADCASTSS 32(DX), Y15 // eps
	SHLQ $2, CX
	XORQ AX, AX
nadam_loop:
	VMOVUPS (SI)(AX*1), Y0
	VMOVUPS (R8)(AX*1), Y1
	VMOVUPS (R9)(AX*1), Y2
	VSUBPS  Y1, Y0, Y4
	VMULPS  Y7, Y4, Y4
	VADDPS  Y4, Y1, Y1          // m
	VMOVUPS Y1, (R8)(AX*1)
	VMULPS  Y0, Y0, Y5
	VSUBPS  Y2, Y5, Y5
	VMULPS  Y8, Y5, Y5
	VADDPS  Y5, Y2, Y2          // v
	VMOVUPS Y2, (R9)(AX*1)
	VMULPS  Y9, Y1, Y4
	VDIVPS  Y10, Y4, Y4         // (ut1·m)/d1
	VMULPS  Y11, Y0, Y5
	VDIVPS  Y12, Y5, Y5         // (k2·g)/d2
	VADDPS  Y5, Y4, Y4          // m̂
	VDIVPS  Y13, Y2, Y6         // v/d3
	VSQRTPS Y6, Y6
	VADDPS  Y15, Y6, Y6
	VMULPS  Y14, Y4, Y4         // m̂·lr
	VDIVPS  Y6, Y4, Y4
	VMOVUPS (DI)(AX*1), Y3
	VSUBPS  Y4, Y3, Y3
	VMOVUPS Y3, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  nadam_loop
	VZEROUPPER
	RET

// func adamaxAVX2(w, grad, m, u *float32, n int, c1, b2, lr, d, eps float32)
TEXT ·adamaxAVX2(SB), NOSPLIT, $0-60
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ u+24(FP), R9
	MOVQ n+32(FP), CX
	VBROADCASTSS c1+40(FP), Y10
	VBROADCASTSS b2+44(FP), Y11
	VBROADCASTSS lr+48(FP), Y12
	VBROADCASTSS d+52(FP), Y13
	VBROADCASTSS eps+56(FP), Y14
	MOVL $0x7fffffff, DX
	MOVQ DX, X15
	VBROADCASTSS X15, Y15       // abs mask
	SHLQ $2, CX
	XORQ AX, AX
adamax_loop:
	VMOVUPS (SI)(AX*1), Y0
	VMOVUPS (R8)(AX*1), Y1
	VSUBPS  Y1, Y0, Y4
	VMULPS  Y10, Y4, Y4
	VADDPS  Y4, Y1, Y1          // m
	VMOVUPS Y1, (R8)(AX*1)
	VMULPS  (R9)(AX*1), Y11, Y2 // bu = b2·u
	VANDPS  Y15, Y0, Y3         // ag = |g|
	VMAXPS  Y2, Y3, Y4          // ag > bu ? ag : bu
	VCMPPS  $3, Y2, Y2, Y5      // bu is NaN
	VBLENDVPS Y5, Y3, Y4, Y4    // NaN bu: ag
	VMOVUPS Y4, (R9)(AX*1)
	VADDPS  Y14, Y4, Y4
	VMULPS  Y13, Y4, Y4         // d·(u + eps)
	VMULPS  Y12, Y1, Y6         // lr·m
	VDIVPS  Y4, Y6, Y6
	VMOVUPS (DI)(AX*1), Y7
	VSUBPS  Y6, Y7, Y7
	VMOVUPS Y7, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  adamax_loop
	VZEROUPPER
	RET
