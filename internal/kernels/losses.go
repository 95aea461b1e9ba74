package kernels

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Epsilon is Keras's backend.epsilon() (1e-7) as float32.
const Epsilon float32 = 1e-7

// oneMinusEps is float32(1 - 1e-7) computed in float32 as Keras's clip does:
// 0.99999988.
var oneMinusEps = float32(1) - Epsilon

// MaskedLoss is implemented by losses that can exclude rows from the loss
// (SparseCategoricalCrossentropy with an ignore class). Mask writes, for each
// of the rows, whether the row counts, and reports whether any masking is in
// effect at all. Keras reweights the remaining rows: with
// "sum_over_batch_size" each valid row gets weight rows/valid.
type MaskedLoss interface {
	Loss
	Mask(dst []bool, yTrue []float32, rows, colsTrue int) bool
}

// SparseLoss is implemented by losses whose labels are class indices (one
// value per row) rather than a row of the same width as the prediction.
type SparseLoss interface {
	Loss
	SparseLabels() bool
}

// Wrapper is implemented by loss values that wrap a kernel (the configured
// loss objects of package keras/losses).
type Wrapper interface {
	UnwrapLoss() Loss
}

// Unwrap returns the kernel behind any Wrapper layers of l.
func Unwrap(l Loss) Loss {
	for i := 0; i < 8; i++ {
		w, ok := l.(Wrapper)
		if !ok {
			return l
		}
		l = w.UnwrapLoss()
	}
	return l
}

// IsSparse reports whether l takes integer class labels (colsTrue = 1).
func IsSparse(l Loss) bool {
	s, ok := Unwrap(l).(SparseLoss)
	return ok && s.SparseLabels()
}

// CheckInputs validates buffer sizes and label values before PerSample/Grad
// are called: len(yPred) = rows·colsPred, len(yTrue) = rows·colsTrue,
// colsTrue = colsPred (or 1 with integer labels in [0, colsPred) for sparse
// losses).
func CheckInputs(l Loss, yTrue, yPred []float32, rows, colsTrue, colsPred int) error {
	if rows < 0 || colsTrue < 0 || colsPred < 0 {
		return fmt.Errorf("loss %s: negative size rows=%d colsTrue=%d colsPred=%d", l.Name(), rows, colsTrue, colsPred)
	}
	if len(yPred) != rows*colsPred {
		return fmt.Errorf("loss %s: y_pred has %d values, want %d×%d", l.Name(), len(yPred), rows, colsPred)
	}
	if len(yTrue) != rows*colsTrue {
		return fmt.Errorf("loss %s: y_true has %d values, want %d×%d", l.Name(), len(yTrue), rows, colsTrue)
	}
	if IsSparse(l) {
		if colsTrue != 1 {
			return fmt.Errorf("loss %s: sparse labels need one class index per row, have %d values per row", l.Name(), colsTrue)
		}
		ignore, hasIgnore := 0, false
		if s, ok := Unwrap(l).(SparseCategoricalCrossentropy); ok && s.IgnoreClass != nil {
			ignore, hasIgnore = *s.IgnoreClass, true
		}
		for i, y := range yTrue {
			if y != float32(math.Trunc(float64(y))) {
				return fmt.Errorf("loss %s: label %d is %v, want an integer class index", l.Name(), i, y)
			}
			if hasIgnore && int(y) == ignore {
				continue
			}
			if y < 0 || int(y) >= colsPred {
				return fmt.Errorf("loss %s: label %d is %v, want a class index in [0, %d)", l.Name(), i, y, colsPred)
			}
		}
		return nil
	}
	if colsTrue != colsPred {
		return fmt.Errorf("loss %s: y_true has %d values per row, y_pred %d", l.Name(), colsTrue, colsPred)
	}
	return nil
}

// lossNames maps every Keras 3 string identifier (losses.get and compile
// strings, plus the Keras 2 aliases huber_loss, logcosh and
// kullback_leibler_divergence) to a constructor with default arguments.
var lossNames = map[string]func() Loss{
	"mse": mse, "MSE": mse, "mean_squared_error": mse, "MeanSquaredError": mse,
	"mae": mae, "MAE": mae, "mean_absolute_error": mae, "MeanAbsoluteError": mae,
	"mape": mape, "MAPE": mape, "mean_absolute_percentage_error": mape, "MeanAbsolutePercentageError": mape,
	"msle": msle, "MSLE": msle, "mean_squared_logarithmic_error": msle, "MeanSquaredLogarithmicError": msle,
	"huber": huber, "huber_loss": huber, "Huber": huber,
	"log_cosh": logcosh, "logcosh": logcosh, "LogCosh": logcosh,
	"binary_crossentropy": bce, "bce": bce, "BCE": bce, "BinaryCrossentropy": bce,
	"categorical_crossentropy": cce, "CategoricalCrossentropy": cce,
	"sparse_categorical_crossentropy": scce, "SparseCategoricalCrossentropy": scce,
	"hinge": hinge, "Hinge": hinge,
	"squared_hinge": sqhinge, "SquaredHinge": sqhinge,
	"categorical_hinge": cathinge, "CategoricalHinge": cathinge,
	"kl_divergence": kld, "kld": kld, "KLD": kld, "kullback_leibler_divergence": kld, "KLDivergence": kld,
	"poisson": poisson, "Poisson": poisson,
	"cosine_similarity": cosine, "CosineSimilarity": cosine,
}

func mse() Loss      { return MeanSquaredError{} }
func mae() Loss      { return MeanAbsoluteError{} }
func mape() Loss     { return MeanAbsolutePercentageError{} }
func msle() Loss     { return MeanSquaredLogarithmicError{} }
func huber() Loss    { return Huber{Delta: 1} }
func logcosh() Loss  { return LogCosh{} }
func bce() Loss      { return BinaryCrossentropy{} }
func cce() Loss      { return CategoricalCrossentropy{} }
func scce() Loss     { return SparseCategoricalCrossentropy{} }
func hinge() Loss    { return Hinge{} }
func sqhinge() Loss  { return SquaredHinge{} }
func cathinge() Loss { return CategoricalHinge{} }
func kld() Loss      { return KLDivergence{} }
func poisson() Loss  { return Poisson{} }
func cosine() Loss   { return CosineSimilarity{} }

// LossNames lists every string LossByName accepts, sorted.
func LossNames() []string {
	names := make([]string, 0, len(lossNames))
	for k := range lossNames {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// LossByName returns the loss function for a Keras string identifier such as
// "mse", "MSE", "mean_squared_error", "bce", "kld" or a class name like
// "MeanSquaredError", with Keras's default arguments. Matching is exact
// (case-sensitive) as in Keras. The shape-resolved names "crossentropy" and
// "ce" need the output shapes: use LossForShapes.
func LossByName(name string) (Loss, error) {
	if f, ok := lossNames[name]; ok {
		return f(), nil
	}
	if l := strings.ToLower(name); l == "crossentropy" || l == "ce" {
		return nil, fmt.Errorf("loss %q is resolved from the y_true/y_pred shapes: use LossForShapes", name)
	}
	return nil, fmt.Errorf("unknown loss %q; valid names: %s", name, strings.Join(LossNames(), ", "))
}

// LossForShapes is LossByName that also resolves "crossentropy"/"ce" (any
// case) the way Keras's compile does: binary when the last y_pred dimension
// is 1, sparse categorical when y_true has lower rank than y_pred or a last
// dimension of 1 while y_pred's is larger, categorical otherwise.
func LossForShapes(name string, yTrueShape, yPredShape []int) (Loss, error) {
	if l := strings.ToLower(name); l == "crossentropy" || l == "ce" {
		binary, sparse := BinaryOrSparse(yTrueShape, yPredShape)
		switch {
		case binary:
			return BinaryCrossentropy{}, nil
		case sparse:
			return SparseCategoricalCrossentropy{}, nil
		default:
			return CategoricalCrossentropy{}, nil
		}
	}
	return LossByName(name)
}

// BinaryOrSparse is Keras's is_binary_or_sparse_categorical: binary when the
// last y_pred dimension is 1; sparse when rank(y_true) < rank(y_pred) or
// y_true's last dimension is 1 and y_pred's is greater than 1.
func BinaryOrSparse(yTrueShape, yPredShape []int) (binary, sparse bool) {
	tl, pl := lastDim(yTrueShape), lastDim(yPredShape)
	binary = pl == 1
	sparse = len(yTrueShape) < len(yPredShape) || (tl == 1 && pl > 1)
	return binary, sparse
}

func lastDim(s []int) int {
	if len(s) == 0 {
		return 1
	}
	return s[len(s)-1]
}

// --- float32 helpers: transcendental functions are evaluated in float64 and
// rounded once, which is what a correctly rounded float32 library gives.

func log32(x float32) float32  { return float32(math.Log(float64(x))) }
func exp32(x float32) float32  { return float32(math.Exp(float64(x))) }
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
func abs32(x float32) float32  { return float32(math.Abs(float64(x))) }

// softplus32 is log(1+exp(x)) computed stably.
func softplus32(x float32) float32 {
	v := float64(x)
	if v > 0 {
		return float32(v + math.Log1p(math.Exp(-v)))
	}
	return float32(math.Log1p(math.Exp(v)))
}

func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// sum32 adds float32 values with a float64 accumulator and rounds once: the
// correctly rounded float32 sum that Keras's tree reductions approximate.
func sum32(v []float32) float32 {
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	return float32(s)
}

func clip32(x, lo, hi float32) float32 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

// inClip reports whether the gradient passes through clip(x, lo, hi) (TF
// clip_by_value passes it for lo <= x <= hi).
func inClip(x, lo, hi float32) bool { return x >= lo && x <= hi }

func sign32(x float32) float32 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// rowMean writes mean over each row of the elementwise values produced by f
// into out: float32 elements, float64 sum rounded to float32, divided by
// cols in float32 like ops.mean.
func rowMean(out []float32, rows, cols int, f func(i int) float32) {
	for r := 0; r < rows; r++ {
		var s float64
		for c := 0; c < cols; c++ {
			s += float64(f(r*cols + c))
		}
		out[r] = float32(s) / float32(cols)
	}
}

// rowSum is rowMean without the division.
func rowSum(out []float32, rows, cols int, f func(i int) float32) {
	for r := 0; r < rows; r++ {
		var s float64
		for c := 0; c < cols; c++ {
			s += float64(f(r*cols + c))
		}
		out[r] = float32(s)
	}
}

// elemGrad writes dPred[i] = dOut[row]·scale·f(i) for every element.
func elemGrad(dPred, dOut []float32, rows, cols int, scale float64, f func(i int) float64) {
	for r := 0; r < rows; r++ {
		d := float64(dOut[r]) * scale
		for c := 0; c < cols; c++ {
			i := r*cols + c
			dPred[i] = float32(d * f(i))
		}
	}
}
