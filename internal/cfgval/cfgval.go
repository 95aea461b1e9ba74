// Package cfgval reads values out of decoded Keras configs (JSON or YAML):
// numbers arrive as float64, or as int kinds from YAML and Go callers.
package cfgval

// Float converts a decoded number (float64, float32 or an integer kind) to
// float64; bools and strings are not numbers.
func Float(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}
