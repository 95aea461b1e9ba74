package layers_test

import (
	"fmt"

	"github.com/kerago/kerago/keras/layers"
)

// ExampleMultiHeadAttention builds a MultiHeadAttention for a query of 3
// steps and a value of 5 steps (8 features each) and lists its variables,
// named as Keras 3 names them.
func ExampleMultiHeadAttention() {
	l := layers.MultiHeadAttention(layers.MHAConfig{NumHeads: 2, KeyDim: 4, UseBias: true}, layers.WithName("mha"))
	if err := l.BuildMulti([][]int{{3, 8}, {5, 8}}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("output", l.OutputShape())
	for _, v := range l.Variables() {
		fmt.Println(v.Path, v.Value.Shape())
	}
	// Output:
	// output [3 8]
	// mha/query/kernel [8 2 4]
	// mha/query/bias [2 4]
	// mha/key/kernel [8 2 4]
	// mha/key/bias [2 4]
	// mha/value/kernel [8 2 4]
	// mha/value/bias [2 4]
	// mha/attention_output/kernel [2 4 8]
	// mha/attention_output/bias [8]
}
