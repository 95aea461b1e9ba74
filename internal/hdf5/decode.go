package hdf5

import (
	"encoding/binary"
	"io"
)

// undef reports whether a decoded address is HDF5's "undefined address" (all bits set).
func (f *File) undef(a uint64) bool {
	if f.offSize >= 8 {
		return a == ^uint64(0)
	}
	return a == (uint64(1)<<(8*uint(f.offSize)))-1
}

// abs converts a file address (relative to the base address) to an absolute
// offset, checking that n bytes starting there lie inside the file.
func (f *File) abs(addr uint64, n int64, what string) (int64, error) {
	if f.undef(addr) {
		return 0, errf(0, "%s: undefined address", what)
	}
	if n < 0 || addr > uint64(f.size) {
		return 0, errf(int64(min(addr, uint64(1<<62))), "%s: address 0x%x beyond end of file (size %d)", what, addr, f.size)
	}
	off := f.base + int64(addr)
	if off < 0 || off > f.size || n > f.size-off {
		return 0, errf(off, "%s: %d bytes at address 0x%x extend beyond end of file (size %d)", what, n, addr, f.size)
	}
	return off, nil
}

// read reads n bytes at file address addr.
func (f *File) read(addr uint64, n int64, what string) ([]byte, int64, error) {
	off, err := f.abs(addr, n, what)
	if err != nil {
		return nil, 0, err
	}
	b := make([]byte, n)
	if err := f.readFull(b, off, what); err != nil {
		return nil, 0, err
	}
	return b, off, nil
}

func (f *File) readFull(b []byte, off int64, what string) error {
	n, err := f.r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return &FormatError{Offset: off, Msg: "reading " + what, Err: err}
}

// dec is a bounds-checked little-endian decoder over a byte slice with a sticky error.
type dec struct {
	f   *File
	b   []byte
	pos int
	off int64 // absolute file offset of b[0]
	err error
	ctx string
}

func (f *File) newDec(b []byte, off int64, ctx string) *dec {
	return &dec{f: f, b: b, off: off, ctx: ctx}
}

func (d *dec) at() int64 { return d.off + int64(d.pos) }

func (d *dec) fail(n int) {
	if d.err == nil {
		d.err = errf(d.at(), "%s: truncated (need %d bytes, have %d)", d.ctx, n, len(d.b)-d.pos)
	}
	d.pos = len(d.b)
}

func (d *dec) remaining() int { return len(d.b) - d.pos }

func (d *dec) bytes(n int) []byte {
	if n < 0 || n > len(d.b)-d.pos {
		d.fail(n)
		return nil
	}
	b := d.b[d.pos : d.pos+n]
	d.pos += n
	return b
}

func (d *dec) skip(n int) { d.bytes(n) }

func (d *dec) u8() uint8 {
	b := d.bytes(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func (d *dec) u16() uint16 {
	b := d.bytes(2)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint16(b)
}

func (d *dec) u32() uint32 {
	b := d.bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (d *dec) u64() uint64 {
	b := d.bytes(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

// uN decodes an n-byte little-endian unsigned integer (n <= 8).
func (d *dec) uN(n int) uint64 {
	if n > 8 {
		d.skip(n)
		if d.err == nil {
			d.err = errf(d.at(), "%s: %d-byte integer field too wide", d.ctx, n)
		}
		return 0
	}
	b := d.bytes(n)
	return leUint(b)
}

func leUint(b []byte) uint64 {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

func (d *dec) addr() uint64   { return d.uN(d.f.offSize) }
func (d *dec) length() uint64 { return d.uN(d.f.lenSize) }

// signature checks a 4-byte magic.
func (d *dec) signature(sig string) {
	at := d.at()
	b := d.bytes(4)
	if d.err == nil && string(b) != sig {
		d.err = errf(at, "%s: bad signature %q, want %q", d.ctx, b, sig)
	}
}

// cstring reads a NUL-terminated string from b starting at i.
func cstring(b []byte, i int) (string, bool) {
	if i < 0 || i > len(b) {
		return "", false
	}
	for j := i; j < len(b); j++ {
		if b[j] == 0 {
			return string(b[i:j]), true
		}
	}
	return "", false
}

// mulCheck multiplies non-negative values, reporting overflow beyond limit.
func mulCheck(a, b, limit uint64) (uint64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	if a > limit/b {
		return 0, false
	}
	return a * b, true
}

// bytesFor returns how many bytes are needed to encode v (at least 1).
func bytesFor(v uint64) int {
	n := 1
	for v >>= 8; v != 0; v >>= 8 {
		n++
	}
	return n
}

// log2floor returns floor(log2(v)) for v > 0, and 0 for v == 0.
func log2floor(v uint64) int {
	n := 0
	for v > 1 {
		v >>= 1
		n++
	}
	return n
}
