package callbacks

import (
	"math"
	"strconv"
	"strings"
)

// pyRepr formats a float64 like Python's repr(): shortest round-trip digits,
// "1.0" for integral values, exponent form outside [1e-4, 1e16).
func pyRepr(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	if v == 0 {
		if math.Signbit(v) {
			return "-0.0"
		}
		return "0.0"
	}
	a := math.Abs(v)
	if a >= 1e16 || a < 1e-4 {
		s := strconv.FormatFloat(v, 'e', -1, 64)
		// Go: 1e-05 → "1e-05"; Python: "1e-05". Go: 1.5e+16 → "1.5e+16", Python same.
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		digits := strings.TrimLeft(exp[1:], "0")
		if len(digits) < 2 {
			digits = strings.Repeat("0", 2-len(digits)) + digits
		}
		return mant + "e" + string(sign) + digits
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
