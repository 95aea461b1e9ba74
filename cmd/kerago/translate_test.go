package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTranslate runs `kerago translate` on a corpus script (the translator's
// own tests compile and run the whole corpus) and on an outside-the-subset
// script, and checks the error paths give one line.
func TestTranslate(t *testing.T) {
	dir := t.TempDir()
	script, err := filepath.Abs("../../testdata/translate/corpus/fitref_adam_tfkeras.py")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "main.go")
	r := run(t, dir, "", "translate", script, "-o", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "package main") || !strings.Contains(string(b), "keras.NewSequential(") || strings.Contains(string(b), "TODO(kerago translate)") {
		t.Fatalf("generated program:\n%s", b)
	}
	if !strings.Contains(r.stderr, "translated completely") {
		t.Fatalf("report: %q", r.stderr)
	}
	if h := ok(t, dir, "help", "translate"); !strings.Contains(h.stdout, "usage: kerago translate") {
		t.Fatalf("help translate:\n%s", h.stdout)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"translate"}, 2, "kerago: translate: need exactly one script, got 0 (run 'kerago help translate')\n"},
		{[]string{"translate", "missing.py"}, 1, "kerago: translate: open missing.py: no such file or directory\n"},
	} {
		r := run(t, dir, "", c.args...)
		if r.code != c.code || r.stderr != c.want {
			t.Errorf("kerago %v: exit %d, stderr %q; want %d, %q", c.args, r.code, r.stderr, c.code, c.want)
		}
	}
}
