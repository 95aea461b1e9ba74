package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.keras")
	if err := WriteBytes(p, []byte("good")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	// A failing writer leaves the previous file and no temporary file.
	boom := errors.New("boom")
	err := WriteFile(p, func(w io.Writer) error {
		w.Write([]byte("half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "good" {
		t.Fatalf("previous file changed: %q", b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("left behind: %v", ents)
	}
	// Replacing keeps the permission bits.
	if err := WriteBytes(p, []byte("new")); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if b, _ := os.ReadFile(p); string(b) != "new" || st.Mode().Perm() != 0o600 {
		t.Fatalf("content %q mode %v", b, st.Mode())
	}
	if err := WriteBytes(dir, nil); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("writing over a directory: %v", err)
	}
	if err := WriteBytes(filepath.Join(dir, "missing", "x"), nil); err == nil || !strings.Contains(err.Error(), "cannot create files in") {
		t.Fatalf("missing directory: %v", err)
	}
}

// TestSpecialFileKept: writing to /dev/null goes to the device; it is not
// replaced by a regular file (which a rename over it would do, as root).
func TestSpecialFileKept(t *testing.T) {
	st, err := os.Stat(os.DevNull)
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Skipf("%s is not a character device here", os.DevNull)
	}
	if err := WriteBytes(os.DevNull, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("%s is no longer a character device: %v %v", os.DevNull, st.Mode(), err)
	}
}
