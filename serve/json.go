package serve

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/kerago/kerago/tensor"
)

// maxJSONDepth bounds the nesting of a request body so that a hostile body of
// a million '[' cannot exhaust the stack.
const maxJSONDepth = 64

// maxFloat32Int is the largest integer a float32 holds exactly (2^24 - 1):
// TensorFlow Serving rejects larger JSON integers for DT_FLOAT inputs as lossy.
const maxFloat32Int = 1<<24 - 1

// scanner reads JSON (RFC 8259) from a byte slice. Like TensorFlow Serving's
// parser it also accepts the tokens NaN, Infinity and -Infinity, so that such
// values reach input validation and are reported as non-finite inputs rather
// than as parse errors.
type scanner struct {
	b     []byte
	i     int
	depth int
}

// parseError is a syntax error in a request body.
type parseError struct {
	off int
	msg string
}

func (e *parseError) Error() string {
	return fmt.Sprintf("JSON Parse error: %s at offset: %d", e.msg, e.off)
}

func (s *scanner) fail(format string, args ...any) error {
	return &parseError{off: s.i, msg: fmt.Sprintf(format, args...)}
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end of input.
func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) enter() error {
	s.depth++
	if s.depth > maxJSONDepth {
		return s.fail("nesting deeper than %d levels", maxJSONDepth)
	}
	return nil
}

// skipValue checks the syntax of one value and moves past it.
func (s *scanner) skipValue() error {
	switch c := s.peek(); c {
	case 0:
		return s.fail("unexpected end of input, want a value")
	case '{':
		return s.object(func(string) error { return s.skipValue() })
	case '[':
		return s.array(func(int) error { return s.skipValue() })
	case '"':
		return s.skipString()
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		_, _, err := s.number()
		return err
	}
}

func (s *scanner) literal(word string) error {
	if !strings.HasPrefix(string(s.b[s.i:min(len(s.b), s.i+len(word))]), word) {
		return s.fail("invalid value")
	}
	s.i += len(word)
	return nil
}

// object reads an object, calling member with s positioned at each value;
// member must consume the value.
func (s *scanner) object(member func(key string) error) error {
	if s.peek() != '{' {
		return s.fail("want an object")
	}
	s.i++
	if err := s.enter(); err != nil {
		return err
	}
	if s.peek() == '}' {
		s.i++
		s.depth--
		return nil
	}
	for {
		if s.peek() != '"' {
			return s.fail("missing a name for object member")
		}
		key, err := s.str()
		if err != nil {
			return err
		}
		if s.peek() != ':' {
			return s.fail("missing a colon after a name of object member")
		}
		s.i++
		if err := member(key); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			s.depth--
			return nil
		default:
			return s.fail("missing a comma or '}' after an object member")
		}
	}
}

// array reads a list, calling elem with s positioned at element i; elem must
// consume the element.
func (s *scanner) array(elem func(i int) error) error {
	if s.peek() != '[' {
		return s.fail("want a list")
	}
	s.i++
	if err := s.enter(); err != nil {
		return err
	}
	if s.peek() == ']' {
		s.i++
		s.depth--
		return nil
	}
	for n := 0; ; n++ {
		if err := elem(n); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			s.depth--
			return nil
		default:
			return s.fail("missing a comma or ']' after a list element")
		}
	}
}

func (s *scanner) skipString() error {
	start := s.i
	s.i++ // opening quote
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			if !utf8.Valid(s.b[start:s.i]) {
				s.i = start
				return s.fail("invalid UTF-8 in string")
			}
			return nil
		case c == '\\':
			if s.i+1 >= len(s.b) {
				s.i++
				return s.fail("unterminated string")
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) {
					return s.fail("incomplete \\u escape in string")
				}
				for _, h := range s.b[s.i+2 : s.i+6] {
					if !isHex(h) {
						return s.fail("invalid \\u escape in string")
					}
				}
				s.i += 6
			default:
				return s.fail("invalid escape in string")
			}
		case c < 0x20:
			return s.fail("invalid control character in string")
		default:
			s.i++
		}
	}
	return s.fail("unterminated string")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// str reads a string and returns its decoded value.
func (s *scanner) str() (string, error) {
	start := s.i
	if err := s.skipString(); err != nil {
		return "", err
	}
	raw := s.b[start+1 : s.i-1]
	if !strings.ContainsRune(string(raw), '\\') {
		return string(raw), nil
	}
	return unescape(raw), nil
}

// unescape decodes the escapes of a string body that skipString accepted.
// Unpaired surrogates become U+FFFD, as in encoding/json.
func unescape(raw []byte) string {
	var sb strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			sb.WriteByte(c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'u':
			r := rune(hex4(raw[i+1 : i+5]))
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					r2 = rune(hex4(raw[i+3 : i+7]))
				}
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					r = d
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			sb.WriteRune(r)
		default: // '"', '\\', '/'
			sb.WriteByte(raw[i])
		}
	}
	return sb.String()
}

func hex4(b []byte) int {
	v := 0
	for _, c := range b {
		v <<= 4
		switch {
		case c >= 'a':
			v |= int(c-'a') + 10
		case c >= 'A':
			v |= int(c-'A') + 10
		default:
			v |= int(c - '0')
		}
	}
	return v
}

// numKind says how a number token was written.
type numKind int

const (
	numInteger numKind = iota // -?[0-9]+
	numDecimal                // with a fraction or an exponent
	numSpecial                // NaN, Infinity, -Infinity
)

// number reads a number token (JSON grammar, or NaN/Infinity/-Infinity).
func (s *scanner) number() (float64, numKind, error) {
	s.ws()
	start := s.i
	b := s.b
	i := s.i
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	rest := b[i:]
	switch {
	case !neg && hasWord(rest, "NaN"):
		s.i = i + 3
		return math.NaN(), numSpecial, nil
	case hasWord(rest, "Infinity"):
		s.i = i + 8
		if neg {
			return math.Inf(-1), numSpecial, nil
		}
		return math.Inf(1), numSpecial, nil
	}
	kind := numInteger
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	default:
		return 0, 0, s.fail("invalid value")
	}
	if i < len(b) && b[i] == '.' {
		kind = numDecimal
		i++
		d := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		if i == d {
			s.i = i
			return 0, 0, s.fail("missing digits after the decimal point")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		kind = numDecimal
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		if i == d {
			s.i = i
			return 0, 0, s.fail("missing digits in the exponent")
		}
	}
	v, err := strconv.ParseFloat(string(b[start:i]), 64)
	if err != nil && !isRangeErr(err) {
		return 0, 0, s.fail("invalid number")
	}
	s.i = i
	return v, kind, nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// hasWord reports whether b starts with word not followed by a name character.
func hasWord(b []byte, word string) bool {
	if len(b) < len(word) || string(b[:len(word)]) != word {
		return false
	}
	if len(b) > len(word) {
		c := b[len(word)]
		return !(c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z')
	}
	return true
}

// jsonTypeName names the JSON type of the value starting at b[i], in
// TensorFlow Serving's words.
func jsonTypeName(c byte) string {
	switch c {
	case '{':
		return "Object"
	case '[':
		return "Array"
	case '"':
		return "String"
	case 't':
		return "True"
	case 'f':
		return "False"
	case 'n':
		return "Null"
	default:
		return "Number"
	}
}

// excerpt returns the JSON text of the value at s.i (moving past it), cut to
// a readable length, for error messages.
func (s *scanner) excerpt() string {
	start := s.i
	if err := s.skipValue(); err != nil {
		s.i = start + 1
	}
	text := string(s.b[start:s.i])
	if len(text) > 40 {
		text = text[:37] + "..."
	}
	return text
}

// predictBody is the top level of a predict request.
type predictBody struct {
	signature string
	instances []byte // raw JSON of "instances", nil when absent
	inputs    []byte // raw JSON of "inputs", nil when absent
}

// parsePredictBody checks the syntax of the whole body and picks out the keys
// of a predict request. Unknown keys are ignored, as TensorFlow Serving does.
func parsePredictBody(b []byte) (*predictBody, *apiError) {
	s := &scanner{b: b}
	if s.peek() == 0 {
		return nil, errInvalidJSON("JSON Parse error: The document is empty")
	}
	if s.peek() != '{' {
		return nil, errInvalidJSON(fmt.Sprintf("the request body must be a JSON object, got %s", jsonTypeName(s.peek())))
	}
	var body predictBody
	err := s.object(func(key string) error {
		s.ws()
		start := s.i
		switch key {
		case "signature_name":
			if s.peek() != '"' {
				if err := s.skipValue(); err != nil {
					return err
				}
				return &apiError{code: 400, reason: reasonInvalidRequest, msg: "'signature_name' key must be a string value"}
			}
			v, err := s.str()
			body.signature = v
			return err
		case "instances", "inputs":
			if err := s.skipValue(); err != nil {
				return err
			}
			raw := s.b[start:s.i]
			if key == "instances" {
				body.instances = raw
			} else {
				body.inputs = raw
			}
			return nil
		default:
			return s.skipValue()
		}
	})
	if err != nil {
		if ae, ok := err.(*apiError); ok {
			return nil, ae
		}
		return nil, errInvalidJSON(err.Error())
	}
	if s.peek() != 0 {
		return nil, errInvalidJSON((&parseError{off: s.i, msg: "the document root must not be followed by other values"}).Error())
	}
	switch {
	case body.instances != nil && body.inputs != nil:
		return nil, &apiError{code: 400, reason: reasonInvalidRequest, msg: "request must have only one of 'inputs' or 'instances' keys, not both"}
	case body.instances == nil && body.inputs == nil:
		return nil, &apiError{code: 400, reason: reasonInvalidRequest, msg: "Missing 'inputs' or 'instances' key"}
	}
	return &body, nil
}

// inputSpec describes the one input of a model for decoding and messages.
type inputSpec struct {
	model   string
	version int64
	name    string
	shape   []int  // per sample; a negative dimension accepts any size
	dtype   string // "" or DT_FLOAT; DT_INT32 or DT_INT64 take integers only
}

func (in *inputSpec) describe() string {
	return fmt.Sprintf("model %q version %d input %q has shape %s", in.model, in.version, in.name, shapeString(append([]int{-1}, in.shape...)))
}

func shapeString(shape []int) string {
	var sb strings.Builder
	sb.WriteByte('[')
	for i, d := range shape {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(d))
	}
	sb.WriteByte(']')
	return sb.String()
}

// tensorDecoder turns nested JSON lists of numbers into a row-major float32
// tensor, checking every list length against the expected shape.
type tensorDecoder struct {
	s      *scanner
	spec   *inputSpec
	root   string // "instances" or "inputs"
	member string // when set, the value is instances[inst].member
	inst   int
	rowFmt bool   // row format: root[i] is one instance
	dims   []int  // expected sizes per level below the root element; -1 = learn
	learn  []bool // dims[k] was learned from the data, not given by the model
	path   []int  // list indices of the value being read
	data   []float32
}

func (d *tensorDecoder) where() string {
	var sb strings.Builder
	sb.WriteString(d.root)
	if d.member != "" {
		fmt.Fprintf(&sb, "[%d].%s", d.inst, d.member)
	}
	for _, i := range d.path {
		sb.WriteByte('[')
		sb.WriteString(strconv.Itoa(i))
		sb.WriteByte(']')
	}
	return sb.String()
}

// fullDim converts a nesting level (index into d.dims) into a dimension of
// the batched input tensor.
func (d *tensorDecoder) fullDim(level int) int {
	if d.rowFmt {
		return level + 1
	}
	return level
}

func (d *tensorDecoder) shapeErr(got, want string) *apiError {
	msg := fmt.Sprintf("%s: got %s, want %s (%s", d.where(), got, want, d.spec.describe())
	if d.rowFmt {
		msg += ", so each instance has shape " + shapeString(d.spec.shape)
	}
	return &apiError{code: 400, reason: reasonInvalidShape, msg: msg + ")"}
}

// value reads the value at nesting level (0 = an instance in row format, the
// batch list in columnar format).
func (d *tensorDecoder) value(level int) error {
	s := d.s
	c := s.peek()
	if level == len(d.dims) {
		switch c {
		case '[':
			return d.shapeErr("a list", "a number")
		case '{', '"', 't', 'f', 'n':
			return &apiError{code: 400, reason: reasonInvalidType, msg: fmt.Sprintf("%s: JSON Value: %s Type: %s is not of expected type: %s", d.where(), s.excerpt(), jsonTypeName(c), d.dtype())}
		}
		start := s.i
		v, kind, err := s.number()
		if err != nil {
			return err
		}
		text := string(s.b[start:s.i])
		switch {
		case kind == numSpecial || math.IsInf(v, 0):
			return &apiError{code: 400, reason: reasonNonFinite, msg: fmt.Sprintf("%s: %s is not accepted: inputs must be finite numbers", d.where(), text)}
		case kind == numInteger && math.Abs(v) > maxFloat32Int,
			math.Abs(v) > math.MaxFloat32:
			return &apiError{code: 400, reason: reasonInvalidType, msg: fmt.Sprintf("%s: Cannot convert JSON value: %s to float without loss of precision.", d.where(), text)}
		}
		if isIntDType(d.spec.dtype) && kind != numInteger {
			return &apiError{code: 400, reason: reasonInvalidType, msg: fmt.Sprintf("%s: Cannot convert JSON value: %s to %s without loss of precision (input %q takes integers).", d.where(), text, d.dtype(), d.spec.name)}
		}
		d.data = append(d.data, float32(v))
		return nil
	}
	want := d.dims[level]
	if c != '[' {
		what := "a list"
		if want >= 0 {
			what = fmt.Sprintf("a list of %d values", want)
		}
		got := "a number"
		if c != '-' && c != 'N' && c != 'I' && (c < '0' || c > '9') {
			got = fmt.Sprintf("%s (%s)", s.excerpt(), jsonTypeName(c))
		}
		return d.shapeErr(got, what+fmt.Sprintf(" at dimension %d", d.fullDim(level)))
	}
	n := 0
	err := s.array(func(i int) error {
		d.path = append(d.path, i)
		err := d.value(level + 1)
		d.path = d.path[:len(d.path)-1]
		n = i + 1
		return err
	})
	if err != nil {
		return err
	}
	switch {
	case want < 0:
		d.dims[level] = n
	case n != want:
		like := ""
		if d.learn[level] {
			like = " like the lists before it"
		}
		return d.shapeErr(fmt.Sprintf("%d values at dimension %d", n, d.fullDim(level)), fmt.Sprintf("%d%s", want, like))
	}
	return nil
}

// dtype is the TensorFlow dtype of the input being read.
func (d *tensorDecoder) dtype() string {
	if d.spec.dtype == "" {
		return dtFloat
	}
	return d.spec.dtype
}

func wrapDecodeErr(err error) *apiError {
	if ae, ok := err.(*apiError); ok {
		return ae
	}
	return errInvalidJSON(err.Error())
}

// newTensorDecoder prepares to read values whose shape below the root
// element is shape (a negative size is learned from the first list seen).
func newTensorDecoder(raw []byte, spec *inputSpec, root string, rowFmt bool, shape []int) *tensorDecoder {
	d := &tensorDecoder{s: &scanner{b: raw}, spec: spec, root: root, rowFmt: rowFmt}
	d.dims = append([]int(nil), shape...)
	d.learn = make([]bool, len(shape))
	for i, v := range d.dims {
		if v < 0 {
			d.dims[i] = -1
			d.learn[i] = true
		}
	}
	d.data = make([]float32, 0, len(raw)/4+1)
	return d
}

// decodeInstances reads a row-format "instances" list: a list of instances,
// each either the input value itself or an object {input name: value}.
func decodeInstances(raw []byte, spec *inputSpec) (*tensor.Tensor, *apiError) {
	d := newTensorDecoder(raw, spec, "instances", true, spec.shape)
	s := d.s
	if c := s.peek(); c != '[' {
		return nil, &apiError{code: 400, reason: reasonInvalidRequest, msg: fmt.Sprintf("'instances' must be a list, got %s", jsonTypeName(c))}
	}
	objects := false
	rows := 0
	err := s.array(func(i int) error {
		d.path = append(d.path[:0], i)
		isObj := s.peek() == '{'
		if i == 0 {
			objects = isObj
		}
		switch {
		case objects && !isObj:
			return &apiError{code: 400, reason: reasonInvalidRequest, msg: fmt.Sprintf("instances[%d]: expecting an object like instances[0], got %s", i, jsonTypeName(s.peek()))}
		case !objects && isObj:
			return &apiError{code: 400, reason: reasonInvalidRequest, msg: fmt.Sprintf("instances[%d]: expecting a value/list like instances[0], got an object", i)}
		}
		rows = i + 1
		if !objects {
			return d.value(0)
		}
		seen := false
		err := s.object(func(key string) error {
			if key != spec.name {
				return &apiError{code: 400, reason: reasonInvalidRequest, msg: fmt.Sprintf("instances[%d]: unknown input name %q: model %q has one input, %q", i, key, spec.model, spec.name)}
			}
			if seen {
				return &apiError{code: 400, reason: reasonInvalidRequest, msg: fmt.Sprintf("instances[%d]: input %q given twice", i, key)}
			}
			seen = true
			d.root = fmt.Sprintf("instances[%d].%s", i, key)
			d.path = d.path[:0]
			err := d.value(0)
			d.root = "instances"
			return err
		})
		if err == nil && !seen {
			err = &apiError{code: 400, reason: reasonInvalidRequest, msg: fmt.Sprintf("instances[%d]: missing input %q", i, spec.name)}
		}
		return err
	})
	if err != nil {
		return nil, wrapDecodeErr(err)
	}
	if rows == 0 {
		return nil, &apiError{code: 400, reason: reasonInvalidRequest, msg: "No values in 'instances' array"}
	}
	t, terr := tensor.FromSlice(d.data, append([]int{rows}, d.dims...)...)
	if terr != nil {
		return nil, &apiError{code: 400, reason: reasonInvalidShape, msg: "instances: " + terr.Error()}
	}
	return t, nil
}

// decodeInputs reads a columnar "inputs" value: the batched input tensor, or
// an object {input name: batched tensor}.
func decodeInputs(raw []byte, spec *inputSpec) (*tensor.Tensor, *apiError) {
	s := &scanner{b: raw}
	if s.peek() == '{' {
		var found []byte
		err := s.object(func(key string) error {
			s.ws()
			start := s.i
			if err := s.skipValue(); err != nil {
				return err
			}
			if key == spec.name {
				found = s.b[start:s.i]
			}
			return nil
		})
		if err != nil {
			return nil, wrapDecodeErr(err)
		}
		if found == nil {
			return nil, &apiError{code: 400, reason: reasonInvalidRequest, msg: fmt.Sprintf("Missing named input: %s in 'inputs' object (model %q has one input, %q)", spec.name, spec.model, spec.name)}
		}
		d := newTensorDecoder(found, spec, "inputs."+spec.name, false, append([]int{-1}, spec.shape...))
		return d.finish()
	}
	d := newTensorDecoder(raw, spec, "inputs", false, append([]int{-1}, spec.shape...))
	return d.finish()
}

func (d *tensorDecoder) finish() (*tensor.Tensor, *apiError) {
	if err := d.value(0); err != nil {
		return nil, wrapDecodeErr(err)
	}
	if d.dims[0] < 0 { // cannot happen: value(0) reads a list or fails
		d.dims[0] = 0
	}
	for i, v := range d.dims {
		if v < 0 { // an empty batch leaves inner unknown sizes unlearned
			d.dims[i] = 0
		}
	}
	t, err := tensor.FromSlice(d.data, d.dims...)
	if err != nil {
		return nil, &apiError{code: 400, reason: reasonInvalidShape, msg: d.root + ": " + err.Error()}
	}
	return t, nil
}

// appendFloat writes v as TensorFlow Serving does: the shortest text that
// reads back as the same float32, with ".0" on whole numbers, and NaN,
// Infinity, -Infinity for non-finite values.
func appendFloat(b []byte, v float32) []byte {
	f := float64(v)
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'g', -1, 32)
	for _, c := range b[start:] {
		if c == '.' || c == 'e' {
			return b
		}
	}
	return append(b, ".0"...)
}

// appendNested writes data (row-major, of the given shape) as nested lists;
// a shape of [] writes one number.
func appendNested(b []byte, data []float32, shape []int) []byte {
	if len(shape) == 0 {
		return appendFloat(b, data[0])
	}
	b = append(b, '[')
	n := shape[0]
	per := 1
	for _, d := range shape[1:] {
		per *= d
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendNested(b, data[i*per:(i+1)*per], shape[1:])
	}
	return append(b, ']')
}
