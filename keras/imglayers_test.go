package keras

import (
	"context"
	"errors"
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
// layers or GaussianNoise fails with an error naming the layer (kerago does
// not draw their random transformations), never silently skipping them.
func TestImageLayerCasesTraining(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"preprocessing", "kerago cannot apply RandomFlip during training"},
		{"regularizing_identity", "kerago cannot apply GaussianNoise during training"},
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
		_, err = m.Fit(context.Background(), xs[0], ys[0], FitConfig{Epochs: 1, Verbose: Silent})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, loader.ErrUnsupported) {
			t.Fatalf("%s: Fit error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
