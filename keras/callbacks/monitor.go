package callbacks

import (
	"fmt"
	"strings"
)

// monitor implements Keras 3's MonitorCallback: which direction counts as
// an improvement for a monitored quantity, with min_delta.
type monitor struct {
	name     string
	mode     string
	minDelta float64
	less     bool // improvement when smaller
	set      bool
}

func newMonitor(name, mode string, minDelta float64) (monitor, error) {
	if name == "" {
		name = "val_loss"
	}
	if mode == "" {
		mode = "auto"
	}
	switch mode {
	case "auto", "min", "max":
	default:
		return monitor{}, fmt.Errorf("callbacks: mode %q for monitor %q: want \"auto\", \"min\" or \"max\"", mode, name)
	}
	if minDelta < 0 {
		minDelta = -minDelta
	}
	return monitor{name: name, mode: mode, minDelta: minDelta}, nil
}

// resolve picks the direction (Keras resolves lazily at the first epoch end).
func (m *monitor) resolve(model Model) error {
	if m.set {
		return nil
	}
	switch m.mode {
	case "min":
		m.less = true
	case "max":
		m.less = false
	default:
		base := strings.TrimPrefix(m.name, "val_")
		switch {
		case base == "loss":
			m.less = true
		case model != nil && model.MetricDirection(base) == "up":
			m.less = false
		case model != nil && model.MetricDirection(base) == "down":
			m.less = true
		default:
			return fmt.Errorf("callbacks: cannot infer the direction of monitor %q with mode \"auto\": it is not \"loss\" or a compiled metric; set mode \"min\" or \"max\"", m.name)
		}
	}
	m.set = true
	return nil
}

// improved reports monitor_op(current - min_delta, reference); a nil
// reference is always beaten.
func (m *monitor) improved(current float64, ref *float64) bool {
	if ref == nil {
		return true
	}
	d := m.minDelta
	if m.less {
		d = -d
	}
	if m.less {
		return current-d < *ref
	}
	return current-d > *ref
}
