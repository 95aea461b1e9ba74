package kernels

import "math"

// CosineSimilarity is keras.losses.cosine_similarity on the last axis:
// −Σ l2norm(y)·l2norm(ŷ), where l2norm(x) = x·min(rsqrt(Σx²), 1/ε) (Keras
// 3.15 ops.normalize; HEAD's max(Σx², ε²) is the same).
type CosineSimilarity struct{}

// Name returns "cosine_similarity".
func (CosineSimilarity) Name() string { return "cosine_similarity" }

// invNorm returns min(rsqrt(Σx²), 1/ε) in float32 and whether the rsqrt
// was picked (so the norm depends on x).
func invNorm(x []float32) (float32, bool) {
	var acc float64
	for _, v := range x {
		acc += float64(v * v)
	}
	s := float32(acc)
	inv := float32(1 / math.Sqrt(float64(s)))
	if s == 0 || inv > 1/Epsilon {
		return 1 / Epsilon, false
	}
	return inv, true
}

// PerSample implements Loss.
func (CosineSimilarity) PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	c := colsPred
	for r := 0; r < rows; r++ {
		yt, yp := yTrue[r*c:(r+1)*c], yPred[r*c:(r+1)*c]
		nt, _ := invNorm(yt)
		np, _ := invNorm(yp)
		var s float64
		for j := range yt {
			s += float64((yt[j] * nt) * (yp[j] * np))
		}
		out[r] = -float32(s)
	}
}

// Grad implements Loss.
func (CosineSimilarity) Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	c := colsPred
	for r := 0; r < rows; r++ {
		yt, yp := yTrue[r*c:(r+1)*c], yPred[r*c:(r+1)*c]
		nt, _ := invNorm(yt)
		np, dep := invNorm(yp)
		// value = −Σ a_j·ŷ_j·np with a = y·nt.
		var dot float64
		for j := range yt {
			dot += float64(yt[j]) * float64(nt) * float64(yp[j])
		}
		n := float64(np)
		for j := range yp {
			g := -float64(yt[j]) * float64(nt) * n
			if dep {
				g += dot * float64(yp[j]) * n * n * n
			}
			dPred[r*c+j] = float32(float64(dOut[r]) * g)
		}
	}
}
