package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// lstmCase is one configuration of the fused LSTM under test.
type lstmCase struct {
	name        string
	b, t, f, u  int
	act, recAct string
	bias, mask  bool
	simple      bool      // SimpleRNN instead of LSTM
	gru         bool      // GRU (reset_after) instead of LSTM
	p           RNNParams // activations filled in from act, recAct
}

// gates is 1 for SimpleRNN, 4 for LSTM.
func (c lstmCase) gates() int {
	switch {
	case c.simple:
		return 1
	case c.gru:
		return 3
	}
	return 4
}

var lstmCases = []lstmCase{
	{name: "last", b: 3, t: 5, f: 4, u: 5, act: "tanh", recAct: "sigmoid", bias: true},
	{name: "sequences", b: 3, t: 5, f: 4, u: 5, act: "tanh", recAct: "sigmoid", bias: true, p: RNNParams{ReturnSequences: true}},
	{name: "backwards", b: 2, t: 4, f: 3, u: 6, act: "tanh", recAct: "sigmoid", bias: true, p: RNNParams{GoBackwards: true, ReturnSequences: true}},
	{name: "backwards_reversed", b: 2, t: 4, f: 3, u: 6, act: "tanh", recAct: "sigmoid", bias: true, p: RNNParams{GoBackwards: true, ReturnSequences: true, Reverse: true}},
	{name: "backwards_last", b: 2, t: 4, f: 3, u: 6, act: "tanh", recAct: "sigmoid", bias: true, p: RNNParams{GoBackwards: true}},
	{name: "mask_last", b: 4, t: 5, f: 3, u: 4, act: "tanh", recAct: "sigmoid", bias: true, mask: true},
	{name: "mask_sequences", b: 4, t: 5, f: 3, u: 4, act: "tanh", recAct: "sigmoid", bias: true, mask: true, p: RNNParams{ReturnSequences: true}},
	{name: "mask_zero_output_backwards", b: 4, t: 5, f: 3, u: 4, act: "tanh", recAct: "sigmoid", bias: true, mask: true,
		p: RNNParams{ReturnSequences: true, ZeroOutputForMask: true, GoBackwards: true, Reverse: true}},
	{name: "mask_zero_output_last", b: 4, t: 5, f: 3, u: 4, act: "tanh", recAct: "sigmoid", bias: true, mask: true, p: RNNParams{ZeroOutputForMask: true}},
	{name: "state", b: 3, t: 4, f: 2, u: 3, act: "tanh", recAct: "sigmoid", bias: true, p: RNNParams{ReturnState: true}},
	{name: "state_sequences_mask_backwards", b: 3, t: 4, f: 2, u: 3, act: "tanh", recAct: "sigmoid", bias: true, mask: true,
		p: RNNParams{ReturnState: true, ReturnSequences: true, GoBackwards: true}},
	{name: "no_bias", b: 2, t: 3, f: 3, u: 4, act: "tanh", recAct: "sigmoid", p: RNNParams{ReturnSequences: true}},
	{name: "B1_T1", b: 1, t: 1, f: 3, u: 4, act: "tanh", recAct: "sigmoid", bias: true, p: RNNParams{ReturnState: true}},
	{name: "B1", b: 1, t: 6, f: 2, u: 3, act: "tanh", recAct: "sigmoid", bias: true},
	{name: "units17", b: 5, t: 6, f: 7, u: 17, act: "tanh", recAct: "sigmoid", bias: true, p: RNNParams{ReturnSequences: true}},
	{name: "relu_hard_sigmoid", b: 3, t: 4, f: 3, u: 5, act: "relu", recAct: "hard_sigmoid", bias: true, mask: true, p: RNNParams{ReturnSequences: true}},
	{name: "linear", b: 2, t: 3, f: 2, u: 3, act: "linear", recAct: "linear", bias: true},
	{name: "softsign_sigmoid", b: 2, t: 4, f: 2, u: 3, act: "softsign", recAct: "sigmoid", bias: true, p: RNNParams{ReturnSequences: true}},
	{name: "simple_last", b: 3, t: 5, f: 4, u: 5, act: "tanh", bias: true, simple: true},
	{name: "simple_sequences_mask_backwards", b: 4, t: 5, f: 3, u: 4, act: "tanh", bias: true, mask: true, simple: true,
		p: RNNParams{ReturnSequences: true, GoBackwards: true}},
	{name: "simple_state_zero_output", b: 4, t: 5, f: 3, u: 4, act: "tanh", bias: true, mask: true, simple: true,
		p: RNNParams{ReturnSequences: true, ReturnState: true, ZeroOutputForMask: true, Reverse: true}},
	{name: "simple_relu_no_bias_B1_T1", b: 1, t: 1, f: 3, u: 17, act: "relu", simple: true, p: RNNParams{ReturnState: true}},
	{name: "simple_units17", b: 6, t: 7, f: 5, u: 17, act: "sigmoid", bias: true, simple: true, p: RNNParams{ReturnSequences: true}},
	{name: "gru_last", b: 3, t: 5, f: 4, u: 5, act: "tanh", recAct: "sigmoid", bias: true, gru: true, p: RNNParams{ResetAfter: true}},
	{name: "gru_sequences_mask_backwards", b: 4, t: 5, f: 3, u: 4, act: "tanh", recAct: "sigmoid", bias: true, mask: true, gru: true,
		p: RNNParams{ResetAfter: true, ReturnSequences: true, GoBackwards: true}},
	{name: "gru_state_zero_output", b: 4, t: 5, f: 3, u: 4, act: "tanh", recAct: "sigmoid", bias: true, mask: true, gru: true,
		p: RNNParams{ResetAfter: true, ReturnSequences: true, ReturnState: true, ZeroOutputForMask: true, Reverse: true}},
	{name: "gru_no_bias_B1_T1", b: 1, t: 1, f: 3, u: 4, act: "tanh", recAct: "sigmoid", gru: true, p: RNNParams{ResetAfter: true, ReturnState: true}},
	{name: "gru_units17_hard_sigmoid_relu", b: 6, t: 7, f: 5, u: 17, act: "relu", recAct: "hard_sigmoid", bias: true, gru: true, p: RNNParams{ResetAfter: true, ReturnSequences: true}},
	{name: "gru_before_last", b: 3, t: 5, f: 4, u: 5, act: "tanh", recAct: "sigmoid", bias: true, gru: true},
	{name: "gru_before_sequences_mask_backwards", b: 5, t: 5, f: 3, u: 4, act: "tanh", recAct: "sigmoid", bias: true, mask: true, gru: true,
		p: RNNParams{ReturnSequences: true, GoBackwards: true}},
	{name: "gru_before_state_zero_output_no_bias", b: 4, t: 5, f: 3, u: 4, act: "tanh", recAct: "sigmoid", mask: true, gru: true,
		p: RNNParams{ReturnSequences: true, ReturnState: true, ZeroOutputForMask: true, Reverse: true}},
	{name: "gru_before_units17_B1_T1", b: 1, t: 1, f: 3, u: 17, act: "softsign", recAct: "hard_sigmoid", bias: true, gru: true, p: RNNParams{ReturnState: true}},
	{name: "gru_before_B6", b: 6, t: 6, f: 7, u: 9, act: "tanh", recAct: "sigmoid", bias: true, gru: true, mask: true, p: RNNParams{ReturnSequences: true}},
	{name: "gru_B5", b: 5, t: 6, f: 7, u: 9, act: "tanh", recAct: "sigmoid", bias: true, gru: true, mask: true, p: RNNParams{ResetAfter: true}},
}

// act64 is the float64 activation of a reference.
func act64(name string) func(float64) float64 {
	switch name {
	case "sigmoid":
		return func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	case "tanh":
		return math.Tanh
	case "relu":
		return func(x float64) float64 { return math.Max(x, 0) }
	case "hard_sigmoid":
		return func(x float64) float64 { return math.Min(math.Max(x+3, 0), 6) / 6 }
	case "softsign":
		return func(x float64) float64 { return x / (1 + math.Abs(x)) }
	}
	return func(x float64) float64 { return x }
}

// lstmRef re-derives the fused LSTM in float64 step by step from Keras's
// definition: in = (x, W, U[, b][, mask]); the result is, per sample, the
// output (sequence or last step) followed by h and c with ReturnState.
func lstmRef(c lstmCase, in [][]float64) []float64 {
	B, T, F, u := c.b, c.t, c.f, c.u
	x, w, rk := in[0], in[1], in[2]
	var bias, mask []float64
	k := 3
	if c.bias {
		bias = in[k]
		k++
	}
	if c.mask {
		mask = in[k]
	}
	f, rf := act64(c.act), act64(c.recAct)
	var res []float64
	for b := 0; b < B; b++ {
		h, cs := make([]float64, u), make([]float64, u)
		seq := make([][]float64, T)
		for s := 0; s < T; s++ {
			t := s
			if c.p.GoBackwards {
				t = T - 1 - s
			}
			if mask != nil && mask[b*T+t] == 0 {
				seq[s] = append([]float64(nil), h...)
				if c.p.ZeroOutputForMask {
					seq[s] = make([]float64, u)
				}
				continue
			}
			G := c.gates()
			if c.gru {
				gruRefStep(c, x[(b*T+t)*F:(b*T+t)*F+F], h, w, rk, bias)
				seq[s] = append([]float64(nil), h...)
				continue
			}
			z := make([]float64, G*u)
			for j := range z {
				for p := 0; p < F; p++ {
					z[j] += x[(b*T+t)*F+p] * w[p*G*u+j]
				}
				for p := 0; p < u; p++ {
					z[j] += h[p] * rk[p*G*u+j]
				}
				if bias != nil {
					z[j] += bias[j]
				}
			}
			for j := 0; c.simple && j < u; j++ {
				h[j] = f(z[j])
			}
			for j := 0; !c.simple && j < u; j++ {
				ig, fg, cg, og := rf(z[j]), rf(z[u+j]), f(z[2*u+j]), rf(z[3*u+j])
				cs[j] = fg*cs[j] + ig*cg
				h[j] = og * f(cs[j])
			}
			seq[s] = append([]float64(nil), h...)
		}
		if c.p.ReturnSequences {
			for s := 0; s < T; s++ {
				pos := s
				if c.p.Reverse {
					pos = T - 1 - s
				}
				res = append(res, seq[pos]...)
			}
		} else {
			res = append(res, seq[T-1]...)
		}
		if c.p.ReturnState {
			res = append(res, h...)
			if !c.simple && !c.gru {
				res = append(res, cs...)
			}
		}
	}
	return res
}

// gruRefStep advances h by one step of Keras's GRUCell: with reset_after
// bias rows input, recurrent and r⊙(h·U_h); without, one bias row and
// (r⊙h)·U_h.
func gruRefStep(c lstmCase, xt, h, w, rk, bias []float64) {
	u, gu := c.u, 3*c.u
	xp, rp := make([]float64, gu), make([]float64, gu)
	for j := 0; j < gu; j++ {
		for p, v := range xt {
			xp[j] += v * w[p*gu+j]
		}
		for p := 0; p < u; p++ {
			rp[j] += h[p] * rk[p*gu+j]
		}
		if bias != nil {
			xp[j] += bias[j]
			if c.p.ResetAfter {
				rp[j] += bias[gu+j]
			}
		}
	}
	f, rf := act64(c.act), act64(c.recAct)
	z, r := make([]float64, u), make([]float64, u)
	for j := 0; j < u; j++ {
		z[j], r[j] = rf(xp[j]+rp[j]), rf(xp[u+j]+rp[u+j])
	}
	rh := make([]float64, u) // the recurrent part of ĥ's pre-activation
	for j := 0; j < u; j++ {
		if c.p.ResetAfter {
			rh[j] = r[j] * rp[2*u+j]
			continue
		}
		for p := 0; p < u; p++ {
			rh[j] += r[p] * h[p] * rk[p*gu+2*u+j]
		}
	}
	for j := 0; j < u; j++ {
		h[j] = z[j]*h[j] + (1-z[j])*f(xp[2*u+j]+rh[j])
	}
}

// emitLSTM applies the case's fused LSTM to ins and concatenates its
// outputs per sample as lstmRef does.
func emitLSTM(t *testing.T, c lstmCase, g *Graph, ins []*G.Node) (*G.Node, error) {
	p := c.p
	var err error
	if p.Act, err = ActivationByName(c.act, 3); err != nil {
		t.Fatal(err)
	}
	if !c.simple {
		if p.RecAct, err = ActivationByName(c.recAct, 3); err != nil {
			t.Fatal(err)
		}
	}
	var bias, mask *G.Node
	k := 3
	if c.bias {
		bias = ins[k]
		k++
	}
	if c.mask {
		mask = ins[k]
	}
	emit := g.LSTM
	switch {
	case c.simple:
		emit = g.SimpleRNN
	case c.gru:
		emit = g.GRU
	}
	outs, err := emit(ins[0], ins[1], ins[2], bias, mask, p)
	if err != nil {
		return nil, err
	}
	if !p.ReturnState {
		return outs[0], nil
	}
	out := outs[0]
	if p.ReturnSequences {
		if out, err = G.Reshape(out, gt.Shape{c.b, c.t * c.u}); err != nil {
			return nil, err
		}
	}
	return g.Concat(-1, append([]*G.Node{out}, outs[1:]...)...)
}

// TestFusedLSTM checks the fused LSTM's (and SimpleRNN's) forward pass against a float64
// re-derivation, the executor against gorgonia's TapeMachine (the ops' Do
// path), and the gradients with respect to x, the kernels and the bias
// against central finite differences of the float64 reference.
// Every case runs with the Go gate loops and each assembly version the CPU
// has (AVX2, AVX-512).
func TestFusedLSTM(t *testing.T) {
	for i, c := range lstmCases {
		for _, impl := range gateImpls() {
			c := c
			c.p.impl, c.p.forceImpl = impl, true
			name := c.name + "/" + impl.String()
			t.Run(name, func(t *testing.T) { testFusedLSTM(t, i, c) })
		}
	}
}

func testFusedLSTM(t *testing.T, i int, c lstmCase) {
	{
		{
			r := rand.New(rand.NewPCG(uint64(i), 11))
			gu := c.gates() * c.u
			shapes := [][]int{{c.b, c.t, c.f}, {c.f, gu}, {c.u, gu}}
			data := [][]float32{randF32(r, c.b*c.t*c.f), scaled(randF32(r, c.f*gu), 0.8), scaled(randF32(r, c.u*gu), 0.8)}
			if c.bias {
				if c.gru && c.p.ResetAfter {
					shapes = append(shapes, []int{2, gu})
					data = append(data, scaled(randF32(r, 2*gu), 0.5))
				} else {
					shapes = append(shapes, []int{gu})
					data = append(data, scaled(randF32(r, gu), 0.5))
				}
			}
			wrt := len(shapes)
			if c.mask {
				shapes = append(shapes, []int{c.b, c.t})
				m := make([]float32, c.b*c.t)
				for k := range m {
					if r.IntN(3) > 0 {
						m[k] = 1
					}
				}
				for k := 0; k < c.t; k++ { // one sample entirely masked
					m[k] = 0
				}
				m[c.t] = 1 // and one that starts unmasked
				data = append(data, m)
			}
			var cw []float32
			run := runOpGraphWRT(t, shapes, data, func(s []int) []float32 {
				cw = randF32(r, prod(s))
				return cw
			}, wrt, func(g *Graph, ins []*G.Node) (*G.Node, error) { return emitLSTM(t, c, g, ins) })
			checkOpRun(t, run, data, cw, func(in [][]float64) []float64 { return lstmRef(c, in) })
		}
	}
}

func scaled(d []float32, s float32) []float32 {
	for i := range d {
		d[i] *= s
	}
	return d
}

// TestFastGates compares the fused LSTM's float32 sigmoid and tanh with
// float64 math over a dense grid, the saturated tails and NaN.
func TestFastGates(t *testing.T) {
	fns := []struct {
		name string
		f    func(float32) float32
		ref  func(float64) float64
	}{
		{"exp", exp32, math.Exp},
		{"sigmoid", sigmoid32Fast, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
		{"tanh", tanh32, math.Tanh},
	}
	for _, fn := range fns {
		t.Run(fn.name, func(t *testing.T) {
			worst := 0.0
			for x := -100.0; x <= 100; x += 0.00731 {
				if fn.name == "exp" && (x > 88 || x < -87) {
					continue
				}
				x32 := float32(x)
				got, want := float64(fn.f(x32)), fn.ref(float64(x32))
				// relative error in units of float32 epsilon, with an
				// absolute floor for results near 0
				e := math.Abs(got-want) / math.Max(math.Abs(want), 1e-30)
				if fn.name != "exp" {
					e = math.Abs(got-want) / math.Max(math.Abs(want), 1e-7)
				}
				worst = max(worst, e)
			}
			if worst > 4e-7 {
				t.Errorf("worst relative error %g, want ≤ 4e-7 (a few float32 ulp)", worst)
			}
			if v := fn.f(float32(math.NaN())); v == v {
				t.Errorf("NaN in: got %v", v)
			}
		})
	}
	for _, impl := range gateImpls()[1:] {
		t.Run(impl.String(), func(t *testing.T) { testVectorGates(t, impl) })
	}
	for _, c := range []struct {
		x, want float32
		f       func(float32) float32
	}{
		{200, float32(math.Inf(1)), exp32}, {-200, 0, exp32},
		{200, 1, sigmoid32Fast}, {-200, 0, sigmoid32Fast},
		{200, 1, tanh32}, {-200, -1, tanh32}, {0, 0, tanh32},
	} {
		if got := c.f(c.x); got != c.want {
			t.Errorf("f(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}

// TestFusedLSTMGateFns checks that the fused op takes the fast gate paths
// for sigmoid and tanh and the activations' own functions otherwise.
func TestFusedLSTMGateFns(t *testing.T) {
	for _, c := range []struct {
		name string
		want gateFn
	}{{"sigmoid", gateSigmoid}, {"tanh", gateTanh}, {"linear", gateLinear}, {"hard_sigmoid", gateGeneric}, {"relu", gateGeneric}} {
		a, err := ActivationByName(c.name, 3)
		if err != nil {
			t.Fatal(err)
		}
		if got := gateFnOf(a); got != c.want {
			t.Errorf("%s: gate path %d, want %d", c.name, got, c.want)
		}
	}
	soft, err := AxisActivation("softmax", -1)
	if err != nil {
		t.Fatal(err)
	}
	tanh, _ := ActivationByName("tanh", 3)
	if RNNFusable(soft, tanh) || RNNFusable(tanh, soft) || !RNNFusable(tanh, tanh) {
		t.Error("RNNFusable must refuse axis-wise activations and accept elementwise ones")
	}
}

// testVectorGates checks impl's sigmoid and tanh against float64 math
// at every length up to 40 (full vectors and masked tails) and over a
// dense grid including the saturated tails, ±0, ±Inf and NaN.
func testVectorGates(t *testing.T, impl gateImpl) {
	ref := map[string]func(float64) float64{
		"sigmoid": func(x float64) float64 { return 1 / (1 + math.Exp(-x)) },
		"tanh":    math.Tanh,
	}
	vec := map[string]func(y, x []float32){
		"sigmoid": func(y, x []float32) { gateForward(gateSigmoid, nil, impl, y, x) },
		"tanh":    func(y, x []float32) { gateForward(gateTanh, nil, impl, y, x) },
	}
	var grid []float32
	for x := -100.0; x <= 100; x += 0.00731 {
		grid = append(grid, float32(x))
	}
	grid = append(grid, 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), 1e-30, -1e-30, 0.625, -0.625)
	for name, f := range vec {
		for n := 0; n <= 40; n++ {
			x := grid[1000 : 1000+n]
			y := make([]float32, n+1)
			y[n] = 42
			f(y, x)
			if y[n] != 42 {
				t.Fatalf("%s at length %d writes past the end", name, n)
			}
		}
		y := make([]float32, len(grid))
		f(y, grid)
		worst := 0.0
		for i, x := range grid {
			want := ref[name](float64(x))
			worst = max(worst, math.Abs(float64(y[i])-want)/math.Max(math.Abs(want), 1e-7))
		}
		if worst > 4e-7 {
			t.Errorf("%s: worst relative error %g, want ≤ 4e-7", name, worst)
		}
		nan := []float32{float32(math.NaN())}
		f(nan, nan)
		if nan[0] == nan[0] {
			t.Errorf("%s(NaN) = %v", name, nan[0])
		}
	}
}

// TestFusedRNNRejects: operands of the wrong shape and activations the
// fused ops cannot run are errors, not panics.
func TestFusedRNNRejects(t *testing.T) {
	tanh, _ := ActivationByName("tanh", 3)
	sig, _ := ActivationByName("sigmoid", 3)
	soft, err := AxisActivation("softmax", -1)
	if err != nil {
		t.Fatal(err)
	}
	ok := RNNParams{Act: tanh, RecAct: sig}
	for _, c := range []struct {
		name          string
		x, k, r, b, m []int
		p             RNNParams
		emit          func(g *Graph) func(x, k, r, b, m *G.Node, p RNNParams) ([]*G.Node, error)
	}{
		{"lstm kernel width", []int{2, 3, 4}, []int{4, 10}, []int{3, 10}, nil, nil, ok, lstmOf},
		{"lstm input features", []int{2, 3, 5}, []int{4, 12}, []int{3, 12}, nil, nil, ok, lstmOf},
		{"lstm bias", []int{2, 3, 4}, []int{4, 12}, []int{3, 12}, []int{11}, nil, ok, lstmOf},
		{"lstm mask", []int{2, 3, 4}, []int{4, 12}, []int{3, 12}, nil, []int{2, 4}, ok, lstmOf},
		{"lstm rank 2 x", []int{2, 4}, []int{4, 12}, []int{3, 12}, nil, nil, ok, lstmOf},
		{"lstm no steps", []int{2, 0, 4}, []int{4, 12}, []int{3, 12}, nil, nil, ok, lstmOf},
		{"lstm softmax", []int{2, 3, 4}, []int{4, 12}, []int{3, 12}, nil, nil, RNNParams{Act: soft, RecAct: sig}, lstmOf},
		{"lstm no recurrent activation", []int{2, 3, 4}, []int{4, 12}, []int{3, 12}, nil, nil, RNNParams{Act: tanh}, lstmOf},
		{"gru reset_after bias", []int{2, 3, 4}, []int{4, 9}, []int{3, 9}, []int{9}, nil, RNNParams{Act: tanh, RecAct: sig, ResetAfter: true}, gruOf},
		{"gru bias", []int{2, 3, 4}, []int{4, 9}, []int{3, 9}, []int{2, 9}, nil, ok, gruOf},
		{"simple_rnn softmax", []int{2, 3, 4}, []int{4, 3}, []int{3, 3}, nil, nil, RNNParams{Act: soft}, simpleOf},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newGraph(c.x[0], true)
			node := func(s []int, name string) *G.Node {
				if s == nil {
					return nil
				}
				return newInput(g.g, s, name)
			}
			if _, err := c.emit(g)(node(c.x, "x"), node(c.k, "k"), node(c.r, "r"), node(c.b, "b"), node(c.m, "m"), c.p); err == nil {
				t.Error("no error")
			}
		})
	}
}

func lstmOf(g *Graph) func(x, k, r, b, m *G.Node, p RNNParams) ([]*G.Node, error) { return g.LSTM }
func gruOf(g *Graph) func(x, k, r, b, m *G.Node, p RNNParams) ([]*G.Node, error)  { return g.GRU }
func simpleOf(g *Graph) func(x, k, r, b, m *G.Node, p RNNParams) ([]*G.Node, error) {
	return g.SimpleRNN
}

// FuzzFusedRNN draws one recurrent configuration per input — cell (LSTM,
// GRU with reset_after true or false, SimpleRNN), sizes, bias, mask,
// return_sequences/return_state, go_backwards, zero_output_for_mask and the
// gate implementation — and checks the fused op as TestFusedLSTM does
// (float64 re-derivation, TapeMachine, finite differences). Activations are
// smooth and bounded (tanh, sigmoid), so finite differences never straddle a
// kink and no state grows until float32 rounding swamps the comparison (a
// linear GRU gate reaches 2e6 in 6 steps):
// `go test ./runtime -fuzz FuzzFusedRNN`.
func FuzzFusedRNN(f *testing.F) {
	for _, s := range []uint64{0, 1, 2, 3, 42} {
		f.Add(s)
	}
	impls := gateImpls()
	f.Fuzz(func(t *testing.T, seed uint64) {
		r := rand.New(rand.NewPCG(seed, 7))
		smooth := []string{"tanh", "sigmoid"}
		c := lstmCase{name: "fuzz", b: 1 + r.IntN(6), t: 1 + r.IntN(7), f: 1 + r.IntN(7), u: 1 + r.IntN(20),
			act: smooth[r.IntN(2)], recAct: smooth[r.IntN(2)], bias: r.IntN(2) == 0}
		switch r.IntN(4) {
		case 0:
			c.simple = true
		case 1:
			c.gru, c.p.ResetAfter = true, true
		case 2:
			c.gru = true
		}
		c.mask = c.b > 1 && r.IntN(2) == 0
		c.p.ReturnSequences, c.p.ReturnState = r.IntN(2) == 0, r.IntN(2) == 0
		c.p.GoBackwards = r.IntN(2) == 0
		c.p.Reverse = c.p.GoBackwards && c.p.ReturnSequences && r.IntN(2) == 0
		c.p.ZeroOutputForMask = c.mask && r.IntN(2) == 0
		c.p.impl, c.p.forceImpl = impls[r.IntN(len(impls))], true
		t.Logf("%+v", c)
		testFusedLSTM(t, int(seed%1000), c)
	})
}
