package gemm

import "runtime"

// kernel is one micro-kernel with the blocking it runs under: the product is
// cut into mc×kc blocks of A (packed into micro-panels of mr rows), kc×nc
// blocks of B (packed into micro-panels of nr columns), and the micro-kernel
// computes one mr×nr tile of C per call.
type kernel struct {
	name       string
	mr, nr     int
	mc, kc, nc int
	// micro computes the mr×nr tile c (row stride ldc) from k steps of the
	// packed panels a (mr floats a step) and b (nr floats a step): c = a·b,
	// or c += a·b when acc.
	micro func(k int, a, b, c []float32, ldc int, acc bool)
	// free holds packing buffers between products: a bounded free list
	// rather than a sync.Pool, which the garbage collector empties, so that
	// steady-state products allocate nothing and memory stays bounded.
	free chan *scratch
}

// newKernel returns a kernel with its free list of packing buffers.
func newKernel(name string, mr, nr, mc, kc, nc int, micro func(k int, a, b, c []float32, ldc int, acc bool)) *kernel {
	return &kernel{name: name, mr: mr, nr: nr, mc: mc, kc: kc, nc: nc, micro: micro,
		free: make(chan *scratch, runtime.NumCPU()+1)}
}

// scratch is one goroutine's packing buffers.
type scratch struct {
	a, b, tile []float32
}

// getScratch returns packing buffers large enough for this product.
func (kn *kernel) getScratch(p *problem) *scratch {
	var s *scratch
	select {
	case s = <-kn.free:
	default:
		s = new(scratch)
	}
	kc := min(kn.kc, p.k)
	s.a = grow(s.a, roundUp(min(kn.mc, p.m), kn.mr)*kc)
	s.b = grow(s.b, roundUp(min(kn.nc, p.n), kn.nr)*kc)
	s.tile = grow(s.tile, kn.mr*kn.nr)
	return s
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func roundUp(x, to int) int { return (x + to - 1) / to * to }

// serial computes rows [m0, m1) and columns [n0, n1) of C on the calling
// goroutine.
func (kn *kernel) serial(p *problem, m0, m1, n0, n1 int) {
	s := kn.getScratch(p)
	if p.beta != 0 && p.beta != 1 {
		scaleC(p, m0, m1, n0, n1)
	}
	for ic := m0; ic < m1; ic += kn.mc {
		mc := min(kn.mc, m1-ic)
		for pc := 0; pc < p.k; pc += kn.kc {
			kc := min(kn.kc, p.k-pc)
			packA(p, s.a, kn.mr, ic, mc, pc, kc)
			acc := pc > 0 || p.beta != 0
			for jc := n0; jc < n1; jc += kn.nc {
				nc := min(kn.nc, n1-jc)
				packB(p, s.b, kn.nr, jc, nc, pc, kc)
				kn.macro(p, s, ic, mc, jc, nc, kc, acc)
			}
		}
	}
	select {
	case kn.free <- s:
	default: // the list is full: let the collector have these buffers
	}
}

// macro runs the micro-kernel over one packed mc×kc block of A and kc×nc
// block of B, updating C[ic:ic+mc, jc:jc+nc]. The A micro-panel stays in L1
// while the B micro-panels stream from L2.
func (kn *kernel) macro(p *problem, s *scratch, ic, mc, jc, nc, kc int, acc bool) {
	mr, nr := kn.mr, kn.nr
	for ir := 0; ir < mc; ir += mr {
		mrE := min(mr, mc-ir)
		ap := s.a[ir*kc : (ir+mr)*kc]
		for jr := 0; jr < nc; jr += nr {
			nrE := min(nr, nc-jr)
			bp := s.b[jr*kc : (jr+nr)*kc]
			ci := (ic+ir)*p.ldc + jc + jr
			if mrE == mr && nrE == nr {
				kn.micro(kc, ap, bp, p.c[ci:], p.ldc, acc)
				continue
			}
			kn.micro(kc, ap, bp, s.tile, nr, false)
			edge(p.c[ci:], p.ldc, s.tile, nr, mrE, nrE, acc)
		}
	}
}

// edge stores (or adds, when acc) the top-left rows×cols of tile into c.
func edge(c []float32, ldc int, tile []float32, nr, rows, cols int, acc bool) {
	for i := 0; i < rows; i++ {
		dst := c[i*ldc : i*ldc+cols]
		src := tile[i*nr : i*nr+cols]
		if !acc {
			copy(dst, src)
			continue
		}
		for j, v := range src {
			dst[j] += v
		}
	}
}
