package loader

// poolingLayers are the pooling layer classes kerago runs.
var poolingLayers = []string{
	"MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
	"GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
	"GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
}

// poolingAliases are Keras 1 and 2 class names of the pooling layers.
var poolingAliases = map[string]string{
	"MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D",
	"AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D", "AvgPool3D": "AveragePooling3D",
	"GlobalMaxPool1D": "GlobalMaxPooling1D", "GlobalMaxPool2D": "GlobalMaxPooling2D", "GlobalMaxPool3D": "GlobalMaxPooling3D",
	"GlobalAvgPool1D": "GlobalAveragePooling1D", "GlobalAvgPool2D": "GlobalAveragePooling2D", "GlobalAvgPool3D": "GlobalAveragePooling3D",
}

// normPooling normalizes a pooling layer's config (spec keras-layers.md
// §3.1): Keras 1's pool_length, stride, border_mode and dim_ordering become
// Keras 3's pool_size, strides, padding and data_format.
func normPooling(p *cfgParser, cls string, c map[string]any) (bool, error) {
	if !contains(poolingLayers, cls) {
		return false, nil
	}
	rank := int(cls[len(cls)-2] - '0')
	if v, ok := c["pool_length"]; ok {
		p.clues.k1 = true
		c["pool_size"] = v
		delete(c, "pool_length")
	}
	if v, ok := c["stride"]; ok {
		p.clues.k1 = true
		c["strides"] = v
		delete(c, "stride")
	}
	rename(c, "border_mode", "padding")
	if err := normDimOrdering(p, c); err != nil {
		return true, err
	}
	if c["data_format"] == nil {
		c["data_format"] = "channels_last"
	}
	if cls[:6] == "Global" {
		setDefault(c, "keepdims", false)
		return true, nil
	}
	for _, k := range []string{"pool_size", "strides"} {
		if n, isNum := c[k].(float64); isNum {
			l := make([]any, rank)
			for i := range l {
				l[i] = n
			}
			c[k] = l
		}
	}
	if c["pool_size"] == nil {
		l := make([]any, rank)
		for i := range l {
			l[i] = 2.0
		}
		c["pool_size"] = l
	}
	setDefault(c, "padding", "valid")
	setDefault(c, "strides", nil)
	return true, nil
}
