// Package datafile reads and writes the data files the kerago command takes
// and produces: NumPy .npy and .npz arrays and CSV tables, always as float32
// tensors whose first dimension is the sample.
//
// CSV files hold one sample per row and one value per column. A header row is
// detected: when the first row has any non-empty field that is not a number,
// it is skipped. Later rows must all be numeric and as wide as the first data
// row. Numbers are parsed as float32 ("nan" and "inf" are accepted, as NumPy
// writes them).
//
// An .npz holds several named arrays. Read picks the array named by a
// ":KEY" suffix (data.npz:x), else the array named after the role the caller
// asks for ("x", "y"), else the archive's only array.
package datafile

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/kerago/kerago/internal/atomicfile"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kerago/kerago/tensor"
)

// Kind is a data file format.
type Kind string

// The data file formats.
const (
	NPY Kind = "npy"
	NPZ Kind = "npz"
	CSV Kind = "csv"
)

// KindOf returns the format of path from its extension (.npy, .npz, .csv,
// case-insensitive), after removing an npz ":KEY" suffix.
func KindOf(path string) (Kind, error) {
	p, _ := SplitKey(path)
	switch strings.ToLower(filepath.Ext(p)) {
	case ".npy":
		return NPY, nil
	case ".npz":
		return NPZ, nil
	case ".csv":
		return CSV, nil
	}
	return "", fmt.Errorf("%s: unknown data format: the name must end in .npy, .npz or .csv", path)
}

// SplitKey splits "data.npz:x" into "data.npz" and "x". Paths that do not
// name an .npz before the last colon are returned unchanged with key "".
func SplitKey(path string) (file, key string) {
	i := strings.LastIndexByte(path, ':')
	if i < 0 {
		return path, ""
	}
	if strings.EqualFold(filepath.Ext(path[:i]), ".npz") && !strings.ContainsRune(path[i+1:], '/') {
		return path[:i], path[i+1:]
	}
	return path, ""
}

// Read reads the array in path (.npy, .npz or .csv). role names the array
// the caller wants from an .npz holding several ("x", "y"); see the package
// documentation. Errors name the file.
func Read(path, role string) (*tensor.Tensor, error) {
	kind, err := KindOf(path)
	if err != nil {
		return nil, err
	}
	file, key := SplitKey(path)
	switch kind {
	case NPY:
		t, err := tensor.LoadNpy(file)
		if err != nil {
			return nil, pathError(file, err)
		}
		return t, nil
	case NPZ:
		return readNpz(file, key, role)
	default:
		f, err := os.Open(file)
		if err != nil {
			return nil, pathError(file, err)
		}
		defer f.Close()
		t, err := ReadCSV(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return t, nil
	}
}

// pathError turns an *os.PathError into "path: reason" and prefixes other
// errors with the path unless they already start with it.
func pathError(path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) && pe.Path == path {
		return fmt.Errorf("%s: %w", path, pe.Err)
	}
	if strings.HasPrefix(err.Error(), path+":") {
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}

func readNpz(file, key, role string) (*tensor.Tensor, error) {
	arrays, names, err := tensor.ReadNpz(file)
	if err != nil {
		return nil, pathError(file, err)
	}
	if key != "" {
		t, ok := arrays[key]
		if !ok {
			return nil, fmt.Errorf("%s: no array named %q (the archive holds %s)", file, key, quoteList(names))
		}
		return t, nil
	}
	if t, ok := arrays[role]; ok && role != "" {
		return t, nil
	}
	switch len(names) {
	case 0:
		return nil, fmt.Errorf("%s: the archive holds no arrays", file)
	case 1:
		return arrays[names[0]], nil
	}
	want := "a name"
	if role != "" {
		want = fmt.Sprintf("an array named %q, or name one", role)
	}
	return nil, fmt.Errorf("%s: the archive holds %d arrays (%s) and none is chosen: give %s as %s:KEY",
		file, len(names), quoteList(names), want, file)
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// ReadCSV parses a CSV table of numbers into a [rows, columns] tensor,
// skipping a header row (see the package documentation).
func ReadCSV(r io.Reader) (*tensor.Tensor, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<16))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	var data []float32
	cols := -1
	rows := 0
	first := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if first {
			first = false
			if isHeader(rec) {
				continue
			}
		}
		if cols < 0 {
			cols = len(rec)
		} else if len(rec) != cols {
			return nil, fmt.Errorf("line %d has %d fields, the first data row has %d", line, len(rec), cols)
		}
		if len(data)+cols > tensor.MaxElements {
			return nil, fmt.Errorf("line %d: more than %d values", line, tensor.MaxElements)
		}
		for i, f := range rec {
			v, err := parseNumber(f)
			if err != nil {
				return nil, fmt.Errorf("line %d, column %d: %q is not a number", line, i+1, strings.TrimSpace(f))
			}
			data = append(data, v)
		}
		rows++
	}
	if rows == 0 {
		return nil, errors.New("CSV has no data rows")
	}
	return tensor.FromSlice(data, rows, cols)
}

// isHeader reports whether a first row is a header: some non-empty field is
// not a number.
func isHeader(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) == "" {
			continue
		}
		if _, err := parseNumber(f); err != nil {
			return true
		}
	}
	return false
}

func parseNumber(s string) (float32, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty")
	}
	v, err := strconv.ParseFloat(s, 32)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return float32(v), nil // ±Inf or 0 like NumPy's float32 parsing
		}
		return 0, err
	}
	return float32(v), nil
}

// Write writes t to path in the format its extension names. An .npz gets
// one array named key ("y" when key is empty, or the path's ":KEY"). A CSV
// gets one row per sample (the first dimension) with the remaining
// dimensions flattened into columns, and no header; values are written in
// the shortest form that reads back as the same float32. Files are written
// atomically (a temporary file renamed over path).
func Write(path string, t *tensor.Tensor, key string) error {
	kind, err := KindOf(path)
	if err != nil {
		return err
	}
	file, k := SplitKey(path)
	if k != "" {
		key = k
	}
	if key == "" {
		key = "y"
	}
	var werr error
	switch kind {
	case NPY:
		werr = WriteFileAtomic(file, func(w io.Writer) error { return tensor.WriteNpy(w, t) })
	case NPZ:
		werr = WriteFileAtomic(file, func(w io.Writer) error { return tensor.WriteNpz(w, []string{key}, []*tensor.Tensor{t}) })
	default:
		werr = WriteFileAtomic(file, func(w io.Writer) error { return WriteCSV(w, t) })
	}
	if werr != nil {
		return pathError(file, werr)
	}
	return nil
}

// WriteAll writes several arrays to one .npz file, under the given names.
func WriteAll(file string, names []string, ts []*tensor.Tensor) error {
	if err := WriteFileAtomic(file, func(w io.Writer) error { return tensor.WriteNpz(w, names, ts) }); err != nil {
		return pathError(file, err)
	}
	return nil
}

// WriteCSV writes t as CSV rows (see Write).
func WriteCSV(w io.Writer, t *tensor.Tensor) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	rows, cols := 1, t.Len()
	if t.Rank() >= 1 {
		rows = t.Dim(0)
		if rows > 0 {
			cols = t.Len() / rows
		}
	}
	d := t.Data()
	buf := make([]byte, 0, 32)
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			if c > 0 {
				bw.WriteByte(',')
			}
			buf = appendFloat32(buf[:0], d[r*cols+c])
			bw.Write(buf)
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// appendFloat32 formats v as NumPy's savetxt would read back exactly:
// shortest round-trip digits, "nan", "inf", "-inf".
func appendFloat32(b []byte, v float32) []byte {
	switch {
	case math.IsNaN(float64(v)):
		return append(b, "nan"...)
	case math.IsInf(float64(v), 1):
		return append(b, "inf"...)
	case math.IsInf(float64(v), -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, float64(v), 'g', -1, 32)
}

// WriteFileAtomic writes path through a temporary file in the same
// directory that is renamed over path once write succeeded. Errors do not
// mention the temporary file.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.WriteFile(path, write)
}

// Samples reshapes t so that each sample has the shape want (the model's
// per-sample input or output shape): a [N, ...] tensor whose per-sample
// size equals the product of want becomes [N, want...]; a rank-1 tensor of
// N values becomes [N, 1] when want is [1]. what names the data in errors.
func Samples(t *tensor.Tensor, want []int, what string) (*tensor.Tensor, error) {
	per := 1
	for _, d := range want {
		if d < 0 {
			return nil, fmt.Errorf("%s: the model's shape %s has an unknown dimension", what, PyShape(want))
		}
		per *= d
	}
	if t.Rank() == 0 {
		return nil, fmt.Errorf("%s: a scalar, expected samples of shape %s", what, PyShape(want))
	}
	n := t.Dim(0)
	if t.Rank() == 1 {
		if per == 1 {
			return t.Reshape(append([]int{n}, want...)...)
		}
		return nil, fmt.Errorf("%s: shape %s holds one value per sample, the model expects samples of shape %s",
			what, PyShape(t.Shape()), PyShape(want))
	}
	if slices.Equal(t.Shape()[1:], want) {
		return t, nil
	}
	if n > 0 && t.Len()/n == per {
		return t.Reshape(append([]int{n}, want...)...)
	}
	return nil, fmt.Errorf("%s: samples have shape %s (%d values), the model expects %s (%d values)",
		what, PyShape(t.Shape()[1:]), t.Len()/max(n, 1), PyShape(want), per)
}

// PyShape formats a shape as a Python tuple: (2,), (3, 4), ().
func PyShape(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		if d < 0 {
			parts[i] = "None"
		} else {
			parts[i] = strconv.Itoa(d)
		}
	}
	if len(s) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
