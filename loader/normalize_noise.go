package loader

// noiseLayers are the noise and regularization layer classes kerago runs,
// with GroupNormalization, UnitNormalization and RMSNormalization (spec keras-layers.md §9).
var noiseLayers = []string{
	"SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
	"ActivityRegularization", "GroupNormalization", "UnitNormalization", "RMSNormalization",
}

// noiseAliases are Keras 1 and 2 class names of these layers.
var noiseAliases = map[string]string{}

// normNoise normalizes the config keys of the noise layers (Keras 1's p and
// sigma become rate and stddev, dim_ordering data_format); it reports false
// for other classes.
func normNoise(p *cfgParser, cls string, c map[string]any) (bool, error) {
	if !contains(noiseLayers, cls) {
		return false, nil
	}
	switch cls {
	case "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout", "AlphaDropout":
		if v, ok := c["p"]; ok {
			p.clues.k1 = true
			c["rate"] = v
			delete(c, "p")
		}
		setDefault(c, "rate", 0.0)
		setDefault(c, "seed", nil)
	case "GaussianNoise":
		if v, ok := c["sigma"]; ok {
			p.clues.k1 = true
			c["stddev"] = v
			delete(c, "sigma")
		}
		setDefault(c, "stddev", 0.0)
		setDefault(c, "seed", nil)
	case "ActivityRegularization":
		setDefault(c, "l1", 0.0)
		setDefault(c, "l2", 0.0)
	}
	if cls == "SpatialDropout2D" || cls == "SpatialDropout3D" {
		if err := normDimOrdering(p, c); err != nil {
			return true, err
		}
		if c["data_format"] == nil {
			c["data_format"] = "channels_last"
		}
	}
	return true, nil
}
