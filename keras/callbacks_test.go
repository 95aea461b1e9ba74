package keras

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/keras/callbacks"
)

// TestModelCheckpointAndCSVLogger: ModelCheckpoint saves through Save (a
// .keras that loads back with the weights of its epoch) with Keras's
// messages, and CSVLogger writes Keras's CSV (0-based epochs, sorted keys,
// CRLF).
func TestModelCheckpointAndCSVLogger(t *testing.T) {
	dir := t.TempDir()
	m := foundingModel(t)
	if err := m.Compile(CompileConfig{Optimizer: "adam", Loss: "mse"}); err != nil {
		t.Fatal(err)
	}
	x := loadNpy(t, filepath.Join(testdata, "fit-refs", "fit_adam_mse", "x.npy"))
	y := loadNpy(t, filepath.Join(testdata, "fit-refs", "fit_adam_mse", "y.npy"))
	ckpt, err := callbacks.NewModelCheckpoint(callbacks.ModelCheckpointConfig{
		Filepath: filepath.Join(dir, "ckpt-{epoch:02d}-{val_loss:.3f}.keras"), Verbose: 1, SaveBestOnly: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	csvPath := filepath.Join(dir, "log.csv")
	var out strings.Builder
	_, err = m.Fit(context.Background(), x, y, FitConfig{Epochs: 3, ValidationSplit: 0.2, Shuffle: ShuffleOff, Verbose: Silent, Output: &out,
		Callbacks: []callbacks.Callback{ckpt, callbacks.NewCSVLogger(csvPath)}})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "ckpt-*.keras"))
	if len(files) != 3 {
		t.Fatalf("checkpoints %v (output %q)", files, out.String())
	}
	if !strings.Contains(out.String(), "\nEpoch 1: val_loss improved from None to ") || !strings.Contains(out.String(), ", saving model to "+filepath.Join(dir, "ckpt-01-")) {
		t.Fatalf("checkpoint messages:\n%s", out.String())
	}
	last, err := Load(files[2])
	if err != nil {
		t.Fatal(err)
	}
	p1, _ := m.Predict(x)
	p2, _ := last.Predict(x)
	assertClose(t, "last checkpoint", p2, p1, 0, 0)
	b, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\r\n")
	if lines[0] != "epoch,loss,val_loss" || !strings.HasPrefix(lines[1], "0,") || !strings.HasPrefix(lines[3], "2,") || lines[4] != "" {
		t.Fatalf("csv:\n%q", string(b))
	}
	_ = io.Discard
}
