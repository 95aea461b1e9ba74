package losses

import (
	"math"
	"testing"
)

// cce64 is categorical crossentropy per row in float64 from Keras's
// formula: on probabilities p/Σp clipped to [1e-7, 1−1e-7], −Σ y·log p; on
// logits, logsumexp(z) − Σ y·z (Σ y = 1).
func cce64(y, p []float64, logits bool) float64 {
	if logits {
		m := math.Inf(-1)
		for _, v := range p {
			m = math.Max(m, v)
		}
		var s float64
		for _, v := range p {
			s += math.Exp(v - m)
		}
		var l float64
		for j, v := range p {
			l += y[j] * (m + math.Log(s) - v)
		}
		return l
	}
	var s float64
	for _, v := range p {
		s += v
	}
	var l float64
	for j, v := range p {
		q := math.Min(math.Max(v/s, 1e-7), 1-1e-7)
		l -= y[j] * math.Log(q)
	}
	return l
}

// bceLogits64 is sigmoid crossentropy on logits, averaged over the row.
func bceLogits64(y, z []float64, ls float64) float64 {
	var l float64
	for j, v := range z {
		t := y[j]*(1-ls) + 0.5*ls
		l += math.Max(v, 0) - v*t + math.Log1p(math.Exp(-math.Abs(v)))
	}
	return l / float64(len(z))
}

// TestCrossentropyFloat64: the crossentropy cases whose Keras goldens have
// 3–4 decimals, checked again to 1e-6 relative against float64
// re-derivations (sum_over_batch_size: Σ w_i·v_i / rows).
func TestCrossentropyFloat64(t *testing.T) {
	probs := []float64{0.9, 0.05, 0.05, 0.5, 0.89, 0.6, 0.05, 0.01, 0.94}
	logits := []float64{8, 1, 1, 0, 9, 1, 2, 3, 5}
	eye := []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}
	rows := func(f func(r int) float64, w []float64) float64 {
		var s float64
		for r := 0; r < 3; r++ {
			s += w[r%len(w)] * f(r)
		}
		return s / 3
	}
	cceRows := func(p []float64, logit bool) func(int) float64 {
		return func(r int) float64 { return cce64(eye[r*3:r*3+3], p[r*3:r*3+3], logit) }
	}
	for _, tc := range []struct {
		name   string
		loss   Loss
		sparse bool
		logits bool
		w      []float64
	}{
		{"cce", CategoricalCrossentropy(), false, false, []float64{1}},
		{"cce logits", CategoricalCrossentropy(FromLogits(true)), false, true, []float64{1}},
		{"scce", SparseCategoricalCrossentropy(), true, false, []float64{1}},
		{"scce logits", SparseCategoricalCrossentropy(FromLogits(true)), true, true, []float64{1}},
		{"scce sw 2.3", SparseCategoricalCrossentropy(), true, false, []float64{2.3}},
		{"scce logits sw 2.3", SparseCategoricalCrossentropy(FromLogits(true)), true, true, []float64{2.3}},
		{"scce sw", SparseCategoricalCrossentropy(), true, false, []float64{1.2, 3.4, 5.6}},
		{"scce logits sw", SparseCategoricalCrossentropy(FromLogits(true)), true, true, []float64{1.2, 3.4, 5.6}},
	} {
		pd := probs
		if tc.logits {
			pd = logits
		}
		want := rows(cceRows(pd, tc.logits), tc.w)
		yt, tShape := []float32{1, 0, 0, 0, 1, 0, 0, 0, 1}, []int{3, 3}
		if tc.sparse {
			yt, tShape = []float32{0, 1, 2}, []int{3, 1}
		}
		yp := make([]float32, len(pd))
		for i, v := range pd {
			yp[i] = float32(v)
		}
		swT := T(t, []float32{float32(tc.w[0])})
		if len(tc.w) == 3 {
			swT = T(t, []float32{float32(tc.w[0]), float32(tc.w[1]), float32(tc.w[2])}, 3, 1)
		}
		got, err := Compute(tc.loss, T(t, yt, tShape...), T(t, yp, 3, 3), swT, tc.loss.Reduction())
		if err != nil {
			t.Fatal(err)
		}
		if g := float64(got); math.Abs(g-want) > 1e-6*math.Abs(want) {
			t.Errorf("%s: %v, float64 %v", tc.name, g, want)
		}
	}
	// binary on logits, with and without label smoothing and weights.
	z := []float64{10, -10, 10, 10, 10, -10}
	y := []float64{1, 0, 1, 0, 1, 1}
	for _, tc := range []struct {
		name string
		ls   float64
		w    []float64
	}{{"bce logits", 0, []float64{1, 1}}, {"bce logits sw [4,3]", 0, []float64{4, 3}}, {"bce logits ls .1", 0.1, []float64{1, 1}}} {
		want := (tc.w[0]*bceLogits64(y[:3], z[:3], tc.ls) + tc.w[1]*bceLogits64(y[3:], z[3:], tc.ls)) / 2
		l := BinaryCrossentropy(FromLogits(true), LabelSmoothing(tc.ls))
		got, err := Compute(l, T(t, []float32{1, 0, 1, 0, 1, 1}, 2, 3), T(t, []float32{10, -10, 10, 10, 10, -10}, 2, 3),
			T(t, []float32{float32(tc.w[0]), float32(tc.w[1])}, 2), l.Reduction())
		if err != nil {
			t.Fatal(err)
		}
		if g := float64(got); math.Abs(g-want) > 1e-6*math.Abs(want) {
			t.Errorf("%s: %v, float64 %v", tc.name, g, want)
		}
	}
}
