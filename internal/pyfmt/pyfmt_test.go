package pyfmt

import (
	"math"
	"testing"
)

// Expected strings are Python 3.11's repr() of the same floats.
func TestFloat(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{
		{0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {1, "1.0"}, {-2.5, "-2.5"}, {100, "100.0"},
		{0.1, "0.1"}, {1e-4, "0.0001"}, {1e-5, "1e-05"}, {1.5e-7, "1.5e-07"}, {1e16, "1e+16"},
		{1234567890123456.0, "1234567890123456.0"}, {12345678901234567890.0, "1.2345678901234567e+19"},
		{float64(float32(0.001)), "0.0010000000474974513"}, {float64(float32(0.01)), "0.009999999776482582"},
		{math.NaN(), "nan"}, {math.Inf(1), "inf"}, {math.Inf(-1), "-inf"}, {123.456, "123.456"},
	} {
		if got := Float(c.in); got != c.want {
			t.Errorf("Float(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}
