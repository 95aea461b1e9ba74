package data

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/kerago/kerago/tensor"
)

// Frame is a small pandas DataFrame (or, when it holds one selected column,
// a Series): named columns of numbers or text, as pandas.read_csv builds
// them. It supports the selections training scripts make before handing
// arrays to Keras:
//
//	df = pd.read_csv("train.csv")     df, err := data.ReadCSV("train.csv", data.CSVOptions{})
//	X = df.iloc[:, :-1].values        x, err := df.ILoc(data.All(), data.To(-1)).Values()
//	y = df["label"].values            y, err := df.Col("label").Values()
//	X = df.drop("label", axis=1)      xf := df.Drop("label")
//	X = df[["a", "b"]].to_numpy()     x, err := df.Cols("a", "b").Values()
//
// Selections never fail on the spot: like bufio.Scanner, a Frame carries the
// first error (a missing column, an index out of range) and every later
// operation passes it on; Values and Err report it. Frames are immutable:
// selections return new Frames.
type Frame struct {
	cols      []column
	nrows     int
	series    bool
	rowSeries bool // one value per column (df.quantile(q)): a Series indexed by the column names
	source    string
	err       error
}

type colKind int

const (
	colInt colKind = iota
	colFloat
	colBool
	colText
)

type column struct {
	name string
	kind colKind
	num  []float64 // numeric values; NaN marks a missing value
	text []string  // values of a text column
}

// CSVOptions are pandas.read_csv's arguments. The zero value reads a
// comma-separated file whose first line names the columns (pandas's
// header="infer").
type CSVOptions struct {
	// Sep is the field separator (sep=); "" means ",". `\s+` (or
	// delim_whitespace=True) splits on runs of whitespace.
	Sep string
	// NoHeader says the file has no header line (header=None): columns are
	// named "0", "1", ... unless Names are given.
	NoHeader bool
	// HeaderRow is the line holding the column names (header=n); lines
	// before it are skipped.
	HeaderRow int
	// Names sets the column names (names=); without HeaderRow set
	// explicitly (HeaderGiven), a file with Names has no header line, as in
	// pandas.
	Names []string
	// HeaderGiven says header= was passed explicitly together with Names,
	// so that the header line is read and replaced by Names.
	HeaderGiven bool
	// UseCols keeps only these columns (names, or positions as decimal
	// strings when UseColsByPosition), in file order as pandas does.
	UseCols           []string
	UseColsByPosition bool
	// SkipRows skips this many lines at the start of the file (skiprows=n).
	SkipRows int
	// IndexCol names a column to use as the row index (index_col=); it is
	// removed from the data columns. "" means none.
	IndexCol string
	// NAValues are extra strings read as missing (na_values=), besides
	// pandas's defaults ("", "NA", "NaN", "nan", "null", "N/A", ...).
	NAValues []string
	// Comment starts a comment that runs to the end of the line (comment=,
	// one character); lines that are only a comment are skipped.
	Comment string
	// SkipInitialSpace ignores spaces after the separator
	// (skipinitialspace=True).
	SkipInitialSpace bool
}

var defaultNA = map[string]bool{
	"": true, "#N/A": true, "#N/A N/A": true, "#NA": true, "-1.#IND": true, "-1.#QNAN": true, "-NaN": true,
	"-nan": true, "1.#IND": true, "1.#QNAN": true, "<NA>": true, "N/A": true, "NA": true, "NULL": true,
	"NaN": true, "None": true, "n/a": true, "nan": true, "null": true,
}

// maxCSVBytes bounds the size of a file ReadCSV or LoadTxt accepts.
const maxCSVBytes = 1 << 30

// ReadCSV reads a CSV file as pandas.read_csv does: a header line naming the
// columns (unless NoHeader or Names), blank lines skipped, pandas's missing-
// value strings read as NaN, and each column typed as integers, floats,
// booleans (True/False) or text.
func ReadCSV(path string, opts CSVOptions) (*Frame, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: read_csv: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxCSVBytes {
		return nil, fmt.Errorf("data: read_csv: %s: %d bytes is more than the %d this reader accepts", path, st.Size(), maxCSVBytes)
	}
	fr, err := readCSV(bufio.NewReader(io.LimitReader(f, maxCSVBytes+1)), opts)
	if err != nil {
		return nil, fmt.Errorf("data: read_csv: %s: %w", path, err)
	}
	fr.source = filepath.Base(path)
	return fr, nil
}

// ParseCSV is ReadCSV on CSV text.
func ParseCSV(text string, opts CSVOptions) (*Frame, error) {
	fr, err := readCSV(strings.NewReader(text), opts)
	if err != nil {
		return nil, fmt.Errorf("data: read_csv: %w", err)
	}
	return fr, nil
}

var wsSplit = regexp.MustCompile(`[ \t]+`)

// stripComments cuts every line at the comment character.
func stripComments(r io.Reader, comment string) (io.Reader, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if k := strings.Index(l, comment); k >= 0 {
			lines[i] = l[:k]
		}
	}
	return strings.NewReader(strings.Join(lines, "\n")), nil
}

func readRecords(r io.Reader, sep string, trimSpace bool) ([][]string, []int, error) {
	var recs [][]string
	var lines []int
	if sep == `\s+` {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), maxCSVBytes)
		ln := 0
		for sc.Scan() {
			ln++
			s := strings.TrimSpace(sc.Text())
			if s == "" {
				continue
			}
			recs = append(recs, wsSplit.Split(s, -1))
			lines = append(lines, ln)
		}
		return recs, lines, sc.Err()
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	if sep == "" {
		sep = ","
	}
	rs := []rune(sep)
	if len(rs) != 1 || rs[0] == '"' || rs[0] == '\n' || rs[0] == '\r' {
		return nil, nil, fmt.Errorf("separator %q is not supported (one character, or `\\s+`)", sep)
	}
	cr.Comma = rs[0]
	cr.TrimLeadingSpace = trimSpace
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		line, _ := cr.FieldPos(0)
		blank := true
		for _, f := range rec {
			if f != "" {
				blank = false
				break
			}
		}
		if blank && len(rec) <= 1 {
			continue
		}
		recs = append(recs, rec)
		lines = append(lines, line)
	}
	return recs, lines, nil
}

func readCSV(r io.Reader, opts CSVOptions) (*Frame, error) {
	if opts.Comment != "" {
		if len([]rune(opts.Comment)) != 1 {
			return nil, fmt.Errorf("comment must be one character, got %q", opts.Comment)
		}
		var err error
		if r, err = stripComments(r, opts.Comment); err != nil {
			return nil, err
		}
	}
	recs, lines, err := readRecords(r, opts.Sep, opts.SkipInitialSpace)
	if err != nil {
		return nil, err
	}
	return frameFromRecords(recs, lines, opts)
}

// frameFromRecords builds a Frame from the fields of a file's non-blank
// lines (lines are their 1-based line numbers) as read_csv does.
func frameFromRecords(recs [][]string, lines []int, opts CSVOptions) (*Frame, error) {
	// skiprows counts file lines; records know their line numbers.
	if opts.SkipRows > 0 {
		k := 0
		for k < len(recs) && lines[k] <= opts.SkipRows {
			k++
		}
		recs, lines = recs[k:], lines[k:]
	}
	hasHeader := !opts.NoHeader && (len(opts.Names) == 0 || opts.HeaderGiven)
	var names []string
	if hasHeader {
		if opts.HeaderRow >= len(recs) {
			return nil, fmt.Errorf("no header line %d: the file has %d lines", opts.HeaderRow, len(recs))
		}
		names = manglePandas(recs[opts.HeaderRow])
		recs, lines = recs[opts.HeaderRow+1:], lines[opts.HeaderRow+1:]
	}
	width := len(names)
	for _, rec := range recs {
		width = max(width, len(rec))
	}
	if len(opts.Names) > 0 {
		if len(opts.Names) < width {
			return nil, fmt.Errorf("%d names for %d columns (index columns are not supported)", len(opts.Names), width)
		}
		names = append([]string(nil), opts.Names...)
		width = len(names)
	}
	if names == nil {
		for i := 0; i < width; i++ {
			names = append(names, strconv.Itoa(i))
		}
	}
	if len(names) < width {
		for k, rec := range recs {
			if len(rec) > len(names) {
				return nil, fmt.Errorf("line %d: expected %d fields, saw %d", lines[k], len(names), len(rec))
			}
		}
	}
	na := map[string]bool{}
	for k := range defaultNA {
		na[k] = true
	}
	for _, s := range opts.NAValues {
		na[s] = true
	}
	cols := make([]column, len(names))
	for c, name := range names {
		raw := make([]string, len(recs))
		for r, rec := range recs {
			if c < len(rec) {
				raw[r] = rec[c]
			}
		}
		cols[c] = inferColumn(name, raw, na)
	}
	fr := &Frame{cols: cols, nrows: len(recs)}
	if opts.IndexCol != "" {
		fr = fr.Drop(opts.IndexCol)
		if fr.err != nil {
			return nil, fr.err
		}
	}
	if len(opts.UseCols) > 0 {
		keep := map[int]bool{}
		for _, u := range opts.UseCols {
			found := false
			for i, c := range fr.cols {
				if (opts.UseColsByPosition && strconv.Itoa(i) == u) || (!opts.UseColsByPosition && c.name == u) {
					keep[i] = true
					found = true
				}
			}
			if !found {
				return nil, fmt.Errorf("usecols: no column %q (columns: %s)", u, strings.Join(fr.Columns(), ", "))
			}
		}
		var kept []column
		for i, c := range fr.cols {
			if keep[i] {
				kept = append(kept, c)
			}
		}
		fr.cols = kept
	}
	return fr, nil
}

// manglePandas renames duplicate and empty header names as pandas does
// ("a", "a.1", "Unnamed: 2").
func manglePandas(hdr []string) []string {
	out := make([]string, len(hdr))
	seen := map[string]int{}
	for i, h := range hdr {
		if h == "" {
			h = fmt.Sprintf("Unnamed: %d", i)
		}
		if n, ok := seen[h]; ok {
			seen[h] = n + 1
			h = fmt.Sprintf("%s.%d", h, n+1)
		} else {
			seen[h] = 0
		}
		out[i] = h
	}
	return out
}

func inferColumn(name string, raw []string, na map[string]bool) column {
	c := column{name: name}
	allInt, allNum, allBool := true, true, true
	nums := make([]float64, len(raw))
	missing := false
	for i, s := range raw {
		if na[s] {
			nums[i] = math.NaN()
			missing = true
			continue
		}
		t := strings.TrimSpace(s)
		if _, err := strconv.ParseInt(t, 10, 64); err != nil {
			allInt = false
		}
		if v, err := strconv.ParseFloat(t, 64); err == nil {
			nums[i] = v
		} else {
			allNum = false
		}
		if t != "True" && t != "False" && t != "TRUE" && t != "FALSE" && t != "true" && t != "false" {
			allBool = false
		}
	}
	switch {
	case allNum:
		c.num = nums
		c.kind = colFloat
		if allInt && !missing {
			c.kind = colInt
		}
	case allBool && !missing:
		c.kind = colBool
		c.num = make([]float64, len(raw))
		for i, s := range raw {
			if strings.EqualFold(strings.TrimSpace(s), "true") {
				c.num[i] = 1
			}
		}
	default:
		c.kind = colText
		c.text = make([]string, len(raw))
		copy(c.text, raw)
		for i, s := range raw {
			if na[s] {
				c.text[i] = ""
			}
		}
	}
	return c
}

// NewFrame builds a Frame from named numeric columns of equal length.
func NewFrame(names []string, columns [][]float64) (*Frame, error) {
	if len(names) != len(columns) {
		return nil, fmt.Errorf("data: NewFrame: %d names for %d columns", len(names), len(columns))
	}
	f := &Frame{}
	for i, c := range columns {
		if i > 0 && len(c) != f.nrows {
			return nil, fmt.Errorf("data: NewFrame: column %q has %d values, column %q has %d", names[i], len(c), names[0], f.nrows)
		}
		f.nrows = len(c)
		f.cols = append(f.cols, column{name: names[i], kind: colFloat, num: append([]float64(nil), c...)})
	}
	return f, nil
}

func (f *Frame) fail(format string, args ...any) *Frame {
	src := ""
	if f.source != "" {
		src = f.source + ": "
	}
	return &Frame{err: fmt.Errorf("data: "+src+format, args...)}
}

func (f *Frame) derive(cols []column, nrows int, series bool) *Frame {
	return &Frame{cols: cols, nrows: nrows, series: series, source: f.source}
}

// Err returns the first error of the selections that made f (nil if none).
func (f *Frame) Err() error {
	if f == nil {
		return errors.New("data: nil Frame")
	}
	return f.err
}

// Len is len(df): the number of rows.
func (f *Frame) Len() int {
	if f == nil || f.err != nil {
		return 0
	}
	return f.nrows
}

// Shape is df.shape: (rows, columns), or (rows,) for a Series.
func (f *Frame) Shape() []int {
	if f == nil || f.err != nil {
		return nil
	}
	if f.series {
		return []int{f.nrows}
	}
	return []int{f.nrows, len(f.cols)}
}

// Columns is df.columns: the column names.
func (f *Frame) Columns() []string {
	if f == nil {
		return nil
	}
	out := make([]string, len(f.cols))
	for i, c := range f.cols {
		out[i] = c.name
	}
	return out
}

// IsSeries reports whether f is a single selected column (a pandas Series).
func (f *Frame) IsSeries() bool { return f != nil && f.series }

func (f *Frame) colIndex(name string) int {
	for i, c := range f.cols {
		if c.name == name {
			return i
		}
	}
	return -1
}

// Col is df["name"]: one column as a Series.
func (f *Frame) Col(name string) *Frame {
	if f.Err() != nil {
		return f
	}
	i := f.colIndex(name)
	if i < 0 {
		return f.fail("no column %q (columns: %s)", name, strings.Join(f.Columns(), ", "))
	}
	return f.derive([]column{f.cols[i]}, f.nrows, true)
}

// Cols is df[["a", "b"]]: the named columns, in the order given.
func (f *Frame) Cols(names ...string) *Frame {
	if f.Err() != nil {
		return f
	}
	var cols []column
	for _, n := range names {
		i := f.colIndex(n)
		if i < 0 {
			return f.fail("no column %q (columns: %s)", n, strings.Join(f.Columns(), ", "))
		}
		cols = append(cols, f.cols[i])
	}
	return f.derive(cols, f.nrows, false)
}

// Drop is df.drop(columns=[...]) / df.drop(name, axis=1): every column but
// the named ones.
func (f *Frame) Drop(names ...string) *Frame {
	if f.Err() != nil {
		return f
	}
	drop := map[string]bool{}
	for _, n := range names {
		if f.colIndex(n) < 0 {
			return f.fail("drop: no column %q (columns: %s)", n, strings.Join(f.Columns(), ", "))
		}
		drop[n] = true
	}
	var cols []column
	for _, c := range f.cols {
		if !drop[c.name] {
			cols = append(cols, c)
		}
	}
	return f.derive(cols, f.nrows, f.series && len(cols) == 1)
}

// ILoc is df.iloc[rows, cols]: selection by position. A single column
// position (At) gives a Series; a single row position is not supported.
// Use ILocRows for df.iloc[rows].
func (f *Frame) ILoc(rows, cols Index) *Frame {
	if f.Err() != nil {
		return f
	}
	if rows.kind == idxAt {
		return f.fail("iloc: selecting a single row is not supported")
	}
	rp, _, err := rows.positions(f.nrows)
	if err != nil {
		return f.fail("iloc rows %s: %v", rows, err)
	}
	if f.series {
		if cols.kind != idxSlice || cols.hasStart || cols.hasStp {
			return f.fail("iloc: a Series has one axis")
		}
	}
	cp, drop, err := cols.positions(len(f.cols))
	if err != nil {
		return f.fail("iloc columns %s: %v", cols, err)
	}
	out := make([]column, len(cp))
	for k, ci := range cp {
		out[k] = f.cols[ci].take(rp)
	}
	return f.derive(out, len(rp), drop || f.series)
}

// ILocRows is df.iloc[rows] (every column).
func (f *Frame) ILocRows(rows Index) *Frame {
	if f.Err() != nil {
		return f
	}
	if f.series {
		if rows.kind == idxAt {
			return f.fail("iloc: selecting a single row is not supported")
		}
		rp, _, err := rows.positions(f.nrows)
		if err != nil {
			return f.fail("iloc rows %s: %v", rows, err)
		}
		return f.derive([]column{f.cols[0].take(rp)}, len(rp), true)
	}
	return f.ILoc(rows, All())
}

func (c column) take(rows []int) column {
	out := column{name: c.name, kind: c.kind}
	if c.kind == colText {
		out.text = make([]string, len(rows))
		for i, r := range rows {
			out.text[i] = c.text[r]
		}
		return out
	}
	out.num = make([]float64, len(rows))
	for i, r := range rows {
		out.num[i] = c.num[r]
	}
	return out
}

// Head is df.head(n): the first n rows.
func (f *Frame) Head(n int) *Frame {
	if f.Err() != nil {
		return f
	}
	return f.ILocRows(To(n))
}

// DropNA is df.dropna(): the rows without a missing value.
func (f *Frame) DropNA() *Frame {
	if f.Err() != nil {
		return f
	}
	var rows []int
	for r := 0; r < f.nrows; r++ {
		ok := true
		for _, c := range f.cols {
			if c.kind == colText && c.text[r] == "" || c.kind != colText && math.IsNaN(c.num[r]) {
				ok = false
				break
			}
		}
		if ok {
			rows = append(rows, r)
		}
	}
	out := make([]column, len(f.cols))
	for i, c := range f.cols {
		out[i] = c.take(rows)
	}
	return f.derive(out, len(rows), f.series)
}

// FillNA is df.fillna(v): missing numeric values replaced by v.
func (f *Frame) FillNA(v float64) *Frame {
	if f.Err() != nil {
		return f
	}
	out := make([]column, len(f.cols))
	for i, c := range f.cols {
		out[i] = c.take(seq(f.nrows))
		if c.kind != colText {
			for r, x := range out[i].num {
				if math.IsNaN(x) {
					out[i].num[r] = v
				}
			}
		}
	}
	return f.derive(out, f.nrows, f.series)
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// Map is series.map({"a": 0, "b": 1}): text (or numbers formatted as
// Python would print them) replaced by the mapped numbers; values not in
// the map become NaN, as in pandas.
func (f *Frame) Map(m map[string]float64) *Frame {
	if f.Err() != nil {
		return f
	}
	if !f.series {
		return f.fail("map: only a Series (one column) can be mapped")
	}
	c := f.cols[0]
	out := column{name: c.name, kind: colFloat, num: make([]float64, f.nrows)}
	allInt := true
	for r := 0; r < f.nrows; r++ {
		key := ""
		if c.kind == colText {
			key = c.text[r]
		} else {
			key = pyNumKey(c.num[r], c.kind)
		}
		v, ok := m[key]
		if !ok {
			v = math.NaN()
			allInt = false
		} else if v != math.Trunc(v) {
			allInt = false
		}
		out.num[r] = v
	}
	if allInt {
		out.kind = colInt
	}
	return f.derive([]column{out}, f.nrows, true)
}

func pyNumKey(v float64, k colKind) string {
	switch k {
	case colInt:
		return strconv.FormatInt(int64(v), 10)
	case colBool:
		if v != 0 {
			return "True"
		}
		return "False"
	}
	return PyFloat(v)
}

// Values is df.values / df.to_numpy(): the numbers as a float32 array of
// shape (rows, columns), or (rows,) for a Series. Text columns are an error
// (encode them first, e.g. with LabelEncoder or GetDummies).
func (f *Frame) Values() (*tensor.Tensor, error) {
	if err := f.Err(); err != nil {
		return nil, err
	}
	for _, c := range f.cols {
		if c.kind == colText {
			return nil, f.fail("column %q holds text, not numbers; encode it first (LabelEncoder, GetDummies, Map)", c.name).err
		}
	}
	if f.series {
		out := make([]float32, f.nrows)
		for r := range out {
			out[r] = float32(f.cols[0].num[r])
		}
		return tensor.FromSlice(out, f.nrows)
	}
	w := len(f.cols)
	out := make([]float32, f.nrows*w)
	for r := 0; r < f.nrows; r++ {
		for c := 0; c < w; c++ {
			out[r*w+c] = float32(f.cols[c].num[r])
		}
	}
	return tensor.FromSlice(out, f.nrows, w)
}

// Strings returns a text Series' values.
func (f *Frame) Strings() ([]string, error) {
	if err := f.Err(); err != nil {
		return nil, err
	}
	if !f.series {
		return nil, f.fail("Strings: only a Series (one column) has a list of values").err
	}
	c := f.cols[0]
	if c.kind == colText {
		return append([]string(nil), c.text...), nil
	}
	out := make([]string, f.nrows)
	for r := range out {
		out[r] = pyNumKey(c.num[r], c.kind)
	}
	return out, nil
}

// String renders the frame as a plain table (names, then rows).
func (f *Frame) String() string {
	if f == nil {
		return "<nil Frame>"
	}
	if f.err != nil {
		return "<Frame error: " + f.err.Error() + ">"
	}
	if f.rowSeries {
		return f.rowSeriesString()
	}
	var b strings.Builder
	b.WriteString(strings.Join(f.Columns(), "\t"))
	for r := 0; r < f.nrows; r++ {
		b.WriteByte('\n')
		for i, c := range f.cols {
			if i > 0 {
				b.WriteByte('\t')
			}
			if c.kind == colText {
				b.WriteString(c.text[r])
			} else {
				b.WriteString(pyNumKey(c.num[r], c.kind))
			}
		}
	}
	return b.String()
}

// GetDummies is pd.get_dummies(series): one 0/1 column per distinct value,
// named by the value, in sorted order.
func GetDummies(f *Frame) *Frame {
	if f.Err() != nil {
		return f
	}
	vals, err := f.Strings()
	if err != nil {
		return &Frame{err: err}
	}
	classes := sortedUnique(vals, f.cols[0].kind != colText, f.cols[0].num)
	if len(classes)*f.nrows > maxOneHot {
		return f.fail("get_dummies: %d distinct values × %d rows is too large", len(classes), f.nrows)
	}
	idx := map[string]int{}
	for i, c := range classes {
		idx[c] = i
	}
	cols := make([]column, len(classes))
	for i, c := range classes {
		cols[i] = column{name: c, kind: colInt, num: make([]float64, f.nrows)}
	}
	for r, v := range vals {
		if v == "" && f.cols[0].kind == colText {
			continue
		}
		cols[idx[v]].num[r] = 1
	}
	return f.derive(cols, f.nrows, false)
}

func sortedUnique(vals []string, numeric bool, nums []float64) []string {
	seen := map[string]bool{}
	var out []string
	var outNums []float64
	for i, v := range vals {
		if seen[v] || (!numeric && v == "") || (numeric && math.IsNaN(nums[i])) {
			continue
		}
		seen[v] = true
		out = append(out, v)
		if numeric {
			outNums = append(outNums, nums[i])
		}
	}
	if numeric {
		idx := seq(len(out))
		sort.Slice(idx, func(a, b int) bool { return outNums[idx[a]] < outNums[idx[b]] })
		s := make([]string, len(out))
		for k, i := range idx {
			s[k] = out[i]
		}
		return s
	}
	sort.Strings(out)
	return out
}

// LabelEncoder is sklearn.preprocessing.LabelEncoder: classes are the
// sorted distinct labels, and each label is encoded as its class's
// position.
type LabelEncoder struct {
	// Classes are the sorted distinct labels (classes_), set by Fit.
	Classes []string
	numeric bool
}

// NewLabelEncoder returns an unfitted encoder.
func NewLabelEncoder() *LabelEncoder { return &LabelEncoder{} }

// Fit learns the classes of a Series.
func (e *LabelEncoder) Fit(f *Frame) error {
	vals, err := f.Strings()
	if err != nil {
		return err
	}
	e.numeric = f.cols[0].kind != colText
	e.Classes = sortedUnique(vals, e.numeric, f.cols[0].num)
	return nil
}

// Transform encodes a Series with the learned classes.
func (e *LabelEncoder) Transform(f *Frame) (*tensor.Tensor, error) {
	if e.Classes == nil {
		return nil, errors.New("data: LabelEncoder: call Fit first")
	}
	vals, err := f.Strings()
	if err != nil {
		return nil, err
	}
	idx := map[string]int{}
	for i, c := range e.Classes {
		idx[c] = i
	}
	out := make([]float32, len(vals))
	for r, v := range vals {
		i, ok := idx[v]
		if !ok {
			return nil, fmt.Errorf("data: LabelEncoder: y contains previously unseen label %q", v)
		}
		out[r] = float32(i)
	}
	return tensor.FromSlice(out, len(vals))
}

// FitTransform is Fit then Transform.
func (e *LabelEncoder) FitTransform(f *Frame) (*tensor.Tensor, error) {
	if err := e.Fit(f); err != nil {
		return nil, err
	}
	return e.Transform(f)
}
