package data

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/kerago/kerago/keras/callbacks"
	"github.com/kerago/kerago/tensor"
)

// Bounds on one-hot encodings, which a stray large label could otherwise
// blow up: at most maxClasses classes and maxOneHot elements.
const (
	maxClasses = 1 << 24
	maxOneHot  = 1 << 28
)

// ToCategorical is keras.utils.to_categorical(y, num_classes): integer
// labels (truncated toward zero, as NumPy's int64 cast does) one-hot
// encoded. numClasses 0 means max(y)+1. A trailing axis of size 1 is
// replaced, so labels of shape (n, 1) give (n, classes), as in Keras.
func ToCategorical(y *tensor.Tensor, numClasses int) (*tensor.Tensor, error) {
	if y == nil {
		return nil, fmt.Errorf("data: to_categorical: nil labels")
	}
	shape := append([]int(nil), y.Shape()...)
	if len(shape) > 1 && shape[len(shape)-1] == 1 {
		shape = shape[:len(shape)-1]
	}
	labels := make([]int, y.Len())
	maxLabel := 0
	for i, v := range y.Data() {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("data: to_categorical: label %d is %v", i, v)
		}
		labels[i] = int(v)
		if i == 0 || labels[i] > maxLabel {
			maxLabel = labels[i]
		}
	}
	if numClasses == 0 {
		numClasses = maxLabel + 1
	}
	if numClasses <= 0 {
		return nil, fmt.Errorf("data: to_categorical: num_classes %d must be positive", numClasses)
	}
	if numClasses > maxClasses || len(labels)*numClasses > maxOneHot {
		return nil, fmt.Errorf("data: to_categorical: %d samples × %d classes is too large (labels should be small class indices)", len(labels), numClasses)
	}
	outShape := append(shape, numClasses)
	if _, err := tensor.NumElements(outShape); err != nil {
		return nil, fmt.Errorf("data: to_categorical: %w", err)
	}
	out := make([]float32, len(labels)*numClasses)
	for i, l := range labels {
		j := l
		if j < 0 {
			j += numClasses // NumPy's negative index
		}
		if j < 0 || j >= numClasses {
			return nil, fmt.Errorf("data: to_categorical: label %d (sample %d) is out of range for %d classes", l, i, numClasses)
		}
		out[i*numClasses+j] = 1
	}
	return tensor.FromSlice(out, outShape...)
}

// Argmax is np.argmax(x, axis): positions of the largest values along axis
// (first one on ties), as float32 values; axis −1 is the last.
func Argmax(x *tensor.Tensor, axis int) (*tensor.Tensor, error) {
	return reduceAxis(x, axis, "argmax", func(vals []float32) float32 {
		best := 0
		for i, v := range vals {
			if v > vals[best] || (v != v && vals[best] == vals[best]) {
				best = i
			}
		}
		return float32(best)
	})
}

// MeanAxis is x.mean(axis=axis), accumulated in float64 and rounded to
// float32.
func MeanAxis(x *tensor.Tensor, axis int) (*tensor.Tensor, error) {
	return reduceAxis(x, axis, "mean", func(vals []float32) float32 {
		var s float64
		for _, v := range vals {
			s += float64(v)
		}
		return float32(s / float64(len(vals)))
	})
}

// StdAxis is x.std(axis=axis): the population standard deviation (ddof 0).
func StdAxis(x *tensor.Tensor, axis int) (*tensor.Tensor, error) {
	return reduceAxis(x, axis, "std", func(vals []float32) float32 {
		var s float64
		for _, v := range vals {
			s += float64(v)
		}
		m := s / float64(len(vals))
		var q float64
		for _, v := range vals {
			q += (float64(v) - m) * (float64(v) - m)
		}
		return float32(math.Sqrt(q / float64(len(vals))))
	})
}

// MinAxis is x.min(axis=axis).
func MinAxis(x *tensor.Tensor, axis int) (*tensor.Tensor, error) {
	return reduceAxis(x, axis, "min", func(vals []float32) float32 {
		m := vals[0]
		for _, v := range vals {
			if v < m || v != v {
				m = v
			}
		}
		return m
	})
}

// MaxAxis is x.max(axis=axis).
func MaxAxis(x *tensor.Tensor, axis int) (*tensor.Tensor, error) {
	return reduceAxis(x, axis, "max", func(vals []float32) float32 {
		m := vals[0]
		for _, v := range vals {
			if v > m || v != v {
				m = v
			}
		}
		return m
	})
}

func reduceAxis(x *tensor.Tensor, axis int, op string, f func([]float32) float32) (*tensor.Tensor, error) {
	if x == nil || x.Rank() == 0 {
		return nil, fmt.Errorf("data: %s: need an array with at least one axis", op)
	}
	shape := x.Shape()
	a := axis
	if a < 0 {
		a += len(shape)
	}
	if a < 0 || a >= len(shape) {
		return nil, fmt.Errorf("data: %s: axis %d is out of bounds for an array of dimension %d", op, axis, len(shape))
	}
	if shape[a] == 0 {
		return nil, fmt.Errorf("data: %s: attempt to reduce an empty axis", op)
	}
	outer, inner := 1, 1
	for i := 0; i < a; i++ {
		outer *= shape[i]
	}
	for i := a + 1; i < len(shape); i++ {
		inner *= shape[i]
	}
	n := shape[a]
	d := x.Data()
	out := make([]float32, outer*inner)
	vals := make([]float32, n)
	for o := 0; o < outer; o++ {
		for in := 0; in < inner; in++ {
			for k := 0; k < n; k++ {
				vals[k] = d[(o*n+k)*inner+in]
			}
			out[o*inner+in] = f(vals)
		}
	}
	outShape := append(append([]int(nil), shape[:a]...), shape[a+1:]...)
	return tensor.FromSlice(out, outShape...)
}

// Mean is np.mean(x) over every element (float64 accumulation).
func Mean(x *tensor.Tensor) float64 {
	if x == nil || x.Len() == 0 {
		return math.NaN()
	}
	var s float64
	for _, v := range x.Data() {
		s += float64(v)
	}
	return s / float64(x.Len())
}

// Sum is np.sum(x) over every element (float64 accumulation).
func Sum(x *tensor.Tensor) float64 {
	var s float64
	if x == nil {
		return 0
	}
	for _, v := range x.Data() {
		s += float64(v)
	}
	return s
}

// Round is np.round(x): values rounded half to even.
func Round(x *tensor.Tensor) *tensor.Tensor {
	return Map(x, func(v float32) float32 { return float32(math.RoundToEven(float64(v))) })
}

// Map applies f to every element, returning a new array.
func Map(x *tensor.Tensor, f func(float32) float32) *tensor.Tensor {
	out := x.Clone()
	d := out.Data()
	for i, v := range d {
		d[i] = f(v)
	}
	return out
}

// AsType is x.astype(dtype): "float32", "float64" and "float" keep the
// values (kerago stores float32); integer types truncate toward zero
// (wrapping as NumPy does for the unsigned 8-bit type); "bool" maps non-zero
// to 1.
func AsType(x *tensor.Tensor, dtype string) (*tensor.Tensor, error) {
	switch strings.TrimPrefix(strings.TrimPrefix(dtype, "np."), "numpy.") {
	case "float32", "float64", "float", "float16", "double", "single":
		return x, nil
	case "int", "int32", "int64", "int16", "int8", "long", "intc", "intp":
		return Map(x, func(v float32) float32 { return float32(math.Trunc(float64(v))) }), nil
	case "uint8":
		return Map(x, func(v float32) float32 { return float32(uint8(int64(math.Trunc(float64(v))))) }), nil
	case "bool":
		return Map(x, func(v float32) float32 {
			if v != 0 {
				return 1
			}
			return 0
		}), nil
	}
	return nil, fmt.Errorf("data: astype(%q): unsupported dtype", dtype)
}

// Broadcast applies f elementwise to a and b with NumPy's broadcasting
// rules (shapes aligned on the right; size-1 axes stretch).
func Broadcast(a, b *tensor.Tensor, f func(x, y float32) float32) (*tensor.Tensor, error) {
	as, bs := a.Shape(), b.Shape()
	n := max(len(as), len(bs))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if k := i - (n - len(as)); k >= 0 {
			da = as[k]
		}
		if k := i - (n - len(bs)); k >= 0 {
			db = bs[k]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("data: operands could not be broadcast together with shapes %v %v", as, bs)
		}
	}
	total, err := tensor.NumElements(out)
	if err != nil {
		return nil, err
	}
	strides := func(s []int) []int {
		st := make([]int, n)
		acc := 1
		for i := n - 1; i >= 0; i-- {
			k := i - (n - len(s))
			if k < 0 {
				continue
			}
			if s[k] != 1 {
				st[i] = acc
			}
			acc *= s[k]
		}
		return st
	}
	sa, sb := strides(as), strides(bs)
	ad, bd := a.Data(), b.Data()
	res := make([]float32, total)
	ctr := make([]int, n)
	for i := 0; i < total; i++ {
		oa, ob := 0, 0
		for k := 0; k < n; k++ {
			oa += ctr[k] * sa[k]
			ob += ctr[k] * sb[k]
		}
		res[i] = f(ad[oa], bd[ob])
		for k := n - 1; k >= 0; k-- {
			ctr[k]++
			if ctr[k] < out[k] {
				break
			}
			ctr[k] = 0
		}
	}
	return tensor.FromSlice(res, out...)
}

// Add, Sub, Mul and Div are a + b, a − b, a·b and a/b elementwise in
// float32 with NumPy broadcasting.
func Add(a, b *tensor.Tensor) (*tensor.Tensor, error) {
	return Broadcast(a, b, func(x, y float32) float32 { return x + y })
}

// Sub is a − b; see Add.
func Sub(a, b *tensor.Tensor) (*tensor.Tensor, error) {
	return Broadcast(a, b, func(x, y float32) float32 { return x - y })
}

// Mul is a·b; see Add.
func Mul(a, b *tensor.Tensor) (*tensor.Tensor, error) {
	return Broadcast(a, b, func(x, y float32) float32 { return x * y })
}

// Div is a/b; see Add.
func Div(a, b *tensor.Tensor) (*tensor.Tensor, error) {
	return Broadcast(a, b, func(x, y float32) float32 { return x / y })
}

// Scalar returns a 0-dimensional array holding v, for mixing numbers into
// Add/Sub/Mul/Div (x / 255.0 is Div(x, Scalar(255))).
func Scalar(v float64) *tensor.Tensor {
	t, _ := tensor.FromSlice([]float32{float32(v)}, []int{}...)
	return t
}

// Compare is a elementwise comparison with NumPy broadcasting, giving 1
// where it holds and 0 elsewhere: op is one of "<", "<=", ">", ">=", "==",
// "!=".
func Compare(a *tensor.Tensor, op string, b *tensor.Tensor) (*tensor.Tensor, error) {
	var f func(x, y float32) bool
	switch op {
	case "<":
		f = func(x, y float32) bool { return x < y }
	case "<=":
		f = func(x, y float32) bool { return x <= y }
	case ">":
		f = func(x, y float32) bool { return x > y }
	case ">=":
		f = func(x, y float32) bool { return x >= y }
	case "==":
		f = func(x, y float32) bool { return x == y }
	case "!=":
		f = func(x, y float32) bool { return x != y }
	default:
		return nil, fmt.Errorf("data: unknown comparison %q", op)
	}
	return Broadcast(a, b, func(x, y float32) float32 {
		if f(x, y) {
			return 1
		}
		return 0
	})
}

// Item is x.item() / float(x): the value of a one-element array.
func Item(x *tensor.Tensor) (float64, error) {
	if x == nil || x.Len() != 1 {
		n := 0
		if x != nil {
			n = x.Len()
		}
		return 0, fmt.Errorf("data: only arrays of one element can be converted to a number, got %d elements", n)
	}
	return float64(x.Data()[0]), nil
}

// LogValues returns the values of model.evaluate's Logs in order (loss,
// then metrics): what Keras's evaluate returns as a list.
func LogValues(l *callbacks.Logs) []float64 {
	if l == nil {
		return nil
	}
	keys := l.Keys()
	out := make([]float64, len(keys))
	for i, k := range keys {
		out[i], _ = l.Get(k)
	}
	return out
}

// LogValue is logs[key] for evaluate(..., return_dict=True) results.
func LogValue(l *callbacks.Logs, key string) (float64, error) {
	if l == nil {
		return 0, fmt.Errorf("data: no logs")
	}
	v, ok := l.Get(key)
	if !ok {
		return 0, fmt.Errorf("data: no %q in the logs (keys: %s)", key, strings.Join(l.Keys(), ", "))
	}
	return v, nil
}

// FloorDiv is Python's a // b on integers (rounding toward −∞).
func FloorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Mod is Python's a % b on integers (the sign of b).
func Mod(a, b int) int {
	m := a % b
	if m != 0 && ((m < 0) != (b < 0)) {
		m += b
	}
	return m
}

// Full returns an array of the given shape filled with v (np.ones is
// Full(1, ...)).
func Full(v float32, shape ...int) (*tensor.Tensor, error) {
	t, err := tensor.New(shape...)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	d := t.Data()
	for i := range d {
		d[i] = v
	}
	return t, nil
}

// RoundTo is Python's round(x, ndigits) for floats: x rounded to ndigits
// decimal places, halves to even on the decimal value as Python does.
func RoundTo(x float64, ndigits int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	s := strconv.FormatFloat(x, 'f', max(ndigits, 0), 64)
	if ndigits >= 0 {
		v, _ := strconv.ParseFloat(s, 64)
		return v
	}
	p := math.Pow(10, float64(-ndigits))
	return math.RoundToEven(x/p) * p
}

// ToList is x.tolist() for a 1-D array: its values as Python floats, each
// the shortest decimal that reads back as the float32 value (so 0.92 stays
// 0.92, as it prints in Python from the float64 data).
func ToList(x *tensor.Tensor) ([]float64, error) {
	if x == nil || x.Rank() != 1 {
		var shape []int
		if x != nil {
			shape = x.Shape()
		}
		return nil, fmt.Errorf("data: tolist is translated for 1-D arrays, got shape %v", shape)
	}
	out := make([]float64, x.Len())
	for i, v := range x.Data() {
		out[i], _ = strconv.ParseFloat(strconv.FormatFloat(float64(v), 'g', -1, 32), 64)
	}
	return out, nil
}

// Flat returns x's values in row-major order as float64 (what matplotlib
// plots of an array of predictions, or of a column).
func Flat(x *tensor.Tensor) []float64 {
	d := x.Data()
	out := make([]float64, len(d))
	for i, v := range d {
		out[i] = float64(v)
	}
	return out
}

// MaxOf is Python's max(list) of floats (an error for an empty list, as
// Python raises ValueError; NaN compares as Python does: a NaN first stays).
func MaxOf(xs []float64) (float64, error) {
	return extremeOf(xs, "max", func(a, b float64) bool { return a > b })
}

// MinOf is Python's min(list) of floats.
func MinOf(xs []float64) (float64, error) {
	return extremeOf(xs, "min", func(a, b float64) bool { return a < b })
}

func extremeOf(xs []float64, name string, better func(a, b float64) bool) (float64, error) {
	if len(xs) == 0 {
		return 0, fmt.Errorf("data: %s() arg is an empty sequence", name)
	}
	m := xs[0]
	for _, x := range xs[1:] {
		if better(x, m) {
			m = x
		}
	}
	return m, nil
}

// Unique is np.unique(x): the sorted distinct values of x, flattened; NaN
// values, if any, come last, together (NumPy 1.21 and later).
func Unique(x *tensor.Tensor) (*tensor.Tensor, error) {
	u, _, err := uniqueCounts(x)
	return u, err
}

// UniqueCounts is np.unique(x, return_counts=True): the sorted distinct
// values and how often each occurs.
func UniqueCounts(x *tensor.Tensor) ([]*tensor.Tensor, error) {
	u, c, err := uniqueCounts(x)
	if err != nil {
		return nil, err
	}
	return []*tensor.Tensor{u, c}, nil
}

func uniqueCounts(x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor, error) {
	if x == nil {
		return nil, nil, fmt.Errorf("data: np.unique: nil array")
	}
	counts := map[float32]int{}
	nans := 0
	for _, v := range x.Data() {
		if v != v {
			nans++
			continue
		}
		counts[v]++
	}
	vals := make([]float32, 0, len(counts)+1)
	for v := range counts {
		vals = append(vals, v)
	}
	sort.Slice(vals, func(i, j int) bool { return vals[i] < vals[j] })
	cs := make([]float32, len(vals))
	for i, v := range vals {
		cs[i] = float32(counts[v])
	}
	if nans > 0 {
		vals = append(vals, float32(math.NaN()))
		cs = append(cs, float32(nans))
	}
	u, err := tensor.FromSlice(vals, len(vals))
	if err != nil {
		return nil, nil, err
	}
	c, err := tensor.FromSlice(cs, len(cs))
	return u, c, err
}
