// Package initializers holds Keras 3's weight initializers for kerago
// (keras.initializers): the variance-scaling family (GlorotUniform, HeNormal,
// LecunNormal, ...), random normal/uniform/truncated normal, constants,
// Orthogonal and Identity.
//
// Random draws use Go's math/rand/v2 PCG generator: with a seed the values
// are reproducible in Go (each Init call with the same seed gives the same
// values, like Keras's seeded initializers), but they cannot equal Keras's
// own, which depend on the backend's RNG (spec §3). Use loaded weights or
// constant initializers for numeric parity.
//
// Python → Go:
//
//	keras.initializers.GlorotUniform(seed=1)        initializers.GlorotUniform(initializers.Seed(1))
//	keras.initializers.RandomNormal(stddev=0.1)     initializers.RandomNormal(initializers.Stddev(0.1))
//	keras.initializers.Constant(3.0)                initializers.Constant(3)
//	keras.initializers.get("he_normal")             initializers.Get("he_normal")
//	keras.initializers.deserialize(d)               initializers.FromConfig(className, cfg)
//	init(shape)                                     init.Init(shape, dst)
package initializers

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/kerago/kerago/tensor"
)

// Initializer fills a weight of the given shape.
type Initializer interface {
	// Init writes the initial values of a tensor of shape into dst
	// (len(dst) must be the product of shape).
	Init(shape []int, dst []float32) error
	// ClassName is the Keras class name ("GlorotUniform").
	ClassName() string
	// Config is Keras 3's get_config().
	Config() map[string]any
}

// Option configures an initializer.
type Option func(*params)

type params struct {
	seed         *uint64
	mean         float64
	stddev       float64
	minval       float64
	maxval       float64
	scale        float64
	mode         string
	distribution string
	gain         float64
	inputAxes    []int
	outputAxes   []int
}

// Seed makes the initializer deterministic.
func Seed(s uint64) Option { return func(p *params) { p.seed = &s } }

// Mean sets the mean (RandomNormal, TruncatedNormal; default 0).
func Mean(m float64) Option { return func(p *params) { p.mean = m } }

// Stddev sets the standard deviation (RandomNormal, TruncatedNormal;
// default 0.05).
func Stddev(s float64) Option { return func(p *params) { p.stddev = s } }

// MinVal and MaxVal set RandomUniform's bounds (default −0.05, 0.05).
func MinVal(v float64) Option { return func(p *params) { p.minval = v } }

// MaxVal sets RandomUniform's upper bound.
func MaxVal(v float64) Option { return func(p *params) { p.maxval = v } }

// Scale sets VarianceScaling's scale (default 1.0).
func Scale(s float64) Option { return func(p *params) { p.scale = s } }

// Mode sets VarianceScaling's mode: "fan_in" (default), "fan_out", "fan_avg".
func Mode(m string) Option { return func(p *params) { p.mode = m } }

// Distribution sets VarianceScaling's distribution: "truncated_normal"
// (default), "untruncated_normal" (or "normal"), "uniform".
func Distribution(d string) Option { return func(p *params) { p.distribution = d } }

// Gain sets Orthogonal's or Identity's multiplicative factor (default 1.0).
func Gain(g float64) Option { return func(p *params) { p.gain = g } }

// Axes sets the input and output axes used to compute fans (Keras 3.15
// input_axes/output_axes); both must be given to take effect.
func Axes(input, output []int) Option {
	return func(p *params) { p.inputAxes, p.outputAxes = input, output }
}

func defaults() params {
	return params{stddev: 0.05, minval: -0.05, maxval: 0.05, scale: 1, mode: "fan_in", distribution: "truncated_normal", gain: 1}
}

func build(opts []Option, base params) params {
	for _, o := range opts {
		o(&base)
	}
	return base
}

func (p *params) rng() *rand.Rand {
	if p.seed != nil {
		return rand.New(rand.NewPCG(*p.seed, 0x6b657261732d676f)) // "keras-go"
	}
	return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
}

func (p *params) seedConfig() any {
	if p.seed == nil {
		return nil
	}
	return int64(*p.seed)
}

func checkSize(class string, shape []int, dst []float32) error {
	n, err := tensor.NumElements(shape)
	if err != nil {
		return fmt.Errorf("initializers: %s: %w", class, err)
	}
	if n != len(dst) {
		return fmt.Errorf("initializers: %s: shape %v has %d elements, destination %d", class, shape, n, len(dst))
	}
	return nil
}

// ComputeFans is Keras's compute_fans: rank 2 → (shape[0], shape[1]); rank
// 1 → both shape[0]; rank > 2 → receptive field product times the last two
// dimensions; rank 0 → 1, 1. With axes, fans are the products over them.
func ComputeFans(shape []int, inputAxes, outputAxes []int) (fanIn, fanOut int, err error) {
	if inputAxes != nil && outputAxes != nil {
		fanIn, fanOut = 1, 1
		for _, a := range inputAxes {
			if a < 0 {
				a += len(shape)
			}
			if a < 0 || a >= len(shape) {
				return 0, 0, fmt.Errorf("input axis %d out of range for shape %v", a, shape)
			}
			fanIn *= shape[a]
		}
		for _, a := range outputAxes {
			if a < 0 {
				a += len(shape)
			}
			if a < 0 || a >= len(shape) {
				return 0, 0, fmt.Errorf("output axis %d out of range for shape %v", a, shape)
			}
			fanOut *= shape[a]
		}
		return fanIn, fanOut, nil
	}
	switch len(shape) {
	case 0:
		return 1, 1, nil
	case 1:
		return shape[0], shape[0], nil
	case 2:
		return shape[0], shape[1], nil
	}
	rec := 1
	for _, d := range shape[:len(shape)-2] {
		rec *= d
	}
	return shape[len(shape)-2] * rec, shape[len(shape)-1] * rec, nil
}

// truncNormal draws from N(mean, sd) truncated to mean ± 2·sd by redrawing.
func truncNormal(r *rand.Rand, mean, sd float64) float64 {
	for {
		z := r.NormFloat64()
		if z >= -2 && z <= 2 {
			return mean + sd*z
		}
	}
}

// ---- variance scaling family

type varianceScaling struct {
	class string
	p     params
	// short is true for the named presets (GlorotUniform, ...), whose
	// config has only seed and axes.
	short bool
}

// VarianceScaling is keras.initializers.VarianceScaling(scale=1.0,
// mode="fan_in", distribution="truncated_normal"): n = max(1, fan) for the
// mode; uniform in ±sqrt(3·scale/n); truncated normal with stddev
// sqrt(scale/n)/0.87962566103423978 cut at 2σ; untruncated normal with
// stddev sqrt(scale/n).
func VarianceScaling(opts ...Option) Initializer {
	return &varianceScaling{class: "VarianceScaling", p: build(opts, defaults())}
}

func preset(class string, scale float64, mode, dist string, opts []Option) Initializer {
	p := build(opts, defaults())
	p.scale, p.mode, p.distribution = scale, mode, dist
	return &varianceScaling{class: class, p: p, short: true}
}

// GlorotUniform is VarianceScaling(1, "fan_avg", "uniform"): U(±sqrt(6/(fan_in+fan_out))).
func GlorotUniform(opts ...Option) Initializer {
	return preset("GlorotUniform", 1, "fan_avg", "uniform", opts)
}

// GlorotNormal is VarianceScaling(1, "fan_avg", "truncated_normal").
func GlorotNormal(opts ...Option) Initializer {
	return preset("GlorotNormal", 1, "fan_avg", "truncated_normal", opts)
}

// HeUniform is VarianceScaling(2, "fan_in", "uniform"): U(±sqrt(6/fan_in)).
func HeUniform(opts ...Option) Initializer { return preset("HeUniform", 2, "fan_in", "uniform", opts) }

// HeNormal is VarianceScaling(2, "fan_in", "truncated_normal").
func HeNormal(opts ...Option) Initializer {
	return preset("HeNormal", 2, "fan_in", "truncated_normal", opts)
}

// LecunUniform is VarianceScaling(1, "fan_in", "uniform"): U(±sqrt(3/fan_in)).
func LecunUniform(opts ...Option) Initializer {
	return preset("LecunUniform", 1, "fan_in", "uniform", opts)
}

// LecunNormal is VarianceScaling(1, "fan_in", "truncated_normal").
func LecunNormal(opts ...Option) Initializer {
	return preset("LecunNormal", 1, "fan_in", "truncated_normal", opts)
}

func (v *varianceScaling) ClassName() string { return v.class }

func (v *varianceScaling) Config() map[string]any {
	c := map[string]any{"seed": v.p.seedConfig(), "input_axes": axesConfig(v.p.inputAxes), "output_axes": axesConfig(v.p.outputAxes)}
	if !v.short {
		c["scale"] = v.p.scale
		c["mode"] = v.p.mode
		c["distribution"] = v.p.distribution
	}
	return c
}

func axesConfig(a []int) any {
	if a == nil {
		return nil
	}
	out := make([]any, len(a))
	for i, x := range a {
		out[i] = x
	}
	return out
}

func (v *varianceScaling) check() error {
	if !(v.p.scale > 0) {
		return fmt.Errorf("initializers: %s: scale must be positive, got %v", v.class, v.p.scale)
	}
	switch v.p.mode {
	case "fan_in", "fan_out", "fan_avg":
	default:
		return fmt.Errorf("initializers: %s: mode %q, want fan_in, fan_out or fan_avg", v.class, v.p.mode)
	}
	switch v.p.distribution {
	case "truncated_normal", "untruncated_normal", "normal", "uniform":
	default:
		return fmt.Errorf("initializers: %s: distribution %q, want truncated_normal, untruncated_normal or uniform", v.class, v.p.distribution)
	}
	return nil
}

func (v *varianceScaling) Init(shape []int, dst []float32) error {
	if err := v.check(); err != nil {
		return err
	}
	if err := checkSize(v.class, shape, dst); err != nil {
		return err
	}
	fi, fo, err := ComputeFans(shape, v.p.inputAxes, v.p.outputAxes)
	if err != nil {
		return fmt.Errorf("initializers: %s: %w", v.class, err)
	}
	var n float64
	switch v.p.mode {
	case "fan_in":
		n = math.Max(1, float64(fi))
	case "fan_out":
		n = math.Max(1, float64(fo))
	default:
		n = math.Max(1, float64(fi+fo)/2)
	}
	scale := v.p.scale / n
	r := v.p.rng()
	switch v.p.distribution {
	case "truncated_normal":
		sd := math.Sqrt(scale) / 0.87962566103423978
		for i := range dst {
			dst[i] = float32(truncNormal(r, 0, sd))
		}
	case "untruncated_normal", "normal":
		sd := math.Sqrt(scale)
		for i := range dst {
			dst[i] = float32(sd * r.NormFloat64())
		}
	default:
		limit := math.Sqrt(3 * scale)
		for i := range dst {
			dst[i] = float32(-limit + 2*limit*r.Float64())
		}
	}
	return nil
}

// ---- plain random

type randomNormal struct {
	p         params
	truncated bool
}

// RandomNormal is keras.initializers.RandomNormal(mean=0.0, stddev=0.05).
func RandomNormal(opts ...Option) Initializer { return &randomNormal{p: build(opts, defaults())} }

// TruncatedNormal is keras.initializers.TruncatedNormal(mean=0.0,
// stddev=0.05): normal values beyond 2 stddev of the mean are redrawn.
func TruncatedNormal(opts ...Option) Initializer {
	return &randomNormal{p: build(opts, defaults()), truncated: true}
}

func (r *randomNormal) ClassName() string {
	if r.truncated {
		return "TruncatedNormal"
	}
	return "RandomNormal"
}

func (r *randomNormal) Config() map[string]any {
	return map[string]any{"seed": r.p.seedConfig(), "mean": r.p.mean, "stddev": r.p.stddev}
}

func (r *randomNormal) Init(shape []int, dst []float32) error {
	if err := checkSize(r.ClassName(), shape, dst); err != nil {
		return err
	}
	g := r.p.rng()
	for i := range dst {
		if r.truncated {
			dst[i] = float32(truncNormal(g, r.p.mean, r.p.stddev))
		} else {
			dst[i] = float32(r.p.mean + r.p.stddev*g.NormFloat64())
		}
	}
	return nil
}

type randomUniform struct{ p params }

// RandomUniform is keras.initializers.RandomUniform(minval=-0.05,
// maxval=0.05).
func RandomUniform(opts ...Option) Initializer { return &randomUniform{p: build(opts, defaults())} }

func (r *randomUniform) ClassName() string { return "RandomUniform" }

func (r *randomUniform) Config() map[string]any {
	return map[string]any{"seed": r.p.seedConfig(), "minval": r.p.minval, "maxval": r.p.maxval}
}

func (r *randomUniform) Init(shape []int, dst []float32) error {
	if err := checkSize("RandomUniform", shape, dst); err != nil {
		return err
	}
	g := r.p.rng()
	for i := range dst {
		dst[i] = float32(r.p.minval + (r.p.maxval-r.p.minval)*g.Float64())
	}
	return nil
}

// ---- constants

type constant struct {
	class string
	value float64
}

// Zeros is keras.initializers.Zeros.
func Zeros() Initializer { return &constant{class: "Zeros"} }

// Ones is keras.initializers.Ones.
func Ones() Initializer { return &constant{class: "Ones", value: 1} }

// Constant is keras.initializers.Constant(value).
func Constant(value float64) Initializer { return &constant{class: "Constant", value: value} }

func (c *constant) ClassName() string { return c.class }

func (c *constant) Config() map[string]any {
	if c.class == "Constant" {
		return map[string]any{"value": c.value}
	}
	return map[string]any{}
}

func (c *constant) Init(shape []int, dst []float32) error {
	if err := checkSize(c.class, shape, dst); err != nil {
		return err
	}
	v := float32(c.value)
	for i := range dst {
		dst[i] = v
	}
	return nil
}

// ---- Orthogonal and Identity

type orthogonal struct{ p params }

// Orthogonal is keras.initializers.Orthogonal(gain=1.0): the Q factor of a
// random normal matrix of shape (max(r, c), min(r, c)) with r the product
// of all dimensions but the last and c the last, transposed when r < c, so
// rows (r < c) or columns are orthonormal; times gain.
func Orthogonal(opts ...Option) Initializer { return &orthogonal{p: build(opts, defaults())} }

func (o *orthogonal) ClassName() string { return "Orthogonal" }

func (o *orthogonal) Config() map[string]any {
	return map[string]any{"seed": o.p.seedConfig(), "gain": o.p.gain}
}

func (o *orthogonal) Init(shape []int, dst []float32) error {
	if len(shape) < 2 {
		return fmt.Errorf("initializers: Orthogonal: the tensor to initialize must be at least two-dimensional, got shape %v", shape)
	}
	if err := checkSize("Orthogonal", shape, dst); err != nil {
		return err
	}
	rows := 1
	for _, d := range shape[:len(shape)-1] {
		rows *= d
	}
	cols := shape[len(shape)-1]
	m, n := max(rows, cols), min(rows, cols)
	if n == 0 {
		return nil
	}
	g := o.p.rng()
	// a is m×n column-major: column j at a[j*m:(j+1)*m].
	a := make([]float64, m*n)
	for i := range a {
		a[i] = g.NormFloat64()
	}
	// Modified Gram–Schmidt gives Q with a positive diagonal in R, which is
	// Keras's q·sign(diag(r)).
	for j := 0; j < n; j++ {
		cj := a[j*m : (j+1)*m]
		for k := 0; k < j; k++ {
			ck := a[k*m : (k+1)*m]
			var d float64
			for i := range cj {
				d += cj[i] * ck[i]
			}
			for i := range cj {
				cj[i] -= d * ck[i]
			}
		}
		var nrm float64
		for _, x := range cj {
			nrm += x * x
		}
		nrm = math.Sqrt(nrm)
		if nrm == 0 {
			return fmt.Errorf("initializers: Orthogonal: degenerate random matrix")
		}
		for i := range cj {
			cj[i] /= nrm
		}
	}
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			var q float64
			if rows >= cols {
				q = a[c*m+r] // Q is rows×cols
			} else {
				q = a[r*m+c] // Qᵀ: Q is cols×rows
			}
			dst[r*cols+c] = float32(o.p.gain * q)
		}
	}
	return nil
}

type identity struct{ gain float64 }

// Identity is keras.initializers.Identity(gain=1.0): gain·eye(rows, cols)
// for 2-D shapes.
func Identity(opts ...Option) Initializer {
	p := build(opts, defaults())
	return &identity{gain: p.gain}
}

func (i *identity) ClassName() string { return "Identity" }

func (i *identity) Config() map[string]any { return map[string]any{"gain": i.gain} }

func (i *identity) Init(shape []int, dst []float32) error {
	if len(shape) != 2 {
		return fmt.Errorf("initializers: Identity can only be used for 2D matrices, got shape %v", shape)
	}
	if err := checkSize("Identity", shape, dst); err != nil {
		return err
	}
	clear(dst)
	for k := 0; k < min(shape[0], shape[1]); k++ {
		dst[k*shape[1]+k] = float32(i.gain)
	}
	return nil
}
