package loader

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// lazyMember is an io.ReaderAt over a compressed archive member that
// inflates on demand: it holds the member's bytes only up to the furthest
// offset read so far, and refuses to inflate past limit bytes. The size the
// archive declares bounds the offsets but never drives an allocation; a
// member that ends early is an error. It is safe for concurrent use.
type lazyMember struct {
	name  string
	size  int64 // declared uncompressed size
	limit int64 // most bytes kept in memory (the memory budget)

	mu  sync.Mutex
	rc  io.Reader
	buf []byte
	err error // sticky error from inflating
}

// lazyChunk is how much lazyMember inflates at least at a time.
const lazyChunk = 256 << 10

// ReadAt implements io.ReaderAt.
func (m *lazyMember) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("%s: negative offset %d", m.name, off)
	}
	if off >= m.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), m.size)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fill(end); err != nil {
		return 0, err
	}
	n := copy(p, m.buf[off:end])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// fill inflates until the buffer holds end bytes.
func (m *lazyMember) fill(end int64) error {
	if end > m.limit {
		return fmt.Errorf("%s: reading up to byte %d would inflate %s of the archive member in memory, beyond the memory budget of %s (raise it with --memory-budget or %s)",
			m.name, end, FormatSize(end), FormatSize(m.limit), MemoryBudgetEnv)
	}
	for int64(len(m.buf)) < end {
		if m.err != nil {
			return m.err
		}
		want := max(end-int64(len(m.buf)), lazyChunk, int64(len(m.buf))/4)
		want = min(want, m.size-int64(len(m.buf)), m.limit-int64(len(m.buf)))
		start := len(m.buf)
		m.buf = slices.Grow(m.buf, int(want))[:start+int(want)]
		n, err := io.ReadFull(m.rc, m.buf[start:])
		m.buf = m.buf[:start+n]
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			m.err = fmt.Errorf("%s: the member holds %d bytes but declares %d", m.name, len(m.buf), m.size)
		} else if err != nil {
			m.err = fmt.Errorf("%s: inflating: %w", m.name, err)
		}
	}
	return nil
}

// drain reads the rest of the member without keeping it, so that the
// archive reader checks its length and CRC-32.
func (m *lazyMember) drain() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	n, err := io.Copy(io.Discard, m.rc)
	if err != nil {
		return err
	}
	if got := int64(len(m.buf)) + n; got != m.size {
		return fmt.Errorf("%s: the member holds %d bytes but declares %d", m.name, got, m.size)
	}
	return nil
}
