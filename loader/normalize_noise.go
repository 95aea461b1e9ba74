package loader

// noiseLayers are the noise layer classes kerago runs.
var noiseLayers = []string{}

// noiseAliases are Keras 1 and 2 class names of these layers.
var noiseAliases = map[string]string{}

// normNoise normalizes the config keys of the noise layers (Keras 1 and 2
// spellings to Keras 3's); it reports false for other classes.
func normNoise(p *cfgParser, cls string, c map[string]any) (bool, error) {
	switch cls {
	}
	return false, nil
}
