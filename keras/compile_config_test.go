package keras

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/tensor"
)

// tfKerasTraining is a training_config as tf.keras 2.x writes it into a
// legacy .h5 (metric objects serialized with class_name/config, nested per
// output, the optimizer "Custom>"-registered) — the shape of the real file
// of issue 17 whose Precision(name="precision_0", class_id=0) kept kerago
// from loading it — plus an entry kerago cannot restore.
const tfKerasTraining = `{"loss": "categorical_crossentropy",
 "metrics": [[{"class_name": "Precision", "config": {"name": "precision_0", "dtype": "float32", "thresholds": null, "top_k": null, "class_id": 0}},
              {"class_name": "Recall", "config": {"name": "recall_top2", "dtype": "float32", "thresholds": null, "top_k": 2, "class_id": 1}},
              {"class_name": "F1Score", "config": {"name": "f1", "average": null}},
              "precision_1"]],
 "weighted_metrics": [{"class_name": "MeanMetricWrapper", "config": {"name": "acc", "dtype": "float32", "fn": "categorical_accuracy"}}],
 "loss_weights": [0.5], "sample_weight_mode": null,
 "optimizer_config": {"class_name": "Custom>Adam", "config": {"name": "Adam", "learning_rate": 0.01, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": false}}}`

// writeWithTraining saves a keras-case's legacy .h5 with the given
// training_config and returns the new file's path.
func writeWithTraining(t *testing.T, caseName, training string) string {
	t.Helper()
	lm, err := loader.Load(filepath.Join("..", "testdata", "keras-cases", caseName, "model.h5"))
	if err != nil {
		t.Fatal(err)
	}
	tc, err := loader.ParseTrainingConfigJSON("training_config", []byte(training))
	if err != nil {
		t.Fatal(err)
	}
	lm.Training, lm.Optimizer = tc, nil
	out := filepath.Join(t.TempDir(), "model.h5")
	if err := loader.Save(out, lm, loader.FormatH5); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCompileConfigMetricObjects loads a file whose compile config holds
// Precision(class_id=0), Recall(top_k=2, class_id=1), a tf.keras-wrapped
// weighted accuracy, loss_weights [0.5] and two entries kerago cannot
// restore. The model loads (with warnings naming those two), and evaluate
// matches a float64 re-derivation from Keras's own predictions (y.npy,
// Keras 3.15.1's predict of the same weights) with labels chosen here.
func TestCompileConfigMetricObjects(t *testing.T) {
	path := writeWithTraining(t, "multiclass_classifier", tfKerasTraining)
	m, err := Load(path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	w := strings.Join(m.LoadWarnings(), "\n")
	for _, want := range []string{"F1Score", `"precision_1"`} {
		if !strings.Contains(w, want) {
			t.Errorf("load warnings %q do not name %s", w, want)
		}
	}
	if lr, _ := m.LearningRate(); math.Abs(lr-0.01) > 1e-9 {
		t.Errorf("learning rate %v, the file's Custom>Adam says 0.01", lr)
	}
	dir := filepath.Join("..", "testdata", "keras-cases", "multiclass_classifier")
	x, p := loadNpy(t, filepath.Join(dir, "x.npy")), loadNpy(t, filepath.Join(dir, "y.npy"))
	n, c := p.Dim(0), p.Dim(1)
	y := tensor.Zeros(n, c)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = (i*7 + i/3) % c
		y.Data()[i*c+labels[i]] = 1
	}
	logs, err := m.Evaluate(x, y, EvaluateConfig{Verbose: Silent})
	if err != nil {
		t.Fatal(err)
	}
	// float64 references from Keras's predictions.
	var ce, tp0, fp0, tp1, fn1, acc float64
	for i := 0; i < n; i++ {
		row := make([]float64, c)
		for j := range row {
			row[j] = float64(p.Data()[i*c+j])
		}
		ce -= math.Log(row[labels[i]]) / float64(n)
		if row[0] > 0.5 {
			if labels[i] == 0 {
				tp0++
			} else {
				fp0++
			}
		}
		// top 2 of the row, then class 1 counted positive when kept and > −1e10.
		best, second := 0, -1
		for j := 1; j < c; j++ {
			if row[j] > row[best] {
				best, second = j, best
			} else if second < 0 || row[j] > row[second] {
				second = j
			}
		}
		kept := best == 1 || second == 1
		if labels[i] == 1 {
			if kept {
				tp1++
			} else {
				fn1++
			}
		}
		if best == labels[i] {
			acc += 1 / float64(n)
		}
	}
	want := map[string]float64{"loss": 0.5 * ce, "precision_0": tp0 / (tp0 + fp0), "recall_top2": tp1 / (tp1 + fn1), "acc": acc}
	for k, v := range want {
		got, ok := logs.Get(k)
		if !ok {
			t.Errorf("evaluate has no %q: %v", k, logs)
			continue
		}
		if math.Abs(got-v) > 1e-5*math.Max(1, math.Abs(v)) {
			t.Errorf("%s = %v, float64 reference %v", k, got, v)
		}
	}
	if got := strings.Join(logs.Keys(), ","); strings.Contains(got, "f1") || strings.Contains(got, "precision_1") {
		t.Errorf("evaluate keys %s include a metric that was left out", got)
	}
}

// TestCompileConfigUnknownLossLoadsForInference: a compile config whose
// loss kerago does not know still loads the model for prediction, with a
// warning, uncompiled.
func TestCompileConfigUnknownLossLoadsForInference(t *testing.T) {
	path := writeWithTraining(t, "multiclass_classifier", `{"loss": {"class_name": "Custom>FocalLoss", "config": {}}, "metrics": ["acc"], "optimizer_config": {"class_name": "Adam", "config": {}}}`)
	m, err := Load(path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if m.Compiled() {
		t.Fatal("compiled with an unknown loss")
	}
	if w := strings.Join(m.LoadWarnings(), "\n"); !strings.Contains(w, "FocalLoss") {
		t.Fatalf("warnings %q do not name the loss", w)
	}
	dir := filepath.Join("..", "testdata", "keras-cases", "multiclass_classifier")
	got, err := m.Predict(loadNpy(t, filepath.Join(dir, "x.npy")))
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "predict", got, loadNpy(t, filepath.Join(dir, "y.npy")), 1e-5, 1e-5)
}

// TestLossWeightsRefused: loss_weights for several outputs is refused by
// name.
func TestLossWeightsRefused(t *testing.T) {
	m, err := NewSequential()
	if err != nil {
		t.Fatal(err)
	}
	err = m.Compile(CompileConfig{Loss: "mse", LossWeights: []any{1.0, 2.0}})
	if err == nil || !strings.Contains(err.Error(), "loss_weights has 2 entries") {
		t.Fatalf("err %v", err)
	}
}

// TestWeightedMetricsNamedAsKeras: the same metric in metrics and
// weighted_metrics logs as "mae" and "weighted_mae" (Keras's
// CompileMetrics.result); the weighted one uses the sample weights. The
// values are float64 re-derivations.
func TestWeightedMetricsNamedAsKeras(t *testing.T) {
	m, err := NewSequential(layers.Input(2), layers.Dense(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(CompileConfig{Optimizer: "sgd", Loss: "mse", Metrics: []any{"mae", "mae"}, WeightedMetrics: []any{"mae"}}); err != nil {
		t.Fatal(err)
	}
	x := mustTensor(t, []float32{1, 2, -1, 0.5, 3, -2, 0, 1}, 4, 2)
	y := mustTensor(t, []float32{1, -1, 2, 0}, 4, 1)
	sw := mustTensor(t, []float32{1, 2, 0.5, 3}, 4)
	pred, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	logs, err := m.Evaluate(x, y, EvaluateConfig{Verbose: Silent, SampleWeight: sw})
	if err != nil {
		t.Fatal(err)
	}
	var mae, wmae, wsum float64
	for i := 0; i < 4; i++ {
		d := math.Abs(float64(pred.Data()[i]) - float64(y.Data()[i]))
		mae += d / 4
		wmae += d * float64(sw.Data()[i])
		wsum += float64(sw.Data()[i])
	}
	wmae /= wsum
	want := map[string]float64{"mae": mae, "mae_1": mae, "weighted_mae": wmae}
	if got := strings.Join(logs.Keys(), ","); got != "loss,mae,mae_1,weighted_mae" {
		t.Fatalf("keys %s, want loss,mae,mae_1,weighted_mae", got)
	}
	for k, v := range want {
		if got, _ := logs.Get(k); math.Abs(got-v) > 1e-6*math.Max(1, v) {
			t.Errorf("%s = %v, float64 %v", k, got, v)
		}
	}
}
