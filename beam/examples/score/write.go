package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	kerabeam "github.com/kerago/kerago/beam"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*shardFile)(nil)).Elem())
	register.DoFn4x1[context.Context, int64, kerabeam.Prediction, func(shardFile), error](&writePredictionsFn{})
	register.DoFn4x1[context.Context, int64, kerabeam.DeadLetter, func(shardFile), error](&writeDeadLettersFn{})
	register.DoFn3x1[context.Context, int, func(*shardFile) bool, error](&finalizeFn{})
	register.Emitter1[shardFile]()
	register.Iter1[shardFile]()
}

// writePredictions writes KV<line number, Prediction> as CSV lines
// "line,y0,y1,..." to PREFIX-SSSSS-of-NNNNN.csv files, one per bundle
// (runner-determined sharding, as Beam's text sinks with no shard count: the
// in-process runner makes one), lines sorted by line number within each file
// and files ordered by their first line. Nothing is written when preds is
// empty.
//
// Each bundle writes a temporary PREFIX.tmp-RANDOM.csv; a last step renames
// them into place, so that a shard appears whole or not at all and a retried
// bundle leaves no duplicate.
func writePredictions(s beam.Scope, prefix string, preds beam.PCollection) {
	finalize(s, prefix, beam.ParDo(s, &writePredictionsFn{bundleFile: bundleFile{Prefix: prefix}}, preds))
}

// writeDeadLetters writes KV<line number, DeadLetter> as CSV lines
// "line,reason", as writePredictions does.
func writeDeadLetters(s beam.Scope, prefix string, dead beam.PCollection) {
	finalize(s, prefix, beam.ParDo(s, &writeDeadLettersFn{bundleFile: bundleFile{Prefix: prefix}}, dead))
}

func finalize(s beam.Scope, prefix string, files beam.PCollection) {
	beam.ParDo0(s, &finalizeFn{Prefix: prefix}, beam.GroupByKey(s, beam.AddFixedKey(s, files)))
}

// shardFile is a bundle's temporary file and the first line number in it.
type shardFile struct {
	First int64
	Temp  string
}

// bundleFile streams a bundle's CSV lines to a temporary file, opened at
// the bundle's first line. Lines that arrive in line order (no reshuffle)
// are written as they come; otherwise the file is read back and rewritten
// sorted at the bundle's end, which takes memory for one bundle (the runner
// sizes bundles).
type bundleFile struct {
	Prefix string `json:"prefix"`

	buf         []byte // the line being formatted
	name        string
	wc          io.WriteCloser
	w           *bufio.Writer
	first, last int64
	count       int
	outOfOrder  bool
	closeFS     func() error
}

// StartBundle forgets the last bundle's file.
func (f *bundleFile) StartBundle(_ func(shardFile)) {
	f.name, f.wc, f.w, f.count, f.outOfOrder = "", nil, nil, 0, false
}

// add writes f.buf, line n's text, as a line of the bundle's file.
func (f *bundleFile) add(ctx context.Context, n int64) error {
	if f.w == nil {
		if err := f.open(ctx); err != nil {
			return err
		}
		f.first, f.last = n, n
	}
	f.outOfOrder = f.outOfOrder || n < f.last
	f.first, f.last = min(f.first, n), max(f.last, n)
	f.count++
	f.buf = append(f.buf, '\n')
	_, err := f.w.Write(f.buf)
	f.buf = f.buf[:0]
	return err
}

func (f *bundleFile) open(ctx context.Context) error {
	var tag [8]byte
	rand.Read(tag[:]) // crypto/rand.Read does not fail
	f.name = fmt.Sprintf("%s.tmp-%s.csv", f.Prefix, hex.EncodeToString(tag[:]))
	fs, err := filesystem.New(ctx, f.name)
	if err != nil {
		return err
	}
	wc, err := fs.OpenWrite(ctx, f.name)
	if err != nil {
		fs.Close()
		return fmt.Errorf("creating %s: %w", f.name, err)
	}
	f.wc, f.w, f.closeFS = wc, bufio.NewWriterSize(wc, 1<<20), fs.Close
	return nil
}

// Teardown closes the file of a bundle that failed before its end.
func (f *bundleFile) Teardown() {
	if f.wc != nil {
		f.wc.Close()
		f.closeFS()
		f.w, f.wc = nil, nil
	}
}

// FinishBundle completes the bundle's file (sorting it when needed) and
// emits its name.
func (f *bundleFile) FinishBundle(ctx context.Context, emit func(shardFile)) error {
	if f.w == nil {
		return nil
	}
	defer f.closeFS()
	err := f.w.Flush()
	if cerr := f.wc.Close(); err == nil {
		err = cerr
	}
	f.w, f.wc = nil, nil
	if err != nil {
		return fmt.Errorf("writing %s: %w", f.name, err)
	}
	if f.outOfOrder {
		if err := sortFile(ctx, f.name); err != nil {
			return err
		}
	}
	emit(shardFile{First: f.first, Temp: f.name})
	return nil
}

// sortFile rewrites the CSV file name with its records sorted by their
// first field, an integer.
func sortFile(ctx context.Context, name string) error {
	fs, err := filesystem.New(ctx, name)
	if err != nil {
		return err
	}
	defer fs.Close()
	data, err := filesystem.Read(ctx, fs, name)
	if err != nil {
		return fmt.Errorf("reading %s back: %w", name, err)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return fmt.Errorf("reading %s back: %w", name, err)
	}
	key := func(r []string) int64 { n, _ := strconv.ParseInt(r[0], 10, 64); return n }
	slices.SortStableFunc(recs, func(a, b []string) int { return cmpInt(key(a), key(b)) })
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	w.WriteAll(recs) // a bytes.Buffer does not fail
	return filesystem.Write(ctx, fs, name, out.Bytes())
}

// writePredictionsFn is writePredictions' DoFn.
type writePredictionsFn struct{ bundleFile }

// ProcessElement buffers the line "n,y0,y1,...".
func (f *writePredictionsFn) ProcessElement(ctx context.Context, n int64, p kerabeam.Prediction, _ func(shardFile)) error {
	f.buf = strconv.AppendInt(f.buf, n, 10)
	for _, v := range p.Values {
		f.buf = appendFloat32(append(f.buf, ','), v)
	}
	return f.add(ctx, n)
}

// appendFloat32 formats v so that it reads back as the same float32, with
// NumPy's spellings of NaN and infinities.
func appendFloat32(b []byte, v float32) []byte {
	switch {
	case v != v:
		return append(b, "nan"...)
	case v > math.MaxFloat32:
		return append(b, "inf"...)
	case v < -math.MaxFloat32:
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, float64(v), 'g', -1, 32)
}

// writeDeadLettersFn is writeDeadLetters' DoFn.
type writeDeadLettersFn struct{ bundleFile }

// ProcessElement buffers the line "n,reason", the reason quoted as CSV
// needs.
func (f *writeDeadLettersFn) ProcessElement(ctx context.Context, n int64, d kerabeam.DeadLetter, _ func(shardFile)) error {
	var sb strings.Builder
	w := csv.NewWriter(&sb)
	w.Write([]string{strconv.FormatInt(n, 10), d.Reason}) // a strings.Builder does not fail
	w.Flush()
	f.buf = append(f.buf, strings.TrimSuffix(sb.String(), "\n")...)
	return f.add(ctx, n)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// finalizeFn renames the temporary files to PREFIX-SSSSS-of-NNNNN.csv in
// the order of their first lines.
type finalizeFn struct {
	Prefix string `json:"prefix"`
}

// ProcessElement renames all the bundles' files.
func (f *finalizeFn) ProcessElement(ctx context.Context, _ int, files func(*shardFile) bool) error {
	var all []shardFile
	var sf shardFile
	for files(&sf) {
		all = append(all, sf)
	}
	slices.SortFunc(all, func(a, b shardFile) int { return cmpInt(a.First, b.First) })
	fs, err := filesystem.New(ctx, f.Prefix)
	if err != nil {
		return err
	}
	defer fs.Close()
	for i, sf := range all {
		name := fmt.Sprintf("%s-%05d-of-%05d.csv", f.Prefix, i, len(all))
		if err := filesystem.Rename(ctx, fs, sf.Temp, name); err != nil {
			return fmt.Errorf("renaming %s to %s: %w", sf.Temp, name, err)
		}
	}
	return nil
}
