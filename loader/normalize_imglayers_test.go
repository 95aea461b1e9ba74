package loader

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestNormalizeImageAndNoiseLayers: Keras 1/2 spellings of the noise
// layers, Keras 3's serialized numpy arrays in Rescaling and missing
// Keras 2 keys become Keras 3's normalized forms.
func TestNormalizeImageAndNoiseLayers(t *testing.T) {
	mc, _ := parseOK(t, `{"class_name": "Sequential", "config": [
	 {"class_name": "GaussianNoise", "config": {"name": "gn", "sigma": 0.3, "input_shape": [4, 4, 2]}},
	 {"class_name": "SpatialDropout2D", "config": {"name": "sd", "p": 0.2, "dim_ordering": "th"}},
	 {"class_name": "GaussianDropout", "config": {"name": "gd", "p": 0.1}},
	 {"class_name": "Rescaling", "config": {"name": "r", "scale": {"class_name": "__numpy__", "config": {"value": [1.0, 2.0], "dtype": "float32"}}}},
	 {"class_name": "Resizing", "config": {"name": "rs", "height": 2, "width": 3, "data_format": null}},
	 {"class_name": "RandomFlip", "config": {"name": "rf", "mode": "horizontal"}},
	 {"class_name": "ActivityRegularization", "config": {"name": "ar", "l1": 0.1}}]}`)
	want := []map[string]any{
		{"stddev": 0.3, "seed": nil},
		{"rate": 0.2, "seed": nil, "data_format": "channels_first"},
		{"rate": 0.1, "seed": nil},
		{"scale": []any{1.0, 2.0}, "offset": 0.0},
		{"height": 2.0, "width": 3.0, "data_format": "channels_last", "interpolation": "bilinear", "crop_to_aspect_ratio": false,
			"pad_to_aspect_ratio": false, "fill_mode": "constant", "fill_value": 0.0, "antialias": false},
		{"mode": "horizontal", "data_format": "channels_last"},
		{"l1": 0.1, "l2": 0.0},
	}
	if len(mc.Layers) != len(want) {
		t.Fatalf("%d layers, want %d", len(mc.Layers), len(want))
	}
	for i, w := range want {
		c := mc.Layers[i].Config
		for k, v := range w {
			if !reflect.DeepEqual(c[k], v) {
				t.Errorf("%s: %q is %v, want %v", mc.Layers[i].ClassName, k, c[k], v)
			}
		}
		for _, old := range []string{"sigma", "p", "dim_ordering"} {
			if _, ok := c[old]; ok {
				t.Errorf("%s: Keras 1 key %q kept", mc.Layers[i].ClassName, old)
			}
		}
	}
}

// TestImageLayerConfigErrors: bad preprocessing configs name the layer and
// the key.
func TestImageLayerConfigErrors(t *testing.T) {
	for _, c := range []struct{ layer, want string }{
		{`{"class_name": "Rescaling", "config": {"name": "r"}}`, `"scale"`},
		{`{"class_name": "Rescaling", "config": {"name": "r", "scale": {"class_name": "Thing", "config": {}}}}`, `"scale"`},
		{`{"class_name": "Resizing", "config": {"name": "rs", "height": "big", "width": 2}}`, `"height"`},
		{`{"class_name": "SpatialDropout2D", "config": {"name": "sd", "rate": 0.1, "dim_ordering": "xy"}}`, "dim_ordering"},
	} {
		js := `{"class_name": "Sequential", "config": {"name": "s", "layers": [` + c.layer + `]}}`
		_, _, err := ParseConfigJSON("m.json", []byte(js))
		if err == nil || errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "m.json") {
			t.Errorf("%s: error %v, want one naming %s and the file", c.layer, err, c.want)
		}
	}
}
