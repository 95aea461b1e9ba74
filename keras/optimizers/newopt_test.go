package optimizers

import (
	"math"
	"testing"
)

// TestKerasNewOptimizerGoldens checks the remaining values Keras 3.15.1's
// tests assert for Adafactor and Muon (adafactor_test.py
// test_single_step_2d, muon_test.py test_Newton_Schulz and
// test_muon_single_step) against the float64 re-derivation, and kerago
// against the re-derivation within float32 rounding.
func TestKerasNewOptimizerGoldens(t *testing.T) {
	t.Run("Adafactor 2d", func(t *testing.T) {
		o := must(t)(NewAdafactor(LearningRate(0.5)))
		if err := o.Build([][]int{{2, 2}}, []string{"v"}); err != nil {
			t.Fatal(err)
		}
		v := []float32{1, 2, 3, 4}
		if err := o.Apply([][]float32{v}, [][]float32{{1, 6, 7, 2}}, []string{"v"}); err != nil {
			t.Fatal(err)
		}
		v64 := []float64{1, 2, 3, 4}
		adafactor64(0.5, -0.8, 1e-30, 1e-3, 1, true, 2, 2)(v64, []float64{1, 6, 7, 2}, 1)
		compareGolden(t, v, v64, []float64{0.7007, -0.0081, 1.2492, 3.4407}, goldenTol)
	})
	t.Run("Newton-Schulz", func(t *testing.T) {
		// Keras asserts this golden with rtol = atol = 1e-3: five quintic
		// iterations amplify rounding, and the exact values are up to
		// 3.5e-4 away. kerago's float32 iteration is compared with the
		// float64 one at 4·f32Tol for the same amplification.
		x := []float64{0.2499, 0.9105, 0.2655, 0.8824}
		got := newtonSchulz5([]float32{0.2499, 0.9105, 0.2655, 0.8824}, 2, 2, 5, f32(3.4445), f32(-4.7750), f32(2.0315))
		want := ns64(x, 2, 2, 5, r32(3.4445), r32(-4.7750), r32(2.0315))
		golden := []float64{-0.4422, 0.6457, 0.7285, 0.2968}
		for i := range want {
			if math.Abs(want[i]-golden[i]) > 1e-3+1e-3*math.Abs(golden[i]) {
				t.Errorf("float64 re-derivation [%d] = %.7f, Keras %v", i, want[i], golden[i])
			}
			if math.Abs(float64(got[i])-want[i]) > 4*f32Tol(want[i]) {
				t.Errorf("[%d] = %.8g, float64 re-derivation %.8g", i, got[i], want[i])
			}
		}
	})
	t.Run("Muon 2d", func(t *testing.T) {
		// update_step alone at lr 0.5 (no weight decay): Keras's golden
		// (asserted to 1e-2 there) predates rms_rate; 3.15.1 scales the
		// Newton–Schulz update by sqrt(2)·0.2, so only the re-derivation is
		// compared here.
		o := must(t)(NewMuon(LearningRate(0.5), WeightDecay(0)))
		if err := o.Build([][]int{{2, 2}}, []string{"v"}); err != nil {
			t.Fatal(err)
		}
		v := []float32{1, 2, 3, 4}
		if err := o.Apply([][]float32{v}, [][]float32{{1, 6, 7, 2}}, []string{"v"}); err != nil {
			t.Fatal(err)
		}
		v64 := []float64{1, 2, 3, 4}
		muon64(0.5, 0, 0.004, 0.95, true, 0.2, 2, 2)(v64, []float64{1, 6, 7, 2}, 1)
		compareGolden(t, v, v64, nil, 0)
	})
}

// compareGolden checks got (float32) within f32Tol of the float64
// re-derivation ref, and ref within tol of Keras's golden (when given).
func compareGolden(t *testing.T, got []float32, ref, golden []float64, tol float64) {
	t.Helper()
	for i := range ref {
		if golden != nil && math.Abs(ref[i]-golden[i]) > tol {
			t.Errorf("float64 re-derivation [%d] = %.7f, Keras %v", i, ref[i], golden[i])
		}
		if math.Abs(float64(got[i])-ref[i]) > f32Tol(ref[i]) {
			t.Errorf("[%d] = %.8g, float64 re-derivation %.8g", i, got[i], ref[i])
		}
	}
}

// TestNewOptimizersTrajectory runs each new optimizer for 8 steps on a
// rank-2 (3×4) and a rank-1 (4) variable with fixed pseudo-random
// gradients, against the float64 re-derivation: within float32 rounding at
// every step.
func TestNewOptimizersTrajectory(t *testing.T) {
	cases := []struct {
		name string
		opt  func() (Optimizer, error)
		refs func() [2]ref64
		tol  float64
	}{
		{"Adafactor", func() (Optimizer, error) { return NewAdafactor(LearningRate(0.05)) },
			func() [2]ref64 {
				return [2]ref64{adafactor64(0.05, -0.8, 1e-30, 1e-3, 1, true, 3, 4), adafactor64(0.05, -0.8, 1e-30, 1e-3, 1, true, 0, 0)}
			}, 1},
		{"Ftrl", func() (Optimizer, error) {
			return NewFtrl(LearningRate(0.1), L1RegularizationStrength(0.001), L2RegularizationStrength(0.01),
				L2ShrinkageRegularizationStrength(0.02), FtrlBeta(0.1))
		},
			func() [2]ref64 {
				return [2]ref64{ftrl64(0.1, -0.5, 0.1, 0.001, 0.01, 0.02, 0.1), ftrl64(0.1, -0.5, 0.1, 0.001, 0.01, 0.02, 0.1)}
			}, 1},
		{"Lamb", func() (Optimizer, error) { return NewLamb(LearningRate(0.01)) },
			func() [2]ref64 { return [2]ref64{lamb64(0.01, 0.9, 0.999, 1e-7), lamb64(0.01, 0.9, 0.999, 1e-7)} }, 1},
		{"Muon", func() (Optimizer, error) { return NewMuon(LearningRate(0.01)) },
			func() [2]ref64 {
				return [2]ref64{muon64(0.01, 0.004, 0.004, 0.95, true, 0.2, 3, 4), muon64(0.01, 0.004, 0.004, 0.95, true, 0.2, 0, 0)}
			}, 1},
		{"Muon no nesterov", func() (Optimizer, error) { return NewMuon(LearningRate(0.01), Nesterov(false), NoRMSRate()) },
			func() [2]ref64 {
				return [2]ref64{muon64(0.01, 0.004, 0.004, 0.95, false, -1, 3, 4), muon64(0.01, 0.004, 0.004, 0.95, false, -1, 0, 0)}
			}, 1},
		{"ScheduleFreeAdamW", func() (Optimizer, error) { return NewScheduleFreeAdamW(LearningRate(0.01), WarmupSteps(3)) },
			func() [2]ref64 {
				return [2]ref64{scheduleFree64(0.01, 0.9, 0.999, 1e-8, 3), scheduleFree64(0.01, 0.9, 0.999, 1e-8, 3)}
			}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := must(t)(c.opt())
			names := []string{"dense/kernel", "dense/bias"}
			if err := o.Build([][]int{{3, 4}, {4}}, names); err != nil {
				t.Fatal(err)
			}
			refs := c.refs()
			seed := uint32(7)
			rnd := func() float64 { // xorshift, in [-1, 1)
				seed ^= seed << 13
				seed ^= seed >> 17
				seed ^= seed << 5
				return float64(seed)/float64(1<<31) - 1
			}
			w := [][]float32{make([]float32, 12), make([]float32, 4)}
			w64 := [][]float64{make([]float64, 12), make([]float64, 4)}
			for i := range w {
				for j := range w[i] {
					w64[i][j] = float64(float32(rnd()))
					w[i][j] = float32(w64[i][j])
				}
			}
			worst := 0.0
			for step := 1; step <= 8; step++ {
				g := [][]float32{make([]float32, 12), make([]float32, 4)}
				g64 := [][]float64{make([]float64, 12), make([]float64, 4)}
				for i := range g {
					for j := range g[i] {
						g[i][j] = float32(rnd())
						g64[i][j] = float64(g[i][j])
					}
				}
				if err := o.Apply(w, g, names); err != nil {
					t.Fatal(err)
				}
				for i := range w {
					refs[i](w64[i], g64[i], step)
					for j := range w[i] {
						d := math.Abs(float64(w[i][j]) - w64[i][j])
						worst = math.Max(worst, d/(1+math.Abs(w64[i][j])))
						if d > c.tol*f32Tol(w64[i][j]) {
							t.Fatalf("step %d: %s[%d] = %.8g, float64 re-derivation %.8g", step, names[i], j, w[i][j], w64[i][j])
						}
					}
				}
			}
			t.Logf("worst float32 vs float64: %.2g", worst)
		})
	}
}
