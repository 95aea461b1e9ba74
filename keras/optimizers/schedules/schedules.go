// Package schedules holds Keras 3's learning-rate schedules
// (keras.optimizers.schedules): a schedule maps the optimizer's iteration
// count (0 on the first step) to a learning rate, computed in float32 like
// Keras (the dtype of the initial learning rate).
//
// Python → Go:
//
//	keras.optimizers.schedules.ExponentialDecay(0.1, 1000, 0.96)   schedules.ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 1000, DecayRate: 0.96}
//	schedule(step)                                                 s.At(step)
//	schedule.get_config()                                          s.Config()
//	keras.optimizers.schedules.deserialize(d)                      schedules.FromConfig(className, cfg)
package schedules

import (
	"fmt"
	"github.com/kerago/kerago/internal/cfgval"
	"math"
	"sort"
	"strings"
)

// Schedule is a Keras LearningRateSchedule.
type Schedule interface {
	// At returns the learning rate at step (the optimizer's iterations
	// before the increment), a float32 value widened to float64.
	At(step int64) float64
	// Config is Keras's get_config().
	Config() map[string]any
	// ClassName is the Keras class name ("ExponentialDecay").
	ClassName() string
}

func f32pow(b, e float32) float32 { return float32(math.Pow(float64(b), float64(e))) }
func floor32(x float32) float32   { return float32(math.Floor(float64(x))) }

// ExponentialDecay is lr0 · rate^(step/decay_steps), with the exponent
// floored when Staircase.
type ExponentialDecay struct {
	InitialLearningRate float64
	DecaySteps          float64
	DecayRate           float64
	Staircase           bool
	Name                string // default "ExponentialDecay"
}

// At implements Schedule.
func (s ExponentialDecay) At(step int64) float64 {
	p := float32(step) / float32(s.DecaySteps)
	if s.Staircase {
		p = floor32(p)
	}
	return float64(float32(s.InitialLearningRate) * f32pow(float32(s.DecayRate), p))
}

// ClassName implements Schedule.
func (ExponentialDecay) ClassName() string { return "ExponentialDecay" }

// Config implements Schedule.
func (s ExponentialDecay) Config() map[string]any {
	return map[string]any{"initial_learning_rate": s.InitialLearningRate, "decay_steps": num(s.DecaySteps),
		"decay_rate": s.DecayRate, "staircase": s.Staircase, "name": def(s.Name, "ExponentialDecay")}
}

// PiecewiseConstantDecay is Values[0] for step ≤ Boundaries[0], Values[i]
// for Boundaries[i-1] < step ≤ Boundaries[i], and the last value after the
// last boundary. len(Values) must be len(Boundaries)+1.
type PiecewiseConstantDecay struct {
	Boundaries []float64
	Values     []float64
	Name       string // default "PiecewiseConstant"
}

// At implements Schedule.
func (s PiecewiseConstantDecay) At(step int64) float64 {
	if len(s.Values) == 0 {
		return 0
	}
	st := float64(step)
	for i, b := range s.Boundaries {
		if st <= b {
			return float64(float32(s.Values[i]))
		}
	}
	return float64(float32(s.Values[len(s.Values)-1]))
}

// ClassName implements Schedule.
func (PiecewiseConstantDecay) ClassName() string { return "PiecewiseConstantDecay" }

// Config implements Schedule.
func (s PiecewiseConstantDecay) Config() map[string]any {
	b := make([]any, len(s.Boundaries))
	for i, v := range s.Boundaries {
		b[i] = num(v)
	}
	v := make([]any, len(s.Values))
	for i, x := range s.Values {
		v[i] = x
	}
	return map[string]any{"boundaries": b, "values": v, "name": def(s.Name, "PiecewiseConstant")}
}

// PolynomialDecay is (lr0 − end)·(1 − min(step, ds)/ds)^power + end; with
// Cycle the decay steps are multiplied by ceil(step/ds) (1 at step 0).
type PolynomialDecay struct {
	InitialLearningRate float64
	DecaySteps          float64
	EndLearningRate     float64 // Keras default 0.0001: use NewPolynomialDecay or set it
	Power               float64 // Keras default 1.0
	Cycle               bool
	Name                string // default "PolynomialDecay"
}

// NewPolynomialDecay returns a PolynomialDecay with Keras's defaults
// (end_learning_rate=0.0001, power=1.0).
func NewPolynomialDecay(lr0, decaySteps float64) PolynomialDecay {
	return PolynomialDecay{InitialLearningRate: lr0, DecaySteps: decaySteps, EndLearningRate: 0.0001, Power: 1}
}

// At implements Schedule.
func (s PolynomialDecay) At(step int64) float64 {
	lr0 := float32(s.InitialLearningRate)
	end := float32(s.EndLearningRate)
	st := float32(step)
	ds := float32(s.DecaySteps)
	if s.Cycle {
		mult := float32(1)
		if st != 0 {
			mult = float32(math.Ceil(float64(st / float32(s.DecaySteps))))
		}
		ds *= mult
	} else if st > ds {
		st = ds
	}
	p := st / ds
	return float64((lr0-end)*f32pow(1-p, float32(s.Power)) + end)
}

// ClassName implements Schedule.
func (PolynomialDecay) ClassName() string { return "PolynomialDecay" }

// Config implements Schedule.
func (s PolynomialDecay) Config() map[string]any {
	return map[string]any{"initial_learning_rate": s.InitialLearningRate, "decay_steps": num(s.DecaySteps),
		"end_learning_rate": s.EndLearningRate, "power": s.Power, "cycle": s.Cycle, "name": def(s.Name, "PolynomialDecay")}
}

// InverseTimeDecay is lr0 / (1 + rate·step/ds), the ratio floored when
// Staircase.
type InverseTimeDecay struct {
	InitialLearningRate float64
	DecaySteps          float64
	DecayRate           float64
	Staircase           bool
	Name                string // default "InverseTimeDecay"
}

// At implements Schedule.
func (s InverseTimeDecay) At(step int64) float64 {
	p := float32(step) / float32(s.DecaySteps)
	if s.Staircase {
		p = floor32(p)
	}
	return float64(float32(s.InitialLearningRate) / (1 + float32(s.DecayRate)*p))
}

// ClassName implements Schedule.
func (InverseTimeDecay) ClassName() string { return "InverseTimeDecay" }

// Config implements Schedule.
func (s InverseTimeDecay) Config() map[string]any {
	return map[string]any{"initial_learning_rate": s.InitialLearningRate, "decay_steps": num(s.DecaySteps),
		"decay_rate": s.DecayRate, "staircase": s.Staircase, "name": def(s.Name, "InverseTimeDecay")}
}

// CosineDecay is lr0·((1−α)·½(1+cos(π·min(step,ds)/ds)) + α), preceded,
// when WarmupTarget is set, by a linear warmup from lr0 to the target over
// WarmupSteps (the decay then starts from the target).
type CosineDecay struct {
	InitialLearningRate float64
	DecaySteps          float64
	Alpha               float64
	WarmupTarget        *float64
	WarmupSteps         float64
	Name                string // default "CosineDecay"
}

func cosDecay(step, ds, from float32, alpha float64) float32 {
	frac := step / ds
	c := float32(0.5) * (1 + float32(math.Cos(float64(float32(math.Pi)*frac))))
	decayed := float32(1-alpha)*c + float32(alpha) // (1 - self.alpha) in Python double
	return from * decayed
}

// At implements Schedule.
func (s CosineDecay) At(step int64) float64 {
	lr0 := float32(s.InitialLearningRate)
	ds := float32(s.DecaySteps)
	st := float32(step)
	alpha := s.Alpha
	if s.WarmupTarget == nil {
		if st > ds {
			st = ds
		}
		return float64(cosDecay(st, ds, lr0, alpha))
	}
	target := float32(*s.WarmupTarget)
	ws := float32(s.WarmupSteps)
	if st > ds+ws {
		st = ds + ws
	}
	if st < ws {
		return float64((target-lr0)*(st/ws) + lr0)
	}
	return float64(cosDecay(st-ws, ds, target, alpha))
}

// ClassName implements Schedule.
func (CosineDecay) ClassName() string { return "CosineDecay" }

// Config implements Schedule.
func (s CosineDecay) Config() map[string]any {
	var wt any
	if s.WarmupTarget != nil {
		wt = *s.WarmupTarget
	}
	return map[string]any{"initial_learning_rate": s.InitialLearningRate, "decay_steps": num(s.DecaySteps),
		"alpha": s.Alpha, "name": def(s.Name, "CosineDecay"), "warmup_target": wt, "warmup_steps": num(s.WarmupSteps)}
}

// CosineDecayRestarts is SGDR: cosine decay restarted every period, the
// period growing by TMul and the peak by MMul at each restart.
type CosineDecayRestarts struct {
	InitialLearningRate float64
	FirstDecaySteps     float64
	TMul                float64 // Keras default 2.0: use NewCosineDecayRestarts or set it
	MMul                float64 // Keras default 1.0
	Alpha               float64
	Name                string // default "SGDRDecay"
}

// NewCosineDecayRestarts returns a CosineDecayRestarts with Keras's defaults
// (t_mul=2.0, m_mul=1.0, alpha=0.0).
func NewCosineDecayRestarts(lr0, firstDecaySteps float64) CosineDecayRestarts {
	return CosineDecayRestarts{InitialLearningRate: lr0, FirstDecaySteps: firstDecaySteps, TMul: 2, MMul: 1}
}

// At implements Schedule.
func (s CosineDecayRestarts) At(step int64) float64 {
	lr0 := float32(s.InitialLearningRate)
	tmul, mmul, alpha := float32(s.TMul), float32(s.MMul), float32(s.Alpha)
	frac := float32(step) / float32(s.FirstDecaySteps)
	var iRestart float32
	if tmul == 1 {
		iRestart = floor32(frac)
		frac -= iRestart
	} else {
		iRestart = floor32(float32(math.Log(float64(1-frac*(1-tmul)))) / float32(math.Log(float64(tmul))))
		sumR := (1 - f32pow(tmul, iRestart)) / (1 - tmul)
		frac = (frac - sumR) / f32pow(tmul, iRestart)
	}
	mfac := f32pow(mmul, iRestart)
	c := float32(0.5) * mfac * (1 + float32(math.Cos(float64(float32(math.Pi)*frac))))
	decayed := (1-alpha)*c + alpha
	return float64(lr0 * decayed)
}

// ClassName implements Schedule.
func (CosineDecayRestarts) ClassName() string { return "CosineDecayRestarts" }

// Config implements Schedule.
func (s CosineDecayRestarts) Config() map[string]any {
	return map[string]any{"initial_learning_rate": s.InitialLearningRate, "first_decay_steps": num(s.FirstDecaySteps),
		"t_mul": s.TMul, "m_mul": s.MMul, "alpha": s.Alpha, "name": def(s.Name, "SGDRDecay")}
}

func def(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// num returns integral values as int (Keras stores step counts as ints).
func num(v float64) any {
	if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
		return int64(v)
	}
	return v
}

// Serialize returns the Keras 3 serialized form of a schedule:
// {"module": "keras.optimizers.schedules", "class_name", "config",
// "registered_name": null}.
func Serialize(s Schedule) map[string]any {
	return map[string]any{"module": "keras.optimizers.schedules", "class_name": s.ClassName(),
		"config": s.Config(), "registered_name": nil}
}

// FromConfig rebuilds a schedule from its class name and config (Keras 3 and
// tf.keras, which use the same keys). Unknown keys are an error.
func FromConfig(className string, cfg map[string]any) (Schedule, error) {
	r := reader{class: className, cfg: cfg, used: map[string]bool{}}
	var s Schedule
	switch className {
	case "ExponentialDecay":
		s = ExponentialDecay{InitialLearningRate: r.f("initial_learning_rate", math.NaN()), DecaySteps: r.f("decay_steps", math.NaN()),
			DecayRate: r.f("decay_rate", math.NaN()), Staircase: r.b("staircase"), Name: r.s("name")}
	case "PiecewiseConstantDecay":
		s = PiecewiseConstantDecay{Boundaries: r.list("boundaries"), Values: r.list("values"), Name: r.s("name")}
	case "PolynomialDecay":
		s = PolynomialDecay{InitialLearningRate: r.f("initial_learning_rate", math.NaN()), DecaySteps: r.f("decay_steps", math.NaN()),
			EndLearningRate: r.f("end_learning_rate", 0.0001), Power: r.f("power", 1), Cycle: r.b("cycle"), Name: r.s("name")}
	case "InverseTimeDecay":
		s = InverseTimeDecay{InitialLearningRate: r.f("initial_learning_rate", math.NaN()), DecaySteps: r.f("decay_steps", math.NaN()),
			DecayRate: r.f("decay_rate", math.NaN()), Staircase: r.b("staircase"), Name: r.s("name")}
	case "CosineDecay":
		c := CosineDecay{InitialLearningRate: r.f("initial_learning_rate", math.NaN()), DecaySteps: r.f("decay_steps", math.NaN()),
			Alpha: r.f("alpha", 0), WarmupSteps: r.f("warmup_steps", 0), Name: r.s("name")}
		if v, ok := cfg["warmup_target"]; ok && v != nil {
			w := r.f("warmup_target", math.NaN())
			c.WarmupTarget = &w
		}
		r.used["warmup_target"] = true
		s = c
	case "CosineDecayRestarts":
		s = CosineDecayRestarts{InitialLearningRate: r.f("initial_learning_rate", math.NaN()), FirstDecaySteps: r.f("first_decay_steps", math.NaN()),
			TMul: r.f("t_mul", 2), MMul: r.f("m_mul", 1), Alpha: r.f("alpha", 0), Name: r.s("name")}
	default:
		return nil, fmt.Errorf("schedules: unknown learning-rate schedule %q; valid: CosineDecay, CosineDecayRestarts, ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, PolynomialDecay", className)
	}
	if r.err != nil {
		return nil, r.err
	}
	var unknown []string
	for k := range cfg {
		if !r.used[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("schedules: %s config: unknown keys %s", className, strings.Join(unknown, ", "))
	}
	if err := Validate(s); err != nil {
		return nil, err
	}
	return s, nil
}

// Validate checks a schedule's arguments as Keras's constructors do
// (decay steps > 0, one more value than boundaries).
func Validate(s Schedule) error {
	bad := func(n string, v float64) error {
		return fmt.Errorf("schedules: %s: %s must be > 0, got %v", s.ClassName(), n, v)
	}
	switch x := s.(type) {
	case ExponentialDecay:
		if !(x.DecaySteps > 0) {
			return bad("decay_steps", x.DecaySteps)
		}
	case InverseTimeDecay:
		if !(x.DecaySteps > 0) {
			return bad("decay_steps", x.DecaySteps)
		}
	case PolynomialDecay:
		if !(x.DecaySteps > 0) {
			return bad("decay_steps", x.DecaySteps)
		}
	case CosineDecay:
		if !(x.DecaySteps > 0) {
			return bad("decay_steps", x.DecaySteps)
		}
	case CosineDecayRestarts:
		if !(x.FirstDecaySteps > 0) {
			return bad("first_decay_steps", x.FirstDecaySteps)
		}
	case PiecewiseConstantDecay:
		if len(x.Boundaries) != len(x.Values)-1 {
			return fmt.Errorf("schedules: PiecewiseConstantDecay: %d boundaries need %d values, got %d", len(x.Boundaries), len(x.Boundaries)+1, len(x.Values))
		}
	}
	return nil
}

type reader struct {
	class string
	cfg   map[string]any
	used  map[string]bool
	err   error
}

func (r *reader) fail(k string, v any, want string) {
	if r.err == nil {
		r.err = fmt.Errorf("schedules: %s config: %s is %v (%T), want %s", r.class, k, v, v, want)
	}
}

func (r *reader) f(k string, d float64) float64 {
	r.used[k] = true
	v, ok := r.cfg[k]
	if !ok || v == nil {
		if math.IsNaN(d) {
			r.fail(k, v, "a number (required)")
		}
		return d
	}
	f, ok := ToFloat(v)
	if !ok {
		r.fail(k, v, "a number")
	}
	return f
}

func (r *reader) b(k string) bool {
	r.used[k] = true
	v, ok := r.cfg[k]
	if !ok || v == nil {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		r.fail(k, v, "a bool")
	}
	return b
}

func (r *reader) s(k string) string {
	r.used[k] = true
	v, ok := r.cfg[k]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.fail(k, v, "a string")
	}
	return s
}

func (r *reader) list(k string) []float64 {
	r.used[k] = true
	v, ok := r.cfg[k].([]any)
	if !ok {
		if fl, ok2 := r.cfg[k].([]float64); ok2 {
			return fl
		}
		r.fail(k, r.cfg[k], "a list of numbers")
		return nil
	}
	out := make([]float64, len(v))
	for i, x := range v {
		f, ok := ToFloat(x)
		if !ok {
			r.fail(k, x, "a list of numbers")
		}
		out[i] = f
	}
	return out
}

// ToFloat converts a JSON/YAML-decoded number (float64, float32, int kinds)
// to float64; bools are not numbers.
func ToFloat(v any) (float64, bool) { return cfgval.Float(v) }
