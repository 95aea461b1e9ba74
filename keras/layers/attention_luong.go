package layers

import (
	"fmt"

	"github.com/kerago/kerago/keras/initializers"
	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
	gt "gorgonia.org/tensor"
)

// AttentionLayer is keras.layers.Attention (Luong, score_mode "dot") or
// keras.layers.AdditiveAttention (Bahdanau), called on [query, value] or
// [query, value, key] (spec keras-layers.md §8.3).
type AttentionLayer struct {
	base
	additive, useScale bool
	scoreMode          string
	dropout            float64
	drop               attnDropout
	scale, concatW     *runtime.Variable // scale: () for Attention, (D,) for AdditiveAttention
}

var _ MultiLayer = (*AttentionLayer)(nil)

// Attention returns keras.layers.Attention(use_scale, score_mode) with
// score_mode "dot" or "concat"; in training dropout drops attention
// weights (WithSeed sets Keras's seed).
func Attention(useScale bool, scoreMode string, dropout float64, opts ...Option) *AttentionLayer {
	return newAttention("Attention", false, useScale, scoreMode, dropout, opts)
}

// AdditiveAttention returns keras.layers.AdditiveAttention(use_scale).
func AdditiveAttention(useScale bool, dropout float64, opts ...Option) *AttentionLayer {
	return newAttention("AdditiveAttention", true, useScale, "", dropout, opts)
}

func newAttention(class string, additive, useScale bool, mode string, dropout float64, opts []Option) *AttentionLayer {
	o := collect(opts)
	l := &AttentionLayer{base: newBase(class, o), additive: additive, useScale: useScale, scoreMode: mode, dropout: dropout,
		drop: attnDropout{rate: dropout, seed: o.seed}}
	switch {
	case !additive && mode != "dot" && mode != "concat":
		l.err = fmt.Errorf("score_mode %q: expected \"dot\" or \"concat\"", mode)
	case dropout < 0 || dropout >= 1:
		l.err = fmt.Errorf("dropout %v is not in [0, 1)", dropout)
	}
	if err := o.check(class, "seed"); err != nil && l.err == nil {
		l.err = err
	}
	return l
}

// Build is for one input; attention layers need BuildMulti.
func (l *AttentionLayer) Build(in []int) error {
	return l.errorf("is called on [query, value] or [query, value, key], got one input of shape %v", in)
}

// BuildMulti checks query (Tq, D), value (Tv, Dv), key (Tv, D) and creates
// AdditiveAttention's scale (D,).
func (l *AttentionLayer) BuildMulti(in [][]int) error {
	if l.err != nil {
		return fmt.Errorf("layers: %s %q: %w", l.class, l.name, l.err)
	}
	if l.built {
		return nil
	}
	if len(in) < 2 || len(in) > 3 {
		return l.errorf("called on %d inputs, want [query, value] or [query, value, key]", len(in))
	}
	q, v := in[0], in[1]
	k := v
	if len(in) == 3 {
		k = in[2]
	}
	if len(q) != 2 || len(v) != 2 || len(k) != 2 || q[1] != k[1] || k[0] != v[0] {
		return l.errorf("inputs of per-sample shapes %v: want query (Tq, D), value (Tv, Dv), key (Tv, D)", in)
	}
	var err error
	switch {
	case l.additive && l.useScale:
		l.scale, err = l.addVar("scale", []int{q[1]}, initializers.GlorotUniform(), l.trainable, nil, nil)
	case l.useScale:
		l.scale, err = l.addVar("scale", []int{}, initializers.Ones(), l.trainable, nil, nil)
	}
	if err == nil && !l.additive && l.scoreMode == "concat" {
		l.concatW, err = l.addVar("concat_score_weight", []int{}, initializers.Ones(), l.trainable, nil, nil)
	}
	if err != nil {
		return err
	}
	l.inShape, l.outShape, l.built = append([]int(nil), q...), []int{q[0], v[1]}, true
	return nil
}

// OutputShapes returns the one output's shape.
func (l *AttentionLayer) OutputShapes() [][]int { return [][]int{l.OutputShape()} }

// Emit is for one input; attention layers are called through EmitMulti.
func (l *AttentionLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	return nil, l.errorf("is called on [query, value] or [query, value, key], got one input")
}

// EmitMulti computes softmax(scores)·value; in training the softmax
// weights (B, Tq, Tv) go through dropout, as in Keras's _apply_scores.
func (l *AttentionLayer) EmitMulti(g *runtime.Graph, xs []*G.Node, training bool) ([]*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	if len(xs) < 2 || len(xs) > 3 {
		return nil, l.errorf("called on %d inputs, want 2 or 3", len(xs))
	}
	q, v := xs[0], xs[1]
	k := v
	if len(xs) == 3 {
		k = xs[2]
	}
	var s *G.Node
	var err error
	switch {
	case l.additive || l.scoreMode == "concat":
		s, err = l.additiveScores(g, q, k)
	default:
		s, err = l.dotScores(g, q, k)
	}
	if err == nil {
		s, err = l.maskScores(g, s, g.Mask(v))
	}
	if err == nil {
		s, err = softmaxLast(g, s, false)
	}
	if err == nil {
		s, err = l.drop.apply(g, s, training)
	}
	if err == nil {
		s, err = g.BatchDot(s, v, 2, 1)
	}
	qm := g.Mask(q)
	if err == nil && qm != nil {
		s, err = zeroMaskedRows(s, qm)
	}
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	if qm != nil {
		g.SetMask(s, qm)
	}
	return []*G.Node{s}, nil
}

// maskScores subtracts 1e9 from the scores (B, Tq, Tv) of keys the value
// mask (B, Tv) drops; s is returned as is without a mask.
func (l *AttentionLayer) maskScores(g *runtime.Graph, s, vMask *G.Node) (*G.Node, error) {
	if vMask == nil {
		return s, nil
	}
	m, err := attentionMask(g, nil, vMask, s.Shape()[1], s.Shape()[2])
	if err != nil {
		return nil, err
	}
	bias, err := maskBias(m)
	if err != nil {
		return nil, err
	}
	return G.Add(s, bias)
}

// zeroMaskedRows sets the output rows (B, Tq, D) of masked queries
// (qMask (B, Tq)) to 0, as Keras's Attention does.
func zeroMaskedRows(out, qMask *G.Node) (*G.Node, error) {
	sh := out.Shape()
	m, err := G.Reshape(qMask, gt.Shape{sh[0], sh[1], 1})
	if err != nil {
		return nil, err
	}
	return G.BroadcastHadamardProd(out, m, nil, []byte{2})
}

// additiveScores returns S[b,t,s] = Σ_d scale[d]·tanh(q[b,t,d] + k[b,s,d]).
func (l *AttentionLayer) additiveScores(g *runtime.Graph, q, k *G.Node) (*G.Node, error) {
	B, Tq, D, Tv := q.Shape()[0], q.Shape()[1], q.Shape()[2], k.Shape()[1]
	q4, err := G.Reshape(q, gt.Shape{B, Tq, 1, D})
	if err != nil {
		return nil, err
	}
	k4, err := G.Reshape(k, gt.Shape{B, 1, Tv, D})
	if err != nil {
		return nil, err
	}
	sum, err := G.BroadcastAdd(q4, k4, []byte{2}, []byte{1})
	if err != nil {
		return nil, err
	}
	if !l.additive {
		return l.concatScores(g, sum)
	}
	if sum, err = G.Tanh(sum); err != nil {
		return nil, err
	}
	var s *G.Node
	if l.scale != nil {
		flat, err := G.Reshape(sum, gt.Shape{B * Tq * Tv, D})
		if err != nil {
			return nil, err
		}
		w, err := g.Var(l.scale)
		if err != nil {
			return nil, err
		}
		if s, err = G.Mul(flat, w); err != nil {
			return nil, err
		}
	} else if s, err = G.Sum(sum, 3); err != nil {
		return nil, err
	}
	return G.Reshape(s, gt.Shape{B, Tq, Tv})
}

// dotScores returns Attention's q·kᵀ (× scale).
func (l *AttentionLayer) dotScores(g *runtime.Graph, q, k *G.Node) (*G.Node, error) {
	s, err := g.BatchDot(q, k, 2, 2)
	if err != nil || l.scale == nil {
		return s, err
	}
	w, err := g.Var(l.scale)
	if err != nil {
		return nil, err
	}
	return G.Mul(s, w)
}

// concatScores returns Attention's concat score w·Σ_d tanh(scale·(q+k))
// from sum = q+k (B, Tq, Tv, D).
func (l *AttentionLayer) concatScores(g *runtime.Graph, sum *G.Node) (*G.Node, error) {
	var err error
	if l.scale != nil {
		w, err := g.Var(l.scale)
		if err != nil {
			return nil, err
		}
		if sum, err = G.Mul(sum, w); err != nil {
			return nil, err
		}
	}
	if sum, err = G.Tanh(sum); err != nil {
		return nil, err
	}
	s, err := G.Sum(sum, 3)
	if err != nil {
		return nil, err
	}
	w, err := g.Var(l.concatW)
	if err != nil {
		return nil, err
	}
	return G.Mul(s, w)
}

// Config returns Keras 3's config of the layer.
func (l *AttentionLayer) Config() map[string]any {
	c := l.baseConfig()
	c["use_scale"] = l.useScale
	if !l.additive {
		c["score_mode"] = l.scoreMode
	}
	c["dropout"] = l.dropout
	c["seed"] = l.drop.seedConfig()
	return c
}

// attentionFromConfig builds the attention layers from their Keras configs;
// ok is false for other classes.
func attentionFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	if r.has("seed") {
		common = append(append([]Option{}, common...), WithSeed(int64(r.int("seed", 0))))
	}
	switch class {
	case "MultiHeadAttention":
		cfg := MHAConfig{
			NumHeads: r.int("num_heads", 0), KeyDim: r.int("key_dim", 0), ValueDim: r.int("value_dim", 0),
			Dropout: r.float("dropout", 0), UseBias: r.bool("use_bias", true),
			KernelInit: r.initializer("kernel_initializer", initializers.GlorotUniform()),
			BiasInit:   r.initializer("bias_initializer", initializers.Zeros()),
			KernelReg:  r.regularizer("kernel_regularizer"), BiasReg: r.regularizer("bias_regularizer"),
			KernelCons: r.constraint("kernel_constraint"), BiasCons: r.constraint("bias_constraint"),
		}
		if os := r.ints("output_shape"); len(os) == 1 {
			cfg.OutputDim = os[0]
		} else if r.has("output_shape") && r.c["output_shape"] != nil {
			if d := r.int("output_shape", 0); d > 0 {
				cfg.OutputDim = d
			}
		}
		l := MultiHeadAttention(cfg, common...)
		if ax := r.ints("attention_axes"); ax != nil && !(len(ax) == 1 && (ax[0] == 1 || ax[0] == -2)) && l.err == nil {
			l.err = fmt.Errorf("attention_axes %v: kerago attends over the steps axis of rank-3 inputs only: %w", ax, loader.ErrUnsupported)
		}
		if r.bool("use_gate", false) && l.err == nil {
			l.err = fmt.Errorf("use_gate=true is not supported by kerago: %w", loader.ErrUnsupported)
		}
		return l, true
	case "Attention":
		return Attention(r.bool("use_scale", false), r.str("score_mode", "dot"), r.float("dropout", 0), common...), true
	case "AdditiveAttention":
		return AdditiveAttention(r.bool("use_scale", true), r.float("dropout", 0), common...), true
	}
	return nil, false
}
