package layers

import (
	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// attentionMask combines the Keras masks of query (B, T) and of the keys
// (B, S) into a (B, T, S) 0/1 node as Keras's _compute_attention_mask (AND);
// nil when neither input carries a mask. A missing mask counts as all ones.
func attentionMask(g *runtime.Graph, qMask, kMask *G.Node, T, S int) (*G.Node, error) {
	if qMask == nil && kMask == nil {
		return nil, nil
	}
	B := 0
	for _, m := range []*G.Node{qMask, kMask} {
		if m != nil {
			B = m.Shape()[0]
		}
	}
	var err error
	if qMask == nil {
		if qMask, err = onesNode(g, B, T); err != nil {
			return nil, err
		}
	}
	if kMask == nil {
		if kMask, err = onesNode(g, B, S); err != nil {
			return nil, err
		}
	}
	q3, err := G.Reshape(qMask, gt.Shape{B, T, 1})
	if err != nil {
		return nil, err
	}
	k3, err := G.Reshape(kMask, gt.Shape{B, 1, S})
	if err != nil {
		return nil, err
	}
	return G.BroadcastHadamardProd(q3, k3, []byte{2}, []byte{1})
}

func onesNode(g *runtime.Graph, b, n int) (*G.Node, error) {
	d := make([]float32, b*n)
	for i := range d {
		d[i] = 1
	}
	return g.Constant(d, []int{b, n})
}

// maskBias turns a 0/1 mask into 0 where kept and −1e9 where masked:
// (m − 1)·1e9, added to the logits before the softmax. A row masked
// everywhere becomes a uniform average, as Keras 3's dot_product_attention
// path (the one MultiHeadAttention takes at inference without
// return_attention_scores) and Attention's subtraction give.
func maskBias(m *G.Node) (*G.Node, error) {
	b, err := G.Add(m, G.NewConstant(float32(-1)))
	if err != nil {
		return nil, err
	}
	return G.Mul(b, G.NewConstant(float32(1e9)))
}

// addHeadsBias adds bias (B, T, S) to the scores (B·N, T, S) of every head.
func addHeadsBias(s, bias *G.Node, b, n int) (*G.Node, error) {
	sh := s.Shape()
	s4, err := G.Reshape(s, gt.Shape{b, n, sh[1], sh[2]})
	if err != nil {
		return nil, err
	}
	b4, err := G.Reshape(bias, gt.Shape{b, 1, sh[1], sh[2]})
	if err != nil {
		return nil, err
	}
	if s4, err = G.BroadcastAdd(s4, b4, nil, []byte{1}); err != nil {
		return nil, err
	}
	return G.Reshape(s4, sh)
}

// Call applies the layer to [query, value] or [query, value, key] in a
// functional graph.
func (l *MHALayer) Call(in ...*Node) *Node { return call(l, in) }

// Call applies the layer to [query, value] or [query, value, key] in a
// functional graph.
func (l *AttentionLayer) Call(in ...*Node) *Node { return call(l, in) }
