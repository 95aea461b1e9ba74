package runtime

import (
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
)

func quickNet(t testing.TB, loss bool) (*Network, []*Variable) {
	t.Helper()
	stages, vars := mlp(t, 5, []int{2, 10, 10, 2}, []string{"relu", "relu", "linear"})
	cfg := NetworkConfig{InputShape: []int{2}, Stages: stages, Variables: vars}
	if loss {
		cfg.Loss, _ = kernels.LossByName("mse")
	}
	n, err := NewNetwork(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n, vars
}

// TestPredictConcurrent runs Predict from 16 goroutines with different
// batch sizes (run with -race) and checks every result against a
// sequential prediction.
func TestPredictConcurrent(t *testing.T) {
	net, _ := quickNet(t, false)
	r := rand.New(rand.NewPCG(1, 1))
	inputs := make([]*tensor.Tensor, 16)
	wants := make([]*tensor.Tensor, 16)
	for i := range inputs {
		inputs[i] = randTensor(r, 2, 1+i%5*7, 2)
		w, err := net.Predict(inputs[i])
		if err != nil {
			t.Fatal(err)
		}
		wants[i] = w
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16*50)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for it := 0; it < 50; it++ {
				k := (g + it) % 16
				got, err := net.Predict(inputs[k])
				if err != nil {
					errs <- err
					return
				}
				if ok, _, _ := tensor.AllClose(got, wants[k], 0, 0); !ok {
					errs <- errMismatch
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

type strErr string

func (e strErr) Error() string { return string(e) }

const errMismatch = strErr("concurrent Predict result differs from the sequential one")

// TestPredictChunksAndCache predicts more rows than one program run takes
// and many distinct batch sizes (cache eviction); rows stay independent.
func TestPredictChunksAndCache(t *testing.T) {
	net, _ := quickNet(t, false)
	r := rand.New(rand.NewPCG(2, 2))
	x := randTensor(r, 2, 2*maxChunkRows+37, 2)
	all, err := net.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	for b := 1; b <= 2*maxPredictPrograms; b++ {
		xb, _ := x.SliceRows(100, 100+b)
		got, err := net.Predict(xb)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := all.SliceRows(100, 100+b)
		if ok, w, d := tensor.AllClose(got, want, 1e-6, 1e-6); !ok {
			t.Fatalf("batch %d: element %d off by %g", b, w, d)
		}
	}
	if n := len(*net.predict.Load()); n > maxPredictPrograms {
		t.Fatalf("%d cached predict programs, bound is %d", n, maxPredictPrograms)
	}
	empty, _ := tensor.New(0, 2)
	out, err := net.Predict(empty)
	if err != nil || !tensor.SameShape(out.Shape(), []int{0, 2}) {
		t.Fatalf("Predict of 0 rows = %v, %v", out, err)
	}
}

func TestInputErrors(t *testing.T) {
	net, _ := quickNet(t, true)
	good := tensor.Zeros(4, 2)
	nan := tensor.Zeros(4, 2)
	nan.Data()[5] = float32(math.NaN())
	inf := tensor.Zeros(70, 2)
	inf.Data()[133] = float32(math.Inf(-1))
	y := tensor.Zeros(4, 2)
	ynan := tensor.Zeros(4, 2)
	ynan.Data()[0] = float32(math.NaN())
	cases := []struct {
		name string
		err  func() error
		want string
	}{
		{"shape", func() error { _, err := net.Predict(tensor.Zeros(5, 3)); return err }, "input shape [5 3], model expects [batch 2]"},
		{"rank", func() error { _, err := net.Predict(tensor.Zeros(2)); return err }, "model expects [batch 2]"},
		{"nil", func() error { _, err := net.Predict(nil); return err }, "nil"},
		{"nan", func() error { _, err := net.Predict(nan); return err }, "element 5 (row 2) is NaN"},
		{"inf", func() error { _, err := net.Predict(inf); return err }, "element 133 (row 66) is -Inf"},
		{"train nan x", func() error { _, err := net.TrainStep(nan, y, nil); return err }, "is NaN"},
		{"train nan y", func() error { _, err := net.TrainStep(good, ynan, nil); return err }, "target element 0 is NaN"},
		{"train y rows", func() error { _, err := net.TrainStep(good, tensor.Zeros(3, 2), nil); return err }, "want 4 rows"},
		{"train y cols", func() error { _, err := net.TrainStep(good, tensor.Zeros(4, 3), nil); return err }, "do not match the output shape"},
		{"sample weight", func() error { _, err := net.TrainStep(good, y, tensor.Zeros(3)); return err }, "sample weights shape [3]"},
		{"test shape", func() error { _, _, err := net.TestStep(tensor.Zeros(4, 1), y, nil); return err }, "model expects [batch 2]"},
	}
	for _, tc := range cases {
		err := tc.err()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
	inf2, _ := quickNet(t, false)
	if _, err := inf2.TrainStep(good, y, nil); err == nil || !strings.Contains(err.Error(), "no loss") {
		t.Errorf("TrainStep without loss: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	stages, vars := mlp(t, 5, []int{2, 3}, []string{"relu"})
	if _, err := NewNetwork(NetworkConfig{InputShape: []int{0}, Stages: stages, Variables: vars}); err == nil || !strings.Contains(err.Error(), "positive") {
		t.Errorf("zero input dimension: %v", err)
	}
	if _, err := NewNetwork(NetworkConfig{InputShape: []int{2}, Stages: stages, Variables: vars[:1]}); err == nil || !strings.Contains(err.Error(), "not in NetworkConfig.Variables") {
		t.Errorf("missing variable: %v", err)
	}
	if _, err := NewNetwork(NetworkConfig{InputShape: []int{3}, Stages: stages, Variables: vars}); err == nil || !strings.Contains(err.Error(), "stage 0") {
		t.Errorf("shape mismatch: %v", err)
	}
	if _, err := NewNetwork(NetworkConfig{InputShape: []int{2}, Stages: stages, Variables: append(vars, vars[0])}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate variable: %v", err)
	}
}

// TestUnknownOp: a gorgonia op the executor does not implement is a clear
// compile error, not a panic or a silent fallback.
func TestUnknownOp(t *testing.T) {
	st := stageFunc(func(g *Graph, x *G.Node, training bool) (*G.Node, error) {
		return G.SoftMax(x) // gorgonia's own softmaxOp: not mapped
	})
	_, err := NewNetwork(NetworkConfig{InputShape: []int{3}, Stages: []Stage{st}})
	if err == nil || !strings.Contains(err.Error(), "not supported by the kerago executor") {
		t.Fatalf("gorgonia SoftMax: %v", err)
	}
}

// TestBuiltinGorgoniaOps runs a graph of gorgonia's own ops (as their
// gradients use them) through the executor, against float64 formulas.
func TestBuiltinGorgoniaOps(t *testing.T) {
	st := stageFunc(func(g *Graph, x *G.Node, training bool) (*G.Node, error) {
		a := G.Must(G.Square(x))
		b := G.Must(G.Exp(G.Must(G.Neg(x))))
		c := G.Must(G.Add(a, b))
		one, _ := g.Constant([]float32{1}, nil)
		two, _ := g.Constant([]float32{2}, nil)
		d := G.Must(G.Sqrt(G.Must(G.Add(c, one))))
		e := G.Must(G.Tanh(G.Must(G.Sub(d, G.Must(G.Sigmoid(x))))))
		f := G.Must(G.HadamardDiv(e, G.Must(G.Add(G.Must(G.Abs(x)), two))))
		s := G.Must(G.Sum(f, 1)) // (batch,)
		s = G.Must(G.Reshape(s, []int{x.Shape()[0], 1}))
		return G.BroadcastHadamardProd(f, s, nil, []byte{1})
	})
	net, err := NewNetwork(NetworkConfig{InputShape: []int{3}, Stages: []Stage{st}})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	x := randTensor(r, 2, 4, 3)
	got, err := net.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	// float64: f = tanh(sqrt(x² + e^−x + 1) − σ(x)) / (|x| + 2); out = f·Σ_row f.
	want := make([]float32, x.Len())
	for r := 0; r < 4; r++ {
		f := make([]float64, 3)
		var sum float64
		for j := range f {
			v := float64(x.Data()[r*3+j])
			f[j] = math.Tanh(math.Sqrt(v*v+math.Exp(-v)+1)-1/(1+math.Exp(-v))) / (math.Abs(v) + 2)
			sum += f[j]
		}
		for j := range f {
			want[r*3+j] = float32(f[j] * sum)
		}
	}
	closeSlices(t, "builtin ops vs float64", got.Data(), want, 1e-6, 1e-5)
}

// TestRegularizationInLoss: penalties of trainable variables are added to
// the training and test loss and their gradients to the gradients.
func TestRegularizationInLoss(t *testing.T) {
	plain, vars := quickNet(t, true)
	r := rand.New(rand.NewPCG(3, 3))
	x := randTensor(r, 1, 6, 2)
	y := randTensor(r, 1, 6, 2)
	res0, err := plain.TrainStep(x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	loss0 := res0.Loss
	g0 := append([]float32(nil), res0.Grads[2]...)

	vars[2].Regularizer = l2reg(0.05) // dense_2/kernel
	stages, _ := mlp(t, 5, []int{2, 10, 10, 2}, []string{"relu", "relu", "linear"})
	// same weights: rebuild stages over the same variables
	for i, st := range stages {
		d := st.(*denseStage)
		d.kernel, d.bias = vars[2*i], vars[2*i+1]
	}
	mse, _ := kernels.LossByName("mse")
	reg, err := NewNetwork(NetworkConfig{InputShape: []int{2}, Stages: stages, Variables: vars, Loss: mse})
	if err != nil {
		t.Fatal(err)
	}
	res, err := reg.TrainStep(x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	pen := l2reg(0.05).Penalty(vars[2].Value.Data())
	closeSlices(t, "loss with L2", []float32{res.Loss}, []float32{loss0 + pen}, 1e-6, 1e-6)
	for i, w := range vars[2].Value.Data() {
		want := g0[i] + 0.1*w
		if math.Abs(float64(res.Grads[2][i]-want)) > 1e-6 {
			t.Fatalf("grad %d = %v, want %v", i, res.Grads[2][i], want)
		}
	}
	tl, _, err := reg.TestStep(x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	closeSlices(t, "test loss with L2", []float32{tl}, []float32{loss0 + pen}, 1e-6, 1e-6)
	// sample weights: Σ w·v / rows
	sw := tensor.Zeros(6)
	sw.Data()[0], sw.Data()[3] = 2, 1
	res2, err := plain.TrainStep(x, y, sw)
	if err != nil {
		t.Fatal(err)
	}
	per := make([]float32, 6)
	mse.PerSample(per, y.Data(), res2.YPred.Data(), 6, 2, 2)
	want := (2*per[0] + per[3]) / 6
	closeSlices(t, "weighted loss", []float32{res2.Loss}, []float32{want}, 1e-6, 1e-6)
	sw2, _ := sw.Reshape(6, 1)
	res3, err := plain.TrainStep(x, y, sw2)
	if err != nil || math.Abs(float64(res3.Loss-want)) > 1e-6 {
		t.Fatalf("(batch, 1) sample weights: %v, %v", res3, err)
	}
}

// TestFusedDenseProgram: the 2-10-10-2 MLP's predict program is three
// fused matmul+bias(+relu) instructions (no bias broadcast copies), and
// its training program keeps the pre-activations.
func TestFusedDenseProgram(t *testing.T) {
	net, _ := quickNet(t, false)
	p, err := net.predictProgram(1)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, in := range p.instrs {
		switch in.(type) {
		case *matmulBiasInstr:
			if in.(*matmulBiasInstr).act != nil {
				kinds = append(kinds, "matmul+bias+act")
			} else {
				kinds = append(kinds, "matmul+bias")
			}
		case *actElemInstr:
			kinds = append(kinds, "act")
		default:
			kinds = append(kinds, "other")
		}
	}
	want := []string{"matmul+bias+act", "matmul+bias+act", "matmul+bias"}
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Fatalf("program %v, want %v", kinds, want)
	}
	// buffers are reused: the arena holds fewer floats than all nodes together
	if p.arena > 10+10+2 {
		t.Fatalf("arena of %d floats for a 1-row 2-10-10-2 MLP", p.arena)
	}
}

// TestIdentityNetwork: a network without stages returns its input (the
// output is copied out of the caller's buffer).
func TestIdentityNetwork(t *testing.T) {
	net, err := NewNetwork(NetworkConfig{InputShape: []int{3}})
	if err != nil {
		t.Fatal(err)
	}
	x := randTensor(rand.New(rand.NewPCG(1, 1)), 1, 4, 3)
	y, err := net.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	closeSlices(t, "identity", y.Data(), x.Data(), 0, 0)
	y.Data()[0] = 42
	if x.Data()[0] == 42 {
		t.Fatal("Predict output aliases the input")
	}
}
