package serve

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	// DefaultMaxInflightRows is the rows budget when Config.MaxInflightRows
	// is 0: about 1M rows may wait for or run in forward passes at once.
	DefaultMaxInflightRows = 1 << 20
	// DefaultAdmissionWait is how long a request waits for room in the
	// budgets when Config.AdmissionWait is 0.
	DefaultAdmissionWait = 500 * time.Millisecond
	// retryAfterSeconds is sent in Retry-After with a 503 for overload.
	retryAfterSeconds = 1
	// returnMemoryAfter is how many body bytes must have been admitted
	// since memory was last returned before an idle server returns it
	// again (a body costs several times its size to decode and answer).
	returnMemoryAfter = 4 << 20
	// returnMemoryEvery spaces out forced collections.
	returnMemoryEvery = 5 * time.Second
)

// DefaultMaxInflightBytes is the body bytes budget when
// Config.MaxInflightBytes is 0: 1/256 of the machine's memory (or of the
// cgroup's limit when lower), between 16 MiB and 64 MiB. A request body
// costs several times its size while decoded and answered, and its rows
// cost more in the forward pass (see MaxInflightRows).
func DefaultMaxInflightBytes() int64 {
	return min(max(memoryBytes()/256, 16<<20), 64<<20)
}

// memoryBytes is the machine's memory or the cgroup v2 limit when lower;
// 4 GiB when neither can be read.
func memoryBytes() int64 {
	mem := int64(4 << 30)
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				if kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64); err == nil {
					mem = kb << 10
				}
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if lim, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && lim > 0 && lim < mem {
			mem = lim
		}
	}
	return mem
}

// budget is a counting semaphore with a timeout. An acquisition larger than
// the whole limit waits until nothing else is held and then runs alone.
type budget struct {
	mu      sync.Mutex
	limit   int64 // <= 0: unbounded
	used    int64
	changed chan struct{} // closed and replaced on every release
	gauge   func(int64)   // reports used
}

func newBudget(limit int64, gauge func(int64)) *budget {
	return &budget{limit: limit, changed: make(chan struct{}), gauge: gauge}
}

// errOverloaded is returned by acquire when the wait ran out.
var errOverloaded = errors.New("overloaded")

// acquire takes n units, waiting at most wait (or until ctx ends).
func (b *budget) acquire(ctx context.Context, n int64, wait time.Duration) error {
	var timer *time.Timer
	for {
		b.mu.Lock()
		if b.limit <= 0 || b.used+n <= b.limit || b.used == 0 {
			b.used += n
			b.gauge(b.used)
			b.mu.Unlock()
			if timer != nil {
				timer.Stop()
			}
			return nil
		}
		ch := b.changed
		b.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(wait)
		}
		select {
		case <-ch:
		case <-timer.C:
			return errOverloaded
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		}
	}
}

// release gives back n units and returns how many remain held.
func (b *budget) release(n int64) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	b.gauge(b.used)
	close(b.changed)
	b.changed = make(chan struct{})
	return b.used
}

// admission holds the server's in-flight budgets and returns memory to the
// operating system after bursts.
type admission struct {
	bytes, rows *budget
	wait        time.Duration
	returnMem   bool

	mu        sync.Mutex
	sinceFree int64     // bytes admitted since memory was last returned
	lastFree  time.Time // when it was
	pending   bool      // a return is scheduled
}

func newAdmission(cfg Config, m *metrics) (*admission, error) {
	if cfg.AdmissionWait < 0 {
		return nil, fmt.Errorf("serve: AdmissionWait %v must not be negative", cfg.AdmissionWait)
	}
	bytes, rows, wait := cfg.MaxInflightBytes, cfg.MaxInflightRows, cfg.AdmissionWait
	if bytes == 0 {
		bytes = DefaultMaxInflightBytes()
	}
	if rows == 0 {
		rows = DefaultMaxInflightRows
	}
	if wait == 0 {
		wait = DefaultAdmissionWait
	}
	return &admission{
		bytes:     newBudget(bytes, m.inflightBytes.Store),
		rows:      newBudget(rows, m.inflightRows.Store),
		wait:      wait,
		returnMem: cfg.ReturnMemory,
	}, nil
}

// overloaded is the answer to a request that found no room in a budget.
func overloaded(what string, limit int64) *apiError {
	return &apiError{code: http.StatusServiceUnavailable, reason: reasonOverloaded, retryAfter: retryAfterSeconds,
		msg: fmt.Sprintf("server is overloaded: the in-flight %s budget (%d) stayed full; retry after %d s", what, limit, retryAfterSeconds)}
}

// admitBytes reserves n body bytes, to be given back with releaseBytes.
func (a *admission) admitBytes(ctx context.Context, n int64) *apiError {
	return admitErr(a.bytes.acquire(ctx, n, a.wait), "body bytes", a.bytes.limit)
}

// releaseHeld gives back *n body bytes (deferred by a request, which adds
// to *n as its body arrives).
func (a *admission) releaseHeld(n *int64) {
	if *n > 0 {
		a.releaseBytes(*n)
	}
}

// releaseBytes gives back n body bytes.
func (a *admission) releaseBytes(n int64) {
	if a.bytes.release(n) == 0 {
		a.noteIdle(n)
	} else {
		a.note(n)
	}
}

// admitRows reserves n rows, to be given back with releaseRows.
func (a *admission) admitRows(ctx context.Context, n int64) *apiError {
	return admitErr(a.rows.acquire(ctx, n, a.wait), "rows", a.rows.limit)
}

// releaseRows gives back n rows.
func (a *admission) releaseRows(n int64) { a.rows.release(n) }

func admitErr(err error, what string, limit int64) *apiError {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errOverloaded):
		return overloaded(what, limit)
	}
	return &apiError{code: 499, reason: reasonCancelled, msg: err.Error()}
}

func (a *admission) note(n int64) {
	a.mu.Lock()
	a.sinceFree += n
	a.mu.Unlock()
}

// noteIdle records n released bytes with nothing left in flight, and
// schedules returning memory to the OS when a burst has passed.
func (a *admission) noteIdle(n int64) {
	if !a.returnMem {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sinceFree += n
	if a.pending || a.sinceFree < returnMemoryAfter {
		return
	}
	a.pending = true
	delay := max(returnMemoryEvery-time.Since(a.lastFree), 200*time.Millisecond)
	time.AfterFunc(delay, a.returnMemory)
}

// returnMemory forces a collection and returns freed pages to the OS if the
// server is still idle; otherwise the next idle moment tries again.
func (a *admission) returnMemory() {
	a.mu.Lock()
	a.pending = false
	a.mu.Unlock()
	a.bytes.mu.Lock()
	idle := a.bytes.used == 0
	a.bytes.mu.Unlock()
	if !idle {
		return
	}
	debug.FreeOSMemory()
	a.mu.Lock()
	a.sinceFree, a.lastFree = 0, time.Now()
	a.mu.Unlock()
}
