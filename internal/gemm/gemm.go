// Package gemm is kerago's single-precision matrix product (SGEMM): a packed,
// cache-blocked product in the style of BLIS/GotoBLAS whose inner loop is a
// register-tiled micro-kernel. On amd64 the micro-kernels are Go assembly for
// AVX-512 (14×32 tiles) and AVX2+FMA (6×16 tiles), chosen at run time from the
// CPU's features (golang.org/x/sys/cpu); on arm64 it is Go assembly for NEON
// (8×12 tiles; Advanced SIMD is architectural there). Everywhere else, with
// -tags purego, and whenever the CPU lacks those features, a portable Go
// micro-kernel runs the same blocked algorithm. Transposed operands are read
// in place: packing reads them in whichever order they are stored, so no
// transposed copy is ever made.
//
// Large products are split across goroutines drawn from one process-wide
// bounded pool (at most GOMAXPROCS-wide, never more helpers than CPUs however
// many products run at once); small products run on the calling goroutine
// without allocating (packing buffers are reused from a bounded free list).
package gemm

import "fmt"

// Sgemm computes C = alpha·op(A)·op(B) + beta·C, where op(X) is X or its
// transpose, op(A) is m×k, op(B) is k×n and C is m×n, all row-major: element
// (i, j) of C is c[i*ldc+j]; A is stored m×k with row stride lda (k×m when
// transA); B is stored k×n with row stride ldb (n×k when transB). As in BLAS,
// beta == 0 overwrites C without reading it (NaNs in C do not propagate).
// Sgemm panics when a dimension is negative, a stride is too small or a slice
// is too short: these are programming errors of the caller.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	p := problem{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
		a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc}
	if err := p.check(); err != nil {
		panic(err)
	}
	best.run(p)
}

// Kernel names the micro-kernel Sgemm uses on this machine ("avx512",
// "avx2", "neon" or "go"), for logs and benchmark reports.
func Kernel() string { return best.name }

// problem is one call's operands.
type problem struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
}

// check validates dimensions, strides and slice lengths.
func (p *problem) check() error {
	if p.m < 0 || p.n < 0 || p.k < 0 {
		return fmt.Errorf("gemm: negative dimension m=%d n=%d k=%d", p.m, p.n, p.k)
	}
	ar, ac := p.m, p.k
	if p.transA {
		ar, ac = p.k, p.m
	}
	br, bc := p.k, p.n
	if p.transB {
		br, bc = p.n, p.k
	}
	if err := checkMat("A", p.a, ar, ac, p.lda); err != nil {
		return err
	}
	if err := checkMat("B", p.b, br, bc, p.ldb); err != nil {
		return err
	}
	return checkMat("C", p.c, p.m, p.n, p.ldc)
}

// checkMat checks that s holds a rows×cols matrix with row stride ld.
func checkMat(name string, s []float32, rows, cols, ld int) error {
	if ld < max(cols, 1) {
		return fmt.Errorf("gemm: %s has %d columns but row stride %d", name, cols, ld)
	}
	if rows > 0 && cols > 0 && len(s) < (rows-1)*ld+cols {
		return fmt.Errorf("gemm: %s is %d×%d with stride %d but has only %d elements", name, rows, cols, ld, len(s))
	}
	return nil
}

// run computes the product with kernel kn, in parallel when it is large.
func (kn *kernel) run(p problem) {
	if p.m == 0 || p.n == 0 {
		return
	}
	if p.k == 0 || p.alpha == 0 {
		scaleC(&p, 0, p.m, 0, p.n)
		return
	}
	if parts := partsFor(&p); parts > 1 {
		kn.parallel(p, parts)
		return
	}
	kn.serial(&p, 0, p.m, 0, p.n)
}

// scaleC sets C = beta·C on rows [m0, m1) and columns [n0, n1).
func scaleC(p *problem, m0, m1, n0, n1 int) {
	for i := m0; i < m1; i++ {
		row := p.c[i*p.ldc+n0 : i*p.ldc+n1]
		if p.beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= p.beta
		}
	}
}
