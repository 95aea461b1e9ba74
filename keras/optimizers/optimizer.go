// Package optimizers holds Keras 3's optimizers for kerago, computing in
// float32 exactly as keras.optimizers does: SGD, Adam, AdamW, RMSprop,
// Adagrad, Adadelta, Adamax, Nadam, Lion, Adafactor, Ftrl, Lamb, Muon and
// ScheduleFreeAdamW (and LossScaleOptimizer around any of them), with the
// shared pipeline of
// BaseOptimizer.apply (gradient clipping, decoupled weight decay, learning
// rate schedules, EMA of the weights, gradient accumulation) and Keras's
// variable order and names for saving.
//
// Python → Go:
//
//	keras.optimizers.Adam(learning_rate=1e-3)            optimizers.NewAdam(optimizers.LearningRate(1e-3))
//	keras.optimizers.SGD(0.01, momentum=0.9,             optimizers.NewSGD(optimizers.LearningRate(0.01),
//	    nesterov=True, clipnorm=1.0)                         optimizers.Momentum(0.9), optimizers.Nesterov(true), optimizers.ClipNorm(1))
//	keras.optimizers.Adam(learning_rate=schedule)        optimizers.NewAdam(optimizers.WithSchedule(schedules.ExponentialDecay{...}))
//	opt.exclude_from_weight_decay(var_names=["bias"])    optimizers.ExcludeFromWeightDecay("bias") (option)
//	keras.optimizers.get("adam")                         optimizers.Get("adam")
//	keras.optimizers.deserialize(d)                      optimizers.FromConfig(d["class_name"], d["config"])
//	opt.apply_gradients(zip(grads, vars))                opt.Apply(vars, grads, names)
//	opt.iterations / opt.learning_rate                   opt.Iterations() / opt.LearningRate()
//	opt.learning_rate = 0.1                              opt.SetLearningRate(0.1)
//	opt.variables, opt.get_config()                      opt.Variables(), opt.Config()
//	opt.finalize_variable_values(vars)                   opt.FinalizeVariableValues(vars)
//	keras.optimizers.Muon(exclude_layers=["head"])       optimizers.NewMuon(optimizers.ExcludeLayers("head"))
//	keras.optimizers.LossScaleOptimizer(inner)           optimizers.NewLossScaleOptimizer(inner, optimizers.LossScaleOptions{})
//
// Variables are flat float32 slices updated in place. Arithmetic follows
// Keras's generic (TensorFlow/JAX) update_step code op by op in float32:
// Python-float hyperparameter expressions such as 1 − β₁ are evaluated in
// float64 and rounded to float32, the learning rate lives in a float32
// variable, and β^t is a float32 power. (Keras's torch backend fuses some
// of these ops differently, which changes results by a few ulps.)
package optimizers

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/kerago/kerago/internal/elementwise"
	"github.com/kerago/kerago/keras/optimizers/schedules"
)

// Optimizer is a Keras optimizer.
type Optimizer interface {
	// Name is the optimizer's name ("adam", "rm_sprop").
	Name() string
	// ClassName is the Keras class name ("Adam").
	ClassName() string
	// Apply performs one apply_gradients step: grads[i] is the gradient of
	// vars[i] (same length), each a flat float32 slice updated in place;
	// names[i] is the variable path ("dense_1/kernel") used for slot names
	// and weight-decay exclusion. The first call builds the slots (from the
	// lengths, unless Build was called with shapes). A non-finite gradient
	// norm propagates NaN as in Keras; errors are for mismatched inputs.
	Apply(vars, grads [][]float32, names []string) error
	// Iterations is opt.iterations: the number of optimizer steps taken
	// (apply calls divided by gradient_accumulation_steps when set).
	Iterations() int64
	// LearningRate is the current learning rate: the schedule evaluated at
	// the current step, or the float32 learning-rate variable.
	LearningRate() float64
	// SetLearningRate assigns the learning-rate variable (stored as
	// float32); an error when a schedule is in use (Keras: TypeError).
	SetLearningRate(lr float64) error
	// Config is Keras 3's get_config(): name, learning_rate (float32 value
	// widened, e.g. 0.0010000000474974513, or a serialized schedule),
	// weight_decay, clipnorm, global_clipnorm, clipvalue, use_ema,
	// ema_momentum, ema_overwrite_frequency, loss_scale_factor,
	// gradient_accumulation_steps, then the class's own keys.
	Config() map[string]any
	// Variables returns the optimizer variables in Keras 3 order (what a
	// .keras file stores under optimizer/vars): "iteration", "learning_rate"
	// (absent with a schedule), EMA averages, gradient accumulators, then
	// slots interleaved per model variable, each group in creation order.
	Variables() []Var
	// SetVariables restores variables saved in Variables' order. Before the
	// optimizer is built they are kept and applied when it is.
	SetVariables(vs []Var) error
	// Build creates the slots for variables of the given shapes and names
	// (paths such as "dense/kernel").
	Build(shapes [][]int, names []string) error
	// Built reports whether the slots exist.
	Built() bool
	// FinalizeVariableValues is finalize_variable_values, called at the end
	// of fit: with use_ema it copies the moving averages into vars.
	FinalizeVariableValues(vars [][]float32) error
}

// Var is one optimizer variable: Keras's name (the model variable path with
// "/" replaced by "_", then "_" and the slot name: "dense_1_kernel_momentum"),
// shape, and values widened to float64 (float32 values, or the integer
// iteration count, are exact in float64).
type Var struct {
	Name  string
	Shape []int
	Data  []float64
}

// Option configures an optimizer constructor.
type Option func(*hyper)

// hyper holds every hyperparameter an optimizer may take.
type hyper struct {
	set map[string]bool // which options were given (keys as in Keras)

	name           string
	lr             float64
	schedule       schedules.Schedule
	weightDecay    *float64
	clipnorm       *float64
	globalClipnorm *float64
	clipvalue      *float64
	useEMA         bool
	emaMomentum    float64
	emaOverwrite   *int
	lossScale      *float64
	gradAccum      *int
	exclude        []string

	momentum   float64
	nesterov   bool
	beta1      float64
	beta2      float64
	epsilon    float64
	amsgrad    bool
	rho        float64
	centered   bool
	initialAcc float64
	errs       []error

	more moreHyper // Adafactor, Ftrl, Muon, ScheduleFreeAdamW
}

func (h *hyper) mark(k string) { h.set[k] = true }

// Name sets the optimizer name (default: snake_case of the class, "adam").
func Name(n string) Option { return func(h *hyper) { h.mark("name"); h.name = n } }

// LearningRate sets a constant learning rate (stored as a float32 variable).
func LearningRate(lr float64) Option {
	return func(h *hyper) { h.mark("learning_rate"); h.lr = lr; h.schedule = nil }
}

// WithSchedule sets a learning-rate schedule evaluated at each step.
func WithSchedule(s schedules.Schedule) Option {
	return func(h *hyper) { h.mark("learning_rate"); h.schedule = s }
}

// WeightDecay sets decoupled weight decay: w ← w − w·wd·lr before each
// update (any optimizer).
func WeightDecay(wd float64) Option {
	return func(h *hyper) { h.mark("weight_decay"); h.weightDecay = &wd }
}

// ExcludeFromWeightDecay excludes variables whose name matches any of the
// given regular expressions from weight decay (Keras's
// exclude_from_weight_decay(var_names=...), matched with re.search against
// the variable's short name, the last component of its path: "bias").
func ExcludeFromWeightDecay(patterns ...string) Option {
	return func(h *hyper) { h.exclude = append(h.exclude, patterns...) }
}

// ClipNorm clips each gradient tensor to L2 norm at most c.
func ClipNorm(c float64) Option { return func(h *hyper) { h.mark("clipnorm"); h.clipnorm = &c } }

// GlobalClipNorm clips all gradients together to global L2 norm at most c.
func GlobalClipNorm(c float64) Option {
	return func(h *hyper) { h.mark("global_clipnorm"); h.globalClipnorm = &c }
}

// ClipValue clips every gradient element to [−c, c].
func ClipValue(c float64) Option { return func(h *hyper) { h.mark("clipvalue"); h.clipvalue = &c } }

// UseEMA keeps an exponential moving average of the weights.
func UseEMA(b bool) Option { return func(h *hyper) { h.mark("use_ema"); h.useEMA = b } }

// EMAMomentum sets ema_momentum (default 0.99).
func EMAMomentum(m float64) Option {
	return func(h *hyper) { h.mark("ema_momentum"); h.emaMomentum = m }
}

// EMAOverwriteFrequency copies the averages into the weights every n steps.
func EMAOverwriteFrequency(n int) Option {
	return func(h *hyper) { h.mark("ema_overwrite_frequency"); h.emaOverwrite = &n }
}

// LossScaleFactor divides gradients by f before applying them.
func LossScaleFactor(f float64) Option {
	return func(h *hyper) { h.mark("loss_scale_factor"); h.lossScale = &f }
}

// GradientAccumulationSteps applies the mean gradient of every n (≥ 2)
// Apply calls, accumulating in between.
func GradientAccumulationSteps(n int) Option {
	return func(h *hyper) { h.mark("gradient_accumulation_steps"); h.gradAccum = &n }
}

// Momentum sets SGD's or RMSprop's momentum.
func Momentum(m float64) Option { return func(h *hyper) { h.mark("momentum"); h.momentum = m } }

// Nesterov enables Nesterov momentum (SGD).
func Nesterov(b bool) Option { return func(h *hyper) { h.mark("nesterov"); h.nesterov = b } }

// Beta1 sets beta_1 (Adam, AdamW, Adamax, Nadam, Lion).
func Beta1(b float64) Option { return func(h *hyper) { h.mark("beta_1"); h.beta1 = b } }

// Beta2 sets beta_2 (Adam, AdamW, Adamax, Nadam, Lion).
func Beta2(b float64) Option { return func(h *hyper) { h.mark("beta_2"); h.beta2 = b } }

// Epsilon sets epsilon (all but SGD and Lion).
func Epsilon(e float64) Option { return func(h *hyper) { h.mark("epsilon"); h.epsilon = e } }

// AMSGrad enables the AMSGrad variant (Adam, AdamW).
func AMSGrad(b bool) Option { return func(h *hyper) { h.mark("amsgrad"); h.amsgrad = b } }

// Rho sets rho (RMSprop, Adadelta).
func Rho(r float64) Option { return func(h *hyper) { h.mark("rho"); h.rho = r } }

// Centered enables centered RMSprop.
func Centered(b bool) Option { return func(h *hyper) { h.mark("centered"); h.centered = b } }

// InitialAccumulatorValue sets Adagrad's initial accumulator value.
func InitialAccumulatorValue(v float64) Option {
	return func(h *hyper) { h.mark("initial_accumulator_value"); h.initialAcc = v }
}

// slotSpec is one add_optimizer_variables call: its slot names are
// interleaved per model variable, all starting at init (or at inits[k] for
// names[k] when inits is set).
type slotSpec struct {
	names []string
	init  float32
	inits []float32
}

// slotVar is one optimizer variable after iteration, learning_rate, the
// EMA averages and the gradient accumulators: slot slot of model variable v,
// with Keras's variable name, its shape and initial value.
type slotVar struct {
	slot, v int
	name    string
	shape   []int
	init    float32
}

// layoutAlgorithm is an algorithm whose variables are not one same-shaped
// slot per name per model variable (Adafactor's factored moments, Muon's
// Adam-only velocities). layout lists them in Keras's creation order;
// nslots is the number of slot indices used.
type layoutAlgorithm interface {
	layout(shapes [][]int, names []string) (vars []slotVar, nslots int)
}

// varInitAlgorithm initialises slots from the model variables' values when
// the optimizer is built (ScheduleFreeAdamW's momentum starts as a copy of
// the weights); kerago does it at the first Apply after Build, unless
// SetVariables restored the slots.
type varInitAlgorithm interface {
	initSlots(vars [][]float32, slots [][][]float32)
}

// weightDecayAlgorithm overrides the decoupled weight decay of variable i
// (Muon: adam_weight_decay for its Adam variables); nil means none.
type weightDecayAlgorithm interface {
	weightDecay(i int, base *float64) *float64
}

// gradReader marks an algorithm whose step only reads the gradients: with
// nothing else in the pipeline writing them (no clipping, loss scale or
// accumulation), Apply then hands it the caller's gradients uncopied.
type gradReader interface{ readsGradsOnly() }

func (*adam) readsGradsOnly()    {}
func (*sgd) readsGradsOnly()     {}
func (*rmsprop) readsGradsOnly() {}
func (*nadam) readsGradsOnly()   {}
func (*adamax) readsGradsOnly()  {}

// algorithm is one optimizer's update rule.
type algorithm interface {
	// specs are the slot groups in creation order.
	specs() []slotSpec
	// scalars are extra scalar variables after the slots (Nadam).
	scalars() []*scalarVar
	// step updates all variables for one batch. slots[k][i] is slot k
	// (flattened over specs in order) of variable i; iter is
	// opt.iterations before the increment.
	step(vars, grads [][]float32, slots [][][]float32, lr float32, iter int64)
	// config adds the class's own get_config keys.
	config(c map[string]any)
}

type scalarVar struct {
	name string
	v    float32
	init float32
}

// optimizer is the shared BaseOptimizer pipeline.
type optimizer struct {
	gbuf   [][]float32 // scratch copy of the gradients, reused by Apply
	class  string
	h      hyper
	alg    algorithm
	lr     float32 // the learning_rate variable
	rawIt  int64   // the iteration variable
	built  bool
	shapes [][]int
	sizes  []int
	names  []string
	ema    [][]float32
	accum  [][]float32
	slots  [][][]float32 // [slot][var]; nil where a variable has no such slot
	order  []slotVar     // the slot variables in Keras's order
	pend   []Var
	// needInit: the slots still have to be initialised from the model
	// variables (varInitAlgorithm) at the next Apply.
	needInit bool
	exRE     *regexp.Regexp
}

// classKeys lists the class-specific option keys each optimizer accepts.
var classKeys = map[string][]string{
	"SGD":       {"momentum", "nesterov"},
	"Adam":      {"beta_1", "beta_2", "epsilon", "amsgrad"},
	"AdamW":     {"beta_1", "beta_2", "epsilon", "amsgrad"},
	"RMSprop":   {"rho", "momentum", "epsilon", "centered"},
	"Adagrad":   {"initial_accumulator_value", "epsilon"},
	"Adadelta":  {"rho", "epsilon"},
	"Adamax":    {"beta_1", "beta_2", "epsilon"},
	"Nadam":     {"beta_1", "beta_2", "epsilon"},
	"Lion":      {"beta_1", "beta_2"},
	"Adafactor": {"beta_2_decay", "epsilon_1", "epsilon_2", "clip_threshold", "relative_step"},
	"Ftrl": {"learning_rate_power", "initial_accumulator_value", "l1_regularization_strength",
		"l2_regularization_strength", "l2_shrinkage_regularization_strength", "beta"},
	"Lamb": {"beta_1", "beta_2", "epsilon"},
	"Muon": {"adam_beta_1", "adam_beta_2", "adam_weight_decay", "epsilon", "exclude_layers", "exclude_embeddings",
		"muon_a", "muon_b", "muon_c", "adam_lr_ratio", "momentum", "ns_steps", "nesterov", "rms_rate"},
	"ScheduleFreeAdamW": {"beta_1", "beta_2", "epsilon", "warmup_steps"},
}

var commonKeys = map[string]bool{"name": true, "learning_rate": true, "weight_decay": true, "clipnorm": true,
	"global_clipnorm": true, "clipvalue": true, "use_ema": true, "ema_momentum": true,
	"ema_overwrite_frequency": true, "loss_scale_factor": true, "gradient_accumulation_steps": true}

func toSnake(class string) string {
	// Keras's naming.to_snake_case: "RMSprop" → "rm_sprop", "AdamW" → "adam_w".
	re1 := regexp.MustCompile(`(.)([A-Z][a-z]+)`)
	re2 := regexp.MustCompile(`([a-z])([A-Z])`)
	s := re1.ReplaceAllString(class, "${1}_${2}")
	s = re2.ReplaceAllString(s, "${1}_${2}")
	return strings.ToLower(s)
}

// newOptimizer applies defaults then options, validates, and returns the
// base with hyperparameters; mk builds the algorithm from them.
func newOptimizer(class string, defaults hyper, opts []Option, mk func(h *hyper) (algorithm, error)) (*optimizer, error) {
	h := defaults
	h.set = map[string]bool{}
	h.emaMomentum = 0.99
	for _, o := range opts {
		o(&h)
	}
	allowed := map[string]bool{}
	for _, k := range classKeys[class] {
		allowed[k] = true
	}
	for k := range h.set {
		if !commonKeys[k] && !allowed[k] {
			return nil, fmt.Errorf("optimizers: %s does not take %s", class, k)
		}
	}
	if h.name == "" {
		h.name = toSnake(class)
	}
	if h.schedule == nil && (math.IsNaN(h.lr) || math.IsInf(h.lr, 0)) {
		return nil, fmt.Errorf("optimizers: %s: learning_rate %v is not finite", class, h.lr)
	}
	if h.schedule != nil {
		if err := schedules.Validate(h.schedule); err != nil {
			return nil, fmt.Errorf("optimizers: %s: %w", class, err)
		}
	}
	nclip := 0
	for _, c := range []*float64{h.clipnorm, h.globalClipnorm, h.clipvalue} {
		if c != nil {
			nclip++
		}
	}
	if nclip > 1 {
		return nil, fmt.Errorf("optimizers: %s: only one of clipnorm, clipvalue and global_clipnorm can be set", class)
	}
	if h.gradAccum != nil && *h.gradAccum < 2 {
		return nil, fmt.Errorf("optimizers: %s: gradient_accumulation_steps must be an integer >= 2, got %d", class, *h.gradAccum)
	}
	if h.useEMA {
		if h.emaMomentum < 0 || h.emaMomentum > 1 {
			return nil, fmt.Errorf("optimizers: %s: ema_momentum must be in [0, 1], got %v", class, h.emaMomentum)
		}
		if h.emaOverwrite != nil && *h.emaOverwrite < 1 {
			return nil, fmt.Errorf("optimizers: %s: ema_overwrite_frequency must be an integer >= 1 or null, got %d", class, *h.emaOverwrite)
		}
	}
	o := &optimizer{class: class, h: h, lr: float32(h.lr)}
	if len(h.exclude) > 0 {
		re, err := regexp.Compile(strings.Join(h.exclude, "|"))
		if err != nil {
			return nil, fmt.Errorf("optimizers: %s: exclude_from_weight_decay: %w", class, err)
		}
		o.exRE = re
	}
	alg, err := mk(&o.h)
	if err != nil {
		return nil, fmt.Errorf("optimizers: %s: %w", class, err)
	}
	o.alg = alg
	return o, nil
}

func (o *optimizer) Name() string      { return o.h.name }
func (o *optimizer) ClassName() string { return o.class }
func (o *optimizer) Built() bool       { return o.built }

func (o *optimizer) Iterations() int64 {
	if o.h.gradAccum != nil {
		return o.rawIt / int64(*o.h.gradAccum)
	}
	return o.rawIt
}

// currentLR is _get_current_learning_rate: the schedule at the raw
// iteration variable, or the float32 variable.
func (o *optimizer) currentLR() float32 {
	if o.h.schedule != nil {
		return float32(o.h.schedule.At(o.rawIt))
	}
	return o.lr
}

func (o *optimizer) LearningRate() float64 { return float64(o.currentLR()) }

func (o *optimizer) SetLearningRate(lr float64) error {
	if o.h.schedule != nil {
		return fmt.Errorf("optimizers: %s was created with a learning-rate schedule, so its learning rate is not settable", o.h.name)
	}
	o.lr = float32(lr)
	return nil
}

func optF(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func optI(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func (o *optimizer) Config() map[string]any {
	c := map[string]any{
		"name":                        o.h.name,
		"weight_decay":                optF(o.h.weightDecay),
		"clipnorm":                    optF(o.h.clipnorm),
		"global_clipnorm":             optF(o.h.globalClipnorm),
		"clipvalue":                   optF(o.h.clipvalue),
		"use_ema":                     o.h.useEMA,
		"ema_momentum":                o.h.emaMomentum,
		"ema_overwrite_frequency":     optI(o.h.emaOverwrite),
		"loss_scale_factor":           optF(o.h.lossScale),
		"gradient_accumulation_steps": optI(o.h.gradAccum),
	}
	if o.h.schedule != nil {
		c["learning_rate"] = schedules.Serialize(o.h.schedule)
	} else {
		c["learning_rate"] = float64(o.lr)
	}
	o.alg.config(c)
	return c
}

func (o *optimizer) Build(shapes [][]int, names []string) error {
	if o.built {
		return nil
	}
	if names != nil && len(names) != len(shapes) {
		return fmt.Errorf("optimizers: %s: build with %d shapes and %d names", o.h.name, len(shapes), len(names))
	}
	o.shapes = make([][]int, len(shapes))
	o.names = make([]string, len(shapes))
	sizes := make([]int, len(shapes))
	for i, s := range shapes {
		n := 1
		for _, d := range s {
			if d < 0 {
				return fmt.Errorf("optimizers: %s: variable %d has negative dimension in %v", o.h.name, i, s)
			}
			n *= d
		}
		if n > maxVarElements {
			return fmt.Errorf("optimizers: %s: variable %d shape %v is too large", o.h.name, i, s)
		}
		sizes[i] = n
		o.shapes[i] = append([]int(nil), s...)
		if names != nil {
			o.names[i] = names[i]
		} else {
			o.names[i] = fmt.Sprintf("variable_%d", i)
		}
	}
	o.sizes = sizes
	alloc := func(init float32) [][]float32 {
		out := make([][]float32, len(sizes))
		for i, n := range sizes {
			out[i] = make([]float32, n)
			if init != 0 {
				for j := range out[i] {
					out[i][j] = init
				}
			}
		}
		return out
	}
	if o.h.useEMA {
		o.ema = alloc(0)
	}
	if o.h.gradAccum != nil {
		o.accum = alloc(0)
	}
	var nslots int
	if la, ok := o.alg.(layoutAlgorithm); ok {
		o.order, nslots = la.layout(o.shapes, o.names)
	} else {
		o.order, nslots = specLayout(o.alg.specs(), o.shapes, o.names)
	}
	o.slots = make([][][]float32, nslots)
	for k := range o.slots {
		o.slots[k] = make([][]float32, len(sizes))
	}
	for _, sv := range o.order {
		n := 1
		for _, d := range sv.shape {
			n *= d
		}
		d := make([]float32, n)
		if sv.init != 0 {
			for j := range d {
				d[j] = sv.init
			}
		}
		o.slots[sv.slot][sv.v] = d
	}
	for _, s := range o.alg.scalars() {
		s.v = s.init
	}
	_, o.needInit = o.alg.(varInitAlgorithm)
	o.built = true
	if o.pend != nil {
		p := o.pend
		o.pend = nil
		if len(p) <= o.unbuiltCount() {
			return nil // only iteration and learning_rate were saved
		}
		return o.SetVariables(p)
	}
	return nil
}

// unbuiltCount is the number of variables an unbuilt optimizer has.
func (o *optimizer) unbuiltCount() int {
	if o.h.schedule == nil {
		return 2
	}
	return 1
}

// specLayout is add_optimizer_variables for each spec in turn: the spec's
// names interleaved per model variable, named "<path>_<slot>".
func specLayout(specs []slotSpec, shapes [][]int, names []string) ([]slotVar, int) {
	var out []slotVar
	base := 0
	for _, sp := range specs {
		for i := range shapes {
			for k, n := range sp.names {
				init := sp.init
				if sp.inits != nil {
					init = sp.inits[k]
				}
				out = append(out, slotVar{slot: base + k, v: i, name: slotVarName(names[i], n),
					shape: append([]int(nil), shapes[i]...), init: init})
			}
		}
		base += len(sp.names)
	}
	return out, base
}

func slotVarName(path, slot string) string {
	return strings.ReplaceAll(path, "/", "_") + "_" + slot
}

func widen(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func (o *optimizer) Variables() []Var {
	vs := []Var{{Name: "iteration", Shape: []int{}, Data: []float64{float64(o.rawIt)}}}
	if o.h.schedule == nil {
		vs = append(vs, Var{Name: "learning_rate", Shape: []int{}, Data: []float64{float64(o.lr)}})
	}
	if !o.built {
		return vs
	}
	add := func(group [][]float32, slot string) {
		for i, d := range group {
			vs = append(vs, Var{Name: slotVarName(o.names[i], slot), Shape: append([]int(nil), o.shapes[i]...), Data: widen(d)})
		}
	}
	if o.ema != nil {
		add(o.ema, "average")
	}
	if o.accum != nil {
		add(o.accum, "gradient_accumulator")
	}
	for _, sv := range o.order {
		vs = append(vs, Var{Name: sv.name, Shape: append([]int(nil), sv.shape...), Data: widen(o.slots[sv.slot][sv.v])})
	}
	for _, s := range o.alg.scalars() {
		vs = append(vs, Var{Name: s.name, Shape: []int{}, Data: []float64{float64(s.v)}})
	}
	return vs
}

func (o *optimizer) SetVariables(vs []Var) error {
	if !o.built {
		o.pend = append([]Var(nil), vs...)
		// iteration and learning_rate exist before build.
		if len(vs) > 0 && len(vs[0].Data) == 1 {
			o.rawIt = int64(vs[0].Data[0])
		}
		if o.h.schedule == nil && len(vs) > 1 && len(vs[1].Data) == 1 {
			o.lr = float32(vs[1].Data[0])
		}
		return nil
	}
	cur := o.Variables()
	if len(vs) != len(cur) {
		return fmt.Errorf("optimizers: %s has %d variables but %d were given (Keras skips loading in this case)", o.h.name, len(cur), len(vs))
	}
	for i := range vs {
		if len(vs[i].Data) != len(cur[i].Data) {
			return fmt.Errorf("optimizers: %s: variable %d (%s) has %d values, want %d (shape %v)", o.h.name, i, cur[i].Name, len(vs[i].Data), len(cur[i].Data), cur[i].Shape)
		}
	}
	// Assign in the same walk order as Variables.
	idx := 0
	next := func() []float64 { d := vs[idx].Data; idx++; return d }
	o.rawIt = int64(next()[0])
	if o.h.schedule == nil {
		o.lr = float32(next()[0])
	}
	set := func(dst []float32, src []float64) {
		for j := range dst {
			dst[j] = float32(src[j])
		}
	}
	if o.ema != nil {
		for i := range o.ema {
			set(o.ema[i], next())
		}
	}
	if o.accum != nil {
		for i := range o.accum {
			set(o.accum[i], next())
		}
	}
	for _, sv := range o.order {
		set(o.slots[sv.slot][sv.v], next())
	}
	for _, s := range o.alg.scalars() {
		s.v = float32(next()[0])
	}
	o.needInit = false
	return nil
}

func (o *optimizer) FinalizeVariableValues(vars [][]float32) error {
	if !o.h.useEMA || o.ema == nil {
		return nil
	}
	if len(vars) != len(o.ema) {
		return fmt.Errorf("optimizers: %s: %d variables to finalize, optimizer holds %d averages", o.h.name, len(vars), len(o.ema))
	}
	for i := range vars {
		if len(vars[i]) != len(o.ema[i]) {
			return fmt.Errorf("optimizers: %s: variable %d has %d values, average has %d", o.h.name, i, len(vars[i]), len(o.ema[i]))
		}
		copy(vars[i], o.ema[i])
	}
	return nil
}

func (o *optimizer) Apply(vars, grads [][]float32, names []string) error {
	if len(vars) != len(grads) {
		return fmt.Errorf("optimizers: %s: %d variables but %d gradients", o.h.name, len(vars), len(grads))
	}
	if names != nil && len(names) != len(vars) {
		return fmt.Errorf("optimizers: %s: %d variables but %d names", o.h.name, len(vars), len(names))
	}
	if len(vars) == 0 {
		return nil // Keras: apply_gradients with no gradients is a no-op
	}
	for i := range vars {
		if len(vars[i]) != len(grads[i]) {
			n := fmt.Sprint(i)
			if names != nil {
				n = names[i]
			}
			return fmt.Errorf("optimizers: %s: variable %s has %d values but its gradient %d", o.h.name, n, len(vars[i]), len(grads[i]))
		}
	}
	if !o.built {
		shapes := make([][]int, len(vars))
		for i, v := range vars {
			shapes[i] = []int{len(v)}
		}
		if err := o.Build(shapes, names); err != nil {
			return err
		}
	}
	if len(vars) != len(o.names) {
		return fmt.Errorf("optimizers: %s was built for %d variables, got %d", o.h.name, len(o.names), len(vars))
	}
	for i := range vars {
		if len(vars[i]) != o.sizes[i] {
			return fmt.Errorf("optimizers: %s: variable %s has %d values, the optimizer was built with %d", o.h.name, o.names[i], len(vars[i]), o.sizes[i])
		}
	}
	if o.needInit {
		o.alg.(varInitAlgorithm).initSlots(vars, o.slots)
		o.needInit = false
	}
	if o.gradsUntouched() {
		o.update(vars, grads)
		o.finishApply(vars)
		return nil
	}
	// Work on a copy (clipping and scaling must not touch the caller's
	// gradients), in a scratch buffer kept across steps.
	if len(o.gbuf) != len(grads) {
		o.gbuf = make([][]float32, len(grads))
	}
	g := o.gbuf
	for i := range grads {
		if len(grads[i]) != o.sizes[i] {
			return fmt.Errorf("optimizers: %s: gradient of %s has %d values, want %d", o.h.name, o.names[i], len(grads[i]), o.sizes[i])
		}
		if cap(g[i]) < len(grads[i]) {
			g[i] = make([]float32, len(grads[i]))
		}
		g[i] = g[i][:len(grads[i])]
		copy(g[i], grads[i])
	}
	if o.h.lossScale != nil {
		s := float32(*o.h.lossScale)
		for _, gi := range g {
			for j := range gi {
				gi[j] /= s
			}
		}
	}
	if o.h.gradAccum != nil {
		steps := int64(*o.h.gradAccum)
		if (o.rawIt+1)%steps == 0 {
			st := float32(steps)
			for i := range g {
				for j := range g[i] {
					g[i][j] = (g[i][j] + o.accum[i][j]) / st
				}
				clear(o.accum[i])
			}
			o.update(vars, g)
		} else {
			for i := range g {
				for j := range g[i] {
					o.accum[i][j] = g[i][j] + o.accum[i][j]
				}
			}
		}
	} else {
		o.update(vars, g)
	}
	o.finishApply(vars)
	return nil
}

// gradsUntouched reports that nothing in this optimizer's pipeline writes
// the gradients: no loss scale, accumulation or clipping, and a step that
// only reads them.
func (o *optimizer) gradsUntouched() bool {
	_, ok := o.alg.(gradReader)
	clips := (o.h.clipnorm != nil && *o.h.clipnorm > 0) || (o.h.globalClipnorm != nil && *o.h.globalClipnorm > 0) ||
		(o.h.clipvalue != nil && *o.h.clipvalue > 0)
	return ok && o.h.lossScale == nil && o.h.gradAccum == nil && !clips
}

// finishApply is the end of an Apply: the EMA of the weights and the step
// count.
func (o *optimizer) finishApply(vars [][]float32) {
	if o.h.useEMA {
		it := o.Iterations()
		var m float32
		if it != 0 {
			m = float32(o.h.emaMomentum)
		}
		for i := range vars {
			a := o.ema[i]
			for j, w := range vars[i] {
				a[j] = float32(m*a[j]) + float32((1-m)*w)
			}
		}
		if o.h.emaOverwrite != nil && (it+1)%int64(*o.h.emaOverwrite) == 0 {
			for i := range vars {
				copy(vars[i], o.ema[i])
			}
		}
	}
	o.rawIt++
}

// update is the non-accumulating part of _backend_apply_gradients: clip,
// decoupled weight decay, then the optimizer's update step.
func (o *optimizer) update(vars, g [][]float32) {
	o.clip(g)
	lr := o.currentLR()
	wda, perVar := o.alg.(weightDecayAlgorithm)
	for i, w := range vars {
		wdp := o.h.weightDecay
		if perVar {
			wdp = wda.weightDecay(i, wdp)
		}
		if wdp == nil || !o.useWeightDecay(i) {
			continue
		}
		elementwise.WeightDecay(w, float32(*wdp), lr) // w = w − (w·wd)·lr
	}
	o.alg.step(vars, g, o.slots, lr, o.Iterations())
}

// useWeightDecay applies the exclude_from_weight_decay patterns to the
// variable's short name (Keras matches variable.name, e.g. "bias").
func (o *optimizer) useWeightDecay(i int) bool {
	if o.exRE == nil {
		return true
	}
	name := o.names[i]
	if k := strings.LastIndex(name, "/"); k >= 0 {
		name = name[k+1:]
	}
	return !o.exRE.MatchString(name)
}

func sqSum(g []float32) float32 {
	var s float64
	for _, x := range g {
		s += float64(x * x)
	}
	return float32(s)
}

// clip is _clip_gradients.
func (o *optimizer) clip(g [][]float32) {
	switch {
	case o.h.clipnorm != nil && *o.h.clipnorm > 0:
		c := float32(*o.h.clipnorm)
		for _, gi := range g {
			l2 := sqSum(gi)
			var norm float32
			if l2 > 0 {
				norm = float32(math.Sqrt(float64(l2)))
			}
			den := norm
			if c > den {
				den = c
			}
			for j := range gi {
				gi[j] = float32(gi[j]*c) / den
			}
		}
	case o.h.globalClipnorm != nil && *o.h.globalClipnorm > 0:
		c := float32(*o.h.globalClipnorm)
		var s float64
		for _, gi := range g {
			s += float64(sqSum(gi))
		}
		norm := float32(math.Sqrt(float64(float32(s))))
		inv := 1 / norm
		invc := float32(1 / *o.h.globalClipnorm)
		m := inv
		if invc < m {
			m = invc
		}
		scale := c*m + (norm - norm) // NaN when the norm is not finite
		for _, gi := range g {
			for j := range gi {
				gi[j] *= scale
			}
		}
	case o.h.clipvalue != nil && *o.h.clipvalue > 0:
		v := float32(*o.h.clipvalue)
		for _, gi := range g {
			for j, x := range gi {
				if x > v {
					gi[j] = v
				} else if x < -v {
					gi[j] = -v
				}
			}
		}
	}
}

// f32 rounds a Python-float expression evaluated in float64 to float32.
func f32(x float64) float32 { return float32(x) }

// pow32 is a float32 power (ops.power on float32 tensors).
func pow32(b, e float32) float32 { return float32(math.Pow(float64(b), float64(e))) }

// sqrt32 is a float32 square root (exact rounding).
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

func errf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// wrap converts a constructor result so that failure gives a nil interface.
func wrap(o *optimizer, err error) (Optimizer, error) {
	if err != nil {
		return nil, err
	}
	return o, nil
}

// maxVarElements bounds a variable's element count (1<<31, as tensors;
// math.MaxInt on 32-bit platforms).
const maxVarElements = min(1<<31, math.MaxInt)
