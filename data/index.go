package data

import (
	"fmt"

	"github.com/kerago/kerago/tensor"
)

// Index is one axis of a NumPy-style index: a single position (At), a
// slice (All, From, To, Range, Slice) or a list of positions (List).
// Negative positions count from the end, and slice bounds are clamped, as
// in Python.
//
//	x[:, 0]          data.Take(x, data.All(), data.At(0))
//	x[:800]          data.Take(x, data.To(800))
//	df.iloc[:, :-1]  df.ILoc(data.All(), data.To(-1))
//	df.iloc[:, 1:3]  df.ILoc(data.All(), data.Range(1, 3))
//	x[::2]           data.Take(x, data.Slice(nil, nil, 2))
type Index struct {
	kind             indexKind
	at               int
	start, stop      int
	hasStart, hasStp bool
	step             int
	list             []int
}

type indexKind int

const (
	idxSlice indexKind = iota
	idxAt
	idxList
)

// All is ":", every position.
func All() Index { return Index{kind: idxSlice, step: 1} }

// At is a single position i; the axis is removed from the result.
func At(i int) Index { return Index{kind: idxAt, at: i} }

// From is "start:".
func From(start int) Index { return Index{kind: idxSlice, start: start, hasStart: true, step: 1} }

// To is ":stop".
func To(stop int) Index { return Index{kind: idxSlice, stop: stop, hasStp: true, step: 1} }

// Range is "start:stop".
func Range(start, stop int) Index {
	return Index{kind: idxSlice, start: start, hasStart: true, stop: stop, hasStp: true, step: 1}
}

// Slice is the general "start:stop:step"; nil start or stop is omitted
// (Python's None) and step 0 means 1.
func Slice(start, stop *int, step int) Index {
	ix := Index{kind: idxSlice, step: step}
	if step == 0 {
		ix.step = 1
	}
	if start != nil {
		ix.start, ix.hasStart = *start, true
	}
	if stop != nil {
		ix.stop, ix.hasStp = *stop, true
	}
	return ix
}

// List is a list of positions ("fancy" indexing, [0, 2]).
func List(positions ...int) Index {
	return Index{kind: idxList, list: append([]int(nil), positions...)}
}

// String formats the index as Python would write it.
func (ix Index) String() string {
	switch ix.kind {
	case idxAt:
		return fmt.Sprint(ix.at)
	case idxList:
		return fmt.Sprint(ix.list)
	}
	s := ""
	if ix.hasStart {
		s += fmt.Sprint(ix.start)
	}
	s += ":"
	if ix.hasStp {
		s += fmt.Sprint(ix.stop)
	}
	if ix.step != 1 {
		s += fmt.Sprintf(":%d", ix.step)
	}
	return s
}

// positions resolves the index against an axis of length n; drop reports
// whether the axis disappears (a single position).
func (ix Index) positions(n int) (pos []int, drop bool, err error) {
	switch ix.kind {
	case idxAt:
		i := ix.at
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return nil, false, fmt.Errorf("index %d is out of bounds for an axis of size %d", ix.at, n)
		}
		return []int{i}, true, nil
	case idxList:
		out := make([]int, len(ix.list))
		for k, i := range ix.list {
			j := i
			if j < 0 {
				j += n
			}
			if j < 0 || j >= n {
				return nil, false, fmt.Errorf("index %d is out of bounds for an axis of size %d", i, n)
			}
			out[k] = j
		}
		return out, false, nil
	}
	step := ix.step
	if step == 0 {
		return nil, false, fmt.Errorf("slice step cannot be zero")
	}
	// Python's slice.indices(n)
	var start, stop int
	if step > 0 {
		start, stop = 0, n
	} else {
		start, stop = n-1, -1
	}
	clamp := func(v int, lo, hi int) int {
		if v < lo {
			return lo
		}
		if v > hi {
			return hi
		}
		return v
	}
	if ix.hasStart {
		start = ix.start
		if start < 0 {
			start += n
		}
		if step > 0 {
			start = clamp(start, 0, n)
		} else {
			start = clamp(start, -1, n-1)
		}
	}
	if ix.hasStp {
		stop = ix.stop
		if stop < 0 {
			stop += n
		}
		if step > 0 {
			stop = clamp(stop, 0, n)
		} else {
			stop = clamp(stop, -1, n-1)
		}
	}
	var out []int
	if step > 0 {
		for i := start; i < stop; i += step {
			out = append(out, i)
		}
	} else {
		for i := start; i > stop; i += step {
			out = append(out, i)
		}
	}
	return out, false, nil
}

// Take indexes an array as NumPy's basic and single-list indexing does,
// x[i0, i1, ...]: one Index per leading axis (missing trailing axes are
// taken whole). Axes indexed by At disappear. The result is a copy.
func Take(x *tensor.Tensor, idx ...Index) (*tensor.Tensor, error) {
	if x == nil {
		return nil, fmt.Errorf("data: Take: nil array")
	}
	shape := x.Shape()
	if len(idx) > len(shape) {
		return nil, fmt.Errorf("data: too many indices for an array of shape %v: %d", shape, len(idx))
	}
	lists := 0
	for _, ix := range idx {
		if ix.kind == idxList {
			lists++
		}
	}
	if lists > 1 {
		return nil, fmt.Errorf("data: indexing with more than one list is not supported")
	}
	per := make([][]int, len(shape))
	var outShape []int
	for a, n := range shape {
		if a < len(idx) {
			p, drop, err := idx[a].positions(n)
			if err != nil {
				return nil, fmt.Errorf("data: axis %d: %w", a, err)
			}
			per[a] = p
			if !drop {
				outShape = append(outShape, len(p))
			}
			continue
		}
		p := make([]int, n)
		for i := range p {
			p[i] = i
		}
		per[a] = p
		outShape = append(outShape, n)
	}
	total := 1
	for _, p := range per {
		total *= len(p)
	}
	strides := make([]int, len(shape))
	s := 1
	for a := len(shape) - 1; a >= 0; a-- {
		strides[a] = s
		s *= shape[a]
	}
	out := make([]float32, 0, total)
	src := x.Data()
	if total > 0 {
		ctr := make([]int, len(shape))
		for {
			off := 0
			for a := range shape {
				off += per[a][ctr[a]] * strides[a]
			}
			out = append(out, src[off])
			a := len(shape) - 1
			for a >= 0 {
				ctr[a]++
				if ctr[a] < len(per[a]) {
					break
				}
				ctr[a] = 0
				a--
			}
			if a < 0 {
				break
			}
		}
	}
	return tensor.FromSlice(out, outShape...)
}
