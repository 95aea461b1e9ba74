package layers

import (
	"fmt"

	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
)

// MergeLayer is one of Keras's merge layers: Add, Subtract, Multiply,
// Average, Maximum, Minimum (elementwise over inputs of one shape) and
// Concatenate (along an axis). It is called on several inputs (a
// MultiLayer).
type MergeLayer struct {
	base
	kind   runtime.MergeKind
	concat bool
	axis   int
	inputs [][]int
}

var _ MultiLayer = (*MergeLayer)(nil)

func newMerge(class string, kind runtime.MergeKind, opts []Option) *MergeLayer {
	o := collect(opts)
	l := &MergeLayer{base: newBase(class, o), kind: kind}
	l.err = o.check(class)
	return l
}

// Add returns keras.layers.Add: the sum of its inputs.
func Add(opts ...Option) *MergeLayer { return newMerge("Add", runtime.MergeAdd, opts) }

// Subtract returns keras.layers.Subtract: x0 − x1.
func Subtract(opts ...Option) *MergeLayer {
	return newMerge("Subtract", runtime.MergeSubtract, opts)
}

// Multiply returns keras.layers.Multiply: the elementwise product.
func Multiply(opts ...Option) *MergeLayer {
	return newMerge("Multiply", runtime.MergeMultiply, opts)
}

// Average returns keras.layers.Average: the sum divided by the number of
// inputs.
func Average(opts ...Option) *MergeLayer { return newMerge("Average", runtime.MergeAverage, opts) }

// Maximum returns keras.layers.Maximum: the elementwise maximum.
func Maximum(opts ...Option) *MergeLayer { return newMerge("Maximum", runtime.MergeMaximum, opts) }

// Minimum returns keras.layers.Minimum: the elementwise minimum.
func Minimum(opts ...Option) *MergeLayer { return newMerge("Minimum", runtime.MergeMinimum, opts) }

// Concatenate returns keras.layers.Concatenate(axis): inputs joined along
// axis of the batched shape (default -1, the last).
func Concatenate(axis int, opts ...Option) *MergeLayer {
	l := newMerge("Concatenate", 0, opts)
	l.concat, l.axis = true, axis
	return l
}

// Build is for one input; merge layers need BuildMulti.
func (l *MergeLayer) Build(in []int) error {
	return l.errorf("is called on several inputs, got one of shape %v", in)
}

// BuildMulti checks the input shapes and computes the output shape.
func (l *MergeLayer) BuildMulti(in [][]int) error {
	if l.err != nil {
		return fmt.Errorf("layers: %s %q: %w", l.class, l.name, l.err)
	}
	if l.built {
		return nil
	}
	if len(in) < 2 || (l.kind == runtime.MergeSubtract && !l.concat && len(in) != 2) {
		return l.errorf("called on %d inputs", len(in))
	}
	out := append([]int(nil), in[0]...)
	if l.concat {
		ax := l.axis
		if ax < 0 {
			ax += len(out) + 1
		}
		if ax < 1 || ax > len(out) {
			return l.errorf("axis %d is out of range for inputs of shape %v", l.axis, in[0])
		}
		out[ax-1] = 0
		for _, s := range in {
			if len(s) != len(out) {
				return l.errorf("inputs of shapes %v and %v", in[0], s)
			}
			for d := range s {
				if d != ax-1 && s[d] != out[d] {
					return l.errorf("inputs of shapes %v and %v differ off axis %d", in[0], s, l.axis)
				}
			}
			out[ax-1] += s[ax-1]
		}
	} else {
		for _, s := range in[1:] {
			if !equalInts(s, in[0]) {
				return l.errorf("inputs of shapes %v and %v: kerago merges inputs of equal shapes", in[0], s)
			}
		}
	}
	l.inputs, l.outShape, l.built = in, out, true
	l.inShape = in[0]
	return nil
}

// OutputShapes returns the one output's shape.
func (l *MergeLayer) OutputShapes() [][]int { return [][]int{l.OutputShape()} }

// Emit is for one input; merge layers are called through EmitMulti.
func (l *MergeLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	return nil, l.errorf("is called on several inputs, got one")
}

// EmitMulti merges the inputs.
func (l *MergeLayer) EmitMulti(g *runtime.Graph, xs []*G.Node, training bool) ([]*G.Node, error) {
	var out *G.Node
	var err error
	if l.concat {
		ax := l.axis
		if ax >= 0 {
			ax = ax - len(l.outShape) - 1
		}
		out, err = g.Concat(ax, xs...)
	} else {
		out, err = g.Merge(l.kind, xs...)
	}
	if err != nil {
		return nil, err
	}
	return []*G.Node{out}, nil
}

// Config returns Keras 3's config of the layer.
func (l *MergeLayer) Config() map[string]any {
	c := l.baseConfig()
	if l.concat {
		c["axis"] = l.axis
	}
	return c
}

// mergeFromConfig builds a merge layer from its Keras config; ok is false
// for other classes.
func mergeFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	switch class {
	case "Add":
		return Add(common...), true
	case "Subtract":
		return Subtract(common...), true
	case "Multiply":
		return Multiply(common...), true
	case "Average":
		return Average(common...), true
	case "Maximum":
		return Maximum(common...), true
	case "Minimum":
		return Minimum(common...), true
	case "Concatenate":
		return Concatenate(r.int("axis", -1), common...), true
	case "Dot":
		ax := r.ints("axes")
		if ax == nil {
			a := r.int("axes", -1)
			ax = []int{a, a}
		}
		if len(ax) == 1 {
			ax = append(ax, ax[0])
		}
		if len(ax) != 2 {
			r.fail("axes", r.c["axes"], "an integer or a pair of integers")
			return nil, true
		}
		return Dot(ax[0], ax[1], r.bool("normalize", false), common...), true
	}
	return nil, false
}

// DotLayer is keras.layers.Dot: the per-sample dot product of two inputs
// along one axis each, optionally of L2-normalized inputs (cosine
// similarity).
type DotLayer struct {
	base
	axes      [2]int
	normalize bool
	resolved  [2]int // axes of the batched inputs, ≥ 1
}

var _ MultiLayer = (*DotLayer)(nil)

// Dot returns keras.layers.Dot(axes=(a0, a1), normalize); axes count the
// batch axis as 0 (negative values count from the end).
func Dot(a0, a1 int, normalize bool, opts ...Option) *DotLayer {
	o := collect(opts)
	l := &DotLayer{base: newBase("Dot", o), axes: [2]int{a0, a1}, normalize: normalize}
	l.err = o.check("Dot")
	return l
}

// Build is for one input; Dot needs BuildMulti.
func (l *DotLayer) Build(in []int) error {
	return l.errorf("is called on two inputs, got one of shape %v", in)
}

// BuildMulti checks the two input shapes and computes the output shape.
func (l *DotLayer) BuildMulti(in [][]int) error {
	if l.err != nil {
		return fmt.Errorf("layers: %s %q: %w", l.class, l.name, l.err)
	}
	if l.built {
		return nil
	}
	if len(in) != 2 {
		return l.errorf("called on %d inputs, want 2", len(in))
	}
	var out []int
	for i, s := range in {
		rank := len(s) + 1
		a := l.axes[i]
		if a < 0 {
			a = ((a % rank) + rank) % rank
		}
		if a < 1 || a >= rank {
			return l.errorf("axis %d of input %d (shape %v) is not a per-sample axis", l.axes[i], i, s)
		}
		l.resolved[i] = a
		for d, v := range s {
			if d != a-1 {
				out = append(out, v)
			}
		}
	}
	if in[0][l.resolved[0]-1] != in[1][l.resolved[1]-1] {
		return l.errorf("inputs of shapes %v and %v differ on the dot axes", in[0], in[1])
	}
	if len(out) == 0 {
		out = []int{1}
	}
	l.inShape, l.outShape, l.built = in[0], out, true
	return nil
}

// OutputShapes returns the one output's shape.
func (l *DotLayer) OutputShapes() [][]int { return [][]int{l.OutputShape()} }

// Emit is for one input; Dot is called through EmitMulti.
func (l *DotLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	return nil, l.errorf("is called on two inputs, got one")
}

// EmitMulti computes the dot product.
func (l *DotLayer) EmitMulti(g *runtime.Graph, xs []*G.Node, training bool) ([]*G.Node, error) {
	if len(xs) != 2 {
		return nil, l.errorf("called on %d inputs, want 2", len(xs))
	}
	x, y := xs[0], xs[1]
	var err error
	if l.normalize {
		if x, err = g.L2Normalize(x, l.resolved[0]); err != nil {
			return nil, err
		}
		if y, err = g.L2Normalize(y, l.resolved[1]); err != nil {
			return nil, err
		}
	}
	out, err := g.BatchDot(x, y, l.resolved[0], l.resolved[1])
	if err != nil {
		return nil, err
	}
	return []*G.Node{out}, nil
}

// Config returns Keras 3's Dot config.
func (l *DotLayer) Config() map[string]any {
	c := l.baseConfig()
	if l.axes[0] == l.axes[1] {
		c["axes"] = l.axes[0]
	} else {
		c["axes"] = []any{l.axes[0], l.axes[1]}
	}
	c["normalize"] = l.normalize
	return c
}
