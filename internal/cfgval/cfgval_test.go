package cfgval

import "testing"

func TestFloat(t *testing.T) {
	for _, c := range []struct {
		in   any
		want float64
		ok   bool
	}{{1.5, 1.5, true}, {float32(0.25), 0.25, true}, {3, 3, true}, {int64(-2), -2, true}, {int32(7), 7, true}, {uint64(9), 9, true}, {true, 0, false}, {"1", 0, false}, {nil, 0, false}} {
		got, ok := Float(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("Float(%#v) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
