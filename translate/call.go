package translate

import (
	"strconv"
	"strings"
)

// args binds a call's arguments to parameter names.
type args struct {
	t    *translator
	c    *Call
	fn   string
	vals map[string]Expr
	used map[string]bool
	pos  []Expr
}

// bind maps positional arguments to params (in order) and collects
// keywords; a positional argument beyond params is untranslatable.
func (t *translator) bind(c *Call, fn string, params ...string) *args {
	a := &args{t: t, c: c, fn: fn, vals: map[string]Expr{}, used: map[string]bool{}}
	for i, p := range c.Args {
		if _, ok := p.(*Starred); ok {
			t.fail(c.Line, "%s: *args are outside the subset", fn)
		}
		if i >= len(params) {
			t.fail(c.Line, "%s: too many positional arguments (%d) for the subset", fn, len(c.Args))
		}
		a.vals[params[i]] = p
		a.pos = append(a.pos, p)
	}
	for _, k := range c.Keywords {
		if k.Name == "" {
			t.fail(c.Line, "%s: **kwargs are outside the subset", fn)
		}
		if _, dup := a.vals[k.Name]; dup {
			t.fail(c.Line, "%s: argument %s given twice", fn, k.Name)
		}
		a.vals[k.Name] = k.Value
	}
	return a
}

// get returns the argument given under name (or one of its aliases).
func (a *args) get(names ...string) (Expr, bool) {
	for _, n := range names {
		if e, ok := a.vals[n]; ok {
			a.used[n] = true
			return e, true
		}
	}
	return nil, false
}

// need returns a required argument, failing when it is missing.
func (a *args) need(names ...string) Expr {
	e, ok := a.get(names...)
	if !ok {
		a.t.fail(a.c.Line, "%s: missing argument %s", a.fn, names[0])
	}
	return e
}

// has reports whether an argument was given, without consuming it.
func (a *args) has(name string) bool {
	_, ok := a.vals[name]
	return ok
}

// ignore consumes arguments that have no effect in kerago, recording a
// note.
func (a *args) ignore(why string, names ...string) {
	for _, n := range names {
		if e, ok := a.vals[n]; ok {
			a.used[n] = true
			a.t.note(e.exprLine(), "%s: argument %s ignored: %s", a.fn, n, why)
		}
	}
}

// done fails on any argument that was not consumed.
func (a *args) done() {
	var left []string
	for n := range a.vals {
		if !a.used[n] {
			left = append(left, n)
		}
	}
	if len(left) > 0 {
		sortStrings(left)
		a.t.fail(a.c.Line, "%s: argument %s is not supported by the translator", a.fn, strings.Join(left, ", "))
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// isNone reports whether e is the literal None.
func isNone(e Expr) bool {
	c, ok := e.(*Const)
	return ok && c.Value == "None"
}

func (t *translator) call(c *Call) val {
	if a, ok := c.Func.(*Attr); ok {
		recv := t.expr(a.Value)
		if recv.kind != kModule {
			return t.method(recv, a.Attr, c)
		}
		full := recv.ref + "." + a.Attr
		return t.callRef(canon(full), full, c)
	}
	f := t.expr(c.Func)
	switch f.kind {
	case kModule:
		return t.callRef(canon(f.ref), f.ref, c)
	case kFunc:
		t.fail(c.Line, "a call of %s() inside a larger expression: functions of the script are inlined only when called as a statement or as the whole right-hand side of an assignment", f.def.Name)
	case kLayer, kNormLayer:
		return t.applyLayer(f, c)
	}
	t.fail(c.Line, "calling %s is outside the subset", describe(f))
	return val{}
}

// callRef translates a call of a module-level function or class.
func (t *translator) callRef(ref, full string, c *Call) val {
	switch {
	case noEffect(ref):
		return val{noValue: true, hint: full + "(...) has no effect on kerago: nothing to do in Go"}
	case strings.HasPrefix(ref, "keras:"):
		return t.kerasCall(strings.TrimPrefix(ref, "keras:"), full, c)
	case strings.HasPrefix(ref, "numpy:"):
		return t.numpyCall(strings.TrimPrefix(ref, "numpy:"), c)
	case strings.HasPrefix(ref, "pandas:"):
		return t.pandasCall(strings.TrimPrefix(ref, "pandas:"), c)
	case strings.HasPrefix(ref, "sklearn:"):
		return t.sklearnCall(strings.TrimPrefix(ref, "sklearn:"), full, c)
	case strings.HasPrefix(ref, "tensorflow:"):
		return t.tfCall(strings.TrimPrefix(ref, "tensorflow:"), c)
	case strings.HasPrefix(ref, "py:builtins."):
		return t.builtinCall(strings.TrimPrefix(ref, "py:builtins."), c)
	case strings.HasPrefix(ref, "py:"):
		return t.pyModuleCall(strings.TrimPrefix(ref, "py:"), c)
	}
	t.fail(c.Line, "%s is outside the subset", full)
	return val{}
}

func (t *translator) pyModuleCall(name string, c *Call) val {
	switch name {
	case "math.exp", "math.sqrt", "math.log", "math.floor", "math.ceil", "math.cos", "math.sin", "math.tanh", "math.fabs":
		a := t.bind(c, name, "x")
		x := a.need("x")
		a.done()
		v := t.floatOf(x, "x")
		fn := map[string]string{"math.exp": "math.Exp", "math.sqrt": "math.Sqrt", "math.log": "math.Log",
			"math.floor": "math.Floor", "math.ceil": "math.Ceil", "math.cos": "math.Cos", "math.sin": "math.Sin",
			"math.tanh": "math.Tanh", "math.fabs": "math.Abs"}[name]
		v = t.materialize(v, "x")
		return val{code: fn + "(" + v.code + ")", kind: kFloat}
	case "math.pow":
		a := t.bind(c, name, "x", "y")
		x := a.need("x")
		y := a.need("y")
		a.done()
		xv, yv := t.materialize(t.floatOf(x, "x"), "x"), t.materialize(t.floatOf(y, "y"), "y")
		return val{code: "math.Pow(" + xv.code + ", " + yv.code + ")", kind: kFloat}
	case "os.path.join":
		var parts []string
		for _, p := range c.Args {
			parts = append(parts, t.stringOf(p, "path").code)
		}
		if len(c.Keywords) > 0 {
			t.fail(c.Line, "os.path.join takes no keywords")
		}
		return val{code: "filepath.Join(" + strings.Join(parts, ", ") + ")", kind: kString}
	case "os.path.exists", "os.path.isfile":
		a := t.bind(c, name, "path")
		p := a.need("path")
		a.done()
		pv := t.stringOf(p, "path")
		return val{code: "data.Exists(" + pv.code + ")", kind: kBool}
	}
	if fn, ok := strings.CutPrefix(name, "matplotlib.pyplot."); ok {
		if v, ok := t.pyplotCall(fn, c); ok {
			return v
		}
	}
	if name == "matplotlib.use" {
		return val{noValue: true, hint: "matplotlib.use: kerago draws figures into files with gonum/plot"}
	}
	mod := name
	if i := strings.IndexByte(name, '.'); i >= 0 {
		mod = name[:i]
	}
	switch mod {
	case "matplotlib", "seaborn", "plt":
		t.fail(c.Line, "plotting (%s) is outside the subset", mod)
	}
	t.fail(c.Line, "%s is outside the subset", name)
	return val{}
}

func (t *translator) builtinCall(name string, c *Call) val {
	switch name {
	case "dict":
		return t.dictCall(c)
	case "print":
		t.fail(c.Line, "print is translated only as a statement")
	case "len":
		a := t.bind(c, "len", "x")
		x := a.need("x")
		a.done()
		v := t.value(x, "x")
		switch v.kind {
		case kTensor:
			return val{code: v.code + ".Dim(0)", kind: kInt}
		case kFrame:
			return val{code: v.code + ".Len()", kind: kInt}
		case kFloatList, kIntList, kStrList, kTensorList, kLayerList, kCallbackList, kString, kTuple:
			return val{code: "len(" + v.code + ")", kind: kInt}
		case kHistDict:
			return val{code: "len(" + v.code + ")", kind: kInt}
		case kPyList:
			return intLit(int64(len(v.elems)))
		case kModel:
			return val{code: "len(" + v.code + ".Layers())", kind: kInt}
		}
		t.fail(c.Line, "len of %s is outside the subset", describe(v))
	case "float":
		a := t.bind(c, "float", "x")
		x := a.need("x")
		a.done()
		v := t.value(x, "x")
		switch v.kind {
		case kFloat:
			return v
		case kInt:
			return val{code: asFloat(v), kind: kFloat, lit: litFloat(v)}
		case kTensor:
			return val{code: "data.Item(" + v.code + ")", kind: kFloat, fallible: true}
		case kString:
			return val{code: "strconv.ParseFloat(" + v.code + ", 64)", kind: kFloat, fallible: true}
		}
		t.fail(c.Line, "float() of %s is outside the subset", describe(v))
	case "int":
		a := t.bind(c, "int", "x")
		x := a.need("x")
		a.done()
		v := t.value(x, "x")
		switch v.kind {
		case kInt:
			return v
		case kFloat:
			if v.lit != nil {
				return intLit(int64(v.lit.f))
			}
			return val{code: "int(" + v.code + ")", kind: kInt}
		case kTensor:
			fv := t.materialize(val{code: "data.Item(" + v.code + ")", kind: kFloat, fallible: true}, "item")
			return val{code: "int(" + fv.code + ")", kind: kInt}
		}
		t.fail(c.Line, "int() of %s is outside the subset", describe(v))
	case "str", "repr":
		a := t.bind(c, name, "x")
		x := a.need("x")
		a.done()
		v := t.value(x, "x")
		if v.kind == kString && name == "str" {
			return v
		}
		fn := "data.Str"
		if name == "repr" {
			fn = "data.Repr"
		}
		return val{code: fn + "(" + t.anyOf(v, c.Line) + ")", kind: kString}
	case "abs":
		a := t.bind(c, "abs", "x")
		x := a.need("x")
		a.done()
		v := t.value(x, "x")
		if v.kind == kFloat || v.kind == kInt {
			return val{code: "math.Abs(" + asFloat(v) + ")", kind: kFloat}
		}
		t.fail(c.Line, "abs of %s is outside the subset", describe(v))
	case "min", "max":
		if len(c.Args) == 1 && len(c.Keywords) == 0 {
			// max(history.history['accuracy']): of a list of floats
			v := t.value(c.Args[0], "values")
			if v.kind == kFloatList {
				return val{code: "data." + strings.ToUpper(name[:1]) + name[1:] + "Of(" + v.code + ")", kind: kFloat, fallible: true, hint: name}
			}
			t.fail(c.Line, "%s of %s is outside the subset", name, describe(v))
		}
		if len(c.Args) < 2 || len(c.Keywords) > 0 {
			t.fail(c.Line, "%s is translated for two or more numbers only", name)
		}
		var vs []val
		anyFloat := false
		for _, a := range c.Args {
			v := t.value(a, "x")
			if !v.isNumber() {
				t.fail(c.Line, "%s of %s is outside the subset", name, describe(v))
			}
			anyFloat = anyFloat || v.kind == kFloat
			vs = append(vs, v)
		}
		var parts []string
		for _, v := range vs {
			if anyFloat {
				parts = append(parts, asFloat(v))
			} else {
				parts = append(parts, v.code)
			}
		}
		k := kInt
		if anyFloat {
			k = kFloat
		}
		return val{code: name + "(" + strings.Join(parts, ", ") + ")", kind: k}
	case "round":
		a := t.bind(c, "round", "x", "ndigits")
		x := a.need("x")
		nd, hasND := a.get("ndigits")
		a.done()
		v := t.value(x, "x")
		if !v.isNumber() {
			t.fail(c.Line, "round of %s is outside the subset", describe(v))
		}
		if !hasND || isNone(nd) {
			return val{code: "int(math.RoundToEven(" + asFloat(v) + "))", kind: kInt}
		}
		n := t.intOf(nd, "ndigits")
		return val{code: "data.RoundTo(" + asFloat(v) + ", " + n.code + ")", kind: kFloat}
	case "list", "tuple":
		a := t.bind(c, name, "x")
		x := a.need("x")
		a.done()
		v := t.value(x, "x")
		switch v.kind {
		case kFloatList, kIntList, kStrList, kPyList:
			return v
		case kTuple:
			return val{code: "[]int(" + v.code + ")", kind: kIntList}
		}
		t.fail(c.Line, "%s() of %s is outside the subset", name, describe(v))
	case "open":
		t.fail(c.Line, "open() is translated only in a with statement around json.dump")
	}
	t.fail(c.Line, "the builtin %s() is outside the subset", name)
	return val{}
}

func litFloat(v val) *literal {
	if v.lit == nil {
		return nil
	}
	return &literal{kind: kFloat, f: v.lit.num()}
}

// anyOf returns code for v as a Go value of a type data.Str understands.
func (t *translator) anyOf(v val, line int) string {
	v = t.materialize(v, "v")
	switch v.kind {
	case kInt, kFloat, kString, kBool, kTensor, kFrame, kHistory, kHistDict, kLogs, kFloatList, kIntList,
		kTuple, kStrList, kTensorList, kIntMatrix:
		return v.code
	case kNone:
		return "nil"
	case kModel:
		return v.code + ".Name()"
	case kPyList:
		var parts []string
		for _, el := range v.elems {
			parts = append(parts, t.anyOf(el, line))
		}
		return "[]any{" + strings.Join(parts, ", ") + "}"
	}
	t.fail(line, "printing %s is outside the subset", describe(v))
	return ""
}

// printStmt translates print(...) as a statement.
func (t *translator) printStmt(c *Call) {
	sep, end := " ", "\n"
	for _, k := range c.Keywords {
		switch k.Name {
		case "sep", "end":
			s, ok := k.Value.(*Str)
			if !ok || s.F {
				t.fail(c.Line, "print: %s must be a string literal", k.Name)
			}
			if k.Name == "sep" {
				sep = s.Value
			} else {
				end = s.Value
			}
		case "flush":
		default:
			t.fail(c.Line, "print: argument %s is outside the subset", k.Name)
		}
	}
	// print(model.summary()) prints the summary, then None.
	if len(c.Args) == 1 {
		if inner, ok := c.Args[0].(*Call); ok {
			if a, ok := inner.Func.(*Attr); ok && a.Attr == "summary" {
				recv := t.expr(a.Value)
				if recv.kind == kModel {
					t.method(recv, "summary", inner)
					t.emit(`fmt.Println("None")`)
					return
				}
			}
		}
	}
	// print(f"...") / print("..." % x): Printf
	if len(c.Args) == 1 && end == "\n" {
		v := t.value(c.Args[0], "v")
		if v.kind == kString && strings.HasPrefix(v.code, "fmt.Sprintf(") {
			inner := strings.TrimSuffix(strings.TrimPrefix(v.code, "fmt.Sprintf("), ")")
			if q := strings.Index(inner, `", `); q > 0 && strings.HasPrefix(inner, `"`) {
				t.emit("fmt.Printf(" + inner[:q] + `\n", ` + inner[q+3:] + ")")
				return
			}
		}
		if v.kind == kString || v.kind == kInt {
			t.emit("fmt.Println(" + v.code + ")")
			return
		}
		t.emit("fmt.Println(data.Str(" + t.anyOf(v, c.Line) + "))")
		return
	}
	var parts []string
	simple := true
	for _, a := range c.Args {
		v := t.value(a, "v")
		switch v.kind {
		case kString:
			parts = append(parts, v.code)
		case kInt:
			parts = append(parts, v.code)
		case kBool:
			simple = false
			parts = append(parts, "data.Str("+v.code+")")
		case kTuple:
			parts = append(parts, v.code) // a fmt.Stringer
		default:
			parts = append(parts, "data.Str("+t.anyOf(v, c.Line)+")")
		}
	}
	if sep == " " && end == "\n" && simple {
		t.emit("fmt.Println(" + strings.Join(parts, ", ") + ")")
		return
	}
	if len(parts) == 0 {
		t.emit("fmt.Print(" + strconv.Quote(end) + ")")
		return
	}
	if len(parts) == 1 && end == "\n" {
		t.emit("fmt.Println(" + parts[0] + ")")
		return
	}
	strs := make([]string, len(parts))
	for i, p := range parts {
		if strings.HasPrefix(p, "data.Str(") || strings.HasPrefix(p, `"`) {
			strs[i] = p
		} else {
			strs[i] = "data.Str(" + p + ")"
		}
	}
	t.emit("fmt.Print(strings.Join([]string{" + strings.Join(strs, ", ") + "}, " + strconv.Quote(sep) + ") + " + strconv.Quote(end) + ")")
}

// fstring translates an f-string into fmt.Sprintf.
func (t *translator) fstring(s *Str) val {
	var format strings.Builder
	var argsCode []string
	v := s.Value
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '{' && i+1 < len(v) && v[i+1] == '{':
			format.WriteByte('{')
			i++
		case c == '}' && i+1 < len(v) && v[i+1] == '}':
			format.WriteByte('}')
			i++
		case c == '{':
			depth := 1
			j := i + 1
			var q byte
			for ; j < len(v) && depth > 0; j++ {
				switch {
				case q != 0:
					if v[j] == q {
						q = 0
					}
				case v[j] == '\'' || v[j] == '"':
					q = v[j]
				case v[j] == '{' || v[j] == '[' || v[j] == '(':
					depth++
				case v[j] == '}' || v[j] == ']' || v[j] == ')':
					depth--
				}
			}
			if depth != 0 {
				t.fail(s.Line, "unterminated {...} in f-string")
			}
			field := v[i+1 : j-1]
			i = j - 1
			verb, arg := t.formatField(field, s.Line, nil)
			format.WriteString(verb)
			argsCode = append(argsCode, arg)
		case c == '%':
			format.WriteString("%%")
		default:
			format.WriteByte(c)
		}
	}
	if len(argsCode) == 0 {
		return strLit(strings.ReplaceAll(format.String(), "%%", "%"))
	}
	return val{code: "fmt.Sprintf(" + strconv.Quote(format.String()) + ", " + strings.Join(argsCode, ", ") + ")", kind: kString}
}

// splitField splits "expr!conv:spec" at the top level.
func splitField(field string) (expr, conv, spec string) {
	depth := 0
	var q byte
	for i := 0; i < len(field); i++ {
		c := field[i]
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '\'' || c == '"':
			q = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case depth == 0 && c == '!' && i+1 < len(field) && field[i+1] != '=':
			rest := field[i+1:]
			conv = rest[:1]
			if k := strings.IndexByte(rest, ':'); k >= 0 {
				spec = rest[k+1:]
			}
			return field[:i], conv, spec
		case depth == 0 && c == ':':
			return field[:i], "", field[i+1:]
		}
	}
	return field, "", ""
}

// parseExprText parses a Python expression written inside a string.
func (t *translator) parseExprText(text string, line int) Expr {
	text = strings.TrimSpace(text)
	if strings.HasSuffix(text, "=") && !strings.HasSuffix(text, "==") {
		t.fail(line, "self-documenting f-string fields ({x=}) are outside the subset")
	}
	mod, err := Parse([]byte("(" + text + ")\n"))
	if err != nil || len(mod.Body) != 1 {
		t.fail(line, "cannot read the expression %q in a format string", text)
	}
	es, ok := mod.Body[0].(*ExprStmt)
	if !ok {
		t.fail(line, "cannot read the expression %q in a format string", text)
	}
	setLines(es.X, line)
	return es.X
}

// setLines sets the line of every node of an expression parsed from a
// string.
func setLines(e Expr, line int) {
	switch e := e.(type) {
	case *Name:
		e.Line = line
	case *Num:
		e.Line = line
	case *Str:
		e.Line = line
	case *Const:
		e.Line = line
	case *Attr:
		e.Line = line
		setLines(e.Value, line)
	case *Subscript:
		e.Line = line
		setLines(e.Value, line)
		setLines(e.Index, line)
	case *Call:
		e.Line = line
		setLines(e.Func, line)
		for _, a := range e.Args {
			setLines(a, line)
		}
		for _, k := range e.Keywords {
			setLines(k.Value, line)
		}
	case *BinOp:
		e.Line = line
		setLines(e.X, line)
		setLines(e.Y, line)
	case *UnaryOp:
		e.Line = line
		setLines(e.X, line)
	case *TupleExpr:
		e.Line = line
		for _, x := range e.Elts {
			setLines(x, line)
		}
	case *ListExpr:
		e.Line = line
		for _, x := range e.Elts {
			setLines(x, line)
		}
	case *Slice:
		e.Line = line
		for _, x := range []Expr{e.Lo, e.Hi, e.Step} {
			if x != nil {
				setLines(x, line)
			}
		}
	case *Compare:
		e.Line = line
		setLines(e.X, line)
		for _, x := range e.Comps {
			setLines(x, line)
		}
	case *BoolOp:
		e.Line = line
		setLines(e.X, line)
		setLines(e.Y, line)
	}
}

// formatField translates one replacement field: the Go verb and argument.
// With given set (str.format), the expression is looked up there.
func (t *translator) formatField(field string, line int, given func(string) val) (string, string) {
	exprText, conv, spec := splitField(field)
	var v val
	if given != nil {
		v = given(exprText)
	} else {
		v = t.value(t.parseExprText(exprText, line), "v")
	}
	v = t.materialize(v, "v")
	if conv == "r" {
		return "%s", "data.Repr(" + t.anyOf(v, line) + ")"
	}
	return t.specVerb(v, spec, line)
}

// specVerb maps a Python format spec applied to v to a Go verb and arg.
func (t *translator) specVerb(v val, spec string, line int) (string, string) {
	if strings.ContainsAny(spec, "{}") {
		t.fail(line, "nested format specs are outside the subset")
	}
	if spec == "" {
		switch v.kind {
		case kString:
			return "%s", v.code
		case kInt:
			return "%d", v.code
		}
		return "%s", "data.Str(" + t.anyOf(v, line) + ")"
	}
	// [flags][width][.prec]type with Go-compatible semantics
	i := 0
	flags := ""
	for i < len(spec) && strings.IndexByte("<>+ 0", spec[i]) >= 0 {
		switch spec[i] {
		case '>':
			// right-aligned: Go's default
		case '<':
			flags += "-"
		default:
			flags += string(spec[i])
		}
		i++
	}
	j := i
	for j < len(spec) && spec[j] >= '0' && spec[j] <= '9' {
		j++
	}
	width := spec[i:j]
	prec := ""
	if j < len(spec) && spec[j] == '.' {
		k := j + 1
		for k < len(spec) && spec[k] >= '0' && spec[k] <= '9' {
			k++
		}
		prec = spec[j:k]
		j = k
	}
	typ := spec[j:]
	simple := func(verb string, arg string) (string, string) {
		return "%" + flags + width + prec + verb, arg
	}
	if len(typ) <= 1 && !strings.Contains(flags, "-") || len(typ) <= 1 {
		switch {
		case v.isNumber() && (typ == "f" || typ == "F" || typ == "e" || typ == "E"):
			if prec == "" {
				prec = ".6"
			}
			return simple(strings.ToLower(typ), asFloat(v))
		case v.isNumber() && (typ == "g" || typ == "G"):
			if prec == "" {
				prec = ".6"
			}
			return simple(typ, asFloat(v))
		case v.kind == kInt && (typ == "d" || typ == "") && prec == "":
			return simple("d", v.code)
		case v.kind == kString && (typ == "s" || typ == "") && prec == "":
			return simple("s", v.code)
		}
	}
	return "%s", "data.Format(" + t.anyOf(v, line) + ", " + strconv.Quote(spec) + ")"
}

// percentFormat translates "fmt" % args.
func (t *translator) percentFormat(s *Str, argExpr Expr) val {
	var argv []Expr
	if tup, ok := argExpr.(*TupleExpr); ok {
		argv = tup.Elts
	} else {
		argv = []Expr{argExpr}
	}
	var format strings.Builder
	var argsCode []string
	v := s.Value
	n := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '%' {
			format.WriteByte(c)
			continue
		}
		if i+1 < len(v) && v[i+1] == '%' {
			format.WriteString("%%")
			i++
			continue
		}
		j := i + 1
		if j < len(v) && v[j] == '(' {
			t.fail(s.Line, "%%(name) formatting is outside the subset")
		}
		for j < len(v) && strings.IndexByte("-+ 0#", v[j]) >= 0 {
			j++
		}
		for j < len(v) && (v[j] >= '0' && v[j] <= '9' || v[j] == '.') {
			j++
		}
		if j >= len(v) {
			t.fail(s.Line, "bad %% format %q", v)
		}
		spec := v[i+1 : j]
		typ := v[j]
		i = j
		if n >= len(argv) {
			t.fail(s.Line, "not enough arguments for the format string")
		}
		a := t.value(argv[n], "v")
		n++
		if a.kind == kTensor && typ != 's' && typ != 'r' {
			// a one-element array formatted as a number
			a = t.materialize(val{code: "data.Item(" + a.code + ")", kind: kFloat, fallible: true}, "item")
		}
		switch typ {
		case 'd', 'i':
			if a.kind == kFloat {
				format.WriteString("%" + spec + "d")
				argsCode = append(argsCode, "int("+a.code+")")
				continue
			}
			if a.kind != kInt {
				t.fail(s.Line, "%%d needs a number, got %s", describe(a))
			}
			format.WriteString("%" + spec + "d")
			argsCode = append(argsCode, a.code)
		case 'f', 'F', 'e', 'E', 'g', 'G':
			if !a.isNumber() {
				a = t.materialize(t.floatOfVal(a, s.Line), "v")
			}
			sp := spec
			if (typ == 'g' || typ == 'G') && !strings.Contains(sp, ".") {
				sp += ".6"
			}
			format.WriteString("%" + sp + strings.ToLower(string(typ)))
			if typ == 'G' || typ == 'E' {
				f := format.String()
				format.Reset()
				format.WriteString(f[:len(f)-1] + string(typ))
			}
			argsCode = append(argsCode, asFloat(a))
		case 's':
			format.WriteString("%" + spec + "s")
			if a.kind == kString {
				argsCode = append(argsCode, a.code)
			} else {
				argsCode = append(argsCode, "data.Str("+t.anyOf(a, s.Line)+")")
			}
		case 'r':
			format.WriteString("%" + spec + "s")
			argsCode = append(argsCode, "data.Repr("+t.anyOf(a, s.Line)+")")
		default:
			t.fail(s.Line, "%%%c formatting is outside the subset", typ)
		}
	}
	if n != len(argv) {
		t.fail(s.Line, "not all arguments converted during string formatting")
	}
	return val{code: "fmt.Sprintf(" + strconv.Quote(format.String()) + ", " + strings.Join(argsCode, ", ") + ")", kind: kString}
}

func (t *translator) floatOfVal(v val, line int) val {
	if v.kind == kTensor {
		return val{code: "data.Item(" + v.code + ")", kind: kFloat, fallible: true}
	}
	t.fail(line, "a number is needed, got %s", describe(v))
	return val{}
}

// strFormat translates "template".format(args).
func (t *translator) strFormat(tmpl val, c *Call) val {
	s := tmpl.lit.s
	var format strings.Builder
	var argsCode []string
	auto := 0
	kw := map[string]Expr{}
	for _, k := range c.Keywords {
		if k.Name == "" {
			t.fail(c.Line, "format(**kwargs) is outside the subset")
		}
		kw[k.Name] = k.Value
	}
	lookup := func(name string) val {
		name = strings.TrimSpace(name)
		if name == "" {
			if auto >= len(c.Args) {
				t.fail(c.Line, "format: not enough positional arguments")
			}
			auto++
			return t.value(c.Args[auto-1], "v")
		}
		if i, err := strconv.Atoi(name); err == nil {
			if i >= len(c.Args) {
				t.fail(c.Line, "format: no argument %d", i)
			}
			return t.value(c.Args[i], "v")
		}
		if e, ok := kw[name]; ok {
			return t.value(e, name)
		}
		t.fail(c.Line, "format: field {%s} is outside the subset", name)
		return val{}
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '{' && i+1 < len(s) && s[i+1] == '{':
			format.WriteByte('{')
			i++
		case ch == '}' && i+1 < len(s) && s[i+1] == '}':
			format.WriteByte('}')
			i++
		case ch == '{':
			j := strings.IndexByte(s[i:], '}')
			if j < 0 {
				t.fail(c.Line, "format: unterminated field")
			}
			field := s[i+1 : i+j]
			i += j
			verb, arg := t.formatField(field, c.Line, lookup)
			format.WriteString(verb)
			argsCode = append(argsCode, arg)
		case ch == '%':
			format.WriteString("%%")
		default:
			format.WriteByte(ch)
		}
	}
	if len(argsCode) == 0 {
		return strLit(strings.ReplaceAll(format.String(), "%%", "%"))
	}
	return val{code: "fmt.Sprintf(" + strconv.Quote(format.String()) + ", " + strings.Join(argsCode, ", ") + ")", kind: kString}
}

func (t *translator) stringMethod(s val, name string, c *Call) val {
	switch name {
	case "format":
		if s.lit == nil {
			t.fail(c.Line, "format() on a string that is not a literal is outside the subset")
		}
		return t.strFormat(s, c)
	case "upper", "lower", "strip":
		if len(c.Args) > 0 || len(c.Keywords) > 0 {
			t.fail(c.Line, "%s() with arguments is outside the subset", name)
		}
		fn := map[string]string{"upper": "strings.ToUpper", "lower": "strings.ToLower", "strip": "strings.TrimSpace"}[name]
		return val{code: fn + "(" + s.code + ")", kind: kString}
	}
	t.fail(c.Line, "str.%s is outside the subset", name)
	return val{}
}

// noEffect reports whether a call only configures Python-side logging,
// printing, devices or hashing, with nothing to do in a Go program.
func noEffect(ref string) bool {
	switch ref {
	case "py:warnings.filterwarnings", "py:warnings.simplefilter", "numpy:set_printoptions",
		"tensorflow:compat.v1.logging.set_verbosity", "tensorflow:logging.set_verbosity",
		"tensorflow:autograph.set_verbosity", "tensorflow:debugging.set_log_device_placement",
		"tensorflow:config.experimental.set_memory_growth", "tensorflow:config.set_visible_devices",
		"tensorflow:config.threading.set_inter_op_parallelism_threads",
		"tensorflow:config.threading.set_intra_op_parallelism_threads",
		"tensorflow:config.run_functions_eagerly", "tensorflow:keras.utils.disable_interactive_logging",
		"keras:utils.disable_interactive_logging", "tensorflow:compat.v1.disable_eager_execution",
		"py:random.seed", "tensorflow:get_logger().setLevel":
		return true
	}
	return false
}
