package loader

// convLayers are the conv layer classes kerago runs.
var convLayers = []string{}

// normConv normalizes the config keys of the conv layers (Keras 1 and 2
// spellings to Keras 3's); it reports false for other classes.
func normConv(p *cfgParser, cls string, c map[string]any) (bool, error) {
	switch cls {
	}
	return false, nil
}
