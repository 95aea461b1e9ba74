package layers

import (
	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// convLSTMRun holds the graph nodes shared by the steps of a ConvLSTM.
type convLSTMRun struct {
	l      *ConvLSTMLayer
	g      *runtime.Graph
	rk     *G.Node
	b, pix int // batch, state pixels
}

// run unrolls the layer over x; it returns [output, h, c] in the layer's
// data format. The input convolution runs on all steps at once.
func (l *ConvLSTMLayer) run(g *runtime.Graph, x, mask *G.Node) ([]*G.Node, error) {
	xs := []int(x.Shape())
	B, T := xs[0], xs[1]
	xl, err := l.stepsLast(x)
	if err != nil {
		return nil, err
	}
	xw, err := l.inputConv(g, xl)
	if err != nil {
		return nil, err
	}
	rk, err := g.Var(l.recurrentV)
	if err != nil {
		return nil, err
	}
	pix := 1
	for _, n := range l.outSp {
		pix *= n
	}
	r := &convLSTMRun{l: l, g: g, rk: rk, b: B, pix: pix}
	F := l.filters
	var mask3 *G.Node
	if mask != nil {
		if mask3, err = G.Reshape(mask, gt.Shape{B, T, 1}); err != nil {
			return nil, err
		}
	}
	h, err := g.Constant(make([]float32, B*pix*F), []int{B, pix * F})
	if err != nil {
		return nil, err
	}
	c := h
	var seq []*G.Node
	for s := 0; s < T; s++ {
		t := s
		if l.cell.cfg.GoBackwards {
			t = T - 1 - s
		}
		xt, err := stepOf(g, xw, t)
		if err != nil {
			return nil, err
		}
		hn, cn, err := r.step(xt, h, c)
		if err != nil {
			return nil, err
		}
		out := hn
		if mask3 != nil {
			if out, hn, cn, err = r.masked(mask3, t, h, c, hn, cn); err != nil {
				return nil, err
			}
		}
		h, c = hn, cn
		seq = append(seq, out)
	}
	return l.outputs(g, seq, h, c)
}

// masked applies step t's mask: masked steps carry h and c; the output is
// the carried h, or 0 with zero_output_for_mask.
func (r *convLSTMRun) masked(mask3 *G.Node, t int, h, c, hn, cn *G.Node) (out, h2, c2 *G.Node, err error) {
	mt, err := stepOf(r.g, mask3, t)
	if err != nil {
		return nil, nil, nil, err
	}
	out = hn
	if r.l.cell.cfg.ZeroOutputForMask {
		if out, err = scaleRows(r.g, hn, mt); err != nil {
			return nil, nil, nil, err
		}
	}
	if h2, err = carry(r.g, h, hn, mt); err != nil {
		return nil, nil, nil, err
	}
	if c2, err = carry(r.g, c, cn, mt); err != nil {
		return nil, nil, nil, err
	}
	if !r.l.cell.cfg.ZeroOutputForMask {
		out = h2
	}
	return out, h2, c2, nil
}

// stepsLast moves a channels_first input (B, T, C, s...) to (B, T, s..., C).
func (l *ConvLSTMLayer) stepsLast(x *G.Node) (*G.Node, error) {
	if !l.first {
		return x, nil
	}
	r := x.Dims()
	p := []int{0, 1}
	for i := 3; i < r; i++ {
		p = append(p, i)
	}
	return G.Transpose(x, append(p, 2)...)
}

// inputConv returns conv(x_t, kernel) + bias for every step as (B, T,
// pix·4F), x (B, T, s..., C) channels_last.
func (l *ConvLSTMLayer) inputConv(g *runtime.Graph, x *G.Node) (*G.Node, error) {
	xs := []int(x.Shape())
	B, T := xs[0], xs[1]
	x2, err := G.Reshape(x, append(gt.Shape{B * T}, xs[2:]...))
	if err != nil {
		return nil, err
	}
	k, err := g.Var(l.kernelV)
	if err != nil {
		return nil, err
	}
	p := runtime.ConvParams{Strides: l.strides, Dilation: l.dilation, PadBefore: l.padBefore, PadAfter: l.padAfter}
	y, err := g.Conv(x2, k, p)
	if err != nil {
		return nil, err
	}
	if l.biasV != nil {
		b, err := g.Var(l.biasV)
		if err != nil {
			return nil, err
		}
		if y, err = g.BiasAdd(y, b); err != nil {
			return nil, err
		}
	}
	n := 1
	for _, d := range y.Shape()[1:] {
		n *= d
	}
	return G.Reshape(y, gt.Shape{B, T, n})
}

// step computes one LSTM step from xt = conv(x_t, kernel) + bias (B,
// pix·4F) and the states h, c (B, pix·F).
func (r *convLSTMRun) step(xt, h, c *G.Node) (*G.Node, *G.Node, error) {
	l, F := r.l, r.l.filters
	h4, err := G.Reshape(h, append(append(gt.Shape{r.b}, l.outSp...), F))
	if err != nil {
		return nil, nil, err
	}
	hr, err := r.g.Conv(h4, r.rk, runtime.ConvParams{PadBefore: l.recBefore, PadAfter: l.recAfter})
	if err != nil {
		return nil, nil, err
	}
	if hr, err = G.Reshape(hr, gt.Shape{r.b, r.pix * 4 * F}); err != nil {
		return nil, nil, err
	}
	z, err := G.Add(xt, hr)
	if err != nil {
		return nil, nil, err
	}
	if z, err = G.Reshape(z, gt.Shape{r.b * r.pix, 4 * F}); err != nil {
		return nil, nil, err
	}
	c2, err := G.Reshape(c, gt.Shape{r.b * r.pix, F})
	if err != nil {
		return nil, nil, err
	}
	cell := &rnnCell{l: l.cell, g: r.g}
	hn, cn, err := cell.lstmGates(z, c2)
	if err != nil {
		return nil, nil, err
	}
	if hn, err = G.Reshape(hn, gt.Shape{r.b, r.pix * F}); err != nil {
		return nil, nil, err
	}
	cn, err = G.Reshape(cn, gt.Shape{r.b, r.pix * F})
	return hn, cn, err
}

// outputs shapes the step outputs (B, pix·F) and states into the layer's
// outputs: [last or stacked output, h, c] in its data format.
func (l *ConvLSTMLayer) outputs(g *runtime.Graph, seq []*G.Node, h, c *G.Node) ([]*G.Node, error) {
	B := h.Shape()[0]
	state := func(n *G.Node) (*G.Node, error) {
		y, err := G.Reshape(n, append(append(gt.Shape{B}, l.outSp...), l.filters))
		if err != nil || !l.first {
			return y, err
		}
		return toFirst(y)
	}
	outs := make([]*G.Node, 3)
	var err error
	for i, n := range []*G.Node{seq[len(seq)-1], h, c} {
		if outs[i], err = state(n); err != nil {
			return nil, err
		}
	}
	if !l.cell.cfg.ReturnSequences {
		return outs, nil
	}
	flat := make([]*G.Node, len(seq))
	for i, s := range seq {
		y, err := state(s)
		if err != nil {
			return nil, err
		}
		if flat[i], err = G.Reshape(y, gt.Shape{B, y.Shape().TotalSize() / B}); err != nil {
			return nil, err
		}
	}
	st, err := stackSteps(g, flat)
	if err != nil {
		return nil, err
	}
	if outs[0], err = G.Reshape(st, append(gt.Shape{B, len(seq)}, l.stateShape()...)); err != nil {
		return nil, err
	}
	return outs, nil
}
