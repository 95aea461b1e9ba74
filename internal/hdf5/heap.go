package hdf5

// Local heaps (names of old-style groups), global heap collections
// (variable-length data) and fractal heaps (dense links and attributes).

// localHeap is a decoded local heap: its data segment.
type localHeap struct {
	data []byte
	off  int64
}

func (f *File) readLocalHeap(addr uint64) (*localHeap, error) {
	n := int64(8 + 2*f.lenSize + f.offSize)
	b, off, err := f.read(addr, n, "local heap")
	if err != nil {
		return nil, err
	}
	d := f.newDec(b, off, "local heap")
	d.signature("HEAP")
	if v := d.u8(); d.err == nil && v != 0 {
		return nil, unsupported(off+4, "local heap version %d", v)
	}
	d.skip(3)
	size := d.length()
	d.length() // free list
	daddr := d.addr()
	if d.err != nil {
		return nil, d.err
	}
	if size > uint64(f.size) {
		return nil, errf(off, "local heap data segment size %d beyond file size", size)
	}
	data, doff, err := f.read(daddr, int64(size), "local heap data segment")
	if err != nil {
		return nil, err
	}
	return &localHeap{data: data, off: doff}, nil
}

func (h *localHeap) str(i uint64) (string, error) {
	if i >= uint64(len(h.data)) {
		return "", errf(h.off, "local heap offset %d beyond data segment of %d bytes", i, len(h.data))
	}
	s, ok := cstring(h.data, int(i))
	if !ok {
		return "", errf(h.off+int64(i), "unterminated string in local heap")
	}
	return s, nil
}

// globalHeap is a parsed global heap collection.
type globalHeap struct {
	data []byte
	off  int64
	objs map[uint16][2]int // index -> start, length within data
}

func (f *File) globalHeap(addr uint64) (*globalHeap, error) {
	f.mu.Lock()
	h, ok := f.gheaps[addr]
	f.mu.Unlock()
	if ok {
		return h, nil
	}
	hdr, off, err := f.read(addr, int64(8+f.lenSize), "global heap collection")
	if err != nil {
		return nil, err
	}
	d := f.newDec(hdr, off, "global heap collection")
	d.signature("GCOL")
	if v := d.u8(); d.err == nil && v != 1 {
		return nil, unsupported(off+4, "global heap version %d", v)
	}
	d.skip(3)
	size := d.length()
	if d.err != nil {
		return nil, d.err
	}
	if size < uint64(len(hdr)) || size > uint64(f.size) {
		return nil, errf(off, "global heap collection size %d invalid", size)
	}
	data, off, err := f.read(addr, int64(size), "global heap collection")
	if err != nil {
		return nil, err
	}
	h = &globalHeap{data: data, off: off, objs: map[uint16][2]int{}}
	objHdr := 8 + f.lenSize
	for pos := len(hdr); pos+objHdr <= len(data); {
		d := f.newDec(data[pos:pos+objHdr], off+int64(pos), "global heap object")
		idx := d.u16()
		d.skip(6)
		n := d.length()
		if idx == 0 {
			break // free space: the rest of the collection
		}
		start := pos + objHdr
		if n > uint64(len(data)-start) {
			return nil, errf(off+int64(pos), "global heap object %d of %d bytes overruns collection", idx, n)
		}
		h.objs[idx] = [2]int{start, int(n)}
		pos = start + int((n+7)&^7)
	}
	f.mu.Lock()
	if f.gheaps == nil {
		f.gheaps = map[uint64]*globalHeap{}
	}
	if f.gheapBytes+int64(len(data)) <= gheapCacheBudget {
		f.gheaps[addr] = h
		f.gheapBytes += int64(len(data))
	}
	f.mu.Unlock()
	return h, nil
}

// globalObject returns the data of object idx in the collection at addr.
func (f *File) globalObject(addr uint64, idx uint32) ([]byte, error) {
	h, err := f.globalHeap(addr)
	if err != nil {
		return nil, err
	}
	if idx > 0xffff {
		return nil, errf(h.off, "global heap object index %d out of range", idx)
	}
	o, ok := h.objs[uint16(idx)]
	if !ok {
		return nil, errf(h.off, "global heap object %d missing", idx)
	}
	return h.data[o[0] : o[0]+o[1]], nil
}

// fractalHeap is a parsed fractal heap header.
type fractalHeap struct {
	f         *File
	addr      uint64
	off       int64
	idLen     int
	filterLen int
	flags     uint8
	hugeBT    uint64
	width     uint64
	startBlk  uint64
	maxDirect uint64
	maxBits   int
	rootAddr  uint64
	curRows   int
	offBytes  int
	lenBytes  int
	maxDRows  int
	indirect  map[uint64][]uint64
}

func isPow2(v uint64) bool { return v != 0 && v&(v-1) == 0 }

func (f *File) readFractalHeap(addr uint64) (*fractalHeap, error) {
	n := int64(4 + 1 + 2 + 2 + 1 + 4 + 12*8 + 2 + 2 + 2 + 8 + 2 + 4 + 64)
	off, err := f.abs(addr, 0, "fractal heap header")
	if err != nil {
		return nil, err
	}
	if n > f.size-off {
		n = f.size - off
	}
	b, off, err := f.read(addr, n, "fractal heap header")
	if err != nil {
		return nil, err
	}
	d := f.newDec(b, off, "fractal heap header")
	d.signature("FRHP")
	if v := d.u8(); d.err == nil && v != 0 {
		return nil, unsupported(off+4, "fractal heap version %d", v)
	}
	h := &fractalHeap{f: f, addr: addr, off: off, indirect: map[uint64][]uint64{}}
	h.idLen = int(d.u16())
	h.filterLen = int(d.u16())
	h.flags = d.u8()
	maxMan := d.u32() // max managed object size
	d.length()
	h.hugeBT = d.addr()
	d.length()
	d.addr()
	d.length()
	d.length()
	d.length()
	d.length()
	d.length()
	d.length()
	d.length()
	d.length()
	h.width = uint64(d.u16())
	h.startBlk = d.length()
	h.maxDirect = d.length()
	h.maxBits = int(d.u16())
	d.u16() // starting rows
	h.rootAddr = d.addr()
	h.curRows = int(d.u16())
	if d.err != nil {
		return nil, d.err
	}
	if !isPow2(h.width) || !isPow2(h.startBlk) || !isPow2(h.maxDirect) || h.maxDirect < h.startBlk ||
		h.maxBits < 1 || h.maxBits > 64 || h.idLen < 1 || h.idLen > 4096 || h.maxDirect > uint64(1)<<40 {
		return nil, errf(off, "fractal heap header: bad table parameters (width %d, start %d, max direct %d, max heap bits %d)",
			h.width, h.startBlk, h.maxDirect, h.maxBits)
	}
	h.offBytes = (h.maxBits + 7) / 8
	h.maxDRows = log2floor(h.maxDirect) - log2floor(h.startBlk) + 2
	h.lenBytes = min((log2floor(h.maxDirect)+7)/8, log2floor(uint64(maxMan))/8+1)
	if h.curRows > h.maxBits+2 {
		return nil, errf(off, "fractal heap root indirect block has %d rows", h.curRows)
	}
	return h, nil
}

func (h *fractalHeap) rowSize(r int) uint64 {
	if r == 0 {
		return h.startBlk
	}
	if r-1 >= 63 {
		return 1 << 63
	}
	return h.startBlk << uint(r-1)
}

// get returns the object with the given heap ID.
func (h *fractalHeap) get(id []byte) ([]byte, error) {
	if len(id) < 1 {
		return nil, errf(h.off, "empty fractal heap ID")
	}
	if id[0]>>6 != 0 {
		return nil, unsupported(h.off, "fractal heap ID version %d", id[0]>>6)
	}
	switch (id[0] >> 4) & 3 {
	case 0: // managed
		if len(id) < 1+h.offBytes+h.lenBytes {
			return nil, errf(h.off, "fractal heap ID too short (%d bytes)", len(id))
		}
		o := leUint(id[1 : 1+h.offBytes])
		n := leUint(id[1+h.offBytes : 1+h.offBytes+h.lenBytes])
		if h.filterLen > 0 {
			return nil, unsupported(h.off, "filtered fractal heap")
		}
		return h.managed(o, n)
	case 1: // huge
		return h.huge(id)
	case 2: // tiny
		var n int
		var data []byte
		if h.idLen <= 18 {
			n = int(id[0]&0x0f) + 1
			data = id[1:]
		} else {
			if len(id) < 2 {
				return nil, errf(h.off, "tiny fractal heap ID too short")
			}
			n = (int(id[0]&0x0f)<<8 | int(id[1])) + 1
			data = id[2:]
		}
		if n > len(data) {
			return nil, errf(h.off, "tiny fractal heap object of %d bytes in %d-byte ID", n, len(data))
		}
		return data[:n], nil
	}
	return nil, errf(h.off, "bad fractal heap ID type %d", (id[0]>>4)&3)
}

func (h *fractalHeap) managed(o, n uint64) ([]byte, error) {
	if h.undefRoot() {
		return nil, errf(h.off, "fractal heap object in empty heap")
	}
	if h.curRows == 0 {
		return h.direct(h.rootAddr, h.startBlk, 0, o, n)
	}
	return h.fromIndirect(h.rootAddr, h.curRows, 0, o, n, 0)
}

func (h *fractalHeap) undefRoot() bool { return h.f.undef(h.rootAddr) }

func (h *fractalHeap) direct(addr, size, blockOff, o, n uint64) ([]byte, error) {
	f := h.f
	prefix := uint64(5 + f.offSize + h.offBytes)
	if h.flags&2 != 0 {
		prefix += 4
	}
	rel := o - blockOff
	if o < blockOff || rel < prefix || n > size || rel > size-n {
		return nil, errf(h.off, "fractal heap object (offset %d, length %d) outside its direct block", o, n)
	}
	if n > uint64(f.size) {
		return nil, errf(h.off, "fractal heap object length %d beyond file size", n)
	}
	b, _, err := f.read(addr+rel, int64(n), "fractal heap object")
	return b, err
}

func (h *fractalHeap) fromIndirect(addr uint64, nrows int, blockOff, o, n uint64, depth int) ([]byte, error) {
	if depth > maxTreeDepth {
		return nil, errf(h.off, "fractal heap indirect blocks nested too deep")
	}
	entries, err := h.indirectEntries(addr, nrows)
	if err != nil {
		return nil, err
	}
	rel := o - blockOff
	if o < blockOff {
		return nil, errf(h.off, "fractal heap offset %d before block start %d", o, blockOff)
	}
	start := uint64(0)
	for r := 0; r < nrows; r++ {
		bs := h.rowSize(r)
		span, ok := mulCheck(bs, h.width, 1<<63)
		if !ok {
			break
		}
		if rel < start+span {
			col := (rel - start) / bs
			child := entries[uint64(r)*h.width+col]
			cOff := blockOff + start + col*bs
			if h.f.undef(child) {
				return nil, errf(h.off, "fractal heap object offset %d in unallocated block", o)
			}
			if r < h.maxDRows {
				return h.direct(child, bs, cOff, o, n)
			}
			crows := log2floor(bs) - log2floor(h.startBlk) - log2floor(h.width) + 1
			if crows < 1 || crows >= nrows {
				return nil, errf(h.off, "fractal heap child indirect block with %d rows", crows)
			}
			return h.fromIndirect(child, crows, cOff, o, n, depth+1)
		}
		start += span
	}
	return nil, errf(h.off, "fractal heap offset %d beyond indirect block", o)
}

func (h *fractalHeap) indirectEntries(addr uint64, nrows int) ([]uint64, error) {
	if e, ok := h.indirect[addr]; ok && len(e) == nrows*int(h.width) {
		return e, nil
	}
	f := h.f
	count, ok := mulCheck(uint64(nrows), h.width, uint64(f.size))
	if !ok || count*uint64(f.offSize) > uint64(f.size) {
		return nil, errf(h.off, "fractal heap indirect block too large")
	}
	size := uint64(5+f.offSize+h.offBytes) + count*uint64(f.offSize)
	b, off, err := f.read(addr, int64(size), "fractal heap indirect block")
	if err != nil {
		return nil, err
	}
	d := f.newDec(b, off, "fractal heap indirect block")
	d.signature("FHIB")
	d.skip(1 + f.offSize + h.offBytes)
	e := make([]uint64, count)
	for i := range e {
		e[i] = d.addr()
	}
	if d.err != nil {
		return nil, d.err
	}
	h.indirect[addr] = e
	return e, nil
}

// huge returns a huge object, addressed directly by its ID or via the huge-object B-tree.
func (h *fractalHeap) huge(id []byte) ([]byte, error) {
	f := h.f
	if h.filterLen > 0 {
		return nil, unsupported(h.off, "filtered huge fractal heap objects")
	}
	if len(id) >= 1+f.offSize+f.lenSize && h.idLen >= 1+f.offSize+f.lenSize && f.undef(h.hugeBT) {
		d := f.newDec(id[1:], h.off, "huge object ID")
		a := d.addr()
		n := d.length()
		b, _, err := f.read(a, int64(min(n, uint64(f.size)+1)), "huge fractal heap object")
		return b, err
	}
	d := f.newDec(id[1:], h.off, "huge object ID")
	key := d.uN(min(f.lenSize, len(id)-1))
	if d.err != nil {
		return nil, d.err
	}
	var found []byte
	err := f.btree2Walk(h.hugeBT, 1, func(rec []byte, off int64) error {
		rd := f.newDec(rec, off, "huge object record")
		a := rd.addr()
		n := rd.length()
		k := rd.length()
		if rd.err != nil {
			return rd.err
		}
		if k == key && found == nil {
			b, _, err := f.read(a, int64(min(n, uint64(f.size)+1)), "huge fractal heap object")
			if err != nil {
				return err
			}
			found = b
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, errf(h.off, "huge fractal heap object %d not found", key)
	}
	return found, nil
}
