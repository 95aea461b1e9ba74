package keras

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/keras/layers"
	"github.com/kerago/kerago/loader"
	"github.com/kerago/kerago/tensor"
)

// TestAttentionFunctionalRoundTrip builds a self-attention block with the
// functional API (MultiHeadAttention on [x, x], then Attention), saves it
// in .keras and .h5 and checks that the reloaded models predict the same
// values; with use_causal_mask, which Keras files carry as a call argument,
// saving is refused instead of dropping it.
func TestAttentionFunctionalRoundTrip(t *testing.T) {
	build := func(causal bool) *Model {
		in := Input(4, 6)
		a := layers.MultiHeadAttention(layers.MHAConfig{NumHeads: 2, KeyDim: 3, UseBias: true, UseCausalMask: causal}).Call(in, in)
		h := layers.Add().Call(in, a)
		out := layers.Attention(true, "concat", 0).Call(h, in)
		m, err := NewModel([]*layers.Node{in}, []*layers.Node{out})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := build(false)
	x := tensor.Zeros(2, 4, 6)
	for i := range x.Data() {
		x.Data()[i] = float32(i%7)/7 - 0.4
	}
	want, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"m.keras", "m.h5"} {
		p := filepath.Join(dir, name)
		if err := m.Save(p); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		back, err := Load(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := back.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range want.Data() {
			if got.Data()[i] != v {
				t.Fatalf("%s: value %d is %v after the round trip, %v before", name, i, got.Data()[i], v)
			}
		}
	}
	err = build(true).Save(filepath.Join(dir, "causal.keras"))
	if err == nil || !errors.Is(err, loader.ErrUnsupported) || !strings.Contains(err.Error(), "use_causal_mask") {
		t.Fatalf("saving a causal MultiHeadAttention: %v, want ErrUnsupported naming use_causal_mask", err)
	}
}
