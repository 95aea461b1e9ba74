package callbacks

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ModelCheckpointConfig mirrors keras.callbacks.ModelCheckpoint's arguments.
// Zero values are Keras's defaults (Monitor "val_loss", Mode "auto", SaveFreq
// each epoch).
type ModelCheckpointConfig struct {
	// Filepath must end in ".keras" or ".h5" (".weights.h5" with
	// SaveWeightsOnly), or ".hdf5", which Keras 2 wrote in HDF5 (the
	// legacy .h5 layout; with SaveWeightsOnly, save_weights's legacy
	// layout, as ".h5" is there too). It may hold Python format fields
	// such as "ckpt-{epoch:02d}-{val_loss:.2f}.keras".
	Filepath              string
	Monitor               string
	Verbose               int
	SaveBestOnly          bool
	SaveWeightsOnly       bool
	Mode                  string
	SaveFreq              int // 0: every epoch; N: every N batches
	InitialValueThreshold *float64
}

// ModelCheckpoint saves the model (or its weights) during training.
type ModelCheckpoint struct {
	Base
	cfg          ModelCheckpointConfig
	mon          monitor
	best         *float64
	batchesSeen  int
	currentEpoch int
}

// NewModelCheckpoint validates cfg and returns the callback.
func NewModelCheckpoint(cfg ModelCheckpointConfig) (*ModelCheckpoint, error) {
	keras2 := strings.HasSuffix(cfg.Filepath, ".hdf5")
	if cfg.SaveWeightsOnly {
		if !strings.HasSuffix(cfg.Filepath, ".weights.h5") && !keras2 {
			return nil, fmt.Errorf("callbacks: ModelCheckpoint filepath %q: with SaveWeightsOnly it must end in \".weights.h5\" (or Keras 2's \".hdf5\")", cfg.Filepath)
		}
	} else if !strings.HasSuffix(cfg.Filepath, ".keras") && !strings.HasSuffix(cfg.Filepath, ".h5") && !keras2 {
		return nil, fmt.Errorf("callbacks: ModelCheckpoint filepath %q: must end in \".keras\" (or \".h5\", or Keras 2's \".hdf5\")", cfg.Filepath)
	}
	if cfg.SaveFreq < 0 {
		return nil, fmt.Errorf("callbacks: ModelCheckpoint SaveFreq %d: want 0 (each epoch) or a positive batch count", cfg.SaveFreq)
	}
	m, err := newMonitor(cfg.Monitor, cfg.Mode, 0)
	if err != nil {
		return nil, err
	}
	cfg.Monitor = m.name
	mc := &ModelCheckpoint{cfg: cfg, mon: m}
	if cfg.InitialValueThreshold != nil {
		v := *cfg.InitialValueThreshold
		mc.best = &v
	}
	return mc, nil
}

// OnEpochBegin records the epoch for batch-frequency saves.
func (c *ModelCheckpoint) OnEpochBegin(epoch int, _ *Logs) error { c.currentEpoch = epoch; return nil }

// OnTrainBatchEnd saves every SaveFreq batches when set.
func (c *ModelCheckpoint) OnTrainBatchEnd(batch int, logs *Logs) error {
	if c.cfg.SaveFreq <= 0 {
		return nil
	}
	c.batchesSeen++
	if c.batchesSeen%c.cfg.SaveFreq != 0 {
		return nil
	}
	return c.save(c.currentEpoch, batch, true, logs)
}

// OnEpochEnd saves at the end of each epoch (default frequency).
func (c *ModelCheckpoint) OnEpochEnd(epoch int, logs *Logs) error {
	if c.cfg.SaveFreq > 0 {
		return nil
	}
	return c.save(epoch, 0, false, logs)
}

func (c *ModelCheckpoint) path(epoch, batch int, hasBatch bool, logs *Logs) (string, error) {
	vals := map[string]float64{}
	for _, k := range logs.Keys() {
		v, _ := logs.Get(k)
		vals[k] = v
	}
	ints := map[string]int{"epoch": epoch + 1}
	if hasBatch {
		ints["batch"] = batch + 1
	}
	return pyFormat(c.cfg.Filepath, vals, ints)
}

func (c *ModelCheckpoint) save(epoch, batch int, hasBatch bool, logs *Logs) error {
	p, err := c.path(epoch, batch, hasBatch, logs)
	if err != nil {
		return err
	}
	if dir := filepath.Dir(p); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("callbacks: ModelCheckpoint: %w", err)
		}
	}
	if c.cfg.SaveBestOnly {
		current, ok := logs.Get(c.cfg.Monitor)
		if !ok {
			return nil // Keras warns and skips
		}
		if err := c.mon.resolve(c.Model); err != nil {
			return err
		}
		if !c.mon.improved(current, c.best) {
			if c.cfg.Verbose > 0 {
				c.printf("\nEpoch %d: %s did not improve from %s\n", epoch+1, c.cfg.Monitor, fmt5(c.best))
			}
			return nil
		}
		if c.cfg.Verbose > 0 {
			c.printf("\nEpoch %d: %s improved from %s to %.5f, saving model to %s\n", epoch+1, c.cfg.Monitor, fmt5(c.best), current, p)
		}
		cur := current
		c.best = &cur
	} else if c.cfg.Verbose > 0 {
		c.printf("\nEpoch %d: saving model to %s\n", epoch+1, p)
	}
	if c.cfg.SaveWeightsOnly {
		err = c.Model.SaveWeights(p)
	} else {
		err = c.Model.Save(p)
	}
	if err != nil {
		return fmt.Errorf("callbacks: ModelCheckpoint: %w", err)
	}
	return nil
}

func fmt5(v *float64) string {
	if v == nil {
		return "None"
	}
	return fmt.Sprintf("%.5f", *v)
}
