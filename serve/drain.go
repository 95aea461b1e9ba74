package serve

import (
	"context"
	"net/http"
	"sync/atomic"
)

// drainState is the server's side of a graceful shutdown.
type drainState struct {
	draining atomic.Bool
	// abort ends body reads still in progress (slow uploads) when the
	// shutdown deadline nears.
	abort      context.Context
	abortReads context.CancelFunc
}

func (d *drainState) init() {
	d.abort, d.abortReads = context.WithCancel(context.Background())
}

// Drain marks the server as draining: /readyz answers 503 from now on, so a
// load balancer stops sending new work, while requests keep being served;
// every response carries "Connection: close", so keep-alive connections end
// after their current request instead of being cut by the HTTP server's
// shutdown. Call it when a shutdown begins, wait a grace period, then shut
// the http.Server down. Drain cannot be undone.
func (s *Server) Drain() {
	s.drain.draining.Store(true)
	s.metrics.draining.Store(true)
}

// Draining reports whether Drain was called.
func (s *Server) Draining() bool { return s.drain.draining.Load() }

// AbortUploads makes request bodies still being received fail at once, so
// their requests are answered with 503 (and the connection closed) rather
// than holding a shutdown until the read timeout. kerago serve calls it
// shortly before the shutdown timeout runs out.
func (s *Server) AbortUploads() { s.drain.abortReads() }

// handleReady answers /readyz: 200 while the server takes new work, 503 once
// it drains or is closed.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) outcome {
	o := outcome{api: "readyz"}
	if !s.allow(w, r, &o, http.MethodGet) {
		return o
	}
	if s.Draining() || s.closed.Load() {
		return s.fail(w, o, &apiError{code: http.StatusServiceUnavailable, reason: reasonShuttingDown, retryAfter: retryAfterSeconds,
			msg: "server is draining: it answers the requests it receives but takes no new work; send new requests elsewhere"})
	}
	return s.writeStatus(w, o, "ready")
}
