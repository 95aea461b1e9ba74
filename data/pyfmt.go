package data

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kerago/kerago/keras/callbacks"
	"github.com/kerago/kerago/tensor"
)

// Tuple is a tuple of ints as Python prints it: (150, 4), (3,) — what
// x.shape is in NumPy.
type Tuple []int

// String formats the tuple as Python's str().
func (t Tuple) String() string {
	parts := make([]string, len(t))
	for i, v := range t {
		parts[i] = strconv.Itoa(v)
	}
	if len(t) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// PyFloat formats v as Python's repr(float) and str(float) do: the
// shortest digits that read back as v, "1.0" for integral values,
// exponent form below 1e-4 and from 1e16.
func PyFloat(v float64) string { return callbacks.PyFloat(v) }

// pyFloat32 formats a NumPy float32 scalar as str(np.float32(v)) does.
func pyFloat32(v float32) string {
	f := float64(v)
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	a := math.Abs(f)
	if a >= 1e16 || a < 1e-4 {
		s := strconv.FormatFloat(f, 'e', -1, 32)
		mant, exp, _ := strings.Cut(s, "e")
		digits := strings.TrimLeft(exp[1:], "0")
		for len(digits) < 2 {
			digits = "0" + digits
		}
		return mant + "e" + exp[:1] + digits
	}
	s := strconv.FormatFloat(f, 'f', -1, 32)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// Str returns what Python's str(v) prints for the Go counterparts of
// Python values: float64 as a Python float, float32 as a NumPy float32,
// bool as True/False, nil as None, slices and maps as lists and dicts (their
// strings quoted), *tensor.Tensor like a NumPy array, a *Frame as a table,
// *callbacks.Logs and *callbacks.History as dicts.
func Str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	}
	return Repr(v)
}

// Repr is Python's repr(v) for the values Str accepts (strings quoted).
func Repr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case string:
		return pyQuote(x)
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return PyFloat(x)
	case float32:
		return pyFloat32(x)
	case Tuple:
		return x.String()
	case []float64:
		parts := make([]string, len(x))
		for i, f := range x {
			parts[i] = PyFloat(f)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []int:
		parts := make([]string, len(x))
		for i, f := range x {
			parts[i] = strconv.Itoa(f)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = pyQuote(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []any:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = Repr(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []*tensor.Tensor:
		parts := make([]string, len(x))
		for i, t := range x {
			parts[i] = "array(" + arrayStr(t, ", ", 7) + ", dtype=float32)"
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string][]float64:
		keys := slices.Sorted(maps.Keys(x))
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyQuote(k) + ": " + Repr(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case *callbacks.History:
		if x == nil {
			return "None"
		}
		parts := make([]string, len(x.Keys))
		for i, k := range x.Keys {
			parts[i] = pyQuote(k) + ": " + Repr(x.History[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case *callbacks.Logs:
		if x == nil {
			return "None"
		}
		keys := x.Keys()
		parts := make([]string, len(keys))
		for i, k := range keys {
			f, _ := x.Get(k)
			parts[i] = pyQuote(k) + ": " + PyFloat(f)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case *tensor.Tensor:
		if x == nil {
			return "None"
		}
		return arrayStr(x, " ", 1)
	case *Frame:
		return x.String()
	case fmt.Stringer:
		return x.String()
	case error:
		return x.Error()
	}
	return fmt.Sprint(v)
}

func pyQuote(s string) string {
	q := "'"
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = `"`
	}
	var b strings.Builder
	b.WriteString(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case string(r) == q:
			b.WriteString(`\` + q)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString(q)
	return b.String()
}

// Print writes its arguments like Python's print: each formatted by Str,
// separated by spaces, ending with a newline.
func Print(args ...any) {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = Str(a)
	}
	fmt.Println(strings.Join(parts, " "))
}

// arrayStr formats an array like NumPy's str (sep " ") or repr's inner
// list (sep ", "): float32 values with up to 8 significant fraction digits,
// right-aligned to a common width, "1." for integral values; arrays of more
// than 1000 elements are summarized with "..." as NumPy does.
func arrayStr(t *tensor.Tensor, sep string, indent int) string {
	d := t.Data()
	shape := t.Shape()
	if len(shape) == 0 {
		if len(d) == 0 {
			return "[]"
		}
		return pyFloat32(d[0])
	}
	summarize := len(d) > 1000
	allInt := true
	for _, v := range d {
		if v != float32(math.Trunc(float64(v))) || math.IsInf(float64(v), 0) {
			allInt = false
			break
		}
	}
	// NumPy's float formatting (floatmode "maxprec", precision 8): each
	// value with the fewest digits that identify it (at most 8 after the
	// point); integer parts right-aligned, fraction parts left-aligned; the
	// whole array in scientific notation when its magnitudes call for it.
	sci := false
	{
		var maxAbs, minAbs float64
		first := true
		for _, v := range d {
			a := math.Abs(float64(v))
			if a == 0 || math.IsNaN(a) || math.IsInf(a, 0) {
				continue
			}
			if first || a > maxAbs {
				maxAbs = a
			}
			if first || a < minAbs {
				minAbs = a
			}
			first = false
		}
		sci = !first && !allInt && (maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs/minAbs > 1e3)
	}
	type parts struct{ intPart, frac string }
	split := func(v float32) parts {
		f := float64(v)
		switch {
		case math.IsNaN(f):
			return parts{intPart: "nan"}
		case math.IsInf(f, 1):
			return parts{intPart: "inf"}
		case math.IsInf(f, -1):
			return parts{intPart: "-inf"}
		}
		if sci {
			s := strconv.FormatFloat(f, 'e', -1, 32)
			mant, exp, _ := strings.Cut(s, "e")
			if i := strings.IndexByte(mant, '.'); i >= 0 && len(mant)-i-1 > 8 {
				mant = strings.TrimRight(strconv.FormatFloat(f, 'e', 8, 32)[:strings.IndexByte(strconv.FormatFloat(f, 'e', 8, 32), 'e')], "0")
			}
			ip, fr, _ := strings.Cut(mant, ".")
			return parts{intPart: ip, frac: fr + "e" + pyExp("e" + exp)[1:]}
		}
		s := strconv.FormatFloat(f, 'f', -1, 32)
		if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > 8 {
			s = strings.TrimRight(strconv.FormatFloat(f, 'f', 8, 32), "0")
		}
		ip, fr, _ := strings.Cut(s, ".")
		return parts{intPart: ip, frac: fr}
	}
	padL, padR := 0, 0
	for _, v := range d {
		p := split(v)
		padL = max(padL, len(p.intPart))
		padR = max(padR, len(p.frac))
	}
	format := func(v float32) string {
		p := split(v)
		if p.intPart == "nan" || strings.HasSuffix(p.intPart, "inf") {
			return p.intPart
		}
		return p.intPart + "." + p.frac + strings.Repeat(" ", padR-len(p.frac))
	}
	width := padL + 1 + padR
	strides := make([]int, len(shape))
	s := 1
	for a := len(shape) - 1; a >= 0; a-- {
		strides[a] = s
		s *= shape[a]
	}
	var rec func(axis, off, ind int) string
	rec = func(axis, off, ind int) string {
		n := shape[axis]
		idx := seq(n)
		if summarize && n > 6 {
			idx = []int{0, 1, 2, -1, n - 3, n - 2, n - 1}
		}
		var parts []string
		for _, i := range idx {
			if i < 0 {
				parts = append(parts, "...")
				continue
			}
			if axis == len(shape)-1 {
				v := format(d[off+i*strides[axis]])
				parts = append(parts, strings.Repeat(" ", width-utf8.RuneCountInString(v))+v)
			} else {
				parts = append(parts, rec(axis+1, off+i*strides[axis], ind+1))
			}
		}
		if axis == len(shape)-1 {
			return "[" + strings.Join(parts, sep) + "]"
		}
		nl := strings.Repeat("\n", len(shape)-axis-1)
		joiner := strings.TrimRight(sep, " ") + nl + strings.Repeat(" ", ind+1)
		return "[" + strings.Join(parts, joiner) + "]"
	}
	return rec(0, 0, indent-1)
}

// Format formats v with a Python format spec, as format(v, spec) or
// f"{v:spec}": [[fill]align][sign][#][0][width][,][.precision][type] for
// numbers (types d, f, F, e, E, g, G, %, n) and strings (s).
func Format(v any, spec string) string {
	fill, align, sign := " ", byte(0), byte('-')
	i := 0
	rs := []rune(spec)
	if len(rs) >= 2 && strings.ContainsRune("<>^=", rs[1]) {
		fill, align = string(rs[0]), byte(rs[1])
		i = len(string(rs[:2]))
	} else if len(spec) >= 1 && strings.IndexByte("<>^=", spec[0]) >= 0 {
		align = spec[0]
		i = 1
	}
	if i < len(spec) && strings.IndexByte("+- ", spec[i]) >= 0 {
		sign = spec[i]
		i++
	}
	if i < len(spec) && spec[i] == '#' {
		i++ // alternate form: no effect on the types formatted here
	}
	if i < len(spec) && spec[i] == '0' {
		if align == 0 {
			fill, align = "0", '='
		}
		i++
	}
	width := 0
	for i < len(spec) && spec[i] >= '0' && spec[i] <= '9' {
		width = width*10 + int(spec[i]-'0')
		i++
	}
	comma := false
	if i < len(spec) && (spec[i] == ',' || spec[i] == '_') {
		comma = true
		i++
	}
	prec := -1
	if i < len(spec) && spec[i] == '.' {
		i++
		prec = 0
		for i < len(spec) && spec[i] >= '0' && spec[i] <= '9' {
			prec = prec*10 + int(spec[i]-'0')
			i++
		}
	}
	typ := byte(0)
	if i < len(spec) {
		typ = spec[i]
	}
	var f float64
	isNum, isInt := false, false
	switch x := v.(type) {
	case float64:
		f, isNum = x, true
	case float32:
		f, isNum = float64(x), true
	case int:
		f, isNum, isInt = float64(x), true, true
	case int64:
		f, isNum, isInt = float64(x), true, true
	case bool:
		if x {
			f = 1
		}
		isNum, isInt = true, true
	}
	var body string
	neg := false
	if !isNum {
		body = Str(v)
		if prec >= 0 && len([]rune(body)) > prec {
			body = string([]rune(body)[:prec])
		}
		if align == 0 {
			align = '<'
		}
	} else {
		neg = f < 0 || (f == 0 && math.Signbit(f))
		a := math.Abs(f)
		switch typ {
		case 'd', 'n':
			body = strconv.FormatFloat(a, 'f', 0, 64)
		case 'f', 'F':
			if prec < 0 {
				prec = 6
			}
			body = strconv.FormatFloat(a, 'f', prec, 64)
		case 'e', 'E':
			if prec < 0 {
				prec = 6
			}
			body = pyExp(strconv.FormatFloat(a, 'e', prec, 64))
		case 'g', 'G':
			if prec < 0 {
				prec = 6
			}
			if prec == 0 {
				prec = 1
			}
			body = pyExp(strconv.FormatFloat(a, 'g', prec, 64))
		case '%':
			if prec < 0 {
				prec = 6
			}
			body = strconv.FormatFloat(a*100, 'f', prec, 64) + "%"
		default:
			switch {
			case isInt:
				body = strconv.FormatFloat(a, 'f', 0, 64)
			case prec >= 0:
				body = pyExp(strconv.FormatFloat(a, 'g', max(prec, 1), 64))
				if !strings.ContainsAny(body, ".e") {
					body += ".0"
				}
			default:
				body = strings.TrimPrefix(Str(v), "-")
			}
		}
		if typ == 'E' || typ == 'G' {
			body = strings.ToUpper(body)
		}
		if comma {
			intPart, frac, _ := strings.Cut(body, ".")
			if len(intPart) > 3 && !strings.ContainsAny(intPart, "e") {
				var b strings.Builder
				for k, c := range intPart {
					if k > 0 && (len(intPart)-k)%3 == 0 {
						b.WriteByte(',')
					}
					b.WriteRune(c)
				}
				body = b.String()
				if frac != "" || strings.Contains(body, ".") {
					body += "." + frac
				}
			}
		}
		if align == 0 {
			align = '>'
		}
	}
	signStr := ""
	if isNum {
		switch {
		case neg && !math.IsNaN(f):
			signStr = "-"
		case sign == '+':
			signStr = "+"
		case sign == ' ':
			signStr = " "
		}
	}
	n := utf8.RuneCountInString(signStr + body)
	if n >= width {
		return signStr + body
	}
	pad := strings.Repeat(fill, width-n)
	switch align {
	case '<':
		return signStr + body + pad
	case '^':
		l := (width - n) / 2
		return strings.Repeat(fill, l) + signStr + body + strings.Repeat(fill, width-n-l)
	case '=':
		return signStr + pad + body
	}
	return pad + signStr + body
}

// pyExp rewrites Go's exponent ("e+00", "e-05") to Python's (two digits
// at least, which Go already gives) — kept for clarity and for 'g'.
func pyExp(s string) string {
	mant, exp, ok := strings.Cut(s, "e")
	if !ok {
		return s
	}
	digits := strings.TrimLeft(exp[1:], "0")
	for len(digits) < 2 {
		digits = "0" + digits
	}
	return mant + "e" + exp[:1] + digits
}
