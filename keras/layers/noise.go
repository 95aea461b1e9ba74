package layers

// noiseFromConfig builds the noise layers of this file from their Keras
// configs; ok is false for other classes.
func noiseFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	switch class {
	}
	return nil, false
}
