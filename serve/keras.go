package serve

import "github.com/kerago/kerago/keras"

// KerasLoader loads a model file with keras.Load (.keras archives, legacy
// .h5 full models, JSON/YAML configs with weights beside them). It is the
// Loader `kerago serve` uses.
func KerasLoader(path string) (Predictor, error) {
	m, err := keras.Load(path)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// *keras.Model serves models with several inputs and outputs.
var _ MultiPredictor = (*keras.Model)(nil)
