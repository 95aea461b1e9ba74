package constraints

import (
	"math"
	"testing"
)

func near(a []float32, b []float64) bool {
	for i := range b {
		if math.Abs(float64(a[i])-b[i]) > 1e-6 {
			return false
		}
	}
	return true
}

// Hand-computed: kernel (2, 2) = [[3, 0], [4, 1]]; axis 0 column norms 5
// and 1; axis 1 row norms 3 and sqrt(17).
func TestConstraints(t *testing.T) {
	k := func() []float32 { return []float32{3, 0, 4, 1} }
	s17 := math.Sqrt(17)
	cases := []struct {
		name string
		c    Constraint
		want []float64
	}{
		{"maxnorm 2 axis 0", MaxNorm(2), []float64{3 * 2 / 5.0, 0, 4 * 2 / 5.0, 1 / (1 + 1e-7)}},
		{"maxnorm 2 axis 1", MaxNorm(2, 1), []float64{2, 0, 4 * 2 / s17, 2 / s17}},
		{"unitnorm", UnitNorm(), []float64{0.6, 0, 0.8, 1}},
		{"unitnorm both axes", UnitNorm(0, 1), []float64{3 / math.Sqrt(26), 0, 4 / math.Sqrt(26), 1 / math.Sqrt(26)}},
		{"minmax 2..4", MinMaxNorm(2, 4, 1), []float64{3 * 4 / 5.0, 0, 4 * 4 / 5.0, 2}},
		{"minmax rate .5", MinMaxNorm(2, 4, 0.5), []float64{3 * 4.5 / 5, 0, 4 * 4.5 / 5, 1.5}},
		{"nonneg", NonNeg(), []float64{3, 0, 4, 1}},
	}
	for _, c := range cases {
		w := k()
		if err := c.c.Apply(w, []int{2, 2}); err != nil {
			t.Fatal(err)
		}
		if !near(w, c.want) {
			t.Errorf("%s: %v, want %v", c.name, w, c.want)
		}
	}
	w := []float32{-1, 2, -0.5}
	if err := NonNeg().Apply(w, []int{3}); err != nil || !near(w, []float64{0, 2, 0}) {
		t.Errorf("nonneg: %v %v", w, err)
	}
	if err := MaxNorm(2, 2).Apply(k(), []int{2, 2}); err == nil {
		t.Error("bad axis: no error")
	}
	if err := MaxNorm(2).Apply(k(), []int{3, 2}); err == nil {
		t.Error("bad shape: no error")
	}
}

func TestConfig(t *testing.T) {
	c, err := FromConfig("MaxNorm", map[string]any{"max_value": 3.0, "axis": 0.0})
	if err != nil {
		t.Fatal(err)
	}
	if cfg := c.Config(); cfg["max_value"] != int64(3) || cfg["axis"] != 0 {
		t.Errorf("config %v", cfg)
	}
	c, err = FromConfig("maxnorm", map[string]any{"m": 1.5, "axis": []any{0.0, 1.0}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg := c.Config(); cfg["max_value"] != 1.5 {
		t.Errorf("K1 config %v", cfg)
	}
	c, err = FromConfig("MinMaxNorm", map[string]any{"min_value": 0.5, "max_value": 1.0, "rate": 1.0, "axis": 1.0})
	if err != nil || c.Config()["min_value"] != 0.5 {
		t.Errorf("MinMaxNorm: %v %v", c, err)
	}
	for _, n := range []string{"NonNeg", "non_neg", "nonneg", "UnitNorm", "unit_norm"} {
		if _, err := Get(n); err != nil {
			t.Errorf("Get(%q): %v", n, err)
		}
	}
	if _, err := FromConfig("MaxNorm", map[string]any{"bogus": 1.0}); err == nil {
		t.Error("unknown key: no error")
	}
	if _, err := Get("positive"); err == nil {
		t.Error("unknown: no error")
	}
}
