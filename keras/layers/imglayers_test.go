package layers

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kerago/kerago/internal/kernels"
	"github.com/kerago/kerago/keras/initializers"
	"github.com/kerago/kerago/keras/regularizers"
	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
)

// runLayer builds l for x's per-sample shape and predicts x with it.
func runLayer(t *testing.T, l Layer, x *tensor.Tensor) *tensor.Tensor {
	t.Helper()
	in := x.Shape()[1:]
	if err := l.Build(in); err != nil {
		t.Fatal(err)
	}
	net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: in, Stages: []runtime.Stage{l}, Variables: l.Variables()})
	if err != nil {
		t.Fatal(err)
	}
	y, err := net.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

func iotaTensor(t *testing.T, shape ...int) *tensor.Tensor {
	t.Helper()
	x := tensor.Zeros(shape...)
	for i := range x.Data() {
		x.Data()[i] = float32(i)
	}
	return x
}

func fromSlice(t *testing.T, v []float32, shape ...int) *tensor.Tensor {
	t.Helper()
	x, err := tensor.FromSlice(append([]float32(nil), v...), shape...)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestImageLayersGolden checks Resizing, CenterCrop and Rescaling against
// the Keras 3.15.1 golden vectors of keras-layers.md §10.4 (bicubic: the
// TF/JAX values the spec derives).
func TestImageLayersGolden(t *testing.T) {
	x55 := iotaTensor(t, 1, 5, 5, 1)
	x46 := iotaTensor(t, 1, 4, 6, 1)
	x55first := iotaTensor(t, 1, 1, 5, 5)
	cases := []struct {
		name  string
		layer Layer
		x     *tensor.Tensor
		want  []float32
		shape []int
	}{
		{"Resizing bilinear", Resizing(3, 2, ResizingOptions{}), x55,
			[]float32{2.416667, 4.916667, 10.75, 13.25, 19.08333, 21.58333}, []int{3, 2, 1}},
		{"Resizing nearest", Resizing(3, 2, ResizingOptions{Interpolation: "nearest"}), x55,
			[]float32{1, 3, 11, 13, 21, 23}, []int{3, 2, 1}},
		{"Resizing bicubic", Resizing(3, 2, ResizingOptions{Interpolation: "bicubic"}), x55,
			[]float32{1.91682, 4.496973, 10.70992, 13.29008, 19.50303, 22.08318}, []int{3, 2, 1}},
		{"Resizing antialias", Resizing(3, 2, ResizingOptions{Antialias: true}), x55,
			[]float32{3.142857, 5.142857, 11, 13, 18.85714, 20.85714}, []int{3, 2, 1}},
		{"Resizing channels_first", Resizing(3, 2, ResizingOptions{}, WithDataFormat("channels_first")), x55first,
			[]float32{2.416667, 4.916667, 10.75, 13.25, 19.08333, 21.58333}, []int{1, 3, 2}},
		{"Resizing crop_to_aspect_ratio", Resizing(2, 2, ResizingOptions{Interpolation: "nearest", CropToAspectRatio: true}), x46,
			[]float32{8, 10, 20, 22}, []int{2, 2, 1}},
		{"Resizing pad_to_aspect_ratio", Resizing(4, 4, ResizingOptions{Interpolation: "nearest", PadToAspectRatio: true}), x46,
			[]float32{0, 0, 0, 0, 6, 8, 9, 11, 12, 14, 15, 17, 0, 0, 0, 0}, []int{4, 4, 1}},
		{"CenterCrop(3, 6)", CenterCrop(3, 6), x46,
			[]float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, []int{3, 6, 1}},
		{"CenterCrop(2, 3)", CenterCrop(2, 3), x55, []float32{6, 7, 8, 11, 12, 13}, []int{2, 3, 1}},
		{"Rescaling", Rescaling(1/127.5, -1), fromSlice(t, []float32{0, 127.5, 255}, 1, 3), []float32{-1, 0, 1}, []int{3}},
		{"Rescaling per channel", RescalingArrays([]float64{1, 0.5, -2}, []int{3}, []float64{1, 2}, []int{2, 1}),
			fromSlice(t, []float32{1, 2, 3, 4, 5, 6}, 1, 2, 3), []float32{2, 2, -5, 6, 4.5, -10}, []int{2, 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.layer.Name() == "" {
				tc.layer.SetName("l")
			}
			y := runLayer(t, tc.layer, tc.x)
			if !equalInts(tc.layer.OutputShape(), tc.shape) || !equalInts(y.Shape()[1:], tc.shape) {
				t.Fatalf("output shape %v / %v, want %v", tc.layer.OutputShape(), y.Shape()[1:], tc.shape)
			}
			assertAllClose(t, y.Data(), tc.want, 1e-5)
		})
	}
}

// TestCenterCropUpsizing checks keras-layers.md §10.4's CenterCrop(6, 6)
// on a 4×6 image: crop columns 1–4, then bilinear to 6×6.
func TestCenterCropUpsizing(t *testing.T) {
	y := runLayer(t, CenterCrop(6, 6), iotaTensor(t, 1, 4, 6, 1))
	d := y.Data()
	assertAllClose(t, d[:6], []float32{1, 1.5, 2.166667, 2.833333, 3.5, 4}, 1e-5)
	assertAllClose(t, d[30:], []float32{19, 19.5, 20.16667, 20.83333, 21.5, 22}, 1e-5)
}

func assertAllClose(t *testing.T, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d values, want %d: %v", len(got), len(want), got)
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > tol+tol*math.Abs(float64(want[i])) || got[i] != got[i] {
			t.Fatalf("value %d: %v, want %v (all: %v)", i, got[i], want[i], got)
		}
	}
}

// TestNormalizationLayersGolden checks keras-layers.md §10.8:
// GroupNormalization(groups=2) with given gamma/beta, LayerNormalization
// (rms_scaling), RMSNormalization and UnitNormalization.
func TestNormalizationLayersGolden(t *testing.T) {
	gn := GroupNormalization(WithGroups(2), WithName("gn"))
	x := fromSlice(t, []float32{-0.5, 0.2, -0.2, 0.5, 0.1, -0.3, 0.4, 0, -0.4, 0.3, -0.1, -0.5, 0.2, -0.2, 0.5, 0.1}, 1, 2, 2, 4)
	if err := gn.Build([]int{2, 2, 4}); err != nil {
		t.Fatal(err)
	}
	vs := gn.Variables()
	if len(vs) != 2 || vs[0].Name != "gamma" || vs[1].Name != "beta" {
		t.Fatalf("variables %v, want gamma, beta", vs)
	}
	copy(vs[0].Value.Data(), []float32{1, 2, 0.5, -1})
	copy(vs[1].Value.Data(), []float32{0, 0.1, 0.2, 0.3})
	assertAllClose(t, runLayer(t, gn, x).Data(), []float32{-1.454533, 1.982337, -0.2246464, -0.9185504,
		0.5989254, -1.440094, 0.6615721, 0.5584804, -1.11229, 2.666823, -0.07694328, 2.035511, 0.9411684,
		-0.7556077, 0.8092752, 0.2630742}, 1e-5)

	ln := LayerNormalization(WithRMSScaling(true), WithName("ln"))
	assertAllClose(t, runLayer(t, ln, fromSlice(t, []float32{1, 2, 3, 6}, 1, 4)).Data(),
		[]float32{0.5344462, 1.068892, 1.603338, 3.206677}, 1e-6)
	if n := len(ln.Variables()); n != 1 {
		t.Fatalf("rms_scaling LayerNormalization has %d variables, want gamma only", n)
	}
	rms := RMSNormalization(WithName("rms"))
	assertAllClose(t, runLayer(t, rms, fromSlice(t, []float32{1, 2, 3, 6}, 1, 4)).Data(),
		[]float32{0.2828427, 0.5656854, 0.8485281, 1.697056}, 1e-6)
	if vs := rms.Variables(); len(vs) != 1 || vs[0].Name != "scale" || !equalInts(vs[0].Value.Shape(), []int{4}) {
		t.Fatalf("RMSNormalization variables %v, want scale (4,)", vs)
	}
	assertAllClose(t, runLayer(t, UnitNormalization(WithName("u")), fromSlice(t, []float32{3, 4, 0, 0}, 2, 2)).Data(),
		[]float32{0.6, 0.8, 0, 0}, 1e-7)
	// channels_first GroupNormalization(axis=1): the same numbers transposed
	gf := GroupNormalization(WithGroups(2), WithAxis(1), WithName("gnf"))
	xf := tensor.Zeros(1, 4, 2, 2)
	for p := 0; p < 4; p++ {
		for c := 0; c < 4; c++ {
			xf.Data()[c*4+p] = x.Data()[p*4+c]
		}
	}
	if err := gf.Build([]int{4, 2, 2}); err != nil {
		t.Fatal(err)
	}
	copy(gf.Variables()[0].Value.Data(), []float32{1, 2, 0.5, -1})
	copy(gf.Variables()[1].Value.Data(), []float32{0, 0.1, 0.2, 0.3})
	yf := runLayer(t, gf, xf).Data()
	assertAllClose(t, []float32{yf[0], yf[4], yf[8], yf[12]}, []float32{-1.454533, 1.982337, -0.2246464, -0.9185504}, 1e-5)
}

// TestIdentityAtInference: the random augmentation and noise layers return
// their input unchanged in predict (keras-layers.md §4.4, §9.4), including
// RandomCrop in Keras 3.15.1.
func TestIdentityAtInference(t *testing.T) {
	x := iotaTensor(t, 2, 4, 6, 3)
	for _, l := range []Layer{
		RandomFlip("horizontal_and_vertical"), RandomRotation(-0.1, 0.1), RandomZoom(0.1), RandomTranslation(0.1, 0.2),
		RandomContrast(0.2), RandomBrightness(0.2), RandomCrop(2, 2),
		RandomAugmentation("RandomGrayscale", map[string]any{"factor": 0.5}),
		SpatialDropout2D(0.3), GaussianNoise(0.5), GaussianDropout(0.2), AlphaDropout(0.2), ActivityRegularization(0.01, 0),
	} {
		l.SetName("l")
		y := runLayer(t, l, x)
		if !reflect.DeepEqual(y.Shape(), x.Shape()) || !reflect.DeepEqual(y.Data(), x.Data()) {
			t.Fatalf("%s changed its input at inference", l.ClassName())
		}
	}
}

// TestKeras2RandomCropResizes: Keras 2's RandomCrop at inference did
// smart_resize (centre crop to the aspect ratio, bilinear) — on a 4×6 image
// to (2, 3) that is a centre crop of 4×6 then bilinear 4×6 → 2×3.
func TestKeras2RandomCropResizes(t *testing.T) {
	l := RandomAugmentation("RandomCrop", map[string]any{"height": 2.0, "width": 3.0}, WithKerasMajor(2), WithName("rc"))
	y := runLayer(t, l, iotaTensor(t, 1, 4, 6, 1))
	// bilinear 4→2 rows samples src 0.5, 2.5; 6→3 columns samples 0.5, 2.5, 4.5
	want := []float32{3.5, 5.5, 7.5, 15.5, 17.5, 19.5}
	assertAllClose(t, y.Data(), want, 1e-5)
}

// TestTrainingRefusedOrApplied: the random augmentation layers refuse
// training with an error naming the layer; SpatialDropout2D drops whole
// channels, scaled by 1/(1−rate). (GaussianNoise and GaussianDropout train:
// TestGaussianNoiseTraining.)
func TestTrainingRefusedOrApplied(t *testing.T) {
	mse, err := kernels.LossByName("mse")
	if err != nil {
		t.Fatal(err)
	}
	x := iotaTensor(t, 4, 3, 3, 8)
	for i := range x.Data() {
		x.Data()[i] = 1 + float32(i%7)
	}
	train := func(l Layer) (*runtime.StepResult, error) {
		l.SetName("noisy")
		if err := l.Build([]int{3, 3, 8}); err != nil {
			t.Fatal(err)
		}
		net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: []int{3, 3, 8}, Stages: []runtime.Stage{l}, Loss: mse, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		return net.TrainStep(x, tensor.Zeros(4, 3, 3, 8), nil)
	}
	for _, l := range []Layer{RandomFlip("horizontal"), RandomRotation(-0.2, 0.2)} {
		_, err := train(l)
		want := "kerago cannot apply " + l.ClassName() + " during training"
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `"noisy"`) {
			t.Fatalf("%s in training: error %v, want one containing %q and the layer name", l.ClassName(), err, want)
		}
		if !errors.Is(err, loader.ErrUnsupported) {
			t.Fatalf("%s: error %v does not wrap ErrUnsupported", l.ClassName(), err)
		}
	}
	res, err := train(SpatialDropout2D(0.5))
	if err != nil {
		t.Fatal(err)
	}
	dropped := 0
	for n := 0; n < 4; n++ {
		for c := 0; c < 8; c++ {
			var zero int
			for p := 0; p < 9; p++ {
				i := (n*9+p)*8 + c
				switch y := res.YPred.Data()[i]; y {
				case 0:
					zero++
				case 2 * x.Data()[i]:
				default:
					t.Fatalf("sample %d channel %d: %v, want 0 or %v", n, c, y, 2*x.Data()[i])
				}
			}
			if zero != 0 && zero != 9 {
				t.Fatalf("sample %d channel %d partly dropped", n, c)
			}
			if zero == 9 {
				dropped++
			}
		}
	}
	if dropped == 0 || dropped == 32 {
		t.Fatalf("%d of 32 channels dropped at rate 0.5", dropped)
	}
}

// TestActivityRegularizationLoss reproduces the oracle of keras-layers.md
// §9.5 with the layer: outputs [3, 7, 1, 2] (Dense(1, kernel=ones) on the
// spec's x), L2(0.1), MSE against 0 → evaluate loss 17.325.
func TestActivityRegularizationLoss(t *testing.T) {
	mse, err := kernels.LossByName("mse")
	if err != nil {
		t.Fatal(err)
	}
	l := ActivityRegularization(0, 0.1, WithName("ar"))
	if err := l.Build([]int{1}); err != nil {
		t.Fatal(err)
	}
	net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: []int{1}, Stages: []runtime.Stage{l}, Loss: mse})
	if err != nil {
		t.Fatal(err)
	}
	loss, _, err := net.TestStep(fromSlice(t, []float32{3, 7, 1, 2}, 4, 1), tensor.Zeros(4, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(loss)-17.325) > 1e-5 {
		t.Fatalf("evaluate loss %v, Keras 17.325", loss)
	}
}

// TestImageLayersConfigRoundTrip: FromConfig(Config()) gives the same
// config.
func TestImageLayersConfigRoundTrip(t *testing.T) {
	all := []Layer{
		Rescaling(1/255.0, -0.5, WithName("r")),
		RescalingArrays([]float64{1, 2, 3}, []int{3}, []float64{0.5}, nil, WithName("r2")),
		Resizing(6, 8, ResizingOptions{Interpolation: "bicubic", PadToAspectRatio: true, FillValue: 2, Antialias: true},
			WithName("rs"), WithDataFormat("channels_first")),
		CenterCrop(5, 4, WithName("cc")),
		RandomFlip("horizontal", WithName("rf")), RandomRotation(-0.1, 0.2, WithName("rr")), RandomZoom(0.1, WithName("rz")),
		RandomTranslation(0.1, 0.2, WithName("rt")), RandomContrast(0.2, WithName("rc")), RandomBrightness(0.3, WithName("rb")),
		RandomCrop(3, 4, WithName("rcrop")),
		SpatialDropout1D(0.1, WithName("s1")), SpatialDropout2D(0.2, WithName("s2"), WithDataFormat("channels_first")),
		SpatialDropout3D(0.3, WithName("s3"), WithSeed(4)),
		GaussianNoise(0.5, WithName("gnoise")), GaussianDropout(0.2, WithName("gd"), WithSeed(1)),
		AlphaDropout(0.2, WithName("ad"), WithNoiseShape(-1, 1, 5)),
		ActivityRegularization(0.01, 0.02, WithName("ar")),
		GroupNormalization(WithName("gn"), WithGroups(4), WithAxis(1), WithEpsilon(1e-5), WithCenter(false),
			WithGammaInitializer(initializers.Constant(2)), WithGammaRegularizer(regularizers.L2(0.1))),
		UnitNormalization(WithName("un"), WithAxis(1, 2)),
		RMSNormalization(WithName("rms"), WithAxis(-1, -2), WithEpsilon(1e-5)),
	}
	for _, l := range all {
		cfg := jsonNorm(t, l.Config()).(map[string]any)
		l2, err := FromConfig(loader.LayerConfig{ClassName: l.ClassName(), Name: l.Name(), Config: cfg}, 3)
		if err != nil {
			t.Fatalf("%s: FromConfig(Config()): %v", l.ClassName(), err)
		}
		if got := jsonNorm(t, l2.Config()); !reflect.DeepEqual(got, any(cfg)) {
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(cfg)
			t.Errorf("%s round trip:\n got  %s\n want %s", l.ClassName(), gb, wb)
		}
	}
}

// TestImageLayersConfigMatchesKeras compares Config() of the preprocessing,
// noise and normalization layers of the keras-layers cases preprocessing,
// regularizing_identity and normalization_layers with the config Keras
// 3.15.1 wrote.
func TestImageLayersConfigMatchesKeras(t *testing.T) {
	for _, c := range []string{"preprocessing", "regularizing_identity", "normalization_layers"} {
		raw, err := os.ReadFile(filepath.Join("../../testdata/keras-layers", c, "model.json"))
		if err != nil {
			t.Fatal(err)
		}
		var mj kerasModelJSON
		if err := json.Unmarshal(raw, &mj); err != nil {
			t.Fatal(err)
		}
		for _, lj := range mj.Config.Layers {
			switch lj.ClassName {
			case "InputLayer", "Conv2D", "Dense", "Flatten": // other families, checked elsewhere
				continue
			}
			name, _ := lj.Config["name"].(string)
			l, err := FromConfig(loader.LayerConfig{ClassName: lj.ClassName, Name: name, Config: lj.Config}, 3)
			if err != nil {
				t.Fatalf("%s: %v", c, err)
			}
			if got := jsonNorm(t, l.Config()); !reflect.DeepEqual(got, jsonNorm(t, lj.Config)) {
				gb, _ := json.Marshal(got)
				wb, _ := json.Marshal(lj.Config)
				t.Errorf("%s %s:\n got   %s\n Keras %s", c, lj.ClassName, gb, wb)
			}
		}
	}
}

// TestImageLayerErrors: bad configurations fail with errors naming the
// layer and the field.
func TestImageLayerErrors(t *testing.T) {
	for _, tc := range []struct {
		l    Layer
		in   []int
		want string
	}{
		{Resizing(2, 2, ResizingOptions{Interpolation: "lanczos3"}, WithName("r")), []int{4, 4, 1}, "lanczos3"},
		{Resizing(0, 2, ResizingOptions{}, WithName("r")), []int{4, 4, 1}, "positive"},
		{Resizing(1<<20, 1<<20, ResizingOptions{}, WithName("r")), []int{4, 4, 3}, "limit"},
		{Resizing(1, 1<<14, ResizingOptions{PadToAspectRatio: true}, WithName("r")), []int{4096, 4, 3}, "padding"},
		{CenterCrop(2, 2, WithName("c")), []int{4, 4}, "height, width, channels"},
		{GroupNormalization(WithGroups(3), WithName("g")), []int{4, 4}, "groups must divide"},
		{SpatialDropout2D(0.5, WithName("s")), []int{4, 4}, "rank 3"},
		{AlphaDropout(1.5, WithName("a")), []int{4}, "rate"},
		{RescalingArrays([]float64{1, 2}, []int{2}, []float64{0}, nil, WithName("rs")), []int{4, 3}, "broadcast"},
	} {
		err := tc.l.Build(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.l.ClassName()) {
			t.Errorf("%s: error %v, want one naming the layer and containing %q", tc.l.ClassName(), err, tc.want)
		}
	}
}

// TestTrainStepGradientsNormalizationLayers differentiates the
// keras-layers model normalization_layers (Conv2D → GroupNormalization →
// UnitNormalization → Dense → LayerNormalization(rms_scaling) → Dense,
// Keras's weights) and compares TrainStep's gradients with central finite
// differences of TestStep's loss (float32, so loose tolerances; the exact
// per-op checks are in package runtime).
func TestTrainStepGradientsNormalizationLayers(t *testing.T) {
	dir := "../../testdata/keras-layers/normalization_layers"
	m := loadCase(t, dir)
	net := m.trainNet(t, "mse")
	x, _ := tensor.LoadNpy(filepath.Join(dir, "x.npy"))
	y, _ := tensor.LoadNpy(filepath.Join(dir, "y.npy"))
	r := rand.New(rand.NewPCG(3, 4))
	for i := range y.Data() {
		y.Data()[i] += float32(r.NormFloat64())
	}
	res, err := net.TrainStep(x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	tv := net.TrainableVariables()
	for vi, v := range tv {
		g := append([]float32(nil), res.Grads[vi]...)
		w := v.Value.Data()
		for k := 0; k < 6; k++ {
			j := r.IntN(len(w))
			old := w[j]
			ok := false
			var fds []float64
			for _, h := range []float32{1e-2, 3e-3, 1e-3} {
				w[j] = old + h
				lp, _, _ := net.TestStep(x, y, nil)
				w[j] = old - h
				lm, _, _ := net.TestStep(x, y, nil)
				w[j] = old
				fd := float64(lp-lm) / float64(2*h)
				fds = append(fds, fd)
				ok = ok || math.Abs(float64(g[j])-fd) <= 1e-3+1e-2*math.Abs(fd)
			}
			if !ok {
				t.Fatalf("%s[%d]: gradient %v, finite differences %v", v.Path, j, g[j], fds)
			}
		}
	}
}

// TestLoaderAcceptsImageLayers: every class these files build is one the
// loader accepts (the two lists live in different packages).
func TestLoaderAcceptsImageLayers(t *testing.T) {
	sup := map[string]bool{}
	for _, c := range loader.SupportedLayers() {
		sup[c] = true
	}
	classes := append(RandomLayerClasses(), "Rescaling", "Resizing", "CenterCrop", "SpatialDropout1D", "SpatialDropout2D",
		"SpatialDropout3D", "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization",
		"GroupNormalization", "UnitNormalization", "RMSNormalization")
	for _, c := range classes {
		if !sup[c] {
			t.Errorf("loader does not accept %s", c)
		}
		cfg := map[string]any{"height": 2.0, "width": 2.0}
		if c == "Rescaling" {
			cfg["scale"] = 1.0
		}
		if _, err := FromConfig(loader.LayerConfig{ClassName: c, Name: "x", Config: cfg}, 3); err != nil {
			t.Errorf("FromConfig(%s): %v", c, err)
		}
	}
}
