package runtime

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// convFusion is a forward convolution whose output only feeds an inference
// BatchNormalization (channels last) or a bias, and/or an elementwise
// activation: the last node of the chain runs as one convolution
// instruction with the normalization or bias and the activation as its
// epilogue (convEpi).
type convFusion struct {
	conv *convOp
	geo  *convGeo   // the geometry with a zero padding folded in, or nil
	bn   *bnApplyOp // nil: none
	bias bool       // a BiasAdd (its bias is the third input)
	act  *Activation
}

// fuseConvEpilogues finds conv → BN/bias → act, conv → BN/bias and conv →
// act chains (optionally starting with a zero padding) among the live nodes
// whose intermediate results nobody else reads (so training graphs, which
// keep them for the gradients, are left alone) and rewrites reads so that
// the chain's last node reads the convolution's inputs followed by the
// normalization's or the bias. It returns the fused chains by their last
// node.
func fuseConvEpilogues(order []*G.Node, reads map[*G.Node][]opnd, live, pinned map[*G.Node]bool) map[*G.Node]*convFusion {
	consumers := countConsumers(live, reads)
	// private reports whether n is an intermediate only its one reader uses
	private := func(n *G.Node) bool { return !pinned[n] && consumers[n] == 1 }
	out := map[*G.Node]*convFusion{}
	absorbed := map[*G.Node]bool{}
	// consumers before producers: the longest chain wins
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		if !live[n] || absorbed[n] || len(reads[n]) == 0 {
			continue
		}
		f, chain, extra := matchConvChain(n, reads, private)
		if f == nil {
			continue
		}
		src := chain[len(chain)-1]
		for _, m := range chain {
			absorbed[m] = true
		}
		convReads := reads[src]
		if pad := convReads[0].n; private(pad) && convReads[0].kind == opFull {
			if pop, ok := pad.Op().(*padOp); ok {
				if f.geo = foldPad(f.conv.geo, pop.geo); f.geo != nil {
					absorbed[pad] = true
					convReads = []opnd{reads[pad][0], convReads[1]}
				}
			}
		}
		reads[n] = append(append([]opnd{}, convReads...), extra...)
		out[n] = f
	}
	return out
}

// matchConvChain matches [act ←] [BN | bias ←] conv ending at n: the
// fusion, the chain's nodes below n (the conv last) and the inputs of the
// normalization or bias besides x.
func matchConvChain(n *G.Node, reads map[*G.Node][]opnd, private func(*G.Node) bool) (*convFusion, []*G.Node, []opnd) {
	f := &convFusion{}
	var chain []*G.Node
	src := n
	step := func() bool {
		src = reads[src][0].n
		chain = append(chain, src)
		return private(src) && len(reads[src]) > 0
	}
	if op, ok := n.Op().(*actOp); ok && op.a.kind == actElem && len(reads[n]) == 1 {
		if f.act = op.a; !step() {
			return nil, nil, nil
		}
	}
	var extra []opnd
	switch op := src.Op().(type) {
	case *bnApplyOp:
		if op.geo.inner != 1 || reads[src][0].kind != opFull {
			break
		}
		f.bn, extra = op, reads[src][1:]
		if !step() {
			return nil, nil, nil
		}
	case *biasOp:
		if op.grad || len(reads[src]) != 2 || reads[src][0].kind != opFull {
			break
		}
		f.bias, extra = true, reads[src][1:]
		if !step() {
			return nil, nil, nil
		}
	}
	op, ok := src.Op().(*convOp)
	if !ok || op.kind != convFwd || f.act == nil && f.bn == nil && !f.bias || len(reads[src]) != 2 {
		return nil, nil, nil
	}
	for _, ops := range [][]opnd{extra, reads[src]} {
		for _, o := range ops {
			if o.kind != opFull {
				return nil, nil, nil
			}
		}
	}
	if f.bn != nil && f.bn.geo.c != op.geo.cout {
		return nil, nil, nil
	}
	f.conv = op
	return f, chain, extra
}

// foldPad returns the geometry of convolution g applied to the input of a
// zero padding p (ZeroPadding before a "valid" convolution): the padding
// moves into g's own, so no padded copy is made. Nil when p is not a zero
// padding or the folded geometry would differ.
func foldPad(g *convGeo, p *padGeo) *convGeo {
	if p.value != 0 || g.pool || p.out != g.in || p.n != g.n || p.c != g.cin {
		return nil
	}
	r := g.rank
	xs := append(append([]int{p.n}, p.in[3-r:]...), p.c)
	pb, pa := make([]int, r), make([]int, r)
	for i := range r {
		a := i + 3 - r
		padAfter := p.out[a] - p.in[a] - p.before[a]
		if p.before[a] < 0 || padAfter < 0 {
			return nil // a crop
		}
		keff := (g.k[a]-1)*g.d[a] + 1
		pb[i] = g.pb[a] + p.before[a]
		pa[i] = max(0, (g.out[a]-1)*g.s[a]+keff-p.out[a]-g.pb[a]) + padAfter
	}
	f, err := newConvGeo(xs, g.k[3-r:], g.cout, g.gr, g.s[3-r:], g.d[3-r:], pb, pa)
	if err != nil || f.out != g.out || f.direct != g.direct {
		return nil
	}
	f.finish()
	return f
}

// build compiles the fused chain; c.ins are the convolution's x and kernel
// followed by the normalization's mean, variance, γ and β (when present) or
// the bias.
func (f *convFusion) build(c *kctx) (instr, error) {
	conv := f.conv
	if f.geo != nil {
		conv = &convOp{kind: convFwd, geo: f.geo}
	}
	in, err := conv.build(c)
	if err != nil {
		return nil, err
	}
	ci, ok := in.(*convInstr)
	if !ok {
		return nil, fmt.Errorf("runtime: fused convolution built %T", in)
	}
	ep := &epiSlots{mean: -1, gamma: -1, beta: -1, bias: -1, inv: -1, res: -1, tinv: -1, tres: -1, act: f.act}
	if bn := f.bn; bn != nil {
		// bnApplyOp's inputs are x, mean, var, then γ and β at their indices
		ep.mean, ep.v, ep.eps = c.ins[2], c.ins[3], bn.eps
		if bn.gamma >= 0 {
			ep.gamma = c.ins[bn.gamma+1]
		}
		if bn.beta >= 0 {
			ep.beta = c.ins[bn.beta+1]
		}
		ep.inv, ep.res = c.temp(bn.geo.c), c.temp(bn.geo.c)
	}
	if f.bias {
		ep.bias, ep.inv = c.ins[2], c.temp(conv.geo.cout)
	}
	if L := epiTile(conv.geo.cout); L > 0 && ep.inv >= 0 {
		ep.tinv, ep.tres = c.temp(L), c.temp(L)
	}
	ci.epi = ep
	return ci, nil
}
