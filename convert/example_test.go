package convert_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kerago/kerago/convert"
)

// Convert a legacy Keras .h5 full model to a Keras 3 .keras archive.
func ExampleFile() {
	dir, err := os.MkdirTemp("", "convert")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	in := filepath.Join("..", "testdata", "keras-cases", "mlp_2_10_10_2", "model.h5")
	res, err := convert.File(in, filepath.Join(dir, "model.keras"), convert.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Format, filepath.Base(res.Path))
	// Output: keras model.keras
}

// A to_json() config with its weights in a separate file, written as the
// weights alone in a directory of .npy files.
func ExampleFile_weights() {
	dir, err := os.MkdirTemp("", "convert")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	src := filepath.Join("..", "testdata", "keras-cases", "mlp_2_10_10_2")
	res, err := convert.File(filepath.Join(src, "model.json"), filepath.Join(dir, "weights")+"/",
		convert.Options{Weights: filepath.Join(src, "model.weights.h5")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Format)
	// Output: npy-dir
}

func ExampleFormatFor() {
	for _, p := range []string{"m.keras", "m.weights.h5", "m.h5", "m.json", "w.npz", "out/"} {
		f, _ := convert.FormatFor(p)
		fmt.Println(p, f)
	}
	// Output:
	// m.keras keras
	// m.weights.h5 weights-h5
	// m.h5 h5
	// m.json json
	// w.npz npz
	// out/ npy-dir
}
