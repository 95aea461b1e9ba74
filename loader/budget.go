package loader

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// DefaultMemoryBudget is the memory budget for loading one model when
// neither Options.MemoryBudget nor the KERAGO_MEMORY_BUDGET environment
// variable sets one: 2 GiB, room for about 500 million float32 parameters.
const DefaultMemoryBudget = 2 << 30

// MemoryBudgetEnv is the environment variable that sets the memory budget
// when Options.MemoryBudget is zero, as a byte count with an optional unit:
// "512MiB", "4GiB", "1.5GB", "1000000000".
const MemoryBudgetEnv = "KERAGO_MEMORY_BUDGET"

// Options configure Load and LoadWithWeights. The zero value uses the
// defaults.
type Options struct {
	// MemoryBudget bounds, in bytes, what loading one model may spend:
	// the weight values read from its files (4 bytes per float32), an
	// archive member inflated in memory, and the variables the config
	// implies. A model over the budget is refused before its variables are
	// allocated, with an error naming the layer and the size. Zero means
	// the KERAGO_MEMORY_BUDGET environment variable when set, else
	// DefaultMemoryBudget; a negative value is an error.
	MemoryBudget int64
}

// Load is the package-level Load with these options.
func (o Options) Load(path string) (*Model, error) {
	mem, err := o.budget()
	if err != nil {
		return nil, err
	}
	m, err := loadFile(path, mem)
	if err != nil {
		return nil, err
	}
	if err := CheckMemory(m, mem); err != nil {
		return nil, err
	}
	return m, nil
}

// budget resolves the memory budget from the options, the environment and
// the default.
func (o Options) budget() (int64, error) {
	if o.MemoryBudget < 0 {
		return 0, fmt.Errorf("loader: memory budget %d is negative", o.MemoryBudget)
	}
	if o.MemoryBudget > 0 {
		return o.MemoryBudget, nil
	}
	if s := os.Getenv(MemoryBudgetEnv); s != "" {
		n, err := ParseSize(s)
		if err != nil {
			return 0, fmt.Errorf("loader: %s=%q: %w", MemoryBudgetEnv, s, err)
		}
		return n, nil
	}
	return DefaultMemoryBudget, nil
}

var sizeUnits = []struct {
	suffix string
	mult   float64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40}, {"b", 1},
}

// ParseSize reads a positive byte count such as "4GiB", "512MiB", "1.5GB",
// "2g" or "1000000" (units are case-insensitive; K, M, G and T alone are
// binary).
func ParseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := 1.0
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || v*mult < 1 || v*mult >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is not a positive byte count such as 512MiB or 4GiB", s)
	}
	return int64(v * mult), nil
}

// FormatSize writes a byte count for people: "3.7 GiB", "512 B".
func FormatSize(n int64) string {
	const unit = 1 << 10
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, i := float64(n), -1
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + []string{"KiB", "MiB", "GiB", "TiB", "PiB"}[i]
}
