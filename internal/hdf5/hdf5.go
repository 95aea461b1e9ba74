// Package hdf5 reads and writes the subset of HDF5 that Keras and h5py use for
// model files.
//
// The reader is modelled on debug/elf and archive/zip: it works over an
// io.ReaderAt, parses lazily (Open reads only the superblock), checks every
// offset and length against the file size, never panics on malformed input,
// bounds every allocation by the file size (a header claiming 10^12 elements
// is an error, not an allocation) and returns a *FormatError naming the file
// offset of the problem. It understands:
//
//   - superblock versions 0-3 (also behind a user block), object header
//     versions 1 and 2 with continuation blocks (cycle-checked);
//   - old-style groups (symbol table, v1 B-tree, local heap) and new-style
//     groups (link messages, or dense links in a fractal heap indexed by a v2
//     B-tree), hard links and soft links (external links are reported);
//   - compact and dense attribute storage, including huge dense attributes;
//   - integer (1-8 bytes, either sign and byte order), IEEE float 16/32/64
//     (either byte order; float16 is converted), fixed-length and
//     variable-length strings, h5py bools and other enums, array types;
//   - scalar, simple (any rank, zero-size dimensions) and null dataspaces;
//   - compact, contiguous and chunked layouts with every libhdf5 1.10 chunk
//     index (v1 B-tree; single chunk, implicit, fixed array, extensible array,
//     v2 B-tree) and the deflate, shuffle and fletcher32 filters, fill values.
//
// Not supported (clear errors wrapping ErrUnsupported): shared/committed
// object header messages, external data files and links, virtual datasets,
// szip/n-bit/scale-offset and third-party filters, filtered fractal heaps,
// VAX floats. Chunked datasets may consist of missing (fill-value) chunks for
// at most 64 MiB beyond what their stored chunks decode to, and a contiguous
// dataset that was never written reads as at most 64 MiB of fill value.
//
// The Writer produces files with a version 0 superblock, old-style groups
// (any number of members) and contiguous datasets — the layout h5py writes
// with libver="earliest" — readable by every h5py/libhdf5 version.
package hdf5

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// ErrNotFound is returned (wrapped) when a group member or attribute does not exist.
var ErrNotFound = errors.New("hdf5: not found")

// ErrTruncated is wrapped by the error for a file shorter than the
// end-of-file address its superblock records.
var ErrTruncated = errors.New("hdf5: truncated file")

// ErrUnsupported is wrapped by errors about valid HDF5 features this package does not implement.
var ErrUnsupported = errors.New("hdf5: unsupported feature")

// FormatError reports malformed or unsupported HDF5 content at a file offset.
type FormatError struct {
	Offset int64  // absolute file offset where the problem was detected
	Msg    string // description of the problem
	Err    error  // optional underlying error, e.g. ErrUnsupported
}

// Error formats the error as "hdf5: <msg> at offset 0x...".
func (e *FormatError) Error() string {
	s := fmt.Sprintf("hdf5: %s at offset 0x%x", e.Msg, e.Offset)
	if e.Err != nil && e.Err != ErrUnsupported && e.Err != ErrTruncated {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error, if any.
func (e *FormatError) Unwrap() error { return e.Err }

func errf(off int64, format string, args ...any) error {
	return &FormatError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func unsupported(off int64, format string, args ...any) error {
	return &FormatError{Offset: off, Msg: "unsupported " + fmt.Sprintf(format, args...), Err: ErrUnsupported}
}

// withPath prefixes the message of a *FormatError with an object path.
func withPath(path string, err error) error {
	var fe *FormatError
	if errors.As(err, &fe) && err == error(fe) {
		return &FormatError{Offset: fe.Offset, Msg: path + ": " + fe.Msg, Err: fe.Err}
	}
	return err
}

// Kind tells whether a group member is a group, a dataset or something else.
type Kind int

const (
	// KindOther is a committed datatype, an unresolvable link or an unknown object.
	KindOther Kind = iota
	// KindGroup is a group.
	KindGroup
	// KindDataset is a dataset.
	KindDataset
)

// String returns "group", "dataset" or "other".
func (k Kind) String() string {
	switch k {
	case KindGroup:
		return "group"
	case KindDataset:
		return "dataset"
	}
	return "other"
}

// Limits protecting against hostile files.
const (
	maxHeaderBytes   = 64 << 20 // total bytes of one object header (all chunks)
	maxHeaderChunks  = 4096     // chunks (continuations) of one object header
	maxLinkHops      = 32       // soft-link resolutions per lookup
	maxTreeDepth     = 64       // B-tree depth
	maxRank          = 32       // dataspace rank (HDF5's own limit)
	maxTypeNesting   = 16       // nested datatypes (arrays of vlen of ...)
	maxDataBytes     = 1 << 34  // bytes of one dataset read (16 GiB)
	gheapCacheBudget = 64 << 20 // bytes of parsed global heap collections kept per file
	hdrCacheBudget   = 32 << 20 // bytes of parsed object headers kept per file
	linkCacheBudget  = 32 << 20 // bytes of parsed group link tables kept per file
)

// File is an open HDF5 file. Its methods are safe for concurrent use.
type File struct {
	r      io.ReaderAt
	closer io.Closer
	size   int64 // bytes readable through r
	base   int64 // absolute offset of the base address (superblock position)

	sbVersion int
	offSize   int // size of file addresses in bytes
	lenSize   int // size of lengths in bytes
	rootAddr  uint64
	eofAddr   uint64 // end-of-file address the superblock records

	mu         sync.Mutex
	gheaps     map[uint64]*globalHeap
	gheapBytes int64
	hdrs       map[uint64]*objHeader
	hdrBytes   int64
	linkTabs   map[uint64]*linkTable
	linkBytes  int64
}

// Open opens the named HDF5 file. Only the superblock is read; everything else
// is parsed on demand. The caller must Close the file.
func Open(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, err
	}
	f, err := NewFile(&pageReader{r: fh, size: st.Size()}, st.Size())
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.closer = fh
	return f, nil
}

// NewFile reads an HDF5 file of the given size from r. The caller keeps r open
// while the File is used.
func NewFile(r io.ReaderAt, size int64) (*File, error) {
	if size < 0 {
		return nil, errf(0, "negative file size")
	}
	f := &File{r: r, size: size}
	if err := f.readSuperblock(); err != nil {
		return nil, err
	}
	return f, nil
}

// Close closes the underlying file if the File was created by Open.
func (f *File) Close() error {
	if f.closer != nil {
		err := f.closer.Close()
		f.closer = nil
		return err
	}
	return nil
}

// Root returns the root group "/".
func (f *File) Root() *Group {
	return &Group{f: f, path: "/", addr: f.rootAddr}
}

// EndOfFile reports the end-of-file address the superblock records (the
// file's length as libhdf5 wrote it), or -1 when it is undefined.
func (f *File) EndOfFile() int64 {
	if f.undef(f.eofAddr) || f.eofAddr > 1<<62 {
		return -1
	}
	return int64(f.eofAddr)
}

// SuperblockVersion reports the version of the file's superblock (0 to 3).
func (f *File) SuperblockVersion() int { return f.sbVersion }
