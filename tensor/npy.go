package tensor

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/kerago/kerago/internal/atomicfile"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// This file reads and writes NumPy's .npy and .npz formats
// (numpy/lib/format.py). The reader is written here rather than taken from
// codeberg.org/sbinet/npyio because that package trusts the header (it
// allocates whatever length and shape a header claims and panics on a header
// without a newline) and converts float16 subnormals wrongly; kerago's tests
// use npyio as an independent reader and writer to cross-check this code.

// ErrNpy reports a malformed or unsupported .npy/.npz file.
var ErrNpy = errors.New("tensor: bad npy data")

// npyMagic starts every .npy file.
const npyMagic = "\x93NUMPY"

// maxNpyHeader bounds the header length we accept (numpy's own loader refuses
// headers above 10000 bytes unless told otherwise).
const maxNpyHeader = 1 << 20

// NpzMaxTotal bounds the sum of the uncompressed member sizes ReadNpz accepts
// (16 GiB), so that a small archive cannot make it read without bound.
const NpzMaxTotal = 16 << 30

// npyHeader is the parsed header dictionary.
type npyHeader struct {
	order    binary.ByteOrder // nil for single-byte types
	kind     byte             // 'f', 'i', 'u', 'b'
	size     int              // bytes per element
	fortran  bool
	shape    []int
	n        int // number of elements
	dataSize int64
}

// ReadNpy reads one .npy array from r and converts it to float32.
//
// Accepted element types: float16/32/64, signed and unsigned integers of 1 to
// 8 bytes and bool, little- or big-endian, C or Fortran order (Fortran data is
// reordered to row-major). Object, string, complex and structured arrays are
// rejected. The header's shape is checked against MaxElements, and against
// the remaining size when r is a file or another io.Seeker, before any
// allocation; otherwise the data is read in growing chunks, so a header that
// lies about its size fails at end of input instead of allocating.
func ReadNpy(r io.Reader) (*Tensor, error) {
	remain := int64(-1)
	if s, ok := r.(io.Seeker); ok {
		if cur, err := s.Seek(0, io.SeekCurrent); err == nil {
			if end, err := s.Seek(0, io.SeekEnd); err == nil {
				if _, err := s.Seek(cur, io.SeekStart); err == nil {
					remain = end - cur
				}
			}
		}
	}
	return readNpy(r, remain)
}

// readNpy reads an array; remain is the number of bytes r holds, or -1 when
// unknown.
func readNpy(r io.Reader, remain int64) (*Tensor, error) {
	h, hlen, err := readNpyHeader(r)
	if err != nil {
		return nil, err
	}
	if remain >= 0 && h.dataSize > remain-hlen {
		return nil, fmt.Errorf("%w: header claims shape %v (%d bytes of data) but only %d bytes follow", ErrNpy, h.shape, h.dataSize, remain-hlen)
	}
	raw, err := readBounded(r, h.dataSize)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %d bytes of data for shape %v: %v", ErrNpy, h.dataSize, h.shape, err)
	}
	data := make([]float32, h.n)
	decodeNpy(h, raw, data)
	if h.fortran && len(h.shape) > 1 {
		data = fortranToC(data, h.shape)
	}
	return &Tensor{shape: h.shape, data: data}, nil
}

// readBounded reads exactly n bytes, growing its buffer as data arrives so
// that a wrong n cannot allocate more than twice what the reader delivers.
func readBounded(r io.Reader, n int64) ([]byte, error) {
	const chunk = 1 << 20
	if n <= chunk {
		buf := make([]byte, n)
		_, err := io.ReadFull(r, buf)
		return buf, err
	}
	var buf []byte
	for int64(len(buf)) < n {
		want := min(n-int64(len(buf)), max(chunk, int64(len(buf))))
		start := len(buf)
		buf = append(buf, make([]byte, want)...)
		if _, err := io.ReadFull(r, buf[start:]); err != nil {
			return nil, err
		}
	}
	return buf, nil
}

func readNpyHeader(r io.Reader) (*npyHeader, int64, error) {
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:8]); err != nil {
		return nil, 0, fmt.Errorf("%w: short file: %v", ErrNpy, err)
	}
	if string(pre[:6]) != npyMagic {
		return nil, 0, fmt.Errorf("%w: missing \\x93NUMPY magic", ErrNpy)
	}
	major := pre[6]
	var hlen int
	prefix := int64(10)
	switch major {
	case 1:
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return nil, 0, fmt.Errorf("%w: short header: %v", ErrNpy, err)
		}
		hlen = int(binary.LittleEndian.Uint16(pre[8:10]))
	case 2, 3:
		var l [4]byte
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return nil, 0, fmt.Errorf("%w: short header: %v", ErrNpy, err)
		}
		copy(l[:2], pre[8:10])
		if _, err := io.ReadFull(r, l[2:]); err != nil {
			return nil, 0, fmt.Errorf("%w: short header: %v", ErrNpy, err)
		}
		v := binary.LittleEndian.Uint32(l[:])
		if v > maxNpyHeader {
			return nil, 0, fmt.Errorf("%w: header length %d exceeds %d", ErrNpy, v, maxNpyHeader)
		}
		hlen = int(v)
		prefix = 12
	default:
		return nil, 0, fmt.Errorf("%w: unsupported format version %d.%d", ErrNpy, major, pre[7])
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, 0, fmt.Errorf("%w: header of %d bytes: %v", ErrNpy, hlen, err)
	}
	h, err := parseNpyHeader(string(hdr))
	if err != nil {
		return nil, 0, err
	}
	return h, prefix + int64(hlen), nil
}

// parseNpyHeader parses the Python dict literal numpy writes, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
func parseNpyHeader(s string) (*npyHeader, error) {
	p := &pyLit{s: s}
	v, err := p.parse(0)
	if err != nil {
		return nil, fmt.Errorf("%w: header %q: %v", ErrNpy, clip(s), err)
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("%w: header %q: trailing data", ErrNpy, clip(s))
	}
	d, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: header %q is not a dict", ErrNpy, clip(s))
	}
	descr, ok := d["descr"].(string)
	if !ok {
		return nil, fmt.Errorf("%w: header %q: 'descr' must be a simple type string (structured arrays are not supported)", ErrNpy, clip(s))
	}
	fortran, ok := d["fortran_order"].(bool)
	if !ok {
		return nil, fmt.Errorf("%w: header %q: 'fortran_order' must be True or False", ErrNpy, clip(s))
	}
	tup, ok := d["shape"].([]int)
	if !ok {
		return nil, fmt.Errorf("%w: header %q: 'shape' must be a tuple of integers", ErrNpy, clip(s))
	}
	h := &npyHeader{fortran: fortran, shape: tup}
	if err := h.setDescr(descr); err != nil {
		return nil, err
	}
	n, err := NumElements(tup)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNpy, err)
	}
	h.n = n
	h.dataSize = int64(n) * int64(h.size)
	return h, nil
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}

func (h *npyHeader) setDescr(d string) error {
	if len(d) < 2 {
		return fmt.Errorf("%w: dtype %q not supported", ErrNpy, d)
	}
	bo := d[0]
	rest := d[1:]
	switch bo {
	case '<', '>', '|', '=':
	default:
		// numpy always writes a byte-order character; accept a bare code too.
		bo, rest = '|', d
	}
	if rest == "?" {
		rest = "b1"
	}
	kind := rest[0]
	size, err := strconv.Atoi(rest[1:])
	if err != nil {
		return fmt.Errorf("%w: dtype %q not supported (want float, int, uint or bool)", ErrNpy, d)
	}
	switch {
	case kind == 'f' && (size == 2 || size == 4 || size == 8):
	case (kind == 'i' || kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8):
	case kind == 'b' && size == 1:
	default:
		return fmt.Errorf("%w: dtype %q not supported (want float16/32/64, int, uint or bool)", ErrNpy, d)
	}
	h.kind, h.size = kind, size
	switch bo {
	case '>':
		h.order = binary.BigEndian
	default: // '<', '=' (native: every platform numpy writes from is little-endian in practice), '|'
		h.order = binary.LittleEndian
	}
	return nil
}

func decodeNpy(h *npyHeader, raw []byte, out []float32) {
	bo := h.order
	switch {
	case h.kind == 'f' && h.size == 4:
		for i := range out {
			out[i] = math.Float32frombits(bo.Uint32(raw[4*i:]))
		}
	case h.kind == 'f' && h.size == 8:
		for i := range out {
			out[i] = float32(math.Float64frombits(bo.Uint64(raw[8*i:])))
		}
	case h.kind == 'f' && h.size == 2:
		for i := range out {
			out[i] = Float16ToFloat32(bo.Uint16(raw[2*i:]))
		}
	case h.kind == 'b':
		for i := range out {
			if raw[i] != 0 {
				out[i] = 1
			}
		}
	case h.kind == 'i':
		for i := range out {
			var v int64
			switch h.size {
			case 1:
				v = int64(int8(raw[i]))
			case 2:
				v = int64(int16(bo.Uint16(raw[2*i:])))
			case 4:
				v = int64(int32(bo.Uint32(raw[4*i:])))
			case 8:
				v = int64(bo.Uint64(raw[8*i:]))
			}
			out[i] = float32(v)
		}
	case h.kind == 'u':
		for i := range out {
			var v uint64
			switch h.size {
			case 1:
				v = uint64(raw[i])
			case 2:
				v = uint64(bo.Uint16(raw[2*i:]))
			case 4:
				v = uint64(bo.Uint32(raw[4*i:]))
			case 8:
				v = bo.Uint64(raw[8*i:])
			}
			out[i] = float32(v)
		}
	}
}

// Float16ToFloat32 converts IEEE 754 half-precision bits to float32 exactly,
// including subnormals, infinities and NaN.
func Float16ToFloat32(b uint16) float32 {
	sign := uint32(b>>15) << 31
	exp := uint32(b>>10) & 0x1f
	frac := uint32(b) & 0x3ff
	switch {
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: frac * 2^-24
		v := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	}
}

// fortranToC reorders column-major data to row-major.
func fortranToC(src []float32, shape []int) []float32 {
	dst := make([]float32, len(src))
	if len(src) == 0 {
		return dst
	}
	rank := len(shape)
	fstride := make([]int, rank)
	s := 1
	for k := range rank {
		fstride[k] = s
		s *= shape[k]
	}
	idx := make([]int, rank)
	off := 0
	for i := range dst {
		dst[i] = src[off]
		// advance the C-order index (last axis fastest) and the Fortran offset
		for k := rank - 1; k >= 0; k-- {
			idx[k]++
			off += fstride[k]
			if idx[k] < shape[k] {
				break
			}
			off -= idx[k] * fstride[k]
			idx[k] = 0
		}
	}
	return dst
}

// pyLit parses the tiny Python-literal subset used by .npy headers: dicts,
// strings, True/False/None, integers and tuples/lists.
type pyLit struct {
	s string
	i int
}

func (p *pyLit) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *pyLit) parse(depth int) (any, error) {
	if depth > 8 {
		return nil, errors.New("nested too deeply")
	}
	p.skipSpace()
	if p.i >= len(p.s) {
		return nil, errors.New("unexpected end")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		m := map[string]any{}
		for {
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				return m, nil
			}
			k, err := p.parse(depth + 1)
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, errors.New("dict key is not a string")
			}
			p.skipSpace()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, errors.New("expected ':'")
			}
			p.i++
			v, err := p.parse(depth + 1)
			if err != nil {
				return nil, err
			}
			if _, dup := m[ks]; dup {
				return nil, fmt.Errorf("duplicate key %q", ks)
			}
			m[ks] = v
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				return m, nil
			}
			return nil, errors.New("expected ',' or '}'")
		}
	case c == '(' || c == '[':
		closer := byte(')')
		if c == '[' {
			closer = ']'
		}
		p.i++
		var ints []int
		var other []any
		for {
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == closer {
				p.i++
				if other != nil {
					return other, nil
				}
				if ints == nil {
					ints = []int{}
				}
				return ints, nil
			}
			v, err := p.parse(depth + 1)
			if err != nil {
				return nil, err
			}
			if n, ok := v.(int); ok && other == nil {
				ints = append(ints, n)
			} else {
				if other == nil {
					for _, n := range ints {
						other = append(other, n)
					}
				}
				other = append(other, v)
			}
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == closer {
				continue
			}
			return nil, errors.New("expected ',' or closing bracket")
		}
	case c == '\'' || c == '"':
		p.i++
		start := p.i
		for p.i < len(p.s) && p.s[p.i] != c {
			if p.s[p.i] == '\\' {
				return nil, errors.New("escapes in strings are not supported")
			}
			p.i++
		}
		if p.i >= len(p.s) {
			return nil, errors.New("unterminated string")
		}
		v := p.s[start:p.i]
		p.i++
		return v, nil
	case c >= '0' && c <= '9' || c == '-':
		start := p.i
		p.i++
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		if p.i < len(p.s) && p.s[p.i] == 'L' { // Python 2 long
			n, err := strconv.Atoi(p.s[start:p.i])
			p.i++
			return n, err
		}
		n, err := strconv.Atoi(p.s[start:p.i])
		if err != nil {
			return nil, fmt.Errorf("bad integer %q", p.s[start:p.i])
		}
		return n, nil
	default:
		for _, w := range []struct {
			s string
			v any
		}{{"True", true}, {"False", false}, {"None", nil}} {
			if strings.HasPrefix(p.s[p.i:], w.s) {
				p.i += len(w.s)
				return w.v, nil
			}
		}
		return nil, fmt.Errorf("unexpected %q", c)
	}
}

// LoadNpy reads the .npy file at path (see ReadNpy).
func LoadNpy(path string) (*Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	t, err := readNpy(bufio.NewReaderSize(f, 1<<16), st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// npyHeaderBytes returns the complete .npy v1.0 header for a little-endian
// float32 C-order array, padded with spaces so the data starts on a 64-byte
// boundary as numpy does.
func npyHeaderBytes(shape []int) []byte {
	var sb strings.Builder
	sb.WriteString("{'descr': '<f4', 'fortran_order': False, 'shape': (")
	for i, d := range shape {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		sb.WriteString(",")
	}
	sb.WriteString("), }")
	dict := sb.String()
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	out := make([]byte, 0, total+pad)
	out = append(out, npyMagic...)
	out = append(out, 1, 0)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(dict)+pad+1))
	out = append(out, dict...)
	out = append(out, bytes.Repeat([]byte{' '}, pad)...)
	out = append(out, '\n')
	return out
}

// WriteNpy writes t to w as a little-endian float32 .npy (format 1.0), the
// form np.save writes for a float32 array.
func WriteNpy(w io.Writer, t *Tensor) error {
	if len(t.shape) > 64 {
		return fmt.Errorf("%w: rank %d too large for a .npy header", ErrNpy, len(t.shape))
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.Write(npyHeaderBytes(t.shape)); err != nil {
		return err
	}
	var b [4]byte
	for _, v := range t.data {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		if _, err := bw.Write(b[:]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// SaveNpy writes t to path as .npy atomically: the data goes to a temporary
// file in the same directory that is renamed over path once complete.
func SaveNpy(path string, t *Tensor) error {
	return writeFileAtomic(path, func(w io.Writer) error { return WriteNpy(w, t) })
}

func writeFileAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.WriteFile(path, write)
}

// ReadNpz reads every array of the .npz archive at path (np.savez or
// np.savez_compressed: stored or deflated members). It returns the arrays by
// name (member name without ".npy") and the names in archive order.
//
// Member sizes are checked before reading: each member's declared
// uncompressed size must be consistent with its header, the declared sizes
// may total at most NpzMaxTotal, and no member may inflate past its declared
// size.
func ReadNpz(path string) (map[string]*Tensor, []string, error) {
	return ReadNpzFile(path, NpzMaxTotal)
}

// ReadNpzFile is ReadNpz with the bound of ReadNpzLimit.
func ReadNpzFile(path string, limit int64) (map[string]*Tensor, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	m, names, err := ReadNpzLimit(f, st.Size(), limit)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, names, nil
}

// ReadNpzFrom is ReadNpz for an archive held in r (size bytes long).
func ReadNpzFrom(r io.ReaderAt, size int64) (map[string]*Tensor, []string, error) {
	return ReadNpzLimit(r, size, NpzMaxTotal)
}

// ReadNpzLimit is ReadNpzFrom with a bound of limit bytes (instead of
// NpzMaxTotal) on the sum of the members' uncompressed sizes. As no member
// may inflate past its declared size, the arrays read hold at most limit
// bytes of data (and limit float32 values' worth when converted from
// smaller types, such as float16 or int8, at most 4 times as many bytes).
func ReadNpzLimit(r io.ReaderAt, size, limit int64) (map[string]*Tensor, []string, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: not a zip archive: %v", ErrNpy, err)
	}
	var total uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if total > uint64(limit) || zf.UncompressedSize64 > uint64(limit) {
			return nil, nil, fmt.Errorf("%w: members declare more than %d bytes in total", ErrNpy, limit)
		}
	}
	out := make(map[string]*Tensor, len(zr.File))
	var names []string
	for _, zf := range zr.File {
		if strings.HasSuffix(zf.Name, "/") {
			continue // directory entry
		}
		name := strings.TrimSuffix(zf.Name, ".npy")
		if _, dup := out[name]; dup {
			return nil, nil, fmt.Errorf("%w: member %q appears twice", ErrNpy, zf.Name)
		}
		if zf.Method != zip.Store && zf.Method != zip.Deflate {
			return nil, nil, fmt.Errorf("%w: member %q uses unsupported compression method %d", ErrNpy, zf.Name, zf.Method)
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, nil, fmt.Errorf("%w: member %q: %v", ErrNpy, zf.Name, err)
		}
		declared := int64(zf.UncompressedSize64)
		lr := &io.LimitedReader{R: rc, N: declared}
		br := bufio.NewReaderSize(lr, 1<<16)
		t, err := readNpy(br, declared)
		if left := lr.N + int64(br.Buffered()); err == nil && left != 0 {
			err = fmt.Errorf("%d bytes of trailing data after the array", left)
		}
		if err == nil {
			// Reading to EOF lets archive/zip verify the CRC and that the
			// member does not inflate past its declared size.
			var one [1]byte
			if n, rerr := rc.Read(one[:]); n != 0 {
				err = fmt.Errorf("member inflates past its declared size %d", declared)
			} else if rerr != nil && rerr != io.EOF {
				err = rerr
			}
		}
		rc.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("member %q: %w", zf.Name, wrapNpy(err))
		}
		out[name] = t
		names = append(names, name)
	}
	return out, names, nil
}

func wrapNpy(err error) error {
	if errors.Is(err, ErrNpy) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrNpy, err)
}

// WriteNpz writes tensors to w as an uncompressed .npz (as np.savez does),
// member i named names[i]+".npy". Names must be distinct.
func WriteNpz(w io.Writer, names []string, tensors []*Tensor) error {
	if len(names) != len(tensors) {
		return fmt.Errorf("tensor: WriteNpz: %d names for %d tensors", len(names), len(tensors))
	}
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" || seen[n] {
			return fmt.Errorf("tensor: WriteNpz: empty or duplicate name %q", n)
		}
		seen[n] = true
	}
	zw := zip.NewWriter(w)
	for i, t := range tensors {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: names[i] + ".npy", Method: zip.Store})
		if err != nil {
			return err
		}
		if err := WriteNpy(fw, t); err != nil {
			return err
		}
	}
	return zw.Close()
}

// SaveNpz writes an .npz to path atomically (see WriteNpz).
func SaveNpz(path string, names []string, tensors []*Tensor) error {
	return writeFileAtomic(path, func(w io.Writer) error { return WriteNpz(w, names, tensors) })
}
