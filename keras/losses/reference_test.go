package losses

import (
	"math"
	"strconv"
	"strings"
)

// This file re-derives Keras 3.15.1's losses in float64 from
// keras/src/losses/losses.py and the torch backend's nn functions,
// independently of the package (no function of it is used). Constants that
// Keras applies as float32 tensors (epsilon = 1e-7 and the clip bound
// 1 − epsilon) take their float32 values.

var (
	eps64   = float64(float32(1e-7))
	clipHi  = float64(float32(1 - 1e-7))
	log2Val = math.Log(2)
)

// rowLoss is one row's loss: t and p are the row of y_true (one label for
// the sparse losses) and of y_pred.
type rowLoss func(t, p []float64) float64

func meanOf(f func(i int) float64, n int) float64 {
	s := 0.0
	for i := 0; i < n; i++ {
		s += f(i)
	}
	return s / float64(n)
}

func mse64(t, p []float64) float64 {
	return meanOf(func(i int) float64 { d := t[i] - p[i]; return d * d }, len(p))
}

func mae64(t, p []float64) float64 {
	return meanOf(func(i int) float64 { return math.Abs(t[i] - p[i]) }, len(p))
}

func mape64(t, p []float64) float64 {
	return 100 * meanOf(func(i int) float64 { return math.Abs((t[i] - p[i]) / math.Max(math.Abs(t[i]), eps64)) }, len(p))
}

func msle64(t, p []float64) float64 {
	return meanOf(func(i int) float64 {
		d := math.Log(math.Max(p[i], eps64)+1) - math.Log(math.Max(t[i], eps64)+1)
		return d * d
	}, len(p))
}

func logCosh64(t, p []float64) float64 {
	return meanOf(func(i int) float64 {
		x := p[i] - t[i]
		return x + math.Log1p(math.Exp(-2*x)) - log2Val
	}, len(p))
}

func cosine64(t, p []float64) float64 {
	var st, sp, dot float64
	for i := range p {
		st += t[i] * t[i]
		sp += p[i] * p[i]
		dot += t[i] * p[i]
	}
	return -dot / math.Sqrt(math.Max(st, 1e-12)) / math.Sqrt(math.Max(sp, 1e-12))
}

// hinge64 converts {0, 1} labels to {−1, 1} as Keras does.
func hinge64(t, p []float64) float64 {
	return meanOf(func(i int) float64 { return math.Max(1-(2*t[i]-1)*p[i], 0) }, len(p))
}

func huber64(delta float64) rowLoss {
	return func(t, p []float64) float64 {
		return meanOf(func(i int) float64 {
			e := math.Abs(p[i] - t[i])
			if e <= delta {
				return 0.5 * e * e
			}
			return delta*e - 0.5*delta*delta
		}, len(p))
	}
}

func kld64(t, p []float64) float64 {
	s := 0.0
	for i := range p {
		a, b := math.Min(math.Max(t[i], eps64), 1), math.Min(math.Max(p[i], eps64), 1)
		s += a * math.Log(a/b)
	}
	return s
}

func poisson64(t, p []float64) float64 {
	return meanOf(func(i int) float64 { return p[i] - t[i]*math.Log(p[i]+eps64) }, len(p))
}

func clip64(x float64) float64 { return math.Min(math.Max(x, eps64), clipHi) }

// bce64 is binary crossentropy on probabilities (clipped to [ε, 1 − ε]) or
// on logits (the exact logistic loss), after label smoothing ls.
func bce64(logits bool, ls float64) rowLoss {
	return func(t, p []float64) float64 {
		return meanOf(func(i int) float64 {
			y := t[i]*(1-ls) + 0.5*ls
			if logits {
				x := p[i]
				return math.Max(x, 0) - x*y + math.Log1p(math.Exp(-math.Abs(x)))
			}
			q := clip64(p[i])
			return -(y*math.Log(q) + (1-y)*math.Log(1-q))
		}, len(p))
	}
}

// logProbs returns log-probabilities: log_softmax of logits, or the log of
// the row normalized to sum 1 and clipped.
func logProbs(p []float64, logits bool) []float64 {
	out := make([]float64, len(p))
	if logits {
		m := math.Inf(-1)
		for _, x := range p {
			m = math.Max(m, x)
		}
		s := 0.0
		for _, x := range p {
			s += math.Exp(x - m)
		}
		for i, x := range p {
			out[i] = x - m - math.Log(s)
		}
		return out
	}
	s := 0.0
	for _, x := range p {
		s += x
	}
	for i, x := range p {
		out[i] = math.Log(clip64(x / s))
	}
	return out
}

func cceRow64(logits bool, ls float64) rowLoss {
	return func(t, p []float64) float64 {
		lp := logProbs(p, logits)
		s := 0.0
		for i := range p {
			s -= (t[i]*(1-ls) + ls/float64(len(p))) * lp[i]
		}
		return s
	}
}

func scce64(logits bool) rowLoss {
	return func(t, p []float64) float64 { return -logProbs(p, logits)[int(t[0])] }
}

// refLoss picks the re-derivation for a TestLossGolden case by its name.
func refLoss(name string) rowLoss {
	logits := strings.Contains(name, "logits")
	switch {
	case strings.HasPrefix(name, "mse"):
		return mse64
	case strings.HasPrefix(name, "mae"):
		return mae64
	case strings.HasPrefix(name, "mape"):
		return mape64
	case strings.HasPrefix(name, "msle"):
		return msle64
	case name == "log_cosh":
		return logCosh64
	case name == "cosine":
		return cosine64
	case strings.HasPrefix(name, "hinge"):
		return hinge64
	case name == "huber":
		return huber64(1)
	case strings.HasPrefix(name, "huber delta .8"):
		return huber64(0.8)
	case name == "kld":
		return kld64
	case name == "poisson":
		return poisson64
	case strings.HasPrefix(name, "bce"):
		if strings.HasSuffix(name, " ls") {
			return bce64(logits, 0.1)
		}
		return bce64(logits, 0)
	case name == "cce ls":
		return cceRow64(true, 0.1)
	case strings.HasPrefix(name, "cce"):
		return cceRow64(logits, 0)
	case strings.HasPrefix(name, "scce ignore_class"):
		return scce64(true)
	case strings.HasPrefix(name, "scce"):
		return scce64(logits)
	}
	return nil
}

// refReduce applies a rowLoss to every row and Keras's reduction with the
// sample weights (a scalar, one per row, or one per value).
func refReduce(f rowLoss, yt, yp []float32, colsT, colsP int, sw []float32, reduction string) float64 {
	rows := len(yp) / colsP
	vals := make([]float64, rows)
	for r := range vals {
		t, p := make([]float64, colsT), make([]float64, colsP)
		for i := range t {
			t[i] = float64(yt[r*colsT+i])
		}
		for i := range p {
			p[i] = float64(yp[r*colsP+i])
		}
		vals[r] = f(t, p)
	}
	w := make([]float64, rows)
	for r := range w {
		switch len(sw) {
		case 0:
			w[r] = 1
		case 1:
			w[r] = float64(sw[0])
		default:
			w[r] = float64(sw[r])
		}
	}
	var s, sw64 float64
	for r := range vals {
		s += vals[r] * w[r]
		sw64 += w[r]
	}
	switch reduction {
	case "sum":
		return s
	case "mean_with_sample_weight":
		return s / sw64
	}
	return s / float64(rows)
}

// goldenMatches reports whether a golden written with d decimals (its
// shortest representation) is x rounded or truncated to d decimals — Keras's
// test files do both — allowing for the float32 rounding of the Keras
// computation it was printed from.
func goldenMatches(x, golden float64) bool {
	s := strconv.FormatFloat(golden, 'f', -1, 64)
	dec := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		dec = len(s) - i - 1
	}
	unit := math.Pow(10, -float64(dec))
	f32 := 2e-7 * math.Max(1, math.Abs(golden))
	if math.Abs(x-golden) <= 0.5*unit+f32 {
		return true // rounded
	}
	d := math.Abs(x) - math.Abs(golden) // truncated towards zero
	return math.Signbit(x) == math.Signbit(golden) && d >= -f32 && d < unit+f32
}
