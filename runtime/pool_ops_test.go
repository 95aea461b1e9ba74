package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
)

// poolRef is spec §3.2 in float64: max or mean over the window's real
// cells.
func poolRef(x []float64, xs []int, max bool, size, st, pb, pa []int) ([]float64, []int) {
	r := len(xs) - 2
	C := xs[r+1]
	os := []int{xs[0]}
	for a := 0; a < r; a++ {
		os = append(os, (xs[1+a]+pb[a]+pa[a]-size[a])/st[a]+1)
	}
	os = append(os, C)
	y := make([]float64, prod(os))
	ndShape(os).each(func(o []int) {
		acc, n := math.Inf(-1), 0
		if !max {
			acc = 0
		}
		ndShape(size).each(func(j []int) {
			xi := []int{o[0]}
			for a := 0; a < r; a++ {
				p := o[1+a]*st[a] + j[a] - pb[a]
				if p < 0 || p >= xs[1+a] {
					return
				}
				xi = append(xi, p)
			}
			v := x[ndShape(xs).at(append(xi, o[r+1])...)]
			n++
			if max {
				acc = math.Max(acc, v)
			} else {
				acc += v
			}
		})
		if !max {
			acc /= float64(n)
		}
		y[ndShape(os).at(o...)] = acc
	})
	return y, os
}

type poolCase struct {
	name     string
	x        []int
	size, st []int
	padding  string
}

var poolCases = []poolCase{
	{name: "1d_2_valid", x: []int{2, 7, 3}, size: []int{2}},
	{name: "1d_3_s2_same", x: []int{2, 8, 2}, size: []int{3}, st: []int{2}, padding: "same"},
	{name: "1d_4_s1_same", x: []int{1, 5, 2}, size: []int{4}, st: []int{1}, padding: "same"},
	{name: "2d_2_same_odd", x: []int{2, 5, 7, 3}, size: []int{2, 2}, padding: "same"},
	{name: "2d_3_s2_same", x: []int{1, 6, 5, 2}, size: []int{3, 3}, st: []int{2, 2}, padding: "same"},
	{name: "2d_3x2_s1_valid", x: []int{2, 5, 4, 2}, size: []int{3, 2}, st: []int{1, 1}},
	{name: "2d_overlap_s1_same", x: []int{1, 4, 4, 3}, size: []int{3, 3}, st: []int{1, 1}, padding: "same"},
	{name: "3d_2_same", x: []int{1, 3, 4, 5, 2}, size: []int{2, 2, 2}, padding: "same"},
	{name: "3d_3_s2_valid", x: []int{2, 5, 5, 3, 2}, size: []int{3, 3, 2}, st: []int{2, 2, 1}},
	// 8 channels or more take the vector kernels (11: a vector and a tail)
	{name: "2d_2_valid_c11", x: []int{2, 6, 5, 11}, size: []int{2, 2}},
	{name: "2d_3_s1_same_c16", x: []int{1, 5, 5, 16}, size: []int{3, 3}, st: []int{1, 1}, padding: "same"},
}

func poolPads(t *testing.T, xs, size, st []int, padding string) (pb, pa []int) {
	t.Helper()
	r := len(size)
	pb, pa = make([]int, r), make([]int, r)
	if padding == "" {
		padding = "valid"
	}
	for a := 0; a < r; a++ {
		var err error
		if _, pb[a], pa[a], err = ConvOutputSize(xs[1+a], size[a], st[a], 1, padding); err != nil {
			t.Fatal(err)
		}
	}
	return pb, pa
}

func TestPoolMatchesReference(t *testing.T) {
	for i, tc := range poolCases {
		for _, isMax := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s_max=%v", tc.name, isMax), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(i), 33))
				st := tc.st
				if st == nil {
					st = tc.size
				}
				pb, pa := poolPads(t, tc.x, tc.size, st, tc.padding)
				x := randF32(r, prod(tc.x))
				for k := range x { // all negative: padding must never win a max
					x[k] -= 1.5
				}
				_, os := poolRef(toF64(x), tc.x, isMax, tc.size, st, pb, pa)
				c := randF32(r, prod(os))
				p := PoolParams{Max: isMax, Size: tc.size, Strides: tc.st, PadBefore: pb, PadAfter: pa}
				res := runOpGraph(t, [][]int{tc.x}, [][]float32{x}, func([]int) []float32 { return c },
					func(g *Graph, in []*G.Node) (*G.Node, error) { return g.Pool(in[0], p) })
				if fmt.Sprint(res.outShape) != fmt.Sprint(os) {
					t.Fatalf("output shape %v, reference %v", res.outShape, os)
				}
				checkOpRun(t, res, [][]float32{x}, c, func(in [][]float64) []float64 {
					y, _ := poolRef(in[0], tc.x, isMax, tc.size, st, pb, pa)
					return y
				})
			})
		}
	}
}

// TestPoolGolden checks spec §10.2 (Keras 3.15.1 / TF-JAX derived values)
// and the max-pool gradient golden of §10.9.
func TestPoolGolden(t *testing.T) {
	nine := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	cases := []struct {
		name     string
		x        []float32
		xs       []int
		max      bool
		size, st int
		padding  string
		want     []float32
	}{
		{"max2_s2_same", nine, []int{1, 3, 3, 1}, true, 2, 2, "same", []float32{5, 6, 8, 9}},
		{"avg2_s2_same", nine, []int{1, 3, 3, 1}, false, 2, 2, "same", []float32{3, 4.5, 7.5, 9}},
		{"avg2_s1_same", nine, []int{1, 3, 3, 1}, false, 2, 1, "same", []float32{3, 4, 4.5, 6, 7, 7.5, 7.5, 8.5, 9}},
		{"avg3_s1_same", nine, []int{1, 3, 3, 1}, false, 3, 1, "same", []float32{3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7}},
		{"avg2_s2_valid", nine, []int{1, 3, 3, 1}, false, 2, 2, "valid", []float32{3}},
		{"1d_avg2_s1_same", []float32{1, 2, 4}, []int{1, 3, 1}, false, 2, 1, "same", []float32{1.5, 3, 4}},
		{"1d_avg3_s2_same", []float32{1, 2, 4}, []int{1, 3, 1}, false, 3, 2, "same", []float32{1.5, 3}},
		{"1d_max2", []float32{1, 2, 4}, []int{1, 3, 1}, true, 2, 2, "valid", []float32{2}},
		{"1d_avg3_s2_same_tf", []float32{1, 2, 4, 8}, []int{1, 4, 1}, false, 3, 2, "same", []float32{2.333333, 6}},
		{"1d_avg4_s1_same_tf", []float32{1, 2, 4}, []int{1, 3, 1}, false, 4, 1, "same", []float32{2.333333, 2.333333, 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := len(tc.xs) - 2
			size, st := filledInts(r, tc.size), filledInts(r, tc.st)
			pb, pa := poolPads(t, tc.xs, size, st, tc.padding)
			p := PoolParams{Max: tc.max, Size: size, Strides: st, PadBefore: pb, PadAfter: pa}
			res := runOpGraph(t, [][]int{tc.xs}, [][]float32{tc.x}, nil,
				func(g *Graph, in []*G.Node) (*G.Node, error) { return g.Pool(in[0], p) })
			closeSlices(t, "y", res.out, tc.want, 1e-6, 1e-6)
		})
	}
	// §10.9: MaxPooling2D(2) on [[1,3],[3,2]], upstream 1 → first maximum
	res := runOpGraph(t, [][]int{{1, 2, 2, 1}}, [][]float32{{1, 3, 3, 2}}, func([]int) []float32 { return []float32{1} },
		func(g *Graph, in []*G.Node) (*G.Node, error) {
			return g.Pool(in[0], PoolParams{Max: true, Size: []int{2, 2}})
		})
	closeSlices(t, "max-pool d x", res.grads[0], []float32{0, 1, 0, 0}, 0, 0)
	closeSlices(t, "max-pool d x (TapeMachine)", res.tapeGrads[0], []float32{0, 1, 0, 0}, 0, 0)
}

func TestGlobalPool(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, xs := range [][]int{{2, 5, 3}, {3, 4, 3, 2}, {2, 2, 3, 2, 4}} {
		for _, isMax := range []bool{true, false} {
			for _, keep := range []bool{true, false} {
				t.Run(fmt.Sprintf("%v_max=%v_keep=%v", xs, isMax, keep), func(t *testing.T) {
					x := randF32(r, prod(xs))
					C := xs[len(xs)-1]
					want := []int{xs[0], C}
					if keep {
						want = append(append([]int{xs[0]}, filledInts(len(xs)-2, 1)...), C)
					}
					c := randF32(r, xs[0]*C)
					res := runOpGraph(t, [][]int{xs}, [][]float32{x}, func([]int) []float32 { return c },
						func(g *Graph, in []*G.Node) (*G.Node, error) { return g.GlobalPool(in[0], isMax, keep) })
					if fmt.Sprint(res.outShape) != fmt.Sprint(want) {
						t.Fatalf("shape %v, want %v", res.outShape, want)
					}
					checkOpRun(t, res, [][]float32{x}, c, func(in [][]float64) []float64 {
						sp := xs[1 : len(xs)-1]
						y, _ := poolRef(in[0], xs, isMax, sp, sp, filledInts(len(sp), 0), filledInts(len(sp), 0))
						return y
					})
				})
			}
		}
	}
}

func TestPoolErrors(t *testing.T) {
	cases := []struct {
		name string
		xs   []int
		p    PoolParams
	}{
		{"rank", []int{2, 3}, PoolParams{Size: []int{2}}},
		{"size_len", []int{1, 4, 4, 1}, PoolParams{Size: []int{2}}},
		{"too_big", []int{1, 2, 2, 1}, PoolParams{Size: []int{3, 3}}},
		{"zero_stride", []int{1, 4, 4, 1}, PoolParams{Size: []int{2, 2}, Strides: []int{0, 1}}},
	}
	for _, c := range cases {
		g := newGraph(1, false)
		if _, err := g.Pool(newInput(g.g, c.xs, "x"), c.p); err == nil {
			t.Errorf("%s: Pool(%v, %+v) gave no error", c.name, c.xs, c.p)
		}
	}
}

func TestMaskedGlobalAverage(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	xs := []int{3, 5, 4}
	x := randF32(r, prod(xs))
	m := []float32{1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1}
	for _, keep := range []bool{false, true} {
		c := randF32(r, xs[0]*xs[2])
		res := runOpGraphWRT(t, [][]int{xs, {3, 5}}, [][]float32{x, m}, func([]int) []float32 { return c }, 1,
			func(g *Graph, in []*G.Node) (*G.Node, error) { return g.MaskedGlobalAverage(in[0], in[1], keep) })
		want := []int{3, 4}
		if keep {
			want = []int{3, 1, 4}
		}
		if fmt.Sprint(res.outShape) != fmt.Sprint(want) {
			t.Fatalf("shape %v, want %v", res.outShape, want)
		}
		checkOpRun(t, res, [][]float32{x, m}, c, func(in [][]float64) []float64 {
			y := make([]float64, 12)
			for b := 0; b < 3; b++ {
				var n float64
				for s := 0; s < 5; s++ {
					n += in[1][b*5+s]
					for ch := 0; ch < 4; ch++ {
						y[b*4+ch] += in[1][b*5+s] * in[0][(b*5+s)*4+ch]
					}
				}
				for ch := 0; ch < 4; ch++ {
					y[b*4+ch] /= n
				}
			}
			return y
		})
	}
	// spec §10.3: [[1,10],[2,20],[3,30],[0,0]] with the zero row masked → [2, 20];
	// all masked → NaN
	res := runOpGraphWRT(t, [][]int{{2, 4, 2}, {2, 4}}, [][]float32{{1, 10, 2, 20, 3, 30, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}, {1, 1, 1, 0, 0, 0, 0, 0}}, nil, 0,
		func(g *Graph, in []*G.Node) (*G.Node, error) { return g.MaskedGlobalAverage(in[0], in[1], false) })
	closeSlices(t, "masked GAP1D", res.out[:2], []float32{2, 20}, 0, 0)
	if !math.IsNaN(float64(res.out[2])) || !math.IsNaN(float64(res.out[3])) {
		t.Errorf("all-masked row gave %v, want NaN", res.out[2:])
	}
}

// TestMaxPoolGradDisjoint runs the max-pooling gradient on geometries whose
// windows do not overlap (each covered cell written once, uncovered cells
// zeroed, no clear) into a dx full of NaN, against a float64 routing of dy
// to each window's first maximum; and checks which geometries count as
// disjoint.
func TestMaxPoolGradDisjoint(t *testing.T) {
	cases := []struct {
		name         string
		xs           []int
		size, st, pb []int
		pa           []int
		disjoint     bool
		uncovered    int // pixels of one sample in no window
	}{
		{"2x2_odd_c11", []int{2, 5, 7, 11}, []int{2, 2}, []int{2, 2}, []int{0, 0}, []int{0, 0}, true, 5 + 7 - 1},
		{"2x2_same_c16", []int{1, 5, 5, 16}, []int{2, 2}, []int{2, 2}, []int{0, 0}, []int{1, 1}, true, 0},
		{"3x3_s3_c9", []int{2, 7, 6, 9}, []int{3, 3}, []int{3, 3}, []int{0, 0}, []int{0, 0}, true, 7*6 - 6*6},
		{"2x2_s1_overlap", []int{1, 4, 4, 8}, []int{2, 2}, []int{1, 1}, []int{0, 0}, []int{0, 0}, false, 0},
	}
	r := rand.New(rand.NewPCG(12, 12))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			C := tc.xs[3]
			g, err := newPoolGeo(tc.xs, tc.size, tc.st, tc.pb, tc.pa)
			if err != nil {
				t.Fatal(err)
			}
			unc, disjoint := g.coverage()
			if disjoint != tc.disjoint || len(unc) != tc.uncovered {
				t.Fatalf("coverage: disjoint %v with %d uncovered pixels, want %v and %d", disjoint, len(unc), tc.disjoint, tc.uncovered)
			}
			x := make([]float32, prod(tc.xs))
			for i := range x {
				x[i] = float32(r.IntN(4)) // ties are common
			}
			ys := g.outShape()
			y, dy := make([]float32, prod(ys)), randF32(r, prod(ys))
			g.maxPool(x, y)
			want := make([]float64, len(x))
			P, kv, inP := g.outPix(), g.kvol(), g.inPix()
			for b := 0; b < g.n; b++ {
				for p := 0; p < P; p++ {
					for c := 0; c < C; c++ {
						yi := (b*P+p)*C + c
						for _, ip := range g.taps[p*kv : (p+1)*kv] {
							if xi := (b*inP+int(ip))*C + c; ip >= 0 && x[xi] == y[yi] {
								want[xi] += float64(dy[yi])
								break
							}
						}
					}
				}
			}
			dx := make([]float32, len(x))
			for i := range dx {
				dx[i] = float32(math.NaN())
			}
			if disjoint {
				g.maxPoolGrad(x, y, dy, dx, true, false, unc)
				closeSlices(t, "dx (disjoint)", dx, toF32(want), 0, 0)
			}
			g.maxPoolGrad(x, y, dy, dx, false, false, nil)
			closeSlices(t, "dx (clear and add)", dx, toF32(want), 0, 0)
		})
	}
}

// TestPoolReLUGradFusion: ReLU then max pooling, differentiated. The
// compiled program fuses the pooling gradient with the ReLU gradient into
// one instruction (checked); its input gradient must equal the TapeMachine's
// unfused one bit for bit and a direct routing (first maximum of the ReLU
// output, times 1 where x > 0), with many exact zeros and ties.
func TestPoolReLUGradFusion(t *testing.T) {
	cases := []struct {
		name     string
		xs       []int
		size, st []int
		pb, pa   []int
	}{
		{"2x2_disjoint_c11", []int{2, 5, 6, 11}, []int{2, 2}, []int{2, 2}, []int{0, 0}, []int{0, 0}},
		{"3x3_s1_overlap_c16", []int{1, 5, 5, 16}, []int{3, 3}, []int{1, 1}, []int{1, 1}, []int{1, 1}},
		{"2x2_c3", []int{2, 4, 4, 3}, []int{2, 2}, []int{2, 2}, []int{0, 0}, []int{0, 0}},
	}
	relu := ReLUActivation(0, -1, 0)
	r := rand.New(rand.NewPCG(21, 21))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := make([]float32, prod(tc.xs))
			for i := range x {
				x[i] = float32(r.IntN(5) - 2) // negatives, zeros and ties
				if r.IntN(3) == 0 {
					x[i] += float32(r.Float64())
				}
			}
			p := PoolParams{Max: true, Size: tc.size, Strides: tc.st, PadBefore: tc.pb, PadAfter: tc.pa}
			emit := func(g *Graph, in []*G.Node) (*G.Node, error) {
				y, err := relu.Apply(in[0])
				if err != nil {
					return nil, err
				}
				return g.Pool(y, p)
			}
			var c []float32
			res := runOpGraph(t, [][]int{tc.xs}, [][]float32{x}, func(os []int) []float32 {
				c = randF32(r, prod(os))
				return c
			}, emit)
			closeSlices(t, "fused executor vs TapeMachine", res.grads[0], res.tapeGrads[0], 0, 0)

			// direct routing on the same geometry
			C := tc.xs[3]
			g, err := newPoolGeo(tc.xs, tc.size, tc.st, tc.pb, tc.pa)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]float32, len(x))
			P, kv, inP := g.outPix(), g.kvol(), g.inPix()
			for b := 0; b < g.n; b++ {
				for q := 0; q < P; q++ {
					for ch := 0; ch < C; ch++ {
						best, at := float32(0), -1
						for _, ip := range g.taps[q*kv : (q+1)*kv] {
							if ip < 0 {
								continue
							}
							i := (b*inP+int(ip))*C + ch
							if v := max(x[i], 0); at < 0 || v > best {
								best, at = v, i
							}
						}
						if at >= 0 && x[at] > 0 {
							want[at] += c[(b*P+q)*C+ch]
						}
					}
				}
			}
			closeSlices(t, "fused executor vs direct routing", res.grads[0], want, 0, 0)

			if got := fusedPoolReLUCount(t, tc.xs, emit); got != 1 {
				t.Errorf("%d fused pooling+ReLU gradients in the program, want 1", got)
			}
		})
	}
}

// fusedPoolReLUCount compiles Σ emit(x) with its gradient and counts the
// fused pooling+ReLU gradient instructions.
func fusedPoolReLUCount(t *testing.T, xs []int, emit func(g *Graph, in []*G.Node) (*G.Node, error)) int {
	t.Helper()
	p := compileSumGrads(t, [][]int{xs}, emit)
	n := 0
	for _, ins := range p.instrs {
		if pi, ok := ins.(*poolInstr); ok && pi.relu {
			n++
		}
	}
	return n
}

// compileSumGrads compiles the program of Σ emit(in) and its gradients
// w.r.t. every input (inputs of the given shapes, the first dimension the
// batch): outputs the loss, then the gradients.
func compileSumGrads(t *testing.T, shapes [][]int, emit func(g *Graph, in []*G.Node) (*G.Node, error)) *program {
	t.Helper()
	g := newGraph(shapes[0][0], true)
	in := make([]*G.Node, len(shapes))
	for i, s := range shapes {
		in[i] = newInput(g.g, s, fmt.Sprintf("in%d", i))
	}
	out, err := emit(g, in)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := G.Sum(out)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(loss, in...)
	if err != nil {
		t.Fatal(err)
	}
	p, err := compile(g, in, append([]*G.Node{loss}, grads...))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBiasReLUFusion: BiasAdd → ReLU → MaxPool, differentiated w.r.t. x
// and the bias. The bias addition and the ReLU become one instruction (the
// pooling+ReLU gradient no longer reads the pre-activation); outputs and
// gradients must equal the TapeMachine's unfused ones bit for bit. Without
// the pooling the ReLU gradient reads the pre-activation: no fusion.
func TestBiasReLUFusion(t *testing.T) {
	relu := ReLUActivation(0, -1, 0)
	r := rand.New(rand.NewPCG(22, 22))
	for _, pool := range []bool{true, false} {
		t.Run(fmt.Sprintf("pool=%v", pool), func(t *testing.T) {
			xs, bs := []int{2, 4, 6, 12}, []int{12}
			x, b := make([]float32, prod(xs)), randF32(r, prod(bs))
			for i := range x {
				x[i] = float32(r.IntN(5)-2) - b[i%12] // many sums of exactly 0
				if r.IntN(3) == 0 {
					x[i] = float32(r.NormFloat64())
				}
			}
			emit := func(g *Graph, in []*G.Node) (*G.Node, error) {
				y, err := g.BiasAdd(in[0], in[1])
				if err != nil {
					return nil, err
				}
				if y, err = relu.Apply(y); err != nil || !pool {
					return y, err
				}
				return g.Pool(y, PoolParams{Max: true, Size: []int{2, 2}})
			}
			res := runOpGraph(t, [][]int{xs, bs}, [][]float32{x, b}, func(os []int) []float32 { return randF32(r, prod(os)) }, emit)
			closeSlices(t, "forward vs TapeMachine", res.out, res.tapeOut, 0, 0)
			for k := range res.grads {
				closeSlices(t, fmt.Sprintf("grad %d vs TapeMachine", k), res.grads[k], res.tapeGrads[k], 0, 0)
			}
			p := compileSumGrads(t, [][]int{xs, bs}, emit)
			n := 0
			for _, ins := range p.instrs {
				if bi, ok := ins.(*biasInstr); ok && bi.relu {
					n++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[pool]; n != want {
				t.Errorf("%d fused bias+ReLU instructions, want %d", n, want)
			}
		})
	}
}

// TestConvEpilogueFusion: Conv → BiasAdd → ReLU (→ MaxPool), differentiated
// w.r.t. x, the kernel and the bias, on the blocked im2col path, the
// grouped, pointwise and few-filter paths. The bias (and, when the ReLU
// gradient does not read the pre-activation, the ReLU) runs as the
// convolution's epilogue; outputs and gradients must equal the
// TapeMachine's unfused ones bit for bit.
func TestConvEpilogueFusion(t *testing.T) {
	relu := ReLUActivation(0, -1, 0)
	cases := []struct {
		name     string
		xs, ks   []int
		groups   int
		pool     bool
		wantReLU bool
	}{
		{"blocked_relu_pool", []int{3, 6, 6, 2}, []int{3, 3, 2, 16}, 1, true, true},
		// 12 samples per im2col block (colBudget): blocks of 12, 12 and 2
		{"blocked_3_blocks_relu_pool", []int{26, 30, 30, 3}, []int{3, 3, 3, 16}, 1, true, true},
		{"blocked_relu", []int{2, 6, 5, 3}, []int{3, 3, 3, 17}, 1, false, false},
		{"grouped_relu_pool", []int{2, 6, 6, 4}, []int{3, 3, 2, 16}, 2, true, true},
		// one input channel: direct kernel, epilogue per c1Block samples (8, 8, 3)
		{"c1_blocks_relu_pool", []int{19, 8, 8, 1}, []int{3, 3, 1, 40}, 1, true, true},
		{"c1_relu", []int{3, 7, 6, 1}, []int{3, 2, 1, 16}, 1, false, false},
		{"pointwise_relu_pool", []int{2, 4, 4, 3}, []int{1, 1, 3, 16}, 1, true, true},
		{"few_filters_relu_pool", []int{2, 6, 6, 2}, []int{3, 3, 2, 4}, 1, true, true},
	}
	r := rand.New(rand.NewPCG(23, 23))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bs := []int{tc.ks[3]}
			x, k, b := randF32(r, prod(tc.xs)), randF32(r, prod(tc.ks)), randF32(r, prod(bs))
			for i := range b {
				b[i] -= 0.5 // about half the outputs ≤ 0
			}
			emit := func(g *Graph, in []*G.Node) (*G.Node, error) {
				y, err := g.Conv(in[0], in[1], ConvParams{Groups: tc.groups})
				if err != nil {
					return nil, err
				}
				if y, err = g.BiasAdd(y, in[2]); err != nil {
					return nil, err
				}
				if y, err = relu.Apply(y); err != nil || !tc.pool {
					return y, err
				}
				return g.Pool(y, PoolParams{Max: true, Size: []int{2, 2}})
			}
			shapes, data := [][]int{tc.xs, tc.ks, bs}, [][]float32{x, k, b}
			res := runOpGraph(t, shapes, data, func(os []int) []float32 { return randF32(r, prod(os)) }, emit)
			closeSlices(t, "forward vs TapeMachine", res.out, res.tapeOut, 0, 0)
			for i := range res.grads {
				closeSlices(t, fmt.Sprintf("grad %d vs TapeMachine", i), res.grads[i], res.tapeGrads[i], 0, 0)
			}
			p := compileSumGrads(t, shapes, emit)
			var epi, epiReLU int
			for _, ins := range p.instrs {
				if ci, ok := ins.(*convInstr); ok && ci.bias >= 0 {
					epi++
					if ci.relu {
						epiReLU++
					}
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tc.wantReLU]; epi != 1 || epiReLU != want {
				t.Errorf("%d convolutions with a bias epilogue (%d with ReLU), want 1 (%d)", epi, epiReLU, want)
			}
		})
	}
}
