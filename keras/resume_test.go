package keras

import (
	"context"
	"io"
	"path/filepath"
	"testing"
)

// TestResumeTrainingFromFile: a real .keras file saved with its compile
// configuration and Adam state (2mdtln/FlowNet-ANN, Keras 3.9.2, 2 inputs →
// 2 outputs) loads compiled with its optimizer state restored, and one more
// epoch on the fit-refs data lowers the loss (issue 3, done-when 4).
func TestResumeTrainingFromFile(t *testing.T) {
	m, err := Load(filepath.Join(testdata, "realmodels", "2mdtln__FlowNet-ANN__final_model", "final_model.keras"))
	if err != nil {
		t.Fatal(err)
	}
	if !m.Compiled() {
		t.Fatal("model with a compile config loaded uncompiled")
	}
	if got := m.Optimizer().ClassName(); got != "Adam" {
		t.Fatalf("optimizer %s, want Adam", got)
	}
	if w := m.LoadWarnings(); len(w) != 0 {
		t.Fatalf("load warnings: %v", w)
	}
	if it := m.Optimizer().Iterations(); it == 0 {
		t.Fatal("optimizer iterations not restored from the file")
	}
	x := loadNpy(t, filepath.Join(testdata, "fit-refs", "fit_adam_mse", "x.npy"))
	y := loadNpy(t, filepath.Join(testdata, "fit-refs", "fit_adam_mse", "y.npy"))
	before, err := m.Evaluate(x, y, EvaluateConfig{Verbose: Silent})
	if err != nil {
		t.Fatal(err)
	}
	startIt := m.Optimizer().Iterations()
	if _, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 1, Verbose: Silent, Output: io.Discard, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	after, err := m.Evaluate(x, y, EvaluateConfig{Verbose: Silent})
	if err != nil {
		t.Fatal(err)
	}
	lb, _ := before.Get("loss")
	la, _ := after.Get("loss")
	if !(la < lb) {
		t.Fatalf("loss did not drop: %v → %v", lb, la)
	}
	if got := m.Optimizer().Iterations() - startIt; got != 4 {
		t.Fatalf("one epoch of 100 rows at batch 32 ran %d optimizer steps, want 4", got)
	}
	t.Logf("loss %.6f → %.6f after one epoch from the saved Adam state (iteration %d)", lb, la, startIt)
}
