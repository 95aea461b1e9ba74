package kerabeam

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/kerago/kerago/keras"
)

// workerModels is the worker process's model cache. It is the one piece of
// process-wide state in the package, and has to be: Beam deserializes a
// separate DoFn instance for each bundle processor of a worker, and only
// process memory is shared between them, which is what "one model per worker"
// means (Python Beam's RunInference uses its shared.Shared the same way).
var workerModels = newModelCache(loadModel)

// modelSource names a model's files; it keys the cache.
type modelSource struct{ Model, Weights string }

func (s modelSource) String() string {
	if s.Weights == "" {
		return s.Model
	}
	return s.Model + " with weights " + s.Weights
}

// modelHandle is a worker's loaded model, shared by its DoFn instances.
type modelHandle struct {
	src   modelSource
	model *keras.Model
	err   error
	ready chan struct{} // closed once model or err is set
	refs  int           // guarded by modelCache.mu
}

// modelCache loads each model once per process and keeps it while some DoFn
// instance holds it.
type modelCache struct {
	load    func(context.Context, modelSource) (*keras.Model, error)
	mu      sync.Mutex
	handles map[modelSource]*modelHandle
}

func newModelCache(load func(context.Context, modelSource) (*keras.Model, error)) *modelCache {
	return &modelCache{load: load, handles: make(map[modelSource]*modelHandle)}
}

// acquire returns src's model, loading it if no one holds it; loaded says
// whether this call did the loading. Concurrent callers wait for one load. A
// failed load is not kept: the next acquire tries again.
func (c *modelCache) acquire(ctx context.Context, src modelSource) (h *modelHandle, loaded bool, err error) {
	c.mu.Lock()
	h, ok := c.handles[src]
	if !ok {
		h = &modelHandle{src: src, ready: make(chan struct{})}
		c.handles[src] = h
	}
	h.refs++
	c.mu.Unlock()
	if ok {
		select {
		case <-h.ready:
		case <-ctx.Done():
			c.release(h)
			return nil, false, fmt.Errorf("kerabeam: waiting for model %s: %w", src, ctx.Err())
		}
		if h.err != nil {
			return nil, false, h.err // h has left the cache
		}
		return h, false, nil
	}
	model, err := c.load(ctx, src)
	if err != nil {
		c.mu.Lock()
		h.refs--
		delete(c.handles, src) // waiters still hold h, and see err
		c.mu.Unlock()
	}
	h.model, h.err = model, err
	close(h.ready)
	if err != nil {
		return nil, false, err
	}
	return h, true, nil
}

// release gives h back; the last holder drops it from the cache.
func (c *modelCache) release(h *modelHandle) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h.refs--
	if h.refs == 0 && c.handles[h.src] == h {
		delete(c.handles, h.src)
	}
}

// loadModel reads src with keras.Load (or LoadWithWeights). Files behind a
// URL are first copied, through Beam's filesystem package, to a temporary
// directory that is removed once the model is in memory.
func loadModel(ctx context.Context, src modelSource) (*keras.Model, error) {
	dir, err := os.MkdirTemp("", "kerago-model-")
	if err != nil {
		return nil, fmt.Errorf("kerabeam: loading model %s: %w", src, err)
	}
	defer os.RemoveAll(dir)
	model, err := localCopy(ctx, src.Model, filepath.Join(dir, "model"))
	if err != nil {
		return nil, fmt.Errorf("kerabeam: loading model %s: %w", src, err)
	}
	var m *keras.Model
	if src.Weights == "" {
		m, err = keras.Load(model)
	} else {
		var weights string
		if weights, err = localCopy(ctx, src.Weights, filepath.Join(dir, "weights")); err == nil {
			m, err = keras.LoadWithWeights(model, weights)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("kerabeam: loading model %s: %w", src, err)
	}
	return m, nil
}

// isURL reports whether p has a scheme (gs://, memfs://); Beam's filesystem
// package reads anything else as a local path.
func isURL(p string) bool { return strings.Index(p, "://") > 0 }

// localCopy returns a local path holding p's content: p itself when local,
// else a copy in dir under p's base name.
func localCopy(ctx context.Context, p, dir string) (string, error) {
	if !isURL(p) {
		return p, nil
	}
	fs, err := filesystem.New(ctx, p)
	if err != nil {
		return "", err
	}
	defer fs.Close()
	r, err := fs.OpenRead(ctx, p)
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", p, err)
	}
	defer r.Close()
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", err
	}
	name := path.Base(p[strings.Index(p, "://")+3:])
	if name == "." || name == "/" || name == "" {
		name = "model"
	}
	local := filepath.Join(dir, name)
	w, err := os.Create(local)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(w, r)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("copying %s: %w", p, err)
	}
	return local, nil
}
