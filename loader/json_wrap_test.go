package loader

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestJSONStringWrappedConfig: a real model.json written with
// json.dump(model.to_json(), f) is a JSON string holding the JSON; one
// saved with a UTF-8 byte-order mark or wrapped twice loads too, and gives
// the same config as the plain file. A string that is not JSON is a clear
// error.
func TestJSONStringWrappedConfig(t *testing.T) {
	src := filepath.Join("..", "testdata", "keras-cases", "mlp_2_10_10_2")
	plain, err := os.ReadFile(filepath.Join(src, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := LoadWithWeights(filepath.Join(src, "model.json"), filepath.Join(src, "model.weights.h5"))
	if err != nil {
		t.Fatal(err)
	}
	once, _ := json.Marshal(string(plain))
	twice, _ := json.Marshal(string(once))
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"string.json":    once,
		"twice.json":     twice,
		"bom.json":       append([]byte("\xef\xbb\xbf"), plain...),
		"bom-string.txt": append([]byte("\xef\xbb\xbf"), once...),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := LoadWithWeights(p, filepath.Join(src, "model.weights.h5"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got.Config.Layers, want.Config.Layers) || !reflect.DeepEqual(got.Config.InputShape, want.Config.InputShape) {
			t.Fatalf("%s: config differs from the plain file's", name)
		}
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`"{not json"`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "string") {
		t.Fatalf("bad wrapped string: err %v", err)
	}
}
