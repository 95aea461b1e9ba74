package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	kerabeam "github.com/kerago/kerago/beam"
)

func init() {
	register.DoFn4x1[context.Context, string, func(int64, kerabeam.Sample), func(int64, kerabeam.DeadLetter), error](&readCSVFn{})
	register.Emitter2[int64, kerabeam.Sample]()
	register.Emitter2[int64, kerabeam.DeadLetter]()
}

// buildPipeline adds to s: read the CSV → (reshuffle) → kerabeam.Score →
// format as CSV lines → write them, and the same for the dead letters.
func buildPipeline(s beam.Scope, o options) error {
	for _, p := range []string{o.input, o.output} {
		if err := checkScheme(p); err != nil {
			return err
		}
	}
	rows, bad := beam.ParDo2(s, &readCSVFn{}, beam.Create(s, o.input))
	if o.reshuffle == "true" {
		rows = beam.Reshuffle(s, rows)
	}
	cfg := kerabeam.Config{Model: o.model, Weights: o.weights, BatchSize: o.batchSize}
	preds, dead, err := kerabeam.TryScore(s, cfg, rows)
	if err != nil {
		return err
	}
	writePredictions(s.Scope("predictions"), o.output, preds)
	writeDeadLetters(s.Scope("dead letters"), o.output+".dead-letters", beam.Flatten(s, bad, dead))
	return nil
}

// checkScheme reports whether Beam's filesystem package can read path
// (filesystem.ValidateScheme panics instead).
func checkScheme(path string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	filesystem.ValidateScheme(path)
	return nil
}

// readCSVFn reads a CSV file, emitting each data row as a Sample keyed by
// its line number (1-based), and rows that are not numbers as dead letters.
type readCSVFn struct{}

// ProcessElement reads the file at path, through Beam's filesystem package.
func (f *readCSVFn) ProcessElement(ctx context.Context, path string, emit func(int64, kerabeam.Sample), bad func(int64, kerabeam.DeadLetter)) error {
	fs, err := filesystem.New(ctx, path)
	if err != nil {
		return err
	}
	defer fs.Close()
	rc, err := fs.OpenRead(ctx, path)
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	defer rc.Close()
	if err := readCSV(rc, emit, bad); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	return nil
}

// readCSV reads CSV rows from r (see readCSVFn).
func readCSV(r io.Reader, emit func(int64, kerabeam.Sample), bad func(int64, kerabeam.DeadLetter)) error {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	cr.FieldsPerRecord = -1 // the model checks the width
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	first := true
	var slab []float32
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if perr := (*csv.ParseError)(nil); errors.As(err, &perr) {
				first = false
				bad(int64(perr.Line), kerabeam.DeadLetter{Reason: "CSV: " + perr.Err.Error()})
				continue
			}
			return err
		}
		line, _ := cr.FieldPos(0)
		if len(slab) < len(rec) {
			slab = make([]float32, max(slabRows*len(rec), len(rec)))
		}
		values := slab[:len(rec):len(rec)]
		reason := parseRow(rec, values)
		if first {
			first = false
			if reason != "" {
				continue // a header
			}
		}
		if reason != "" {
			bad(int64(line), kerabeam.DeadLetter{Reason: reason})
			continue
		}
		slab = slab[len(rec):]
		emit(int64(line), kerabeam.Floats(values...))
	}
}

// slabRows is how many rows' values readCSV allocates at once.
const slabRows = 4096

// parseRow parses a row's fields as float32 into values ("nan" and "inf"
// included, as NumPy writes them), or says which field is not a number.
func parseRow(rec []string, values []float32) string {
	for i, field := range rec {
		v, err := strconv.ParseFloat(strings.TrimSpace(field), 32)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return fmt.Sprintf("column %d: %q is not a number", i+1, field)
		}
		values[i] = float32(v)
	}
	return ""
}
