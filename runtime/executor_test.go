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
				g, out, err := net.emit(batch, false)
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
				sp := net.steps[stepKey{true, batch, outShape[len(outShape)-1]}]
				sg := sp.g
				ins := map[*G.Node]*tensor.Tensor{sg.x: x, sp.yNode: y, sp.swNode: sw}
				tape := tapeRun(t, sg, ins, sp.outNodes)
				closeSlices(t, "train yPred", res.YPred.Data(), tape[0], 1e-6, 1e-5)
				closeSlices(t, "train loss", []float32{res.Loss}, tape[1], 1e-6, 1e-5)
				if len(res.Grads) != len(vars) {
					t.Fatalf("%d gradients, want %d", len(res.Grads), len(vars))
				}
				for i := range res.Grads {
					closeSlices(t, "grad "+vars[i].Path, res.Grads[i], tape[2+i], 1e-6, 1e-5)
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
