package kernels

import "math"

// BinaryCrossentropy is keras.losses.binary_crossentropy, averaged over the
// last axis.
//
// Probabilities (FromLogits false): p = clip(ŷ, ε, 1−ε) in float32 (so
// 1−ε is 0.99999988), value −[y·log p + (1−y)·log(1−p)]. Logits: TF's
// sigmoid_cross_entropy_with_logits, max(x,0) − x·y + log1p(exp(−|x|)).
// LabelSmoothing ls replaces y by y·(1−ls) + 0.5·ls.
type BinaryCrossentropy struct {
	FromLogits     bool
	LabelSmoothing float64
}

// Name returns "binary_crossentropy".
func (BinaryCrossentropy) Name() string { return "binary_crossentropy" }

func (b BinaryCrossentropy) label(y float32) float32 {
	if b.LabelSmoothing == 0 {
		return y
	}
	return y*float32(1-b.LabelSmoothing) + float32(0.5*b.LabelSmoothing)
}

// PerSample implements Loss.
func (b BinaryCrossentropy) PerSample(out, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	rowMean(out, rows, colsPred, func(i int) float32 {
		y := b.label(yTrue[i])
		x := yPred[i]
		if b.FromLogits {
			relu := x
			if relu < 0 {
				relu = 0
			}
			return relu - x*y + float32(math.Log1p(math.Exp(-math.Abs(float64(x)))))
		}
		p := clip32(x, Epsilon, oneMinusEps)
		v := y * log32(p)
		v += (1 - y) * log32(1-p)
		return -v
	})
}

// Grad implements Loss: (sigmoid(x) − y)/cols for logits; for probabilities
// (−y/p + (1−y)/(1−p))/cols inside the clip range and 0 outside.
func (b BinaryCrossentropy) Grad(dPred, dOut, yTrue, yPred []float32, rows, colsTrue, colsPred int) {
	elemGrad(dPred, dOut, rows, colsPred, 1/float64(colsPred), func(i int) float64 {
		y := float64(b.label(yTrue[i]))
		x := yPred[i]
		if b.FromLogits {
			return sigmoid64(float64(x)) - y
		}
		if !inClip(x, Epsilon, oneMinusEps) {
			return 0
		}
		p := float64(x)
		return -y/p + (1-y)/(1-p)
	})
}
