package elementwise

import "math"

// Adam applies Keras's Adam step (amsgrad off) to w in place, with m and v
// the momentum and velocity slots, c1 = 1 − β₁, c2 = 1 − β₂, alpha the
// bias-corrected learning rate and eps ε, each element in float32 as
//
//	m += (g − m)·c1;  v += (g·g − v)·c2;  w −= (m·alpha) / (sqrt(v) + eps)
//
// g, m and v must hold at least len(w) values.
func Adam(w, g, m, v []float32, c1, c2, alpha, eps float32) {
	if hasAVX2 {
		adamSIMD(w, g, m, v, c1, c2, alpha, eps)
		return
	}
	adamGo(w, g, m, v, c1, c2, alpha, eps)
}

// adamGo is the portable Adam step, the scalar reference of the assembly
// version (the conversions keep every product rounded: no FMA).
func adamGo(w, g, m, v []float32, c1, c2, alpha, eps float32) {
	n := len(w)
	g, m, v = g[:n], m[:n], v[:n]
	for j := range w {
		m[j] += float32((g[j] - m[j]) * c1)
		v[j] += float32((float32(g[j]*g[j]) - v[j]) * c2)
		w[j] -= float32(m[j]*alpha) / (float32(math.Sqrt(float64(v[j]))) + eps)
	}
}

// ReLU writes y = max(x, 0) (a NaN stays NaN, −0 gives +0). y must hold at
// least len(x) values.
func ReLU(y, x []float32) {
	if hasAVX2 {
		reluSIMD(y, x)
		return
	}
	reluGo(y, x)
}

func reluGo(y, x []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = max(v, 0)
	}
}

// ReLUGrad writes dx = dy where x is not ≤ 0 (a NaN x passes its gradient
// on), else 0. dx and dy must hold at least len(x) values.
func ReLUGrad(dx, x, dy []float32) {
	if hasAVX2 {
		reluGradSIMD(dx, x, dy)
		return
	}
	reluGradGo(dx, x, dy)
}

func reluGradGo(dx, x, dy []float32) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	for i, v := range x {
		// a bit mask instead of a branch: the sign of x is random in
		// training, and a mispredicted branch costs more than the select.
		var keep uint32
		if !(v <= 0) {
			keep = ^uint32(0)
		}
		dx[i] = math.Float32frombits(math.Float32bits(dy[i]) & keep)
	}
}

// MaxPoolGradWindow routes one max-pooling window's upstream gradient: for
// every channel c < len(y), the first tap t (in order, skipping taps < 0)
// with x[taps[t]·ldc + c] == y[c] gets dx[taps[t]·ldc + c] += dy[c]. A
// channel whose maximum is NaN matches no tap and routes nothing. x and dx
// are the sample's (pixels × ldc) input and input-gradient maps; dx must
// not hold −0 (it never does when cleared and only added to).
func MaxPoolGradWindow(x []float32, taps []int32, ldc int, y, dy, dx []float32) {
	c8 := 0
	if hasAVX2 {
		c8 = maxPoolGradSIMD(x, taps, ldc, y, dy, dx)
	}
	maxPoolGradGo(x, taps, ldc, y[c8:], dy[c8:], dx, c8)
}

// maxPoolGradGo does channels c0 … c0+len(y)−1 (y and dy start at c0).
func maxPoolGradGo(x []float32, taps []int32, ldc int, y, dy, dx []float32, c0 int) {
	dy = dy[:len(y)]
	for c, yc := range y {
		for _, ip := range taps {
			if ip < 0 {
				continue
			}
			if o := int(ip)*ldc + c0 + c; x[o] == yc {
				dx[o] += dy[c]
				break
			}
		}
	}
}
