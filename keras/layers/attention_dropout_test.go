package layers

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
)

// attnMasks is an attnDropout.maskHook that hands out one 0/1 mask drawn
// by a test generator and records it.
type attnMasks struct {
	r     *rand.Rand
	masks [][]float32
	shape []int
	keep  float64
}

func (f *attnMasks) hook(g *runtime.Graph, shape []int, keep float64) (*G.Node, error) {
	m := make([]float32, prod(shape))
	for i := range m {
		if f.r.Float64() < keep {
			m[i] = 1
		}
	}
	f.masks, f.shape, f.keep = append(f.masks, m), shape, keep
	return g.Constant(m, shape)
}

// softmax64 returns the softmax of s over the entries with keep[i] true.
func softmax64(s []float64, keep func(i int) bool) []float64 {
	mx := math.Inf(-1)
	for i, v := range s {
		if keep(i) && v > mx {
			mx = v
		}
	}
	p := make([]float64, len(s))
	var sum float64
	for i, v := range s {
		if keep(i) {
			p[i] = math.Exp(v - mx)
			sum += p[i]
		}
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}

// attnData is one batch of a reference case: query (B, T, Dq), value
// (B, S, Dv), key (B, S, Dk) and an optional Keras mask (B, S) of value.
type attnData struct {
	B, T, S    int
	q, v, k    []float32
	Dq, Dv, Dk int
	vMask      []float32
}

func (d *attnData) qa(b, t, i int) float64 { return float64(d.q[(b*d.T+t)*d.Dq+i]) }
func (d *attnData) va(b, s, i int) float64 { return float64(d.v[(b*d.S+s)*d.Dv+i]) }
func (d *attnData) ka(b, s, i int) float64 { return float64(d.k[(b*d.S+s)*d.Dk+i]) }
func (d *attnData) attends(b, t, s int, causal bool) bool {
	return (d.vMask == nil || d.vMask[b*d.S+s] != 0) && (!causal || s <= t)
}

// refMHA re-derives MultiHeadAttention's training forward pass in float64
// with the dropout mask m (B·N·T·S, Keras's (B, N, T, S) order) scaled by
// 1/keep: out (B, T, Dout).
func refMHA(l *MHALayer, d *attnData, m []float32, keep float64) []float64 {
	n, h, hv, dout := l.cfg.NumHeads, l.cfg.KeyDim, l.cfg.ValueDim, l.outShape[1]
	w := func(v *runtime.Variable, i int) float64 {
		if v == nil {
			return 0
		}
		return float64(v.Value.Data()[i])
	}
	proj := func(x func(s, i int) float64, steps, dim int, wk, bk *runtime.Variable, head, width int) [][]float64 {
		out := make([][]float64, steps)
		for s := range out {
			out[s] = make([]float64, width)
			for j := range out[s] {
				a := w(bk, head*width+j)
				for i := 0; i < dim; i++ {
					a += x(s, i) * w(wk, (i*n+head)*width+j)
				}
				out[s][j] = a
			}
		}
		return out
	}
	out := make([]float64, d.B*d.T*dout)
	for b := 0; b < d.B; b++ {
		for o := range dout {
			for t := 0; t < d.T; t++ {
				out[(b*d.T+t)*dout+o] = w(l.bo, o)
			}
		}
		for hd := 0; hd < n; hd++ {
			Q := proj(func(s, i int) float64 { return d.qa(b, s, i) }, d.T, d.Dq, l.wq, l.bq, hd, h)
			K := proj(func(s, i int) float64 { return d.ka(b, s, i) }, d.S, d.Dk, l.wk, l.bk, hd, h)
			V := proj(func(s, i int) float64 { return d.va(b, s, i) }, d.S, d.Dv, l.wv, l.bv, hd, hv)
			for t := 0; t < d.T; t++ {
				sc := make([]float64, d.S)
				for s := range sc {
					for i := 0; i < h; i++ {
						sc[s] += Q[t][i] * K[s][i] / math.Sqrt(float64(h))
					}
				}
				p := softmax64(sc, func(s int) bool { return d.attends(b, t, s, l.cfg.UseCausalMask) })
				for s := range p {
					p[s] *= float64(m[((b*n+hd)*d.T+t)*d.S+s]) / keep
				}
				for j := 0; j < hv; j++ {
					var oj float64
					for s := range p {
						oj += p[s] * V[s][j]
					}
					for o := 0; o < dout; o++ {
						out[(b*d.T+t)*dout+o] += oj * w(l.wo, (hd*hv+j)*dout+o)
					}
				}
			}
		}
	}
	return out
}

// refLuong re-derives Attention / AdditiveAttention's training forward pass
// in float64 with the dropout mask m (B·T·S) scaled by 1/keep: out
// (B, T, Dv).
func refLuong(l *AttentionLayer, d *attnData, m []float32, keep float64) []float64 {
	val := func(v *runtime.Variable, i int) float64 { return float64(v.Value.Data()[i]) }
	out := make([]float64, d.B*d.T*d.Dv)
	for b := 0; b < d.B; b++ {
		for t := 0; t < d.T; t++ {
			sc := make([]float64, d.S)
			for s := range sc {
				for i := 0; i < d.Dq; i++ {
					q, k := d.qa(b, t, i), d.ka(b, s, i)
					switch {
					case l.additive && l.scale != nil:
						sc[s] += val(l.scale, i) * math.Tanh(q+k)
					case l.additive:
						sc[s] += math.Tanh(q + k)
					case l.scoreMode == "concat" && l.scale != nil:
						sc[s] += math.Tanh(val(l.scale, 0) * (q + k))
					case l.scoreMode == "concat":
						sc[s] += math.Tanh(q + k)
					default:
						sc[s] += q * k
					}
				}
				switch {
				case !l.additive && l.scoreMode == "concat":
					sc[s] *= val(l.concatW, 0)
				case !l.additive && l.scale != nil:
					sc[s] *= val(l.scale, 0)
				}
			}
			p := softmax64(sc, func(s int) bool { return d.attends(b, t, s, false) })
			for s := range p {
				p[s] *= float64(m[(b*d.T+t)*d.S+s]) / keep
			}
			for j := 0; j < d.Dv; j++ {
				for s := range p {
					out[(b*d.T+t)*d.Dv+j] += p[s] * d.va(b, s, j)
				}
			}
		}
	}
	return out
}

// attnDropCase is one configuration of TestAttentionDropoutReference.
type attnDropCase struct {
	name     string
	l        MultiLayer
	drop     *attnDropout
	self     bool // call on [x, x]; else [query, value, key]
	T, S     int
	Dq, Dv   int
	Dk       int
	valMask  bool
	maskRank int // the rank of the mask: 3 (B·N, T, S) or (B, T, S)
}

func attnDropCases() []attnDropCase {
	mha := func(c MHAConfig) *MHALayer { return MultiHeadAttention(c, WithName("mha")) }
	cases := []attnDropCase{
		{name: "mha self", l: mha(MHAConfig{NumHeads: 2, KeyDim: 2, ValueDim: 3, UseBias: true, Dropout: 0.3}), self: true, T: 3, S: 3, Dq: 4, Dv: 4, Dk: 4},
		{name: "mha self causal", l: mha(MHAConfig{NumHeads: 2, KeyDim: 3, UseBias: true, UseCausalMask: true, OutputDim: 2, Dropout: 0.4}), self: true, T: 3, S: 3, Dq: 4, Dv: 4, Dk: 4},
		{name: "mha cross with key", l: mha(MHAConfig{NumHeads: 2, KeyDim: 2, UseBias: true, Dropout: 0.3}), T: 3, S: 4, Dq: 4, Dv: 3, Dk: 5},
		{name: "mha cross value mask no bias", l: mha(MHAConfig{NumHeads: 1, KeyDim: 2, ValueDim: 2, Dropout: 0.5}), T: 2, S: 4, Dq: 3, Dv: 3, Dk: 3, valMask: true},
		{name: "attention dot scale", l: Attention(true, "dot", 0.3, WithName("att")), T: 3, S: 4, Dq: 3, Dv: 2, Dk: 3},
		{name: "attention dot value mask", l: Attention(false, "dot", 0.4, WithName("att")), T: 3, S: 4, Dq: 3, Dv: 2, Dk: 3, valMask: true},
		{name: "attention concat scale", l: Attention(true, "concat", 0.3, WithName("att")), T: 3, S: 4, Dq: 3, Dv: 2, Dk: 3},
		{name: "additive scale", l: AdditiveAttention(true, 0.3, WithName("add")), T: 3, S: 4, Dq: 3, Dv: 2, Dk: 3},
		{name: "additive self no scale", l: AdditiveAttention(false, 0.5, WithName("add")), self: true, T: 3, S: 3, Dq: 3, Dv: 3, Dk: 3},
	}
	for i := range cases {
		switch l := cases[i].l.(type) {
		case *MHALayer:
			cases[i].drop = &l.drop
		case *AttentionLayer:
			cases[i].drop = &l.drop
		}
	}
	return cases
}

// attnDropNet returns a training network calling c.l on its inputs
// (query only for self-attention, else query, value and key), with the
// Keras mask vMask (B, S) on value when given, under an MSE loss.
func attnDropNet(t *testing.T, c attnDropCase, vMask []float32, B int) *runtime.Network {
	t.Helper()
	mse, err := kernels.LossByName("mse")
	if err != nil {
		t.Fatal(err)
	}
	shapes := [][]int{{c.T, c.Dq}, {c.S, c.Dv}, {c.S, c.Dk}}
	if c.self {
		shapes = shapes[:1]
	}
	build := shapes
	if c.self {
		build = [][]int{shapes[0], shapes[0]}
	}
	if err := c.l.BuildMulti(build); err != nil {
		t.Fatal(err)
	}
	fwd := func(g *runtime.Graph, xs []*G.Node) ([]*G.Node, error) {
		if c.self {
			xs = []*G.Node{xs[0], xs[0]}
		}
		if vMask != nil { // the network also compiles for a batch of 1
			nb := xs[1].Shape()[0]
			m, err := g.Constant(vMask[:nb*c.S], []int{nb, c.S})
			if err != nil {
				return nil, err
			}
			g.SetMask(xs[1], m)
		}
		return c.l.EmitMulti(g, xs, g.Training())
	}
	net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShapes: shapes, Forward: fwd, Loss: mse, Variables: c.l.Variables(), Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func randTensor(r *rand.Rand, shape ...int) *tensor.Tensor {
	x := tensor.Zeros(shape...)
	for i := range x.Data() {
		x.Data()[i] = float32(r.NormFloat64())
	}
	return x
}

// TestAttentionDropoutReference injects a fixed attention-dropout mask
// (the maskHook test hook) and checks, for MultiHeadAttention (self,
// causal, cross with a key, with a value mask) and Attention (dot, concat)
// and AdditiveAttention: the training forward pass (TrainStep's
// predictions) against a float64 re-derivation with Keras 3's placement
// (dropout on the softmax probabilities, before the product with value),
// and every variable's gradient against central finite differences of the
// training loss under the same mask.
func TestAttentionDropoutReference(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	const B = 2
	for _, c := range attnDropCases() {
		t.Run(c.name, func(t *testing.T) {
			fm := &attnMasks{r: rand.New(rand.NewPCG(uint64(len(c.name)), 9))}
			c.drop.maskHook = fm.hook
			var vMask []float32
			if c.valMask {
				vMask = []float32{1, 0, 1, 1, 0, 1, 1, 0}[:B*c.S]
			}
			net := attnDropNet(t, c, vMask, B)
			for _, v := range c.l.Variables() {
				for i := range v.Value.Data() {
					v.Value.Data()[i] = float32(r.Float64() - 0.5)
				}
			}
			d := &attnData{B: B, T: c.T, S: c.S, Dq: c.Dq, Dv: c.Dv, Dk: c.Dk, vMask: vMask}
			xs := []*tensor.Tensor{randTensor(r, B, c.T, c.Dq)}
			if c.self {
				d.q, d.v, d.k = xs[0].Data(), xs[0].Data(), xs[0].Data()
			} else {
				xs = append(xs, randTensor(r, B, c.S, c.Dv), randTensor(r, B, c.S, c.Dk))
				d.q, d.v, d.k = xs[0].Data(), xs[1].Data(), xs[2].Data()
			}
			ys := []*tensor.Tensor{randTensor(r, append([]int{B}, c.l.OutputShape()...)...)}
			res, err := net.TrainStepN(xs, ys, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(fm.masks) != 1 {
				t.Fatalf("drew %d masks, want 1", len(fm.masks))
			}
			var want []float64
			switch l := c.l.(type) {
			case *MHALayer:
				if !slices.Equal(fm.shape, []int{B * l.cfg.NumHeads, c.T, c.S}) {
					t.Fatalf("mask shape %v, want (B·heads, T, S)", fm.shape)
				}
				want = refMHA(l, d, fm.masks[0], fm.keep)
			case *AttentionLayer:
				if !slices.Equal(fm.shape, []int{B, c.T, c.S}) {
					t.Fatalf("mask shape %v, want (B, Tq, Tv)", fm.shape)
				}
				want = refLuong(l, d, fm.masks[0], fm.keep)
			}
			if math.Abs(fm.keep-(1-c.drop.rate)) > 1e-12 {
				t.Fatalf("keep %v for rate %v", fm.keep, c.drop.rate)
			}
			got := res.YPreds[0].Data()
			if len(got) != len(want) {
				t.Fatalf("output has %d values, reference %d", len(got), len(want))
			}
			for i, v := range got {
				if math.Abs(float64(v)-want[i]) > 1e-5+1e-5*math.Abs(want[i]) {
					t.Errorf("output[%d] = %.7g, float64 reference %.7g", i, v, want[i])
				}
			}
			checkAttnDropGrads(t, net, res, xs, ys)
		})
	}
}

func checkAttnDropGrads(t *testing.T, net *runtime.Network, res *runtime.StepResult, xs, ys []*tensor.Tensor) {
	t.Helper()
	grads := make([][]float32, len(res.Grads))
	for i, g := range res.Grads {
		grads[i] = append([]float32(nil), g...)
	}
	loss := func() float64 {
		r, err := net.TrainStepN(xs, ys, nil)
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

// TestAttentionDropoutMasksDrawn checks the masks the network really draws
// (no test hook), seen through layers whose attention is uniform (query
// projection or query zero, so every score is 0) and whose values are the
// identity, so that the output is the dropped-out attention distribution
// itself: each entry is 0 or 1/(S·keep), ≈ keep of them kept; the masks
// differ between training steps; Predict and TestStep apply none.
func TestAttentionDropoutMasksDrawn(t *testing.T) {
	const B, S, N = 16, 8, 2
	const rate = 0.3
	// MultiHeadAttention self-attention on x = I (S×S): wq = 0, value
	// kernel the identity for every head, output kernel placing head n's
	// value j at n·S+j.
	mha := MultiHeadAttention(MHAConfig{NumHeads: N, KeyDim: 2, ValueDim: S, OutputDim: N * S, Dropout: rate})
	if err := mha.BuildMulti([][]int{{S, S}, {S, S}}); err != nil {
		t.Fatal(err)
	}
	for _, v := range mha.Variables() {
		clear(v.Value.Data())
	}
	for n := 0; n < N; n++ {
		for j := 0; j < S; j++ {
			mha.wv.Value.Data()[(j*N+n)*S+j] = 1
			mha.wo.Value.Data()[(n*S+j)*N*S+n*S+j] = 1
		}
	}
	// Attention on query 0 (scores 0), value = key = I.
	att := Attention(false, "dot", rate)
	if err := att.BuildMulti([][]int{{S, S}, {S, S}, {S, S}}); err != nil {
		t.Fatal(err)
	}
	mse, err := kernels.LossByName("mse")
	if err != nil {
		t.Fatal(err)
	}
	eye := tensor.Zeros(B, S, S)
	for b := 0; b < B; b++ {
		for i := 0; i < S; i++ {
			eye.Data()[(b*S+i)*S+i] = 1
		}
	}
	for _, c := range []struct {
		name string
		l    MultiLayer
		xs   []*tensor.Tensor
	}{
		{"mha", mha, []*tensor.Tensor{eye, eye}},
		{"attention", att, []*tensor.Tensor{tensor.Zeros(B, S, S), eye, eye}},
	} {
		t.Run(c.name, func(t *testing.T) {
			shapes := make([][]int, len(c.xs))
			for i := range shapes {
				shapes[i] = []int{S, S}
			}
			fwd := func(g *runtime.Graph, xs []*G.Node) ([]*G.Node, error) { return c.l.EmitMulti(g, xs, g.Training()) }
			net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShapes: shapes, Forward: fwd, Loss: mse, Variables: c.l.Variables(), Seed: 8})
			if err != nil {
				t.Fatal(err)
			}
			ys := []*tensor.Tensor{tensor.Zeros(append([]int{B}, c.l.OutputShape()...)...)}
			keep := 1 - rate
			var prev []float32
			for step := 0; step < 3; step++ {
				res, err := net.TrainStepN(c.xs, ys, nil)
				if err != nil {
					t.Fatal(err)
				}
				out := res.YPreds[0].Data()
				kept := 0
				for i, v := range out {
					switch {
					case v == 0:
					case math.Abs(float64(v)-1/(S*keep)) < 1e-6:
						kept++
					default:
						t.Fatalf("step %d: output[%d] = %v, want 0 or 1/(S·keep) = %v", step, i, v, 1/(S*keep))
					}
				}
				if frac := float64(kept) / float64(len(out)); math.Abs(frac-keep) > 0.06 {
					t.Errorf("step %d: kept %.3f of the attention weights, want ≈ %.2f", step, frac, keep)
				}
				if prev != nil && slices.Equal(prev, out) {
					t.Errorf("step %d drew the same mask as the step before", step)
				}
				prev = append(prev[:0], out...)
			}
			p, err := net.PredictN(c.xs)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range p[0].Data() {
				if math.Abs(float64(v)-1.0/S) > 1e-7 {
					t.Fatalf("Predict output[%d] = %v, want 1/S = %v (no dropout)", i, v, 1.0/S)
				}
			}
			res, err := net.TestStepN(c.xs, ys, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := 1.0 / (S * S); math.Abs(float64(res.Loss)-want) > 1e-6 {
				t.Errorf("TestStep loss %v, without dropout %v", res.Loss, want)
			}
		})
	}
}

// TestAttentionDropoutSeedConfig: the seed config key of
// MultiHeadAttention, Attention and AdditiveAttention is read and written
// back (nil without one).
func TestAttentionDropoutSeedConfig(t *testing.T) {
	for _, c := range []struct {
		class string
		cfg   map[string]any
	}{
		{"MultiHeadAttention", map[string]any{"num_heads": 2.0, "key_dim": 3.0, "dropout": 0.1, "seed": 7.0}},
		{"MultiHeadAttention", map[string]any{"num_heads": 2.0, "key_dim": 3.0, "dropout": 0.1, "seed": nil}},
		{"Attention", map[string]any{"dropout": 0.2, "seed": 12.0}},
		{"AdditiveAttention", map[string]any{"dropout": 0.2, "seed": 3.0}},
		{"Attention", map[string]any{"dropout": 0.2}},
	} {
		l, err := FromConfig(loader.LayerConfig{ClassName: c.class, Name: "a", Config: c.cfg}, 3)
		if err != nil {
			t.Fatal(err)
		}
		var d *attnDropout
		switch l := l.(type) {
		case *MHALayer:
			d = &l.drop
		case *AttentionLayer:
			d = &l.drop
		}
		got := l.Config()["seed"]
		if c.cfg["seed"] == nil {
			if got != nil || d.seed != nil {
				t.Errorf("%s without seed: Config seed %v, layer seed %v", c.class, got, d.seed)
			}
			continue
		}
		if want := int64(c.cfg["seed"].(float64)); d.seed == nil || *d.seed != want || got != want {
			t.Errorf("%s seed %v: layer seed %v, Config seed %v", c.class, c.cfg["seed"], d.seed, got)
		}
	}
}
