package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kerago/kerago/tensor"
	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// kchain builds a Keras Sequential model out of this package's ops, the
// way the keras/layers code is meant to: it holds the current node, the
// weight nodes (Keras order) and the first error.
type kchain struct {
	g   *Graph
	h   *G.Node
	w   []*G.Node
	wt  []*tensor.Tensor // the weights' values (for BatchNorm's variables)
	err error
}

func (c *kchain) do(f func() (*G.Node, error)) *kchain {
	if c.err == nil {
		c.h, c.err = f()
	}
	return c
}

// pads returns ConvParams strides/dilation/pads for Keras's padding string
// on the current node's spatial axes.
func (c *kchain) pads(k, st, dil []int, padding string) ConvParams {
	p := ConvParams{Strides: st, Dilation: dil}
	xs := []int(c.h.Shape())
	for a := range k {
		_, b, e, err := ConvOutputSize(xs[1+a], k[a], st[a], dil[a], padding)
		if err != nil && c.err == nil {
			c.err = err
		}
		p.PadBefore, p.PadAfter = append(p.PadBefore, b), append(p.PadAfter, e)
	}
	return p
}

func (c *kchain) conv(k, st, dil []int, padding string, groups, w, b int, act string) *kchain {
	p := c.pads(k, st, dil, padding)
	p.Groups = groups
	c.do(func() (*G.Node, error) { return c.g.Conv(c.h, c.w[w], p) })
	return c.bias(b).act(act)
}

func (c *kchain) depthwise(k, st []int, padding string, w, b int, act string) *kchain {
	p := c.pads(k, st, filledInts(len(k), 1), padding)
	c.do(func() (*G.Node, error) { return c.g.DepthwiseConv(c.h, c.w[w], p) })
	return c.bias(b).act(act)
}

func (c *kchain) bias(b int) *kchain {
	if b < 0 {
		return c
	}
	return c.do(func() (*G.Node, error) { return c.g.BiasAdd(c.h, c.w[b]) })
}

func (c *kchain) act(name string) *kchain {
	return c.do(func() (*G.Node, error) {
		a, err := ActivationByName(name, 3)
		if err != nil {
			return nil, err
		}
		return a.Apply(c.h)
	})
}

func (c *kchain) pool(max bool, size, st []int, padding string) *kchain {
	p := c.pads(size, st, filledInts(len(size), 1), padding)
	return c.do(func() (*G.Node, error) {
		return c.g.Pool(c.h, PoolParams{Max: max, Size: size, Strides: st, PadBefore: p.PadBefore, PadAfter: p.PadAfter})
	})
}

// bn is BatchNormalization (epsilon 1e-3, inference) with gamma, beta,
// moving mean and variance at weights w..w+3.
func (c *kchain) bn(w int) *kchain {
	vars := make([]*Variable, 4)
	for i := range vars {
		vars[i] = &Variable{Path: fmt.Sprintf("bn%d/%d", w, i), Value: c.wt[w+i]}
	}
	return c.do(func() (*G.Node, error) {
		return c.g.BatchNorm(c.h, BatchNormParams{Axis: -1, Epsilon: 1e-3, Gamma: vars[0], Beta: vars[1], MovingMean: vars[2], MovingVariance: vars[3]})
	})
}

func (c *kchain) flatten() *kchain {
	return c.do(func() (*G.Node, error) {
		s := []int(c.h.Shape())
		return G.Reshape(c.h, gt.Shape{s[0], prod(s[1:])})
	})
}

func (c *kchain) dense(w, b int) *kchain {
	c.do(func() (*G.Node, error) { return G.Mul(c.h, c.w[w]) })
	return c.bias(b)
}

// TestKerasLayerFixtures runs Keras 3.15.1 models (keras-layers fixtures,
// see kerasLayersDir and PROVENANCE.md) built from this package's ops on Keras's input and
// compares with Keras's predict output (allclose 1e-5).
func TestKerasLayerFixtures(t *testing.T) {
	one, two, three := []int{1}, []int{1, 1}, []int{1, 1, 1}
	cases := map[string]func(c *kchain){
		"conv2d_options": func(c *kchain) {
			c.conv([]int{3, 3}, two, []int{2, 2}, "valid", 1, 0, -1, "linear").
				conv([]int{2, 3}, []int{2, 1}, two, "valid", 2, 1, 2, "tanh").
				do(func() (*G.Node, error) { return c.g.GlobalPool(c.h, true, false) }).dense(3, 4)
		},
		"conv1d_family": func(c *kchain) {
			c.conv([]int{3}, one, one, "causal", 1, 0, 1, "relu").
				conv([]int{2}, []int{2}, one, "valid", 1, 2, 3, "linear").
				pool(true, []int{2}, []int{2}, "valid").pool(false, []int{2}, []int{2}, "valid").
				conv(one, one, one, "valid", 1, 4, 5, "linear").
				do(func() (*G.Node, error) { return c.g.GlobalPool(c.h, false, false) }).dense(6, 7)
		},
		"transpose_resample": func(c *kchain) {
			xs := []int(c.h.Shape())
			p := ConvTransposeParams{Strides: []int{2, 2}, Dilation: two}
			for a := 0; a < 2; a++ {
				L, crop, err := ConvTransposeOutputSize(xs[1+a], 3, 2, 1, "same", -1)
				if err != nil {
					c.err = err
				}
				p.OutSize, p.Crop = append(p.OutSize, L), append(p.Crop, crop)
			}
			c.do(func() (*G.Node, error) { return c.g.ConvTranspose(c.h, c.w[0], p) }).bias(1).
				do(func() (*G.Node, error) { return c.g.UpsampleNearest(c.h, []int{2, 2}) }).
				do(func() (*G.Node, error) { return c.g.Crop(c.h, []int{1, 2}, []int{2, 1}) }).
				do(func() (*G.Node, error) { return c.g.Pad(c.h, []int{0, 2}, []int{1, 0}, 0) }).
				conv(two, two, two, "valid", 1, 2, 3, "linear").flatten().dense(4, 5)
		},
		"conv3d_pool3d": func(c *kchain) {
			c.conv([]int{2, 2, 2}, three, three, "valid", 1, 0, 1, "relu").
				pool(true, []int{2, 2, 2}, []int{2, 2, 2}, "valid").pool(false, three, three, "valid").
				flatten().dense(2, 3)
		},
		"separable_depthwise": func(c *kchain) {
			c.depthwise([]int{3, 3}, two, "same", 0, 1, "relu").
				depthwise([]int{3, 3}, two, "valid", 2, -1, "linear").
				conv(two, two, two, "valid", 1, 3, 4, "linear")
			c.bn(5).depthwise([]int{2, 2}, []int{2, 2}, "valid", 9, 10, "linear").flatten().dense(11, 12)
		},
		"lenet_bn": func(c *kchain) {
			c.conv([]int{3, 3}, two, two, "valid", 1, 0, 1, "linear").bn(2).act("relu").
				pool(true, []int{2, 2}, []int{2, 2}, "valid").
				conv([]int{3, 3}, two, two, "same", 1, 6, 7, "linear").bn(8).act("relu").
				pool(true, []int{2, 2}, []int{2, 2}, "valid").
				flatten().dense(12, 13).act("softmax") // Dropout: identity in predict
		},
		"mobilenet_like": func(c *kchain) {
			// stem, then three inverted-residual blocks (weights: conv, 4 BN
			// each), block 2 with ZeroPadding2D((0,1),(0,1)) + valid stride 2
			c.conv([]int{3, 3}, []int{2, 2}, two, "same", 1, 0, -1, "linear").bn(1).act("relu6")
			block := func(w int, stride2, residual bool) {
				in := c.h
				c.conv(two, two, two, "valid", 1, w, -1, "linear").bn(w + 1).act("relu6")
				st, padding := two, "same"
				if stride2 {
					c.do(func() (*G.Node, error) { return c.g.Pad(c.h, []int{0, 0}, []int{1, 1}, 0) })
					st, padding = []int{2, 2}, "valid"
				}
				c.depthwise([]int{3, 3}, st, padding, w+5, -1, "linear").bn(w+6).act("relu6").
					conv(two, two, two, "valid", 1, w+10, -1, "linear").bn(w + 11)
				if residual {
					c.do(func() (*G.Node, error) { return G.Add(in, c.h) })
				}
			}
			block(5, false, true)
			block(20, true, false)
			block(35, false, true)
			c.do(func() (*G.Node, error) { return c.g.GlobalPool(c.h, false, false) }).
				dense(50, 51).act("relu").dense(52, 53).act("softmax")
		},
		"preprocessing": func(c *kchain) {
			// x was rescaled on the host (Rescaling, float32 x·scale + offset);
			// Resizing(6, 8) bilinear, CenterCrop(5, 4) of 6×8 = rows [0, 5),
			// cols [2, 6); random augmentation layers are identities
			c.do(func() (*G.Node, error) { return c.g.ResizeBilinear(c.h, []int{6, 8}) }).
				do(func() (*G.Node, error) { return c.g.Crop(c.h, []int{0, 2}, []int{1, 2}) }).
				conv([]int{2, 2}, two, two, "valid", 1, 0, 1, "linear").flatten().dense(2, 3)
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(kerasLayersDir(), name)
			x := loadNpy(t, filepath.Join(dir, "x.npy"))
			want := loadNpy(t, filepath.Join(dir, "y.npy"))
			ws, err := filepath.Glob(filepath.Join(dir, "weights", "*.npy"))
			if err != nil || len(ws) == 0 {
				t.Fatalf("weights of %s: %v", dir, err)
			}
			if name == "preprocessing" {
				scale, offset := float32(1.0/255), float32(-0.5)
				for i, v := range x.Data() {
					x.Data()[i] = v*scale + offset
				}
			}
			shapes, data := [][]int{x.Shape()}, [][]float32{x.Data()}
			var wt []*tensor.Tensor
			for _, f := range ws { // file names start with the Keras weight index
				w := loadNpy(t, f)
				wt = append(wt, w)
				shapes, data = append(shapes, w.Shape()), append(data, w.Data())
			}
			res := runOpGraph(t, shapes, data, nil, func(g *Graph, in []*G.Node) (*G.Node, error) {
				c := &kchain{g: g, h: in[0], w: in[1:], wt: wt}
				build(c)
				return c.h, c.err
			})
			closeSlices(t, name+" vs Keras predict", res.out, want.Data(), 1e-5, 1e-5)
		})
	}
}

// kerasLayersDir is the repository's copy of the keras-layers fixtures.
func kerasLayersDir() string { return filepath.Join("..", "testdata", "keras-layers") }

func loadNpy(t *testing.T, path string) *tensor.Tensor {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("fixture missing: %v", err)
	}
	x, err := tensor.LoadNpy(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return x
}
