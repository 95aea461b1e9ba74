package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/loader"
)

// withTraining writes a keras-case's legacy .h5 with the given
// training_config (as tf.keras writes it).
func withTraining(t *testing.T, caseName, training string) string {
	t.Helper()
	lm, err := loader.Load(filepath.Join("..", "..", "testdata", "keras-cases", caseName, "model.h5"))
	if err != nil {
		t.Fatal(err)
	}
	tc, err := loader.ParseTrainingConfigJSON("training_config", []byte(training))
	if err != nil {
		t.Fatal(err)
	}
	lm.Training, lm.Optimizer = tc, nil
	out := filepath.Join(t.TempDir(), "model.h5")
	if err := loader.Save(out, lm, loader.FormatH5); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOverridesReplaceUnrestorableEntries (issue 17): a file whose compile
// config holds a Precision(class_id=0) metric, a loss and an optimizer
// kerago does not know loads in inspect, predict and evaluate/fit with
// --loss/--optimizer/--metrics, which replace the file's entries; without
// them fit says which flag to give.
func TestOverridesReplaceUnrestorableEntries(t *testing.T) {
	model := withTraining(t, "multiclass_classifier", `{"loss": {"class_name": "Custom>FocalLoss", "config": {"gamma": 2}},
 "metrics": [{"class_name": "Precision", "config": {"name": "precision_0", "class_id": 0}}, "precision_1"],
 "optimizer_config": {"class_name": "Custom>MyOptimizer", "config": {"learning_rate": 0.01}}}`)
	src := filepath.Join("..", "..", "testdata", "keras-cases", "multiclass_classifier")
	x, y := filepath.Join(src, "x.npy"), filepath.Join(src, "y.npy")
	out := filepath.Join(t.TempDir(), "out.keras")
	run := func(args ...string) (int, string, string) {
		var o, e bytes.Buffer
		code := Run(context.Background(), args, Env{Stdout: &o, Stderr: &e})
		return code, o.String(), e.String()
	}
	if code, _, e := run("inspect", model); code != ExitOK {
		t.Fatalf("inspect: exit %d: %s", code, e)
	}
	if code, _, e := run("predict", model, "--input", x, "--output", filepath.Join(t.TempDir(), "p.npy")); code != ExitOK {
		t.Fatalf("predict: exit %d: %s", code, e)
	}
	code, _, e := run("fit", model, "--x", x, "--y", y, "--output", out)
	if code == ExitOK || !strings.Contains(e, "MyOptimizer") || !strings.Contains(e, "--optimizer") {
		t.Fatalf("fit without overrides: exit %d, stderr %q; want an error naming the optimizer and --optimizer", code, e)
	}
	code, _, e = run("fit", model, "--x", x, "--y", y, "--output", out, "--optimizer", "adam")
	if code == ExitOK || !strings.Contains(e, "FocalLoss") || !strings.Contains(e, "--loss") {
		t.Fatalf("fit with --optimizer only: exit %d, stderr %q; want an error naming the loss and --loss", code, e)
	}
	code, _, e = run("fit", model, "--x", x, "--y", y, "--output", out, "--optimizer", "adam", "--loss", "categorical_crossentropy", "--metrics", "accuracy", "--history", filepath.Join(t.TempDir(), "h.json"))
	if code != ExitOK {
		t.Fatalf("fit with overrides: exit %d: %s", code, e)
	}
	if !strings.Contains(e, `"precision_1" left out`) {
		t.Errorf("fit stderr %q does not warn about the metric it left out", e)
	}
	code, o, e := run("evaluate", model, "--x", x, "--y", y, "--loss", "categorical_crossentropy")
	if code != ExitOK || !strings.Contains(o, "loss: ") || !strings.Contains(o, "precision_0: ") {
		t.Fatalf("evaluate --loss: exit %d, stdout %q, stderr %q; want the loss and the file's precision_0", code, o, e)
	}
}
