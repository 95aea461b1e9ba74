package layers

import (
	"testing"

	"github.com/kerago/kerago/runtime"
)

var bidiBackward = [][]float32{
	{-0.6, 0.1, -0.5, 0.2, -0.4, 0.3, -0.3, 0.4, -0.2, 0.5, -0.1, 0.6, 0, -0.6, 0.1, -0.5},
	{-0.5, -0.2, 0.1, 0.4, -0.4, -0.1, 0.2, 0.5, -0.3, 0, 0.3, -0.5, -0.2, 0.1, 0.4, -0.4},
	{-0.3, 0, 0.3, -0.1, 0.2, -0.2, 0.1, -0.3},
}

// bidiOutputs runs Bidirectional(LSTM(2)) of §10.6 on its x and returns
// every output.
func bidiOutputs(t *testing.T, mode string, seq, state bool, mask []float32) [][]float32 {
	t.Helper()
	cfg := rnnCfg(func(c *RNNConfig) { c.ReturnSequences, c.ReturnState = seq, state })
	l := Bidirectional(LSTM(2, cfg, WithName("lstm")), nil, mode, WithName("bidi"))
	if err := l.Build([]int{3, 2}); err != nil {
		t.Fatal(err)
	}
	for i, v := range l.Variables() {
		w := append(lstmWeights, bidiBackward...)[i]
		copy(v.Value.Data(), w)
	}
	var res [][]float32
	for k := range l.OutputShapes() {
		stages := []runtime.Stage{pick{l, k}}
		if mask != nil {
			stages = []runtime.Stage{maskStage{mask}, pick{l, k}}
		}
		net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: []int{3, 2}, Stages: stages, Variables: l.Variables()})
		if err != nil {
			t.Fatal(err)
		}
		y, err := net.Predict(fromSlice(t, goldenX, 1, 3, 2))
		if err != nil {
			t.Fatal(err)
		}
		res = append(res, y.Data())
	}
	return res
}

// TestBidirectionalGolden checks Bidirectional(LSTM(2)) against keras-layers.md
// §10.6: the concat sequence with its four states, each merge mode without
// sequences, and a mask (masked steps output 0 in both directions).
func TestBidirectionalGolden(t *testing.T) {
	hf, hb := []float32{0.03097097, -0.08181991}, []float32{0.149698, -0.13218}
	all := bidiOutputs(t, "concat", true, true, nil)
	if len(all) != 5 {
		t.Fatalf("%d outputs, want 5", len(all))
	}
	assertAllClose(t, all[0], []float32{-0.009208262, -0.02410343, 0.149698, -0.13218, -0.01376791, -0.04439753, 0.08269705,
		-0.09617618, 0.03097097, -0.08181991, 0.03437986, 0.002197435}, 2e-6)
	assertAllClose(t, all[1], hf, 2e-6)
	assertAllClose(t, all[2], []float32{0.0594011, -0.152084}, 2e-6)
	assertAllClose(t, all[3], hb, 2e-6)
	for _, c := range []struct {
		mode string
		want []float32
	}{
		{"sum", []float32{0.180669, -0.2139999}},
		{"ave", []float32{0.0903345, -0.107}},
		{"mul", []float32{0.004636293, 0.01081496}},
	} {
		assertAllClose(t, bidiOutputs(t, c.mode, false, false, nil)[0], c.want, 2e-6)
	}
	none := bidiOutputs(t, "", false, false, nil)
	assertAllClose(t, none[0], hf, 2e-6)
	assertAllClose(t, none[1], hb, 2e-6)
	masked := bidiOutputs(t, "concat", true, false, []float32{1, 1, 0})
	assertAllClose(t, masked[0], []float32{-0.009208262, -0.02410343, 0.1407171, -0.131473, -0.01376791, -0.04439753,
		0.06458447, -0.09582375, 0, 0, 0, 0}, 2e-6)
}

// TestTimeDistributedGolden: TimeDistributed(Dense(2)) of §10.6.
func TestTimeDistributedGolden(t *testing.T) {
	d := Dense(2)
	l := TimeDistributed(d)
	if err := l.Build([]int{3, 2}); err != nil {
		t.Fatal(err)
	}
	copy(d.Variables()[0].Value.Data(), []float32{1, 2, 3, 4})
	copy(d.Variables()[1].Value.Data(), []float32{0.5, -0.5})
	net, err := runtime.NewNetwork(runtime.NetworkConfig{InputShape: []int{3, 2}, Stages: []runtime.Stage{l}, Variables: l.Variables()})
	if err != nil {
		t.Fatal(err)
	}
	y, err := net.Predict(fromSlice(t, goldenX, 1, 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	assertAllClose(t, y.Data(), []float32{0.6, -0.7, 1.8, 1.1, -0.3, -1.5}, 1e-6)
}
