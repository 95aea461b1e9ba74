package optimizers

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/kerago/kerago/keras/optimizers/schedules"
)

var constructors = map[string]func(...Option) (Optimizer, error){
	"sgd":               NewSGD,
	"adam":              NewAdam,
	"adamw":             NewAdamW,
	"rmsprop":           NewRMSprop,
	"adagrad":           NewAdagrad,
	"adadelta":          NewAdadelta,
	"adamax":            NewAdamax,
	"nadam":             NewNadam,
	"lion":              NewLion,
	"adafactor":         NewAdafactor,
	"ftrl":              NewFtrl,
	"lamb":              NewLamb,
	"muon":              NewMuon,
	"schedulefreeadamw": NewScheduleFreeAdamW,
}

func names() string {
	n := make([]string, 0, len(constructors))
	for k := range constructors {
		n = append(n, k)
	}
	sort.Strings(n)
	return strings.Join(n, ", ")
}

// normClass lower-cases a class name and strips tf.keras's "Custom>" prefix
// (tf.keras 2.11+ registers its optimizers as custom objects).
func normClass(c string) string {
	c = strings.TrimPrefix(c, "Custom>")
	return strings.ToLower(c)
}

// Get returns an optimizer with Keras's defaults from a compile string or
// class name, case-insensitively: "adam", "Adam", "sgd", "rmsprop", ...
func Get(name string) (Optimizer, error) {
	c, ok := constructors[normClass(name)]
	if !ok {
		return nil, fmt.Errorf("optimizers: unknown optimizer %q; valid names: %s", name, names())
	}
	return c()
}

// ignoredKeys are config keys of tf.keras / Keras 1–2 optimizers that Keras 3
// does not use: they are accepted and ignored ("decay" is ignored by Keras 3
// too, with a warning).
var ignoredKeys = map[string]bool{"is_legacy_optimizer": true, "jit_compile": true, "decay": true,
	"schedule_decay": true, "use_locking": true}

// FromConfig rebuilds an optimizer from a serialized class name and config,
// as keras.optimizers.deserialize: class names case-insensitive, tf.keras's
// "Custom>Adam" accepted, learning_rate a number or a serialized schedule
// ({"class_name": "ExponentialDecay", "config": {...}}), Keras 1's "lr"
// accepted for learning_rate. Keys of older Keras that Keras 3 ignores
// (is_legacy_optimizer, jit_compile, decay) are ignored; any other unknown
// key is an error (Keras: "Argument(s) not recognized").
//
// "LossScaleOptimizer" (and tf.keras 2's "LossScaleOptimizerV3") takes
// inner_optimizer (a serialized optimizer), initial_scale,
// dynamic_growth_steps and name; see NewLossScaleOptimizer.
func FromConfig(className string, cfg map[string]any) (Optimizer, error) {
	if lossScaleClasses[normClass(className)] {
		return lossScaleFromConfig(className, cfg)
	}
	c, ok := constructors[normClass(className)]
	if !ok {
		return nil, fmt.Errorf("optimizers: unknown optimizer class %q; valid: %s", className, names())
	}
	cls := className
	keys := slices.Sorted(maps.Keys(cfg))
	var opts []Option
	bad := func(k string, v any, want string) error {
		return fmt.Errorf("optimizers: %s config: %s is %v (%T), want %s", cls, k, v, v, want)
	}
	for _, k := range keys {
		v := cfg[k]
		if ignoredKeys[k] {
			continue
		}
		num := func() (float64, error) {
			f, ok := schedules.ToFloat(v)
			if !ok {
				return 0, bad(k, v, "a number")
			}
			return f, nil
		}
		// optional numbers: null means unset
		optNum := func(mk func(float64) Option) error {
			if v == nil {
				return nil
			}
			f, err := num()
			if err != nil {
				return err
			}
			opts = append(opts, mk(f))
			return nil
		}
		boolean := func(mk func(bool) Option) error {
			b, ok := v.(bool)
			if !ok {
				return bad(k, v, "a bool")
			}
			opts = append(opts, mk(b))
			return nil
		}
		var err error
		switch k {
		case "name":
			if v != nil {
				s, ok := v.(string)
				if !ok {
					return nil, bad(k, v, "a string")
				}
				opts = append(opts, Name(s))
			}
		case "learning_rate", "lr":
			switch x := v.(type) {
			case map[string]any:
				cn, _ := x["class_name"].(string)
				sc, _ := x["config"].(map[string]any)
				if cn == "" {
					return nil, bad(k, v, "a number or a serialized schedule with class_name and config")
				}
				s, err := schedules.FromConfig(cn, sc)
				if err != nil {
					return nil, fmt.Errorf("optimizers: %s config: learning_rate: %w", cls, err)
				}
				opts = append(opts, WithSchedule(s))
			default:
				err = optNum(LearningRate)
			}
		case "weight_decay":
			if v == nil {
				opts = append(opts, NoWeightDecay())
			}
			err = optNum(WeightDecay)
		case "clipnorm":
			err = optNum(ClipNorm)
		case "global_clipnorm":
			err = optNum(GlobalClipNorm)
		case "clipvalue":
			err = optNum(ClipValue)
		case "use_ema":
			err = boolean(UseEMA)
		case "ema_momentum":
			err = optNum(EMAMomentum)
		case "ema_overwrite_frequency", "gradient_accumulation_steps":
			if v == nil {
				continue
			}
			f, e := num()
			if e != nil {
				return nil, e
			}
			if f != math.Trunc(f) {
				return nil, bad(k, v, "an integer")
			}
			if k == "ema_overwrite_frequency" {
				opts = append(opts, EMAOverwriteFrequency(int(f)))
			} else {
				opts = append(opts, GradientAccumulationSteps(int(f)))
			}
		case "loss_scale_factor":
			err = optNum(LossScaleFactor)
		case "momentum":
			err = optNum(Momentum)
		case "nesterov":
			err = boolean(Nesterov)
		case "beta_1":
			err = optNum(Beta1)
		case "beta_2":
			err = optNum(Beta2)
		case "epsilon":
			err = optNum(Epsilon)
		case "amsgrad":
			err = boolean(AMSGrad)
		case "rho":
			err = optNum(Rho)
		case "centered":
			err = boolean(Centered)
		case "initial_accumulator_value":
			err = optNum(InitialAccumulatorValue)
		default:
			o, handled, e := moreConfigOption(k, v, bad)
			if !handled {
				return nil, fmt.Errorf("optimizers: %s config: unknown key %q", cls, k)
			}
			if e != nil {
				return nil, e
			}
			if o != nil {
				opts = append(opts, o)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return c(opts...)
}

// moreConfigOption maps the config keys of Adafactor, Ftrl, Muon and
// ScheduleFreeAdamW to options; handled is false for an unknown key. A
// null adam_weight_decay or rms_rate is None; null elsewhere keeps the
// default.
func moreConfigOption(k string, v any, bad func(k string, v any, want string) error) (o Option, handled bool, err error) {
	num := func(mk func(float64) Option) (Option, bool, error) {
		if v == nil {
			return nil, true, nil
		}
		f, ok := schedules.ToFloat(v)
		if !ok {
			return nil, true, bad(k, v, "a number")
		}
		return mk(f), true, nil
	}
	integer := func(mk func(int) Option) (Option, bool, error) {
		f, ok := schedules.ToFloat(v)
		if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<31 {
			return nil, true, bad(k, v, "an integer")
		}
		return mk(int(f)), true, nil
	}
	boolean := func(mk func(bool) Option) (Option, bool, error) {
		b, ok := v.(bool)
		if !ok {
			return nil, true, bad(k, v, "a bool")
		}
		return mk(b), true, nil
	}
	switch k {
	case "beta_2_decay":
		return num(Beta2Decay)
	case "epsilon_1":
		return num(Epsilon1)
	case "epsilon_2":
		return num(Epsilon2)
	case "clip_threshold":
		return num(ClipThreshold)
	case "relative_step":
		return boolean(RelativeStep)
	case "learning_rate_power":
		return num(LearningRatePower)
	case "l1_regularization_strength":
		return num(L1RegularizationStrength)
	case "l2_regularization_strength":
		return num(L2RegularizationStrength)
	case "l2_shrinkage_regularization_strength":
		return num(L2ShrinkageRegularizationStrength)
	case "beta":
		return num(FtrlBeta)
	case "adam_beta_1":
		return num(AdamBeta1)
	case "adam_beta_2":
		return num(AdamBeta2)
	case "adam_weight_decay":
		if v == nil {
			return NoAdamWeightDecay(), true, nil
		}
		return num(AdamWeightDecay)
	case "rms_rate":
		if v == nil {
			return NoRMSRate(), true, nil
		}
		return num(RMSRate)
	case "muon_a":
		return num(MuonA)
	case "muon_b":
		return num(MuonB)
	case "muon_c":
		return num(MuonC)
	case "adam_lr_ratio":
		return num(AdamLRRatio)
	case "ns_steps":
		return integer(NSSteps)
	case "warmup_steps":
		return integer(WarmupSteps)
	case "exclude_embeddings":
		return boolean(ExcludeEmbeddings)
	case "exclude_layers":
		var pats []string
		switch x := v.(type) {
		case nil:
		case []any:
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, true, bad(k, v, "a list of strings")
				}
				pats = append(pats, s)
			}
		case []string:
			pats = x
		default:
			return nil, true, bad(k, v, "a list of strings")
		}
		return ExcludeLayers(pats...), true, nil
	}
	return nil, false, nil
}

// lossScaleClasses are the class names of LossScaleOptimizer: Keras 3's
// and tf.keras 2's (V3 for the optimizers of TF 2.11+, V1 before).
var lossScaleClasses = map[string]bool{"lossscaleoptimizer": true, "lossscaleoptimizerv3": true, "lossscaleoptimizerv1": true}

// lossScaleFromConfig is LossScaleOptimizer.from_config. Base optimizer
// keys that Keras 3 tolerates at their default values (older files wrote
// them) are accepted at those values and refused otherwise, as Keras does.
func lossScaleFromConfig(cls string, cfg map[string]any) (Optimizer, error) {
	var o LossScaleOptions
	var inner Optimizer
	for _, k := range sortedKeys(cfg) {
		v := cfg[k]
		bad := fmt.Errorf("optimizers: %s config: %s is %v (%T)", cls, k, v, v)
		switch k {
		case "inner_optimizer":
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("optimizers: %s config: inner_optimizer is %T, want a serialized optimizer", cls, v)
			}
			icls, _ := m["class_name"].(string)
			icfg, _ := m["config"].(map[string]any)
			if icls == "" {
				return nil, fmt.Errorf("optimizers: %s config: inner_optimizer has no class_name", cls)
			}
			if icfg == nil {
				icfg = map[string]any{}
			}
			var err error
			if inner, err = FromConfig(icls, icfg); err != nil {
				return nil, fmt.Errorf("optimizers: %s config: inner_optimizer: %w", cls, err)
			}
		case "name":
			if v != nil {
				s, ok := v.(string)
				if !ok {
					return nil, bad
				}
				o.Name = s
			}
		case "initial_scale":
			f, ok := schedules.ToFloat(v)
			if !ok {
				return nil, fmt.Errorf("%w, want a number", bad)
			}
			o.InitialScale = f
		case "dynamic_growth_steps":
			f, ok := schedules.ToFloat(v)
			if !ok || f != math.Trunc(f) || f < 1 || f > 1<<31 {
				return nil, fmt.Errorf("%w, want an integer >= 1", bad)
			}
			o.DynamicGrowthSteps = int(f)
		case "dynamic":
			b, ok := v.(bool)
			if !ok {
				return nil, fmt.Errorf("%w, want a bool", bad)
			}
			o.Fixed = !b
		default:
			if def, ok := lossScaleBaseDefaults[k]; ok || ignoredKeys[k] {
				if ok && !sameDefault(v, def) {
					return nil, fmt.Errorf("optimizers: %s does not support %s (got %v): set it on the inner optimizer", cls, k, v)
				}
				continue
			}
			return nil, fmt.Errorf("optimizers: %s config: unknown key %q", cls, k)
		}
	}
	if inner == nil {
		return nil, fmt.Errorf("optimizers: %s config: no inner_optimizer", cls)
	}
	return NewLossScaleOptimizer(inner, o)
}

// lossScaleBaseDefaults are the base optimizer keys Keras 3's
// LossScaleOptimizer accepts at these values only.
var lossScaleBaseDefaults = map[string]any{"weight_decay": nil, "clipnorm": nil, "global_clipnorm": nil,
	"clipvalue": nil, "use_ema": false, "ema_momentum": 0.99, "ema_overwrite_frequency": nil,
	"loss_scale_factor": nil, "gradient_accumulation_steps": nil}

func sameDefault(v, def any) bool {
	switch d := def.(type) {
	case nil:
		return v == nil
	case bool:
		b, ok := v.(bool)
		return ok && b == d
	case float64:
		f, ok := schedules.ToFloat(v)
		return ok && f == d
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := slices.Sorted(maps.Keys(m))
	return keys
}
