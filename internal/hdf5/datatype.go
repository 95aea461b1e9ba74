package hdf5

import (
	"fmt"
)

// DType is the element type of a dataset or attribute, as far as callers need it.
type DType int

// Element types. Arrays report the type of their base element.
const (
	Unknown DType = iota // compound, opaque, reference, bitfield, time, vlen sequences, ...
	Bool                 // h5py's bool: an 8-bit enum FALSE=0, TRUE=1
	Int8
	Int16
	Int32
	Int64
	Uint8
	Uint16
	Uint32
	Uint64
	Float16
	Float32
	Float64
	String // fixed-length or variable-length string
)

var dtypeNames = [...]string{"unknown", "bool", "int8", "int16", "int32", "int64",
	"uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64", "string"}

// String returns the numpy-style name of the type, e.g. "float32".
func (t DType) String() string {
	if t >= 0 && int(t) < len(dtypeNames) {
		return dtypeNames[t]
	}
	return fmt.Sprintf("DType(%d)", int(t))
}

// Datatype classes.
const (
	classFixed    = 0
	classFloat    = 1
	classTime     = 2
	classString   = 3
	classBitfield = 4
	classOpaque   = 5
	classCompound = 6
	classRef      = 7
	classEnum     = 8
	classVlen     = 9
	classArray    = 10
)

// String padding types.
const (
	padNullTerm = 0
	padNullPad  = 1
	padSpace    = 2
)

// datatype is a decoded datatype message.
type datatype struct {
	class   uint8
	version uint8
	size    uint32
	off     int64

	bigEndian bool
	signed    bool
	bitOff    uint16
	prec      uint16
	// floating point
	signLoc, expLoc, expSize, mantLoc, mantSize uint8
	expBias                                     uint32
	// strings
	pad     uint8
	cset    uint8
	vlenStr bool
	// vlen / array / enum
	base       *datatype
	dims       []int
	enumNames  []string
	enumValues [][]byte
}

// dtype maps a datatype to the public DType.
func (t *datatype) dtype() DType {
	switch t.class {
	case classFixed:
		if t.bitOff != 0 || int(t.prec) != 8*int(t.size) {
			return Unknown
		}
		switch t.size {
		case 1:
			return pick(t.signed, Int8, Uint8)
		case 2:
			return pick(t.signed, Int16, Uint16)
		case 4:
			return pick(t.signed, Int32, Uint32)
		case 8:
			return pick(t.signed, Int64, Uint64)
		}
	case classFloat:
		switch t.size {
		case 2:
			return Float16
		case 4:
			return Float32
		case 8:
			return Float64
		}
	case classString:
		return String
	case classVlen:
		if t.vlenStr {
			return String
		}
	case classEnum:
		if t.isBool() {
			return Bool
		}
		return t.base.dtype()
	case classArray:
		return t.base.dtype()
	}
	return Unknown
}

func pick(c bool, a, b DType) DType {
	if c {
		return a
	}
	return b
}

func (t *datatype) isBool() bool {
	if t.class != classEnum || len(t.enumNames) != 2 || t.base.class != classFixed || t.base.size != 1 {
		return false
	}
	return t.enumNames[0] == "FALSE" && t.enumNames[1] == "TRUE" &&
		t.enumValues[0][0] == 0 && t.enumValues[1][0] == 1
}

// isNumeric reports whether values can be converted to numbers.
func (t *datatype) isNumeric() bool {
	switch t.class {
	case classFixed, classFloat:
		return true
	case classEnum:
		return t.base != nil && t.base.class == classFixed
	}
	return false
}

// parseDatatype decodes a datatype message body.
func (f *File) parseDatatype(b []byte, off int64) (*datatype, error) {
	d := f.newDec(b, off, "datatype message")
	t := f.decodeDatatype(d, 0)
	if d.err != nil {
		return nil, d.err
	}
	return t, nil
}

func (f *File) decodeDatatype(d *dec, depth int) *datatype {
	if depth > maxTypeNesting {
		if d.err == nil {
			d.err = errf(d.at(), "datatype nested more than %d levels", maxTypeNesting)
		}
		return nil
	}
	t := &datatype{off: d.at()}
	cv := d.u8()
	t.class = cv & 0x0f
	t.version = cv >> 4
	bf := d.bytes(3)
	t.size = d.u32()
	if d.err != nil {
		return nil
	}
	bits := uint32(bf[0]) | uint32(bf[1])<<8 | uint32(bf[2])<<16
	if t.version < 1 || t.version > 4 {
		d.err = unsupported(t.off, "datatype version %d", t.version)
		return nil
	}
	switch t.class {
	case classFixed:
		t.bigEndian = bits&1 != 0
		t.signed = bits&8 != 0
		t.bitOff = d.u16()
		t.prec = d.u16()
		if d.err == nil && (t.size == 0 || t.size > 8 || int(t.bitOff)+int(t.prec) > 8*int(t.size) || t.prec == 0) {
			d.err = unsupported(t.off, "integer type (size %d, offset %d, precision %d)", t.size, t.bitOff, t.prec)
		}
	case classFloat:
		t.bigEndian = bits&1 != 0
		if bits&0x40 != 0 {
			d.err = unsupported(t.off, "VAX floating-point byte order")
			return nil
		}
		t.signLoc = uint8(bits >> 8)
		t.bitOff = d.u16()
		t.prec = d.u16()
		t.expLoc = d.u8()
		t.expSize = d.u8()
		t.mantLoc = d.u8()
		t.mantSize = d.u8()
		t.expBias = d.u32()
		if d.err == nil && !t.floatOK() {
			d.err = unsupported(t.off, "floating-point layout (size %d, exponent %d@%d, mantissa %d@%d, sign@%d)",
				t.size, t.expSize, t.expLoc, t.mantSize, t.mantLoc, t.signLoc)
		}
	case classString:
		t.pad = uint8(bits & 0x0f)
		t.cset = uint8(bits>>4) & 0x0f
	case classTime, classBitfield, classOpaque, classRef, classCompound:
		// Properties are not needed: values are never converted. Compound
		// properties are not parsed, which is fine as long as the compound is
		// the last thing in the enclosing message (arrays and vlen put their
		// base type last; enum bases are integers).
		switch t.class {
		case classBitfield, classTime:
			d.skip(4)
		case classOpaque:
			// tag padded to multiple of 8 in the bit field bytes 0..7 length
			d.skip(int(bits & 0xff))
		}
	case classEnum:
		n := int(bits & 0xffff)
		t.base = f.decodeDatatype(d, depth+1)
		if d.err != nil {
			return nil
		}
		if t.base.class != classFixed {
			d.err = errf(t.off, "enum base type is class %d, want integer", t.base.class)
			return nil
		}
		if n > d.remaining() {
			d.err = errf(t.off, "enum claims %d members in %d bytes", n, d.remaining())
			return nil
		}
		for i := 0; i < n; i++ {
			start := d.pos
			s, ok := cstring(d.b, d.pos)
			if !ok {
				d.fail(1)
				return nil
			}
			d.pos += len(s) + 1
			if t.version < 3 {
				// pad name (including NUL) to a multiple of 8
				used := d.pos - start
				d.skip((8 - used%8) % 8)
			}
			t.enumNames = append(t.enumNames, s)
		}
		for i := 0; i < n; i++ {
			t.enumValues = append(t.enumValues, d.bytes(int(t.base.size)))
		}
	case classVlen:
		t.vlenStr = bits&0x0f == 1
		t.pad = uint8(bits>>4) & 0x0f
		t.cset = uint8(bits>>8) & 0x0f
		t.base = f.decodeDatatype(d, depth+1)
	case classArray:
		nd := int(d.u8())
		if t.version < 3 {
			d.skip(3)
		}
		if nd > maxRank {
			d.err = errf(t.off, "array datatype rank %d", nd)
			return nil
		}
		for i := 0; i < nd; i++ {
			t.dims = append(t.dims, int(d.u32()))
		}
		if t.version < 3 {
			d.skip(4 * nd) // permutation indices
		}
		t.base = f.decodeDatatype(d, depth+1)
		if d.err == nil {
			n := uint64(t.base.size)
			for _, x := range t.dims {
				var ok bool
				if n, ok = mulCheck(n, uint64(x), 1<<32); !ok {
					break
				}
			}
			if n != uint64(t.size) {
				d.err = errf(t.off, "array datatype size %d does not match %v x %d", t.size, t.dims, t.base.size)
			}
		}
	default:
		d.err = unsupported(t.off, "datatype class %d", t.class)
	}
	if d.err != nil {
		return nil
	}
	return t
}

// floatOK checks that a floating-point description can be decoded.
func (t *datatype) floatOK() bool {
	if t.size != 2 && t.size != 4 && t.size != 8 {
		return false
	}
	nb := 8 * int(t.size)
	if int(t.bitOff)+int(t.prec) > nb || t.expSize == 0 || t.expSize > 32 || t.mantSize == 0 || t.mantSize > 63 {
		return false
	}
	if int(t.expLoc)+int(t.expSize) > nb || int(t.mantLoc)+int(t.mantSize) > nb || int(t.signLoc) >= nb {
		return false
	}
	return true
}

// isIEEE reports whether the float uses the standard IEEE 754 binary layout for its size.
func (t *datatype) isIEEE() bool {
	switch t.size {
	case 2:
		return t.signLoc == 15 && t.expLoc == 10 && t.expSize == 5 && t.mantLoc == 0 && t.mantSize == 10 && t.expBias == 15
	case 4:
		return t.signLoc == 31 && t.expLoc == 23 && t.expSize == 8 && t.mantLoc == 0 && t.mantSize == 23 && t.expBias == 127
	case 8:
		return t.signLoc == 63 && t.expLoc == 52 && t.expSize == 11 && t.mantLoc == 0 && t.mantSize == 52 && t.expBias == 1023
	}
	return false
}

// vlenSize is the on-disk size of a variable-length element (length + global heap ID).
func (f *File) vlenSize() int { return 4 + f.offSize + 4 }

// dataspace is a decoded dataspace message.
type dataspace struct {
	kind    int // 0 scalar, 1 simple, 2 null
	dims    []uint64
	maxdims []uint64 // nil when not stored; ^0 means unlimited
}

const (
	spaceScalar = 0
	spaceSimple = 1
	spaceNull   = 2
)

func (f *File) parseDataspace(b []byte, off int64) (*dataspace, error) {
	d := f.newDec(b, off, "dataspace message")
	ver := d.u8()
	rank := int(d.u8())
	flags := d.u8()
	s := &dataspace{}
	switch ver {
	case 1:
		d.skip(5)
		if rank == 0 {
			s.kind = spaceScalar
		} else {
			s.kind = spaceSimple
		}
	case 2:
		s.kind = int(d.u8())
		if s.kind > 2 {
			return nil, errf(off, "dataspace type %d", s.kind)
		}
	default:
		if d.err != nil {
			return nil, d.err
		}
		return nil, unsupported(off, "dataspace version %d", ver)
	}
	if rank > maxRank {
		return nil, errf(off, "dataspace rank %d exceeds %d", rank, maxRank)
	}
	if s.kind != spaceSimple && rank != 0 {
		return nil, errf(off, "scalar/null dataspace with rank %d", rank)
	}
	for i := 0; i < rank; i++ {
		s.dims = append(s.dims, d.length())
	}
	if flags&1 != 0 {
		for i := 0; i < rank; i++ {
			m := d.length()
			if f.undef(m) {
				m = ^uint64(0)
			}
			s.maxdims = append(s.maxdims, m)
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	return s, nil
}

// nelem returns the number of elements, checked against limit.
func (s *dataspace) nelem(limit uint64) (uint64, bool) {
	switch s.kind {
	case spaceNull:
		return 0, true
	case spaceScalar:
		return 1, true
	}
	n := uint64(1)
	for _, x := range s.dims {
		if x == 0 {
			return 0, true
		}
	}
	for _, x := range s.dims {
		var ok bool
		if n, ok = mulCheck(n, x, limit); !ok {
			return 0, false
		}
	}
	return n, true
}

func (s *dataspace) shape() []int {
	out := make([]int, len(s.dims))
	for i, x := range s.dims {
		if x > 1<<62 {
			x = 1 << 62
		}
		out[i] = int(x)
	}
	return out
}
