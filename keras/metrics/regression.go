package metrics

import (
	"fmt"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/keras/losses"
	"github.com/kerago/kerago/tensor"
)

// lossValues returns the per-sample values of a loss function as a metric
// function.
func lossValues(k kernels.Loss) valuesFn {
	return func(yTrue, yPred *tensor.Tensor) ([]float32, []int, error) {
		v, err := losses.Values(k, yTrue, yPred)
		if err != nil {
			return nil, nil, err
		}
		return v.Data(), v.Shape(), nil
	}
}

// MeanSquaredError is keras.metrics.MeanSquaredError (name
// "mean_squared_error"): the mean of mean((y − ŷ)²) per sample.
func MeanSquaredError(opts ...Option) Metric {
	return newWrapper("MeanSquaredError", "mean_squared_error", "down", apply(opts), lossValues(kernels.MeanSquaredError{}), nil)
}

// MeanAbsoluteError is keras.metrics.MeanAbsoluteError.
func MeanAbsoluteError(opts ...Option) Metric {
	return newWrapper("MeanAbsoluteError", "mean_absolute_error", "down", apply(opts), lossValues(kernels.MeanAbsoluteError{}), nil)
}

// MeanAbsolutePercentageError is keras.metrics.MeanAbsolutePercentageError.
func MeanAbsolutePercentageError(opts ...Option) Metric {
	return newWrapper("MeanAbsolutePercentageError", "mean_absolute_percentage_error", "down", apply(opts), lossValues(kernels.MeanAbsolutePercentageError{}), nil)
}

// MeanSquaredLogarithmicError is keras.metrics.MeanSquaredLogarithmicError.
func MeanSquaredLogarithmicError(opts ...Option) Metric {
	return newWrapper("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", "down", apply(opts), lossValues(kernels.MeanSquaredLogarithmicError{}), nil)
}

// LogCoshError is keras.metrics.LogCoshError (name "logcosh").
func LogCoshError(opts ...Option) Metric {
	return newWrapper("LogCoshError", "logcosh", "down", apply(opts), lossValues(kernels.LogCosh{}), nil)
}

// CosineSimilarity is keras.metrics.CosineSimilarity(axis=-1): the mean
// cosine similarity (positive, unlike the loss), direction "up".
func CosineSimilarity(opts ...Option) Metric {
	fn := func(yTrue, yPred *tensor.Tensor) ([]float32, []int, error) {
		v, s, err := lossValues(kernels.CosineSimilarity{})(yTrue, yPred)
		for i := range v {
			v[i] = -v[i]
		}
		return v, s, err
	}
	return newWrapper("CosineSimilarity", "cosine_similarity", "up", apply(opts), fn, map[string]any{"axis": -1})
}

// Hinge is keras.metrics.Hinge.
func Hinge(opts ...Option) Metric {
	return newWrapper("Hinge", "hinge", "down", apply(opts), lossValues(kernels.Hinge{}), nil)
}

// SquaredHinge is keras.metrics.SquaredHinge.
func SquaredHinge(opts ...Option) Metric {
	return newWrapper("SquaredHinge", "squared_hinge", "down", apply(opts), lossValues(kernels.SquaredHinge{}), nil)
}

// CategoricalHinge is keras.metrics.CategoricalHinge.
func CategoricalHinge(opts ...Option) Metric {
	return newWrapper("CategoricalHinge", "categorical_hinge", "down", apply(opts), lossValues(kernels.CategoricalHinge{}), nil)
}

// KLDivergence is keras.metrics.KLDivergence.
func KLDivergence(opts ...Option) Metric {
	return newWrapper("KLDivergence", "kl_divergence", "down", apply(opts), lossValues(kernels.KLDivergence{}), nil)
}

// Poisson is keras.metrics.Poisson.
func Poisson(opts ...Option) Metric {
	return newWrapper("Poisson", "poisson", "down", apply(opts), lossValues(kernels.Poisson{}), nil)
}

// BinaryCrossentropy is keras.metrics.BinaryCrossentropy(from_logits=False,
// label_smoothing=0).
func BinaryCrossentropy(opts ...Option) Metric {
	o := apply(opts)
	return newWrapper("BinaryCrossentropy", "binary_crossentropy", "down", o,
		lossValues(kernels.BinaryCrossentropy{FromLogits: o.fromLogits, LabelSmoothing: o.labelSmoothing}),
		map[string]any{"from_logits": o.fromLogits, "label_smoothing": o.labelSmoothing})
}

// CategoricalCrossentropy is keras.metrics.CategoricalCrossentropy.
func CategoricalCrossentropy(opts ...Option) Metric {
	o := apply(opts)
	return newWrapper("CategoricalCrossentropy", "categorical_crossentropy", "down", o,
		lossValues(kernels.CategoricalCrossentropy{FromLogits: o.fromLogits, LabelSmoothing: o.labelSmoothing}),
		map[string]any{"from_logits": o.fromLogits, "label_smoothing": o.labelSmoothing, "axis": -1})
}

// SparseCategoricalCrossentropy is keras.metrics.SparseCategoricalCrossentropy.
func SparseCategoricalCrossentropy(opts ...Option) Metric {
	o := apply(opts)
	return newWrapper("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy", "down", o,
		lossValues(kernels.SparseCategoricalCrossentropy{FromLogits: o.fromLogits, IgnoreClass: o.ignoreClass}),
		map[string]any{"from_logits": o.fromLogits, "axis": -1})
}

// RootMeanSquaredError is keras.metrics.RootMeanSquaredError: sqrt of the
// (weighted) mean of the elementwise squared errors.
func RootMeanSquaredError(opts ...Option) Metric {
	w := newWrapper("RootMeanSquaredError", "root_mean_squared_error", "down", apply(opts), func(yTrue, yPred *tensor.Tensor) ([]float32, []int, error) {
		t, p, err := sameShape(yTrue, yPred)
		if err != nil {
			return nil, nil, err
		}
		out := make([]float32, len(t))
		for i := range out {
			d := p[i] - t[i]
			out[i] = d * d
		}
		return out, yPredShape(yTrue, yPred), nil
	}, nil)
	w.sqrt = true
	return w
}

// yPredShape is y_pred's shape after squeeze_or_expand_to_same_rank.
func yPredShape(yTrue, yPred *tensor.Tensor) []int {
	_, p := kernels.SqueezeOrExpand(yTrue.Shape(), yPred.Shape())
	return p
}

// sameShape applies squeeze_or_expand_to_same_rank and requires equal
// shapes (elementwise metrics).
func sameShape(yTrue, yPred *tensor.Tensor) ([]float32, []float32, error) {
	t, p := kernels.SqueezeOrExpand(yTrue.Shape(), yPred.Shape())
	if !tensor.SameShape(t, p) {
		return nil, nil, fmt.Errorf("y_true shape %v does not match y_pred shape %v", yTrue.Shape(), yPred.Shape())
	}
	return yTrue.Data(), yPred.Data(), nil
}
