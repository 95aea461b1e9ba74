package layers_test

import (
	"fmt"

	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
)

// ExampleResizing resizes a 5×5 image (values 0..24) to 3×2 with bilinear
// interpolation, as keras.layers.Resizing(3, 2) does (keras-layers.md §10.4).
func ExampleResizing() {
	l := layers.Resizing(3, 2, layers.ResizingOptions{Interpolation: "bilinear"}, layers.WithName("resize"))
	if err := l.Build([]int{5, 5, 1}); err != nil {
		fmt.Println(err)
		return
	}
	net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: []int{5, 5, 1}, Stages: []runtime.Stage{l}})
	if err != nil {
		fmt.Println(err)
		return
	}
	x := tensor.Zeros(1, 5, 5, 1)
	for i := range x.Data() {
		x.Data()[i] = float32(i)
	}
	y, err := net.Predict(x)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.OutputShape())
	fmt.Printf("%.4f\n", y.Data())
	// Output:
	// [3 2 1]
	// [2.4167 4.9167 10.7500 13.2500 19.0833 21.5833]
}

// ExampleRandomFlip shows that a random augmentation layer is the identity
// at inference, as in Keras.
func ExampleRandomFlip() {
	l := layers.RandomFlip("horizontal", layers.WithName("flip"))
	if err := l.Build([]int{2, 2, 1}); err != nil {
		fmt.Println(err)
		return
	}
	net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: []int{2, 2, 1}, Stages: []runtime.Stage{l}})
	if err != nil {
		fmt.Println(err)
		return
	}
	x, _ := tensor.FromSlice([]float32{1, 2, 3, 4}, 1, 2, 2, 1)
	y, _ := net.Predict(x)
	fmt.Println(y.Data(), l.Config()["mode"])
	// Output: [1 2 3 4] horizontal
}
