package callbacks

import (
	"github.com/kerago/kerago/tensor"
)

// EarlyStoppingConfig mirrors keras.callbacks.EarlyStopping's arguments.
// Zero values are Keras's defaults (Monitor "val_loss", Mode "auto").
type EarlyStoppingConfig struct {
	Monitor            string
	MinDelta           float64
	Patience           int
	Verbose            int
	Mode               string
	Baseline           *float64
	RestoreBestWeights bool
	StartFromEpoch     int
}

// EarlyStopping stops training when a monitored quantity stops improving.
type EarlyStopping struct {
	Base
	cfg          EarlyStoppingConfig
	mon          monitor
	wait         int
	StoppedEpoch int
	best         *float64
	bestWeights  []*tensor.Tensor
	BestEpoch    int
}

// NewEarlyStopping validates cfg and returns the callback.
func NewEarlyStopping(cfg EarlyStoppingConfig) (*EarlyStopping, error) {
	m, err := newMonitor(cfg.Monitor, cfg.Mode, cfg.MinDelta)
	if err != nil {
		return nil, err
	}
	cfg.Monitor = m.name
	return &EarlyStopping{cfg: cfg, mon: m}, nil
}

// OnTrainBegin resets the state.
func (e *EarlyStopping) OnTrainBegin(*Logs) error {
	e.wait, e.StoppedEpoch, e.best, e.bestWeights, e.BestEpoch = 0, 0, nil, nil, 0
	return nil
}

// OnEpochEnd checks the monitored value.
func (e *EarlyStopping) OnEpochEnd(epoch int, logs *Logs) error {
	if err := e.mon.resolve(e.Model); err != nil {
		return err
	}
	current, ok := logs.Get(e.cfg.Monitor)
	if !ok {
		// Keras warns on stderr and skips the epoch.
		return nil
	}
	if epoch < e.cfg.StartFromEpoch {
		return nil
	}
	if e.cfg.RestoreBestWeights && e.bestWeights == nil {
		e.bestWeights = e.Model.GetWeights()
		e.BestEpoch = epoch
	}
	e.wait++
	if e.mon.improved(current, e.best) {
		c := current
		e.best = &c
		e.BestEpoch = epoch
		if e.cfg.RestoreBestWeights {
			e.bestWeights = e.Model.GetWeights()
		}
		if e.cfg.Baseline == nil || e.mon.improved(current, e.cfg.Baseline) {
			e.wait = 0
		}
		return nil
	}
	if e.wait >= e.cfg.Patience && epoch > 0 {
		e.StoppedEpoch = epoch
		e.Model.SetStopTraining(true)
	}
	return nil
}

// OnTrainEnd reports the stop and restores the best weights if asked.
func (e *EarlyStopping) OnTrainEnd(*Logs) error {
	if e.StoppedEpoch > 0 && e.cfg.Verbose > 0 {
		e.printf("Epoch %d: early stopping\n", e.StoppedEpoch+1)
	}
	if e.cfg.RestoreBestWeights && e.bestWeights != nil {
		if e.cfg.Verbose > 0 {
			e.printf("Restoring model weights from the end of the best epoch: %d.\n", e.BestEpoch+1)
		}
		return e.Model.SetWeights(e.bestWeights)
	}
	return nil
}
