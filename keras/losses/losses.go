// Package losses holds Keras 3's loss functions for kerago: the classes of
// keras.losses with their configs, string lookup, and the reductions of
// keras.losses.Loss.__call__.
//
// Python → Go:
//
//	keras.losses.MeanSquaredError()                         losses.MeanSquaredError()
//	keras.losses.BinaryCrossentropy(from_logits=True,       losses.BinaryCrossentropy(losses.FromLogits(true),
//	    label_smoothing=0.1)                                     losses.LabelSmoothing(0.1))
//	keras.losses.SparseCategoricalCrossentropy(             losses.SparseCategoricalCrossentropy(losses.IgnoreClass(-1))
//	    ignore_class=-1)
//	keras.losses.Huber(delta=0.5, reduction="sum")          losses.Huber(losses.Delta(0.5), losses.WithReduction("sum"))
//	keras.losses.get("mse")                                 losses.Get("mse")
//	keras.losses.deserialize({"class_name": ..., ...})      losses.FromConfig(className, cfg)
//	loss_obj.get_config()                                   l.Config()
//	loss_obj(y_true, y_pred, sample_weight=w)               losses.Compute(l, yTrue, yPred, w, l.Reduction())
//
// All arithmetic is float32 as in Keras (ε = 1e-7, crossentropy clipping
// done in float32). Every loss also has an analytic gradient with respect to
// y_pred (ComputeGrad), zero where Keras clips, matching autodiff.
package losses

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/kerago/kerago/internal/kernels"
)

// Loss is a configured Keras loss object. PerSample and Grad are the
// row-wise kernels (see Compute for the full __call__ semantics).
type Loss interface {
	// Name is the loss's name: the class default ("mean_squared_error",
	// "huber_loss") or the string it was looked up by ("mse").
	Name() string
	// ClassName is the Keras 3 class ("MeanSquaredError").
	ClassName() string
	// Reduction is the configured reduction ("sum_over_batch_size").
	Reduction() string
	// Config is Keras's get_config() ({"name": ..., "reduction": ..., ...}).
	Config() map[string]any
	// PerSample writes one value per row (see kernels of Compute).
	PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int)
	// Grad writes d(Σ dOut[i]·value_i)/d yPred.
	Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int)
}

// Option configures a loss constructor.
type Option func(*options)

type options struct {
	name           string
	reduction      string
	fromLogits     bool
	labelSmoothing float64
	delta          float64
	ignoreClass    *int
}

// WithName sets the loss name (Keras name=).
func WithName(n string) Option { return func(o *options) { o.name = n } }

// WithReduction sets the reduction (Keras reduction=): "sum_over_batch_size"
// (default), "sum", "none", "mean", "mean_with_sample_weight". It is
// validated by Compute.
func WithReduction(r string) Option { return func(o *options) { o.reduction = r } }

// FromLogits says y_pred holds logits (crossentropy losses).
func FromLogits(b bool) Option { return func(o *options) { o.fromLogits = b } }

// LabelSmoothing sets label_smoothing in [0, 1] (binary and categorical
// crossentropy).
func LabelSmoothing(v float64) Option { return func(o *options) { o.labelSmoothing = v } }

// Delta sets Huber's delta (default 1.0).
func Delta(d float64) Option { return func(o *options) { o.delta = d } }

// IgnoreClass sets sparse categorical crossentropy's ignore_class.
func IgnoreClass(c int) Option { return func(o *options) { o.ignoreClass = &c } }

// object is the concrete Loss.
type object struct {
	kernels.Loss
	class     string
	name      string
	reduction string
	extra     map[string]any
}

func (o *object) Name() string { return o.name }

// UnwrapLoss returns the loss kernel (kernels.Wrapper).
func (o *object) UnwrapLoss() kernels.Loss { return o.Loss }
func (o *object) ClassName() string        { return o.class }
func (o *object) Reduction() string        { return o.reduction }

func (o *object) Config() map[string]any {
	c := map[string]any{"name": o.name, "reduction": o.reduction}
	if o.reduction == "" {
		c["reduction"] = nil // Python None
	}
	for k, v := range o.extra {
		c[k] = v
	}
	return c
}

func build(class, defName string, k kernels.Loss, opts []Option, extra func(o *options) map[string]any) Loss {
	o := options{reduction: SumOverBatchSize, delta: 1}
	for _, f := range opts {
		f(&o)
	}
	name := o.name
	if name == "" {
		name = defName
	}
	var ex map[string]any
	if extra != nil {
		ex = extra(&o)
	}
	return &object{Loss: k, class: class, name: name, reduction: o.reduction, extra: ex}
}

func apply(opts []Option) options {
	o := options{reduction: SumOverBatchSize, delta: 1}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// MeanSquaredError is keras.losses.MeanSquaredError: mean((y − ŷ)²).
func MeanSquaredError(opts ...Option) Loss {
	return build("MeanSquaredError", "mean_squared_error", kernels.MeanSquaredError{}, opts, nil)
}

// MeanAbsoluteError is keras.losses.MeanAbsoluteError: mean(|y − ŷ|).
func MeanAbsoluteError(opts ...Option) Loss {
	return build("MeanAbsoluteError", "mean_absolute_error", kernels.MeanAbsoluteError{}, opts, nil)
}

// MeanAbsolutePercentageError is keras.losses.MeanAbsolutePercentageError.
func MeanAbsolutePercentageError(opts ...Option) Loss {
	return build("MeanAbsolutePercentageError", "mean_absolute_percentage_error", kernels.MeanAbsolutePercentageError{}, opts, nil)
}

// MeanSquaredLogarithmicError is keras.losses.MeanSquaredLogarithmicError.
func MeanSquaredLogarithmicError(opts ...Option) Loss {
	return build("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", kernels.MeanSquaredLogarithmicError{}, opts, nil)
}

// Huber is keras.losses.Huber(delta=1.0), default name "huber_loss".
func Huber(opts ...Option) Loss {
	o := apply(opts)
	return build("Huber", "huber_loss", kernels.Huber{Delta: float32(o.delta)}, opts, func(o *options) map[string]any {
		return map[string]any{"delta": o.delta}
	})
}

// LogCosh is keras.losses.LogCosh.
func LogCosh(opts ...Option) Loss {
	return build("LogCosh", "log_cosh", kernels.LogCosh{}, opts, nil)
}

// CosineSimilarity is keras.losses.CosineSimilarity(axis=-1).
func CosineSimilarity(opts ...Option) Loss {
	return build("CosineSimilarity", "cosine_similarity", kernels.CosineSimilarity{}, opts, func(*options) map[string]any {
		return map[string]any{"axis": -1}
	})
}

// Hinge is keras.losses.Hinge.
func Hinge(opts ...Option) Loss { return build("Hinge", "hinge", kernels.Hinge{}, opts, nil) }

// SquaredHinge is keras.losses.SquaredHinge.
func SquaredHinge(opts ...Option) Loss {
	return build("SquaredHinge", "squared_hinge", kernels.SquaredHinge{}, opts, nil)
}

// CategoricalHinge is keras.losses.CategoricalHinge.
func CategoricalHinge(opts ...Option) Loss {
	return build("CategoricalHinge", "categorical_hinge", kernels.CategoricalHinge{}, opts, nil)
}

// KLDivergence is keras.losses.KLDivergence.
func KLDivergence(opts ...Option) Loss {
	return build("KLDivergence", "kl_divergence", kernels.KLDivergence{}, opts, nil)
}

// Poisson is keras.losses.Poisson.
func Poisson(opts ...Option) Loss { return build("Poisson", "poisson", kernels.Poisson{}, opts, nil) }

// BinaryCrossentropy is keras.losses.BinaryCrossentropy(from_logits=False,
// label_smoothing=0.0, axis=-1).
func BinaryCrossentropy(opts ...Option) Loss {
	o := apply(opts)
	return build("BinaryCrossentropy", "binary_crossentropy",
		kernels.BinaryCrossentropy{FromLogits: o.fromLogits, LabelSmoothing: o.labelSmoothing}, opts,
		func(o *options) map[string]any {
			return map[string]any{"from_logits": o.fromLogits, "label_smoothing": o.labelSmoothing, "axis": -1}
		})
}

// CategoricalCrossentropy is keras.losses.CategoricalCrossentropy(
// from_logits=False, label_smoothing=0.0, axis=-1).
func CategoricalCrossentropy(opts ...Option) Loss {
	o := apply(opts)
	return build("CategoricalCrossentropy", "categorical_crossentropy",
		kernels.CategoricalCrossentropy{FromLogits: o.fromLogits, LabelSmoothing: o.labelSmoothing}, opts,
		func(o *options) map[string]any {
			return map[string]any{"from_logits": o.fromLogits, "label_smoothing": o.labelSmoothing, "axis": -1}
		})
}

// SparseCategoricalCrossentropy is keras.losses.SparseCategoricalCrossentropy(
// from_logits=False, ignore_class=None, axis=-1).
func SparseCategoricalCrossentropy(opts ...Option) Loss {
	o := apply(opts)
	return build("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy",
		kernels.SparseCategoricalCrossentropy{FromLogits: o.fromLogits, IgnoreClass: o.ignoreClass}, opts,
		func(o *options) map[string]any {
			var ic any
			if o.ignoreClass != nil {
				ic = *o.ignoreClass
			}
			return map[string]any{"from_logits": o.fromLogits, "ignore_class": ic, "axis": -1}
		})
}

type ctor func(...Option) Loss

var classes = map[string]ctor{
	"MeanSquaredError":              MeanSquaredError,
	"MeanAbsoluteError":             MeanAbsoluteError,
	"MeanAbsolutePercentageError":   MeanAbsolutePercentageError,
	"MeanSquaredLogarithmicError":   MeanSquaredLogarithmicError,
	"Huber":                         Huber,
	"LogCosh":                       LogCosh,
	"CosineSimilarity":              CosineSimilarity,
	"Hinge":                         Hinge,
	"SquaredHinge":                  SquaredHinge,
	"CategoricalHinge":              CategoricalHinge,
	"KLDivergence":                  KLDivergence,
	"Poisson":                       Poisson,
	"BinaryCrossentropy":            BinaryCrossentropy,
	"CategoricalCrossentropy":       CategoricalCrossentropy,
	"SparseCategoricalCrossentropy": SparseCategoricalCrossentropy,
}

// functionClass maps Keras's function names and aliases to the class that
// computes the same thing.
var functionClass = map[string]string{
	"mse": "MeanSquaredError", "MSE": "MeanSquaredError", "mean_squared_error": "MeanSquaredError",
	"mae": "MeanAbsoluteError", "MAE": "MeanAbsoluteError", "mean_absolute_error": "MeanAbsoluteError",
	"mape": "MeanAbsolutePercentageError", "MAPE": "MeanAbsolutePercentageError", "mean_absolute_percentage_error": "MeanAbsolutePercentageError",
	"msle": "MeanSquaredLogarithmicError", "MSLE": "MeanSquaredLogarithmicError", "mean_squared_logarithmic_error": "MeanSquaredLogarithmicError",
	"huber": "Huber", "huber_loss": "Huber",
	"log_cosh": "LogCosh", "logcosh": "LogCosh",
	"cosine_similarity": "CosineSimilarity",
	"hinge":             "Hinge", "squared_hinge": "SquaredHinge", "categorical_hinge": "CategoricalHinge",
	"kl_divergence": "KLDivergence", "kld": "KLDivergence", "KLD": "KLDivergence", "kullback_leibler_divergence": "KLDivergence",
	"poisson":             "Poisson",
	"binary_crossentropy": "BinaryCrossentropy", "bce": "BinaryCrossentropy", "BCE": "BinaryCrossentropy",
	"categorical_crossentropy":        "CategoricalCrossentropy",
	"sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
}

// Names lists every identifier Get accepts (besides "crossentropy"/"ce").
func Names() []string {
	var n []string
	for k := range classes {
		n = append(n, k)
	}
	for k := range functionClass {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Get resolves a compile string as keras.losses.get + compile do. A class
// name ("MeanSquaredError") gives that class with its default name; a
// function name or alias ("mse", "bce", "kld", "huber") gives the loss named
// exactly by that string (Keras wraps it in LossFunctionWrapper(name=
// identifier)), with reduction sum_over_batch_size. "crossentropy"/"ce" need
// the shapes: use GetForShapes.
func Get(name string) (Loss, error) {
	if c, ok := classes[name]; ok {
		return c(), nil
	}
	if cls, ok := functionClass[name]; ok {
		return classes[cls](WithName(name)), nil
	}
	if l := strings.ToLower(name); l == "crossentropy" || l == "ce" {
		return nil, fmt.Errorf("losses: %q is resolved from the y_true/y_pred shapes: use GetForShapes", name)
	}
	return nil, fmt.Errorf("losses: unknown loss %q; valid names: %s, crossentropy, ce", name, strings.Join(Names(), ", "))
}

// GetForShapes is Get that also resolves "crossentropy"/"ce" (any case) like
// Keras's compile: binary when y_pred's last dimension is 1, sparse when
// y_true has lower rank or a last dimension of 1 while y_pred's is larger,
// else categorical. The loss is named by the string passed.
func GetForShapes(name string, yTrueShape, yPredShape []int) (Loss, error) {
	if l := strings.ToLower(name); l == "crossentropy" || l == "ce" {
		binary, sparse := kernels.BinaryOrSparse(yTrueShape, yPredShape)
		switch {
		case binary:
			return BinaryCrossentropy(WithName(name)), nil
		case sparse:
			return SparseCategoricalCrossentropy(WithName(name)), nil
		}
		return CategoricalCrossentropy(WithName(name)), nil
	}
	return Get(name)
}

// FromConfig rebuilds a loss from a serialized {"class_name", "config"}
// pair, as keras.losses.deserialize: Keras 3 and tf.keras class names and
// config keys (name, reduction — K2's "auto" means sum_over_batch_size —,
// from_logits, label_smoothing, axis, ignore_class, delta; dtype and fn are
// ignored). A bare function name as class name ("mean_squared_error") is
// accepted too. Unknown keys are an error, as in Keras.
func FromConfig(className string, cfg map[string]any) (Loss, error) {
	c, ok := classes[className]
	if !ok {
		if cls, ok2 := functionClass[className]; ok2 {
			c = classes[cls]
		} else {
			return nil, fmt.Errorf("losses: unknown loss class %q; valid classes: %s", className, strings.Join(classNames(), ", "))
		}
	}
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
				return nil, fmt.Errorf("losses: %s config: name is %T, want a string", className, v)
			}
			opts = append(opts, WithName(s))
		case "reduction":
			r := "" // null
			if v != nil {
				s, ok := v.(string)
				if !ok {
					return nil, fmt.Errorf("losses: %s config: reduction is %T, want a string or null", className, v)
				}
				r = s
				if r == "auto" || r == "sum_over_batch_size" {
					r = SumOverBatchSize
				}
			}
			if err := CheckReduction(r); err != nil {
				return nil, fmt.Errorf("%s config: %w", className, err)
			}
			opts = append(opts, WithReduction(r))
		case "from_logits":
			b, ok := v.(bool)
			if !ok {
				return nil, fmt.Errorf("losses: %s config: from_logits is %T, want a bool", className, v)
			}
			opts = append(opts, FromLogits(b))
		case "label_smoothing":
			f, err := toFloat(v)
			if err != nil || f < 0 || f > 1 {
				return nil, fmt.Errorf("losses: %s config: label_smoothing %v, want a number in [0, 1]", className, v)
			}
			opts = append(opts, LabelSmoothing(f))
		case "delta":
			f, err := toFloat(v)
			if err != nil {
				return nil, fmt.Errorf("losses: %s config: delta: %w", className, err)
			}
			opts = append(opts, Delta(f))
		case "ignore_class":
			if v == nil {
				continue
			}
			f, err := toFloat(v)
			if err != nil || f != math.Trunc(f) {
				return nil, fmt.Errorf("losses: %s config: ignore_class %v, want an integer or null", className, v)
			}
			opts = append(opts, IgnoreClass(int(f)))
		case "axis":
			if v == nil {
				continue
			}
			f, err := toFloat(v)
			if err != nil || f != -1 {
				return nil, fmt.Errorf("losses: %s config: axis %v: only axis -1 is supported", className, v)
			}
		case "dtype", "fn":
		default:
			return nil, fmt.Errorf("losses: %s config: unknown key %q", className, k)
		}
	}
	return c(opts...), nil
}

func classNames() []string {
	var n []string
	for k := range classes {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case bool:
		return 0, fmt.Errorf("got a bool, want a number")
	}
	return 0, fmt.Errorf("got %T, want a number", v)
}
