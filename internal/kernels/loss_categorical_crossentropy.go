package kernels

import "math"

// CategoricalCrossentropy is keras.losses.categorical_crossentropy over the
// last axis (a sum, not a mean).
//
// Probabilities: p = clip(ŷ/Σŷ, ε, 1−ε), value −Σ y·log p. Logits:
// −Σ y·log_softmax(ŷ). LabelSmoothing ls replaces y by y·(1−ls) + ls/C.
type CategoricalCrossentropy struct {
	FromLogits     bool
	LabelSmoothing float64
}

// Name returns "categorical_crossentropy".
func (CategoricalCrossentropy) Name() string { return "categorical_crossentropy" }

func (c CategoricalCrossentropy) labels(dst, y []float32) []float32 {
	if c.LabelSmoothing == 0 {
		return y
	}
	n := float32(len(y))
	a, b := float32(1-c.LabelSmoothing), float32(c.LabelSmoothing)/n
	for j, v := range y {
		dst[j] = v*a + b
	}
	return dst
}

// PerSample implements Loss.
func (c CategoricalCrossentropy) PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	n := colsPred
	buf := make([]float32, n)
	for r := 0; r < rows; r++ {
		y := c.labels(buf, yTrue[r*n:(r+1)*n])
		out[r] = cceRow(y, yPred[r*n:(r+1)*n], c.FromLogits, -1)
	}
}

// Grad implements Loss.
func (c CategoricalCrossentropy) Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	n := colsPred
	buf := make([]float32, n)
	for r := 0; r < rows; r++ {
		y := c.labels(buf, yTrue[r*n:(r+1)*n])
		cceRowGrad(dPred[r*n:(r+1)*n], dOut[r], y, yPred[r*n:(r+1)*n], c.FromLogits, -1)
	}
}

// cceRow is the crossentropy of one row. When y is nil the label is the
// class index cls (sparse form).
func cceRow(y, x []float32, fromLogits bool, cls int) float32 {
	label := func(j int) float32 {
		if y == nil {
			if j == cls {
				return 1
			}
			return 0
		}
		return y[j]
	}
	if fromLogits {
		m := math.Inf(-1)
		for _, v := range x {
			m = math.Max(m, float64(v))
		}
		var se float64
		for _, v := range x {
			se += math.Exp(float64(v) - m)
		}
		lse := math.Log(se)
		var s float64
		for j, v := range x {
			if l := label(j); l != 0 {
				s += float64(l) * (lse - (float64(v) - m))
			}
		}
		return float32(s)
	}
	sum := sum32(x)
	var s float64
	for j, v := range x {
		l := label(j)
		if l == 0 {
			continue
		}
		p := clip32(v/sum, Epsilon, oneMinusEps)
		s += float64(l * log32(p))
	}
	return -float32(s)
}

// cceRowGrad writes d(dOut·cceRow)/dx into d.
func cceRowGrad(d []float32, dOut float32, y, x []float32, fromLogits bool, cls int) {
	label := func(j int) float64 {
		if y == nil {
			if j == cls {
				return 1
			}
			return 0
		}
		return float64(y[j])
	}
	g := float64(dOut)
	if fromLogits {
		m := math.Inf(-1)
		for _, v := range x {
			m = math.Max(m, float64(v))
		}
		var se, sy float64
		for j, v := range x {
			se += math.Exp(float64(v) - m)
			sy += label(j)
		}
		for j, v := range x {
			d[j] = float32(g * (math.Exp(float64(v)-m)/se*sy - label(j)))
		}
		return
	}
	sum := sum32(x)
	S := float64(sum)
	// gq_j = dL/dq_j for q = x/S; then dL/dx_k = gq_k/S − Σ_j gq_j·x_j/S².
	var dot float64
	gq := make([]float64, len(x))
	for j, v := range x {
		q := v / sum
		l := label(j)
		if l == 0 || !inClip(q, Epsilon, oneMinusEps) {
			continue
		}
		gq[j] = -l / float64(q)
		dot += gq[j] * float64(v)
	}
	for k := range x {
		d[k] = float32(g * (gq[k]/S - dot/(S*S)))
	}
}
