package layers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
)

// maskStage sets a constant Keras mask (batch, steps) beside its input, as
// Embedding(mask_zero=True) would.
type maskStage struct{ mask []float32 }

func (s maskStage) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	sh := []int(x.Shape())
	data := make([]float32, sh[0]*sh[1]) // rows repeat for other batch sizes
	for i := range data {
		data[i] = s.mask[i%len(s.mask)]
	}
	m, err := g.Constant(data, sh[:2])
	if err != nil {
		return nil, err
	}
	y, err := G.Reshape(x, x.Shape().Clone()) // a new node to carry the mask
	if err != nil {
		return nil, err
	}
	g.SetMask(y, m)
	return y, nil
}

// rnnNet builds l for x (1, 3, 2), sets its weights and returns a network
// with an optional mask stage before it.
func rnnNet(t *testing.T, l *RNNLayer, weights [][]float32, mask []float32, loss bool) *runtime.Network {
	t.Helper()
	if err := l.Build([]int{3, 2}); err != nil {
		t.Fatal(err)
	}
	for i, v := range l.Variables() {
		if len(weights[i]) != len(v.Value.Data()) {
			t.Fatalf("%s has %d values, golden %d", v.Path, len(v.Value.Data()), len(weights[i]))
		}
		copy(v.Value.Data(), weights[i])
	}
	stages := []runtime.Stage{l}
	if mask != nil {
		stages = []runtime.Stage{maskStage{mask}, l}
	}
	cfg := runtime.NetworkConfig{InputShape: []int{3, 2}, Stages: stages, Variables: l.Variables()}
	if loss {
		lf, err := kernels.LossByName("mse")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Loss = lf
	}
	n, err := runtime.NewNetwork(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var (
	goldenX     = []float32{-0.5, 0.2, -0.2, 0.5, 0.1, -0.3}
	lstmWeights = [][]float32{
		{-0.3, 0, 0.3, -0.1, 0.2, -0.2, 0.1, -0.3, 0, 0.3, -0.1, 0.2, -0.2, 0.1, -0.3, 0},
		{-0.4, 0.1, -0.3, 0.2, -0.2, 0.3, -0.1, 0.4, 0, -0.4, 0.1, -0.3, 0.2, -0.2, 0.3, -0.1},
		{-0.2, 0, 0.2, -0.1, 0.1, -0.2, 0, 0.2},
	}
	gruK = []float32{-0.3, 0, 0.3, -0.1, 0.2, -0.2, 0.1, -0.3, 0, 0.3, -0.1, 0.2}
	gruR = []float32{-0.4, 0.1, -0.3, 0.2, -0.2, 0.3, -0.1, 0.4, 0, -0.4, 0.1, -0.3}
)

func rnnCfg(f func(*RNNConfig)) RNNConfig {
	c := DefaultRNNConfig()
	c.ReturnSequences = true
	if f != nil {
		f(&c)
	}
	return c
}

// TestRecurrentGolden checks SimpleRNN, LSTM and GRU against the Keras
// 3.15.1 golden vectors of keras-layers.md §10.6 (x (1,3,2)).
func TestRecurrentGolden(t *testing.T) {
	cases := []struct {
		name  string
		layer *RNNLayer
		w     [][]float32
		mask  []float32
		want  []float32
	}{
		{"lstm", LSTM(2, rnnCfg(nil)), lstmWeights, nil,
			[]float32{-0.009208262, -0.02410343, -0.01376791, -0.04439753, 0.03097097, -0.08181991}},
		{"lstm go_backwards", LSTM(2, rnnCfg(func(c *RNNConfig) { c.GoBackwards = true })), lstmWeights, nil,
			[]float32{0.04130678, -0.06314708, 0.005781333, -0.06024008, -0.009082135, -0.05150417}},
		{"lstm mask 101", LSTM(2, rnnCfg(nil)), lstmWeights, []float32{1, 0, 1},
			[]float32{-0.009208262, -0.02410343, -0.009208262, -0.02410343, 0.03487031, -0.07296579}},
		{"lstm mask 101 zero_output_for_mask", LSTM(2, rnnCfg(func(c *RNNConfig) { c.ZeroOutputForMask = true })), lstmWeights, []float32{1, 0, 1},
			[]float32{-0.009208262, -0.02410343, 0, 0, 0.03487031, -0.07296579}},
		{"lstm mask 011", LSTM(2, rnnCfg(nil)), lstmWeights, []float32{0, 1, 1},
			[]float32{0, 0, -0.008506925, -0.03320741, 0.03464486, -0.07699694}},
		{"lstm hard_sigmoid keras3", LSTM(2, rnnCfg(func(c *RNNConfig) { c.RecurrentActivation = "hard_sigmoid" })), lstmWeights, nil,
			[]float32{-0.00946651, -0.02271898, -0.01433718, -0.04190015, 0.03257319, -0.08075272}},
		{"lstm hard_sigmoid keras2", LSTM(2, rnnCfg(func(c *RNNConfig) { c.RecurrentActivation = "hard_sigmoid" }), WithKerasMajor(2)), lstmWeights, nil,
			[]float32{-0.009362609, -0.02328455, -0.01410819, -0.04290311, 0.0319274, -0.08118818}},
		{"gru reset_after", GRU(2, rnnCfg(nil)), [][]float32{gruK, gruR, {-0.2, 0, 0.2, -0.1, 0.1, -0.2, 0, 0.2, -0.1, 0.1, -0.2, 0}}, nil,
			[]float32{-0.05935853, -0.02786999, -0.07412731, -0.04614433, -0.006278792, -0.146242}},
		{"gru reset_after mask 101", GRU(2, rnnCfg(nil)), [][]float32{gruK, gruR, {-0.2, 0, 0.2, -0.1, 0.1, -0.2, 0, 0.2, -0.1, 0.1, -0.2, 0}}, []float32{1, 0, 1},
			[]float32{-0.05935853, -0.02786999, -0.05935853, -0.02786999, 0.0002599582, -0.1355641}},
		{"gru reset_after=false", GRU(2, rnnCfg(func(c *RNNConfig) { c.ResetAfter = false })), [][]float32{gruK, gruR, {-0.2, 0, 0.2, -0.1, 0.1, -0.2}}, nil,
			[]float32{-0.01014864, -0.03086271, 7.305248e-05, -0.0448638, 0.08280587, -0.1520384}},
		{"simple_rnn", SimpleRNN(2, rnnCfg(nil)), [][]float32{{-0.3, 0, 0.3, -0.1}, {-0.4, 0.1, -0.3, 0.2}, {0.1, -0.1}}, nil,
			[]float32{0.3004371, -0.1194273, 0.2218997, -0.1428578, -0.0658073, -0.0762334}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if l := c.layer; !l.Fused() {
				t.Fatalf("a %s with elementwise activations must take the fused op", l.ClassName())
			}
			net := rnnNet(t, c.layer, c.w, c.mask, false)
			y, err := net.Predict(fromSlice(t, goldenX, 1, 3, 2))
			if err != nil {
				t.Fatal(err)
			}
			assertAllClose(t, y.Data(), c.want, 2e-6)
		})
	}
}

// TestRecurrentStates checks return_state's final h and c (§10.6: LSTM h
// [0.03097097, -0.08181991], c [0.0594011, -0.152084]; with mask [1,0,1]
// c [0.06672083, -0.1354247]) through EmitMulti.
func TestRecurrentStates(t *testing.T) {
	for _, c := range []struct {
		mask []float32
		want [][]float32
	}{
		{nil, [][]float32{{0.03097097, -0.08181991}, {0.03097097, -0.08181991}, {0.0594011, -0.152084}}},
		{[]float32{1, 0, 1}, [][]float32{{0.03487031, -0.07296579}, {0.03487031, -0.07296579}, {0.06672083, -0.1354247}}},
	} {
		l := LSTM(2, rnnCfg(func(c *RNNConfig) { c.ReturnSequences, c.ReturnState = false, true }))
		if err := l.Build([]int{3, 2}); err != nil {
			t.Fatal(err)
		}
		for i, v := range l.Variables() {
			copy(v.Value.Data(), lstmWeights[i])
		}
		if got := fmt.Sprint(l.OutputShapes()); got != "[[2] [2] [2]]" {
			t.Fatalf("output shapes %s", got)
		}
		for k := 0; k < 3; k++ {
			k := k
			stages := []runtime.Stage{pick{l, k}}
			if c.mask != nil {
				stages = []runtime.Stage{maskStage{c.mask}, pick{l, k}}
			}
			net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: []int{3, 2}, Stages: stages, Variables: l.Variables()})
			if err != nil {
				t.Fatal(err)
			}
			y, err := net.Predict(fromSlice(t, goldenX, 1, 3, 2))
			if err != nil {
				t.Fatal(err)
			}
			assertAllClose(t, y.Data(), c.want[k], 2e-6)
		}
	}
}

// pick emits output k of a MultiLayer.
type pick struct {
	l MultiLayer
	k int
}

func (p pick) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	outs, err := p.l.EmitMulti(g, []*G.Node{x}, training)
	if err != nil {
		return nil, err
	}
	return outs[p.k], nil
}

// buildRandom builds l for (3, 2) inputs and returns weights for its
// variables drawn uniformly from [−0.5, 0.5) by r.
func buildRandom(t *testing.T, l *RNNLayer, r *rand.Rand) [][]float32 {
	t.Helper()
	if err := l.Build([]int{3, 2}); err != nil {
		t.Fatal(err)
	}
	var w [][]float32
	for _, v := range l.Variables() {
		d := make([]float32, len(v.Value.Data()))
		for i := range d {
			d[i] = float32(r.Float64() - 0.5)
		}
		w = append(w, d)
	}
	return w
}

// TestRecurrentGradients compares BPTT gradients (gorgonia's symbolic
// differentiation of the unrolled graph) with central finite differences of
// the loss, for every variable of each cell type, with a mask.
func TestRecurrentGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	for _, c := range []struct {
		name string
		l    *RNNLayer
	}{
		{"simple_rnn", SimpleRNN(2, rnnCfg(nil))},
		{"lstm", LSTM(2, rnnCfg(nil))},
		{"lstm backwards", LSTM(2, rnnCfg(func(c *RNNConfig) { c.GoBackwards = true; c.ReturnSequences = false }))},
		{"gru", GRU(2, rnnCfg(nil))},
		{"gru reset_after=false", GRU(2, rnnCfg(func(c *RNNConfig) { c.ResetAfter = false }))},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !c.l.Fused() {
				t.Fatalf("a %s with elementwise activations must take the fused op", c.l.ClassName())
			}
			w := buildRandom(t, c.l, r)
			net := rnnNet(t, c.l, w, []float32{1, 1, 0, 1, 0, 1, 1, 0, 1}, true)
			x := tensor.Zeros(3, 3, 2)
			for i := range x.Data() {
				x.Data()[i] = float32(r.NormFloat64())
			}
			y := tensor.Zeros(append([]int{3}, c.l.OutputShape()...)...)
			for i := range y.Data() {
				y.Data()[i] = float32(r.NormFloat64())
			}
			res, err := net.TrainStep(x, y, nil)
			if err != nil {
				t.Fatal(err)
			}
			for vi, v := range net.TrainableVariables() {
				d := v.Value.Data()
				for j := range d {
					old := d[j]
					const h = 1e-2
					d[j] = old + h
					lp, _, _ := net.TestStep(x, y, nil)
					d[j] = old - h
					lm, _, _ := net.TestStep(x, y, nil)
					d[j] = old
					fd := float64(lp-lm) / (2 * h)
					if g := float64(res.Grads[vi][j]); math.Abs(g-fd) > 2e-3+2e-2*math.Abs(fd) {
						t.Errorf("%s[%d]: gradient %.6g, finite differences %.6g", v.Path, j, g, fd)
					}
				}
			}
		})
	}
}

// TestRecurrentUnrolledFallback: cells whose activation is not elementwise
// (softmax over the units) cannot take the fused ops; they are routed to
// the unrolled graph explicitly and still run: with softmax as activation
// each step's h of a SimpleRNN sums to 1 and of an LSTM to less than 1
// (o ∈ (0,1) times a softmax); a GRU's stays a convex mix of tanh values
// (|h_j| < 1).
func TestRecurrentUnrolledFallback(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		name   string
		l      *RNNLayer
		exact1 bool
		bound  float64 // |Σh| per step
	}{
		{"simple_rnn softmax", SimpleRNN(3, rnnCfg(func(c *RNNConfig) { c.Activation = "softmax" })), true, 1},
		{"lstm softmax", LSTM(3, rnnCfg(func(c *RNNConfig) { c.Activation = "softmax" })), false, 1},
		{"gru softmax recurrent", GRU(3, rnnCfg(func(c *RNNConfig) { c.RecurrentActivation = "softmax" })), false, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.l.Fused() {
				t.Fatal("Fused() = true for an axis-wise activation")
			}
			w := buildRandom(t, c.l, r)
			net := rnnNet(t, c.l, w, nil, false)
			y, err := net.Predict(fromSlice(t, goldenX, 1, 3, 2))
			if err != nil {
				t.Fatal(err)
			}
			d := y.Data()
			for step := 0; step < 3; step++ {
				var sum float64
				for _, v := range d[step*3 : step*3+3] {
					sum += float64(v)
				}
				if c.exact1 && math.Abs(sum-1) > 1e-6 || !c.exact1 && !(math.Abs(sum) < c.bound) {
					t.Errorf("step %d: Σh = %v", step, sum)
				}
			}
		})
	}
}
