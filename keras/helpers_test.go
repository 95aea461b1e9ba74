package keras

import (
	"testing"

	"github.com/kerago/kerago/tensor"
)

func mustTensor(t testing.TB, data []float32, shape ...int) *tensor.Tensor {
	t.Helper()
	x, err := tensor.FromSlice(data, shape...)
	if err != nil {
		t.Fatal(err)
	}
	return x
}
