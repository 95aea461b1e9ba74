package loader

// preprocessingLayers are the preprocessing layer classes kerago runs.
var preprocessingLayers = []string{}

// preprocessingAliases are Keras 1 and 2 class names of these layers.
var preprocessingAliases = map[string]string{}

// normPreprocessing normalizes the config keys of the preprocessing layers (Keras 1 and 2
// spellings to Keras 3's); it reports false for other classes.
func normPreprocessing(p *cfgParser, cls string, c map[string]any) (bool, error) {
	switch cls {
	}
	return false, nil
}
