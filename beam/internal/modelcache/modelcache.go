// Package modelcache shares loaded models between the DoFn instances of one
// Beam worker process: the first to ask loads, the others wait for that
// load, and the model is dropped when the last holder releases it. It does
// not import Beam, so that its race test stays cheap.
package modelcache

import (
	"context"
	"fmt"
	"sync"

	"github.com/kerago/kerago/keras"
)

// Source names a model's files; it keys the cache.
type Source struct{ Model, Weights string }

// String names the files, for error messages.
func (s Source) String() string {
	if s.Weights == "" {
		return s.Model
	}
	return s.Model + " with weights " + s.Weights
}

// Handle is a loaded model, shared by its holders.
type Handle struct {
	Model *keras.Model

	src   Source
	err   error
	ready chan struct{} // closed once Model or err is set
	refs  int           // guarded by Cache.mu
}

// Cache loads each Source once while someone holds it.
type Cache struct {
	load    func(context.Context, Source) (*keras.Model, error)
	mu      sync.Mutex
	handles map[Source]*Handle
}

// New returns a cache that loads with load.
func New(load func(context.Context, Source) (*keras.Model, error)) *Cache {
	return &Cache{load: load, handles: make(map[Source]*Handle)}
}

// Acquire returns src's model, loading it if no one holds it; loaded says
// whether this call did the loading. Concurrent callers wait for one load. A
// failed load is not kept: the next Acquire tries again.
func (c *Cache) Acquire(ctx context.Context, src Source) (h *Handle, loaded bool, err error) {
	c.mu.Lock()
	h, ok := c.handles[src]
	if !ok {
		h = &Handle{src: src, ready: make(chan struct{})}
		c.handles[src] = h
	}
	h.refs++
	c.mu.Unlock()
	if ok {
		return c.wait(ctx, h)
	}
	model, err := c.load(ctx, src)
	if err != nil {
		c.mu.Lock()
		h.refs--
		delete(c.handles, src) // waiters still hold h, and see err
		c.mu.Unlock()
	}
	h.Model, h.err = model, err
	close(h.ready)
	if err != nil {
		return nil, false, err
	}
	return h, true, nil
}

// wait waits for another caller's load of h.
func (c *Cache) wait(ctx context.Context, h *Handle) (*Handle, bool, error) {
	select {
	case <-h.ready:
	case <-ctx.Done():
		c.Release(h)
		return nil, false, fmt.Errorf("waiting for model %s: %w", h.src, ctx.Err())
	}
	if h.err != nil {
		return nil, false, h.err // h has left the cache
	}
	return h, false, nil
}

// Release gives h back; the last holder drops it from the cache.
func (c *Cache) Release(h *Handle) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h.refs--
	if h.refs == 0 && c.handles[h.src] == h {
		delete(c.handles, h.src)
	}
}
