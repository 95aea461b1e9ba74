package keras

// HasStoredWeights reports whether the model's weights were read from a file
// (Load of a file that holds weights, LoadWithWeights, or LoadWeights), or
// whether the model has no variables at all. It is false for a model loaded
// from a config alone (a to_json() or YAML file without weights), whose
// variables hold the initializers' random values: serving such a model
// answers with random numbers, so `kerago serve` and `kerago predict` refuse
// it unless told that random weights are wanted.
func (m *Model) HasStoredWeights() bool {
	if m.storedWeights {
		return true
	}
	for _, l := range m.layers {
		if len(l.Variables()) > 0 {
			return false
		}
	}
	return true
}
