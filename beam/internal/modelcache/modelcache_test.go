package modelcache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kerago/kerago/keras"
)

// TestModelCacheConcurrent: many DoFn instances setting up at once share one
// load; the last release drops the model, so a later acquire loads again.
// Run with -race.
func TestModelCacheConcurrent(t *testing.T) {
	var loads atomic.Int32
	model := &keras.Model{}
	c := New(func(ctx context.Context, src Source) (*keras.Model, error) {
		loads.Add(1)
		time.Sleep(10 * time.Millisecond) // let the others arrive while loading
		return model, nil
	})
	src := Source{Model: "m.keras"}
	const n = 16
	handles := make([]*Handle, n)
	var loaders atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			h, loaded, err := c.Acquire(context.Background(), src)
			if err != nil {
				t.Error(err)
				return
			}
			if loaded {
				loaders.Add(1)
			}
			if h.Model != model {
				t.Error("acquire returned another model")
			}
			handles[i] = h
		})
	}
	wg.Wait()
	if loads.Load() != 1 || loaders.Load() != 1 {
		t.Fatalf("%d loads, %d callers told they loaded; want 1 and 1", loads.Load(), loaders.Load())
	}
	for _, h := range handles[:n-1] {
		c.Release(h)
	}
	if _, _, err := c.Acquire(context.Background(), src); err != nil || loads.Load() != 1 {
		t.Fatalf("acquire while held: err %v, loads %d; want the cached model", err, loads.Load())
	}
	c.Release(handles[n-1])
	c.Release(handles[0]) // the one acquired just above
	if _, loaded, _ := c.Acquire(context.Background(), src); !loaded || loads.Load() != 2 {
		t.Errorf("acquire after the last release: loaded %v, loads %d; want a fresh load", loaded, loads.Load())
	}
}

// TestModelCacheLoadError: a failed load reaches every waiter and is not
// kept, so the next Setup (a retried bundle) tries again.
func TestModelCacheLoadError(t *testing.T) {
	var loads atomic.Int32
	boom := errors.New("boom")
	c := New(func(ctx context.Context, src Source) (*keras.Model, error) {
		if loads.Add(1) == 1 {
			time.Sleep(10 * time.Millisecond)
			return nil, boom
		}
		return &keras.Model{}, nil
	})
	src := Source{Model: "m.keras"}
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 4 {
		wg.Go(func() {
			if _, _, err := c.Acquire(context.Background(), src); errors.Is(err, boom) {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if failed.Load() == 0 {
		t.Fatal("no caller saw the load error")
	}
	if _, loaded, err := c.Acquire(context.Background(), src); err != nil || !loaded {
		t.Errorf("acquire after a failed load: loaded %v, err %v; want a new load", loaded, err)
	}
}
