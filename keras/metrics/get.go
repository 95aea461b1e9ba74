package metrics

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kerago/kerago/internal/kernels"
)

type ctor func(...Option) Metric

// byName maps Keras 3's metric identifiers (metrics.ALL_OBJECTS_DICT: class
// names, their snake_case, and the aliases mse/MSE, mae/MAE, mape/MAPE,
// msle/MSLE, bce/BCE) to constructors.
var byName = map[string]ctor{}

func init() {
	for _, c := range []struct {
		class, snake string
		f            ctor
	}{
		{"MeanSquaredError", "mean_squared_error", MeanSquaredError},
		{"RootMeanSquaredError", "root_mean_squared_error", RootMeanSquaredError},
		{"MeanAbsoluteError", "mean_absolute_error", MeanAbsoluteError},
		{"MeanAbsolutePercentageError", "mean_absolute_percentage_error", MeanAbsolutePercentageError},
		{"MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", MeanSquaredLogarithmicError},
		{"CosineSimilarity", "cosine_similarity", CosineSimilarity},
		{"LogCoshError", "log_cosh_error", LogCoshError},
		{"AUC", "auc", AUC},
		{"Precision", "precision", Precision},
		{"Recall", "recall", Recall},
		{"Hinge", "hinge", Hinge},
		{"SquaredHinge", "squared_hinge", SquaredHinge},
		{"CategoricalHinge", "categorical_hinge", CategoricalHinge},
		{"KLDivergence", "kl_divergence", KLDivergence},
		{"Poisson", "poisson", Poisson},
		{"BinaryCrossentropy", "binary_crossentropy", BinaryCrossentropy},
		{"CategoricalCrossentropy", "categorical_crossentropy", CategoricalCrossentropy},
		{"SparseCategoricalCrossentropy", "sparse_categorical_crossentropy", SparseCategoricalCrossentropy},
		{"Accuracy", "accuracy", Accuracy},
		{"BinaryAccuracy", "binary_accuracy", BinaryAccuracy},
		{"CategoricalAccuracy", "categorical_accuracy", CategoricalAccuracy},
		{"SparseCategoricalAccuracy", "sparse_categorical_accuracy", SparseCategoricalAccuracy},
		{"TopKCategoricalAccuracy", "top_k_categorical_accuracy", TopKCategoricalAccuracy},
		{"SparseTopKCategoricalAccuracy", "sparse_top_k_categorical_accuracy", SparseTopKCategoricalAccuracy},
	} {
		byName[c.class] = c.f
		byName[c.snake] = c.f
	}
	for alias, target := range map[string]string{"mse": "MeanSquaredError", "MSE": "MeanSquaredError",
		"mae": "MeanAbsoluteError", "MAE": "MeanAbsoluteError", "mape": "MeanAbsolutePercentageError",
		"MAPE": "MeanAbsolutePercentageError", "msle": "MeanSquaredLogarithmicError",
		"MSLE": "MeanSquaredLogarithmicError", "bce": "BinaryCrossentropy", "BCE": "BinaryCrossentropy"} {
		byName[alias] = byName[target]
	}
}

// Names lists the identifiers Get accepts besides "accuracy"/"acc".
func Names() []string {
	n := make([]string, 0, len(byName)+1)
	for k := range byName {
		n = append(n, k)
	}
	n = append(n, "acc")
	sort.Strings(n)
	return n
}

// Get resolves a compile metric string as Keras's compile does. The metric
// is named exactly by the string passed ("mse" logs as "mse"). "accuracy"
// and "acc" (any case) resolve by the shapes, independent of the loss:
// BinaryAccuracy when y_pred's last dimension is 1, SparseCategoricalAccuracy
// when y_true has lower rank than y_pred or a last dimension of 1 while
// y_pred's is larger, else CategoricalAccuracy. Other names are Keras 3's
// class names, their snake_case and the aliases mse/MSE, mae/MAE,
// mape/MAPE, msle/MSLE, bce/BCE. Unknown names are an error listing the
// valid ones (like Keras 3, "crossentropy"/"ce" and "rmse" are not metric
// names).
func Get(name string, yTrueShape, yPredShape []int) (Metric, error) {
	if l := strings.ToLower(name); l == "accuracy" || l == "acc" {
		binary, sparse := kernels.BinaryOrSparse(yTrueShape, yPredShape)
		switch {
		case binary:
			return BinaryAccuracy(WithName(name)), nil
		case sparse:
			return SparseCategoricalAccuracy(WithName(name)), nil
		}
		return CategoricalAccuracy(WithName(name)), nil
	}
	c, ok := byName[name]
	if !ok {
		return nil, fmt.Errorf("metrics: unknown metric %q; valid names: %s", name, strings.Join(Names(), ", "))
	}
	return c(WithName(name)), nil
}
