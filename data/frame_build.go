package data

import (
	"fmt"
	"strconv"

	"github.com/kerago/kerago/tensor"
)

// FromTensor builds a DataFrame from an array, as pd.DataFrame(x,
// columns=...) does: a 2-D array gives one float column per array column,
// a 1-D array one column. Without column names the columns are named
// "0", "1", … (pandas's default integer labels, which Col("0") selects).
func FromTensor(x *tensor.Tensor, columns ...string) (*Frame, error) {
	if x == nil {
		return nil, fmt.Errorf("data: DataFrame: nil array")
	}
	var rows, width int
	switch x.Rank() {
	case 1:
		rows, width = x.Dim(0), 1
	case 2:
		rows, width = x.Dim(0), x.Dim(1)
	default:
		return nil, fmt.Errorf("data: DataFrame: must pass a 2-d input, got an array of shape %v", x.Shape())
	}
	if columns != nil && len(columns) != width {
		return nil, fmt.Errorf("data: DataFrame: shape of passed values is (%d, %d), indices imply (%d, %d)", rows, width, rows, len(columns))
	}
	vals := x.Data()
	f := &Frame{nrows: rows}
	for c := 0; c < width; c++ {
		name := strconv.Itoa(c)
		if columns != nil {
			name = columns[c]
		}
		col := column{name: name, kind: colFloat, num: make([]float64, rows)}
		for r := 0; r < rows; r++ {
			col.num[r] = float64(vals[r*width+c])
		}
		f.cols = append(f.cols, col)
	}
	return f, nil
}

// TakeRows returns the rows at the given positions, in that order (the
// DataFrame rows of a train_test_split, see SplitIndices).
func (f *Frame) TakeRows(rows []int) *Frame {
	if f.err != nil {
		return f
	}
	for _, r := range rows {
		if r < 0 || r >= f.nrows {
			return f.fail("row %d out of range for %d rows", r, f.nrows)
		}
	}
	cols := make([]column, len(f.cols))
	for i, c := range f.cols {
		cols[i] = c.take(rows)
	}
	return f.derive(cols, len(rows), f.series)
}

// ReplaceWithNaN is df.replace(old, np.nan) for a text value: cells equal
// to old become missing. A text column whose other cells are numbers
// becomes a numeric column (pandas keeps it an object column of floats,
// which NumPy and scikit-learn then read as numbers, as here).
func (f *Frame) ReplaceWithNaN(old string) *Frame {
	if f.err != nil {
		return f
	}
	na := map[string]bool{}
	for k := range defaultNA {
		na[k] = true
	}
	cols := make([]column, len(f.cols))
	for i, c := range f.cols {
		if c.kind != colText {
			cols[i] = c
			continue
		}
		raw := make([]string, len(c.text))
		for r, s := range c.text {
			if s != old {
				raw[r] = s
			}
		}
		cols[i] = inferColumn(c.name, raw, na)
	}
	return f.derive(cols, f.nrows, f.series)
}
