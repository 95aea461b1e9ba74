package hdf5

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// Dataset is an HDF5 dataset. Obtain one from Group.Dataset.
type Dataset struct {
	f       *File
	path    string
	hdr     *objHeader
	dt      *datatype
	space   *dataspace
	layout  *layout
	filters []filter
	fill    []byte
}

func (f *File) newDataset(path string, h *objHeader) (*Dataset, error) {
	ds := &Dataset{f: f, path: path, hdr: h}
	m, err := h.find(msgDatatype)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errf(h.off, "dataset has no datatype message")
	}
	if ds.dt, err = f.parseDatatype(m.data, m.off); err != nil {
		return nil, err
	}
	if m, err = h.find(msgDataspace); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errf(h.off, "dataset has no dataspace message")
	}
	if ds.space, err = f.parseDataspace(m.data, m.off); err != nil {
		return nil, err
	}
	if m, err = h.find(msgLayout); err != nil {
		return nil, err
	}
	if ds.layout, err = f.parseLayout(m.data, m.off); err != nil {
		return nil, err
	}
	if m, err = h.find(msgFilters); err != nil {
		return nil, err
	}
	if m != nil {
		if ds.filters, err = f.parseFilters(m.data, m.off); err != nil {
			return nil, err
		}
	}
	if m, _ = h.find(msgExternal); m != nil {
		return nil, unsupported(m.off, "external data files")
	}
	if m, _ = h.find(msgFill); m != nil {
		ds.fill = f.parseFill(m.data, m.off)
	} else if m, _ = h.find(msgFillOld); m != nil && len(m.data) >= 4 {
		d := f.newDec(m.data, m.off, "fill value message")
		n := int(d.u32())
		ds.fill = d.bytes(n)
	}
	if uint32(len(ds.fill)) != ds.dt.size {
		ds.fill = nil
	}
	return ds, nil
}

// parseFill returns the fill value bytes, or nil when undefined/default.
func (f *File) parseFill(b []byte, off int64) []byte {
	d := f.newDec(b, off, "fill value message")
	ver := d.u8()
	switch ver {
	case 1, 2:
		d.u8()
		d.u8()
		defined := d.u8()
		if ver == 2 && defined == 0 {
			return nil
		}
		n := int(d.u32())
		return d.bytes(n)
	case 3:
		fl := d.u8()
		if fl&0x20 == 0 {
			return nil
		}
		n := int(d.u32())
		return d.bytes(n)
	}
	return nil
}

// Path returns the absolute path of the dataset.
func (ds *Dataset) Path() string { return ds.path }

// Shape returns the dataset's dimensions ([] for a scalar, nil for a null dataspace).
func (ds *Dataset) Shape() []int { return ds.space.shape() }

// DType returns the element type.
func (ds *Dataset) DType() DType { return ds.dt.dtype() }

// Len returns the number of elements (product of Shape).
func (ds *Dataset) Len() int {
	n, ok := ds.space.nelem(1 << 62)
	if !ok {
		return -1
	}
	return int(n)
}

// Attrs returns the dataset's attributes, in creation order if tracked, else in name order.
func (ds *Dataset) Attrs() ([]*Attribute, error) {
	a, err := ds.f.attrs(ds.hdr)
	return a, withPath(ds.path, err)
}

// Attr returns the named attribute; the error wraps ErrNotFound when absent.
func (ds *Dataset) Attr(name string) (*Attribute, error) {
	return ds.f.attr(ds.hdr, ds.path, name)
}

// readRaw returns the dataset's elements in file representation, row-major.
// extent returns the element count and byte size, bounded by maxDataBytes.
func (ds *Dataset) extent() (n, total uint64, err error) {
	es := uint64(ds.dt.size)
	n, ok := ds.space.nelem(maxDataBytes)
	if ok {
		total, ok = mulCheck(n, es, maxDataBytes)
	}
	if !ok {
		return 0, 0, errf(ds.hdr.off, "dataset %v of %d-byte elements exceeds %d bytes", ds.space.dims, es, uint64(maxDataBytes))
	}
	return n, total, nil
}

// contiguousOff returns the file offset of stored contiguous data of total
// bytes, or ok=false when the data is not stored contiguously.
func (ds *Dataset) contiguousOff(total uint64) (off int64, ok bool, err error) {
	l := ds.layout
	if l.class != layoutContiguous || ds.f.undef(l.addr) || len(ds.filters) > 0 || total == 0 {
		return 0, false, nil
	}
	if l.version >= 3 && l.size < total {
		return 0, false, errf(l.off, "contiguous storage of %d bytes, want %d", l.size, total)
	}
	off, err = ds.f.abs(l.addr, int64(total), "contiguous dataset")
	return off, err == nil, err
}

var hostLittleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// readDirect reads stored little-endian IEEE floats of the given size
// straight into dst's memory (no intermediate buffer, no conversion).
// It reports false when the fast path does not apply.
func (ds *Dataset) readDirect(size uint32, alloc func(n int) []byte) (bool, error) {
	t := ds.dt
	if !hostLittleEndian || t.class != classFloat || t.size != size || t.bigEndian || !t.isIEEE() {
		return false, nil
	}
	_, total, err := ds.extent()
	if err != nil {
		return false, withPath(ds.path, err)
	}
	off, ok, err := ds.contiguousOff(total)
	if !ok || err != nil {
		return false, withPath(ds.path, err)
	}
	return true, withPath(ds.path, ds.f.readFull(alloc(int(total/uint64(size))), off, "contiguous dataset"))
}

func (ds *Dataset) readRaw() ([]byte, int, error) {
	f := ds.f
	n, total, err := ds.extent()
	if err != nil {
		return nil, 0, err
	}
	if total == 0 {
		return []byte{}, int(n), nil
	}
	l := ds.layout
	switch l.class {
	case layoutCompact:
		if uint64(len(l.compact)) < total {
			return nil, 0, errf(l.off, "compact data holds %d bytes, want %d", len(l.compact), total)
		}
		return l.compact[:total], int(n), nil
	case layoutContiguous:
		if f.undef(l.addr) {
			// Never-written data is all fill value; like missing chunks it
			// may not make a small file allocate without bound.
			if total > maxSparseBytes {
				return nil, 0, errf(l.off, "dataset %v has no stored data but claims %d bytes (at most %d of fill value are read)", ds.space.dims, total, maxSparseBytes)
			}
			return ds.filled(total), int(n), nil
		}
		if len(ds.filters) > 0 {
			return nil, 0, unsupported(l.off, "filters on contiguous data")
		}
		off, _, err := ds.contiguousOff(total)
		if err != nil {
			return nil, 0, err
		}
		b := make([]byte, total)
		return b, int(n), f.readFull(b, off, "contiguous dataset")
	case layoutChunked:
		out, err := ds.readChunked(total)
		if err != nil {
			return nil, 0, err
		}
		return out, int(n), nil
	}
	return nil, 0, errf(l.off, "data layout class %d", l.class)
}

func (ds *Dataset) filled(total uint64) []byte {
	out := make([]byte, total)
	nz := false
	for _, c := range ds.fill {
		nz = nz || c != 0
	}
	if nz && len(out) >= len(ds.fill) {
		n := copy(out, ds.fill)
		for n < len(out) {
			n += copy(out[n:], out[:n])
		}
	}
	return out
}

func (ds *Dataset) numeric() (*datatype, []byte, int, error) {
	t, _ := elems(ds.dt, 1)
	if !t.isNumeric() {
		return nil, nil, 0, fmt.Errorf("hdf5: %s: dataset is %s, not numeric", ds.path, ds.DType())
	}
	raw, n, err := ds.readRaw()
	if err != nil {
		return nil, nil, 0, withPath(ds.path, err)
	}
	_, n = elems(ds.dt, uint64(n))
	return t, raw, n, nil
}

// ReadFloat32 reads all elements converted to float32 (any numeric type).
func (ds *Dataset) ReadFloat32() ([]float32, error) {
	return readFloats(ds, (*datatype).toFloat32)
}

// ReadFloat64 reads all elements converted to float64 (any numeric type).
func (ds *Dataset) ReadFloat64() ([]float64, error) {
	return readFloats(ds, (*datatype).toFloat64)
}

// readFloats reads stored IEEE floats of T's size straight into the result
// when possible, else converts any numeric type with conv.
func readFloats[T float32 | float64](ds *Dataset, conv func(t *datatype, raw []byte, n int, out []T)) ([]T, error) {
	var out []T
	size := int(unsafe.Sizeof(T(0)))
	if ok, err := ds.readDirect(uint32(size), func(n int) []byte {
		out = make([]T, n)
		return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(out))), size*n)
	}); err != nil {
		return nil, err
	} else if ok {
		return out, nil
	}
	t, raw, n, err := ds.numeric()
	if err != nil {
		return nil, err
	}
	out = make([]T, n)
	conv(t, raw, n, out)
	return out, nil
}

// ReadInt64 reads all elements as int64; float elements must be integral.
func (ds *Dataset) ReadInt64() ([]int64, error) {
	t, raw, n, err := ds.numeric()
	if err != nil {
		return nil, err
	}
	out := make([]int64, n)
	if i, ok := t.toInt64(raw, n, out); !ok {
		return nil, fmt.Errorf("hdf5: %s: element %d is not representable as int64", ds.path, i)
	}
	return out, nil
}

// ReadStrings reads a string dataset (fixed-length or variable-length).
func (ds *Dataset) ReadStrings() ([]string, error) {
	t, _ := elems(ds.dt, 1)
	if t.dtype() != String {
		return nil, fmt.Errorf("hdf5: %s: dataset is %s, not string", ds.path, ds.DType())
	}
	raw, n, err := ds.readRaw()
	if err != nil {
		return nil, withPath(ds.path, err)
	}
	_, n = elems(ds.dt, uint64(n))
	s, err := ds.f.decodeStrings(t, raw, n, ds.hdr.off)
	return s, withPath(ds.path, err)
}
