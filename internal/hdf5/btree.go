package hdf5

// Version 1 B-trees (old-style group nodes and chunk indexes) and version 2
// B-trees (dense link/attribute name indexes, huge objects, chunk indexes).

// btree1Walk visits, in key order, every leaf child of the version 1 B-tree at
// addr. For node type 1 (raw data chunks) ndims is the rank + 1; fn gets the
// key preceding the child.
func (f *File) btree1Walk(addr uint64, nodeType uint8, ndims int, fn func(key []byte, keyOff int64, child uint64) error) error {
	keySize := f.lenSize
	if nodeType == 1 {
		keySize = 8 + 8*ndims
	}
	visited := map[uint64]bool{}
	var walk func(addr uint64, wantLevel int, depth int) error
	walk = func(addr uint64, wantLevel int, depth int) error {
		if depth > maxTreeDepth {
			return errf(0, "B-tree deeper than %d levels", maxTreeDepth)
		}
		if visited[addr] {
			return errf(0, "B-tree node cycle at address 0x%x", addr)
		}
		visited[addr] = true
		hdrLen := 8 + 2*f.offSize
		hb, off, err := f.read(addr, int64(hdrLen), "B-tree node")
		if err != nil {
			return err
		}
		d := f.newDec(hb, off, "B-tree node")
		d.signature("TREE")
		typ := d.u8()
		level := int(d.u8())
		n := int(d.u16())
		if d.err != nil {
			return d.err
		}
		if typ != nodeType {
			return errf(off, "B-tree node type %d, want %d", typ, nodeType)
		}
		if wantLevel >= 0 && level != wantLevel {
			return errf(off, "B-tree node level %d, want %d", level, wantLevel)
		}
		body := int64(n)*int64(keySize+f.offSize) + int64(keySize)
		b, boff, err := f.read(addr+uint64(hdrLen), body, "B-tree node entries")
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			p := i * (keySize + f.offSize)
			key := b[p : p+keySize]
			cd := f.newDec(b[p+keySize:p+keySize+f.offSize], boff+int64(p+keySize), "B-tree child")
			child := cd.addr()
			if level == 0 {
				if err := fn(key, boff+int64(p), child); err != nil {
					return err
				}
			} else if err := walk(child, level-1, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(addr, -1, 0)
}

// btree2Walk visits every record of the version 2 B-tree at addr, which must
// be of the given record type.
func (f *File) btree2Walk(addr uint64, recType uint8, fn func(rec []byte, off int64) error) error {
	hb, off, err := f.read(addr, int64(16+f.offSize+2+f.lenSize+4), "v2 B-tree header")
	if err != nil {
		return err
	}
	d := f.newDec(hb, off, "v2 B-tree header")
	d.signature("BTHD")
	if v := d.u8(); d.err == nil && v != 0 {
		return unsupported(off+4, "v2 B-tree version %d", v)
	}
	typ := d.u8()
	nodeSize := uint64(d.u32())
	recSize := uint64(d.u16())
	depth := int(d.u16())
	d.skip(2)
	root := d.addr()
	rootN := int(d.u16())
	d.length()
	if d.err != nil {
		return d.err
	}
	if typ != recType {
		return errf(off, "v2 B-tree record type %d, want %d", typ, recType)
	}
	if nodeSize < 16 || nodeSize > 1<<24 || recSize == 0 || recSize > nodeSize || depth > maxTreeDepth {
		return errf(off, "v2 B-tree header: bad node size %d / record size %d / depth %d", nodeSize, recSize, depth)
	}
	if f.undef(root) {
		return nil
	}
	// Per-level capacities, as libhdf5 computes them.
	maxN := make([]uint64, depth+1)
	cum := make([]uint64, depth+1)
	cumSize := make([]int, depth+1)
	maxN[0] = (nodeSize - 10) / recSize
	cum[0] = maxN[0]
	nrecSize := bytesFor(maxN[0])
	ptrSize := func(u int) uint64 {
		p := uint64(f.offSize + nrecSize)
		if u > 1 {
			p += uint64(cumSize[u-1])
		}
		return p
	}
	for u := 1; u <= depth; u++ {
		ps := ptrSize(u)
		if nodeSize < 10+ps {
			return errf(off, "v2 B-tree node size %d too small", nodeSize)
		}
		maxN[u] = (nodeSize - 10 - ps) / (recSize + ps)
		c, ok := mulCheck(maxN[u]+1, cum[u-1], 1<<62)
		if !ok || c+maxN[u] < c {
			c = 1 << 62
		} else {
			c += maxN[u]
		}
		cum[u] = c
		cumSize[u] = bytesFor(c)
	}
	visited := map[uint64]bool{}
	var walk func(addr uint64, n int, lvl int) error
	walk = func(addr uint64, n int, lvl int) error {
		if visited[addr] {
			return errf(off, "v2 B-tree node cycle at address 0x%x", addr)
		}
		visited[addr] = true
		if uint64(n) > maxN[lvl] {
			return errf(off, "v2 B-tree node claims %d records, at most %d fit", n, maxN[lvl])
		}
		size := 6 + uint64(n)*recSize
		if lvl > 0 {
			size += uint64(n+1) * ptrSize(lvl)
		}
		b, boff, err := f.read(addr, int64(size), "v2 B-tree node")
		if err != nil {
			return err
		}
		nd := f.newDec(b, boff, "v2 B-tree node")
		if lvl > 0 {
			nd.signature("BTIN")
		} else {
			nd.signature("BTLF")
		}
		nd.u8()
		if t := nd.u8(); nd.err == nil && t != recType {
			return errf(boff, "v2 B-tree node record type %d, want %d", t, recType)
		}
		if nd.err != nil {
			return nd.err
		}
		recs := 6
		if lvl == 0 {
			for i := 0; i < n; i++ {
				p := recs + i*int(recSize)
				if err := fn(b[p:p+int(recSize)], boff+int64(p)); err != nil {
					return err
				}
			}
			return nil
		}
		nd.pos = recs + n*int(recSize)
		type ptr struct {
			a uint64
			n int
		}
		ptrs := make([]ptr, n+1)
		for i := range ptrs {
			ptrs[i].a = nd.addr()
			ptrs[i].n = int(nd.uN(nrecSize))
			if lvl > 1 {
				nd.uN(cumSize[lvl-1])
			}
		}
		if nd.err != nil {
			return nd.err
		}
		for i := 0; i <= n; i++ {
			if err := walk(ptrs[i].a, ptrs[i].n, lvl-1); err != nil {
				return err
			}
			if i < n {
				p := recs + i*int(recSize)
				if err := fn(b[p:p+int(recSize)], boff+int64(p)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(root, rootN, depth)
}
