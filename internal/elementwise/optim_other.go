//go:build !amd64 || purego

package elementwise

func adamAMSGradSIMD(w, g, m, v, vh []float32, c1, c2, alpha, eps float32) {
	adamAMSGradGo(w, g, m, v, vh, c1, c2, alpha, eps)
}

func sgdSIMD(w, g []float32, lr float32) { sgdGo(w, g, lr) }

func sgdMomentumSIMD(w, g, m []float32, mu, lr float32, nesterov bool) {
	sgdMomentumGo(w, g, m, mu, lr, nesterov)
}

func rmspropSIMD(w, g, v, mom []float32, rho, c, eps, lr, mu float32) {
	rmspropGo(w, g, v, mom, rho, c, eps, lr, mu)
}

func decaySIMD(w []float32, wd, lr float32) { decayGo(w, wd, lr) }

func nadamSIMD(w, g, m, v []float32, k *NadamConsts) { nadamGo(w, g, m, v, k) }

func adamaxSIMD(w, g, m, u []float32, c1, b2, lr, d, eps float32) {
	adamaxGo(w, g, m, u, c1, b2, lr, d, eps)
}
