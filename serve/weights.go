package serve

import (
	"errors"
	"fmt"
)

// WeightsReporter is implemented by models that know whether their weights
// were read from a file. *keras.Model implements it (HasStoredWeights).
type WeightsReporter interface {
	// HasStoredWeights is false for a model built from a config alone,
	// whose variables hold random initial values.
	HasStoredWeights() bool
}

// ErrNoStoredWeights is returned (wrapped) when a model file has no
// weights and Config.AllowRandomWeights is not set.
var ErrNoStoredWeights = errors.New("the model has no stored weights: it is a config without weights, so its variables hold random initial values")

// checkWeights refuses a model without stored weights unless allowed.
func (s *Server) checkWeights(path string, p Predictor) error {
	wr, ok := p.(WeightsReporter)
	if !ok || wr.HasStoredWeights() {
		return nil
	}
	if s.cfg.AllowRandomWeights {
		s.log.Warn("serve: serving a model without stored weights: its answers come from random initial values", "path", path)
		return nil
	}
	return fmt.Errorf("%s: %w (give a file with weights, such as .keras or .h5, or allow random weights with --allow-random-weights)", path, ErrNoStoredWeights)
}

// reloadResult labels a failed reload in kerago_serve_model_reloads_total.
func reloadResult(err error) string {
	if errors.Is(err, ErrNoStoredWeights) {
		return "no_stored_weights"
	}
	return "error"
}
