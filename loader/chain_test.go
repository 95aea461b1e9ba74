package loader

import (
	"strings"
	"testing"
)

// TestEstimateParamsFollowsTheGraph: in a graph each layer is estimated
// from the tensors it is really called on: b fed by the input (2 features)
// has 3,000 values, not the 1,001,000 a chain reading would give.
func TestEstimateParamsFollowsTheGraph(t *testing.T) {
	layer := func(name, src string) string {
		return `{"class_name": "Dense", "name": "` + name + `", "config": {"name": "` + name + `", "units": 1000}, "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["` + src + `", 0, 0]}}], "kwargs": {}}]}`
	}
	for _, c := range []struct {
		bSrc  string
		wantB int64
	}{{"a", 1001000}, {"in", 3000}} {
		cfg := []byte(`{"class_name": "Functional", "config": {"name": "m", "layers": [
	 {"class_name": "InputLayer", "name": "in", "config": {"batch_shape": [null, 2], "name": "in"}, "inbound_nodes": []},
	 ` + layer("a", "in") + `, ` + layer("b", c.bSrc) + `],
	 "input_layers": [["in", 0, 0]], "output_layers": [["a", 0, 0], ["b", 0, 0]]}}`)
		mc, _, err := ParseConfigJSON("m.json", cfg)
		if err != nil {
			t.Fatal(err)
		}
		ps := EstimateParams(mc)
		if ps[0].Params != 3000 || ps[1].Params != c.wantB {
			t.Errorf("b fed by %s: estimated %d and %d, want 3000 and %d", c.bSrc, ps[0].Params, ps[1].Params, c.wantB)
		}
	}
}

// TestBudgetCoversGraphsAndConvolutions: a branch's huge Dense, a huge
// Conv2D and a nested model's layers are all counted before anything is
// allocated, so a small config cannot claim gigabytes.
func TestBudgetCoversGraphsAndConvolutions(t *testing.T) {
	kt := func(src string) string {
		return `[{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["` + src + `", 0, 0]}}], "kwargs": {}}]`
	}
	cases := map[string]string{
		"branch": `{"class_name": "Functional", "config": {"name": "m", "layers": [
		 {"class_name": "InputLayer", "name": "in", "config": {"batch_shape": [null, 4], "name": "in"}, "inbound_nodes": []},
		 {"class_name": "Dense", "name": "a", "config": {"name": "a", "units": 2}, "inbound_nodes": ` + kt("in") + `},
		 {"class_name": "Dense", "name": "huge", "config": {"name": "huge", "units": 100000000}, "inbound_nodes": ` + kt("in") + `},
		 {"class_name": "Add", "name": "add", "config": {"name": "add"}, "inbound_nodes": [{"args": [[{"class_name": "__keras_tensor__", "config": {"keras_history": ["a", 0, 0]}}, {"class_name": "__keras_tensor__", "config": {"keras_history": ["huge", 0, 0]}}]], "kwargs": {}}]}],
		 "input_layers": [["in", 0, 0]], "output_layers": [["add", 0, 0]]}}`,
		"conv": `{"class_name": "Sequential", "config": {"name": "s", "layers": [
		 {"class_name": "InputLayer", "config": {"batch_shape": [null, 8, 8, 3], "name": "in"}},
		 {"class_name": "Conv2D", "config": {"name": "c", "filters": 10000000, "kernel_size": [3, 3]}}]}}`,
		"embedding": `{"class_name": "Sequential", "config": {"name": "s", "layers": [
		 {"class_name": "InputLayer", "config": {"batch_shape": [null, 5], "name": "in"}},
		 {"class_name": "Embedding", "config": {"name": "e", "input_dim": 100000000, "output_dim": 64}}]}}`,
		"lstm": `{"class_name": "Sequential", "config": {"name": "s", "layers": [
		 {"class_name": "InputLayer", "config": {"batch_shape": [null, 5, 3], "name": "in"}},
		 {"class_name": "LSTM", "config": {"name": "l", "units": 20000}}]}}`,
		"nested": `{"class_name": "Sequential", "config": {"name": "s", "layers": [
		 {"class_name": "InputLayer", "config": {"batch_shape": [null, 4], "name": "in"}},
		 {"class_name": "Sequential", "config": {"name": "inner", "layers": [{"class_name": "Dense", "config": {"name": "d", "units": 100000000}}]}}]}}`,
	}
	for name, js := range cases {
		mc, _, err := ParseConfigJSON(name+".json", []byte(js))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		err = CheckMemory(&Model{Path: name + ".json", Config: mc}, 64<<20)
		if err == nil || !strings.Contains(err.Error(), "memory budget") {
			t.Errorf("%s: %v, want a memory budget error", name, err)
		}
	}
}
