package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/serve"
)

func serveCommand() *command {
	return &command{
		name:     "serve",
		synopsis: "serve --model NAME=PATH [--model NAME[@VERSION]=PATH ...] [--port 8501] [flags]",
		summary:  "serve models over TensorFlow Serving's REST API",
		raw:      runServe,
		help: func(w io.Writer) {
			// serve prints its own usage for -h and returns nil.
			_ = serve.RunCommand(context.Background(), []string{"-h"}, w, w, nil)
		},
	}
}

// runServe runs serve.RunCommand. What it writes to standard error before
// it starts listening (the flag package's usage dump on a bad flag) is held
// back: a command-line mistake is reported as kerago's one error line, and
// anything else is passed on.
func runServe(ctx context.Context, env Env, args []string) error {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" || a == "--h" {
			serve.RunCommand(ctx, []string{"-h"}, env.Stdout, env.Stdout, nil)
			return nil
		}
	}
	stderr := &gateWriter{w: env.Stderr}
	stdout := &openOnWrite{w: env.Stdout, gate: stderr}
	err := serve.RunCommand(ctx, args, stdout, stderr, loadPredictor)
	if err == nil {
		stderr.open()
		return nil
	}
	msg := strings.TrimPrefix(err.Error(), "serve: ")
	if strings.Contains(msg, "flag provided but not defined") || strings.HasPrefix(msg, "no model given") ||
		strings.HasPrefix(msg, "unexpected argument") || strings.Contains(msg, "invalid value") ||
		strings.Contains(msg, "flag needs an argument") {
		stderr.discard()
		return usagef("%s", flagMessage(errors.New(msg)))
	}
	stderr.open()
	return errors.New(msg)
}

// gateWriter buffers writes until open (then writes them and passes later
// writes through) or discard.
type gateWriter struct {
	mu     sync.Mutex
	w      io.Writer
	buf    bytes.Buffer
	isOpen bool
}

func (g *gateWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.isOpen {
		return g.w.Write(p)
	}
	return g.buf.Write(p)
}

func (g *gateWriter) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.isOpen {
		g.isOpen = true
		g.w.Write(g.buf.Bytes())
		g.buf.Reset()
	}
}

func (g *gateWriter) discard() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.buf.Reset()
}

// openOnWrite opens gate at the first write (serve prints its address once
// it listens).
type openOnWrite struct {
	w    io.Writer
	gate *gateWriter
}

func (o *openOnWrite) Write(p []byte) (int, error) {
	o.gate.open()
	return o.w.Write(p)
}

// loadPredictor loads a model for kerago serve.
func loadPredictor(path string) (serve.Predictor, error) {
	m, err := keras.Load(path)
	if err != nil {
		return nil, err
	}
	return m, nil
}
