package kerabeam

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
)

// Beam encodes elements between workers and stages. Sample, Prediction and
// DeadLetter get compact binary coders (a version byte, then lengths as
// uvarints, float32s little-endian, token ids as zigzag varints): Beam's
// default schema coder would go through reflection value by value.
func init() {
	beam.RegisterCoder(reflect.TypeOf(Sample{}), encodeSample, decodeSample)
	beam.RegisterCoder(reflect.TypeOf(Prediction{}), encodePrediction, decodePrediction)
	beam.RegisterCoder(reflect.TypeOf(DeadLetter{}), encodeDeadLetter, decodeDeadLetter)
}

// coderVersion leads every encoding, so that later forms (named inputs) can
// be told apart.
const coderVersion = 0

// errCoder is wrapped by every decoding error.
var errCoder = errors.New("kerabeam: bad encoded element")

func encodeSample(s Sample) []byte {
	b := make([]byte, 0, 1+2*binary.MaxVarintLen64+4*len(s.Floats)+2*len(s.Tokens))
	return appendSample(append(b, coderVersion), s)
}

func decodeSample(b []byte) (Sample, error) {
	d := decoder{b: b}
	d.version("Sample")
	s := d.sample()
	return s, d.done("Sample")
}

func encodePrediction(p Prediction) []byte {
	b := make([]byte, 0, 1+binary.MaxVarintLen64+4*len(p.Values))
	return appendFloats(append(b, coderVersion), p.Values)
}

func decodePrediction(b []byte) (Prediction, error) {
	d := decoder{b: b}
	d.version("Prediction")
	p := Prediction{Values: d.floats()}
	return p, d.done("Prediction")
}

func encodeDeadLetter(l DeadLetter) []byte {
	b := appendSample([]byte{coderVersion}, l.Sample)
	b = binary.AppendUvarint(b, uint64(len(l.Reason)))
	return append(b, l.Reason...)
}

func decodeDeadLetter(b []byte) (DeadLetter, error) {
	d := decoder{b: b}
	d.version("DeadLetter")
	l := DeadLetter{Sample: d.sample(), Reason: string(d.bytes(1))}
	return l, d.done("DeadLetter")
}

func appendSample(b []byte, s Sample) []byte {
	b = appendFloats(b, s.Floats)
	b = binary.AppendUvarint(b, uint64(len(s.Tokens)))
	for _, id := range s.Tokens {
		b = binary.AppendVarint(b, id)
	}
	return b
}

func appendFloats(b []byte, v []float32) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	for _, f := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	return b
}

// decoder reads an encoding, keeping the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{errCoder}, args...)...)
	}
}

func (d *decoder) version(what string) {
	if len(d.b) == 0 || d.b[0] != coderVersion {
		d.fail("%s: missing or unknown version byte", what)
		return
	}
	d.b = d.b[1:]
}

// length reads a count of items of size bytes each (at least 1), checking
// that they fit in what is left.
func (d *decoder) length(size int) int {
	if d.err != nil {
		return 0
	}
	n, k := binary.Uvarint(d.b)
	if k <= 0 || n > uint64(len(d.b)-k)/uint64(size) {
		d.fail("length %d does not fit in %d bytes", n, len(d.b))
		return 0
	}
	d.b = d.b[k:]
	return int(n)
}

func (d *decoder) bytes(size int) []byte {
	n := d.length(size)
	out := d.b[:n*size]
	d.b = d.b[n*size:]
	return out
}

func (d *decoder) floats() []float32 {
	raw := d.bytes(4)
	if len(raw) == 0 {
		return nil
	}
	v := make([]float32, len(raw)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return v
}

func (d *decoder) sample() Sample {
	s := Sample{Floats: d.floats()}
	n := d.length(1)
	if n == 0 {
		return s
	}
	s.Tokens = make([]int64, n)
	for i := range s.Tokens {
		id, k := binary.Varint(d.b)
		if k <= 0 {
			d.fail("token id %d of %d is cut short", i, n)
			return s
		}
		s.Tokens[i], d.b = id, d.b[k:]
	}
	return s
}

func (d *decoder) done(what string) error {
	if d.err == nil && len(d.b) != 0 {
		d.fail("%s: %d trailing bytes", what, len(d.b))
	}
	return d.err
}
