package loader

import (
	"fmt"
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
	for _, k := range []string{"cell", "forward_layer", "backward_layer", "layer", "query_dense", "key_dense", "value_dense", "output_dense"} {
		if s := l.Sub[k]; s != nil {
			out = append(out, keras3LayerArrays(s)...)
		}
	}
	return out
}

// isRNNClass reports the recurrent layers whose Keras 3 variables live in
// a cell sub-object.
func isRNNClass(cls string) bool {
	return cls == "SimpleRNN" || cls == "LSTM" || cls == "GRU" || isConvLSTM(cls)
}

// seqVarNames are the variable names of Embedding and the recurrent
// layers, in Keras order (all trainable, none integer).
func seqVarNames(cls string, useBias bool) (names []string, trainable, ints []bool) {
	names = []string{"embeddings"}
	if isRNNClass(cls) {
		names = []string{"kernel", "recurrent_kernel"}
		if useBias {
			names = append(names, "bias")
		}
	}
	for range names {
		trainable = append(trainable, true)
		ints = append(ints, false)
	}
	return names, trainable, ints
}

// keras1Gates are the suffixes of Keras 1's separate gate weights, in the
// order Keras 2+ concatenates them (spec keras-layers.md §7.8).
var keras1Gates = map[string][]string{"LSTM": {"i", "f", "c", "o"}, "GRU": {"z", "r", "h"}}

// convertOldRNNWeights returns w with Keras 1's separate gate weights of
// LSTM (W_i, U_i, b_i, ... stored i, c, f, o) and GRU (W_z, U_z, b_z, ...)
// joined into Keras 2+'s kernel, recurrent_kernel and bias (columns in
// i, f, c, o and z, r, h order), as tf.keras's
// preprocess_weights_for_loading does. w is not modified.
func convertOldRNNWeights(cfg *ModelConfig, w *Weights) (*Weights, error) {
	if w.Layout == LayoutKeras3 {
		return w, nil
	}
	var out *Weights
	for _, l := range cfg.Layers {
		gates := keras1Gates[l.ClassName]
		if gates == nil {
			continue
		}
		for j := range w.Layers {
			lw := &w.Layers[j]
			if lw.Name != l.Name || (len(lw.Arrays) != 3*len(gates) && !isCuDNN(lw, len(gates))) {
				continue
			}
			var joined *LayerWeights
			var err error
			if len(lw.Arrays) == 3 {
				joined, err = fromCuDNN(lw, len(gates))
			} else {
				joined, err = joinGateWeights(lw, gates)
			}
			if err != nil {
				return nil, Errorf(w.Path, "layer %q (%s): %v", l.Name, l.ClassName, err)
			}
			if out == nil {
				cp := *w
				cp.Layers = append([]LayerWeights(nil), w.Layers...)
				out = &cp
			}
			out.Layers[j] = *joined
		}
	}
	if out == nil {
		return w, nil
	}
	return out, nil
}

// joinGateWeights concatenates the per-gate W_g, U_g, b_g arrays of a
// Keras 1 layer, found by their names, along their last axis.
func joinGateWeights(lw *LayerWeights, gates []string) (*LayerWeights, error) {
	byName := map[string]*tensor.Tensor{}
	for k, n := range lw.VarNames {
		n = strings.TrimSuffix(n[strings.LastIndex(n, "/")+1:], ":0")
		for _, kind := range []string{"W", "U", "b"} {
			for _, g := range gates {
				if strings.HasSuffix(n, "_"+kind+"_"+g) {
					byName[kind+g] = lw.Arrays[k]
				}
			}
		}
	}
	res := &LayerWeights{Name: lw.Name, ClassHint: lw.ClassHint, SavedName: lw.SavedName}
	for _, kind := range []string{"W", "U", "b"} {
		var parts []*tensor.Tensor
		for _, g := range gates {
			a := byName[kind+g]
			if a == nil {
				return nil, fmt.Errorf("Keras 1 gate weight %s_%s is missing (have %v)", kind, g, lw.VarNames)
			}
			parts = append(parts, a)
		}
		j, err := concatLastAxis(parts)
		if err != nil {
			return nil, fmt.Errorf("joining %s_*: %v", kind, err)
		}
		res.Arrays = append(res.Arrays, j)
		res.VarNames = append(res.VarNames, map[string]string{"W": "kernel", "U": "recurrent_kernel", "b": "bias"}[kind])
	}
	return res, nil
}

// concatLastAxis joins tensors of equal leading shape along the last axis.
func concatLastAxis(parts []*tensor.Tensor) (*tensor.Tensor, error) {
	s0 := parts[0].Shape()
	if len(s0) == 0 {
		return nil, fmt.Errorf("scalar gate weight")
	}
	rows := parts[0].Len() / s0[len(s0)-1]
	total := 0
	for _, p := range parts {
		s := p.Shape()
		if len(s) != len(s0) || p.Len()/s[len(s)-1] != rows {
			return nil, fmt.Errorf("gate weights of shapes %v and %v", s0, s)
		}
		total += s[len(s)-1]
	}
	out := make([]float32, 0, rows*total)
	for r := 0; r < rows; r++ {
		for _, p := range parts {
			c := p.Shape()[len(p.Shape())-1]
			out = append(out, p.Data()[r*c:(r+1)*c]...)
		}
	}
	shape := append(append([]int(nil), s0[:len(s0)-1]...), total)
	return tensor.FromSlice(out, shape...)
}

// wrappedLayerOfPath names the layer of a variable path's parts: the
// parent of the variable, above an RNN cell (lstm/lstm_cell/kernel), a
// Bidirectional's forward_/backward_ layer or a TimeDistributed's wrapped
// layer.
func wrappedLayerOfPath(parts []string) string {
	i := len(parts) - 2
	if i >= 1 && isRNNCellName(parts[i]) {
		i--
	}
	if i >= 1 && (strings.HasPrefix(parts[i], "forward_") || strings.HasPrefix(parts[i], "backward_") || strings.HasPrefix(parts[i-1], "time_distributed")) {
		i--
	}
	return parts[i]
}

// varGroup is where a range of a layer's variables lives below its Keras 3
// group.
type varGroup struct {
	path     string
	from, to int
}

// keras3VarGroups places n variables of a layer of class cls as Keras 3
// stores them: "vars" for most layers, "cell/vars" for RNNs,
// "forward_layer/cell/vars" and "backward_layer/cell/vars" (halves) for
// Bidirectional, "layer/vars" for TimeDistributed.
func keras3VarGroups(cls string, n int) []varGroup {
	switch {
	case isRNNClass(cls):
		return []varGroup{{"cell/vars", 0, n}}
	case cls == "Bidirectional":
		return []varGroup{{"forward_layer/cell/vars", 0, n / 2}, {"backward_layer/cell/vars", n / 2, n}}
	case cls == "TimeDistributed":
		return []varGroup{{"layer/vars", 0, n}}
	case cls == "MultiHeadAttention" && n%4 == 0:
		return mhaVarGroups(n)
	}
	return []varGroup{{"vars", 0, n}}
}

// isCuDNN reports CuDNNLSTM/CuDNNGRU weights by their bias, as tf.keras
// does: (8u,) for LSTM, (6u,) for GRU (spec keras-layers.md §7.8).
func isCuDNN(lw *LayerWeights, gates int) bool {
	if len(lw.Arrays) != 3 || len(lw.Arrays[1].Shape()) != 2 || len(lw.Arrays[2].Shape()) != 1 {
		return false
	}
	u := lw.Arrays[1].Shape()[0]
	return lw.Arrays[2].Len() == 2*gates*u
}

// fromCuDNN converts CuDNN kernel, recurrent kernel and bias into the
// LSTM/GRU(reset_after) layout: per gate, W_g = reshape(flat(K_g), (u, F))ᵀ
// and U_g = R_gᵀ; LSTM bias = input + recurrent biases, GRU bias (2, 3u).
func fromCuDNN(lw *LayerWeights, gates int) (*LayerWeights, error) {
	k, r, b := lw.Arrays[0], lw.Arrays[1], lw.Arrays[2]
	u := r.Shape()[0]
	gu := gates * u
	if len(k.Shape()) != 2 || k.Shape()[1] != gu || r.Shape()[1] != gu {
		return nil, fmt.Errorf("CuDNN weights of shapes %v, %v, %v: want (F, %d), (%d, %d)", k.Shape(), r.Shape(), b.Shape(), gu, u, gu)
	}
	F := k.Shape()[0]
	kd, rd, bd := k.Data(), r.Data(), b.Data()
	nk, nr := make([]float32, F*gu), make([]float32, u*gu)
	for g := 0; g < gates; g++ {
		for i := 0; i < F; i++ {
			for j := 0; j < u; j++ {
				p := j*F + i // W_g[i][j] = flat(K_g)[j·F + i]
				nk[i*gu+g*u+j] = kd[(p/u)*gu+g*u+p%u]
			}
		}
		for i := 0; i < u; i++ {
			for j := 0; j < u; j++ {
				nr[i*gu+g*u+j] = rd[j*gu+g*u+i]
			}
		}
	}
	kt, err := tensor.FromSlice(nk, F, gu)
	if err != nil {
		return nil, err
	}
	rt, err := tensor.FromSlice(nr, u, gu)
	if err != nil {
		return nil, err
	}
	var bt *tensor.Tensor
	if gates == 4 {
		nb := make([]float32, gu)
		for i := range nb {
			nb[i] = bd[i] + bd[gu+i]
		}
		bt, err = tensor.FromSlice(nb, gu)
	} else {
		bt, err = tensor.FromSlice(append([]float32(nil), bd...), 2, gu)
	}
	if err != nil {
		return nil, err
	}
	return &LayerWeights{Name: lw.Name, ClassHint: lw.ClassHint, SavedName: lw.SavedName,
		VarNames: []string{"kernel", "recurrent_kernel", "bias"}, Arrays: []*tensor.Tensor{kt, rt, bt}}, nil
}
