package serve

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// modelFlags collects repeated --model NAME[@VERSION]=PATH flags.
type modelFlags []ModelConfig

func (m *modelFlags) String() string {
	var parts []string
	for _, c := range *m {
		parts = append(parts, fmt.Sprintf("%s@%d=%s", c.Name, c.Version, c.Path))
	}
	return strings.Join(parts, " ")
}

func (m *modelFlags) Set(v string) error {
	spec, path, ok := strings.Cut(v, "=")
	if !ok || spec == "" || path == "" {
		return fmt.Errorf("want NAME=PATH or NAME@VERSION=PATH, got %q", v)
	}
	name, ver := spec, int64(1)
	if n, vs, ok := strings.Cut(spec, "@"); ok {
		x, err := strconv.ParseInt(vs, 10, 64)
		if err != nil || x < 0 {
			return fmt.Errorf("version %q in %q must be a non-negative integer", vs, v)
		}
		name, ver = n, x
	}
	if err := validName(name); err != nil {
		return err
	}
	*m = append(*m, ModelConfig{Name: name, Version: ver, Path: path})
	return nil
}

// commandHooks lets tests observe the command without parsing its output.
type commandHooks struct {
	ready    func(addr net.Addr, s *Server) // called once the server is listening
	reloaded func(err error)                // called after each SIGHUP reload
}

// RunCommand runs `kerago serve` with the arguments after "serve":
//
//	kerago serve --model NAME=PATH [--model NAME[@VERSION]=PATH ...]
//	    [--port 8501] [--host 127.0.0.1] [--max-batch N] [--batch-timeout D]
//	    [--max-body-bytes N] [--read-timeout D] [--write-timeout D]
//	    [--idle-timeout D] [--drain-grace D] [--shutdown-timeout D]
//	    [--max-inflight-bytes N] [--max-inflight-rows N] [--admission-wait D]
//	    [--non-finite-outputs tfserving|error] [--allow-random-weights]
//
// It loads every model with load (version 1 unless NAME@VERSION is given)
// and serves TensorFlow Serving's REST API until ctx is cancelled or the
// process gets SIGTERM or SIGINT. It then drains: /readyz answers 503 at
// once, the listener keeps accepting for --drain-grace while every response
// carries "Connection: close", then it stops accepting and waits for the
// requests in flight; --shutdown-timeout, counted from the signal, bounds
// the whole drain (uploads still arriving near its end are answered 503,
// and whatever remains is closed). SIGHUP reloads changed model files
// without dropping requests; a file that fails to load, or that has no
// stored weights, keeps the previous model serving and the reason is logged
// to stderr and counted in /metrics. The listening address is printed to
// stdout.
func RunCommand(ctx context.Context, args []string, stdout, stderr io.Writer, load Loader) error {
	return runCommand(ctx, args, stdout, stderr, load, commandHooks{})
}

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer, load Loader, hooks commandHooks) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var models modelFlags
	fs.Var(&models, "model", "model to serve as NAME=PATH or NAME@VERSION=PATH (repeatable; version 1 by default)")
	port := fs.Int("port", 8501, "TCP port to listen on (0 picks a free port)")
	host := fs.String("host", "127.0.0.1", "address to listen on (0.0.0.0 for all interfaces)")
	maxBatch := fs.Int("max-batch", 0, "merge concurrent requests into forward passes of up to N rows (0 or 1: no batching)")
	batchTimeout := fs.Duration("batch-timeout", DefaultBatchTimeout, "longest a request waits for others to fill a batch")
	maxBody := fs.Int64("max-body-bytes", DefaultMaxBodyBytes, "largest request body accepted")
	readTimeout := fs.Duration("read-timeout", 30*time.Second, "limit for reading a whole request")
	writeTimeout := fs.Duration("write-timeout", 60*time.Second, "limit for answering a request, from the end of its headers")
	idleTimeout := fs.Duration("idle-timeout", 120*time.Second, "how long an idle keep-alive connection stays open")
	shutdownTimeout := fs.Duration("shutdown-timeout", 30*time.Second, "longest drain after SIGTERM, grace period included")
	grace := fs.Duration("drain-grace", 5*time.Second, "after SIGTERM, how long /readyz answers 503 while new connections are still served")
	allowRandom := fs.Bool("allow-random-weights", false, "serve model files without stored weights (configs alone: random weights)")
	maxBytes := fs.Int64("max-inflight-bytes", DefaultMaxInflightBytes(), "request body bytes admitted at once (-1: no bound)")
	maxRows := fs.Int64("max-inflight-rows", DefaultMaxInflightRows, "decoded rows admitted at once (-1: no bound)")
	admissionWait := fs.Duration("admission-wait", DefaultAdmissionWait, "how long a request waits for room in the budgets before 503")
	nonFinite := fs.String("non-finite-outputs", string(NonFiniteTFServing), "NaN/Infinity predictions: tfserving (bare NaN/Infinity tokens, as TensorFlow Serving) or error (400 JSON error)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: kerago serve --model NAME=PATH [--model NAME[@VERSION]=PATH ...] [flags]\n\n"+
			"Serves Keras models with TensorFlow Serving's REST API (/v1/models/NAME[:predict|/metadata]),\n"+
			"plus /healthz (liveness), /readyz (readiness) and /metrics. SIGHUP reloads changed model files;\n"+
			"SIGTERM drains (readiness 503, grace period, Connection: close) and exits.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("serve: %w", err)
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("serve: unexpected argument %q (models are given with --model NAME=PATH)", fs.Arg(0))
	case len(models) == 0:
		return errors.New("serve: no model given: use --model NAME=PATH")
	case *port < 0 || *port > 65535:
		return fmt.Errorf("serve: --port %d out of range", *port)
	case *maxBatch < 0:
		return fmt.Errorf("serve: --max-batch %d must not be negative", *maxBatch)
	case *batchTimeout <= 0:
		return fmt.Errorf("serve: --batch-timeout %v must be positive", *batchTimeout)
	case *maxBody <= 0:
		return fmt.Errorf("serve: --max-body-bytes %d must be positive", *maxBody)
	case *readTimeout <= 0 || *writeTimeout <= 0 || *idleTimeout <= 0 || *shutdownTimeout <= 0 || *admissionWait <= 0:
		return errors.New("serve: timeouts must be positive")
	case *grace < 0:
		return fmt.Errorf("serve: --drain-grace %v must not be negative", *grace)
	case *maxBytes == 0 || *maxRows == 0:
		return errors.New("serve: --max-inflight-bytes and --max-inflight-rows must be positive, or -1 for no bound")
	case load == nil:
		return errors.New("serve: no model loader")
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv, err := New(Config{Models: models, Load: load, MaxBatch: *maxBatch, BatchTimeout: *batchTimeout,
		MaxBodyBytes: *maxBody, Logger: log, AllowRandomWeights: *allowRandom,
		MaxInflightBytes: *maxBytes, MaxInflightRows: *maxRows, AdmissionWait: *admissionWait,
		NonFiniteOutputs: NonFinitePolicy(*nonFinite), ReturnMemory: true})
	if err != nil {
		return err
	}
	defer srv.Close()

	// Handle signals before listening, so that a signal sent as soon as the
	// address is printed is never fatal.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(sigs)

	ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	ln = NewListener(ln)
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: min(*readTimeout, 10*time.Second),
		ReadTimeout:       *readTimeout,
		WriteTimeout:      *writeTimeout,
		IdleTimeout:       *idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	conns := &connTracker{}
	hs.ConnState = conns.track
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	var names []string
	for _, m := range srv.Models() {
		in := shapeString(append([]int{-1}, m.InputShape...))
		if len(m.Inputs) > 1 {
			in = signatureString(m.Inputs)
		}
		names = append(names, fmt.Sprintf("%s@%d %s", m.Name, m.Version, in))
	}
	fmt.Fprintf(stdout, "kerago serve: listening on http://%s (models: %s)\n", ln.Addr(), strings.Join(names, ", "))
	if hooks.ready != nil {
		hooks.ready(ln.Addr(), srv)
	}

	for {
		select {
		case err := <-served:
			return fmt.Errorf("serve: %w", err)
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				log.Info("serve: SIGHUP: reloading changed model files")
				err := srv.Reload(ctx)
				if hooks.reloaded != nil {
					hooks.reloaded(err)
				}
				continue
			}
			log.Info("serve: draining", "signal", sig.String(), "grace", *grace, "shutdown_timeout", *shutdownTimeout)
		case <-ctx.Done():
			log.Info("serve: draining", "reason", context.Cause(ctx).Error(), "grace", *grace, "shutdown_timeout", *shutdownTimeout)
		}
		return shutdown(hs, srv, drainPlan{grace: *grace, timeout: *shutdownTimeout, sigs: sigs, served: served, ln: ln, conns: conns}, log)
	}
}

// drainPlan times a shutdown.
type drainPlan struct {
	grace, timeout time.Duration
	sigs           <-chan os.Signal // a second SIGTERM or SIGINT ends the grace period early
	served         <-chan error
	ln             net.Listener
	conns          *connTracker
}

// abortMargin is how long before the shutdown deadline uploads still being
// received are answered 503, so that their answers go out before the
// remaining connections are closed.
func (p drainPlan) abortMargin() time.Duration { return min(p.timeout/4, 2*time.Second) }

// shutdown drains the server: readiness 503 and Connection: close at once,
// the grace period with the listener open, then the listener closes and the
// connections already accepted are served to the end of their requests
// before http.Server.Shutdown closes the idle ones (Shutdown alone would
// drop a request read after it began), all within plan.timeout from the
// start. Uploads still arriving plan.abortMargin() before the deadline are
// answered 503; connections left at the deadline are closed.
func shutdown(hs *http.Server, srv *Server, plan drainPlan, log *slog.Logger) error {
	start := time.Now()
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(plan.timeout))
	defer cancel()
	srv.Drain()
	waitGrace(ctx, plan, log)
	abort := time.AfterFunc(time.Until(start.Add(plan.timeout-plan.abortMargin())), srv.AbortUploads)
	defer abort.Stop()
	plan.ln.Close()
	if serr := <-plan.served; serr != nil && !errors.Is(serr, net.ErrClosed) && !errors.Is(serr, http.ErrServerClosed) {
		log.Error("serve: server error", "error", serr)
	}
	plan.conns.waitQuiet(ctx)
	err := hs.Shutdown(ctx)
	if err != nil {
		hs.Close()
	}
	srv.Close()
	if err != nil {
		return fmt.Errorf("serve: requests still running after %v: %w", plan.timeout, err)
	}
	log.Info("serve: stopped", "drain", time.Since(start).Round(time.Millisecond))
	return nil
}

// waitGrace waits out the grace period; a second SIGTERM or SIGINT ends it
// early (SIGHUP is ignored while draining).
func waitGrace(ctx context.Context, plan drainPlan, log *slog.Logger) {
	graceEnd := time.NewTimer(min(plan.grace, plan.timeout))
	defer graceEnd.Stop()
	for {
		select {
		case <-graceEnd.C:
			return
		case sig := <-plan.sigs:
			if sig == syscall.SIGHUP {
				continue
			}
			log.Info("serve: grace period cut short", "signal", sig.String())
			return
		case <-ctx.Done():
			return
		}
	}
}

// connTracker counts connections that are new (request not yet read) or
// active, from http.Server.ConnState.
type connTracker struct {
	mu    sync.Mutex
	state map[net.Conn]http.ConnState
	busy  int
}

func (t *connTracker) track(c net.Conn, st http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state == nil {
		t.state = map[net.Conn]http.ConnState{}
	}
	busy := func(s http.ConnState) bool { return s == http.StateNew || s == http.StateActive }
	if old, ok := t.state[c]; ok && busy(old) {
		t.busy--
	}
	if st == http.StateClosed || st == http.StateHijacked {
		delete(t.state, c)
		return
	}
	t.state[c] = st
	if busy(st) {
		t.busy++
	}
}

// waitQuiet waits until no connection is new or active, or ctx ends.
func (t *connTracker) waitQuiet(ctx context.Context) {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		t.mu.Lock()
		n := t.busy
		t.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}
