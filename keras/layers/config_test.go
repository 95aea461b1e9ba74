package layers

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kerago/kerago/keras/constraints"
	"github.com/kerago/kerago/keras/initializers"
	"github.com/kerago/kerago/keras/regularizers"
	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
)

// jsonNorm round-trips through JSON so that Go and Keras values compare
// (ints vs float64, []int vs []any).
func jsonNorm(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestConfigMatchesKeras compares every layer's Config() with the config
// Keras 3.15.1 wrote for it in the keras-cases model.json files.
func TestConfigMatchesKeras(t *testing.T) {
	entries, err := os.ReadDir(casesDir)
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(casesDir, e.Name(), "model.json"))
		if err != nil {
			t.Fatal(err)
		}
		var mj kerasModelJSON
		if err := json.Unmarshal(raw, &mj); err != nil {
			t.Fatal(err)
		}
		for _, lj := range mj.Config.Layers {
			name, _ := lj.Config["name"].(string)
			l, err := FromConfig(loader.LayerConfig{ClassName: lj.ClassName, Name: name, Config: lj.Config}, 3)
			if err != nil {
				t.Fatal(err)
			}
			got := jsonNorm(t, l.Config())
			want := jsonNorm(t, lj.Config)
			if lj.ClassName == "Normalization" {
				// Keras writes the axis tuple as a list; both sides agree.
			}
			if !reflect.DeepEqual(got, want) {
				gb, _ := json.Marshal(got)
				wb, _ := json.Marshal(want)
				t.Errorf("%s %s %q config:\n got  %s\n want %s", e.Name(), lj.ClassName, name, gb, wb)
			}
			checked[lj.ClassName] = true
		}
	}
	for _, c := range []string{"InputLayer", "Dense", "Activation", "Dropout", "Flatten", "BatchNormalization", "LayerNormalization", "Normalization"} {
		if !checked[c] {
			t.Errorf("no keras-case has a %s layer", c)
		}
	}
}

// TestConfigRoundTrip rebuilds every layer type from its own Config() and
// checks the config survives.
func TestConfigRoundTrip(t *testing.T) {
	seed := initializers.Seed(7)
	all := []Layer{
		Input(4, 3),
		Dense(5, WithName("d"), WithActivation("gelu"), WithUseBias(false),
			WithKernelInitializer(initializers.HeNormal(seed)), WithKernelRegularizer(regularizers.L2(0.02)),
			WithKernelConstraint(constraints.MaxNorm(3))),
		Dense(2, WithName("d2"), WithBiasInitializer(initializers.Constant(0.5)), WithBiasRegularizer(regularizers.L1L2(0.1, 0.2)),
			WithBiasConstraint(constraints.NonNeg()), WithTrainable(false)),
		Activation("softmax", WithName("a")),
		Dropout(0.25, WithName("dr"), WithSeed(3), WithNoiseShape(-1, 1)),
		Flatten(WithName("f")),
		Reshape([]int{-1, 2}, WithName("r")),
		BatchNormalization(WithName("bn"), WithAxis(1), WithMomentum(0.9), WithEpsilon(0.01), WithCenter(false)),
		LayerNormalization(WithName("ln"), WithAxis(-1, -2), WithEpsilon(1e-5), WithRMSScaling(true)),
		Normalization(WithName("n"), WithAxis(-1), WithMean(1, 2, 3), WithVariance(4, 5, 6), WithInvert(true)),
		Normalization(WithName("n2"), WithAxis()),
		ReLU(WithName("relu"), WithMaxValue(6), WithNegativeSlope(0.1), WithThreshold(0.5)),
		LeakyReLU(WithName("lr"), WithNegativeSlope(0.2)),
		ELU(WithName("elu"), WithAlpha(0.5)),
		PReLU(WithName("p"), WithSharedAxes(1), WithAlphaInitializer(initializers.Constant(0.25))),
		Softmax(WithName("sm"), WithAxis(1)),
		ThresholdedReLU(WithName("tr"), WithTheta(0.7)),
	}
	for _, l := range all {
		cfg := jsonNorm(t, l.Config()).(map[string]any)
		name, _ := cfg["name"].(string)
		l2, err := FromConfig(loader.LayerConfig{ClassName: l.ClassName(), Name: name, Config: cfg}, 3)
		if err != nil {
			t.Fatalf("%s: FromConfig(Config()): %v", l.ClassName(), err)
		}
		if l2.ClassName() != l.ClassName() {
			t.Fatalf("class %s became %s", l.ClassName(), l2.ClassName())
		}
		got := jsonNorm(t, l2.Config())
		if !reflect.DeepEqual(got, any(cfg)) {
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(cfg)
			t.Errorf("%s round trip:\n got  %s\n want %s", l.ClassName(), gb, wb)
		}
	}
}

// TestBuildVariables checks shapes, names, order, trainability and
// constant initial values.
func TestBuildVariables(t *testing.T) {
	type vs struct {
		name      string
		shape     []int
		trainable bool
		fill      float32 // -1: not checked
	}
	cases := []struct {
		l    Layer
		in   []int
		out  []int
		vars []vs
	}{
		{Dense(3, WithName("dense")), []int{4}, []int{3}, []vs{{"kernel", []int{4, 3}, true, -1}, {"bias", []int{3}, true, 0}}},
		{Dense(3, WithUseBias(false), WithName("d")), []int{2, 4}, []int{2, 3}, []vs{{"kernel", []int{4, 3}, true, -1}}},
		{Dense(6, WithActivation("glu"), WithName("g")), []int{4}, []int{3}, []vs{{"kernel", []int{4, 6}, true, -1}, {"bias", []int{6}, true, 0}}},
		{BatchNormalization(WithName("bn")), []int{5}, []int{5}, []vs{{"gamma", []int{5}, true, 1}, {"beta", []int{5}, true, 0}, {"moving_mean", []int{5}, false, 0}, {"moving_variance", []int{5}, false, 1}}},
		{BatchNormalization(WithName("bn"), WithAxis(1), WithScale(false)), []int{2, 5}, []int{2, 5}, []vs{{"beta", []int{2}, true, 0}, {"moving_mean", []int{2}, false, 0}, {"moving_variance", []int{2}, false, 1}}},
		{BatchNormalization(WithName("bn"), WithTrainable(false)), []int{5}, []int{5}, []vs{{"gamma", []int{5}, false, 1}, {"beta", []int{5}, false, 0}, {"moving_mean", []int{5}, false, 0}, {"moving_variance", []int{5}, false, 1}}},
		{LayerNormalization(WithName("ln"), WithAxis(1, 2)), []int{2, 5}, []int{2, 5}, []vs{{"gamma", []int{2, 5}, true, 1}, {"beta", []int{2, 5}, true, 0}}},
		{LayerNormalization(WithName("ln"), WithRMSScaling(true)), []int{5}, []int{5}, []vs{{"gamma", []int{5}, true, 1}}},
		{Normalization(WithName("n")), []int{3}, []int{3}, []vs{{"mean", []int{3}, false, 0}, {"variance", []int{3}, false, 1}, {"count", []int{}, false, 0}}},
		{Normalization(WithName("n"), WithMean(1), WithVariance(2)), []int{3}, []int{3}, nil},
		{PReLU(WithName("p")), []int{2, 3}, []int{2, 3}, []vs{{"alpha", []int{2, 3}, true, 0}}},
		{PReLU(WithName("p"), WithSharedAxes(1)), []int{2, 3}, []int{2, 3}, []vs{{"alpha", []int{1, 3}, true, 0}}},
		{Flatten(WithName("f")), []int{2, 3}, []int{6}, nil},
		{Reshape([]int{3, -1}, WithName("r")), []int{2, 3}, []int{3, 2}, nil},
		{Activation("glu", WithName("a")), []int{4}, []int{2}, nil},
	}
	for _, tc := range cases {
		if err := tc.l.Build(tc.in); err != nil {
			t.Fatalf("%s: %v", tc.l.ClassName(), err)
		}
		if !tc.l.Built() || !equalInts(tc.l.OutputShape(), tc.out) {
			t.Fatalf("%s: output %v, want %v", tc.l.ClassName(), tc.l.OutputShape(), tc.out)
		}
		vars := tc.l.Variables()
		if len(vars) != len(tc.vars) {
			t.Fatalf("%s: %d variables, want %d", tc.l.ClassName(), len(vars), len(tc.vars))
		}
		for i, w := range tc.vars {
			v := vars[i]
			if v.Name != w.name || !tensor.SameShape(v.Value.Shape(), w.shape) || v.Trainable != w.trainable || v.Path != tc.l.Name()+"/"+w.name {
				t.Fatalf("%s var %d: %s %s %v trainable=%v, want %s %v %v", tc.l.ClassName(), i, v.Path, v.Name, v.Value.Shape(), v.Trainable, w.name, w.shape, w.trainable)
			}
			if w.fill >= 0 {
				for _, x := range v.Value.Data() {
					if x != w.fill {
						t.Fatalf("%s %s initialized to %v, want %v", tc.l.ClassName(), v.Name, x, w.fill)
					}
				}
			}
		}
	}
	// glorot_uniform kernel within its limit sqrt(6/(in+out))
	d := Dense(30, WithName("x"))
	if err := d.Build([]int{20}); err != nil {
		t.Fatal(err)
	}
	lim := float32(0.3464102) // sqrt(6/50)
	nonzero := false
	for _, x := range d.Variables()[0].Value.Data() {
		if x < -lim || x > lim {
			t.Fatalf("glorot_uniform value %v outside ±%v", x, lim)
		}
		nonzero = nonzero || x != 0
	}
	if !nonzero {
		t.Fatal("kernel not initialized")
	}
	// SetName renames variable paths
	d.SetName("renamed")
	if d.Variables()[0].Path != "renamed/kernel" {
		t.Fatalf("path %q after SetName", d.Variables()[0].Path)
	}
}

func TestLayerErrors(t *testing.T) {
	cases := []struct {
		l    Layer
		in   []int
		want string
	}{
		{Dense(0), []int{3}, "units"},
		{Dense(3, WithActivation("nope")), []int{3}, "unknown activation"},
		{Dense(3, WithMomentum(0.5)), []int{3}, "does not take option momentum"},
		{Dense(3), []int{}, "last axis"},
		{Dense(3, WithActivation("glu")), []int{3}, "divisible by 2"},
		{Dropout(1.5), []int{3}, "rate"},
		{Dropout(0.5, WithNoiseShape(-1, 1, 1)), []int{3}, "noise_shape"},
		{BatchNormalization(WithAxis(3)), []int{3}, "out of range"},
		{BatchNormalization(WithAxis(0)), []int{3}, "batch axis"},
		{BatchNormalization(WithAxis(1, 2)), []int{3, 2}, "one axis"},
		{LayerNormalization(WithAxis(0)), []int{3}, "batch axis"},
		{Normalization(WithMean(1, 2)), []int{2}, "together"},
		{Normalization(WithMean(1, 2), WithVariance(1, 2)), []int{3}, "want 1 or 3"},
		{Reshape([]int{4, -1}), []int{3}, "cannot reshape"},
		{Reshape([]int{-1, -1}), []int{4}, "dimensions must be positive"},
		{ReLU(WithMaxValue(-1)), []int{3}, "max_value"},
		{PReLU(WithSharedAxes(2)), []int{3}, "shared axis"},
		{Softmax(WithAxis(2)), []int{3}, "out of range"},
		{Input(3), []int{4}, "declared shape"},
	}
	for _, tc := range cases {
		err := tc.l.Build(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s.Build(%v) = %v, want an error containing %q", tc.l.ClassName(), tc.in, err, tc.want)
		}
	}
	// rebuilding with another shape
	d := Dense(2)
	if err := d.Build([]int{3}); err != nil {
		t.Fatal(err)
	}
	if err := d.Build([]int{4}); err == nil {
		t.Error("rebuilding a Dense for another input shape succeeded")
	}
}

func TestFromConfigErrors(t *testing.T) {
	cases := []struct {
		class string
		cfg   map[string]any
		want  string
	}{
		{"Conv2D", map[string]any{}, "kernel_size"},
		{"Dense", map[string]any{"units": "ten"}, "units"},
		{"Dense", map[string]any{"units": 2.5}, "units"},
		{"Dense", map[string]any{"units": 2.0, "use_bias": "yes"}, "use_bias"},
		{"Dense", map[string]any{"units": 2.0, "kernel_initializer": map[string]any{"class_name": "Bogus", "config": map[string]any{}}}, "kernel_initializer"},
		{"Dense", map[string]any{"units": 2.0, "kernel_regularizer": 5.0}, "kernel_regularizer"},
		{"Dense", map[string]any{"units": 2.0, "activation": 3.0}, "activation"},
		{"Dropout", map[string]any{"rate": "x"}, "rate"},
		{"Flatten", map[string]any{"data_format": "channels_middle"}, "data_format"},
		{"Reshape", map[string]any{}, "target_shape"},
		{"BatchNormalization", map[string]any{"renorm": true}, "renorm"},
		{"BatchNormalization", map[string]any{"momentum": "a"}, "momentum"},
		{"Normalization", map[string]any{"mean": []any{1.0, 2.0}, "variance": nil}, "together"},
		{"Normalization", map[string]any{"mean": []any{1.0, "x"}, "variance": []any{1.0, 2.0}}, "mean"},
		{"LayerNormalization", map[string]any{"axis": []any{"a"}}, "axis"},
		{"InputLayer", map[string]any{"batch_shape": []any{nil, nil, 3.0}}, "batch_shape"},
		{"Conv2D", map[string]any{"filters": 2.0}, "kernel_size"},
		{"Conv2D", map[string]any{"filters": 2.0, "kernel_size": []any{3.0, 3.0}, "padding": "causal"}, "padding"},
		{"MaxPooling2D", map[string]any{"pool_size": []any{2.0, 2.0, 2.0}}, "pool_size"},
		{"Dot", map[string]any{"axes": []any{1.0, 2.0, 3.0}}, "axes"},
	}
	for _, tc := range cases {
		_, err := FromConfig(loader.LayerConfig{ClassName: tc.class, Name: "x", Config: tc.cfg}, 3)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("FromConfig(%s %v) = %v, want an error containing %q", tc.class, tc.cfg, err, tc.want)
		}
	}
	_, err := FromConfig(loader.LayerConfig{ClassName: "TFOpLambda", Name: "c"}, 3)
	if !errors.Is(err, loader.ErrUnsupported) {
		t.Errorf("unsupported class error %v does not wrap loader.ErrUnsupported", err)
	}
}

// TestNormalizationAdapt: adapt computes the per-feature mean and biased
// variance (numpy mean/var over the batch), and the layer then outputs
// (x − mean)/sqrt(var).
func TestNormalizationAdapt(t *testing.T) {
	x, _ := tensor.FromSlice([]float32{1, 10, 2, 20, 3, 30, 6, 60}, 4, 2)
	l := Normalization(WithName("n")).(*NormalizationLayer)
	if err := l.Adapt(x); err != nil {
		t.Fatal(err)
	}
	vars := l.Variables()
	wantMean := []float32{3, 30}
	wantVar := []float32{3.5, 350} // ((−2)²+(−1)²+0²+3²)/4 = 3.5
	for i := range wantMean {
		if vars[0].Value.Data()[i] != wantMean[i] || math.Abs(float64(vars[1].Value.Data()[i]-wantVar[i])) > 1e-4 {
			t.Fatalf("adapt: mean %v variance %v, want %v %v", vars[0].Value.Data(), vars[1].Value.Data(), wantMean, wantVar)
		}
	}
	if vars[2].Value.Data()[0] != 0 {
		t.Fatal("Keras's adapt(ndarray) leaves count at 0")
	}
	net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: []int{2}, Stages: []runtime.Stage{l}, Variables: vars})
	if err != nil {
		t.Fatal(err)
	}
	y, err := net.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range y.Data() {
		f := i % 2
		want := (float64(x.Data()[i]) - float64(wantMean[f])) / math.Sqrt(float64(wantVar[f]))
		if math.Abs(float64(v)-want) > 1e-5 {
			t.Fatalf("normalized %v, want %v", y.Data(), want)
		}
	}
	// over all axes but the kept one of rank-2 samples
	x3 := tensor.Zeros(2, 3, 2)
	for i := range x3.Data() {
		x3.Data()[i] = float32(i)
	}
	l3 := Normalization(WithName("n3"), WithAxis(-1)).(*NormalizationLayer)
	if err := l3.Adapt(x3); err != nil {
		t.Fatal(err)
	}
	if m := l3.Variables()[0].Value.Data(); m[0] != 5 || m[1] != 6 {
		t.Fatalf("mean over batch and axis 1: %v, want [5 6]", m)
	}
	if err := l3.Adapt(tensor.Zeros(2, 4, 2)); err == nil {
		t.Fatal("adapt with another sample shape succeeded")
	}
}

// TestKeras2HardSigmoid: FromConfig with kerasMajor 2 selects Keras 2's
// hard_sigmoid.
func TestKeras2HardSigmoid(t *testing.T) {
	for _, tc := range []struct {
		major int
		want  float32
	}{{2, 0.7}, {3, 2.0 / 3}} {
		l, err := FromConfig(loader.LayerConfig{ClassName: "Activation", Name: "a", Config: map[string]any{"activation": "hard_sigmoid"}}, tc.major)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Build([]int{1}); err != nil {
			t.Fatal(err)
		}
		net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: []int{1}, Stages: []runtime.Stage{l}})
		if err != nil {
			t.Fatal(err)
		}
		x, _ := tensor.FromSlice([]float32{1}, 1, 1)
		y, _ := net.Predict(x)
		if math.Abs(float64(y.Data()[0]-tc.want)) > 1e-6 {
			t.Fatalf("Keras %d hard_sigmoid(1) = %v, want %v", tc.major, y.Data()[0], tc.want)
		}
	}
}
