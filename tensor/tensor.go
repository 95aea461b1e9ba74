// Package tensor holds kerago's array type: a shape and row-major float32 data,
// the dtype Keras computes in by default.
//
// A Tensor converts to and from [][]float32, gonum matrices and .npy files; the
// conversions share memory where the layouts allow it (FromSlice, Data, Dense).
package tensor

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/kerago/kerago/internal/elementwise"
)

// MaxElements bounds the number of elements a Tensor may hold (1<<31, 8 GiB of
// float32; math.MaxInt on 32-bit platforms). Readers use it so that a corrupt
// header cannot make us allocate without bound.
const MaxElements = min(1<<31, math.MaxInt)

// Tensor is an n-dimensional float32 array in row-major (C) order.
// The zero value is an empty tensor of shape [].
type Tensor struct {
	shape []int
	data  []float32
}

// ErrShape reports an impossible shape or a shape that does not match the data.
var ErrShape = errors.New("tensor: bad shape")

// NumElements returns the product of shape, or an error when a dimension is
// negative or the product exceeds MaxElements.
func NumElements(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("%w: negative dimension in %v", ErrShape, slices.Clone(shape)) // a copy: shape does not escape
		}
		if d != 0 && n > MaxElements/d {
			return 0, fmt.Errorf("%w: %v has more than %d elements", ErrShape, slices.Clone(shape), MaxElements)
		}
		n *= d
	}
	return n, nil
}

// New returns a zero-filled tensor of the given shape.
func New(shape ...int) (*Tensor, error) {
	n, err := NumElements(shape)
	if err != nil {
		return nil, err
	}
	return &Tensor{shape: append([]int(nil), shape...), data: make([]float32, n)}, nil
}

// Zeros is New for shapes known to be valid; it panics on a bad shape.
func Zeros(shape ...int) *Tensor {
	t, err := New(shape...)
	if err != nil {
		panic(err)
	}
	return t
}

// FromSlice wraps data (not copied) as a tensor of the given shape.
func FromSlice(data []float32, shape ...int) (*Tensor, error) {
	n, err := NumElements(shape)
	if err != nil {
		return nil, err
	}
	if n != len(data) {
		// a copy in the message, so that shape does not escape (callers'
		// shape arguments stay on their stacks)
		return nil, fmt.Errorf("%w: shape %v needs %d elements, have %d", ErrShape, slices.Clone(shape), n, len(data))
	}
	return &Tensor{shape: append([]int(nil), shape...), data: data}, nil
}

// FromFloat64 converts float64 data to a float32 tensor of the given shape.
func FromFloat64(data []float64, shape ...int) (*Tensor, error) {
	f := make([]float32, len(data))
	for i, v := range data {
		f[i] = float32(v)
	}
	return FromSlice(f, shape...)
}

// FromRows copies a rectangular [][]float32 into a 2-D tensor of shape
// [len(rows), len(rows[0])].
func FromRows(rows [][]float32) (*Tensor, error) {
	if len(rows) == 0 {
		return &Tensor{shape: []int{0, 0}}, nil
	}
	cols := len(rows[0])
	t, err := New(len(rows), cols)
	if err != nil {
		return nil, err
	}
	for i, r := range rows {
		if len(r) != cols {
			return nil, fmt.Errorf("%w: row %d has %d values, row 0 has %d", ErrShape, i, len(r), cols)
		}
		copy(t.data[i*cols:], r)
	}
	return t, nil
}

// Shape returns the tensor's shape. The caller must not modify it.
func (t *Tensor) Shape() []int { return t.shape }

// Rank returns len(Shape()).
func (t *Tensor) Rank() int { return len(t.shape) }

// Dim returns dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.shape)
	}
	return t.shape[i]
}

// Len returns the number of elements.
func (t *Tensor) Len() int { return len(t.data) }

// Data returns the underlying row-major data (shared, not copied).
func (t *Tensor) Data() []float32 { return t.data }

// Float64 returns a float64 copy of the data.
func (t *Tensor) Float64() []float64 {
	out := make([]float64, len(t.data))
	for i, v := range t.data {
		out[i] = float64(v)
	}
	return out
}

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{shape: append([]int(nil), t.shape...), data: append([]float32(nil), t.data...)}
}

// Reshape returns a tensor sharing t's data with a new shape of the same size.
// One dimension may be -1 and is inferred.
func (t *Tensor) Reshape(shape ...int) (*Tensor, error) {
	shape = append([]int(nil), shape...)
	infer := -1
	n := 1
	for i, d := range shape {
		if d == -1 {
			if infer >= 0 {
				return nil, fmt.Errorf("%w: more than one -1 in %v", ErrShape, shape)
			}
			infer = i
			continue
		}
		if d < 0 {
			return nil, fmt.Errorf("%w: negative dimension in %v", ErrShape, shape)
		}
		n *= d
	}
	if infer >= 0 {
		if n == 0 || len(t.data)%n != 0 {
			return nil, fmt.Errorf("%w: cannot reshape %v to %v", ErrShape, t.shape, shape)
		}
		shape[infer] = len(t.data) / n
		n = len(t.data)
	}
	if n != len(t.data) {
		return nil, fmt.Errorf("%w: cannot reshape %v (%d elements) to %v", ErrShape, t.shape, len(t.data), shape)
	}
	return &Tensor{shape: shape, data: t.data}, nil
}

// Rows returns the 2-D tensor as [][]float32; each row aliases t's data.
func (t *Tensor) Rows() ([][]float32, error) {
	if len(t.shape) != 2 {
		return nil, fmt.Errorf("%w: Rows needs rank 2, have %v", ErrShape, t.shape)
	}
	r, c := t.shape[0], t.shape[1]
	out := make([][]float32, r)
	for i := range out {
		out[i] = t.data[i*c : (i+1)*c : (i+1)*c]
	}
	return out, nil
}

// SliceRows returns rows [from, to) along axis 0, sharing data.
func (t *Tensor) SliceRows(from, to int) (*Tensor, error) {
	if len(t.shape) == 0 || from < 0 || to > t.shape[0] || from > to {
		return nil, fmt.Errorf("%w: rows [%d:%d) of %v", ErrShape, from, to, t.shape)
	}
	per := 1
	for _, d := range t.shape[1:] {
		per *= d
	}
	shape := append([]int{to - from}, t.shape[1:]...)
	return &Tensor{shape: shape, data: t.data[from*per : to*per : to*per]}, nil
}

// Gather returns a new tensor made of the given rows along axis 0, in order.
func (t *Tensor) Gather(rows []int) (*Tensor, error) {
	if len(t.shape) == 0 {
		return nil, fmt.Errorf("%w: Gather on a scalar", ErrShape)
	}
	per := 1
	for _, d := range t.shape[1:] {
		per *= d
	}
	out := make([]float32, len(rows)*per)
	for i, r := range rows {
		if r < 0 || r >= t.shape[0] {
			return nil, fmt.Errorf("%w: row %d out of range [0,%d)", ErrShape, r, t.shape[0])
		}
		copy(out[i*per:(i+1)*per], t.data[r*per:(r+1)*per])
	}
	return &Tensor{shape: append([]int{len(rows)}, t.shape[1:]...), data: out}, nil
}

// CheckFinite returns an error naming the first NaN or Inf element.
func (t *Tensor) CheckFinite() error {
	if i := FirstNonFinite(t.data); i >= 0 {
		return fmt.Errorf("tensor: element %d is %v", i, t.data[i])
	}
	return nil
}

// FirstNonFinite returns the index of the first NaN or ±Inf in d, or -1.
// One vectorized pass answers for the usual all-finite data; otherwise it
// checks blocks with one subtraction per element (v−v is 0 exactly for
// finite v, NaN otherwise), summed in four independent chains so the adds
// overlap, and searches element by element only in a block that fails.
func FirstNonFinite(d []float32) int {
	if !elementwise.AnyNonFinite(d) {
		return -1
	}
	const blk = 64
	for start := 0; start < len(d); start += blk {
		b := d[start:min(start+blk, len(d))]
		var a0, a1, a2, a3 float32
		i := 0
		for ; i+4 <= len(b); i += 4 {
			q := b[i : i+4 : i+4]
			a0 += q[0] - q[0]
			a1 += q[1] - q[1]
			a2 += q[2] - q[2]
			a3 += q[3] - q[3]
		}
		for ; i < len(b); i++ {
			a0 += b[i] - b[i]
		}
		if acc := (a0 + a1) + (a2 + a3); acc != 0 || acc != acc {
			for i, v := range b {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return start + i
				}
			}
		}
	}
	return -1
}

// String returns a short description such as "Tensor[32 4]".
func (t *Tensor) String() string { return fmt.Sprintf("Tensor%v", t.shape) }

// AllClose reports whether a and b have the same shape and every element
// satisfies |a-b| <= atol + rtol*|b| (numpy.allclose), returning the worst
// offending index when not.
func AllClose(a, b *Tensor, atol, rtol float64) (ok bool, worst int, diff float64) {
	if !SameShape(a.shape, b.shape) {
		return false, -1, math.Inf(1)
	}
	ok = true
	worst = -1
	for i := range a.data {
		x, y := float64(a.data[i]), float64(b.data[i])
		d := math.Abs(x - y)
		if math.IsNaN(x) != math.IsNaN(y) {
			d = math.Inf(1)
		} else if math.IsNaN(x) {
			d = 0
		}
		if d > atol+rtol*math.Abs(y) {
			ok = false
			if d > diff || worst < 0 {
				diff, worst = d, i
			}
		}
	}
	return ok, worst, diff
}

// SameShape reports whether two shapes are equal.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Transpose returns a copy of t with its axes permuted: axis i of the
// result is axis perm[i] of t (numpy.transpose).
func (t *Tensor) Transpose(perm ...int) (*Tensor, error) {
	r := len(t.shape)
	if len(perm) != r {
		return nil, fmt.Errorf("tensor: transpose of rank %d by %v", r, perm)
	}
	seen := make([]bool, r)
	shape := make([]int, r)
	for i, p := range perm {
		if p < 0 || p >= r || seen[p] {
			return nil, fmt.Errorf("tensor: %v is not a permutation of %d axes", perm, r)
		}
		seen[p] = true
		shape[i] = t.shape[p]
	}
	strides := make([]int, r)
	s := 1
	for i := r - 1; i >= 0; i-- {
		strides[i] = s
		s *= t.shape[i]
	}
	out := make([]float32, len(t.data))
	idx := make([]int, r)
	for k := range out {
		off := 0
		for i, p := range perm {
			off += idx[i] * strides[p]
		}
		out[k] = t.data[off]
		for i := r - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < shape[i] {
				break
			}
			idx[i] = 0
		}
	}
	return &Tensor{shape: shape, data: out}, nil
}

// Flip returns a copy of t reversed along the given axes.
func (t *Tensor) Flip(axes ...int) (*Tensor, error) {
	r := len(t.shape)
	flip := make([]bool, r)
	for _, a := range axes {
		if a < 0 || a >= r {
			return nil, fmt.Errorf("tensor: flip axis %d of rank %d", a, r)
		}
		flip[a] = true
	}
	out := make([]float32, len(t.data))
	idx := make([]int, r)
	for k := range out {
		off := 0
		for i := 0; i < r; i++ {
			j := idx[i]
			if flip[i] {
				j = t.shape[i] - 1 - j
			}
			off = off*t.shape[i] + j
		}
		out[k] = t.data[off]
		for i := r - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < t.shape[i] {
				break
			}
			idx[i] = 0
		}
	}
	return &Tensor{shape: append([]int(nil), t.shape...), data: out}, nil
}
