package keras

import (
	"context"
	"math"
	"path/filepath"
	"testing"
)

// TestConvLSTMFitStep trains Keras's conv_lstm2d model (ConvLSTM2D,
// Flatten, Dense) one full-batch SGD step and checks every weight's update
// against −lr × the central finite difference of Evaluate's loss: BPTT
// through the unrolled convolutions, end to end through Fit.
func TestConvLSTMFitStep(t *testing.T) {
	dir := filepath.Join(testdata, "keras-layers", "conv_lstm2d")
	x := loadNpy(t, filepath.Join(dir, "x.npy"))
	y := loadNpy(t, filepath.Join(dir, "y.npy"))
	for i := range y.Data() {
		y.Data()[i] += float32(0.5 - 0.25*float64(i%3)) // a target the model misses
	}
	m, err := Load(filepath.Join(dir, "model.keras"))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(CompileConfig{Optimizer: "sgd", Loss: "mse"}); err != nil {
		t.Fatal(err)
	}
	n := x.Shape()[0]
	loss := func() float64 {
		logs, err := m.Evaluate(x, y, EvaluateConfig{BatchSize: n, Verbose: Silent})
		if err != nil {
			t.Fatal(err)
		}
		v, _ := logs.Get("loss")
		return v
	}
	vars := m.TrainableVariables()
	var want [][]float64
	for _, v := range vars {
		d := v.Value.Data()
		w := make([]float64, len(d))
		for j := range d {
			old := d[j]
			const h = 1e-2
			d[j] = old + h
			lp := loss()
			d[j] = old - h
			lm := loss()
			d[j] = old
			w[j] = float64(old) - 0.01*(lp-lm)/(2*h) // SGD's default learning rate 0.01
		}
		want = append(want, w)
	}
	if _, err := m.Fit(context.Background(), x, y, FitConfig{BatchSize: n, Epochs: 1, Shuffle: ShuffleOff, Verbose: Silent}); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for vi, v := range vars {
		for j, got := range v.Value.Data() {
			if math.Abs(float64(got)-want[vi][j]) > 2e-6+1e-4*math.Abs(want[vi][j]) {
				t.Errorf("%s[%d] after one step: %.7g, −lr·finite differences give %.7g", v.Path, j, got, want[vi][j])
			}
			checked++
		}
	}
	if checked < 300 {
		t.Fatalf("checked %d weights, the model has more than 300", checked)
	}
}
