package layers

import (
	"fmt"

	"github.com/kerago/kerago/keras/constraints"
	"github.com/kerago/kerago/keras/initializers"
	"github.com/kerago/kerago/keras/regularizers"
	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
)

// Options of the spatial layers (convolution, pooling, resampling).

// WithStrides sets the strides of a convolution or pooling layer (one
// value for every spatial axis, or one per axis).
func WithStrides(s ...int) Option {
	return func(o *options) { o.strides = append([]int{}, s...); o.set("strides") }
}

// WithDilationRate sets a convolution's dilation rate.
func WithDilationRate(d ...int) Option {
	return func(o *options) { o.dilation = append([]int{}, d...); o.set("dilation_rate") }
}

// WithPadding sets "valid" (default), "same" or, for Conv1D, "causal".
func WithPadding(p string) Option { return func(o *options) { o.padding = &p; o.set("padding") } }

// WithDataFormat sets "channels_last" (default) or "channels_first".
func WithDataFormat(f string) Option {
	return func(o *options) { o.dataFormat = &f; o.set("data_format") }
}

// WithGroups splits a convolution's channels into groups (default 1).
func WithGroups(n int) Option { return func(o *options) { o.groups = n; o.set("groups") } }

// WithDepthMultiplier sets the output channels per input channel of a
// depthwise or separable convolution (default 1).
func WithDepthMultiplier(n int) Option {
	return func(o *options) { o.depthMultiplier = n; o.set("depth_multiplier") }
}

// WithKeepDims keeps the pooled axes (size 1) in global pooling.
func WithKeepDims(k bool) Option { return func(o *options) { o.keepdims = &k; o.set("keepdims") } }

// WithInterpolation sets a resampling layer's interpolation ("nearest",
// "bilinear", ...).
func WithInterpolation(i string) Option {
	return func(o *options) { o.interpolation = &i; o.set("interpolation") }
}

// WithOutputPadding sets a transposed convolution's output_padding.
func WithOutputPadding(p ...int) Option {
	return func(o *options) { o.outputPadding = append([]int{}, p...); o.set("output_padding") }
}

// WithDepthwiseInitializer sets the depthwise kernel's initializer.
func WithDepthwiseInitializer(i initializers.Initializer) Option {
	return func(o *options) { o.depthwiseInit = i; o.set("depthwise_initializer") }
}

// WithPointwiseInitializer sets a separable convolution's pointwise kernel
// initializer.
func WithPointwiseInitializer(i initializers.Initializer) Option {
	return func(o *options) { o.pointwiseInit = i; o.set("pointwise_initializer") }
}

// WithDepthwiseRegularizer adds a penalty on the depthwise kernel.
func WithDepthwiseRegularizer(r regularizers.Regularizer) Option {
	return func(o *options) { o.depthwiseReg = r; o.set("depthwise_regularizer") }
}

// WithPointwiseRegularizer adds a penalty on the pointwise kernel.
func WithPointwiseRegularizer(r regularizers.Regularizer) Option {
	return func(o *options) { o.pointwiseReg = r; o.set("pointwise_regularizer") }
}

// WithDepthwiseConstraint constrains the depthwise kernel.
func WithDepthwiseConstraint(c constraints.Constraint) Option {
	return func(o *options) { o.depthwiseCons = c; o.set("depthwise_constraint") }
}

// WithPointwiseConstraint constrains the pointwise kernel.
func WithPointwiseConstraint(c constraints.Constraint) Option {
	return func(o *options) { o.pointwiseCons = c; o.set("pointwise_constraint") }
}

// spatialAxes expands a per-axis option (nil: def; one value: every axis)
// to rank values.
func spatialAxes(v []int, rank, def int, what string) ([]int, error) {
	switch len(v) {
	case 0:
		out := make([]int, rank)
		for i := range out {
			out[i] = def
		}
		return out, nil
	case 1:
		out := make([]int, rank)
		for i := range out {
			out[i] = v[0]
		}
		return out, nil
	case rank:
		return append([]int(nil), v...), nil
	}
	return nil, fmt.Errorf("%s %v: want 1 or %d values", what, v, rank)
}

func strOr(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

// channelsFirst reports data_format "channels_first", checking the value.
func channelsFirst(f string) (bool, error) {
	switch f {
	case "channels_last", "":
		return false, nil
	case "channels_first":
		return true, nil
	}
	return false, fmt.Errorf("data_format %q, want channels_last or channels_first", f)
}

// toLast moves the channel axis of a channels_first batch (N, C, s...) to
// the end; toFirst undoes it.
func toLast(x *G.Node) (*G.Node, error) {
	r := x.Dims()
	p := []int{0}
	for i := 2; i < r; i++ {
		p = append(p, i)
	}
	return G.Transpose(x, append(p, 1)...)
}

func toFirst(x *G.Node) (*G.Node, error) {
	r := x.Dims()
	p := []int{0, r - 1}
	for i := 1; i < r-1; i++ {
		p = append(p, i)
	}
	return G.Transpose(x, p...)
}

// lastShape returns a per-sample shape in channels_last order.
func lastShape(in []int, first bool) []int {
	if !first {
		return append([]int(nil), in...)
	}
	return append(append([]int(nil), in[1:]...), in[0])
}

// firstShape converts a channels_last per-sample shape back.
func firstShape(s []int, first bool) []int {
	if !first {
		return s
	}
	return append([]int{s[len(s)-1]}, s[:len(s)-1]...)
}

// emitChannelsLast runs f on x in channels_last order, transposing around
// it for channels_first layers.
func emitChannelsLast(x *G.Node, first bool, f func(*G.Node) (*G.Node, error)) (*G.Node, error) {
	if !first {
		return f(x)
	}
	xl, err := toLast(x)
	if err != nil {
		return nil, err
	}
	y, err := f(xl)
	if err != nil {
		return nil, err
	}
	return toFirst(y)
}

var _ = runtime.ConvOutputSize
