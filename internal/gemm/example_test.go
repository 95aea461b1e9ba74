package gemm_test

import (
	"fmt"

	"github.com/kerago/kerago/internal/gemm"
)

// C = A·Bᵀ + C for A 2×3 and B stored 2×3 (so op(B) is 3×2).
func ExampleSgemm() {
	a := []float32{1, 2, 3, 4, 5, 6}
	b := []float32{1, 0, 1, 0, 1, 0}
	c := []float32{10, 20, 30, 40}
	gemm.Sgemm(false, true, 2, 2, 3, 1, a, 3, b, 3, 1, c, 2)
	fmt.Println(c)
	// Output: [14 22 40 45]
}
