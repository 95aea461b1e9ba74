// Package testenv holds helpers for tests that need tools outside Go.
package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Python is the interpreter the interoperability tests use (Debian's, where
// apt-get installs python3-h5py).
const Python = "/usr/bin/python3"

// InCI reports whether the tests run in continuous integration (CI=true),
// where a missing dependency is a failure, not a skip.
func InCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v == "true" || v == "1" || v == "yes"
}

// RequireH5py returns Python when it can import h5py and numpy. Otherwise
// the test is skipped with the install command — or, in CI, fails: CI must
// not pass without the interoperability checks (scripts/test.sh installs
// python3-h5py).
func RequireH5py(t testing.TB) string {
	t.Helper()
	why := ""
	if _, err := os.Stat(Python); err != nil {
		why = Python + " not found"
	} else if out, err := exec.Command(Python, "-c", "import h5py, numpy").CombinedOutput(); err != nil {
		why = Python + " cannot import h5py and numpy: " + strings.TrimSpace(string(out))
	}
	if why == "" {
		return Python
	}
	msg := "h5py interoperability check: " + why + " (apt-get install python3-h5py python3-numpy)"
	if InCI() {
		t.Fatal(msg + "; CI=true, so this fails instead of skipping")
	}
	t.Skip(msg)
	return ""
}
