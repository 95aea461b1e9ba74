package serve

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kerago/kerago/tensor"
)

const tokenCase = "../testdata/keras-layers/embedding_mask_lstm/"

// TestServeTokenModel scores Embedding(mask_zero) + LSTM from a TF Serving
// request of integer lists (x.npy holds int32 ids) and compares with Keras's
// outputs; an id outside the vocabulary is a client error naming the layer.
func TestServeTokenModel(t *testing.T) {
	x, err := tensor.LoadNpy(tokenCase + "x.npy")
	if err != nil {
		t.Fatal(err)
	}
	y, err := tensor.LoadNpy(tokenCase + "y.npy")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.Rows()
	if err != nil {
		t.Fatal(err)
	}
	body := idsJSON(rows, -1)
	s, hs := newTestServer(t, Config{Load: KerasLoader})
	if err := s.AddModelFile("tokens", 1, tokenCase+"model.keras"); err != nil {
		t.Fatal(err)
	}
	r := do(t, hs.Client(), "POST", hs.URL+"/v1/models/tokens:predict", body)
	if r.code != http.StatusOK {
		t.Fatalf("%d %s", r.code, r.body)
	}
	got, err := tensor.FromRows(predictions(t, r.body))
	if err != nil {
		t.Fatal(err)
	}
	if ok, worst, diff := tensor.AllClose(got, y, 1e-5, 1e-5); !ok {
		t.Fatalf("served answer differs from Keras's y.npy at %d by %g", worst, diff)
	}
	bad := idsJSON(rows, 100000)
	r = do(t, hs.Client(), "POST", hs.URL+"/v1/models/tokens:predict", bad)
	if r.code == http.StatusOK || !strings.Contains(string(r.body), "not a token id") {
		t.Errorf("out-of-range id: %d %s, want an error naming the bad id", r.code, r.body)
	}
}

// idsJSON renders rows of ids as a TF Serving instances request of integer
// lists; bad ≥ 0 replaces the first id.
func idsJSON(rows [][]float32, bad int) string {
	var b strings.Builder
	b.WriteString(`{"instances": [`)
	for i, r := range rows {
		if i > 0 {
			b.WriteString(",")
		}
		ids := make([]string, len(r))
		for j, v := range r {
			ids[j] = fmt.Sprint(int(v))
		}
		if i == 0 && bad >= 0 {
			ids[0] = fmt.Sprint(bad)
		}
		b.WriteString("[" + strings.Join(ids, ", ") + "]")
	}
	b.WriteString("]}")
	return b.String()
}
