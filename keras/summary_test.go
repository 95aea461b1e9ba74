package keras

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/keras/layers"
)

// The reproduced Keras 3 output of spec §6.8 (rich 13.3, width 76).
const wantSummary76 = `Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 64)             │           320 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 1)              │            65 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 385 (1.50 KB)
 Trainable params: 385 (1.50 KB)
 Non-trainable params: 0 (0.00 B)
`

func summaryModel(t *testing.T) *Model {
	m, err := NewSequential(layers.Input(4), layers.Dense(64), layers.Dense(1))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSummaryMatchesKeras(t *testing.T) {
	m := summaryModel(t)
	var sb strings.Builder
	if err := m.Summary(&sb); err != nil {
		t.Fatal(err)
	}
	if sb.String() != wantSummary76 {
		t.Fatalf("summary:\n%s\nwant:\n%s", sb.String(), wantSummary76)
	}
}

func TestSummaryWidth88(t *testing.T) {
	m := summaryModel(t)
	var sb strings.Builder
	if err := m.SummaryWithConfig(&sb, SummaryConfig{LineLength: 88}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(sb.String(), "\n")
	// Spec §6.8: at width 88 the inner column widths are 38/29/17.
	want := "┏" + strings.Repeat("━", 38) + "┳" + strings.Repeat("━", 29) + "┳" + strings.Repeat("━", 17) + "┓"
	if lines[1] != want {
		t.Fatalf("top rule %q, want %q", lines[1], want)
	}
}

// TestSummaryOptimizerParams: after compiling with Adam and one training
// step, Keras adds "Optimizer params: 772" (2 scalars + 2·385) (spec §8).
func TestSummaryOptimizerParams(t *testing.T) {
	m := summaryModel(t)
	if err := m.Compile(CompileConfig{Optimizer: "adam", Loss: "mse"}); err != nil {
		t.Fatal(err)
	}
	var before strings.Builder
	_ = m.Summary(&before)
	if strings.Contains(before.String(), "Optimizer params") {
		t.Fatalf("optimizer line before the optimizer is built:\n%s", before.String())
	}
	x := mustTensor(t, make([]float32, 8), 2, 4)
	y := mustTensor(t, make([]float32, 2), 2, 1)
	if _, err := m.TrainOnBatch(x, y, nil); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	_ = m.Summary(&sb)
	if !strings.Contains(sb.String(), " Optimizer params: 772 (") || !strings.Contains(sb.String(), " Total params: 1,157 (") {
		t.Fatalf("summary after training:\n%s", sb.String())
	}
}

// TestSummaryGraph: a Functional graph that is not a chain gets Keras's
// "Connected to" column (name[node][tensor] of each call's inputs) and rows
// for its InputLayers; a shared layer lists both calls.
func TestSummaryGraph(t *testing.T) {
	m, err := Load(filepath.Join(testdata, "keras-layers", "shared_residual", "model.keras"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := m.SummaryWithConfig(&b, SummaryConfig{LineLength: 240}); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{"Connected to", "input_layer_22 (InputLayer)", "│ shared (Dense) ", "input_layer_22[0][0], add_3[0][0]", "shared[0][0], shared[1][0]", "sub (Sequential)"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}
