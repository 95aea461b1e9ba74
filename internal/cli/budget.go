package cli

import (
	"flag"

	"github.com/kerago/kerago/loader"
)

// budgetFlag is --memory-budget: the loader's memory budget for one model
// (loader.Options.MemoryBudget); unset means KERAGO_MEMORY_BUDGET, else
// loader.DefaultMemoryBudget.
type budgetFlag struct{ n int64 }

func (b *budgetFlag) String() string {
	if b == nil || b.n == 0 {
		return ""
	}
	return loader.FormatSize(b.n)
}

func (b *budgetFlag) Set(s string) error {
	n, err := loader.ParseSize(s)
	if err != nil {
		return err
	}
	b.n = n
	return nil
}

// registerBudget adds --memory-budget to a command's flags.
func registerBudget(fs *flag.FlagSet, b *budgetFlag) {
	fs.Var(b, "memory-budget", "refuse a model whose weights and variables need more than `SIZE` (512MiB, 4GiB, ...) before allocating them (default: $"+loader.MemoryBudgetEnv+", else 2GiB)")
}
