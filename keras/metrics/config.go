package metrics

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// configKeys lists, per class, the get_config() keys FromConfig honours
// besides name and dtype, and the default value of those it can only take
// at their default (nil: any value is honoured).
var configKeys = map[string]map[string]any{
	"BinaryAccuracy":                {"threshold": nil},
	"Precision":                     {"thresholds": nil, "top_k": nil, "class_id": nil},
	"Recall":                        {"thresholds": nil, "top_k": nil, "class_id": nil},
	"AUC":                           {"num_thresholds": nil, "thresholds": nil, "from_logits": nil, "curve": "ROC", "summation_method": "interpolation", "multi_label": false, "num_labels": nil, "label_weights": nil},
	"TopKCategoricalAccuracy":       {"k": nil},
	"SparseTopKCategoricalAccuracy": {"k": nil, "from_sorted_ids": false},
	"BinaryCrossentropy":            {"from_logits": nil, "label_smoothing": nil},
	"CategoricalCrossentropy":       {"from_logits": nil, "label_smoothing": nil, "axis": -1.0},
	"SparseCategoricalCrossentropy": {"from_logits": nil, "axis": -1.0, "ignore_class": nil},
	"CosineSimilarity":              {"axis": -1.0},
}

// FromConfig builds a metric from its Keras serialization: a class name
// (or a compile string such as "mse" or "precision") and its get_config()
// dict, as compile configs store metric objects. Every key is honoured —
// name, threshold, thresholds, top_k, class_id, num_thresholds, k,
// from_logits, label_smoothing, ignore_class — or refused with an error
// naming it (AUC with curve="PR", a non-float32 dtype, unknown keys).
// "accuracy"/"acc" resolve by shape as in Get.
func FromConfig(className string, cfg map[string]any, yTrueShape, yPredShape []int) (Metric, error) {
	cls := className
	if i := strings.LastIndexByte(cls, '>'); i >= 0 {
		cls = cls[i+1:] // tf.keras "Custom>Name"
	}
	name, _ := cfg["name"].(string)
	if cls == "MeanMetricWrapper" {
		// tf.keras wraps compile strings: {"name": "acc", "fn": "binary_accuracy"}.
		fn, _ := cfg["fn"].(string)
		if fn == "" {
			fn = name
		}
		m, err := Get(fn, yTrueShape, yPredShape)
		if err != nil || name == "" || name == fn {
			return m, err
		}
		if c, ok := byName[fn]; ok {
			return c(WithName(name)), nil
		}
		return Get(name, yTrueShape, yPredShape)
	}
	ctor, ok := byName[cls]
	if !ok {
		if l := strings.ToLower(cls); l == "accuracy" || l == "acc" {
			if name == "" {
				name = cls
			}
			return Get(name, yTrueShape, yPredShape)
		}
		return nil, fmt.Errorf("metrics: unknown metric class %q; known: %s", className, strings.Join(Names(), ", "))
	}
	canonical := canonicalClass(cls)
	opts, err := configOptions(canonical, cfg)
	if err != nil {
		return nil, fmt.Errorf("metrics: %s: %w", className, err)
	}
	return ctor(opts...), nil
}

// canonicalClass maps snake_case and aliases to the class name.
func canonicalClass(name string) string {
	c := byName[name](WithName("x"))
	if cn, ok := c.(interface{ ClassName() string }); ok {
		return cn.ClassName()
	}
	return name
}

func configOptions(class string, cfg map[string]any) ([]Option, error) {
	allowed := configKeys[class]
	var opts []Option
	keys := slices.Sorted(maps.Keys(cfg))
	for _, k := range keys {
		v := cfg[k]
		switch k {
		case "name":
			if v == nil {
				continue
			}
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("name is %T, expected a string", v)
			}
			opts = append(opts, WithName(s))
			continue
		case "dtype":
			if v == nil || v == "float32" || isFloat32Policy(v) {
				continue
			}
			return nil, fmt.Errorf("dtype %v: kerago's metrics are float32", v)
		}
		def, known := allowed[k]
		if !known {
			return nil, fmt.Errorf("config key %q is not supported", k)
		}
		if def != nil {
			if !sameValue(v, def) {
				return nil, fmt.Errorf("%s=%v is not supported (only %v)", k, v, def)
			}
			continue
		}
		o, err := valueOption(k, v)
		if err != nil {
			return nil, err
		}
		if o != nil {
			opts = append(opts, o)
		}
	}
	return opts, nil
}

func isFloat32Policy(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	c, _ := m["config"].(map[string]any)
	return c != nil && c["name"] == "float32"
}

func sameValue(v, def any) bool {
	if f, ok := def.(float64); ok {
		g, ok := toFloat(v)
		return ok && g == f
	}
	return v == def
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	}
	return 0, false
}

func toInt(k string, v any) (int, error) {
	f, ok := toFloat(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<30 {
		return 0, fmt.Errorf("%s is %v, expected an integer", k, v)
	}
	return int(f), nil
}

// valueOption turns one honoured key into an Option (nil for null).
func valueOption(k string, v any) (Option, error) {
	if v == nil {
		return nil, nil
	}
	switch k {
	case "threshold":
		f, ok := toFloat(v)
		if !ok {
			return nil, fmt.Errorf("threshold is %v, expected a number", v)
		}
		return Threshold(f), nil
	case "thresholds":
		th, err := floatList(v)
		if err != nil {
			return nil, err
		}
		return Thresholds(th...), nil
	case "top_k", "class_id", "k", "num_thresholds", "ignore_class":
		n, err := toInt(k, v)
		if err != nil {
			return nil, err
		}
		switch {
		case k == "top_k" && n > 0:
			return TopK(n), nil
		case k == "class_id" && n >= 0:
			return ClassID(n), nil
		case k == "k" && n > 0:
			return K(n), nil
		case k == "num_thresholds" && n > 1:
			return NumThresholds(n), nil
		case k == "ignore_class":
			return IgnoreClass(n), nil
		}
		return nil, fmt.Errorf("%s=%d is out of range", k, n)
	case "from_logits":
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("from_logits is %v, expected true or false", v)
		}
		return FromLogits(b), nil
	case "label_smoothing":
		f, ok := toFloat(v)
		if !ok || f < 0 || f > 1 {
			return nil, fmt.Errorf("label_smoothing is %v, expected a number in [0, 1]", v)
		}
		return LabelSmoothing(f), nil
	}
	return nil, fmt.Errorf("config key %q is not supported", k)
}

func floatList(v any) ([]float64, error) {
	if f, ok := toFloat(v); ok {
		return []float64{f}, nil
	}
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		return nil, fmt.Errorf("thresholds is %v, expected a number or a list of numbers", v)
	}
	out := make([]float64, len(l))
	for i, e := range l {
		f, ok := toFloat(e)
		if !ok {
			return nil, fmt.Errorf("thresholds[%d] is %v, expected a number", i, e)
		}
		out[i] = f
	}
	return out, nil
}
