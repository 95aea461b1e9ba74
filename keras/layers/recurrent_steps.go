package layers

import (
	"fmt"

	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// rnnRun is an unrolled sequence: the emitted output of every step in
// processing order, and the final states.
type rnnRun struct {
	seq  []*G.Node
	h, c *G.Node
}

// run unrolls the cell over the steps of x (B, T, F): x·W (+ b) for all
// steps at once, then per step the recurrent part, in processing order
// (T−1 … 0 with go_backwards). Masked steps carry h and c; their output is
// the carried h, or 0 with zero_output_for_mask.
func (l *RNNLayer) run(g *runtime.Graph, x, mask *G.Node, d *rnnDrop) (*rnnRun, error) {
	xs := []int(x.Shape())
	B, T, F := xs[0], xs[1], xs[2]
	gu := l.gates * l.units
	w, u, err := l.kernels(g)
	if err != nil {
		return nil, err
	}
	x2, err := G.Reshape(x, gt.Shape{B * T, F})
	if err != nil {
		return nil, err
	}
	var xw *G.Node
	if d.in != nil {
		xw, err = l.maskedInputKernel(g, x, w, d)
	} else {
		xw, err = G.Mul(x2, w)
	}
	if err != nil {
		return nil, err
	}
	cell := &rnnCell{l: l, g: g, u: u, b: B, rec: d.rec, recKeep: d.recKeep}
	if l.bias != nil {
		bn, err := g.Var(l.bias)
		if err != nil {
			return nil, err
		}
		bin := bn
		if l.gates == 3 && l.cfg.ResetAfter {
			if bin, err = row(g, bn, 0, 2, gu); err != nil {
				return nil, err
			}
			if cell.brec, err = row(g, bn, 1, 2, gu); err != nil {
				return nil, err
			}
		}
		if xw, err = G.BroadcastAdd(xw, bin, nil, []byte{0}); err != nil {
			return nil, err
		}
	}
	if xw, err = G.Reshape(xw, gt.Shape{B, T, gu}); err != nil {
		return nil, err
	}
	if l.gates > 1 && (d.rec != nil || l.gates == 3 && !l.cfg.ResetAfter) {
		if cell.ublocks, err = columnBlocks(g, u, l.gates, l.units); err != nil {
			return nil, err
		}
	}
	var mask3 *G.Node
	if mask != nil {
		if ms := []int(mask.Shape()); len(ms) != 2 || ms[0] != B || ms[1] != T {
			return nil, fmt.Errorf("mask of shape %v for inputs %v", ms, xs)
		}
		if mask3, err = G.Reshape(mask, gt.Shape{B, T, 1}); err != nil {
			return nil, err
		}
	}
	zeros := make([]float32, B*l.units)
	h, err := g.Constant(zeros, []int{B, l.units})
	if err != nil {
		return nil, err
	}
	c := h
	r := &rnnRun{}
	for s := 0; s < T; s++ {
		t := s
		if l.cfg.GoBackwards {
			t = T - 1 - s
		}
		xt, err := stepOf(g, xw, t)
		if err != nil {
			return nil, err
		}
		hn, cn, err := cell.step(xt, h, c)
		if err != nil {
			return nil, err
		}
		out := hn
		if mask3 != nil {
			mt, err := stepOf(g, mask3, t)
			if err != nil {
				return nil, err
			}
			if l.cfg.ZeroOutputForMask {
				if out, err = scaleRows(g, hn, mt); err != nil {
					return nil, err
				}
			}
			if hn, err = carry(g, h, hn, mt); err != nil {
				return nil, err
			}
			if cn != nil {
				if cn, err = carry(g, c, cn, mt); err != nil {
					return nil, err
				}
			}
			if !l.cfg.ZeroOutputForMask {
				out = hn
			}
		}
		h, c = hn, cn
		r.seq = append(r.seq, out)
	}
	r.h, r.c = h, c
	return r, nil
}

// rnnCell computes one step of the cell from x·W + b.
type rnnCell struct {
	l       *RNNLayer
	g       *runtime.Graph
	u       *G.Node   // recurrent kernel (u, g·u)
	brec    *G.Node   // GRU reset_after recurrent bias (g·u,)
	ublocks []*G.Node // U's gate blocks (GRU reset_after=False, recurrent dropout)
	rec     []*G.Node // recurrent dropout masks (B, u) per gate, or nil
	recKeep float64
	b       int
}

func (cl *rnnCell) step(xt, h, c *G.Node) (hn, cn *G.Node, err error) {
	switch cl.l.gates {
	case 1:
		z, err := cl.mulAdd(xt, h)
		if err != nil {
			return nil, nil, err
		}
		hn, err = cl.l.act.Apply(z)
		return hn, nil, err
	case 4:
		return cl.lstm(xt, h, c)
	}
	return cl.gru(xt, h)
}

func (cl *rnnCell) lstm(xt, h, c *G.Node) (*G.Node, *G.Node, error) {
	z, err := cl.mulAdd(xt, h)
	if err != nil {
		return nil, nil, err
	}
	return cl.lstmGates(z, c)
}

// lstmGates computes h' and c' from the gate pre-activations z (R, 4u)
// (blocks i, f, c, o) and c (R, u).
func (cl *rnnCell) lstmGates(z, c *G.Node) (*G.Node, *G.Node, error) {
	zs, err := columnBlocks(cl.g, z, 4, cl.l.units)
	if err != nil {
		return nil, nil, err
	}
	i, err := cl.l.recAct.Apply(zs[0])
	if err != nil {
		return nil, nil, err
	}
	f, err := cl.l.recAct.Apply(zs[1])
	if err != nil {
		return nil, nil, err
	}
	cc, err := cl.l.act.Apply(zs[2])
	if err != nil {
		return nil, nil, err
	}
	o, err := cl.l.recAct.Apply(zs[3])
	if err != nil {
		return nil, nil, err
	}
	fc, err := G.HadamardProd(f, c)
	if err != nil {
		return nil, nil, err
	}
	ic, err := G.HadamardProd(i, cc)
	if err != nil {
		return nil, nil, err
	}
	cn, err := G.Add(fc, ic)
	if err != nil {
		return nil, nil, err
	}
	ac, err := cl.l.act.Apply(cn)
	if err != nil {
		return nil, nil, err
	}
	hn, err := G.HadamardProd(o, ac)
	return hn, cn, err
}

func (cl *rnnCell) gru(xt, h *G.Node) (*G.Node, *G.Node, error) {
	units := cl.l.units
	xb, err := columnBlocks(cl.g, xt, 3, units)
	if err != nil {
		return nil, nil, err
	}
	var zin, rin []*G.Node
	var hh *G.Node
	if cl.l.cfg.ResetAfter {
		hu, err := cl.recurrentProduct(h)
		if err != nil {
			return nil, nil, err
		}
		if cl.brec != nil {
			if hu, err = G.BroadcastAdd(hu, cl.brec, nil, []byte{0}); err != nil {
				return nil, nil, err
			}
		}
		hb, err := columnBlocks(cl.g, hu, 3, units)
		if err != nil {
			return nil, nil, err
		}
		zin, rin = []*G.Node{xb[0], hb[0]}, []*G.Node{xb[1], hb[1]}
		hh = hb[2]
	} else {
		hz, err := cl.gateProduct(h, 0)
		if err != nil {
			return nil, nil, err
		}
		hr, err := cl.gateProduct(h, 1)
		if err != nil {
			return nil, nil, err
		}
		zin, rin = []*G.Node{xb[0], hz}, []*G.Node{xb[1], hr}
	}
	z, err := addAct(cl.l.recAct, zin[0], zin[1])
	if err != nil {
		return nil, nil, err
	}
	r, err := addAct(cl.l.recAct, rin[0], rin[1])
	if err != nil {
		return nil, nil, err
	}
	if cl.l.cfg.ResetAfter {
		if hh, err = G.HadamardProd(r, hh); err != nil {
			return nil, nil, err
		}
	} else {
		hd, err := cl.dropH(h, 2)
		if err != nil {
			return nil, nil, err
		}
		rh, err := G.HadamardProd(r, hd)
		if err != nil {
			return nil, nil, err
		}
		if hh, err = G.Mul(rh, cl.ublocks[2]); err != nil {
			return nil, nil, err
		}
	}
	cand, err := addAct(cl.l.act, xb[2], hh)
	if err != nil {
		return nil, nil, err
	}
	// h' = z⊙h + (1−z)⊙ĥ = ĥ + z⊙(h − ĥ)
	d, err := G.Sub(h, cand)
	if err != nil {
		return nil, nil, err
	}
	zd, err := G.HadamardProd(z, d)
	if err != nil {
		return nil, nil, err
	}
	hn, err := G.Add(cand, zd)
	return hn, nil, err
}

func addAct(a *runtime.Activation, x, y *G.Node) (*G.Node, error) {
	s, err := G.Add(x, y)
	if err != nil {
		return nil, err
	}
	return a.Apply(s)
}

// mulAdd returns xt + h·U (with recurrent dropout on h).
func (cl *rnnCell) mulAdd(xt, h *G.Node) (*G.Node, error) {
	hu, err := cl.recurrentProduct(h)
	if err != nil {
		return nil, err
	}
	return G.Add(xt, hu)
}

// gateProduct returns (h ⊙ rec[k]/keep)·U_k, or h·U_k without recurrent
// dropout.
func (cl *rnnCell) gateProduct(h *G.Node, k int) (*G.Node, error) {
	hk, err := cl.dropH(h, k)
	if err != nil {
		return nil, err
	}
	return G.Mul(hk, cl.ublocks[k])
}

// stepOf returns x[:, t, :] of x (B, T, K) as (B, K).
func stepOf(g *runtime.Graph, x *G.Node, t int) (*G.Node, error) {
	s := []int(x.Shape())
	y, err := g.Crop(x, []int{t}, []int{s[1] - t - 1})
	if err != nil {
		return nil, err
	}
	return G.Reshape(y, gt.Shape{s[0], s[2]})
}

// columnBlocks splits x (R, n·k) into n blocks (R, k) of adjacent columns.
func columnBlocks(g *runtime.Graph, x *G.Node, n, k int) ([]*G.Node, error) {
	rows := x.Shape()[0]
	x3, err := G.Reshape(x, gt.Shape{rows, n, k})
	if err != nil {
		return nil, err
	}
	out := make([]*G.Node, n)
	for i := range out {
		if out[i], err = stepOf(g, x3, i); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// row returns row i of b (n, k) as (k,).
func row(g *runtime.Graph, b *G.Node, i, n, k int) (*G.Node, error) {
	b3, err := G.Reshape(b, gt.Shape{1, n, k})
	if err != nil {
		return nil, err
	}
	r, err := stepOf(g, b3, i)
	if err != nil {
		return nil, err
	}
	return G.Reshape(r, gt.Shape{k})
}

// scaleRows returns x (B, u) with row b multiplied by m (B, 1).
func scaleRows(g *runtime.Graph, x, m *G.Node) (*G.Node, error) {
	s := []int(x.Shape())
	x3, err := G.Reshape(x, gt.Shape{s[0], 1, s[1]})
	if err != nil {
		return nil, err
	}
	y, err := g.ApplyStepMask(x3, m)
	if err != nil {
		return nil, err
	}
	return G.Reshape(y, gt.Shape{s[0], s[1]})
}

// carry returns old + m⊙(new − old): new where the step is kept, old where
// it is masked.
func carry(g *runtime.Graph, old, nw, m *G.Node) (*G.Node, error) {
	d, err := G.Sub(nw, old)
	if err != nil {
		return nil, err
	}
	md, err := scaleRows(g, d, m)
	if err != nil {
		return nil, err
	}
	return G.Add(old, md)
}

// stackSteps stacks (B, u) nodes into (B, T, u).
func stackSteps(g *runtime.Graph, steps []*G.Node) (*G.Node, error) {
	parts := make([]*G.Node, len(steps))
	for i, s := range steps {
		sh := []int(s.Shape())
		var err error
		if parts[i], err = G.Reshape(s, gt.Shape{sh[0], 1, sh[1]}); err != nil {
			return nil, err
		}
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return g.Concat(-2, parts...)
}
