package metrics

import (
	"math"
	"testing"

	"github.com/kerago/kerago/tensor"
)

func T(t *testing.T, data []float32, shape ...int) *tensor.Tensor {
	t.Helper()
	x, err := tensor.FromSlice(append([]float32(nil), data...), shape...)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// Golden values from the Keras 3 metric docstrings and spec §8. Each case
// is one update_state on a fresh metric.
func TestMetricGolden(t *testing.T) {
	type tc struct {
		name string
		m    func() Metric
		yt   []float32
		tS   []int
		yp   []float32
		pS   []int
		sw   []float32
		swS  []int
		want float64
		tol  float64
	}
	reg := func(f func(...Option) Metric, want, wantW float64) []tc {
		return []tc{
			{"", func() Metric { return f() }, []float32{0, 1, 0, 0}, []int{2, 2}, []float32{1, 1, 0, 0}, []int{2, 2}, nil, nil, want, 1e-6},
			{" sw", func() Metric { return f() }, []float32{0, 1, 0, 0}, []int{2, 2}, []float32{1, 1, 0, 0}, []int{2, 2}, []float32{1, 0}, []int{2}, wantW, 1e-6},
		}
	}
	var cases []tc
	add := func(prefix string, cs []tc) {
		for _, c := range cs {
			c.name = prefix + c.name
			cases = append(cases, c)
		}
	}
	add("mse", reg(MeanSquaredError, 0.25, 0.5))
	add("mae", reg(MeanAbsoluteError, 0.25, 0.5))
	add("mape", reg(MeanAbsolutePercentageError, 250000000.0, 500000000.0))
	add("msle", reg(MeanSquaredLogarithmicError, 0.12011322, 0.24022643))
	add("rmse", reg(RootMeanSquaredError, 0.5, 0.70710677))
	cases = append(cases,
		tc{"accuracy", func() Metric { return Accuracy() }, []float32{1, 2, 3, 4}, []int{4, 1}, []float32{0, 2, 3, 4}, []int{4, 1}, nil, nil, 0.75, 1e-7},
		tc{"accuracy sw", func() Metric { return Accuracy() }, []float32{1, 2, 3, 4}, []int{4, 1}, []float32{0, 2, 3, 4}, []int{4, 1}, []float32{1, 1, 0, 0}, []int{4}, 0.5, 1e-7},
		tc{"binary_accuracy", func() Metric { return BinaryAccuracy() }, []float32{1, 1, 0, 0}, []int{4, 1}, []float32{0.98, 1, 0, 0.6}, []int{4, 1}, nil, nil, 0.75, 1e-7},
		tc{"binary_accuracy sw", func() Metric { return BinaryAccuracy() }, []float32{1, 1, 0, 0}, []int{4, 1}, []float32{0.98, 1, 0, 0.6}, []int{4, 1}, []float32{1, 0, 0, 1}, []int{4}, 0.5, 1e-7},
		tc{"categorical_accuracy", func() Metric { return CategoricalAccuracy() }, []float32{0, 0, 1, 0, 1, 0}, []int{2, 3}, []float32{0.1, 0.9, 0.8, 0.05, 0.95, 0}, []int{2, 3}, nil, nil, 0.5, 1e-7},
		tc{"categorical_accuracy sw", func() Metric { return CategoricalAccuracy() }, []float32{0, 0, 1, 0, 1, 0}, []int{2, 3}, []float32{0.1, 0.9, 0.8, 0.05, 0.95, 0}, []int{2, 3}, []float32{0.7, 0.3}, []int{2}, 0.3, 1e-7},
		tc{"sparse_categorical_accuracy", func() Metric { return SparseCategoricalAccuracy() }, []float32{2, 1}, []int{2, 1}, []float32{0.1, 0.6, 0.3, 0.05, 0.95, 0}, []int{2, 3}, nil, nil, 0.5, 1e-7},
		tc{"sparse_categorical_accuracy sw", func() Metric { return SparseCategoricalAccuracy() }, []float32{2, 1}, []int{2, 1}, []float32{0.1, 0.6, 0.3, 0.05, 0.95, 0}, []int{2, 3}, []float32{0.7, 0.3}, []int{2}, 0.3, 1e-7},
		tc{"top_k k=1", func() Metric { return TopKCategoricalAccuracy(K(1)) }, []float32{0, 0, 1, 0, 1, 0}, []int{2, 3}, []float32{0.1, 0.9, 0.8, 0.05, 0.95, 0}, []int{2, 3}, nil, nil, 0.5, 1e-7},
		tc{"top_k k=1 sw", func() Metric { return TopKCategoricalAccuracy(K(1)) }, []float32{0, 0, 1, 0, 1, 0}, []int{2, 3}, []float32{0.1, 0.9, 0.8, 0.05, 0.95, 0}, []int{2, 3}, []float32{0.7, 0.3}, []int{2}, 0.3, 1e-7},
		tc{"top_k k=5", func() Metric { return TopKCategoricalAccuracy() }, []float32{0, 0, 1, 0, 1, 0}, []int{2, 3}, []float32{0.1, 0.9, 0.8, 0.05, 0.95, 0}, []int{2, 3}, nil, nil, 1, 1e-7},
		tc{"sparse_top_k k=1", func() Metric { return SparseTopKCategoricalAccuracy(K(1)) }, []float32{2, 1}, []int{2}, []float32{0.1, 0.9, 0.8, 0.05, 0.95, 0}, []int{2, 3}, nil, nil, 0.5, 1e-7},
		tc{"sparse_top_k k=1 sw", func() Metric { return SparseTopKCategoricalAccuracy(K(1)) }, []float32{2, 1}, []int{2}, []float32{0.1, 0.9, 0.8, 0.05, 0.95, 0}, []int{2, 3}, []float32{0.7, 0.3}, []int{2}, 0.3, 1e-7},
		tc{"bce", func() Metric { return BinaryCrossentropy() }, []float32{0, 1, 0, 0}, []int{2, 2}, []float32{0.6, 0.4, 0.4, 0.6}, []int{2, 2}, nil, nil, 0.81492424, 1e-6},
		tc{"bce sw", func() Metric { return BinaryCrossentropy() }, []float32{0, 1, 0, 0}, []int{2, 2}, []float32{0.6, 0.4, 0.4, 0.6}, []int{2, 2}, []float32{1, 0}, []int{2}, 0.9162905, 1e-6},
		tc{"cce", func() Metric { return CategoricalCrossentropy() }, []float32{0, 1, 0, 0, 0, 1}, []int{2, 3}, []float32{0.05, 0.95, 0, 0.1, 0.8, 0.1}, []int{2, 3}, nil, nil, 1.1769392, 1e-6},
		tc{"cce sw", func() Metric { return CategoricalCrossentropy() }, []float32{0, 1, 0, 0, 0, 1}, []int{2, 3}, []float32{0.05, 0.95, 0, 0.1, 0.8, 0.1}, []int{2, 3}, []float32{0.3, 0.7}, []int{2}, 1.6271976, 1e-6},
		tc{"scce", func() Metric { return SparseCategoricalCrossentropy() }, []float32{1, 2}, []int{2}, []float32{0.05, 0.95, 0, 0.1, 0.8, 0.1}, []int{2, 3}, nil, nil, 1.1769392, 1e-6},
		tc{"precision", func() Metric { return Precision() }, []float32{0, 1, 1, 1}, []int{4}, []float32{1, 0, 1, 1}, []int{4}, nil, nil, 0.6666667, 1e-6},
		tc{"precision sw", func() Metric { return Precision() }, []float32{0, 1, 1, 1}, []int{4}, []float32{1, 0, 1, 1}, []int{4}, []float32{0, 0, 1, 0}, []int{4}, 1, 1e-7},
		tc{"recall", func() Metric { return Recall() }, []float32{0, 1, 1, 1}, []int{4}, []float32{1, 0, 1, 1}, []int{4}, nil, nil, 0.6666667, 1e-6},
		tc{"recall sw", func() Metric { return Recall() }, []float32{0, 1, 1, 1}, []int{4}, []float32{1, 0, 1, 1}, []int{4}, []float32{0, 0, 1, 0}, []int{4}, 1, 1e-7},
		tc{"auc n=3", func() Metric { return AUC(NumThresholds(3)) }, []float32{0, 0, 1, 1}, []int{4}, []float32{0, 0.5, 0.3, 0.9}, []int{4}, nil, nil, 0.75, 1e-7},
		tc{"auc n=3 sw", func() Metric { return AUC(NumThresholds(3)) }, []float32{0, 0, 1, 1}, []int{4}, []float32{0, 0.5, 0.3, 0.9}, []int{4}, []float32{1, 0, 0, 1}, []int{4}, 1, 1e-7},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.m()
			var sw *tensor.Tensor
			if c.sw != nil {
				sw = T(t, c.sw, c.swS...)
			}
			if err := m.Update(T(t, c.yt, c.tS...), T(t, c.yp, c.pS...), sw); err != nil {
				t.Fatal(err)
			}
			if got := m.Result(); math.Abs(got-c.want) > c.tol*math.Max(1, math.Abs(c.want)) {
				t.Errorf("result %.9g, want %.9g", got, c.want)
			}
			m.Reset()
			if m.Result() != 0 {
				t.Errorf("after Reset result %v", m.Result())
			}
		})
	}
}

// AUC with the default 200 thresholds on a perfectly separable and a
// hand-computed case: positives {0.9, 0.4}, negatives {0.6, 0.1} → the
// fraction of correctly ordered pairs, 3/4.
func TestAUCDefault(t *testing.T) {
	m := AUC()
	if err := m.Update(T(t, []float32{1, 1, 0, 0}, 4), T(t, []float32{0.9, 0.4, 0.6, 0.1}, 4), nil); err != nil {
		t.Fatal(err)
	}
	if got := m.Result(); math.Abs(got-0.75) > 1e-6 {
		t.Errorf("auc %v, want 0.75", got)
	}
	m.Reset()
	if err := m.Update(T(t, []float32{1, 0}, 2, 1), T(t, []float32{0.8, 0.2}, 2, 1), nil); err != nil {
		t.Fatal(err)
	}
	if got := m.Result(); math.Abs(got-1) > 1e-6 {
		t.Errorf("auc %v, want 1", got)
	}
}

// Accumulation across batches is an exact weighted mean (§5.3), and the
// loss tracker weighs by batch size (§6.2).
func TestAccumulation(t *testing.T) {
	m := MeanSquaredError()
	// batch 1: errors 1 and 3 → values 1, 9; batch 2: error 2 → 4
	if err := m.Update(T(t, []float32{0, 0}, 2, 1), T(t, []float32{1, 3}, 2, 1), nil); err != nil {
		t.Fatal(err)
	}
	if err := m.Update(T(t, []float32{0}, 1, 1), T(t, []float32{2}, 1, 1), nil); err != nil {
		t.Fatal(err)
	}
	if got := m.Result(); math.Abs(got-14.0/3) > 1e-6 {
		t.Errorf("mse over batches %v, want 14/3", got)
	}
	tr := NewMean("loss")
	tr.UpdateScalar(2, 32)
	tr.UpdateScalar(5, 8)
	if got := tr.Result(); math.Abs(got-(2*32+5*8)/40.0) > 1e-6 {
		t.Errorf("loss tracker %v", got)
	}
	// scalar sample weight weighs the whole batch once.
	mm := NewMean("m")
	if err := mm.UpdateValues([]float32{1, 3}, []int{2}, T(t, []float32{2})); err != nil {
		t.Fatal(err)
	}
	if mm.Total() != 4 || mm.Count() != 2 {
		t.Errorf("scalar weight: total %v count %v, want 4 and 2", mm.Total(), mm.Count())
	}
	// (batch, time) values with (batch, time) weights: per-sample means.
	mm.Reset()
	if err := mm.UpdateValues([]float32{1, 2, 3, 4}, []int{2, 2}, T(t, []float32{1, 0, 1, 1}, 2, 2)); err != nil {
		t.Fatal(err)
	}
	// values·w = [1,0,3,4] → per-sample means 0.5, 3.5; weights → 0.5, 1.
	if mm.Total() != 4 || mm.Count() != 1.5 {
		t.Errorf("2-D weights: total %v count %v, want 4 and 1.5", mm.Total(), mm.Count())
	}
}

// "accuracy"/"acc" resolve by shapes and keep the string as name (§5.3).
func TestGetResolution(t *testing.T) {
	cases := []struct {
		id     string
		tS, pS []int
		class  string
		dir    string
	}{
		{"accuracy", []int{8, 1}, []int{8, 1}, "BinaryAccuracy", "up"},
		{"acc", []int{8}, []int{8, 1}, "BinaryAccuracy", "up"},
		{"accuracy", []int{8}, []int{8, 3}, "SparseCategoricalAccuracy", "up"},
		{"Accuracy", []int{8, 1}, []int{8, 3}, "SparseCategoricalAccuracy", "up"},
		{"accuracy", []int{8, 3}, []int{8, 3}, "CategoricalAccuracy", "up"},
		{"mse", []int{8, 1}, []int{8, 1}, "MeanSquaredError", "down"},
		{"MAE", []int{8, 1}, []int{8, 1}, "MeanAbsoluteError", "down"},
		{"mean_squared_error", []int{8, 1}, []int{8, 1}, "MeanSquaredError", "down"},
		{"RootMeanSquaredError", []int{8, 1}, []int{8, 1}, "RootMeanSquaredError", "down"},
		{"auc", []int{8, 1}, []int{8, 1}, "AUC", "up"},
		{"bce", []int{8, 1}, []int{8, 1}, "BinaryCrossentropy", "down"},
		{"top_k_categorical_accuracy", []int{8, 6}, []int{8, 6}, "TopKCategoricalAccuracy", "up"},
	}
	for _, c := range cases {
		m, err := Get(c.id, c.tS, c.pS)
		if err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		cn := m.(interface{ ClassName() string }).ClassName()
		if cn != c.class || m.Name() != c.id || m.Direction() != c.dir {
			t.Errorf("Get(%q, %v, %v) = %s named %q dir %q, want %s named %q dir %q", c.id, c.tS, c.pS, cn, m.Name(), m.Direction(), c.class, c.id, c.dir)
		}
	}
	if _, err := Get("accuracyy", nil, nil); err == nil {
		t.Error("unknown metric: no error")
	}
}

func TestMetricErrors(t *testing.T) {
	m := MeanSquaredError()
	if err := m.Update(T(t, []float32{1, 2}, 2, 1), T(t, []float32{1, 2, 3}, 3, 1), nil); err == nil {
		t.Error("shape mismatch: no error")
	}
	if err := m.Update(T(t, []float32{1, 2}, 2, 1), T(t, []float32{1, 2}, 2, 1), T(t, []float32{1, 2, 3}, 3)); err == nil {
		t.Error("bad sample weight: no error")
	}
	if err := SparseCategoricalAccuracy().Update(T(t, []float32{1, 2, 3}, 3), T(t, []float32{1, 2}, 1, 2), nil); err == nil {
		t.Error("sparse label shape: no error")
	}
}
