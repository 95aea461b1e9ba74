package hdf5

import (
	"io"
	"sync"
)

// pageReader serves small reads (metadata) from cached 4 KiB pages of a file,
// so that walking a model costs few system calls. Large reads go straight
// through. At most maxCachedPages pages are kept.
type pageReader struct {
	r    io.ReaderAt
	size int64

	mu    sync.Mutex
	pages map[int64][]byte
}

const (
	pageSize       = 4096
	maxCachedPages = 256
)

func (p *pageReader) ReadAt(b []byte, off int64) (int, error) {
	if len(b) > 2*pageSize || off < 0 {
		return p.r.ReadAt(b, off)
	}
	n := 0
	for n < len(b) {
		at := off + int64(n)
		start := at - at%pageSize
		pg, err := p.page(start)
		if err != nil {
			return n, err
		}
		if at-start >= int64(len(pg)) {
			return n, io.EOF
		}
		n += copy(b[n:], pg[at-start:])
	}
	return n, nil
}

func (p *pageReader) page(start int64) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pg, ok := p.pages[start]; ok {
		return pg, nil
	}
	n := int64(pageSize)
	if p.size-start < n {
		n = p.size - start
	}
	if n <= 0 {
		return nil, io.EOF
	}
	pg := make([]byte, n)
	if m, err := p.r.ReadAt(pg, start); m < len(pg) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if p.pages == nil || len(p.pages) >= maxCachedPages {
		p.pages = map[int64][]byte{}
	}
	p.pages[start] = pg
	return pg, nil
}
