package keras

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/tensor"
)

// The two real convolutional files of testdata/realmodels cannot be loaded
// by Keras 3 (Keras 2.1.3 and Keras 1.0 formats), so there is no Keras
// reference. These tests recompute their forward pass in float64 from the
// arrays as stored in the files (their own layouts, read by package loader
// without kerago's layer code) and compare with kerago.

// storedArrays returns the stored arrays of the layers with weights, in
// file order.
func storedArrays(t *testing.T, cfg, weights string) [][]*tensor.Tensor {
	t.Helper()
	var lm *loader.Model
	var err error
	if weights == "" {
		lm, err = loader.Load(cfg)
	} else {
		lm, err = loader.LoadWithWeights(cfg, weights)
	}
	if err != nil {
		t.Fatal(err)
	}
	var out [][]*tensor.Tensor
	for _, l := range lm.Weights.Layers {
		if len(l.Arrays) > 0 {
			out = append(out, l.Arrays)
		}
	}
	return out
}

// img is a float64 (channels, rows, cols) image.
type img struct {
	c, h, w int
	v       []float64
}

func (m img) at(c, i, j int) float64 { return m.v[(c*m.h+i)*m.w+j] }

// conv2d computes a stride-1 2-D convolution of x with kernel k given as
// k(f, c, di, dj), padding pad cells on each side; flip makes it a true
// convolution (Theano) instead of Keras's correlation.
func conv2d(x img, f, kh, kw, pad int, k func(f, c, di, dj int) float64, bias []float64, flip bool) img {
	out := img{c: f, h: x.h + 2*pad - kh + 1, w: x.w + 2*pad - kw + 1}
	out.v = make([]float64, out.c*out.h*out.w)
	for o := 0; o < f; o++ {
		for i := 0; i < out.h; i++ {
			for j := 0; j < out.w; j++ {
				s := bias[o]
				for c := 0; c < x.c; c++ {
					for di := 0; di < kh; di++ {
						for dj := 0; dj < kw; dj++ {
							r, q := i+di-pad, j+dj-pad
							if r < 0 || q < 0 || r >= x.h || q >= x.w {
								continue
							}
							a, b := di, dj
							if flip {
								a, b = kh-1-di, kw-1-dj
							}
							s += x.at(c, r, q) * k(o, c, a, b)
						}
					}
				}
				out.v[(o*out.h+i)*out.w+j] = s
			}
		}
	}
	return out
}

func relu64(v []float64) {
	for i := range v {
		v[i] = math.Max(v[i], 0)
	}
}

func dense64(x []float64, w, b *tensor.Tensor) []float64 {
	n := w.Dim(1)
	out := make([]float64, n)
	for j := 0; j < n; j++ {
		s := float64(b.Data()[j])
		for i, xi := range x {
			s += xi * float64(w.Data()[i*n+j])
		}
		out[j] = s
	}
	return out
}

func readKeras2cppImage(t *testing.T, path string) []float32 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vals []float32
	sc := bufio.NewScanner(f)
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			first = false // "1 28 28"
			continue
		}
		for _, tok := range strings.Fields(strings.NewReplacer("[", " ", "]", " ").Replace(line)) {
			v, err := strconv.ParseFloat(tok, 32)
			if err != nil {
				t.Fatalf("%s: %q: %v", path, tok, err)
			}
			vals = append(vals, float32(v))
		}
	}
	if len(vals) != 28*28 {
		t.Fatalf("%s: %d values, want 784", path, len(vals))
	}
	return vals
}

// TestKeras1TheanoCNN loads keras2cpp's Keras 1.0 model (Theano ordering,
// (F, C, kh, kw) kernels, no backend recorded) and compares with a float64
// forward pass that convolves as Theano did (flipped kernels), which is
// also how the keras2cpp project computes it.
func TestKeras1TheanoCNN(t *testing.T) {
	dir := filepath.Join(testdata, "realmodels", "pplonski__keras2cpp__my_nn")
	cfg, wts := filepath.Join(dir, "my_nn_arch.json"), filepath.Join(dir, "my_nn_weights.h5")
	pix := readKeras2cppImage(t, filepath.Join(dir, "sample_mnist.dat"))
	w := storedArrays(t, cfg, wts)
	kern := func(k *tensor.Tensor) func(f, c, di, dj int) float64 {
		s := k.Shape() // (F, C, kh, kw)
		return func(f, c, di, dj int) float64 { return float64(k.Data()[((f*s[1]+c)*s[2]+di)*s[3]+dj]) }
	}
	f64 := func(t *tensor.Tensor) []float64 { return t.Float64() }
	x := img{c: 1, h: 28, w: 28, v: make([]float64, 784)}
	for i, p := range pix {
		x.v[i] = float64(p)
	}
	h := conv2d(x, 4, 3, 3, 1, kern(w[0][0]), f64(w[0][1]), true)
	relu64(h.v)
	h = conv2d(h, 4, 3, 3, 1, kern(w[1][0]), f64(w[1][1]), true)
	relu64(h.v)
	pooled := make([]float64, 0, 4*14*14)
	for c := 0; c < 4; c++ {
		for i := 0; i < 14; i++ {
			for j := 0; j < 14; j++ {
				pooled = append(pooled, math.Max(math.Max(h.at(c, 2*i, 2*j), h.at(c, 2*i, 2*j+1)), math.Max(h.at(c, 2*i+1, 2*j), h.at(c, 2*i+1, 2*j+1))))
			}
		}
	}
	d := dense64(pooled, w[2][0], w[2][1])
	relu64(d)
	logits := dense64(d, w[3][0], w[3][1])
	var sum, mx float64 = 0, math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, v)
	}
	want := make([]float32, len(logits))
	for _, v := range logits {
		sum += math.Exp(v - mx)
	}
	for i, v := range logits {
		want[i] = float32(math.Exp(v-mx) / sum)
	}

	m, err := LoadWithWeights(cfg, wts)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := tensor.FromSlice(pix, 1, 1, 28, 28)
	got, err := m.Predict(in)
	if err != nil {
		t.Fatal(err)
	}
	wt, _ := tensor.FromSlice(want, 1, 10)
	assertClose(t, "keras2cpp my_nn vs float64 Theano forward pass", got, wt, 1e-5, 1e-5)
	t.Logf("prediction %v", got.Data())
}

// TestKeras2CNNBatchNorm loads a Keras 2.1.3 Conv2D + BatchNormalization
// file and compares with a float64 forward pass on deterministic inputs.
func TestKeras2CNNBatchNorm(t *testing.T) {
	path := filepath.Join(testdata, "realmodels", "KonduitAI__dl4j-test-resources__cnn_batch_norm", "cnn_batch_norm.h5")
	w := storedArrays(t, path, "")
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	const n = 3
	xs := make([]float32, n*10*10*3)
	for i := range xs {
		xs[i] = float32(math.Sin(float64(i)*0.37) * 2)
	}
	in, _ := tensor.FromSlice(xs, n, 10, 10, 3)
	got, err := m.Predict(in)
	if err != nil {
		t.Fatal(err)
	}
	// kernels are (kh, kw, C, F): Keras 2 layout, correlation
	kern := func(k *tensor.Tensor) func(f, c, di, dj int) float64 {
		s := k.Shape()
		return func(f, c, di, dj int) float64 { return float64(k.Data()[((di*s[1]+dj)*s[2]+c)*s[3]+f]) }
	}
	want := make([]float32, n)
	for b := 0; b < n; b++ {
		x := img{c: 3, h: 10, w: 10, v: make([]float64, 300)}
		for i := 0; i < 10; i++ {
			for j := 0; j < 10; j++ {
				for c := 0; c < 3; c++ {
					x.v[(c*10+i)*10+j] = float64(xs[((b*10+i)*10+j)*3+c])
				}
			}
		}
		h := conv2d(x, 1, 3, 3, 0, kern(w[0][0]), w[0][1].Float64(), false)
		gamma, beta, mean, variance := w[1][0].Data()[0], w[1][1].Data()[0], w[1][2].Data()[0], w[1][3].Data()[0]
		for i, v := range h.v {
			h.v[i] = (v-float64(mean))/math.Sqrt(float64(variance)+1e-3)*float64(gamma) + float64(beta)
		}
		relu64(h.v)
		h = conv2d(h, 1, 3, 3, 0, kern(w[2][0]), w[2][1].Float64(), false)
		want[b] = float32(dense64(h.v, w[3][0], w[3][1])[0])
	}
	wt, _ := tensor.FromSlice(want, n, 1)
	assertClose(t, "cnn_batch_norm vs float64 forward pass", got, wt, 1e-5, 1e-5)
}
