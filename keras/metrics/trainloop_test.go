package metrics

import (
	"math"
	"testing"

	"github.com/kerago/kerago/keras/losses"
	"github.com/kerago/kerago/keras/optimizers"
	"github.com/kerago/kerago/tensor"
)

// The spec §8 training-loop vector (trainers/trainer_test.py): Dense(3,
// use_bias=False, kernel=Ones) on x = ones((100, 4)), y = zeros((100, 3)),
// SGD(lr=0.01), MSE loss and metric, fit(batch_size=20, epochs=3). The
// Dense layer is written out by hand here (y = x·W, dW = xᵀ·dY) so the test
// exercises losses.ComputeGrad, optimizers.SGD and the metric/loss-tracker
// accumulation together. Derived history ["mean_squared_error"] =
// [14.402393, 10.991340, 8.388158], final kernel 0.66669.
func TestTrainingLoopVector(t *testing.T) {
	const n, in, out, bs = 100, 4, 3, 20
	w := make([]float32, in*out)
	for i := range w {
		w[i] = 1
	}
	opt, err := optimizers.NewSGD()
	if err != nil {
		t.Fatal(err)
	}
	mse := MeanSquaredError()
	tracker := NewMean("loss")
	loss := losses.MeanSquaredError()
	want := []float64{14.402393, 10.991340, 8.388158}
	for epoch := 0; epoch < 3; epoch++ {
		mse.Reset()
		tracker.Reset()
		for b := 0; b < n/bs; b++ {
			x := make([]float32, bs*in)
			for i := range x {
				x[i] = 1
			}
			yp := make([]float32, bs*out)
			for r := 0; r < bs; r++ {
				for j := 0; j < out; j++ {
					var s float32
					for k := 0; k < in; k++ {
						s += x[r*in+k] * w[k*out+j]
					}
					yp[r*out+j] = s
				}
			}
			yPred, _ := tensor.FromSlice(yp, bs, out)
			yTrue := tensor.Zeros(bs, out)
			l, dY, err := losses.ComputeGrad(loss, yTrue, yPred, nil, loss.Reduction())
			if err != nil {
				t.Fatal(err)
			}
			tracker.UpdateScalar(float64(l), bs)
			dW := make([]float32, in*out)
			for k := 0; k < in; k++ {
				for j := 0; j < out; j++ {
					var s float32
					for r := 0; r < bs; r++ {
						s += x[r*in+k] * dY.Data()[r*out+j]
					}
					dW[k*out+j] = s
				}
			}
			if err := opt.Apply([][]float32{w}, [][]float32{dW}, []string{"dense/kernel"}); err != nil {
				t.Fatal(err)
			}
			if err := mse.Update(yTrue, yPred, nil); err != nil {
				t.Fatal(err)
			}
		}
		if got := mse.Result(); math.Abs(got-want[epoch]) > 1e-4 {
			t.Errorf("epoch %d: mean_squared_error %.6f, want %.6f", epoch+1, got, want[epoch])
		}
		if got := tracker.Result(); math.Abs(got-want[epoch]) > 1e-4 {
			t.Errorf("epoch %d: loss %.6f, want %.6f", epoch+1, got, want[epoch])
		}
	}
	if math.Abs(float64(w[0])-0.66669) > 1e-4 {
		t.Errorf("final kernel %v, want 0.66669", w[0])
	}
	if opt.Iterations() != 15 {
		t.Errorf("iterations %d, want 15", opt.Iterations())
	}
}
