package loader

import "fmt"

// randomImageLayers are Keras's random augmentation layers: identities at
// inference (spec keras-layers.md §4.4); RandomHeight and RandomWidth are
// Keras 2 only.
var randomImageLayers = []string{
	"RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness",
	"RandomCrop", "RandomGrayscale", "RandomHue", "RandomSaturation", "RandomSharpness", "RandomShear",
	"RandomColorDegeneration", "RandomColorJitter", "RandomPerspective", "RandomPosterization", "RandomInvert",
	"RandomGaussianBlur", "RandomErasing", "RandomElasticTransform", "Solarization", "AugMix", "RandAugment",
	"MixUp", "CutMix", "RandomHeight", "RandomWidth",
}

// preprocessingLayers are the preprocessing layer classes kerago runs.
var preprocessingLayers = append([]string{"Rescaling", "Resizing", "CenterCrop"}, randomImageLayers...)

// preprocessingAliases are Keras 1 and 2 class names of these layers (tf.keras
// 2 used the same names, also under layers.experimental.preprocessing).
var preprocessingAliases = map[string]string{}

// normPreprocessing normalizes the config keys of the preprocessing layers
// (spec keras-layers.md §4.3): Rescaling's serialized numpy arrays become
// nested lists, missing Keras 2 keys get Keras's defaults, and a null
// data_format becomes channels_last; it reports false for other classes.
func normPreprocessing(p *cfgParser, cls string, c map[string]any) (bool, error) {
	if !contains(preprocessingLayers, cls) {
		return false, nil
	}
	if cls != "Rescaling" && c["data_format"] == nil {
		c["data_format"] = "channels_last"
	}
	switch cls {
	case "Rescaling":
		if _, ok := c["scale"]; !ok {
			return true, fmt.Errorf("missing \"scale\"")
		}
		setDefault(c, "offset", 0.0)
		for _, k := range []string{"scale", "offset"} {
			v, err := unwrapArray(c[k])
			if err != nil {
				return true, fmt.Errorf("%q: %v", k, err)
			}
			c[k] = v
		}
	case "Resizing", "CenterCrop":
		for _, k := range []string{"height", "width"} {
			if _, ok := c[k].(float64); !ok {
				return true, fmt.Errorf("%q is %v, expected an integer", k, c[k])
			}
		}
		if cls == "Resizing" {
			setDefault(c, "interpolation", "bilinear")
			setDefault(c, "crop_to_aspect_ratio", false)
			setDefault(c, "pad_to_aspect_ratio", false)
			setDefault(c, "fill_mode", "constant")
			setDefault(c, "fill_value", 0.0)
			setDefault(c, "antialias", false)
		}
	}
	return true, nil
}

// unwrapArray turns Keras 3's serialized numpy array or tensor
// ({"class_name": "__numpy__", "config": {"value": ...}}) into its value.
func unwrapArray(v any) (any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return v, nil
	}
	cn, _ := m["class_name"].(string)
	cfg, _ := m["config"].(map[string]any)
	if (cn != "__numpy__" && cn != "__tensor__") || cfg == nil {
		return nil, fmt.Errorf("expected a number or an array, have %v", v)
	}
	return cfg["value"], nil
}
