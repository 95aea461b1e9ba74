package gemm

import "fmt"

// PackedB is a right operand op(B) (k×n) packed once into the micro-panels
// the product kernels read, for many products with the same B: a recurrent
// layer multiplies every time step by the same weights, and packing them
// again for each step would cost as much as the step's arithmetic. It holds
// a view of the caller's buffer (see PackedBSize) and is only valid for the
// kernel that packed it (PackB uses the fastest, like Sgemm).
type PackedB struct {
	kn   *kernel
	k, n int
	data []float32
}

// PackedBSize returns the length of the buffer PackB needs for a k×n op(B).
func PackedBSize(k, n int) int { return best.packedBSize(k, n) }

func (kn *kernel) packedBSize(k, n int) int {
	size := 0
	for pc := 0; pc < k; pc += kn.kc {
		kc := min(kn.kc, k-pc)
		for jc := 0; jc < n; jc += kn.nc {
			size += roundUp(min(kn.nc, n-jc), kn.nr) * kc
		}
	}
	return size
}

// PackB packs op(B) (B stored k×n with row stride ldb, or n×k when transB)
// into buf (at least PackedBSize(k, n) floats) and returns it as a
// PackedB. It does not allocate. It panics on bad dimensions, as Sgemm.
func PackB(transB bool, k, n int, b []float32, ldb int, buf []float32) PackedB {
	return best.packB(transB, k, n, b, ldb, buf)
}

func (kn *kernel) packB(transB bool, k, n int, b []float32, ldb int, buf []float32) PackedB {
	p := problem{transB: transB, k: k, n: n, b: b, ldb: ldb}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if k < 0 || n < 0 {
		panic(fmt.Errorf("gemm: negative dimension n=%d k=%d", n, k))
	}
	if err := checkMat("B", b, br, bc, ldb); err != nil {
		panic(err)
	}
	size := kn.packedBSize(k, n)
	if len(buf) < size {
		panic(fmt.Errorf("gemm: packing buffer of %d floats, want %d", len(buf), size))
	}
	off := 0
	for pc := 0; pc < k; pc += kn.kc {
		kc := min(kn.kc, k-pc)
		for jc := 0; jc < n; jc += kn.nc {
			nc := min(kn.nc, n-jc)
			w := roundUp(nc, kn.nr) * kc
			packB(&p, buf[off:off+w], kn.nr, jc, nc, pc, kc)
			off += w
		}
	}
	return PackedB{kn: kn, k: k, n: n, data: buf[:size]}
}

// SgemmPackedB computes C = alpha·op(A)·op(B) + beta·C as Sgemm does, with
// op(B) already packed; op(A) is m×k for the k of the packed operand. It
// runs on the calling goroutine and does not allocate in the steady state.
func SgemmPackedB(transA bool, m int, alpha float32, a []float32, lda int, pb PackedB, beta float32, c []float32, ldc int) {
	p := problem{transA: transA, m: m, n: pb.n, k: pb.k, alpha: alpha, a: a, lda: lda, beta: beta, c: c, ldc: ldc}
	ar, ac := m, pb.k
	if transA {
		ar, ac = pb.k, m
	}
	if pb.kn == nil && (pb.k > 0 && pb.n > 0) {
		panic(fmt.Errorf("gemm: SgemmPackedB with an operand PackB did not return"))
	}
	if m < 0 {
		panic(fmt.Errorf("gemm: negative dimension m=%d", m))
	}
	if err := checkMat("A", a, ar, ac, lda); err != nil {
		panic(err)
	}
	if err := checkMat("C", c, m, pb.n, ldc); err != nil {
		panic(err)
	}
	if m == 0 || pb.n == 0 {
		return
	}
	if pb.k == 0 || alpha == 0 {
		scaleC(&p, 0, m, 0, pb.n)
		return
	}
	pb.kn.serialPacked(&p, pb.data)
}

// serialPacked is serial over the whole product with B's blocks taken from
// packed (in PackB's order) instead of packed here.
func (kn *kernel) serialPacked(p *problem, packed []float32) {
	s := kn.getScratch(p)
	if p.beta != 0 && p.beta != 1 {
		scaleC(p, 0, p.m, 0, p.n)
	}
	bs := s.b
	for ic := 0; ic < p.m; ic += kn.mc {
		mc := min(kn.mc, p.m-ic)
		off := 0
		for pc := 0; pc < p.k; pc += kn.kc {
			kc := min(kn.kc, p.k-pc)
			packA(p, s.a, kn.mr, ic, mc, pc, kc)
			acc := pc > 0 || p.beta != 0
			for jc := 0; jc < p.n; jc += kn.nc {
				nc := min(kn.nc, p.n-jc)
				w := roundUp(nc, kn.nr) * kc
				s.b = packed[off : off+w]
				kn.macro(p, s, ic, mc, jc, nc, kc, acc)
				off += w
			}
		}
	}
	s.b = bs
	select {
	case kn.free <- s:
	default:
	}
}
