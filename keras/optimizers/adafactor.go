package optimizers

import "strings"

// NewAdafactor returns keras.optimizers.Adafactor(learning_rate=0.001,
// beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0,
// relative_step=True). With t = iterations + 1:
//
//	lr = min(lr, 1/sqrt(t)) when relative_step and lr is not a schedule
//	ρ = min(lr, 1/sqrt(t));  α = max(ε₂, rms(w))·ρ
//	G = g² + ε₁;  β₂ₜ = 1 − t^beta_2_decay
//	rank ≥ 2: r = β₂ₜ·r + (1 − β₂ₜ)·mean(G, −1); c = β₂ₜ·c + (1 − β₂ₜ)·mean(G, −2)
//	          v = (r/mean(r, −1))[…, None]·c[…, None, :]
//	rank < 2: v = β₂ₜ·v + (1 − β₂ₜ)·G
//	u = g/sqrt(v);  w −= α·u/max(1, rms(u)/clip_threshold)
//
// Variables per model variable, in Keras's order: r (shape[:-1]) and c
// (shape[:-2] + shape[-1:]), both named after the variable ("kernel"), or
// for rank < 2 two unused scalar placeholders of that name; then velocity.
func NewAdafactor(opts ...Option) (Optimizer, error) {
	d := hyper{lr: 0.001}
	d.more.beta2Decay, d.more.epsilon1, d.more.epsilon2 = -0.8, 1e-30, 1e-3
	d.more.clipThreshold, d.more.relativeStep = 1.0, true
	return wrap(newOptimizer("Adafactor", d, opts, func(h *hyper) (algorithm, error) {
		m := h.more
		return &adafactor{beta2Decay: m.beta2Decay, eps1: m.epsilon1, eps2: m.epsilon2, clip: m.clipThreshold,
			relative: m.relativeStep, schedule: h.schedule != nil}, nil
	}))
}

type adafactor struct {
	beta2Decay, eps1, eps2, clip float64
	relative, schedule           bool
	shapes                       [][]int
	tmp                          []float32 // scratch: g² + ε₁, then u
}

func (a *adafactor) specs() []slotSpec { return nil }

func (a *adafactor) scalars() []*scalarVar { return nil }

func shortName(path string) string { return path[strings.LastIndexByte(path, '/')+1:] }

func (a *adafactor) layout(shapes [][]int, names []string) ([]slotVar, int) {
	a.shapes = shapes
	var out []slotVar
	for i, s := range shapes {
		n := shortName(names[i])
		if len(s) < 2 {
			out = append(out, slotVar{slot: 0, v: i, name: n, shape: []int{}}, slotVar{slot: 1, v: i, name: n, shape: []int{}})
		} else {
			r := append([]int(nil), s[:len(s)-1]...)
			c := append(append([]int(nil), s[:len(s)-2]...), s[len(s)-1])
			out = append(out, slotVar{slot: 0, v: i, name: n, shape: r}, slotVar{slot: 1, v: i, name: n, shape: c})
		}
		out = append(out, slotVar{slot: 2, v: i, name: slotVarName(names[i], "velocity"), shape: append([]int(nil), s...)})
	}
	return out, 3
}

// mean32 is the float32 mean of x (sum accumulated in float64).
func mean32(x []float32) float32 {
	var s float64
	for _, e := range x {
		s += float64(e)
	}
	return float32(s) / float32(len(x))
}

// rms32 is sqrt(mean(x²)) in float32.
func rms32(x []float32) float32 {
	var s float64
	for _, e := range x {
		s += float64(e * e)
	}
	return sqrt32(float32(s) / float32(len(x)))
}

func (a *adafactor) step(vars, grads [][]float32, slots [][][]float32, lr float32, iter int64) {
	t := float32(iter + 1)
	inv := 1 / sqrt32(t)
	if a.relative && !a.schedule {
		lr = min(lr, inv)
	}
	rho := min(lr, inv)
	b2t := 1 - pow32(t, f32(a.beta2Decay))
	c2t := 1 - b2t
	eps1, eps2, clip := f32(a.eps1), f32(a.eps2), f32(a.clip)
	for i, w := range vars {
		g, r, c, v := grads[i], slots[0][i], slots[1][i], slots[2][i]
		alpha := max(eps2, rms32(w)) * rho
		if cap(a.tmp) < len(w) {
			a.tmp = make([]float32, len(w))
		}
		gg := a.tmp[:len(w)]
		for j, x := range g {
			gg[j] = float32(x*x) + eps1
		}
		if s := a.shapes[i]; len(s) >= 2 {
			factored(gg, r, c, v, s[len(s)-2], s[len(s)-1], b2t, c2t)
		} else {
			for j := range v {
				v[j] = float32(b2t*v[j]) + float32(c2t*gg[j])
			}
		}
		u := gg // reuse the scratch for u
		for j := range u {
			u[j] = g[j] / sqrt32(v[j])
		}
		den := max(1, rms32(u)/clip)
		for j := range w {
			w[j] -= float32(alpha * (u[j] / den))
		}
	}
}

// factored updates Adafactor's row and column moments r, c from G = g² + ε₁
// (batches of rows×cols matrices) and writes v = (r/mean(r))·c.
func factored(gg, r, c, v []float32, rows, cols int, b2t, c2t float32) {
	for b := 0; b*rows*cols < len(gg); b++ {
		m := gg[b*rows*cols : (b+1)*rows*cols]
		rb, cb, vb := r[b*rows:(b+1)*rows], c[b*cols:(b+1)*cols], v[b*rows*cols:(b+1)*rows*cols]
		for i := range rows {
			rb[i] = float32(b2t*rb[i]) + float32(c2t*mean32(m[i*cols:(i+1)*cols]))
		}
		for j := range cols {
			var s float64
			for i := range rows {
				s += float64(m[i*cols+j])
			}
			cm := float32(s) / float32(rows)
			cb[j] = float32(b2t*cb[j]) + float32(c2t*cm)
		}
		rm := mean32(rb)
		for i := range rows {
			q := rb[i] / rm
			for j := range cols {
				vb[i*cols+j] = float32(q * cb[j])
			}
		}
	}
}

func (a *adafactor) config(c map[string]any) {
	c["beta_2_decay"] = a.beta2Decay
	c["epsilon_1"] = a.eps1
	c["epsilon_2"] = a.eps2
	c["clip_threshold"] = a.clip
	c["relative_step"] = a.relative
}
