package layers

// preprocessingFromConfig builds the preprocessing layers of this file from their Keras
// configs; ok is false for other classes.
func preprocessingFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	switch class {
	}
	return nil, false
}
