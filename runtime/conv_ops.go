package runtime

import (
	"fmt"
	"math"

	"github.com/kerago/kerago/internal/elementwise"
	fastgemm "github.com/kerago/kerago/internal/gemm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// This file holds the convolution ops (Conv, DepthwiseConv, ConvTranspose),
// all channels_last: x (N, spatial..., C) with 1 to 3 spatial axes. They
// share one geometry (convGeo) and three kernels: forward (x, w → y),
// backward-data (dy, w → dx) and backward-filter (x, dy → dw). A transposed
// convolution is the backward-data kernel of the forward convolution that
// maps its output back to its input.

// ConvParams configures Graph.Conv and Graph.DepthwiseConv. Slices have one
// entry per spatial axis; nil Strides or Dilation mean 1, nil pads mean 0.
// The paddings are explicit: layers compute them with ConvOutputSize.
type ConvParams struct {
	Strides, Dilation   []int
	PadBefore, PadAfter []int
	Groups              int // 0 or 1: ordinary convolution (ignored by DepthwiseConv)
}

// ConvTransposeParams configures Graph.ConvTranspose. OutSize is the output
// length per spatial axis and Crop the number of leading cells of the full
// scatter result dropped (both from ConvTransposeOutputSize).
type ConvTransposeParams struct {
	Strides, Dilation []int
	OutSize, Crop     []int
}

// ConvOutputSize returns Keras's output length and padding split for a
// convolution or pooling axis of input length n, kernel (pool) size k,
// stride and dilation under padding "valid", "same" or "causal" (Keras's
// compute_conv_output_shape and TF's padding rule: "same" puts the odd
// cell after, "causal" pads dilation·(k−1) cells before only).
func ConvOutputSize(n, k, stride, dilation int, padding string) (out, padBefore, padAfter int, err error) {
	if n < 0 || k < 1 || stride < 1 || dilation < 1 {
		return 0, 0, 0, fmt.Errorf("runtime: conv axis of length %d with kernel %d, stride %d, dilation %d: sizes must be positive", n, k, stride, dilation)
	}
	keff := (k-1)*dilation + 1
	switch padding {
	case "valid":
		if n < keff {
			return 0, 0, 0, fmt.Errorf("runtime: conv axis of length %d is shorter than the effective kernel size %d (padding \"valid\")", n, keff)
		}
		return (n-keff)/stride + 1, 0, 0, nil
	case "same":
		out = (n + stride - 1) / stride
		total := max((out-1)*stride+keff-n, 0)
		return out, total / 2, total - total/2, nil
	case "causal":
		pb := dilation * (k - 1)
		return (n+pb-keff)/stride + 1, pb, 0, nil
	}
	return 0, 0, 0, fmt.Errorf("runtime: unknown padding %q (want \"valid\", \"same\" or \"causal\")", padding)
}

// ConvTransposeOutputSize returns Keras's output length L of a transposed
// convolution axis (input length n, kernel k, stride, dilation, padding
// "valid" or "same", outputPadding < 0 for None) and crop, the number of
// leading cells of the full scatter result (length (n−1)·stride + k_eff)
// that are dropped (spec §2.5).
func ConvTransposeOutputSize(n, k, stride, dilation int, padding string, outputPadding int) (out, crop int, err error) {
	if n < 1 || k < 1 || stride < 1 || dilation < 1 {
		return 0, 0, fmt.Errorf("runtime: transposed conv axis of length %d with kernel %d, stride %d, dilation %d: sizes must be positive", n, k, stride, dilation)
	}
	if outputPadding >= stride {
		return 0, 0, fmt.Errorf("runtime: output_padding %d must be smaller than the stride %d", outputPadding, stride)
	}
	keff := (k-1)*dilation + 1
	switch padding {
	case "valid":
		if outputPadding < 0 {
			return (n-1)*stride + max(keff, stride), 0, nil
		}
		return (n-1)*stride + keff + outputPadding, 0, nil
	case "same":
		if outputPadding < 0 {
			out = n * stride
		} else {
			out = (n-1)*stride + keff%2 + outputPadding
		}
		if out < 1 {
			return 0, 0, fmt.Errorf("runtime: transposed conv axis of length %d with kernel %d, stride %d, output_padding %d has no output", n, k, stride, outputPadding)
		}
		return out, max((n-1)*stride+keff-out, 0) / 2, nil
	}
	return 0, 0, fmt.Errorf("runtime: unknown transposed-conv padding %q (want \"valid\" or \"same\")", padding)
}

// denseMaxFilters is the filter count below which an ungrouped convolution
// whose GEMM would be small (m·n·k < gemmSmall) runs direct loops instead
// of im2col + GEMM. Large products always take the GEMM: with the packed
// SGEMM of branch gemm, im2col + GEMM beat the direct loops 2.5× on LeNet's
// first layer (6 filters) even though gonum's path lost to them 2×.
const denseMaxFilters = 16

// c1Block is how many samples the one-input-channel forward computes
// before its epilogue runs over their (cache-hot) output rows.
const c1Block = 8

// colBudget is the patch-matrix size (floats) up to which an ungrouped
// convolution puts several samples into one im2col block, so that small
// feature maps still make tall GEMMs.
const colBudget = 1 << 18

// maxTaps bounds a geometry's tap table (output pixels × kernel taps,
// int32 each: 1 GiB).
const maxTaps = 1 << 28

// convGeo is the geometry of one convolution, with the spatial axes padded
// to three (leading axes of size 1).
type convGeo struct {
	rank          int // spatial rank of the caller's tensors (1..3)
	n             int // batch
	in, out, k    [3]int
	s, d, pb      [3]int
	cin, cout, gr int
	direct        bool // one input channel per group: direct loops, no im2col
	dense         bool // groups 1 with few filters: direct loops, no im2col
	budget        int  // im2col block size in floats (0: colBudget; tests set it)
	pool          bool // a pooling window: always uses the tap table
	// taps[p·kvol + j] is the input pixel read by output pixel p at kernel
	// tap j, or −1 for padding (built by finish, then immutable).
	taps []int32
}

// finish builds the tap table (once; geometries are shared by an op and its
// gradient ops and never change after that).
func (g *convGeo) finish() {
	if g.taps != nil || g.pointwise() {
		return
	}
	// few filters and a GEMM below gemm's own small-product threshold:
	// direct loops (the patch matrix would not pay for itself)
	g.dense = g.gr == 1 && g.cout < denseMaxFilters && g.chunk()*g.outPix()*g.cout*g.kg() < gemmSmall
	kv := g.kvol()
	g.taps = make([]int32, 0, g.outPix()*kv)
	for od := 0; od < g.out[0]; od++ {
		for oh := 0; oh < g.out[1]; oh++ {
			for ow := 0; ow < g.out[2]; ow++ {
				g.appendTaps(od, oh, ow)
			}
		}
	}
}

func (g *convGeo) appendTaps(od, oh, ow int) {
	for kd := 0; kd < g.k[0]; kd++ {
		id := od*g.s[0] + kd*g.d[0] - g.pb[0]
		for kh := 0; kh < g.k[1]; kh++ {
			ih := oh*g.s[1] + kh*g.d[1] - g.pb[1]
			for kw := 0; kw < g.k[2]; kw++ {
				iw := ow*g.s[2] + kw*g.d[2] - g.pb[2]
				t := int32(-1)
				if id >= 0 && id < g.in[0] && ih >= 0 && ih < g.in[1] && iw >= 0 && iw < g.in[2] {
					t = int32((id*g.in[1]+ih)*g.in[2] + iw)
				}
				g.taps = append(g.taps, t)
			}
		}
	}
}

func (g *convGeo) cg() int        { return g.cin / g.gr }
func (g *convGeo) fg() int        { return g.cout / g.gr }
func (g *convGeo) kvol() int      { return g.k[0] * g.k[1] * g.k[2] }
func (g *convGeo) inPix() int     { return g.in[0] * g.in[1] * g.in[2] }
func (g *convGeo) outPix() int    { return g.out[0] * g.out[1] * g.out[2] }
func (g *convGeo) kg() int        { return g.kvol() * g.cg() }
func (g *convGeo) kernelLen() int { return g.kg() * g.cout }

// chunk returns the number of samples per im2col block (1 with groups).
func (g *convGeo) chunk() int {
	if g.gr > 1 {
		return 1
	}
	budget := colBudget
	if g.budget > 0 {
		budget = g.budget
	}
	return min(g.n, max(1, budget/max(g.outPix()*g.kg(), 1)))
}

// pointwise reports a 1×1 stride-1 unpadded ungrouped convolution: one GEMM
// over the whole batch.
func (g *convGeo) pointwise() bool {
	return !g.pool && g.kvol() == 1 && g.s == [3]int{1, 1, 1} && g.pb == [3]int{} && g.in == g.out && g.gr == 1
}

func (g *convGeo) String() string {
	r := 3 - g.rank
	return fmt.Sprintf("in%v k%v s%v d%v pb%v out%v c%d→%d g%d", g.in[r:], g.k[r:], g.s[r:], g.d[r:], g.pb[r:], g.out[r:], g.cin, g.cout, g.gr)
}

// spatial3 pads a per-axis list to three axes (leading def), checking its
// length; nil means def everywhere.
func spatial3(v []int, rank int, def int, what string) ([3]int, error) {
	r := [3]int{def, def, def}
	if v == nil {
		return r, nil
	}
	if len(v) != rank {
		return r, fmt.Errorf("%s has %d entries, want one per spatial axis (%d)", what, len(v), rank)
	}
	copy(r[3-rank:], v)
	return r, nil
}

// newConvGeo checks x (N, spatial..., C) against a kernel of spatial size
// ks with cin input and cout output channels and computes the output size.
func newConvGeo(x []int, ks []int, cout, groups int, strides, dil, pb, pa []int) (*convGeo, error) {
	rank := len(x) - 2
	if rank < 1 || rank > 3 {
		return nil, fmt.Errorf("input of shape %v: want (batch, 1 to 3 spatial axes, channels)", x)
	}
	if len(ks) != rank {
		return nil, fmt.Errorf("kernel has %d spatial axes, input %v has %d", len(ks), x, rank)
	}
	g := &convGeo{rank: rank, n: x[0], cin: x[rank+1], cout: cout, gr: max(groups, 1)}
	var err error
	if g.s, err = spatial3(strides, rank, 1, "strides"); err != nil {
		return nil, err
	}
	if g.d, err = spatial3(dil, rank, 1, "dilation"); err != nil {
		return nil, err
	}
	if g.pb, err = spatial3(pb, rank, 0, "padding before"); err != nil {
		return nil, err
	}
	after, err := spatial3(pa, rank, 0, "padding after")
	if err != nil {
		return nil, err
	}
	g.in, _ = spatial3(x[1:rank+1], rank, 1, "")
	g.k, _ = spatial3(ks, rank, 1, "")
	for a := 0; a < 3; a++ {
		if g.s[a] < 1 || g.d[a] < 1 || g.pb[a] < 0 || after[a] < 0 || g.k[a] < 1 {
			return nil, fmt.Errorf("strides %v, dilation %v, paddings %v/%v and kernel %v must be positive (paddings ≥ 0)", strides, dil, pb, pa, ks)
		}
		keff := (g.k[a]-1)*g.d[a] + 1
		span := g.in[a] + g.pb[a] + after[a] - keff
		if span < 0 {
			return nil, fmt.Errorf("input %v padded by %v/%v is smaller than the dilated kernel %v", x, pb, pa, ks)
		}
		g.out[a] = span/g.s[a] + 1
	}
	if g.cin%g.gr != 0 || g.cout%g.gr != 0 {
		return nil, fmt.Errorf("groups %d must divide the input channels %d and the filters %d", g.gr, g.cin, g.cout)
	}
	if g.inPix() >= math.MaxInt32 || g.outPix()*g.kvol() > maxTaps {
		return nil, fmt.Errorf("input %v with kernel %v is too large (tap table of %d entries, limit %d)", x, ks, g.outPix()*g.kvol(), maxTaps)
	}
	g.direct = g.gr > 1 && g.cg() == 1
	return g, nil
}

// outShape returns the forward output shape (N, out..., cout).
func (g *convGeo) outShape() []int {
	s := []int{g.n}
	s = append(s, g.out[3-g.rank:]...)
	return append(s, g.cout)
}

func (g *convGeo) inShape() []int {
	s := []int{g.n}
	s = append(s, g.in[3-g.rank:]...)
	return append(s, g.cin)
}

// Conv emits a convolution of x (N, spatial..., Cin) with kernel
// (k..., Cin/Groups, Cout) (Keras's layout; cross-correlation, no flip):
// y[b, o, f] = Σ_j Σ_{c in group(f)} x̃[b, o·s + j·d − padBefore, c]·K[j, c mod Cin/G, f]
// with zero padding, output channels split into Groups contiguous blocks.
// No bias (add it with BiasAdd). Differentiable w.r.t. x and kernel.
func (g *Graph) Conv(x, kernel *G.Node, p ConvParams) (*G.Node, error) {
	ks := []int(kernel.Shape())
	if len(ks) < 3 {
		return nil, fmt.Errorf("runtime: conv kernel of shape %v: want (kernel..., in_channels/groups, filters)", ks)
	}
	r := len(ks) - 2
	geo, err := newConvGeo(x.Shape(), ks[:r], ks[r+1], p.Groups, p.Strides, p.Dilation, p.PadBefore, p.PadAfter)
	if err != nil {
		return nil, fmt.Errorf("runtime: conv of %v with kernel %v: %w", x.Shape(), ks, err)
	}
	if geo.cg() != ks[r] {
		return nil, fmt.Errorf("runtime: conv kernel %v: axis %d is %d, want in_channels/groups = %d/%d", ks, r, ks[r], geo.cin, geo.gr)
	}
	return applyConv(convFwd, geo, x, kernel)
}

// DepthwiseConv emits Keras's depthwise convolution: kernel (k..., Cin, M),
// y[b, o, c·M + m] = Σ_j x̃[b, o·s + j·d − padBefore, c]·K[j, c, m]. Groups in
// p is ignored. No bias. Differentiable w.r.t. x and kernel.
func (g *Graph) DepthwiseConv(x, kernel *G.Node, p ConvParams) (*G.Node, error) {
	ks, xs := []int(kernel.Shape()), []int(x.Shape())
	if len(ks) < 3 || len(ks) != len(xs) {
		return nil, fmt.Errorf("runtime: depthwise kernel of shape %v for input %v: want (kernel..., in_channels, depth_multiplier)", ks, xs)
	}
	r := len(ks) - 2
	if ks[r] != xs[len(xs)-1] {
		return nil, fmt.Errorf("runtime: depthwise kernel %v: axis %d is %d, want the input channels %d", ks, r, ks[r], xs[len(xs)-1])
	}
	geo, err := newConvGeo(xs, ks[:r], ks[r]*ks[r+1], ks[r], p.Strides, p.Dilation, p.PadBefore, p.PadAfter)
	if err != nil {
		return nil, fmt.Errorf("runtime: depthwise conv of %v with kernel %v: %w", xs, ks, err)
	}
	return applyConv(convFwd, geo, x, kernel)
}

// ConvTranspose emits Keras's transposed convolution of x (N, n..., C) with
// kernel (k..., F, C) (output channels first): full[b, i·s + j·d, f] +=
// x[b, i, c]·K[j, f, c], y[b, q, f] = full[b, q + Crop, f] for q < OutSize
// (cells past the end of full are 0). No bias. Differentiable w.r.t. x and
// kernel.
func (g *Graph) ConvTranspose(x, kernel *G.Node, p ConvTransposeParams) (*G.Node, error) {
	ks, xs := []int(kernel.Shape()), []int(x.Shape())
	if len(ks) < 3 || len(ks) != len(xs) {
		return nil, fmt.Errorf("runtime: transposed conv kernel of shape %v for input %v: want (kernel..., filters, in_channels)", ks, xs)
	}
	r := len(ks) - 2
	if ks[r+1] != xs[r+1] {
		return nil, fmt.Errorf("runtime: transposed conv kernel %v: last axis %d, want the input channels %d", ks, ks[r+1], xs[r+1])
	}
	if len(p.OutSize) != r || (p.Crop != nil && len(p.Crop) != r) {
		return nil, fmt.Errorf("runtime: transposed conv of %v: OutSize %v and Crop %v need one entry per spatial axis", xs, p.OutSize, p.Crop)
	}
	for _, L := range p.OutSize {
		if L < 1 {
			return nil, fmt.Errorf("runtime: transposed conv of %v: OutSize %v must be positive", xs, p.OutSize)
		}
	}
	// the forward conv mapping y (N, OutSize..., F) to x's shape: pad
	// before by Crop and after by what the full scatter result overhangs
	ys := append(append([]int{xs[0]}, p.OutSize...), ks[r])
	after, err := transposeOverhang(xs[1:r+1], ks[:r], p)
	if err != nil {
		return nil, fmt.Errorf("runtime: transposed conv of %v with kernel %v to %v: %w", xs, ks, p.OutSize, err)
	}
	geo, err := newConvGeo(ys, ks[:r], ks[r+1], 1, p.Strides, p.Dilation, p.Crop, after)
	if err == nil {
		geo.out, _ = spatial3(xs[1:r+1], r, 1, "")
		for a := 0; a < 3 && err == nil; a++ {
			if geo.pb[a] < 0 || geo.out[a] < 1 {
				err = fmt.Errorf("crop %v and input %v must be non-negative", p.Crop, xs)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("runtime: transposed conv of %v with kernel %v to %v: %w", xs, ks, p.OutSize, err)
	}
	return applyConv(convData, geo, x, kernel)
}

// transposeOverhang returns, per axis, how far the full scatter result
// ((n−1)·s + k_eff) reaches past Crop + OutSize (0 when it ends earlier).
func transposeOverhang(n, k []int, p ConvTransposeParams) ([]int, error) {
	r := len(n)
	st, err := spatial3(p.Strides, r, 1, "strides")
	if err != nil {
		return nil, err
	}
	dil, err := spatial3(p.Dilation, r, 1, "dilation")
	if err != nil {
		return nil, err
	}
	crop, err := spatial3(p.Crop, r, 0, "crop")
	if err != nil {
		return nil, err
	}
	after := make([]int, r)
	for a := range after {
		i := a + 3 - r
		after[a] = max((n[a]-1)*st[i]+(k[a]-1)*dil[i]+1-crop[i]-p.OutSize[a], 0)
	}
	return after, nil
}

// convKind selects one of the three kernels of a convGeo.
type convKind uint8

const (
	convFwd    convKind = iota // (x, w) → y
	convData                   // (dy, w) → dx
	convFilter                 // (x, dy) → dw
)

var convKindName = [...]string{"Conv", "ConvData", "ConvFilter"}

// applyConv applies kernel kind of geo to (a, b); out is the output shape
// (only needed for convFilter: the kernel's shape).
func applyConv(kind convKind, geo *convGeo, a, b *G.Node, out ...int) (*G.Node, error) {
	switch kind {
	case convFwd:
		out = geo.outShape()
	case convData:
		out = geo.inShape()
	}
	geo.finish()
	op := &convOp{kind: kind, geo: geo}
	op.opBase = newOpBase(fmt.Sprintf("%s{%v}", convKindName[kind], geo), out, a, b)
	return G.ApplyOp(op, a, b)
}

// convOp is one of the three convolution kernels as a gorgonia op.
type convOp struct {
	opBase
	kind convKind
	geo  *convGeo
}

func (op *convOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *convOp) DiffWRT(n int) []bool {
	if op.kind == convFilter {
		return make([]bool, n)
	}
	return diffAll(n)
}

// SymDiff: y = fwd(x, w) ⇒ dx = data(dy, w), dw = filter(x, dy);
// x = data(dy, w) ⇒ d dy = fwd(g, w), dw = filter(g, dy).
func (op *convOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.kind == convFilter {
		return nil, errors.Errorf("runtime: %v is not differentiable", op)
	}
	var d0, dw *G.Node
	var err error
	if op.kind == convFwd {
		d0, err = applyConv(convData, op.geo, grad, in[1])
	} else {
		d0, err = applyConv(convFwd, op.geo, grad, in[1])
	}
	if err != nil {
		return nil, err
	}
	x, dy := in[0], grad
	if op.kind == convData {
		x, dy = grad, in[0]
	}
	if dw, err = applyConv(convFilter, op.geo, x, dy, in[1].Shape()...); err != nil {
		return nil, err
	}
	return G.Nodes{d0, dw}, nil
}

func (op *convOp) build(c *kctx) (instr, error) {
	g := op.geo
	in := &convInstr{geo: g, kind: op.kind, a: c.ins[0], b: c.ins[1], out: c.out, col: -1, wp: -1, yp: -1, bias: -1}
	if g.direct || g.pointwise() || g.dense {
		return in, nil
	}
	if g.gr == 1 && g.cin == 1 && op.kind != convData {
		return in, nil // direct one-channel kernels: no patch matrix
	}
	in.col = c.temp(g.chunk() * g.outPix() * g.kg())
	if g.gr > 1 {
		in.wp = c.temp(g.kernelLen())
		in.yp = c.temp(g.outPix() * g.fg())
	} else if op.kind == convFilter {
		in.yp = c.temp(g.kernelLen())
	}
	return in, nil
}

// convInstr runs one kernel. Scratch: col (im2col matrix of one sample and
// group), wp (kernel packed per group), yp (one group's output or dy
// columns, or a per-sample filter gradient).
type convInstr struct {
	geo         *convGeo
	kind        convKind
	a, b, out   int
	col, wp, yp int
	epi         *epiSlots // forward only: a fused inference epilogue, or nil
	// forward with a bias (and ReLU) epilogue (fuseConvEpilogue): the
	// bias slot, or −1
	bias int
	relu bool
}

// epiSlots are the operands of a fused epilogue (see convEpi): a
// BatchNormalization's moving mean, variance, γ and β (slots, −1 when
// absent; mean < 0: no normalization) or a bias (−1: none), scratch for the
// coefficients (inv, res; −1 when neither) and an elementwise activation
// (nil: none).
type epiSlots struct {
	mean, v, gamma, beta int
	bias                 int
	eps                  float32
	inv, res             int
	tinv, tres           int // repeated coefficients (−1: none; see convEpi)
	act                  *Activation
}

func (in *convInstr) run(bufs [][]float32) {
	g := in.geo
	a, b, out := bufs[in.a], bufs[in.b], bufs[in.out]
	var s convScratch
	if in.col >= 0 {
		s.col = bufs[in.col]
	}
	if in.wp >= 0 {
		s.wp = bufs[in.wp]
	}
	if in.yp >= 0 {
		s.yp = bufs[in.yp]
	}
	var e convEpi
	var ep *convEpi
	if es := in.epi; es != nil {
		e.act = es.act
		switch {
		case es.mean >= 0:
			e.inv, e.res = bufs[es.inv][:g.cout], bufs[es.res][:g.cout]
			bnCoeffs(e.inv, e.res, bufs[es.mean], bufs[es.v], optBuf(bufs, es.gamma), optBuf(bufs, es.beta), es.eps)
		case es.bias >= 0: // y·1 + b is exactly y + b
			e.inv, e.res = bufs[es.inv][:g.cout], bufs[es.bias][:g.cout]
			fillF32(e.inv, 1)
		}
		if es.tinv >= 0 {
			e.tile(bufs[es.tinv], bufs[es.tres])
		}
		ep = &e
	}
	switch in.kind {
	case convFwd:
		if ep != nil {
			g.forward(a, b, out, s, ep)
			break
		}
		if in.bias >= 0 {
			s.bias, s.relu = bufs[in.bias][:g.cout], in.relu
		}
		g.forward(a, b, out, s, nil)
		if in.bias >= 0 && !g.blockedForward() {
			s.epilogue(out[:g.n*g.outPix()*g.cout])
		}
	case convData:
		g.backwardData(a, b, out, s)
	default:
		g.backwardFilter(a, b, out, s)
	}
}

// convScratch is a conv instruction's scratch (and forward epilogue).
type convScratch struct {
	col, wp, yp []float32
	bias        []float32 // forward epilogue y += bias (then ReLU with relu), or nil
	relu        bool
}

// epilogue applies the forward epilogue to whole output rows y in place:
// the cache-hot block just computed, as the bias and ReLU ops would.
func (s *convScratch) epilogue(y []float32) {
	switch {
	case s.bias == nil:
	case s.relu:
		elementwise.AddBiasReLU(y, y, s.bias)
	default:
		elementwise.AddBias(y, y, s.bias)
	}
}

// blockedForward reports whether forward takes the blocked im2col + GEMM
// path, which applies the epilogue block by block.
func (g *convGeo) blockedForward() bool {
	return !g.pointwise() && !g.direct && !g.dense && g.gr == 1
}

// forward computes y = e(conv(x, w)) for the whole batch (e nil: no
// epilogue).
func (g *convGeo) forward(x, w, y []float32, s convScratch, e *convEpi) {
	g.forwardWith(convBest, x, w, y, s, e)
}

// forwardWith is forward with the depthwise and epilogue kernels of k.
func (g *convGeo) forwardWith(k convKernel, x, w, y []float32, s convScratch, e *convEpi) {
	switch {
	case g.direct:
		g.directForward(k, x, w, y, e)
	case g.pointwise() && e != nil:
		g.pointwiseForward(k, x, w, y, e)
	case e != nil && g.gr == 1 && g.cin > 1 && !g.pointwise() && !g.dense: // one channel: forwardGEMM's direct kernel
		g.im2colForward(k, x, w, y, s.col, e)
	default:
		g.forwardGEMM(x, w, y, s)
		k.epilogue(y[:g.n*g.outPix()*g.cout], g.cout, e)
	}
}

// epiBlock is the output size (floats) of the row blocks of a pointwise
// convolution with an epilogue: each block's GEMM result is still in cache
// when the epilogue runs over it.
const epiBlock = 1 << 14

// epiMinRows is the fewest rows of a block: the GEMM of each block packs
// the whole kernel again, which only pays for itself over enough rows.
const epiMinRows = 128

// parallelWork is the work (multiply-adds) below which a range of a
// convolution is not split further across goroutines.
const parallelWork = 1 << 17

// pointwiseForward is the pointwise GEMM in row blocks, each followed by
// the epilogue e; blocks run in parallel.
func (g *convGeo) pointwiseForward(k convKernel, x, w, y []float32, e *convEpi) {
	rows, F, C := g.n*g.outPix(), g.cout, g.cin
	// at least epiMinRows rows: each block packs the whole kernel again
	blk := (max(epiMinRows, epiBlock/F) + 15) &^ 15 // whole tiles of convEpi.tinv
	nblk, minChunk := (rows+blk-1)/blk, max(1, parallelWork/(blk*F*C))
	ev := *e
	if !fastgemm.Splits(nblk, minChunk) {
		g.pointwiseRange(k, x, w, y, ev, blk, 0, nblk)
		return
	}
	shared := ev // captured (so heap-allocated) only on this branch
	fastgemm.ParallelFor(nblk, minChunk, func(b0, b1 int) { g.pointwiseRange(k, x, w, y, shared, blk, b0, b1) })
}

// pointwiseRange computes row blocks [b0, b1) of blk rows each.
func (g *convGeo) pointwiseRange(k convKernel, x, w, y []float32, e convEpi, blk, b0, b1 int) {
	rows, F, C := g.n*g.outPix(), g.cout, g.cin
	for r0 := b0 * blk; r0 < min(b1*blk, rows); r0 += blk {
		nb := min(blk, rows-r0)
		yb, xb := y[r0*F:(r0+nb)*F], x[r0*C:(r0+nb)*C]
		if !k.matmulEpi(yb, xb, w, nb, C, F, &e) {
			gemm(false, false, nb, F, C, xb, w, yb)
			k.epilogue(yb, F, &e)
		}
	}
}

// im2colForward is the im2col + GEMM convolution (groups 1) in blocks of
// output pixels of one sample, each gathered, multiplied and finished by
// the epilogue while in cache; a sample's blocks run in parallel. col holds
// one sample's patch matrix (any im2col scratch does): block i uses its
// own part.
func (g *convGeo) im2colForward(k convKernel, x, w, y, col []float32, e *convEpi) {
	P, F, kg := g.outPix(), g.cout, g.kg()
	blk := min(P, (max(16, epiBlock/max(kg, F))+15)&^15)
	nblk, minChunk := (P+blk-1)/blk, max(1, parallelWork/(blk*kg*F))
	var ev convEpi // the zero value applies nothing
	if e != nil {
		ev = *e
	}
	for b := 0; b < g.n; b++ {
		if !fastgemm.Splits(nblk, minChunk) {
			g.im2colRange(k, x, w, y, col, ev, b, blk, 0, nblk)
			continue
		}
		shared := ev // captured (so heap-allocated) only on this branch
		fastgemm.ParallelFor(nblk, minChunk, func(b0, b1 int) { g.im2colRange(k, x, w, y, col, shared, b, blk, b0, b1) })
	}
}

// im2colRange computes pixel blocks [b0, b1) (blk pixels each) of sample b.
func (g *convGeo) im2colRange(k convKernel, x, w, y, col []float32, e convEpi, b, blk, b0, b1 int) {
	P, F, kg, inS := g.outPix(), g.cout, g.kg(), g.inPix()*g.cin
	xb, yb := x[b*inS:(b+1)*inS], y[b*P*F:(b+1)*P*F]
	for i := b0; i < b1; i++ {
		p0 := i * blk
		np := min(blk, P-p0)
		cb := col[p0*kg : (p0+np)*kg]
		if k.pws != nil && g.rank <= 2 && g.d[2] == 1 {
			g.patchesInPlace(k, xb, w, yb, cb, p0, np, &e)
			continue
		}
		g.gatherPatches(xb, cb, p0)
		ys := yb[p0*F : (p0+np)*F]
		if !k.matmulEpi(ys, cb, w, np, kg, F, &e) {
			gemm(false, false, np, F, kg, cb, w, ys)
			k.epilogue(ys, F, &e)
		}
	}
}

// patchesInPlace computes output pixels [p0, p0+np) of one sample (rank ≤
// 2, dilation 1 along the last axis): runs of pwRows pixels of one output
// row whose taps are all inside the input read their patches straight from
// x (a kernel row of taps is kw·C contiguous floats); the other pixels are
// gathered into col one at a time.
func (g *convGeo) patchesInPlace(k convKernel, x, w, y, col []float32, p0, np int, e *convEpi) {
	F, C, kv, kg, W := g.cout, g.cin, g.kvol(), g.kg(), g.out[2]
	segLen, segs, segStride, ldx := g.k[2]*C, g.k[1], g.d[1]*g.in[2]*C, g.s[2]*C
	for p := p0; p < p0+np; {
		q := p + pwRows - 1
		if q < p0+np && p/W == q/W && g.inside(p) && g.inside(q) &&
			k.patchRows(y[p*F:(q+1)*F], x, w, int(g.taps[p*kv])*C, ldx, segLen, segs, segStride, F, e) {
			p += pwRows
			continue
		}
		cr := col[:kg]
		g.gatherPatches(x, cr, p)
		if !k.matmulEpi(y[p*F:(p+1)*F], cr, w, 1, kg, F, e) {
			gemm(false, false, 1, F, kg, cr, w, y[p*F:(p+1)*F])
			k.epilogue(y[p*F:(p+1)*F], F, e)
		}
		p++
	}
}

// inside reports whether every tap of output pixel p is inside the input.
func (g *convGeo) inside(p int) bool {
	kv := g.kvol()
	for _, t := range g.taps[p*kv : (p+1)*kv] {
		if t < 0 {
			return false
		}
	}
	return true
}

// gatherPatches writes the patch rows of output pixels p0.. of one sample
// (groups 1) into col, one element at a time when the channels are few
// (a copy call per tap would cost more than the copy).
func (g *convGeo) gatherPatches(x, col []float32, p0 int) {
	C, kv := g.cin, g.kvol()
	taps := g.taps[p0*kv : p0*kv+len(col)/C]
	if C > 4 {
		for i, ip := range taps {
			dst := col[i*C : (i+1)*C]
			if ip < 0 {
				clear(dst)
			} else {
				copy(dst, x[int(ip)*C:])
			}
		}
		return
	}
	if C == 3 { // RGB images: the first layer of most CNNs
		for i, ip := range taps {
			dst := (*[3]float32)(col[i*3 : i*3+3])
			if ip < 0 {
				*dst = [3]float32{}
			} else {
				*dst = *(*[3]float32)(x[int(ip)*3 : int(ip)*3+3])
			}
		}
		return
	}
	for i, ip := range taps {
		dst := col[i*C : (i+1)*C]
		if ip < 0 {
			clear(dst)
			continue
		}
		src := x[int(ip)*C : (int(ip)+1)*C]
		for c, v := range src {
			dst[c] = v
		}
	}
}

// forwardGEMM computes y = conv(x, w) with a GEMM (im2col unless
// pointwise) or, for few filters, direct loops.
func (g *convGeo) forwardGEMM(x, w, y []float32, s convScratch) {
	P, F := g.outPix(), g.cout
	if g.pointwise() {
		gemm(false, false, g.n*P, F, g.cin, x, w, y)
		return
	}
	if g.dense {
		g.denseForward(x, w, y)
		return
	}
	inS, outS, kg, fg := g.inPix()*g.cin, P*F, g.kg(), g.fg()
	if g.gr == 1 && g.cin == 1 { // one input channel: direct, no patch matrix
		for b0 := 0; b0 < g.n; b0 += c1Block {
			nb := min(c1Block, g.n-b0)
			yb := y[b0*outS : (b0+nb)*outS]
			elementwise.ConvC1(x[b0*inS:(b0+nb)*inS], nb, inS, g.taps[:P*kg], kg, w, F, yb)
			s.epilogue(yb)
		}
		return
	}
	if g.gr == 1 {
		g.blocks(func(b0, nb int) {
			for b := b0; b < b0+nb; b++ {
				g.im2col(x[b*inS:(b+1)*inS], s.col[(b-b0)*P*kg:], 0)
			}
			gemm(false, false, nb*P, F, kg, s.col, w, y[b0*outS:(b0+nb)*outS])
			s.epilogue(y[b0*outS : (b0+nb)*outS])
		})
		return
	}
	g.packKernel(w, s.wp)
	for b := 0; b < g.n; b++ {
		xb, yb := x[b*inS:(b+1)*inS], y[b*outS:(b+1)*outS]
		for gi := 0; gi < g.gr; gi++ {
			g.im2col(xb, s.col, gi)
			gemm(false, false, P, fg, kg, s.col, s.wp[gi*kg*fg:], s.yp)
			for p := 0; p < P; p++ {
				copy(yb[p*F+gi*fg:p*F+gi*fg+fg], s.yp[p*fg:p*fg+fg])
			}
		}
	}
}

// backwardData computes dx = ∂(Σ dy·conv(x, w))/∂x.
func (g *convGeo) backwardData(dy, w, dx []float32, s convScratch) {
	P, F := g.outPix(), g.cout
	if g.pointwise() {
		gemm(false, true, g.n*P, g.cin, F, dy, w, dx)
		return
	}
	clear(dx[:g.n*g.inPix()*g.cin])
	if g.direct {
		g.directData(dy, w, dx)
		return
	}
	if g.dense {
		g.denseData(dy, w, dx)
		return
	}
	inS, outS, kg, fg := g.inPix()*g.cin, P*F, g.kg(), g.fg()
	if g.gr == 1 {
		g.blocks(func(b0, nb int) {
			gemm(false, true, nb*P, kg, F, dy[b0*outS:(b0+nb)*outS], w, s.col)
			for b := b0; b < b0+nb; b++ {
				g.col2im(s.col[(b-b0)*P*kg:], dx[b*inS:(b+1)*inS], 0)
			}
		})
		return
	}
	g.packKernel(w, s.wp)
	for b := 0; b < g.n; b++ {
		dyb, dxb := dy[b*outS:(b+1)*outS], dx[b*inS:(b+1)*inS]
		for gi := 0; gi < g.gr; gi++ {
			for p := 0; p < P; p++ {
				copy(s.yp[p*fg:p*fg+fg], dyb[p*F+gi*fg:])
			}
			gemm(false, true, P, kg, fg, s.yp, s.wp[gi*kg*fg:], s.col)
			g.col2im(s.col, dxb, gi)
		}
	}
}

// backwardFilter computes dw = ∂(Σ dy·conv(x, w))/∂w.
func (g *convGeo) backwardFilter(x, dy, dw []float32, s convScratch) {
	P, F := g.outPix(), g.cout
	if g.pointwise() {
		gemm(true, false, g.cin, F, g.n*P, x, dy, dw)
		return
	}
	clear(dw[:g.kernelLen()])
	if g.direct {
		g.directFilter(x, dy, dw)
		return
	}
	if g.dense {
		g.denseFilter(x, dy, dw)
		return
	}
	inS, outS, kg, fg := g.inPix()*g.cin, P*F, g.kg(), g.fg()
	if g.gr == 1 && g.cin == 1 { // one input channel: no patch matrix, no GEMM
		elementwise.FilterGradC1(x[:g.n*inS], g.n, inS, g.taps[:P*kg], kg, dy[:g.n*outS], F, dw)
		return
	}
	if g.gr == 1 {
		g.blocks(func(b0, nb int) {
			for b := b0; b < b0+nb; b++ {
				g.im2col(x[b*inS:(b+1)*inS], s.col[(b-b0)*P*kg:], 0)
			}
			gemm(true, false, kg, F, nb*P, s.col, dy[b0*outS:(b0+nb)*outS], s.yp)
			addInto(dw, s.yp[:kg*F])
		})
		return
	}
	for b := 0; b < g.n; b++ {
		xb, dyb := x[b*inS:(b+1)*inS], dy[b*outS:(b+1)*outS]
		for gi := 0; gi < g.gr; gi++ {
			g.im2col(xb, s.col, gi)
			for p := 0; p < P; p++ {
				copy(s.yp[p*fg:p*fg+fg], dyb[p*F+gi*fg:])
			}
			gemm(true, false, kg, fg, P, s.col, s.yp, s.wp)
			for r := 0; r < kg; r++ {
				addInto(dw[r*F+gi*fg:r*F+gi*fg+fg], s.wp[r*fg:r*fg+fg])
			}
		}
	}
}

// blocks calls fn(first sample, count) for consecutive blocks of chunk()
// samples.
func (g *convGeo) blocks(fn func(b0, nb int)) {
	c := g.chunk()
	for b0 := 0; b0 < g.n; b0 += c {
		fn(b0, min(c, g.n-b0))
	}
}

// mulAdd: y[i] += x[i]·w[i] (len(x), len(w) ≥ len(y)), unrolled by 4.
func mulAdd(y, x, w []float32) {
	n := len(y)
	x, w = x[:n], w[:n]
	i := 0
	for ; i+4 <= n; i += 4 {
		ys, xs, ws := y[i:i+4:i+4], x[i:i+4:i+4], w[i:i+4:i+4]
		ys[0] += xs[0] * ws[0]
		ys[1] += xs[1] * ws[1]
		ys[2] += xs[2] * ws[2]
		ys[3] += xs[3] * ws[3]
	}
	for ; i < n; i++ {
		y[i] += x[i] * w[i]
	}
}

// addInto: dst += src (short rows in a plain loop, longer ones vectorized).
func addInto(dst, src []float32) {
	if len(src) >= 16 {
		elementwise.Add(dst, src)
		return
	}
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += v
	}
}

// packKernel copies the (kg × F) kernel into one contiguous (kg × fg) block
// per group.
func (g *convGeo) packKernel(w, wp []float32) {
	kg, fg, F := g.kg(), g.fg(), g.cout
	for gi := 0; gi < g.gr; gi++ {
		blk := wp[gi*kg*fg : (gi+1)*kg*fg]
		for r := 0; r < kg; r++ {
			copy(blk[r*fg:r*fg+fg], w[r*F+gi*fg:])
		}
	}
}

// im2col writes the (outPix × kvol·cg) patch matrix of one sample x for
// group gi (columns in the kernel's (tap, channel) order).
func (g *convGeo) im2col(x, col []float32, gi int) {
	cg, kv, cin, c0 := g.cg(), g.kvol(), g.cin, gi*g.cg()
	if cg == 1 { // one channel: a gather
		col = col[:g.outPix()*kv]
		for i, ip := range g.taps[:len(col)] {
			if ip < 0 {
				col[i] = 0
			} else {
				col[i] = x[int(ip)*cin+c0]
			}
		}
		return
	}
	if cg%8 == 0 { // whole tap rows, one vector copy each
		elementwise.GatherRows(col[:g.outPix()*kv*cg], x[c0:], g.taps[:g.outPix()*kv], cg, cin)
		return
	}
	for p := 0; p < g.outPix(); p++ {
		row := col[p*kv*cg : (p+1)*kv*cg]
		taps := g.taps[p*kv : (p+1)*kv]
		for j := 0; j < kv; {
			ip, n := tapRun(taps[j:], cg == cin)
			dst := row[j*cg : (j+n)*cg]
			if ip < 0 {
				clear(dst)
			} else {
				copy(dst, x[int(ip)*cin+c0:])
			}
			j += n
		}
	}
}

// tapRun returns the first tap and how many of the taps that follow it are
// the next input pixels (a run one contiguous copy covers when cg == cin:
// consecutive pixels' channel rows are adjacent). A padding tap is a run of 1.
func tapRun(taps []int32, contiguous bool) (int32, int) {
	ip, n := taps[0], 1
	if ip < 0 || !contiguous {
		return ip, 1
	}
	for n < len(taps) && taps[n] == ip+int32(n) {
		n++
	}
	return ip, n
}

// col2im adds the patch matrix col back into one sample dx (group gi).
func (g *convGeo) col2im(col, dx []float32, gi int) {
	cg, kv, cin, c0 := g.cg(), g.kvol(), g.cin, gi*g.cg()
	if cg == 1 { // one channel: a scatter
		col = col[:g.outPix()*kv]
		for i, ip := range g.taps[:len(col)] {
			if ip >= 0 {
				dx[int(ip)*cin+c0] += col[i]
			}
		}
		return
	}
	if cg%8 == 0 { // whole tap rows, one vector add each, in the same order
		elementwise.ScatterAddRows(dx[c0:], col[:g.outPix()*kv*cg], g.taps[:g.outPix()*kv], cg, cin)
		return
	}
	for p := 0; p < g.outPix(); p++ {
		row := col[p*kv*cg : (p+1)*kv*cg]
		taps := g.taps[p*kv : (p+1)*kv]
		for j := 0; j < kv; {
			ip, n := tapRun(taps[j:], cg == cin)
			if ip >= 0 { // a window's taps are distinct pixels: one add each
				addInto(dx[int(ip)*cin+c0:], row[j*cg:(j+n)*cg])
			}
			j += n
		}
	}
}

// directForward: one input channel per group (depthwise); output channel f
// reads input channel f/M. Multiplier 1 runs kernel k with the epilogue in
// the same pass; other multipliers run loops, then the epilogue.
func (g *convGeo) directForward(k convKernel, x, w, y []float32, e *convEpi) {
	P, F, cin, kv, inP := g.outPix(), g.cout, g.cin, g.kvol(), g.inPix()
	M := F / cin
	if M == 1 {
		var ev convEpi // the zero value applies nothing
		if e != nil {
			ev = *e
		}
		n, minChunk := g.n*P, max(1, parallelWork/(F*kv))
		if !fastgemm.Splits(n, minChunk) {
			g.depthwiseRange(k, x, w, y, ev, 0, n)
			return
		}
		shared := ev // captured (so heap-allocated) only on this branch
		fastgemm.ParallelFor(n, minChunk, func(lo, hi int) { g.depthwiseRange(k, x, w, y, shared, lo, hi) })
		return
	}
	for b := 0; b < g.n; b++ {
		xb, yb := x[b*inP*cin:(b+1)*inP*cin], y[b*P*F:(b+1)*P*F]
		for p := 0; p < P; p++ {
			yr := yb[p*F : (p+1)*F]
			clear(yr)
			for j, ip := range g.taps[p*kv : (p+1)*kv] {
				if ip < 0 {
					continue
				}
				xr := xb[int(ip)*cin : (int(ip)+1)*cin]
				wr := w[j*F : (j+1)*F]
				for c, xv := range xr {
					for m := c * M; m < (c+1)*M; m++ {
						yr[m] += xv * wr[m]
					}
				}
			}
		}
		k.epilogue(yb, F, e)
	}
}

// depthwiseRange computes output pixels [lo, hi) of the whole batch (pixel
// i is pixel i mod P of sample i/P) of a depthwise conv with multiplier 1.
func (g *convGeo) depthwiseRange(k convKernel, x, w, y []float32, e convEpi, lo, hi int) {
	P, F, kv, inS := g.outPix(), g.cout, g.kvol(), g.inPix()*g.cin
	for i := lo; i < hi; {
		b, p := i/P, i%P
		np := min(P-p, hi-i)
		k.rows(y[i*F:(i+np)*F], x[b*inS:(b+1)*inS], w, g.taps[p*kv:], kv, F, np, &e)
		i += np
	}
}

// directData: dx[c] += Σ_m dy[c·M+m]·w[j, c·M+m] (dx cleared by the caller).
func (g *convGeo) directData(dy, w, dx []float32) {
	P, F, cin, kv, inP := g.outPix(), g.cout, g.cin, g.kvol(), g.inPix()
	M := F / cin
	for b := 0; b < g.n; b++ {
		for p := 0; p < P; p++ {
			dyr := dy[(b*P+p)*F : (b*P+p+1)*F]
			for j, ip := range g.taps[p*kv : (p+1)*kv] {
				if ip < 0 {
					continue
				}
				dxr := dx[(b*inP+int(ip))*cin : (b*inP+int(ip)+1)*cin]
				wr := w[j*F : (j+1)*F]
				if M == 1 {
					mulAdd(dxr, dyr, wr)
					continue
				}
				for c := range dxr {
					var s float32
					for m := c * M; m < (c+1)*M; m++ {
						s += dyr[m] * wr[m]
					}
					dxr[c] += s
				}
			}
		}
	}
}

// directFilter: dw[j, c·M+m] += x[c]·dy[c·M+m] (dw cleared by the caller).
func (g *convGeo) directFilter(x, dy, dw []float32) {
	P, F, cin, kv, inP := g.outPix(), g.cout, g.cin, g.kvol(), g.inPix()
	M := F / cin
	for b := 0; b < g.n; b++ {
		for p := 0; p < P; p++ {
			dyr := dy[(b*P+p)*F : (b*P+p+1)*F]
			for j, ip := range g.taps[p*kv : (p+1)*kv] {
				if ip < 0 {
					continue
				}
				xr := x[(b*inP+int(ip))*cin : (b*inP+int(ip)+1)*cin]
				wr := dw[j*F : (j+1)*F]
				if M == 1 {
					mulAdd(wr, xr, dyr)
					continue
				}
				for c, xv := range xr {
					for m := c * M; m < (c+1)*M; m++ {
						wr[m] += xv * dyr[m]
					}
				}
			}
		}
	}
}

// BiasAdd emits x + bias along the last axis of x (bias of shape (C,)), for
// any rank: the bias of Conv/Pool-style channels_last layers.
// Differentiable w.r.t. x and bias.
func (g *Graph) BiasAdd(x, bias *G.Node) (*G.Node, error) {
	xs, bs := []int(x.Shape()), []int(bias.Shape())
	if len(xs) < 1 || len(bs) != 1 || bs[0] != xs[len(xs)-1] {
		return nil, fmt.Errorf("runtime: bias of shape %v for input %v: want (%v,)", bs, xs, xs[len(xs)-1:])
	}
	op := &biasOp{opBase: newOpBase("BiasAdd", xs, x, bias)}
	return G.ApplyOp(op, x, bias)
}

// biasOp: y = x + b (last axis); biasOp with grad set is the bias gradient
// db = Σ_rows dy (one input).
type biasOp struct {
	opBase
	grad bool
}

func (op *biasOp) Do(v ...G.Value) (G.Value, error) { return doKernel(op, op.outShape, v) }
func (op *biasOp) DiffWRT(n int) []bool {
	if op.grad {
		return make([]bool, n)
	}
	return diffAll(n)
}
func (op *biasOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.Errorf("runtime: %v is not differentiable", op)
	}
	gb := &biasOp{opBase: newOpBase("BiasGrad", in[1].Shape(), grad), grad: true}
	db, err := G.ApplyOp(gb, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{grad, db}, nil
}
func (op *biasOp) build(c *kctx) (instr, error) {
	if op.grad {
		return &biasInstr{grad: true, x: c.ins[0], out: c.out, c: c.outShape[0], n: prod(c.inShapes[0])}, nil
	}
	return &biasInstr{x: c.ins[0], b: c.ins[1], out: c.out, c: c.inShapes[1][0], n: prod(c.inShapes[0])}, nil
}

type biasInstr struct {
	grad         bool
	relu         bool // forward fused with a plain ReLU (fuseBiasReLU)
	x, b, out, c int
	n            int // elements of x (or dy)
}

func (in *biasInstr) run(bufs [][]float32) {
	x, out := bufs[in.x][:in.n], bufs[in.out]
	if in.grad { // each channel summed over the rows in row order
		elementwise.ColumnSums(out[:in.c], x, in.c)
		return
	}
	if in.relu {
		elementwise.AddBiasReLU(out[:in.n], x, bufs[in.b][:in.c])
		return
	}
	elementwise.AddBias(out[:in.n], x, bufs[in.b][:in.c])
}

// denseForward: groups 1, direct loops: y[p] = Σ_j Σ_c x[tap j, c]·w[j, c, :].
func (g *convGeo) denseForward(x, w, y []float32) {
	P, F, cin, kv, inP := g.outPix(), g.cout, g.cin, g.kvol(), g.inPix()
	for b := 0; b < g.n; b++ {
		for p := 0; p < P; p++ {
			yr := y[(b*P+p)*F : (b*P+p+1)*F]
			clear(yr)
			for j, ip := range g.taps[p*kv : (p+1)*kv] {
				if ip < 0 {
					continue
				}
				xr := x[(b*inP+int(ip))*cin : (b*inP+int(ip)+1)*cin]
				for c, xv := range xr {
					wr := w[(j*cin+c)*F : (j*cin+c+1)*F]
					for f, wv := range wr {
						yr[f] += xv * wv
					}
				}
			}
		}
	}
}

// denseData: dx[tap j, c] += Σ_f dy[p, f]·w[j, c, f] (dx cleared by the caller).
func (g *convGeo) denseData(dy, w, dx []float32) {
	P, F, cin, kv, inP := g.outPix(), g.cout, g.cin, g.kvol(), g.inPix()
	for b := 0; b < g.n; b++ {
		for p := 0; p < P; p++ {
			dyr := dy[(b*P+p)*F : (b*P+p+1)*F]
			for j, ip := range g.taps[p*kv : (p+1)*kv] {
				if ip < 0 {
					continue
				}
				dxr := dx[(b*inP+int(ip))*cin : (b*inP+int(ip)+1)*cin]
				for c := range dxr {
					wr := w[(j*cin+c)*F : (j*cin+c+1)*F]
					var s float32
					for f, v := range dyr {
						s += v * wr[f]
					}
					dxr[c] += s
				}
			}
		}
	}
}

// denseFilter: dw[j, c, f] += x[tap j, c]·dy[p, f] (dw cleared by the caller).
func (g *convGeo) denseFilter(x, dy, dw []float32) {
	P, F, cin, kv, inP := g.outPix(), g.cout, g.cin, g.kvol(), g.inPix()
	for b := 0; b < g.n; b++ {
		for p := 0; p < P; p++ {
			dyr := dy[(b*P+p)*F : (b*P+p+1)*F]
			for j, ip := range g.taps[p*kv : (p+1)*kv] {
				if ip < 0 {
					continue
				}
				xr := x[(b*inP+int(ip))*cin : (b*inP+int(ip)+1)*cin]
				for c, xv := range xr {
					wr := dw[(j*cin+c)*F : (j*cin+c+1)*F]
					for f, v := range dyr {
						wr[f] += xv * v
					}
				}
			}
		}
	}
}
