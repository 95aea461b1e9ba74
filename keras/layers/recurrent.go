package layers

import (
	"fmt"

	"github.com/kerago/kerago/keras/constraints"
	"github.com/kerago/kerago/keras/initializers"
	"github.com/kerago/kerago/keras/regularizers"
	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
)

// RNNConfig holds the settings of SimpleRNN, LSTM and GRU (Keras 3 config
// keys; spec keras-layers.md §7). Zero values are not Keras's defaults: use
// DefaultRNNConfig.
type RNNConfig struct {
	Activation, RecurrentActivation                          string
	UseBias, UnitForgetBias                                  bool
	ResetAfter                                               bool // GRU only
	KernelInitializer, RecurrentInitializer, BiasInitializer initializers.Initializer
	KernelRegularizer, RecurrentRegularizer, BiasRegularizer regularizers.Regularizer
	KernelConstraint, RecurrentConstraint, BiasConstraint    constraints.Constraint
	Dropout, RecurrentDropout                                float64
	ReturnSequences, ReturnState, GoBackwards                bool
	ZeroOutputForMask, Stateful, Unroll                      bool
}

// DefaultRNNConfig returns Keras 3's defaults: tanh, sigmoid, bias on,
// unit_forget_bias, GRU reset_after, glorot_uniform / orthogonal / zeros.
func DefaultRNNConfig() RNNConfig {
	return RNNConfig{Activation: "tanh", RecurrentActivation: "sigmoid", UseBias: true, UnitForgetBias: true,
		ResetAfter: true, KernelInitializer: initializers.GlorotUniform(),
		RecurrentInitializer: initializers.Orthogonal(), BiasInitializer: initializers.Zeros()}
}

// RNNLayer is keras.layers.SimpleRNN, LSTM or GRU over inputs (batch,
// steps, features). It runs as one fused op over the whole sequence with a
// hand-written backward pass through time (runtime's Graph.LSTM, GRU,
// SimpleRNN) when Fused says so, otherwise as a gorgonia graph unrolled
// step by step that training differentiates symbolically. With return_state
// it has several outputs: [output, h] or, for LSTM, [output, h, c].
type RNNLayer struct {
	base
	units       int
	gates       int // 1 SimpleRNN, 4 LSTM, 3 GRU
	cfg         RNNConfig
	act, recAct *runtime.Activation
	kernel      *runtime.Variable
	recurrent   *runtime.Variable
	bias        *runtime.Variable
	seed        *int64 // dropout seed; nil draws from the network's generator
	// maskHook, when set (tests only), replaces the dropout masks drawn per
	// training step: it returns a 0/1 node of the given shape.
	maskHook func(g *runtime.Graph, shape []int, keep float64) (*G.Node, error)
	unrolled bool // tests only: take the unrolled graph even when Fused
}

var _ MultiLayer = (*RNNLayer)(nil)

// SimpleRNN returns keras.layers.SimpleRNN(units).
func SimpleRNN(units int, cfg RNNConfig, opts ...Option) *RNNLayer {
	return newRNN("SimpleRNN", 1, units, cfg, opts)
}

// LSTM returns keras.layers.LSTM(units).
func LSTM(units int, cfg RNNConfig, opts ...Option) *RNNLayer {
	return newRNN("LSTM", 4, units, cfg, opts)
}

// GRU returns keras.layers.GRU(units).
func GRU(units int, cfg RNNConfig, opts ...Option) *RNNLayer {
	return newRNN("GRU", 3, units, cfg, opts)
}

func newRNN(class string, gates, units int, cfg RNNConfig, opts []Option) *RNNLayer {
	o := collect(opts)
	l := &RNNLayer{base: newBase(class, o), units: units, gates: gates, cfg: cfg, seed: o.seed}
	d := DefaultRNNConfig()
	if l.cfg.KernelInitializer == nil {
		l.cfg.KernelInitializer = d.KernelInitializer
	}
	if l.cfg.RecurrentInitializer == nil {
		l.cfg.RecurrentInitializer = d.RecurrentInitializer
	}
	if l.cfg.BiasInitializer == nil {
		l.cfg.BiasInitializer = d.BiasInitializer
	}
	var err error
	if l.act, err = runtime.ActivationByName(nonEmpty(cfg.Activation, "tanh"), l.major); err != nil {
		l.err = err
	}
	if gates > 1 {
		if l.recAct, err = runtime.ActivationByName(nonEmpty(cfg.RecurrentActivation, "sigmoid"), l.major); err != nil {
			l.err = err
		}
	}
	switch {
	case units <= 0:
		l.err = fmt.Errorf("units is %d, want a positive number", units)
	case cfg.Stateful:
		l.err = fmt.Errorf("stateful=True is not supported (kerago runs stateless RNNs)")
	case cfg.Dropout < 0 || cfg.Dropout >= 1 || cfg.RecurrentDropout < 0 || cfg.RecurrentDropout >= 1:
		l.err = fmt.Errorf("dropout %v and recurrent_dropout %v must be in [0, 1)", cfg.Dropout, cfg.RecurrentDropout)
	}
	if e := o.check(class, "seed"); e != nil && l.err == nil {
		l.err = e
	}
	return l
}

// Units returns the number of units.
func (l *RNNLayer) Units() int { return l.units }

// Build creates kernel (F, g·u), recurrent_kernel (u, g·u) and bias (g·u,)
// — (2, 3u) for GRU with reset_after.
func (l *RNNLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	if len(in) != 2 {
		return l.errorf("needs inputs of per-sample shape (steps, features), got %v", in)
	}
	gu := l.gates * l.units
	var err error
	if l.kernel, err = l.addVar("kernel", []int{in[1], gu}, l.cfg.KernelInitializer, l.trainable, l.cfg.KernelRegularizer, l.cfg.KernelConstraint); err != nil {
		return err
	}
	if l.recurrent, err = l.addVar("recurrent_kernel", []int{l.units, gu}, l.cfg.RecurrentInitializer, l.trainable, l.cfg.RecurrentRegularizer, l.cfg.RecurrentConstraint); err != nil {
		return err
	}
	if l.cfg.UseBias {
		shape := []int{gu}
		if l.gates == 3 && l.cfg.ResetAfter {
			shape = []int{2, gu}
		}
		if l.bias, err = l.addVar("bias", shape, l.cfg.BiasInitializer, l.trainable, l.cfg.BiasRegularizer, l.cfg.BiasConstraint); err != nil {
			return err
		}
		if l.gates == 4 && l.cfg.UnitForgetBias && !l.noInit {
			f := l.bias.Value.Data()[l.units : 2*l.units]
			for i := range f {
				f[i] = 1
			}
		}
	}
	out := []int{l.units}
	if l.cfg.ReturnSequences {
		out = []int{in[0], l.units}
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), out, true
	return nil
}

// BuildMulti builds the layer on its one input.
func (l *RNNLayer) BuildMulti(in [][]int) error {
	if len(in) != 1 {
		return l.errorf("called on %d inputs; kerago does not pass initial states", len(in))
	}
	return l.Build(in[0])
}

// OutputShapes returns the output's shape, then the states' with
// return_state.
func (l *RNNLayer) OutputShapes() [][]int {
	out := [][]int{l.OutputShape()}
	if l.cfg.ReturnState {
		for i := 0; i < l.states(); i++ {
			out = append(out, []int{l.units})
		}
	}
	return out
}

func (l *RNNLayer) states() int {
	if l.gates == 4 {
		return 2
	}
	return 1
}

// Emit runs the sequence and returns the layer's first output.
func (l *RNNLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	outs, err := l.EmitMulti(g, []*G.Node{x}, training)
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

// EmitMulti runs the sequence: the output (last or every step's), then the
// final states with return_state. A Keras mask beside x makes masked steps
// carry the states (spec keras-layers.md §7.4); the sequence output keeps
// the input's mask.
func (l *RNNLayer) EmitMulti(g *runtime.Graph, xs []*G.Node, training bool) ([]*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	if len(xs) != 1 {
		return nil, l.errorf("called on %d inputs", len(xs))
	}
	x := xs[0]
	mask := g.Mask(x)
	outs, err := l.sequence(g, x, mask, false, training)
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	if l.cfg.ReturnSequences && mask != nil {
		g.SetMask(outs[0], mask)
	}
	if !l.cfg.ReturnState {
		outs = outs[:1]
	}
	return outs, nil
}

// Fused reports whether the layer runs as one of the runtime's fused
// sequence ops (Graph.LSTM, Graph.GRU, Graph.SimpleRNN: elementwise
// activations) instead of a graph unrolled step by step (axis-wise
// activations such as softmax). GRU training graphs with
// recurrent_dropout take the unrolled graph (see sequence).
func (l *RNNLayer) Fused() bool {
	if l.gates == 1 {
		return runtime.RNNFusable(l.act, nil)
	}
	return runtime.RNNFusable(l.act, l.recAct)
}

// sequence runs the layer over x: the output (the last step's or the
// sequence, in processing order or reversed), then the final h and, for
// LSTM, c. In training, dropout and recurrent_dropout apply as in Keras 3
// (see dropouts).
func (l *RNNLayer) sequence(g *runtime.Graph, x, mask *G.Node, reverse, training bool) ([]*G.Node, error) {
	d, err := l.dropouts(g, x, training)
	if err != nil {
		return nil, err
	}
	x = d.x
	if l.Fused() && !l.unrolled && (d.rec == nil || l.gates != 3) {
		return l.fused(g, x, mask, reverse, d)
	}
	r, err := l.run(g, x, mask, d)
	if err != nil {
		return nil, err
	}
	out := r.seq[len(r.seq)-1]
	if l.cfg.ReturnSequences {
		seq := r.seq
		if reverse {
			seq = make([]*G.Node, len(r.seq))
			for k, s := range r.seq {
				seq[len(seq)-1-k] = s
			}
		}
		if out, err = stackSteps(g, seq); err != nil {
			return nil, err
		}
	}
	outs := []*G.Node{out, r.h}
	if l.gates == 4 {
		outs = append(outs, r.c)
	}
	return outs, nil
}

// kernels returns the graph nodes of the input and recurrent kernels (in
// that order: the order variables enter g is their order in it).
func (l *RNNLayer) kernels(g *runtime.Graph) (w, u *G.Node, err error) {
	if w, err = g.Var(l.kernel); err != nil {
		return nil, nil, err
	}
	if u, err = g.Var(l.recurrent); err != nil {
		return nil, nil, err
	}
	return w, u, nil
}

// fused emits Graph.LSTM, Graph.GRU or Graph.SimpleRNN; it returns the
// output, then the states (nil without return_state).
func (l *RNNLayer) fused(g *runtime.Graph, x, mask *G.Node, reverse bool, d *rnnDrop) ([]*G.Node, error) {
	w, u, err := l.kernels(g)
	if err != nil {
		return nil, err
	}
	var b *G.Node
	if l.bias != nil {
		if b, err = g.Var(l.bias); err != nil {
			return nil, err
		}
	}
	p := runtime.RNNParams{Act: l.act, RecAct: l.recAct, GoBackwards: l.cfg.GoBackwards,
		ReturnSequences: l.cfg.ReturnSequences, Reverse: reverse, ReturnState: l.cfg.ReturnState,
		ZeroOutputForMask: l.cfg.ZeroOutputForMask, ResetAfter: l.cfg.ResetAfter, InKeep: d.inKeep, RecKeep: d.recKeep}
	if p.DropIn, err = stackMasks(g, d.in); err != nil {
		return nil, err
	}
	if p.DropRec, err = stackMasks(g, d.rec); err != nil {
		return nil, err
	}
	emit := g.LSTM
	switch l.gates {
	case 1:
		emit = g.SimpleRNN
	case 3:
		emit = g.GRU
	}
	outs, err := emit(x, w, u, b, mask, p)
	if err != nil {
		return nil, err
	}
	if len(outs) == 1 {
		outs = append(outs, nil, nil)
	}
	return outs, nil
}

// Config returns Keras 3's config of the layer.
func (l *RNNLayer) Config() map[string]any {
	c := l.baseConfig()
	c["units"] = l.units
	c["activation"] = l.act.Name()
	if l.gates > 1 {
		c["recurrent_activation"] = l.recAct.Name()
		c["seed"] = nil
	}
	if l.gates > 1 && l.seed != nil {
		c["seed"] = *l.seed
	}
	c["use_bias"] = l.cfg.UseBias
	c["kernel_initializer"] = serialInit(l.cfg.KernelInitializer)
	c["recurrent_initializer"] = serialInit(l.cfg.RecurrentInitializer)
	c["bias_initializer"] = serialInit(l.cfg.BiasInitializer)
	c["kernel_regularizer"] = serialReg(l.cfg.KernelRegularizer)
	c["recurrent_regularizer"] = serialReg(l.cfg.RecurrentRegularizer)
	c["bias_regularizer"] = serialReg(l.cfg.BiasRegularizer)
	c["kernel_constraint"] = serialCons(l.cfg.KernelConstraint)
	c["recurrent_constraint"] = serialCons(l.cfg.RecurrentConstraint)
	c["bias_constraint"] = serialCons(l.cfg.BiasConstraint)
	c["dropout"] = l.cfg.Dropout
	c["recurrent_dropout"] = l.cfg.RecurrentDropout
	switch l.gates {
	case 4:
		c["unit_forget_bias"] = l.cfg.UnitForgetBias
	case 3:
		c["reset_after"] = l.cfg.ResetAfter
	}
	c["return_sequences"] = l.cfg.ReturnSequences
	c["return_state"] = l.cfg.ReturnState
	c["go_backwards"] = l.cfg.GoBackwards
	c["stateful"] = false
	c["unroll"] = l.cfg.Unroll
	c["zero_output_for_mask"] = l.cfg.ZeroOutputForMask
	return c
}

// rnnFromConfig builds SimpleRNN, LSTM and GRU from their Keras configs; ok
// is false for other classes.
func rnnFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	gates := map[string]int{"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[class]
	if gates == 0 {
		return nil, false
	}
	d := DefaultRNNConfig()
	cfg := RNNConfig{
		Activation:           r.activation("activation"),
		RecurrentActivation:  "sigmoid",
		UseBias:              r.bool("use_bias", true),
		UnitForgetBias:       r.bool("unit_forget_bias", true),
		ResetAfter:           r.bool("reset_after", true),
		KernelInitializer:    r.initializer("kernel_initializer", d.KernelInitializer),
		RecurrentInitializer: r.initializer("recurrent_initializer", d.RecurrentInitializer),
		BiasInitializer:      r.initializer("bias_initializer", d.BiasInitializer),
		KernelRegularizer:    r.regularizer("kernel_regularizer"),
		RecurrentRegularizer: r.regularizer("recurrent_regularizer"),
		BiasRegularizer:      r.regularizer("bias_regularizer"),
		KernelConstraint:     r.constraint("kernel_constraint"),
		RecurrentConstraint:  r.constraint("recurrent_constraint"),
		BiasConstraint:       r.constraint("bias_constraint"),
		Dropout:              r.float("dropout", 0),
		RecurrentDropout:     r.float("recurrent_dropout", 0),
		ReturnSequences:      r.bool("return_sequences", false),
		ReturnState:          r.bool("return_state", false),
		GoBackwards:          r.bool("go_backwards", false),
		ZeroOutputForMask:    r.bool("zero_output_for_mask", false),
		Stateful:             r.bool("stateful", false),
		Unroll:               r.bool("unroll", false),
	}
	if !r.has("activation") {
		cfg.Activation = "tanh"
	}
	if r.has("recurrent_activation") {
		cfg.RecurrentActivation = r.activation("recurrent_activation")
	}
	units := r.int("units", 0)
	if r.has("seed") {
		common = append(append([]Option{}, common...), WithSeed(int64(r.int("seed", 0))))
	}
	return newRNN(class, gates, units, cfg, common), true
}
