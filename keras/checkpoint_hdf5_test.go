package keras

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kerago/kerago/keras/callbacks"
)

// TestModelCheckpointKeras2HDF5 (issue 13): Keras 2 scripts checkpoint to
// "weights.best.hdf5", which Keras 2 wrote in HDF5; ModelCheckpoint
// accepts it (the whole model, or with SaveWeightsOnly save_weights's
// legacy layout) and the file loads back with the trained weights, while
// other extensions are still refused with Keras 3's message.
func TestModelCheckpointKeras2HDF5(t *testing.T) {
	x := loadNpy(t, filepath.Join(testdata, "fit-refs", "fit_adam_mse", "x.npy"))
	y := loadNpy(t, filepath.Join(testdata, "fit-refs", "fit_adam_mse", "y.npy"))
	for _, weightsOnly := range []bool{false, true} {
		dir := t.TempDir()
		path := filepath.Join(dir, "weights.best.hdf5")
		m := foundingModel(t)
		if err := m.Compile(CompileConfig{Optimizer: "adam", Loss: "mse"}); err != nil {
			t.Fatal(err)
		}
		ckpt, err := callbacks.NewModelCheckpoint(callbacks.ModelCheckpointConfig{Filepath: path, SaveWeightsOnly: weightsOnly})
		if err != nil {
			t.Fatalf("weightsOnly=%v: %v", weightsOnly, err)
		}
		if _, err := m.Fit(context.Background(), x, y, FitConfig{Epochs: 2, ValidationSplit: 0.2, Shuffle: ShuffleOff, Verbose: Silent,
			Callbacks: []callbacks.Callback{ckpt}}); err != nil {
			t.Fatal(err)
		}
		var back *Model
		if weightsOnly {
			back = foundingModel(t)
			if err := back.LoadWeights(path); err != nil {
				t.Fatalf("LoadWeights(%s): %v", path, err)
			}
		} else if back, err = Load(path); err != nil {
			t.Fatalf("Load(%s): %v", path, err)
		}
		p1, _ := m.Predict(x)
		p2, _ := back.Predict(x)
		assertClose(t, "hdf5 checkpoint", p2, p1, 0, 0)
	}
	for _, bad := range []callbacks.ModelCheckpointConfig{{Filepath: "w.hdf"}, {Filepath: "w.keras", SaveWeightsOnly: true}} {
		if _, err := callbacks.NewModelCheckpoint(bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
