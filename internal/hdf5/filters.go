package hdf5

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
)

// Filter identifiers.
const (
	filterDeflate    = 1
	filterShuffle    = 2
	filterFletcher32 = 3
)

type filter struct {
	id     uint16
	flags  uint16
	name   string
	params []uint32
}

// parseFilters decodes a filter pipeline message.
func (f *File) parseFilters(b []byte, off int64) ([]filter, error) {
	d := f.newDec(b, off, "filter pipeline message")
	ver := d.u8()
	n := int(d.u8())
	if d.err != nil {
		return nil, d.err
	}
	if ver != 1 && ver != 2 {
		return nil, unsupported(off, "filter pipeline version %d", ver)
	}
	if ver == 1 {
		d.skip(6)
	}
	if n > 32 {
		return nil, errf(off, "filter pipeline with %d filters", n)
	}
	var out []filter
	for i := 0; i < n; i++ {
		var fl filter
		fl.id = d.u16()
		nameLen := 0
		if ver == 1 || fl.id >= 256 {
			nameLen = int(d.u16())
		}
		fl.flags = d.u16()
		nv := int(d.u16())
		if ver == 1 {
			nameLen = (nameLen + 7) &^ 7
		}
		if nameLen > 0 {
			nb := d.bytes(nameLen)
			if i := bytes.IndexByte(nb, 0); i >= 0 {
				nb = nb[:i]
			}
			fl.name = string(nb)
		}
		if nv > d.remaining()/4 {
			if d.err != nil {
				return nil, d.err
			}
			return nil, errf(d.at(), "filter %d claims %d parameters", fl.id, nv)
		}
		for j := 0; j < nv; j++ {
			fl.params = append(fl.params, d.u32())
		}
		if ver == 1 && nv%2 == 1 {
			d.skip(4)
		}
		if d.err != nil {
			return nil, d.err
		}
		switch fl.id {
		case filterDeflate, filterShuffle, filterFletcher32:
		default:
			if fl.flags&1 == 0 {
				return nil, unsupported(off, "filter %d (%s)", fl.id, fl.name)
			}
		}
		out = append(out, fl)
	}
	return out, nil
}

// unfilter undoes the filter pipeline for one chunk. want is the expected
// decoded size; mask has bit i set when filter i was skipped for this chunk.
func unfilter(filters []filter, mask uint32, data []byte, want int, elemSize int, off int64, zr *io.ReadCloser) ([]byte, error) {
	for i := len(filters) - 1; i >= 0; i-- {
		if i < 32 && mask&(1<<uint(i)) != 0 {
			continue
		}
		fl := filters[i]
		switch fl.id {
		case filterDeflate:
			var err error
			if *zr == nil {
				*zr, err = zlib.NewReader(bytes.NewReader(data))
			} else {
				err = (*zr).(zlib.Resetter).Reset(bytes.NewReader(data), nil)
			}
			if err != nil {
				return nil, &FormatError{Offset: off, Msg: "deflate chunk", Err: err}
			}
			out := make([]byte, want+1)
			n, err := io.ReadFull(*zr, out)
			if err != io.ErrUnexpectedEOF && err != nil {
				return nil, &FormatError{Offset: off, Msg: "deflate chunk", Err: err}
			}
			if n > want {
				return nil, errf(off, "deflated chunk expands beyond %d bytes", want)
			}
			data = out[:n]
		case filterShuffle:
			es := elemSize
			if len(fl.params) > 0 {
				es = int(fl.params[0])
			}
			data = unshuffle(data, es)
		case filterFletcher32:
			if len(data) < 4 {
				return nil, errf(off, "fletcher32 chunk shorter than its checksum")
			}
			body := data[:len(data)-4]
			stored := binary.LittleEndian.Uint32(data[len(data)-4:])
			sum := fletcher32(body)
			// libhdf5 before 1.6.3 stored the checksum byte-swapped; accept both.
			swapped := sum>>24 | (sum>>8)&0xff00 | (sum<<8)&0xff0000 | sum<<24
			if stored != sum && stored != swapped {
				return nil, errf(off, "fletcher32 checksum mismatch (stored 0x%08x, computed 0x%08x)", stored, sum)
			}
			data = body
		default:
			return nil, unsupported(off, "filter %d (%s) applied to chunk", fl.id, fl.name)
		}
	}
	return data, nil
}

func unshuffle(b []byte, es int) []byte {
	if es <= 1 || len(b) < es {
		return b
	}
	n := len(b) / es
	out := make([]byte, len(b))
	for j := 0; j < es; j++ {
		src := b[j*n : (j+1)*n]
		for i, c := range src {
			out[i*es+j] = c
		}
	}
	copy(out[n*es:], b[n*es:])
	return out
}

// fletcher32 is libhdf5's H5_checksum_fletcher32.
func fletcher32(data []byte) uint32 {
	var sum1, sum2 uint32
	n := len(data) / 2
	p := 0
	for n > 0 {
		t := n
		if t > 360 {
			t = 360
		}
		n -= t
		for ; t > 0; t-- {
			sum1 += uint32(data[p])<<8 | uint32(data[p+1])
			p += 2
			sum2 += sum1
		}
		sum1 = (sum1 & 0xffff) + (sum1 >> 16)
		sum2 = (sum2 & 0xffff) + (sum2 >> 16)
	}
	if len(data)%2 == 1 {
		sum1 += uint32(data[p]) << 8
		sum2 += sum1
		sum1 = (sum1 & 0xffff) + (sum1 >> 16)
		sum2 = (sum2 & 0xffff) + (sum2 >> 16)
	}
	sum1 = (sum1 & 0xffff) + (sum1 >> 16)
	sum2 = (sum2 & 0xffff) + (sum2 >> 16)
	return sum2<<16 | sum1
}
