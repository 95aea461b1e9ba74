package kernels

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

type gradCase struct {
	name   string
	loss   Loss
	yTrue  func(r *rand.Rand, rows, cols int) []float32
	yPred  func(r *rand.Rand, rows, cols int) []float32
	sparse bool
}

func uniform(lo, hi float64) func(r *rand.Rand, rows, cols int) []float32 {
	return func(r *rand.Rand, rows, cols int) []float32 {
		v := make([]float32, rows*cols)
		for i := range v {
			v[i] = float32(lo + (hi-lo)*r.Float64())
		}
		return v
	}
}

func binary(r *rand.Rand, rows, cols int) []float32 {
	v := make([]float32, rows*cols)
	for i := range v {
		v[i] = float32(r.IntN(2))
	}
	return v
}

func signs(r *rand.Rand, rows, cols int) []float32 {
	v := binary(r, rows, cols)
	for i := range v {
		v[i] = 2*v[i] - 1
	}
	return v
}

func onehot(r *rand.Rand, rows, cols int) []float32 {
	v := make([]float32, rows*cols)
	for i := 0; i < rows; i++ {
		v[i*cols+r.IntN(cols)] = 1
	}
	return v
}

func labels(r *rand.Rand, rows, cols int) []float32 {
	v := make([]float32, rows)
	for i := range v {
		v[i] = float32(r.IntN(cols))
	}
	return v
}

func labelsWithIgnore(r *rand.Rand, rows, cols int) []float32 {
	v := labels(r, rows, cols)
	v[0] = -1
	return v
}

func normal(r *rand.Rand, rows, cols int) []float32 {
	v := make([]float32, rows*cols)
	for i := range v {
		v[i] = float32(r.NormFloat64() * 2)
	}
	return v
}

// TestLossGradFiniteDifference checks every analytic Grad against central
// differences of PerSample (float32 values, differenced in float64 with steps
// 1e-2 and 5e-3 combined by Richardson extrapolation, which keeps both
// truncation and float32 rounding noise far below the tolerance).
// Elements where the left and right one-sided differences disagree sit on a
// kink (abs, max, clip) and are skipped; at most a few may be.
func TestLossGradFiniteDifference(t *testing.T) {
	ign := -1
	cases := []gradCase{
		{"mse", MeanSquaredError{}, normal, normal, false},
		{"mae", MeanAbsoluteError{}, normal, normal, false},
		{"mape", MeanAbsolutePercentageError{}, uniform(0.5, 3), normal, false},
		{"msle", MeanSquaredLogarithmicError{}, uniform(0, 3), uniform(0.1, 3), false},
		{"huber", Huber{Delta: 1}, normal, normal, false},
		{"huber0.5", Huber{Delta: 0.5}, normal, normal, false},
		{"log_cosh", LogCosh{}, normal, normal, false},
		{"cosine", CosineSimilarity{}, normal, normal, false},
		{"bce", BinaryCrossentropy{}, binary, uniform(0.05, 0.95), false},
		{"bce soft ls", BinaryCrossentropy{LabelSmoothing: 0.2}, uniform(0, 1), uniform(0.05, 0.95), false},
		{"bce logits", BinaryCrossentropy{FromLogits: true}, binary, normal, false},
		{"bce logits ls", BinaryCrossentropy{FromLogits: true, LabelSmoothing: 0.1}, binary, normal, false},
		{"cce", CategoricalCrossentropy{}, onehot, uniform(0.1, 1), false},
		{"cce soft ls", CategoricalCrossentropy{LabelSmoothing: 0.1}, uniform(0, 1), uniform(0.1, 1), false},
		{"cce logits", CategoricalCrossentropy{FromLogits: true}, onehot, normal, false},
		{"cce logits ls", CategoricalCrossentropy{FromLogits: true, LabelSmoothing: 0.1}, onehot, normal, false},
		{"scce", SparseCategoricalCrossentropy{}, labels, uniform(0.1, 1), true},
		{"scce logits", SparseCategoricalCrossentropy{FromLogits: true}, labels, normal, true},
		{"scce ignore", SparseCategoricalCrossentropy{FromLogits: true, IgnoreClass: &ign}, labelsWithIgnore, normal, true},
		{"hinge", Hinge{}, signs, normal, false},
		{"hinge01", Hinge{}, binary, normal, false},
		{"squared_hinge", SquaredHinge{}, signs, normal, false},
		{"categorical_hinge", CategoricalHinge{}, onehot, normal, false},
		{"kld", KLDivergence{}, uniform(0.05, 0.95), uniform(0.05, 0.95), false},
		{"poisson", Poisson{}, uniform(0, 3), uniform(0.5, 3), false},
	}
	const rows, cols = 4, 5
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			for trial := 0; trial < 3; trial++ {
				colsTrue := cols
				if c.sparse {
					colsTrue = 1
				}
				yt := c.yTrue(r, rows, cols)
				yp := c.yPred(r, rows, cols)
				if err := CheckInputs(c.loss, yt, yp, rows, colsTrue, cols); err != nil {
					t.Fatal(err)
				}
				dOut := make([]float32, rows)
				for i := range dOut {
					dOut[i] = float32(0.5 + r.Float64())
				}
				grad := make([]float32, rows*cols)
				c.loss.Grad(grad, dOut, yt, yp, rows, colsTrue, cols)
				f := func(x []float32) float64 {
					out := make([]float32, rows)
					c.loss.PerSample(out, yt, x, rows, colsTrue, cols)
					var s float64
					for i, v := range out {
						s += float64(dOut[i]) * float64(v)
					}
					return s
				}
				f0 := f(yp)
				// central difference with step h, in float64 from float32 evaluations
				cd := func(i int, h float32) (num, left, right float64) {
					x := append([]float32(nil), yp...)
					x[i] = yp[i] + h
					fp := f(x)
					x[i] = yp[i] - h
					fm := f(x)
					hp := float64(yp[i]+h) - float64(yp[i])
					hm := float64(yp[i]) - float64(yp[i]-h)
					return (fp - fm) / (hp + hm), (f0 - fm) / hm, (fp - f0) / hp
				}
				skipped := 0
				for i := range yp {
					n1, left, right := cd(i, 1e-2)
					if math.Abs(right-left) > 0.1*math.Max(math.Abs(right), math.Abs(left))+0.05 {
						skipped++
						continue
					}
					n2, _, _ := cd(i, 5e-3)
					num := (4*n2 - n1) / 3 // Richardson extrapolation: O(h⁴) error
					got := float64(grad[i])
					if math.Abs(got-num) > 1e-3*math.Abs(num)+1e-3 {
						t.Errorf("trial %d element %d: grad %.6g, finite difference %.6g", trial, i, got, num)
					}
				}
				if skipped > 2 {
					t.Errorf("trial %d: %d of %d elements on a kink", trial, skipped, len(yp))
				}
			}
		})
	}
}

// Gradients are zero where Keras clips (autodiff of clip).
func TestClipGradZero(t *testing.T) {
	g := make([]float32, 2)
	BinaryCrossentropy{}.Grad(g, []float32{1}, []float32{1, 0}, []float32{1, 0}, 1, 2, 2)
	if g[0] != 0 || g[1] != 0 {
		t.Errorf("bce grad at saturated p = %v, want 0", g)
	}
	g = make([]float32, 1)
	KLDivergence{}.Grad(g, []float32{1}, []float32{0.5}, []float32{2}, 1, 1, 1)
	if g[0] != 0 {
		t.Errorf("kld grad above clip = %v, want 0", g)
	}
}

func TestLossByName(t *testing.T) {
	for _, n := range []string{"mse", "MSE", "mean_squared_error", "mae", "MAE", "mean_absolute_error",
		"mape", "MAPE", "msle", "MSLE", "huber", "log_cosh", "binary_crossentropy", "bce", "BCE",
		"categorical_crossentropy", "sparse_categorical_crossentropy", "hinge", "squared_hinge",
		"categorical_hinge", "kl_divergence", "kld", "KLD", "poisson", "cosine_similarity"} {
		if _, err := LossByName(n); err != nil {
			t.Errorf("LossByName(%q): %v", n, err)
		}
	}
	_, err := LossByName("msee")
	if err == nil || !strings.Contains(err.Error(), "mean_squared_error") {
		t.Errorf("unknown name error %v does not list valid names", err)
	}
	l, err := LossForShapes("ce", []int{8}, []int{8, 4})
	if err != nil || l.Name() != "sparse_categorical_crossentropy" {
		t.Errorf("LossForShapes(ce) = %v, %v", l, err)
	}
}
