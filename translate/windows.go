package translate

import (
	"strconv"
)

// stackInfo records what a list of arrays built by .append from [] holds,
// so that np.array(list) can stack it: scalars (x[i, k]) give a 1-D array,
// equal-length 1-D windows (x[i-60:i, k]) a 2-D one, rows in append order.
type stackInfo struct {
	rows   bool   // the elements are 1-D windows (else scalars)
	length int64  // the windows' length
	why    string // non-empty: why the elements cannot be known to stack
}

// stackElem classifies one appended element by its Python expression.
func (t *translator) stackElem(e Expr) stackInfo {
	s, ok := e.(*Subscript)
	if !ok {
		return stackInfo{why: "only windows x[a:b, k] and scalars x[i, k] are known to have equal lengths"}
	}
	idx := []Expr{s.Index}
	if tu, ok := s.Index.(*TupleExpr); ok {
		idx = tu.Elts
	}
	var win *Slice
	for _, ix := range idx {
		if sl, ok := ix.(*Slice); ok {
			if win != nil {
				return stackInfo{why: "a subscript with two slices gives 2-D elements"}
			}
			win = sl
			continue
		}
		if !t.intIndex(ix) {
			return stackInfo{why: "an index that is not an int may select several values"}
		}
	}
	if win == nil {
		return stackInfo{}
	}
	if win.Step != nil || win.Lo == nil || win.Hi == nil {
		return stackInfo{why: "only a slice a:b with both bounds and no step has a known length"}
	}
	loSym, lo, ok1 := linearOffset(win.Lo)
	hiSym, hi, ok2 := linearOffset(win.Hi)
	if !ok1 || !ok2 || loSym != hiSym || hi <= lo {
		return stackInfo{why: "the slice bounds do not differ by a positive constant"}
	}
	return stackInfo{rows: true, length: hi - lo}
}

// intIndex reports whether e is an int index made of literals and int
// variables.
func (t *translator) intIndex(e Expr) bool {
	switch e := e.(type) {
	case *Num:
		return !e.IsFloat && !e.Imag
	case *Name:
		b := t.names[e.ID]
		return b != nil && b.alias == nil && b.kind == kInt
	case *UnaryOp:
		return e.Op == "-" && t.intIndex(e.X)
	case *BinOp:
		return (e.Op == "+" || e.Op == "-" || e.Op == "*" || e.Op == "//") && t.intIndex(e.X) && t.intIndex(e.Y)
	}
	return false
}

// linearOffset splits a slice bound into a symbolic part and an int
// constant: i-60 → ("i", -60), 5 → ("", 5), i → ("i", 0).
func linearOffset(e Expr) (string, int64, bool) {
	switch e := e.(type) {
	case *Num:
		if e.IsFloat || e.Imag {
			return "", 0, false
		}
		n, err := strconv.ParseInt(pyNumberText(e.Text), 0, 64)
		return "", n, err == nil
	case *Name:
		return e.ID, 0, true
	case *BinOp:
		if e.Op != "+" && e.Op != "-" {
			return "", 0, false
		}
		sym, c, ok := linearOffset(e.X)
		n, isNum := e.Y.(*Num)
		if !ok || !isNum {
			return "", 0, false
		}
		_, k, ok := linearOffset(n)
		if e.Op == "-" {
			k = -k
		}
		return sym, c + k, ok
	}
	return "", 0, false
}

// noteAppend updates what b (a list of arrays) is known to hold after
// b.append(e); first says b was [] before.
func (t *translator) noteAppend(b *binding, e Expr, first bool) {
	if !first && b.stack == nil {
		return
	}
	el := t.stackElem(e)
	old := b.stack
	t.onUndo(func() { b.stack = old })
	switch {
	case first || old.why != "":
		if !first {
			el = *old
		}
	case el.why == "" && (el.rows != old.rows || el.length != old.length):
		el = stackInfo{why: "the appended elements differ in shape"}
	}
	b.stack = &el
}

// stackList translates np.array(xs) for a list of arrays built by .append.
func (t *translator) stackList(v val, line int) val {
	b := v.bind
	if b == nil || b.stack == nil {
		t.fail(line, "np.array of a list of arrays is translated only for a list built from [] by .append, whose elements' lengths can be known equal")
	}
	if b.stack.why != "" {
		t.fail(line, "np.array of %s: the lengths of its elements cannot be known equal (%s)", b.py, b.stack.why)
	}
	if t.inFunc {
		t.fail(line, "np.array of a list of arrays inside a function is outside the subset")
	}
	k, el := t.tempName("k"), t.tempName("elem")
	if b.stack.rows {
		rows := t.tempName(b.py + "Rows")
		t.emitf("%s := make([][]float32, len(%s))", rows, v.code)
		t.emitf("for %s, %s := range %s {", k, el, v.code)
		t.emitf("if %s.Rank() != 1 {\nlog.Fatalf(\"np.array(%s): element %%d has shape %%v, not a 1-D window\", %s, %s.Shape())\n}", el, b.py, k, el)
		t.emitf("%s[%s] = %s.Data()\n}", rows, k, el)
		return val{code: "tensor.FromRows(" + rows + ")", kind: kTensor, fallible: true, hint: "arr"}
	}
	flat := t.tempName(b.py + "Values")
	t.emitf("%s := make([]float32, len(%s))", flat, v.code)
	t.emitf("for %s, %s := range %s {", k, el, v.code)
	t.emitf("if %s.Rank() != 0 {\nlog.Fatalf(\"np.array(%s): element %%d has shape %%v, not a scalar\", %s, %s.Shape())\n}", el, b.py, k, el)
	t.emitf("%s[%s] = %s.Data()[0]\n}", flat, k, el)
	return val{code: "tensor.FromSlice(" + flat + ", len(" + flat + "))", kind: kTensor, fallible: true, hint: "arr"}
}
