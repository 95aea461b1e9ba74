package runtime

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
)

// opRun is the result of running one op graph: the forward output and the
// gradients of loss = Σ out ⊙ C w.r.t. every input, from the compiled
// executor and from gorgonia's TapeMachine (which runs the ops' Do path).
type opRun struct {
	out, tapeOut     []float32
	outShape         []int
	grads, tapeGrads [][]float32
}

// runOpGraph builds a training graph with one input node per shape, applies
// emit and (when c is non-nil) differentiates Σ out ⊙ c with gorgonia.Grad.
func runOpGraph(t *testing.T, shapes [][]int, data [][]float32, c func(outShape []int) []float32,
	emit func(g *Graph, ins []*G.Node) (*G.Node, error)) opRun {
	t.Helper()
	return runOpGraphWRT(t, shapes, data, c, len(shapes), emit)
}

// runOpGraphWRT is runOpGraph differentiating only the first wrt inputs.
func runOpGraphWRT(t *testing.T, shapes [][]int, data [][]float32, c func(outShape []int) []float32, wrt int,
	emit func(g *Graph, ins []*G.Node) (*G.Node, error)) opRun {
	t.Helper()
	g := newGraph(shapes[0][0], true)
	ins := make([]*G.Node, len(shapes))
	for i, s := range shapes {
		ins[i] = newInput(g.g, s, fmt.Sprintf("in%d", i))
	}
	out, err := emit(g, ins)
	if err != nil {
		t.Fatal(err)
	}
	res := opRun{outShape: []int(out.Shape())}
	outs := []*G.Node{out}
	if c != nil {
		cn, err := g.Constant(c(res.outShape), res.outShape)
		if err != nil {
			t.Fatal(err)
		}
		prodN, err := G.HadamardProd(out, cn)
		if err != nil {
			t.Fatal(err)
		}
		loss, err := G.Sum(prodN)
		if err != nil {
			t.Fatal(err)
		}
		grads, err := G.Grad(loss, ins[:wrt]...)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, grads...)
	}
	p, err := compile(g, ins, outs)
	if err != nil {
		t.Fatal(err)
	}
	f := p.getFrame()
	for i, s := range p.ext {
		f.bufs[s] = data[i]
	}
	p.bind(f)
	p.exec(f)
	got := make([][]float32, len(outs))
	for i, s := range p.outs {
		got[i] = append([]float32(nil), f.bufs[s]...)
	}
	p.putFrame(f)
	tin := map[*G.Node]*tensor.Tensor{}
	for i, n := range ins {
		tt, err := tensor.FromSlice(append([]float32(nil), data[i]...), shapes[i]...)
		if err != nil {
			t.Fatal(err)
		}
		tin[n] = tt
	}
	tape := tapeRun(t, g, tin, outs)
	res.out, res.tapeOut = got[0], tape[0]
	res.grads, res.tapeGrads = got[1:], tape[1:]
	return res
}

// checkOpRun compares an opRun with a float64 reference: forward output,
// executor vs TapeMachine, and (when grads were computed) the gradients
// against central finite differences of Σ c ⊙ ref.
func checkOpRun(t *testing.T, r opRun, data [][]float32, c []float32, ref func(in [][]float64) []float64) {
	t.Helper()
	in := make([][]float64, len(data))
	for i, d := range data {
		in[i] = toF64(d)
	}
	closeSlices(t, "forward vs float64 reference", r.out, toF32(ref(in)), 1e-5, 1e-5)
	closeSlices(t, "executor vs TapeMachine forward", r.out, r.tapeOut, 1e-6, 1e-6)
	if r.grads == nil {
		return
	}
	loss := func() float64 {
		var l float64
		for i, v := range ref(in) {
			l += v * float64(c[i])
		}
		return l
	}
	for k := range r.grads {
		closeSlices(t, fmt.Sprintf("executor vs TapeMachine grad %d", k), r.grads[k], r.tapeGrads[k], 1e-5, 1e-5)
		// at most ~64 elements per input (evenly spread, first and last
		// included) keep the float64 references affordable under -race
		step := max(1, (len(in[k])-1)/63)
		var got, fd []float32
		for i := 0; i < len(in[k]); i += step {
			fd = append(fd, float32(centralDiff(in[k], i, loss)))
			got = append(got, r.grads[k][i])
			if i+step >= len(in[k]) && i != len(in[k])-1 {
				i = len(in[k]) - 1 - step
			}
		}
		closeSlices(t, fmt.Sprintf("grad of input %d vs finite differences (sampled)", k), got, fd, 2e-4, 2e-4)
	}
}

// centralDiff is (loss(v + h) − loss(v − h))/2h for element i of v.
func centralDiff(v []float64, i int, loss func() float64) float64 {
	old, h := v[i], 1e-4
	v[i] = old + h
	lp := loss()
	v[i] = old - h
	lm := loss()
	v[i] = old
	return (lp - lm) / (2 * h)
}

func toF64(d []float32) []float64 {
	o := make([]float64, len(d))
	for i, v := range d {
		o[i] = float64(v)
	}
	return o
}

func randF32(r *rand.Rand, n int) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = r.Float32()*2 - 1
	}
	return d
}

// ndShape is a row-major N-D index helper for the references.
type ndShape []int

func (s ndShape) at(idx ...int) int {
	o := 0
	for i, v := range idx {
		o = o*s[i] + v
	}
	return o
}

// each calls fn with every index of shape s in row-major order.
func (s ndShape) each(fn func(idx []int)) {
	idx := make([]int, len(s))
	if prod(s) == 0 {
		return
	}
	for {
		fn(idx)
		d := len(s) - 1
		for ; d >= 0; d-- {
			idx[d]++
			if idx[d] < s[d] {
				break
			}
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

// convRef is the spec §2.3 formula in float64: x (N, sp..., C), kernel
// (k..., C/G, F), explicit pads, output size from the pads.
func convRef(x []float64, xs []int, w []float64, ks []int, groups int, st, dil, pb, pa []int) ([]float64, []int) {
	r := len(xs) - 2
	C, F := xs[r+1], ks[r+1]
	cg, fg := C/groups, F/groups
	os := []int{xs[0]}
	for a := 0; a < r; a++ {
		keff := (ks[a]-1)*dil[a] + 1
		os = append(os, (xs[1+a]+pb[a]+pa[a]-keff)/st[a]+1)
	}
	os = append(os, F)
	y := make([]float64, prod(os))
	xi := make([]int, r+2)
	wi := make([]int, r+2)
	ndShape(os).each(func(o []int) {
		b, f := o[0], o[r+1]
		gi := f / fg
		var s float64
		ndShape(ks[:r]).each(func(j []int) {
			xi[0] = b
			for a := 0; a < r; a++ {
				p := o[1+a]*st[a] + j[a]*dil[a] - pb[a]
				if p < 0 || p >= xs[1+a] {
					return
				}
				xi[1+a], wi[a] = p, j[a]
			}
			for ci := 0; ci < cg; ci++ {
				xi[r+1], wi[r], wi[r+1] = gi*cg+ci, ci, f
				s += x[ndShape(xs).at(xi...)] * w[ndShape(ks).at(wi...)]
			}
		})
		y[ndShape(os).at(o...)] = s
	})
	return y, os
}

func filledInts(n, v int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

type convCase struct {
	name            string
	x               []int // (N, spatial..., C)
	k               []int // spatial kernel
	f, groups       int
	st, dil, pb, pa []int
	depthwise       bool // kernel (k..., C, f) with f the multiplier
}

var convCases = []convCase{
	{name: "1d_valid", x: []int{2, 7, 3}, k: []int{3}, f: 4},
	{name: "1d_causal_dil2", x: []int{2, 6, 2}, k: []int{2}, f: 3, dil: []int{2}, pb: []int{2}, pa: []int{0}},
	{name: "1d_stride3_same", x: []int{1, 10, 2}, k: []int{4}, f: 2, st: []int{3}, pb: []int{1}, pa: []int{2}},
	{name: "2d_same_s2_odd", x: []int{2, 5, 7, 3}, k: []int{3, 3}, f: 4, st: []int{2, 2}, pb: []int{1, 1}, pa: []int{1, 1}},
	{name: "2d_same_s2_even", x: []int{1, 4, 6, 2}, k: []int{3, 3}, f: 2, st: []int{2, 2}, pb: []int{0, 0}, pa: []int{1, 1}},
	{name: "2d_dil_rect", x: []int{2, 7, 6, 2}, k: []int{2, 3}, f: 3, dil: []int{2, 1}},
	{name: "2d_groups2", x: []int{2, 5, 5, 4}, k: []int{2, 2}, f: 6, groups: 2, pb: []int{0, 1}, pa: []int{1, 0}},
	{name: "2d_groups3_strided", x: []int{1, 6, 5, 6}, k: []int{3, 2}, f: 3, groups: 3, st: []int{2, 1}},
	{name: "2d_groups_eq_cin", x: []int{2, 4, 4, 3}, k: []int{3, 3}, f: 6, groups: 3, pb: []int{1, 1}, pa: []int{1, 1}},
	{name: "2d_pointwise", x: []int{3, 4, 5, 6}, k: []int{1, 1}, f: 5},
	{name: "2d_pointwise_stride", x: []int{1, 5, 5, 3}, k: []int{1, 1}, f: 2, st: []int{2, 2}},
	{name: "3d", x: []int{2, 4, 5, 3, 2}, k: []int{2, 3, 2}, f: 3, st: []int{1, 2, 1}, pb: []int{0, 1, 1}, pa: []int{1, 1, 0}},
	// 16+ filters, groups 1: the im2col + GEMM path (fewer use direct loops)
	{name: "im2col_1d_dil", x: []int{2, 9, 2}, k: []int{3}, f: 16, dil: []int{2}, pb: []int{2}, pa: []int{2}},
	{name: "im2col_2d_same_s2", x: []int{2, 5, 6, 3}, k: []int{3, 3}, f: 17, st: []int{2, 2}, pb: []int{1, 0}, pa: []int{1, 1}},
	{name: "im2col_2d_cin1", x: []int{1, 6, 5, 1}, k: []int{3, 2}, f: 16, pb: []int{1, 0}, pa: []int{1, 1}},
	// channels per group a multiple of 8: patch rows gathered by vector copies
	{name: "im2col_2d_cin8_same", x: []int{2, 5, 6, 8}, k: []int{3, 3}, f: 16, pb: []int{1, 1}, pa: []int{1, 1}},
	{name: "im2col_2d_groups2_cg8", x: []int{1, 5, 5, 16}, k: []int{3, 2}, f: 16, groups: 2, st: []int{2, 1}},
	// one input channel: the direct filter gradient (8 filters a vector, 3 in the tail)
	{name: "im2col_1d_cin1_f19_s2", x: []int{3, 11, 1}, k: []int{3}, f: 19, st: []int{2}, pb: []int{1}, pa: []int{1}},
	{name: "im2col_3d", x: []int{1, 3, 4, 3, 2}, k: []int{2, 2, 2}, f: 16, st: []int{1, 2, 1}},
	{name: "depthwise_m1", x: []int{2, 5, 5, 3}, k: []int{3, 3}, f: 1, depthwise: true, pb: []int{1, 1}, pa: []int{1, 1}},
	{name: "depthwise_m2_s2", x: []int{1, 6, 5, 2}, k: []int{3, 2}, f: 2, depthwise: true, st: []int{2, 2}, pb: []int{0, 0}, pa: []int{1, 1}},
	{name: "depthwise_1d_dil", x: []int{2, 8, 3}, k: []int{3}, f: 3, depthwise: true, dil: []int{2}},
}

func (tc convCase) params() (ConvParams, []int, []int, []int, []int) {
	r := len(tc.k)
	st, dil, pb, pa := tc.st, tc.dil, tc.pb, tc.pa
	if st == nil {
		st = filledInts(r, 1)
	}
	if dil == nil {
		dil = filledInts(r, 1)
	}
	if pb == nil {
		pb, pa = filledInts(r, 0), filledInts(r, 0)
	}
	return ConvParams{Strides: tc.st, Dilation: tc.dil, PadBefore: tc.pb, PadAfter: tc.pa, Groups: tc.groups}, st, dil, pb, pa
}

func TestConvMatchesReference(t *testing.T) {
	for i, tc := range convCases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 9))
			p, st, dil, pb, pa := tc.params()
			C := tc.x[len(tc.x)-1]
			groups := max(tc.groups, 1)
			ks := append(append([]int{}, tc.k...), C/groups, tc.f)
			refKs := ks
			if tc.depthwise {
				ks = append(append([]int{}, tc.k...), C, tc.f)
				// Keras depthwise = grouped conv with groups = C and kernel
				// (k..., 1, C·M): output channel c·M + m reads channel c
				refKs = append(append([]int{}, tc.k...), 1, C*tc.f)
				groups = C
			}
			x, w := randF32(r, prod(tc.x)), randF32(r, prod(ks))
			_, os := convRef(toF64(x), tc.x, toF64(w), refKs, groups, st, dil, pb, pa)
			c := randF32(r, prod(os))
			res := runOpGraph(t, [][]int{tc.x, ks}, [][]float32{x, w}, func([]int) []float32 { return c },
				func(g *Graph, in []*G.Node) (*G.Node, error) {
					if tc.depthwise {
						return g.DepthwiseConv(in[0], in[1], p)
					}
					return g.Conv(in[0], in[1], p)
				})
			if fmt.Sprint(res.outShape) != fmt.Sprint(os) {
				t.Fatalf("output shape %v, reference %v", res.outShape, os)
			}
			checkOpRun(t, res, [][]float32{x, w}, c, func(in [][]float64) []float64 {
				y, _ := convRef(in[0], tc.x, in[1], refKs, groups, st, dil, pb, pa)
				return y
			})
		})
	}
}

// specPat is the spec's golden-input generator: element i = ((i·a mod m) − off)·0.1.
func specPat(n, a, m, off int) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(float64((i*a)%m-off) * 0.1)
	}
	return d
}

// TestConvGolden checks the Keras 3.15.1 golden vectors of spec §10.1 and
// the gradient goldens of §10.9: values copied from /work/shared/spec/keras-layers.md
// (Keras 3.15.1 oracle, float32), kept inline here so the test needs no ../shared.
func TestConvGolden(t *testing.T) {
	type golden struct {
		name                      string
		x                         []float32
		xs, ks                    []int
		w                         []float32
		p                         ConvParams
		padding                   string // recomputed with ConvOutputSize when set
		dw                        bool
		bias, want                []float32
		g, wantDW, wantDX, wantDB []float32
	}
	c1x, c1w := specPat(32, 7, 11, 5), specPat(36, 5, 7, 3)
	cases := []golden{
		{name: "C1_conv2d_same_s2", x: c1x, xs: []int{1, 4, 4, 2}, ks: []int{3, 3, 2, 2}, w: c1w,
			p: ConvParams{Strides: []int{2, 2}}, padding: "same", bias: []float32{0.1, -0.2},
			want: []float32{0.08, -0.58, 0.38, -0.27, 0.009999998, -0.3, -0.03000001, -0.16},
			g:    []float32{-0.3, 0, 0.3, -0.1, 0.2, -0.2, 0.1, -0.3},
			wantDW: []float32{0.15, -0.04000001, -0.08, -0.02, 0.13, 0.11, -0.21, 0.02, 0.03, -0.06, 0.07, 0.02, 0.18, -0.1, -0.05, -0.08,
				0.16, 0.05, 0.15, -0.04000001, 0.02, -0.08000001, 0.06, 0, 0.18, -0.03, -0.15, 0.01, -0.15, 0.05, 0.18, -0.02, -0.09, 0,
				0.03, 0},
			wantDB: []float32{0.3, -0.6},
			wantDX: []float32{0.09, 0, -0.09, 0.03, -0.17, 0.08000001, 0.08000001, 0, -0.03, 0.09, 0, -0.09,
				0.07000001, -0.17, 0.02, 0.08000001, -0.04, 0.01, 0.13, 0.04, -0.23, 0.03, -0.11, 0.1, 0.04, -0.1, 0.04, 0.04,
				0.08000001, -0.05, 0.06, 0}},
		{name: "C2_dil2_valid", x: specPat(25, 7, 11, 5), xs: []int{1, 5, 5, 1}, ks: []int{2, 2, 1, 1}, w: []float32{-0.2, 0.1, -0.1, 0.2},
			p: ConvParams{Dilation: []int{2, 2}}, padding: "valid",
			want: []float32{0.13, 0.02, 0.13, 0.13, -0.09, -0.09, -0.09, 0.13, 0.02}},
		{name: "C2_dil2_same", x: specPat(25, 7, 11, 5), xs: []int{1, 5, 5, 1}, ks: []int{2, 2, 1, 1}, w: []float32{-0.2, 0.1, -0.1, 0.2},
			p: ConvParams{Dilation: []int{2, 2}}, padding: "same",
			want: []float32{0.08000001, 0.03, -0.12, 0.06, 0.04, -0.08, 0.13, 0.02, 0.13, -0.08,
				-0.02, 0.13, -0.09, -0.09, 0.08000001, -0.07, -0.09, 0.13, 0.02, 0.02, -0.03, 0.02, 0.06, -0.12, 0}},
		{name: "C3_causal_dil2", x: []float32{-0.5, 0.2, -0.2, 0.5, 0.1, -0.3}, xs: []int{1, 6, 1}, ks: []int{2, 1, 1}, w: []float32{0.5, -1},
			p: ConvParams{Dilation: []int{2}}, padding: "causal",
			want: []float32{0.5, -0.2, -0.05, -0.4, -0.2, 0.55}},
		{name: "C4_groups2", x: specPat(36, 7, 11, 5), xs: []int{1, 3, 3, 4}, ks: []int{2, 2, 2, 4}, w: specPat(32, 5, 9, 4),
			p: ConvParams{Groups: 2}, padding: "valid",
			want: []float32{0.31, -0.25, -0.25, 0.2, -0.2, 0.25, -0.16, 0.2, -0.23, 0.26, -0.2, 0.2, 0.14, 0.1, 0.11, -0.02}},
		{name: "C6_depthwise_m2", x: specPat(18, 7, 11, 5), xs: []int{1, 3, 3, 2}, ks: []int{2, 2, 2, 2}, w: specPat(16, 3, 7, 3),
			padding: "valid", dw: true, bias: []float32{0, 0.1, 0.2, 0.3},
			want:   []float32{0.19, 0.22, 0.22, 0.13, 0.1, -0.05, 0.44, 0.4, -0.3, 0.29, 0.22, 0.17, 0.16, 0.24, 0.11, 0.44},
			g:      specPat(16, 3, 7, 3),
			wantDW: []float32{0.19, 0.12, 0.02, -0.17, 0.1, -0.15, 0.24, 0.1, -0.3, 0.19, 0.02, -0.13, 0.16, 0.14, -0.09, 0.14},
			wantDB: []float32{-0.3, 0.2, 0, -0.2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := len(tc.xs) - 2
			p := tc.p
			st, dil := p.Strides, p.Dilation
			if st == nil {
				st = filledInts(r, 1)
			}
			if dil == nil {
				dil = filledInts(r, 1)
			}
			p.PadBefore, p.PadAfter = make([]int, r), make([]int, r)
			for a := 0; a < r; a++ {
				var err error
				if _, p.PadBefore[a], p.PadAfter[a], err = ConvOutputSize(tc.xs[1+a], tc.ks[a], st[a], dil[a], tc.padding); err != nil {
					t.Fatal(err)
				}
			}
			shapes := [][]int{tc.xs, tc.ks}
			data := [][]float32{tc.x, tc.w}
			if tc.bias != nil {
				shapes = append(shapes, []int{len(tc.bias)})
				data = append(data, tc.bias)
			}
			var cf func([]int) []float32
			if tc.g != nil {
				cf = func([]int) []float32 { return tc.g }
			}
			res := runOpGraph(t, shapes, data, cf, func(g *Graph, in []*G.Node) (*G.Node, error) {
				var y *G.Node
				var err error
				if tc.dw {
					y, err = g.DepthwiseConv(in[0], in[1], p)
				} else {
					y, err = g.Conv(in[0], in[1], p)
				}
				if err != nil || tc.bias == nil {
					return y, err
				}
				return g.BiasAdd(y, in[2])
			})
			closeSlices(t, "y", res.out, tc.want, 1e-6, 1e-6)
			if tc.g == nil {
				return
			}
			closeSlices(t, "d kernel", res.grads[1], tc.wantDW, 1e-6, 1e-6)
			closeSlices(t, "d bias", res.grads[2], tc.wantDB, 1e-6, 1e-6)
			if tc.wantDX != nil {
				closeSlices(t, "d x", res.grads[0], tc.wantDX, 1e-6, 1e-6)
			}
		})
	}
}

func TestConvOutputSize(t *testing.T) {
	cases := []struct {
		n, k, s, d         int
		padding            string
		out, before, after int
	}{
		// spec §2.3 examples
		{4, 3, 2, 1, "same", 2, 0, 1},
		{5, 2, 1, 2, "same", 5, 1, 1},
		{5, 2, 1, 1, "same", 5, 0, 1},
		{7, 3, 2, 1, "valid", 3, 0, 0},
		{6, 2, 1, 2, "causal", 6, 2, 0},
		{1, 3, 1, 1, "same", 1, 1, 1},
		{10, 4, 3, 1, "same", 4, 1, 2},
	}
	for _, c := range cases {
		out, b, a, err := ConvOutputSize(c.n, c.k, c.s, c.d, c.padding)
		if err != nil || out != c.out || b != c.before || a != c.after {
			t.Errorf("ConvOutputSize(%d, %d, %d, %d, %q) = %d, %d, %d, %v; want %d, %d, %d", c.n, c.k, c.s, c.d, c.padding, out, b, a, err, c.out, c.before, c.after)
		}
	}
	for _, bad := range []struct {
		n, k, s, d int
		padding    string
	}{{2, 3, 1, 1, "valid"}, {5, 3, 0, 1, "same"}, {5, 3, 1, 1, "full"}, {5, 0, 1, 1, "same"}} {
		if _, _, _, err := ConvOutputSize(bad.n, bad.k, bad.s, bad.d, bad.padding); err == nil {
			t.Errorf("ConvOutputSize(%+v) gave no error", bad)
		}
	}
}

func TestConvErrors(t *testing.T) {
	cases := []struct {
		name   string
		xs, ks []int
		p      ConvParams
	}{
		{"rank", []int{2, 3}, []int{1, 3, 2}, ConvParams{}},
		{"channels", []int{1, 5, 5, 3}, []int{3, 3, 2, 4}, ConvParams{}},
		{"groups", []int{1, 5, 5, 4}, []int{3, 3, 2, 3}, ConvParams{Groups: 2}},
		{"too_small", []int{1, 2, 2, 1}, []int{3, 3, 1, 1}, ConvParams{}},
		{"strides_len", []int{1, 5, 5, 1}, []int{3, 3, 1, 1}, ConvParams{Strides: []int{1}}},
		{"neg_pad", []int{1, 5, 5, 1}, []int{3, 3, 1, 1}, ConvParams{PadBefore: []int{-1, 0}, PadAfter: []int{0, 0}}},
	}
	for _, c := range cases {
		g := newGraph(1, false)
		x, k := newInput(g.g, c.xs, "x"), newInput(g.g, c.ks, "k")
		if _, err := g.Conv(x, k, c.p); err == nil {
			t.Errorf("%s: Conv(%v, %v, %+v) gave no error", c.name, c.xs, c.ks, c.p)
		}
	}
	tcases := []struct {
		name   string
		xs, ks []int
		p      ConvTransposeParams
	}{
		{"channels", []int{1, 2, 2, 3}, []int{3, 3, 1, 2}, ConvTransposeParams{OutSize: []int{4, 4}}},
		{"outsize_len", []int{1, 2, 2, 1}, []int{3, 3, 1, 1}, ConvTransposeParams{OutSize: []int{4}}},
		{"outsize_zero", []int{1, 2, 2, 1}, []int{3, 3, 1, 1}, ConvTransposeParams{OutSize: []int{0, 4}}},
		{"neg_crop", []int{1, 2, 2, 1}, []int{3, 3, 1, 1}, ConvTransposeParams{OutSize: []int{4, 4}, Crop: []int{-1, 0}}},
		{"strides_len", []int{1, 2, 2, 1}, []int{3, 3, 1, 1}, ConvTransposeParams{OutSize: []int{4, 4}, Strides: []int{2}}},
	}
	for _, c := range tcases {
		g := newGraph(1, false)
		x, k := newInput(g.g, c.xs, "x"), newInput(g.g, c.ks, "k")
		if _, err := g.ConvTranspose(x, k, c.p); err == nil {
			t.Errorf("%s: ConvTranspose(%v, %v, %+v) gave no error", c.name, c.xs, c.ks, c.p)
		}
	}
	g := newGraph(1, false)
	x, k := newInput(g.g, []int{1, 4, 4, 2}, "x"), newInput(g.g, []int{3, 3, 3, 2}, "k")
	if _, err := g.DepthwiseConv(x, k, ConvParams{}); err == nil {
		t.Error("DepthwiseConv with a kernel for 3 channels on 2 gave no error")
	}
}

// convTransposeRef is the spec §2.5 scatter form in float64: x (N, n..., C),
// kernel (k..., F, C), full[i·s + j·d] += x[i]·K[j], y[q] = full[q + crop].
func convTransposeRef(x []float64, xs []int, w []float64, ks []int, st, dil, outSize, crop []int) []float64 {
	r := len(xs) - 2
	C, F := xs[r+1], ks[r]
	ys := append(append([]int{xs[0]}, outSize...), F)
	y := make([]float64, prod(ys))
	ndShape(xs[:r+1]).each(func(i []int) {
		ndShape(ks[:r]).each(func(j []int) {
			yi := []int{i[0]}
			for a := 0; a < r; a++ {
				q := i[1+a]*st[a] + j[a]*dil[a] - crop[a]
				if q < 0 || q >= outSize[a] {
					return
				}
				yi = append(yi, q)
			}
			for f := 0; f < F; f++ {
				for c := 0; c < C; c++ {
					wi := append(append([]int{}, j...), f, c)
					y[ndShape(ys).at(append(yi, f)...)] += x[ndShape(xs).at(append(append([]int{}, i...), c)...)] * w[ndShape(ks).at(wi...)]
				}
			}
		})
	})
	return y
}

type convTCase struct {
	name          string
	x             []int
	k             []int
	f             int
	st, dil       []int
	padding       string
	outputPadding []int // nil: None
}

var convTCases = []convTCase{
	{name: "1d_s2_same", x: []int{2, 3, 2}, k: []int{3}, f: 3, st: []int{2}, padding: "same"},
	{name: "1d_s2_valid", x: []int{1, 4, 1}, k: []int{3}, f: 2, st: []int{2}, padding: "valid"},
	{name: "1d_dil2_valid", x: []int{2, 5, 2}, k: []int{3}, f: 2, st: []int{1}, dil: []int{2}, padding: "valid"},
	{name: "2d_k3_s2_same", x: []int{2, 3, 4, 2}, k: []int{3, 3}, f: 3, st: []int{2, 2}, padding: "same"},
	{name: "2d_k4_s2_same_crop", x: []int{1, 3, 3, 2}, k: []int{4, 4}, f: 2, st: []int{2, 2}, padding: "same"},
	{name: "2d_op1_valid", x: []int{1, 3, 2, 1}, k: []int{3, 2}, f: 2, st: []int{2, 3}, padding: "valid", outputPadding: []int{1, 2}},
	{name: "2d_op0_same", x: []int{2, 3, 3, 3}, k: []int{3, 3}, f: 2, st: []int{2, 2}, padding: "same", outputPadding: []int{0, 1}},
	{name: "2d_k2_s3", x: []int{1, 2, 3, 2}, k: []int{2, 2}, f: 2, st: []int{3, 3}, padding: "same"},
	{name: "1x1_input_k3_same", x: []int{2, 1, 1, 2}, k: []int{3, 3}, f: 2, st: []int{1, 1}, padding: "same"},
	{name: "1x2_input_k4_s2_same_op1", x: []int{1, 1, 2, 2}, k: []int{4, 4}, f: 3, st: []int{2, 2}, padding: "same", outputPadding: []int{1, 1}},
	{name: "1d_k2_s3_valid_op2", x: []int{1, 2, 1}, k: []int{2}, f: 2, st: []int{3}, padding: "valid", outputPadding: []int{2}},
	{name: "3d_s2_same", x: []int{1, 2, 3, 2, 2}, k: []int{2, 3, 2}, f: 2, st: []int{2, 1, 2}, padding: "same"},
}

// transposeParams computes the op's parameters with ConvTransposeOutputSize.
func transposeParams(t *testing.T, xs, k, st, dil []int, padding string, op []int) ConvTransposeParams {
	t.Helper()
	r := len(k)
	if st == nil {
		st = filledInts(r, 1)
	}
	if dil == nil {
		dil = filledInts(r, 1)
	}
	p := ConvTransposeParams{Strides: st, Dilation: dil, OutSize: make([]int, r), Crop: make([]int, r)}
	for a := 0; a < r; a++ {
		o := -1
		if op != nil {
			o = op[a]
		}
		var err error
		if p.OutSize[a], p.Crop[a], err = ConvTransposeOutputSize(xs[1+a], k[a], st[a], dil[a], padding, o); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func TestConvTransposeMatchesReference(t *testing.T) {
	for i, tc := range convTCases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 17))
			p := transposeParams(t, tc.x, tc.k, tc.st, tc.dil, tc.padding, tc.outputPadding)
			C := tc.x[len(tc.x)-1]
			ks := append(append([]int{}, tc.k...), tc.f, C)
			x, w := randF32(r, prod(tc.x)), randF32(r, prod(ks))
			ys := append(append([]int{tc.x[0]}, p.OutSize...), tc.f)
			c := randF32(r, prod(ys))
			res := runOpGraph(t, [][]int{tc.x, ks}, [][]float32{x, w}, func([]int) []float32 { return c },
				func(g *Graph, in []*G.Node) (*G.Node, error) { return g.ConvTranspose(in[0], in[1], p) })
			if fmt.Sprint(res.outShape) != fmt.Sprint(ys) {
				t.Fatalf("output shape %v, want %v", res.outShape, ys)
			}
			checkOpRun(t, res, [][]float32{x, w}, c, func(in [][]float64) []float64 {
				return convTransposeRef(in[0], tc.x, in[1], ks, p.Strides, p.Dilation, p.OutSize, p.Crop)
			})
		})
	}
}

// TestConvTransposeGolden checks spec §10.1 C8 and the Conv1DTranspose
// example.
func TestConvTransposeGolden(t *testing.T) {
	seq := func(n int) []float32 {
		d := make([]float32, n)
		for i := range d {
			d[i] = 0.1 * float32(i+1)
		}
		return d
	}
	cases := []struct {
		name    string
		x       []float32
		xs, ks  []int
		w       []float32
		padding string
		want    []float32
	}{
		{"k3_same", []float32{1, 2, 3, 4}, []int{1, 2, 2, 1}, []int{3, 3, 1, 1}, seq(9), "same",
			[]float32{0.1, 0.2, 0.5, 0.4, 0.4, 0.5, 1.4, 1, 1, 1.4, 3.6, 2.4, 1.2, 1.5, 3.4, 2}},
		{"k3_valid", []float32{1, 2, 3, 4}, []int{1, 2, 2, 1}, []int{3, 3, 1, 1}, seq(9), "valid",
			[]float32{0.1, 0.2, 0.5, 0.4, 0.6, 0.4, 0.5, 1.4, 1, 1.2, 1, 1.4, 3.6, 2.4, 3, 1.2, 1.5, 3.4, 2, 2.4, 2.1, 2.4, 5.5, 3.2, 3.6}},
		{"k4_same_crop1", []float32{1, 2, 3, 4}, []int{1, 2, 2, 1}, []int{4, 4, 1, 1}, seq(16), "same",
			[]float32{0.6, 1.7, 2, 1.4, 1.6, 4.2, 5.2, 3.4, 3.2, 8.200001, 9.200001, 5.8, 3, 6.900001, 7.6, 4.4}},
		{"1d_same", []float32{1, 2, 3}, []int{1, 3, 1}, []int{3, 1, 1}, []float32{1, 10, 100}, "same",
			[]float32{1, 10, 102, 20, 203, 30}},
		{"1d_valid", []float32{1, 2, 3}, []int{1, 3, 1}, []int{3, 1, 1}, []float32{1, 10, 100}, "valid",
			[]float32{1, 10, 102, 20, 203, 30, 300}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := len(tc.xs) - 2
			p := transposeParams(t, tc.xs, tc.ks[:r], filledInts(r, 2), nil, tc.padding, nil)
			res := runOpGraph(t, [][]int{tc.xs, tc.ks}, [][]float32{tc.x, tc.w}, nil,
				func(g *Graph, in []*G.Node) (*G.Node, error) { return g.ConvTranspose(in[0], in[1], p) })
			closeSlices(t, "y", res.out, tc.want, 1e-5, 1e-6)
		})
	}
}

func TestConvTransposeOutputSize(t *testing.T) {
	// spec §2.5 / §10.1 C8 (n = 2 unless given)
	cases := []struct {
		n, k, s, d, op int
		padding        string
		out, crop      int
	}{
		{2, 3, 2, 1, -1, "same", 4, 0},
		{2, 3, 2, 1, -1, "valid", 5, 0},
		{2, 4, 2, 1, -1, "same", 4, 1},
		{2, 3, 2, 1, 0, "same", 3, 1}, // Keras: pad_len 2, left_pad 1 ⇒ crop 1
		{2, 3, 2, 1, 1, "valid", 6, 0},
		{2, 4, 2, 1, 1, "same", 3, 1},
		{2, 3, 1, 1, -1, "same", 2, 1},
		{2, 2, 3, 1, -1, "valid", 6, 0},
		{2, 2, 3, 1, -1, "same", 6, 0},
		{3, 3, 2, 1, -1, "valid", 7, 0},
		{3, 3, 2, 1, -1, "same", 6, 0},
	}
	for _, c := range cases {
		out, crop, err := ConvTransposeOutputSize(c.n, c.k, c.s, c.d, c.padding, c.op)
		if err != nil || out != c.out || crop != c.crop {
			t.Errorf("ConvTransposeOutputSize(%+v) = %d, %d, %v; want %d, %d", c, out, crop, err, c.out, c.crop)
		}
	}
	if _, _, err := ConvTransposeOutputSize(2, 3, 2, 1, "same", 2); err == nil {
		t.Error("output_padding ≥ stride gave no error")
	}
	if _, _, err := ConvTransposeOutputSize(1, 4, 2, 1, "same", 0); err == nil {
		t.Error("an empty output gave no error")
	}
}

// cnnChain emits every op of this package in one chain (for the allocation
// and concurrency tests): x (2, 9, 8, 3).
func cnnChain(g *Graph, in []*G.Node) (*G.Node, error) {
	x, k, b, dk, tk := in[0], in[1], in[2], in[3], in[4]
	y, err := g.Conv(x, k, ConvParams{Strides: []int{2, 1}, PadBefore: []int{1, 0}, PadAfter: []int{1, 1}})
	if err == nil {
		y, err = g.BiasAdd(y, b)
	}
	if err == nil {
		y, err = g.Pool(y, PoolParams{Max: true, Size: []int{2, 2}, PadBefore: []int{0, 0}, PadAfter: []int{1, 0}})
	}
	if err == nil {
		y, err = g.DepthwiseConv(y, dk, ConvParams{PadBefore: []int{1, 1}, PadAfter: []int{1, 1}})
	}
	if err == nil {
		y, err = g.Pool(y, PoolParams{Size: []int{2, 2}, Strides: []int{1, 1}, PadBefore: []int{0, 0}, PadAfter: []int{1, 1}})
	}
	if err == nil {
		y, err = g.ResizeBilinear(y, []int{5, 7})
	}
	if err == nil {
		y, err = g.Pad(y, []int{1, -1}, []int{0, 2}, 0)
	}
	if err == nil {
		y, err = g.ConvTranspose(y, tk, ConvTransposeParams{Strides: []int{2, 2}, OutSize: []int{12, 16}, Crop: []int{0, 0}})
	}
	if err == nil {
		y, err = g.UpsampleNearest(y, []int{1, 2})
	}
	if err == nil {
		y, err = g.GlobalPool(y, false, false)
	}
	return y, err
}

var cnnChainShapes = [][]int{{2, 9, 8, 3}, {3, 3, 3, 4}, {4}, {3, 3, 4, 2}, {3, 3, 5, 8}}

// TestConvOpsRunWithoutAllocation checks that a compiled program of all
// ops and their gradients runs without allocating and gives the same
// results from several goroutines at once (one frame each).
func TestConvOpsRunWithoutAllocation(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	g := newGraph(2, true)
	ins := make([]*G.Node, len(cnnChainShapes))
	data := make([][]float32, len(ins))
	for i, s := range cnnChainShapes {
		ins[i] = newInput(g.g, s, fmt.Sprintf("in%d", i))
		data[i] = randF32(r, prod(s))
	}
	out, err := cnnChain(g, ins)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := G.Sum(out)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(loss, ins...)
	if err != nil {
		t.Fatal(err)
	}
	p, err := compile(g, ins, append([]*G.Node{out}, grads...))
	if err != nil {
		t.Fatal(err)
	}
	run := func(f *frame) [][]float32 {
		for i, s := range p.ext {
			f.bufs[s] = data[i]
		}
		p.bind(f)
		p.exec(f)
		res := make([][]float32, len(p.outs))
		for i, s := range p.outs {
			res[i] = append([]float32(nil), f.bufs[s]...)
		}
		return res
	}
	f := p.newFrame()
	want := run(f)
	if allocs := testing.AllocsPerRun(5, func() { p.exec(f) }); allocs != 0 {
		t.Errorf("a run allocates %v times", allocs)
	}
	done := make(chan [][]float32)
	for w := 0; w < 4; w++ {
		go func() { done <- run(p.newFrame()) }()
	}
	for w := 0; w < 4; w++ {
		got := <-done
		for i := range want {
			closeSlices(t, fmt.Sprintf("concurrent output %d", i), got[i], want[i], 0, 0)
		}
	}
}

// TestConvInNetwork trains through Network.TrainStep: Dense → Conv2D(same)
// → BiasAdd → MaxPool → GlobalAveragePool, loss and gradients (including the
// conv kernel and bias) against float64 references and finite differences.
func TestConvInNetwork(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	k := newVar("conv/kernel", randTensor(r, 0.7, 3, 2, 3, 4), true)
	b := newVar("conv/bias", randTensor(r, 0.5, 4), true)
	st, dil, pb, pa := []int{1, 2}, []int{1, 1}, []int{1, 0}, []int{1, 1}
	runGradCase(t, gradCase{
		name: "conv", perIn: []int{5, 6, 2}, width: 3, params: []*Variable{k, b}, batch: 3,
		emit: func(g *Graph, h *G.Node) (*G.Node, error) {
			kn, err := g.Var(k)
			if err != nil {
				return nil, err
			}
			bn, err := g.Var(b)
			if err != nil {
				return nil, err
			}
			y, err := g.Conv(h, kn, ConvParams{Strides: st, PadBefore: pb, PadAfter: pa})
			if err == nil {
				y, err = g.BiasAdd(y, bn)
			}
			if err == nil {
				y, err = g.Pool(y, PoolParams{Max: true, Size: []int{2, 2}, PadBefore: []int{0, 0}, PadAfter: []int{1, 1}})
			}
			if err == nil {
				y, err = g.GlobalPool(y, false, false)
			}
			return y, err
		},
		ref: func(h []float64, shape []int, p [][]float64) []float64 {
			y, ys := convRef(h, shape, p[0], []int{3, 2, 3, 4}, 1, st, dil, pb, pa)
			for i := range y {
				y[i] += p[1][i%4]
			}
			y, ys = poolRef(y, ys, true, []int{2, 2}, []int{2, 2}, []int{0, 0}, []int{1, 1})
			y, _ = poolRef(y, ys, false, ys[1:3], ys[1:3], []int{0, 0}, []int{0, 0})
			return y
		},
	})
}

// naiveConv2D is the plain-Go baseline for the benchmarks: the direct
// 7-loop float32 convolution (groups 1, stride s, pads pb), y overwritten.
func naiveConv2D(x []float32, n, h, w, c int, k []float32, kh, kw, f int, s, pbh, pbw int, y []float32, oh, ow int) {
	for b := 0; b < n; b++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				yr := y[((b*oh+i)*ow+j)*f : ((b*oh+i)*ow+j+1)*f]
				clear(yr)
				for u := 0; u < kh; u++ {
					ih := i*s + u - pbh
					if ih < 0 || ih >= h {
						continue
					}
					for v := 0; v < kw; v++ {
						iw := j*s + v - pbw
						if iw < 0 || iw >= w {
							continue
						}
						xr := x[((b*h+ih)*w+iw)*c : ((b*h+ih)*w+iw+1)*c]
						for ci, xv := range xr {
							kr := k[((u*kw+v)*c+ci)*f : ((u*kw+v)*c+ci+1)*f]
							for fi, kv := range kr {
								yr[fi] += xv * kv
							}
						}
					}
				}
			}
		}
	}
}

type convBench struct {
	name      string
	x         []int // N, H, W, C
	k         int
	f, s      int
	padding   string
	depthwise bool
}

var convBenches = []convBench{
	{name: "lenet_c1_28x28x1_k5_f6_b32", x: []int{32, 28, 28, 1}, k: 5, f: 6, s: 1, padding: "valid"},
	{name: "lenet_c2_14x14x6_k5_f16_b32", x: []int{32, 14, 14, 6}, k: 5, f: 16, s: 1, padding: "valid"},
	{name: "mobilenet_conv1_224x224x3_k3s2_f32", x: []int{1, 224, 224, 3}, k: 3, f: 32, s: 2, padding: "same"},
	{name: "mobilenet_dw_112x112x32_k3", x: []int{1, 112, 112, 32}, k: 3, f: 1, s: 1, padding: "same", depthwise: true},
	{name: "mobilenet_pw_112x112x32_f64", x: []int{1, 112, 112, 32}, k: 1, f: 64, s: 1, padding: "valid"},
	{name: "mobilenet_c3_28x28x128_k3_f128", x: []int{1, 28, 28, 128}, k: 3, f: 128, s: 1, padding: "same"},
	// the two convolutions of bench.BenchmarkCNNStep (torch_reference.py's cnn_step)
	{name: "cnn_c1_28x28x1_k3_f32_b128", x: []int{128, 28, 28, 1}, k: 3, f: 32, s: 1, padding: "valid"},
	{name: "cnn_c2_13x13x32_k3_f64_b128", x: []int{128, 13, 13, 32}, k: 3, f: 64, s: 1, padding: "valid"},
}

// benchOp compiles emit over inputs of the given shapes (and, with grad,
// the op's own gradient ops from SymDiff with dy an input, so that only
// this package's kernels are timed) and times one run of the program.
func benchOp(b *testing.B, shapes [][]int, data [][]float32, grad bool, emit func(g *Graph, in []*G.Node) (*G.Node, error)) {
	g := newGraph(shapes[0][0], grad)
	ins := make([]*G.Node, len(shapes))
	for i, s := range shapes {
		ins[i] = newInput(g.g, s, fmt.Sprintf("in%d", i))
	}
	y, err := emit(g, ins)
	if err != nil {
		b.Fatal(err)
	}
	outs, ext := []*G.Node{y}, ins
	if grad {
		dy := newInput(g.g, y.Shape(), "dy")
		gr, err := y.Op().(G.SDOp).SymDiff(ins, y, dy)
		if err != nil {
			b.Fatal(err)
		}
		outs, ext = append(outs, gr...), append(append([]*G.Node{}, ins...), dy)
		data = append(append([][]float32{}, data...), make([]float32, prod(y.Shape())))
	}
	prog, err := compile(g, ext, outs)
	if err != nil {
		b.Fatal(err)
	}
	f := prog.newFrame()
	for i, s := range prog.ext {
		f.bufs[s] = data[i]
	}
	prog.bind(f)
	for b.Loop() {
		prog.exec(f)
	}
}

// BenchmarkConv measures the compiled conv forward ("fwd") and forward +
// both gradients ("train") beside the naive direct-loop baseline ("naive",
// forward only; none for depthwise) on LeNet- and MobileNet-size layers.
func BenchmarkConv(b *testing.B) {
	for _, bc := range convBenches {
		r := rand.New(rand.NewPCG(1, 2))
		n, h, w, c := bc.x[0], bc.x[1], bc.x[2], bc.x[3]
		ks := []int{bc.k, bc.k, c, bc.f}
		oh, pbh, pah, _ := ConvOutputSize(h, bc.k, bc.s, 1, bc.padding)
		ow, pbw, paw, _ := ConvOutputSize(w, bc.k, bc.s, 1, bc.padding)
		p := ConvParams{Strides: []int{bc.s, bc.s}, PadBefore: []int{pbh, pbw}, PadAfter: []int{pah, paw}}
		x, k := randF32(r, prod(bc.x)), randF32(r, prod(ks))
		for _, train := range []bool{false, true} {
			mode := "fwd"
			if train {
				mode = "train"
			}
			b.Run(bc.name+"/"+mode, func(b *testing.B) {
				benchOp(b, [][]int{bc.x, ks}, [][]float32{x, k}, train, func(g *Graph, in []*G.Node) (*G.Node, error) {
					if bc.depthwise {
						return g.DepthwiseConv(in[0], in[1], p)
					}
					return g.Conv(in[0], in[1], p)
				})
			})
		}
		if bc.depthwise {
			continue
		}
		b.Run(bc.name+"/naive", func(b *testing.B) {
			y := make([]float32, n*oh*ow*bc.f)
			for b.Loop() {
				naiveConv2D(x, n, h, w, c, k, bc.k, bc.k, bc.f, bc.s, pbh, pbw, y, oh, ow)
			}
		})
	}
}

// BenchmarkPool measures 2×2 max and average pooling forward and train on
// a MobileNet-size map.
func BenchmarkPool(b *testing.B) {
	xs := []int{1, 112, 112, 64}
	x := randF32(rand.New(rand.NewPCG(1, 3)), prod(xs))
	for _, isMax := range []bool{true, false} {
		for _, train := range []bool{false, true} {
			b.Run(fmt.Sprintf("max=%v/train=%v", isMax, train), func(b *testing.B) {
				benchOp(b, [][]int{xs}, [][]float32{x}, train, func(g *Graph, in []*G.Node) (*G.Node, error) {
					return g.Pool(in[0], PoolParams{Max: isMax, Size: []int{2, 2}})
				})
			})
		}
	}
}

func ExampleConvOutputSize() {
	// Conv2D(kernel_size=3, strides=2, padding="same") on 4 rows: the odd
	// padding cell goes after (TF's rule).
	out, before, after, _ := ConvOutputSize(4, 3, 2, 1, "same")
	fmt.Println(out, before, after)
	// Conv1D(kernel_size=2, dilation_rate=2, padding="causal") on 6 steps.
	out, before, after, _ = ConvOutputSize(6, 2, 1, 2, "causal")
	fmt.Println(out, before, after)
	// Output:
	// 2 0 1
	// 6 2 0
}

func ExampleConvTransposeOutputSize() {
	// Conv2DTranspose(kernel_size=4, strides=2, padding="same") on 2 rows,
	// output_padding None (−1) and 1.
	out, crop, _ := ConvTransposeOutputSize(2, 4, 2, 1, "same", -1)
	fmt.Println(out, crop)
	out, crop, _ = ConvTransposeOutputSize(2, 4, 2, 1, "same", 1)
	fmt.Println(out, crop)
	// Output:
	// 4 1
	// 3 1
}

// TestConvIm2colBlocks runs the im2col kernels with blocks of 1, 2 (not
// dividing the batch of 3) and 3 samples against the float64 reference.
func TestConvIm2colBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	xs, ks := []int{3, 5, 4, 2}, []int{3, 2, 2, 16}
	st, dil, pb, pa := []int{1, 2}, []int{1, 1}, []int{1, 0}, []int{1, 1}
	x, w := toF64(randF32(r, prod(xs))), toF64(randF32(r, prod(ks)))
	want, ys := convRef(x, xs, w, ks, 1, st, dil, pb, pa)
	dy := randF32(r, prod(ys))
	// L = Σ dy·conv(x, w) is linear in x and in w: its derivative w.r.t.
	// one element is exactly L(element + 1) − L
	loss := func() float64 {
		y, _ := convRef(x, xs, w, ks, 1, st, dil, pb, pa)
		var s float64
		for i, v := range y {
			s += v * float64(dy[i])
		}
		return s
	}
	grad := func(v []float64) []float32 {
		l0 := loss()
		g := make([]float32, len(v))
		for i := range v {
			v[i]++
			g[i] = float32(loss() - l0)
			v[i]--
		}
		return g
	}
	wantDX, wantDW := grad(x), grad(w)
	for _, blk := range []int{1, 2, 3} {
		geo, err := newConvGeo(xs, ks[:2], 16, 1, st, dil, pb, pa)
		if err != nil {
			t.Fatal(err)
		}
		geo.dense = false
		geo.budget = blk * geo.outPix() * geo.kg()
		geo.finish()
		if geo.chunk() != blk {
			t.Fatalf("chunk %d, want %d", geo.chunk(), blk)
		}
		s := convScratch{col: make([]float32, blk*geo.outPix()*geo.kg()), yp: make([]float32, geo.kernelLen())}
		y, dx, dw := make([]float32, prod(ys)), make([]float32, len(x)), make([]float32, len(w))
		geo.forward(toF32(x), toF32(w), y, s, nil)
		geo.backwardData(dy, toF32(w), dx, s)
		geo.backwardFilter(toF32(x), dy, dw, s)
		closeSlices(t, fmt.Sprintf("forward, blocks of %d", blk), y, toF32(want), 1e-5, 1e-5)
		closeSlices(t, fmt.Sprintf("dx, blocks of %d", blk), dx, wantDX, 1e-5, 1e-5)
		closeSlices(t, fmt.Sprintf("dw, blocks of %d", blk), dw, wantDW, 1e-5, 1e-5)
	}
}

// TestConvChannelsFirst checks the channels_first recipe for layers
// (gorgonia's Transpose around Conv, both compiled and differentiated):
// spec §10.1 C1 with x transposed to (1, 2, 4, 4) gives C1's y transposed.
func TestConvChannelsFirst(t *testing.T) {
	xl := specPat(32, 7, 11, 5) // channels_last (1, 4, 4, 2)
	xf := make([]float32, 32)
	for i := 0; i < 16; i++ {
		for c := 0; c < 2; c++ {
			xf[c*16+i] = xl[i*2+c]
		}
	}
	yl := []float32{0.08, -0.58, 0.38, -0.27, 0.009999998, -0.3, -0.03000001, -0.16}
	want := make([]float32, 8)
	for i := 0; i < 4; i++ {
		for c := 0; c < 2; c++ {
			want[c*4+i] = yl[i*2+c] - []float32{0.1, -0.2}[c] // no bias here
		}
	}
	c := randF32(rand.New(rand.NewPCG(3, 3)), 8)
	res := runOpGraph(t, [][]int{{1, 2, 4, 4}, {3, 3, 2, 2}}, [][]float32{xf, specPat(36, 5, 7, 3)}, func([]int) []float32 { return c },
		func(g *Graph, in []*G.Node) (*G.Node, error) {
			x, err := G.Transpose(in[0], 0, 2, 3, 1)
			if err != nil {
				return nil, err
			}
			y, err := g.Conv(x, in[1], ConvParams{Strides: []int{2, 2}, PadBefore: []int{0, 0}, PadAfter: []int{1, 1}})
			if err != nil {
				return nil, err
			}
			return G.Transpose(y, 0, 3, 1, 2)
		})
	closeSlices(t, "channels_first y", res.out, want, 1e-6, 1e-6)
	checkOpRun(t, res, [][]float32{xf, specPat(36, 5, 7, 3)}, c, func(in [][]float64) []float64 {
		x := make([]float64, 32)
		for i := 0; i < 16; i++ {
			for ch := 0; ch < 2; ch++ {
				x[i*2+ch] = in[0][ch*16+i]
			}
		}
		y, _ := convRef(x, []int{1, 4, 4, 2}, in[1], []int{3, 3, 2, 2}, 1, []int{2, 2}, []int{1, 1}, []int{0, 0}, []int{1, 1})
		out := make([]float64, 8)
		for i := 0; i < 4; i++ {
			for ch := 0; ch < 2; ch++ {
				out[ch*4+i] = y[i*2+ch]
			}
		}
		return out
	})
}

// convStage is how a layer uses the ops: Conv2D(1, 2, padding="same") with
// a bias, then MaxPooling2D(2) (valid).
type convStage struct{ kernel, bias *Variable }

func (s convStage) Emit(g *Graph, x *G.Node, training bool) (*G.Node, error) {
	k, err := g.Var(s.kernel)
	if err != nil {
		return nil, err
	}
	b, err := g.Var(s.bias)
	if err != nil {
		return nil, err
	}
	xs := []int(x.Shape())
	p := ConvParams{PadBefore: make([]int, 2), PadAfter: make([]int, 2)}
	for a := 0; a < 2; a++ {
		if _, p.PadBefore[a], p.PadAfter[a], err = ConvOutputSize(xs[1+a], 2, 1, 1, "same"); err != nil {
			return nil, err
		}
	}
	y, err := g.Conv(x, k, p)
	if err != nil {
		return nil, err
	}
	if y, err = g.BiasAdd(y, b); err != nil {
		return nil, err
	}
	return g.Pool(y, PoolParams{Max: true, Size: []int{2, 2}})
}

func ExampleGraph_Conv() {
	kernel := newVar("conv/kernel", tensor.Zeros(2, 2, 1, 1), true)
	copy(kernel.Value.Data(), []float32{1, 1, 1, 1}) // sums 2×2 windows
	bias := newVar("conv/bias", tensor.Zeros(1), true)
	bias.Value.Data()[0] = 0.5
	net, err := NewNetwork(NetworkConfig{InputShape: []int{3, 4, 1}, Stages: []Stage{convStage{kernel, bias}},
		Variables: []*Variable{kernel, bias}})
	if err != nil {
		fmt.Println(err)
		return
	}
	x, _ := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 1, 3, 4, 1)
	y, err := net.Predict(x)
	if err != nil {
		fmt.Println(err)
		return
	}
	// conv rows 0–1 (+0.5): [14.5 18.5 22.5 12.5], [30.5 34.5 38.5 20.5];
	// the third row is dropped by the valid 2×2 pooling
	fmt.Println(y.Shape(), y.Data())
	// Output:
	// [1 1 2 1] [34.5 38.5]
}

// TestConvRandomGeometries draws 60 random small convolutions (rank 1–3,
// strides, dilations, pads, groups, 1–20 filters, so every kernel path)
// and checks each with checkOpRun; geometries the op rejects must be the
// ones whose padded input is smaller than the dilated kernel.
func TestConvRandomGeometries(t *testing.T) {
	r := rand.New(rand.NewPCG(99, 1))
	for i := 0; i < 60; i++ {
		rank := 1 + r.IntN(3)
		groups := 1 + r.IntN(3)
		cin := groups * (1 + r.IntN(2))
		f := groups * (1 + r.IntN(20/groups))
		xs, ks := []int{1 + r.IntN(2)}, []int{}
		st, dil, pb, pa := make([]int, rank), make([]int, rank), make([]int, rank), make([]int, rank)
		fits := true
		for a := 0; a < rank; a++ {
			xs = append(xs, 1+r.IntN(6))
			ks = append(ks, 1+r.IntN(3))
			st[a], dil[a], pb[a], pa[a] = 1+r.IntN(3), 1+r.IntN(2), r.IntN(3), r.IntN(3)
			if xs[1+a]+pb[a]+pa[a] < (ks[a]-1)*dil[a]+1 {
				fits = false
			}
		}
		xs = append(xs, cin)
		kshape := append(append([]int{}, ks...), cin/groups, f)
		p := ConvParams{Strides: st, Dilation: dil, PadBefore: pb, PadAfter: pa, Groups: groups}
		name := fmt.Sprintf("%d_x%v_k%v_%+v", i, xs, kshape, p)
		t.Run(name, func(t *testing.T) {
			g := newGraph(xs[0], false)
			_, err := g.Conv(newInput(g.g, xs, "x"), newInput(g.g, kshape, "k"), p)
			if !fits {
				if err == nil {
					t.Fatal("no error for a kernel larger than the padded input")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			x, w := randF32(r, prod(xs)), randF32(r, prod(kshape))
			_, os := convRef(toF64(x), xs, toF64(w), kshape, groups, st, dil, pb, pa)
			c := randF32(r, prod(os))
			res := runOpGraph(t, [][]int{xs, kshape}, [][]float32{x, w}, func([]int) []float32 { return c },
				func(g *Graph, in []*G.Node) (*G.Node, error) { return g.Conv(in[0], in[1], p) })
			checkOpRun(t, res, [][]float32{x, w}, c, func(in [][]float64) []float64 {
				y, _ := convRef(in[0], xs, in[1], kshape, groups, st, dil, pb, pa)
				return y
			})
		})
	}
}
