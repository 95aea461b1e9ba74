//go:build amd64 && !purego

package elementwise

//go:noescape
func adamAMSGradAVX2(w, grad, m, v, vh *float32, n int, c1, c2, alpha, eps float32)

//go:noescape
func sgdAVX2(w, grad *float32, n int, lr float32)

//go:noescape
func sgdMomentumAVX2(w, grad, m *float32, n int, mu, lr float32, nesterov int)

//go:noescape
func rmspropAVX2(w, grad, v, mom *float32, n int, rho, c, eps, lr, mu float32, hasMom int)

//go:noescape
func decayAVX2(w *float32, n int, wd, lr float32)

//go:noescape
func nadamAVX2(w, grad, m, v *float32, n int, k *NadamConsts)

//go:noescape
func adamaxAVX2(w, grad, m, u *float32, n int, c1, b2, lr, d, eps float32)

// Each xxxSIMD runs the assembly on the multiple-of-8 prefix (after
// re-slicing every operand to len(w), so a short one panics here rather
// than being overrun) and the Go version on the tail.

func adamAMSGradSIMD(w, g, m, v, vh []float32, c1, c2, alpha, eps float32) {
	n := len(w)
	g, m, v, vh = g[:n], m[:n], v[:n], vh[:n]
	if n8 := n &^ 7; n8 > 0 {
		adamAMSGradAVX2(&w[0], &g[0], &m[0], &v[0], &vh[0], n8, c1, c2, alpha, eps)
		w, g, m, v, vh = w[n8:], g[n8:], m[n8:], v[n8:], vh[n8:]
	}
	adamAMSGradGo(w, g, m, v, vh, c1, c2, alpha, eps)
}

func sgdSIMD(w, g []float32, lr float32) {
	g = g[:len(w)]
	if n8 := len(w) &^ 7; n8 > 0 {
		sgdAVX2(&w[0], &g[0], n8, lr)
		w, g = w[n8:], g[n8:]
	}
	sgdGo(w, g, lr)
}

func sgdMomentumSIMD(w, g, m []float32, mu, lr float32, nesterov bool) {
	n := len(w)
	g, m = g[:n], m[:n]
	if n8 := n &^ 7; n8 > 0 {
		sgdMomentumAVX2(&w[0], &g[0], &m[0], n8, mu, lr, b2i(nesterov))
		w, g, m = w[n8:], g[n8:], m[n8:]
	}
	sgdMomentumGo(w, g, m, mu, lr, nesterov)
}

func rmspropSIMD(w, g, v, mom []float32, rho, c, eps, lr, mu float32) {
	n := len(w)
	g, v = g[:n], v[:n]
	hasMom := mom != nil
	if hasMom {
		mom = mom[:n]
	}
	if n8 := n &^ 7; n8 > 0 {
		mp := &v[0] // never read without momentum
		if hasMom {
			mp = &mom[0]
		}
		rmspropAVX2(&w[0], &g[0], &v[0], mp, n8, rho, c, eps, lr, mu, b2i(hasMom))
		w, g, v = w[n8:], g[n8:], v[n8:]
		if hasMom {
			mom = mom[n8:]
		}
	}
	rmspropGo(w, g, v, mom, rho, c, eps, lr, mu)
}

func decaySIMD(w []float32, wd, lr float32) {
	if n8 := len(w) &^ 7; n8 > 0 {
		decayAVX2(&w[0], n8, wd, lr)
		w = w[n8:]
	}
	decayGo(w, wd, lr)
}

func nadamSIMD(w, g, m, v []float32, k *NadamConsts) {
	n := len(w)
	g, m, v = g[:n], m[:n], v[:n]
	if n8 := n &^ 7; n8 > 0 {
		nadamAVX2(&w[0], &g[0], &m[0], &v[0], n8, k)
		w, g, m, v = w[n8:], g[n8:], m[n8:], v[n8:]
	}
	nadamGo(w, g, m, v, k)
}

func adamaxSIMD(w, g, m, u []float32, c1, b2, lr, d, eps float32) {
	n := len(w)
	g, m, u = g[:n], m[:n], u[:n]
	if n8 := n &^ 7; n8 > 0 {
		adamaxAVX2(&w[0], &g[0], &m[0], &u[0], n8, c1, b2, lr, d, eps)
		w, g, m, u = w[n8:], g[n8:], m[n8:], u[n8:]
	}
	adamaxGo(w, g, m, u, c1, b2, lr, d, eps)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
