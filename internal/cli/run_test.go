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

// TestPredictRefusesConfigOnly: a config without weights is refused (its
// answers would be random); with --weights or --allow-random-weights it runs,
// and with --weights the answers match Keras's y.npy.
func TestPredictRefusesConfigOnly(t *testing.T) {
	src := filepath.Join("..", "..", "testdata", "keras-cases", "mlp_2_10_10_2")
	ref := filepath.Join("..", "..", "testdata", "serve", "mlp_2_10_10_2")
	cfg := filepath.Join(src, "model.json")
	dir := t.TempDir()
	out := filepath.Join(dir, "y.npy")
	run := func(args ...string) (int, string) {
		var o, e bytes.Buffer
		code := Run(context.Background(), append([]string{"predict", cfg, "--input", filepath.Join(ref, "x.npy"), "--output", out}, args...),
			Env{Stdout: &o, Stderr: &e})
		return code, e.String()
	}
	if code, msg := run(); code != ExitError || !strings.Contains(msg, "without weights") || !strings.Contains(msg, "--allow-random-weights") {
		t.Fatalf("config only: exit %d, %q; want an error naming --allow-random-weights", code, msg)
	}
	if code, msg := run("--allow-random-weights"); code != ExitOK {
		t.Fatalf("--allow-random-weights: exit %d, %q", code, msg)
	}
	if code, msg := run("--weights", filepath.Join(src, "model.weights.h5")); code != ExitOK {
		t.Fatalf("--weights: exit %d, %q", code, msg)
	}
	got, err := tensor.LoadNpy(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := tensor.LoadNpy(filepath.Join(ref, "y.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if ok, i, d := tensor.AllClose(got, want, 1e-5, 1e-5); !ok {
		t.Fatalf("element %d differs from Keras by %g", i, d)
	}
}
