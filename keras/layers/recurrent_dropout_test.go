package layers

import (
	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/loader"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
)

// fixedMasks is a maskHook that hands out 0/1 masks drawn once by a test
// generator and records them: input masks (rank 3) and recurrent masks
// (rank 2) in the order the layer asks for them.
type fixedMasks struct {
	r        *rand.Rand
	in, rec  [][]float32
	inKeep   float64
	recKeep  float64
	inShape  []int
	recShape []int
}

func (f *fixedMasks) hook(g *runtime.Graph, shape []int, keep float64) (*G.Node, error) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	m := make([]float32, n)
	for i := range m {
		if f.r.Float64() < keep {
			m[i] = 1
		}
	}
	if len(shape) == 3 {
		f.in, f.inKeep, f.inShape = append(f.in, m), keep, shape
	} else {
		f.rec, f.recKeep, f.recShape = append(f.rec, m), keep, shape
	}
	return g.Constant(m, shape)
}

// scaled returns gate k's mask divided by keep in float64 (ones without
// masks; a single mask serves every gate).
func scaled(ms [][]float32, keep float64, k, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = 1
		if len(ms) > 0 {
			out[i] = float64(ms[min(k, len(ms)-1)][i]) / keep
		}
	}
	return out
}

// refDropRNN re-derives in float64 the training forward pass of l (default
// tanh / sigmoid) on x (B, T, F) with the scaled input masks mx[k] (B·F)
// and recurrent masks mh[k] (B·u) of gate k, a Keras mask (B·T, nil for
// none) and go_backwards: every step's emitted output (B·u) in processing
// order.
func refDropRNN(l *RNNLayer, w [][]float32, x []float32, B, T, F int, mx, mh [][]float64, seqMask []float32) [][]float64 {
	u, gu := l.units, l.gates*l.units
	kern, rec := w[0], w[1]
	var bin, brec []float64
	bin, brec = make([]float64, gu), make([]float64, gu)
	if len(w) > 2 {
		for j := 0; j < gu; j++ {
			bin[j] = float64(w[2][j])
			if len(w[2]) == 2*gu {
				brec[j] = float64(w[2][gu+j])
			}
		}
	}
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	h, c := make([]float64, B*u), make([]float64, B*u)
	var seq [][]float64
	for s := 0; s < T; s++ {
		t := s
		if l.cfg.GoBackwards {
			t = T - 1 - s
		}
		out := make([]float64, B*u)
		for b := 0; b < B; b++ {
			hb, cb := h[b*u:(b+1)*u], c[b*u:(b+1)*u]
			if seqMask != nil && seqMask[b*T+t] == 0 {
				copy(out[b*u:], hb)
				continue
			}
			// pre(k, j): (x ⊙ mx[k])·W_k + b_in; recur(k, j, v): v·U_k
			pre := func(k, j int) float64 {
				v := bin[k*u+j]
				for f := 0; f < F; f++ {
					v += float64(x[(b*T+t)*F+f]) * mx[k][b*F+f] * float64(kern[f*gu+k*u+j])
				}
				return v
			}
			hin := func(k int) []float64 {
				v := make([]float64, u)
				for i := range v {
					v[i] = hb[i] * mh[k][b*u+i]
				}
				return v
			}
			recur := func(k, j int, v []float64) float64 {
				var a float64
				for i := 0; i < u; i++ {
					a += v[i] * float64(rec[i*gu+k*u+j])
				}
				return a
			}
			nh, nc := make([]float64, u), make([]float64, u)
			switch l.gates {
			case 1:
				h0 := hin(0)
				for j := range nh {
					nh[j] = math.Tanh(pre(0, j) + recur(0, j, h0))
				}
			case 4:
				hs := [4][]float64{hin(0), hin(1), hin(2), hin(3)}
				for j := range nh {
					i := sig(pre(0, j) + recur(0, j, hs[0]))
					f := sig(pre(1, j) + recur(1, j, hs[1]))
					cc := math.Tanh(pre(2, j) + recur(2, j, hs[2]))
					o := sig(pre(3, j) + recur(3, j, hs[3]))
					nc[j] = f*cb[j] + i*cc
					nh[j] = o * math.Tanh(nc[j])
				}
			default:
				hs := [3][]float64{hin(0), hin(1), hin(2)}
				z, r := make([]float64, u), make([]float64, u)
				for j := range nh {
					z[j] = sig(pre(0, j) + recur(0, j, hs[0]) + brec[j])
					r[j] = sig(pre(1, j) + recur(1, j, hs[1]) + brec[u+j])
				}
				rh := make([]float64, u)
				for i := range rh {
					rh[i] = r[i] * hs[2][i]
				}
				for j := range nh {
					var cand float64
					if l.cfg.ResetAfter {
						cand = math.Tanh(pre(2, j) + r[j]*(recur(2, j, hs[2])+brec[2*u+j]))
					} else {
						cand = math.Tanh(pre(2, j) + recur(2, j, rh))
					}
					nh[j] = z[j]*hb[j] + (1-z[j])*cand
				}
			}
			copy(hb, nh)
			copy(cb, nc)
			copy(out[b*u:], nh)
		}
		seq = append(seq, out)
	}
	return seq
}

// dropCase is one configuration of TestRecurrentDropoutReference.
type dropCase struct {
	name       string
	l          *RNNLayer
	mask       []float32
	fused      bool // the path the case takes: the fused op, or the unrolled graph (GRU with recurrent_dropout, l.unrolled)
	inMasks    int  // input masks the layer draws
	recMasks   int  // recurrent masks
	returnSeqs bool
}

func dropCases() []dropCase {
	cfg := func(d, rd float64, f func(*RNNConfig)) RNNConfig {
		return rnnCfg(func(c *RNNConfig) {
			c.Dropout, c.RecurrentDropout = d, rd
			if f != nil {
				f(c)
			}
		})
	}
	back := func(c *RNNConfig) { c.GoBackwards = true; c.ReturnSequences = false }
	noRA := func(c *RNNConfig) { c.ResetAfter = false }
	seqMask := []float32{1, 1, 0, 1, 0, 1, 1, 0, 1}
	unrolled := func(l *RNNLayer) *RNNLayer { l.unrolled = true; return l }
	return []dropCase{
		{"simple_rnn dropout", SimpleRNN(2, cfg(0.4, 0, nil)), nil, true, 1, 0, true},
		{"simple_rnn both", SimpleRNN(2, cfg(0.4, 0.3, nil)), nil, true, 1, 1, true},
		{"simple_rnn both masked backwards", SimpleRNN(2, cfg(0.4, 0.3, back)), seqMask, true, 1, 1, false},
		{"simple_rnn both unrolled", unrolled(SimpleRNN(2, cfg(0.4, 0.3, nil))), seqMask, false, 1, 1, true},
		{"lstm dropout", LSTM(2, cfg(0.4, 0, nil)), nil, true, 1, 0, true},
		{"lstm dropout masked backwards", LSTM(2, cfg(0.4, 0, back)), seqMask, true, 1, 0, false},
		{"lstm recurrent_dropout", LSTM(2, cfg(0, 0.3, nil)), nil, true, 0, 4, true},
		{"lstm both", LSTM(2, cfg(0.4, 0.3, nil)), nil, true, 4, 4, true},
		{"lstm both masked", LSTM(2, cfg(0.4, 0.3, nil)), seqMask, true, 4, 4, true},
		{"lstm both backwards", LSTM(2, cfg(0.4, 0.3, back)), nil, true, 4, 4, false},
		{"lstm both unrolled", unrolled(LSTM(2, cfg(0.4, 0.3, nil))), nil, false, 4, 4, true},
		{"lstm both masked backwards unrolled", unrolled(LSTM(2, cfg(0.4, 0.3, back))), seqMask, false, 4, 4, false},
		{"lstm recurrent_dropout unrolled", unrolled(LSTM(2, cfg(0, 0.3, nil))), nil, false, 0, 4, true},
		{"gru dropout", GRU(2, cfg(0.4, 0, nil)), nil, true, 1, 0, true},
		{"gru both", GRU(2, cfg(0.4, 0.3, nil)), nil, false, 3, 3, true},
		{"gru both masked backwards", GRU(2, cfg(0.4, 0.3, back)), seqMask, false, 3, 3, false},
		{"gru reset_after=false dropout", GRU(2, cfg(0.4, 0, noRA)), seqMask, true, 1, 0, true},
		{"gru reset_after=false both", GRU(2, cfg(0.4, 0.3, noRA)), nil, false, 3, 3, true},
		{"gru reset_after=false recurrent_dropout masked", GRU(2, cfg(0, 0.3, noRA)), seqMask, false, 0, 3, true},
	}
}

// TestRecurrentDropoutReference injects fixed dropout masks (the maskHook
// test hook) and checks, for each cell type, with and without a Keras mask
// and go_backwards: the training forward pass (TrainStep's predictions)
// against a float64 re-derivation with Keras 3's mask placement (one input
// mask for all gates without recurrent_dropout, per-gate input and
// recurrent masks with it), and every gradient against central finite
// differences of the training loss under the same masks.
func TestRecurrentDropoutReference(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, c := range dropCases() {
		t.Run(c.name, func(t *testing.T) {
			fm := &fixedMasks{r: rand.New(rand.NewPCG(uint64(len(c.name)), 3))}
			c.l.maskHook = fm.hook
			w := buildRandom(t, c.l, r)
			for i, v := range c.l.Variables() {
				copy(v.Value.Data(), w[i])
			}
			net := dropNet(t, c.l, c.mask)
			const B, T, F = 3, 3, 2
			x := tensor.Zeros(B, T, F)
			for i := range x.Data() {
				x.Data()[i] = float32(r.NormFloat64())
			}
			y := tensor.Zeros(append([]int{B}, c.l.OutputShape()...)...)
			for i := range y.Data() {
				y.Data()[i] = float32(r.NormFloat64())
			}
			res, err := net.TrainStep(x, y, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(fm.in) != c.inMasks || len(fm.rec) != c.recMasks {
				t.Fatalf("drew %d input and %d recurrent masks, Keras draws %d and %d", len(fm.in), len(fm.rec), c.inMasks, c.recMasks)
			}
			if c.inMasks > 0 && (fm.inShape[0] != B || fm.inShape[1] != 1 || fm.inShape[2] != F || math.Abs(fm.inKeep-(1-c.l.cfg.Dropout)) > 1e-12) {
				t.Fatalf("input mask shape %v keep %v", fm.inShape, fm.inKeep)
			}
			if c.recMasks > 0 && (fm.recShape[0] != B || fm.recShape[1] != 2 || math.Abs(fm.recKeep-(1-c.l.cfg.RecurrentDropout)) > 1e-12) {
				t.Fatalf("recurrent mask shape %v keep %v", fm.recShape, fm.recKeep)
			}
			mx := make([][]float64, c.l.gates)
			mh := make([][]float64, c.l.gates)
			for k := range mx {
				mx[k] = scaled(fm.in, fm.inKeep, k, B*F)
				mh[k] = scaled(fm.rec, fm.recKeep, k, B*2)
			}
			var seqMask []float32
			if c.mask != nil {
				seqMask = make([]float32, B*T)
				for i := range seqMask {
					seqMask[i] = c.mask[i%len(c.mask)]
				}
			}
			seq := refDropRNN(c.l, w, x.Data(), B, T, F, mx, mh, seqMask)
			checkDropForward(t, res.YPred.Data(), seq, c.returnSeqs, B, T, 2)
			checkDropGrads(t, net, res, x, y)
		})
	}
}

func checkDropForward(t *testing.T, got []float32, seq [][]float64, returnSeqs bool, B, T, u int) {
	t.Helper()
	want := make([]float64, 0, B*T*u)
	if returnSeqs {
		for b := 0; b < B; b++ {
			for s := 0; s < T; s++ {
				want = append(want, seq[s][b*u:(b+1)*u]...)
			}
		}
	} else {
		want = seq[T-1]
	}
	if len(got) != len(want) {
		t.Fatalf("output has %d values, reference %d", len(got), len(want))
	}
	for i, v := range got {
		if math.Abs(float64(v)-want[i]) > 1e-5+1e-5*math.Abs(want[i]) {
			t.Errorf("output[%d] = %.7g, float64 reference %.7g", i, v, want[i])
		}
	}
}

func checkDropGrads(t *testing.T, net *runtime.Network, res *runtime.StepResult, x, y *tensor.Tensor) {
	t.Helper()
	grads := make([][]float32, len(res.Grads))
	for i, g := range res.Grads {
		grads[i] = append([]float32(nil), g...)
	}
	loss := func() float64 {
		r, err := net.TrainStep(x, y, nil)
		if err != nil {
			t.Fatal(err)
		}
		return float64(r.Loss)
	}
	for vi, v := range net.TrainableVariables() {
		d := v.Value.Data()
		for j := range d {
			old := d[j]
			const h = 1e-2
			d[j] = old + h
			lp := loss()
			d[j] = old - h
			lm := loss()
			d[j] = old
			fd := (lp - lm) / (2 * h)
			if g := float64(grads[vi][j]); math.Abs(g-fd) > 2e-3+2e-2*math.Abs(fd) {
				t.Errorf("%s[%d]: gradient %.6g, finite differences %.6g", v.Path, j, g, fd)
			}
		}
	}
}

// identityRNN returns a network over inputs (T, n) with a linear SimpleRNN
// of n units whose kernel is the identity, recurrent kernel the identity
// times rec and bias 0, under an MSE loss.
func identityRNN(t *testing.T, T, n int, rec float32, dropout, recDropout float64) *runtime.Network {
	t.Helper()
	cfg := rnnCfg(func(c *RNNConfig) {
		c.Activation, c.Dropout, c.RecurrentDropout = "linear", dropout, recDropout
	})
	l := SimpleRNN(n, cfg)
	if err := l.Build([]int{T, n}); err != nil {
		t.Fatal(err)
	}
	vs := l.Variables()
	for _, v := range vs {
		clear(v.Value.Data())
	}
	for i := 0; i < n; i++ {
		vs[0].Value.Data()[i*n+i] = 1
		vs[1].Value.Data()[i*n+i] = rec
	}
	lf, err := kernels.LossByName("mse")
	if err != nil {
		t.Fatal(err)
	}
	net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: []int{T, n}, Stages: []runtime.Stage{l},
		Variables: vs, Loss: lf})
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// TestRecurrentDropoutMasksDrawn checks the masks the network really draws
// (no test hook), seen through identity cells on inputs of ones (B=64,
// T=5, 8 units): dropout alone (fused path) outputs mask/keep at every step,
// so each unit is 0 or 1/keep, the same at all steps, kept for ≈ keep of
// the units; recurrent_dropout alone (unrolled path) gives h_t = 1 +
// r⊙h_{t−1} with one r ∈ {0, 1/keep} per unit for all steps. The masks
// differ between training steps, and Predict and TestStep apply none.
func TestRecurrentDropoutMasksDrawn(t *testing.T) {
	const B, T, n = 64, 5, 8
	ones := tensor.Zeros(B, T, n)
	for i := range ones.Data() {
		ones.Data()[i] = 1
	}
	zeros := tensor.Zeros(B, T, n)
	for _, c := range []struct {
		name             string
		rec              float32
		dropout, recDrop float64
		unitOf           func(seq []float32, b, j int) (float32, bool) // the unit's mask value and whether its steps agree
		inference        func(s int) float32                           // the output at step s without dropout
	}{
		{"dropout", 0, 0.3, 0, func(seq []float32, b, j int) (float32, bool) {
			v := seq[(b*T)*n+j]
			for s := 1; s < T; s++ {
				if seq[(b*T+s)*n+j] != v {
					return v, false
				}
			}
			return v, true
		}, func(int) float32 { return 1 }},
		{"recurrent_dropout", 1, 0, 0.3, func(seq []float32, b, j int) (float32, bool) {
			r := seq[(b*T+1)*n+j] - 1
			for s := 1; s < T; s++ {
				want := 1 + r*seq[(b*T+s-1)*n+j]
				if math.Abs(float64(seq[(b*T+s)*n+j]-want)) > 1e-4*float64(want) {
					return r, false
				}
			}
			return r, true
		}, func(s int) float32 { return float32(s + 1) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			net := identityRNN(t, T, n, c.rec, c.dropout, c.recDrop)
			keep := 1 - c.dropout - c.recDrop
			var prev []float32
			for step := 0; step < 3; step++ {
				res, err := net.TrainStep(ones, zeros, nil)
				if err != nil {
					t.Fatal(err)
				}
				var masks []float32
				kept := 0
				for b := 0; b < B; b++ {
					for j := 0; j < n; j++ {
						v, same := c.unitOf(res.YPred.Data(), b, j)
						if !same {
							t.Fatalf("step %d: sample %d unit %d: the mask changes across time steps", step, b, j)
						}
						switch {
						case v == 0:
						case math.Abs(float64(v)-1/keep) < 1e-5:
							kept++
						default:
							t.Fatalf("step %d: mask value %v, want 0 or 1/keep = %v", step, v, 1/keep)
						}
						masks = append(masks, v)
					}
				}
				if frac := float64(kept) / (B * n); math.Abs(frac-keep) > 0.1 {
					t.Errorf("step %d: kept %.3f of the units, want ≈ %.2f", step, frac, keep)
				}
				if prev != nil && slices.Equal(prev, masks) {
					t.Errorf("step %d drew the same masks as the step before", step)
				}
				prev = masks
			}
			p, err := net.Predict(ones)
			if err != nil {
				t.Fatal(err)
			}
			var sq float64
			for i, v := range p.Data() {
				s := (i / n) % T
				if v != c.inference(s) {
					t.Fatalf("Predict output[%d] = %v, want %v (no dropout)", i, v, c.inference(s))
				}
				sq += float64(v) * float64(v)
			}
			loss, _, err := net.TestStep(ones, zeros, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := sq / float64(len(p.Data())); math.Abs(float64(loss)-want) > 1e-5*want {
				t.Errorf("TestStep loss %v, without dropout %v", loss, want)
			}
		})
	}
}

// TestBidirectionalDropoutReference: each direction of a Bidirectional
// LSTM (dropout and recurrent_dropout) draws its own masks, as Keras's two
// separate cells do; with injected masks the merged training output matches
// the float64 re-derivation of both directions, and the gradients of both
// directions' weights match finite differences.
func TestBidirectionalDropoutReference(t *testing.T) {
	const B, T, F, u = 3, 3, 2, 2
	r := rand.New(rand.NewPCG(31, 32))
	cfg := rnnCfg(func(c *RNNConfig) { c.Dropout, c.RecurrentDropout, c.ReturnSequences = 0.4, 0.3, false })
	l := Bidirectional(LSTM(u, cfg), nil, "concat")
	fmF := &fixedMasks{r: rand.New(rand.NewPCG(1, 2))}
	fmB := &fixedMasks{r: rand.New(rand.NewPCG(3, 4))}
	l.fwd.maskHook, l.bwd.maskHook = fmF.hook, fmB.hook
	if err := l.Build([]int{T, F}); err != nil {
		t.Fatal(err)
	}
	var w [][]float32
	for _, v := range l.Variables() {
		d := v.Value.Data()
		for i := range d {
			d[i] = float32(r.Float64() - 0.5)
		}
		w = append(w, d)
	}
	lf, err := kernels.LossByName("mse")
	if err != nil {
		t.Fatal(err)
	}
	net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: []int{T, F}, Stages: []runtime.Stage{l},
		Variables: l.Variables(), Loss: lf})
	if err != nil {
		t.Fatal(err)
	}
	x, y := tensor.Zeros(B, T, F), tensor.Zeros(B, 2*u)
	for i := range x.Data() {
		x.Data()[i] = float32(r.NormFloat64())
	}
	for i := range y.Data() {
		y.Data()[i] = float32(r.NormFloat64())
	}
	res, err := net.TrainStep(x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	var last [2][]float64
	for d, c := range []struct {
		l  *RNNLayer
		fm *fixedMasks
		w  [][]float32
	}{{l.fwd, fmF, w[:3]}, {l.bwd, fmB, w[3:]}} {
		if len(c.fm.in) != 4 || len(c.fm.rec) != 4 {
			t.Fatalf("direction %d drew %d input and %d recurrent masks, want 4 and 4", d, len(c.fm.in), len(c.fm.rec))
		}
		mx, mh := make([][]float64, 4), make([][]float64, 4)
		for k := range mx {
			mx[k] = scaled(c.fm.in, c.fm.inKeep, k, B*F)
			mh[k] = scaled(c.fm.rec, c.fm.recKeep, k, B*u)
		}
		seq := refDropRNN(c.l, c.w, x.Data(), B, T, F, mx, mh, nil)
		last[d] = seq[T-1]
	}
	got := res.YPred.Data()
	for b := 0; b < B; b++ {
		for d := 0; d < 2; d++ {
			for j := 0; j < u; j++ {
				g, want := got[b*2*u+d*u+j], last[d][b*u+j]
				if math.Abs(float64(g)-want) > 1e-5+1e-5*math.Abs(want) {
					t.Errorf("sample %d direction %d unit %d: %.7g, float64 reference %.7g", b, d, j, g, want)
				}
			}
		}
	}
	checkDropGrads(t, net, res, x, y)
}

// TestRecurrentDropoutSeedConfig: an LSTM or GRU config's seed reaches the
// layer (its dropout masks then come from the generator of that seed) and
// is written back by Config; without one Config writes null.
func TestRecurrentDropoutSeedConfig(t *testing.T) {
	for _, c := range []struct {
		class string
		seed  any
	}{{"LSTM", 7.0}, {"GRU", 12.0}, {"LSTM", nil}} {
		cfg := map[string]any{"units": 2.0, "dropout": 0.2, "recurrent_dropout": 0.1, "seed": c.seed}
		l, err := FromConfig(loader.LayerConfig{ClassName: c.class, Name: "r", Config: cfg}, 3)
		if err != nil {
			t.Fatal(err)
		}
		rl := l.(*RNNLayer)
		got := rl.Config()["seed"]
		if c.seed == nil {
			if got != nil || rl.seed != nil {
				t.Errorf("%s without seed: Config seed %v, layer seed %v", c.class, got, rl.seed)
			}
			continue
		}
		if want := int64(c.seed.(float64)); rl.seed == nil || *rl.seed != want || got != want {
			t.Errorf("%s seed %v: layer seed %v, Config seed %v", c.class, c.seed, rl.seed, got)
		}
	}
}

// dropNet returns a network over x (3, 2): an identity Dense (kernel I,
// bias 0) whose gradient is that of the RNN's input, an optional Keras
// mask stage, then l (built, its weights set), under an MSE loss.
func dropNet(t *testing.T, l *RNNLayer, mask []float32) *runtime.Network {
	t.Helper()
	pre := Dense(2, WithName("pre"))
	if err := pre.Build([]int{3, 2}); err != nil {
		t.Fatal(err)
	}
	k := pre.Variables()[0].Value.Data()
	clear(k)
	k[0], k[3] = 1, 1
	stages := []runtime.Stage{pre, l}
	if mask != nil {
		stages = []runtime.Stage{pre, maskStage{mask}, l}
	}
	lf, err := kernels.LossByName("mse")
	if err != nil {
		t.Fatal(err)
	}
	n, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: []int{3, 2}, Stages: stages,
		Variables: append(pre.Variables(), l.Variables()...), Loss: lf})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
