package data

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/kerago/kerago/tensor"
)

// TxtOptions are the arguments of np.loadtxt and np.genfromtxt.
type TxtOptions struct {
	// Delimiter separates values (delimiter=); "" means runs of whitespace.
	Delimiter string
	// SkipRows skips this many lines first (loadtxt's skiprows,
	// genfromtxt's skip_header), counting comment and blank lines.
	SkipRows int
	// UseCols keeps these columns, in the order given (usecols=); negative
	// positions count from the end.
	UseCols []int
	// Comments starts a comment (comments=); "" means "#". Use NoComments
	// for comments=None.
	Comments   string
	NoComments bool
	// NDMin is the minimum number of dimensions (ndmin=, 0, 1 or 2); with 0
	// the result is squeezed as NumPy does (one column → shape (n,)).
	NDMin int
	// MaxRows reads at most this many data rows (max_rows=); 0 means all.
	MaxRows int
}

// LoadTxt is np.loadtxt: a text file of numbers, one row per line, as a
// float32 array of shape (rows, columns), squeezed unless NDMin says
// otherwise. A value that is not a number is an error naming its line.
func LoadTxt(path string, opts TxtOptions) (*tensor.Tensor, error) {
	t, err := readTxt(path, opts, false)
	if err != nil {
		return nil, fmt.Errorf("data: loadtxt: %w", err)
	}
	return t, nil
}

// GenFromTxt is np.genfromtxt: LoadTxt where missing or unreadable values
// become NaN instead of errors.
func GenFromTxt(path string, opts TxtOptions) (*tensor.Tensor, error) {
	t, err := readTxt(path, opts, true)
	if err != nil {
		return nil, fmt.Errorf("data: genfromtxt: %w", err)
	}
	return t, nil
}

func readTxt(path string, opts TxtOptions, lenient bool) (*tensor.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, maxCSVBytes))
	sc.Buffer(make([]byte, 64*1024), maxCSVBytes)
	comments := opts.Comments
	if comments == "" && !opts.NoComments {
		comments = "#"
	}
	var rows [][]float64
	width := -1
	ln := 0
	for sc.Scan() {
		ln++
		if ln <= opts.SkipRows {
			continue
		}
		s := sc.Text()
		if comments != "" {
			if i := strings.Index(s, comments); i >= 0 {
				s = s[:i]
			}
		}
		if strings.TrimSpace(s) == "" {
			continue
		}
		var fields []string
		if opts.Delimiter == "" {
			fields = strings.Fields(s)
		} else {
			fields = strings.Split(s, opts.Delimiter)
		}
		if len(opts.UseCols) > 0 {
			sel := make([]string, len(opts.UseCols))
			for k, c := range opts.UseCols {
				j := c
				if j < 0 {
					j += len(fields)
				}
				if j < 0 || j >= len(fields) {
					return nil, fmt.Errorf("%s: line %d: usecols %d is out of range for %d columns", path, ln, c, len(fields))
				}
				sel[k] = fields[j]
			}
			fields = sel
		}
		if width >= 0 && len(fields) != width {
			return nil, fmt.Errorf("%s: line %d has %d columns, earlier lines %d", path, ln, len(fields), width)
		}
		width = len(fields)
		row := make([]float64, len(fields))
		for k, fv := range fields {
			t := strings.TrimSpace(fv)
			v, err := strconv.ParseFloat(t, 64)
			if err != nil {
				if !lenient {
					return nil, fmt.Errorf("%s: line %d: could not convert %q to a number", path, ln, t)
				}
				v = math.NaN()
			}
			row[k] = v
		}
		rows = append(rows, row)
		if opts.MaxRows > 0 && len(rows) >= opts.MaxRows {
			break
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if width < 0 {
		width = 0
	}
	flat := make([]float32, 0, len(rows)*width)
	for _, r := range rows {
		for _, v := range r {
			flat = append(flat, float32(v))
		}
	}
	shape := []int{len(rows), width}
	switch opts.NDMin {
	case 0:
		var sq []int
		for _, d := range shape {
			if d != 1 {
				sq = append(sq, d)
			}
		}
		shape = sq
	case 1:
		if len(rows) == 1 || width == 1 {
			shape = []int{len(flat)}
		}
	}
	return tensor.FromSlice(flat, shape...)
}

// NpzFile is an opened .npz archive, as np.load("d.npz") returns.
type NpzFile struct {
	path   string
	arrays map[string]*tensor.Tensor
	names  []string
}

// LoadNpz reads every array of an .npz archive.
func LoadNpz(path string) (*NpzFile, error) {
	m, names, err := tensor.ReadNpz(path)
	if err != nil {
		return nil, fmt.Errorf("data: np.load: %w", err)
	}
	return &NpzFile{path: path, arrays: m, names: names}, nil
}

// Get is f["name"]: the array stored under name.
func (f *NpzFile) Get(name string) (*tensor.Tensor, error) {
	t, ok := f.arrays[name]
	if !ok {
		return nil, fmt.Errorf("data: %s: no array %q (arrays: %s)", f.path, name, strings.Join(f.names, ", "))
	}
	return t, nil
}

// Files is f.files: the array names in archive order.
func (f *NpzFile) Files() []string { return append([]string(nil), f.names...) }

// LoadNpy is np.load("x.npy").
func LoadNpy(path string) (*tensor.Tensor, error) {
	t, err := tensor.LoadNpy(path)
	if err != nil {
		return nil, fmt.Errorf("data: np.load: %w", err)
	}
	return t, nil
}
