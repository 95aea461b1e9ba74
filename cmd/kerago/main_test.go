package main

// These tests build the kerago binary once (TestMain) and run it on the
// fixtures in testdata/cli, as a user would: exit status, standard output and
// the one error line on standard error.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kerago/kerago/tensor"
)

// kerago is the path of the binary TestMain builds.
var kerago string

// fixtures is testdata/cli at the repository root.
var fixtures = filepath.Join("..", "..", "testdata", "cli")

// shared holds the fixtures all packages share: keras-cases and realmodels
// (Keras-written and public files) and fit-refs (Keras training runs).
var shared = filepath.Join("..", "..", "testdata")

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kerago-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	kerago = filepath.Join(dir, "kerago")
	build := exec.Command("go", "build", "-o", kerago, ".")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building kerago: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	if fixtures, err = filepath.Abs(fixtures); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one kerago run printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// run runs kerago in dir with args (and stdin, if not empty).
func run(t *testing.T, dir, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(kerago, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("kerago %s: %v", strings.Join(args, " "), err)
		}
		r.code = ee.ExitCode()
	}
	return r
}

// ok runs kerago and fails the test unless it succeeds.
func ok(t *testing.T, dir string, args ...string) result {
	t.Helper()
	r := run(t, dir, "", args...)
	if r.code != 0 {
		t.Fatalf("kerago %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	if r.stderr != "" {
		t.Fatalf("kerago %s: unexpected stderr %q", strings.Join(args, " "), r.stderr)
	}
	return r
}

// checkOneLine checks a failure: the exit status, exactly one stderr line
// of the form "kerago: CMD: ..." containing want, and no Go traceback.
func checkOneLine(t *testing.T, r result, code int, cmd, want string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d (stderr %q)", r.code, code, r.stderr)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Errorf("stderr is not one line: %q", r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "kerago: "+cmd+": ") {
		t.Errorf("stderr %q does not start with %q", r.stderr, "kerago: "+cmd+": ")
	}
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q lacks %q", r.stderr, want)
	}
	for _, bad := range []string{"goroutine ", "panic", ".go:"} {
		if strings.Contains(r.stderr, bad) {
			t.Errorf("stderr has a Go traceback (%q): %q", bad, r.stderr)
		}
	}
}

// copyFile copies src to dst.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// loadNpy reads a .npy file or fails the test.
func loadNpy(t *testing.T, path string) *tensor.Tensor {
	t.Helper()
	x, err := tensor.LoadNpy(path)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// allclose fails the test unless got and want have the same shape and
// |got-want| <= atol + rtol*|want| everywhere (numpy.allclose).
func allclose(t *testing.T, what string, got, want *tensor.Tensor, atol, rtol float64) {
	t.Helper()
	if !tensor.SameShape(got.Shape(), want.Shape()) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
	}
	if ok, worst, diff := tensor.AllClose(got, want, atol, rtol); !ok {
		t.Fatalf("%s: element %d differs by %g (got %v, want %v)", what, worst, diff, got.Data()[worst], want.Data()[worst])
	}
}

// manifestEntry is one variable of an npy directory.
type manifestEntry struct {
	Index     int    `json:"index"`
	Path      string `json:"path"`
	Name      string `json:"name"`
	Shape     []int  `json:"shape"`
	DType     string `json:"dtype"`
	Trainable bool   `json:"trainable"`
	File      string `json:"file"`
}

// readNpyDir reads the variables of an npy directory in manifest order.
func readNpyDir(t *testing.T, dir string) ([]manifestEntry, []*tensor.Tensor) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []manifestEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		t.Fatal(err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Index < entries[j].Index })
	var arrays []*tensor.Tensor
	for _, e := range entries {
		arrays = append(arrays, loadNpy(t, filepath.Join(dir, e.File)))
	}
	return entries, arrays
}
