package kernels

import (
	"errors"
	"fmt"
	"math"
)

// SqueezeOrExpand is Keras's squeeze_or_expand_to_same_rank on shapes: when
// the ranks differ by one and the longer shape ends in 1, that 1 is dropped,
// except that a rank-1 partner is expanded with a trailing 1 instead.
func SqueezeOrExpand(a, b []int) ([]int, []int) {
	ra, rb := len(a), len(b)
	if ra == rb {
		return a, b
	}
	if ra == rb+1 && a[ra-1] == 1 {
		if rb == 1 {
			b = append(append([]int(nil), b...), 1)
		} else {
			a = a[:ra-1]
		}
	}
	if rb == ra+1 && b[rb-1] == 1 {
		if ra == 1 {
			a = append(append([]int(nil), a...), 1)
		} else {
			b = b[:rb-1]
		}
	}
	return a, b
}

// MaxBroadcastElements bounds the size of a broadcast result (1<<31;
// math.MaxInt on 32-bit platforms).
const MaxBroadcastElements = min(1<<31, math.MaxInt)

// Broadcast returns numpy's broadcast shape of a and b and, for every
// element of it in row-major order, the flat index into a and into b.
func Broadcast(a, b []int) (shape, idxA, idxB []int, err error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	pa, pb := padShape(a, n), padShape(b, n)
	total := 1
	for i := range n {
		switch {
		case pa[i] == pb[i]:
			out[i] = pa[i]
		case pa[i] == 1:
			out[i] = pb[i]
		case pb[i] == 1:
			out[i] = pa[i]
		default:
			return nil, nil, nil, fmt.Errorf("shapes %v and %v do not broadcast", a, b)
		}
		if out[i] < 0 {
			return nil, nil, nil, errors.New("negative dimension")
		}
		if out[i] != 0 && total > MaxBroadcastElements/out[i] {
			return nil, nil, nil, fmt.Errorf("broadcast of %v and %v is too large", a, b)
		}
		total *= out[i]
	}
	sa, sb := bcastStrides(pa), bcastStrides(pb)
	idxA, idxB = make([]int, total), make([]int, total)
	idx := make([]int, n)
	for k := range total {
		fa, fb := 0, 0
		for d := range n {
			fa += idx[d] * sa[d]
			fb += idx[d] * sb[d]
		}
		idxA[k], idxB[k] = fa, fb
		for d := n - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < out[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out, idxA, idxB, nil
}

func padShape(s []int, n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = 1
	}
	copy(p[n-len(s):], s)
	return p
}

func bcastStrides(s []int) []int {
	st := make([]int, len(s))
	acc := 1
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] != 1 {
			st[i] = acc
		}
		acc *= s[i]
	}
	return st
}
