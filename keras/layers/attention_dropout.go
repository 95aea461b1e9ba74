package layers

import (
	"fmt"

	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
)

// attnDropout is the dropout Keras 3 applies to the attention distribution
// in training: MultiHeadAttention's Dropout(rate, seed) on the softmax
// output (B, heads, Tq, Tk), Attention's and AdditiveAttention's
// backend.random.dropout on the weights (B, Tq, Tv). The noise shape is the
// full shape of the probabilities; kept entries are divided by 1−rate.
// The mask is a DropoutMask, drawn afresh for every training batch; outside
// training nothing is applied.
type attnDropout struct {
	rate float64
	seed *int64 // nil draws from the network's generator
	// maskHook, when set (tests only), replaces the mask drawn per
	// training step by a node of the given shape.
	maskHook func(g *runtime.Graph, shape []int, keep float64) (*G.Node, error)
}

// apply returns p with dropout applied in training, p itself otherwise.
func (d *attnDropout) apply(g *runtime.Graph, p *G.Node, training bool) (*G.Node, error) {
	if !training || d.rate <= 0 {
		return p, nil
	}
	keep := 1 - d.rate
	shape := []int(p.Shape())
	var m *G.Node
	if d.maskHook != nil {
		var err error
		if m, err = d.maskHook(g, shape, keep); err != nil {
			return nil, fmt.Errorf("attention dropout mask: %w", err)
		}
	} else {
		seed := int64(-1)
		if d.seed != nil {
			seed = max(*d.seed, -*d.seed)
		}
		m = g.DropoutMask(shape, keep, seed)
	}
	y, err := g.ApplyDropout(p, m, keep)
	if err != nil {
		return nil, fmt.Errorf("attention dropout: %w", err)
	}
	return y, nil
}

// seedConfig returns the seed as Keras writes it (nil without one).
func (d *attnDropout) seedConfig() any {
	if d.seed == nil {
		return nil
	}
	return *d.seed
}
