package runtime

import (
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

// TestExecutorMatchesTapeMachine checks that the compiled program computes
// the same outputs, losses and gradients as gorgonia's TapeMachine running
// the very same graph.
func TestExecutorMatchesTapeMachine(t *testing.T) {
	for _, tc := range crossCases {
		t.Run(tc.name, func(t *testing.T) {
			stages, vars := mlp(t, 7, tc.sizes, tc.acts)
			loss, err := kernels.LossByName(tc.loss)
			if err != nil {
				t.Fatal(err)
			}
			// glu halves the width of its Dense layer
			net, err := NewNetwork(NetworkConfig{InputShape: tc.sizes[:1], Stages: stages, Variables: vars, Loss: loss})
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(3, 4))
			for _, batch := range []int{1, 5, 32} {
				x := randTensor(r, 2, batch, tc.sizes[0])
				// predict: executor vs TapeMachine on the inference graph
				got, err := net.Predict(x)
				if err != nil {
					t.Fatal(err)
				}
				g, outs, err := net.emit(batch, false)
				out := outs[0]
				if err != nil {
					t.Fatal(err)
				}
				want := tapeRun(t, g, map[*G.Node]*tensor.Tensor{g.x: x}, []*G.Node{out})
				closeSlices(t, "predict", got.Data(), want[0], 1e-6, 1e-5)

				// training step: executor vs TapeMachine on the training graph
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
				sp := net.steps[stepKey{train: true, batch: batch, colsTrue: outShape[len(outShape)-1]}]
				sg := sp.g
				ins := map[*G.Node]*tensor.Tensor{sg.x: x, sp.ext[1]: y, sp.ext[2]: sw}
				tape := tapeRun(t, sg, ins, sp.outNode)
				closeSlices(t, "train yPred", res.YPred.Data(), tape[0], 1e-6, 1e-5)
				closeSlices(t, "train loss", []float32{res.Loss}, tape[1], 1e-6, 1e-5)
				if len(res.Grads) != len(vars) {
					t.Fatalf("%d gradients, want %d", len(res.Grads), len(vars))
				}
				for i := range res.Grads {
					closeSlices(t, "grad "+vars[i].Path, res.Grads[i], tape[3+i], 1e-6, 1e-5)
				}
				// test step agrees with the training loss (no dropout/BN here)
				l, _, err := net.TestStep(x, y, sw)
				if err != nil {
					t.Fatal(err)
				}
				closeSlices(t, "test loss", []float32{l}, []float32{res.Loss}, 0, 1e-6)
			}
		})
	}
}

// TestExecutorMatchesTapeMachineNorm cross-checks a training graph with
// kerago's normalization, PReLU and dropout ops (dropout masks bound to the
// same draws) and a regularizer.
func TestExecutorMatchesTapeMachineNorm(t *testing.T) {
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
	ones := tensor.Zeros(7)
	for i := range ones.Data() {
		ones.Data()[i] = 1
	}
	ins := map[*G.Node]*tensor.Tensor{sp.g.x: x, sp.ext[1]: y, sp.ext[2]: ones}
	for i, m := range sp.g.masks {
		mt, _ := tensor.FromSlice(append([]float32(nil), sp.f.bufs[sp.p.masks[i]]...), m.node.Shape()...)
		ins[m.node] = mt
	}
	tape := tapeRun(t, sp.g, ins, sp.outNode)
	closeSlices(t, "yPred", res.YPred.Data(), tape[0], 1e-6, 1e-5)
	closeSlices(t, "loss", []float32{res.Loss}, tape[1], 1e-6, 1e-5)
	for i, v := range net.TrainableVariables() {
		closeSlices(t, "grad "+v.Path, res.Grads[i], tape[3+i], 1e-6, 1e-5)
	}
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
