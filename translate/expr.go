package translate

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

var builtins = map[string]bool{
	"print": true, "len": true, "range": true, "float": true, "int": true, "str": true, "abs": true,
	"round": true, "min": true, "max": true, "list": true, "dict": true, "open": true, "enumerate": true,
	"zip": true, "sum": true, "isinstance": true, "type": true, "bool": true, "tuple": true, "sorted": true,
	"input": true, "exit": true, "quit": true, "repr": true, "format": true, "map": true, "filter": true,
}

// goPrec is the Go precedence of a generated expression's top operator
// (0 for primaries).
func goPrec(op string) int {
	switch op {
	case "||":
		return 1
	case "&&":
		return 2
	case "==", "!=", "<", "<=", ">", ">=":
		return 3
	case "+", "-", "|", "^":
		return 4
	case "*", "/", "%", "<<", ">>", "&", "&^":
		return 5
	}
	return 0
}

// paren wraps code for use as an operand of an operator of precedence p.
func paren(code string, p int, right bool) string {
	q := exprPrec(code)
	if q == 0 || q > p || (q == p && !right) {
		return code
	}
	return "(" + code + ")"
}

// exprPrec finds the precedence of the loosest top-level binary operator in
// generated Go code (0 if none).
func exprPrec(code string) int {
	depth := 0
	best := 0
	inStr := byte(0)
	for i := 0; i < len(code); i++ {
		c := code[i]
		if inStr != 0 {
			if c == '\\' {
				i++
			} else if c == inStr {
				inStr = 0
			}
			continue
		}
		switch c {
		case '"', '`', '\'':
			inStr = c
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		}
		if depth != 0 || i == 0 {
			continue
		}
		for _, op := range []string{"||", "&&", "==", "!=", "<=", ">=", "&^", "<<", ">>"} {
			if strings.HasPrefix(code[i:], op) {
				if p := goPrec(op); best == 0 || p < best {
					best = p
				}
			}
		}
		if c == ' ' && i+2 < len(code) && code[i+2] == ' ' {
			switch code[i+1] {
			case '+', '-', '*', '/', '%', '<', '>', '|', '^', '&':
				if p := goPrec(string(code[i+1])); best == 0 || p < best {
					best = p
				}
			}
		}
	}
	return best
}

func (t *translator) use(b *binding) {
	b.uses++
	t.onUndo(func() { b.uses-- })
}

func (t *translator) tempName(hint string) string {
	base := goIdent(hint)
	if base == "" || base == "v" {
		base = "tmp"
	}
	return t.uniqueGo(base)
}

func (t *translator) uniqueGo(base string) string {
	name := base
	for i := 2; goReserved[name] || t.goNames[name]; i++ {
		name = base + strconv.Itoa(i)
	}
	t.goNames[name] = true
	t.onUndo(func() { delete(t.goNames, name) })
	return name
}

// materialize turns a fallible call into a temporary variable (with the
// error check) so that its value can be used inside another expression.
// genericHints are temporary names a more specific hint should replace.
var genericHints = map[string]bool{"v": true, "x": true, "y": true, "value": true, "arr": true, "tmp": true, "item": true, "elem": true, "i": true}

func (t *translator) materialize(v val, hint string) val {
	if !v.fallible {
		return v
	}
	if hint == "" || (genericHints[hint] && v.hint != "" && !genericHints[v.hint]) {
		hint = v.hint
	}
	name := t.tempName(hint)
	t.emitf("%s, err := %s", name, v.code)
	t.scope.errDeclared = true
	t.fatalCheck()
	v.code = name
	v.fallible = false
	return v
}

// value translates e and materializes it.
func (t *translator) value(e Expr, hint string) val {
	return t.materialize(t.expr(e), hint)
}

func (t *translator) expr(e Expr) val {
	switch e := e.(type) {
	case *Num:
		if e.Imag {
			t.fail(e.Line, "complex numbers are outside the subset")
		}
		text := pyNumberText(e.Text)
		if e.IsFloat {
			f, err := strconv.ParseFloat(text, 64)
			if err != nil {
				t.fail(e.Line, "bad number %s", e.Text)
			}
			return floatLit(f, text)
		}
		i, err := strconv.ParseInt(text, 0, 64)
		if err != nil {
			t.fail(e.Line, "number %s is too large", e.Text)
		}
		return intLit(i)
	case *Str:
		if e.Bytes {
			t.fail(e.Line, "bytes literals are outside the subset")
		}
		if e.F {
			return t.fstring(e)
		}
		return strLit(e.Value)
	case *Const:
		switch e.Value {
		case "True":
			return boolLit(true)
		case "False":
			return boolLit(false)
		case "None":
			return val{code: "nil", kind: kNone, lit: &literal{kind: kNone}}
		}
		t.fail(e.Line, "Ellipsis is outside the subset")
	case *Name:
		return t.name(e)
	case *Attr:
		return t.attr(e)
	case *Call:
		return t.call(e)
	case *Subscript:
		return t.subscript(e)
	case *ListExpr:
		v := val{kind: kPyList, line: e.Line, lines: e.Lines, py: e}
		for _, el := range e.Elts {
			if _, ok := el.(*Starred); ok {
				t.fail(e.Line, "starred elements are outside the subset")
			}
			v.elems = append(v.elems, t.expr(el))
		}
		return v
	case *TupleExpr:
		v := val{kind: kPyList, tuple: true, line: e.Line, py: e}
		for _, el := range e.Elts {
			if _, ok := el.(*Starred); ok {
				t.fail(e.Line, "starred elements are outside the subset")
			}
			v.elems = append(v.elems, t.expr(el))
			v.lines = append(v.lines, el.exprLine())
		}
		return v
	case *DictExpr:
		v := val{kind: kDict, line: e.Line, py: e}
		for i, k := range e.Keys {
			if k == nil {
				t.fail(e.Line, "dict unpacking (**) is outside the subset")
			}
			v.keys = append(v.keys, t.expr(k))
			v.elems = append(v.elems, t.dictValue(t.expr(e.Values[i]), "value"))
		}
		return v
	case *UnaryOp:
		return t.unary(e)
	case *BinOp:
		return t.binop(e)
	case *BoolOp:
		x := t.boolOf(e.X)
		y := t.boolOf(e.Y)
		op := "&&"
		if e.Op == "or" {
			op = "||"
		}
		p := goPrec(op)
		return val{code: paren(x.code, p, false) + " " + op + " " + paren(y.code, p, true), kind: kBool}
	case *Compare:
		return t.compare(e)
	case *Lambda:
		return val{kind: kLambda, lambda: e, line: e.Line}
	case *IfExp:
		t.fail(e.Line, "conditional expressions (a if c else b) are translated only inside a learning-rate schedule")
	case *Comp:
		t.fail(e.Line, "%s comprehensions are outside the subset", e.Kind)
	case *SetExpr:
		t.fail(e.Line, "sets are outside the subset")
	case *Starred:
		t.fail(e.Line, "starred arguments (*args, **kwargs) are outside the subset")
	case *NamedExpr:
		t.fail(e.Line, "assignment expressions (:=) are outside the subset")
	case *Slice:
		t.fail(e.Line, "a slice is only allowed inside [...]")
	}
	t.fail(e.exprLine(), "expression outside the subset")
	return val{}
}

func (t *translator) name(n *Name) val {
	if b, ok := t.names[n.ID]; ok {
		if b.alias != nil {
			v := *b.alias
			v.line = n.Line
			return v
		}
		t.use(b)
		return val{code: b.goName, kind: b.kind, goType: b.goType, bind: b, model: b.model, line: n.Line, hint: n.ID}
	}
	if p, ok := t.imports[n.ID]; ok {
		return val{kind: kModule, ref: p, line: n.Line}
	}
	if d, ok := t.defs[n.ID]; ok {
		return val{kind: kFunc, def: d, line: n.Line}
	}
	if line, ok := t.lost[n.ID]; ok {
		if strings.HasPrefix(t.codeAt(line), n.ID+".add(") {
			t.fail(n.Line, "%s has no first layer (no input shape): line %d, which adds it, was not translated", n.ID, line)
		}
		panic(untranslatable{line: n.Line, from: line, reason: fmt.Sprintf("%s comes from line %d, which was not translated", n.ID, line)})
	}
	if line, ok := t.classes[n.ID]; ok {
		t.fail(n.Line, "%s is the class defined at line %d, outside the subset", n.ID, line)
	}
	if builtins[n.ID] {
		return val{kind: kModule, ref: "builtins." + n.ID, line: n.Line}
	}
	t.fail(n.Line, "%s is not defined by a translated line of the script", n.ID)
	return val{}
}

func (t *translator) attr(a *Attr) val {
	base := t.expr(a.Value)
	if base.kind == kModule {
		return val{kind: kModule, ref: base.ref + "." + a.Attr, line: a.Line}
	}
	return t.property(base, a.Attr, a.Line)
}

// property translates x.name for a value that is not a module.
func (t *translator) property(x val, name string, line int) val {
	switch x.kind {
	case kTensor:
		x = t.materialize(x, "arr")
		switch name {
		case "shape":
			return val{code: "data.Tuple(" + x.code + ".Shape())", kind: kTuple, hint: "shape", py: nil}
		case "ndim":
			return val{code: x.code + ".Rank()", kind: kInt}
		case "size":
			return val{code: x.code + ".Len()", kind: kInt}
		case "values":
			return x // already an array (e.g. a split of a DataFrame)
		}
	case kFrame:
		switch name {
		case "values":
			return val{code: x.code + ".Values()", kind: kTensor, fallible: true, hint: x.hint + "Values"}
		case "columns":
			return val{code: x.code + ".Columns()", kind: kStrList}
		case "shape":
			return val{code: "data.Tuple(" + x.code + ".Shape())", kind: kTuple}
		}
	case kHistory:
		switch name {
		case "history":
			return val{code: x.code + ".History", kind: kHistDict, hint: "history"}
		case "epoch":
			return val{code: x.code + ".Epoch", kind: kIntList}
		}
	case kModel:
		switch name {
		case "layers":
			return val{code: x.code + ".Layers()", kind: kLayerList}
		case "name":
			return val{code: x.code + ".Name()", kind: kString}
		case "input_shape":
			return val{code: "data.Tuple(append([]int{-1}, " + x.code + ".InputShape()...))", kind: kTuple}
		case "output_shape":
			return val{code: "data.Tuple(append([]int{-1}, " + x.code + ".OutputShape()...))", kind: kTuple}
		case "stop_training":
			t.fail(line, "model.stop_training is set by callbacks; custom callbacks are outside the subset")
		}
	case kStdScaler:
		switch name {
		case "mean_":
			return val{code: x.code + ".Mean", kind: kFloatList}
		case "scale_":
			return val{code: x.code + ".Scale", kind: kFloatList}
		case "var_":
			return val{code: x.code + ".Var", kind: kFloatList}
		}
	case kLabelEncoder:
		if name == "classes_" {
			return val{code: x.code + ".Classes", kind: kStrList}
		}
	case kNpz:
		if name == "files" {
			return val{code: x.code + ".Files()", kind: kStrList}
		}
	case kHistDict:
		// history.history.keys() is a method; nothing else
	}
	t.fail(line, "attribute .%s of %s is outside the subset", name, describe(x))
	return val{}
}

func (t *translator) unary(e *UnaryOp) val {
	switch e.Op {
	case "not":
		x := t.boolOf(e.X)
		return val{code: "!" + paren(x.code, 6, false), kind: kBool}
	case "-", "+":
		x := t.expr(e.X)
		if x.lit != nil && (x.kind == kInt || x.kind == kFloat) {
			if e.Op == "+" {
				return x
			}
			if x.kind == kInt {
				return intLit(-x.lit.i)
			}
			return floatLit(-x.lit.f, "-"+x.code)
		}
		x = t.materialize(x, "x")
		switch x.kind {
		case kInt, kFloat:
			if e.Op == "+" {
				return x
			}
			return val{code: "-" + paren(x.code, 6, false), kind: x.kind}
		case kTensor:
			if e.Op == "+" {
				return x
			}
			return val{code: "data.Mul(" + x.code + ", data.Scalar(-1))", kind: kTensor, fallible: true, hint: "neg"}
		}
		if x.kind == kFrame && e.Op == "-" {
			return val{code: x.code + ".OpScalar(\"*\", -1, false)", kind: kFrame, hint: x.hint}
		}
		t.fail(e.Line, "unary %s on %s is outside the subset", e.Op, describe(x))
	case "~":
		if x := t.value(e.X, "mask"); x.kind == kFrame {
			return val{code: paren(x.code, 7, false) + ".Not()", kind: kFrame, hint: "mask"}
		}
	}
	t.fail(e.Line, "operator %s is outside the subset", e.Op)
	return val{}
}

// foldNum computes a binary operation on two literals as Python would.
func foldNum(op string, a, b *literal) (val, bool) {
	if a.kind == kString || b.kind == kString || a.kind == kNone || b.kind == kNone {
		if op == "+" && a.kind == kString && b.kind == kString {
			return strLit(a.s + b.s), true
		}
		return val{}, false
	}
	bothInt := a.kind != kFloat && b.kind != kFloat
	x, y := a.num(), b.num()
	if bothInt {
		ai, bi := int64(x), int64(y)
		switch op {
		case "+":
			return intLit(ai + bi), true
		case "-":
			return intLit(ai - bi), true
		case "*":
			return intLit(ai * bi), true
		case "//":
			if bi == 0 {
				return val{}, false
			}
			q := ai / bi
			if (ai%bi != 0) && ((ai < 0) != (bi < 0)) {
				q--
			}
			return intLit(q), true
		case "%":
			if bi == 0 {
				return val{}, false
			}
			m := ai % bi
			if m != 0 && ((m < 0) != (bi < 0)) {
				m += bi
			}
			return intLit(m), true
		case "**":
			if bi >= 0 && bi < 64 {
				r := int64(1)
				for i := int64(0); i < bi; i++ {
					r *= ai
				}
				return intLit(r), true
			}
		}
	}
	var r float64
	switch op {
	case "+":
		r = x + y
	case "-":
		r = x - y
	case "*":
		r = x * y
	case "/":
		if y == 0 {
			return val{}, false
		}
		r = x / y
	case "**":
		r = math.Pow(x, y)
	case "//":
		if y == 0 {
			return val{}, false
		}
		r = math.Floor(x / y)
	default:
		return val{}, false
	}
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return val{}, false
	}
	return floatLit(r, ""), true
}

func (t *translator) binop(e *BinOp) val {
	// string formatting: "fmt" % args
	if e.Op == "%" {
		if s, ok := e.X.(*Str); ok && !s.F {
			return t.percentFormat(s, e.Y)
		}
	}
	x := t.expr(e.X)
	y := t.expr(e.Y)
	if x.lit != nil && y.lit != nil {
		if v, ok := foldNum(e.Op, x.lit, y.lit); ok {
			return v
		}
	}
	x = t.materialize(x, "x")
	y = t.materialize(y, "y")
	if x.kind == kFrame || y.kind == kFrame {
		return t.frameOp(e.Line, e.Op, x, y)
	}
	if x.kind == kTensor || y.kind == kTensor {
		return t.tensorArith(e, x, y)
	}
	if x.kind == kString && y.kind == kString && e.Op == "+" {
		return val{code: x.code + " + " + y.code, kind: kString}
	}
	if !x.isNumber() || !y.isNumber() {
		t.fail(e.Line, "operator %s on %s and %s is outside the subset", e.Op, describe(x), describe(y))
	}
	bothInt := x.kind != kFloat && y.kind != kFloat
	switch e.Op {
	case "+", "-", "*":
		if bothInt {
			p := goPrec(e.Op)
			return val{code: paren(x.code, p, false) + " " + e.Op + " " + paren(y.code, p, true), kind: kInt}
		}
		p := goPrec(e.Op)
		return val{code: paren(asFloat(x), p, false) + " " + e.Op + " " + paren(asFloat(y), p, true), kind: kFloat}
	case "/":
		p := goPrec("/")
		return val{code: paren(asFloat(x), p, false) + " / " + paren(asFloat(y), p, true), kind: kFloat}
	case "//":
		if bothInt {
			return val{code: "data.FloorDiv(" + x.code + ", " + y.code + ")", kind: kInt}
		}
		return val{code: "math.Floor(" + asFloat(x) + " / " + paren(asFloat(y), 5, true) + ")", kind: kFloat}
	case "%":
		if bothInt {
			return val{code: "data.Mod(" + x.code + ", " + y.code + ")", kind: kInt}
		}
	case "**":
		return val{code: "math.Pow(" + asFloat(x) + ", " + asFloat(y) + ")", kind: kFloat}
	}
	t.fail(e.Line, "operator %s on numbers is outside the subset", e.Op)
	return val{}
}

func (t *translator) tensorArith(e *BinOp, x, y val) val {
	asT := func(v val) string {
		switch {
		case v.kind == kTensor:
			return v.code
		case v.isNumber():
			return "data.Scalar(" + asFloat(v) + ")"
		}
		t.fail(e.Line, "operator %s between an array and %s is outside the subset", e.Op, describe(v))
		return ""
	}
	fn := map[string]string{"+": "data.Add", "-": "data.Sub", "*": "data.Mul", "/": "data.Div"}[e.Op]
	if fn == "" {
		t.fail(e.Line, "array operator %s is outside the subset", e.Op)
	}
	return val{code: fn + "(" + asT(x) + ", " + asT(y) + ")", kind: kTensor, fallible: true, hint: x.hint + "Scaled"}
}

func (t *translator) compare(e *Compare) val {
	var parts []string
	left := t.value(e.X, "x")
	for i, op := range e.Ops {
		right := t.value(e.Comps[i], "y")
		if (left.kind == kFrame || right.kind == kFrame) && len(e.Ops) == 1 && op != "in" && op != "not in" && op != "is" && op != "is not" {
			return t.frameOp(e.Line, op, left, right)
		}
		if left.kind == kTensor || right.kind == kTensor {
			if len(e.Ops) > 1 {
				t.fail(e.Line, "chained array comparisons are outside the subset")
			}
			asT := func(v val) string {
				if v.kind == kTensor {
					return v.code
				}
				if v.isNumber() {
					return "data.Scalar(" + asFloat(v) + ")"
				}
				t.fail(e.Line, "comparing an array with %s is outside the subset", describe(v))
				return ""
			}
			if op == "<>" {
				op = "!="
			}
			return val{code: "data.Compare(" + asT(left) + ", " + strconv.Quote(op) + ", " + asT(right) + ")", kind: kTensor, fallible: true, hint: "mask"}
		}
		goOp := op
		switch op {
		case "is":
			goOp = "=="
		case "is not", "<>":
			goOp = "!="
		case "in", "not in":
			t.fail(e.Line, "the %s operator is outside the subset", op)
		}
		if goOp == "==" || goOp == "!=" {
			if left.kind == kNone || right.kind == kNone {
				// x is None: only meaningful for values that can be nil
				t.fail(e.Line, "comparisons with None are outside the subset")
			}
		}
		l, r := left.code, right.code
		if left.isNumber() && right.isNumber() && (left.kind == kFloat) != (right.kind == kFloat) {
			l, r = asFloat(left), asFloat(right)
		} else if left.kind != right.kind && !(left.isNumber() && right.isNumber()) {
			t.fail(e.Line, "comparing %s with %s is outside the subset", describe(left), describe(right))
		}
		parts = append(parts, paren(l, 3, false)+" "+goOp+" "+paren(r, 3, true))
		left = right
	}
	return val{code: strings.Join(parts, " && "), kind: kBool}
}

// boolOf translates a condition.
func (t *translator) boolOf(e Expr) val {
	v := t.value(e, "cond")
	switch v.kind {
	case kBool:
		return v
	case kInt:
		return val{code: paren(v.code, 3, false) + " != 0", kind: kBool}
	case kFloat:
		return val{code: paren(v.code, 3, false) + " != 0", kind: kBool}
	case kString:
		return val{code: paren(v.code, 3, false) + ` != ""`, kind: kBool}
	}
	t.fail(e.exprLine(), "%s used as a condition is outside the subset", describe(v))
	return val{}
}

// intOf translates an int-valued argument.
func (t *translator) intOf(e Expr, what string) val {
	v := t.value(e, what)
	switch v.kind {
	case kInt:
		return v
	case kBool:
		if v.lit != nil {
			if v.lit.b {
				return intLit(1)
			}
			return intLit(0)
		}
	case kFloat:
		if v.lit != nil && v.lit.f == math.Trunc(v.lit.f) && math.Abs(v.lit.f) < 1<<53 {
			return intLit(int64(v.lit.f))
		}
	}
	t.fail(e.exprLine(), "%s must be an int, got %s", what, describe(v))
	return val{}
}

// floatOf translates a float-valued argument (ints accepted).
func (t *translator) floatOf(e Expr, what string) val {
	v := t.value(e, what)
	switch v.kind {
	case kFloat:
		return v
	case kInt:
		if v.lit != nil {
			return floatLit(float64(v.lit.i), strconv.FormatInt(v.lit.i, 10))
		}
		return val{code: "float64(" + v.code + ")", kind: kFloat}
	case kBool:
		if v.lit != nil {
			return floatLit(v.lit.num(), "")
		}
	case kTensor:
		// a one-element array used as a number
		return val{code: "data.Item(" + v.code + ")", kind: kFloat, fallible: true}
	}
	t.fail(e.exprLine(), "%s must be a number, got %s", what, describe(v))
	return val{}
}

func (t *translator) stringOf(e Expr, what string) val {
	v := t.value(e, what)
	if v.kind != kString {
		t.fail(e.exprLine(), "%s must be a string, got %s", what, describe(v))
	}
	return v
}

func (t *translator) boolArg(e Expr, what string) val {
	v := t.value(e, what)
	switch v.kind {
	case kBool:
		return v
	case kInt:
		if v.lit != nil {
			return boolLit(v.lit.i != 0)
		}
	}
	t.fail(e.exprLine(), "%s must be True or False, got %s", what, describe(v))
	return val{}
}

// intsOf translates a shape-like argument: an int or a tuple/list of ints
// (None entries become -1 when allowNone).
func (t *translator) intsOf(e Expr, what string, allowNone bool) []string {
	v := t.expr(e)
	if v.kind == kPyList {
		var out []string
		for i, el := range v.elems {
			if el.kind == kNone && allowNone {
				out = append(out, "-1")
				continue
			}
			el = t.materialize(el, what)
			if el.kind != kInt {
				if el.kind == kFloat && el.lit != nil && el.lit.f == math.Trunc(el.lit.f) {
					out = append(out, strconv.FormatInt(int64(el.lit.f), 10))
					continue
				}
				t.fail(e.exprLine(), "%s[%d] must be an int, got %s", what, i, describe(el))
			}
			out = append(out, el.code)
		}
		return out
	}
	v = t.materialize(v, what)
	switch v.kind {
	case kInt:
		return []string{v.code}
	case kTuple:
		return []string{v.code + "..."}
	}
	t.fail(e.exprLine(), "%s must be an int or a tuple of ints, got %s", what, describe(v))
	return nil
}

// floatsOf translates a list/tuple of numbers.
func (t *translator) floatsOf(e Expr, what string) []string {
	v := t.expr(e)
	if v.kind != kPyList {
		v = t.materialize(v, what)
		if v.isNumber() {
			return []string{asFloat(v)}
		}
		t.fail(e.exprLine(), "%s must be a list of numbers, got %s", what, describe(v))
	}
	var out []string
	for i, el := range v.elems {
		el = t.materialize(el, what)
		if !el.isNumber() {
			t.fail(e.exprLine(), "%s[%d] must be a number, got %s", what, i, describe(el))
		}
		out = append(out, asFloat(el))
	}
	return out
}

// stringsOf translates a string or a list of strings.
func (t *translator) stringsOf(e Expr, what string) []string {
	v := t.expr(e)
	if v.kind == kPyList {
		var out []string
		for i, el := range v.elems {
			el = t.materialize(el, what)
			if el.kind != kString {
				t.fail(e.exprLine(), "%s[%d] must be a string, got %s", what, i, describe(el))
			}
			out = append(out, el.code)
		}
		return out
	}
	v = t.materialize(v, what)
	switch v.kind {
	case kString:
		return []string{v.code}
	case kStrList:
		return []string{v.code + "..."}
	}
	t.fail(e.exprLine(), "%s must be a string or a list of strings, got %s", what, describe(v))
	return nil
}

// tensorOf converts an array-like value to a *tensor.Tensor expression.
func (t *translator) tensorOf(e Expr, hint string) val {
	return t.toTensor(t.expr(e), e.exprLine(), hint)
}

func (t *translator) toTensor(v val, line int, hint string) val {
	return t.materialize(t.toTensorLazy(v, line, hint), hint)
}

// toTensorLazy converts v to an array expression, leaving the last call
// unmaterialized (for the right-hand side of an assignment).
func (t *translator) toTensorLazy(v val, line int, hint string) val {
	switch v.kind {
	case kTensor:
		return t.materialize(v, hint)
	case kFrame:
		v = t.materialize(v, hint+"Frame")
		return val{code: v.code + ".Values()", kind: kTensor, fallible: true, hint: hint}
	case kPyList:
		return t.arrayLiteral(v, line)
	case kFloatList:
		v = t.materialize(v, hint)
		if !isSimpleCode(v.code) {
			name := t.tempName(hint + "List")
			t.emitf("%s := %s", name, v.code)
			v.code = name
		}
		return val{code: "tensor.FromFloat64(" + v.code + ", len(" + v.code + "))", kind: kTensor, fallible: true, hint: hint}
	case kInt, kFloat:
		return val{code: "data.Scalar(" + asFloat(v) + ")", kind: kTensor}
	}
	t.fail(line, "%s cannot be used as an array here", describe(v))
	return val{}
}

// arrayLiteral builds a tensor from a nested list literal of numbers.
func (t *translator) arrayLiteral(v val, line int) val {
	var shape []int
	var flat []string
	var walk func(v val, depth int)
	walk = func(v val, depth int) {
		if v.kind == kPyList {
			if depth == len(shape) {
				shape = append(shape, len(v.elems))
			} else if shape[depth] != len(v.elems) {
				t.fail(line, "the nested list is not rectangular")
			}
			for _, el := range v.elems {
				walk(el, depth+1)
			}
			return
		}
		if depth != len(shape) {
			t.fail(line, "the nested list is not rectangular")
		}
		v = t.materialize(v, "elem")
		if !v.isNumber() {
			t.fail(line, "array elements must be numbers, got %s", describe(v))
		}
		if v.lit != nil {
			flat = append(flat, float32Lit(v.lit.num()))
		} else {
			flat = append(flat, "float32("+v.code+")")
		}
	}
	walk(v, 0)
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	code := "tensor.FromSlice([]float32{" + strings.Join(flat, ", ") + "}"
	if len(dims) > 0 {
		code += ", " + strings.Join(dims, ", ")
	}
	code += ")"
	return val{code: code, kind: kTensor, fallible: true, hint: "arr"}
}

func float32Lit(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	return s
}

// frameOp translates an element-wise operator with a DataFrame operand
// (data.Frame.Op, OpScalar).
func (t *translator) frameOp(line int, op string, x, y val) val {
	switch op {
	case "+", "-", "*", "/", "<", ">", "<=", ">=", "==", "!=", "|", "&":
	default:
		t.fail(line, "operator %s on a DataFrame is outside the subset", op)
	}
	q := strconv.Quote(op)
	switch {
	case x.kind == kFrame && y.kind == kFrame:
		return val{code: paren(x.code, 7, false) + ".Op(" + q + ", " + y.code + ")", kind: kFrame, hint: x.hint}
	case x.kind == kFrame && y.isNumber():
		return val{code: paren(x.code, 7, false) + ".OpScalar(" + q + ", " + asFloat(y) + ", false)", kind: kFrame, hint: x.hint}
	case y.kind == kFrame && x.isNumber():
		return val{code: paren(y.code, 7, false) + ".OpScalar(" + q + ", " + asFloat(x) + ", true)", kind: kFrame, hint: y.hint}
	}
	t.fail(line, "operator %s between %s and %s is outside the subset", op, describe(x), describe(y))
	return val{}
}
