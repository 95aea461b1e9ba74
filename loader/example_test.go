package loader_test

import (
	"fmt"
	"log"

	"github.com/kerago/kerago/loader"
)

// Load a Keras 3 archive, then pair its stored variables with the layers.
func ExampleLoad() {
	m, err := loader.Load("../testdata/keras-cases/norm_dropout_flatten/model.keras")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Format, m.KerasVersion, m.Config.ClassName, m.Config.InputShape)
	counts := make([]int, len(m.Config.Layers))
	for i, l := range m.Config.Layers {
		switch l.ClassName {
		case "Dense", "LayerNormalization":
			counts[i] = 2
		case "BatchNormalization":
			counts[i] = 4
		}
	}
	vars, err := loader.AlignWeights(m.Config, m.Weights, counts)
	if err != nil {
		log.Fatal(err)
	}
	for i, l := range m.Config.Layers[:5] {
		var shapes [][]int
		for _, v := range vars[i] {
			shapes = append(shapes, v.Shape())
		}
		fmt.Println(l.ClassName, l.Name, shapes)
	}
	// Output:
	// keras 3.15.1 Sequential [4 3]
	// Dense dense_last_axis [[3 5] [5]]
	// LayerNormalization layer_norm [[5] [5]]
	// Flatten flatten []
	// Dense dense_1 [[20 16] [16]]
	// BatchNormalization batch_norm [[16] [16] [16] [16]]
}

// Keras 1 configs are normalized to Keras 3 names.
func ExampleParseConfigJSON() {
	cfg, _, err := loader.ParseConfigJSON("model.json", []byte(`{"class_name": "Sequential", "config": [
	  {"class_name": "Dense", "config": {"name": "dense_1", "input_dim": 4, "output_dim": 8, "init": "he_normal", "activation": "relu"}},
	  {"class_name": "LeakyReLU", "config": {"name": "leaky", "alpha": 0.2}}]}`))
	if err != nil {
		log.Fatal(err)
	}
	d := cfg.Layers[0].Config
	fmt.Println(cfg.KerasMajor, cfg.InputShape, d["units"], d["kernel_initializer"])
	fmt.Println(cfg.Layers[1].Config["negative_slope"])
	// Output:
	// 1 [4] 8 map[class_name:HeNormal config:map[]]
	// 0.2
}

// Load with a memory budget: a model whose variables would need more is
// refused before anything is allocated, naming the layer and the size.
func ExampleOptions_Load() {
	opts := loader.Options{MemoryBudget: 4 << 20}
	_, err := opts.Load("../testdata/hostile/oom1_mlp_json_batch_shape_1e8.json")
	fmt.Println(err)
	m, err := opts.Load("../testdata/keras-cases/mlp_2_10_10_2/model.keras")
	if err != nil {
		log.Fatal(err)
	}
	for _, lp := range loader.EstimateParams(m.Config) {
		fmt.Println(lp.Name, lp.Shapes, lp.Params)
	}
	// Output:
	// loader: ../testdata/hostile/oom1_mlp_json_batch_shape_1e8.json: layer "dense_1" (Dense): its variables [[100000000 10] [10]] need 3.7 GiB, bringing the model to 3.7 GiB, beyond the memory budget of 4.0 MiB (raise it with --memory-budget or KERAGO_MEMORY_BUDGET)
	// dense_1 [[2 10] [10]] 30
	// dense_2 [[10 10] [10]] 110
	// dense_3 [[10 2] [2]] 22
}
