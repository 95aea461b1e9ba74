package loader

import (
	"strings"

	"github.com/kerago/kerago/tensor"
)

// isRNNCellName reports the name of an RNN cell in a variable path
// ("lstm_cell", "gru_cell_3", "simple_rnn_cell"), below the layer's name.
func isRNNCellName(s string) bool {
	i := strings.LastIndex(s, "_cell")
	if i <= 0 {
		return false
	}
	rest := s[i+len("_cell"):]
	if rest == "" {
		return true
	}
	if rest[0] != '_' || len(rest) == 1 {
		return false
	}
	for _, r := range rest[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// keras3LayerArrays returns a Keras 3 layer group's variables: its own
// vars, or, for layers that keep them in sub-objects, those of its cell
// (layers/lstm/cell/vars), then of its forward and backward layers
// (Bidirectional) or wrapped layer (TimeDistributed), depth first.
func keras3LayerArrays(l *LayerWeights) []*tensor.Tensor {
	if len(l.Arrays) > 0 || l.Sub == nil {
		return l.Arrays
	}
	var out []*tensor.Tensor
	for _, k := range []string{"cell", "forward_layer", "backward_layer", "layer"} {
		if s := l.Sub[k]; s != nil {
			out = append(out, keras3LayerArrays(s)...)
		}
	}
	return out
}
