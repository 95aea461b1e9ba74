package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/tensor"
)

// TestService sends each row of the Keras reference input from its own
// goroutine, to both endpoints, and checks the answers against Keras's
// predict (y.npy, allclose 1e-5).
func TestService(t *testing.T) {
	dir := "../../testdata/serve/mlp_2_10_10_2/"
	model, err := keras.Load(dir + "model.keras")
	if err != nil {
		t.Fatal(err)
	}
	x, err := tensor.LoadNpy(dir + "x.npy")
	if err != nil {
		t.Fatal(err)
	}
	y, err := tensor.LoadNpy(dir + "y.npy")
	if err != nil {
		t.Fatal(err)
	}
	h, closeServe, err := newHandler(model)
	if err != nil {
		t.Fatal(err)
	}
	defer closeServe()
	hs := httptest.NewServer(h)
	defer hs.Close()

	xr, _ := x.Rows()
	yr, _ := y.Rows()
	var wg sync.WaitGroup
	for i := range xr {
		for _, ep := range []struct{ path, body, key string }{
			{"/predict", `{"x": [%s]}`, "y"},
			{"/v1/models/model:predict", `{"instances": [%s]}`, "predictions"},
		} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				row, _ := json.Marshal(xr[i])
				resp, err := http.Post(hs.URL+ep.path, "application/json", bytes.NewReader([]byte(fmt.Sprintf(ep.body, row))))
				if err != nil {
					t.Error(err)
					return
				}
				defer resp.Body.Close()
				var out map[string][][]float32
				if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || len(out[ep.key]) != 1 {
					t.Errorf("%s row %d: status %d, %v %v", ep.path, i, resp.StatusCode, out, err)
					return
				}
				got, _ := tensor.FromRows(out[ep.key])
				want, _ := tensor.FromRows(yr[i : i+1])
				if ok, _, diff := tensor.AllClose(got, want, 1e-5, 1e-5); !ok {
					t.Errorf("%s row %d: got %v, Keras %v (diff %g)", ep.path, i, got.Data(), want.Data(), diff)
				}
			}()
		}
	}
	wg.Wait()

	resp, err := http.Post(hs.URL+"/predict", "application/json", bytes.NewReader([]byte(`{"x": [[1, 2, 3]]}`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("wrong shape: status %d", resp.StatusCode)
	}
}
