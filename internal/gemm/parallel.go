package gemm

import (
	"runtime"
	"sync"
)

// parallelMin is the m·n·k below which a product runs on the calling
// goroutine: smaller products finish in tens of microseconds, where handing
// work to another goroutine costs more than it saves.
const parallelMin = 1 << 19

// helpers bounds the goroutines that help with products, process-wide: a
// product takes a token per helper it starts and returns it when the helper
// ends, and it computes its own share itself. However many products run at
// once (concurrent serve requests), at most NumCPU-1 helpers run beside them.
var helpers = make(chan struct{}, max(runtime.NumCPU()-1, 0))

// partsFor is how many goroutines product p should be split across.
func partsFor(p *problem) int {
	work := p.m * p.n * p.k
	if work < parallelMin {
		return 1
	}
	return min(runtime.GOMAXPROCS(0), work/(parallelMin/2))
}

// parallel splits the product into at most parts rectangles of C, computed
// by the calling goroutine and the helpers it can get without waiting.
func (kn *kernel) parallel(p problem, parts int) {
	got := acquire(parts - 1)
	parts = got + 1
	splitM := ceilDiv(p.m, kn.mr) > ceilDiv(p.n, kn.nr)
	unit, total := kn.nr, p.n
	if splitM {
		unit, total = kn.mr, p.m
	}
	chunk := ceilDiv(ceilDiv(total, unit), parts) * unit
	var wg sync.WaitGroup
	for lo := chunk; lo < total; lo += chunk {
		hi := min(lo+chunk, total)
		wg.Add(1)
		go func() {
			defer wg.Done()
			kn.part(&p, splitM, lo, hi)
		}()
	}
	kn.part(&p, splitM, 0, min(chunk, total))
	wg.Wait()
	for range got {
		<-helpers
	}
}

// part computes rows (splitM) or columns [lo, hi) of C.
func (kn *kernel) part(p *problem, splitM bool, lo, hi int) {
	if splitM {
		kn.serial(p, lo, hi, 0, p.n)
	} else {
		kn.serial(p, 0, p.m, lo, hi)
	}
}

// acquire takes up to n helper tokens without blocking and says how many.
func acquire(n int) int {
	for got := 0; got < n; got++ {
		select {
		case helpers <- struct{}{}:
		default:
			return got
		}
	}
	return n
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// ParallelFor calls fn(lo, hi) on consecutive ranges that together cover
// [0, n), each at least minChunk long (except when n is shorter), and
// returns when every call has returned. The calling goroutine runs the first
// range itself; the others run on helpers drawn from the same process-wide
// pool as Sgemm's, taken only when free (never waited for), so however many
// callers run at once no more than NumCPU-1 helpers run beside them. A
// product computed inside fn finds the tokens taken and runs serially.
// Ranges run concurrently: fn must only write data its range owns.
func ParallelFor(n, minChunk int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	parts := min(runtime.GOMAXPROCS(0), n/max(minChunk, 1))
	if parts <= 1 {
		fn(0, n)
		return
	}
	got := acquire(parts - 1)
	if got == 0 {
		fn(0, n)
		return
	}
	chunk := ceilDiv(n, got+1)
	var wg sync.WaitGroup
	for lo := chunk; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	fn(0, min(chunk, n))
	wg.Wait()
	for range got {
		<-helpers
	}
}

// Splits reports whether ParallelFor(n, minChunk, ·) could split [0, n)
// across goroutines at all; when it cannot, a caller can run its range
// directly and skip building a closure (which escapes to the heap).
func Splits(n, minChunk int) bool {
	return runtime.GOMAXPROCS(0) > 1 && n/max(minChunk, 1) > 1
}
