package keras

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/tensor"
)

// layerCasesRunning lists the keras-layers cases (models saved by real
// Keras 3.15.1 beyond the Dense family) that kerago runs; every other case
// must be refused with an error wrapping loader.ErrUnsupported, so that a
// case neither silently passes nor silently fails.
var layerCasesRunning = map[string]bool{
	"merge_multi_io":        true,
	"attention_block":       true,
	"shared_residual":       true,
	"conv2d_basic":          true,
	"separable_depthwise":   true,
	"conv2d_options":        true,
	"conv2d_channels_first": true,
	"conv1d_family":         true,
	"conv3d_pool3d":         true,
	"mobilenet_like":        true,
	"mobilenetv2_teachable": true,
	"transpose_resample":    true,
	"lenet_bn":              true,
	"preprocessing":         true,
	"regularizing_identity": true,
	"normalization_layers":  true,
	"embedding_pool":        true,
	"embedding_mask_lstm":   true,
	"lstm_stack":            true,
	"gru_variants":          true,
	"lstm_activations":      true,
	"conv1d_lstm":           true,
	"rnn_wrappers":          true,
	"conv_lstm2d":           true,
}

// caseIO reads a case's inputs (x.npy or x0.npy, x1.npy, ...) and Keras's
// outputs (y.npy or y0.npy, ...).
func caseIO(t *testing.T, dir string) (xs, ys []*tensor.Tensor) {
	t.Helper()
	read := func(stem string) []*tensor.Tensor {
		if _, err := os.Stat(filepath.Join(dir, stem+".npy")); err == nil {
			return []*tensor.Tensor{loadNpy(t, filepath.Join(dir, stem+".npy"))}
		}
		var out []*tensor.Tensor
		for i := 0; ; i++ {
			p := filepath.Join(dir, fmt.Sprintf("%s%d.npy", stem, i))
			if _, err := os.Stat(p); err != nil {
				return out
			}
			out = append(out, loadNpy(t, p))
		}
	}
	return read("x"), read("y")
}

// TestKerasLayerCases predicts every keras-layers case kerago runs from
// model.keras, model.h5, model.json + model.weights.h5 and model.json +
// weights/ and compares with Keras's outputs (allclose 1e-5).
func TestKerasLayerCases(t *testing.T) {
	root := filepath.Join(testdata, "keras-layers")
	for _, name := range caseDirs(t, root) {
		dir := filepath.Join(root, name)
		t.Run(name, func(t *testing.T) {
			xs, ys := caseIO(t, dir)
			sources := []struct{ what, cfg, weights string }{
				{"keras", "model.keras", ""},
				{"h5", "model.h5", ""},
				{"json+weights.h5", "model.json", "model.weights.h5"},
				{"json+npy", "model.json", "weights"},
			}
			for _, src := range sources {
				if _, err := os.Stat(filepath.Join(dir, src.cfg)); err != nil {
					continue
				}
				var m *Model
				var err error
				if src.weights == "" {
					m, err = Load(filepath.Join(dir, src.cfg))
				} else {
					m, err = LoadWithWeights(filepath.Join(dir, src.cfg), filepath.Join(dir, src.weights))
				}
				if !layerCasesRunning[name] {
					if err == nil {
						_, err = m.PredictN(xs...)
					}
					if !errors.Is(err, loader.ErrUnsupported) {
						t.Errorf("%s: a case kerago does not run yet must fail with ErrUnsupported, got %v", src.what, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", src.what, err)
				}
				cfg, err := os.ReadFile(filepath.Join(dir, "model.json"))
				if err != nil {
					t.Fatal(err)
				}
				checkFusedLSTMs(t, m, strings.Count(string(cfg), `"class_name": "LSTM"`)+
					strings.Count(string(cfg), `"class_name": "SimpleRNN"`)+strings.Count(string(cfg), `"class_name": "GRU"`))
				got, err := m.PredictN(xs...)
				if err != nil {
					t.Fatalf("%s: predict: %v", src.what, err)
				}
				if len(got) != len(ys) {
					t.Fatalf("%s: %d outputs, Keras has %d", src.what, len(got), len(ys))
				}
				for i := range ys {
					assertClose(t, fmt.Sprintf("%s output %d", src.what, i), got[i], ys[i], 1e-5, 1e-5)
				}
			}
		})
	}
}

// checkFusedLSTMs asserts that every recurrent layer of m (also inside
// Bidirectional; all the cases' have elementwise activations) runs as the
// runtime's fused ops and that there are at least want of them.
func checkFusedLSTMs(t *testing.T, m *Model, want int) {
	t.Helper()
	var rnns []*layers.RNNLayer
	for _, l := range m.Layers() {
		switch l := l.(type) {
		case *layers.RNNLayer:
			rnns = append(rnns, l)
		case *layers.BidirectionalLayer:
			rnns = append(rnns, l.Forward(), l.Backward())
		}
	}
	fused := 0
	for _, r := range rnns {
		if !r.Fused() {
			t.Errorf("%s %s does not take the fused path", r.ClassName(), r.Name())
		}
		if r.Fused() {
			fused++
		}
	}
	if fused < want {
		t.Errorf("%d fused LSTMs, the config has %d LSTM layers", fused, want)
	}
}
