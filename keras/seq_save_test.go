package keras

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/kerago/kerago/loader"
)

// TestSaveRoundTripSeqCases saves the sequence cases (Embedding with
// mask_zero, stacked LSTMs, both GRU forms, SimpleRNN) as .keras and .h5,
// loads them back and checks that the predictions are identical and still
// match Keras's outputs.
func TestSaveRoundTripSeqCases(t *testing.T) {
	for _, name := range []string{"embedding_pool", "embedding_mask_lstm", "lstm_stack", "gru_variants", "lstm_activations", "conv1d_lstm", "rnn_wrappers"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(testdata, "keras-layers", name)
			xs, ys := caseIO(t, dir)
			m, err := Load(filepath.Join(dir, "model.keras"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := m.PredictN(xs...)
			if err != nil {
				t.Fatal(err)
			}
			for _, ext := range []string{"m.keras", "m.h5"} {
				p := filepath.Join(t.TempDir(), ext)
				if err := m.Save(p); err != nil {
					t.Fatalf("%s: %v", ext, err)
				}
				if ext == "m.keras" && name != "embedding_pool" {
					checkCellGroups(t, p)
				}
				m2, err := Load(p)
				if err != nil {
					t.Fatalf("%s: %v", ext, err)
				}
				got, err := m2.PredictN(xs...)
				if err != nil {
					t.Fatalf("%s: %v", ext, err)
				}
				for i := range got {
					assertClose(t, fmt.Sprintf("%s output %d vs before saving", ext, i), got[i], want[i], 0, 0)
					assertClose(t, fmt.Sprintf("%s output %d vs Keras", ext, i), got[i], ys[i], 1e-5, 1e-5)
				}
			}
		})
	}
}

// checkCellGroups checks that a saved .keras keeps every RNN's variables
// in layers/<rnn>/cell/vars, as Keras 3 writes and reads them.
func checkCellGroups(t *testing.T, path string) {
	t.Helper()
	lm, err := loader.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range lm.Weights.Layers {
		c := l.Sub["cell"]
		if f := l.Sub["forward_layer"]; f != nil {
			c = f.Sub["cell"]
		}
		if c != nil && len(c.Arrays) > 0 {
			n++
			if len(l.Arrays) != 0 {
				t.Errorf("group %s has variables beside its cell", l.Name)
			}
		}
	}
	if n == 0 {
		t.Errorf("%s: no layers/<rnn>/cell/vars group", path)
	}
}
