package layers

// poolingFromConfig builds the pooling layers of this file from their Keras
// configs; ok is false for other classes.
func poolingFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	switch class {
	}
	return nil, false
}
