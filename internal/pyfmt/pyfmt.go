// Package pyfmt formats numbers the way Python prints them, for files and
// output that must read exactly as Python Keras's (config.json, CSV logs,
// progress messages).
package pyfmt

import (
	"math"
	"strconv"
	"strings"
)

// Float formats f as Python's repr(float): the shortest digits that
// round-trip, fixed notation for decimal exponents -4..15 (always with a
// decimal point), else d.ddde±XX; "nan", "inf", "-inf".
func Float(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // -d.ddde±XX
	i := strings.IndexByte(s, 'e')
	exp, _ := strconv.Atoi(s[i+1:])
	mant := strings.Replace(s[:i], ".", "", 1)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	var sb strings.Builder
	if neg {
		sb.WriteByte('-')
	}
	if exp < -4 || exp >= 16 {
		sb.WriteByte(mant[0])
		if len(mant) > 1 {
			sb.WriteByte('.')
			sb.WriteString(mant[1:])
		}
		sb.WriteByte('e')
		if exp < 0 {
			sb.WriteByte('-')
			exp = -exp
		} else {
			sb.WriteByte('+')
		}
		if exp < 10 {
			sb.WriteByte('0')
		}
		sb.WriteString(strconv.Itoa(exp))
		return sb.String()
	}
	if exp < 0 {
		sb.WriteString("0.")
		sb.WriteString(strings.Repeat("0", -exp-1))
		sb.WriteString(mant)
		return sb.String()
	}
	if len(mant) <= exp+1 {
		sb.WriteString(mant)
		sb.WriteString(strings.Repeat("0", exp+1-len(mant)))
		sb.WriteString(".0")
		return sb.String()
	}
	sb.WriteString(mant[:exp+1])
	sb.WriteByte('.')
	sb.WriteString(mant[exp+1:])
	return sb.String()
}
