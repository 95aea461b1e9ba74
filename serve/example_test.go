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

// halfPlusTwo is a stand-in for a model loaded with keras.Load: y = x/2 + 2.
type halfPlusTwo struct{}

func (halfPlusTwo) InputShape() []int  { return []int{1} }
func (halfPlusTwo) OutputShape() []int { return []int{1} }
func (halfPlusTwo) Predict(x *tensor.Tensor) (*tensor.Tensor, error) {
	y := make([]float32, x.Len())
	for i, v := range x.Data() {
		y[i] = v/2 + 2
	}
	return tensor.FromSlice(y, x.Shape()...)
}

// A service loads its model once and serves it with TensorFlow Serving's
// REST API; every request runs on its own goroutine. In a real program the
// model comes from keras.Load (serve.Config.Load = func(p string)
// (serve.Predictor, error) { return keras.Load(p) }) and the handler is
// passed to an http.Server with timeouts.
func Example() {
	srv, err := serve.New(serve.Config{MaxBatch: 32}) // merge concurrent requests
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if err := srv.AddModel("half_plus_two", 1, halfPlusTwo{}); err != nil {
		panic(err)
	}
	hs := httptest.NewServer(srv) // listens on 127.0.0.1
	defer hs.Close()

	resp, err := http.Post(hs.URL+"/v1/models/half_plus_two:predict", "application/json",
		strings.NewReader(`{"instances": [[1.0], [2.0], [5.0]]}`))
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(resp.StatusCode, " ", string(body))

	// The same model from Go code, through the same batching path.
	x, _ := tensor.FromSlice([]float32{4}, 1, 1)
	y, _ := srv.Predict(context.Background(), "half_plus_two", serve.Latest, x)
	fmt.Println(y.Data())

	resp, _ = http.Post(hs.URL+"/v1/models/half_plus_two:predict", "application/json",
		strings.NewReader(`{"instances": [[1.0, 2.0]]}`))
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(resp.StatusCode, " ", string(body))
	// Output:
	// 200 {"predictions":[[2.5],[3.0],[4.5]]}
	// [4]
	// 400 {"error":"instances[0]: got 2 values at dimension 1, want 1 (model \"half_plus_two\" version 1 input \"inputs\" has shape [-1,1], so each instance has shape [1])"}
}
