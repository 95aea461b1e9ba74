package translate

import (
	"fmt"
	"strconv"
	"strings"
)

func (t *translator) scanDefs(stmts []Stmt) {
	for _, s := range stmts {
		if d, ok := s.(*DefStmt); ok {
			t.defs[d.Name] = d
		}
	}
}

// lastLine returns the last source line of a statement, including its
// blocks.
func lastLine(s Stmt) int {
	_, end := s.span()
	var blocks [][]Stmt
	switch s := s.(type) {
	case *IfStmt:
		blocks = [][]Stmt{s.Body, s.Else}
	case *ForStmt:
		blocks = [][]Stmt{s.Body, s.Else}
	case *WhileStmt:
		blocks = [][]Stmt{s.Body, s.Else}
	case *WithStmt:
		blocks = [][]Stmt{s.Body}
	case *DefStmt:
		if s.BodyEnd > end {
			end = s.BodyEnd
		}
		blocks = [][]Stmt{s.Body}
	case *ClassStmt:
		if s.BodyEnd > end {
			end = s.BodyEnd
		}
		blocks = [][]Stmt{s.Body}
	case *TryStmt:
		blocks = [][]Stmt{s.Body}
		for _, c := range s.Clauses {
			blocks = append(blocks, c.Body)
		}
	}
	for _, b := range blocks {
		for _, x := range b {
			if l := lastLine(x); l > end {
				end = l
			}
		}
	}
	return end
}

func (t *translator) block(stmts []Stmt) {
	for i, s := range stmts {
		from, _ := s.span()
		if i > 0 {
			prevEnd := lastLine(stmts[i-1])
			if from > prevEnd+1 && t.blankBetween(prevEnd, from) {
				t.emit("")
			}
		}
		t.stmt(s)
	}
}

// blankBetween reports whether a blank line separates two statements.
func (t *translator) blankBetween(prevEnd, next int) bool {
	for l := prevEnd + 1; l < next && l <= len(t.lines); l++ {
		if strings.TrimSpace(t.lines[l-1]) == "" {
			return true
		}
	}
	return false
}

func (t *translator) stmt(s Stmt) {
	from, to := s.span()
	t.curFrom, t.curTo = from, to
	t.flushComments(from)
	switch s := s.(type) {
	case *BadStmt:
		t.todoEachLine(from, to, "outside the subset ("+s.Err+")")
		return
	case *ClassStmt:
		t.classes[s.Name] = from
		t.todoEachLine(from, lastLine(s), "class "+s.Name+": classes defined in the script (custom layers, models, callbacks) are outside the subset")
		return
	case *DefStmt:
		t.skipComments(lastLine(s))
		t.emitf("// def %s(...): lines %d-%d are translated where the function is used.", s.Name, from, lastLine(s))
		return
	case *WhileStmt:
		t.todoEachLine(from, lastLine(s), "while loops are outside the subset")
		return
	case *TryStmt:
		t.todoEachLine(from, lastLine(s), "try/except is outside the subset")
		return
	case *IfStmt:
		t.ifStmt(s)
		return
	case *ForStmt:
		t.forStmt(s)
		return
	case *WithStmt:
		t.withStmt(s)
		return
	case *ImportStmt, *FromImportStmt:
		t.importStmt(s)
		return
	}
	// a call of a function of the script, as a statement or the whole
	// right-hand side of an assignment, is inlined
	if d, c, targets := t.defCall(s); d != nil {
		t.inlineStmt(s, d, c, targets)
		return
	}
	ok, u := t.guard(func() {
		t.emitSource(from, to)
		t.simple(s)
		for len(t.after) > 0 {
			f := t.after[0]
			t.after = t.after[1:]
			f()
		}
	})
	if !ok {
		t.lostTargets(s, from)
		t.failedKnockOn(s, from)
		t.todo(from, to, u.reason)
		return
	}
	t.translatedKnockOn(s, from)
}

// lostTargets records the names a failed statement would have assigned.
func (t *translator) lostTargets(s Stmt, line int) {
	var targets []Expr
	switch s := s.(type) {
	case *AssignStmt:
		targets = s.Targets
	case *AugAssignStmt:
		targets = []Expr{s.Target}
	case *AnnAssignStmt:
		targets = []Expr{s.Target}
	}
	var walk func(e Expr)
	walk = func(e Expr) {
		switch e := e.(type) {
		case *Name:
			t.delName(e.ID)
			t.setLost(e.ID, line)
		case *TupleExpr:
			for _, x := range e.Elts {
				walk(x)
			}
		case *ListExpr:
			for _, x := range e.Elts {
				walk(x)
			}
		}
	}
	for _, e := range targets {
		walk(e)
	}
}

func (t *translator) importStmt(s Stmt) {
	switch s := s.(type) {
	case *ImportStmt:
		for _, n := range s.Names {
			if n.Alias != "" {
				t.imports[n.Alias] = n.Name
			} else {
				first := n.Name
				if i := strings.IndexByte(first, '.'); i >= 0 {
					first = first[:i]
				}
				t.imports[first] = first
			}
		}
	case *FromImportStmt:
		if s.Names == nil {
			from, to := s.span()
			t.todo(from, to, "import * is outside the subset: import the names used")
			return
		}
		if s.Module == "__future__" {
			return
		}
		for _, n := range s.Names {
			local := n.Name
			if n.Alias != "" {
				local = n.Alias
			}
			t.imports[local] = s.Module + "." + n.Name
			t.delName(local)
		}
	}
}

// defCall finds a statement that calls a function of the script.
func (t *translator) defCall(s Stmt) (*DefStmt, *Call, []Expr) {
	var c *Call
	var targets []Expr
	switch s := s.(type) {
	case *ExprStmt:
		c, _ = s.X.(*Call)
	case *AssignStmt:
		c, _ = s.Value.(*Call)
		targets = s.Targets
	}
	if c == nil {
		return nil, nil, nil
	}
	n, ok := c.Func.(*Name)
	if !ok {
		return nil, nil, nil
	}
	if _, bound := t.names[n.ID]; bound {
		return nil, nil, nil
	}
	d, ok := t.defs[n.ID]
	if !ok {
		return nil, nil, nil
	}
	return d, c, targets
}

// inlineStmt translates a call of a function of the script by inlining
// its body.
func (t *translator) inlineStmt(s Stmt, d *DefStmt, c *Call, targets []Expr) {
	from, to := s.span()
	ok, u := t.guard(func() {
		t.emitSource(from, to)
		t.emitf("// (%s, defined at line %d, inlined:)", d.Name, d.Line)
		ret := t.inline(d, c)
		if len(targets) > 0 {
			if ret == nil {
				t.fail(c.Line, "%s returns no value", d.Name)
			}
			t.emitf("// %s", strings.TrimSpace(t.lines[from-1]))
			for _, target := range targets {
				t.assignTo(target, *ret, c.Line)
			}
		}
	})
	if !ok {
		t.lostTargets(s, from)
		t.failedKnockOn(s, from)
		t.todo(from, to, t.inlineFailure(d, u))
		return
	}
	t.translatedKnockOn(s, from)
}

// inlineFailure explains why a call of a function of the script could not
// be inlined, pointing at the line of the function that failed (and, when
// that line only read a value an earlier untranslated line of the function
// should have made, at that earlier line and its reason).
func (t *translator) inlineFailure(d *DefStmt, u untranslatable) string {
	first, last := d.Line, lastLine(d)
	if u.line < first || u.line > last {
		return u.reason
	}
	if root, ok := t.failed[u.from]; ok && u.from >= first && u.from <= last {
		return fmt.Sprintf("%s (line %d) could not be inlined: line %d: %s: %s", d.Name, d.Line, root.Line, root.Code, root.Reason)
	}
	return fmt.Sprintf("%s (line %d) could not be inlined: line %d: %s: %s", d.Name, d.Line, u.line, t.codeAt(u.line), u.reason)
}

// inline translates a function body at the call site and returns the
// value of its final return statement (nil if none).
func (t *translator) inline(d *DefStmt, c *Call) *val {
	if t.inlining[d.Name] {
		t.fail(c.Line, "recursive call of %s", d.Name)
	}
	if len(d.Decorators) > 0 {
		t.fail(c.Line, "decorated functions are outside the subset")
	}
	t.inlining[d.Name] = true
	defer delete(t.inlining, d.Name)
	saved := map[string]*binding{}
	for k, v := range t.names {
		saved[k] = v
	}
	// bind parameters
	kw := map[string]Expr{}
	for _, k := range c.Keywords {
		if k.Name == "" {
			t.fail(c.Line, "**kwargs are outside the subset")
		}
		kw[k.Name] = k.Value
	}
	for i, p := range d.Params {
		if p.Star != "" {
			t.fail(c.Line, "functions with *args or **kwargs are outside the subset")
		}
		var e Expr
		switch {
		case i < len(c.Args):
			e = c.Args[i]
			if _, ok := e.(*Starred); ok {
				t.fail(c.Line, "*args are outside the subset")
			}
		case kw[p.Name] != nil:
			e = kw[p.Name]
			delete(kw, p.Name)
		case p.Default != nil:
			e = p.Default
		default:
			t.fail(c.Line, "%s() missing argument %s", d.Name, p.Name)
		}
		// evaluate in the caller's names
		cur := t.names
		t.names = saved
		v := t.exprRestoring(e, func() { t.names = cur })
		if v.bind != nil && !v.fallible {
			t.setName(p.Name, v.bind)
			continue
		}
		if v.lit != nil || v.kind == kModule || v.kind == kPyList || v.kind == kLambda || v.kind == kFunc || v.kind == kSymbolic || v.kind == kNone || v.kind == kDict {
			vv := v
			t.setName(p.Name, &binding{py: p.Name, alias: &vv})
			continue
		}
		t.assignName(p.Name, v, c.Line)
	}
	if len(c.Args) > len(d.Params) {
		t.fail(c.Line, "%s() takes %d arguments", d.Name, len(d.Params))
	}
	for k := range kw {
		t.fail(c.Line, "%s() got an unexpected keyword argument %s", d.Name, k)
	}
	var ret *val
	for i, st := range d.Body {
		if r, ok := st.(*ReturnStmt); ok {
			if i != len(d.Body)-1 {
				t.fail(r.Line, "return before the end of %s is outside the subset", d.Name)
			}
			if r.Value != nil {
				from, to := r.span()
				t.emitSource(from, to)
				v := t.expr(r.Value)
				if v.fallible {
					v = t.materialize(v, "result")
				}
				ret = &v
			}
			continue
		}
		if _, isStr := st.(*ExprStmt); isStr && i == 0 {
			if _, doc := st.(*ExprStmt).X.(*Str); doc {
				continue // docstring
			}
		}
		if i > 0 {
			prevEnd := lastLine(d.Body[i-1])
			if from, _ := st.span(); from > prevEnd+1 && t.blankBetween(prevEnd, from) {
				t.emit("")
			}
		}
		t.stmtInline(st)
	}
	// the function's locals go out of scope (their Go variables stay)
	t.replaceNames(saved)
	return ret
}

// stmtInline translates a statement of an inlined body (comments inside
// function bodies were skipped with the def).
func (t *translator) stmtInline(s Stmt) {
	saveIdx := t.cIdx
	t.cIdx = len(t.comments)
	t.stmt(s)
	t.cIdx = saveIdx
}

// simple translates a simple statement.
func (t *translator) simple(s Stmt) {
	switch s := s.(type) {
	case *ExprStmt:
		t.exprStmt(s)
	case *AssignStmt:
		v := t.expr(s.Value)
		if len(s.Targets) > 1 && (v.fallible || v.kind == kPyList) {
			v = t.materialize(v, "value")
		}
		for _, target := range s.Targets {
			t.assignTo(target, v, s.Line)
		}
	case *AnnAssignStmt:
		if s.Value == nil {
			return
		}
		t.assignTo(s.Target, t.expr(s.Value), s.Line)
	case *AugAssignStmt:
		t.augAssign(s)
	case *SimpleStmt:
		switch s.Keyword {
		case "pass":
			return
		case "del":
			t.emit("// (nothing to delete in Go)")
			return
		case "break", "continue":
			if t.scope == t.top {
				t.fail(s.Line, "%s outside a loop", s.Keyword)
			}
			t.emit(s.Keyword)
			return
		case "global", "nonlocal":
			return
		}
		t.fail(s.Line, "%s statements are outside the subset", s.Keyword)
	case *ReturnStmt:
		t.fail(s.Line, "return outside a function that is inlined is outside the subset")
	default:
		from, _ := s.span()
		t.fail(from, "statement outside the subset")
	}
}

func (t *translator) exprStmt(s *ExprStmt) {
	switch x := s.X.(type) {
	case *Str:
		// a docstring or bare string: kept as the comment above
		return
	case *Call:
		if n, ok := x.Func.(*Name); ok && n.ID == "print" {
			if _, bound := t.names["print"]; !bound {
				t.printStmt(x)
				return
			}
		}
		// list.pop() of a list literal, as a statement
		if a, ok := x.Func.(*Attr); ok && a.Attr == "pop" && len(x.Args) == 0 && len(x.Keywords) == 0 {
			if n, ok := a.Value.(*Name); ok {
				if b := t.names[n.ID]; b != nil && b.alias != nil && b.alias.kind == kPyList && len(b.alias.elems) > 0 {
					l := *b.alias
					l.elems = l.elems[:len(l.elems)-1]
					if len(l.lines) > len(l.elems) {
						l.lines = l.lines[:len(l.elems)]
					}
					t.setName(n.ID, &binding{py: n.ID, alias: &l, listTop: b.listTop})
					t.emit("// (" + n.ID + " is a Python list, written out where it is used: its last element is removed)")
					t.note(s.Line, "%s.pop() drops the last element of %s only: another name for the same Python list keeps it", n.ID, n.ID)
					return
				}
			}
		}
		// list.append
		if a, ok := x.Func.(*Attr); ok && a.Attr == "append" {
			if n, ok := a.Value.(*Name); ok {
				if b := t.names[n.ID]; b != nil {
					t.appendStmt(b, x, s.Line)
					return
				}
			}
		}
	}
	v := t.expr(s.X)
	switch {
	case v.noValue:
		if v.code == "" {
			if v.hint != "" {
				t.emit("// (" + v.hint + ")")
			}
			return
		}
		t.emit("if err := " + v.code + "; err != nil {\nlog.Fatal(err)\n}")
	case v.fallible:
		t.emit("if _, err := " + v.code + "; err != nil {\nlog.Fatal(err)\n}")
	case v.kind == kModule || v.kind == kLambda || v.kind == kFunc || v.lit != nil || v.kind == kPyList || v.kind == kDict || v.kind == kSymbolic:
		t.emit("// (an expression with no effect)")
	case v.code != "":
		if strings.Contains(v.code, "(") {
			t.emit("_ = " + v.code)
		} else {
			t.emit("// (an expression with no effect)")
		}
	}
}

// assignTo assigns v to a target expression.
func (t *translator) assignTo(target Expr, v val, line int) {
	switch tg := target.(type) {
	case *Name:
		t.assignName(tg.ID, v, line)
		return
	case *TupleExpr, *ListExpr:
		var elts []Expr
		if te, ok := tg.(*TupleExpr); ok {
			elts = te.Elts
		} else {
			elts = tg.(*ListExpr).Elts
		}
		t.unpack(elts, v, line)
		return
	case *Attr:
		base := t.expr(tg.Value)
		if tg.Attr == "trainable" && (base.kind == kLayer || base.kind == kModel) {
			t.fail(line, "setting .trainable after construction is outside the subset (pass trainable=False to the layer)")
		}
		t.fail(line, "assigning to .%s of %s is outside the subset", tg.Attr, describe(base))
	case *Subscript:
		if a, ok := tg.Value.(*Attr); ok && a.Attr == "environ" {
			if n, ok := a.Value.(*Name); ok && t.imports[n.ID] == "os" {
				t.emit("// (environment variables for TensorFlow or Python hashing have no effect on kerago)")
				return
			}
		}
		if t.rcParamsFigsize(tg, v, line) {
			return
		}
		if n, ok := tg.Value.(*Name); ok {
			if b := t.names[n.ID]; b != nil && b.alias != nil && b.alias.kind == kDict {
				t.dictSet(n.ID, b, tg.Index, v, line)
				return
			}
		}
		t.fail(line, "assigning to an element or column is outside the subset")
	case *Starred:
		t.fail(line, "starred assignment is outside the subset")
	}
	t.fail(line, "assignment target outside the subset")
}

func (t *translator) unpack(elts []Expr, v val, line int) {
	for _, e := range elts {
		if _, ok := e.(*Starred); ok {
			t.fail(line, "starred unpacking is outside the subset")
		}
	}
	switch v.kind {
	case kPyList:
		if len(v.elems) != len(elts) {
			t.fail(line, "cannot unpack %d values into %d names", len(v.elems), len(elts))
		}
		vals := make([]val, len(v.elems))
		for i, el := range v.elems {
			vals[i] = t.materialize(el, "value")
		}
		for i, e := range elts {
			t.assignTo(e, vals[i], line)
		}
		return
	case kTensorList, kFloatList, kStrList, kIntList, kLayerList:
		if v.elems != nil && len(v.elems) != len(elts) {
			t.fail(line, "cannot unpack %d values into %d names", len(v.elems), len(elts))
		}
		v = t.materialize(v, v.hint)
		if !isSimpleCode(v.code) {
			name := t.tempName(v.hint)
			t.emitf("%s := %s", name, v.code)
			v.code = name
		}
		elem := map[vkind]vkind{kTensorList: kTensor, kFloatList: kFloat, kStrList: kString, kIntList: kInt, kLayerList: kLayer}[v.kind]
		for i, e := range elts {
			t.assignTo(e, val{code: v.code + "[" + strconv.Itoa(i) + "]", kind: elem, hint: "value"}, line)
		}
		return
	}
	t.fail(line, "unpacking %s is outside the subset", describe(v))
}

// pureList reports whether a list literal's elements are side-effect free
// (literals or variables), so it can stay a translation-time value.
func pureList(v val) bool {
	for _, el := range v.elems {
		switch {
		case el.lit != nil, el.kind == kModule:
		case el.bind != nil && !el.fallible && isSimpleCode(el.code):
		case el.kind == kPyList && pureList(el):
		default:
			return false
		}
	}
	return true
}

func (t *translator) goNameFor(py string, k vkind) string {
	base := goIdent(py)
	if goReserved[base] || t.goNames[base] {
		suffix := map[vkind]string{kTensor: "Arr", kFrame: "DF", kModel: "Model", kLayer: "Layer", kFloatList: "List", kNpz: "Npz",
			kStrList: "List", kIntList: "List", kTensorList: "List", kCallbackList: "List", kLayerList: "List", kHistory: "Hist"}[k]
		if suffix == "" {
			suffix = "Val"
		}
		if !goReserved[base+suffix] && !t.goNames[base+suffix] {
			base += suffix
		}
	}
	return t.uniqueGo(base)
}

// assignName binds a Python name to a value.
func (t *translator) assignName(py string, v val, line int) {
	t.delLost(py)
	if v.noValue {
		t.fail(line, "the call has no value to assign")
	}
	switch v.kind {
	case kModule, kFunc, kLambda, kSymbolic, kDict, kNone:
		vv := v
		t.setName(py, &binding{py: py, alias: &vv})
		switch v.kind {
		case kSymbolic:
			t.emit("// (" + py + " is a Keras tensor: its layers go into the model built from it)")
		case kModule:
			t.emit("// (" + py + " names " + v.ref + ")")
		case kLambda, kFunc:
			t.emit("// (" + py + " is a function, translated where it is used)")
		case kDict:
			t.emit("// (" + py + " is a dict, written out where it is used)")
		}
		return
	case kPyList:
		if pureList(v) {
			vv := v
			b := &binding{py: py, alias: &vv, listTop: t.scope == t.top}
			t.setName(py, b)
			t.emitFn(func() string {
				if b.alias != nil {
					return "// (" + py + " is a Python list, written out where it is used)"
				}
				if b.uses == 0 {
					return "_ = " + b.listInit
				}
				return b.goName + " := " + b.listInit
			})
			return
		}
		v = t.typedList(v, line)
	case kLogs:
		// evaluate(return_dict=True)
	}
	typ := goTypeOf(v.kind, v.goType)
	if typ == "" {
		t.fail(line, "%s cannot be stored in a variable", describe(v))
	}
	if b := t.names[py]; b != nil && b.alias == nil && b.goType == typ && b.goName != "" {
		t.assignExisting(b, v)
		if v.model != nil {
			old := b.model
			b.model = v.model
			t.onUndo(func() { b.model = old })
		}
		t.afterAssign(b, v)
		return
	}
	if v.bind != nil && !v.fallible && v.code == v.bind.goName && v.bind.goType == typ {
		// x = y where y is a variable: share it (Go variables are references
		// for every kind that is not a number, string or bool)
		switch v.kind {
		case kInt, kFloat, kString, kBool:
		default:
			t.setName(py, v.bind)
			if py != v.bind.py {
				t.emitf("// (%s is %s)", py, v.bind.py)
			}
			return
		}
	}
	b := &binding{py: py, goName: t.goNameFor(py, v.kind), kind: v.kind, goType: typ, model: v.model}
	t.setName(py, b)
	t.declare(b, v)
	t.afterAssign(b, v)
}

// typedList gives a list literal a Go slice type from its elements.
func (t *translator) typedList(v val, line int) val {
	if len(v.elems) == 0 {
		t.fail(line, "an empty list has no type to translate to")
	}
	k := v.elems[0].kind
	for _, el := range v.elems {
		if el.kind != k && !(k == kLayer && el.kind == kNormLayer) {
			t.fail(line, "a list mixing %s and %s is outside the subset", describe(v.elems[0]), describe(el))
		}
	}
	var parts []string
	for _, el := range v.elems {
		parts = append(parts, t.materialize(el, el.hint).code)
	}
	switch k {
	case kLayer, kNormLayer:
		return val{code: "[]layers.Layer{" + strings.Join(parts, ", ") + "}", kind: kLayerList}
	case kCallback:
		return val{code: "[]callbacks.Callback{" + strings.Join(parts, ", ") + "}", kind: kCallbackList}
	case kTensor:
		return val{code: "[]*tensor.Tensor{" + strings.Join(parts, ", ") + "}", kind: kTensorList}
	case kFloat:
		return val{code: "[]float64{" + strings.Join(parts, ", ") + "}", kind: kFloatList}
	case kString:
		return val{code: "[]string{" + strings.Join(parts, ", ") + "}", kind: kStrList}
	case kInt:
		return val{code: "[]int{" + strings.Join(parts, ", ") + "}", kind: kIntList}
	}
	t.fail(line, "a list of %s is outside the subset", describe(v.elems[0]))
	return val{}
}

// afterAssign emits what follows the creation of a model: its name and
// kerago's seed.
func (t *translator) afterAssign(b *binding, v val) {
	if v.kind != kModel {
		return
	}
	if v.postName != "" {
		t.use(b)
		t.emitf("%s.SetName(%s)", b.goName, v.postName)
	}
	if t.seedExpr != "" {
		t.use(b)
		t.emitf("%s.SetSeed(%s)", b.goName, t.seedExpr)
	}
}

// errVisible reports whether err is declared in the current scope chain.
func (t *translator) errVisible() bool {
	for s := t.scope; s != nil; s = s.parent {
		if s.errDeclared {
			return true
		}
	}
	return false
}

// ensureErr makes err visible inside a block (declared before the block).
func (t *translator) ensureErr() {
	if t.errVisible() {
		return
	}
	if t.top.slot != nil {
		t.top.slot.errVar = true
	}
	t.top.errDeclared = true
}

// declare emits the first assignment of a new variable.
func (t *translator) declare(b *binding, v val) {
	code := v.code
	if t.scope == t.top || t.top.slot == nil {
		errNew := v.fallible && !t.errVisible()
		if v.fallible {
			t.scope.errDeclared = true
		}
		t.emitFn(func() string {
			if b.uses == 0 {
				if v.fallible {
					if errNew {
						return "_, err := " + code
					}
					return "_, err = " + code
				}
				return "_ = " + code
			}
			if v.fallible {
				return b.goName + ", err := " + code
			}
			return b.goName + " := " + code
		})
	} else {
		b.hoisted = true
		t.top.slot.vars = append(t.top.slot.vars, b)
		if v.fallible {
			t.ensureErr()
		}
		t.emitFn(func() string {
			name := b.goName
			if b.uses == 0 {
				name = "_"
			}
			if v.fallible {
				return name + ", err = " + code
			}
			return name + " = " + code
		})
	}
	if v.fallible {
		t.fatalCheck()
	}
}

// assignExisting emits an assignment to a declared variable.
func (t *translator) assignExisting(b *binding, v val) {
	code := v.code
	if v.fallible {
		op := "="
		if t.scope == t.top {
			if !t.errVisible() {
				op = ":="
				t.scope.errDeclared = true
			}
		} else {
			t.ensureErr()
		}
		t.emitFn(func() string {
			name := b.goName
			if b.uses == 0 {
				name = "_"
			}
			return name + ", err " + op + " " + code
		})
		t.fatalCheck()
		return
	}
	t.emitFn(func() string {
		name := b.goName
		if b.uses == 0 {
			name = "_"
		}
		return name + " = " + code
	})
}

func (t *translator) augAssign(s *AugAssignStmt) {
	n, ok := s.Target.(*Name)
	if !ok {
		t.fail(s.Line, "augmented assignment to %s is outside the subset", "an element or attribute")
	}
	b := t.names[n.ID]
	if b == nil || b.alias != nil {
		t.fail(s.Line, "%s is not a variable here", n.ID)
	}
	bin := &BinOp{Line: s.Line, Op: s.Op, X: s.Target, Y: s.Value}
	v := t.expr(bin)
	if v.kind != b.kind {
		t.assignName(n.ID, v, s.Line)
		return
	}
	t.assignExisting(b, v)
}

// slotFor starts a top-level compound statement: a place before it where
// variables first assigned inside its blocks are declared.
func (t *translator) openSlot() (*hoistSlot, bool) {
	if t.scope != t.top || t.top.slot != nil {
		return t.top.slot, false
	}
	slot := &hoistSlot{}
	t.top.slot = slot
	t.emitFn(func() string {
		var lines []string
		if slot.errVar {
			lines = append(lines, "var err error")
		}
		for _, b := range slot.vars {
			if b.uses > 0 {
				lines = append(lines, "var "+b.goName+" "+b.goType)
			}
		}
		if len(lines) == 0 {
			return "\x00"
		}
		return strings.Join(lines, "\n")
	})
	return slot, true
}

func (t *translator) closeSlot(opened bool) {
	if opened {
		t.top.slot = nil
	}
}

func (t *translator) pushScope() { t.scope = &goScope{parent: t.scope} }
func (t *translator) popScope()  { t.scope = t.scope.parent }

// isMainGuard reports whether cond is __name__ == "__main__".
func isMainGuard(cond Expr) bool {
	c, ok := cond.(*Compare)
	if !ok || len(c.Ops) != 1 || c.Ops[0] != "==" {
		return false
	}
	n, ok1 := c.X.(*Name)
	s, ok2 := c.Comps[0].(*Str)
	if !ok1 || !ok2 {
		n2, ok3 := c.Comps[0].(*Name)
		s2, ok4 := c.X.(*Str)
		return ok3 && ok4 && n2.ID == "__name__" && s2.Value == "__main__"
	}
	return n.ID == "__name__" && s.Value == "__main__"
}

func (t *translator) ifStmt(s *IfStmt) {
	from, to := s.span()
	if isMainGuard(s.Cond) {
		t.emitSource(from, to)
		t.block(s.Body)
		if len(s.Else) > 0 {
			t.todoEachLine(s.ElseLine, lastLine(s), "the else branch of if __name__ == \"__main__\" never runs")
		}
		return
	}
	_, opened := t.openSlot()
	defer t.closeSlot(opened)
	var cond val
	ok, u := t.guard(func() {
		cond = t.boolOf(s.Cond)
	})
	if !ok {
		t.todoEachLine(from, lastLine(s), "the condition is outside the subset: "+u.reason)
		return
	}
	t.emitSource(from, to)
	t.emit("if " + cond.code + " {")
	t.pushScope()
	t.block(s.Body)
	t.popScope()
	for len(s.Else) > 0 {
		if elif, ok := s.Else[0].(*IfStmt); ok && len(s.Else) == 1 && s.ElseLine == 0 {
			var c2 val
			ok, u := t.guard(func() { c2 = t.boolOf(elif.Cond) })
			if !ok {
				t.emit("} else {")
				t.todoEachLine(elif.Line, lastLine(elif), "the condition is outside the subset: "+u.reason)
				break
			}
			t.emit("} else if " + c2.code + " {")
			t.emitSource(elif.Line, elif.EndLine)
			t.pushScope()
			t.block(elif.Body)
			t.popScope()
			s = elif
			continue
		}
		t.emit("} else {")
		t.emitSource(s.ElseLine, s.ElseLine)
		t.pushScope()
		t.block(s.Else)
		t.popScope()
		break
	}
	t.emit("}")
}

func (t *translator) forStmt(s *ForStmt) {
	from, to := s.span()
	if len(s.Else) > 0 {
		t.todoEachLine(from, lastLine(s), "for ... else is outside the subset")
		return
	}
	_, opened := t.openSlot()
	defer t.closeSlot(opened)
	var header func() string
	var loopBinds []*binding
	var saved []*binding
	var names []string
	ok, u := t.guard(func() {
		header, loopBinds, names = t.forHeader(s)
	})
	if !ok {
		t.todoEachLine(from, lastLine(s), u.reason)
		return
	}
	for _, n := range names {
		saved = append(saved, t.names[n])
	}
	t.emitSource(from, to)
	t.emitFn(header)
	t.pushScope()
	for i, n := range names {
		t.setName(n, loopBinds[i])
	}
	t.block(s.Body)
	t.popScope()
	t.emit("}")
	for i, n := range names {
		if saved[i] != nil {
			t.setName(n, saved[i])
		} else {
			t.delName(n)
		}
	}
}

// forHeader translates a for loop's header.
func (t *translator) forHeader(s *ForStmt) (func() string, []*binding, []string) {
	var targets []string
	switch tg := s.Target.(type) {
	case *Name:
		targets = []string{tg.ID}
	case *TupleExpr:
		for _, e := range tg.Elts {
			n, ok := e.(*Name)
			if !ok {
				t.fail(s.Line, "loop targets must be names")
			}
			targets = append(targets, n.ID)
		}
	default:
		t.fail(s.Line, "loop targets must be names")
	}
	c, isCall := s.Iter.(*Call)
	if isCall {
		if n, ok := c.Func.(*Name); ok && n.ID == "range" && t.names["range"] == nil {
			if len(targets) != 1 || len(c.Keywords) > 0 || len(c.Args) == 0 || len(c.Args) > 3 {
				t.fail(s.Line, "range() loop outside the subset")
			}
			var start, stop, step val
			start, step = intLit(0), intLit(1)
			switch len(c.Args) {
			case 1:
				stop = t.intOf(c.Args[0], "range stop")
			case 2, 3:
				start = t.intOf(c.Args[0], "range start")
				stop = t.intOf(c.Args[1], "range stop")
				if len(c.Args) == 3 {
					step = t.intOf(c.Args[2], "range step")
					if step.lit == nil || step.lit.i == 0 {
						t.fail(s.Line, "range step must be a non-zero constant")
					}
				}
			}
			b := &binding{py: targets[0], goName: t.uniqueGo(goIdent(targets[0])), kind: kInt, goType: "int"}
			header := func() string {
				i := b.goName
				if b.uses == 0 && start.lit != nil && start.lit.i == 0 && step.lit.i == 1 {
					return "for range " + stop.code + " {"
				}
				cmp, inc := " < ", i+"++"
				if step.lit.i < 0 {
					cmp = " > "
				}
				if step.lit.i != 1 {
					inc = i + " += " + step.code
				}
				return "for " + i + " := " + start.code + "; " + i + cmp + paren(stop.code, 3, true) + "; " + inc + " {"
			}
			return header, []*binding{b}, targets
		}
		if n, ok := c.Func.(*Name); ok && n.ID == "enumerate" && t.names["enumerate"] == nil {
			if len(targets) != 2 || len(c.Args) != 1 || len(c.Keywords) > 0 {
				t.fail(s.Line, "enumerate() loop outside the subset")
			}
			seq := t.rangeable(c.Args[0])
			bi := &binding{py: targets[0], goName: t.uniqueGo(goIdent(targets[0])), kind: kInt, goType: "int"}
			bv := &binding{py: targets[1], goName: t.uniqueGo(goIdent(targets[1])), kind: seq.elemKind, goType: goTypeOf(seq.elemKind, "")}
			header := func() string {
				i, v := bi.goName, bv.goName
				if bi.uses == 0 {
					i = "_"
				}
				if bv.uses == 0 {
					if bi.uses == 0 {
						return "for range " + seq.code + " {"
					}
					return "for " + i + " := range " + seq.code + " {"
				}
				return "for " + i + ", " + v + " := range " + seq.code + " {"
			}
			return header, []*binding{bi, bv}, targets
		}
	}
	if len(targets) != 1 {
		t.fail(s.Line, "unpacking loop targets is outside the subset")
	}
	seq := t.rangeable(s.Iter)
	b := &binding{py: targets[0], goName: t.uniqueGo(goIdent(targets[0])), kind: seq.elemKind, goType: goTypeOf(seq.elemKind, "")}
	header := func() string {
		if b.uses == 0 {
			return "for range " + seq.code + " {"
		}
		return "for _, " + b.goName + " := range " + seq.code + " {"
	}
	return header, []*binding{b}, targets
}

type rangeSeq struct {
	code     string
	elemKind vkind
}

func (t *translator) rangeable(e Expr) rangeSeq {
	v := t.expr(e)
	switch v.kind {
	case kPyList:
		v = t.typedList(v, e.exprLine())
	}
	v = t.materialize(v, "items")
	elem := map[vkind]vkind{kFloatList: kFloat, kIntList: kInt, kStrList: kString, kTensorList: kTensor, kLayerList: kLayer, kCallbackList: kCallback, kTuple: kInt}[v.kind]
	if elem == kUnknown {
		t.fail(e.exprLine(), "looping over %s is outside the subset", describe(v))
	}
	return rangeSeq{code: v.code, elemKind: elem}
}

func (t *translator) withStmt(s *WithStmt) {
	from, to := s.span()
	// with open(path, "w") as f: json.dump(obj, f)
	if len(s.Items) == 1 {
		if c, ok := s.Items[0].Ctx.(*Call); ok {
			if n, ok := c.Func.(*Name); ok && n.ID == "open" && t.names["open"] == nil {
				t.withOpen(s, c)
				return
			}
		}
	}
	ok, u := t.guard(func() {
		t.emitSource(from, to)
		for _, it := range s.Items {
			t.withItem(it)
		}
	})
	if !ok {
		t.todoEachLine(from, lastLine(s), u.reason)
		return
	}
	t.block(s.Body)
}

func (t *translator) withItem(it WithItem) {
	c, ok := it.Ctx.(*Call)
	if !ok {
		t.fail(it.Ctx.exprLine(), "this context manager is outside the subset")
	}
	fn := t.expr(c.Func)
	if fn.kind == kModule {
		ref := canon(fn.ref)
		switch {
		case ref == "tensorflow:device", ref == "tensorflow:name_scope", strings.HasSuffix(ref, ".scope"),
			ref == "py:warnings.catch_warnings", ref == "tensorflow:compat.v1.Session", ref == "tensorflow:Session",
			strings.HasSuffix(ref, "as_default"):
			if it.Target != nil {
				t.fail(c.Line, "%s ... as %s is outside the subset", fn.ref, "a name")
			}
			t.emit("// (kerago runs on the CPU in this process: nothing to set up)")
			return
		case ref == "numpy:load":
			v := t.numpyCall("load", c)
			if it.Target == nil {
				t.fail(c.Line, "with np.load(...) needs as NAME")
			}
			t.assignTo(it.Target, v, c.Line)
			return
		}
	}
	if a, ok := c.Func.(*Attr); ok && (a.Attr == "scope" || a.Attr == "as_default") && it.Target == nil {
		t.emit("// (kerago runs on the CPU in this process: nothing to set up)")
		return
	}
	t.fail(c.Line, "this context manager is outside the subset")
}

// withOpen translates with open(path, "w") as f: json.dump(x, f).
func (t *translator) withOpen(s *WithStmt, c *Call) {
	from, _ := s.span()
	ok, u := t.guard(func() {
		a := t.bind(c, "open", "file", "mode")
		p := a.need("file")
		m, ok := a.get("mode")
		a.ignore("files are UTF-8", "encoding", "newline")
		a.done()
		if !ok {
			t.fail(c.Line, "reading files with open() is outside the subset")
		}
		mv := t.stringOf(m, "mode")
		if mv.lit == nil || (mv.lit.s != "w" && mv.lit.s != "wt") {
			t.fail(c.Line, "open() is translated for writing JSON only")
		}
		fname, ok := s.Items[0].Target.(*Name)
		if !ok {
			t.fail(c.Line, "with open(...) needs as NAME")
		}
		if len(s.Body) != 1 {
			t.fail(c.Line, "with open(...) is translated around one json.dump only")
		}
		es, ok := s.Body[0].(*ExprStmt)
		if !ok {
			t.fail(c.Line, "with open(...) is translated around one json.dump only")
		}
		dc, ok := es.X.(*Call)
		if !ok {
			t.fail(c.Line, "with open(...) is translated around one json.dump only")
		}
		dfn := t.expr(dc.Func)
		if dfn.kind != kModule || canon(dfn.ref) != "py:json.dump" || len(dc.Args) != 2 {
			t.fail(c.Line, "with open(...) is translated around one json.dump(obj, f) only")
		}
		if fn, ok := dc.Args[1].(*Name); !ok || fn.ID != fname.ID {
			t.fail(c.Line, "json.dump must write to the opened file")
		}
		pv := t.stringOf(p, "file")
		obj := t.value(dc.Args[0], "obj")
		switch obj.kind {
		case kHistDict, kHistory, kFloatList, kLogs, kIntList, kStrList:
		default:
			t.fail(c.Line, "json.dump of %s is outside the subset", describe(obj))
		}
		indent := "0"
		for _, k := range dc.Keywords {
			if k.Name != "indent" {
				t.fail(c.Line, "json.dump(%s=...) is outside the subset", k.Name)
			}
			indent = t.intOf(k.Value, "indent").code
		}
		_, lastTo := s.Body[0].span()
		t.emitSource(from, lastTo)
		t.emit("if err := data.WriteJSON(" + pv.code + ", " + obj.code + ", " + indent + "); err != nil {\nlog.Fatal(err)\n}")
	})
	if !ok {
		t.todoEachLine(from, lastLine(s), u.reason)
	}
}

// scheduleFunc translates a LearningRateScheduler schedule (a lambda or a
// def of the script) into a Go func literal.
func (t *translator) scheduleFunc(e Expr) string {
	v := t.expr(e)
	var params []Param
	var body []Stmt
	var lambdaBody Expr
	line := e.exprLine()
	switch v.kind {
	case kLambda:
		params = v.lambda.Params
		lambdaBody = v.lambda.Body
	case kFunc:
		params = v.def.Params
		body = v.def.Body
		if len(v.def.Decorators) > 0 {
			t.fail(line, "decorated schedules are outside the subset")
		}
	default:
		t.fail(line, "the schedule must be a lambda or a function of the script, got %s", describe(v))
	}
	if len(params) < 1 || len(params) > 2 {
		t.fail(line, "a schedule takes (epoch) or (epoch, lr)")
	}
	for _, p := range params {
		if p.Star != "" {
			t.fail(line, "schedules with *args are outside the subset")
		}
	}
	// translate in a separate buffer and scope
	savedOut, savedScope, savedNames, savedFunc := t.out, t.scope, t.names, t.inFunc
	t.out = nil
	t.scope = &goScope{parent: savedScope}
	t.names = map[string]*binding{}
	for k, b := range savedNames {
		t.names[k] = b
	}
	t.inFunc = true
	defer func() {
		t.out, t.scope, t.names, t.inFunc = savedOut, savedScope, savedNames, savedFunc
	}()
	epoch := &binding{py: params[0].Name, goName: goIdent(params[0].Name), kind: kInt, goType: "int"}
	t.names[params[0].Name] = epoch
	lrName := "lr"
	if len(params) == 2 {
		lr := &binding{py: params[1].Name, goName: goIdent(params[1].Name), kind: kFloat, goType: "float64"}
		t.names[params[1].Name] = lr
		lrName = lr.goName
		if lrName == epoch.goName {
			t.fail(line, "schedule parameters need distinct names")
		}
	}
	ret := func(x Expr) {
		rv := t.value(x, "lr")
		if !rv.isNumber() {
			t.fail(x.exprLine(), "the schedule must return a number, got %s", describe(rv))
		}
		t.emit("return " + asFloat(rv) + ", nil")
	}
	var retExpr func(x Expr)
	retExpr = func(x Expr) {
		if ie, ok := x.(*IfExp); ok {
			c := t.boolOf(ie.Cond)
			t.emit("if " + c.code + " {")
			retExpr(ie.Body)
			t.emit("}")
			retExpr(ie.Else)
			return
		}
		ret(x)
	}
	if lambdaBody != nil {
		retExpr(lambdaBody)
	} else {
		t.scheduleBody(body, ret)
	}
	var b strings.Builder
	b.WriteString("func(" + epoch.goName + " int, " + lrName + " float64) (float64, error) {\n")
	for _, f := range t.out {
		if s := f(); s != "\x00" {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	b.WriteString("}")
	if epoch.uses == 0 {
		return strings.Replace(b.String(), "func("+epoch.goName+" int", "func(_ int", 1)
	}
	return b.String()
}

// scheduleBody translates the statements of a schedule function.
func (t *translator) scheduleBody(body []Stmt, ret func(Expr)) {
	for _, s := range body {
		switch s := s.(type) {
		case *ReturnStmt:
			if s.Value == nil {
				t.fail(s.Line, "the schedule must return a learning rate")
			}
			ret(s.Value)
		case *IfStmt:
			c := t.boolOf(s.Cond)
			t.emit("if " + c.code + " {")
			t.scheduleBody(s.Body, ret)
			if len(s.Else) > 0 {
				t.emit("} else {")
				t.scheduleBody(s.Else, ret)
			}
			t.emit("}")
		case *AssignStmt:
			if len(s.Targets) != 1 {
				t.fail(s.Line, "one assignment target per line in a schedule")
			}
			n, ok := s.Targets[0].(*Name)
			if !ok {
				t.fail(s.Line, "schedule assignments must be to names")
			}
			v := t.value(s.Value, n.ID)
			if !v.isNumber() {
				t.fail(s.Line, "schedule variables must be numbers")
			}
			if b := t.names[n.ID]; b != nil && b.kind == v.kind && b.alias == nil && t.localToSchedule(b) {
				t.emit(b.goName + " = " + v.code)
				continue
			}
			b := &binding{py: n.ID, goName: goIdent(n.ID), kind: v.kind, goType: goTypeOf(v.kind, ""), uses: 1}
			t.names[n.ID] = b
			t.schedLocals = append(t.schedLocals, b)
			t.emit(b.goName + " := " + v.code)
		case *ExprStmt:
			if _, ok := s.X.(*Str); ok {
				continue
			}
			t.fail(s.Line, "only assignments, if and return are translated in a schedule")
		case *SimpleStmt:
			if s.Keyword == "pass" {
				continue
			}
			t.fail(s.Line, "%s is outside the subset in a schedule", s.Keyword)
		default:
			from, _ := s.span()
			t.fail(from, "only assignments, if and return are translated in a schedule")
		}
	}
}

func (t *translator) localToSchedule(b *binding) bool {
	for _, x := range t.schedLocals {
		if x == b {
			return true
		}
	}
	return false
}

// appendStmt translates xs.append(v): a list variable made from a literal
// becomes a Go slice at its assignment.
func (t *translator) appendStmt(b *binding, c *Call, line int) {
	if len(c.Args) != 1 || len(c.Keywords) > 0 {
		t.fail(line, "append takes one value")
	}
	v := t.materialize(t.expr(c.Args[0]), b.py+"Item")
	ek := v.kind
	if ek == kNormLayer {
		ek = kLayer
	}
	listKind := map[vkind]vkind{kFloat: kFloatList, kInt: kIntList, kString: kStrList, kTensor: kTensorList, kLayer: kLayerList, kCallback: kCallbackList}[ek]
	if listKind == kUnknown {
		t.fail(line, "a list of %s is outside the subset", describe(v))
	}
	first := b.alias != nil && b.alias.kind == kPyList && len(b.alias.elems) == 0
	if b.alias != nil {
		if b.alias.kind != kPyList || !b.listTop {
			t.fail(line, "appending to %s is outside the subset", describe(*b.alias))
		}
		init := *b.alias
		init.elems = append(init.elems, v) // typedList checks the kinds agree
		typed := t.typedList(init, line)
		init.elems = init.elems[:len(init.elems)-1]
		elemsCode := typed.code[:strings.IndexByte(typed.code, '{')+1]
		var parts []string
		for _, el := range init.elems {
			parts = append(parts, el.code)
		}
		old := *b
		t.onUndo(func() { *b = old })
		b.listInit = elemsCode + strings.Join(parts, ", ") + "}"
		b.alias = nil
		b.kind = listKind
		b.goType = goTypeOf(listKind, "")
		b.goName = t.goNameFor(b.py, listKind)
	}
	if b.kind != listKind {
		t.fail(line, "appending %s to %s is outside the subset", describe(v), b.kind)
	}
	if listKind == kTensorList {
		t.noteAppend(b, c.Args[0], first)
	}
	t.use(b)
	t.emitf("%s = append(%s, %s)", b.goName, b.goName, v.code)
}
