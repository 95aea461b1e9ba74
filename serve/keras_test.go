package serve

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"

	"github.com/kerago/kerago/tensor"
)

const quickstart = "../testdata/serve/mlp_2_10_10_2/"

// TestKerasModel serves the quickstart model saved by Keras 3.15.1 and
// checks the answers of both request formats, batched and unbatched, against
// Keras's own predict (y.npy) and against a direct Predict.
func TestKerasModel(t *testing.T) {
	x, err := tensor.LoadNpy(quickstart + "x.npy")
	if err != nil {
		t.Fatal(err)
	}
	y, err := tensor.LoadNpy(quickstart + "y.npy")
	if err != nil {
		t.Fatal(err)
	}
	direct, err := KerasLoader(quickstart + "model.keras")
	if err != nil {
		t.Fatal(err)
	}
	yd, err := direct.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	if ok, worst, diff := tensor.AllClose(yd, y, 1e-5, 1e-5); !ok {
		t.Fatalf("direct Predict differs from Keras at %d by %g", worst, diff)
	}
	xRows, _ := x.Rows()
	for _, maxBatch := range []int{0, 8} {
		t.Run(fmt.Sprintf("max-batch=%d", maxBatch), func(t *testing.T) {
			s, hs := newTestServer(t, Config{Load: KerasLoader, MaxBatch: maxBatch})
			if err := s.AddModelFile("quickstart", 1, quickstart+"model.keras"); err != nil {
				t.Fatal(err)
			}
			r := do(t, hs.Client(), "GET", hs.URL+"/v1/models/quickstart/metadata", "")
			var md metadataJSON
			if err := jsonUnmarshal(r.body, &md); err != nil {
				t.Fatal(err)
			}
			sig := md.Metadata.SignatureDef.SignatureDef["serving_default"]
			if fmt.Sprint(sig.Inputs["inputs"].TensorShape.Dim) != "[{-1 } {2 }]" || fmt.Sprint(sig.Outputs["output_0"].TensorShape.Dim) != "[{-1 } {2 }]" {
				t.Errorf("metadata %s", r.body)
			}

			check := func(name string, got [][]float32, rows []int) {
				t.Helper()
				gt, err := tensor.FromRows(got)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					return
				}
				want, _ := y.Gather(rows)
				wantDirect, _ := yd.Gather(rows)
				if ok, worst, diff := tensor.AllClose(gt, want, 1e-5, 1e-5); !ok {
					t.Errorf("%s: served answer differs from Keras's y.npy at %d by %g", name, worst, diff)
				}
				if ok, worst, diff := tensor.AllClose(gt, wantDirect, 0, 0); !ok {
					t.Errorf("%s: served answer differs from direct Predict at %d by %g", name, worst, diff)
				}
			}
			all := make([]int, len(xRows))
			for i := range all {
				all[i] = i
			}
			r = do(t, hs.Client(), "POST", hs.URL+"/v1/models/quickstart:predict", `{"instances":`+rowsJSON(xRows)+`}`)
			check("instances", predictions(t, r.body), all)
			r = do(t, hs.Client(), "POST", hs.URL+"/v1/models/quickstart/versions/1:predict", `{"inputs":`+rowsJSON(xRows)+`}`)
			var cols struct{ Outputs [][]float32 }
			if err := jsonUnmarshal(r.body, &cols); err != nil {
				t.Fatal(err)
			}
			check("inputs", cols.Outputs, all)

			// 64 goroutines, one or a few rows each.
			var wg sync.WaitGroup
			var mu sync.Mutex
			for g := 0; g < 64; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(uint64(g), 1))
					for i := 0; i < 5; i++ {
						rows := []int{rng.IntN(len(xRows))}
						for len(rows) < 1+g%3 {
							rows = append(rows, rng.IntN(len(xRows)))
						}
						sel := make([][]float32, len(rows))
						for j, k := range rows {
							sel[j] = xRows[k]
						}
						r, err := try(hs.Client(), "POST", hs.URL+"/v1/models/quickstart:predict", `{"instances":`+rowsJSON(sel)+`}`)
						if err != nil || r.code != http.StatusOK {
							t.Errorf("goroutine %d: %v %d %s", g, err, r.code, r.body)
							return
						}
						got, err := decodePredictions(r.body)
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						check(fmt.Sprintf("goroutine %d", g), got, rows)
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
		})
	}
}
