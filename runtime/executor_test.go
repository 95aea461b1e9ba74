package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
)

type xcase struct {
	name  string
	sizes []int
	acts  []string
	loss  string
}

var crossCases = []xcase{
	{"mlp_2_10_10_2_relu_mse", []int{2, 10, 10, 2}, []string{"relu", "relu", "linear"}, "mse"},
	{"tanh_softmax_cce", []int{3, 8, 4}, []string{"tanh", "softmax"}, "categorical_crossentropy"},
	{"sigmoid_bce", []int{5, 6, 1}, []string{"elu", "sigmoid"}, "binary_crossentropy"},
	{"mixed_acts_mae", []int{4, 6, 6, 6, 6, 3}, []string{"gelu", "selu", "log_softmax", "sparsemax", "softplus"}, "mae"},
	{"glu_huber", []int{3, 8, 2}, []string{"glu", "linear"}, "huber"},
}

// TestExecutorMatchesFloat64Reference checks the compiled program's
// outputs, losses and gradients against an independent float64
// re-derivation (refMLP) and central finite differences of it: no kerago
// op is on the reference side.
func TestExecutorMatchesFloat64Reference(t *testing.T) {
	for _, tc := range crossCases {
		t.Run(tc.name, func(t *testing.T) {
			stages, vars := mlp(t, 7, tc.sizes, tc.acts)
			loss, err := kernels.LossByName(tc.loss)
			if err != nil {
				t.Fatal(err)
			}
			net, err := NewNetwork(NetworkConfig{InputShape: tc.sizes[:1], Stages: stages, Variables: vars, Loss: loss})
			if err != nil {
				t.Fatal(err)
			}
			ref := refMLP{sizes: tc.sizes, acts: tc.acts, loss: tc.loss}
			params := make([][]float64, len(vars))
			for i, v := range vars {
				params[i] = sl64(v.Value.Data())
			}
			r := rand.New(rand.NewPCG(3, 4))
			for _, batch := range []int{1, 5, 32} {
				x := randTensor(r, 2, batch, tc.sizes[0])
				got, err := net.Predict(x)
				if err != nil {
					t.Fatal(err)
				}
				xd := sl64(x.Data())
				closeSlices(t, "predict", got.Data(), sl32(ref.forward(params, xd, batch)), 1e-5, 1e-5)

				outShape := net.OutputShape()
				y := randTensor(r, 1, append([]int{batch}, outShape...)...)
				for i, v := range y.Data() { // valid targets for crossentropies
					if v < 0 {
						y.Data()[i] = -v
					}
				}
				sw := randTensor(r, 1, batch)
				for i := range sw.Data() {
					sw.Data()[i] += 1
				}
				res, err := net.TrainStep(x, y, sw)
				if err != nil {
					t.Fatal(err)
				}
				yd, swd := sl64(y.Data()), sl64(sw.Data())
				lossOf := func() float64 { return ref.lossValue(ref.forward(params, xd, batch), yd, swd, batch) }
				closeSlices(t, "train loss", []float32{res.Loss}, []float32{float32(lossOf())}, 1e-6, 1e-5)
				if len(res.Grads) != len(vars) {
					t.Fatalf("%d gradients, want %d", len(res.Grads), len(vars))
				}
				for i := range res.Grads {
					fd := make([]float64, len(params[i]))
					for j := range fd {
						old := params[i][j]
						const h = 1e-6
						params[i][j] = old + h
						lp := lossOf()
						params[i][j] = old - h
						lm := lossOf()
						params[i][j] = old
						fd[j] = (lp - lm) / (2 * h)
					}
					closeSlices(t, "grad "+vars[i].Path+" vs finite differences", res.Grads[i], sl32(fd), 1e-5, 1e-4)
				}
				l, _, err := net.TestStep(x, y, sw)
				if err != nil {
					t.Fatal(err)
				}
				closeSlices(t, "test loss", []float32{l}, []float32{float32(lossOf())}, 1e-6, 1e-5)
			}
		})
	}
}

// TestExecutorNormMatchesFloat64Reference checks a training step through
// kerago's BatchNormalization (batch statistics), LayerNormalization,
// PReLU, Normalization and dropout ops (the executor's mask draws) with an
// L2 regularizer against a float64 re-derivation of Keras's formulas and
// central finite differences of it.
func TestExecutorNormMatchesFloat64Reference(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 12))
	k1 := newVar("d1/kernel", randTensor(r, 1, 3, 4), true)
	b1 := newVar("d1/bias", randTensor(r, 1, 4), true)
	gamma := newVar("bn/gamma", randTensor(r, 1, 4), true)
	beta := newVar("bn/beta", randTensor(r, 1, 4), true)
	mm := newVar("bn/moving_mean", tensor.Zeros(4), false)
	mv := newVar("bn/moving_variance", randTensor(r, 0.2, 4), false)
	for i := range mv.Value.Data() {
		mv.Value.Data()[i] += 1
	}
	k2 := newVar("d2/kernel", randTensor(r, 1, 4, 6), true)
	lg := newVar("ln/gamma", randTensor(r, 1, 6), true)
	lb := newVar("ln/beta", randTensor(r, 1, 6), true)
	alpha := newVar("prelu/alpha", randTensor(r, 0.5, 6), true)
	k2.Regularizer = l2reg(0.01)
	vars := []*Variable{k1, b1, gamma, beta, mm, mv, k2, lg, lb, alpha}
	stages := []Stage{
		&denseStage{kernel: k1, bias: b1},
		stageFunc(func(g *Graph, x *G.Node, training bool) (*G.Node, error) {
			return g.BatchNorm(x, BatchNormParams{Axis: -1, Epsilon: 1e-3, Momentum: 0.99, Gamma: gamma, Beta: beta, MovingMean: mm, MovingVariance: mv, BatchStats: training})
		}),
		&denseStage{kernel: k2},
		stageFunc(func(g *Graph, x *G.Node, training bool) (*G.Node, error) {
			return g.LayerNorm(x, LayerNormParams{Axes: []int{-1}, Epsilon: 1e-3, Gamma: lg, Beta: lb})
		}),
		stageFunc(func(g *Graph, x *G.Node, training bool) (*G.Node, error) { return g.PReLU(x, alpha) }),
		stageFunc(func(g *Graph, x *G.Node, training bool) (*G.Node, error) {
			m, _ := g.Constant([]float32{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, []int{6})
			v, _ := g.Constant([]float32{1, 2, 3, 4, 5, 6}, []int{6})
			return g.Normalize(x, m, v, []int{6}, false)
		}),
		stageFunc(func(g *Graph, x *G.Node, training bool) (*G.Node, error) {
			if !training {
				return x, nil
			}
			return g.Dropout(x, 0.25, nil, -1)
		}),
	}
	mse, _ := kernels.LossByName("mse")
	net, err := NewNetwork(NetworkConfig{InputShape: []int{3}, Stages: stages, Variables: vars, Loss: mse, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	x := randTensor(r, 2, 7, 3)
	y := randTensor(r, 1, 7, 6)
	res, err := net.TrainStep(x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	sp := net.steps[stepKey{train: true, batch: 7, colsTrue: 6}]
	if len(sp.g.masks) != 1 {
		t.Fatalf("%d dropout masks, want 1", len(sp.g.masks))
	}
	mask := sl64(sp.f.bufs[sp.p.masks[0]][:7*6])
	params := map[*Variable][]float64{}
	for _, v := range vars {
		params[v] = sl64(v.Value.Data())
	}
	xd, yd := sl64(x.Data()), sl64(y.Data())
	forward := func() ([]float64, float64) {
		h := affineRef(xd, params[k1], params[b1], 7, 3, 4)
		h = batchNormRef(h, params[gamma], params[beta], 7, 4)
		h = affineRef(h, params[k2], nil, 7, 4, 6)
		h = layerNormRef(h, params[lg], params[lb], 7, 6)
		for i, v := range h {
			a := params[alpha][i%6]
			if v < 0 {
				h[i] = a * v
			}
			h[i] = (h[i] - 0.1*float64(i%6+1)) / math.Sqrt(float64(i%6+1))
			if mask[i] != 0 {
				h[i] /= 0.75
			} else {
				h[i] = 0
			}
		}
		var l float64
		for i, v := range h {
			l += (v - yd[i]) * (v - yd[i]) / 6 / 7
		}
		for _, w := range params[k2] {
			l += float64(float32(0.01)) * w * w
		}
		return h, l
	}
	yp, l := forward()
	closeSlices(t, "yPred", res.YPred.Data(), sl32(yp), 1e-5, 1e-5)
	closeSlices(t, "loss", []float32{res.Loss}, []float32{float32(l)}, 1e-6, 1e-5)
	for i, v := range net.TrainableVariables() {
		p := params[v]
		fd := make([]float64, len(p))
		for j := range p {
			old := p[j]
			const h = 1e-6
			p[j] = old + h
			_, lp := forward()
			p[j] = old - h
			_, lm := forward()
			p[j] = old
			fd[j] = (lp - lm) / (2 * h)
		}
		closeSlices(t, "grad "+v.Path+" vs finite differences", res.Grads[i], sl32(fd), 1e-5, 1e-4)
	}
}

// affineRef is x·k (+ b) in float64.
func affineRef(x, k, b []float64, rows, in, out int) []float64 {
	y := make([]float64, rows*out)
	for s := 0; s < rows; s++ {
		for j := 0; j < out; j++ {
			var v float64
			if b != nil {
				v = b[j]
			}
			for i := 0; i < in; i++ {
				v += x[s*in+i] * k[i*out+j]
			}
			y[s*out+j] = v
		}
	}
	return y
}

// batchNormRef is Keras's training-mode BatchNormalization (ε = 1e-3):
// γ(x − μ_B)/sqrt(σ²_B + ε) + β with the batch's mean and biased variance.
func batchNormRef(x, gamma, beta []float64, rows, cols int) []float64 {
	y := make([]float64, len(x))
	for j := 0; j < cols; j++ {
		var mu, vr float64
		for s := 0; s < rows; s++ {
			mu += x[s*cols+j] / float64(rows)
		}
		for s := 0; s < rows; s++ {
			d := x[s*cols+j] - mu
			vr += d * d / float64(rows)
		}
		for s := 0; s < rows; s++ {
			y[s*cols+j] = gamma[j]*(x[s*cols+j]-mu)/math.Sqrt(vr+1e-3) + beta[j]
		}
	}
	return y
}

// layerNormRef is Keras's LayerNormalization over the last axis (ε = 1e-3).
func layerNormRef(x, gamma, beta []float64, rows, cols int) []float64 {
	y := make([]float64, len(x))
	for s := 0; s < rows; s++ {
		row := x[s*cols : (s+1)*cols]
		var mu, vr float64
		for _, v := range row {
			mu += v / float64(cols)
		}
		for _, v := range row {
			vr += (v - mu) * (v - mu) / float64(cols)
		}
		for j, v := range row {
			y[s*cols+j] = gamma[j]*(v-mu)/math.Sqrt(vr+1e-3) + beta[j]
		}
	}
	return y
}

// l2reg is a minimal L2 penalty for runtime tests.
type l2reg float32

func (r l2reg) Penalty(w []float32) float32 {
	var s float32
	for _, v := range w {
		s += v * v
	}
	return float32(r) * s
}

func (r l2reg) AddGrad(grad, w []float32) {
	for i, v := range w {
		grad[i] += 2 * float32(r) * v
	}
}

// refMLP is an independent float64 re-derivation of the networks mlp
// builds: Dense (x·W + b) then the activation from the float64 definitions
// of act_test.go (elemRefs, rowRefs), and the compiled loss (Keras's
// formulas, spec §5) with "sum_over_batch_size" sample weighting.
type refMLP struct {
	sizes []int
	acts  []string
	loss  string
}

func (r refMLP) forward(params [][]float64, x []float64, batch int) []float64 {
	h, width := x, r.sizes[0]
	for l := 1; l < len(r.sizes); l++ {
		k, b, units := params[2*(l-1)], params[2*(l-1)+1], r.sizes[l]
		z := make([]float64, batch*units)
		for s := 0; s < batch; s++ {
			for j := 0; j < units; j++ {
				v := b[j]
				for i := 0; i < width; i++ {
					v += h[s*width+i] * k[i*units+j]
				}
				z[s*units+j] = v
			}
		}
		if f, ok := rowRefs[r.acts[l-1]]; ok {
			var out []float64
			for s := 0; s < batch; s++ {
				out = append(out, f(z[s*units:(s+1)*units])...)
			}
			h, width = out, len(out)/batch
			continue
		}
		f := elemRefs[r.acts[l-1]].f
		for i, v := range z {
			z[i] = f(v)
		}
		h, width = z, units
	}
	return h
}

func (r refMLP) lossValue(p, y, sw []float64, batch int) float64 {
	cols := len(p) / batch
	var total float64
	for s := 0; s < batch; s++ {
		var v float64
		for j := 0; j < cols; j++ {
			pv, yv := p[s*cols+j], y[s*cols+j]
			d := pv - yv
			switch r.loss {
			case "mse":
				v += d * d / float64(cols)
			case "mae":
				v += math.Abs(d) / float64(cols)
			case "huber":
				if math.Abs(d) <= 1 {
					v += 0.5 * d * d / float64(cols)
				} else {
					v += (math.Abs(d) - 0.5) / float64(cols)
				}
			case "binary_crossentropy":
				v -= (yv*math.Log(pv) + (1-yv)*math.Log(1-pv)) / float64(cols)
			case "categorical_crossentropy":
				v -= yv * math.Log(pv)
			}
		}
		total += sw[s] * v
	}
	return total / float64(batch)
}

func sl64(d []float32) []float64 {
	out := make([]float64, len(d))
	for i, v := range d {
		out[i] = float64(v)
	}
	return out
}

func sl32(d []float64) []float32 {
	out := make([]float32, len(d))
	for i, v := range d {
		out[i] = float32(v)
	}
	return out
}
