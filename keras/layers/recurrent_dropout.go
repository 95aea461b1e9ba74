package layers

import (
	"fmt"

	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// rnnDrop is the dropout of one training call of an RNN layer, as Keras 3's
// DropoutRNNCell makes it: every mask is drawn once per call (per training
// batch) and is the same at every time step. Keras's cells take
// implementation 1 when recurrent_dropout > 0: LSTM and GRU then draw one
// input mask and one recurrent mask per gate (dropout_mask_count 4 or 3);
// otherwise (implementation 2, and SimpleRNN always) one input mask serves
// all gates and is applied to x before the layer. The per-gate masks go to
// the fused LSTM and SimpleRNN ops (RNNParams.DropIn, DropRec) or, for GRU
// and axis-wise activations, into the unrolled graph.
type rnnDrop struct {
	x       *G.Node   // the input, with the shared input mask applied
	in      []*G.Node // per-gate input masks (B, 1, F), implementation 1
	rec     []*G.Node // recurrent masks (B, u): one per gate, one for SimpleRNN
	inKeep  float64
	recKeep float64
}

// dropouts draws the layer's dropout masks for a training call; outside
// training (or with both rates 0) it returns x unchanged and no masks.
func (l *RNNLayer) dropouts(g *runtime.Graph, x *G.Node, training bool) (*rnnDrop, error) {
	d := &rnnDrop{x: x}
	if !training || l.cfg.Dropout <= 0 && l.cfg.RecurrentDropout <= 0 {
		return d, nil
	}
	xs := []int(x.Shape())
	if len(xs) != 3 {
		return nil, fmt.Errorf("dropout needs inputs (batch, steps, features), got %v", xs)
	}
	perGate := l.cfg.RecurrentDropout > 0 && l.gates > 1
	var err error
	if l.cfg.Dropout > 0 {
		d.inKeep = 1 - l.cfg.Dropout
		n := 1
		if perGate {
			n = l.gates
		}
		if d.in, err = l.dropMasks(g, n, []int{xs[0], 1, xs[2]}, d.inKeep); err != nil {
			return nil, err
		}
		if !perGate {
			if d.x, err = g.ApplyDropout(x, d.in[0], d.inKeep); err != nil {
				return nil, fmt.Errorf("input dropout: %w", err)
			}
			d.in = nil
		}
	}
	if l.cfg.RecurrentDropout > 0 {
		d.recKeep = 1 - l.cfg.RecurrentDropout
		if d.rec, err = l.dropMasks(g, l.gates, []int{xs[0], l.units}, d.recKeep); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// dropMasks returns n masks of the given shape, each unit kept with
// probability keep; the network draws them afresh for every training step
// from the layer's seed (or its own generator without one).
func (l *RNNLayer) dropMasks(g *runtime.Graph, n int, shape []int, keep float64) ([]*G.Node, error) {
	out := make([]*G.Node, n)
	for i := range out {
		if l.maskHook != nil {
			m, err := l.maskHook(g, shape, keep)
			if err != nil {
				return nil, fmt.Errorf("dropout mask: %w", err)
			}
			out[i] = m
			continue
		}
		seed := int64(-1)
		if l.seed != nil {
			seed = max(*l.seed, -*l.seed)
		}
		out[i] = g.DropoutMask(shape, keep, seed)
	}
	return out, nil
}

// maskedInputKernel returns x·W (B·T, g·u) with gate k's columns computed
// from x ⊙ in[k]/keep (Keras implementation 1).
func (l *RNNLayer) maskedInputKernel(g *runtime.Graph, x, w *G.Node, d *rnnDrop) (*G.Node, error) {
	xs := []int(x.Shape())
	wb, err := columnBlocks(g, w, l.gates, l.units)
	if err != nil {
		return nil, err
	}
	parts := make([]*G.Node, l.gates)
	for k := range parts {
		xm, err := g.ApplyDropout(x, d.in[k], d.inKeep)
		if err != nil {
			return nil, fmt.Errorf("input dropout: %w", err)
		}
		if xm, err = G.Reshape(xm, gt.Shape{xs[0] * xs[1], xs[2]}); err != nil {
			return nil, err
		}
		if parts[k], err = G.Mul(xm, wb[k]); err != nil {
			return nil, err
		}
	}
	return g.Concat(-1, parts...)
}

// dropH returns h ⊙ rec[k]/keep, or h without recurrent dropout.
func (cl *rnnCell) dropH(h *G.Node, k int) (*G.Node, error) {
	if cl.rec == nil {
		return h, nil
	}
	return cl.g.ApplyDropout(h, cl.rec[k], cl.recKeep)
}

// recurrentProduct returns h·U (B, g·u); with recurrent dropout gate k's
// columns are (h ⊙ rec[k]/keep)·U_k.
func (cl *rnnCell) recurrentProduct(h *G.Node) (*G.Node, error) {
	if cl.rec == nil {
		return G.Mul(h, cl.u)
	}
	parts := make([]*G.Node, len(cl.rec))
	for k := range parts {
		hk, err := cl.dropH(h, k)
		if err != nil {
			return nil, err
		}
		uk := cl.u
		if len(cl.rec) > 1 {
			uk = cl.ublocks[k]
		}
		if parts[k], err = G.Mul(hk, uk); err != nil {
			return nil, err
		}
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return cl.g.Concat(-1, parts...)
}

// stackMasks stacks per-gate masks (B, 1, n) or (B, n) into one node
// (B, gates, n) for the fused ops; nil without masks.
func stackMasks(g *runtime.Graph, ms []*G.Node) (*G.Node, error) {
	if ms == nil {
		return nil, nil
	}
	parts := make([]*G.Node, len(ms))
	for i, m := range ms {
		s := []int(m.Shape())
		var err error
		if parts[i], err = G.Reshape(m, gt.Shape{s[0], 1, s[len(s)-1]}); err != nil {
			return nil, fmt.Errorf("dropout mask: %w", err)
		}
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return g.Concat(1, parts...)
}
