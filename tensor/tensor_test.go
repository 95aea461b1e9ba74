package tensor

import (
	"fmt"
	"math"
	"testing"
)

func TestTransposeFlip(t *testing.T) {
	x, _ := FromSlice([]float32{0, 1, 2, 3, 4, 5}, 2, 3)
	y, err := x.Transpose(1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !SameShape(y.Shape(), []int{3, 2}) || fmt.Sprint(y.Data()) != "[0 3 1 4 2 5]" {
		t.Errorf("transpose %v %v", y.Shape(), y.Data())
	}
	f, err := x.Flip(1)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(f.Data()) != "[2 1 0 5 4 3]" {
		t.Errorf("flip %v", f.Data())
	}
	if _, err := x.Transpose(0, 0); err == nil {
		t.Error("accepted a non-permutation")
	}
}

// TestFirstNonFinite puts one NaN, +Inf or −Inf (or none) at every position
// of slices around the block and chain sizes, after an earlier huge finite
// value (whose v−v is still 0), against a plain scan.
func TestFirstNonFinite(t *testing.T) {
	bad := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for _, n := range []int{0, 1, 3, 4, 5, 63, 64, 65, 130} {
		for pos := -1; pos < n; pos++ {
			for k, b := range bad {
				d := make([]float32, n)
				for i := range d {
					d[i] = float32(i%7) - 3
				}
				if n > 0 {
					d[0] = math.MaxFloat32
				}
				want := -1
				if pos >= 0 {
					d[pos] = b
					if n > pos+2 { // a second one later must not win
						d[n-1] = bad[(k+1)%len(bad)]
					}
					want = pos
				}
				if got := FirstNonFinite(d); got != want {
					t.Fatalf("n=%d, %v at %d: got %d, want %d", n, b, pos, got, want)
				}
			}
		}
	}
}
