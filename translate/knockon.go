package translate

import "fmt"

// Knock-on effects of untranslated lines. A name assigned by a line that
// was not translated is lost (reading it fails, see lostTargets). A name
// whose value such a line would have changed in place — a column added to
// a DataFrame, a layer added to a model, a list appended to, a model that
// was not compiled or trained — still exists in the Go program, but holds
// something else than in the Python run: it is tainted, and so is every
// name computed from it. A translated line that reads a tainted name is
// reported in Result.Affected with the untranslated line it depends on.

// taint is where a tainted name's difference comes from.
type taint struct {
	line int    // the untranslated line
	code string // its code
	via  string // the tainted name the line read, "" for the untranslated line itself
	col  string // the one column of a DataFrame the line would have set, "" for the whole value
}

// mutatingMethods change their receiver in place (whatever their
// arguments); other methods do with inplace=True.
var mutatingMethods = map[string]bool{
	"add": true, "compile": true, "fit": true, "append": true, "extend": true, "insert": true,
	"pop": true, "remove": true, "update": true, "set_weights": true, "load_weights": true,
	"build": true, "adapt": true, "shuffle": true, "sort": true, "clear": true, "train_on_batch": true,
	"fit_generator": true, "partial_fit": true, "fit_transform": true,
}

// inPlaceFuncs change their first argument in place.
var inPlaceFuncs = map[string]bool{"shuffle": true}

// mutatedNames returns the names whose values a statement changes in place
// (not the names it assigns).
func mutatedNames(s Stmt) []string {
	var out []string
	addBase := func(e Expr) {
		if n := baseName(e); n != "" {
			out = append(out, n)
		}
	}
	switch s := s.(type) {
	case *AssignStmt:
		for _, tg := range s.Targets {
			forTargets(tg, func(e Expr) {
				if _, ok := e.(*Name); !ok {
					addBase(e)
				}
			})
		}
	case *AugAssignStmt:
		addBase(s.Target)
	case *AnnAssignStmt:
		if _, ok := s.Target.(*Name); !ok {
			addBase(s.Target)
		}
	case *ExprStmt:
		c, ok := s.X.(*Call)
		if !ok {
			return nil
		}
		inplace := false
		for _, k := range c.Keywords {
			if cst, ok := k.Value.(*Const); ok && k.Name == "inplace" && cst.Value == "True" {
				inplace = true
			}
		}
		if a, ok := c.Func.(*Attr); ok {
			if mutatingMethods[a.Attr] || inplace {
				addBase(a.Value)
			}
			if inPlaceFuncs[a.Attr] && len(c.Args) > 0 {
				addBase(c.Args[0])
			}
		}
	}
	return out
}

// assignedNames returns the plain names a statement assigns.
func assignedNames(s Stmt) []string {
	var out []string
	var targets []Expr
	switch s := s.(type) {
	case *AssignStmt:
		targets = s.Targets
	case *AugAssignStmt:
		targets = []Expr{s.Target}
	case *AnnAssignStmt:
		targets = []Expr{s.Target}
	}
	for _, tg := range targets {
		forTargets(tg, func(e Expr) {
			if n, ok := e.(*Name); ok {
				out = append(out, n.ID)
			}
		})
	}
	return out
}

// forTargets calls f on each target of a (possibly unpacking) target.
func forTargets(e Expr, f func(Expr)) {
	switch e := e.(type) {
	case *TupleExpr:
		for _, x := range e.Elts {
			forTargets(x, f)
		}
	case *ListExpr:
		for _, x := range e.Elts {
			forTargets(x, f)
		}
	case *Starred:
		forTargets(e.Value, f)
	default:
		f(e)
	}
}

// baseName returns x for x, x.a, x[i], x.a[i].b, "" otherwise.
func baseName(e Expr) string {
	for {
		switch v := e.(type) {
		case *Name:
			return v.ID
		case *Attr:
			e = v.Value
		case *Subscript:
			e = v.Value
		case *Call:
			e = v.Func
		default:
			return ""
		}
	}
}

// readNames returns the names a statement reads (with the bases of the
// subscript and attribute targets it assigns), in order, once each, and
// for each name the columns it reads: nil when some use reads the whole
// value, else the string keys of x['a'] and x[['a', 'b']].
func readNames(s Stmt) ([]string, map[string][]string) {
	seen := map[string]bool{}
	whole := map[string]bool{}
	cols := map[string][]string{}
	var out []string
	var walk func(e Expr)
	add := func(n string, keys []string) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
		if keys == nil {
			whole[n] = true
		}
		cols[n] = append(cols[n], keys...)
	}
	walk = func(e Expr) {
		switch e := e.(type) {
		case nil:
		case *Name:
			add(e.ID, nil)
		case *ListExpr:
			walkAll(e.Elts, walk)
		case *TupleExpr:
			walkAll(e.Elts, walk)
		case *SetExpr:
			walkAll(e.Elts, walk)
		case *DictExpr:
			walkAll(e.Keys, walk)
			walkAll(e.Values, walk)
		case *Attr:
			walk(e.Value)
		case *Subscript:
			if n, ok := e.Value.(*Name); ok {
				if keys := strKeys(e.Index); keys != nil {
					add(n.ID, keys)
					return
				}
			}
			walk(e.Value)
			walk(e.Index)
		case *Slice:
			walk(e.Lo)
			walk(e.Hi)
			walk(e.Step)
		case *Call:
			walk(e.Func)
			walkAll(e.Args, walk)
			for _, k := range e.Keywords {
				walk(k.Value)
			}
		case *Starred:
			walk(e.Value)
		case *UnaryOp:
			walk(e.X)
		case *BinOp:
			walk(e.X)
			walk(e.Y)
		case *BoolOp:
			walk(e.X)
			walk(e.Y)
		case *Compare:
			walk(e.X)
			walkAll(e.Comps, walk)
		case *IfExp:
			walk(e.Body)
			walk(e.Cond)
			walk(e.Else)
		case *NamedExpr:
			walk(e.Value)
		}
	}
	targetBases := func(tg Expr) {
		forTargets(tg, func(e Expr) {
			switch e := e.(type) {
			case *Name:
			case *Subscript:
				walk(e.Value)
				walk(e.Index)
			default:
				walk(e)
			}
		})
	}
	switch s := s.(type) {
	case *AssignStmt:
		walk(s.Value)
		for _, tg := range s.Targets {
			targetBases(tg)
		}
	case *AugAssignStmt:
		walk(s.Value)
		walk(s.Target)
	case *AnnAssignStmt:
		walk(s.Value)
		targetBases(s.Target)
	case *ExprStmt:
		walk(s.X)
	case *ReturnStmt:
		walk(s.Value)
	case *IfStmt:
		walk(s.Cond)
	case *ForStmt:
		walk(s.Iter)
	case *WithStmt:
		for _, it := range s.Items {
			walk(it.Ctx)
		}
	}
	for n := range whole {
		cols[n] = nil
	}
	return out, cols
}

// strKeys returns the keys of 'a' and ['a', 'b'], nil for other indexes.
func strKeys(e Expr) []string {
	switch e := e.(type) {
	case *Str:
		if !e.F {
			return []string{e.Value}
		}
	case *ListExpr:
		var keys []string
		for _, x := range e.Elts {
			s, ok := x.(*Str)
			if !ok || s.F {
				return nil
			}
			keys = append(keys, s.Value)
		}
		return keys
	}
	return nil
}

// hits says whether reading cols (nil: the whole value) of a name sees
// the difference tt.
func (tt taint) hits(cols []string) bool {
	if tt.col == "" || cols == nil {
		return true
	}
	for _, c := range cols {
		if c == tt.col {
			return true
		}
	}
	return false
}

// mutatedColumn returns the column k of a statement x['k'] = v, "" else.
func mutatedColumn(s Stmt) string {
	a, ok := s.(*AssignStmt)
	if !ok || len(a.Targets) != 1 {
		return ""
	}
	sub, ok := a.Targets[0].(*Subscript)
	if !ok {
		return ""
	}
	if _, ok := sub.Value.(*Name); !ok {
		return ""
	}
	if keys := strKeys(sub.Index); len(keys) == 1 {
		if _, isStr := sub.Index.(*Str); isStr {
			return keys[0]
		}
	}
	return ""
}

func walkAll(es []Expr, walk func(Expr)) {
	for _, e := range es {
		walk(e)
	}
}

// setTaint marks a name as tainted (undoably).
func (t *translator) setTaint(name string, tt taint) {
	old, had := t.tainted[name]
	t.onUndo(func() {
		if had {
			t.tainted[name] = old
		} else {
			delete(t.tainted, name)
		}
	})
	t.tainted[name] = tt
}

// clearTaint unmarks a name (undoably).
func (t *translator) clearTaint(name string) {
	old, had := t.tainted[name]
	if !had {
		return
	}
	t.onUndo(func() { t.tainted[name] = old })
	delete(t.tainted, name)
}

// failedKnockOn records what an untranslated statement would have changed
// in place.
func (t *translator) failedKnockOn(s Stmt, from int) {
	code := t.codeSpan(from, from)
	if f, to := s.span(); f == from {
		code = t.codeSpan(from, to)
	}
	if m := t.firstLayerAdd(s); m != "" {
		// a model without its first layer has no input shape: it cannot
		// be built, so the model is lost, not just different
		t.delName(m)
		t.setLost(m, from)
		return
	}
	col := mutatedColumn(s)
	for _, n := range mutatedNames(s) {
		if old, ok := t.tainted[n]; ok && (old.col == "" || old.col != col) {
			col = "" // two columns, or the whole value: the whole value
		}
		t.setTaint(n, taint{line: from, code: shorten(code), col: col})
	}
}

// translatedKnockOn reports a translated statement that reads a tainted
// name, and taints what it assigns or changes; a clean assignment clears
// the taint of the names it assigns.
func (t *translator) translatedKnockOn(s Stmt, from int) {
	var src *taint
	var via string
	names, cols := readNames(s)
	for _, n := range names {
		if tt, ok := t.tainted[n]; ok && tt.hits(cols[n]) {
			src, via = &tt, n
			break
		}
	}
	if src == nil {
		for _, n := range assignedNames(s) {
			t.clearTaint(n)
		}
		return
	}
	_, to := s.span()
	reason := fmt.Sprintf("reads %s, which line %d (not translated: %s) would have changed", via, src.line, src.code)
	if src.col != "" {
		reason = fmt.Sprintf("reads %s[%q], which line %d (not translated: %s) would have set", via, src.col, src.line, src.code)
	}
	if src.via != "" {
		reason = fmt.Sprintf("reads %s, which depends on line %d (not translated: %s)", via, src.line, src.code)
	}
	t.affected = append(t.affected, Issue{Line: from, Code: shorten(t.codeSpan(from, to)), Reason: reason})
	t.emit("// kerago translate: affected: " + reason)
	tt := taint{line: src.line, code: src.code, via: via}
	for _, n := range assignedNames(s) {
		t.setTaint(n, tt)
	}
	for _, n := range mutatedNames(s) {
		if n != via || src.col == "" {
			t.setTaint(n, tt)
		}
	}
}

// shorten cuts a line of code for a message.
func shorten(code string) string {
	if r := []rune(code); len(r) > 100 {
		return string(r[:97]) + "..."
	}
	return code
}

// firstLayerAdd returns m for a statement m.add(...) on a Sequential model
// that has no layer yet, "" otherwise.
func (t *translator) firstLayerAdd(s Stmt) string {
	es, ok := s.(*ExprStmt)
	if !ok {
		return ""
	}
	c, ok := es.X.(*Call)
	if !ok {
		return ""
	}
	a, ok := c.Func.(*Attr)
	if !ok || a.Attr != "add" {
		return ""
	}
	n, ok := a.Value.(*Name)
	if !ok {
		return ""
	}
	if b, ok := t.names[n.ID]; ok && b.model != nil && b.model.layers == 0 {
		return n.ID
	}
	return ""
}
