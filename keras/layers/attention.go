package layers

import (
	"fmt"
	"math"

	"github.com/kerago/kerago/keras/constraints"
	"github.com/kerago/kerago/keras/initializers"
	"github.com/kerago/kerago/keras/regularizers"
	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// MHAConfig holds MultiHeadAttention's settings (spec keras-layers.md §8.1).
type MHAConfig struct {
	NumHeads, KeyDim, ValueDim int // ValueDim 0 → KeyDim
	Dropout                    float64
	UseBias                    bool
	OutputDim                  int // output_shape; 0 → the query's last dimension
	UseCausalMask              bool
	// KernelInit and BiasInit default to GlorotUniform and Zeros; the
	// regularizers and constraints apply to every projection's kernel or
	// bias, as Keras's kernel_/bias_ settings.
	KernelInit, BiasInit initializers.Initializer
	KernelReg, BiasReg   regularizers.Regularizer
	KernelCons, BiasCons constraints.Constraint
}

// MHALayer is keras.layers.MultiHeadAttention for rank-3 inputs, called on
// [query, value] or [query, value, key].
type MHALayer struct {
	base
	cfg                    MHAConfig
	drop                   attnDropout
	wq, bq, wk, bk, wv, bv *runtime.Variable
	wo, bo                 *runtime.Variable
}

var _ MultiLayer = (*MHALayer)(nil)

// MultiHeadAttention returns keras.layers.MultiHeadAttention. In training,
// cfg.Dropout drops attention probabilities (WithSeed gives the masks their
// own generator, as Keras's seed).
func MultiHeadAttention(cfg MHAConfig, opts ...Option) *MHALayer {
	o := collect(opts)
	if cfg.ValueDim == 0 {
		cfg.ValueDim = cfg.KeyDim
	}
	if cfg.KernelInit == nil {
		cfg.KernelInit = initializers.GlorotUniform()
	}
	if cfg.BiasInit == nil {
		cfg.BiasInit = initializers.Zeros()
	}
	l := &MHALayer{base: newBase("MultiHeadAttention", o), cfg: cfg, drop: attnDropout{rate: cfg.Dropout, seed: o.seed}}
	switch {
	case cfg.NumHeads <= 0 || cfg.KeyDim <= 0 || cfg.ValueDim <= 0:
		l.err = fmt.Errorf("num_heads %d, key_dim %d, value_dim %d must be positive", cfg.NumHeads, cfg.KeyDim, cfg.ValueDim)
	case cfg.Dropout < 0 || cfg.Dropout >= 1:
		l.err = fmt.Errorf("dropout %v is not in [0, 1)", cfg.Dropout)
	}
	if err := o.check("MultiHeadAttention", "seed"); err != nil && l.err == nil {
		l.err = err
	}
	return l
}

// Build is for one input; MultiHeadAttention needs BuildMulti.
func (l *MHALayer) Build(in []int) error {
	return l.errorf("is called on [query, value] or [query, value, key], got one input of shape %v", in)
}

// BuildMulti creates the projection kernels and biases for per-sample
// shapes query (T, Dq), value (S, Dv) and key (S, Dk).
func (l *MHALayer) BuildMulti(in [][]int) error {
	if l.err != nil {
		return fmt.Errorf("layers: %s %q: %w", l.class, l.name, l.err)
	}
	if l.built {
		return nil
	}
	if len(in) < 2 || len(in) > 3 {
		return l.errorf("called on %d inputs, want [query, value] or [query, value, key]", len(in))
	}
	for _, s := range in {
		if len(s) != 2 {
			return fmt.Errorf("layers: %s %q: kerago runs MultiHeadAttention on inputs of shape (batch, steps, features), got per-sample %v: %w", l.class, l.name, s, loader.ErrUnsupported)
		}
	}
	q, v := in[0], in[1]
	k := v
	if len(in) == 3 {
		k = in[2]
	}
	if k[0] != v[0] {
		return l.errorf("key steps %d differ from value steps %d", k[0], v[0])
	}
	n, h, hv := l.cfg.NumHeads, l.cfg.KeyDim, l.cfg.ValueDim
	out := l.cfg.OutputDim
	if out == 0 {
		out = q[1]
	}
	type spec struct {
		dst   **runtime.Variable
		name  string
		shape []int
		bias  bool
	}
	specs := []spec{
		{&l.wq, "query/kernel", []int{q[1], n, h}, false}, {&l.bq, "query/bias", []int{n, h}, true},
		{&l.wk, "key/kernel", []int{k[1], n, h}, false}, {&l.bk, "key/bias", []int{n, h}, true},
		{&l.wv, "value/kernel", []int{v[1], n, hv}, false}, {&l.bv, "value/bias", []int{n, hv}, true},
		{&l.wo, "attention_output/kernel", []int{n, hv, out}, false}, {&l.bo, "attention_output/bias", []int{out}, true},
	}
	for _, s := range specs {
		if s.bias && !l.cfg.UseBias {
			continue
		}
		ini, reg, cons := l.cfg.KernelInit, l.cfg.KernelReg, l.cfg.KernelCons
		if s.bias {
			ini, reg, cons = l.cfg.BiasInit, l.cfg.BiasReg, l.cfg.BiasCons
		}
		var err error
		if *s.dst, err = l.addVar(s.name, s.shape, ini, l.trainable, reg, cons); err != nil {
			return err
		}
	}
	l.inShape, l.outShape, l.built = append([]int(nil), q...), []int{q[0], out}, true
	return nil
}

// OutputShapes returns the one output's shape.
func (l *MHALayer) OutputShapes() [][]int { return [][]int{l.OutputShape()} }

// Emit is for one input; MultiHeadAttention is called through EmitMulti.
func (l *MHALayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	return nil, l.errorf("is called on [query, value] or [query, value, key], got one input")
}

// project computes x·W + b for x (B, T, D) and W (D, …) flattened to
// (D, width): the result is (B·T, width).
func project(g *runtime.Graph, x *G.Node, w, b *runtime.Variable, width int) (*G.Node, error) {
	s := x.Shape()
	h, err := G.Reshape(x, gt.Shape{s[0] * s[1], s[2]})
	if err != nil {
		return nil, err
	}
	wn, err := g.Var(w)
	if err != nil {
		return nil, err
	}
	if wn, err = G.Reshape(wn, gt.Shape{w.Value.Len() / width, width}); err != nil {
		return nil, err
	}
	if h, err = G.Mul(h, wn); err != nil {
		return nil, err
	}
	if b == nil {
		return h, nil
	}
	bn, err := g.Var(b)
	if err != nil {
		return nil, err
	}
	if len(b.Value.Shape()) != 1 {
		if bn, err = G.Reshape(bn, gt.Shape{width}); err != nil {
			return nil, err
		}
	}
	return G.BroadcastAdd(h, bn, nil, []byte{0})
}

// heads turns a projection (B·T, N·h) into (B·N, T, h).
func heads(p *G.Node, b, t, n, h int) (*G.Node, error) {
	x, err := G.Reshape(p, gt.Shape{b, t, n, h})
	if err != nil {
		return nil, err
	}
	if x, err = G.Transpose(x, 0, 2, 1, 3); err != nil {
		return nil, err
	}
	return G.Reshape(x, gt.Shape{b * n, t, h})
}

// EmitMulti computes Keras's multi-head attention (spec §8.2).
func (l *MHALayer) EmitMulti(g *runtime.Graph, xs []*G.Node, training bool) ([]*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	if len(xs) < 2 || len(xs) > 3 {
		return nil, l.errorf("called on %d inputs, want 2 or 3", len(xs))
	}
	var err error
	q, v := xs[0], xs[1]
	k := v
	if len(xs) == 3 {
		k = xs[2]
	}
	keyMask := g.Mask(v)
	if km := g.Mask(k); k != v && km != nil {
		if keyMask == nil {
			keyMask = km
		} else if keyMask, err = G.HadamardProd(keyMask, km); err != nil {
			return nil, l.errorf("%v", err)
		}
	}
	mask, err := attentionMask(g, g.Mask(q), keyMask, q.Shape()[1], v.Shape()[1])
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	out, err := l.attend(g, q, k, v, mask, training)
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	if m := g.Mask(q); m != nil {
		g.SetMask(out, m)
	}
	return []*G.Node{out}, nil
}

// attend computes the attention output (B, T, Dout); mask (B, T, S) or nil
// marks the (query, key) pairs attended to. In training the attention
// probabilities (B·N, T, S), laid out as Keras's (B, N, T, S), go through
// dropout.
func (l *MHALayer) attend(g *runtime.Graph, q, k, v, mask *G.Node, training bool) (*G.Node, error) {
	n, h, hv := l.cfg.NumHeads, l.cfg.KeyDim, l.cfg.ValueDim
	B, T, S := q.Shape()[0], q.Shape()[1], v.Shape()[1]
	qp, err := project(g, q, l.wq, l.bq, n*h)
	if err != nil {
		return nil, err
	}
	kp, err := project(g, k, l.wk, l.bk, n*h)
	if err != nil {
		return nil, err
	}
	vp, err := project(g, v, l.wv, l.bv, n*hv)
	if err != nil {
		return nil, err
	}
	if qp, err = G.Mul(qp, G.NewConstant(float32(1/math.Sqrt(float64(h))))); err != nil {
		return nil, err
	}
	Q, err := heads(qp, B, T, n, h)
	if err != nil {
		return nil, err
	}
	K, err := heads(kp, B, S, n, h)
	if err != nil {
		return nil, err
	}
	V, err := heads(vp, B, S, n, hv)
	if err != nil {
		return nil, err
	}
	scores, err := g.BatchDot(Q, K, 2, 2) // (B·N, T, S)
	if err != nil {
		return nil, err
	}
	if mask != nil {
		bias, err := maskBias(mask)
		if err != nil {
			return nil, err
		}
		if scores, err = addHeadsBias(scores, bias, B, n); err != nil {
			return nil, err
		}
	}
	P, err := softmaxLast(g, scores, l.cfg.UseCausalMask)
	if err != nil {
		return nil, err
	}
	if P, err = l.drop.apply(g, P, training); err != nil {
		return nil, err
	}
	O, err := g.BatchDot(P, V, 2, 1) // (B·N, T, hv)
	if err != nil {
		return nil, err
	}
	if O, err = G.Reshape(O, gt.Shape{B, n, T, hv}); err != nil {
		return nil, err
	}
	if O, err = G.Transpose(O, 0, 2, 1, 3); err != nil {
		return nil, err
	}
	if O, err = G.Reshape(O, gt.Shape{B, T, n * hv}); err != nil {
		return nil, err
	}
	dout := l.outShape[1]
	y, err := project(g, O, l.wo, l.bo, dout)
	if err != nil {
		return nil, err
	}
	return G.Reshape(y, gt.Shape{B, T, dout})
}

// softmaxLast applies a softmax over the last axis of s (M, T, S); causal
// subtracts 1e9 from the logits of keys j > i (Keras's masked softmax).
func softmaxLast(g *runtime.Graph, s *G.Node, causal bool) (*G.Node, error) {
	var err error
	if causal {
		sh := s.Shape()
		T, S := sh[1], sh[2]
		m := make([]float32, prod(sh))
		for b := 0; b < sh[0]; b++ {
			for i := 0; i < T; i++ {
				for j := i + 1; j < S; j++ {
					m[(b*T+i)*S+j] = -1e9
				}
			}
		}
		c, err := g.Constant(m, []int(sh))
		if err != nil {
			return nil, err
		}
		if s, err = G.Add(s, c); err != nil {
			return nil, err
		}
	}
	act, err := runtime.AxisActivation("softmax", -1)
	if err != nil {
		return nil, err
	}
	return act.Apply(s)
}

// Config returns Keras 3's MultiHeadAttention config.
func (l *MHALayer) Config() map[string]any {
	c := l.baseConfig()
	c["num_heads"] = l.cfg.NumHeads
	c["key_dim"] = l.cfg.KeyDim
	c["value_dim"] = l.cfg.ValueDim
	c["dropout"] = l.cfg.Dropout
	c["use_bias"] = l.cfg.UseBias
	c["use_gate"] = false
	if l.cfg.OutputDim != 0 {
		c["output_shape"] = []any{l.cfg.OutputDim}
	} else {
		c["output_shape"] = nil
	}
	c["attention_axes"] = []any{1}
	c["sliding_window"] = nil
	c["kernel_initializer"] = serialInit(l.cfg.KernelInit)
	c["bias_initializer"] = serialInit(l.cfg.BiasInit)
	c["kernel_regularizer"] = serialReg(l.cfg.KernelReg)
	c["bias_regularizer"] = serialReg(l.cfg.BiasReg)
	if _, ok := c["activity_regularizer"]; !ok {
		c["activity_regularizer"] = nil
	}
	c["kernel_constraint"] = serialCons(l.cfg.KernelCons)
	c["bias_constraint"] = serialCons(l.cfg.BiasCons)
	c["seed"] = l.drop.seedConfig()
	if l.cfg.UseCausalMask {
		// a call argument in Keras 3, which kerago's files cannot carry:
		// the writers refuse it rather than drop it
		c["use_causal_mask"] = true
	}
	return c
}
