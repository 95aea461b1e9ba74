package loader

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEstimateParamsMatchesKeras compares the variable shapes EstimateParams
// derives from each Keras case's to_json() config with the shapes Keras
// itself saved (weights/manifest.json, model.weights order).
func TestEstimateParamsMatchesKeras(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(sharedTD, "keras-cases", "*", "weights", "manifest.json"))
	if err != nil || len(dirs) < 20 {
		t.Fatalf("manifests: %v (%d)", err, len(dirs))
	}
	compared := 0
	for _, mp := range dirs {
		dir := filepath.Dir(filepath.Dir(mp))
		cfgPath := filepath.Join(dir, "model.json")
		m, err := Load(cfgPath)
		if err != nil {
			continue // configs kerago does not parse are covered elsewhere
		}
		var entries []manifestEntry
		b, err := os.ReadFile(mp)
		if err != nil || json.Unmarshal(b, &entries) != nil {
			t.Fatalf("%s: %v", mp, err)
		}
		var got []string
		known := true
		for _, lp := range EstimateParams(m.Config) {
			if lp.Params < 0 {
				known = false
			}
			for _, s := range lp.Shapes {
				got = append(got, fmt.Sprint(s))
			}
		}
		if !known {
			t.Errorf("%s: some layer's variables are unknown: %+v", cfgPath, EstimateParams(m.Config))
			continue
		}
		var want []string
		for _, e := range entries {
			want = append(want, fmt.Sprint(e.Shape))
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: estimated shapes %v, Keras saved %v", cfgPath, got, want)
		}
		compared++
	}
	if compared < 20 {
		t.Fatalf("compared only %d cases", compared)
	}
}

// TestCheckMemory: the budget is enforced on the running total before any
// allocation, and a layer larger than all the stored weights is refused.
func TestCheckMemory(t *testing.T) {
	m, err := Load(tdPath("keras-cases/mlp_2_10_10_2/model.h5"))
	if err != nil {
		t.Fatal(err)
	}
	// Keras: 2*10+10 + 10*10+10 + 10*2+2 = 162 parameters, 648 bytes.
	if err := CheckMemory(m, 648); err != nil {
		t.Errorf("648-byte budget: %v", err)
	}
	if err := CheckMemory(m, 647); err == nil || !strings.Contains(err.Error(), "memory budget") {
		t.Errorf("647-byte budget: %v", err)
	}
	cfgOnly := *m
	cfgOnly.Weights = nil
	cfg := *m.Config
	cfgOnly.Config = &cfg
	cfgOnly.Config.InputShape = []int{min(1<<40, math.MaxInt)} // 2^31−1 on 32-bit: still 8 GiB
	if err := CheckMemory(&cfgOnly, DefaultMemoryBudget); err == nil || !strings.Contains(err.Error(), "memory budget") {
		t.Errorf("input 2^40: %v", err)
	}
	inflated := *m
	inflated.Config = cfgOnly.Config
	if err := CheckMemory(&inflated, 1<<62); err == nil || !strings.Contains(err.Error(), "does not match the weights") {
		t.Errorf("inflated config with weights: %v", err)
	}
}

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"4GiB", 4 << 30}, {"512MiB", 512 << 20}, {"1.5GB", 1_500_000_000}, {"2g", 2 << 30}, {"1000", 1000}, {" 64 mib ", 64 << 20},
	} {
		if got, err := ParseSize(c.in); err != nil || got != c.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "0", "-1GiB", "lots", "NaN", "1e30"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

func TestBudgetFromEnv(t *testing.T) {
	// 162 float32 parameters need 648 bytes
	t.Setenv(MemoryBudgetEnv, "600")
	_, err := Load(tdPath("keras-cases/mlp_2_10_10_2/model.h5"))
	if err == nil || !strings.Contains(err.Error(), "600 B") {
		t.Errorf("600-byte budget from the environment: %v", err)
	}
	if _, err := (Options{MemoryBudget: 1 << 30}).Load(tdPath("keras-cases/mlp_2_10_10_2/model.h5")); err != nil {
		t.Errorf("the option overrides the environment: %v", err)
	}
	t.Setenv(MemoryBudgetEnv, "plenty")
	if _, err := Load(tdPath("keras-cases/mlp_2_10_10_2/model.h5")); err == nil || !strings.Contains(err.Error(), MemoryBudgetEnv) {
		t.Errorf("bad environment value: %v", err)
	}
}
