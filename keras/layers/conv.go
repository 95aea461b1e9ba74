package layers

// convFromConfig builds the conv layers of this file from their Keras
// configs; ok is false for other classes.
func convFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	switch class {
	}
	return nil, false
}
