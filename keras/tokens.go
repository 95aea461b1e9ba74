package keras

import (
	"fmt"

	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/tensor"
)

// checkTokenIDs checks the inputs that feed an Embedding layer directly:
// every value must be a token id of that layer (an integer in [0,
// input_dim)), as Keras raises on others; the runtime would give NaN rows.
func (m *Model) checkTokenIDs(xs []*tensor.Tensor) error {
	for k, e := range m.inputEmbeddings() {
		if k >= len(xs) || xs[k] == nil {
			continue
		}
		for _, emb := range e {
			if err := emb.CheckIDs(xs[k].Data()); err != nil {
				return fmt.Errorf("keras: model %q input %d: %w", m.name, k, err)
			}
		}
	}
	return nil
}

// inputEmbeddings maps each model input to the Embedding layers that read
// it directly (through InputLayers only).
// The map is nil (no allocation) for a model without such layers.
func (m *Model) inputEmbeddings() map[int][]*layers.EmbeddingLayer {
	var out map[int][]*layers.EmbeddingLayer
	add := func(k int, emb *layers.EmbeddingLayer) {
		if out == nil {
			out = map[int][]*layers.EmbeddingLayer{}
		}
		out[k] = append(out[k], emb)
	}
	if m.graph == nil {
		for _, l := range m.layers {
			if emb, ok := l.(*layers.EmbeddingLayer); ok {
				add(0, emb)
			}
			if l.ClassName() != "InputLayer" {
				break
			}
		}
		return out
	}
	for _, c := range m.graph.calls {
		emb, ok := c.layer.(*layers.EmbeddingLayer)
		if !ok || len(c.in) != 1 {
			continue
		}
		if k, isInput := c.in[0].input(); isInput {
			add(k, emb)
		}
	}
	return out
}
