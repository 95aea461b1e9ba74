package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// dotLoss is a test loss: per row Σ_j yTrue·yPred, so that TrainStep's
// loss is (1/rows)·Σ c·y and its gradients are those of a random linear
// functional of the output.
type dotLoss struct{}

func (dotLoss) Name() string { return "dot" }
func (dotLoss) PerSample(out, yTrue, yPred []float32, rows, ct, cp int) {
	for i := 0; i < rows; i++ {
		var s float32
		for j := 0; j < cp; j++ {
			s += yTrue[i*cp+j] * yPred[i*cp+j]
		}
		out[i] = s
	}
}
func (dotLoss) Grad(dPred, dOut, yTrue, yPred []float32, rows, ct, cp int) {
	for i := 0; i < rows; i++ {
		for j := 0; j < cp; j++ {
			dPred[i*cp+j] = dOut[i] * yTrue[i*cp+j]
		}
	}
}

// denseRef computes x·W + b on the last axis in float64.
func denseRef(x []float64, rows, in, out int, w, b []float64) []float64 {
	y := make([]float64, rows*out)
	for r := 0; r < rows; r++ {
		for j := 0; j < out; j++ {
			s := b[j]
			for k := 0; k < in; k++ {
				s += x[r*in+k] * w[k*out+j]
			}
			y[r*out+j] = s
		}
	}
	return y
}

func f64s(t *tensor.Tensor) []float64 { return t.Float64() }

type gradCase struct {
	name    string
	perIn   []int // per-sample input shape; last axis feeds the Dense
	width   int   // Dense units (last axis of the op's input)
	params  []*Variable
	emit    func(g *Graph, h *G.Node) (*G.Node, error)
	ref     func(h []float64, shape []int, p [][]float64) []float64 // shape is batched
	batch   int
	nonDiff []*Variable // variables read but not trained
}

// runGradCase checks TrainStep's loss and gradients (Dense kernel and bias,
// which see the op's input gradient, and the op's own parameters) against
// float64 references and central finite differences.
func runGradCase(t *testing.T, tc gradCase) {
	t.Helper()
	r := rand.New(rand.NewPCG(21, uint64(len(tc.name))))
	fin := tc.perIn[len(tc.perIn)-1]
	kern := newVar("dense/kernel", randTensor(r, 0.8, fin, tc.width), true)
	bias := newVar("dense/bias", randTensor(r, 0.5, tc.width), true)
	dense := &denseStage{kernel: kern, bias: bias}
	vars := append([]*Variable{kern, bias}, tc.params...)
	vars = append(vars, tc.nonDiff...)
	stages := []Stage{dense, stageFunc(func(g *Graph, x *G.Node, training bool) (*G.Node, error) { return tc.emit(g, x) })}
	net, err := NewNetwork(NetworkConfig{InputShape: tc.perIn, Stages: stages, Variables: vars, Loss: dotLoss{}})
	if err != nil {
		t.Fatal(err)
	}
	batch := tc.batch
	x := randTensor(r, 1.5, append([]int{batch}, tc.perIn...)...)
	outShape := append([]int{batch}, net.OutputShape()...)
	c := randTensor(r, 1, outShape...)
	rows := prod(outShape[:len(outShape)-1])
	hShape := append(append([]int{batch}, tc.perIn[:len(tc.perIn)-1]...), tc.width)

	trainable := append([]*Variable{kern, bias}, tc.params...)
	p := make([][]float64, len(trainable))
	for i, v := range trainable {
		p[i] = f64s(v.Value)
	}
	lossRef := func(p [][]float64) float64 {
		h := denseRef(f64s(x), prod(hShape[:len(hShape)-1]), fin, tc.width, p[0], p[1])
		y := tc.ref(h, hShape, p[2:])
		var l float64
		for i, v := range y {
			l += v * float64(c.Data()[i])
		}
		return l / float64(rows)
	}
	res, err := net.TrainStep(x, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := lossRef(p)
	if math.Abs(float64(res.Loss)-want) > 1e-5*math.Max(1, math.Abs(want)) {
		t.Fatalf("%s: loss %v, reference %v", tc.name, res.Loss, want)
	}
	for vi, v := range trainable {
		g := res.Grads[vi]
		for i := range p[vi] {
			old := p[vi][i]
			h := 1e-6
			p[vi][i] = old + h
			lp := lossRef(p)
			p[vi][i] = old - h
			lm := lossRef(p)
			p[vi][i] = old
			fd := (lp - lm) / (2 * h)
			if math.Abs(float64(g[i])-fd) > 2e-4*math.Max(1, math.Abs(fd)) {
				t.Fatalf("%s: d loss/d %s[%d] = %v, finite difference %v", tc.name, v.Path, i, g[i], fd)
			}
		}
	}
}

// channel iterates (outer, c, inner) for axis ax of shape.
func perChannel(shape []int, ax int, fn func(ch int, idx []int)) {
	outer, n, inner := splitAxis(shape, ax)
	for ch := 0; ch < n; ch++ {
		var idx []int
		for o := 0; o < outer; o++ {
			for i := 0; i < inner; i++ {
				idx = append(idx, (o*n+ch)*inner+i)
			}
		}
		fn(ch, idx)
	}
}

func bnRef(eps float64, batchStats bool, mm, mv []float64) func(h []float64, shape []int, p [][]float64) []float64 {
	return func(h []float64, shape []int, p [][]float64) []float64 {
		y := make([]float64, len(h))
		perChannel(shape, len(shape)-1, func(ch int, idx []int) {
			var mean, v float64
			if batchStats {
				for _, i := range idx {
					mean += h[i]
				}
				mean /= float64(len(idx))
				for _, i := range idx {
					v += (h[i] - mean) * (h[i] - mean)
				}
				v /= float64(len(idx))
			} else {
				mean, v = mm[ch], mv[ch]
			}
			g, b := 1.0, 0.0
			if len(p) > 0 {
				g = p[0][ch]
			}
			if len(p) > 1 {
				b = p[1][ch]
			}
			for _, i := range idx {
				y[i] = (h[i]-mean)/math.Sqrt(v+eps)*g + b
			}
		})
		return y
	}
}

func TestBatchNormGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, perIn := range [][]int{{3}, {3, 2}} {
		for _, affine := range []bool{true, false} {
			for _, batchStats := range []bool{true, false} {
				width := 4
				gamma := newVar("bn/gamma", randTensor(r, 1, width), true)
				beta := newVar("bn/beta", randTensor(r, 1, width), true)
				mm := newVar("bn/moving_mean", randTensor(r, 0.5, width), false)
				mv := newVar("bn/moving_variance", randTensor(r, 0.5, width), false)
				for i := range mv.Value.Data() {
					mv.Value.Data()[i] += 1
				}
				mm0, mv0 := f64s(mm.Value), f64s(mv.Value)
				params := []*Variable{gamma, beta}
				bp := BatchNormParams{Axis: -1, Epsilon: 1e-3, Momentum: 0.9, Gamma: gamma, Beta: beta, MovingMean: mm, MovingVariance: mv, BatchStats: batchStats}
				if !affine {
					params = nil
					bp.Gamma, bp.Beta = nil, nil
				}
				runGradCase(t, gradCase{
					name: "bn", perIn: perIn, width: width, params: params, batch: 5,
					nonDiff: []*Variable{mm, mv},
					emit:    func(g *Graph, h *G.Node) (*G.Node, error) { return g.BatchNorm(h, bp) },
					ref:     bnRef(1e-3, batchStats, mm0, mv0),
				})
				if !batchStats {
					closeSlices(t, "moving mean unchanged", mm.Value.Data(), toF32(mm0), 0, 0)
				}
			}
		}
	}
}

func toF32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// TestBatchNormMovingUpdate checks moving = moving·momentum +
// batch·(1−momentum) with the biased batch variance, after a TrainStep.
func TestBatchNormMovingUpdate(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	width := 3
	mm := newVar("bn/moving_mean", randTensor(r, 0.5, width), false)
	mv := newVar("bn/moving_variance", tensor.Zeros(width), false)
	for i := range mv.Value.Data() {
		mv.Value.Data()[i] = 1
	}
	bp := BatchNormParams{Axis: -1, Epsilon: 1e-3, Momentum: 0.99, MovingMean: mm, MovingVariance: mv, BatchStats: true}
	st := stageFunc(func(g *Graph, x *G.Node, training bool) (*G.Node, error) {
		p := bp
		p.BatchStats = training
		return g.BatchNorm(x, p)
	})
	net, err := NewNetwork(NetworkConfig{InputShape: []int{width}, Stages: []Stage{st}, Variables: []*Variable{mm, mv}, Loss: dotLoss{}})
	if err != nil {
		t.Fatal(err)
	}
	x := randTensor(r, 2, 8, width)
	mm0, mv0 := f64s(mm.Value), f64s(mv.Value)
	// inference leaves the statistics alone
	if _, err := net.Predict(x); err != nil {
		t.Fatal(err)
	}
	if _, _, err := net.TestStep(x, randTensor(r, 1, 8, width), nil); err != nil {
		t.Fatal(err)
	}
	closeSlices(t, "moving_mean after predict", mm.Value.Data(), toF32(mm0), 0, 0)
	if _, err := net.TrainStep(x, randTensor(r, 1, 8, width), nil); err != nil {
		t.Fatal(err)
	}
	xd := f64s(x)
	for ch := 0; ch < width; ch++ {
		var m, v float64
		for i := 0; i < 8; i++ {
			m += xd[i*width+ch]
		}
		m /= 8
		for i := 0; i < 8; i++ {
			v += (xd[i*width+ch] - m) * (xd[i*width+ch] - m)
		}
		v /= 8
		wm := mm0[ch]*0.99 + m*0.01
		wv := mv0[ch]*0.99 + v*0.01
		if math.Abs(float64(mm.Value.Data()[ch])-wm) > 1e-6 || math.Abs(float64(mv.Value.Data()[ch])-wv) > 1e-6 {
			t.Fatalf("channel %d: moving (%v, %v), want (%v, %v)", ch, mm.Value.Data()[ch], mv.Value.Data()[ch], wm, wv)
		}
	}
}

func lnRef(axes []int, eps float64, rms, hasGamma, hasBeta bool) func(h []float64, shape []int, p [][]float64) []float64 {
	return func(h []float64, shape []int, p [][]float64) []float64 {
		isNorm := make([]bool, len(shape))
		for _, a := range axes {
			if a < 0 {
				a += len(shape)
			}
			isNorm[a] = true
		}
		// group elements by their coordinates on the other axes
		groups := map[int][]int{}
		pidx := make([]int, len(h))
		coord := make([]int, len(shape))
		for i := range h {
			gk, pk := 0, 0
			for d, c := range coord {
				if isNorm[d] {
					pk = pk*shape[d] + c
				} else {
					gk = gk*shape[d] + c
				}
			}
			groups[gk] = append(groups[gk], i)
			pidx[i] = pk
			for d := len(shape) - 1; d >= 0; d-- {
				coord[d]++
				if coord[d] < shape[d] {
					break
				}
				coord[d] = 0
			}
		}
		y := make([]float64, len(h))
		for _, idx := range groups {
			var m, v float64
			for _, i := range idx {
				m += h[i]
			}
			m /= float64(len(idx))
			for _, i := range idx {
				v += (h[i] - m) * (h[i] - m)
			}
			v /= float64(len(idx))
			for _, i := range idx {
				g, b := 1.0, 0.0
				k := 0
				if hasGamma {
					g = p[k][pidx[i]]
					k++
				}
				if hasBeta {
					b = p[k][pidx[i]]
				}
				if rms {
					y[i] = h[i] / math.Sqrt(v+eps) * g
				} else {
					y[i] = (h[i]-m)/math.Sqrt(v+eps)*g + b
				}
			}
		}
		return y
	}
}

func TestLayerNormGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	cases := []struct {
		perIn            []int
		axes             []int
		pshape           func(w int) []int
		rms, gamma, beta bool
	}{
		{[]int{3}, []int{-1}, func(w int) []int { return []int{w} }, false, true, true},
		{[]int{3}, []int{-1}, func(w int) []int { return []int{w} }, false, false, false},
		{[]int{3}, []int{-1}, func(w int) []int { return []int{w} }, true, true, false},
		{[]int{2, 3}, []int{-1}, func(w int) []int { return []int{w} }, false, true, true},
		{[]int{2, 3}, []int{1, 2}, func(w int) []int { return []int{2, w} }, false, true, true},
		{[]int{2, 3}, []int{1}, func(w int) []int { return []int{2} }, false, true, true},
	}
	for ci, tc := range cases {
		width := 4
		var params []*Variable
		lp := LayerNormParams{Axes: tc.axes, Epsilon: 1e-3, RMSScaling: tc.rms}
		if tc.gamma {
			lp.Gamma = newVar("ln/gamma", randTensor(r, 1, tc.pshape(width)...), true)
			params = append(params, lp.Gamma)
		}
		if tc.beta {
			lp.Beta = newVar("ln/beta", randTensor(r, 1, tc.pshape(width)...), true)
			params = append(params, lp.Beta)
		}
		_ = ci
		runGradCase(t, gradCase{
			name: "ln", perIn: tc.perIn, width: width, params: params, batch: 3,
			emit: func(g *Graph, h *G.Node) (*G.Node, error) { return g.LayerNorm(h, lp) },
			ref:  lnRef(tc.axes, 1e-3, tc.rms, tc.gamma, tc.beta),
		})
	}
}

func TestNormalizeGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 3))
	for _, invert := range []bool{false, true} {
		width := 4
		mean := newVar("norm/mean", randTensor(r, 1, width), false)
		variance := newVar("norm/variance", randTensor(r, 1, width), false)
		for i := range variance.Value.Data() {
			variance.Value.Data()[i] = variance.Value.Data()[i]*variance.Value.Data()[i] + 0.1
		}
		variance.Value.Data()[0] = 0 // exercises max(sqrt(var), 1e-7)
		md, vd := f64s(mean.Value), f64s(variance.Value)
		runGradCase(t, gradCase{
			name: "normalize", perIn: []int{3}, width: width, batch: 4, nonDiff: []*Variable{mean, variance},
			emit: func(g *Graph, h *G.Node) (*G.Node, error) {
				mn, _ := g.Var(mean)
				vn, _ := g.Var(variance)
				return g.Normalize(h, mn, vn, []int{width}, invert)
			},
			ref: func(h []float64, shape []int, p [][]float64) []float64 {
				y := make([]float64, len(h))
				for i, v := range h {
					j := i % width
					sd := math.Max(math.Sqrt(float64(float32(vd[j]))), 1e-7)
					if invert {
						y[i] = md[j] + v*sd
					} else {
						y[i] = (v - md[j]) / sd
					}
				}
				return y
			},
		})
	}
}

func TestPReLUGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 3))
	for _, tc := range []struct {
		perIn  []int
		ashape []int
	}{
		{[]int{3}, []int{4}},
		{[]int{2, 3}, []int{2, 4}},
		{[]int{2, 3}, []int{1, 4}}, // shared_axes=[1]
	} {
		alpha := newVar("prelu/alpha", randTensor(r, 0.5, tc.ashape...), true)
		runGradCase(t, gradCase{
			name: "prelu", perIn: tc.perIn, width: 4, params: []*Variable{alpha}, batch: 4,
			emit: func(g *Graph, h *G.Node) (*G.Node, error) { return g.PReLU(h, alpha) },
			ref: func(h []float64, shape []int, p [][]float64) []float64 {
				idx, _ := bcastIndex(shape[1:], tc.ashape)
				per := prod(shape[1:])
				y := make([]float64, len(h))
				for i, v := range h {
					a := p[0][idx[i%per]]
					y[i] = math.Max(v, 0) + a*math.Min(v, 0)
				}
				return y
			},
		})
	}
}

// TestDropoutTraining checks inverted dropout: in training each unit is 0
// or x/keep, about keep of them survive, the gradient follows the same
// mask; inference is the identity.
func TestDropoutTraining(t *testing.T) {
	rate := 0.3
	for _, noise := range [][]int{nil, {-1, 1}} {
		st := stageFunc(func(g *Graph, x *G.Node, training bool) (*G.Node, error) {
			if !training {
				return x, nil
			}
			return g.Dropout(x, rate, noise, -1)
		})
		r := rand.New(rand.NewPCG(8, 8))
		k := newVar("d/kernel", randTensor(r, 1, 4, 50), true)
		net, err := NewNetwork(NetworkConfig{InputShape: []int{4}, Stages: []Stage{&denseStage{kernel: k}, st}, Variables: []*Variable{k}, Loss: dotLoss{}, Seed: 42})
		if err != nil {
			t.Fatal(err)
		}
		x := randTensor(r, 1, 64, 4)
		c := tensor.Zeros(64, 50)
		for i := range c.Data() {
			c.Data()[i] = 1
		}
		pred, _ := net.Predict(x)
		res, err := net.TrainStep(x, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		kept := 0
		keep := float32(1 - rate)
		for i, v := range res.YPred.Data() {
			p := pred.Data()[i]
			switch {
			case v == 0:
			case math.Abs(float64(v-p/keep)) <= 1e-6*math.Abs(float64(p/keep)):
				kept++
			default:
				t.Fatalf("unit %d: %v, want 0 or %v", i, v, p/keep)
			}
		}
		if noise != nil { // one draw per row: whole rows kept or dropped
			for row := 0; row < 64; row++ {
				z := res.YPred.Data()[row*50] == 0
				for j := 1; j < 50; j++ {
					if (res.YPred.Data()[row*50+j] == 0) != z && pred.Data()[row*50+j] != 0 {
						t.Fatalf("noise_shape (None, 1): row %d partly dropped", row)
					}
				}
			}
		}
		frac := float64(kept) / float64(len(pred.Data()))
		if math.Abs(frac-(1-rate)) > 0.1 {
			t.Fatalf("kept fraction %v, want about %v", frac, 1-rate)
		}
		// gradient of (1/rows)Σ y w.r.t. kernel[k][j] = Σ_rows x[r,k]·mask[r,j]/keep / rows
		g := res.Grads[0]
		for kk := 0; kk < 4; kk++ {
			for j := 0; j < 50; j++ {
				var s float64
				for row := 0; row < 64; row++ {
					y := res.YPred.Data()[row*50+j]
					p := pred.Data()[row*50+j]
					if y != 0 || p == 0 {
						s += float64(x.Data()[row*4+kk]) / float64(keep)
					}
				}
				s /= 64
				if math.Abs(float64(g[kk*50+j])-s) > 1e-4*math.Max(1, math.Abs(s)) {
					t.Fatalf("grad[%d,%d] = %v, want %v", kk, j, g[kk*50+j], s)
				}
			}
		}
	}
}

// TestApplyDropout checks Graph.ApplyDropout with a given mask (B, 1, 5)
// broadcast over the 4 rows of each sample's (4, 5) block, as recurrent
// layers use it: in training y = mask ? x/keep : 0 with the mask of the
// sample and column at every row, and the gradient follows the same mask;
// a keep outside (0, 1] and a mask that does not broadcast are errors.
func TestApplyDropout(t *testing.T) {
	const B, keep = 16, 0.6
	r := rand.New(rand.NewPCG(81, 82))
	mask := make([]float32, B*5)
	for i := range mask {
		if r.Float64() < keep {
			mask[i] = 1
		}
	}
	st := stageFunc(func(g *Graph, x *G.Node, training bool) (*G.Node, error) {
		if !training {
			return x, nil
		}
		x3, err := G.Reshape(x, gt.Shape{B, 4, 5})
		if err != nil {
			return nil, err
		}
		m, err := g.Constant(mask, []int{B, 1, 5})
		if err != nil {
			return nil, err
		}
		y, err := g.ApplyDropout(x3, m, keep)
		if err != nil {
			return nil, err
		}
		return G.Reshape(y, gt.Shape{B, 20})
	})
	k := newVar("d/kernel", randTensor(r, 1, 3, 20), true)
	net, err := NewNetwork(NetworkConfig{InputShape: []int{3}, Stages: []Stage{&denseStage{kernel: k}, st}, Variables: []*Variable{k}, Loss: dotLoss{}})
	if err != nil {
		t.Fatal(err)
	}
	x := randTensor(r, 1, B, 3)
	c := tensor.Zeros(B, 20)
	for i := range c.Data() {
		c.Data()[i] = 1
	}
	pred, err := net.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	res, err := net.TrainStep(x, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range res.YPred.Data() {
		want := pred.Data()[i] * mask[(i/20)*5+i%5] / keep
		if math.Abs(float64(v-want)) > 1e-6*math.Max(1, math.Abs(float64(want))) {
			t.Fatalf("y[%d] = %v, want %v", i, v, want)
		}
	}
	for kk := 0; kk < 3; kk++ {
		for j := 0; j < 20; j++ {
			var s float64
			for b := 0; b < B; b++ {
				s += float64(x.Data()[b*3+kk]) * float64(mask[b*5+j%5]) / keep
			}
			s /= B
			if g := float64(res.Grads[0][kk*20+j]); math.Abs(g-s) > 1e-5*math.Max(1, math.Abs(s)) {
				t.Fatalf("grad[%d,%d] = %v, want %v", kk, j, g, s)
			}
		}
	}
	for _, bad := range []struct {
		name  string
		shape []int
		keep  float64
	}{{"keep 0", []int{B, 1, 5}, 0}, {"keep above 1", []int{B, 1, 5}, 1.5}, {"keep NaN", []int{B, 1, 5}, math.NaN()},
		{"mask does not broadcast", []int{B, 2, 5}, keep}, {"mask rank", []int{B, 5}, keep}} {
		g := newGraph(B, true)
		xn := newInput(g.g, []int{B, 4, 5}, "x")
		m := newInput(g.g, bad.shape, "m")
		if _, err := g.ApplyDropout(xn, m, bad.keep); err == nil {
			t.Errorf("%s: no error", bad.name)
		}
	}
}

// TestRNNDropoutMaskErrors: the fused recurrent ops reject per-gate dropout
// masks of the wrong shape, keep probabilities outside (0, 1] and masks on
// a GRU with errors, not panics; well-formed masks are accepted.
func TestRNNDropoutMaskErrors(t *testing.T) {
	const B, T, F, u = 2, 3, 4, 5
	p := RNNParams{Act: actByName(t, "tanh"), RecAct: actByName(t, "sigmoid"), ResetAfter: true}
	for _, c := range []struct {
		name            string
		gates           int
		in, rec         []int
		inKeep, recKeep float64
		ok              bool
	}{
		{"lstm, both masks", 4, []int{B, 4, F}, []int{B, 4, u}, 0.8, 0.7, true},
		{"simple_rnn, recurrent mask", 1, nil, []int{B, 1, u}, 0, 0.7, true},
		{"input mask per time step", 4, []int{B, T, F}, nil, 0.8, 0, false},
		{"input mask of another batch", 4, []int{B + 1, 4, F}, nil, 0.8, 0, false},
		{"recurrent mask of other units", 4, nil, []int{B, 4, u + 1}, 0, 0.8, false},
		{"recurrent mask for one gate", 4, nil, []int{B, 1, u}, 0, 0.8, false},
		{"keep 0", 4, []int{B, 4, F}, nil, 0, 0, false},
		{"keep above 1", 1, nil, []int{B, 1, u}, 0, 1.2, false},
		{"gru", 3, nil, []int{B, 3, u}, 0, 0.8, false},
	} {
		g := newGraph(B, true)
		x := newInput(g.g, []int{B, T, F}, "x")
		w := newInput(g.g, []int{F, c.gates * u}, "w")
		r := newInput(g.g, []int{u, c.gates * u}, "u")
		q := p
		q.InKeep, q.RecKeep = c.inKeep, c.recKeep
		if c.in != nil {
			q.DropIn = newInput(g.g, c.in, "din")
		}
		if c.rec != nil {
			q.DropRec = newInput(g.g, c.rec, "drec")
		}
		var err error
		switch c.gates {
		case 4:
			_, err = g.LSTM(x, w, r, nil, nil, q)
		case 3:
			_, err = g.GRU(x, w, r, nil, nil, q)
		default:
			_, err = g.SimpleRNN(x, w, r, nil, nil, q)
		}
		if (err == nil) != c.ok {
			t.Errorf("%s: error %v", c.name, err)
		}
	}
}

func actByName(t *testing.T, name string) *Activation {
	t.Helper()
	a, err := ActivationByName(name, 3)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
