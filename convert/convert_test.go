package convert

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/tensor"
)

// TestFileRoundTrips converts Keras 3.15.1's files of several keras-cases
// to every full-model format and reads them back: the predictions equal
// Keras's own (y.npy) within allclose(1e-5, 1e-5).
func TestFileRoundTrips(t *testing.T) {
	for _, c := range []string{"mlp_2_10_10_2", "binary_classifier", "norm_dropout_flatten", "flatten_bn_first"} {
		src := filepath.Join("..", "testdata", "keras-cases", c)
		x, err := tensor.LoadNpy(filepath.Join(src, "x.npy"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := tensor.LoadNpy(filepath.Join(src, "y.npy"))
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			in, weights, out string
		}{
			{"model.h5", "", "a.keras"},
			{"model.keras", "", "b.h5"},
			{"model.json", "model.weights.h5", "c.keras"},
			{"model.keras", "", "d.yaml"},
		} {
			out := filepath.Join(t.TempDir(), tc.out)
			opt := Options{}
			if tc.weights != "" {
				opt.Weights = filepath.Join(src, tc.weights)
			}
			res, err := File(filepath.Join(src, tc.in), out, opt)
			if err != nil {
				t.Fatalf("%s %s → %s: %v", c, tc.in, tc.out, err)
			}
			var m *keras.Model
			if res.Format == loader.FormatYAML {
				m, err = keras.LoadWithWeights(out, filepath.Join(src, "model.weights.h5"))
			} else {
				m, err = keras.Load(out)
			}
			if err != nil {
				t.Fatalf("%s %s: reading back: %v", c, tc.out, err)
			}
			got, err := m.Predict(x)
			if err != nil {
				t.Fatal(err)
			}
			got, _ = got.Reshape(want.Shape()...)
			if ok, i, d := tensor.AllClose(got, want, 1e-5, 1e-5); !ok {
				t.Fatalf("%s %s → %s: element %d differs from Keras by %g", c, tc.in, tc.out, i, d)
			}
		}
	}
}

func TestFileErrors(t *testing.T) {
	src := filepath.Join("..", "testdata", "keras-cases", "mlp_2_10_10_2")
	dir := t.TempDir()
	for _, tc := range []struct {
		in, out string
		opt     Options
		want    string
		is      error
	}{
		{"model.h5", "out.bin", Options{}, "cannot tell", ErrFormat},
		{"model.h5", "out.x", Options{Format: "onnx"}, "onnx", ErrFormat},
		{"model.weights.h5", "out.keras", Options{}, "holds only weights", nil},
		{"missing.h5", "out.keras", Options{}, "missing.h5", nil},
	} {
		_, err := File(filepath.Join(src, tc.in), filepath.Join(dir, tc.out), tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
			t.Errorf("%s → %s: err %v, want one containing %q", tc.in, tc.out, err, tc.want)
		}
	}
}
