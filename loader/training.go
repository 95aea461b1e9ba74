package loader

import (
	"fmt"
	"strings"
)

// optimizerClasses maps lower-case optimizer names to Keras class names.
var optimizerClasses = map[string]string{
	"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad",
	"adadelta": "Adadelta", "adamax": "Adamax", "nadam": "Nadam", "adamw": "AdamW",
	"ftrl": "Ftrl", "lion": "Lion", "adafactor": "Adafactor", "lamb": "Lamb", "muon": "Muon",
	"schedulefreeadamw": "ScheduleFreeAdamW", "lossscaleoptimizer": "LossScaleOptimizer",
}

// ParseTrainingConfigJSON parses a legacy .h5 "training_config" attribute
// (Keras 1/2/3) or a Keras 3 "compile_config" object. It returns nil, nil
// for an empty compile_config (an uncompiled model saved by Keras >= 3.10).
func ParseTrainingConfigJSON(path string, data []byte) (*TrainingConfig, error) {
	v, err := decodeJSON(path, data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, Errorf(path, "training config is %s, expected an object", jsonType(v))
	}
	return parseTrainingConfig(path, m)
}

func parseTrainingConfig(path string, m map[string]any) (*TrainingConfig, error) {
	if len(m) == 0 {
		return nil, nil
	}
	tc := &TrainingConfig{}
	opt, ok := m["optimizer_config"]
	if !ok {
		opt = m["optimizer"]
	}
	if opt != nil {
		o, err := parseOptimizer(opt)
		if err != nil {
			return nil, Errorf(path, "training config: optimizer: %v", err)
		}
		tc.Optimizer = o
	}
	loss, err := parseLoss(m["loss"])
	if err != nil {
		return nil, Errorf(path, "training config: loss: %v", err)
	}
	tc.Loss = loss
	if tc.Metrics, err = parseMetrics(m["metrics"], 0); err != nil {
		return nil, Errorf(path, "training config: metrics: %v", err)
	}
	if tc.OutputMetrics, err = perOutputMetrics(m["metrics"]); err != nil {
		return nil, Errorf(path, "training config: metrics: %v", err)
	}
	if tc.WeightedMetrics, err = parseMetrics(m["weighted_metrics"], 0); err != nil {
		return nil, Errorf(path, "training config: weighted_metrics: %v", err)
	}
	tc.LossWeights = m["loss_weights"]
	return tc, nil
}

// parseOptimizer accepts "adam", {"class_name", "config"} (Keras 1/2, with
// "Custom>" for tf.keras >= 2.11) and Keras 3 objects with module and
// registered_name. "lr" is renamed "learning_rate".
func parseOptimizer(v any) (*ObjectConfig, error) {
	switch x := v.(type) {
	case string:
		cls, ok := optimizerClasses[strings.ToLower(x)]
		if !ok {
			cls = x
		}
		return &ObjectConfig{ClassName: cls, Config: map[string]any{}}, nil
	case map[string]any:
		cls, _ := x["class_name"].(string)
		if cls == "" {
			return nil, fmt.Errorf("optimizer object has no class_name")
		}
		o := &ObjectConfig{ClassName: normOptimizerClass(cls)}
		o.Module, _ = x["module"].(string)
		o.RegisteredName, _ = x["registered_name"].(string)
		o.Config = map[string]any{}
		if c, ok := x["config"].(map[string]any); ok {
			for k, e := range c {
				o.Config[k] = deepCopy(e, 0)
			}
		}
		rename(o.Config, "lr", "learning_rate")
		return o, nil
	}
	return nil, fmt.Errorf("optimizer is %s, expected a name or an object", jsonType(v))
}

// normOptimizerClass strips tf.keras's "Custom>" registration prefix and
// canonicalizes case ("adam" → "Adam").
func normOptimizerClass(cls string) string {
	if i := strings.LastIndexByte(cls, '>'); i >= 0 {
		cls = cls[i+1:]
	}
	if c, ok := optimizerClasses[strings.ToLower(cls)]; ok {
		return c
	}
	return cls
}

// parseLoss returns a string, an *ObjectConfig, or nil; for a model with
// several outputs a []any (one per output) or a map[string]any by output
// name of those. A per-output dict or list with a single entry is
// unwrapped.
func parseLoss(v any) (any, error) {
	return parseLossDepth(v, 0)
}

func parseLossDepth(v any, depth int) (any, error) {
	if depth > 1 {
		return nil, fmt.Errorf("losses nested too deeply")
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return x, nil
	case map[string]any:
		if cls, ok := x["class_name"].(string); ok {
			return objectConfig(cls, x), nil
		}
		if len(x) == 1 {
			for _, e := range x {
				return parseLossDepth(e, depth+1)
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			l, err := parseLossDepth(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("output %q: %w", k, err)
			}
			out[k] = l
		}
		return out, nil
	case []any:
		if len(x) == 1 {
			return parseLossDepth(x[0], depth+1)
		}
		out := make([]any, len(x))
		for i, e := range x {
			l, err := parseLossDepth(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("output %d: %w", i, err)
			}
			out[i] = l
		}
		return out, nil
	}
	return nil, fmt.Errorf("loss is %s, expected a name or an object", jsonType(v))
}

func objectConfig(cls string, x map[string]any) *ObjectConfig {
	o := &ObjectConfig{ClassName: cls, Config: map[string]any{}}
	o.Module, _ = x["module"].(string)
	o.RegisteredName, _ = x["registered_name"].(string)
	if c, ok := x["config"].(map[string]any); ok {
		for k, e := range c {
			o.Config[k] = deepCopy(e, 0)
		}
	}
	return o
}

// parseMetrics flattens the metric lists Keras stores (a list, a per-output
// dict or list of lists) into strings and *ObjectConfig values.
// perOutputMetrics keeps the per-output structure of metrics written for a
// model with several outputs: a list of lists, or a dict by output name
// whose values are lists. Nil for the flat forms.
func perOutputMetrics(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		if len(x) < 2 {
			return nil, nil
		}
		out := make([]any, len(x))
		for i, e := range x {
			if _, ok := e.([]any); !ok && e != nil {
				return nil, nil
			}
			ms, err := parseMetrics(e, 1)
			if err != nil {
				return nil, err
			}
			out[i] = ms
		}
		return out, nil
	case map[string]any:
		if _, obj := x["class_name"]; obj {
			return nil, nil
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			ms, err := parseMetrics(e, 1)
			if err != nil {
				return nil, err
			}
			out[k] = ms
		}
		return out, nil
	}
	return nil, nil
}

func parseMetrics(v any, depth int) ([]any, error) {
	if depth > 8 {
		return nil, fmt.Errorf("metrics nested too deeply")
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []any{x}, nil
	case []any:
		var out []any
		for _, e := range x {
			m, err := parseMetrics(e, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, m...)
		}
		return out, nil
	case map[string]any:
		if cls, ok := x["class_name"].(string); ok {
			return []any{objectConfig(cls, x)}, nil
		}
		var out []any
		for _, k := range sortedKeys(x) {
			m, err := parseMetrics(x[k], depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, m...)
		}
		return out, nil
	}
	return nil, fmt.Errorf("metric is %s, expected a name or an object", jsonType(v))
}

// lossScaleConfigTree writes Keras 3's LossScaleOptimizer.get_config():
// name, inner_optimizer (serialized with its class's keys and defaults),
// initial_scale and dynamic_growth_steps, and none of the base optimizer
// keys, which Keras 3's LossScaleOptimizer refuses.
func lossScaleConfigTree(o *ObjectConfig) (string, *jobj, error) {
	name, _ := o.Config["name"].(string)
	if name == "" {
		name = "loss_scale_optimizer"
	}
	in, ok := o.Config["inner_optimizer"].(map[string]any)
	if !ok {
		return "", nil, fmt.Errorf("optimizer LossScaleOptimizer: inner_optimizer is %s, expected an object", jsonType(o.Config["inner_optimizer"]))
	}
	icls, _ := in["class_name"].(string)
	icfg, _ := in["config"].(map[string]any)
	if icls == "" {
		return "", nil, fmt.Errorf("optimizer LossScaleOptimizer: inner_optimizer has no class_name")
	}
	cls, c, err := optimizerConfigTree(&ObjectConfig{ClassName: icls, Config: icfg})
	if err != nil {
		return "", nil, fmt.Errorf("optimizer LossScaleOptimizer: inner_optimizer: %w", err)
	}
	out := newObj().set("name", name).set("inner_optimizer",
		newObj().set("module", "keras.optimizers").set("class_name", cls).set("config", c).set("registered_name", nil))
	for _, k := range []kv{{"initial_scale", 32768.0}, {"dynamic_growth_steps", 2000}} {
		v, ok := o.Config[k.key]
		if !ok {
			v = k.def
		}
		t, err := toTree(v, k.key, 0)
		if err != nil {
			return "", nil, fmt.Errorf("optimizer LossScaleOptimizer: %q: %w", k.key, err)
		}
		out.set(k.key, t)
	}
	return "LossScaleOptimizer", out, nil
}
