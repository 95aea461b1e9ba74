package loader

// poolingLayers are the pooling layer classes kerago runs.
var poolingLayers = []string{}

// poolingAliases are Keras 1 and 2 class names of these layers.
var poolingAliases = map[string]string{}

// normPooling normalizes the config keys of the pooling layers (Keras 1 and 2
// spellings to Keras 3's); it reports false for other classes.
func normPooling(p *cfgParser, cls string, c map[string]any) (bool, error) {
	switch cls {
	}
	return false, nil
}
