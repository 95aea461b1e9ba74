package layers

import (
	"fmt"

	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// PoolingLayer is one of Keras's pooling layers: MaxPooling1D/2D/3D,
// AveragePooling1D/2D/3D (spec keras-layers.md §3; "same" padding never
// takes part: max over real cells, average over the number of real cells)
// and GlobalMaxPooling1D/2D/3D, GlobalAveragePooling1D/2D/3D (keepdims).
type PoolingLayer struct {
	base
	max, global bool
	rank        int
	size        []int
	strides     []int
	padding     string
	first       bool
	keepdims    bool
	padBefore   []int
	padAfter    []int
}

var poolClasses = map[string]struct {
	max, global bool
	rank        int
}{
	"MaxPooling1D": {true, false, 1}, "MaxPooling2D": {true, false, 2}, "MaxPooling3D": {true, false, 3},
	"AveragePooling1D": {false, false, 1}, "AveragePooling2D": {false, false, 2}, "AveragePooling3D": {false, false, 3},
	"GlobalMaxPooling1D": {true, true, 1}, "GlobalMaxPooling2D": {true, true, 2}, "GlobalMaxPooling3D": {true, true, 3},
	"GlobalAveragePooling1D": {false, true, 1}, "GlobalAveragePooling2D": {false, true, 2}, "GlobalAveragePooling3D": {false, true, 3},
}

func newPool(class string, size []int, opts []Option) *PoolingLayer {
	o := collect(opts)
	pc := poolClasses[class]
	l := &PoolingLayer{base: newBase(class, o), max: pc.max, global: pc.global, rank: pc.rank,
		padding: strOr(o.padding, "valid"), keepdims: o.keepdims != nil && *o.keepdims}
	var err error
	if l.first, err = channelsFirst(strOr(o.dataFormat, "channels_last")); err != nil {
		l.err = err
	}
	allowed := []string{"data_format", "keepdims"}
	if !pc.global {
		allowed = []string{"data_format", "strides", "padding"}
		if l.size, err = spatialAxes(size, l.rank, 2, "pool_size"); err != nil {
			l.err = err
		} else if l.strides, err = spatialAxes(o.strides, l.rank, 0, "strides"); err != nil {
			l.err = err
		}
		for i := range l.strides {
			if l.strides[i] == 0 {
				l.strides[i] = l.size[i]
			}
		}
		if l.padding != "valid" && l.padding != "same" {
			l.err = fmt.Errorf("padding %q, want valid or same", l.padding)
		}
	}
	if e := o.check(class, allowed...); e != nil && l.err == nil {
		l.err = e
	}
	return l
}

// MaxPooling1D returns keras.layers.MaxPooling1D(pool_size).
func MaxPooling1D(size int, opts ...Option) *PoolingLayer {
	return newPool("MaxPooling1D", []int{size}, opts)
}

// MaxPooling2D returns keras.layers.MaxPooling2D(pool_size): one value or
// one per axis (default 2×2).
func MaxPooling2D(size []int, opts ...Option) *PoolingLayer {
	return newPool("MaxPooling2D", size, opts)
}

// MaxPooling3D returns keras.layers.MaxPooling3D(pool_size).
func MaxPooling3D(size []int, opts ...Option) *PoolingLayer {
	return newPool("MaxPooling3D", size, opts)
}

// AveragePooling1D returns keras.layers.AveragePooling1D(pool_size).
func AveragePooling1D(size int, opts ...Option) *PoolingLayer {
	return newPool("AveragePooling1D", []int{size}, opts)
}

// AveragePooling2D returns keras.layers.AveragePooling2D(pool_size).
func AveragePooling2D(size []int, opts ...Option) *PoolingLayer {
	return newPool("AveragePooling2D", size, opts)
}

// AveragePooling3D returns keras.layers.AveragePooling3D(pool_size).
func AveragePooling3D(size []int, opts ...Option) *PoolingLayer {
	return newPool("AveragePooling3D", size, opts)
}

// GlobalMaxPooling1D returns keras.layers.GlobalMaxPooling1D.
func GlobalMaxPooling1D(opts ...Option) *PoolingLayer {
	return newPool("GlobalMaxPooling1D", nil, opts)
}

// GlobalMaxPooling2D returns keras.layers.GlobalMaxPooling2D.
func GlobalMaxPooling2D(opts ...Option) *PoolingLayer {
	return newPool("GlobalMaxPooling2D", nil, opts)
}

// GlobalMaxPooling3D returns keras.layers.GlobalMaxPooling3D.
func GlobalMaxPooling3D(opts ...Option) *PoolingLayer {
	return newPool("GlobalMaxPooling3D", nil, opts)
}

// GlobalAveragePooling1D returns keras.layers.GlobalAveragePooling1D.
func GlobalAveragePooling1D(opts ...Option) *PoolingLayer {
	return newPool("GlobalAveragePooling1D", nil, opts)
}

// GlobalAveragePooling2D returns keras.layers.GlobalAveragePooling2D.
func GlobalAveragePooling2D(opts ...Option) *PoolingLayer {
	return newPool("GlobalAveragePooling2D", nil, opts)
}

// GlobalAveragePooling3D returns keras.layers.GlobalAveragePooling3D.
func GlobalAveragePooling3D(opts ...Option) *PoolingLayer {
	return newPool("GlobalAveragePooling3D", nil, opts)
}

// Build computes the output shape and the paddings.
func (l *PoolingLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	if len(in) != l.rank+1 {
		return l.errorf("needs inputs of rank %d (spatial axes and channels), got per-sample shape %v", l.rank+1, in)
	}
	sh := lastShape(in, l.first)
	out := make([]int, 0, l.rank+1)
	if l.global {
		if l.keepdims {
			for range l.rank {
				out = append(out, 1)
			}
			out = append(out, sh[l.rank])
			out = firstShape(out, l.first)
		} else {
			out = append(out, sh[l.rank])
		}
	} else {
		l.padBefore, l.padAfter = make([]int, l.rank), make([]int, l.rank)
		for a := 0; a < l.rank; a++ {
			n, pb, pa, err := runtime.ConvOutputSize(sh[a], l.size[a], l.strides[a], 1, l.padding)
			if err != nil {
				return l.errorf("input shape %v: %v", in, err)
			}
			out = append(out, n)
			l.padBefore[a], l.padAfter[a] = pb, pa
		}
		out = firstShape(append(out, sh[l.rank]), l.first)
	}
	l.inShape, l.outShape, l.built = append([]int(nil), in...), out, true
	return nil
}

// Emit pools.
func (l *PoolingLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	if l.global {
		if y, ok, err := l.maskedAverage(g, x); ok {
			return y, err
		}
		xl := x
		var err error
		if l.first {
			if xl, err = toLast(x); err != nil {
				return nil, err
			}
		}
		y, err := g.GlobalPool(xl, l.max, l.keepdims)
		if err != nil || !l.keepdims || !l.first {
			return y, err
		}
		return G.Reshape(y, gt.Shape(append([]int{x.Shape()[0]}, l.outShape...)))
	}
	p := runtime.PoolParams{Max: l.max, Size: l.size, Strides: l.strides, PadBefore: l.padBefore, PadAfter: l.padAfter}
	return emitChannelsLast(x, l.first, func(x *G.Node) (*G.Node, error) { return g.Pool(x, p) })
}

// Config returns Keras 3's config of the layer.
func (l *PoolingLayer) Config() map[string]any {
	c := l.baseConfig()
	if !l.global {
		c["pool_size"] = intsAny(l.size)
		c["padding"] = l.padding
		c["strides"] = intsAny(l.strides)
	}
	c["data_format"] = map[bool]string{false: "channels_last", true: "channels_first"}[l.first]
	if l.global {
		c["keepdims"] = l.keepdims
	}
	return c
}

// poolingFromConfig builds a pooling layer from its Keras 3 config.
func poolingFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	pc, ok := poolClasses[class]
	if !ok {
		return nil, false
	}
	opts := append(common, WithDataFormat(r.str("data_format", "channels_last")))
	if pc.global {
		opts = append(opts, WithKeepDims(r.bool("keepdims", false)))
		return newPool(class, nil, opts), true
	}
	opts = append(opts, WithPadding(r.str("padding", "valid")))
	if s := r.ints("strides"); s != nil && r.c["strides"] != nil {
		opts = append(opts, WithStrides(s...))
	}
	return newPool(class, r.ints("pool_size"), opts), true
}
