package tensor

import (
	"fmt"
	"testing"
)

func TestTransposeFlip(t *testing.T) {
	x, _ := FromSlice([]float32{0, 1, 2, 3, 4, 5}, 2, 3)
	y, err := x.Transpose(1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !SameShape(y.Shape(), []int{3, 2}) || fmt.Sprint(y.Data()) != "[0 3 1 4 2 5]" {
		t.Errorf("transpose %v %v", y.Shape(), y.Data())
	}
	f, err := x.Flip(1)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(f.Data()) != "[2 1 0 5 4 3]" {
		t.Errorf("flip %v", f.Data())
	}
	if _, err := x.Transpose(0, 0); err == nil {
		t.Error("accepted a non-permutation")
	}
}
