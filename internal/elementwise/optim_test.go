package elementwise

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// optimCase is one optimizer kernel: run applies a code path (0 Go,
// 1 SIMD, 2 dispatch) to the state s (s[0] the weights, s[1] the gradient,
// then the slots); ref is the same step re-derived in float64 with every
// operation rounded to float32 (r32), one element at a time.
type optimCase struct {
	name  string
	slots int
	run   func(path int, s [][]float32)
	ref   func(s []float64) // one element of every state slice, in place
}

// pick returns the Go, SIMD or dispatching version.
func pick[F any](path int, goFn, simdFn, disp F) F {
	return [...]F{goFn, simdFn, disp}[path]
}

func sqrt64(x float64) float64 { return r32(math.Sqrt(x)) }

var optimCases = func() []optimCase {
	const c1, c2, alpha, eps = float32(0.1), float32(0.001), float32(3e-4), float32(1e-7)
	C1, C2, A, E := float64(c1), float64(c2), float64(alpha), float64(eps)
	const mu, lr, rho, c = float32(0.9), float32(0.01), float32(0.9), float32(0.1)
	MU, LR, RHO, C := float64(mu), float64(lr), float64(rho), float64(c)
	nk := NadamConsts{C1: 0.1, C2: 0.001, Ut1: 0.8802, D1: 0.2, K2: 0.1201, D2: 0.15, D3: 0.002, LR: 1e-3, Eps: 1e-7}
	mom := func(s []float64) { // m = m·mu − g·lr
		s[2] = r32(r32(s[2]*MU) - r32(s[1]*LR))
	}
	var cases []optimCase
	cases = append(cases,
		optimCase{"adam", 2, func(p int, s [][]float32) {
			pick(p, adamGo, adamSIMD, Adam)(s[0], s[1], s[2], s[3], c1, c2, alpha, eps)
		}, func(s []float64) {
			s[2] = r32(s[2] + r32(r32(s[1]-s[2])*C1))
			s[3] = r32(s[3] + r32(r32(r32(s[1]*s[1])-s[3])*C2))
			s[0] = r32(s[0] - r32(r32(s[2]*A)/r32(sqrt64(s[3])+E)))
		}},
		optimCase{"adam_amsgrad", 3, func(p int, s [][]float32) {
			pick(p, adamAMSGradGo, adamAMSGradSIMD, AdamAMSGrad)(s[0], s[1], s[2], s[3], s[4], c1, c2, alpha, eps)
		}, func(s []float64) {
			s[2] = r32(s[2] + r32(r32(s[1]-s[2])*C1))
			s[3] = r32(s[3] + r32(r32(r32(s[1]*s[1])-s[3])*C2))
			if s[3] > s[4] {
				s[4] = s[3]
			}
			s[0] = r32(s[0] - r32(r32(s[2]*A)/r32(sqrt64(s[4])+E)))
		}},
		optimCase{"sgd", 0, func(p int, s [][]float32) {
			pick(p, sgdGo, sgdSIMD, SGD)(s[0], s[1], lr)
		}, func(s []float64) { s[0] = r32(s[0] - r32(s[1]*LR)) }},
		optimCase{"sgd_momentum", 1, func(p int, s [][]float32) {
			pick(p, sgdMomentumGo, sgdMomentumSIMD, SGDMomentum)(s[0], s[1], s[2], mu, lr, false)
		}, func(s []float64) { mom(s); s[0] = r32(s[0] + s[2]) }},
		optimCase{"sgd_nesterov", 1, func(p int, s [][]float32) {
			pick(p, sgdMomentumGo, sgdMomentumSIMD, SGDMomentum)(s[0], s[1], s[2], mu, lr, true)
		}, func(s []float64) { mom(s); s[0] = r32(s[0] + r32(r32(s[2]*MU)-r32(s[1]*LR))) }},
		optimCase{"rmsprop", 1, func(p int, s [][]float32) {
			pick(p, rmspropGo, rmspropSIMD, RMSprop)(s[0], s[1], s[2], nil, rho, c, eps, lr, 0)
		}, func(s []float64) {
			s[2] = r32(r32(RHO*s[2]) + r32(C*r32(s[1]*s[1])))
			s[0] = r32(s[0] - r32(r32(LR*s[1])/sqrt64(r32(s[2]+E))))
		}},
		optimCase{"rmsprop_momentum", 2, func(p int, s [][]float32) {
			pick(p, rmspropGo, rmspropSIMD, RMSprop)(s[0], s[1], s[2], s[3], rho, c, eps, lr, mu)
		}, func(s []float64) {
			s[2] = r32(r32(RHO*s[2]) + r32(C*r32(s[1]*s[1])))
			inc := r32(r32(LR*s[1]) / sqrt64(r32(s[2]+E)))
			s[3] = r32(r32(MU*s[3]) + inc)
			s[0] = r32(s[0] - s[3])
		}},
		optimCase{"weight_decay", 0, func(p int, s [][]float32) {
			pick(p, decayGo, decaySIMD, WeightDecay)(s[0], 0.004, lr)
		}, func(s []float64) { s[0] = r32(s[0] - r32(r32(s[0]*float64(float32(0.004)))*LR)) }},
		optimCase{"nadam", 2, func(p int, s [][]float32) {
			pick(p, nadamGo, nadamSIMD, Nadam)(s[0], s[1], s[2], s[3], &nk)
		}, func(s []float64) {
			f := func(x float32) float64 { return float64(x) }
			s[2] = r32(s[2] + r32(r32(s[1]-s[2])*f(nk.C1)))
			s[3] = r32(s[3] + r32(r32(r32(s[1]*s[1])-s[3])*f(nk.C2)))
			mh := r32(r32(r32(f(nk.Ut1)*s[2])/f(nk.D1)) + r32(r32(f(nk.K2)*s[1])/f(nk.D2)))
			vh := r32(s[3] / f(nk.D3))
			s[0] = r32(s[0] - r32(r32(mh*f(nk.LR))/r32(sqrt64(vh)+f(nk.Eps))))
		}},
		optimCase{"adamax", 2, func(p int, s [][]float32) {
			pick(p, adamaxGo, adamaxSIMD, Adamax)(s[0], s[1], s[2], s[3], c1, 0.999, lr, 0.19, eps)
		}, func(s []float64) {
			B2, D := float64(float32(0.999)), float64(float32(0.19))
			s[2] = r32(s[2] + r32(r32(s[1]-s[2])*C1))
			bu, ag := r32(B2*s[3]), math.Abs(s[1])
			switch {
			case math.IsNaN(bu):
				s[3] = ag
			case math.IsNaN(ag):
				s[3] = bu
			default:
				s[3] = math.Max(ag, bu)
			}
			s[0] = r32(s[0] - r32(r32(LR*s[2])/r32(D*r32(s[3]+E))))
		}},
	)
	return cases
}()

// TestOptimizerKernels runs every optimizer kernel on every code path over
// ordinary and special values (zeros of both signs, subnormals, ±Inf, NaN,
// huge) and lengths with and without a tail, against its float64 per-op
// re-derivation, bit for bit.
func TestOptimizerKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, oc := range optimCases {
		for _, n := range sizes {
			for _, sp := range []bool{false, true} {
				state := make([][]float32, 2+oc.slots)
				for i := range state {
					if sp {
						state[i] = special(r, n)
					} else {
						state[i] = randn(r, n, math.Pow(10, -float64(i)))
					}
				}
				if !sp && oc.slots >= 2 && oc.name != "rmsprop_momentum" {
					for j := range state[3] { // a velocity is ≥ 0
						state[3][j] *= state[3][j]
					}
				}
				want := make([][]float32, len(state))
				for i := range want {
					want[i] = clone(state[i])
				}
				e := make([]float64, len(state))
				for j := 0; j < n; j++ {
					for i := range e {
						e[i] = float64(want[i][j])
					}
					oc.ref(e)
					for i := range e {
						want[i][j] = float32(e[i])
					}
				}
				for path, pname := range []string{"go", "simd", "dispatch"} {
					t.Run(fmt.Sprintf("%s/n=%d/special=%v/%s", oc.name, n, sp, pname), func(t *testing.T) {
						got := make([][]float32, len(state))
						for i := range got {
							got[i] = clone(state[i])
						}
						oc.run(path, got)
						for i := range got {
							checkSame(t, fmt.Sprintf("state %d", i), got[i], want[i])
						}
					})
				}
			}
		}
	}
}
