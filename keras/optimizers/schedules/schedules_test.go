package schedules

import (
	"math"
	"testing"
)

func near(got, want float64) bool { return math.Abs(got-want) <= 1e-6*math.Abs(want)+1e-9 }

// ExponentialDecay goldens from learning_rate_schedule_test.py (spec §8);
// the others are the documented formulas evaluated in float64.
func TestSchedules(t *testing.T) {
	wt := 1.0
	cases := []struct {
		name string
		s    Schedule
		step int64
		want float64
	}{
		{"exp", ExponentialDecay{InitialLearningRate: 0.05, DecaySteps: 10, DecayRate: 0.96}, 5, 0.05 * math.Pow(0.96, 0.5)},
		{"exp staircase 1", ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 3, DecayRate: 0.96, Staircase: true}, 1, 0.1},
		{"exp staircase 2", ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 3, DecayRate: 0.96, Staircase: true}, 2, 0.1},
		{"exp staircase 100", ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 3, DecayRate: 0.96, Staircase: true}, 100, 0.02599864358413614},
		{"piecewise 0", PiecewiseConstantDecay{Boundaries: []float64{100, 110}, Values: []float64{1, 0.5, 0.1}}, 0, 1},
		{"piecewise 100", PiecewiseConstantDecay{Boundaries: []float64{100, 110}, Values: []float64{1, 0.5, 0.1}}, 100, 1},
		{"piecewise 105", PiecewiseConstantDecay{Boundaries: []float64{100, 110}, Values: []float64{1, 0.5, 0.1}}, 105, 0.5},
		{"piecewise 111", PiecewiseConstantDecay{Boundaries: []float64{100, 110}, Values: []float64{1, 0.5, 0.1}}, 111, 0.1},
		{"poly", NewPolynomialDecay(0.1, 100), 25, (0.1-0.0001)*0.75 + 0.0001},
		{"poly past end", NewPolynomialDecay(0.1, 100), 250, 0.0001},
		{"poly cycle", PolynomialDecay{InitialLearningRate: 0.1, DecaySteps: 100, EndLearningRate: 0.0001, Power: 2, Cycle: true}, 150,
			(0.1-0.0001)*math.Pow(1-150.0/200, 2) + 0.0001},
		{"inverse", InverseTimeDecay{InitialLearningRate: 0.1, DecaySteps: 10, DecayRate: 0.5}, 5, 0.1 / (1 + 0.5*0.5)},
		{"inverse staircase", InverseTimeDecay{InitialLearningRate: 0.1, DecaySteps: 10, DecayRate: 0.5, Staircase: true}, 15, 0.1 / 1.5},
		{"cosine", CosineDecay{InitialLearningRate: 0.1, DecaySteps: 100, Alpha: 0.1}, 25, 0.1 * (0.9*0.5*(1+math.Cos(math.Pi*0.25)) + 0.1)},
		{"cosine end", CosineDecay{InitialLearningRate: 0.1, DecaySteps: 100}, 1000, 0},
		{"cosine warmup", CosineDecay{InitialLearningRate: 0, DecaySteps: 100, WarmupTarget: &wt, WarmupSteps: 10}, 5, 0.5},
		{"cosine after warmup", CosineDecay{InitialLearningRate: 0, DecaySteps: 100, WarmupTarget: &wt, WarmupSteps: 10}, 60, 0.5},
		{"restarts t_mul 2", NewCosineDecayRestarts(1, 10), 15, 0.5 * (1 + math.Cos(math.Pi*5.0/20))},
		{"restarts t_mul 1", CosineDecayRestarts{InitialLearningRate: 1, FirstDecaySteps: 10, TMul: 1, MMul: 0.5}, 13,
			0.5 * 0.5 * (1 + math.Cos(math.Pi*0.3))},
	}
	for _, c := range cases {
		if got := c.s.At(c.step); !near(got, c.want) {
			t.Errorf("%s: At(%d) = %.10g, want %.10g", c.name, c.step, got, c.want)
		}
	}
}

func TestScheduleConfigRoundTrip(t *testing.T) {
	wt := 0.2
	for _, s := range []Schedule{
		ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 1000, DecayRate: 0.9, Staircase: true},
		PiecewiseConstantDecay{Boundaries: []float64{10, 20}, Values: []float64{0.1, 0.01, 0.001}},
		NewPolynomialDecay(0.1, 100),
		InverseTimeDecay{InitialLearningRate: 0.1, DecaySteps: 7, DecayRate: 0.5},
		CosineDecay{InitialLearningRate: 0.1, DecaySteps: 100, WarmupTarget: &wt, WarmupSteps: 5},
		NewCosineDecayRestarts(0.1, 50),
	} {
		s2, err := FromConfig(s.ClassName(), s.Config())
		if err != nil {
			t.Fatalf("%s: %v", s.ClassName(), err)
		}
		for _, st := range []int64{0, 3, 17, 60, 400} {
			if s.At(st) != s2.At(st) {
				t.Errorf("%s: round trip differs at %d", s.ClassName(), st)
			}
		}
	}
	if _, err := FromConfig("ExponentialDecay", map[string]any{"initial_learning_rate": 0.1, "decay_steps": 0.0, "decay_rate": 0.5}); err == nil {
		t.Error("decay_steps 0: no error")
	}
	if _, err := FromConfig("ExponentialDecay", map[string]any{"initial_learning_rate": 0.1, "decay_steps": 1.0, "decay_rate": 0.5, "x": 1}); err == nil {
		t.Error("unknown key: no error")
	}
	if _, err := FromConfig("Nope", nil); err == nil {
		t.Error("unknown class: no error")
	}
}
