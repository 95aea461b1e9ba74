package optimizers

import (
	"math"
	"strings"
)

// This file re-derives every optimizer's update in float64 from Keras
// 3.15.1's update_step source (keras/src/optimizers/*.py), independently of
// the package's float32 code: no function of the package is used. A ref64
// takes one apply_gradients step on a single variable of the given shape
// (row-major), t being the 1-based step.

type ref64 func(w, g []float64, t int)

// r32 is a hyperparameter as Keras uses it: a Python float becomes a
// float32 tensor when it meets one (ops.cast, or a Python expression such as
// 1 - beta_1 evaluated first and then converted). Everything else is
// float64.
func r32(x float64) float64 { return float64(float32(x)) }

// wd64 is BaseOptimizer._apply_weight_decay: w −= w·wd·lr.
func wd64(w []float64, wd, lr float64) {
	for j := range w {
		w[j] -= w[j] * wd * lr
	}
}

func sgd64(lr, mom float64, nesterov bool) ref64 {
	lr, mom = r32(lr), r32(mom)
	var m []float64
	return func(w, g []float64, _ int) {
		if m == nil {
			m = make([]float64, len(w))
		}
		for j := range w {
			if mom == 0 {
				w[j] -= g[j] * lr
				continue
			}
			m[j] = m[j]*mom - g[j]*lr
			if nesterov {
				w[j] += m[j]*mom - g[j]*lr
			} else {
				w[j] += m[j]
			}
		}
	}
}

func adam64(lr, b1, b2, eps, wd float64, amsgrad bool) ref64 {
	lr, c1, c2, eps, wd := r32(lr), r32(1-b1), r32(1-b2), r32(eps), r32(wd)
	b1, b2 = r32(b1), r32(b2)
	var m, v, vh []float64
	return func(w, g []float64, t int) {
		if m == nil {
			m, v, vh = make([]float64, len(w)), make([]float64, len(w)), make([]float64, len(w))
		}
		wd64(w, wd, lr)
		alpha := lr * math.Sqrt(1-math.Pow(b2, float64(t))) / (1 - math.Pow(b1, float64(t)))
		for j := range w {
			m[j] += (g[j] - m[j]) * c1
			v[j] += (g[j]*g[j] - v[j]) * c2
			d := v[j]
			if amsgrad {
				vh[j] = math.Max(vh[j], v[j])
				d = vh[j]
			}
			w[j] -= m[j] * alpha / (math.Sqrt(d) + eps)
		}
	}
}

func rmsprop64(lr, rho, mom, eps float64, centered bool) ref64 {
	lr, c, rho, mom, eps := r32(lr), r32(1-rho), r32(rho), r32(mom), r32(eps)
	var v, a, m []float64
	return func(w, g []float64, _ int) {
		if v == nil {
			v, a, m = make([]float64, len(w)), make([]float64, len(w)), make([]float64, len(w))
		}
		for j := range w {
			v[j] = rho*v[j] + c*g[j]*g[j]
			den := v[j] + eps
			if centered {
				a[j] = rho*a[j] + c*g[j]
				den = v[j] - a[j]*a[j] + eps
			}
			inc := lr * g[j] / math.Sqrt(den)
			if mom > 0 {
				m[j] = mom*m[j] + inc
				w[j] -= m[j]
			} else {
				w[j] -= inc
			}
		}
	}
}

func adagrad64(lr, init, eps float64) ref64 {
	lr, init, eps = r32(lr), r32(init), r32(eps)
	var acc []float64
	return func(w, g []float64, _ int) {
		if acc == nil {
			acc = make([]float64, len(w))
			for j := range acc {
				acc[j] = init
			}
		}
		for j := range w {
			acc[j] += g[j] * g[j]
			w[j] -= lr * g[j] / math.Sqrt(acc[j]+eps)
		}
	}
}

func adadelta64(lr, rho, eps float64) ref64 {
	lr, c, rho, eps := r32(lr), r32(1-rho), r32(rho), r32(eps)
	var eg, edx []float64
	return func(w, g []float64, _ int) {
		if eg == nil {
			eg, edx = make([]float64, len(w)), make([]float64, len(w))
		}
		for j := range w {
			eg[j] = rho*eg[j] + c*g[j]*g[j]
			d := -math.Sqrt(edx[j]+eps) * g[j] / math.Sqrt(eg[j]+eps)
			edx[j] = rho*edx[j] + c*d*d
			w[j] += lr * d
		}
	}
}

func adamax64(lr, b1, b2, eps float64) ref64 {
	lr, c1, b1, b2, eps := r32(lr), r32(1-b1), r32(b1), r32(b2), r32(eps)
	var m, u []float64
	return func(w, g []float64, t int) {
		if m == nil {
			m, u = make([]float64, len(w)), make([]float64, len(w))
		}
		for j := range w {
			m[j] += (g[j] - m[j]) * c1
			u[j] = math.Max(b2*u[j], math.Abs(g[j]))
			w[j] -= lr * m[j] / ((1 - math.Pow(b1, float64(t))) * (u[j] + eps))
		}
	}
}

// nadam64 includes Nadam._backend_update_step's u_product update, done
// once per step before the variables' updates.
func nadam64(lr, b1, b2, eps float64) ref64 {
	lr, b1, b2, eps = r32(lr), r32(b1), r32(b2), r32(eps)
	var m, v []float64
	uprod := 1.0
	return func(w, g []float64, t int) {
		if m == nil {
			m, v = make([]float64, len(w)), make([]float64, len(w))
		}
		ut := b1 * (1 - 0.5*math.Pow(r32(0.96), float64(t)))
		ut1 := b1 * (1 - 0.5*math.Pow(r32(0.96), float64(t+1)))
		uprod *= ut
		uprod1 := uprod * ut1
		for j := range w {
			m[j] += (g[j] - m[j]) * (1 - b1)
			v[j] += (g[j]*g[j] - v[j]) * (1 - b2)
			mh := ut1*m[j]/(1-uprod1) + (1-ut)*g[j]/(1-uprod)
			vh := v[j] / (1 - math.Pow(b2, float64(t)))
			w[j] -= mh * lr / (math.Sqrt(vh) + eps)
		}
	}
}

func lion64(lr, b1, b2 float64) ref64 {
	lr, b1, b2 = r32(lr), r32(b1), r32(b2)
	var m []float64
	return func(w, g []float64, _ int) {
		if m == nil {
			m = make([]float64, len(w))
		}
		for j := range w {
			u := m[j]*b1 + g[j]*(1-b1)
			s := 0.0
			if u > 0 {
				s = 1
			} else if u < 0 {
				s = -1
			}
			w[j] -= lr * s
			m[j] = m[j]*b2 + g[j]*(1-b2)
		}
	}
}

func mean64(x []float64) float64 {
	s := 0.0
	for _, e := range x {
		s += e
	}
	return s / float64(len(x))
}

func rms64(x []float64) float64 {
	s := 0.0
	for _, e := range x {
		s += e * e
	}
	return math.Sqrt(s / float64(len(x)))
}

// adafactor64 handles rank 1 and rank 2 (rows×cols) variables.
func adafactor64(lr, decay, eps1, eps2, clip float64, relative bool, rows, cols int) ref64 {
	lr, decay, eps1, eps2, clip = r32(lr), r32(decay), r32(eps1), r32(eps2), r32(clip)
	var r, c, v []float64
	return func(w, g []float64, t int) {
		if v == nil {
			r, c, v = make([]float64, rows), make([]float64, cols), make([]float64, len(w))
		}
		inv := 1 / math.Sqrt(float64(t))
		l := lr
		if relative {
			l = math.Min(l, inv)
		}
		alpha := math.Max(eps2, rms64(w)) * math.Min(l, inv)
		b := 1 - math.Pow(float64(t), decay)
		G := make([]float64, len(g))
		for j := range g {
			G[j] = g[j]*g[j] + eps1
		}
		if rows > 0 {
			for i := 0; i < rows; i++ {
				r[i] = b*r[i] + (1-b)*mean64(G[i*cols:(i+1)*cols])
			}
			for j := 0; j < cols; j++ {
				s := 0.0
				for i := 0; i < rows; i++ {
					s += G[i*cols+j]
				}
				c[j] = b*c[j] + (1-b)*s/float64(rows)
			}
			rm := mean64(r)
			for i := 0; i < rows; i++ {
				for j := 0; j < cols; j++ {
					v[i*cols+j] = r[i] / rm * c[j]
				}
			}
		} else {
			for j := range v {
				v[j] = b*v[j] + (1-b)*G[j]
			}
		}
		u := make([]float64, len(g))
		for j := range g {
			u[j] = g[j] / math.Sqrt(v[j])
		}
		den := math.Max(1, rms64(u)/clip)
		for j := range w {
			w[j] -= alpha * u[j] / den
		}
	}
}

func ftrl64(lr, power, init, l1, l2, shrink, beta float64) ref64 {
	lr, power, init, l1, l2, shrink2, beta := r32(lr), r32(power), r32(init), r32(l1), r32(l2), r32(2*shrink), r32(beta)
	var acc, lin []float64
	return func(w, g []float64, _ int) {
		if acc == nil {
			acc, lin = make([]float64, len(w)), make([]float64, len(w))
			for j := range acc {
				acc[j] = init
			}
		}
		l2r := l2 + beta/(2*lr)
		for j := range w {
			na := acc[j] + g[j]*g[j]
			lin[j] += g[j] + shrink2*w[j] - (math.Pow(na, -power)-math.Pow(acc[j], -power))/lr*w[j]
			quad := math.Pow(na, -power)/lr + 2*l2r
			lc := math.Max(-l1, math.Min(l1, lin[j]))
			w[j] = (lc - lin[j]) / quad
			acc[j] = na
		}
	}
}

func lamb64(lr, b1, b2, eps float64) ref64 {
	lr, c1, c2, b1, b2, eps := r32(lr), r32(1-b1), r32(1-b2), r32(b1), r32(b2), r32(eps)
	var m, v []float64
	return func(w, g []float64, t int) {
		if m == nil {
			m, v = make([]float64, len(w)), make([]float64, len(w))
		}
		u := make([]float64, len(w))
		for j := range w {
			m[j] += (g[j] - m[j]) * c1
			v[j] += (g[j]*g[j] - v[j]) * c2
			u[j] = m[j] / (1 - math.Pow(b1, float64(t))) / (math.Sqrt(v[j]/(1-math.Pow(b2, float64(t)))) + eps)
		}
		wn, un := math.Sqrt(rms64(w)*rms64(w)*float64(len(w))), math.Sqrt(rms64(u)*rms64(u)*float64(len(u)))
		ratio := 1.0
		if wn > 0 && un > 0 {
			ratio = wn / un
		}
		for j := range w {
			w[j] -= ratio * lr * u[j]
		}
	}
}

// ns64 is zeropower_via_newtonschulz5 in float64 on a rows×cols matrix.
func ns64(x []float64, rows, cols, steps int, a, b, c float64) []float64 {
	tr := func(m []float64, r, k int) []float64 {
		o := make([]float64, len(m))
		for i := 0; i < r; i++ {
			for j := 0; j < k; j++ {
				o[j*r+i] = m[i*k+j]
			}
		}
		return o
	}
	mul := func(p, q []float64, n, k, m int) []float64 {
		o := make([]float64, n*m)
		for i := 0; i < n; i++ {
			for j := 0; j < m; j++ {
				for l := 0; l < k; l++ {
					o[i*m+j] += p[i*k+l] * q[l*m+j]
				}
			}
		}
		return o
	}
	n, k := rows, cols
	X := append([]float64(nil), x...)
	if rows > cols {
		X, n, k = tr(X, rows, cols), cols, rows
	}
	norm := math.Sqrt(rms64(X)*rms64(X)*float64(len(X))) + r32(1e-7)
	for j := range X {
		X[j] /= norm
	}
	for s := 0; s < steps; s++ {
		A := mul(X, tr(X, n, k), n, k, n)
		AA := mul(A, A, n, n, n)
		B := make([]float64, len(A))
		for j := range A {
			B[j] = b*A[j] + c*AA[j]
		}
		BX := mul(B, X, n, n, k)
		for j := range X {
			X[j] = a*X[j] + BX[j]
		}
	}
	if rows > cols {
		X = tr(X, n, k)
	}
	return X
}

// muon64 is Muon's step for a rank-2 variable (the Muon branch) or any
// other (the AdamW branch, with adam_weight_decay), weight decay included;
// rms < 0 stands for rms_rate=None.
func muon64(lr, wd, awd, mom float64, nesterov bool, rms float64, rows, cols int) ref64 {
	if rows == 0 {
		adam := adam64(lr, 0.9, 0.999, 1e-7, 0, false)
		return func(w, g []float64, t int) {
			wd64(w, r32(awd), r32(lr))
			adam(w, g, t)
		}
	}
	lr, wd, mm1, mom, rms := r32(lr), r32(wd), r32(mom-1), r32(mom), r32(rms)
	var m []float64
	return func(w, g []float64, _ int) {
		if m == nil {
			m = make([]float64, len(w))
		}
		wd64(w, wd, lr)
		G := make([]float64, len(w))
		for j := range w {
			m[j] += g[j] + m[j]*mm1
			G[j] = m[j]
			if nesterov {
				G[j] = g[j] + mom*m[j]
			}
		}
		u := ns64(G, rows, cols, 5, r32(3.4445), r32(-4.7750), r32(2.0315))
		for j := range w {
			if rms < 0 { // rms_rate=None: lr_adjust is the identity
				w[j] -= lr * u[j]
			} else {
				w[j] -= lr * u[j] * math.Sqrt(float64(max(rows, cols))) * rms
			}
		}
	}
}

// scheduleFree64 follows Keras's torch run: x is recovered with the
// updated momentum (momentum.value aliases the variable assign_sub writes).
func scheduleFree64(lr, b1, b2, eps float64, warmup int) ref64 {
	lr, b1, b2, eps = r32(lr), r32(b1), r32(b2), r32(eps)
	var z, v []float64
	return func(y, g []float64, t int) {
		if z == nil {
			z, v = append([]float64(nil), y...), make([]float64, len(y))
		}
		l := lr
		if warmup > 0 {
			l *= math.Min(float64(t)/float64(warmup), 1)
		}
		for j := range y {
			v[j] += (g[j]*g[j] - v[j]) * (1 - b2)
			z[j] -= l * g[j] / (math.Sqrt(v[j]/(1-math.Pow(b2, float64(t)))) + eps)
			x := (y[j] - (1-b1)*z[j]) / b1
			x = (1-1/float64(t))*x + z[j]/float64(t)
			y[j] = (1-b1)*z[j] + b1*x
		}
	}
}

// keyOf normalises a case name for lookups ("Adam amsgrad" → "adam").
func keyOf(name string) string { return strings.ToLower(strings.Fields(name)[0]) }
