package serve_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/kerago/kerago/serve"
	"github.com/kerago/kerago/tensor"
)

// sumAndProduct stands in for a Keras Functional model with inputs x, y
// and outputs sum = x+y, product = x·y (one value each per sample).
type sumAndProduct struct{}

func (sumAndProduct) InputShape() []int     { return []int{1} }
func (sumAndProduct) OutputShape() []int    { return []int{1} }
func (sumAndProduct) InputNames() []string  { return []string{"x", "y"} }
func (sumAndProduct) InputShapes() [][]int  { return [][]int{{1}, {1}} }
func (sumAndProduct) OutputNames() []string { return []string{"sum", "product"} }
func (sumAndProduct) OutputShapes() [][]int { return [][]int{{1}, {1}} }
func (sumAndProduct) Predict(*tensor.Tensor) (*tensor.Tensor, error) {
	return nil, fmt.Errorf("two inputs: use PredictN")
}

func (sumAndProduct) PredictN(xs ...*tensor.Tensor) ([]*tensor.Tensor, error) {
	sum, _ := tensor.New(xs[0].Shape()...)
	prod, _ := tensor.New(xs[0].Shape()...)
	for i, v := range xs[0].Data() {
		sum.Data()[i] = v + xs[1].Data()[i]
		prod.Data()[i] = v * xs[1].Data()[i]
	}
	return []*tensor.Tensor{sum, prod}, nil
}

// A model with several inputs and outputs (a serve.MultiPredictor, such as
// a *keras.Model loaded from a Functional model) takes named inputs in both
// request formats and answers named outputs.
func ExampleServer_PredictN() {
	srv, _ := serve.New(serve.Config{})
	defer srv.Close()
	if err := srv.AddModel("arith", 1, sumAndProduct{}); err != nil {
		panic(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	for _, body := range []string{
		`{"instances": [{"x": [2], "y": [3]}, {"x": [1], "y": [-1]}]}`,
		`{"inputs": {"x": [[2], [1]], "y": [[3], [-1]]}}`,
		`{"instances": [{"x": [2]}]}`,
	} {
		resp, err := http.Post(hs.URL+"/v1/models/arith:predict", "application/json", strings.NewReader(body))
		if err != nil {
			panic(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Print(resp.StatusCode, " ", string(answer))
	}

	// From Go: one tensor per input, one per output.
	x, _ := tensor.FromSlice([]float32{4}, 1, 1)
	y, _ := tensor.FromSlice([]float32{0.5}, 1, 1)
	ys, _ := srv.PredictN(context.Background(), "arith", serve.Latest, []*tensor.Tensor{x, y})
	fmt.Println(ys[0].Data(), ys[1].Data())
	// Output:
	// 200 {"predictions":[{"sum":[5.0],"product":[6.0]},{"sum":[0.0],"product":[-1.0]}]}
	// 200 {"outputs":{"sum":[[5.0],[0.0]],"product":[[6.0],[-1.0]]}}
	// 400 {"error":"instances[0]: missing input \"y\": model \"arith\" has inputs \"x\", \"y\""}
	// [4.5] [2]
}
