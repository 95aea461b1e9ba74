package layers

import (
	"fmt"

	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
)

// ConvLSTMLayer is keras.layers.ConvLSTM1D or ConvLSTM2D over inputs
// (batch, steps, spatial..., channels) (channels_first: (batch, steps,
// channels, spatial...)). Per step (spec keras-layers.md §7.7) the four gate
// blocks i, f, c, o (adjacent blocks of filters channels) are
// conv(x_t, kernel, strides, padding, dilation) + bias +
// conv(h, recurrent_kernel, stride 1, "same"); c' = f⊙c + i⊙φ(c̃),
// h' = o⊙φ(c'). It runs as an unrolled gorgonia graph (BPTT in training).
type ConvLSTMLayer struct {
	base
	cell                       *RNNLayer // activations and LSTM settings (units = filters)
	rank, filters              int
	kernel, strides, dilation  []int
	padding                    string
	first                      bool
	padBefore, padAfter        []int // input conv
	recBefore, recAfter        []int // recurrent conv ("same", stride 1)
	outSp                      []int // state spatial size
	kernelV, recurrentV, biasV *runtime.Variable
}

var _ MultiLayer = (*ConvLSTMLayer)(nil)

// ConvLSTMOptions are the convolution settings of a ConvLSTM layer; nil
// Strides or Dilation mean 1, "" Padding means "valid".
type ConvLSTMOptions struct {
	KernelSize, Strides, Dilation []int
	Padding                       string
	ChannelsFirst                 bool
}

// ConvLSTM returns keras.layers.ConvLSTM1D (rank 1) or ConvLSTM2D (rank 2)
// with the given number of filters; cfg holds the LSTM settings.
func ConvLSTM(rank, filters int, co ConvLSTMOptions, cfg RNNConfig, opts ...Option) *ConvLSTMLayer {
	class := fmt.Sprintf("ConvLSTM%dD", rank)
	l := &ConvLSTMLayer{base: newBase(class, collect(opts)), rank: rank, filters: filters,
		padding: nonEmpty(co.Padding, "valid"), first: co.ChannelsFirst}
	l.cell = newRNN("LSTM", 4, filters, cfg, nil)
	var err error
	if l.kernel, err = spatialInts(co.KernelSize, rank, 0, "kernel_size"); err != nil {
		l.err = err
	}
	if l.strides, err = spatialInts(co.Strides, rank, 1, "strides"); err != nil {
		l.err = err
	}
	if l.dilation, err = spatialInts(co.Dilation, rank, 1, "dilation_rate"); err != nil {
		l.err = err
	}
	switch {
	case filters <= 0:
		l.err = fmt.Errorf("filters is %d, want a positive number", filters)
	case rank != 1 && rank != 2:
		l.err = fmt.Errorf("rank %d: kerago runs ConvLSTM1D and ConvLSTM2D", rank)
	case l.cell.err != nil && l.err == nil:
		l.err = l.cell.err
	case l.padding != "valid" && l.padding != "same":
		l.err = fmt.Errorf("padding %q, want valid or same", l.padding)
	}
	return l
}

// spatialInts returns v with one positive entry per spatial axis (nil: def
// on every axis; def 0 means required).
func spatialInts(v []int, rank, def int, what string) ([]int, error) {
	if v == nil && def > 0 {
		v = []int{def}
	}
	if len(v) == 1 && rank > 1 {
		v = append(make([]int, 0, rank), v[0], v[0], v[0])[:rank]
	}
	if len(v) != rank {
		return nil, fmt.Errorf("%s %v: want %d values", what, v, rank)
	}
	for _, n := range v {
		if n <= 0 {
			return nil, fmt.Errorf("%s %v: want positive values", what, v)
		}
	}
	return append([]int(nil), v...), nil
}

// Build creates kernel (k..., C, 4F), recurrent_kernel (k..., F, 4F) and
// bias (4F,) for a per-sample input (steps, spatial..., C).
func (l *ConvLSTMLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	if len(in) != l.rank+2 {
		return l.errorf("needs inputs of per-sample shape (steps, spatial..., channels) of rank %d, got %v", l.rank+2, in)
	}
	sh := lastShape(in[1:], l.first)
	c := sh[l.rank]
	n := l.rank
	l.outSp, l.padBefore, l.padAfter = make([]int, n), make([]int, n), make([]int, n)
	l.recBefore, l.recAfter = make([]int, n), make([]int, n)
	for a := 0; a < n; a++ {
		var err error
		if l.outSp[a], l.padBefore[a], l.padAfter[a], err = runtime.ConvOutputSize(sh[a], l.kernel[a], l.strides[a], l.dilation[a], l.padding); err != nil {
			return l.errorf("input shape %v: %v", in, err)
		}
		if _, l.recBefore[a], l.recAfter[a], err = runtime.ConvOutputSize(l.outSp[a], l.kernel[a], 1, 1, "same"); err != nil {
			return l.errorf("state shape %v: %v", l.outSp, err)
		}
	}
	cfg := l.cell.cfg
	g4 := 4 * l.filters
	k := append([]int(nil), l.kernel...)
	var err error
	if l.kernelV, err = l.addVar("kernel", append(k, c, g4), cfg.KernelInitializer, l.trainable, cfg.KernelRegularizer, cfg.KernelConstraint); err != nil {
		return err
	}
	k = append([]int(nil), l.kernel...)
	if l.recurrentV, err = l.addVar("recurrent_kernel", append(k, l.filters, g4), cfg.RecurrentInitializer, l.trainable, cfg.RecurrentRegularizer, cfg.RecurrentConstraint); err != nil {
		return err
	}
	if cfg.UseBias {
		if l.biasV, err = l.addVar("bias", []int{g4}, cfg.BiasInitializer, l.trainable, cfg.BiasRegularizer, cfg.BiasConstraint); err != nil {
			return err
		}
		if cfg.UnitForgetBias && !l.noInit {
			f := l.biasV.Value.Data()[l.filters : 2*l.filters]
			for i := range f {
				f[i] = 1
			}
		}
	}
	out := l.stateShape()
	if cfg.ReturnSequences {
		out = append([]int{in[0]}, out...)
	}
	l.inShape, l.outShape, l.built = append([]int(nil), in...), out, true
	return nil
}

// stateShape is the per-sample shape of h and c in the layer's data format.
func (l *ConvLSTMLayer) stateShape() []int {
	return firstShape(append(append([]int(nil), l.outSp...), l.filters), l.first)
}

// BuildMulti builds the layer on its one input.
func (l *ConvLSTMLayer) BuildMulti(in [][]int) error {
	if len(in) != 1 {
		return l.errorf("called on %d inputs; kerago does not pass initial states", len(in))
	}
	return l.Build(in[0])
}

// OutputShapes returns the output's shape, then h's and c's with
// return_state.
func (l *ConvLSTMLayer) OutputShapes() [][]int {
	out := [][]int{l.OutputShape()}
	if l.cell.cfg.ReturnState {
		out = append(out, l.stateShape(), l.stateShape())
	}
	return out
}

// Emit runs the sequence and returns the layer's first output.
func (l *ConvLSTMLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	outs, err := l.EmitMulti(g, []*G.Node{x}, training)
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

// EmitMulti runs the sequence: the output (last or every step's), then h
// and c with return_state. Masked steps carry h and c as in LSTM.
func (l *ConvLSTMLayer) EmitMulti(g *runtime.Graph, xs []*G.Node, training bool) ([]*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	if len(xs) != 1 {
		return nil, l.errorf("called on %d inputs", len(xs))
	}
	cfg := l.cell.cfg
	if training && (cfg.Dropout > 0 || cfg.RecurrentDropout > 0) {
		return nil, l.errorf("dropout and recurrent_dropout in training are not supported yet")
	}
	mask := g.Mask(xs[0])
	outs, err := l.run(g, xs[0], mask)
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	if cfg.ReturnSequences && mask != nil {
		g.SetMask(outs[0], mask)
	}
	if !cfg.ReturnState {
		outs = outs[:1]
	}
	return outs, nil
}

// Config returns Keras 3's config of the layer.
func (l *ConvLSTMLayer) Config() map[string]any {
	c := l.baseConfig()
	for k, v := range l.cell.Config() {
		if _, own := c[k]; !own && k != "units" {
			c[k] = v
		}
	}
	c["filters"] = l.filters
	c["kernel_size"] = intsAny(l.kernel)
	c["strides"] = intsAny(l.strides)
	c["padding"] = l.padding
	c["data_format"] = map[bool]string{false: "channels_last", true: "channels_first"}[l.first]
	c["dilation_rate"] = intsAny(l.dilation)
	c["seed"] = nil
	if _, ok := c["activity_regularizer"]; !ok {
		c["activity_regularizer"] = nil
	}
	return c
}

// convLSTMFromConfig builds ConvLSTM1D/2D from their Keras configs; ok is
// false for other classes.
func convLSTMFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	rank := map[string]int{"ConvLSTM1D": 1, "ConvLSTM2D": 2}[class]
	if rank == 0 {
		return nil, false
	}
	rl, _ := rnnFromConfig("LSTM", r, nil)
	first, err := channelsFirst(r.str("data_format", "channels_last"))
	co := ConvLSTMOptions{KernelSize: r.ints("kernel_size"), Strides: r.ints("strides"),
		Dilation: r.ints("dilation_rate"), Padding: r.str("padding", "valid"), ChannelsFirst: first}
	l := ConvLSTM(rank, r.int("filters", 0), co, rl.(*RNNLayer).cfg, common...)
	if err != nil {
		l.err = err
	}
	return l, true
}
