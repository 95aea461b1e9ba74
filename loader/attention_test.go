package loader

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestAttentionCallKwargs checks that attention calls kerago would run
// wrongly (use_causal_mask=True, attention_mask, value by keyword) are
// refused with ErrUnsupported naming the layer, and that the
// attention_block case (no such kwargs) loads.
func TestAttentionCallKwargs(t *testing.T) {
	raw, err := os.ReadFile("../testdata/keras-layers/attention_block/model.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ParseConfigJSON("model.json", raw); err != nil {
		t.Fatalf("attention_block: %v", err)
	}
	const orig = `"multi_head_attention", "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 6, 8], "dtype": "float32", "keras_history": ["input_layer", 0, 0]}}, {"class_name": "__keras_tensor__", "config": {"shape": [null, 6, 8], "dtype": "float32", "keras_history": ["input_layer", 0, 0]}}], "kwargs": {}`
	if !strings.Contains(string(raw), orig) {
		t.Fatal("attention_block's MultiHeadAttention node is not where the test expects it")
	}
	tensor := `{"class_name": "__keras_tensor__", "config": {"shape": [null, 6, 8], "dtype": "float32", "keras_history": ["input_layer", 0, 0]}}`
	for _, c := range []struct{ kwargs, want string }{
		{`"use_causal_mask": true`, "use_causal_mask=True"},
		{`"attention_mask": ` + tensor, "attention_mask"},
		{`"return_attention_scores": true`, "return_attention_scores"},
	} {
		mut := strings.Replace(string(raw), orig, strings.TrimSuffix(orig, "{}")+"{"+c.kwargs+"}", 1)
		_, _, err := ParseConfigJSON("model.json", []byte(mut))
		if err == nil || !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `"multi_head_attention"`) {
			t.Errorf("kwargs {%s}: error %v, want ErrUnsupported naming %q and the layer", c.kwargs, err, c.want)
		}
	}
	ok := strings.Replace(string(raw), orig, strings.TrimSuffix(orig, "{}")+`{"use_causal_mask": false, "key": `+tensor+"}", 1)
	mc, _, err := ParseConfigJSON("model.json", []byte(ok))
	if err != nil {
		t.Fatalf("key by keyword: %v", err)
	}
	l := mc.Layers[0]
	if l.ClassName != "MultiHeadAttention" {
		t.Fatalf("layer 0 is %s", l.ClassName)
	}
	if n := len(l.Inbound[0]); n != 3 {
		t.Errorf("key by keyword: %d inputs, want 3 (query, value, key)", n)
	}
}

// TestAttentionParams checks the parameter estimate of attention_block's
// layers against the sizes of the arrays Keras wrote (weights/*.npy
// manifest): 288 for its MultiHeadAttention, 0 for its Attention.
func TestAttentionParams(t *testing.T) {
	raw, err := os.ReadFile("../testdata/keras-layers/attention_block/model.json")
	if err != nil {
		t.Fatal(err)
	}
	mc, _, err := ParseConfigJSON("model.json", raw)
	if err != nil {
		t.Fatal(err)
	}
	man, err := os.ReadFile("../testdata/keras-layers/attention_block/weights/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var entries []struct {
		Path  string
		Shape []int64
	}
	if err := json.Unmarshal(man, &entries); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	for _, e := range entries {
		n := int64(1)
		for _, d := range e.Shape {
			n *= d
		}
		want[strings.SplitN(e.Path, "/", 2)[0]] += n
	}
	for _, p := range EstimateParams(mc) {
		if p.ClassName == "InputLayer" {
			continue
		}
		if p.Params != want[p.Name] {
			t.Errorf("%s (%s): %d params, Keras's arrays hold %d", p.Name, p.ClassName, p.Params, want[p.Name])
		}
	}
}

// TestAttentionCausalNotSaved checks that a MultiHeadAttention with
// use_causal_mask (set through kerago's Go API) is refused by the config
// writer instead of being saved without it.
func TestAttentionCausalNotSaved(t *testing.T) {
	c := map[string]any{"name": "mha", "num_heads": 2, "key_dim": 2, "use_causal_mask": true}
	_, err := layerConfigTree(LayerConfig{ClassName: "MultiHeadAttention", Name: "mha", Config: c})
	if err == nil || !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "use_causal_mask") {
		t.Fatalf("error %v, want ErrUnsupported naming use_causal_mask", err)
	}
	delete(c, "use_causal_mask")
	if _, err := layerConfigTree(LayerConfig{ClassName: "MultiHeadAttention", Name: "mha", Config: c}); err != nil {
		t.Fatal(err)
	}
}
