package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// denseStage is a minimal Dense layer for the runtime's own tests (the real
// layers live in keras/layers, which imports this package).
type denseStage struct {
	kernel, bias *Variable
	act          *Activation
}

func (d *denseStage) Emit(g *Graph, x *G.Node, training bool) (*G.Node, error) {
	w, err := g.Var(d.kernel)
	if err != nil {
		return nil, err
	}
	shape := []int(x.Shape())
	if len(shape) > 2 {
		if x, err = G.Reshape(x, gt.Shape{prod(shape[:len(shape)-1]), shape[len(shape)-1]}); err != nil {
			return nil, err
		}
	}
	h, err := G.Mul(x, w)
	if err != nil {
		return nil, err
	}
	if d.bias != nil {
		b, err := g.Var(d.bias)
		if err != nil {
			return nil, err
		}
		if h, err = G.BroadcastAdd(h, b, nil, []byte{0}); err != nil {
			return nil, err
		}
	}
	if len(shape) > 2 {
		units := d.kernel.Value.Dim(1)
		if h, err = G.Reshape(h, append(gt.Shape(append([]int{}, shape[:len(shape)-1]...)), units)); err != nil {
			return nil, err
		}
	}
	if d.act == nil {
		return h, nil
	}
	return d.act.Apply(h)
}

// stageFunc adapts a function to Stage.
type stageFunc func(g *Graph, x *G.Node, training bool) (*G.Node, error)

func (f stageFunc) Emit(g *Graph, x *G.Node, training bool) (*G.Node, error) {
	return f(g, x, training)
}

func randTensor(r *rand.Rand, scale float32, shape ...int) *tensor.Tensor {
	t := tensor.Zeros(shape...)
	for i := range t.Data() {
		t.Data()[i] = (r.Float32()*2 - 1) * scale
	}
	return t
}

func newVar(path string, t *tensor.Tensor, trainable bool) *Variable {
	return &Variable{Name: path, Path: path, Value: t, Trainable: trainable}
}

// mlp builds a Dense stack with random weights: sizes[0] inputs, then one
// Dense per further size; acts[i] is the activation of layer i.
func mlp(t testing.TB, seed uint64, sizes []int, acts []string) ([]Stage, []*Variable) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	var stages []Stage
	var vars []*Variable
	width := sizes[0]
	for i := 1; i < len(sizes); i++ {
		k := newVar(fmt.Sprintf("dense_%d/kernel", i), randTensor(r, 0.7, width, sizes[i]), true)
		b := newVar(fmt.Sprintf("dense_%d/bias", i), randTensor(r, 0.3, sizes[i]), true)
		a, err := ActivationByName(acts[i-1], 3)
		if err != nil {
			t.Fatal(err)
		}
		os, err := a.OutputShape([]int{sizes[i]})
		if err != nil {
			t.Fatal(err)
		}
		width = os[0]
		stages = append(stages, &denseStage{kernel: k, bias: b, act: a})
		vars = append(vars, k, b)
	}
	return stages, vars
}

func toGT(t *tensor.Tensor) G.Value {
	if t.Rank() == 0 {
		return G.NewF32(t.Data()[0])
	}
	return gt.New(gt.WithShape(t.Shape()...), gt.WithBacking(append([]float32(nil), t.Data()...)))
}

// closeSlices compares two float32 slices with numpy allclose semantics.
func closeSlices(t testing.TB, what string, got, want []float32, atol, rtol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(g) || math.Abs(g-w) > atol+rtol*math.Abs(w) {
			t.Fatalf("%s[%d] = %v, want %v (|diff| %g)", what, i, g, w, math.Abs(g-w))
		}
	}
}
