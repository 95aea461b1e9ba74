package keras

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/tensor"
)

// TestTokenIDsOutOfRange: ids outside [0, input_dim) or not integers are a
// clear error at predict time (Keras raises too), never a wrong row.
func TestTokenIDsOutOfRange(t *testing.T) {
	m, err := Load(filepath.Join(testdata, "keras-layers", "embedding_pool", "model.keras"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		v    float32
		want string
	}{
		{"past input_dim", 50, "not a token id in [0, 50)"},
		{"negative", -1, "not a token id"},
		{"fractional", 2.5, "not a token id"},
	} {
		x := tensor.Zeros(1, 12)
		x.Data()[7] = c.v
		for what, run := range map[string]func() error{
			"Predict":  func() error { _, err := m.Predict(x); return err },
			"PredictN": func() error { _, err := m.PredictN(x); return err },
		} {
			err := run()
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "embedding_2") {
				t.Errorf("%s %s: got %v, want an error naming embedding_2 and %q", c.name, what, err, c.want)
			}
		}
	}
	x := tensor.Zeros(1, 12)
	x.Data()[3] = 49
	if _, err := m.Predict(x); err != nil {
		t.Errorf("id 49 of 50: %v", err)
	}
}
