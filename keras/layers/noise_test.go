package layers

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
)

// TestGaussianNoiseTraining checks GaussianNoise and GaussianDropout in
// training against Keras's formulas (gaussian_noise.py: x + N(0, stddev²);
// gaussian_dropout.py: x · N(1, rate/(1−rate))): a Dense(4, no bias) layer
// feeds the noise layer, the noise is read back from the step's output
// (y − z, y / z with z = x·W in float64), its sample mean and standard
// deviation must match the formula's, it must differ between steps, and the
// kernel's gradient must equal the float64 gradient of the MSE through that
// noise. Predict must stay the identity.
func TestGaussianNoiseTraining(t *testing.T) {
	mse, err := kernels.LossByName("mse")
	if err != nil {
		t.Fatal(err)
	}
	const batch, in, units = 128, 3, 4
	r := rand.New(rand.NewPCG(5, 6))
	x := tensor.Zeros(batch, in)
	for i := range x.Data() {
		x.Data()[i] = 0.5 + r.Float32() // z stays away from 0 for y / z
	}
	for _, tc := range []struct {
		noise      Layer
		mean, std  float64
		multiplies bool
	}{
		{GaussianNoise(0.3), 0, 0.3, false},
		{GaussianDropout(0.2), 1, math.Sqrt(0.2 / 0.8), true},
		{GaussianDropout(0.5, WithSeed(7)), 1, 1, true},
	} {
		t.Run(tc.noise.ClassName(), func(t *testing.T) {
			dense := Dense(units, WithUseBias(false), WithName("d"))
			if err := dense.Build([]int{in}); err != nil {
				t.Fatal(err)
			}
			if err := tc.noise.Build([]int{units}); err != nil {
				t.Fatal(err)
			}
			net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: []int{in}, Stages: []runtime.Stage{dense, tc.noise}, Variables: dense.Variables(), Loss: mse, Seed: 11})
			if err != nil {
				t.Fatal(err)
			}
			w := net.TrainableVariables()[0].Value.Data()
			z := make([]float64, batch*units)
			for b := 0; b < batch; b++ {
				for u := 0; u < units; u++ {
					for i := 0; i < in; i++ {
						z[b*units+u] += float64(x.Data()[b*in+i]) * float64(w[i*units+u])
					}
				}
			}
			var prev []float64
			for step := 0; step < 3; step++ {
				res, err := net.TrainStep(x, tensor.Zeros(batch, units), nil)
				if err != nil {
					t.Fatal(err)
				}
				noise := make([]float64, len(z))
				for j, y := range res.YPred.Data() {
					if tc.multiplies {
						noise[j] = float64(y) / z[j]
					} else {
						noise[j] = float64(y) - z[j]
					}
				}
				checkNoiseMoments(t, noise, tc.mean, tc.std)
				if prev != nil && noise[0] == prev[0] && noise[1] == prev[1] {
					t.Fatalf("step %d drew the same noise as the step before", step)
				}
				prev = noise
				checkNoiseGradient(t, res.Grads[0], x.Data(), res.YPred.Data(), noise, tc.multiplies, batch, in, units)
			}
			y, err := net.Predict(x)
			if err != nil {
				t.Fatal(err)
			}
			for j, v := range y.Data() {
				if d := math.Abs(float64(v) - z[j]); d > 1e-5*(1+math.Abs(z[j])) {
					t.Fatalf("Predict[%d] = %v, want the identity of Dense: %v", j, v, z[j])
				}
			}
		})
	}
}

// checkNoiseMoments: 512 draws, so the sample mean is within 5 standard
// errors and the sample deviation within 20% of std.
func checkNoiseMoments(t *testing.T, d []float64, mean, std float64) {
	t.Helper()
	var s, s2 float64
	for _, v := range d {
		s += v
	}
	m := s / float64(len(d))
	for _, v := range d {
		s2 += (v - m) * (v - m)
	}
	sd := math.Sqrt(s2 / float64(len(d)-1))
	if math.Abs(m-mean) > 5*std/math.Sqrt(float64(len(d))) || math.Abs(sd-std) > 0.2*std {
		t.Fatalf("noise mean %.4f, deviation %.4f; want %v and %v", m, sd, mean, std)
	}
}

// checkNoiseGradient compares the kernel gradient of mean((y − 0)²) with its
// float64 value: dL/dW[i,u] = Σ_b 2·y[b,u]/(B·U) · ∂y/∂z · x[b,i], where
// ∂y/∂z is the noise (multiplying) or 1 (adding).
func checkNoiseGradient(t *testing.T, g, x, y []float32, noise []float64, multiplies bool, batch, in, units int) {
	t.Helper()
	for i := 0; i < in; i++ {
		for u := 0; u < units; u++ {
			var want float64
			for b := 0; b < batch; b++ {
				dz := 2 * float64(y[b*units+u]) / float64(batch*units)
				if multiplies {
					dz *= noise[b*units+u]
				}
				want += dz * float64(x[b*in+i])
			}
			if got := float64(g[i*units+u]); math.Abs(got-want) > 1e-5+1e-4*math.Abs(want) {
				t.Fatalf("dL/dW[%d,%d] = %v, want %v", i, u, got, want)
			}
		}
	}
}
