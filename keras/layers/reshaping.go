package layers

import (
	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
)

// PermuteLayer is keras.layers.Permute: y = transpose(x, (0, dims...)),
// with dims 1-based per-sample axes.
type PermuteLayer struct {
	base
	dims []int
}

// Permute returns keras.layers.Permute(dims).
func Permute(dims []int, opts ...Option) *PermuteLayer {
	o := collect(opts)
	l := &PermuteLayer{base: newBase("Permute", o), dims: append([]int(nil), dims...)}
	l.err = o.check("Permute")
	return l
}

// Build checks dims against the input rank and permutes the shape.
func (l *PermuteLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	if len(l.dims) != len(in) {
		return l.errorf("dims %v for an input of shape %v", l.dims, in)
	}
	seen := make([]bool, len(in)+1)
	out := make([]int, len(in))
	for i, d := range l.dims {
		if d < 1 || d > len(in) || seen[d] {
			return l.errorf("dims %v is not a permutation of 1..%d", l.dims, len(in))
		}
		seen[d] = true
		out[i] = in[d-1]
	}
	l.inShape, l.outShape, l.built = append([]int(nil), in...), out, true
	return nil
}

// Emit transposes.
func (l *PermuteLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	pattern := append([]int{0}, l.dims...)
	return G.Transpose(x, pattern...)
}

// Config returns Keras 3's Permute config.
func (l *PermuteLayer) Config() map[string]any {
	c := l.baseConfig()
	d := make([]any, len(l.dims))
	for i, v := range l.dims {
		d[i] = v
	}
	c["dims"] = d
	return c
}

// reshapingFromConfig builds the reshaping layers kept in this file.
func reshapingFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	switch class {
	case "Permute":
		return Permute(r.ints("dims"), common...), true
	}
	return nil, false
}
