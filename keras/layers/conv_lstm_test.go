package layers

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
)

// convLSTMNet builds l for per-sample inputs in, sets its weights and
// returns a network (output k of EmitMulti), with an optional mask stage.
func convLSTMNet(t *testing.T, l *ConvLSTMLayer, in []int, weights [][]float32, mask []float32, k int, loss bool) *runtime.Network {
	t.Helper()
	if err := l.Build(in); err != nil {
		t.Fatal(err)
	}
	for i, v := range l.Variables() {
		if len(weights[i]) != len(v.Value.Data()) {
			t.Fatalf("%s has %d values, given %d", v.Path, len(v.Value.Data()), len(weights[i]))
		}
		copy(v.Value.Data(), weights[i])
	}
	stages := []runtime.Stage{pick{l, k}}
	if mask != nil {
		stages = []runtime.Stage{maskStage{mask}, pick{l, k}}
	}
	cfg := runtime.NetworkConfig{InputShape: in, Stages: stages, Variables: l.Variables()}
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

// pat is the spec's golden generator: element i = ((i·a mod m) − off)·0.1.
func pat(n, a, m, off int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(float64((i*a)%m-off) * 0.1)
	}
	return out
}

// TestConvLSTMGolden checks ConvLSTM2D(1, 2, valid, return_sequences)
// against the Keras 3.15.1 golden vector of keras-layers.md §10.6.
func TestConvLSTMGolden(t *testing.T) {
	cfg := rnnCfg(nil)
	l := ConvLSTM(2, 1, ConvLSTMOptions{KernelSize: []int{2}}, cfg)
	w := [][]float32{
		{-0.3, 0, 0.3, -0.1, 0.2, -0.2, 0.1, -0.3, 0, 0.3, -0.1, 0.2, -0.2, 0.1, -0.3, 0},
		{-0.4, 0.1, -0.3, 0.2, -0.2, 0.3, -0.1, 0.4, 0, -0.4, 0.1, -0.3, 0.2, -0.2, 0.3, -0.1},
		{0.1, 1, 0, -0.1},
	}
	x := pat(18, 7, 11, 5)
	if x[0] != -0.5 || x[1] != 0.2 || x[2] != -0.2 {
		t.Fatalf("pat(7,11,5) starts %v, spec lists -0.5, 0.2, -0.2", x[:3])
	}
	net := convLSTMNet(t, l, []int{2, 3, 3, 1}, w, nil, 0, false)
	y, err := net.Predict(fromSlice(t, x, 1, 2, 3, 3, 1))
	if err != nil {
		t.Fatal(err)
	}
	if s := y.Shape(); len(s) != 5 || s[1] != 2 || s[2] != 2 || s[3] != 2 || s[4] != 1 {
		t.Fatalf("output shape %v, want (1, 2, 2, 2, 1)", s)
	}
	assertAllClose(t, y.Data(), []float32{-0.05812454, 0.03009935, 0.0279076, 0.03084747, -0.005879911, -0.02822805, 0.04869948, -0.006530883}, 2e-6)
}

// refGeo is the geometry of the float64 reference: inputs (B, T, H, W, C)
// channels_last (ConvLSTM1D as H = 1), kernel (kh, kw).
type refGeo struct {
	B, T, H, W, C, F, kh, kw, sh, sw, dh, dw int
	same, back                               bool
}

// refPad returns the output size and leading padding of one axis as Keras
// (TensorFlow's "same": total padding split with the extra cell after).
func refPad(n, k, s, d int, same bool) (out, before int) {
	ek := d*(k-1) + 1
	if !same {
		return (n-ek)/s + 1, 0
	}
	out = (n + s - 1) / s
	return out, max((out-1)*s+ek-n, 0) / 2
}

// refConv is a naive float64 cross-correlation of one sample (h, w, cin)
// with kernel (kh, kw, cin, cout).
func refConv(x []float64, h, w, cin int, k []float32, kh, kw, cout, sh, sw, dh, dw int, same bool) ([]float64, int, int) {
	oh, ph := refPad(h, kh, sh, dh, same)
	ow, pw := refPad(w, kw, sw, dw, same)
	y := make([]float64, oh*ow*cout)
	for a := 0; a < oh; a++ {
		for b := 0; b < ow; b++ {
			for i := 0; i < kh; i++ {
				r := a*sh + i*dh - ph
				for j := 0; j < kw; j++ {
					c := b*sw + j*dw - pw
					if r < 0 || r >= h || c < 0 || c >= w {
						continue
					}
					for ci := 0; ci < cin; ci++ {
						xv := x[(r*w+c)*cin+ci]
						for co := 0; co < cout; co++ {
							y[(a*ow+b)*cout+co] += xv * float64(k[((i*kw+j)*cin+ci)*cout+co])
						}
					}
				}
			}
		}
	}
	return y, oh, ow
}

func sigmoid64(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

// refConvLSTM re-derives ConvLSTM (keras-layers.md §7.7) in float64: it
// returns every step's h in processing order and the final c, per sample.
func refConvLSTM(g refGeo, x []float32, w [][]float32, mask []float32) (seq [][]float64, c []float64) {
	F := g.F
	oh, _ := refPad(g.H, g.kh, g.sh, g.dh, g.same)
	ow, _ := refPad(g.W, g.kw, g.sw, g.dw, g.same)
	P := oh * ow
	step := g.H * g.W * g.C
	hs := make([]float64, g.B*P*F)
	cs := make([]float64, g.B*P*F)
	for s := 0; s < g.T; s++ {
		t := s
		if g.back {
			t = g.T - 1 - s
		}
		out := make([]float64, g.B*P*F)
		for b := 0; b < g.B; b++ {
			xt := make([]float64, step)
			for i := range xt {
				xt[i] = float64(x[(b*g.T+t)*step+i])
			}
			zx, _, _ := refConv(xt, g.H, g.W, g.C, w[0], g.kh, g.kw, 4*F, g.sh, g.sw, g.dh, g.dw, g.same)
			zh, _, _ := refConv(hs[b*P*F:(b+1)*P*F], oh, ow, F, w[1], g.kh, g.kw, 4*F, 1, 1, 1, 1, true)
			keep := mask == nil || mask[b*g.T+t] != 0
			for p := 0; p < P; p++ {
				for f := 0; f < F; f++ {
					z := func(gate int) float64 {
						return zx[p*4*F+gate*F+f] + zh[p*4*F+gate*F+f] + float64(w[2][gate*F+f])
					}
					j := (b*P+p)*F + f
					cn := sigmoid64(z(1))*cs[j] + sigmoid64(z(0))*math.Tanh(z(2))
					hn := sigmoid64(z(3)) * math.Tanh(cn)
					if keep {
						out[j], cs[j] = hn, cn
					} else {
						out[j] = hs[j]
					}
				}
			}
		}
		hs = out
		seq = append(seq, out)
	}
	return seq, cs
}

func randF32(r *rand.Rand, n int, scale float64) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(scale * r.NormFloat64())
	}
	return out
}

func toF32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// TestConvLSTMReference compares ConvLSTM1D/2D with the float64
// re-derivation over paddings, strides, dilation, go_backwards, masks and
// return_state (h, c), batch 2.
func TestConvLSTMReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 7))
	cases := []struct {
		name string
		rank int
		co   ConvLSTMOptions
		g    refGeo
		mask []float32
		mod  func(*RNNConfig)
	}{
		{"2d same", 2, ConvLSTMOptions{KernelSize: []int{3}, Padding: "same"}, refGeo{T: 3, H: 4, W: 5, C: 2, F: 3, kh: 3, kw: 3}, nil, nil},
		{"2d strides 2,1 same", 2, ConvLSTMOptions{KernelSize: []int{3, 2}, Strides: []int{2, 1}, Padding: "same"}, refGeo{T: 2, H: 5, W: 4, C: 2, F: 2, kh: 3, kw: 2, sh: 2}, nil, nil},
		{"2d dilation 2 valid backwards", 2, ConvLSTMOptions{KernelSize: []int{2}, Dilation: []int{2}}, refGeo{T: 3, H: 5, W: 5, C: 1, F: 2, kh: 2, kw: 2, dh: 2, dw: 2, back: true}, nil, nil},
		{"1d valid", 1, ConvLSTMOptions{KernelSize: []int{3}}, refGeo{T: 3, H: 1, W: 6, C: 2, F: 2, kh: 1, kw: 3}, nil, nil},
		{"1d same mask", 1, ConvLSTMOptions{KernelSize: []int{2}, Padding: "same"}, refGeo{T: 3, H: 1, W: 5, C: 2, F: 2, kh: 1, kw: 2}, []float32{1, 0, 1, 0, 1, 1}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := c.g
			g.B = 2
			for _, p := range []*int{&g.sh, &g.sw, &g.dh, &g.dw} {
				if *p == 0 {
					*p = 1
				}
			}
			g.same = c.co.Padding == "same"
			in := []int{g.T, g.H, g.W, g.C}
			if c.rank == 1 {
				in = []int{g.T, g.W, g.C}
			}
			w := [][]float32{randF32(r, g.kh*g.kw*g.C*4*g.F, 0.4), randF32(r, g.kh*g.kw*g.F*4*g.F, 0.4), randF32(r, 4*g.F, 0.3)}
			x := randF32(r, g.B*g.T*g.H*g.W*g.C, 1)
			seq, cFinal := refConvLSTM(g, x, w, c.mask)
			var all []float32
			for b := 0; b < g.B; b++ {
				for _, s := range seq {
					n := len(s) / g.B
					all = append(all, toF32(s[b*n:(b+1)*n])...)
				}
			}
			last := toF32(seq[len(seq)-1])
			for k, want := range [][]float32{all, last, toF32(cFinal)} {
				cfg := rnnCfg(c.mod)
				cfg.GoBackwards = g.back
				cfg.ReturnSequences, cfg.ReturnState = k == 0, true
				l := ConvLSTM(c.rank, g.F, c.co, cfg)
				net := convLSTMNet(t, l, in, w, c.mask, min(k, 2), false)
				y, err := net.Predict(fromSlice(t, x, append([]int{g.B}, in...)...))
				if err != nil {
					t.Fatal(err)
				}
				assertAllClose(t, y.Data(), want, 1e-5)
			}
		})
	}
}

// TestConvLSTMChannelsFirst checks data_format channels_first against the
// float64 re-derivation on the same data in channels_last order.
func TestConvLSTMChannelsFirst(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 2))
	g := refGeo{B: 2, T: 2, H: 3, W: 4, C: 2, F: 2, kh: 2, kw: 2, sh: 1, sw: 1, dh: 1, dw: 1, same: true}
	w := [][]float32{randF32(r, g.kh*g.kw*g.C*4*g.F, 0.4), randF32(r, g.kh*g.kw*g.F*4*g.F, 0.4), randF32(r, 4*g.F, 0.3)}
	xl := randF32(r, g.B*g.T*g.H*g.W*g.C, 1)
	xf := make([]float32, len(xl)) // (B, T, C, H, W)
	for bt := 0; bt < g.B*g.T; bt++ {
		for p := 0; p < g.H*g.W; p++ {
			for ch := 0; ch < g.C; ch++ {
				xf[(bt*g.C+ch)*g.H*g.W+p] = xl[(bt*g.H*g.W+p)*g.C+ch]
			}
		}
	}
	seq, _ := refConvLSTM(g, xl, w, nil)
	last := seq[len(seq)-1] // (B, H, W, F)
	want := make([]float32, len(last))
	for b := 0; b < g.B; b++ {
		for p := 0; p < g.H*g.W; p++ {
			for f := 0; f < g.F; f++ {
				want[(b*g.F+f)*g.H*g.W+p] = float32(last[(b*g.H*g.W+p)*g.F+f])
			}
		}
	}
	cfg := rnnCfg(nil)
	cfg.ReturnSequences = false
	l := ConvLSTM(2, g.F, ConvLSTMOptions{KernelSize: []int{2}, Padding: "same", ChannelsFirst: true}, cfg)
	net := convLSTMNet(t, l, []int{g.T, g.C, g.H, g.W}, w, nil, 0, false)
	if s := l.OutputShape(); len(s) != 3 || s[0] != g.F || s[1] != g.H || s[2] != g.W {
		t.Fatalf("output shape %v, want (F, H, W) = (%d, %d, %d)", s, g.F, g.H, g.W)
	}
	y, err := net.Predict(fromSlice(t, xf, g.B, g.T, g.C, g.H, g.W))
	if err != nil {
		t.Fatal(err)
	}
	assertAllClose(t, y.Data(), want, 1e-5)
}

// TestConvLSTMGradients compares BPTT gradients through the unrolled
// convolutions with central finite differences of the loss, for every
// variable, with a mask and with go_backwards.
func TestConvLSTMGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 1))
	for _, c := range []struct {
		name string
		rank int
		in   []int
		co   ConvLSTMOptions
		back bool
		mask []float32
	}{
		{"2d same mask", 2, []int{3, 3, 3, 1}, ConvLSTMOptions{KernelSize: []int{2}, Padding: "same"}, false, []float32{1, 0, 1, 1, 1, 0}},
		{"1d valid backwards", 1, []int{3, 4, 2}, ConvLSTMOptions{KernelSize: []int{2}}, true, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := rnnCfg(nil)
			cfg.GoBackwards = c.back
			l := ConvLSTM(c.rank, 2, c.co, cfg)
			if err := l.Build(c.in); err != nil {
				t.Fatal(err)
			}
			var w [][]float32
			for _, v := range l.Variables() {
				w = append(w, randF32(r, len(v.Value.Data()), 0.4))
			}
			net := convLSTMNet(t, l, c.in, w, c.mask, 0, true)
			x := tensor.Zeros(append([]int{2}, c.in...)...)
			copy(x.Data(), randF32(r, len(x.Data()), 1))
			y := tensor.Zeros(append([]int{2}, l.OutputShape()...)...)
			copy(y.Data(), randF32(r, len(y.Data()), 1))
			res, err := net.TrainStep(x, y, nil)
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
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
					if g := float64(res.Grads[vi][j]); math.Abs(g-fd) > 1e-4+1e-2*math.Abs(fd) {
						t.Errorf("%s[%d]: gradient %.6g, finite differences %.6g", v.Path, j, g, fd)
					}
					checked++
				}
			}
			if checked == 0 {
				t.Fatal("no trainable variables")
			}
		})
	}
}

// TestConvLSTMBadConfig checks that invalid settings are refused with an
// error naming the setting, at construction or Build.
func TestConvLSTMBadConfig(t *testing.T) {
	cases := []struct {
		name string
		l    *ConvLSTMLayer
		in   []int
		want string
	}{
		{"filters 0", ConvLSTM(2, 0, ConvLSTMOptions{KernelSize: []int{3}}, rnnCfg(nil)), []int{2, 4, 4, 1}, "filters is 0"},
		{"no kernel_size", ConvLSTM(2, 2, ConvLSTMOptions{}, rnnCfg(nil)), []int{2, 4, 4, 1}, "kernel_size"},
		{"kernel_size 3 values", ConvLSTM(2, 2, ConvLSTMOptions{KernelSize: []int{3, 3, 3}}, rnnCfg(nil)), []int{2, 4, 4, 1}, "kernel_size"},
		{"causal", ConvLSTM(1, 2, ConvLSTMOptions{KernelSize: []int{2}, Padding: "causal"}, rnnCfg(nil)), []int{2, 4, 1}, `padding "causal"`},
		{"stateful", ConvLSTM(1, 2, ConvLSTMOptions{KernelSize: []int{2}}, rnnCfg(func(c *RNNConfig) { c.Stateful = true })), []int{2, 4, 1}, "stateful"},
		{"rank 3", ConvLSTM(3, 2, ConvLSTMOptions{KernelSize: []int{2}}, rnnCfg(nil)), []int{2, 4, 4, 4, 1}, "ConvLSTM1D and ConvLSTM2D"},
		{"input rank", ConvLSTM(2, 2, ConvLSTMOptions{KernelSize: []int{2}}, rnnCfg(nil)), []int{4, 4, 1}, "rank 4"},
		{"kernel larger than input", ConvLSTM(2, 2, ConvLSTMOptions{KernelSize: []int{5}}, rnnCfg(nil)), []int{2, 3, 3, 1}, "input shape"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.l.Build(c.in)
			if err == nil {
				t.Fatalf("Build(%v) succeeded, want an error containing %q", c.in, c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q lacks %q", err, c.want)
			}
		})
	}
}
