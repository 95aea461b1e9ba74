package data

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Element-wise DataFrame arithmetic and comparisons, enough for the
// outlier filter scripts write:
//
//	Q1, Q3 = df.quantile(0.25), df.quantile(0.75)
//	IQR = Q3 - Q1
//	df[~((df < (Q1 - 1.5 * IQR)) | (df > (Q3 + 1.5 * IQR))).any(axis=1)]
//
// A row Series (what df.quantile(q) returns: one value per column) is a
// one-row Frame marked as such; an operation between a Frame and a row
// Series matches the Series' values to the Frame's columns by name, as
// pandas aligns a Series' index with the columns.

// Quantile is df.quantile(q) of every column, with NumPy's (pandas's)
// linear interpolation, missing values left out.
func (f *Frame) Quantile(q float64) *Frame {
	if f.err != nil {
		return f
	}
	if q < 0 || q > 1 || math.IsNaN(q) {
		return f.fail("quantile: percentiles should all be in the interval [0, 1], got %v", q)
	}
	out := &Frame{nrows: 1, rowSeries: true, source: f.source}
	for _, c := range f.cols {
		if c.kind == colText {
			return f.fail("quantile: column %q holds text", c.name)
		}
		var v []float64
		for _, x := range c.num {
			if !math.IsNaN(x) {
				v = append(v, x)
			}
		}
		out.cols = append(out.cols, column{name: c.name, kind: colFloat, num: []float64{quantile(v, q)}})
	}
	return out
}

func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	pos := q * float64(len(s)-1)
	lo := math.Floor(pos)
	i := int(lo)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (s[i+1]-s[i])*(pos-lo)
}

// at returns column c's value at row r, broadcasting a row Series (or a
// one-row operand) over the rows.
func (f *Frame) at(c, r int) float64 {
	if f.rowSeries || f.nrows == 1 {
		return f.cols[c].num[0]
	}
	return f.cols[c].num[r]
}

var frameOps = map[string]func(a, b float64) float64{
	"+": func(a, b float64) float64 { return a + b },
	"-": func(a, b float64) float64 { return a - b },
	"*": func(a, b float64) float64 { return a * b },
	"/": func(a, b float64) float64 { return a / b },
	"<": boolOp(func(a, b float64) bool { return a < b }), ">": boolOp(func(a, b float64) bool { return a > b }),
	"<=": boolOp(func(a, b float64) bool { return a <= b }), ">=": boolOp(func(a, b float64) bool { return a >= b }),
	"==": boolOp(func(a, b float64) bool { return a == b }), "!=": boolOp(func(a, b float64) bool { return a != b }),
	"|": boolOp(func(a, b float64) bool { return a != 0 || b != 0 }), "&": boolOp(func(a, b float64) bool { return a != 0 && b != 0 }),
}

func boolOp(f func(a, b float64) bool) func(a, b float64) float64 {
	return func(a, b float64) float64 {
		if f(a, b) {
			return 1
		}
		return 0
	}
}

func isBoolOp(op string) bool { return strings.ContainsAny(op, "<>=!|&") }

// Op is df <op> g for the operators + - * / < > <= >= == != | &: element
// by element, g's columns matched by name (a row Series or a one-row
// Frame is repeated over the rows). Comparisons and | & give booleans.
func (f *Frame) Op(op string, g *Frame) *Frame {
	if f.err != nil {
		return f
	}
	if g.err != nil {
		return g
	}
	fn, ok := frameOps[op]
	if !ok {
		return f.fail("operator %s between DataFrames is not supported", op)
	}
	if !f.rowSeries && !g.rowSeries && f.nrows != g.nrows && g.nrows != 1 {
		return f.fail("operator %s: %d rows against %d", op, f.nrows, g.nrows)
	}
	base, other := f, g
	if f.rowSeries && !g.rowSeries {
		base, other = g, f
	}
	out := base.derive(nil, base.nrows, base.series)
	out.rowSeries = base.rowSeries
	for ci, c := range base.cols {
		gi := other.colIndex(c.name)
		if gi < 0 {
			return f.fail("operator %s: no column %q in the other operand (columns: %s)", op, c.name, strings.Join(other.Columns(), ", "))
		}
		if c.kind == colText || other.cols[gi].kind == colText {
			return f.fail("operator %s: column %q holds text", op, c.name)
		}
		nc := column{name: c.name, kind: colFloat, num: make([]float64, base.nrows)}
		if isBoolOp(op) {
			nc.kind = colBool
		}
		for r := range nc.num {
			a, b := base.at(ci, r), other.at(gi, r)
			if base != f {
				a, b = b, a
			}
			nc.num[r] = fn(a, b)
		}
		out.cols = append(out.cols, nc)
	}
	return out
}

// OpScalar is df <op> v (or v <op> df when scalarLeft).
func (f *Frame) OpScalar(op string, v float64, scalarLeft bool) *Frame {
	if f.err != nil {
		return f
	}
	fn, ok := frameOps[op]
	if !ok {
		return f.fail("operator %s between a DataFrame and a number is not supported", op)
	}
	out := f.derive(nil, f.nrows, f.series)
	out.rowSeries = f.rowSeries
	for _, c := range f.cols {
		if c.kind == colText {
			return f.fail("operator %s: column %q holds text", op, c.name)
		}
		nc := column{name: c.name, kind: colFloat, num: make([]float64, f.nrows)}
		if isBoolOp(op) {
			nc.kind = colBool
		}
		for r, x := range c.num {
			if scalarLeft {
				nc.num[r] = fn(v, x)
			} else {
				nc.num[r] = fn(x, v)
			}
		}
		out.cols = append(out.cols, nc)
	}
	return out
}

// Not is ~mask for a boolean DataFrame or Series.
func (f *Frame) Not() *Frame {
	if f.err != nil {
		return f
	}
	out := f.derive(nil, f.nrows, f.series)
	for _, c := range f.cols {
		if c.kind != colBool {
			return f.fail("operator ~: column %q is not boolean", c.name)
		}
		nc := column{name: c.name, kind: colBool, num: make([]float64, f.nrows)}
		for r, x := range c.num {
			if x == 0 {
				nc.num[r] = 1
			}
		}
		out.cols = append(out.cols, nc)
	}
	return out
}

// AnyRows is df.any(axis=1): per row, whether some column is true
// (non-zero), as a boolean Series.
func (f *Frame) AnyRows() *Frame {
	if f.err != nil {
		return f
	}
	nc := column{name: "0", kind: colBool, num: make([]float64, f.nrows)}
	for _, c := range f.cols {
		if c.kind == colText {
			return f.fail("any: column %q holds text", c.name)
		}
		for r, x := range c.num {
			if x != 0 && !math.IsNaN(x) {
				nc.num[r] = 1
			}
		}
	}
	return f.derive([]column{nc}, f.nrows, true)
}

// Filter is df[mask] for a boolean Series of the same length: the rows
// where mask is true.
func (f *Frame) Filter(mask *Frame) *Frame {
	if f.err != nil {
		return f
	}
	if mask.err != nil {
		return mask
	}
	if len(mask.cols) != 1 || mask.cols[0].kind != colBool {
		return f.fail("df[mask]: the mask must be one boolean column")
	}
	if mask.nrows != f.nrows {
		return f.fail("df[mask]: boolean index of %d rows for %d rows", mask.nrows, f.nrows)
	}
	var rows []int
	for r, x := range mask.cols[0].num {
		if x != 0 {
			rows = append(rows, r)
		}
	}
	return f.TakeRows(rows)
}

// rowSeriesString prints a row Series as pandas prints a Series: one
// "name  value" line per column, then its dtype.
func (f *Frame) rowSeriesString() string {
	w := 0
	for _, c := range f.cols {
		w = max(w, len(c.name))
	}
	var b strings.Builder
	for _, c := range f.cols {
		fmt.Fprintf(&b, "%-*s    %s\n", w, c.name, PyFloat(c.num[0]))
	}
	b.WriteString("dtype: float64")
	return b.String()
}
