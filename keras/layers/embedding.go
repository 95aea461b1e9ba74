package layers

import (
	"fmt"

	"github.com/kerago/kerago/keras/constraints"
	"github.com/kerago/kerago/keras/initializers"
	"github.com/kerago/kerago/keras/regularizers"
	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
)

// EmbeddingConfig holds Embedding's own settings (Keras's
// embeddings_initializer, embeddings_regularizer, embeddings_constraint,
// mask_zero); zero values are Keras's defaults.
type EmbeddingConfig struct {
	Initializer initializers.Initializer // default RandomUniform(-0.05, 0.05)
	Regularizer regularizers.Regularizer
	Constraint  constraints.Constraint
	// MaskZero makes id 0 padding: the layer emits a mask (id ≠ 0) that
	// RNNs and GlobalAveragePooling1D consume.
	MaskZero bool
}

// EmbeddingLayer is keras.layers.Embedding: integer ids (carried as float32)
// become rows of an (input_dim, output_dim) table.
type EmbeddingLayer struct {
	base
	inputDim, outputDim int
	cfg                 EmbeddingConfig
	table               *runtime.Variable
}

// Embedding returns keras.layers.Embedding(input_dim, output_dim).
func Embedding(inputDim, outputDim int, cfg EmbeddingConfig, opts ...Option) *EmbeddingLayer {
	o := collect(opts)
	l := &EmbeddingLayer{base: newBase("Embedding", o), inputDim: inputDim, outputDim: outputDim, cfg: cfg}
	if l.cfg.Initializer == nil {
		l.cfg.Initializer = initializers.RandomUniform()
	}
	switch {
	case inputDim <= 0 || outputDim <= 0:
		l.err = fmt.Errorf("input_dim %d and output_dim %d must be positive", inputDim, outputDim)
	case inputDim > 1<<24:
		l.err = fmt.Errorf("input_dim %d: ids travel as float32, exact only up to 2^24", inputDim)
	}
	if err := o.check("Embedding"); err != nil && l.err == nil {
		l.err = err
	}
	return l
}

// InputDim returns the number of rows (ids run from 0 to InputDim-1).
func (l *EmbeddingLayer) InputDim() int { return l.inputDim }

// Build creates the embeddings table (input_dim, output_dim).
func (l *EmbeddingLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	t, err := l.addVar("embeddings", []int{l.inputDim, l.outputDim}, l.cfg.Initializer, l.trainable, l.cfg.Regularizer, l.cfg.Constraint)
	if err != nil {
		return err
	}
	l.table = t
	l.inShape, l.outShape, l.built = append([]int{}, in...), append(append([]int{}, in...), l.outputDim), true
	return nil
}

// Emit looks the ids up; with mask_zero it sets the mask ids ≠ 0 beside
// the output (for ids of shape (batch, steps)).
func (l *EmbeddingLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	w, err := g.Var(l.table)
	if err != nil {
		return nil, err
	}
	out, err := g.Embedding(w, x)
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	if l.cfg.MaskZero {
		if x.Dims() != 2 {
			return nil, l.errorf("mask_zero needs ids of shape (batch, steps), got %v", []int(x.Shape()))
		}
		m, err := g.StepMask(x, 0)
		if err != nil {
			return nil, l.errorf("%v", err)
		}
		g.SetMask(out, m)
	}
	return out, nil
}

// CheckIDs reports the first value of ids that is not an integer in
// [0, input_dim) (Keras raises on such ids; kerago never reads another row).
func (l *EmbeddingLayer) CheckIDs(ids []float32) error {
	for i, v := range ids {
		if v < 0 || v >= float32(l.inputDim) || v != float32(int64(v)) {
			return fmt.Errorf("layers: Embedding %q: input value %v at flat index %d is not a token id in [0, %d)", l.name, v, i, l.inputDim)
		}
	}
	return nil
}

// Config returns Keras 3's Embedding config.
func (l *EmbeddingLayer) Config() map[string]any {
	c := l.baseConfig()
	c["input_dim"] = l.inputDim
	c["output_dim"] = l.outputDim
	c["embeddings_initializer"] = serialInit(l.cfg.Initializer)
	c["embeddings_regularizer"] = serialReg(l.cfg.Regularizer)
	c["embeddings_constraint"] = serialCons(l.cfg.Constraint)
	c["mask_zero"] = l.cfg.MaskZero
	c["quantization_config"] = nil
	return c
}

// MaskingLayer is keras.layers.Masking: steps whose features all equal
// mask_value become zeros and are masked for the layers that follow.
type MaskingLayer struct {
	base
	value float64
}

// Masking returns keras.layers.Masking(mask_value).
func Masking(maskValue float64, opts ...Option) *MaskingLayer {
	o := collect(opts)
	l := &MaskingLayer{base: newBase("Masking", o), value: maskValue}
	l.err = o.check("Masking")
	return l
}

// Build checks for inputs of per-sample shape (steps, features).
func (l *MaskingLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	if len(in) != 2 {
		return l.errorf("kerago masks inputs of per-sample shape (steps, features), got %v", in)
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), append([]int{}, in...), true
	return nil
}

// Emit computes the mask any(x ≠ mask_value) over features, zeroes the
// masked steps and sets the mask beside the output.
func (l *MaskingLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	m, err := g.StepMask(x, l.value)
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	out, err := g.ApplyStepMask(x, m)
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	g.SetMask(out, m)
	return out, nil
}

// Config returns Keras 3's Masking config.
func (l *MaskingLayer) Config() map[string]any {
	c := l.baseConfig()
	c["mask_value"] = l.value
	return c
}

// seqFromConfig builds the sequence layers from their Keras configs; ok is
// false for other classes.
func seqFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	switch class {
	case "Embedding":
		cfg := EmbeddingConfig{
			Initializer: r.initializer("embeddings_initializer", initializers.RandomUniform()),
			Regularizer: r.regularizer("embeddings_regularizer"),
			Constraint:  r.constraint("embeddings_constraint"),
			MaskZero:    r.bool("mask_zero", false),
		}
		return Embedding(r.int("input_dim", 0), r.int("output_dim", 0), cfg, common...), true
	case "Masking":
		return Masking(r.float("mask_value", 0), common...), true
	}
	return nil, false
}

// maskedAverage is GlobalAveragePooling1D on an input with a Keras mask:
// the mean over the unmasked steps (ok false when it does not apply).
func (l *PoolingLayer) maskedAverage(g *runtime.Graph, x *G.Node) (*G.Node, bool, error) {
	m := g.Mask(x)
	if m == nil || l.max || l.rank != 1 {
		return nil, false, nil
	}
	if l.first {
		return nil, true, l.errorf("kerago averages masked inputs in channels_last only")
	}
	y, err := g.MaskedGlobalAverage(x, m, l.keepdims)
	if err != nil {
		return nil, true, l.errorf("%v", err)
	}
	return y, true, nil
}
