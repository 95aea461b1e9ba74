package loader

// resamplingLayers are the resampling layer classes kerago runs.
var resamplingLayers = []string{}

// resamplingAliases are Keras 1 and 2 class names of these layers.
var resamplingAliases = map[string]string{}

// normResampling normalizes the config keys of the resampling layers (Keras 1 and 2
// spellings to Keras 3's); it reports false for other classes.
func normResampling(p *cfgParser, cls string, c map[string]any) (bool, error) {
	switch cls {
	}
	return false, nil
}
