package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/internal/cli/datafile"
	"github.com/kerago/kerago/tensor"
)

// TestRunInProcess drives Run as cmd/kerago does, with in-memory streams:
// predict reads CSV from stdin and writes CSV to stdout; the result matches
// Keras's predict output (y.npy) within numpy.allclose(1e-5, 1e-5).
func TestRunInProcess(t *testing.T) {
	src := filepath.Join("..", "..", "testdata", "keras-cases", "mlp_activations")
	x, err := tensor.LoadNpy(filepath.Join(src, "x.npy"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := tensor.LoadNpy(filepath.Join(src, "y.npy"))
	if err != nil {
		t.Fatal(err)
	}
	var in bytes.Buffer
	names := make([]string, x.Dim(1))
	for i := range names {
		names[i] = "feature_" + string(rune('a'+i))
	}
	in.WriteString(strings.Join(names, ",") + "\n")
	if err := datafile.WriteCSV(&in, x); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"predict", filepath.Join(src, "model.h5"), "--input", "-", "--output", "-"},
		Env{Stdin: &in, Stdout: &out, Stderr: &errb})
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got, err := datafile.ReadCSV(&out)
	if err != nil {
		t.Fatal(err)
	}
	got, err = got.Reshape(want.Shape()...)
	if err != nil {
		t.Fatal(err)
	}
	if ok, i, d := tensor.AllClose(got, want, 1e-5, 1e-5); !ok {
		t.Fatalf("element %d differs by %g", i, d)
	}

	// A cancelled context stops fit before it saves anything.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	errb.Reset()
	dir := t.TempDir()
	code = Run(ctx, []string{"fit", filepath.Join(src, "model.h5"), "--x", filepath.Join(src, "x.npy"), "--y", filepath.Join(src, "y.npy"),
		"--loss", "mse", "--output", filepath.Join(dir, "o.keras")}, Env{Stdout: &out, Stderr: &errb})
	if code != ExitError || !strings.Contains(errb.String(), "kerago: fit: interrupted: nothing saved") {
		t.Fatalf("cancelled fit: exit %d, %q", code, errb.String())
	}
}
