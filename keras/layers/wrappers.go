package layers

import (
	"fmt"

	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// BidirectionalLayer is keras.layers.Bidirectional: a forward and a
// backward (go_backwards) RNN over the same input, merged (spec
// keras-layers.md §7.5). merge_mode "" is Keras's None: two outputs.
type BidirectionalLayer struct {
	base
	fwd, bwd *RNNLayer
	mode     string
}

var _ MultiLayer = (*BidirectionalLayer)(nil)

// Bidirectional returns keras.layers.Bidirectional(forward,
// backward_layer=backward, merge_mode=mode); backward nil makes a copy of
// forward's configuration with go_backwards flipped. mode is concat, sum,
// mul, ave or "" (None).
func Bidirectional(forward, backward *RNNLayer, mode string, opts ...Option) *BidirectionalLayer {
	o := collect(opts)
	l := &BidirectionalLayer{base: newBase("Bidirectional", o), fwd: forward, bwd: backward, mode: mode}
	if l.bwd == nil && forward != nil {
		cfg := forward.cfg
		cfg.GoBackwards = !cfg.GoBackwards
		bo := []Option{WithName("backward_" + forward.name), WithKerasMajor(forward.major)}
		if forward.seed != nil {
			bo = append(bo, WithSeed(*forward.seed))
		}
		l.bwd = newRNN(forward.class, forward.gates, forward.units, cfg, bo)
	}
	switch {
	case forward == nil:
		l.err = fmt.Errorf("needs a recurrent layer")
	case mode != "concat" && mode != "sum" && mode != "mul" && mode != "ave" && mode != "":
		l.err = fmt.Errorf("merge_mode %q, want concat, sum, mul, ave or None", mode)
	case forward.cfg.ReturnSequences != l.bwd.cfg.ReturnSequences || forward.cfg.ReturnState != l.bwd.cfg.ReturnState:
		l.err = fmt.Errorf("forward and backward layers differ in return_sequences/return_state")
	}
	if l.err == nil {
		// Keras forces zero_output_for_mask = return_sequences on both
		for _, r := range []*RNNLayer{l.fwd, l.bwd} {
			r.cfg.ZeroOutputForMask = r.cfg.ReturnSequences
		}
	}
	if e := o.check("Bidirectional"); e != nil && l.err == nil {
		l.err = e
	}
	return l
}

// Build builds both directions.
func (l *BidirectionalLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	for _, r := range []*RNNLayer{l.fwd, l.bwd} {
		r.noInit = l.noInit
		err := r.Build(in)
		r.noInit = false
		if err != nil {
			return err
		}
	}
	l.vars = append(l.fwd.Variables(), l.bwd.Variables()...)
	out := l.fwd.OutputShape()
	if l.mode == "concat" {
		out[len(out)-1] += l.bwd.OutputShape()[len(out)-1]
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), out, true
	return nil
}

// BuildMulti builds the layer on its one input.
func (l *BidirectionalLayer) BuildMulti(in [][]int) error {
	if len(in) != 1 {
		return l.errorf("called on %d inputs; kerago does not pass initial states", len(in))
	}
	return l.Build(in[0])
}

// OutputShapes: the merged output (two with merge_mode None), then the
// forward and the backward states with return_state.
func (l *BidirectionalLayer) OutputShapes() [][]int {
	out := [][]int{l.OutputShape()}
	if l.mode == "" {
		out = [][]int{l.fwd.OutputShape(), l.bwd.OutputShape()}
	}
	if l.fwd.cfg.ReturnState {
		out = append(out, l.fwd.OutputShapes()[1:]...)
		out = append(out, l.bwd.OutputShapes()[1:]...)
	}
	return out
}

// Emit returns the first output.
func (l *BidirectionalLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	outs, err := l.EmitMulti(g, []*G.Node{x}, training)
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

// EmitMulti runs both directions; with return_sequences the backward
// sequence is put back in time order before merging.
func (l *BidirectionalLayer) EmitMulti(g *runtime.Graph, xs []*G.Node, training bool) ([]*G.Node, error) {
	if len(xs) != 1 {
		return nil, l.errorf("called on %d inputs", len(xs))
	}
	x, mask := xs[0], g.Mask(xs[0])
	var ys []*G.Node
	var states []*G.Node
	for i, r := range []*RNNLayer{l.fwd, l.bwd} {
		seq, err := r.sequence(g, x, mask, i == 1, training)
		if err != nil {
			return nil, l.errorf("%v", err)
		}
		ys = append(ys, seq[0])
		if l.fwd.cfg.ReturnState {
			states = append(states, seq[1:]...)
		}
	}
	outs, err := l.merge(g, ys)
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	if mask != nil && l.fwd.cfg.ReturnSequences {
		for _, o := range outs {
			g.SetMask(o, mask)
		}
	}
	if l.fwd.cfg.ReturnState {
		outs = append(outs, states...)
	}
	return outs, nil
}

func (l *BidirectionalLayer) merge(g *runtime.Graph, ys []*G.Node) ([]*G.Node, error) {
	var out *G.Node
	var err error
	switch l.mode {
	case "":
		return ys, nil
	case "concat":
		out, err = g.Concat(-1, ys...)
	case "sum":
		out, err = g.Merge(runtime.MergeAdd, ys...)
	case "mul":
		out, err = g.Merge(runtime.MergeMultiply, ys...)
	case "ave":
		out, err = g.Merge(runtime.MergeAverage, ys...)
	}
	return []*G.Node{out}, err
}

// Forward returns the forward recurrent layer.
func (l *BidirectionalLayer) Forward() *RNNLayer { return l.fwd }

// Backward returns the backward recurrent layer.
func (l *BidirectionalLayer) Backward() *RNNLayer { return l.bwd }

// SetName renames the layer; its sublayers keep their names.
func (l *BidirectionalLayer) SetName(n string) { l.name = n }

// Config returns Keras 3's Bidirectional config.
func (l *BidirectionalLayer) Config() map[string]any {
	c := l.baseConfig()
	var mm any = l.mode
	if l.mode == "" {
		mm = nil
	}
	c["merge_mode"] = mm
	c["layer"] = serialObj("keras.layers", l.fwd.class, l.fwd.Config())
	c["backward_layer"] = serialObj("keras.layers", l.bwd.class, l.bwd.Config())
	return c
}

// TimeDistributedLayer is keras.layers.TimeDistributed: the wrapped layer
// applied to every step x[:, t] (as one batch of batch·steps rows).
type TimeDistributedLayer struct {
	base
	inner Layer
}

// TimeDistributed returns keras.layers.TimeDistributed(inner).
func TimeDistributed(inner Layer, opts ...Option) *TimeDistributedLayer {
	o := collect(opts)
	l := &TimeDistributedLayer{base: newBase("TimeDistributed", o), inner: inner}
	if _, multi := inner.(MultiLayer); multi {
		l.err = fmt.Errorf("wraps %s, which kerago calls on several inputs or outputs", inner.ClassName())
	}
	if e := o.check("TimeDistributed"); e != nil && l.err == nil {
		l.err = e
	}
	return l
}

// SupportsMasking: the output keeps the input's mask.
func (l *TimeDistributedLayer) SupportsMasking() bool { return true }

// Build builds the wrapped layer on the per-step shape.
func (l *TimeDistributedLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	if len(in) < 2 {
		return l.errorf("needs inputs of per-sample shape (steps, ...), got %v", in)
	}
	var err error
	if l.noInit {
		err = BuildUninitialized(l.inner, in[1:])
	} else {
		err = l.inner.Build(in[1:])
	}
	if err != nil {
		return err
	}
	l.vars = l.inner.Variables()
	l.inShape, l.outShape, l.built = append([]int{}, in...), append([]int{in[0]}, l.inner.OutputShape()...), true
	return nil
}

// Emit applies the wrapped layer to (batch·steps, ...) and restores the
// steps axis.
func (l *TimeDistributedLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	xs := []int(x.Shape())
	flat, err := G.Reshape(x, gt.Shape(append([]int{xs[0] * xs[1]}, xs[2:]...)))
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	y, err := l.inner.Emit(g, flat, training)
	if err != nil {
		return nil, err
	}
	ys := []int(y.Shape())
	return G.Reshape(y, gt.Shape(append([]int{xs[0], xs[1]}, ys[1:]...)))
}

// SetName renames the wrapper; the wrapped layer keeps its name.
func (l *TimeDistributedLayer) SetName(n string) { l.name = n }

// Config returns Keras 3's TimeDistributed config.
func (l *TimeDistributedLayer) Config() map[string]any {
	c := l.baseConfig()
	c["layer"] = serialObj("keras.layers", l.inner.ClassName(), l.inner.Config())
	return c
}

// wrapperFromConfig builds Bidirectional and TimeDistributed
// from their Keras configs; ok is false for other classes.
func wrapperFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	switch class {
	case "Bidirectional", "TimeDistributed":
	default:
		return nil, false
	}
	major := collect(common).kerasMajor
	inner := func(key string) Layer {
		cls, cfg, _, ok := objConfig(r.c[key])
		if !ok {
			if r.has(key) {
				r.fail(key, r.c[key], "a layer object")
			}
			return nil
		}
		name, _ := cfg["name"].(string)
		var b layerBuilder = fromConfigBuilder{} // an interface call: no init cycle through familyReaders
		l, err := b.build(loader.LayerConfig{ClassName: cls, Name: name, Config: cfg}, major)
		if err != nil && r.err == nil {
			r.err = fmt.Errorf("layers: %s %q: %s: %w", r.class, r.name, key, err)
		}
		return l
	}
	in := inner("layer")
	if r.err != nil {
		return nil, true
	}
	if class == "TimeDistributed" {
		return TimeDistributed(in, common...), true
	}
	fwd, ok := in.(*RNNLayer)
	if !ok {
		r.err = fmt.Errorf("layers: Bidirectional %q wraps %s, kerago wraps SimpleRNN, LSTM or GRU: %w", r.name, in.ClassName(), loader.ErrUnsupported)
		return nil, true
	}
	var bwd *RNNLayer
	if b := inner("backward_layer"); b != nil {
		if bwd, ok = b.(*RNNLayer); !ok {
			r.err = fmt.Errorf("layers: Bidirectional %q: backward_layer is %s: %w", r.name, b.ClassName(), loader.ErrUnsupported)
			return nil, true
		}
	}
	mode := r.str("merge_mode", "concat")
	return Bidirectional(fwd, bwd, mode, common...), true
}

// layerBuilder builds a wrapped layer from its config (FromConfig).
type layerBuilder interface {
	build(lc loader.LayerConfig, kerasMajor int) (Layer, error)
}

type fromConfigBuilder struct{}

func (fromConfigBuilder) build(lc loader.LayerConfig, kerasMajor int) (Layer, error) {
	return FromConfig(lc, kerasMajor)
}
