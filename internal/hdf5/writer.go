package hdf5

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// StringKind selects how SetAttrStrings stores strings.
type StringKind int

const (
	// FixedBytes stores fixed-length, NUL-padded ASCII strings (numpy "S" arrays,
	// as Keras writes layer_names / weight_names).
	FixedBytes StringKind = iota
	// VarString stores variable-length UTF-8 strings (h5py's default for str).
	VarString
	// VarASCII stores variable-length ASCII strings (h5py's form for Python
	// bytes objects, as Keras's legacy HDF5 writer produces).
	VarASCII
)

// Writer builds an HDF5 file in memory: a version 0 superblock, old-style
// (symbol table) groups and contiguous datasets, readable by every h5py and
// libhdf5 version. Errors in building calls are sticky: the first one is
// returned by Err, WriteTo and Bytes.
type Writer struct {
	root      *WGroup
	err       error
	sbVersion int // 0, or 1 (used by tests: adds the indexed storage K field)
}

// WGroup is a group being written.
type WGroup struct {
	attrHolder
	path    string
	members map[string]any // *WGroup or *WDataset
}

// WDataset is a dataset being written.
type WDataset struct {
	attrHolder
	path  string
	dtype DType
	shape []int
	raw   []byte // little-endian element bytes
}

type attrHolder struct {
	w     *Writer
	where string
	attrs []*wattr
}

type wattr struct {
	name  string
	dt    []byte // encoded datatype
	shape []int  // nil for a scalar
	data  []byte // encoded values (vlen: filled in when writing)
	vlen  []string
}

// NewWriter returns an empty file with a root group.
func NewWriter() *Writer {
	w := &Writer{}
	w.root = &WGroup{attrHolder: attrHolder{w: w, where: "/"}, path: "/", members: map[string]any{}}
	return w
}

// Root returns the root group.
func (w *Writer) Root() *WGroup { return w.root }

// Err returns the first error recorded by a building call.
func (w *Writer) Err() error { return w.err }

func (w *Writer) fail(format string, args ...any) {
	if w.err == nil {
		w.err = fmt.Errorf("hdf5: writer: "+format, args...)
	}
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" && s != "." {
			out = append(out, s)
		}
	}
	return out
}

// Path returns the absolute path of the group.
func (g *WGroup) Path() string { return g.path }

// CreateGroup creates (or returns the existing) group at a path relative to g;
// intermediate groups are created as needed.
func (g *WGroup) CreateGroup(path string) *WGroup {
	parts := splitPath(path)
	cur := g
	for _, p := range parts {
		if strings.IndexByte(p, 0) >= 0 {
			g.w.fail("%s: name %q contains a NUL byte", cur.path, p)
			return &WGroup{attrHolder: attrHolder{w: g.w, where: path}, path: path, members: map[string]any{}}
		}
		switch m := cur.members[p].(type) {
		case *WGroup:
			cur = m
		case nil:
			ng := &WGroup{attrHolder: attrHolder{w: g.w, where: joinPath(cur.path, p)}, path: joinPath(cur.path, p), members: map[string]any{}}
			cur.members[p] = ng
			cur = ng
		default:
			g.w.fail("%s: %q exists and is not a group", cur.path, p)
			return &WGroup{attrHolder: attrHolder{w: g.w, where: path}, path: path, members: map[string]any{}}
		}
	}
	return cur
}

// CreateDataset creates a contiguous dataset at a path relative to g
// (intermediate groups are created). dtype must be Float32, Float64, Int32,
// Int64 or Uint8 and data the matching slice ([]float32, []float64, []int32,
// []int64, []uint8) with as many elements as the product of shape; an empty
// shape makes a scalar.
func (g *WGroup) CreateDataset(path string, dtype DType, shape []int, data any) *WDataset {
	parts := splitPath(path)
	bad := &WDataset{attrHolder: attrHolder{w: g.w, where: path}, path: path}
	if len(parts) == 0 {
		g.w.fail("%s: empty dataset name", g.path)
		return bad
	}
	parent := g
	if len(parts) > 1 {
		parent = g.CreateGroup(strings.Join(parts[:len(parts)-1], "/"))
	}
	name := parts[len(parts)-1]
	full := joinPath(parent.path, name)
	bad.path, bad.where = full, full
	if strings.IndexByte(name, 0) >= 0 {
		g.w.fail("%s: name contains a NUL byte", full)
		return bad
	}
	if _, exists := parent.members[name]; exists {
		g.w.fail("%s: already exists", full)
		return bad
	}
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > math.MaxInt32/d) {
			g.w.fail("%s: bad shape %v", full, shape)
			return bad
		}
		n *= d
	}
	raw, err := encodeNumbers(dtype, data, n)
	if err != nil {
		g.w.fail("%s: %v", full, err)
		return bad
	}
	ds := &WDataset{attrHolder: attrHolder{w: g.w, where: full}, path: full, dtype: dtype, shape: append([]int(nil), shape...), raw: raw}
	parent.members[name] = ds
	return ds
}

// Path returns the absolute path of the dataset.
func (d *WDataset) Path() string { return d.path }

func encodeNumbers(dtype DType, data any, n int) ([]byte, error) {
	var raw []byte
	count := -1
	switch v := data.(type) {
	case []float32:
		if dtype == Float32 {
			count = len(v)
			raw = make([]byte, 4*len(v))
			for i, x := range v {
				binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
			}
		}
	case []float64:
		if dtype == Float64 {
			count = len(v)
			raw = make([]byte, 8*len(v))
			for i, x := range v {
				binary.LittleEndian.PutUint64(raw[8*i:], math.Float64bits(x))
			}
		}
	case []int32:
		if dtype == Int32 {
			count = len(v)
			raw = make([]byte, 4*len(v))
			for i, x := range v {
				binary.LittleEndian.PutUint32(raw[4*i:], uint32(x))
			}
		}
	case []int64:
		if dtype == Int64 {
			count = len(v)
			raw = make([]byte, 8*len(v))
			for i, x := range v {
				binary.LittleEndian.PutUint64(raw[8*i:], uint64(x))
			}
		}
	case []uint8:
		if dtype == Uint8 {
			count = len(v)
			raw = append([]byte{}, v...)
		}
	}
	if count < 0 {
		return nil, fmt.Errorf("data of type %T does not match dtype %s", data, dtype)
	}
	if count != n {
		return nil, fmt.Errorf("%d values for %d elements", count, n)
	}
	return raw, nil
}

// Datatype encodings (datatype message bodies), matching what libhdf5 writes.
func numericType(t DType) []byte {
	switch t {
	case Float32:
		return []byte{0x11, 0x20, 31, 0, 4, 0, 0, 0, 0, 0, 32, 0, 23, 8, 0, 23, 127, 0, 0, 0}
	case Float64:
		return []byte{0x11, 0x20, 63, 0, 8, 0, 0, 0, 0, 0, 64, 0, 52, 11, 0, 52, 0xff, 0x03, 0, 0}
	case Int32:
		return []byte{0x10, 0x08, 0, 0, 4, 0, 0, 0, 0, 0, 32, 0}
	case Int64:
		return []byte{0x10, 0x08, 0, 0, 8, 0, 0, 0, 0, 0, 64, 0}
	case Uint8:
		return []byte{0x10, 0x00, 0, 0, 1, 0, 0, 0, 0, 0, 8, 0}
	}
	return nil
}

func fixedStringType(size int) []byte {
	b := []byte{0x13, padNullPad, 0, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(b[4:], uint32(size))
	return b
}

// vlenStringType is a variable-length UTF-8 string with a uint8 base type.
var vlenStringType = []byte{0x19, 0x01, 0x01, 0x00, 16, 0, 0, 0, 0x10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 8, 0}

// vlenASCIIType is vlenStringType with the ASCII character set.
var vlenASCIIType = []byte{0x19, 0x01, 0x00, 0x00, 16, 0, 0, 0, 0x10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 8, 0}

func (h *attrHolder) set(a *wattr) {
	if a.name == "" || strings.IndexByte(a.name, 0) >= 0 {
		h.w.fail("%s: bad attribute name %q", h.where, a.name)
		return
	}
	for i, o := range h.attrs {
		if o.name == a.name {
			h.attrs[i] = a
			return
		}
	}
	h.attrs = append(h.attrs, a)
}

// SetAttrString sets a scalar variable-length UTF-8 string attribute (as h5py stores a Python str).
func (h *attrHolder) SetAttrString(name, value string) {
	h.set(&wattr{name: name, dt: vlenStringType, vlen: []string{value}})
}

// SetAttrASCII sets a scalar variable-length ASCII string attribute, as
// h5py stores a Python bytes value.
func (h *attrHolder) SetAttrASCII(name, value string) {
	h.set(&wattr{name: name, dt: vlenASCIIType, vlen: []string{value}})
}

// SetAttrBytes sets a scalar fixed-length byte-string attribute (as h5py stores Python bytes).
func (h *attrHolder) SetAttrBytes(name, value string) {
	n := max(len(value), 1)
	data := make([]byte, n)
	copy(data, value)
	h.set(&wattr{name: name, dt: fixedStringType(n), data: data})
}

// SetAttrStrings sets a one-dimensional string array attribute, stored as
// fixed-length byte strings (FixedBytes, like numpy "S" arrays) or as
// variable-length UTF-8 (VarString) or ASCII (VarASCII) strings.
func (h *attrHolder) SetAttrStrings(name string, values []string, kind StringKind) {
	shape := []int{len(values)}
	switch kind {
	case VarString:
		h.set(&wattr{name: name, dt: vlenStringType, shape: shape, vlen: append([]string{}, values...)})
		return
	case VarASCII:
		h.set(&wattr{name: name, dt: vlenASCIIType, shape: shape, vlen: append([]string{}, values...)})
		return
	}
	n := 1
	for _, s := range values {
		n = max(n, len(s))
	}
	data := make([]byte, n*len(values))
	for i, s := range values {
		copy(data[i*n:], s)
	}
	h.set(&wattr{name: name, dt: fixedStringType(n), shape: shape, data: data})
}

func (h *attrHolder) setNumbers(name string, t DType, shape []int, data any, n int) {
	raw, err := encodeNumbers(t, data, n)
	if err != nil {
		h.w.fail("%s: attribute %q: %v", h.where, name, err)
		return
	}
	h.set(&wattr{name: name, dt: numericType(t), shape: shape, data: raw})
}

// SetAttrFloat64 sets a scalar float64 attribute.
func (h *attrHolder) SetAttrFloat64(name string, v float64) {
	h.setNumbers(name, Float64, nil, []float64{v}, 1)
}

// SetAttrFloat64s sets a one-dimensional float64 array attribute.
func (h *attrHolder) SetAttrFloat64s(name string, v []float64) {
	h.setNumbers(name, Float64, []int{len(v)}, v, len(v))
}

// SetAttrFloat32s sets a one-dimensional float32 array attribute.
func (h *attrHolder) SetAttrFloat32s(name string, v []float32) {
	h.setNumbers(name, Float32, []int{len(v)}, v, len(v))
}

// SetAttrInt64 sets a scalar int64 attribute.
func (h *attrHolder) SetAttrInt64(name string, v int64) {
	h.setNumbers(name, Int64, nil, []int64{v}, 1)
}

// SetAttrInt64s sets a one-dimensional int64 array attribute.
func (h *attrHolder) SetAttrInt64s(name string, v []int64) {
	h.setNumbers(name, Int64, []int{len(v)}, v, len(v))
}

// SetAttrInt32s sets a one-dimensional int32 array attribute.
func (h *attrHolder) SetAttrInt32s(name string, v []int32) {
	h.setNumbers(name, Int32, []int{len(v)}, v, len(v))
}

// ---- serialization ----

const (
	wOff       = 8 // size of offsets
	wLeafK     = 4 // group leaf node K: symbol table nodes hold 2K entries
	wInternalK = 16
	wUndef     = ^uint64(0)
	sbSize     = 96
	snodSize   = 8 + 2*wLeafK*40
	btreeSize  = 24 + (2*wInternalK+1)*8 + 2*wInternalK*8
	maxMsgSize = 0xffff &^ 7
)

type wbuf struct{ b []byte }

func (e *wbuf) alloc(n int) uint64 {
	off := len(e.b)
	e.b = append(e.b, make([]byte, n)...)
	return uint64(off)
}

func (e *wbuf) put64(at uint64, v uint64) { binary.LittleEndian.PutUint64(e.b[at:], v) }

// Bytes serializes the file.
func (w *Writer) Bytes() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	e := &wbuf{}
	sb := sbSize
	if w.sbVersion == 1 {
		sb += 4
	}
	e.alloc(sb)
	if err := e.writeGlobalHeaps(w.root); err != nil {
		return nil, err
	}
	hdr, bt, heap, err := e.writeGroup(w.root)
	if err != nil {
		return nil, err
	}
	b := e.b
	copy(b, hdf5Magic)
	// versions (superblock, free space, root entry, reserved, shared header), sizes
	copy(b[8:], []byte{0, 0, 0, 0, 0, wOff, 8, 0})
	binary.LittleEndian.PutUint16(b[16:], wLeafK)
	binary.LittleEndian.PutUint16(b[18:], wInternalK)
	// consistency flags b[20:24] = 0
	p := uint64(24)
	if w.sbVersion == 1 {
		b[8] = 1
		binary.LittleEndian.PutUint16(b[24:], 32) // indexed storage internal node K
		p += 4
	}
	e.put64(p, 0)                              // base address
	e.put64(p+8, wUndef)                       // free-space info
	e.put64(p+16, uint64(len(b)))              // end of file
	e.put64(p+24, wUndef)                      // driver info
	e.put64(p+32, 0)                           // root group symbol table entry: name offset,
	e.put64(p+40, hdr)                         // object header address,
	binary.LittleEndian.PutUint32(b[p+48:], 1) // cache type 1:
	e.put64(p+56, bt)                          // B-tree and
	e.put64(p+64, heap)                        // local heap addresses
	return b, nil
}

// WriteTo writes the serialized file to out.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	b, err := w.Bytes()
	if err != nil {
		return 0, err
	}
	n, err := out.Write(b)
	return int64(n), err
}

// sortedMembers returns member names in byte order (the B-tree order).
func (g *WGroup) sortedMembers() []string {
	names := make([]string, 0, len(g.members))
	for n := range g.members {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// eachHolder visits every attribute holder in deterministic order.
func (g *WGroup) eachHolder(fn func(h *attrHolder)) {
	fn(&g.attrHolder)
	for _, n := range g.sortedMembers() {
		switch m := g.members[n].(type) {
		case *WGroup:
			m.eachHolder(fn)
		case *WDataset:
			fn(&m.attrHolder)
		}
	}
}

// writeGlobalHeaps stores every variable-length string in global heap
// collections and fills in the attributes' heap IDs.
func (e *wbuf) writeGlobalHeaps(root *WGroup) error {
	const target = 64 << 10
	type obj struct {
		a *wattr
		i int
	}
	var pending []obj
	used := 16
	flush := func() {
		if len(pending) == 0 {
			return
		}
		size := max(4096, (used+7)&^7)
		addr := e.alloc(size)
		b := e.b[addr:]
		copy(b, "GCOL")
		b[4] = 1
		binary.LittleEndian.PutUint64(b[8:], uint64(size))
		p := 16
		for k, o := range pending {
			s := o.a.vlen[o.i]
			binary.LittleEndian.PutUint16(b[p:], uint16(k+1))
			binary.LittleEndian.PutUint16(b[p+2:], 1) // reference count
			binary.LittleEndian.PutUint64(b[p+8:], uint64(len(s)))
			copy(b[p+16:], s)
			p += 16 + (len(s)+7)&^7
			// heap ID in the attribute data: length, collection address, index
			d := o.a.data[o.i*16:]
			binary.LittleEndian.PutUint32(d, uint32(len(s)))
			binary.LittleEndian.PutUint64(d[4:], addr)
			binary.LittleEndian.PutUint32(d[12:], uint32(k+1))
		}
		if size-p >= 16 {
			binary.LittleEndian.PutUint64(b[p+8:], uint64(size-p)) // free space, object 0
		}
		pending, used = pending[:0], 16
	}
	root.eachHolder(func(h *attrHolder) {
		for _, a := range h.attrs {
			if a.vlen == nil {
				continue
			}
			a.data = make([]byte, 16*len(a.vlen))
			for i, s := range a.vlen {
				if s == "" {
					continue // length 0, no heap object
				}
				need := 16 + (len(s)+7)&^7
				if len(pending) > 0 && (used+need > target || len(pending) >= 0xfff0) {
					flush()
				}
				pending = append(pending, obj{a, i})
				used += need
			}
		}
	})
	flush()
	return nil
}

type hmsg struct {
	typ   uint16
	flags uint8
	data  []byte
}

// writeHeader appends a version 1 object header holding msgs.
func (e *wbuf) writeHeader(where string, msgs []hmsg) (uint64, error) {
	size := 0
	for _, m := range msgs {
		n := (len(m.data) + 7) &^ 7
		if n > maxMsgSize {
			return 0, fmt.Errorf("hdf5: writer: %s: header message of %d bytes exceeds the 64 KiB limit", where, len(m.data))
		}
		size += 8 + n
	}
	addr := e.alloc(16 + size)
	b := e.b[addr:]
	b[0] = 1
	binary.LittleEndian.PutUint16(b[2:], uint16(len(msgs)))
	binary.LittleEndian.PutUint32(b[4:], 1) // reference count
	binary.LittleEndian.PutUint32(b[8:], uint32(size))
	p := 16
	for _, m := range msgs {
		n := (len(m.data) + 7) &^ 7
		binary.LittleEndian.PutUint16(b[p:], m.typ)
		binary.LittleEndian.PutUint16(b[p+2:], uint16(n))
		b[p+4] = m.flags
		copy(b[p+8:], m.data)
		p += 8 + n
	}
	return addr, nil
}

func dataspaceMsg(shape []int, scalar bool) []byte {
	if scalar {
		return []byte{1, 0, 0, 0, 0, 0, 0, 0}
	}
	b := []byte{1, byte(len(shape)), 1, 0, 0, 0, 0, 0}
	for _, d := range shape {
		b = binary.LittleEndian.AppendUint64(b, uint64(d))
	}
	for _, d := range shape {
		b = binary.LittleEndian.AppendUint64(b, uint64(d))
	}
	return b
}

func pad8(b []byte) []byte {
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	return b
}

func attrMsgs(h *attrHolder) ([]hmsg, error) {
	var out []hmsg
	for _, a := range h.attrs {
		ds := dataspaceMsg(a.shape, a.shape == nil)
		b := []byte{1, 0}
		b = binary.LittleEndian.AppendUint16(b, uint16(len(a.name)+1))
		b = binary.LittleEndian.AppendUint16(b, uint16(len(a.dt)))
		b = binary.LittleEndian.AppendUint16(b, uint16(len(ds)))
		if len(a.name)+1 > 0xffff {
			return nil, fmt.Errorf("hdf5: writer: %s: attribute name too long", h.where)
		}
		b = pad8(append(append(b, a.name...), 0))
		b = pad8(append(b, a.dt...))
		b = pad8(append(b, ds...))
		b = append(b, a.data...)
		if len(b) > maxMsgSize {
			return nil, fmt.Errorf("hdf5: writer: %s: attribute %q of %d bytes exceeds the 64 KiB object header message limit", h.where, a.name, len(b))
		}
		out = append(out, hmsg{typ: msgAttribute, data: b})
	}
	return out, nil
}

func (e *wbuf) writeDataset(d *WDataset) (uint64, error) {
	addr := wUndef
	if len(d.raw) > 0 {
		addr = e.alloc(len(d.raw))
		copy(e.b[addr:], d.raw)
	}
	layout := []byte{3, layoutContiguous}
	layout = binary.LittleEndian.AppendUint64(layout, addr)
	layout = binary.LittleEndian.AppendUint64(layout, uint64(len(d.raw)))
	msgs := []hmsg{
		{typ: msgDataspace, data: dataspaceMsg(d.shape, len(d.shape) == 0)},
		{typ: msgDatatype, flags: 1, data: numericType(d.dtype)},
		// fill value v2: allocation late, write if set, no user-defined value
		{typ: msgFill, flags: 1, data: []byte{2, 2, 2, 0}},
		{typ: msgLayout, data: layout},
	}
	am, err := attrMsgs(&d.attrHolder)
	if err != nil {
		return 0, err
	}
	return e.writeHeader(d.path, append(msgs, am...))
}

type wentry struct {
	nameOff  uint64
	addr     uint64
	bt, heap uint64 // cached for groups
	isGroup  bool
}

// writeGroup writes the members, then the local heap, symbol table nodes,
// B-tree and object header of g.
func (e *wbuf) writeGroup(g *WGroup) (hdr, btRoot, heapAddr uint64, err error) {
	names := g.sortedMembers()
	ents := make([]wentry, len(names))
	for i, n := range names {
		switch m := g.members[n].(type) {
		case *WGroup:
			a, bt, hp, err := e.writeGroup(m)
			if err != nil {
				return 0, 0, 0, err
			}
			ents[i] = wentry{addr: a, bt: bt, heap: hp, isGroup: true}
		case *WDataset:
			a, err := e.writeDataset(m)
			if err != nil {
				return 0, 0, 0, err
			}
			ents[i].addr = a
		}
	}
	// local heap: "" at offset 0, then the names
	seg := make([]byte, 8)
	for i, n := range names {
		ents[i].nameOff = uint64(len(seg))
		seg = pad8(append(append(seg, n...), 0))
	}
	heapAddr = e.alloc(32 + len(seg))
	hb := e.b[heapAddr:]
	copy(hb, "HEAP")
	binary.LittleEndian.PutUint64(hb[8:], uint64(len(seg)))
	binary.LittleEndian.PutUint64(hb[16:], 1) // no free list (H5HL_FREE_NULL)
	binary.LittleEndian.PutUint64(hb[24:], heapAddr+32)
	copy(hb[32:], seg)

	// symbol table nodes of up to 2*leafK entries
	type child struct{ addr, hi uint64 }
	var level []child
	for start := 0; start < len(ents); start += 2 * wLeafK {
		end := min(start+2*wLeafK, len(ents))
		a := e.alloc(snodSize)
		b := e.b[a:]
		copy(b, "SNOD")
		b[4] = 1
		binary.LittleEndian.PutUint16(b[6:], uint16(end-start))
		p := 8
		for _, en := range ents[start:end] {
			binary.LittleEndian.PutUint64(b[p:], en.nameOff)
			binary.LittleEndian.PutUint64(b[p+8:], en.addr)
			if en.isGroup {
				binary.LittleEndian.PutUint32(b[p+16:], 1)
				binary.LittleEndian.PutUint64(b[p+24:], en.bt)
				binary.LittleEndian.PutUint64(b[p+32:], en.heap)
			}
			p += 40
		}
		level = append(level, child{a, ents[end-1].nameOff})
	}
	// B-tree levels of up to 2*internalK children until one root remains
	depth := 0
	for {
		var next []child
		nnodes := max(1, (len(level)+2*wInternalK-1)/(2*wInternalK))
		addrs := make([]uint64, nnodes)
		for i := range addrs {
			addrs[i] = e.alloc(btreeSize)
		}
		lo := uint64(0)
		for i := 0; i < nnodes; i++ {
			kids := level[min(i*2*wInternalK, len(level)):min((i+1)*2*wInternalK, len(level))]
			b := e.b[addrs[i]:]
			copy(b, "TREE")
			b[4] = 0 // group node
			b[5] = byte(depth)
			binary.LittleEndian.PutUint16(b[6:], uint16(len(kids)))
			left, right := wUndef, wUndef
			if i > 0 {
				left = addrs[i-1]
			}
			if i+1 < nnodes {
				right = addrs[i+1]
			}
			binary.LittleEndian.PutUint64(b[8:], left)
			binary.LittleEndian.PutUint64(b[16:], right)
			p := 24
			binary.LittleEndian.PutUint64(b[p:], lo)
			p += 8
			for _, k := range kids {
				binary.LittleEndian.PutUint64(b[p:], k.addr)
				binary.LittleEndian.PutUint64(b[p+8:], k.hi)
				p += 16
				lo = k.hi
			}
			hi := lo
			next = append(next, child{addrs[i], hi})
		}
		if len(next) == 1 {
			btRoot = next[0].addr
			break
		}
		level = next
		depth++
	}
	stab := binary.LittleEndian.AppendUint64(nil, btRoot)
	stab = binary.LittleEndian.AppendUint64(stab, heapAddr)
	am, err := attrMsgs(&g.attrHolder)
	if err != nil {
		return 0, 0, 0, err
	}
	hdr, err = e.writeHeader(g.path, append([]hmsg{{typ: msgSymbolTable, data: stab}}, am...))
	return hdr, btRoot, heapAddr, err
}
