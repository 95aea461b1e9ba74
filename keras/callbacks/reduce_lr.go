package callbacks

import (
	"fmt"
	"math"
	"strings"
)

// ReduceLROnPlateauConfig mirrors keras.callbacks.ReduceLROnPlateau's
// arguments. Zero values mean Keras's defaults (Monitor "val_loss", Factor
// 0.1, Patience 10, Mode "auto", MinDelta 1e-4); set NoDefaults to take
// zero Patience/MinDelta literally.
type ReduceLROnPlateauConfig struct {
	Monitor  string
	Factor   float64
	Patience int
	Verbose  int
	Mode     string
	MinDelta float64
	Cooldown int
	MinLR    float64
	// NoDefaults makes a zero Patience and MinDelta mean 0, not 10 and 1e-4.
	NoDefaults bool
}

// ReduceLROnPlateau lowers the learning rate when a metric stops improving.
type ReduceLROnPlateau struct {
	Base
	cfg      ReduceLROnPlateauConfig
	less     bool
	best     float64
	wait     int
	cooldown int
}

// NewReduceLROnPlateau validates cfg and returns the callback.
func NewReduceLROnPlateau(cfg ReduceLROnPlateauConfig) (*ReduceLROnPlateau, error) {
	if cfg.Monitor == "" {
		cfg.Monitor = "val_loss"
	}
	if cfg.Factor == 0 {
		cfg.Factor = 0.1
	}
	if !cfg.NoDefaults {
		if cfg.Patience == 0 {
			cfg.Patience = 10
		}
		if cfg.MinDelta == 0 {
			cfg.MinDelta = 1e-4
		}
	}
	if cfg.Factor >= 1.0 {
		return nil, fmt.Errorf("callbacks: ReduceLROnPlateau does not support a factor >= 1.0, got %v", cfg.Factor)
	}
	if cfg.Mode == "" {
		cfg.Mode = "auto"
	}
	if cfg.Mode != "auto" && cfg.Mode != "min" && cfg.Mode != "max" {
		cfg.Mode = "auto" // Keras warns and falls back to auto
	}
	return &ReduceLROnPlateau{cfg: cfg}, nil
}

// OnTrainBegin resets the state.
func (r *ReduceLROnPlateau) OnTrainBegin(*Logs) error {
	r.less = r.cfg.Mode == "min" || (r.cfg.Mode == "auto" && !strings.Contains(r.cfg.Monitor, "acc"))
	if r.less {
		r.best = math.Inf(1)
	} else {
		r.best = math.Inf(-1)
	}
	r.wait, r.cooldown = 0, 0
	return nil
}

func (r *ReduceLROnPlateau) improved(cur float64) bool {
	if r.less {
		return cur < r.best-r.cfg.MinDelta
	}
	return cur > r.best+r.cfg.MinDelta
}

// OnEpochEnd records "learning_rate" in the logs and reduces it on a plateau.
func (r *ReduceLROnPlateau) OnEpochEnd(epoch int, logs *Logs) error {
	lr, err := r.Model.LearningRate()
	if err != nil {
		return fmt.Errorf("callbacks: ReduceLROnPlateau: %w", err)
	}
	logs.Set("learning_rate", lr)
	current, ok := logs.Get(r.cfg.Monitor)
	if !ok {
		return nil // Keras warns and does nothing
	}
	if r.cooldown > 0 {
		r.cooldown--
		r.wait = 0
	}
	if r.improved(current) {
		r.best = current
		r.wait = 0
		return nil
	}
	if r.cooldown > 0 {
		return nil
	}
	r.wait++
	if r.wait >= r.cfg.Patience {
		if lr > float64(float32(r.cfg.MinLR)) {
			newLR := math.Max(lr*r.cfg.Factor, r.cfg.MinLR)
			if err := r.Model.SetLearningRate(newLR); err != nil {
				return fmt.Errorf("callbacks: ReduceLROnPlateau: %w", err)
			}
			if r.cfg.Verbose > 0 {
				r.printf("\nEpoch %d: ReduceLROnPlateau reducing learning rate to %s.\n", epoch+1, pyRepr(newLR))
			}
			r.cooldown = r.cfg.Cooldown
			r.wait = 0
		}
	}
	return nil
}

// LearningRateScheduler sets the learning rate at the start of each epoch
// from Schedule(epoch, currentLR).
type LearningRateScheduler struct {
	Base
	Schedule func(epoch int, lr float64) (float64, error)
	Verbose  int
}

// NewLearningRateScheduler returns the callback.
func NewLearningRateScheduler(schedule func(epoch int, lr float64) (float64, error), verbose int) *LearningRateScheduler {
	return &LearningRateScheduler{Schedule: schedule, Verbose: verbose}
}

// OnEpochBegin applies the schedule.
func (s *LearningRateScheduler) OnEpochBegin(epoch int, _ *Logs) error {
	lr, err := s.Model.LearningRate()
	if err != nil {
		return fmt.Errorf("callbacks: LearningRateScheduler: %w", err)
	}
	nl, err := s.Schedule(epoch, lr)
	if err != nil {
		return fmt.Errorf("callbacks: LearningRateScheduler: epoch %d: %w", epoch, err)
	}
	if math.IsNaN(nl) || math.IsInf(nl, 0) {
		return fmt.Errorf("callbacks: LearningRateScheduler: epoch %d: schedule returned %v, want a finite float", epoch, nl)
	}
	if err := s.Model.SetLearningRate(nl); err != nil {
		return fmt.Errorf("callbacks: LearningRateScheduler: %w", err)
	}
	if s.Verbose > 0 {
		s.printf("\nEpoch %d: LearningRateScheduler setting learning rate to %s.\n", epoch+1, pyRepr(nl))
	}
	return nil
}

// OnEpochEnd records "learning_rate" in the logs.
func (s *LearningRateScheduler) OnEpochEnd(_ int, logs *Logs) error {
	lr, err := s.Model.LearningRate()
	if err != nil {
		return err
	}
	logs.Set("learning_rate", lr)
	return nil
}

// TerminateOnNaN stops training when the loss becomes NaN or Inf.
type TerminateOnNaN struct {
	Base
	// RaiseError makes Fit return an error instead of stopping quietly.
	RaiseError bool
}

// OnTrainBatchEnd checks the running loss.
func (t *TerminateOnNaN) OnTrainBatchEnd(batch int, logs *Logs) error {
	loss, ok := logs.Get("loss")
	if !ok || !(math.IsNaN(loss) || math.IsInf(loss, 0)) {
		return nil
	}
	if t.RaiseError {
		return fmt.Errorf("callbacks: TerminateOnNaN: loss is %v at batch %d", loss, batch)
	}
	t.printf("Batch %d: Invalid loss, terminating training\n", batch)
	t.Model.SetStopTraining(true)
	return nil
}
