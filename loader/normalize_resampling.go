package loader

import "fmt"

// resamplingLayers are the padding, cropping and upsampling layer classes
// kerago runs (and RepeatVector).
var resamplingLayers = []string{
	"ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
	"UpSampling1D", "UpSampling2D", "UpSampling3D", "RepeatVector",
}

// resamplingAliases are Keras 1 and 2 class names of these layers.
var resamplingAliases = map[string]string{}

// normResampling normalizes a padding/cropping/upsampling config (spec
// keras-layers.md §4.1): every padding or cropping form (one int, one int
// per axis, Keras 1's flat (top, bottom, left, right) or dict) becomes one
// [before, after] pair per spatial axis; UpSampling1D's Keras 1 length
// becomes size.
func normResampling(p *cfgParser, cls string, c map[string]any) (bool, error) {
	if !contains(resamplingLayers, cls) {
		return false, nil
	}
	if cls == "RepeatVector" {
		if _, ok := c["n"]; !ok {
			return true, fmt.Errorf("missing \"n\"")
		}
		return true, nil
	}
	rank := int(cls[len(cls)-2] - '0')
	if err := normDimOrdering(p, c); err != nil {
		return true, err
	}
	if rank > 1 {
		setDefault(c, "data_format", "channels_last")
		if c["data_format"] == nil {
			c["data_format"] = "channels_last"
		}
	}
	switch cls[:4] {
	case "UpSa":
		if v, ok := c["length"]; ok {
			p.clues.k1 = true
			c["size"] = v
			delete(c, "length")
		}
		setDefault(c, "size", 2.0)
		if rank == 2 {
			setDefault(c, "interpolation", "nearest")
		}
		return true, nil
	case "Zero":
		return true, normPairs(c, "padding", rank, 1)
	}
	return true, normPairs(c, "cropping", rank, 0)
}

// normPairs rewrites c[key] as rank [before, after] pairs.
func normPairs(c map[string]any, key string, rank int, def float64) error {
	v, ok := c[key]
	if !ok {
		v = def
	}
	if m, isMap := v.(map[string]any); isMap && rank == 2 {
		v = []any{[]any{m["top_pad"], m["bottom_pad"]}, []any{m["left_pad"], m["right_pad"]}}
	}
	bad := fmt.Errorf("%q is %v, expected an integer, one per spatial axis, or (before, after) pairs", key, v)
	var pairs []any
	switch x := v.(type) {
	case float64:
		for range rank {
			pairs = append(pairs, []any{x, x})
		}
	case []any:
		switch {
		case rank == 1 && len(x) == 2:
			if _, nested := x[0].([]any); nested {
				return bad
			}
			c[key] = []any{x[0], x[1]}
			return nil
		case rank == 2 && len(x) == 4:
			pairs = []any{[]any{x[0], x[1]}, []any{x[2], x[3]}}
		case len(x) == rank:
			for _, e := range x {
				switch pe := e.(type) {
				case float64:
					pairs = append(pairs, []any{pe, pe})
				case []any:
					if len(pe) != 2 {
						return bad
					}
					pairs = append(pairs, pe)
				default:
					return bad
				}
			}
		default:
			return bad
		}
	default:
		return bad
	}
	if rank == 1 {
		c[key] = pairs[0]
	} else {
		c[key] = pairs
	}
	return nil
}

// normDimOrdering turns Keras 1's dim_ordering into data_format.
func normDimOrdering(p *cfgParser, c map[string]any) error {
	d, ok := c["dim_ordering"].(string)
	if !ok {
		return nil
	}
	p.clues.k1 = true
	delete(c, "dim_ordering")
	switch d {
	case "th":
		c["data_format"] = "channels_first"
	case "tf", "default":
		c["data_format"] = "channels_last"
	default:
		return fmt.Errorf("dim_ordering %q, want th or tf", d)
	}
	return nil
}
