package main

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/kerago/kerago/tensor"
)

// The pipelines run on Beam's in-process runner, prism.
func TestMain(m *testing.M) { ptest.Main(m) }

var caseDir = filepath.Join("..", "..", "testdata", "keras-cases", "mlp_2_10_10_2")

// npyRows reads an .npy array (Keras's x or y) as flattened rows.
func npyRows(t *testing.T, name string) [][]float32 {
	t.Helper()
	a, err := tensor.LoadNpy(filepath.Join(caseDir, name))
	if err != nil {
		t.Fatal(err)
	}
	per := a.Len() / a.Dim(0)
	rows := make([][]float32, a.Dim(0))
	for i := range rows {
		rows[i] = a.Data()[i*per : (i+1)*per]
	}
	return rows
}

// writeCSV writes a CSV of header (if any) and lines, returning its path.
func writeCSV(t *testing.T, header string, lines []string) string {
	t.Helper()
	var sb strings.Builder
	if header != "" {
		sb.WriteString(header + "\n")
	}
	for _, l := range lines {
		sb.WriteString(l + "\n")
	}
	path := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func formatRow(v []float32) string {
	parts := make([]string, len(v))
	for i, f := range v {
		parts[i] = strconv.FormatFloat(float64(f), 'g', -1, 32)
	}
	return strings.Join(parts, ",")
}

// runExample runs the example's pipeline with o on prism.
func runExample(t *testing.T, o options) {
	t.Helper()
	p, s := beam.NewPipelineWithRoot()
	if err := buildPipeline(s, o); err != nil {
		t.Fatal(err)
	}
	if err := ptest.Run(p); err != nil {
		t.Fatal(err)
	}
}

// readShards reads PREFIX-*-of-*.csv files in name order, checking that the
// lines are in increasing line-number order within each file, and returns
// line number → the other fields.
func readShards(t *testing.T, prefix string) (map[int64][]string, int) {
	t.Helper()
	files, err := filepath.Glob(prefix + "-*-of-*.csv")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	out := map[int64][]string{}
	for _, f := range files {
		fd, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fd)
		last := int64(math.MinInt64)
		for sc.Scan() {
			fields := splitCSV(sc.Text())
			n, err := strconv.ParseInt(fields[0], 10, 64)
			if err != nil || n <= last {
				t.Errorf("%s: line %q: key not a number or out of order (after %d)", f, sc.Text(), last)
			}
			last = n
			out[n] = fields[1:]
		}
		fd.Close()
	}
	if tmp, _ := filepath.Glob(prefix + ".tmp-*"); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	return out, len(files)
}

// splitCSV splits "n,rest" where rest may be a quoted field (dead letters)
// or numbers.
func splitCSV(line string) []string {
	head, rest, _ := strings.Cut(line, ",")
	if strings.HasPrefix(rest, `"`) {
		return []string{head, strings.ReplaceAll(strings.Trim(rest, `"`), `""`, `"`)}
	}
	return append([]string{head}, strings.Split(rest, ",")...)
}

// TestExampleReproducesKeras: keras-cases/mlp_2_10_10_2's x.npy written as
// CSV (with a header) through the pipeline gives Keras's y.npy within
// allclose(1e-5, 1e-5), keyed by line number, in one shard on prism; with a
// reshuffle too.
func TestExampleReproducesKeras(t *testing.T) {
	x, y := npyRows(t, "x.npy"), npyRows(t, "y.npy")
	lines := make([]string, len(x))
	for i, r := range x {
		lines[i] = formatRow(r)
	}
	for _, reshuffle := range []string{"false", "true"} {
		t.Run("reshuffle="+reshuffle, func(t *testing.T) {
			in := writeCSV(t, "a,b", lines)
			out := filepath.Join(filepath.Dir(in), "out")
			runExample(t, options{model: filepath.Join(caseDir, "model.keras"), input: in, output: out, batchSize: 5, reshuffle: reshuffle})
			got, shards := readShards(t, out)
			if reshuffle == "false" && shards != 1 {
				t.Errorf("%d shards, want 1 (one bundle on prism)", shards)
			}
			if len(got) != len(y) {
				t.Fatalf("%d predictions, want %d", len(got), len(y))
			}
			for i, want := range y {
				fields := got[int64(i+2)] // the header is line 1
				if len(fields) != len(want) {
					t.Fatalf("line %d: %v, want %d values", i+2, fields, len(want))
				}
				for j, f := range fields {
					v, err := strconv.ParseFloat(f, 32)
					if err != nil || math.Abs(v-float64(want[j])) > 1e-5+1e-5*math.Abs(float64(want[j])) {
						t.Errorf("line %d value %d: %s, Keras %v", i+2, j, f, want[j])
					}
				}
			}
		})
	}
}

// TestExampleDeadLetters: unparsable, wrong-width and NaN rows go to the
// dead-letter file with their line numbers and reasons; the rest is scored.
func TestExampleDeadLetters(t *testing.T) {
	lines := []string{
		"0.5,0.25",
		"1,abc",
		"1,2,3",
		"nan,1",
		`"1,2`, // an unterminated quote runs to the end of the file
	}
	in := writeCSV(t, "", lines)
	out := filepath.Join(filepath.Dir(in), "out")
	runExample(t, options{model: filepath.Join(caseDir, "model.keras"), input: in, output: out, batchSize: 32, reshuffle: "false"})
	preds, _ := readShards(t, out)
	if _, ok := preds[1]; len(preds) != 1 || !ok {
		t.Errorf("predictions for lines %v, want line 1 only", keys(preds))
	}
	dead, _ := readShards(t, out+".dead-letters")
	want := map[int64]string{
		2: `column 2: "abc" is not a number`,
		3: "sample has 3 values; the model's input shape (2,) takes 2",
		4: "value 0 is NaN; the model takes finite numbers",
		5: `CSV: extraneous or missing " in quoted-field`,
	}
	for n, reason := range want {
		if got := dead[n]; len(got) != 1 || got[0] != reason {
			t.Errorf("dead letter for line %d: %q, want %q", n, got, reason)
		}
	}
	if len(dead) != len(want) {
		t.Errorf("dead letters for lines %v, want %v", keys(dead), keys(want))
	}
}

func keys[V any](m map[int64]V) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestOptionsCheck: flag mistakes are reported before anything runs.
func TestOptionsCheck(t *testing.T) {
	good := options{model: "m.keras", input: "in.csv", output: "out", batchSize: 32, reshuffle: "auto"}
	tests := []struct {
		name string
		edit func(*options)
		want string
	}{
		{"no model", func(o *options) { o.model = "" }, "--model is required"},
		{"no input", func(o *options) { o.input = "" }, "--input is required"},
		{"no output", func(o *options) { o.output = "" }, "--output is required"},
		{"batch", func(o *options) { o.batchSize = 0 }, "--batch-size 0 must be positive"},
		{"reshuffle", func(o *options) { o.reshuffle = "yes" }, `--reshuffle "yes" must be auto, true or false`},
	}
	if err := good.check(); err != nil {
		t.Fatalf("good options: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := good
			tt.edit(&o)
			if err := o.check(); err == nil || err.Error() != tt.want {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}
