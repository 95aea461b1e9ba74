package loader

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestIsChainOnRealFiles: the Functional models of the fixtures (Keras 1, 2
// and 3, all chain-shaped: kerago's parser refuses other graphs) are
// recognized as chains, so EstimateParams covers them.
func TestIsChainOnRealFiles(t *testing.T) {
	functional, chains := 0, 0
	for _, root := range []string{filepath.Join(sharedTD, "realmodels"), filepath.Join(sharedTD, "keras-cases")} {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".h5") || strings.HasSuffix(p, ".keras") || strings.HasSuffix(p, ".json")) {
				return err
			}
			m, err := Load(p)
			if err != nil || m.Config == nil || m.Config.ClassName != "Functional" {
				return nil
			}
			functional++
			if isChain(m.Config) {
				chains++
			} else {
				t.Errorf("%s: Functional chain not recognized", p)
			}
			return nil
		})
	}
	if functional < 5 {
		t.Fatalf("only %d Functional models found", functional)
	}
	t.Logf("%d Functional models, %d recognized as chains", functional, chains)
}

// TestIsChainRefusesBranches: two Dense layers both fed by the input are
// not a chain, and are not estimated as one.
func TestIsChainRefusesBranches(t *testing.T) {
	cfg := []byte(`{"class_name": "Functional", "config": {"name": "m", "layers": [
	 {"class_name": "InputLayer", "name": "in", "config": {"batch_shape": [null, 2], "name": "in"}, "inbound_nodes": []},
	 {"class_name": "Dense", "name": "a", "config": {"name": "a", "units": 1000}, "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["in", 0, 0]}}], "kwargs": {}}]},
	 {"class_name": "Dense", "name": "b", "config": {"name": "b", "units": 1000}, "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["a", 0, 0]}}], "kwargs": {}}]}],
	 "input_layers": [["in", 0, 0]], "output_layers": [["b", 0, 0]]}}`)
	mc, _, err := ParseConfigJSON("m.json", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !isChain(mc) {
		t.Fatal("a chain not recognized")
	}
	// rewire b to the input: a graph (a dangling), never estimated as a chain
	mc.Raw["config"].(map[string]any)["layers"].([]any)[2].(map[string]any)["inbound_nodes"] = []any{[]any{[]any{"in", 0.0, 0.0, map[string]any{}}}}
	if isChain(mc) {
		t.Fatal("a branch recognized as a chain")
	}
	for _, lp := range EstimateParams(mc) {
		if lp.Params != -1 {
			t.Errorf("%s estimated %d on a non-chain", lp.Name, lp.Params)
		}
	}
}
