package runtime

import "math"

// The fused LSTM evaluates about a million sigmoids and tanhs per training
// step of a small model; through math.Exp and math.Tanh in float64 they
// cost more than all its matrix products. These float32 versions (Cephes's
// expf and tanhf polynomials) are within a few ulp of the exact functions
// (tested against float64 in rnn_act_test.go), well inside the 1e-5 at which
// kerago matches Keras (whose TensorFlow backend uses its own float32
// approximations too).

// gateFn names a fast path of an elementwise activation.
type gateFn uint8

const (
	gateGeneric gateFn = iota // Activation.forward / backward
	gateSigmoid
	gateTanh
	gateLinear
)

// gateFnOf picks the fast path for a (elementwise or linear) activation.
func gateFnOf(a *Activation) gateFn {
	switch {
	case a.kind == actLinear:
		return gateLinear
	case a.id == "sigmoid":
		return gateSigmoid
	case a.id == "tanh":
		return gateTanh
	}
	return gateGeneric
}

const (
	expHi    = 88.3762626647949
	expLo    = -87.3365447504019 // below, exp underflows past the normals: 0
	log2e    = 1.44269504088896341
	ln2Hi    = 0.693359375
	ln2Lo    = -2.12194440e-4
	tanhEdge = 0.625
)

// exp32 is Cephes's expf: e^x = 2^n·e^r with |r| ≤ ln2/2, e^r by a degree-6
// polynomial. Inputs past the float32 range saturate (+Inf, 0); NaN stays
// NaN.
func exp32(x float32) float32 {
	if x != x {
		return x
	}
	if x > expHi {
		return float32(math.Inf(1))
	}
	if x < expLo {
		return 0
	}
	n := float32(math.Floor(float64(log2e*x + 0.5)))
	r := x - n*ln2Hi - n*ln2Lo
	z := r * r
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	p = p*z + r + 1
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// sigmoid32Fast is 1/(1+e^−x).
func sigmoid32Fast(x float32) float32 { return 1 / (1 + exp32(-x)) }

// tanh32 is Cephes's tanhf: an odd polynomial near 0, 1 − 2/(e^{2|x|}+1)
// elsewhere.
func tanh32(x float32) float32 {
	a := x
	if a < 0 {
		a = -a
	}
	if a < tanhEdge {
		z := x * x
		return ((((-5.70498872745e-3*z+2.06390887954e-2)*z-5.37397155531e-2)*z+1.33314422036e-1)*z-3.33332819422e-1)*z*x + x
	}
	if a > 9 { // tanh rounds to ±1 in float32
		return float32(math.Copysign(1, float64(x)))
	}
	t := 1 - 2/(exp32(2*a)+1)
	if x < 0 {
		return -t
	}
	return t
}

// gateImpl selects the loops of the fast sigmoid and tanh.
type gateImpl uint8

const (
	gateGo     gateImpl = iota // Go loops (purego, other CPUs)
	gateAVX2                   // 8 lanes, AVX2+FMA
	gateAVX512                 // 16 lanes, AVX-512F
)

var gateImplName = [...]string{"go", "avx2", "avx512"}

func (g gateImpl) String() string { return gateImplName[g] }

// gateForward is y = a(x) through the fast path f, with the vector loops
// of impl for sigmoid and tanh.
func gateForward(f gateFn, a *Activation, impl gateImpl, y, x []float32) {
	y = y[:len(x)]
	switch {
	case impl == gateAVX512 && f == gateSigmoid:
		sigmoidAVX512(y, x)
		return
	case impl == gateAVX512 && f == gateTanh:
		tanhAVX512(y, x)
		return
	case impl == gateAVX2 && f == gateSigmoid:
		n := sigmoidAVX2(y, x)
		x, y = x[n:], y[n:]
	case impl == gateAVX2 && f == gateTanh:
		n := tanhAVX2(y, x)
		x, y = x[n:], y[n:]
	}
	switch f {
	case gateSigmoid:
		for i, v := range x {
			y[i] = sigmoid32Fast(v)
		}
	case gateTanh:
		for i, v := range x {
			y[i] = tanh32(v)
		}
	case gateLinear:
		copy(y, x)
	default:
		a.forward(y, x)
	}
}

// gateBackward is dx = a'(x)·dy through the fast path f (dx may be dy).
func gateBackward(f gateFn, a *Activation, dx, x, y, dy []float32) {
	dx = dx[:len(x)]
	y = y[:len(x)]
	dy = dy[:len(x)]
	switch f {
	case gateSigmoid:
		for i, v := range y {
			dx[i] = v * (1 - v) * dy[i]
		}
	case gateTanh:
		for i, v := range y {
			dx[i] = (1 - v*v) * dy[i]
		}
	case gateLinear:
		copy(dx, dy)
	default:
		a.backward(dx, x, y, dy)
	}
}
