package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
)

// fuseCase is an inference chain x → [pad] → conv or depthwise → [BN] →
// [activation] compiled by the executor.
type fuseCase struct {
	name            string
	xs, ks          []int // input (N, H, W, C); kernel (kh, kw, C or C/1, F or M)
	depthwise       bool
	st              []int
	padB, padA      []int // ZeroPadding before the conv (nil: none)
	convPB, convPA  []int // the conv's own padding
	bn, gamma, beta bool
	bias            bool // a BiasAdd after the conv (instead of BN)
	act             string
	pinConv         bool // the conv output is a requested output too: no fusion
	wantInstrs      int  // instructions of the compiled program
}

func (tc fuseCase) emit(t *testing.T, g *Graph, x *G.Node, vs []*Variable) (out, conv *G.Node) {
	t.Helper()
	wn, err := g.Var(vs[0])
	if err != nil {
		t.Fatal(err)
	}
	h := x
	if tc.padB != nil {
		if h, err = g.Pad(h, tc.padB, tc.padA, 0); err != nil {
			t.Fatal(err)
		}
	}
	p := ConvParams{Strides: tc.st, PadBefore: tc.convPB, PadAfter: tc.convPA}
	if tc.depthwise {
		h, err = g.DepthwiseConv(h, wn, p)
	} else {
		h, err = g.Conv(h, wn, p)
	}
	if err != nil {
		t.Fatal(err)
	}
	conv = h
	if tc.bias {
		bn, err := g.Var(vs[5])
		if err != nil {
			t.Fatal(err)
		}
		if h, err = g.BiasAdd(h, bn); err != nil {
			t.Fatal(err)
		}
	}
	if tc.bn {
		bp := BatchNormParams{Axis: -1, Epsilon: 1e-3, MovingMean: vs[1], MovingVariance: vs[2]}
		if tc.gamma {
			bp.Gamma = vs[3]
		}
		if tc.beta {
			bp.Beta = vs[4]
		}
		if h, err = g.BatchNorm(h, bp); err != nil {
			t.Fatal(err)
		}
	}
	if a := testAct(t, tc.act); a != nil {
		if h, err = a.Apply(h); err != nil {
			t.Fatal(err)
		}
	}
	return h, conv
}

// TestFusedConvPrograms compiles inference chains and checks that the
// chain becomes one instruction where it may (and not where the conv's
// output is wanted too) and that the result equals the float64 chain:
// zero padding, convRef, (x − mean)/sqrt(var + ε)·γ + β and the activation.
// The program runs without allocating and from several goroutines at once.
func TestFusedConvPrograms(t *testing.T) {
	cases := []fuseCase{
		{name: "depthwise+bn+relu6", xs: []int{2, 9, 8, 24}, ks: []int{3, 3, 24, 1}, depthwise: true, st: []int{1, 1}, convPB: []int{1, 1}, convPA: []int{1, 1}, bn: true, gamma: true, beta: true, act: "relu6", wantInstrs: 1},
		{name: "pad+depthwise/2+bn+relu6", xs: []int{1, 9, 10, 16}, ks: []int{3, 3, 16, 1}, depthwise: true, st: []int{2, 2}, padB: []int{1, 0}, padA: []int{1, 1}, bn: true, gamma: true, beta: true, act: "relu6", wantInstrs: 1},
		{name: "pad+depthwise(m2)+bn", xs: []int{1, 6, 6, 5}, ks: []int{3, 3, 5, 2}, depthwise: true, st: []int{1, 1}, padB: []int{0, 1}, padA: []int{2, 1}, convPB: []int{1, 0}, convPA: []int{0, 0}, bn: true, beta: true, wantInstrs: 1},
		{name: "pointwise+bn", xs: []int{2, 7, 6, 8}, ks: []int{1, 1, 8, 24}, st: []int{1, 1}, bn: true, beta: true, wantInstrs: 1},
		{name: "pointwise+bn+relu6 C=40", xs: []int{1, 20, 21, 16}, ks: []int{1, 1, 16, 40}, st: []int{1, 1}, bn: true, gamma: true, beta: true, act: "relu6", wantInstrs: 1},
		{name: "conv3x3/2+bn+relu6 rgb", xs: []int{2, 15, 13, 3}, ks: []int{3, 3, 3, 16}, st: []int{2, 2}, convPB: []int{0, 0}, convPA: []int{1, 1}, bn: true, gamma: true, beta: true, act: "relu6", wantInstrs: 1},
		{name: "conv+relu", xs: []int{1, 8, 8, 4}, ks: []int{3, 3, 4, 20}, st: []int{1, 1}, convPB: []int{1, 1}, convPA: []int{1, 1}, act: "relu", wantInstrs: 1},
		{name: "conv+bn+tanh", xs: []int{1, 6, 5, 6}, ks: []int{2, 2, 6, 18}, st: []int{1, 1}, convPB: []int{0, 0}, convPA: []int{1, 1}, bn: true, gamma: true, act: "tanh", wantInstrs: 1},
		{name: "conv+bias+relu", xs: []int{2, 7, 6, 5}, ks: []int{3, 3, 5, 24}, st: []int{1, 1}, convPB: []int{1, 1}, convPA: []int{1, 1}, bias: true, act: "relu", wantInstrs: 1},
		{name: "depthwise+bias+relu6", xs: []int{1, 8, 8, 20}, ks: []int{3, 3, 20, 1}, depthwise: true, st: []int{2, 2}, convPB: []int{0, 0}, convPA: []int{1, 1}, bias: true, act: "relu6", wantInstrs: 1},
		{name: "pointwise+bias", xs: []int{1, 9, 9, 12}, ks: []int{1, 1, 12, 33}, st: []int{1, 1}, bias: true, wantInstrs: 1},
		{name: "pinned conv", xs: []int{1, 5, 5, 8}, ks: []int{1, 1, 8, 16}, st: []int{1, 1}, bn: true, act: "relu6", pinConv: true, wantInstrs: 3},
		{name: "crop is not folded", xs: []int{1, 9, 9, 16}, ks: []int{3, 3, 16, 1}, depthwise: true, st: []int{1, 1}, padB: []int{-1, 0}, padA: []int{0, 1}, bn: true, act: "relu6", wantInstrs: 2},
	}
	r := rand.New(rand.NewPCG(13, 14))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			F := tc.ks[3]
			if tc.depthwise {
				F = tc.ks[2] * tc.ks[3]
			}
			x := randF32(r, prod(tc.xs))
			for i := range x {
				x[i] *= 3
			}
			vs := []*Variable{newVar("w", randTensor(r, 1, tc.ks...), false)}
			for i, name := range []string{"mean", "var", "gamma", "beta", "bias"} {
				v := randTensor(r, 1, F)
				if i == 1 {
					for j, u := range v.Data() {
						v.Data()[j] = u*u + 0.05
					}
				}
				vs = append(vs, newVar(name, v, false))
			}
			g := newGraph(tc.xs[0], false)
			xn := newInput(g.g, tc.xs, "x")
			out, conv := tc.emit(t, g, xn, vs)
			outs := []*G.Node{out}
			if tc.pinConv {
				outs = append(outs, conv)
			}
			p, err := compile(g, []*G.Node{xn}, outs)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.instrs) != tc.wantInstrs {
				t.Errorf("%d instructions, want %d", len(p.instrs), tc.wantInstrs)
			}
			want := tc.reference(x, vs, F)
			run := func(f *frame) []float32 {
				f.bufs[p.ext[0]] = x
				p.bind(f)
				p.exec(f)
				return append([]float32(nil), f.bufs[p.outs[0]]...)
			}
			f := p.newFrame()
			closeSlices(t, "fused output", run(f), want, 1e-5, 1e-5)
			if allocs := testing.AllocsPerRun(5, func() { p.exec(f) }); allocs != 0 {
				t.Errorf("a run allocates %v times", allocs)
			}
			done := make(chan []float32)
			for range 4 {
				go func() { done <- run(p.newFrame()) }()
			}
			for range 4 {
				closeSlices(t, "concurrent fused output", <-done, want, 1e-5, 1e-5)
			}
		})
	}
}

// reference computes the chain in float64.
func (tc fuseCase) reference(x []float32, vs []*Variable, F int) []float32 {
	xs, pb, pa := tc.xs, []int{0, 0}, []int{0, 0}
	if tc.convPB != nil {
		pb, pa = append([]int{}, tc.convPB...), append([]int{}, tc.convPA...)
	}
	xd := toF64(x)
	if tc.padB != nil { // zero padding (or a crop) as its own float64 step
		ps := []int{xs[0], xs[1] + tc.padB[0] + tc.padA[0], xs[2] + tc.padB[1] + tc.padA[1], xs[3]}
		pd := make([]float64, prod(ps))
		ndShape(ps).each(func(i []int) {
			h, w := i[1]-tc.padB[0], i[2]-tc.padB[1]
			if h >= 0 && h < xs[1] && w >= 0 && w < xs[2] {
				pd[ndShape(ps).at(i...)] = xd[ndShape(xs).at(i[0], h, w, i[3])]
			}
		})
		xs, xd = ps, pd
	}
	groups, ks := 1, tc.ks
	if tc.depthwise {
		groups, ks = tc.ks[2], []int{tc.ks[0], tc.ks[1], 1, F}
	}
	y, _ := convRef(xd, xs, toF64(vs[0].Value.Data()), ks, groups, tc.st, []int{1, 1}, pb, pa)
	for i := range y {
		c := i % F
		v := y[i]
		if tc.bias {
			v += float64(vs[5].Value.Data()[c])
		}
		if tc.bn {
			v = (v - float64(vs[1].Value.Data()[c])) / math.Sqrt(float64(vs[2].Value.Data()[c])+1e-3)
			if tc.gamma {
				v *= float64(vs[3].Value.Data()[c])
			}
			if tc.beta {
				v += float64(vs[4].Value.Data()[c])
			}
		}
		y[i] = v
	}
	epiRef(y, F, nil, nil, tc.act)
	out := make([]float32, len(y))
	for i, v := range y {
		out[i] = float32(v)
	}
	return out
}
