//go:build amd64 && !purego

#include "textflag.h"

// Constants of the AVX2 sigmoid and tanh, each repeated over a 32-byte
// vector (AVX2 has no broadcast memory operands). hi is 88, not 88.38: the
// power of two is built in the exponent bits and must stay ≤ 2^127.
DATA gate2<>+0(SB)/4, $0x80000000 // signmask
DATA gate2<>+4(SB)/4, $0x80000000
DATA gate2<>+8(SB)/4, $0x80000000
DATA gate2<>+12(SB)/4, $0x80000000
DATA gate2<>+16(SB)/4, $0x80000000
DATA gate2<>+20(SB)/4, $0x80000000
DATA gate2<>+24(SB)/4, $0x80000000
DATA gate2<>+28(SB)/4, $0x80000000
DATA gate2<>+32(SB)/4, $0x7fffffff // absmask
DATA gate2<>+36(SB)/4, $0x7fffffff
DATA gate2<>+40(SB)/4, $0x7fffffff
DATA gate2<>+44(SB)/4, $0x7fffffff
DATA gate2<>+48(SB)/4, $0x7fffffff
DATA gate2<>+52(SB)/4, $0x7fffffff
DATA gate2<>+56(SB)/4, $0x7fffffff
DATA gate2<>+60(SB)/4, $0x7fffffff
DATA gate2<>+64(SB)/4, $0x42b00000 // hi
DATA gate2<>+68(SB)/4, $0x42b00000
DATA gate2<>+72(SB)/4, $0x42b00000
DATA gate2<>+76(SB)/4, $0x42b00000
DATA gate2<>+80(SB)/4, $0x42b00000
DATA gate2<>+84(SB)/4, $0x42b00000
DATA gate2<>+88(SB)/4, $0x42b00000
DATA gate2<>+92(SB)/4, $0x42b00000
DATA gate2<>+96(SB)/4, $0xc2aeac50 // lo
DATA gate2<>+100(SB)/4, $0xc2aeac50
DATA gate2<>+104(SB)/4, $0xc2aeac50
DATA gate2<>+108(SB)/4, $0xc2aeac50
DATA gate2<>+112(SB)/4, $0xc2aeac50
DATA gate2<>+116(SB)/4, $0xc2aeac50
DATA gate2<>+120(SB)/4, $0xc2aeac50
DATA gate2<>+124(SB)/4, $0xc2aeac50
DATA gate2<>+128(SB)/4, $0x3fb8aa3b // log2e
DATA gate2<>+132(SB)/4, $0x3fb8aa3b
DATA gate2<>+136(SB)/4, $0x3fb8aa3b
DATA gate2<>+140(SB)/4, $0x3fb8aa3b
DATA gate2<>+144(SB)/4, $0x3fb8aa3b
DATA gate2<>+148(SB)/4, $0x3fb8aa3b
DATA gate2<>+152(SB)/4, $0x3fb8aa3b
DATA gate2<>+156(SB)/4, $0x3fb8aa3b
DATA gate2<>+160(SB)/4, $0x3f318000 // ln2hi
DATA gate2<>+164(SB)/4, $0x3f318000
DATA gate2<>+168(SB)/4, $0x3f318000
DATA gate2<>+172(SB)/4, $0x3f318000
DATA gate2<>+176(SB)/4, $0x3f318000
DATA gate2<>+180(SB)/4, $0x3f318000
DATA gate2<>+184(SB)/4, $0x3f318000
DATA gate2<>+188(SB)/4, $0x3f318000
DATA gate2<>+192(SB)/4, $0xb95e8083 // ln2lo
DATA gate2<>+196(SB)/4, $0xb95e8083
DATA gate2<>+200(SB)/4, $0xb95e8083
DATA gate2<>+204(SB)/4, $0xb95e8083
DATA gate2<>+208(SB)/4, $0xb95e8083
DATA gate2<>+212(SB)/4, $0xb95e8083
DATA gate2<>+216(SB)/4, $0xb95e8083
DATA gate2<>+220(SB)/4, $0xb95e8083
DATA gate2<>+224(SB)/4, $0x39506967 // p0
DATA gate2<>+228(SB)/4, $0x39506967
DATA gate2<>+232(SB)/4, $0x39506967
DATA gate2<>+236(SB)/4, $0x39506967
DATA gate2<>+240(SB)/4, $0x39506967
DATA gate2<>+244(SB)/4, $0x39506967
DATA gate2<>+248(SB)/4, $0x39506967
DATA gate2<>+252(SB)/4, $0x39506967
DATA gate2<>+256(SB)/4, $0x3ab743ce // p1
DATA gate2<>+260(SB)/4, $0x3ab743ce
DATA gate2<>+264(SB)/4, $0x3ab743ce
DATA gate2<>+268(SB)/4, $0x3ab743ce
DATA gate2<>+272(SB)/4, $0x3ab743ce
DATA gate2<>+276(SB)/4, $0x3ab743ce
DATA gate2<>+280(SB)/4, $0x3ab743ce
DATA gate2<>+284(SB)/4, $0x3ab743ce
DATA gate2<>+288(SB)/4, $0x3c088908 // p2
DATA gate2<>+292(SB)/4, $0x3c088908
DATA gate2<>+296(SB)/4, $0x3c088908
DATA gate2<>+300(SB)/4, $0x3c088908
DATA gate2<>+304(SB)/4, $0x3c088908
DATA gate2<>+308(SB)/4, $0x3c088908
DATA gate2<>+312(SB)/4, $0x3c088908
DATA gate2<>+316(SB)/4, $0x3c088908
DATA gate2<>+320(SB)/4, $0x3d2aa9c1 // p3
DATA gate2<>+324(SB)/4, $0x3d2aa9c1
DATA gate2<>+328(SB)/4, $0x3d2aa9c1
DATA gate2<>+332(SB)/4, $0x3d2aa9c1
DATA gate2<>+336(SB)/4, $0x3d2aa9c1
DATA gate2<>+340(SB)/4, $0x3d2aa9c1
DATA gate2<>+344(SB)/4, $0x3d2aa9c1
DATA gate2<>+348(SB)/4, $0x3d2aa9c1
DATA gate2<>+352(SB)/4, $0x3e2aaaaa // p4
DATA gate2<>+356(SB)/4, $0x3e2aaaaa
DATA gate2<>+360(SB)/4, $0x3e2aaaaa
DATA gate2<>+364(SB)/4, $0x3e2aaaaa
DATA gate2<>+368(SB)/4, $0x3e2aaaaa
DATA gate2<>+372(SB)/4, $0x3e2aaaaa
DATA gate2<>+376(SB)/4, $0x3e2aaaaa
DATA gate2<>+380(SB)/4, $0x3e2aaaaa
DATA gate2<>+384(SB)/4, $0x3f000000 // p5
DATA gate2<>+388(SB)/4, $0x3f000000
DATA gate2<>+392(SB)/4, $0x3f000000
DATA gate2<>+396(SB)/4, $0x3f000000
DATA gate2<>+400(SB)/4, $0x3f000000
DATA gate2<>+404(SB)/4, $0x3f000000
DATA gate2<>+408(SB)/4, $0x3f000000
DATA gate2<>+412(SB)/4, $0x3f000000
DATA gate2<>+416(SB)/4, $0x3f800000 // one
DATA gate2<>+420(SB)/4, $0x3f800000
DATA gate2<>+424(SB)/4, $0x3f800000
DATA gate2<>+428(SB)/4, $0x3f800000
DATA gate2<>+432(SB)/4, $0x3f800000
DATA gate2<>+436(SB)/4, $0x3f800000
DATA gate2<>+440(SB)/4, $0x3f800000
DATA gate2<>+444(SB)/4, $0x3f800000
DATA gate2<>+448(SB)/4, $0x40000000 // two
DATA gate2<>+452(SB)/4, $0x40000000
DATA gate2<>+456(SB)/4, $0x40000000
DATA gate2<>+460(SB)/4, $0x40000000
DATA gate2<>+464(SB)/4, $0x40000000
DATA gate2<>+468(SB)/4, $0x40000000
DATA gate2<>+472(SB)/4, $0x40000000
DATA gate2<>+476(SB)/4, $0x40000000
DATA gate2<>+480(SB)/4, $0x3f200000 // edge
DATA gate2<>+484(SB)/4, $0x3f200000
DATA gate2<>+488(SB)/4, $0x3f200000
DATA gate2<>+492(SB)/4, $0x3f200000
DATA gate2<>+496(SB)/4, $0x3f200000
DATA gate2<>+500(SB)/4, $0x3f200000
DATA gate2<>+504(SB)/4, $0x3f200000
DATA gate2<>+508(SB)/4, $0x3f200000
DATA gate2<>+512(SB)/4, $0x41100000 // nine
DATA gate2<>+516(SB)/4, $0x41100000
DATA gate2<>+520(SB)/4, $0x41100000
DATA gate2<>+524(SB)/4, $0x41100000
DATA gate2<>+528(SB)/4, $0x41100000
DATA gate2<>+532(SB)/4, $0x41100000
DATA gate2<>+536(SB)/4, $0x41100000
DATA gate2<>+540(SB)/4, $0x41100000
DATA gate2<>+544(SB)/4, $0xbbbaf0ea // t0
DATA gate2<>+548(SB)/4, $0xbbbaf0ea
DATA gate2<>+552(SB)/4, $0xbbbaf0ea
DATA gate2<>+556(SB)/4, $0xbbbaf0ea
DATA gate2<>+560(SB)/4, $0xbbbaf0ea
DATA gate2<>+564(SB)/4, $0xbbbaf0ea
DATA gate2<>+568(SB)/4, $0xbbbaf0ea
DATA gate2<>+572(SB)/4, $0xbbbaf0ea
DATA gate2<>+576(SB)/4, $0x3ca9134e // t1
DATA gate2<>+580(SB)/4, $0x3ca9134e
DATA gate2<>+584(SB)/4, $0x3ca9134e
DATA gate2<>+588(SB)/4, $0x3ca9134e
DATA gate2<>+592(SB)/4, $0x3ca9134e
DATA gate2<>+596(SB)/4, $0x3ca9134e
DATA gate2<>+600(SB)/4, $0x3ca9134e
DATA gate2<>+604(SB)/4, $0x3ca9134e
DATA gate2<>+608(SB)/4, $0xbd5c1e2d // t2
DATA gate2<>+612(SB)/4, $0xbd5c1e2d
DATA gate2<>+616(SB)/4, $0xbd5c1e2d
DATA gate2<>+620(SB)/4, $0xbd5c1e2d
DATA gate2<>+624(SB)/4, $0xbd5c1e2d
DATA gate2<>+628(SB)/4, $0xbd5c1e2d
DATA gate2<>+632(SB)/4, $0xbd5c1e2d
DATA gate2<>+636(SB)/4, $0xbd5c1e2d
DATA gate2<>+640(SB)/4, $0x3e088393 // t3
DATA gate2<>+644(SB)/4, $0x3e088393
DATA gate2<>+648(SB)/4, $0x3e088393
DATA gate2<>+652(SB)/4, $0x3e088393
DATA gate2<>+656(SB)/4, $0x3e088393
DATA gate2<>+660(SB)/4, $0x3e088393
DATA gate2<>+664(SB)/4, $0x3e088393
DATA gate2<>+668(SB)/4, $0x3e088393
DATA gate2<>+672(SB)/4, $0xbeaaaa99 // t4
DATA gate2<>+676(SB)/4, $0xbeaaaa99
DATA gate2<>+680(SB)/4, $0xbeaaaa99
DATA gate2<>+684(SB)/4, $0xbeaaaa99
DATA gate2<>+688(SB)/4, $0xbeaaaa99
DATA gate2<>+692(SB)/4, $0xbeaaaa99
DATA gate2<>+696(SB)/4, $0xbeaaaa99
DATA gate2<>+700(SB)/4, $0xbeaaaa99
DATA gate2<>+704(SB)/4, $0x3f800000 // onebits
DATA gate2<>+708(SB)/4, $0x3f800000
DATA gate2<>+712(SB)/4, $0x3f800000
DATA gate2<>+716(SB)/4, $0x3f800000
DATA gate2<>+720(SB)/4, $0x3f800000
DATA gate2<>+724(SB)/4, $0x3f800000
DATA gate2<>+728(SB)/4, $0x3f800000
DATA gate2<>+732(SB)/4, $0x3f800000
GLOBL gate2<>(SB), RODATA|NOPTR, $736

// func sigmoidAVX2(y, x []float32) int: y[i] = 1/(1+e^−x[i]) for the first len(x)&^7
// elements, 8 lanes at a time; returns how many it did (the caller
// finishes the tail).
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-56
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ANDQ $-8, CX
	MOVQ CX, ret+48(FP)
sigmoidAVX2_loop:
	TESTQ CX, CX
	JZ sigmoidAVX2_done
	VMOVUPS (SI), Y0
	VXORPS gate2<>+0(SB), Y0, Y2
	VMOVUPS gate2<>+64(SB), Y6
	VMINPS Y2, Y6, Y2
	VMOVUPS gate2<>+96(SB), Y6
	VMAXPS Y2, Y6, Y2
	VMULPS gate2<>+128(SB), Y2, Y4
	VROUNDPS $0, Y4, Y4
	VMOVAPS Y2, Y5
	VFNMADD231PS gate2<>+160(SB), Y4, Y5
	VFNMADD231PS gate2<>+192(SB), Y4, Y5
	VMULPS Y5, Y5, Y6
	VMOVUPS gate2<>+224(SB), Y3
	VFMADD213PS gate2<>+256(SB), Y5, Y3
	VFMADD213PS gate2<>+288(SB), Y5, Y3
	VFMADD213PS gate2<>+320(SB), Y5, Y3
	VFMADD213PS gate2<>+352(SB), Y5, Y3
	VFMADD213PS gate2<>+384(SB), Y5, Y3
	VFMADD213PS Y5, Y6, Y3
	VADDPS gate2<>+416(SB), Y3, Y3
	VCVTPS2DQ Y4, Y7
	VPSLLD $23, Y7, Y7
	VPADDD gate2<>+704(SB), Y7, Y7
	VMULPS Y7, Y3, Y3
	VADDPS gate2<>+416(SB), Y3, Y3
	VMOVUPS gate2<>+416(SB), Y6
	VDIVPS Y3, Y6, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP sigmoidAVX2_loop
sigmoidAVX2_done:
	VZEROUPPER
	RET

// func tanhAVX2(y, x []float32) int: y[i] = tanh(x[i]) for the first len(x)&^7
// elements, 8 lanes at a time; returns how many it did (the caller
// finishes the tail).
TEXT ·tanhAVX2(SB), NOSPLIT, $0-56
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	ANDQ $-8, CX
	MOVQ CX, ret+48(FP)
tanhAVX2_loop:
	TESTQ CX, CX
	JZ tanhAVX2_done
	VMOVUPS (SI), Y0
	VANDPS gate2<>+32(SB), Y0, Y2
	VMOVUPS gate2<>+512(SB), Y6
	VMINPS Y2, Y6, Y3
	VADDPS Y3, Y3, Y3
	VMULPS gate2<>+128(SB), Y3, Y5
	VROUNDPS $0, Y5, Y5
	VMOVAPS Y3, Y6
	VFNMADD231PS gate2<>+160(SB), Y5, Y6
	VFNMADD231PS gate2<>+192(SB), Y5, Y6
	VMULPS Y6, Y6, Y7
	VMOVUPS gate2<>+224(SB), Y4
	VFMADD213PS gate2<>+256(SB), Y6, Y4
	VFMADD213PS gate2<>+288(SB), Y6, Y4
	VFMADD213PS gate2<>+320(SB), Y6, Y4
	VFMADD213PS gate2<>+352(SB), Y6, Y4
	VFMADD213PS gate2<>+384(SB), Y6, Y4
	VFMADD213PS Y6, Y7, Y4
	VADDPS gate2<>+416(SB), Y4, Y4
	VCVTPS2DQ Y5, Y8
	VPSLLD $23, Y8, Y8
	VPADDD gate2<>+704(SB), Y8, Y8
	VMULPS Y8, Y4, Y4
	VADDPS gate2<>+416(SB), Y4, Y4
	VMOVUPS gate2<>+448(SB), Y5
	VDIVPS Y4, Y5, Y4
	VMOVUPS gate2<>+416(SB), Y5
	VSUBPS Y4, Y5, Y4
	VANDPS gate2<>+0(SB), Y0, Y5
	VORPS Y5, Y4, Y4
	VMULPS Y0, Y0, Y5
	VMOVUPS gate2<>+544(SB), Y6
	VFMADD213PS gate2<>+576(SB), Y5, Y6
	VFMADD213PS gate2<>+608(SB), Y5, Y6
	VFMADD213PS gate2<>+640(SB), Y5, Y6
	VFMADD213PS gate2<>+672(SB), Y5, Y6
	VMULPS Y5, Y6, Y6
	VFMADD213PS Y0, Y0, Y6
	VCMPPS $1, gate2<>+480(SB), Y2, Y7
	VBLENDVPS Y7, Y6, Y4, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP tanhAVX2_loop
tanhAVX2_done:
	VZEROUPPER
	RET
