package layers

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
)

// constInputs calls a MultiLayer on constant inputs (batch 1) whatever the
// network's input is: the golden vectors of keras-layers.md §10.7 call
// attention on tensors of different shapes.
type constInputs struct {
	l      MultiLayer
	data   [][]float32
	shapes [][]int
	masks  [][]float32 // Keras masks (steps,) of the inputs, nil for none
}

func (s constInputs) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	var xs []*G.Node
	for i, d := range s.data {
		c, err := g.Constant(d, append([]int{1}, s.shapes[i]...))
		if err != nil {
			return nil, err
		}
		if i < len(s.masks) && s.masks[i] != nil {
			m, err := g.Constant(s.masks[i], []int{1, len(s.masks[i])})
			if err != nil {
				return nil, err
			}
			g.SetMask(c, m)
		}
		xs = append(xs, c)
	}
	out, err := s.l.EmitMulti(g, xs, training)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// runAttention builds l for the per-sample shapes, sets its weights and
// returns its output on the constant inputs.
func runAttention(t *testing.T, l MultiLayer, weights [][]float32, data [][]float32, shapes [][]int, masks ...[]float32) []float32 {
	t.Helper()
	if err := l.BuildMulti(shapes); err != nil {
		t.Fatal(err)
	}
	vars := l.Variables()
	if len(vars) != len(weights) {
		t.Fatalf("%d variables, want %d", len(vars), len(weights))
	}
	for i, v := range vars {
		if v.Value.Len() != len(weights[i]) {
			t.Fatalf("variable %s has %d values, the spec gives %d", v.Path, v.Value.Len(), len(weights[i]))
		}
		copy(v.Value.Data(), weights[i])
	}
	net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: []int{1}, Stages: []runtime.Stage{constInputs{l, data, shapes, masks}}, Variables: vars})
	if err != nil {
		t.Fatal(err)
	}
	x, err := tensor.FromSlice([]float32{0}, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	y, err := net.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	return y.Data()
}

// §10.7's MultiHeadAttention(num_heads=2, key_dim=2, value_dim=3) weights
// (query, key, value, attention_output kernels and biases) and inputs.
var (
	mhaWeights = [][]float32{
		{-0.6, -0.4, -0.2, 0, 0.2, 0.4, 0.6, -0.5, -0.3, -0.1, 0.1, 0.3, 0.5, -0.6, -0.4, -0.2},
		{-0.6, -0.3, 0, 0.3},
		{-0.6, -0.2, 0.2, 0.6, -0.3, 0.1, 0.5, -0.4, 0, 0.4, -0.5, -0.1, 0.3, -0.6, -0.2, 0.2},
		{-0.6, -0.1, 0.4, -0.4},
		{-0.6, 0, 0.6, -0.1, 0.5, -0.2, 0.4, -0.3, 0.3, -0.4, 0.2, -0.5, 0.1, -0.6, 0, 0.6, -0.1, 0.5, -0.2, 0.4, -0.3, 0.3, -0.4, 0.2},
		{-0.6, 0.1, -0.5, 0.2, -0.4, 0.3},
		{-0.6, 0.2, -0.3, 0.5, 0, -0.5, 0.3, -0.2, 0.6, 0.1, -0.4, 0.4, -0.1, -0.6, 0.2, -0.3, 0.5, 0, -0.5, 0.3, -0.2, 0.6, 0.1, -0.4},
		{-0.6, 0.3, -0.1, -0.5},
	}
	mhaQuery = []float32{-0.5, 0.2, -0.2, 0.5, 0.1, -0.3, 0.4, 0, -0.4, 0.3, -0.1, -0.5}
	mhaValue = []float32{-0.3, 0, 0.3, -0.1, 0.2, -0.2, 0.1, -0.3}
)

// TestMultiHeadAttentionGolden checks MultiHeadAttention against the
// vectors of keras-layers.md §10.7 (Keras 3.15.1): cross attention called
// as [query, value] and [query, value, key=value], and causal
// self-attention.
func TestMultiHeadAttentionGolden(t *testing.T) {
	cross := []float32{-0.8758659, 0.2438689, 0.539022, -1.335634, -0.8502418, 0.2394615, 0.5340041, -1.333854,
		-0.8627373, 0.2419925, 0.5349241, -1.333004}
	causal := []float32{-1.405, 0.023, 0.9309999, -1.515, -1.129628, 0.1002457, 0.8176361, -1.57564, -1.074892,
		0.2089797, 0.6175302, -1.311127}
	cases := []struct {
		name   string
		causal bool
		data   [][]float32
		shapes [][]int
		want   []float32
	}{
		{"query_value", false, [][]float32{mhaQuery, mhaValue}, [][]int{{3, 4}, {2, 4}}, cross},
		{"query_value_key", false, [][]float32{mhaQuery, mhaValue, mhaValue}, [][]int{{3, 4}, {2, 4}, {2, 4}}, cross},
		{"causal_self", true, [][]float32{mhaQuery, mhaQuery}, [][]int{{3, 4}, {3, 4}}, causal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := MultiHeadAttention(MHAConfig{NumHeads: 2, KeyDim: 2, ValueDim: 3, UseBias: true, UseCausalMask: c.causal}, WithName("mha"))
			got := runAttention(t, l, mhaWeights, c.data, c.shapes)
			assertAllClose(t, got, c.want, 2e-6)
		})
	}
}

// TestAttentionGolden checks Attention (dot) and AdditiveAttention against
// keras-layers.md §10.7, called as [q, v, k].
func TestAttentionGolden(t *testing.T) {
	q := []float32{-0.5, 0.2, -0.2, 0.5, 0.1, -0.3}
	v := []float32{-0.3, 0, 0.3, -0.1, 0.2, -0.2, 0.1, -0.3, 0}
	k := []float32{-0.4, 0.1, -0.3, 0.2, -0.2, 0.3, -0.1, 0.4, 0}
	shapes := [][]int{{2, 3}, {3, 3}, {3, 3}}
	cases := []struct {
		name    string
		l       MultiLayer
		weights [][]float32
		want    []float32
	}{
		{"dot", Attention(false, "dot", 0), nil,
			[]float32{-0.1112355, -0.05422715, 0.07108045, -0.0940926, -0.0343179, 0.02545679}},
		{"dot_scale", Attention(true, "dot", 0), [][]float32{{2}}, dotAttention64(q, v, k, 2, 3, 3, 2)},
		{"concat_scale", Attention(true, "concat", 0), [][]float32{{0.5}, {1.5}},
			[]float32{-0.06323449, -0.03935851, -0.01578975, -0.06180978, -0.04066814, -0.01661719}},
		{"additive", AdditiveAttention(true, 0), [][]float32{{0.5, -1, 2}},
			[]float32{-0.08799905, 0.07719783, -0.09519926, -0.08820295, 0.07734773, -0.09504329}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := runAttention(t, c.l, c.weights, [][]float32{q, v, k}, shapes)
			assertAllClose(t, got, c.want, 2e-6)
		})
	}
}

// TestAttentionRefusals checks that a training step runs with and without
// attention dropout (no longer refused) and the clear error (wrapping
// loader.ErrUnsupported) for MultiHeadAttention on rank-4 inputs.
func TestAttentionRefusals(t *testing.T) {
	mse, err := kernels.LossByName("mse")
	if err != nil {
		t.Fatal(err)
	}
	train := func(l MultiLayer) error {
		net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: []int{1}, Loss: mse, Seed: 3,
			Stages: []runtime.Stage{constInputs{l, [][]float32{mhaQuery, mhaValue}, [][]int{{3, 4}, {2, 4}}, nil}}, Variables: l.Variables()})
		if err != nil {
			return err
		}
		x, _ := tensor.FromSlice([]float32{0}, 1, 1)
		_, err = net.TrainStep(x, tensor.Zeros(1, 3, 4), nil)
		return err
	}
	// with or without attention dropout the same training step runs
	for _, l := range []MultiLayer{
		MultiHeadAttention(MHAConfig{NumHeads: 2, KeyDim: 2, UseBias: true}, WithName("mha")),
		MultiHeadAttention(MHAConfig{NumHeads: 2, KeyDim: 2, UseBias: true, Dropout: 0.1}, WithName("noisy")),
		Attention(false, "dot", 0.2, WithName("noisy")),
	} {
		if err := l.BuildMulti([][]int{{3, 4}, {2, 4}}); err != nil {
			t.Fatal(err)
		}
		if err := train(l); err != nil {
			t.Errorf("%s training: %v", l.ClassName(), err)
		}
	}
	for _, c := range []struct {
		l      MultiLayer
		shapes [][]int
		want   string
	}{
		{MultiHeadAttention(MHAConfig{NumHeads: 2, KeyDim: 2}), [][]int{{2, 3, 4}, {2, 3, 4}}, "(batch, steps, features)"},
	} {
		err := c.l.BuildMulti(c.shapes)
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, loader.ErrUnsupported) {
			t.Errorf("%s: error %v, want ErrUnsupported naming %q", c.l.ClassName(), err, c.want)
		}
	}
}

// selfAttention calls a MultiLayer on [x, x] (self-attention).
type selfAttention struct{ l MultiLayer }

func (s selfAttention) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	out, err := s.l.EmitMulti(g, []*G.Node{x, x}, training)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// TestAttentionGradients compares the training step's gradients (gorgonia's
// symbolic differentiation of the attention graph) with central finite
// differences of the MSE loss, for every variable, in self-attention on a
// batch of 2.
func TestAttentionGradients(t *testing.T) {
	mse, err := kernels.LossByName("mse")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 11))
	for _, c := range []struct {
		name string
		l    MultiLayer
	}{
		{"mha", MultiHeadAttention(MHAConfig{NumHeads: 2, KeyDim: 2, ValueDim: 3, UseBias: true}, WithName("mha"))},
		{"mha_causal_output_shape", MultiHeadAttention(MHAConfig{NumHeads: 2, KeyDim: 3, UseBias: true, UseCausalMask: true, OutputDim: 2}, WithName("mha"))},
		{"mha_no_bias", MultiHeadAttention(MHAConfig{NumHeads: 1, KeyDim: 2, UseBias: false}, WithName("mha"))},
		{"additive", AdditiveAttention(true, 0, WithName("add"))},
		{"dot_scale", Attention(true, "dot", 0, WithName("att"))},
		{"concat_scale", Attention(true, "concat", 0, WithName("att"))},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.l.BuildMulti([][]int{{3, 4}, {3, 4}}); err != nil {
				t.Fatal(err)
			}
			for _, v := range c.l.Variables() {
				for i := range v.Value.Data() {
					v.Value.Data()[i] = float32(r.Float64() - 0.5)
				}
			}
			net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: []int{3, 4}, Loss: mse,
				Stages: []runtime.Stage{selfAttention{c.l}}, Variables: c.l.Variables()})
			if err != nil {
				t.Fatal(err)
			}
			x, y := tensor.Zeros(2, 3, 4), tensor.Zeros(append([]int{2}, c.l.OutputShape()...)...)
			for _, a := range []*tensor.Tensor{x, y} {
				for i := range a.Data() {
					a.Data()[i] = float32(r.NormFloat64())
				}
			}
			res, err := net.TrainStep(x, y, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Grads) != len(c.l.Variables()) {
				t.Fatalf("%d gradients for %d variables", len(res.Grads), len(c.l.Variables()))
			}
			if len(net.TrainableVariables()) != len(c.l.Variables()) {
				t.Fatalf("%d trainable variables, layer has %d", len(net.TrainableVariables()), len(c.l.Variables()))
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

// dotAttention64 is Attention(use_scale) re-derived in float64:
// softmax_s(scale·q·kᵀ)·v for q (tq, d), v and k (tv, d).
func dotAttention64(q, v, k []float32, tq, tv, d int, scale float64) []float32 {
	out := make([]float32, tq*d)
	for t := 0; t < tq; t++ {
		s := make([]float64, tv)
		var max, sum float64 = math.Inf(-1), 0
		for j := range s {
			for e := 0; e < d; e++ {
				s[j] += float64(q[t*d+e]) * float64(k[j*d+e])
			}
			s[j] *= scale
			max = math.Max(max, s[j])
		}
		for j := range s {
			s[j] = math.Exp(s[j] - max)
			sum += s[j]
		}
		for e := 0; e < d; e++ {
			var o float64
			for j := range s {
				o += s[j] / sum * float64(v[j*d+e])
			}
			out[t*d+e] = float32(o)
		}
	}
	return out
}

// TestAttentionKerasMasks checks Keras masks through attention: §10.7's
// MultiHeadAttention with the query's step 3 and the value's step 2 masked
// (rows 1-2 attend to key 1 only; row 3, masked everywhere, averages both
// keys uniformly as Keras 3's dot_product_attention path, §8.2), and
// Attention (dot) against a float64 re-derivation (masked keys left out,
// masked query rows 0).
func TestAttentionKerasMasks(t *testing.T) {
	l := MultiHeadAttention(MHAConfig{NumHeads: 2, KeyDim: 2, ValueDim: 3, UseBias: true}, WithName("mha"))
	got := runAttention(t, l, mhaWeights, [][]float32{mhaQuery, mhaValue}, [][]int{{3, 4}, {2, 4}}, []float32{1, 1, 0}, []float32{1, 0})
	row := []float32{-1.174, 0.2870001, 0.63, -1.393}
	assertAllClose(t, got[:8], append(append([]float32{}, row...), row...), 1e-5)
	// the spec prints the uniform row with 4 significant digits
	assertAllClose(t, got[8:], []float32{-0.877, 0.244, 0.5395, -1.336}, 6e-4)

	q := []float32{-0.5, 0.2, -0.2, 0.5, 0.1, -0.3}
	v := []float32{-0.3, 0, 0.3, -0.1, 0.2, -0.2, 0.1, -0.3, 0}
	k := []float32{-0.4, 0.1, -0.3, 0.2, -0.2, 0.3, -0.1, 0.4, 0}
	want := dotAttention64(q, append(append([]float32{}, v[:3]...), v[6:]...), append(append([]float32{}, k[:3]...), k[6:]...), 2, 2, 3, 1)
	for i := 3; i < 6; i++ {
		want[i] = 0
	}
	got = runAttention(t, Attention(false, "dot", 0), nil, [][]float32{q, v, k}, [][]int{{2, 3}, {3, 3}, {3, 3}}, []float32{1, 0}, []float32{1, 0, 1})
	assertAllClose(t, got, want, 2e-6)
}

// TestMultiHeadAttentionConfigKeys checks that a MultiHeadAttention read
// from a Keras config keeps its initializers, regularizer, constraint and
// output_shape in its own config, and that value_dim defaults to key_dim.
func TestMultiHeadAttentionConfigKeys(t *testing.T) {
	cfg := map[string]any{"name": "mha", "num_heads": 2.0, "key_dim": 3.0, "value_dim": nil, "output_shape": []any{5.0},
		"kernel_initializer": map[string]any{"class_name": "HeNormal", "config": map[string]any{"seed": nil}},
		"kernel_regularizer": map[string]any{"class_name": "L2", "config": map[string]any{"l2": 0.01}},
		"bias_constraint":    map[string]any{"class_name": "NonNeg", "config": map[string]any{}}}
	l, err := FromConfig(loader.LayerConfig{ClassName: "MultiHeadAttention", Name: "mha", Config: cfg}, 3)
	if err != nil {
		t.Fatal(err)
	}
	got := l.Config()
	for k, want := range map[string]string{"kernel_initializer": "HeNormal", "kernel_regularizer": "L2", "bias_constraint": "NonNeg"} {
		m, _ := got[k].(map[string]any)
		if m["class_name"] != want {
			t.Errorf("%s: %v, want class %s", k, got[k], want)
		}
	}
	if got["value_dim"] != 3 || fmt.Sprint(got["output_shape"]) != "[5]" {
		t.Errorf("value_dim %v, output_shape %v; want 3 and [5]", got["value_dim"], got["output_shape"])
	}
	ml := l.(MultiLayer)
	if err := ml.BuildMulti([][]int{{2, 4}, {3, 4}}); err != nil {
		t.Fatal(err)
	}
	if s := ml.OutputShape(); fmt.Sprint(s) != "[2 5]" {
		t.Errorf("output shape %v, want [2 5]", s)
	}
	if v := ml.Variables()[0]; v.Regularizer == nil {
		t.Errorf("%s has no regularizer", v.Path)
	}
}
