package layers

// resamplingFromConfig builds the resampling layers of this file from their Keras
// configs; ok is false for other classes.
func resamplingFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	switch class {
	}
	return nil, false
}
