package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
)

// gnRef is group normalization in float64 on channels_last h (last axis
// channels, contiguous groups), from the definition in keras-layers.md §9.1.
func gnRef(groups int, eps float64, hasGamma, hasBeta bool) func(h []float64, shape []int, p [][]float64) []float64 {
	return func(h []float64, shape []int, p [][]float64) []float64 {
		c := shape[len(shape)-1]
		per := prod(shape[1:])
		size := c / groups
		y := make([]float64, len(h))
		for n := 0; n < shape[0]; n++ {
			xs := h[n*per : (n+1)*per]
			for gi := 0; gi < groups; gi++ {
				var m, v, cnt float64
				for i := range xs {
					if (i%c)/size == gi {
						m += xs[i]
						cnt++
					}
				}
				m /= cnt
				for i := range xs {
					if (i%c)/size == gi {
						v += (xs[i] - m) * (xs[i] - m)
					}
				}
				v /= cnt
				for i := range xs {
					if (i%c)/size != gi {
						continue
					}
					gm, bt, k := 1.0, 0.0, 0
					if hasGamma {
						gm = p[k][i%c]
						k++
					}
					if hasBeta {
						bt = p[k][i%c]
					}
					y[n*per+i] = (xs[i]-m)/math.Sqrt(v+eps)*gm + bt
				}
			}
		}
		return y
	}
}

func TestGroupNormGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	cases := []struct {
		perIn       []int
		width       int
		groups      int
		gamma, beta bool
	}{
		{[]int{3}, 4, 2, true, true},
		{[]int{2, 3}, 6, 3, true, true},
		{[]int{2, 3}, 6, 1, true, false},
		{[]int{2, 2, 3}, 4, 4, false, true},
		{[]int{3}, 4, 2, false, false},
	}
	for _, tc := range cases {
		var params []*Variable
		gp := GroupNormParams{Groups: tc.groups, Axis: -1, Epsilon: 1e-3}
		if tc.gamma {
			gp.Gamma = newVar("gn/gamma", randTensor(r, 1, tc.width), true)
			params = append(params, gp.Gamma)
		}
		if tc.beta {
			gp.Beta = newVar("gn/beta", randTensor(r, 1, tc.width), true)
			params = append(params, gp.Beta)
		}
		runGradCase(t, gradCase{
			name: "gn", perIn: tc.perIn, width: tc.width, params: params, batch: 3,
			emit: func(g *Graph, h *G.Node) (*G.Node, error) { return g.GroupNorm(h, gp) },
			ref:  gnRef(tc.groups, 1e-3, tc.gamma, tc.beta),
		})
	}
}

// unitRef is x/‖x‖ over the last axis (or over all non-batch axes) in float64.
func unitRef(all bool) func(h []float64, shape []int, p [][]float64) []float64 {
	return func(h []float64, shape []int, p [][]float64) []float64 {
		n := shape[len(shape)-1]
		if all {
			n = prod(shape[1:])
		}
		y := make([]float64, len(h))
		for s := 0; s < len(h); s += n {
			var sq float64
			for _, v := range h[s : s+n] {
				sq += v * v
			}
			for i := s; i < s+n; i++ {
				y[i] = h[i] / math.Sqrt(sq)
			}
		}
		return y
	}
}

func TestUnitNormGradients(t *testing.T) {
	for _, tc := range []struct {
		perIn []int
		axes  []int
		all   bool
	}{
		{[]int{3}, []int{-1}, false},
		{[]int{2, 3}, []int{-1}, false},
		{[]int{2, 3}, []int{1, 2}, true},
	} {
		runGradCase(t, gradCase{
			name: "unit", perIn: tc.perIn, width: 4, batch: 3,
			emit: func(g *Graph, h *G.Node) (*G.Node, error) { return g.UnitNorm(h, tc.axes) },
			ref:  unitRef(tc.all),
		})
	}
}

// TestUnitNormGolden checks keras-layers.md §9.3 / §10.8: [3,4] → [0.6, 0.8];
// a zero vector stays 0 (its gradient is 1e12·dy, Keras's clamp).
func TestUnitNormGolden(t *testing.T) {
	g := newGraph(2, false)
	x := newInput(g.g, []int{2, 2}, "x")
	y, err := g.UnitNorm(x, []int{-1})
	if err != nil {
		t.Fatal(err)
	}
	xv, _ := tensor.FromSlice([]float32{3, 4, 0, 0}, 2, 2)
	got := tapeRun(t, g, map[*G.Node]*tensor.Tensor{x: xv}, []*G.Node{y})
	closeSlices(t, "UnitNormalization", got[0], []float32{0.6, 0.8, 0, 0}, 1e-7, 0)
}

func TestRescaleGradients(t *testing.T) {
	scale := []float32{0.5, -2, 1.5, 3}
	offset := []float32{-1}
	runGradCase(t, gradCase{
		name: "rescale", perIn: []int{2, 3}, width: 4, batch: 2,
		emit: func(g *Graph, h *G.Node) (*G.Node, error) { return g.Rescale(h, scale, []int{4}, offset, nil) },
		ref: func(h []float64, shape []int, p [][]float64) []float64 {
			y := make([]float64, len(h))
			for i, v := range h {
				y[i] = v*float64(scale[i%4]) + float64(offset[0])
			}
			return y
		},
	})
}

// TestRescaleGolden checks keras-layers.md §10.4: Rescaling(1/127.5,
// offset=−1) on [0, 127.5, 255] → [−1, 0, 1].
func TestRescaleGolden(t *testing.T) {
	g := newGraph(1, false)
	x := newInput(g.g, []int{1, 3}, "x")
	y, err := g.Rescale(x, []float32{float32(1 / 127.5)}, nil, []float32{-1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	xv, _ := tensor.FromSlice([]float32{0, 127.5, 255}, 1, 3)
	got := tapeRun(t, g, map[*G.Node]*tensor.Tensor{x: xv}, []*G.Node{y})
	closeSlices(t, "Rescaling", got[0], []float32{-1, 0, 1}, 1e-6, 0)
	if _, err := g.Rescale(x, []float32{1, 2}, []int{2}, []float32{0}, nil); err == nil {
		t.Fatal("scale of shape (2,) on (1, 3) accepted")
	}
}

// TestAlphaDropoutTraining checks keras-layers.md §9.4: on zero inputs
// AlphaDropout(0.5) gives 0.7791939 (kept) or −0.7791939 (dropped), about
// half each; the gradient flows only through kept units, scaled by a.
func TestAlphaDropoutTraining(t *testing.T) {
	const rate = 0.5
	st := stageFunc(func(g *Graph, x *G.Node, training bool) (*G.Node, error) {
		if !training {
			return x, nil
		}
		return g.AlphaDropout(x, rate, nil, -1)
	})
	k := newVar("d/kernel", tensor.Zeros(3, 40), true)
	net, err := NewNetwork(NetworkConfig{InputShape: []int{3}, Stages: []Stage{&denseStage{kernel: k}, st}, Variables: []*Variable{k}, Loss: dotLoss{}, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(9, 9))
	x := randTensor(r, 1, 50, 3)
	c := tensor.Zeros(50, 40)
	for i := range c.Data() {
		c.Data()[i] = 1
	}
	res, err := net.TrainStep(x, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	ap := -1.6732632423543772 * 1.0507009873554805
	a := math.Pow((1-rate)*(1+rate*ap*ap), -0.5)
	kept := 0
	for i, v := range res.YPred.Data() {
		switch {
		case math.Abs(float64(v)-0.7791939) < 1e-6:
			kept++
		case math.Abs(float64(v)+0.7791939) < 1e-6:
		default:
			t.Fatalf("unit %d: %v, want ±0.7791939", i, v)
		}
	}
	if frac := float64(kept) / 2000; math.Abs(frac-0.5) > 0.05 {
		t.Fatalf("kept fraction %v, want about 0.5", frac)
	}
	// d loss/d kernel[k][j] = Σ_rows x[r,k]·a·kept[r,j] / rows
	for kk := 0; kk < 3; kk++ {
		for j := 0; j < 40; j++ {
			var s float64
			for row := 0; row < 50; row++ {
				if res.YPred.Data()[row*40+j] > 0 {
					s += float64(x.Data()[row*3+kk]) * a
				}
			}
			s /= 50
			if got := float64(res.Grads[0][kk*40+j]); math.Abs(got-s) > 1e-5*math.Max(1, math.Abs(s)) {
				t.Fatalf("grad[%d,%d] = %v, want %v", kk, j, got, s)
			}
		}
	}
}

// TestActivityPenaltyOracle reproduces keras-layers.md §9.5: Dense(1,
// kernel=ones) outputs [3, 7, 1, 2] with L2(0.1) → 0.1·63/4 = 1.575; the
// first two rows alone → 0.1·58/2 = 2.9.
func TestActivityPenaltyOracle(t *testing.T) {
	for _, tc := range []struct {
		y    []float32
		want float32
	}{{[]float32{3, 7, 1, 2}, 1.575}, {[]float32{3, 7}, 2.9}} {
		g := newGraph(len(tc.y), false)
		x := newInput(g.g, []int{len(tc.y), 1}, "x")
		p, err := g.ActivityPenalty(x, 0, 0.1)
		if err != nil {
			t.Fatal(err)
		}
		xv, _ := tensor.FromSlice(tc.y, len(tc.y), 1)
		got := tapeRun(t, g, map[*G.Node]*tensor.Tensor{x: xv}, []*G.Node{p})
		closeSlices(t, "activity penalty", got[0], []float32{tc.want}, 1e-6, 1e-6)
	}
}

// TestActivityPenaltyGradients checks the loss and gradients of a Dense
// output with an activity L1L2 term added by AddLoss against a float64
// reference and central finite differences.
func TestActivityPenaltyGradients(t *testing.T) {
	const l1, l2 = 0.03, 0.2
	r := rand.New(rand.NewPCG(4, 4))
	kern := newVar("dense/kernel", randTensor(r, 0.8, 3, 4), true)
	bias := newVar("dense/bias", randTensor(r, 0.5, 4), true)
	st := stageFunc(func(g *Graph, x *G.Node, training bool) (*G.Node, error) {
		p, err := g.ActivityPenalty(x, l1, l2)
		if err != nil {
			return nil, err
		}
		return x, g.AddLoss(p)
	})
	net, err := NewNetwork(NetworkConfig{InputShape: []int{3}, Stages: []Stage{&denseStage{kernel: kern, bias: bias}, st},
		Variables: []*Variable{kern, bias}, Loss: dotLoss{}})
	if err != nil {
		t.Fatal(err)
	}
	const batch = 5
	x := randTensor(r, 1.5, batch, 3)
	c := randTensor(r, 1, batch, 4)
	p := [][]float64{f64s(kern.Value), f64s(bias.Value)}
	lossRef := func(p [][]float64) float64 {
		y := denseRef(f64s(x), batch, 3, 4, p[0], p[1])
		var l, s1, s2 float64
		for i, v := range y {
			l += v * float64(c.Data()[i])
			s1 += math.Abs(v)
			s2 += v * v
		}
		return l/batch + (l1*s1+l2*s2)/batch
	}
	res, err := net.TrainStep(x, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := lossRef(p); math.Abs(float64(res.Loss)-want) > 1e-5*math.Max(1, math.Abs(want)) {
		t.Fatalf("loss %v, reference %v", res.Loss, want)
	}
	for vi := range p {
		for i := range p[vi] {
			old := p[vi][i]
			p[vi][i] = old + 1e-6
			lp := lossRef(p)
			p[vi][i] = old - 1e-6
			lm := lossRef(p)
			p[vi][i] = old
			fd := (lp - lm) / 2e-6
			if g := float64(res.Grads[vi][i]); math.Abs(g-fd) > 2e-4*math.Max(1, math.Abs(fd)) {
				t.Fatalf("variable %d[%d]: gradient %v, finite difference %v", vi, i, g, fd)
			}
		}
	}
}

// rmsRef is x·(mean(x²)+ε)^−½·scale over the last axis (or all non-batch
// axes) in float64.
func rmsRef(all bool, eps float64, hasScale bool) func(h []float64, shape []int, p [][]float64) []float64 {
	return func(h []float64, shape []int, p [][]float64) []float64 {
		n := shape[len(shape)-1]
		if all {
			n = prod(shape[1:])
		}
		y := make([]float64, len(h))
		for s := 0; s < len(h); s += n {
			var sq float64
			for _, v := range h[s : s+n] {
				sq += v * v
			}
			r := 1 / math.Sqrt(sq/float64(n)+eps)
			for i := s; i < s+n; i++ {
				y[i] = h[i] * r
				if hasScale {
					y[i] *= p[0][i-s]
				}
			}
		}
		return y
	}
}

func TestRMSNormGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	for _, tc := range []struct {
		perIn    []int
		axes     []int
		all      bool
		pshape   []int
		hasScale bool
	}{
		{[]int{3}, []int{-1}, false, []int{4}, true},
		{[]int{2, 3}, []int{-1}, false, []int{4}, true},
		{[]int{2, 3}, []int{1, 2}, true, []int{2, 4}, true},
		{[]int{3}, []int{-1}, false, nil, false},
	} {
		var scale *Variable
		var params []*Variable
		if tc.hasScale {
			scale = newVar("rms/scale", randTensor(r, 1, tc.pshape...), true)
			params = append(params, scale)
		}
		runGradCase(t, gradCase{
			name: "rms", perIn: tc.perIn, width: 4, batch: 3, params: params,
			emit: func(g *Graph, h *G.Node) (*G.Node, error) { return g.RMSNorm(h, tc.axes, 1e-6, scale) },
			ref:  rmsRef(tc.all, 1e-6, tc.hasScale),
		})
	}
}
