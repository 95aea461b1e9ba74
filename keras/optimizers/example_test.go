package optimizers_test

import (
	"fmt"
	"math"

	"github.com/kerago/kerago/keras/optimizers"
)

// Muon updates rank-2 variables with Newton–Schulz-orthogonalised momentum
// and everything else with AdamW; its variables follow Keras's layout.
func ExampleNewMuon() {
	opt, err := optimizers.NewMuon(optimizers.LearningRate(0.01))
	if err != nil {
		panic(err)
	}
	kernel := []float32{0.5, -0.2, 0.1, 0.3} // a 2×2 Dense kernel
	bias := []float32{0, 0}
	if err := opt.Build([][]int{{2, 2}, {2}}, []string{"dense/kernel", "dense/bias"}); err != nil {
		panic(err)
	}
	grads := [][]float32{{0.1, 0.2, -0.3, 0.4}, {0.5, -0.5}}
	if err := opt.Apply([][]float32{kernel, bias}, grads, []string{"dense/kernel", "dense/bias"}); err != nil {
		panic(err)
	}
	for _, v := range opt.Variables() {
		fmt.Println(v.Name, v.Shape)
	}
	fmt.Printf("bias %.4f\n", bias)
	// Output:
	// iteration []
	// learning_rate []
	// dense_kernel_momentum [2 2]
	// dense_bias_momentum [2]
	// dense_bias_velocity [2]
	// bias [-0.0100 0.0100]
}

// A LossScaleOptimizer from a mixed-precision file trains with its inner
// optimizer; a step with a non-finite gradient is skipped.
func ExampleNewLossScaleOptimizer() {
	inner, _ := optimizers.NewSGD(optimizers.LearningRate(0.1))
	opt, err := optimizers.NewLossScaleOptimizer(inner, optimizers.LossScaleOptions{})
	if err != nil {
		panic(err)
	}
	w := []float32{1}
	_ = opt.Apply([][]float32{w}, [][]float32{{2}}, []string{"w"})
	fmt.Printf("%.2f %d\n", w[0], opt.Iterations())
	_ = opt.Apply([][]float32{w}, [][]float32{{float32(math.Inf(1))}}, []string{"w"})
	fmt.Printf("%.2f %d\n", w[0], opt.Iterations())
	// Output:
	// 0.80 1
	// 0.80 1
}
