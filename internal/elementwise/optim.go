package elementwise

import "math"

// The optimizer updates below follow keras/optimizers' scalar code op by op
// in float32 (each conversion rounds a product, so nothing is fused); the
// slices other than w must hold at least len(w) values.

// AdamAMSGrad is Adam with amsgrad: vh = max(vh, v) replaces v in the
// denominator (a NaN v leaves vh as it was).
func AdamAMSGrad(w, g, m, v, vh []float32, c1, c2, alpha, eps float32) {
	if hasAVX2 {
		adamAMSGradSIMD(w, g, m, v, vh, c1, c2, alpha, eps)
		return
	}
	adamAMSGradGo(w, g, m, v, vh, c1, c2, alpha, eps)
}

func adamAMSGradGo(w, g, m, v, vh []float32, c1, c2, alpha, eps float32) {
	n := len(w)
	g, m, v, vh = g[:n], m[:n], v[:n], vh[:n]
	for j := range w {
		m[j] += float32((g[j] - m[j]) * c1)
		v[j] += float32((float32(g[j]*g[j]) - v[j]) * c2)
		if v[j] > vh[j] {
			vh[j] = v[j]
		}
		w[j] -= float32(m[j]*alpha) / (sqrt32(vh[j]) + eps)
	}
}

// SGD is w −= g·lr.
func SGD(w, g []float32, lr float32) {
	if hasAVX2 {
		sgdSIMD(w, g, lr)
		return
	}
	sgdGo(w, g, lr)
}

func sgdGo(w, g []float32, lr float32) {
	g = g[:len(w)]
	for j := range w {
		w[j] -= float32(g[j] * lr)
	}
}

// SGDMomentum is m = m·mu − g·lr, then w += m, or with nesterov
// w += m·mu − g·lr.
func SGDMomentum(w, g, m []float32, mu, lr float32, nesterov bool) {
	if hasAVX2 {
		sgdMomentumSIMD(w, g, m, mu, lr, nesterov)
		return
	}
	sgdMomentumGo(w, g, m, mu, lr, nesterov)
}

func sgdMomentumGo(w, g, m []float32, mu, lr float32, nesterov bool) {
	n := len(w)
	g, m = g[:n], m[:n]
	for j := range w {
		m[j] = float32(m[j]*mu) - float32(g[j]*lr)
		if nesterov {
			w[j] += float32(m[j]*mu) - float32(g[j]*lr)
		} else {
			w[j] += m[j]
		}
	}
}

// RMSprop (not centered) is v = rho·v + c·g², inc = lr·g / sqrt(v + eps),
// then w −= inc, or with mom != nil mom = mu·mom + inc and w −= mom.
func RMSprop(w, g, v, mom []float32, rho, c, eps, lr, mu float32) {
	if hasAVX2 {
		rmspropSIMD(w, g, v, mom, rho, c, eps, lr, mu)
		return
	}
	rmspropGo(w, g, v, mom, rho, c, eps, lr, mu)
}

func rmspropGo(w, g, v, mom []float32, rho, c, eps, lr, mu float32) {
	n := len(w)
	g, v = g[:n], v[:n]
	if mom != nil {
		mom = mom[:n]
	}
	for j := range w {
		v[j] = float32(rho*v[j]) + float32(c*float32(g[j]*g[j]))
		inc := float32(lr*g[j]) / sqrt32(v[j]+eps)
		if mom != nil {
			mom[j] = float32(mu*mom[j]) + inc
			w[j] -= mom[j]
		} else {
			w[j] -= inc
		}
	}
}

// WeightDecay is Keras's decoupled decay w = w − (w·wd)·lr.
func WeightDecay(w []float32, wd, lr float32) {
	if hasAVX2 {
		decaySIMD(w, wd, lr)
		return
	}
	decayGo(w, wd, lr)
}

func decayGo(w []float32, wd, lr float32) {
	for j := range w {
		w[j] = w[j] - float32(float32(w[j]*wd)*lr)
	}
}

// NadamConsts are Nadam's per-step float32 scalars: c1 = 1 − β₁,
// c2 = 1 − β₂, ut1 = u_{t+1}, d1 = 1 − u_product·u_{t+1}, k2 = 1 − u_t,
// d2 = 1 − u_product, d3 = 1 − β₂^t, the learning rate and ε.
type NadamConsts struct{ C1, C2, Ut1, D1, K2, D2, D3, LR, Eps float32 }

// Nadam is m += (g − m)·c1; v += (g² − v)·c2;
// m̂ = (ut1·m)/d1 + (k2·g)/d2; w −= (m̂·lr)/(sqrt(v/d3) + ε).
func Nadam(w, g, m, v []float32, k *NadamConsts) {
	if hasAVX2 {
		nadamSIMD(w, g, m, v, k)
		return
	}
	nadamGo(w, g, m, v, k)
}

func nadamGo(w, g, m, v []float32, k *NadamConsts) {
	n := len(w)
	g, m, v = g[:n], m[:n], v[:n]
	for j := range w {
		m[j] += float32((g[j] - m[j]) * k.C1)
		v[j] += float32((float32(g[j]*g[j]) - v[j]) * k.C2)
		mh := float32(k.Ut1*m[j])/k.D1 + float32(k.K2*g[j])/k.D2
		vh := v[j] / k.D3
		w[j] -= float32(mh*k.LR) / (sqrt32(vh) + k.Eps)
	}
}

// Adamax is m += (g − m)·c1; u = max(b2·u, |g|) (|g| when b2·u is NaN,
// b2·u when g is NaN); w −= (lr·m)/(d·(u + ε)) with d = 1 − β₁^t.
func Adamax(w, g, m, u []float32, c1, b2, lr, d, eps float32) {
	if hasAVX2 {
		adamaxSIMD(w, g, m, u, c1, b2, lr, d, eps)
		return
	}
	adamaxGo(w, g, m, u, c1, b2, lr, d, eps)
}

func adamaxGo(w, g, m, u []float32, c1, b2, lr, d, eps float32) {
	n := len(w)
	g, m, u = g[:n], m[:n], u[:n]
	for j := range w {
		m[j] += float32((g[j] - m[j]) * c1)
		bu := float32(b2 * u[j])
		ag := float32(math.Abs(float64(g[j])))
		if ag > bu || bu != bu {
			u[j] = ag
		} else {
			u[j] = bu
		}
		w[j] -= float32(lr*m[j]) / float32(d*(u[j]+eps))
	}
}

// sqrt32 is the correctly rounded float32 square root.
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
