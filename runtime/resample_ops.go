package runtime

import (
	"fmt"
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// This file holds the resampling ops over the spatial axes of channels_last
// tensors (N, spatial..., C) with 1 to 3 spatial axes: constant padding and
// cropping (Pad, Crop) and resizing (Resize, UpsampleNearest,
// ResizeBilinear). A resize is a sum over per-axis tap lists (input index,
// weight), so nearest, bilinear, bicubic and antialiased kernels share one
// op and one gradient.

// spatialShape checks that x is (N, 1 to 3 spatial axes, C) and returns the
// rank and the spatial size padded to three axes (leading 1s).
func spatialShape(xs []int, what string) (int, [3]int, error) {
	r := len(xs) - 2
	if r < 1 || r > 3 {
		return 0, [3]int{}, fmt.Errorf("runtime: %s input of shape %v: want (batch, 1 to 3 spatial axes, channels)", what, xs)
	}
	in, _ := spatial3(xs[1:r+1], r, 1, "")
	return r, in, nil
}

// Pad emits x padded with value on the spatial axes: before[a] cells in
// front of spatial axis a and after[a] behind it (Keras ZeroPadding1D/2D/3D
// with value 0). Negative amounts remove cells (Keras Cropping). The result
// must keep at least one cell per axis. Differentiable w.r.t. x.
func (g *Graph) Pad(x *G.Node, before, after []int, value float32) (*G.Node, error) {
	xs := []int(x.Shape())
	r, in, err := spatialShape(xs, "padding")
	if err != nil {
		return nil, err
	}
	pg := &padGeo{n: xs[0], c: xs[r+1], in: in, value: value}
	if pg.before, err = spatial3(before, r, 0, "padding before"); err != nil {
		return nil, fmt.Errorf("runtime: padding of %v: %w", xs, err)
	}
	after3, err := spatial3(after, r, 0, "padding after")
	if err != nil {
		return nil, fmt.Errorf("runtime: padding of %v: %w", xs, err)
	}
	out := append([]int{}, xs...)
	for a := 0; a < 3; a++ {
		pg.out[a] = in[a] + pg.before[a] + after3[a]
		if pg.out[a] < 1 {
			return nil, fmt.Errorf("runtime: padding/cropping %v/%v leaves nothing of input %v", before, after, xs)
		}
	}
	copy(out[1:r+1], pg.out[3-r:])
	op := &padOp{opBase: newOpBase(fmt.Sprintf("Pad{%v,%v,%v}", before, after, value), out, x), geo: pg, rank: r}
	return G.ApplyOp(op, x)
}

// Crop emits x without before[a] leading and after[a] trailing cells of
// each spatial axis (Keras Cropping1D/2D/3D). Differentiable w.r.t. x.
func (g *Graph) Crop(x *G.Node, before, after []int) (*G.Node, error) {
	nb, na := make([]int, len(before)), make([]int, len(after))
	for i, v := range before {
		if v < 0 {
			return nil, fmt.Errorf("runtime: cropping %v must not be negative", before)
		}
		nb[i] = -v
	}
	for i, v := range after {
		if v < 0 {
			return nil, fmt.Errorf("runtime: cropping %v must not be negative", after)
		}
		na[i] = -v
	}
	return g.Pad(x, nb, na, 0)
}

// padGeo: out cell o of axis a reads input cell o − before[a] (value when
// outside the input).
type padGeo struct {
	n, c    int
	in, out [3]int
	before  [3]int
	value   float32
}

type padOp struct {
	opBase
	geo  *padGeo
	rank int
}

func (op *padOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *padOp) DiffWRT(int) []bool               { return []bool{true} }

// SymDiff: the gradient of a pad is the crop of dy (and vice versa): a pad
// op with the opposite amounts and value 0.
func (op *padOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	p := op.geo
	q := &padGeo{n: p.n, c: p.c, in: p.out, out: p.in}
	for a := 0; a < 3; a++ {
		q.before[a] = -p.before[a]
	}
	r := op.rank
	gop := &padOp{opBase: newOpBase(fmt.Sprintf("PadGrad{%v}", q.before[3-r:]), in[0].Shape(), grad), geo: q, rank: r}
	dx, err := G.ApplyOp(gop, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}
func (op *padOp) build(c *kctx) (instr, error) {
	return &padInstr{geo: op.geo, x: c.ins[0], out: c.out}, nil
}

type padInstr struct {
	geo    *padGeo
	x, out int
}

func (in *padInstr) run(b [][]float32) {
	p := in.geo
	x, y := b[in.x], b[in.out]
	C := p.c
	o := 0
	for n := 0; n < p.n; n++ {
		for od := 0; od < p.out[0]; od++ {
			id := od - p.before[0]
			for oh := 0; oh < p.out[1]; oh++ {
				ih := oh - p.before[1]
				row := y[o : o+p.out[2]*C]
				o += len(row)
				if id < 0 || id >= p.in[0] || ih < 0 || ih >= p.in[1] {
					fillF32(row, p.value)
					continue
				}
				// the columns: [value…][x columns][value…]
				lo := max(-p.before[2], 0)               // first input column used
				hi := min(p.in[2], p.out[2]-p.before[2]) // one past the last
				lead := min(max(p.before[2], 0), p.out[2]) * C
				if hi <= lo { // the columns kept hold no input column
					fillF32(row, p.value)
					continue
				}
				fillF32(row[:lead], p.value)
				src := ((n*p.in[0]+id)*p.in[1] + ih) * p.in[2] * C
				m := copy(row[lead:], x[src+lo*C:src+hi*C])
				fillF32(row[lead+m:], p.value)
			}
		}
	}
}

func fillF32(d []float32, v float32) {
	if v == 0 {
		clear(d)
		return
	}
	for i := range d {
		d[i] = v
	}
}

// ResizeParams configures Graph.Resize.
type ResizeParams struct {
	// Interpolation is "nearest", "bilinear" or "bicubic" (Keys a = −0.5,
	// taps inside the input only, renormalized: TF2 / JAX).
	Interpolation string
	// Antialias stretches the bilinear/bicubic kernel by n/L when
	// downsampling (TF2 antialias=True); no effect when upsampling.
	Antialias bool
	// Legacy drops the half-pixel centres: src(i) = i·n/L (TF1
	// resize_* with half_pixel_centers=False, as standalone Keras ≤ 2.3
	// UpSampling2D(interpolation="bilinear")).
	Legacy bool
}

// Resize emits x resampled to outSize (one length per spatial axis) with
// TF2's tf.image.resize / jax.image.resize semantics (spec §4.2):
// half-pixel centres src(i) = (i + 0.5)·n/L − 0.5; nearest reads input
// min(⌊(i + 0.5)·n/L⌋, n − 1); bilinear interpolates between ⌊src⌋ and
// ⌊src⌋ + 1 clamped to the input. Separable over the axes. Differentiable
// w.r.t. x.
func (g *Graph) Resize(x *G.Node, outSize []int, p ResizeParams) (*G.Node, error) {
	xs := []int(x.Shape())
	r, in, err := spatialShape(xs, "resize")
	if err != nil {
		return nil, err
	}
	if len(outSize) != r {
		return nil, fmt.Errorf("runtime: resize of %v to %v: want one output length per spatial axis", xs, outSize)
	}
	rg := &resizeGeo{n: xs[0], c: xs[r+1], in: in}
	for a := 0; a < 3; a++ {
		L := 1
		if a >= 3-r {
			L = outSize[a-(3-r)]
		}
		if L < 1 {
			return nil, fmt.Errorf("runtime: resize of %v to %v: lengths must be positive", xs, outSize)
		}
		rg.out[a] = L
		if rg.taps[a], err = resizeTaps(in[a], L, p); err != nil {
			return nil, fmt.Errorf("runtime: resize of %v to %v: %w", xs, outSize, err)
		}
	}
	out := append([]int{}, xs...)
	copy(out[1:r+1], outSize)
	op := &resizeOp{opBase: newOpBase(fmt.Sprintf("Resize{%v,%+v}", outSize, p), out, x), geo: rg}
	return G.ApplyOp(op, x)
}

// UpsampleNearest repeats every cell of spatial axis a factors[a] times
// (Keras UpSampling1D/2D/3D with nearest interpolation). Differentiable
// w.r.t. x (the gradient sums each block).
func (g *Graph) UpsampleNearest(x *G.Node, factors []int) (*G.Node, error) {
	xs := []int(x.Shape())
	r := len(xs) - 2
	if r < 1 || len(factors) != r {
		return nil, fmt.Errorf("runtime: upsampling of %v by %v: want one factor per spatial axis", xs, factors)
	}
	out := make([]int, r)
	for a, f := range factors {
		if f < 1 {
			return nil, fmt.Errorf("runtime: upsampling factors %v must be positive", factors)
		}
		out[a] = xs[1+a] * f
	}
	return g.Resize(x, out, ResizeParams{Interpolation: "nearest"})
}

// ResizeBilinear is Resize with bilinear interpolation, half-pixel
// centres and no antialiasing (Keras UpSampling2D(interpolation="bilinear")
// and Resizing's default).
func (g *Graph) ResizeBilinear(x *G.Node, outSize []int) (*G.Node, error) {
	return g.Resize(x, outSize, ResizeParams{Interpolation: "bilinear"})
}

// axisTaps lists, for each output index i, the input indices idx[start[i]:
// start[i+1]] and their weights.
type axisTaps struct {
	start []int
	idx   []int
	w     []float32
}

// resizeTaps builds the taps of one axis from n to L cells.
func resizeTaps(n, L int, p ResizeParams) (axisTaps, error) {
	t := axisTaps{start: make([]int, 0, L+1)}
	if n == L && !p.Legacy {
		// identity for every kernel with half-pixel centres
		for i := 0; i < L; i++ {
			t.start = append(t.start, i)
			t.idx = append(t.idx, i)
			t.w = append(t.w, 1)
		}
		t.start = append(t.start, L)
		return t, nil
	}
	var kernel func(float64) float64
	var radius float64
	switch p.Interpolation {
	case "nearest":
	case "bilinear":
		kernel, radius = func(x float64) float64 { return math.Max(0, 1-math.Abs(x)) }, 1
	case "bicubic":
		kernel, radius = keysCubic, 2
	default:
		return t, fmt.Errorf("unsupported interpolation %q (want \"nearest\", \"bilinear\" or \"bicubic\")", p.Interpolation)
	}
	for i := 0; i < L; i++ {
		t.start = append(t.start, len(t.idx))
		if kernel == nil {
			// ⌊(i + 0.5)·n/L⌋ in exact integer arithmetic (⌊i·n/L⌋ legacy)
			j := (2*i + 1) * n / (2 * L)
			if p.Legacy {
				j = i * n / L
			}
			t.idx = append(t.idx, min(j, n-1))
			t.w = append(t.w, 1)
			continue
		}
		src := (float64(i)+0.5)*float64(n)/float64(L) - 0.5
		if p.Legacy {
			src = float64(i) * float64(n) / float64(L)
		}
		ks := 1.0
		if p.Antialias && L < n {
			ks = float64(L) / float64(n)
		}
		var sum float64
		ws := make([]float64, 0, 8)
		for j := max(int(math.Ceil(src-radius/ks)), 0); j <= min(int(math.Floor(src+radius/ks)), n-1); j++ {
			if w := kernel((float64(j) - src) * ks); w != 0 {
				t.idx = append(t.idx, j)
				ws = append(ws, w)
				sum += w
			}
		}
		for _, w := range ws {
			t.w = append(t.w, float32(w/sum))
		}
	}
	t.start = append(t.start, len(t.idx))
	return t, nil
}

// keysCubic is the Keys cubic convolution kernel with a = −0.5.
func keysCubic(x float64) float64 {
	const a = -0.5
	x = math.Abs(x)
	switch {
	case x <= 1:
		return ((a+2)*x-(a+3))*x*x + 1
	case x < 2:
		return ((a*x-5*a)*x+8*a)*x - 4*a
	}
	return 0
}

type resizeGeo struct {
	n, c    int
	in, out [3]int
	taps    [3]axisTaps
}

// resizeOp: y = Σ taps·x; with grad set it is the adjoint (dy → dx).
type resizeOp struct {
	opBase
	geo  *resizeGeo
	grad bool
}

func (op *resizeOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *resizeOp) DiffWRT(n int) []bool {
	if op.grad {
		return make([]bool, n)
	}
	return []bool{true}
}
func (op *resizeOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.Errorf("runtime: %v is not differentiable", op)
	}
	gop := &resizeOp{opBase: newOpBase(op.name+"Grad", in[0].Shape(), grad), geo: op.geo, grad: true}
	dx, err := G.ApplyOp(gop, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}
func (op *resizeOp) build(c *kctx) (instr, error) {
	return &resizeInstr{geo: op.geo, grad: op.grad, x: c.ins[0], out: c.out}, nil
}

type resizeInstr struct {
	geo    *resizeGeo
	grad   bool
	x, out int
}

// run: for every output cell, Σ over the tap product of the three axes of
// w_d·w_h·w_w · x[input cell] (forward), or the scatter of dy (grad).
func (in *resizeInstr) run(b [][]float32) {
	r := in.geo
	x, y := b[in.x], b[in.out]
	C := r.c
	if in.grad {
		clear(y[:r.n*r.in[0]*r.in[1]*r.in[2]*C])
	}
	td, th, tw := &r.taps[0], &r.taps[1], &r.taps[2]
	o := 0
	for n := 0; n < r.n; n++ {
		for od := 0; od < r.out[0]; od++ {
			for oh := 0; oh < r.out[1]; oh++ {
				for ow := 0; ow < r.out[2]; ow++ {
					var row []float32
					if in.grad {
						row = x[o : o+C]
					} else {
						row = y[o : o+C]
						clear(row)
					}
					o += C
					for a := td.start[od]; a < td.start[od+1]; a++ {
						for bb := th.start[oh]; bb < th.start[oh+1]; bb++ {
							wdh := td.w[a] * th.w[bb]
							base := (n*r.in[0]+td.idx[a])*r.in[1] + th.idx[bb]
							for cc := tw.start[ow]; cc < tw.start[ow+1]; cc++ {
								w := wdh * tw.w[cc]
								src := (base*r.in[2] + tw.idx[cc]) * C
								if in.grad {
									axpy(y[src:src+C], w, row)
								} else {
									axpy(row, w, x[src:src+C])
								}
							}
						}
					}
				}
			}
		}
	}
}
