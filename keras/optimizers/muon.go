package optimizers

import (
	"math"
	"regexp"
	"strings"
)

// NewMuon returns keras.optimizers.Muon(learning_rate=0.001,
// adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
// epsilon=1e-7, weight_decay=0.004, exclude_layers=None,
// exclude_embeddings=True, muon_a=3.4445, muon_b=-4.775, muon_c=2.0315,
// adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2).
//
// Variables of rank 2 (unless excluded by exclude_layers, or by
// exclude_embeddings when their path contains "embedding") take the Muon
// step, with μ = momentum:
//
//	m += g + (μ − 1)·m;  G = g + μ·m (nesterov) or m
//	w −= lr·NS(G)·sqrt(max(n₀, n₁))·rms_rate      (no last factors when rms_rate is None)
//
// where NS is ns_steps quintic Newton–Schulz iterations on G/(‖G‖_F + 1e-7)
// (transposed so that rows ≤ columns): A = X·Xᵀ, X = a·X + (b·A + c·A·A)·X.
// Every other variable takes an AdamW step (Adam's update) with learning
// rate lr·adam_lr_ratio. Decoupled weight decay is weight_decay for Muon
// variables and adam_weight_decay for the others.
//
// Variables per model variable in Keras's order: momentum, then velocity
// for the AdamW ones.
func NewMuon(opts ...Option) (Optimizer, error) {
	wd, awd, rms := 0.004, 0.004, 0.2
	d := hyper{lr: 0.001, epsilon: 1e-7, momentum: 0.95, nesterov: true, weightDecay: &wd}
	d.more = moreHyper{adamBeta1: 0.9, adamBeta2: 0.999, adamWeightDecay: &awd, excludeEmbeddings: true,
		muonA: 3.4445, muonB: -4.7750, muonC: 2.0315, adamLRRatio: 1, nsSteps: 5, rmsRate: &rms}
	return wrap(newOptimizer("Muon", d, opts, func(h *hyper) (algorithm, error) {
		m := &muon{h: h.more, epsilon: h.epsilon, momentum: h.momentum, nesterov: h.nesterov}
		for _, p := range h.more.excludeLayers {
			re, err := regexp.Compile(p)
			if err != nil {
				return nil, errf("exclude_layers: %w", err)
			}
			m.exclude = append(m.exclude, re)
		}
		if h.more.nsSteps < 0 {
			return nil, errf("ns_steps must be >= 0, got %d", h.more.nsSteps)
		}
		return m, nil
	}))
}

type muon struct {
	h                 moreHyper
	epsilon, momentum float64
	nesterov          bool
	exclude           []*regexp.Regexp
	shapes            [][]int
	adam              []bool // per variable: takes the AdamW step
	buf               []float32
}

func (a *muon) specs() []slotSpec { return nil }

func (a *muon) scalars() []*scalarVar { return nil }

// useAdamW is _should_use_adamw, on kerago's variable path.
func (a *muon) useAdamW(shape []int, path string) bool {
	if len(shape) != 2 {
		return true
	}
	if a.h.excludeEmbeddings && strings.Contains(strings.ToLower(path), "embedding") {
		return true
	}
	for _, re := range a.exclude {
		if re.MatchString(path) {
			return true
		}
	}
	return false
}

func (a *muon) layout(shapes [][]int, names []string) ([]slotVar, int) {
	a.shapes = shapes
	a.adam = make([]bool, len(shapes))
	var out []slotVar
	for i, s := range shapes {
		out = append(out, slotVar{slot: 0, v: i, name: slotVarName(names[i], "momentum"), shape: append([]int(nil), s...)})
		if a.adam[i] = a.useAdamW(s, names[i]); a.adam[i] {
			out = append(out, slotVar{slot: 1, v: i, name: slotVarName(names[i], "velocity"), shape: append([]int(nil), s...)})
		}
	}
	return out, 2
}

func (a *muon) weightDecay(i int, base *float64) *float64 {
	if a.adam[i] {
		return a.h.adamWeightDecay
	}
	return base
}

func (a *muon) step(vars, grads [][]float32, slots [][][]float32, lr float32, iter int64) {
	for i, w := range vars {
		if a.adam[i] {
			a.adamStep(w, grads[i], slots[0][i], slots[1][i], lr*f32(a.h.adamLRRatio), iter)
		} else {
			a.muonStep(w, grads[i], slots[0][i], a.shapes[i], lr)
		}
	}
}

// adamStep is _adamw_update_step (Adam's update; the weight decay was
// applied before).
func (a *muon) adamStep(w, g, m, v []float32, lr float32, iter int64) {
	t := float32(iter + 1)
	alpha := lr * sqrt32(1-pow32(f32(a.h.adamBeta2), t)) / (1 - pow32(f32(a.h.adamBeta1), t))
	c1, c2, eps := f32(1-a.h.adamBeta1), f32(1-a.h.adamBeta2), f32(a.epsilon)
	for j := range w {
		m[j] += float32((g[j] - m[j]) * c1)
		v[j] += float32((float32(g[j]*g[j]) - v[j]) * c2)
		w[j] -= float32(m[j]*alpha) / (sqrt32(v[j]) + eps)
	}
}

func (a *muon) muonStep(w, g, m []float32, shape []int, lr float32) {
	mu := f32(a.momentum)
	mm1 := f32(a.momentum - 1)
	if cap(a.buf) < len(w) {
		a.buf = make([]float32, len(w))
	}
	G := a.buf[:len(w)]
	for j := range m {
		m[j] += g[j] + float32(m[j]*mm1)
		if a.nesterov {
			G[j] = g[j] + float32(mu*m[j])
		} else {
			G[j] = m[j]
		}
	}
	u := newtonSchulz5(G, shape[0], shape[1], a.h.nsSteps, f32(a.h.muonA), f32(a.h.muonB), f32(a.h.muonC))
	var scale float32
	if a.h.rmsRate != nil {
		scale = sqrt32(float32(max(shape[0], shape[1])))
	}
	for j := range w {
		d := float32(lr * u[j])
		if a.h.rmsRate != nil {
			d = float32(float32(d*scale) * f32(*a.h.rmsRate))
		}
		w[j] -= d
	}
}

// newtonSchulz5 is zeropower_via_newtonschulz5 on a rows×cols matrix in
// float32: it returns a new slice.
func newtonSchulz5(g []float32, rows, cols, steps int, a, b, c float32) []float32 {
	x := append([]float32(nil), g...)
	n, k := rows, cols
	if rows > cols {
		x = transpose32(x, rows, cols)
		n, k = cols, rows
	}
	var s float64
	for _, e := range x {
		s += float64(e * e)
	}
	den := float32(math.Sqrt(float64(float32(s)))) + f32(1e-7)
	for j := range x {
		x[j] /= den
	}
	A := make([]float32, n*n)
	AA := make([]float32, n*n)
	BX := make([]float32, n*k)
	for range steps {
		matmulABt(A, x, x, n, k, n) // A = X·Xᵀ
		cA := make([]float32, n*n)
		for j := range A {
			cA[j] = c * A[j]
		}
		matmul32(AA, cA, A, n, n, n) // (c·A)·A
		for j := range A {
			AA[j] = float32(b*A[j]) + AA[j] // B = b·A + c·A·A
		}
		matmul32(BX, AA, x, n, n, k)
		for j := range x {
			x[j] = float32(a*x[j]) + BX[j]
		}
	}
	if rows > cols {
		x = transpose32(x, n, k)
	}
	return x
}

func transpose32(x []float32, rows, cols int) []float32 {
	out := make([]float32, len(x))
	for i := range rows {
		for j := range cols {
			out[j*rows+i] = x[i*cols+j]
		}
	}
	return out
}

// matmul32 writes dst = p·q for p (n×k) and q (k×m), float32 products
// accumulated in float32.
func matmul32(dst, p, q []float32, n, k, m int) {
	for i := range n {
		for j := range m {
			var s float32
			for l := range k {
				s += p[i*k+l] * q[l*m+j]
			}
			dst[i*m+j] = s
		}
	}
}

// matmulABt writes dst = p·qᵀ for p (n×k) and q (m×k).
func matmulABt(dst, p, q []float32, n, k, m int) {
	for i := range n {
		for j := range m {
			var s float32
			for l := range k {
				s += p[i*k+l] * q[j*k+l]
			}
			dst[i*m+j] = s
		}
	}
}

func (a *muon) config(c map[string]any) {
	c["adam_beta_1"] = a.h.adamBeta1
	c["adam_beta_2"] = a.h.adamBeta2
	c["epsilon"] = a.epsilon
	c["exclude_layers"] = append([]string{}, a.h.excludeLayers...)
	c["muon_a"] = a.h.muonA
	c["muon_b"] = a.h.muonB
	c["muon_c"] = a.h.muonC
	c["adam_lr_ratio"] = a.h.adamLRRatio
	c["momentum"] = a.momentum
	c["ns_steps"] = a.h.nsSteps
	c["nesterov"] = a.nesterov
	c["exclude_embeddings"] = a.h.excludeEmbeddings
	c["adam_weight_decay"] = optF(a.h.adamWeightDecay)
	c["rms_rate"] = optF(a.h.rmsRate)
}
