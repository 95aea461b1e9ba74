package hdf5

import (
	"io"
)

// Layout classes and chunk index types.
const (
	layoutCompact    = 0
	layoutContiguous = 1
	layoutChunked    = 2

	idxBtree1   = 0
	idxSingle   = 1
	idxImplicit = 2
	idxFixedArr = 3
	idxExtArr   = 4
	idxBtree2   = 5
)

type layout struct {
	version  int
	class    int
	off      int64
	compact  []byte
	addr     uint64
	size     uint64
	chunk    []uint64 // chunk dimensions (without the element-size dimension)
	elemSize uint64
	flags    uint8
	index    int
	single   struct {
		size uint64
		mask uint32
	}
	pageBits int
}

func (f *File) parseLayout(b []byte, off int64) (*layout, error) {
	d := f.newDec(b, off, "data layout message")
	l := &layout{off: off}
	l.version = int(d.u8())
	switch l.version {
	case 1, 2:
		nd := int(d.u8())
		l.class = int(d.u8())
		d.skip(5)
		if l.class != layoutCompact {
			l.addr = d.addr()
		}
		if nd > maxRank+1 {
			return nil, errf(off, "layout dimensionality %d", nd)
		}
		dims := make([]uint64, nd)
		for i := range dims {
			dims[i] = uint64(d.u32())
		}
		switch l.class {
		case layoutChunked:
			if err := l.setChunk(dims); err != nil {
				return nil, err
			}
		case layoutCompact:
			n := int(d.u32())
			l.compact = d.bytes(n)
		}
	case 3, 4:
		l.class = int(d.u8())
		switch l.class {
		case layoutCompact:
			n := int(d.u16())
			l.compact = d.bytes(n)
		case layoutContiguous:
			l.addr = d.addr()
			l.size = d.length()
		case layoutChunked:
			if l.version == 3 {
				nd := int(d.u8())
				if nd > maxRank+1 {
					return nil, errf(off, "layout dimensionality %d", nd)
				}
				l.addr = d.addr()
				dims := make([]uint64, nd)
				for i := range dims {
					dims[i] = uint64(d.u32())
				}
				if err := l.setChunk(dims); err != nil {
					return nil, err
				}
				l.index = idxBtree1
				break
			}
			l.flags = d.u8()
			nd := int(d.u8())
			enc := int(d.u8())
			if nd > maxRank+1 || enc < 1 || enc > 8 {
				return nil, errf(off, "layout dimensionality %d / dimension encoding %d", nd, enc)
			}
			dims := make([]uint64, nd)
			for i := range dims {
				dims[i] = d.uN(enc)
			}
			if err := l.setChunk(dims); err != nil {
				return nil, err
			}
			l.index = int(d.u8())
			switch l.index {
			case idxSingle:
				if l.flags&2 != 0 {
					l.single.size = d.length()
					l.single.mask = d.u32()
				}
			case idxImplicit:
			case idxFixedArr:
				l.pageBits = int(d.u8())
			case idxExtArr:
				d.skip(5)
			case idxBtree2:
				d.skip(6)
			default:
				if d.err == nil {
					return nil, errf(off, "chunk index type %d", l.index)
				}
			}
			l.addr = d.addr()
		default:
			if d.err == nil {
				return nil, unsupported(off, "data layout class %d", l.class)
			}
		}
	default:
		if d.err == nil {
			return nil, unsupported(off, "data layout version %d", l.version)
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	if l.class > layoutChunked {
		return nil, unsupported(off, "data layout class %d", l.class)
	}
	return l, nil
}

func (l *layout) setChunk(dims []uint64) error {
	if len(dims) < 2 {
		return errf(l.off, "chunked layout with %d dimensions", len(dims))
	}
	l.chunk = dims[:len(dims)-1]
	l.elemSize = dims[len(dims)-1]
	for _, c := range l.chunk {
		if c == 0 {
			return errf(l.off, "chunk dimension of size 0")
		}
	}
	return nil
}

// chunkRef locates one stored chunk.
type chunkRef struct {
	addr   uint64
	size   uint64   // stored (possibly filtered) size
	mask   uint32   // filters skipped
	offset []uint64 // element coordinates of the chunk's first element
}

// readChunked assembles a chunked dataset of total bytes. The chunk index is
// walked first, so that the output is only allocated when the stored chunks
// can plausibly fill it: missing chunks (fill value) may account for at most
// maxSparseBytes.
func (ds *Dataset) readChunked(total uint64) ([]byte, error) {
	f := ds.f
	l := ds.layout
	rank := len(ds.space.dims)
	if len(l.chunk) != rank {
		return nil, errf(l.off, "chunk rank %d does not match dataspace rank %d", len(l.chunk), rank)
	}
	es := uint64(ds.dt.size)
	if l.elemSize != es {
		return nil, errf(l.off, "chunk element size %d does not match datatype size %d", l.elemSize, es)
	}
	chunkBytes := es
	for _, c := range l.chunk {
		var ok bool
		if chunkBytes, ok = mulCheck(chunkBytes, c, 1<<32); !ok {
			return nil, errf(l.off, "chunk of %v elements too large", l.chunk)
		}
	}
	// Grid of chunks over the current extent, and the "max down" products
	// libhdf5 uses to number chunks in fixed-array and implicit indexes
	// (computed over the maximum extent).
	grid := make([]uint64, rank)
	maxGrid := make([]uint64, rank)
	for i := range grid {
		grid[i] = (ds.space.dims[i] + l.chunk[i] - 1) / l.chunk[i]
		maxGrid[i] = grid[i]
		if ds.space.maxdims != nil && ds.space.maxdims[i] != ^uint64(0) && ds.space.maxdims[i] >= ds.space.dims[i] {
			maxGrid[i] = (ds.space.maxdims[i] + l.chunk[i] - 1) / l.chunk[i]
		}
	}
	// offsetOf maps a linear chunk number over grid g to element coordinates,
	// reporting false when the chunk lies outside the current extent.
	offsetOf := func(idx uint64, g []uint64, perm []int) ([]uint64, bool) {
		off := make([]uint64, rank)
		for j := rank - 1; j >= 0; j-- {
			i := j
			if perm != nil {
				i = perm[j]
			}
			var s uint64
			if j == 0 {
				s = idx
			} else {
				s = idx % g[i]
				idx /= g[i]
			}
			if s >= grid[i] {
				return nil, false
			}
			off[i] = s * l.chunk[i]
		}
		return off, true
	}
	nchunks := uint64(1)
	for _, g := range grid {
		nchunks *= g // bounded by the element count
	}
	var zr io.ReadCloser
	defer func() {
		if zr != nil {
			zr.Close()
		}
	}()
	var refs []chunkRef
	load := func(c chunkRef) error {
		for i, o := range c.offset {
			if o >= ds.space.dims[i] || o%l.chunk[i] != 0 {
				return errf(l.off, "chunk at %v outside dataset %v", c.offset, ds.space.dims)
			}
		}
		if f.undef(c.addr) {
			return nil
		}
		if c.size > uint64(f.size) {
			return errf(l.off, "chunk of %d bytes beyond file size", c.size)
		}
		if uint64(len(refs)) >= nchunks {
			return errf(l.off, "chunk index lists more than the %d chunks of the dataset", nchunks)
		}
		refs = append(refs, c)
		return nil
	}
	decode := func(out []byte, c chunkRef) error {
		raw, roff, err := f.read(c.addr, int64(c.size), "chunk")
		if err != nil {
			return err
		}
		data := raw
		partial := false
		for i, o := range c.offset {
			if o+l.chunk[i] > ds.space.dims[i] {
				partial = true
			}
		}
		if len(ds.filters) > 0 && !(partial && l.flags&1 != 0) {
			data, err = unfilter(ds.filters, c.mask, raw, int(chunkBytes), int(es), roff, &zr)
			if err != nil {
				return err
			}
		}
		if uint64(len(data)) != chunkBytes {
			return errf(roff, "chunk holds %d bytes, want %d", len(data), chunkBytes)
		}
		copyChunk(out, data, c.offset, ds.space.dims, l.chunk, es)
		return nil
	}
	filtered := len(ds.filters) > 0
	walkErr := func() error {
		switch l.index {
		case idxBtree1:
			if f.undef(l.addr) {
				return nil
			}
			return f.btree1Walk(l.addr, 1, rank+1, func(key []byte, keyOff int64, child uint64) error {
				kd := f.newDec(key, keyOff, "chunk B-tree key")
				c := chunkRef{addr: child}
				c.size = uint64(kd.u32())
				c.mask = kd.u32()
				c.offset = make([]uint64, rank)
				for i := range c.offset {
					c.offset[i] = kd.u64()
				}
				if kd.err != nil {
					return kd.err
				}
				return load(c)
			})
		case idxSingle:
			c := chunkRef{addr: l.addr, size: chunkBytes, offset: make([]uint64, rank)}
			if l.flags&2 != 0 {
				c.size, c.mask = l.single.size, l.single.mask
			}
			return load(c)
		case idxImplicit:
			if f.undef(l.addr) {
				return nil
			}
			if filtered {
				return errf(l.off, "implicit chunk index with filters")
			}
			// visit the chunks of the current extent, numbered over the maximum extent
			cur := make([]uint64, rank)
			for {
				var idx uint64
				for i := 0; i < rank; i++ {
					idx = idx*maxGrid[i] + cur[i]
				}
				off := make([]uint64, rank)
				for i := range off {
					off[i] = cur[i] * l.chunk[i]
				}
				a, ok := mulCheck(idx, chunkBytes, uint64(f.size))
				if !ok {
					return errf(l.off, "implicit chunk %d beyond end of file", idx)
				}
				if err := load(chunkRef{addr: l.addr + a, size: chunkBytes, offset: off}); err != nil {
					return err
				}
				k := rank - 1
				for ; k >= 0; k-- {
					cur[k]++
					if cur[k] < grid[k] {
						break
					}
					cur[k] = 0
				}
				if k < 0 {
					return nil
				}
			}
		case idxFixedArr:
			if f.undef(l.addr) {
				return nil
			}
			nmax := uint64(1)
			for _, g := range maxGrid {
				var ok bool
				if nmax, ok = mulCheck(nmax, g, uint64(f.size)); !ok {
					return errf(l.off, "fixed array index for %v chunks larger than the file", maxGrid)
				}
			}
			return f.fixedArrayWalk(l.addr, filtered, nmax, func(i uint64, c chunkRef) error {
				if !filtered {
					c.size = chunkBytes
				}
				var ok bool
				if c.offset, ok = offsetOf(i, maxGrid, nil); !ok {
					return nil
				}
				return load(c)
			})
		case idxBtree2:
			if f.undef(l.addr) {
				return nil
			}
			rt := uint8(10)
			if filtered {
				rt = 11
			}
			return f.btree2Walk(l.addr, rt, func(rec []byte, off int64) error {
				rd := f.newDec(rec, off, "chunk record")
				c := chunkRef{addr: rd.addr(), size: chunkBytes}
				if filtered {
					n := len(rec) - f.offSize - 4 - 8*rank
					if n < 1 || n > 8 {
						return errf(off, "filtered chunk record of %d bytes", len(rec))
					}
					c.size = rd.uN(n)
					c.mask = rd.u32()
				}
				c.offset = make([]uint64, rank)
				for i := range c.offset {
					s := rd.u64()
					if s >= grid[i] {
						return errf(off, "chunk record coordinate %d outside grid %v", s, grid)
					}
					c.offset[i] = s * l.chunk[i]
				}
				if rd.err != nil {
					return rd.err
				}
				return load(c)
			})
		case idxExtArr:
			if f.undef(l.addr) {
				return nil
			}
			// Exactly one unlimited dimension; libhdf5 numbers chunks with that
			// dimension moved to the front ("swizzled").
			unlim := -1
			for i, m := range ds.space.maxdims {
				if m == ^uint64(0) {
					if unlim >= 0 {
						return errf(l.off, "extensible array index with several unlimited dimensions")
					}
					unlim = i
				}
			}
			if unlim < 0 {
				return errf(l.off, "extensible array index without an unlimited dimension")
			}
			perm := []int{unlim}
			for i := 0; i < rank; i++ {
				if i != unlim {
					perm = append(perm, i)
				}
			}
			return f.extArrayWalk(l.addr, filtered, func(i uint64, c chunkRef) error {
				if !filtered {
					c.size = chunkBytes
				}
				var ok bool
				if c.offset, ok = offsetOf(i, maxGrid, perm); !ok {
					return nil
				}
				return load(c)
			})
		}
		return errf(l.off, "chunk index type %d", l.index)
	}()
	if walkErr != nil {
		return nil, walkErr
	}
	// Bound the allocation by what the stored chunks can decode to.
	stored := uint64(0)
	deflated := false
	for _, fl := range ds.filters {
		if fl.id == filterDeflate {
			deflated = true
		}
	}
	for _, c := range refs {
		n := chunkBytes
		if deflated && c.size < n/1100 {
			n = c.size * 1100 // zlib cannot expand by more than ~1032x
		}
		stored += n
	}
	if total > stored+maxSparseBytes {
		return nil, errf(l.off, "chunked dataset of %d bytes has only %d stored chunks (%d bytes decodable)", total, len(refs), stored)
	}
	out := ds.filled(total)
	for _, c := range refs {
		if err := decode(out, c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// maxSparseBytes bounds the part of a chunked dataset that may consist of
// missing chunks (fill value) rather than stored data.
const maxSparseBytes = 64 << 20

// copyChunk copies the part of a decoded chunk that lies inside the dataset.
func copyChunk(out, data []byte, off, dims, chunk []uint64, es uint64) {
	rank := len(dims)
	last := rank - 1
	n := chunk[last]
	if off[last]+n > dims[last] {
		n = dims[last] - off[last]
	}
	nb := n * es
	idx := make([]uint64, rank)
	for {
		// source and destination linear element offsets
		var src, dst uint64
		for k := 0; k < rank; k++ {
			src = src*chunk[k] + idx[k]
			dst = dst*dims[k] + off[k] + idx[k]
		}
		copy(out[dst*es:dst*es+nb], data[src*es:src*es+nb])
		k := last - 1
		for ; k >= 0; k-- {
			idx[k]++
			if idx[k] < chunk[k] && off[k]+idx[k] < dims[k] {
				break
			}
			idx[k] = 0
		}
		if k < 0 {
			return
		}
	}
}

// fixedArrayWalk visits the entries of a fixed-array chunk index.
func (f *File) fixedArrayWalk(addr uint64, filtered bool, nchunks uint64, fn func(i uint64, c chunkRef) error) error {
	hb, off, err := f.read(addr, int64(4+1+1+1+1+f.lenSize+f.offSize+4), "fixed array header")
	if err != nil {
		return err
	}
	d := f.newDec(hb, off, "fixed array header")
	d.signature("FAHD")
	d.u8()
	client := d.u8()
	esz := int(d.u8())
	pageBits := int(d.u8())
	n := d.length()
	dblk := d.addr()
	if d.err != nil {
		return d.err
	}
	if (client == 1) != filtered {
		return errf(off, "fixed array client %d does not match filter pipeline", client)
	}
	minSz := f.offSize
	if filtered {
		minSz += 5
	}
	if esz < minSz || esz > minSz+8 || pageBits > 32 {
		return errf(off, "fixed array entry size %d / page bits %d invalid", esz, pageBits)
	}
	if n != nchunks {
		return errf(off, "fixed array holds %d entries, dataset has %d chunks", n, nchunks)
	}
	if n*uint64(esz) > uint64(f.size) {
		return errf(off, "fixed array of %d entries larger than the file", n)
	}
	if f.undef(dblk) || n == 0 {
		return nil
	}
	pageN := uint64(1) << uint(pageBits)
	npages := uint64(0)
	if n > pageN {
		npages = (n + pageN - 1) / pageN
	}
	prefix := uint64(4 + 1 + 1 + f.offSize)
	bitmapLen := (npages + 7) / 8
	entry := func(b []byte, boff int64, i uint64) error {
		ed := f.newDec(b, boff, "fixed array entry")
		c := chunkRef{addr: ed.addr()}
		if filtered {
			c.size = ed.uN(esz - f.offSize - 4)
			c.mask = ed.u32()
		}
		if ed.err != nil {
			return ed.err
		}
		return fn(i, c)
	}
	if npages == 0 {
		b, boff, err := f.read(dblk, int64(prefix+n*uint64(esz)), "fixed array data block")
		if err != nil {
			return err
		}
		if string(b[:4]) != "FADB" {
			return errf(boff, "fixed array data block: bad signature")
		}
		for i := uint64(0); i < n; i++ {
			p := prefix + i*uint64(esz)
			if err := entry(b[p:p+uint64(esz)], boff+int64(p), i); err != nil {
				return err
			}
		}
		return nil
	}
	b, boff, err := f.read(dblk, int64(prefix+bitmapLen), "fixed array data block")
	if err != nil {
		return err
	}
	if string(b[:4]) != "FADB" {
		return errf(boff, "fixed array data block: bad signature")
	}
	bitmap := b[prefix:]
	pageAddr := dblk + prefix + bitmapLen + 4
	for p := uint64(0); p < npages; p++ {
		cnt := pageN
		if (p+1)*pageN > n {
			cnt = n - p*pageN
		}
		if bitmap[p/8]&(0x80>>(p%8)) != 0 {
			pb, poff, err := f.read(pageAddr, int64(cnt*uint64(esz)), "fixed array page")
			if err != nil {
				return err
			}
			for i := uint64(0); i < cnt; i++ {
				q := i * uint64(esz)
				if err := entry(pb[q:q+uint64(esz)], poff+int64(q), p*pageN+i); err != nil {
					return err
				}
			}
		}
		pageAddr += pageN*uint64(esz) + 4
	}
	return nil
}
