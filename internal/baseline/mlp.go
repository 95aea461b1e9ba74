// Package baseline is a hand-written plain-Go multilayer perceptron (Dense +
// ReLU hidden layers, linear output, MSE loss, Keras's Adam) used only as the
// performance baseline that kerago's benchmarks run beside. It allocates
// nothing per step.
package baseline

import "math"

// MLP is a dense network with ReLU on every layer but the last.
type MLP struct {
	Sizes   []int       // [in, h1, ..., out]
	W, B    [][]float32 // W[l] is Sizes[l]×Sizes[l+1] row-major (Keras layout)
	gw, gb  [][]float32
	acts    [][]float32 // per layer activations for the current batch
	deltas  [][]float32
	mW, vW  [][]float32
	mB, vB  [][]float32
	t       int
	maxRows int
}

// New returns an MLP with deterministic small weights.
func New(sizes []int, maxRows int) *MLP {
	m := &MLP{Sizes: sizes, maxRows: maxRows}
	seed := uint32(1)
	rnd := func() float32 {
		seed = seed*1664525 + 1013904223
		return (float32(seed>>8)/float32(1<<24) - 0.5) * 0.5
	}
	for l := 0; l+1 < len(sizes); l++ {
		in, out := sizes[l], sizes[l+1]
		w := make([]float32, in*out)
		for i := range w {
			w[i] = rnd()
		}
		m.W = append(m.W, w)
		m.B = append(m.B, make([]float32, out))
		m.gw = append(m.gw, make([]float32, in*out))
		m.gb = append(m.gb, make([]float32, out))
		m.mW = append(m.mW, make([]float32, in*out))
		m.vW = append(m.vW, make([]float32, in*out))
		m.mB = append(m.mB, make([]float32, out))
		m.vB = append(m.vB, make([]float32, out))
	}
	for _, s := range sizes {
		m.acts = append(m.acts, make([]float32, maxRows*s))
		m.deltas = append(m.deltas, make([]float32, maxRows*s))
	}
	return m
}

// Forward computes the outputs of rows samples of x into the last activation
// buffer and returns it.
func (m *MLP) Forward(x []float32, rows int) []float32 {
	copy(m.acts[0], x[:rows*m.Sizes[0]])
	L := len(m.W)
	for l := 0; l < L; l++ {
		in, out := m.Sizes[l], m.Sizes[l+1]
		a, y, w, b := m.acts[l], m.acts[l+1], m.W[l], m.B[l]
		for r := 0; r < rows; r++ {
			yr := y[r*out : (r+1)*out]
			copy(yr, b)
			ar := a[r*in : (r+1)*in]
			for i, av := range ar {
				if av == 0 {
					continue
				}
				wr := w[i*out : (i+1)*out]
				for j, wv := range wr {
					yr[j] += av * wv
				}
			}
			if l < L-1 {
				for j, v := range yr {
					if v < 0 {
						yr[j] = 0
					}
				}
			}
		}
	}
	return m.acts[L][:rows*m.Sizes[L]]
}

// TrainStep does forward, MSE loss, backward and one Adam step (lr 1e-3),
// returning the batch loss.
func (m *MLP) TrainStep(x, y []float32, rows int) float32 {
	out := m.Forward(x, rows)
	L := len(m.W)
	nOut := m.Sizes[L]
	d := m.deltas[L]
	var loss float32
	scale := 2 / float32(rows*nOut)
	for i, v := range out {
		e := v - y[i]
		loss += e * e
		d[i] = e * scale
	}
	loss /= float32(rows * nOut)
	for l := L - 1; l >= 0; l-- {
		in, outN := m.Sizes[l], m.Sizes[l+1]
		a, dy, w := m.acts[l], m.deltas[l+1], m.W[l]
		gw, gb := m.gw[l], m.gb[l]
		for i := range gw {
			gw[i] = 0
		}
		for i := range gb {
			gb[i] = 0
		}
		for r := 0; r < rows; r++ {
			dr := dy[r*outN : (r+1)*outN]
			for j, v := range dr {
				gb[j] += v
			}
			ar := a[r*in : (r+1)*in]
			for i, av := range ar {
				if av == 0 {
					continue
				}
				g := gw[i*outN : (i+1)*outN]
				for j, v := range dr {
					g[j] += av * v
				}
			}
		}
		if l > 0 {
			dx := m.deltas[l]
			for r := 0; r < rows; r++ {
				dr := dy[r*outN : (r+1)*outN]
				xr := dx[r*in : (r+1)*in]
				ar := a[r*in : (r+1)*in]
				for i := range xr {
					if ar[i] <= 0 {
						xr[i] = 0
						continue
					}
					wr := w[i*outN : (i+1)*outN]
					var s float32
					for j, v := range dr {
						s += v * wr[j]
					}
					xr[i] = s
				}
			}
		}
	}
	m.t++
	for l := range m.W {
		adam(m.W[l], m.gw[l], m.mW[l], m.vW[l], m.t)
		adam(m.B[l], m.gb[l], m.mB[l], m.vB[l], m.t)
	}
	return loss
}

func adam(w, g, mm, vv []float32, t int) {
	const lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-7
	alpha := float32(lr * math.Sqrt(1-math.Pow(b2, float64(t))) / (1 - math.Pow(b1, float64(t))))
	for i := range w {
		mm[i] += (g[i] - mm[i]) * (1 - b1)
		vv[i] += (g[i]*g[i] - vv[i]) * (1 - b2)
		w[i] -= mm[i] * alpha / (float32(math.Sqrt(float64(vv[i]))) + eps)
	}
}

// Fit trains epochs over n samples in batches (no shuffle) and returns the
// last epoch's size-weighted mean loss.
func (m *MLP) Fit(x, y []float32, n, batch, epochs int) float32 {
	in, out := m.Sizes[0], m.Sizes[len(m.Sizes)-1]
	var epochLoss float32
	for e := 0; e < epochs; e++ {
		var total float32
		for lo := 0; lo < n; lo += batch {
			hi := min(lo+batch, n)
			l := m.TrainStep(x[lo*in:hi*in], y[lo*out:hi*out], hi-lo)
			total += l * float32(hi-lo)
		}
		epochLoss = total / float32(n)
	}
	return epochLoss
}
