package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/tensor"
)

// layerCases are the keras-layers cases (real Keras 3.15.1 files beyond the
// Dense family) that kerago runs; keras/layercases_test.go checks the same
// list through the Go API.
var layerCases = []string{
	"merge_multi_io", "shared_residual", "conv2d_basic", "separable_depthwise", "conv2d_options",
	"conv2d_channels_first", "conv1d_family", "conv3d_pool3d", "lenet_bn", "mobilenet_like",
	"mobilenetv2_teachable", "transpose_resample", "preprocessing", "regularizing_identity", "normalization_layers",
	"embedding_pool", "embedding_mask_lstm", "lstm_stack", "gru_variants", "lstm_activations", "conv1d_lstm", "rnn_wrappers",
	"conv_lstm2d", "attention_block",
}

// TestPredictLayerCases runs kerago predict on every case from .keras and
// .h5: one --input per model input and an .npz of named outputs for models
// with several outputs; the outputs match Keras's within allclose(1e-5).
func TestPredictLayerCases(t *testing.T) {
	for _, c := range layerCases {
		src, _ := filepath.Abs(filepath.Join(shared, "keras-layers", c))
		t.Run(c, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var inputs, wants []string
			for _, stem := range []string{"x", "y"} {
				if _, err := os.Stat(filepath.Join(src, stem+".npy")); err == nil {
					if stem == "x" {
						inputs = append(inputs, filepath.Join(src, "x.npy"))
					} else {
						wants = append(wants, filepath.Join(src, "y.npy"))
					}
					continue
				}
				for i := 0; ; i++ {
					p := filepath.Join(src, fmt.Sprintf("%s%d.npy", stem, i))
					if _, err := os.Stat(p); err != nil {
						break
					}
					if stem == "x" {
						inputs = append(inputs, p)
					} else {
						wants = append(wants, p)
					}
				}
			}
			for _, model := range []string{"model.keras", "model.h5"} {
				args := []string{"predict", filepath.Join(src, model)}
				for _, in := range inputs {
					args = append(args, "--input", in)
				}
				out := filepath.Join(dir, "y.npy")
				if len(wants) > 1 {
					out = filepath.Join(dir, "y.npz")
				}
				ok(t, dir, append(args, "--output", out)...)
				if len(wants) == 1 {
					allclose(t, c+" "+model, loadNpy(t, out), loadNpy(t, wants[0]), 1e-5, 1e-5)
					continue
				}
				arrays, names, err := tensor.ReadNpz(out)
				if err != nil {
					t.Fatal(err)
				}
				if len(names) != len(wants) {
					t.Fatalf("%s: %d arrays %v, Keras has %d outputs", model, len(names), names, len(wants))
				}
				for i, n := range names {
					allclose(t, c+" "+model+" output "+n, arrays[n], loadNpy(t, wants[i]), 1e-5, 1e-5)
				}
			}
		})
	}
}

// TestPredictMultiInputErrors: a model with two inputs refuses one --input
// and a non-.npz output for its two outputs, naming the inputs and outputs.
func TestPredictMultiInputErrors(t *testing.T) {
	src, _ := filepath.Abs(filepath.Join(shared, "keras-layers", "merge_multi_io"))
	dir := t.TempDir()
	r := run(t, dir, "", "predict", filepath.Join(src, "model.keras"), "--input", filepath.Join(src, "x0.npy"), "--output", "y.npz")
	if r.code != 2 || !strings.Contains(r.stderr, "2 arrays for --input (a, b)") {
		t.Errorf("one input for two: exit %d, %q", r.code, r.stderr)
	}
	r = run(t, dir, "", "predict", filepath.Join(src, "model.keras"), "--input", filepath.Join(src, "x0.npy"), "--input", filepath.Join(src, "x1.npy"), "--output", "y.csv")
	if r.code != 2 || !strings.Contains(r.stderr, "2 outputs (cls, reg)") {
		t.Errorf("csv for two outputs: exit %d, %q", r.code, r.stderr)
	}
}
