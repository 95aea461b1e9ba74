package cli

import (
	"bytes"
	"encoding/json"
	"math"
)

// Keras configs may hold NaN and ±Infinity (Python's json module writes
// them as bare NaN, Infinity and -Infinity, and reads them back), which
// encoding/json refuses. inspect --json writes them as Python does: each is
// first replaced by a marker string no config holds, and the marker's JSON
// text is then swapped for the bare word.
const nonFiniteMark = "\x00kerago-non-finite\x00"

var nonFiniteWords = []string{"NaN", "Infinity", "-Infinity"}

// markNonFinite returns v with every non-finite float64 or float32 inside
// maps and slices replaced by a marker string. v itself is not changed.
func markNonFinite(v any) any {
	switch x := v.(type) {
	case float64:
		return markFloat(x, v)
	case float32:
		return markFloat(float64(x), v)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = markNonFinite(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = markNonFinite(e)
		}
		return out
	case []float64:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = markNonFinite(e)
		}
		return out
	}
	return v
}

func markFloat(f float64, orig any) any {
	switch {
	case math.IsNaN(f):
		return nonFiniteMark + nonFiniteWords[0]
	case math.IsInf(f, 1):
		return nonFiniteMark + nonFiniteWords[1]
	case math.IsInf(f, -1):
		return nonFiniteMark + nonFiniteWords[2]
	}
	return orig
}

// unmarkNonFinite turns the markers' JSON strings back into bare words.
func unmarkNonFinite(b []byte) []byte {
	for _, w := range nonFiniteWords {
		q, _ := json.Marshal(nonFiniteMark + w)
		b = bytes.ReplaceAll(b, q, []byte(w))
	}
	return b
}

// markInspectNonFinite marks the free-form configs of an inspect result.
func markInspectNonFinite(info *inspectJSON) {
	if info.Model != nil {
		for i := range info.Model.Layers {
			if c, ok := markNonFinite(info.Model.Layers[i].Config).(map[string]any); ok {
				info.Model.Layers[i].Config = c
			}
		}
	}
	if c := info.CompileConfig; c != nil {
		if c.Optimizer != nil {
			o := *c.Optimizer
			o.Config, _ = markNonFinite(o.Config).(map[string]any)
			c.Optimizer = &o
		}
		c.Loss = markObject(c.Loss)
		for i := range c.Metrics {
			c.Metrics[i] = markObject(c.Metrics[i])
		}
		for i := range c.WeightedMetrics {
			c.WeightedMetrics[i] = markObject(c.WeightedMetrics[i])
		}
	}
}

func markObject(v any) any {
	if o, ok := v.(*objectJSON); ok && o != nil {
		c := *o
		c.Config, _ = markNonFinite(o.Config).(map[string]any)
		return &c
	}
	return markNonFinite(v)
}
