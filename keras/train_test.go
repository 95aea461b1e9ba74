package keras

import (
	"context"
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/kerago/kerago/keras/callbacks"
	"github.com/kerago/kerago/keras/initializers"
	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/keras/losses"
	"github.com/kerago/kerago/keras/optimizers"
	"github.com/kerago/kerago/tensor"
)

func full(t testing.TB, v float32, shape ...int) *tensor.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	d := make([]float32, n)
	for i := range d {
		d[i] = v
	}
	return mustTensor(t, d, shape...)
}

// trainerTestModel is keras/src/trainers/trainer_test.py's model:
// Dense(3, use_bias=False, kernel_initializer="ones"), SGD(), MSE.
func trainerTestModel(t *testing.T) *Model {
	m, err := NewSequential(layers.Input(4), layers.Dense(3, layers.WithUseBias(false), layers.WithKernelInitializer(initializers.Ones())))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(CompileConfig{Optimizer: "sgd", Loss: "mean_squared_error", Metrics: []any{"mean_squared_error"}}); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTrainerGolden is spec §8 "Training loop": evaluate → [16, 16]; fit
// 3 epochs at batch 20 → mean_squared_error [14.402393, 10.991340,
// 8.388158], final kernel 0.66669.
func TestTrainerGolden(t *testing.T) {
	m := trainerTestModel(t)
	x, y := full(t, 1, 100, 4), full(t, 0, 100, 3)
	ev, err := m.Evaluate(x, y, EvaluateConfig{BatchSize: 16, Verbose: Silent})
	if err != nil {
		t.Fatal(err)
	}
	if got := ev.Keys(); len(got) != 2 || got[0] != "loss" || got[1] != "mean_squared_error" {
		t.Fatalf("evaluate keys %v", got)
	}
	for _, k := range ev.Keys() {
		if v, _ := ev.Get(k); v != 16 {
			t.Fatalf("evaluate %s = %v, want 16", k, v)
		}
	}
	hist, err := m.Fit(context.Background(), x, y, FitConfig{BatchSize: 20, Epochs: 3, Verbose: Silent})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{14.402393, 10.991340, 8.388158}
	for i, w := range want {
		if got := hist.History["mean_squared_error"][i]; math.Abs(got-w) > 1e-5*w {
			t.Errorf("epoch %d mse %v, want %v", i+1, got, w)
		}
		if got := hist.History["loss"][i]; math.Abs(got-w) > 1e-5*w {
			t.Errorf("epoch %d loss %v, want %v", i+1, got, w)
		}
	}
	for _, v := range m.GetWeights()[0].Data() {
		if math.Abs(float64(v)-0.66669) > 1e-4 {
			t.Fatalf("final kernel %v, want 0.66669", v)
		}
	}
	if got := strings.Join(hist.Keys, ","); got != "loss,mean_squared_error" {
		t.Fatalf("history keys %q", got)
	}
}

func TestErrors(t *testing.T) {
	x, y := full(t, 1, 10, 4), full(t, 0, 10, 3)
	nan := full(t, 1, 10, 4)
	nan.Data()[7] = float32(math.NaN())
	inf := full(t, 1, 10, 3)
	inf.Data()[2] = float32(math.Inf(1))
	cases := []struct {
		name string
		run  func(m *Model) error
		want string
	}{
		{"fit before compile", func(_ *Model) error {
			m, _ := NewSequential(layers.Input(4), layers.Dense(3))
			_, err := m.Fit(context.Background(), x, y, FitConfig{Verbose: Silent})
			return err
		}, "must be compiled"},
		{"evaluate before compile", func(_ *Model) error {
			m, _ := NewSequential(layers.Input(4), layers.Dense(3))
			_, err := m.Evaluate(x, y, EvaluateConfig{Verbose: Silent})
			return err
		}, "must be compiled"},
		{"wrong x shape", func(m *Model) error {
			_, err := m.Fit(context.Background(), full(t, 1, 10, 5), y, FitConfig{Verbose: Silent})
			return err
		}, "expects (batch, 4)"},
		{"wrong y shape", func(m *Model) error {
			_, err := m.Fit(context.Background(), x, full(t, 0, 10, 2), FitConfig{Verbose: Silent})
			return err
		}, "y has per-sample shape [2]"},
		{"sample count mismatch", func(m *Model) error {
			_, err := m.Fit(context.Background(), x, full(t, 0, 9, 3), FitConfig{Verbose: Silent})
			return err
		}, "x has 10 samples"},
		{"predict wrong shape", func(m *Model) error { _, err := m.Predict(full(t, 1, 2, 3)); return err }, "expects (batch, 4)"},
		{"predict NaN", func(m *Model) error { _, err := m.Predict(nan); return err }, "NaN"},
		{"fit NaN x", func(m *Model) error {
			_, err := m.Fit(context.Background(), nan, y, FitConfig{Verbose: Silent})
			return err
		}, "NaN"},
		{"fit Inf y", func(m *Model) error {
			_, err := m.Fit(context.Background(), x, inf, FitConfig{Verbose: Silent})
			return err
		}, "+Inf"},
		{"unknown optimizer", func(m *Model) error { return m.Compile(CompileConfig{Optimizer: "adamm", Loss: "mse"}) }, "adamm"},
		{"unknown loss", func(m *Model) error { return m.Compile(CompileConfig{Loss: "mean_squared_eror"}) }, "mean_squared_eror"},
		{"unknown metric", func(m *Model) error {
			return m.Compile(CompileConfig{Loss: "mse", Metrics: []any{"acuracy"}})
		}, "acuracy"},
		{"missing loss", func(m *Model) error { return m.Compile(CompileConfig{Optimizer: "adam"}) }, "loss is required"},
		{"bad validation split", func(m *Model) error {
			_, err := m.Fit(context.Background(), x, y, FitConfig{ValidationSplit: 1.5, Verbose: Silent})
			return err
		}, "ValidationSplit"},
		{"unknown activation", func(_ *Model) error {
			_, err := NewSequential(layers.Input(4), layers.Dense(3, layers.WithActivation("reluu")))
			return err
		}, "reluu"},
		{"set weights count", func(m *Model) error { return m.SetWeights(nil) }, "has 1 variables, got 0"},
		{"set weights shape", func(m *Model) error { return m.SetWeights([]*tensor.Tensor{full(t, 0, 3, 4)}) }, "shape [4 3], got [3 4]"},
		{"duplicate layer name", func(_ *Model) error {
			_, err := NewSequential(layers.Input(4), layers.Dense(3, layers.WithName("a")), layers.Dense(3, layers.WithName("a")))
			return err
		}, "already has a layer named \"a\""},
		{"cancelled", func(m *Model) error {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := m.Fit(ctx, x, y, FitConfig{Verbose: Silent})
			if !errors.Is(err, context.Canceled) {
				return errors.New("not context.Canceled: " + errString(err))
			}
			return err
		}, "canceled"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := trainerTestModel(t)
			err := c.run(m)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestValidationAndCallbacks checks validation keys, History, EarlyStopping
// with restore_best_weights and ReduceLROnPlateau's logs on a real run.
func TestValidationAndCallbacks(t *testing.T) {
	m := foundingModel(t)
	if err := m.Compile(CompileConfig{Optimizer: "adam", Loss: "mse", Metrics: []any{"mae"}}); err != nil {
		t.Fatal(err)
	}
	x := loadNpy(t, testdata+"/fit-refs/fit_adam_mse/x.npy")
	y := loadNpy(t, testdata+"/fit-refs/fit_adam_mse/y.npy")
	es, err := callbacks.NewEarlyStopping(callbacks.EarlyStoppingConfig{Patience: 1, MinDelta: 10, RestoreBestWeights: true})
	if err != nil {
		t.Fatal(err)
	}
	rl, err := callbacks.NewReduceLROnPlateau(callbacks.ReduceLROnPlateauConfig{Patience: 1, Factor: 0.5, MinDelta: 10})
	if err != nil {
		t.Fatal(err)
	}
	hist, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 10, ValidationSplit: 0.2, Shuffle: ShuffleOff, Verbose: Silent, Callbacks: []callbacks.Callback{es, rl}})
	if err != nil {
		t.Fatal(err)
	}
	// min_delta 10 means no epoch improves after the first: stop at epoch 2.
	if len(hist.Epoch) != 2 {
		t.Fatalf("early stopping after %d epochs, want 2 (%v)", len(hist.Epoch), hist.Epoch)
	}
	if got := strings.Join(hist.Keys, ","); got != "loss,mae,val_loss,val_mae,learning_rate" {
		t.Fatalf("history keys %q", got)
	}
	if lr := hist.History["learning_rate"]; lr[0] != float64(float32(0.001)) || lr[1] != float64(float32(0.001)) {
		t.Fatalf("learning_rate log %v", lr)
	}
	if got, _ := m.LearningRate(); math.Abs(got-0.0005) > 1e-9 {
		t.Fatalf("ReduceLROnPlateau left lr %v, want 0.0005", got)
	}
}

// TestOptimizerByValue compiles with an optimizer value and a loss value.
func TestOptimizerByValue(t *testing.T) {
	m := foundingModel(t)
	opt, err := optimizers.NewSGD(optimizers.LearningRate(0.1), optimizers.Momentum(0.9))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(CompileConfig{Optimizer: opt, Loss: "mae"}); err != nil {
		t.Fatal(err)
	}
	x := loadNpy(t, testdata+"/fit-refs/fit_adam_mse/x.npy")
	y := loadNpy(t, testdata+"/fit-refs/fit_adam_mse/y.npy")
	var out strings.Builder
	h, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 2, Verbose: VerboseOneLine, Output: &out, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.History["loss"]) != 2 {
		t.Fatalf("history %v", h.History)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || lines[0] != "Epoch 1/2" || !strings.HasPrefix(lines[1], "4/4 - ") || !strings.Contains(lines[1], " - loss: ") {
		t.Fatalf("verbose=2 output:\n%s", out.String())
	}
	_ = io.Discard
}

// TestSparseLabels: sparse categorical crossentropy takes integer labels of
// shape (batch,) or (batch, 1) and rejects one-hot targets, as Keras does.
func TestSparseLabels(t *testing.T) {
	m, err := NewSequential(layers.Input(4), layers.Dense(3, layers.WithActivation("softmax")))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(CompileConfig{Optimizer: "adam", Loss: "sparse_categorical_crossentropy", Metrics: []any{"accuracy"}}); err != nil {
		t.Fatal(err)
	}
	x := full(t, 0.5, 6, 4)
	labels := mustTensor(t, []float32{0, 1, 2, 0, 1, 2}, 6)
	labels1, _ := labels.Reshape(6, 1)
	for _, y := range []*tensor.Tensor{labels, labels1} {
		if _, err := m.Fit(context.Background(), x, y, FitConfig{Verbose: Silent}); err != nil {
			t.Fatalf("labels %v: %v", y.Shape(), err)
		}
	}
	_, err = m.Fit(context.Background(), x, full(t, 0, 6, 3), FitConfig{Verbose: Silent})
	if err == nil || !strings.Contains(err.Error(), "integer class labels") {
		t.Fatalf("one-hot targets with sparse loss: err = %v", err)
	}
}

// TestLossObjectIgnoreClass: a configured loss object reaches the runtime
// with its options (ignore_class masks rows): Evaluate's loss equals
// losses.Compute on the model's predictions (golden-tested in keras/losses).
func TestLossObjectIgnoreClass(t *testing.T) {
	m, err := NewSequential(layers.Input(4), layers.Dense(3, layers.WithActivation("softmax")))
	if err != nil {
		t.Fatal(err)
	}
	l := losses.SparseCategoricalCrossentropy(losses.IgnoreClass(2))
	if err := m.Compile(CompileConfig{Optimizer: "sgd", Loss: l}); err != nil {
		t.Fatal(err)
	}
	x := mustTensor(t, []float32{1, 2, 3, 4, -1, 0, 1, 2, 0.5, 0.5, -2, 1, 3, -1, 0, 1}, 4, 4)
	y := mustTensor(t, []float32{0, 2, 1, 2}, 4)
	ev, err := m.Evaluate(x, y, EvaluateConfig{Verbose: Silent})
	if err != nil {
		t.Fatal(err)
	}
	pred, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	want, err := losses.Compute(l, y, pred, nil, "sum_over_batch_size")
	if err != nil {
		t.Fatal(err)
	}
	unmasked, _ := losses.Compute(losses.SparseCategoricalCrossentropy(), y.Clone(), pred, nil, "sum_over_batch_size")
	got, _ := ev.Get("loss")
	if math.Abs(got-float64(want)) > 1e-6*math.Abs(float64(want)) || want == unmasked {
		t.Fatalf("loss %v, losses.Compute %v (unmasked %v)", got, want, unmasked)
	}
}
