package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// dwCase is one depthwise geometry: input spatial size, kernel, strides,
// dilation, padding, channels and depth multiplier.
type dwCase struct {
	in, k, st, dil []int
	pad            string
	c, m           int
}

// geo builds the convGeo DepthwiseConv would (batch n).
func (tc dwCase) geo(t *testing.T, n int) (*convGeo, []int, []int) {
	t.Helper()
	r := len(tc.in)
	var pb, pa []int
	for a := 0; a < r; a++ {
		_, b, e, err := ConvOutputSize(tc.in[a], tc.k[a], tc.st[a], tc.dil[a], tc.pad)
		if err != nil {
			t.Fatal(err)
		}
		pb, pa = append(pb, b), append(pa, e)
	}
	xs := append(append([]int{n}, tc.in...), tc.c)
	g, err := newConvGeo(xs, tc.k, tc.c*tc.m, tc.c, tc.st, tc.dil, pb, pa)
	if err != nil {
		t.Fatal(err)
	}
	g.finish()
	return g, pb, pa
}

// epiRef applies y·inv + res and the activation in float64.
func epiRef(y []float64, F int, inv, res []float32, act string) {
	for i := range y {
		v := y[i]
		if inv != nil {
			v = v*float64(inv[i%F]) + float64(res[i%F])
		}
		switch act {
		case "relu":
			v = math.Max(v, 0)
		case "relu6":
			v = math.Min(math.Max(v, 0), 6)
		case "tanh":
			v = math.Tanh(v)
		}
		y[i] = v
	}
}

func testAct(t *testing.T, name string) *Activation {
	t.Helper()
	switch name {
	case "":
		return nil
	case "relu6":
		return ReLUActivation(0, 6, 0)
	}
	a, err := ActivationByName(name, 3)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestDepthwiseKernels runs every depthwise kernel of this build (assembly
// and the portable loops) with and without a fused epilogue against the
// float64 convolution of convRef.
func TestDepthwiseKernels(t *testing.T) {
	cases := []dwCase{
		{in: []int{9, 11}, k: []int{3, 3}, st: []int{1, 1}, dil: []int{1, 1}, pad: "same", c: 16, m: 1},
		{in: []int{9, 11}, k: []int{3, 3}, st: []int{2, 2}, dil: []int{1, 1}, pad: "same", c: 48, m: 1},
		{in: []int{8, 8}, k: []int{3, 3}, st: []int{2, 2}, dil: []int{1, 1}, pad: "valid", c: 67, m: 1},
		{in: []int{7, 9}, k: []int{3, 2}, st: []int{1, 2}, dil: []int{2, 1}, pad: "same", c: 3, m: 1},
		{in: []int{10, 6}, k: []int{5, 5}, st: []int{1, 1}, dil: []int{1, 1}, pad: "same", c: 100, m: 1},
		{in: []int{6, 6}, k: []int{3, 3}, st: []int{1, 1}, dil: []int{1, 1}, pad: "valid", c: 1, m: 1},
		{in: []int{6, 5}, k: []int{3, 3}, st: []int{1, 1}, dil: []int{1, 1}, pad: "same", c: 24, m: 1},
		{in: []int{6, 5}, k: []int{3, 3}, st: []int{1, 1}, dil: []int{1, 1}, pad: "same", c: 7, m: 3},
		{in: []int{13}, k: []int{4}, st: []int{3}, dil: []int{2}, pad: "same", c: 33, m: 1},
		{in: []int{4, 5, 6}, k: []int{2, 3, 3}, st: []int{1, 2, 1}, dil: []int{1, 1, 2}, pad: "same", c: 9, m: 2},
		{in: []int{4, 5, 6}, k: []int{2, 2, 2}, st: []int{2, 1, 1}, dil: []int{1, 1, 1}, pad: "valid", c: 65, m: 1},
	}
	epis := []struct {
		bn  bool
		act string
	}{{false, ""}, {true, ""}, {true, "relu6"}, {false, "relu"}, {true, "tanh"}}
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range cases {
		const n = 2
		g, pb, pa := tc.geo(t, n)
		F := tc.c * tc.m
		xs := append(append([]int{n}, tc.in...), tc.c)
		ks := append(append([]int{}, tc.k...), 1, F)
		x, w := randF32(r, prod(xs)), randF32(r, prod(ks))
		for i := range x {
			x[i] *= 4 // push BN·relu6 outputs past both clamp bounds
		}
		ref, os := convRef(toF64(x), xs, toF64(w), ks, tc.c, tc.st, tc.dil, pb, pa)
		inv, res := randF32(r, F), randF32(r, F)
		for i := range inv {
			inv[i] *= 3
		}
		for _, ep := range epis {
			want := append([]float64(nil), ref...)
			e := &convEpi{act: testAct(t, ep.act)}
			if ep.bn {
				e.inv, e.res = inv, res
			}
			epiRef(want, F, e.inv, e.res, ep.act)
			for _, k := range convKernels() {
				name := fmt.Sprintf("%s/%v/k%v/s%v/d%v/c%d/m%d/bn=%v/%s", k.name, tc.in, tc.k, tc.st, tc.dil, tc.c, tc.m, ep.bn, ep.act)
				t.Run(name, func(t *testing.T) {
					y := make([]float32, prod(os))
					for i := range y {
						y[i] = float32(math.NaN()) // every output must be written
					}
					var ee *convEpi
					if ep.bn || ep.act != "" {
						ee = e
					}
					g.directForward(k, x, w, y, ee)
					for i, v := range y {
						if d := math.Abs(float64(v) - want[i]); !(d <= 1e-5+1e-5*math.Abs(want[i])) {
							t.Fatalf("y[%d] = %v, want %v", i, v, want[i])
						}
					}
				})
			}
		}
	}
}

// TestDepthwiseKernelsNaN: a NaN input reaches exactly the outputs whose
// window covers it, through the fused BatchNormalization and relu6, on
// every kernel (as the separate ops propagate it).
func TestDepthwiseKernelsNaN(t *testing.T) {
	tc := dwCase{in: []int{5, 5}, k: []int{3, 3}, st: []int{1, 1}, dil: []int{1, 1}, pad: "same", c: 21, m: 1}
	g, _, _ := tc.geo(t, 1)
	r := rand.New(rand.NewPCG(7, 8))
	x, w := randF32(r, 25*21), randF32(r, 9*21)
	x[(2*5+2)*21+5] = float32(math.NaN()) // pixel (2,2), channel 5
	e := &convEpi{inv: randF32(r, 21), res: randF32(r, 21), act: ReLUActivation(0, 6, 0)}
	for _, k := range convKernels() {
		y := make([]float32, 25*21)
		g.directForward(k, x, w, y, e)
		for p := 0; p < 25; p++ {
			for c := 0; c < 21; c++ {
				oh, ow := p/5, p%5
				covered := c == 5 && oh >= 1 && oh <= 3 && ow >= 1 && ow <= 3
				if got := math.IsNaN(float64(y[p*21+c])); got != covered {
					t.Errorf("%s: y[pixel %d, channel %d] NaN = %v, want %v", k.name, p, c, got, covered)
				}
			}
		}
	}
}

// TestDepthwiseKernelList: the portable kernel is always listed, and every
// listed kernel has a distinct name (so the tests above cover each).
func TestDepthwiseKernelList(t *testing.T) {
	ks := convKernels()
	if ks[0].name != "go" || ks[0].asm != nil {
		t.Fatalf("first kernel %q, want the portable one", ks[0].name)
	}
	seen := map[string]bool{}
	for _, k := range ks {
		if seen[k.name] {
			t.Fatalf("kernel %q listed twice", k.name)
		}
		seen[k.name] = true
	}
	if convBest.name != ks[len(ks)-1].name {
		t.Fatalf("convBest %q, want %q", convBest.name, ks[len(ks)-1].name)
	}
	t.Logf("depthwise kernels: %v", ks)
}

// TestConvEpilogueKernels runs every epilogue kernel over rows of odd and
// even channel counts against the float64 epilogue.
func TestConvEpilogueKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, C := range []int{1, 3, 7, 8, 15, 16, 17, 24, 48, 100} {
		const rows = 37
		y0 := randF32(r, rows*C)
		for i := range y0 {
			y0[i] *= 8
		}
		inv, res := randF32(r, C), randF32(r, C)
		for _, bn := range []bool{false, true} {
			for _, act := range []string{"", "relu", "relu6", "tanh"} {
				for _, tiled := range []bool{false, true} {
					e := &convEpi{act: testAct(t, act)}
					if bn {
						e.inv, e.res = inv, res
						if L := epiTile(C); tiled && L > 0 {
							e.tile(make([]float32, L), make([]float32, L))
						}
					}
					want := toF64(y0)
					epiRef(want, C, e.inv, e.res, act)
					for _, k := range convKernels() {
						y := append([]float32(nil), y0...)
						k.epilogue(y, C, e)
						for i, v := range y {
							if d := math.Abs(float64(v) - want[i]); !(d <= 1e-6+1e-6*math.Abs(want[i])) {
								t.Fatalf("%s C=%d bn=%v act=%q tiled=%v: y[%d] = %v, want %v", k.name, C, bn, act, tiled, i, v, want[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestConvForwardEpilogue runs the forward convolution with a fused
// BatchNormalization + activation on every path (pointwise in row blocks,
// im2col + GEMM, direct dense loops, grouped, depthwise) and every kernel
// against convRef followed by the float64 epilogue.
func TestConvForwardEpilogue(t *testing.T) {
	cases := []struct {
		xs, ks     []int
		groups     int
		st, pb, pa []int
		dil        []int // nil: 1
	}{
		{xs: []int{2, 40, 30, 16}, ks: []int{1, 1, 16, 48}, groups: 1, st: []int{1, 1}, pb: []int{0, 0}, pa: []int{0, 0}},                 // pointwise, several row blocks
		{xs: []int{1, 5, 3, 5}, ks: []int{1, 1, 5, 100}, groups: 1, st: []int{1, 1}, pb: []int{0, 0}, pa: []int{0, 0}},                    // pointwise, 64 + 36 channels
		{xs: []int{1, 2, 5, 300}, ks: []int{1, 1, 300, 144}, groups: 1, st: []int{1, 1}, pb: []int{0, 0}, pa: []int{0, 0}},                // pointwise, long rows
		{xs: []int{1, 7, 5, 9}, ks: []int{1, 1, 9, 13}, groups: 1, st: []int{1, 1}, pb: []int{0, 0}, pa: []int{0, 0}},                     // pointwise, odd channels
		{xs: []int{1, 20, 40, 3}, ks: []int{3, 3, 3, 16}, groups: 1, st: []int{2, 2}, pb: []int{0, 0}, pa: []int{1, 1}},                   // im2col, patches read in place (MobileNet's first layer)
		{xs: []int{1, 12, 30, 5}, ks: []int{3, 2, 5, 40}, groups: 1, st: []int{1, 1}, pb: []int{2, 0}, pa: []int{2, 1}, dil: []int{2, 1}}, // in place, dilated rows
		{xs: []int{1, 12, 30, 5}, ks: []int{3, 2, 5, 40}, groups: 1, st: []int{1, 1}, pb: []int{1, 1}, pa: []int{1, 1}, dil: []int{1, 2}}, // dilated columns: gathered
		{xs: []int{2, 50, 4}, ks: []int{5, 4, 70}, groups: 1, st: []int{1}, pb: []int{2}, pa: []int{2}},
		{xs: []int{1, 4, 5, 6, 3}, ks: []int{2, 3, 2, 3, 20}, groups: 1, st: []int{1, 2, 1}, pb: []int{0, 1, 1}, pa: []int{1, 1, 0}}, // 3-D: gathered                                   // 1-D, in place
		{xs: []int{2, 11, 9, 3}, ks: []int{3, 3, 3, 16}, groups: 1, st: []int{2, 2}, pb: []int{0, 0}, pa: []int{1, 1}},               // im2col + GEMM
		{xs: []int{2, 64, 60, 3}, ks: []int{3, 3, 3, 16}, groups: 1, st: []int{1, 1}, pb: []int{1, 1}, pa: []int{1, 1}},              // im2col, blocks split across goroutines
		{xs: []int{2, 30, 31, 24}, ks: []int{3, 3, 1, 24}, groups: 24, st: []int{1, 1}, pb: []int{1, 1}, pa: []int{1, 1}},            // depthwise, pixels split across goroutines
		{xs: []int{1, 8, 7, 6}, ks: []int{3, 3, 6, 20}, groups: 1, st: []int{1, 1}, pb: []int{1, 1}, pa: []int{1, 1}},                // im2col, copied taps
		{xs: []int{1, 8, 8, 2}, ks: []int{2, 3, 2, 17}, groups: 1, st: []int{1, 2}, pb: []int{0, 1}, pa: []int{1, 1}},                // im2col, 2 channels
		{xs: []int{1, 5, 5, 2}, ks: []int{3, 3, 2, 3}, groups: 1, st: []int{1, 1}, pb: []int{1, 1}, pa: []int{1, 1}},                 // dense loops
		{xs: []int{1, 6, 6, 8}, ks: []int{3, 3, 4, 6}, groups: 2, st: []int{1, 1}, pb: []int{1, 1}, pa: []int{1, 1}},                 // grouped
		{xs: []int{2, 9, 9, 24}, ks: []int{3, 3, 1, 24}, groups: 24, st: []int{2, 2}, pb: []int{0, 0}, pa: []int{1, 1}},              // depthwise
		{xs: []int{1, 6, 6, 5}, ks: []int{3, 3, 1, 10}, groups: 5, st: []int{1, 1}, pb: []int{1, 1}, pa: []int{1, 1}},                // depthwise, multiplier 2
	}
	r := rand.New(rand.NewPCG(11, 12))
	for _, tc := range cases {
		rank := len(tc.xs) - 2
		F := tc.ks[rank+1]
		dil := tc.dil
		if dil == nil {
			dil = filledInts(rank, 1)
		}
		g, err := newConvGeo(tc.xs, tc.ks[:rank], F, tc.groups, tc.st, dil, tc.pb, tc.pa)
		if err != nil {
			t.Fatal(err)
		}
		g.finish()
		x, w := randF32(r, prod(tc.xs)), randF32(r, prod(tc.ks))
		ref, os := convRef(toF64(x), tc.xs, toF64(w), tc.ks, tc.groups, tc.st, dil, tc.pb, tc.pa)
		inv, res := randF32(r, F), randF32(r, F)
		for i := range inv {
			inv[i] *= 4
		}
		for _, act := range []string{"relu6", "tanh", ""} {
			e := &convEpi{inv: inv, res: res, act: testAct(t, act)}
			if L := epiTile(F); L > 0 {
				e.tile(make([]float32, L), make([]float32, L))
			}
			want := append([]float64(nil), ref...)
			epiRef(want, F, inv, res, act)
			for _, k := range convKernels() {
				var s convScratch
				s.col = make([]float32, g.chunk()*g.outPix()*g.kg())
				s.wp = make([]float32, g.kernelLen())
				s.yp = make([]float32, g.outPix()*g.fg()+g.kernelLen())
				y := make([]float32, prod(os))
				g.forwardWith(k, x, w, y, s, e)
				for i, v := range y {
					if d := math.Abs(float64(v) - want[i]); !(d <= 1e-5+1e-5*math.Abs(want[i])) {
						t.Fatalf("%v %s act %q: y[%d] = %v, want %v", g, k.name, act, i, v, want[i])
					}
				}
			}
		}
	}
}

// TestConvForwardEpilogueRandom: random geometries (rank 1 or 2, strides,
// dilations, paddings, ordinary, grouped and depthwise convolutions, channel
// counts on both sides of the vector widths) through forwardWith with a
// BatchNormalization + relu6 epilogue on every kernel, against convRef and
// the float64 epilogue.
func TestConvForwardEpilogueRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for i := 0; i < 80; i++ {
		checkRandomConv(t, r, i)
	}
}

// FuzzConvForward runs one random convolution geometry per input (rank,
// channels, groups or depthwise multiplier, kernel, stride, dilation,
// padding) through every kernel set with a ReLU6 epilogue against the
// float64 reference: `go test ./runtime -fuzz FuzzConvForward`.
func FuzzConvForward(f *testing.F) {
	for _, s := range []uint64{0, 1, 15, 1 << 40} {
		f.Add(s, uint64(16))
	}
	f.Fuzz(func(t *testing.T, s1, s2 uint64) {
		checkRandomConv(t, rand.New(rand.NewPCG(s1, s2)), 0)
	})
}

// checkRandomConv draws one convolution geometry from r and checks
// forwardWith on every kernel set against convRef plus the epilogue.
func checkRandomConv(t *testing.T, r *rand.Rand, i int) {
	t.Helper()
	rank := 1 + r.IntN(2)
	cin := 1 + r.IntN(40)
	groups, f := 1, 1+r.IntN(90)
	if r.IntN(3) == 0 { // depthwise, multiplier 1 or 2
		groups, f = cin, cin*(1+r.IntN(2))
	}
	xs, ks := []int{1 + r.IntN(2)}, []int{}
	st, dil, pb, pa := make([]int, rank), make([]int, rank), make([]int, rank), make([]int, rank)
	for a := 0; a < rank; a++ {
		ks = append(ks, 1+r.IntN(4))
		st[a], dil[a], pb[a], pa[a] = 1+r.IntN(3), 1+r.IntN(2), r.IntN(3), r.IntN(3)
		xs = append(xs, (ks[a]-1)*dil[a]+1+r.IntN(30))
	}
	xs = append(xs, cin)
	kshape := append(append([]int{}, ks...), cin/groups, f)
	g, err := newConvGeo(xs, ks, f, groups, st, dil, pb, pa)
	if err != nil {
		t.Fatalf("%v %v: %v", xs, kshape, err)
	}
	g.finish()
	x, w := randF32(r, prod(xs)), randF32(r, prod(kshape))
	for j := range x {
		x[j] *= 3
	}
	ref, os := convRef(toF64(x), xs, toF64(w), kshape, groups, st, dil, pb, pa)
	// float32 sums of up to K = 640 terms: the tolerance grows with
	// Σ|x·w| (cancellation can leave a small result of large terms)
	mag, _ := convRef(absF64(x), xs, absF64(w), kshape, groups, st, dil, pb, pa)
	e := &convEpi{inv: randF32(r, f), res: randF32(r, f), act: ReLUActivation(0, 6, 0)}
	if L := epiTile(f); L > 0 {
		e.tile(make([]float32, L), make([]float32, L))
	}
	epiRef(ref, f, e.inv, e.res, "relu6")
	for _, k := range convKernels() {
		s := convScratch{
			col: make([]float32, g.chunk()*g.outPix()*g.kg()),
			wp:  make([]float32, g.kernelLen()),
			yp:  make([]float32, g.outPix()*g.fg()+g.kernelLen()),
		}
		y := make([]float32, prod(os))
		g.forwardWith(k, x, w, y, s, e)
		for j, v := range y {
			tol := 1e-5 + 1e-5*math.Abs(ref[j]) + 1e-6*mag[j]*math.Abs(float64(e.inv[j%f]))
			if d := math.Abs(float64(v) - ref[j]); !(d <= tol) {
				t.Fatalf("%d: %v %s: y[%d] = %v, want %v (tolerance %.2g)", i, g, k.name, j, v, ref[j], tol)
			}
		}
	}
}

func absF64(d []float32) []float64 {
	o := toF64(d)
	for i, v := range o {
		o[i] = math.Abs(v)
	}
	return o
}
