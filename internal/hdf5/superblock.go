package hdf5

import "fmt"

var hdf5Magic = []byte{0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'}

// readSuperblock locates the superblock (at 0, 512, 1024, 2048, ...) and decodes it.
func (f *File) readSuperblock() error {
	var sbOff int64 = -1
	var sig [8]byte
	for off := int64(0); off+8 <= f.size; {
		if err := f.readFull(sig[:], off, "superblock signature"); err != nil {
			return err
		}
		if string(sig[:]) == string(hdf5Magic) {
			sbOff = off
			break
		}
		if off == 0 {
			off = 512
		} else {
			off *= 2
		}
	}
	if sbOff < 0 {
		return errf(0, "not an HDF5 file (no superblock signature found)")
	}
	f.base = sbOff
	n := int64(96)
	if f.size-sbOff < n {
		n = f.size - sbOff
	}
	b := make([]byte, n)
	if err := f.readFull(b, sbOff, "superblock"); err != nil {
		return err
	}
	d := f.newDec(b, sbOff, "superblock")
	d.skip(8)
	f.sbVersion = int(d.u8())
	switch f.sbVersion {
	case 0, 1:
		d.u8() // free-space version
		d.u8() // root group symbol table entry version
		d.u8()
		d.u8() // shared header message format version
		f.offSize = int(d.u8())
		f.lenSize = int(d.u8())
		d.u8()
		if err := f.checkSizes(sbOff); err != nil {
			return err
		}
		d.u16() // group leaf node K
		d.u16() // group internal node K
		d.u32() // file consistency flags
		if f.sbVersion == 1 {
			d.u16() // indexed storage internal node K
			d.u16()
		}
		d.addr() // base address (the superblock position is used instead, like libhdf5)
		d.addr() // global free-space index
		f.eofAddr = d.addr()
		d.addr() // driver information block
		// root group symbol table entry
		d.addr() // link name offset
		f.rootAddr = d.addr()
	case 2, 3:
		f.offSize = int(d.u8())
		f.lenSize = int(d.u8())
		d.u8() // consistency flags
		if err := f.checkSizes(sbOff); err != nil {
			return err
		}
		d.addr() // base address
		d.addr() // superblock extension
		f.eofAddr = d.addr()
		f.rootAddr = d.addr()
		d.u32() // checksum
	default:
		return unsupported(sbOff+8, "superblock version %d", f.sbVersion)
	}
	if d.err != nil {
		return d.err
	}
	if f.undef(f.rootAddr) {
		return errf(sbOff, "superblock: undefined root group address")
	}
	return f.checkTruncated(sbOff)
}

// checkTruncated refuses a file shorter than the end-of-file address its
// superblock records, as libhdf5 does ("truncated file"): such a file was cut
// short (a partial copy or download), and whatever it still holds cannot be
// trusted to be complete.
func (f *File) checkTruncated(sbOff int64) error {
	if f.undef(f.eofAddr) {
		return nil
	}
	// Like libhdf5 (H5F__super_read), the stored address counts from the
	// start of the file, user block included.
	if f.eofAddr > uint64(f.size) {
		return &FormatError{Offset: sbOff, Msg: fmt.Sprintf("truncated file: the superblock records %d bytes, the file has %d", f.eofAddr, f.size), Err: ErrTruncated}
	}
	return nil
}

func (f *File) checkSizes(off int64) error {
	ok := func(n int) bool { return n == 2 || n == 4 || n == 8 }
	if !ok(f.offSize) || !ok(f.lenSize) {
		return errf(off, "superblock: bad size of offsets %d / lengths %d", f.offSize, f.lenSize)
	}
	return nil
}
