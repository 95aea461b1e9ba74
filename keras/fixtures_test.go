package keras

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/tensor"
)

const testdata = "../testdata"

func loadNpy(t *testing.T, path string) *tensor.Tensor {
	t.Helper()
	x, err := tensor.LoadNpy(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return x
}

func assertClose(t *testing.T, what string, got, want *tensor.Tensor, atol, rtol float64) {
	t.Helper()
	if !tensor.SameShape(got.Shape(), want.Shape()) {
		// Keras predicts (n,) for some reference files saved squeezed.
		if got.Len() == want.Len() {
			var err error
			if got, err = got.Reshape(want.Shape()...); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		} else {
			t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
		}
	}
	ok, worst, diff := tensor.AllClose(got, want, atol, rtol)
	if !ok {
		t.Fatalf("%s: not allclose(atol=%g, rtol=%g): element %d got %v want %v (|diff| %g)", what, atol, rtol, worst, got.Data()[worst], want.Data()[worst], diff)
	}
}

func caseDirs(t *testing.T, root string) []string {
	t.Helper()
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// TestKerasCasesPredict checks every case saved by Keras 3.15.1 loads from
// each of its files and predicts Keras's y.npy.
func TestKerasCasesPredict(t *testing.T) {
	root := filepath.Join(testdata, "keras-cases")
	for _, c := range caseDirs(t, root) {
		dir := filepath.Join(root, c)
		x := loadNpy(t, filepath.Join(dir, "x.npy"))
		y := loadNpy(t, filepath.Join(dir, "y.npy"))
		routes := []struct {
			name string
			load func() (*Model, error)
		}{
			{"model.keras", func() (*Model, error) { return Load(filepath.Join(dir, "model.keras")) }},
			{"model.h5", func() (*Model, error) { return Load(filepath.Join(dir, "model.h5")) }},
			{"model.json+model.weights.h5", func() (*Model, error) {
				return LoadWithWeights(filepath.Join(dir, "model.json"), filepath.Join(dir, "model.weights.h5"))
			}},
			{"model.json+weights/", func() (*Model, error) {
				return LoadWithWeights(filepath.Join(dir, "model.json"), filepath.Join(dir, "weights"))
			}},
		}
		for _, r := range routes {
			t.Run(c+"/"+r.name, func(t *testing.T) {
				m, err := r.load()
				if err != nil {
					t.Fatal(err)
				}
				got, err := m.Predict(x)
				if err != nil {
					t.Fatal(err)
				}
				assertClose(t, c+" "+r.name, got, y, 1e-5, 1e-5)
			})
		}
	}
}

type refUnit struct {
	ModelFile   string  `json:"model_file"`
	WeightsFile *string `json:"weights_file"`
	Reference   string  `json:"reference"`
}

// realModelsWithOwnTest are beyond-Dense real files that kerago runs and
// that have no Keras reference output (Keras 3 cannot load them).
var realModelsWithOwnTest = map[string]bool{
	"KonduitAI__dl4j-test-resources__cnn_batch_norm": true,
	"pplonski__keras2cpp__my_nn":                     true,
}

// TestRealModels checks every Dense-family real-world model file predicts
// its reference outputs, and every beyond-Dense one fails with a clear
// unsupported-layer error.
func TestRealModels(t *testing.T) {
	root := filepath.Join(testdata, "realmodels")
	for _, c := range caseDirs(t, root) {
		dir := filepath.Join(root, c)
		caseJSON, err := os.ReadFile(filepath.Join(dir, "case.json"))
		if err != nil {
			t.Fatal(err)
		}
		if realModelsWithOwnTest[c] {
			continue // checked against a float64 forward pass (realmodels_layers_test.go)
		}
		if strings.Contains(string(caseJSON), "BEYOND DENSE") {
			t.Run(c+"/unsupported", func(t *testing.T) { checkUnsupported(t, dir) })
			continue
		}
		units := map[string]refUnit{}
		if b, err := os.ReadFile(filepath.Join(dir, "ref", "INDEX.json")); err == nil {
			if err := json.Unmarshal(b, &units); err != nil {
				t.Fatal(err)
			}
		} else {
			var u refUnit
			b, err := os.ReadFile(filepath.Join(dir, "ref", "ref.json"))
			if err != nil {
				t.Fatalf("%s: no ref: %v", c, err)
			}
			if err := json.Unmarshal(b, &u); err != nil {
				t.Fatal(err)
			}
			units[""] = u
		}
		for name, u := range units {
			refDir := filepath.Join(dir, "ref", name)
			t.Run(c+"/"+u.ModelFile, func(t *testing.T) {
				var m *Model
				var err error
				if u.WeightsFile != nil {
					m, err = LoadWithWeights(filepath.Join(dir, u.ModelFile), filepath.Join(dir, *u.WeightsFile))
				} else {
					m, err = Load(filepath.Join(dir, u.ModelFile))
				}
				if err != nil {
					t.Fatal(err)
				}
				x := loadNpy(t, filepath.Join(refDir, "x.npy"))
				y := loadNpy(t, filepath.Join(refDir, "y.npy"))
				got, err := m.Predict(x)
				if err != nil {
					t.Fatal(err)
				}
				assertClose(t, c+" "+u.ModelFile+" vs "+u.Reference, got, y, 1e-5, 1e-5)
			})
		}
	}
}

func checkUnsupported(t *testing.T, dir string) {
	ents, _ := os.ReadDir(dir)
	tried := 0
	for _, e := range ents {
		n := e.Name()
		if !(strings.HasSuffix(n, ".h5") || strings.HasSuffix(n, ".json")) || n == "case.json" || n == "expected_io.json" || strings.Contains(n, "inputs_and_outputs") || strings.Contains(n, "weights") {
			continue
		}
		tried++
		_, err := Load(filepath.Join(dir, n))
		if err == nil {
			t.Errorf("%s: loaded a beyond-Dense model without error", n)
			continue
		}
		if !errors.Is(err, loader.ErrUnsupported) {
			t.Errorf("%s: error %v does not wrap loader.ErrUnsupported", n, err)
		}
		if !strings.Contains(err.Error(), n) {
			t.Errorf("%s: error %q does not name the file", n, err)
		}
	}
	if tried == 0 {
		t.Fatalf("no model file tried in %s", dir)
	}
}
