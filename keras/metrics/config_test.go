package metrics

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/kerago/kerago/tensor"
)

// update is one or more update_state calls on a metric.
type update struct {
	yt, yp, sw []float32
	shape      []int // of y_true and y_pred
	swShape    []int
}

// TestPrecisionRecallTopKClassID: the expected values are Keras 3.15.1's
// own tests (keras/src/metrics/confusion_metrics_test.py: PrecisionTest and
// RecallTest, test_*_top_k*, test_unweighted_class_id_multiclass).
func TestPrecisionRecallTopKClassID(t *testing.T) {
	multiP := []float32{0.1, 0.2, 0.7, 0.5, 0.3, 0.2, 0.2, 0.6, 0.2, 0.7, 0.2, 0.1, 0.1, 0.1, 0.8}
	multiT := []float32{0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1}
	weighted := []update{
		{yt: []float32{0, 1, 1, 0, 1}, yp: []float32{0.2, 0.1, 0.4, 0, 0.2}, shape: []int{1, 5}, sw: []float32{1, 4, 2, 3, 5}, swShape: []int{1, 5}},
		{yt: []float32{1, 0, 1, 1, 1}, yp: []float32{0.2, 0.6, 0.4, 0.2, 0.2}, shape: []int{5}, sw: []float32{3}, swShape: []int{}},
	}
	for _, tc := range []struct {
		name    string
		m       Metric
		updates []update
		want    float64
	}{
		{"Precision(top_k=3)", Precision(TopK(3)), []update{{yt: []float32{0, 1, 1, 0, 0}, yp: []float32{0.2, 0.1, 0.5, 0, 0.2}, shape: []int{5}}}, 1.0 / 3},
		{"Precision(top_k=3) weighted", Precision(TopK(3)), weighted, float64(2+5+3+3) / float64(1+2+5+3+3+3)},
		{"Precision(class_id=1)", Precision(ClassID(1)), []update{{yt: multiT, yp: multiP, shape: []int{5, 3}}}, 1},
		{"Precision(thresholds=0.7, top_k=2)", Precision(Thresholds(0.7), TopK(2)), []update{{yt: []float32{0, 1, 1, 0, 1}, yp: []float32{0.2, 0.8, 0.6, 0, 0.2}, shape: []int{5}}}, 1},
		{"Recall(top_k=3)", Recall(TopK(3)), []update{{yt: []float32{0, 1, 1, 0, 0}, yp: []float32{0.2, 0.1, 0.5, 0, 0.2}, shape: []int{5}}}, 0.5},
		{"Recall(top_k=3) weighted", Recall(TopK(3)), weighted, float64(2+5+3+3) / float64(4+2+5+3+3+3+3)},
		{"Recall(class_id=1)", Recall(ClassID(1)), []update{{yt: multiT, yp: multiP, shape: []int{5, 3}}}, 1},
		{"Recall(thresholds=0.7, top_k=2)", Recall(Thresholds(0.7), TopK(2)), []update{{yt: []float32{1, 1, 1, 0, 1}, yp: []float32{0.2, 0.8, 0.6, 0, 0.2}, shape: []int{5}}}, 0.25},
		// Docstring: Precision(top_k=2) on [0,0,1,1] vs [1,1,1,1] is 0, top_k=4 is 0.5.
		{"Precision(top_k=2) docstring", Precision(TopK(2)), []update{{yt: []float32{0, 0, 1, 1}, yp: []float32{1, 1, 1, 1}, shape: []int{4}}}, 0},
		{"Precision(top_k=4) docstring", Precision(TopK(4)), []update{{yt: []float32{0, 0, 1, 1}, yp: []float32{1, 1, 1, 1}, shape: []int{4}}}, 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, u := range tc.updates {
				var sw *tensor.Tensor
				if u.sw != nil {
					sw = T(t, u.sw, u.swShape...)
				}
				if err := tc.m.Update(T(t, u.yt, u.shape...), T(t, u.yp, u.shape...), sw); err != nil {
					t.Fatal(err)
				}
			}
			if got := tc.m.Result(); math.Abs(got-tc.want) > 1e-6 {
				t.Fatalf("result %v, Keras %v", got, tc.want)
			}
		})
	}
	// class_id on 1-D predictions is Keras's ValueError.
	err := Precision(ClassID(2)).Update(T(t, []float32{0, 1, 1, 0, 0}, 5), T(t, []float32{0.2, 0.1, 0.6, 0, 0.2}, 5), nil)
	if err == nil || !strings.Contains(err.Error(), "class_id") {
		t.Fatalf("class_id with 1-D y_pred: err %v, want Keras's refusal", err)
	}
}

// TestFromConfig reads metric objects as compile configs store them and
// checks each honoured key changes the result as Keras's class does, and
// each unsupported one is refused by name.
func TestFromConfig(t *testing.T) {
	yt := T(t, []float32{0, 1, 1, 0}, 4, 1)
	yp := T(t, []float32{0.6, 0.65, 0.8, 0.2}, 4, 1)
	for _, tc := range []struct {
		class, cfg string
		name       string
		want       float64
	}{
		// (ŷ > 0.7) == y: [1, 0, 1, 1] → 0.75; at 0.5: [0, 1, 1, 1] → 0.75; at 0.62: [1,1,1,1] → 1.
		{"BinaryAccuracy", `{"name": "acc7", "dtype": "float32", "threshold": 0.7}`, "acc7", 0.75},
		{"BinaryAccuracy", `{"name": "binary_accuracy", "threshold": 0.62}`, "binary_accuracy", 1},
		// Precision at 0.7: tp 1 (0.8), fp 0 → 1; at 0.5: tp 2, fp 1 → 2/3.
		{"Precision", `{"name": "precision_0", "thresholds": 0.7, "top_k": null, "class_id": null}`, "precision_0", 1},
		{"Precision", `{"name": "p", "thresholds": null, "top_k": null, "class_id": 0}`, "p", 2.0 / 3},
		{"Recall", `{"name": "r", "thresholds": [0.7, 0.5]}`, "r", 0.5},
		{"Custom>Recall", `{"name": "r2"}`, "r2", 1},
	} {
		var cfg map[string]any
		if err := json.Unmarshal([]byte(tc.cfg), &cfg); err != nil {
			t.Fatal(err)
		}
		m, err := FromConfig(tc.class, cfg, []int{4, 1}, []int{4, 1})
		if err != nil {
			t.Fatalf("%s %s: %v", tc.class, tc.cfg, err)
		}
		if err := m.Update(yt, yp, nil); err != nil {
			t.Fatal(err)
		}
		if m.Name() != tc.name || math.Abs(m.Result()-tc.want) > 1e-6 {
			t.Errorf("%s %s: %s = %v, want %s = %v", tc.class, tc.cfg, m.Name(), m.Result(), tc.name, tc.want)
		}
	}
	for _, tc := range []struct{ class, cfg, want string }{
		{"AUC", `{"curve": "PR"}`, "curve"},
		{"AUC", `{"multi_label": true}`, "multi_label"},
		{"Precision", `{"dtype": "float64"}`, "dtype"},
		{"Precision", `{"top_k": 1.5}`, "top_k"},
		{"BinaryAccuracy", `{"thresh": 0.2}`, "thresh"},
		{"F1Score", `{}`, "F1Score"},
	} {
		var cfg map[string]any
		if err := json.Unmarshal([]byte(tc.cfg), &cfg); err != nil {
			t.Fatal(err)
		}
		if _, err := FromConfig(tc.class, cfg, []int{4, 1}, []int{4, 1}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: err %v, want one naming %q", tc.class, tc.cfg, err, tc.want)
		}
	}
}
