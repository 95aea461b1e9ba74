package runtime

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	G "gorgonia.org/gorgonia"
)

// spec §8 activation vectors (keras activations_test.py).
func TestReLUVectorsSpec8(t *testing.T) {
	x5 := []float32{-10, -5, 0, 5, 10}
	cases := []struct {
		name        string
		ns, mv, thr float64
		x, want     []float32
	}{
		{"relu", 0, -1, 0, x5, []float32{0, 0, 0, 5, 10}},
		{"negative_slope=0.5", 0.5, -1, 0, x5, []float32{-5, -2.5, 0, 5, 10}},
		{"max_value=5", 0, 5, 0, x5, []float32{0, 0, 0, 5, 5}},
		{"threshold=5", 0, -1, 5, x5, []float32{0, 0, 0, 0, 10}},
		{"threshold=5,max_value=5", 0, 5, 5, x5, []float32{0, 0, 0, 0, 5}},
		{"negative_slope=0.5,max_value=5,threshold=5", 0.5, 5, 5, x5, []float32{-7.5, -5, -2.5, 0, 5}},
		{"max_value=6", 0, 6, 0, []float32{-10, -5, 0, 5, 10, 12}, []float32{0, 0, 0, 5, 6, 6}},
	}
	for _, tc := range cases {
		a := ReLUActivation(tc.ns, tc.mv, tc.thr)
		got := make([]float32, len(tc.x))
		a.forward(got, tc.x)
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("relu(%s)(%v) = %v, want %v", tc.name, tc.x, got, tc.want)
				break
			}
		}
	}
}

func TestHardSigmoidVectorsSpec8(t *testing.T) {
	x := []float32{-3, -1, 0, 1, 3}
	for _, tc := range []struct {
		major int
		want  []float64
	}{
		{3, []float64{0, 1.0 / 3, 0.5, 2.0 / 3, 1}},
		{2, []float64{0, 0.3, 0.5, 0.7, 1}},
	} {
		a, err := ActivationByName("hard_sigmoid", tc.major)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float32, len(x))
		a.forward(got, x)
		for i := range got {
			if math.Abs(float64(got[i])-tc.want[i]) > 1e-6 {
				t.Errorf("Keras %d hard_sigmoid(%v) = %v, want %v", tc.major, x[i], got[i], tc.want[i])
			}
		}
	}
}

func TestSELUConstants(t *testing.T) {
	a, _ := ActivationByName("selu", 3)
	got := make([]float32, 2)
	a.forward(got, []float32{-1, 1})
	want0 := 1.0507009873554804934193349852946 * 1.6732632423543772848170429916717 * math.Expm1(-1)
	if math.Abs(float64(got[0])-want0) > 1e-6 || math.Abs(float64(got[1])-1.0507009873554804934193349852946) > 1e-6 {
		t.Fatalf("selu(-1, 1) = %v, want [%v %v]", got, want0, 1.0507009873554804934193349852946)
	}
}

// ref64 are independent float64 definitions (Keras 3 activations.py and
// backend/numpy/nn.py) with the points where they are not differentiable.
type ref64 struct {
	f     func(x float64) float64
	kinks []float64
}

func sig64(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func hsig64(x float64) float64 { return math.Min(math.Max(x/6+0.5, 0), 1) }

var elemRefs = map[string]ref64{
	"relu":    {func(x float64) float64 { return math.Max(x, 0) }, []float64{0}},
	"relu6":   {func(x float64) float64 { return math.Min(math.Max(x, 0), 6) }, []float64{0, 6}},
	"sigmoid": {sig64, nil},
	"tanh":    {math.Tanh, nil},
	"elu": {func(x float64) float64 {
		if x >= 0 {
			return x
		}
		return math.Expm1(x)
	}, []float64{0}},
	"selu": {func(x float64) float64 {
		if x >= 0 {
			return seluScale * x
		}
		return seluScale * seluAlpha * math.Expm1(x)
	}, []float64{0}},
	"softplus": {func(x float64) float64 { return math.Log(math.Exp(x) + 1) }, nil},
	"softsign": {func(x float64) float64 { return x / (1 + math.Abs(x)) }, []float64{0}},
	"silu":     {func(x float64) float64 { return x * sig64(x) }, nil},
	"swish":    {func(x float64) float64 { return x * sig64(x) }, nil},
	"gelu": {func(x float64) float64 {
		return 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
	}, nil},
	"leaky_relu":   {func(x float64) float64 { return math.Max(x, 0.2*x) }, []float64{0}},
	"hard_sigmoid": {hsig64, []float64{-3, 3}},
	"hard_silu":    {func(x float64) float64 { return x * hsig64(x) }, []float64{-3, 3}},
	"hard_swish":   {func(x float64) float64 { return x * hsig64(x) }, []float64{-3, 3}},
	"exponential":  {math.Exp, nil},
	"linear":       {func(x float64) float64 { return x }, nil},
	"mish":         {func(x float64) float64 { return x * math.Tanh(math.Log(1+math.Exp(x))) }, nil},
	"celu": {func(x float64) float64 {
		return math.Max(x, 0) + math.Expm1(math.Min(x, 0))
	}, []float64{0}},
	"log_sigmoid": {func(x float64) float64 { return math.Log(sig64(x)) }, nil},
	"hard_tanh":   {func(x float64) float64 { return math.Min(math.Max(x, -1), 1) }, []float64{-1, 1}},
	"hard_shrink": {func(x float64) float64 {
		if math.Abs(x) > 0.5 {
			return x
		}
		return 0
	}, []float64{-0.5, 0.5}},
	"soft_shrink": {func(x float64) float64 {
		switch {
		case x > 0.5:
			return x - 0.5
		case x < -0.5:
			return x + 0.5
		}
		return 0
	}, []float64{-0.5, 0.5}},
	"tanh_shrink": {func(x float64) float64 { return x - math.Tanh(x) }, nil},
	"sparse_plus": {func(x float64) float64 {
		switch {
		case x <= -1:
			return 0
		case x < 1:
			return (x + 1) * (x + 1) / 4
		}
		return x
	}, []float64{-1, 1}},
	"squareplus": {func(x float64) float64 { return (x + math.Sqrt(x*x+4)) / 2 }, nil},
	"sparse_sigmoid": {func(x float64) float64 {
		return math.Min(math.Max(0.5*(x+1), 0), 1)
	}, []float64{-1, 1}},
}

// axis-wise references on one row.
var rowRefs = map[string]func(x []float64) []float64{
	"softmax": func(x []float64) []float64 {
		m := math.Inf(-1)
		for _, v := range x {
			m = math.Max(m, v)
		}
		var s float64
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = math.Exp(v - m)
			s += out[i]
		}
		for i := range out {
			out[i] /= s
		}
		return out
	},
	"log_softmax": func(x []float64) []float64 {
		m := math.Inf(-1)
		for _, v := range x {
			m = math.Max(m, v)
		}
		var s float64
		for _, v := range x {
			s += math.Exp(v - m)
		}
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = v - m - math.Log(s)
		}
		return out
	},
	// Keras 3's sparsemax (all backends): τ = (Σ_{j∈support} cumsum_j − 1)/k.
	"sparsemax": func(x []float64) []float64 {
		z := append([]float64(nil), x...)
		sort.Sort(sort.Reverse(sort.Float64Slice(z)))
		var c, sumC float64
		k := 0
		for j, v := range z {
			c += v
			if v-(c-1)/float64(j+1) > 0 {
				k++
				sumC += c
			}
		}
		tau := (sumC - 1) / float64(k)
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = math.Max(v-tau, 0)
		}
		return out
	},
	"glu": func(x []float64) []float64 {
		h := len(x) / 2
		out := make([]float64, h)
		for i := range out {
			out[i] = x[i] * sig64(x[h+i])
		}
		return out
	},
}

func nearKink(x float64, kinks []float64, d float64) bool {
	for _, k := range kinks {
		if math.Abs(x-k) < d {
			return true
		}
	}
	return false
}

// TestElementwiseActivations checks every elementwise string activation
// against an independent float64 definition (value within 1e-6 relative)
// and its derivative op against central finite differences of that
// definition.
func TestElementwiseActivations(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	names := ActivationNames()
	checked := 0
	for _, name := range names {
		ref, ok := elemRefs[name]
		if !ok {
			if _, ok := rowRefs[name]; !ok {
				t.Errorf("activation %q has no reference in this test", name)
			}
			continue
		}
		a, err := ActivationByName(name, 3)
		if err != nil {
			t.Fatal(err)
		}
		var xs []float32
		for _, v := range []float64{-12, -6, -3.5, -2.9, -1.2, -0.9, -0.45, -0.1, 0.1, 0.45, 0.9, 1.2, 2.9, 3.5, 5.9, 6.1, 12} {
			xs = append(xs, float32(v))
		}
		for i := 0; i < 200; i++ {
			xs = append(xs, float32(r.NormFloat64()*3))
		}
		var x []float32
		for _, v := range xs {
			if !nearKink(float64(v), ref.kinks, 1e-3) {
				x = append(x, v)
			}
		}
		if a.IsLinear() {
			continue
		}
		y := make([]float32, len(x))
		a.forward(y, x)
		dy := make([]float32, len(x))
		for i := range dy {
			dy[i] = float32(r.NormFloat64())
		}
		dx := make([]float32, len(x))
		a.backward(dx, x, y, dy)
		for i, v := range x {
			xv := float64(v)
			want := ref.f(xv)
			if d := math.Abs(float64(y[i]) - want); d > 1e-6*math.Max(1, math.Abs(want)) {
				t.Errorf("%s(%v) = %v, reference %v", name, v, y[i], want)
			}
			h := 1e-6 * math.Max(1, math.Abs(xv))
			fd := (ref.f(xv+h) - ref.f(xv-h)) / (2 * h) * float64(dy[i])
			if d := math.Abs(float64(dx[i]) - fd); d > 1e-4*math.Max(1, math.Abs(fd)) {
				t.Errorf("%s'(%v)·%v = %v, finite difference %v", name, v, dy[i], dx[i], fd)
			}
		}
		checked++
	}
	if checked < 26 {
		t.Fatalf("checked %d elementwise activations, want all of them", checked)
	}
}

// TestParameterizedActivations covers the layer-parameter variants.
func TestParameterizedActivations(t *testing.T) {
	cases := []struct {
		name string
		a    *Activation
		ref  ref64
	}{
		{"relu(ns=0.5,mv=5,thr=5)", ReLUActivation(0.5, 5, 5), ref64{func(x float64) float64 {
			v := 0.0
			if x > 5 {
				v = x
			}
			v = math.Min(math.Max(v, 0), 5)
			return v - 0.5*math.Max(-x+5, 0)
		}, []float64{5}}},
		{"relu(max_value=6)", ReLUActivation(0, 6, 0), ref64{func(x float64) float64 { return math.Min(math.Max(x, 0), 6) }, []float64{0, 6}}},
		{"relu(threshold=1)", ReLUActivation(0, -1, 1), ref64{func(x float64) float64 {
			if x > 1 {
				return x
			}
			return 0
		}, []float64{1}}},
		{"leaky(0.3)", LeakyReLUActivation(0.3), ref64{func(x float64) float64 { return math.Max(x, 0.3*x) }, []float64{0}}},
		{"elu(0.7)", ELUActivation(0.7), ref64{func(x float64) float64 {
			if x >= 0 {
				return x
			}
			return 0.7 * math.Expm1(x)
		}, []float64{0}}},
		{"celu(2)", CELUActivation(2), ref64{func(x float64) float64 { return math.Max(x, 0) + 2*math.Expm1(math.Min(x, 0)/2) }, []float64{0}}},
		{"thresholded(1)", ThresholdActivation(1, 0), ref64{func(x float64) float64 {
			if x > 1 {
				return x
			}
			return 0
		}, []float64{1}}},
		{"gelu(approximate)", GELUActivation(true), ref64{func(x float64) float64 {
			return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
		}, nil}},
		{"hard_sigmoid(keras2)", mustAct(t, "hard_sigmoid", 2), ref64{func(x float64) float64 { return math.Min(math.Max(0.2*x+0.5, 0), 1) }, []float64{-2.5, 2.5}}},
	}
	r := rand.New(rand.NewPCG(1, 9))
	for _, tc := range cases {
		var x []float32
		for i := 0; i < 300; i++ {
			v := float32(r.NormFloat64() * 4)
			if !nearKink(float64(v), tc.ref.kinks, 1e-3) {
				x = append(x, v)
			}
		}
		y := make([]float32, len(x))
		tc.a.forward(y, x)
		dy := make([]float32, len(x))
		for i := range dy {
			dy[i] = 1
		}
		dx := make([]float32, len(x))
		tc.a.backward(dx, x, y, dy)
		for i, v := range x {
			xv := float64(v)
			want := tc.ref.f(xv)
			if math.Abs(float64(y[i])-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Fatalf("%s(%v) = %v, reference %v", tc.name, v, y[i], want)
			}
			h := 1e-6 * math.Max(1, math.Abs(xv))
			fd := (tc.ref.f(xv+h) - tc.ref.f(xv-h)) / (2 * h)
			if math.Abs(float64(dx[i])-fd) > 1e-4*math.Max(1, math.Abs(fd)) {
				t.Fatalf("%s'(%v) = %v, finite difference %v", tc.name, v, dx[i], fd)
			}
		}
	}
}

func mustAct(t *testing.T, name string, major int) *Activation {
	a, err := ActivationByName(name, major)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAxisActivations checks softmax, log_softmax, sparsemax and glu along
// the last and a middle axis: values against float64 references, and the
// gradient ops (through a graph) against finite differences of Σ c·f(x).
func TestAxisActivations(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for name, ref := range rowRefs {
		for _, axis := range []int{-1, 1} {
			shape := []int{3, 4, 6} // axis 1 has 4 (even, for glu)
			a, err := AxisActivation(name, axis)
			if err != nil {
				t.Fatal(err)
			}
			x := randTensor(r, 2, shape...)
			outShape, _ := a.OutputShape(shape)
			c := randTensor(r, 1, outShape...)
			g := newGraph(shape[0], false)
			xn := newInput(g.g, shape, "x")
			y, err := a.Apply(xn)
			if err != nil {
				t.Fatal(err)
			}
			cn := newInput(g.g, outShape, "c")
			prodN, err := G.HadamardProd(y, cn)
			if err != nil {
				t.Fatal(err)
			}
			loss, err := G.Sum(prodN)
			if err != nil {
				t.Fatal(err)
			}
			grads, err := G.Grad(loss, xn)
			if err != nil {
				t.Fatal(err)
			}
			p, err := compile(g, []*G.Node{xn, cn}, []*G.Node{y, loss, grads[0]})
			if err != nil {
				t.Fatal(err)
			}
			f := p.newFrame()
			f.bufs[p.ext[0]] = x.Data()
			f.bufs[p.ext[1]] = c.Data()
			p.bind(f)
			p.exec(f)
			got, gx := f.bufs[p.outs[0]], f.bufs[p.outs[2]]

			ax := axis
			if ax < 0 {
				ax += len(shape)
			}
			outer, n, inner := splitAxis(shape, ax)
			_, on, _ := splitAxis(outShape, ax)
			// reference forward and loss in float64
			eval := func(xd []float64) (y []float64, l float64) {
				y = make([]float64, prod(outShape))
				for o := 0; o < outer; o++ {
					for j := 0; j < inner; j++ {
						row := make([]float64, n)
						for k := range row {
							row[k] = xd[(o*n+k)*inner+j]
						}
						yr := ref(row)
						for k, v := range yr {
							i := (o*on+k)*inner + j
							y[i] = v
							l += v * float64(c.Data()[i])
						}
					}
				}
				return
			}
			xd := make([]float64, x.Len())
			for i, v := range x.Data() {
				xd[i] = float64(v)
			}
			yref, _ := eval(xd)
			for i := range yref {
				if math.Abs(float64(got[i])-yref[i]) > 1e-6*math.Max(1, math.Abs(yref[i])) {
					t.Fatalf("%s axis %d: y[%d] = %v, reference %v", name, axis, i, got[i], yref[i])
				}
			}
			for i := range xd {
				h := 1e-6
				old := xd[i]
				xd[i] = old + h
				_, lp := eval(xd)
				xd[i] = old - h
				_, lm := eval(xd)
				xd[i] = old
				fd := (lp - lm) / (2 * h)
				if math.Abs(float64(gx[i])-fd) > 1e-4*math.Max(1, math.Abs(fd)) {
					t.Fatalf("%s axis %d: d/dx[%d] = %v, finite difference %v", name, axis, i, gx[i], fd)
				}
			}
		}
	}
}
