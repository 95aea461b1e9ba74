package hdf5

import (
	"bytes"
	"fmt"
	"sort"
)

// Attribute is a named value attached to a group or dataset.
type Attribute struct {
	Name string // attribute name

	f      *File
	dt     *datatype
	space  *dataspace
	data   []byte
	off    int64
	corder int64
}

// parseAttr decodes an attribute message.
func (f *File) parseAttr(b []byte, off int64) (*Attribute, error) {
	d := f.newDec(b, off, "attribute message")
	ver := d.u8()
	fl := d.u8()
	nameSize := int(d.u16())
	dtSize := int(d.u16())
	dsSize := int(d.u16())
	pad := func(n int) int { return n }
	switch ver {
	case 1:
		pad = func(n int) int { return (n + 7) &^ 7 }
	case 2:
	case 3:
		d.u8() // name character set
	default:
		if d.err != nil {
			return nil, d.err
		}
		return nil, unsupported(off, "attribute message version %d", ver)
	}
	if ver >= 2 && fl&3 != 0 {
		return nil, unsupported(off, "shared datatype or dataspace in attribute")
	}
	nameOff := d.at()
	nb := d.bytes(pad(nameSize))
	if d.err != nil {
		return nil, d.err
	}
	if nameSize == 0 || nameSize > len(nb) {
		return nil, errf(nameOff, "attribute name size %d invalid", nameSize)
	}
	name := nb[:nameSize]
	if i := bytes.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	dtOff := d.at()
	dtb := d.bytes(pad(dtSize))
	dsOff := d.at()
	dsb := d.bytes(pad(dsSize))
	if d.err != nil {
		return nil, d.err
	}
	a := &Attribute{Name: string(name), f: f, off: off}
	var err error
	if a.dt, err = f.parseDatatype(dtb[:min(dtSize, len(dtb))], dtOff); err != nil {
		return nil, fmt.Errorf("attribute %q: %w", a.Name, err)
	}
	if a.space, err = f.parseDataspace(dsb[:min(dsSize, len(dsb))], dsOff); err != nil {
		return nil, fmt.Errorf("attribute %q: %w", a.Name, err)
	}
	n, ok := a.space.nelem(uint64(len(b)))
	if !ok {
		return nil, errf(dsOff, "attribute %q: dataspace %v too large for its message", a.Name, a.space.dims)
	}
	size, ok := mulCheck(n, uint64(a.dt.size), uint64(len(b)))
	if !ok || size > uint64(d.remaining()) {
		return nil, errf(d.at(), "attribute %q: %d elements of %d bytes exceed the %d bytes stored", a.Name, n, a.dt.size, d.remaining())
	}
	a.data = d.bytes(int(size))
	return a, nil
}

// attrs collects compact and dense attributes of an object.
func (f *File) attrs(h *objHeader) ([]*Attribute, error) {
	var out []*Attribute
	tracked := h.version == 2 && h.flags&0x04 != 0
	for _, m := range h.msgs {
		if m.typ != msgAttribute {
			continue
		}
		if m.flags&0x02 != 0 {
			return nil, unsupported(m.off, "shared attribute message")
		}
		a, err := f.parseAttr(m.data, m.off)
		if err != nil {
			return nil, err
		}
		a.corder = int64(m.corder)
		out = append(out, a)
	}
	ai, err := h.find(msgAttrInfo)
	if err != nil {
		return nil, err
	}
	if ai != nil {
		heapAddr, nameBT, tr, err := f.indexInfo(ai, "attribute info message", 2)
		if err != nil {
			return nil, err
		}
		tracked = tracked || tr
		if !f.undef(heapAddr) && !f.undef(nameBT) {
			heap, err := f.readFractalHeap(heapAddr)
			if err != nil {
				return nil, err
			}
			dense := int64(0)
			err = f.btree2Walk(nameBT, 8, func(rec []byte, off int64) error {
				if len(rec) < 17 {
					return errf(off, "attribute name record too short")
				}
				if rec[8]&0x02 != 0 {
					return unsupported(off, "shared attribute in dense storage")
				}
				data, err := heap.get(rec[:8])
				if err != nil {
					return err
				}
				dense += int64(len(data))
				if dense > f.size {
					return errf(off, "dense attributes exceed the file size (overlapping heap objects)")
				}
				a, err := f.parseAttr(data, off)
				if err != nil {
					return err
				}
				a.corder = int64(uint32(rec[9]) | uint32(rec[10])<<8 | uint32(rec[11])<<16 | uint32(rec[12])<<24)
				out = append(out, a)
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	if tracked {
		sort.SliceStable(out, func(i, j int) bool { return out[i].corder < out[j].corder })
	} else {
		sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	}
	return out, nil
}

func (f *File) attr(h *objHeader, path, name string) (*Attribute, error) {
	all, err := f.attrs(h)
	if err != nil {
		return nil, withPath(path, err)
	}
	for _, a := range all {
		if a.Name == name {
			return a, nil
		}
	}
	return nil, fmt.Errorf("%w: attribute %q of %q", ErrNotFound, name, path)
}

// elems returns the scalar element type and count, flattening array datatypes.
func elems(t *datatype, n uint64) (*datatype, int) {
	for t.class == classArray {
		for _, x := range t.dims {
			n *= uint64(x)
		}
		t = t.base
	}
	return t, int(n)
}

// Shape returns the dimensions of the attribute's value ([] for a scalar);
// for an array datatype the array dimensions are appended.
func (a *Attribute) Shape() []int {
	s := a.space.shape()
	for t := a.dt; t.class == classArray; t = t.base {
		s = append(s, t.dims...)
	}
	return s
}

// DType returns the element type of the attribute.
func (a *Attribute) DType() DType { return a.dt.dtype() }

func (a *Attribute) count() uint64 {
	if a.dt.size == 0 {
		return 0
	}
	return uint64(len(a.data)) / uint64(a.dt.size)
}

// Strings returns the attribute's strings (scalar or array; fixed-length or
// variable-length; ASCII or UTF-8). Fixed-length strings lose their padding.
func (a *Attribute) Strings() ([]string, error) {
	t, n := elems(a.dt, a.count())
	if n == 0 {
		return []string{}, nil // e.g. Keras weight_names=[] is stored as an empty float64 array
	}
	s, err := a.f.decodeStrings(t, a.data, n, a.off)
	if err != nil {
		return nil, fmt.Errorf("attribute %q: %w", a.Name, err)
	}
	return s, nil
}

// String returns a scalar (or one-element) string attribute.
func (a *Attribute) String() (string, error) {
	s, err := a.Strings()
	if err != nil {
		return "", err
	}
	if len(s) != 1 {
		return "", fmt.Errorf("hdf5: attribute %q holds %d strings, want 1", a.Name, len(s))
	}
	return s[0], nil
}

// Float64s returns the attribute's numeric values converted to float64.
func (a *Attribute) Float64s() ([]float64, error) {
	t, n := elems(a.dt, a.count())
	if n == 0 {
		return []float64{}, nil
	}
	if !t.isNumeric() {
		return nil, fmt.Errorf("hdf5: attribute %q is %s, not numeric", a.Name, a.DType())
	}
	out := make([]float64, n)
	t.toFloat64(a.data, n, out)
	return out, nil
}

// Int64s returns the attribute's integer values (floats must be integral).
func (a *Attribute) Int64s() ([]int64, error) {
	t, n := elems(a.dt, a.count())
	if n == 0 {
		return []int64{}, nil
	}
	if !t.isNumeric() {
		return nil, fmt.Errorf("hdf5: attribute %q is %s, not numeric", a.Name, a.DType())
	}
	out := make([]int64, n)
	if i, ok := t.toInt64(a.data, n, out); !ok {
		return nil, fmt.Errorf("hdf5: attribute %q element %d is not representable as int64", a.Name, i)
	}
	return out, nil
}

// decodeStrings decodes n string elements of type t from raw.
func (f *File) decodeStrings(t *datatype, raw []byte, n int, off int64) ([]string, error) {
	switch {
	case t.class == classString:
		sz := int(t.size)
		if sz*n > len(raw) {
			return nil, errf(off, "string data truncated")
		}
		out := make([]string, n)
		for i := range out {
			out[i] = fixedString(raw[i*sz:(i+1)*sz], t.pad)
		}
		return out, nil
	case t.class == classVlen && t.vlenStr:
		sz := f.vlenSize()
		if sz*n > len(raw) {
			return nil, errf(off, "variable-length string data truncated")
		}
		out := make([]string, n)
		total := int64(0)
		for i := range out {
			d := f.newDec(raw[i*sz:(i+1)*sz], off, "variable-length string")
			ln := d.u32()
			addr := d.addr()
			idx := d.u32()
			if ln == 0 {
				continue
			}
			obj, err := f.globalObject(addr, idx)
			if err != nil {
				return nil, err
			}
			if uint64(ln) > uint64(len(obj)) {
				return nil, errf(off, "variable-length string of %d bytes in a %d-byte heap object", ln, len(obj))
			}
			total += int64(ln)
			if total > f.size {
				return nil, errf(off, "variable-length strings exceed the file size (shared heap objects)")
			}
			out[i] = string(obj[:ln])
		}
		return out, nil
	}
	return nil, fmt.Errorf("hdf5: value is %s, not a string", t.dtype())
}

func fixedString(b []byte, pad uint8) string {
	switch pad {
	case padNullTerm:
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i]
		}
	case padNullPad:
		b = bytes.TrimRight(b, "\x00")
	case padSpace:
		b = bytes.TrimRight(b, " ")
	}
	return string(b)
}
