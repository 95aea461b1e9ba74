package hdf5

import (
	"encoding/binary"
	"math"
)

// rawUint returns element i of raw as an unsigned integer of t.size bytes in host order.
func (t *datatype) rawUint(raw []byte) uint64 {
	if t.bigEndian {
		var v uint64
		for _, c := range raw[:t.size] {
			v = v<<8 | uint64(c)
		}
		return v
	}
	return leUint(raw[:t.size])
}

// intAt decodes a fixed-point element (also the base of an enum).
func (t *datatype) intAt(raw []byte) (int64, uint64, bool) {
	if t.class == classEnum {
		t = t.base
	}
	v := t.rawUint(raw)
	if t.bitOff != 0 {
		v >>= t.bitOff
	}
	if t.prec < 64 {
		v &= (uint64(1) << t.prec) - 1
		if t.signed && v&(uint64(1)<<(t.prec-1)) != 0 {
			v |= ^((uint64(1) << t.prec) - 1)
		}
	}
	return int64(v), v, t.signed
}

// floatAt decodes a floating-point element of any supported layout.
func (t *datatype) floatAt(raw []byte) float64 {
	v := t.rawUint(raw)
	if t.isIEEE() {
		switch t.size {
		case 4:
			return float64(math.Float32frombits(uint32(v)))
		case 8:
			return math.Float64frombits(v)
		case 2:
			return float64(half(uint16(v)))
		}
	}
	sign := (v >> t.signLoc) & 1
	e := (v >> t.expLoc) & ((uint64(1) << t.expSize) - 1)
	m := (v >> t.mantLoc) & ((uint64(1) << t.mantSize) - 1)
	var x float64
	frac := float64(m) / math.Ldexp(1, int(t.mantSize))
	switch {
	case e == (uint64(1)<<t.expSize)-1:
		if m == 0 {
			x = math.Inf(1)
		} else {
			x = math.NaN()
		}
	case e == 0:
		x = math.Ldexp(frac, 1-int(t.expBias))
	default:
		x = math.Ldexp(1+frac, int(e)-int(t.expBias))
	}
	if sign != 0 {
		x = -x
	}
	return x
}

// half converts an IEEE binary16 value to float32.
func half(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0:
		if mant == 0 {
			return math.Float32frombits(sign)
		}
		// subnormal: normalise
		e := uint32(127 - 15 + 1)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		mant &= 0x3ff
		return math.Float32frombits(sign | e<<23 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// toFloat64 converts n numeric elements of raw.
func (t *datatype) toFloat64(raw []byte, n int, out []float64) {
	sz := int(t.size)
	switch {
	case t.class == classFloat && t.isIEEE() && !t.bigEndian && sz == 8:
		for i := 0; i < n; i++ {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[i*8:]))
		}
	case t.class == classFloat && t.isIEEE() && !t.bigEndian && sz == 4:
		for i := 0; i < n; i++ {
			out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[i*4:])))
		}
	case t.class == classFloat:
		for i := 0; i < n; i++ {
			out[i] = t.floatAt(raw[i*sz:])
		}
	default:
		for i := 0; i < n; i++ {
			s, u, signed := t.intAt(raw[i*sz:])
			if signed {
				out[i] = float64(s)
			} else {
				out[i] = float64(u)
			}
		}
	}
}

// toFloat32 converts n numeric elements of raw.
func (t *datatype) toFloat32(raw []byte, n int, out []float32) {
	sz := int(t.size)
	switch {
	case t.class == classFloat && t.isIEEE() && !t.bigEndian && sz == 4:
		for i := 0; i < n; i++ {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[i*4:]))
		}
	case t.class == classFloat && t.isIEEE() && t.bigEndian && sz == 4:
		for i := 0; i < n; i++ {
			out[i] = math.Float32frombits(binary.BigEndian.Uint32(raw[i*4:]))
		}
	case t.class == classFloat && t.isIEEE() && !t.bigEndian && sz == 2:
		for i := 0; i < n; i++ {
			out[i] = half(binary.LittleEndian.Uint16(raw[i*2:]))
		}
	case t.class == classFloat:
		for i := 0; i < n; i++ {
			out[i] = float32(t.floatAt(raw[i*sz:]))
		}
	default:
		for i := 0; i < n; i++ {
			s, u, signed := t.intAt(raw[i*sz:])
			if signed {
				out[i] = float32(s)
			} else {
				out[i] = float32(u)
			}
		}
	}
}

// toInt64 converts n numeric elements; floats must hold integral values in range.
func (t *datatype) toInt64(raw []byte, n int, out []int64) (int, bool) {
	sz := int(t.size)
	for i := 0; i < n; i++ {
		if t.class == classFloat {
			x := t.floatAt(raw[i*sz:])
			if x != math.Trunc(x) || x < -9.223372036854775808e18 || x >= 9.223372036854775808e18 {
				return i, false
			}
			out[i] = int64(x)
			continue
		}
		s, u, signed := t.intAt(raw[i*sz:])
		if !signed && u > math.MaxInt64 {
			return i, false
		}
		if signed {
			out[i] = s
		} else {
			out[i] = int64(u)
		}
	}
	return n, true
}
