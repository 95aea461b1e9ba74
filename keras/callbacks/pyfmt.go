package callbacks

import "github.com/kerago/kerago/internal/pyfmt"

// pyRepr formats a float64 like Python's repr().
func pyRepr(v float64) string { return pyfmt.Float(v) }
