package hdf5

// extArrayWalk visits the defined entries of an extensible-array chunk index
// (libhdf5's H5EA), calling fn with each entry's array index.
func (f *File) extArrayWalk(addr uint64, filtered bool, fn func(i uint64, c chunkRef) error) error {
	hb, off, err := f.read(addr, int64(12+6*f.lenSize+f.offSize+4), "extensible array header")
	if err != nil {
		return err
	}
	d := f.newDec(hb, off, "extensible array header")
	d.signature("EAHD")
	d.u8()
	client := d.u8()
	esz := int(d.u8())
	maxBits := int(d.u8())
	ibElems := uint64(d.u8())
	dbMin := uint64(d.u8())
	sbMinPtrs := uint64(d.u8())
	pageBits := int(d.u8())
	d.length() // number of secondary blocks
	d.length() // size of secondary blocks
	d.length() // number of data blocks
	d.length() // size of data blocks
	maxIdx := d.length()
	d.length() // number of elements
	ibAddr := d.addr()
	if d.err != nil {
		return d.err
	}
	if (client == 1) != filtered {
		return errf(off, "extensible array client %d does not match filter pipeline", client)
	}
	minSz := f.offSize
	if filtered {
		minSz += 5
	}
	if esz < minSz || esz > minSz+8 || maxBits < 1 || maxBits > 64 || !isPow2(dbMin) || !isPow2(sbMinPtrs) ||
		pageBits > 32 || log2floor(dbMin) > maxBits {
		return errf(off, "extensible array header: bad parameters")
	}
	if f.undef(ibAddr) {
		return nil
	}
	arrOff := (maxBits + 7) / 8
	pageN := uint64(1) << uint(pageBits)
	nsblks := 1 + maxBits - log2floor(dbMin)
	type sblk struct{ ndblks, dnelmts, startIdx, startDblk uint64 }
	info := make([]sblk, nsblks)
	var startIdx, startDblk uint64
	for u := range info {
		info[u].ndblks = uint64(1) << uint(min(u/2, 62))
		info[u].dnelmts = (uint64(1) << uint(min((u+1)/2, 62))) * dbMin
		info[u].startIdx = startIdx
		info[u].startDblk = startDblk
		startIdx += info[u].ndblks * info[u].dnelmts
		startDblk += info[u].ndblks
	}
	ibSblks := 2 * log2floor(sbMinPtrs)
	ndblkAddrs := 2 * (sbMinPtrs - 1)
	if ibSblks > nsblks {
		return errf(off, "extensible array index block covers %d of %d super blocks", ibSblks, nsblks)
	}
	nsblkAddrs := uint64(nsblks - ibSblks)
	ibSize := uint64(6+f.offSize) + ibElems*uint64(esz) + (ndblkAddrs+nsblkAddrs)*uint64(f.offSize)
	ib, ibOff, err := f.read(ibAddr, int64(ibSize), "extensible array index block")
	if err != nil {
		return err
	}
	id := f.newDec(ib, ibOff, "extensible array index block")
	id.signature("EAIB")
	id.skip(2 + f.offSize)
	if id.err != nil {
		return id.err
	}
	emit := func(b []byte, boff int64, idx uint64) error {
		if idx >= maxIdx {
			return nil
		}
		ed := f.newDec(b, boff, "extensible array element")
		c := chunkRef{addr: ed.addr()}
		if filtered {
			c.size = ed.uN(esz - f.offSize - 4)
			c.mask = ed.u32()
		}
		if ed.err != nil {
			return ed.err
		}
		if f.undef(c.addr) {
			return nil
		}
		return fn(idx, c)
	}
	for i := uint64(0); i < ibElems; i++ {
		e := id.bytes(esz)
		if err := emit(e, ibOff, i); err != nil {
			return err
		}
	}
	dblkAddrs := make([]uint64, ndblkAddrs)
	for i := range dblkAddrs {
		dblkAddrs[i] = id.addr()
	}
	sblkAddrs := make([]uint64, nsblkAddrs)
	for i := range sblkAddrs {
		sblkAddrs[i] = id.addr()
	}
	if id.err != nil {
		return id.err
	}
	dblkPrefix := uint64(6 + f.offSize + arrOff) // without checksum
	// dataBlock emits the elements of one data block starting at array index first.
	dataBlock := func(a, nelmts, first uint64, pageInit func(p uint64) bool) error {
		if f.undef(a) || first >= maxIdx {
			return nil
		}
		if nelmts > pageN {
			npages := nelmts / pageN
			for p := uint64(0); p < npages; p++ {
				if pageInit != nil && !pageInit(p) {
					continue
				}
				pa := a + dblkPrefix + 4 + p*(pageN*uint64(esz)+4)
				pb, poff, err := f.read(pa, int64(pageN*uint64(esz)), "extensible array data block page")
				if err != nil {
					return err
				}
				for i := uint64(0); i < pageN; i++ {
					if err := emit(pb[i*uint64(esz):(i+1)*uint64(esz)], poff, first+p*pageN+i); err != nil {
						return err
					}
				}
			}
			return nil
		}
		if nelmts*uint64(esz) > uint64(f.size) {
			return errf(off, "extensible array data block of %d elements larger than the file", nelmts)
		}
		b, boff, err := f.read(a, int64(dblkPrefix+nelmts*uint64(esz)), "extensible array data block")
		if err != nil {
			return err
		}
		if string(b[:4]) != "EADB" {
			return errf(boff, "extensible array data block: bad signature")
		}
		for i := uint64(0); i < nelmts; i++ {
			p := dblkPrefix + i*uint64(esz)
			if err := emit(b[p:p+uint64(esz)], boff+int64(p), first+i); err != nil {
				return err
			}
		}
		return nil
	}
	// data blocks referenced from the index block
	u := 0
	for j := uint64(0); j < ndblkAddrs; j++ {
		for u < nsblks && j >= info[u].startDblk+info[u].ndblks {
			u++
		}
		if u >= nsblks {
			break
		}
		first := ibElems + info[u].startIdx + (j-info[u].startDblk)*info[u].dnelmts
		if err := dataBlock(dblkAddrs[j], info[u].dnelmts, first, nil); err != nil {
			return err
		}
	}
	// super blocks
	for s := uint64(0); s < nsblkAddrs; s++ {
		a := sblkAddrs[s]
		u := ibSblks + int(s)
		si := info[u]
		if f.undef(a) || ibElems+si.startIdx >= maxIdx {
			continue
		}
		if si.ndblks*uint64(f.offSize) > uint64(f.size) {
			return errf(off, "extensible array super block larger than the file")
		}
		npages := uint64(0)
		if si.dnelmts > pageN {
			npages = si.dnelmts / pageN
		}
		bitmapLen := (si.ndblks*npages + 7) / 8
		sb, sboff, err := f.read(a, int64(uint64(6+f.offSize+arrOff)+bitmapLen+si.ndblks*uint64(f.offSize)), "extensible array super block")
		if err != nil {
			return err
		}
		sd := f.newDec(sb, sboff, "extensible array super block")
		sd.signature("EASB")
		sd.skip(2 + f.offSize + arrOff)
		bitmap := sd.bytes(int(bitmapLen))
		if sd.err != nil {
			return sd.err
		}
		for k := uint64(0); k < si.ndblks; k++ {
			da := sd.addr()
			if sd.err != nil {
				return sd.err
			}
			first := ibElems + si.startIdx + k*si.dnelmts
			var pageInit func(p uint64) bool
			if npages > 0 {
				kk := k
				pageInit = func(p uint64) bool {
					bit := kk*npages + p
					return bitmap[bit/8]&(0x80>>(bit%8)) != 0
				}
			}
			if err := dataBlock(da, si.dnelmts, first, pageInit); err != nil {
				return err
			}
		}
	}
	return nil
}
