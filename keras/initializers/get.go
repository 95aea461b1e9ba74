package initializers

import (
	"fmt"
	"github.com/kerago/kerago/internal/cfgval"
	"math"
	"sort"
	"strings"
)

type ctor func(...Option) Initializer

var classes = map[string]ctor{
	"GlorotUniform":   GlorotUniform,
	"GlorotNormal":    GlorotNormal,
	"HeUniform":       HeUniform,
	"HeNormal":        HeNormal,
	"LecunUniform":    LecunUniform,
	"LecunNormal":     LecunNormal,
	"VarianceScaling": VarianceScaling,
	"RandomNormal":    RandomNormal,
	"RandomUniform":   RandomUniform,
	"TruncatedNormal": TruncatedNormal,
	"Zeros":           func(...Option) Initializer { return Zeros() },
	"Ones":            func(...Option) Initializer { return Ones() },
	"Constant":        func(...Option) Initializer { return Constant(0) },
	"Orthogonal":      Orthogonal,
	"Identity":        Identity,
}

// aliases maps Keras's snake_case names and compatibility aliases (Keras 1's
// "uniform", "normal", "zero", "one"; "OrthogonalInitializer",
// "IdentityInitializer") to class names.
var aliases = map[string]string{
	"glorot_uniform": "GlorotUniform", "glorot_normal": "GlorotNormal",
	"he_uniform": "HeUniform", "he_normal": "HeNormal",
	"lecun_uniform": "LecunUniform", "lecun_normal": "LecunNormal",
	"variance_scaling": "VarianceScaling", "random_normal": "RandomNormal",
	"random_uniform": "RandomUniform", "truncated_normal": "TruncatedNormal",
	"zeros": "Zeros", "ones": "Ones", "constant": "Constant",
	"orthogonal": "Orthogonal", "identity": "Identity",
	"uniform": "RandomUniform", "normal": "RandomNormal", "zero": "Zeros", "one": "Ones",
	"OrthogonalInitializer": "Orthogonal", "IdentityInitializer": "Identity",
}

func resolve(name string) (string, bool) {
	if _, ok := classes[name]; ok {
		return name, true
	}
	c, ok := aliases[name]
	return c, ok
}

func valid() string {
	var n []string
	for k := range classes {
		n = append(n, k)
	}
	for k := range aliases {
		n = append(n, k)
	}
	sort.Strings(n)
	return strings.Join(n, ", ")
}

// Get returns an initializer with default arguments from a Keras name:
// class names ("GlorotUniform"), snake_case ("glorot_uniform") and Keras 1
// strings ("uniform", "normal", "zero", "one").
func Get(name string) (Initializer, error) {
	c, ok := resolve(name)
	if !ok {
		return nil, fmt.Errorf("initializers: unknown initializer %q; valid names: %s", name, valid())
	}
	return classes[c](), nil
}

// FromConfig rebuilds an initializer from a serialized class name and config
// (Keras 3, tf.keras and Keras 1 forms). Keys: seed, mean, stddev, minval,
// maxval, scale, mode, distribution, gain, value, input_axes, output_axes;
// tf.keras's "dtype" is ignored. Unknown keys are an error.
func FromConfig(className string, cfg map[string]any) (Initializer, error) {
	c, ok := resolve(className)
	if !ok {
		return nil, fmt.Errorf("initializers: unknown initializer class %q; valid: %s", className, valid())
	}
	var opts []Option
	value := 0.0
	bad := func(k string, v any, want string) error {
		return fmt.Errorf("initializers: %s config: %s is %v (%T), want %s", className, k, v, v, want)
	}
	var inAx, outAx []int
	for k, v := range cfg {
		if v == nil && k != "value" {
			continue
		}
		switch k {
		case "seed":
			f, ok := cfgval.Float(v)
			if !ok || f != math.Trunc(f) {
				return nil, bad(k, v, "an integer or null")
			}
			opts = append(opts, Seed(uint64(int64(f))))
		case "mean", "stddev", "minval", "maxval", "scale", "gain", "value":
			f, ok := cfgval.Float(v)
			if !ok {
				// Constant may hold a list in Keras; only scalars are supported.
				return nil, bad(k, v, "a number")
			}
			switch k {
			case "mean":
				opts = append(opts, Mean(f))
			case "stddev":
				opts = append(opts, Stddev(f))
			case "minval":
				opts = append(opts, MinVal(f))
			case "maxval":
				opts = append(opts, MaxVal(f))
			case "scale":
				opts = append(opts, Scale(f))
			case "gain":
				opts = append(opts, Gain(f))
			case "value":
				value = f
			}
		case "mode", "distribution":
			s, ok := v.(string)
			if !ok {
				return nil, bad(k, v, "a string")
			}
			if k == "mode" {
				opts = append(opts, Mode(strings.ToLower(s)))
			} else {
				opts = append(opts, Distribution(strings.ToLower(s)))
			}
		case "input_axes", "output_axes":
			l, ok := v.([]any)
			if !ok {
				return nil, bad(k, v, "a list of integers or null")
			}
			ax := make([]int, len(l))
			for i, x := range l {
				f, ok := cfgval.Float(x)
				if !ok {
					return nil, bad(k, v, "a list of integers")
				}
				ax[i] = int(f)
			}
			if k == "input_axes" {
				inAx = ax
			} else {
				outAx = ax
			}
		case "dtype":
		default:
			return nil, fmt.Errorf("initializers: %s config: unknown key %q", className, k)
		}
	}
	if inAx != nil || outAx != nil {
		opts = append(opts, Axes(inAx, outAx))
	}
	if c == "Constant" {
		return Constant(value), nil
	}
	init := classes[c](opts...)
	if vs, ok := init.(*varianceScaling); ok {
		if err := vs.check(); err != nil {
			return nil, err
		}
	}
	return init, nil
}
