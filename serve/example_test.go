package serve_test

import (
	"context"
	"encoding/json"
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

// Serving a Keras model file: Config.Models are loaded with Config.Load at
// New, and Reload (SIGHUP in `kerago serve`) picks up a changed file.
func Example_kerasModel() {
	srv, err := serve.New(serve.Config{
		Load:   serve.KerasLoader,
		Models: []serve.ModelConfig{{Name: "quickstart", Version: 1, Path: "../testdata/serve/mlp_2_10_10_2/model.keras"}},
	})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()

	resp, err := http.Get(hs.URL + "/v1/models/quickstart/metadata")
	if err != nil {
		panic(err)
	}
	var md struct {
		Metadata struct {
			SignatureDef struct {
				SignatureDef map[string]struct {
					Inputs map[string]struct {
						TensorShape struct{ Dim []struct{ Size string } } `json:"tensor_shape"`
					}
				} `json:"signature_def"`
			} `json:"signature_def"`
		}
	}
	json.NewDecoder(resp.Body).Decode(&md)
	resp.Body.Close()
	fmt.Println("input dims:", md.Metadata.SignatureDef.SignatureDef["serving_default"].Inputs["inputs"].TensorShape.Dim)

	resp, err = http.Post(hs.URL+"/v1/models/quickstart:predict", "application/json",
		strings.NewReader(`{"inputs": [[0.5, -0.25], [1, 1]]}`))
	if err != nil {
		panic(err)
	}
	var out struct{ Outputs [][]float64 }
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	fmt.Printf("%d rows of %d outputs\n", len(out.Outputs), len(out.Outputs[0]))
	// Output:
	// input dims: [{-1} {2}]
	// 2 rows of 2 outputs
}

// Draining for a load balancer: serve on NewListener (JSON for net/http's
// own errors too); at shutdown call Drain, so that /readyz answers 503 while
// requests are still served with "Connection: close", wait a grace period,
// then shut the http.Server down.
func ExampleServer_Drain() {
	srv, err := serve.New(serve.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if err := srv.AddModel("half_plus_two", 1, halfPlusTwo{}); err != nil {
		panic(err)
	}
	hs := httptest.NewUnstartedServer(srv)
	hs.Listener = serve.NewListener(hs.Listener)
	hs.Start()
	defer hs.Close()

	get := func(path string) {
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Print(path, " ", resp.StatusCode, " close=", resp.Close, " ", string(body))
	}
	get("/readyz")
	srv.Drain() // on SIGTERM
	get("/readyz")
	get("/healthz")
	// Output:
	// /readyz 200 close=false {"status":"ready","models":1}
	// /readyz 503 close=true {"error":"server is draining: it answers the requests it receives but takes no new work; send new requests elsewhere"}
	// /healthz 200 close=true {"status":"ok","models":1}
}
