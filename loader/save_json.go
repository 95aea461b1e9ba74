package loader

import (
	"fmt"
	"github.com/kerago/kerago/internal/pyfmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The writers build configs as trees of ordered values so that the text
// comes out as Python's json.dumps writes a Python dict (insertion order):
// nil, bool, string, jint, jfloat, []any and *jobj.

// jobj is a JSON object whose keys keep their insertion order.
type jobj struct {
	keys []string
	vals map[string]any
}

func newObj() *jobj { return &jobj{vals: map[string]any{}} }

// set appends key (or replaces its value, keeping its position).
func (o *jobj) set(k string, v any) *jobj {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
	return o
}

func (o *jobj) get(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok
}

func (o *jobj) has(k string) bool {
	_, ok := o.vals[k]
	return ok
}

func (o *jobj) del(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	for i, x := range o.keys {
		if x == k {
			o.keys = append(o.keys[:i:i], o.keys[i+1:]...)
			break
		}
	}
}

// jint is a Python int; jfloat a Python float (written with a decimal point
// or an exponent, as repr does).
type (
	jint   int64
	jfloat float64
)

// intKeys are config keys whose numbers Keras keeps as Python ints (layer
// sizes, axes, shapes, seeds, step counts); an integral float64 under one
// of them is written as an int. Everything else numeric that arrives as a
// float stays a float ("rate": 0.5, "momentum": 0.99, "l2": 0.01).
var intKeys = map[string]bool{
	"units": true, "axis": true, "seed": true, "batch_shape": true, "batch_input_shape": true,
	"build_input_shape": true, "input_shape": true, "shape": true, "target_shape": true,
	"noise_shape": true, "shared_axes": true, "steps_per_execution": true,
	"ema_overwrite_frequency": true, "gradient_accumulation_steps": true, "decay_steps": true,
	"first_decay_steps": true, "warmup_steps": true, "keras_history": true, "input_axes": true,
	"output_axes": true, "lora_rank": true, "input_dim": true, "output_dim": true, "boundaries": true,
	"index": true,
	// convolution, pooling and reshaping layers
	"filters": true, "kernel_size": true, "strides": true, "dilation_rate": true, "groups": true,
	"depth_multiplier": true, "output_padding": true, "pool_size": true, "padding": true,
	"cropping": true, "size": true, "n": true, "dims": true, "axes": true,
	"height": true, "width": true, "value_range": true,
	// attention layers
	"num_heads": true, "key_dim": true, "value_dim": true, "output_shape": true, "attention_axes": true,
	"sliding_window": true,
}

// toTree converts a JSON-like Go value (as decoded by encoding/json or as
// package keras builds it) to the ordered tree. key is the dict key the
// value sits under; it decides whether integral floats are ints. Maps of
// unknown order are written with sorted keys.
func toTree(v any, key string, depth int) (any, error) {
	if depth > 512 {
		return nil, fmt.Errorf("value nested more than 512 levels")
	}
	switch x := v.(type) {
	case nil, bool, string, jint, jfloat:
		return x, nil
	case *jobj:
		return x, nil
	case int:
		return jint(x), nil
	case int8:
		return jint(x), nil
	case int16:
		return jint(x), nil
	case int32:
		return jint(x), nil
	case int64:
		return jint(x), nil
	case uint8:
		return jint(x), nil
	case uint16:
		return jint(x), nil
	case uint32:
		return jint(x), nil
	case uint:
		if uint64(x) > math.MaxInt64 {
			return nil, fmt.Errorf("%q: integer %d too large", key, x)
		}
		return jint(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return nil, fmt.Errorf("%q: integer %d too large", key, x)
		}
		return jint(x), nil
	case float32:
		return floatOrInt(float64(x), key), nil
	case float64:
		return floatOrInt(x, key), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			t, err := toTree(e, key, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = t
		}
		return out, nil
	case []int:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jint(e)
		}
		return out, nil
	case []int64:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jint(e)
		}
		return out, nil
	case []float64:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = floatOrInt(e, key)
		}
		return out, nil
	case []float32:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = floatOrInt(float64(e), key)
		}
		return out, nil
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, nil
	case map[string]any:
		o := newObj()
		for _, k := range sortedKeys(x) {
			t, err := toTree(x[k], k, depth+1)
			if err != nil {
				return nil, err
			}
			o.set(k, t)
		}
		return o, nil
	case *ObjectConfig:
		if x == nil {
			return nil, nil
		}
		return objectTree(x, "", depth+1)
	}
	return nil, fmt.Errorf("%q: cannot serialize a value of type %T", key, v)
}

func floatOrInt(f float64, key string) any {
	if intKeys[key] && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return jint(f)
	}
	return jfloat(f)
}

// pyFloatRepr formats f as Python's repr(float) inside json.dumps output:
// "NaN", "Infinity", "-Infinity" for the non-finite values.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return pyfmt.Float(f)
}

// jsonEncoder writes the tree as Python's json.dumps does (ensure_ascii,
// allow_nan). indent < 0 gives the one-line form with ", " and ": "
// separators; indent >= 0 the pretty form of json.dumps(indent=n).
type jsonEncoder struct {
	sb     strings.Builder
	indent int
}

func marshalPy(v any, indent int) ([]byte, error) {
	e := &jsonEncoder{indent: indent}
	if err := e.value(v, 0); err != nil {
		return nil, err
	}
	return []byte(e.sb.String()), nil
}

func (e *jsonEncoder) newline(level int) {
	e.sb.WriteByte('\n')
	e.sb.WriteString(strings.Repeat(" ", e.indent*level))
}

func (e *jsonEncoder) value(v any, level int) error {
	if level > 1024 {
		return fmt.Errorf("value nested more than 1024 levels")
	}
	switch x := v.(type) {
	case nil:
		e.sb.WriteString("null")
	case bool:
		if x {
			e.sb.WriteString("true")
		} else {
			e.sb.WriteString("false")
		}
	case string:
		writePyString(&e.sb, x)
	case jint:
		e.sb.WriteString(strconv.FormatInt(int64(x), 10))
	case jfloat:
		e.sb.WriteString(pyFloatRepr(float64(x)))
	case []any:
		if len(x) == 0 {
			e.sb.WriteString("[]")
			return nil
		}
		e.sb.WriteByte('[')
		for i, el := range x {
			if i > 0 {
				e.sep()
			}
			if e.indent >= 0 {
				e.newline(level + 1)
			}
			if err := e.value(el, level+1); err != nil {
				return err
			}
		}
		if e.indent >= 0 {
			e.newline(level)
		}
		e.sb.WriteByte(']')
	case *jobj:
		if len(x.keys) == 0 {
			e.sb.WriteString("{}")
			return nil
		}
		e.sb.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				e.sep()
			}
			if e.indent >= 0 {
				e.newline(level + 1)
			}
			writePyString(&e.sb, k)
			e.sb.WriteString(": ")
			if err := e.value(x.vals[k], level+1); err != nil {
				return err
			}
		}
		if e.indent >= 0 {
			e.newline(level)
		}
		e.sb.WriteByte('}')
	default:
		return fmt.Errorf("internal: cannot encode %T", v)
	}
	return nil
}

func (e *jsonEncoder) sep() {
	if e.indent >= 0 {
		e.sb.WriteByte(',')
	} else {
		e.sb.WriteString(", ")
	}
}

// writePyString writes s as json.dumps(ensure_ascii=True) does: \" \\ \n
// \r \t \b \f escaped, every other character outside space..tilde as
// \uXXXX (UTF-16 surrogate pairs above U+FFFF). Invalid UTF-8
// bytes are written as U+FFFD.
func writePyString(sb *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	u := func(r rune) {
		sb.WriteString(`\u`)
		sb.WriteByte(hex[r>>12&0xf])
		sb.WriteByte(hex[r>>8&0xf])
		sb.WriteByte(hex[r>>4&0xf])
		sb.WriteByte(hex[r&0xf])
	}
	sb.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"':
			sb.WriteString(`\"`)
		case r == '\\':
			sb.WriteString(`\\`)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r == '\b':
			sb.WriteString(`\b`)
		case r == '\f':
			sb.WriteString(`\f`)
		case r >= 0x20 && r < 0x7f:
			sb.WriteRune(r)
		case r > 0xffff:
			a, b := utf16.EncodeRune(r)
			u(a)
			u(b)
		default:
			u(r)
		}
	}
	sb.WriteByte('"')
}

// sortedObj builds an object from a map with sorted keys, converting values.
func sortedObj(m map[string]any, depth int) (*jobj, error) {
	o := newObj()
	keys := slices.Sorted(maps.Keys(m))
	for _, k := range keys {
		t, err := toTree(m[k], k, depth+1)
		if err != nil {
			return nil, err
		}
		o.set(k, t)
	}
	return o, nil
}
