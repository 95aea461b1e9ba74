package hdf5

// Object header message types.
const (
	msgNil          = 0x00
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgFillOld      = 0x04
	msgFill         = 0x05
	msgLink         = 0x06
	msgExternal     = 0x07
	msgLayout       = 0x08
	msgGroupInfo    = 0x0a
	msgFilters      = 0x0b
	msgAttribute    = 0x0c
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
	msgAttrInfo     = 0x15
)

// message is one decoded object header message.
type message struct {
	typ    uint16
	flags  uint8
	corder uint16 // creation order (v2 headers that track it)
	data   []byte
	off    int64 // absolute file offset of data
}

// objHeader is a parsed object header.
type objHeader struct {
	addr    uint64
	off     int64
	version int
	flags   uint8 // v2 header flags
	msgs    []message
	size    int64 // bytes read for all chunks (retained by msgs)
}

// find returns the first message of the given type, or nil. A shared message
// (stored elsewhere and only referenced here) is reported as unsupported.
// indexInfo reads the start shared by the link info and attribute info
// messages: version 0, flags (bit 0: the maximum creation index is stored,
// in maxIdxSize bytes, i.e. creation order is tracked), then the fractal
// heap and name-index B-tree v2 addresses of dense storage.
func (f *File) indexInfo(m *message, what string, maxIdxSize int) (heapAddr, nameBT uint64, tracked bool, err error) {
	d := f.newDec(m.data, m.off, what)
	if v := d.u8(); d.err == nil && v != 0 {
		return 0, 0, false, unsupported(m.off, "%s version %d", what, v)
	}
	if d.u8()&1 != 0 {
		d.skip(maxIdxSize)
		tracked = true
	}
	heapAddr = d.addr()
	nameBT = d.addr()
	return heapAddr, nameBT, tracked, d.err
}

func (h *objHeader) find(typ uint16) (*message, error) {
	for i := range h.msgs {
		if h.msgs[i].typ == typ {
			m := &h.msgs[i]
			if m.flags&0x02 != 0 {
				return nil, unsupported(m.off, "shared object header message (type 0x%x)", typ)
			}
			return m, nil
		}
	}
	return nil, nil
}

// kind classifies the object described by the header.
func (h *objHeader) kind() Kind {
	for _, m := range h.msgs {
		switch m.typ {
		case msgSymbolTable, msgLinkInfo, msgLink, msgGroupInfo:
			return KindGroup
		case msgLayout:
			return KindDataset
		}
	}
	return KindOther
}

// readObjHeader reads and splits the object header at addr into messages,
// following continuation blocks with cycle detection.
func (f *File) readObjHeader(addr uint64) (*objHeader, error) {
	off, err := f.abs(addr, 16, "object header")
	if err != nil {
		return nil, err
	}
	var pre [16]byte
	if err := f.readFull(pre[:], off, "object header"); err != nil {
		return nil, err
	}
	h := &objHeader{addr: addr, off: off}
	type chunk struct{ addr, size uint64 }
	var queue []chunk
	visited := map[uint64]bool{}
	total := int64(0)
	nchunks := 0
	addChunk := func(a, n uint64, at int64) error {
		if visited[a] {
			return errf(at, "object header continuation cycle (address 0x%x)", a)
		}
		visited[a] = true
		nchunks++
		if nchunks > maxHeaderChunks {
			return errf(at, "object header has more than %d continuation blocks", maxHeaderChunks)
		}
		if n > uint64(f.size) || total+int64(n) > maxHeaderBytes {
			return errf(at, "object header chunk of %d bytes too large", n)
		}
		total += int64(n)
		queue = append(queue, chunk{a, n})
		return nil
	}
	switch {
	case pre[0] == 1:
		h.version = 1
		size := uint64(pre[8]) | uint64(pre[9])<<8 | uint64(pre[10])<<16 | uint64(pre[11])<<24
		visited[addr] = true
		if err := addChunk(addr+16, size, off); err != nil {
			return nil, err
		}
		for i := 0; i < len(queue); i++ {
			c := queue[i]
			b, coff, err := f.read(c.addr, int64(c.size), "object header chunk")
			if err != nil {
				return nil, err
			}
			d := f.newDec(b, coff, "object header v1")
			for d.remaining() >= 8 {
				typ := d.u16()
				sz := int(d.u16())
				fl := d.u8()
				d.skip(3)
				doff := d.at()
				data := d.bytes(sz)
				if d.err != nil {
					return nil, d.err
				}
				if err := h.add(f, typ, fl, 0, data, doff, addChunk); err != nil {
					return nil, err
				}
			}
		}
	case string(pre[:4]) == "OHDR":
		h.version = int(pre[4])
		if h.version != 2 {
			return nil, unsupported(off+4, "object header version %d", h.version)
		}
		h.flags = pre[5]
		p := 6
		if h.flags&0x20 != 0 {
			p += 16
		}
		if h.flags&0x10 != 0 {
			p += 4
		}
		szBytes := 1 << (h.flags & 3)
		hb, hoff, err := f.read(addr, int64(p+szBytes), "object header prefix")
		if err != nil {
			return nil, err
		}
		size := leUint(hb[p : p+szBytes])
		start := addr + uint64(p+szBytes)
		if size > uint64(f.size) {
			return nil, errf(hoff, "object header chunk size %d beyond file size", size)
		}
		visited[addr] = true
		// first chunk: messages then 4-byte checksum
		if err := addChunk(start, size+4, hoff); err != nil {
			return nil, err
		}
		for i := 0; i < len(queue); i++ {
			c := queue[i]
			b, coff, err := f.read(c.addr, int64(c.size), "object header chunk")
			if err != nil {
				return nil, err
			}
			d := f.newDec(b, coff, "object header v2")
			if i > 0 {
				d.signature("OCHK")
			}
			if len(b) < 4 {
				return nil, errf(coff, "object header chunk too small")
			}
			d.b = d.b[:len(b)-4] // drop checksum
			hdrLen := 4
			if h.flags&0x04 != 0 {
				hdrLen = 6
			}
			for d.err == nil && d.remaining() >= hdrLen {
				typ := uint16(d.u8())
				sz := int(d.u16())
				fl := d.u8()
				var co uint16
				if h.flags&0x04 != 0 {
					co = d.u16()
				}
				doff := d.at()
				data := d.bytes(sz)
				if d.err != nil {
					return nil, d.err
				}
				if err := h.add(f, typ, fl, co, data, doff, addChunk); err != nil {
					return nil, err
				}
			}
			if d.err != nil {
				return nil, d.err
			}
		}
	default:
		return nil, errf(off, "bad object header (version byte %d, no OHDR signature)", pre[0])
	}
	h.size = total
	return h, nil
}

func (h *objHeader) add(f *File, typ uint16, fl uint8, co uint16, data []byte, off int64, addChunk func(a, n uint64, at int64) error) error {
	switch typ {
	case msgNil:
		return nil
	case msgContinuation:
		d := f.newDec(data, off, "continuation message")
		a := d.addr()
		n := d.length()
		if d.err != nil {
			return d.err
		}
		if h.version == 2 && n < 8 {
			return errf(off, "continuation block too small (%d bytes)", n)
		}
		return addChunk(a, n, off)
	}
	h.msgs = append(h.msgs, message{typ: typ, flags: fl, corder: co, data: data, off: off})
	return nil
}
