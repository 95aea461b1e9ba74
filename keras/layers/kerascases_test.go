package layers

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/runtime"
	"github.com/kerago/kerago/tensor"
)

const casesDir = "../../testdata/keras-cases"

// kerasModelJSON is the part of Keras 3's model.to_json() these tests read.
type kerasModelJSON struct {
	ClassName string `json:"class_name"`
	Config    struct {
		Name   string `json:"name"`
		Layers []struct {
			ClassName string         `json:"class_name"`
			Config    map[string]any `json:"config"`
		} `json:"layers"`
	} `json:"config"`
}

type manifestEntry struct {
	Index int    `json:"index"`
	Path  string `json:"path"`
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
	File  string `json:"file"`
}

// caseModel is a Keras model rebuilt from a keras-cases directory with
// Keras's weights.
type caseModel struct {
	layers  []Layer
	inShape []int
	vars    []*runtime.Variable
}

func loadCase(t testing.TB, dir string) *caseModel {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	var mj kerasModelJSON
	if err := json.Unmarshal(raw, &mj); err != nil {
		t.Fatalf("model.json: %v", err)
	}
	m := &caseModel{}
	for _, lj := range mj.Config.Layers {
		name, _ := lj.Config["name"].(string)
		l, err := FromConfig(loader.LayerConfig{ClassName: lj.ClassName, Name: name, Config: lj.Config}, 3)
		if err != nil {
			t.Fatalf("FromConfig(%s %q): %v", lj.ClassName, name, err)
		}
		if lj.ClassName == "InputLayer" {
			m.inShape = l.InputShape()
		}
		m.layers = append(m.layers, l)
	}
	shape := m.inShape
	for _, l := range m.layers {
		if err := l.Build(shape); err != nil {
			t.Fatal(err)
		}
		shape = l.OutputShape()
		m.vars = append(m.vars, l.Variables()...)
	}
	// weights in Keras get_weights() order
	mraw, err := os.ReadFile(filepath.Join(dir, "weights", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var man []manifestEntry
	if err := json.Unmarshal(mraw, &man); err != nil {
		t.Fatal(err)
	}
	if len(man) != len(m.vars) {
		t.Fatalf("Keras saved %d variables, the layers have %d", len(man), len(m.vars))
	}
	for i, e := range man {
		v := m.vars[e.Index]
		if v.Name != e.Name {
			t.Fatalf("variable %d is %q, Keras has %q (%s)", i, v.Name, e.Name, e.Path)
		}
		w, err := tensor.LoadNpy(filepath.Join(dir, "weights", e.File))
		if err != nil {
			t.Fatal(err)
		}
		if !tensor.SameShape(w.Shape(), v.Value.Shape()) {
			t.Fatalf("%s: Keras shape %v, layer shape %v", e.Path, w.Shape(), v.Value.Shape())
		}
		copy(v.Value.Data(), w.Data())
	}
	return m
}

func (m *caseModel) network(t testing.TB) *runtime.Network {
	t.Helper()
	stages := make([]runtime.Stage, len(m.layers))
	for i, l := range m.layers {
		stages[i] = l
	}
	n, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: m.inShape, Stages: stages, Variables: m.vars})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestKerasCases runs every keras-cases model on Keras's input and compares
// with Keras's predict output (numpy allclose, atol = rtol = 1e-5).
func TestKerasCases(t *testing.T) {
	entries, err := os.ReadDir(casesDir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		dir := filepath.Join(casesDir, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			m := loadCase(t, dir)
			net := m.network(t)
			x, err := tensor.LoadNpy(filepath.Join(dir, "x.npy"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := tensor.LoadNpy(filepath.Join(dir, "y.npy"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := net.Predict(x)
			if err != nil {
				t.Fatal(err)
			}
			if ok, worst, diff := tensor.AllClose(got, want, 1e-5, 1e-5); !ok {
				if worst < 0 {
					t.Fatalf("output shape %v, Keras %v", got.Shape(), want.Shape())
				}
				t.Fatalf("element %d: got %v, Keras %v (|diff| %g)", worst, got.Data()[worst], want.Data()[worst], diff)
			}
			// one row at a time gives the same rows (batch independence)
			for r := 0; r < x.Dim(0); r += max(1, x.Dim(0)/3) {
				row, _ := x.SliceRows(r, r+1)
				g1, err := net.Predict(row)
				if err != nil {
					t.Fatal(err)
				}
				w1, _ := want.SliceRows(r, r+1)
				if ok, worst, diff := tensor.AllClose(g1, w1, 1e-5, 1e-5); !ok {
					t.Fatalf("row %d alone: element %d off by %g", r, worst, diff)
				}
			}
		})
	}
	if n < 40 {
		t.Fatalf("found %d cases, want the 40 keras-cases", n)
	}
}
