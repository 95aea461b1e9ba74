package gemm

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// TestParallelForCovers: every index of [0, n) is visited exactly once, in
// ranges of at least minChunk (bar a shorter n), and every helper token is
// returned.
func TestParallelForCovers(t *testing.T) {
	for _, tc := range []struct{ n, min int }{{0, 1}, {1, 1}, {5, 0}, {7, 3}, {100, 1}, {100, 60}, {1001, 10}, {4096, 4096}} {
		t.Run(fmt.Sprintf("n%d/min%d", tc.n, tc.min), func(t *testing.T) {
			seen := make([]atomic.Int32, tc.n)
			ParallelFor(tc.n, tc.min, func(lo, hi int) {
				if lo < 0 || hi > tc.n || lo >= hi {
					t.Errorf("range [%d, %d) of %d", lo, hi, tc.n)
					return
				}
				if hi-lo < tc.min && hi-lo != tc.n {
					t.Errorf("range [%d, %d) shorter than %d", lo, hi, tc.min)
				}
				for i := lo; i < hi; i++ {
					seen[i].Add(1)
				}
			})
			for i := range seen {
				if c := seen[i].Load(); c != 1 {
					t.Fatalf("index %d visited %d times", i, c)
				}
			}
			if len(helpers) != 0 {
				t.Fatalf("%d helper tokens still taken", len(helpers))
			}
		})
	}
}

// TestParallelForBounded: many callers at once never run more ranges at a
// time than callers plus the pool's helpers, and nested products inside a
// range still compute correctly.
func TestParallelForBounded(t *testing.T) {
	const callers = 8
	var active, peak atomic.Int32
	var wg sync.WaitGroup
	for c := 0; c < callers; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < 20; r++ {
				ParallelFor(64, 1, func(lo, hi int) {
					n := active.Add(1)
					for {
						p := peak.Load()
						if n <= p || peak.CompareAndSwap(p, n) {
							break
						}
					}
					a, b, got := []float32{1, 2, 3, 4}, []float32{5, 6, 7, 8}, make([]float32, 4)
					Sgemm(false, false, 2, 2, 2, 1, a, 2, b, 2, 0, got, 2)
					if got[0] != 19 || got[1] != 22 || got[2] != 43 || got[3] != 50 {
						t.Errorf("nested product %v", got)
					}
					active.Add(-1)
				})
			}
		}()
	}
	wg.Wait()
	if p, limit := peak.Load(), int32(callers+cap(helpers)); p > limit {
		t.Fatalf("%d ranges ran at once, limit %d", p, limit)
	}
	if len(helpers) != 0 {
		t.Fatalf("%d helper tokens still taken", len(helpers))
	}
}
