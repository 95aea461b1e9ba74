package layers

import (
	"fmt"

	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
)

// resampleKind tells the resampling layers apart.
type resampleKind uint8

const (
	resamplePad resampleKind = iota
	resampleCrop
	resampleUp
)

// ResampleLayer is one of Keras's ZeroPadding1D/2D/3D, Cropping1D/2D/3D
// and UpSampling1D/2D/3D layers (spec keras-layers.md §4.1, §4.2).
type ResampleLayer struct {
	base
	kind          resampleKind
	rank          int
	before, after []int // padding or cropping per spatial axis
	size          []int // upsampling factors
	interp        string
	first         bool
}

var resampleClasses = map[string]struct {
	kind resampleKind
	rank int
}{
	"ZeroPadding1D": {resamplePad, 1}, "ZeroPadding2D": {resamplePad, 2}, "ZeroPadding3D": {resamplePad, 3},
	"Cropping1D": {resampleCrop, 1}, "Cropping2D": {resampleCrop, 2}, "Cropping3D": {resampleCrop, 3},
	"UpSampling1D": {resampleUp, 1}, "UpSampling2D": {resampleUp, 2}, "UpSampling3D": {resampleUp, 3},
}

func newResample(class string, amounts [][2]int, size []int, opts []Option) *ResampleLayer {
	o := collect(opts)
	rc := resampleClasses[class]
	l := &ResampleLayer{base: newBase(class, o), kind: rc.kind, rank: rc.rank, interp: strOr(o.interpolation, "nearest")}
	var err error
	if l.first, err = channelsFirst(strOr(o.dataFormat, "channels_last")); err != nil {
		l.err = err
	}
	allowed := []string{"data_format"}
	if rc.kind == resampleUp {
		allowed = append(allowed, "interpolation")
		if l.size, err = spatialAxes(size, l.rank, 2, "size"); err != nil {
			l.err = err
		}
		if l.interp != "nearest" && l.interp != "bilinear" && l.interp != "bicubic" {
			l.err = fmt.Errorf("interpolation %q, want nearest, bilinear or bicubic", l.interp)
		}
	} else {
		if len(amounts) != l.rank {
			l.err = fmt.Errorf("%d (before, after) pairs for %d spatial axes", len(amounts), l.rank)
		}
		for _, a := range amounts {
			if a[0] < 0 || a[1] < 0 {
				l.err = fmt.Errorf("negative amounts %v", amounts)
			}
			l.before, l.after = append(l.before, a[0]), append(l.after, a[1])
		}
	}
	if e := o.check(class, allowed...); e != nil && l.err == nil {
		l.err = e
	}
	return l
}

// ZeroPadding2D returns keras.layers.ZeroPadding2D(((top, bottom), (left,
// right))); ZeroPadding1D and ZeroPadding3D take one pair per axis too.
func ZeroPadding2D(top, bottom, left, right int, opts ...Option) *ResampleLayer {
	return newResample("ZeroPadding2D", [][2]int{{top, bottom}, {left, right}}, nil, opts)
}

// ZeroPadding1D returns keras.layers.ZeroPadding1D((left, right)).
func ZeroPadding1D(left, right int, opts ...Option) *ResampleLayer {
	return newResample("ZeroPadding1D", [][2]int{{left, right}}, nil, opts)
}

// ZeroPadding3D returns keras.layers.ZeroPadding3D with one (before,
// after) pair per spatial axis.
func ZeroPadding3D(pads [3][2]int, opts ...Option) *ResampleLayer {
	return newResample("ZeroPadding3D", pads[:], nil, opts)
}

// Cropping1D returns keras.layers.Cropping1D((left, right)).
func Cropping1D(left, right int, opts ...Option) *ResampleLayer {
	return newResample("Cropping1D", [][2]int{{left, right}}, nil, opts)
}

// Cropping2D returns keras.layers.Cropping2D(((top, bottom), (left, right))).
func Cropping2D(top, bottom, left, right int, opts ...Option) *ResampleLayer {
	return newResample("Cropping2D", [][2]int{{top, bottom}, {left, right}}, nil, opts)
}

// Cropping3D returns keras.layers.Cropping3D with one (before, after) pair
// per spatial axis.
func Cropping3D(crops [3][2]int, opts ...Option) *ResampleLayer {
	return newResample("Cropping3D", crops[:], nil, opts)
}

// UpSampling1D returns keras.layers.UpSampling1D(size).
func UpSampling1D(size int, opts ...Option) *ResampleLayer {
	return newResample("UpSampling1D", nil, []int{size}, opts)
}

// UpSampling2D returns keras.layers.UpSampling2D(size) (nearest, or
// WithInterpolation("bilinear")).
func UpSampling2D(size []int, opts ...Option) *ResampleLayer {
	return newResample("UpSampling2D", nil, size, opts)
}

// UpSampling3D returns keras.layers.UpSampling3D(size).
func UpSampling3D(size []int, opts ...Option) *ResampleLayer {
	return newResample("UpSampling3D", nil, size, opts)
}

// Build computes the output shape.
func (l *ResampleLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	if len(in) != l.rank+1 {
		return l.errorf("needs inputs of rank %d (spatial axes and channels), got per-sample shape %v", l.rank+1, in)
	}
	sh := lastShape(in, l.first)
	out := append([]int(nil), sh...)
	for a := 0; a < l.rank; a++ {
		switch l.kind {
		case resamplePad:
			out[a] += l.before[a] + l.after[a]
		case resampleCrop:
			out[a] -= l.before[a] + l.after[a]
		case resampleUp:
			out[a] *= l.size[a]
		}
		if out[a] < 1 {
			return l.errorf("cropping %v/%v leaves nothing of input %v", l.before, l.after, in)
		}
	}
	l.inShape, l.outShape, l.built = append([]int(nil), in...), firstShape(out, l.first), true
	return nil
}

// Emit pads, crops or resamples.
func (l *ResampleLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	return emitChannelsLast(x, l.first, func(x *G.Node) (*G.Node, error) {
		switch l.kind {
		case resamplePad:
			return g.Pad(x, l.before, l.after, 0)
		case resampleCrop:
			return g.Crop(x, l.before, l.after)
		}
		if l.interp == "nearest" {
			return g.UpsampleNearest(x, l.size)
		}
		sh := []int(x.Shape())
		out := make([]int, l.rank)
		for a := range out {
			out[a] = sh[1+a] * l.size[a]
		}
		return g.Resize(x, out, runtime.ResizeParams{Interpolation: l.interp})
	})
}

// Config returns Keras 3's config of the layer.
func (l *ResampleLayer) Config() map[string]any {
	c := l.baseConfig()
	switch l.kind {
	case resampleUp:
		c["size"] = intsAny(l.size)
		if l.rank == 1 {
			c["size"] = l.size[0]
		}
		if l.rank == 2 {
			c["interpolation"] = l.interp
		}
	default:
		key := "padding"
		if l.kind == resampleCrop {
			key = "cropping"
		}
		if l.rank == 1 {
			c[key] = []any{l.before[0], l.after[0]}
		} else {
			pairs := make([]any, l.rank)
			for a := range pairs {
				pairs[a] = []any{l.before[a], l.after[a]}
			}
			c[key] = pairs
		}
	}
	if l.rank > 1 {
		c["data_format"] = map[bool]string{false: "channels_last", true: "channels_first"}[l.first]
	}
	return c
}

// resamplingFromConfig builds a resampling layer from its normalized Keras
// config (padding/cropping as one [before, after] pair per axis).
func resamplingFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	rc, ok := resampleClasses[class]
	if !ok {
		if class == "RepeatVector" {
			return RepeatVector(r.int("n", 0), common...), true
		}
		return nil, false
	}
	opts := append(common, WithDataFormat(r.str("data_format", "channels_last")))
	if rc.kind == resampleUp {
		if rc.rank == 2 {
			opts = append(opts, WithInterpolation(r.str("interpolation", "nearest")))
		}
		return newResample(class, nil, r.ints("size"), opts), true
	}
	key := "padding"
	if rc.kind == resampleCrop {
		key = "cropping"
	}
	var pairs [][2]int
	if rc.rank == 1 {
		flat := r.ints(key)
		if len(flat) != 2 {
			r.fail(key, r.c[key], "a [before, after] pair")
			return nil, true
		}
		pairs = [][2]int{{flat[0], flat[1]}}
	} else {
		vals, shape := r.floats(key)
		if len(shape) != 2 || shape[0] != rc.rank || shape[1] != 2 {
			r.fail(key, r.c[key], fmt.Sprintf("%d [before, after] pairs", rc.rank))
			return nil, true
		}
		for a := 0; a < rc.rank; a++ {
			pairs = append(pairs, [2]int{int(vals[2*a]), int(vals[2*a+1])})
		}
	}
	return newResample(class, pairs, nil, opts), true
}

// RepeatVectorLayer is keras.layers.RepeatVector(n): (batch, F) →
// (batch, n, F).
type RepeatVectorLayer struct {
	base
	n int
}

// RepeatVector returns keras.layers.RepeatVector(n).
func RepeatVector(n int, opts ...Option) *RepeatVectorLayer {
	o := collect(opts)
	l := &RepeatVectorLayer{base: newBase("RepeatVector", o), n: n}
	l.err = o.check("RepeatVector")
	if n <= 0 && l.err == nil {
		l.err = fmt.Errorf("n is %d, want a positive number", n)
	}
	return l
}

// Build computes (n, F).
func (l *RepeatVectorLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	if len(in) != 1 {
		return l.errorf("needs inputs of shape (batch, features), got per-sample shape %v", in)
	}
	l.inShape, l.outShape, l.built = append([]int(nil), in...), []int{l.n, in[0]}, true
	return nil
}

// Emit repeats the features n times (as an upsampling of a length-1
// sequence).
func (l *RepeatVectorLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	s := []int(x.Shape())
	h, err := G.Reshape(x, []int{s[0], 1, s[1]})
	if err != nil {
		return nil, err
	}
	return g.UpsampleNearest(h, []int{l.n})
}

// Config returns Keras 3's RepeatVector config.
func (l *RepeatVectorLayer) Config() map[string]any {
	c := l.baseConfig()
	c["n"] = l.n
	return c
}
