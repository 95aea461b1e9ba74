package regularizers

import (
	"math"
	"testing"
)

func TestPenaltyAndGrad(t *testing.T) {
	w := []float32{1, -2, 0, 3}
	cases := []struct {
		r    Regularizer
		pen  float64
		grad []float64
	}{
		// hand-computed: Σ|w| = 6, Σw² = 14
		{L1(0.1), 0.6, []float64{0.1, -0.1, 0, 0.1}},
		{L2(0.01), 0.14, []float64{0.02, -0.04, 0, 0.06}},
		{L1L2(0.1, 0.01), 0.74, []float64{0.12, -0.14, 0, 0.16}},
		{L1L2(0, 0), 0, []float64{0, 0, 0, 0}},
	}
	for _, c := range cases {
		if p := c.r.Penalty(w); math.Abs(float64(p)-c.pen) > 1e-6 {
			t.Errorf("%s penalty %v, want %v", c.r.ClassName(), p, c.pen)
		}
		g := []float32{1, 1, 1, 1}
		c.r.AddGrad(g, w)
		for i := range g {
			if math.Abs(float64(g[i])-1-c.grad[i]) > 1e-6 {
				t.Errorf("%s grad %v, want 1+%v", c.r.ClassName(), g, c.grad)
				break
			}
		}
	}
}

func TestConfig(t *testing.T) {
	if c := L1(0.01).Config(); c["l1"] != 0.009999999776482582 {
		t.Errorf("L1 config %v", c)
	}
	if c := L2(0.01).Config(); c["l2"] != 0.01 {
		t.Errorf("L2 config %v", c)
	}
	// tf.keras L2 config stores the float32-cast factor.
	r, err := FromConfig("L2", map[string]any{"l2": 0.009999999776482582})
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Penalty([]float32{10}); math.Abs(float64(p)-1) > 1e-6 {
		t.Errorf("penalty %v", p)
	}
	r, err = FromConfig("L1L2", map[string]any{"l1": 0.0, "l2": 0.5})
	if err != nil || r.ClassName() != "L1L2" || r.Config()["l2"] != 0.5 {
		t.Errorf("L1L2 from config: %v %v", r, err)
	}
	if _, err := FromConfig("l1_l2", map[string]any{"l1": 0.1}); err != nil {
		t.Error(err)
	}
	if _, err := FromConfig("L1", map[string]any{"l1": -1.0}); err == nil {
		t.Error("negative l1: no error")
	}
	if _, err := FromConfig("L2", map[string]any{"l1": 0.1}); err == nil {
		t.Error("l1 on L2: no error")
	}
	if r, err := Get("l2"); err != nil || r.Config()["l2"] != 0.01 {
		t.Errorf("Get(l2) = %v, %v", r, err)
	}
	if _, err := Get("l3"); err == nil {
		t.Error("unknown: no error")
	}
}
