// Package atomicfile replaces files atomically: the new content goes to a
// temporary file in the same directory, which is synced and renamed over
// the target, so a crash or an error never leaves a half-written file where
// a good one was.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile writes path with the bytes write produces. An existing file
// keeps its permission bits (a new one gets 0644); on any error the previous
// file is untouched and no temporary file is left behind. A target that
// exists and is not a regular file (/dev/null, a named pipe, a terminal) is
// written in place: renaming over it would replace the device.
func WriteFile(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	perm := os.FileMode(0o644)
	if st, serr := os.Stat(path); serr == nil {
		if st.IsDir() {
			return errors.New("is a directory")
		}
		if !st.Mode().IsRegular() {
			return WriteInPlace(path, write)
		}
		perm = st.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot create files in %s: %w", dir, err)
	}
	tmp := f.Name()
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				f.Close()
			}
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	closed = true
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		var le *os.LinkError
		if errors.As(err, &le) {
			err = le.Err
		}
		return fmt.Errorf("cannot replace %s: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // make the rename durable; not every filesystem can
		d.Close()
	}
	return nil
}

// WriteInPlace writes to an existing special file (a device or a pipe)
// without replacing it.
func WriteInPlace(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// WriteBytes is WriteFile for data already in memory.
func WriteBytes(path string, data []byte) error {
	return WriteFile(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
