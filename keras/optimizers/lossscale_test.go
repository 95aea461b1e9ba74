package optimizers

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// TestLossScaleOptimizer follows loss_scale_optimizer.py: finite steps go to
// the inner optimizer and count towards doubling the scale every
// dynamic_growth_steps; a step with a non-finite gradient is skipped and
// halves the scale; the variables are the wrapper's iteration and
// learning_rate, step_counter, dynamic_scale, then the inner optimizer's.
func TestLossScaleOptimizer(t *testing.T) {
	inner := must(t)(NewSGD(LearningRate(0.5)))
	o, err := NewLossScaleOptimizer(inner, LossScaleOptions{InitialScale: 8, DynamicGrowthSteps: 2})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(o.Variables()); n != 4 {
		t.Errorf("unbuilt: %d variables, want 4 (iteration, learning_rate of both)", n)
	}
	w := []float32{1, 2}
	steps := []struct {
		g        []float32
		w        []float32
		counter  float64
		scale    float64
		innerIts int64
	}{
		{[]float32{1, 1}, []float32{0.5, 1.5}, 1, 8, 1},
		{[]float32{1, 1}, []float32{0, 1}, 0, 16, 2},
		{[]float32{float32(math.NaN()), 1}, []float32{0, 1}, 0, 8, 2},
		{[]float32{float32(math.Inf(1)), 1}, []float32{0, 1}, 0, 4, 2},
		{[]float32{2, -2}, []float32{-1, 2}, 1, 4, 3},
	}
	for i, s := range steps {
		if err := o.Apply([][]float32{w}, [][]float32{s.g}, []string{"d/kernel"}); err != nil {
			t.Fatal(err)
		}
		vs := o.Variables()
		names := make([]string, len(vs))
		for j, v := range vs {
			names[j] = v.Name
		}
		if !slices.Equal(names, []string{"iteration", "learning_rate", "step_counter", "dynamic_scale", "iteration", "learning_rate"}) {
			t.Fatalf("variables %v", names)
		}
		if !slices.Equal(w, s.w) || vs[2].Data[0] != s.counter || vs[3].Data[0] != s.scale || o.Iterations() != s.innerIts ||
			vs[0].Data[0] != 0 || vs[1].Data[0] != 0 {
			t.Errorf("step %d: w %v counter %v scale %v iterations %d; want %v %v %v %d", i+1, w, vs[2].Data[0], vs[3].Data[0], o.Iterations(), s.w, s.counter, s.scale, s.innerIts)
		}
	}
	// Restoring the variables into a fresh wrapper restores the scale.
	o2 := must(t)(FromConfig("LossScaleOptimizer", o.Config()))
	if err := o2.Build([][]int{{2}}, []string{"d/kernel"}); err != nil {
		t.Fatal(err)
	}
	if err := o2.SetVariables(o.Variables()); err != nil {
		t.Fatal(err)
	}
	if v := o2.Variables(); v[2].Data[0] != 1 || v[3].Data[0] != 4 || v[4].Data[0] != 3 {
		t.Errorf("restored %+v", v)
	}
	if o2.LearningRate() != 0.5 || o2.ClassName() != "LossScaleOptimizer" || o2.Name() != "loss_scale_optimizer" {
		t.Errorf("restored %s/%s lr %v", o2.ClassName(), o2.Name(), o2.LearningRate())
	}
}

// TestLossScaleConfigs loads LossScaleOptimizer configs as Keras 3 and
// tf.keras 2 write them, and refuses what Keras 3 refuses.
func TestLossScaleConfigs(t *testing.T) {
	adam := map[string]any{"module": "keras.optimizers", "class_name": "Adam", "config": map[string]any{"learning_rate": 0.01}, "registered_name": nil}
	good := []struct {
		class string
		cfg   map[string]any
	}{
		{"LossScaleOptimizer", map[string]any{"name": "loss_scale_optimizer", "inner_optimizer": adam, "initial_scale": 32768.0, "dynamic_growth_steps": 2000.0}},
		// Keras 3 tolerates base keys at their defaults (older files).
		{"LossScaleOptimizer", map[string]any{"inner_optimizer": adam, "use_ema": false, "ema_momentum": 0.99, "clipnorm": nil}},
		// tf.keras 2.11+ (mixed_float16): dynamic, nested Keras 2 optimizer.
		{"LossScaleOptimizerV3", map[string]any{"inner_optimizer": map[string]any{"class_name": "Custom>Adam", "config": map[string]any{"learning_rate": 0.001, "is_legacy_optimizer": false}},
			"dynamic": true, "initial_scale": 32768.0, "dynamic_growth_steps": 2000.0}},
	}
	for _, c := range good {
		o, err := FromConfig(c.class, c.cfg)
		if err != nil {
			t.Errorf("%s %v: %v", c.class, c.cfg, err)
			continue
		}
		if o.ClassName() != "LossScaleOptimizer" || o.(*lossScale).inner.ClassName() != "Adam" {
			t.Errorf("%s: %s wrapping %s", c.class, o.ClassName(), o.(*lossScale).inner.ClassName())
		}
	}
	bad := []struct {
		cfg  map[string]any
		want string
	}{
		{map[string]any{"initial_scale": 2.0}, "no inner_optimizer"},
		{map[string]any{"inner_optimizer": adam, "learning_rate": 0.1}, `unknown key "learning_rate"`},
		{map[string]any{"inner_optimizer": adam, "clipnorm": 1.0}, "set it on the inner optimizer"},
		{map[string]any{"inner_optimizer": adam, "dynamic_growth_steps": 0.5}, "want an integer"},
		{map[string]any{"inner_optimizer": "adam"}, "want a serialized optimizer"},
		{map[string]any{"inner_optimizer": map[string]any{"class_name": "Nope"}}, "unknown optimizer class"},
		{map[string]any{"inner_optimizer": map[string]any{"class_name": "LossScaleOptimizer", "config": map[string]any{"inner_optimizer": adam}}}, "cannot wrap another"},
		{map[string]any{"inner_optimizer": adam, "initial_scale": -1.0}, "positive"},
	}
	for _, c := range bad {
		_, err := FromConfig("LossScaleOptimizer", c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.cfg, err, c.want)
		}
	}
}

// TestNewOptimizerConfigs covers the constructors' defaults (Keras
// 3.15.1's signatures), config keys and the validation Keras does.
func TestNewOptimizerConfigs(t *testing.T) {
	defaults := map[string]map[string]any{
		"adafactor": {"name": "adafactor", "learning_rate": float64(float32(0.001)), "beta_2_decay": -0.8, "epsilon_1": 1e-30,
			"epsilon_2": 1e-3, "clip_threshold": 1.0, "relative_step": true, "weight_decay": nil},
		"ftrl": {"name": "ftrl", "learning_rate_power": -0.5, "initial_accumulator_value": 0.1, "l1_regularization_strength": 0.0,
			"l2_regularization_strength": 0.0, "l2_shrinkage_regularization_strength": 0.0, "beta": 0.0},
		"lamb": {"name": "lamb", "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
		"muon": {"name": "muon", "weight_decay": 0.004, "adam_weight_decay": 0.004, "adam_beta_1": 0.9, "adam_beta_2": 0.999,
			"epsilon": 1e-7, "muon_a": 3.4445, "muon_b": -4.775, "muon_c": 2.0315, "adam_lr_ratio": 1.0, "momentum": 0.95,
			"ns_steps": 5, "nesterov": true, "exclude_embeddings": true, "rms_rate": 0.2},
		"schedulefreeadamw": {"name": "schedule_free_adam_w", "learning_rate": float64(float32(0.0025)), "beta_1": 0.9,
			"beta_2": 0.999, "epsilon": 1e-8, "warmup_steps": 0},
	}
	for id, want := range defaults {
		cfg := must(t)(Get(id)).Config()
		for k, v := range want {
			if cfg[k] != v {
				t.Errorf("%s: %s = %v, want %v", id, k, cfg[k], v)
			}
		}
	}
	if l := must(t)(Get("muon")).Config()["exclude_layers"].([]string); len(l) != 0 {
		t.Errorf("muon exclude_layers %v", l)
	}
	m := must(t)(FromConfig("Muon", map[string]any{"weight_decay": nil, "rms_rate": nil, "adam_weight_decay": nil,
		"exclude_layers": []any{"head"}, "ns_steps": 3.0})).Config()
	if m["weight_decay"] != nil || m["rms_rate"] != nil || m["adam_weight_decay"] != nil || m["ns_steps"] != 3 ||
		!slices.Equal(m["exclude_layers"].([]string), []string{"head"}) {
		t.Errorf("muon from config: %v", m)
	}
	bad := []struct {
		class string
		cfg   map[string]any
		want  string
	}{
		{"Ftrl", map[string]any{"initial_accumulator_value": -1.0}, "initial_accumulator_value"},
		{"Ftrl", map[string]any{"learning_rate_power": 0.5}, "learning_rate_power"},
		{"Ftrl", map[string]any{"l1_regularization_strength": -1.0}, "l1_regularization_strength"},
		{"Ftrl", map[string]any{"l2_regularization_strength": -1.0}, "l2_regularization_strength"},
		{"Ftrl", map[string]any{"l2_shrinkage_regularization_strength": -1.0}, "l2_shrinkage"},
		{"Muon", map[string]any{"ns_steps": 2.5}, "integer"},
		{"Muon", map[string]any{"exclude_layers": []any{"("}}, "exclude_layers"},
		{"Muon", map[string]any{"exclude_layers": "dense"}, "list of strings"},
		{"Lamb", map[string]any{"momentum": 0.9}, "does not take momentum"},
		{"Adafactor", map[string]any{"relative_step": "yes"}, "a bool"},
		{"ScheduleFreeAdamW", map[string]any{"warmup_steps": -1.0}, "warmup_steps"},
	}
	for _, c := range bad {
		_, err := FromConfig(c.class, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: error %v, want %q", c.class, c.cfg, err, c.want)
		}
	}
}

// TestNewOptimizerLayouts checks the variables each new optimizer stores,
// in Keras's order, for a Dense layer's kernel (2, 3) and bias (3).
func TestNewOptimizerLayouts(t *testing.T) {
	type v struct {
		name  string
		shape []int
	}
	cases := map[string][]v{
		"adafactor": {{"kernel", []int{2}}, {"kernel", []int{3}}, {"dense_kernel_velocity", []int{2, 3}},
			{"bias", []int{}}, {"bias", []int{}}, {"dense_bias_velocity", []int{3}}},
		"ftrl": {{"dense_kernel_accumulator", []int{2, 3}}, {"dense_kernel_linear", []int{2, 3}},
			{"dense_bias_accumulator", []int{3}}, {"dense_bias_linear", []int{3}}},
		"lamb": {{"dense_kernel_momentum", []int{2, 3}}, {"dense_kernel_velocity", []int{2, 3}},
			{"dense_bias_momentum", []int{3}}, {"dense_bias_velocity", []int{3}}},
		"muon": {{"dense_kernel_momentum", []int{2, 3}}, {"dense_bias_momentum", []int{3}}, {"dense_bias_velocity", []int{3}}},
		"schedulefreeadamw": {{"dense_kernel_momentum", []int{2, 3}}, {"dense_kernel_velocity", []int{2, 3}},
			{"dense_bias_momentum", []int{3}}, {"dense_bias_velocity", []int{3}}},
	}
	for id, want := range cases {
		o := must(t)(Get(id))
		if err := o.Build([][]int{{2, 3}, {3}}, []string{"dense/kernel", "dense/bias"}); err != nil {
			t.Fatal(err)
		}
		vs := o.Variables()
		if len(vs) != 2+len(want) || vs[0].Name != "iteration" || vs[1].Name != "learning_rate" {
			t.Errorf("%s: %d variables", id, len(vs))
			continue
		}
		for i, w := range want {
			got := vs[2+i]
			if got.Name != w.name || !slices.Equal(got.Shape, w.shape) {
				t.Errorf("%s: variable %d is %s %v, want %s %v", id, 2+i, got.Name, got.Shape, w.name, w.shape)
			}
		}
		if id == "ftrl" && vs[2].Data[0] != float64(float32(0.1)) {
			t.Errorf("ftrl accumulator starts at %v", vs[2].Data[0])
		}
	}
}

// TestMuonVariableChoice follows muon_test.py test_should_use_adamw: rank-2
// variables take the Muon step unless exclude_layers matches their path or
// exclude_embeddings sees "embedding" in it; other ranks take AdamW (and
// get a velocity slot).
func TestMuonVariableChoice(t *testing.T) {
	shapes := [][]int{{2, 2}, {2, 2}, {3, 2}, {2, 2, 2}, {2}}
	names := []string{"dense/kernel", "head/kernel", "embedding/embeddings", "conv/kernel", "dense/bias"}
	for _, c := range []struct {
		opts []Option
		adam []bool
	}{
		{nil, []bool{false, false, true, true, true}},
		{[]Option{ExcludeLayers("^head")}, []bool{false, true, true, true, true}},
		{[]Option{ExcludeEmbeddings(false)}, []bool{false, false, false, true, true}},
	} {
		o := must(t)(NewMuon(c.opts...))
		if err := o.Build(shapes, names); err != nil {
			t.Fatal(err)
		}
		vel := map[string]bool{}
		for _, v := range o.Variables() {
			if strings.HasSuffix(v.Name, "_velocity") {
				vel[strings.TrimSuffix(v.Name, "_velocity")] = true
			}
		}
		for i, n := range names {
			if got := vel[strings.ReplaceAll(n, "/", "_")]; got != c.adam[i] {
				t.Errorf("%v: %s uses AdamW = %v, want %v", c.opts, n, got, c.adam[i])
			}
		}
	}
}
