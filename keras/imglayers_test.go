package keras

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/loader"
)

// TestImageLayerCasesSaveReload saves the keras-layers cases preprocessing,
// regularizing_identity and normalization_layers as .keras and legacy .h5,
// reloads them and predicts Keras's outputs (allclose 1e-5).
func TestImageLayerCasesSaveReload(t *testing.T) {
	for _, name := range []string{"preprocessing", "regularizing_identity", "normalization_layers"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(testdata, "keras-layers", name)
			xs, ys := caseIO(t, dir)
			m, err := Load(filepath.Join(dir, "model.keras"))
			if err != nil {
				t.Fatal(err)
			}
			for _, ext := range []string{"m.keras", "m.h5"} {
				p := filepath.Join(t.TempDir(), ext)
				if err := m.Save(p); err != nil {
					t.Fatalf("save %s: %v", ext, err)
				}
				m2, err := Load(p)
				if err != nil {
					t.Fatalf("reload %s: %v", ext, err)
				}
				got, err := m2.PredictN(xs...)
				if err != nil {
					t.Fatal(err)
				}
				assertClose(t, ext, got[0], ys[0], 1e-5, 1e-5)
			}
		})
	}
}

// TestImageLayerCasesTraining: fitting a model with random augmentation
// layers fails with an error naming the layer (kerago does not draw their
// random transformations), never silently skipping them; the
// regularizing_identity case (SpatialDropout2D, GaussianNoise,
// GaussianDropout, AlphaDropout, ActivityRegularization) trains with a
// finite loss.
func TestImageLayerCasesTraining(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"preprocessing", "kerago cannot apply RandomFlip during training"},
		{"regularizing_identity", ""},
	} {
		dir := filepath.Join(testdata, "keras-layers", tc.name)
		xs, ys := caseIO(t, dir)
		m, err := Load(filepath.Join(dir, "model.keras"))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Compile(CompileConfig{Optimizer: "sgd", Loss: "mse"}); err != nil {
			t.Fatal(err)
		}
		h, err := m.Fit(context.Background(), xs[0], ys[0], FitConfig{Epochs: 1, Verbose: Silent})
		if tc.want == "" {
			if err != nil {
				t.Fatalf("%s: Fit: %v", tc.name, err)
			}
			if l := h.History["loss"]; len(l) != 1 || math.IsNaN(l[0]) || math.IsInf(l[0], 0) {
				t.Fatalf("%s: loss history %v, want one finite value", tc.name, l)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, loader.ErrUnsupported) {
			t.Fatalf("%s: Fit error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
