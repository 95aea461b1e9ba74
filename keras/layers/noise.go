package layers

import (
	"fmt"
	"math"

	"github.com/kerago/kerago/runtime"
	G "gorgonia.org/gorgonia"
)

// Noise and regularization layers (spec keras-layers.md §9.4, §9.5):
// SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout and
// ActivityRegularization. All are identities at inference.

// NoiseLayer is one of SpatialDropout1D/2D/3D, GaussianNoise,
// GaussianDropout and AlphaDropout.
type NoiseLayer struct {
	base
	rate       float64 // rate, or GaussianNoise's stddev
	seed       *int64
	noiseShape []int // AlphaDropout (batched, -1 = None)
	first      bool  // SpatialDropout2D/3D channels_first
}

var noiseClasses = map[string]string{ // class → the key of its rate
	"SpatialDropout1D": "rate", "SpatialDropout2D": "rate", "SpatialDropout3D": "rate",
	"GaussianNoise": "stddev", "GaussianDropout": "rate", "AlphaDropout": "rate",
}

func newNoise(class string, rate float64, opts []Option) *NoiseLayer {
	o := collect(opts)
	l := &NoiseLayer{base: newBase(class, o), rate: rate, seed: o.seed, noiseShape: o.noiseShape}
	allowed := []string{"seed"}
	switch class {
	case "SpatialDropout2D", "SpatialDropout3D":
		allowed = append(allowed, "data_format")
		var err error
		if l.first, err = channelsFirst(strOr(o.dataFormat, "channels_last")); err != nil {
			l.err = err
		}
	case "AlphaDropout":
		allowed = append(allowed, "noise_shape")
	}
	switch {
	case class == "GaussianNoise" && (rate < 0 || rate != rate):
		l.err = fmt.Errorf("stddev is %v, want a value ≥ 0", rate)
	case class != "GaussianNoise" && (rate < 0 || rate > 1 || rate != rate):
		l.err = fmt.Errorf("rate is %v, want a value in [0, 1]", rate)
	}
	if e := o.check(class, allowed...); e != nil && l.err == nil {
		l.err = e
	}
	return l
}

// SpatialDropout1D returns keras.layers.SpatialDropout1D(rate): in
// training whole channels of (batch, steps, channels) are dropped.
func SpatialDropout1D(rate float64, opts ...Option) *NoiseLayer {
	return newNoise("SpatialDropout1D", rate, opts)
}

// SpatialDropout2D returns keras.layers.SpatialDropout2D(rate).
func SpatialDropout2D(rate float64, opts ...Option) *NoiseLayer {
	return newNoise("SpatialDropout2D", rate, opts)
}

// SpatialDropout3D returns keras.layers.SpatialDropout3D(rate).
func SpatialDropout3D(rate float64, opts ...Option) *NoiseLayer {
	return newNoise("SpatialDropout3D", rate, opts)
}

// GaussianNoise returns keras.layers.GaussianNoise(stddev).
func GaussianNoise(stddev float64, opts ...Option) *NoiseLayer {
	return newNoise("GaussianNoise", stddev, opts)
}

// GaussianDropout returns keras.layers.GaussianDropout(rate).
func GaussianDropout(rate float64, opts ...Option) *NoiseLayer {
	return newNoise("GaussianDropout", rate, opts)
}

// AlphaDropout returns keras.layers.AlphaDropout(rate) (WithNoiseShape
// and WithSeed apply).
func AlphaDropout(rate float64, opts ...Option) *NoiseLayer {
	return newNoise("AlphaDropout", rate, opts)
}

// Build checks the input rank (SpatialDropoutND: N spatial axes and
// channels).
func (l *NoiseLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	if n := len(l.class); l.class[:n-2] == "SpatialDropout" {
		if rank := int(l.class[n-2]-'0') + 1; len(in) != rank {
			return l.errorf("needs inputs of rank %d (spatial axes and channels), got per-sample shape %v", rank, in)
		}
	}
	if l.noiseShape != nil && len(l.noiseShape) != len(in)+1 {
		return l.errorf("noise_shape %v has rank %d, inputs have rank %d (with the batch axis)", l.noiseShape, len(l.noiseShape), len(in)+1)
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), append([]int{}, in...), true
	return nil
}

// Emit is the identity at inference. In training, SpatialDropout drops
// whole channels and AlphaDropout applies Keras's formula with kerago's
// dropout masks; GaussianNoise adds N(0, stddev²) noise and GaussianDropout
// multiplies by N(1, rate/(1−rate)) noise, drawn afresh for every batch
// (Keras's formulas; kerago's own random stream).
func (l *NoiseLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	if !training || l.rate == 0 {
		return x, nil
	}
	seed := int64(-1)
	if l.seed != nil {
		seed = max(*l.seed, -*l.seed)
	}
	var y *G.Node
	var err error
	switch l.class {
	case "GaussianNoise": // x + N(0, stddev²)
		y, err = G.Add(x, g.NormalNoise(x.Shape(), 0, l.rate, seed))
	case "GaussianDropout": // x · N(1, rate/(1−rate))
		if l.rate >= 1 {
			return nil, l.errorf("rate %v: the noise's standard deviation √(rate/(1−rate)) is infinite (Keras fails too)", l.rate)
		}
		y, err = G.HadamardProd(x, g.NormalNoise(x.Shape(), 1, math.Sqrt(l.rate/(1-l.rate)), seed))
	case "AlphaDropout":
		y, err = g.AlphaDropout(x, l.rate, l.noiseShape, seed)
	default: // SpatialDropout: noise shape (batch, 1, ..., 1, channels)
		ns := make([]int, x.Dims())
		for i := range ns {
			ns[i] = 1
		}
		ns[0] = -1
		if l.first {
			ns[1] = -1
		} else {
			ns[len(ns)-1] = -1
		}
		y, err = g.Dropout(x, l.rate, ns, seed)
	}
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	return y, nil
}

// Config returns Keras 3's config (SpatialDropout: no trainable and a
// plain-string dtype, as Keras writes it, spec §9.4).
func (l *NoiseLayer) Config() map[string]any {
	c := l.baseConfig()
	c[noiseClasses[l.class]] = l.rate
	c["seed"] = nil
	if l.seed != nil {
		c["seed"] = *l.seed
	}
	switch l.class {
	case "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D":
		delete(c, "trainable")
		c["dtype"] = "float32"
		if l.class != "SpatialDropout1D" {
			c["data_format"] = map[bool]string{false: "channels_last", true: "channels_first"}[l.first]
		}
	case "AlphaDropout":
		c["noise_shape"] = nil
		if l.noiseShape != nil {
			ns := make([]any, len(l.noiseShape))
			for i, d := range l.noiseShape {
				if d > 0 {
					ns[i] = d
				}
			}
			c["noise_shape"] = ns
		}
	}
	return c
}

// ---------------------------------------------------------------------------
// ActivityRegularization

// ActivityRegularizationLayer is keras.layers.ActivityRegularization: the
// identity, adding (l1·Σ|y| + l2·Σy²)/batch to the training and evaluation
// loss (spec keras-layers.md §9.5).
type ActivityRegularizationLayer struct {
	base
	l1, l2 float64
}

// ActivityRegularization returns keras.layers.ActivityRegularization(l1, l2).
func ActivityRegularization(l1, l2 float64, opts ...Option) *ActivityRegularizationLayer {
	o := collect(opts)
	l := &ActivityRegularizationLayer{base: newBase("ActivityRegularization", o), l1: l1, l2: l2}
	if l1 < 0 || l2 < 0 || l1 != l1 || l2 != l2 {
		l.err = fmt.Errorf("l1 %v and l2 %v, want values ≥ 0", l1, l2)
	}
	if e := o.check("ActivityRegularization"); e != nil && l.err == nil {
		l.err = e
	}
	return l
}

// Build records the shape.
func (l *ActivityRegularizationLayer) Build(in []int) error {
	if err := l.begin(in); err != nil || l.built {
		return err
	}
	l.inShape, l.outShape, l.built = append([]int{}, in...), append([]int{}, in...), true
	return nil
}

// Emit returns x and adds its penalty to the graph's loss.
func (l *ActivityRegularizationLayer) Emit(g *runtime.Graph, x *G.Node, training bool) (*G.Node, error) {
	if !l.built {
		return nil, l.errorf("not built")
	}
	if l.l1 == 0 && l.l2 == 0 {
		return x, nil
	}
	p, err := g.ActivityPenalty(x, l.l1, l.l2)
	if err == nil {
		err = g.AddLoss(p)
	}
	if err != nil {
		return nil, l.errorf("%v", err)
	}
	return x, nil
}

// Config returns Keras 3's ActivityRegularization config.
func (l *ActivityRegularizationLayer) Config() map[string]any {
	c := l.baseConfig()
	c["l1"], c["l2"] = l.l1, l.l2
	return c
}

// noiseFromConfig builds the noise layers of this file from their Keras
// configs, and the extra normalization layers (normalization_extra.go); ok
// is false for other classes.
func noiseFromConfig(class string, r *cfgReader, common []Option) (Layer, bool) {
	if class == "ActivityRegularization" {
		return ActivityRegularization(r.float("l1", 0), r.float("l2", 0), common...), true
	}
	key, ok := noiseClasses[class]
	if !ok {
		return extraNormFromConfig(class, r, common)
	}
	opts := common
	if r.has("seed") {
		opts = append(opts, WithSeed(int64(r.int("seed", 0))))
	}
	switch class {
	case "SpatialDropout2D", "SpatialDropout3D":
		opts = append(opts, WithDataFormat(r.str("data_format", "channels_last")))
	case "AlphaDropout":
		if ns := r.ints("noise_shape"); ns != nil {
			opts = append(opts, WithNoiseShape(ns...))
		}
	}
	return newNoise(class, r.float(key, 0), opts), true
}
