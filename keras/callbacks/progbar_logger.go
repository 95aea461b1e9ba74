package callbacks

import (
	"github.com/kerago/kerago/internal/progbar"
)

// ProgbarLogger prints Keras's progress bar (verbose 1) or one line per
// epoch (verbose 2). Fit adds it when Verbose is not 0.
type ProgbarLogger struct {
	Base
	// Dynamic selects in-place redraws ("\b…\r"), as Keras does on POSIX
	// systems; false writes every update on a new line.
	Dynamic bool

	bar      *progbar.Bar
	seen     int
	target   int
	verbose  int
	epochs   int
	inFit    bool
	hasSteps bool
}

// NewProgbarLogger returns a logger with dynamic display.
func NewProgbarLogger() *ProgbarLogger { return &ProgbarLogger{Dynamic: true} }

// SetParams reads verbose, epochs and steps.
func (p *ProgbarLogger) SetParams(ps Params) {
	p.Base.SetParams(ps)
	p.verbose = ps.Verbose
	p.epochs = ps.Epochs
	p.target = ps.Steps
	p.hasSteps = ps.Steps > 0
}

func (p *ProgbarLogger) reset() { p.seen = 0; p.bar = nil }

func (p *ProgbarLogger) maybeInit() {
	if p.bar == nil && p.Params.Out != nil {
		p.bar = progbar.New(p.Params.Out, p.target, p.verbose)
		p.bar.Dynamic = p.Dynamic
		p.bar.Start()
	}
}

func (p *ProgbarLogger) update(batch int, logs *Logs) {
	p.maybeInit()
	p.seen = batch + 1
	if p.verbose == 1 && p.bar != nil {
		p.bar.Update(p.seen, kvs(logs), false)
	}
}

func (p *ProgbarLogger) finalize(logs *Logs) {
	p.maybeInit()
	if !p.hasSteps {
		p.target = p.seen
		if p.bar != nil {
			p.bar.Target = p.target
		}
	}
	if p.bar != nil {
		p.bar.Update(p.target, kvs(logs), true)
	}
}

func kvs(l *Logs) []progbar.KV {
	out := make([]progbar.KV, 0, l.Len())
	for _, k := range l.Keys() {
		v, _ := l.Get(k)
		out = append(out, progbar.KV{Key: k, Value: v})
	}
	return out
}

// OnTrainBegin marks the logger as running inside Fit.
func (p *ProgbarLogger) OnTrainBegin(*Logs) error { p.inFit = true; return nil }

// OnEpochBegin starts a new bar and prints "Epoch e/E" when E > 1.
func (p *ProgbarLogger) OnEpochBegin(epoch int, _ *Logs) error {
	p.reset()
	p.maybeInit()
	if p.verbose != 0 && p.epochs > 1 {
		p.printf("Epoch %d/%d\n", epoch+1, p.epochs)
	}
	return nil
}

// OnTrainBatchEnd updates the bar.
func (p *ProgbarLogger) OnTrainBatchEnd(batch int, logs *Logs) error {
	p.update(batch, logs)
	return nil
}

// OnEpochEnd finalizes the bar with the epoch's logs.
func (p *ProgbarLogger) OnEpochEnd(_ int, logs *Logs) error { p.finalize(logs); return nil }

// OnTestBegin starts a bar for a standalone Evaluate.
func (p *ProgbarLogger) OnTestBegin(*Logs) error {
	if !p.inFit {
		p.reset()
		p.maybeInit()
	}
	return nil
}

// OnTestBatchEnd updates the bar of a standalone Evaluate.
func (p *ProgbarLogger) OnTestBatchEnd(batch int, logs *Logs) error {
	if !p.inFit {
		p.update(batch, logs)
	}
	return nil
}

// OnTestEnd finalizes the bar of a standalone Evaluate.
func (p *ProgbarLogger) OnTestEnd(logs *Logs) error {
	if !p.inFit {
		p.finalize(logs)
	}
	return nil
}

// OnPredictBegin starts a bar for Predict.
func (p *ProgbarLogger) OnPredictBegin(*Logs) error { p.reset(); p.maybeInit(); return nil }

// OnPredictBatchEnd updates the Predict bar (no values).
func (p *ProgbarLogger) OnPredictBatchEnd(batch int, _ *Logs) error {
	p.update(batch, nil)
	return nil
}

// OnPredictEnd finalizes the Predict bar.
func (p *ProgbarLogger) OnPredictEnd(*Logs) error { p.finalize(nil); return nil }
