package translate

import (
	"strconv"
	"strings"
)

// Python dicts with literal keys (d = {'a': x}, d = dict(), d['k'] = v,
// d['k']) are translation-time records: each value is a Go variable (or a
// literal), and d['k'] is written out as that value where it is used.

// dictCall translates dict() and dict(k=v, ...).
func (t *translator) dictCall(c *Call) val {
	if len(c.Args) > 0 {
		t.fail(c.Line, "dict(...) with positional arguments is outside the subset (write a {...} literal)")
	}
	v := val{kind: kDict, line: c.Line}
	for _, k := range c.Keywords {
		if k.Name == "" {
			t.fail(c.Line, "dict(**kwargs) is outside the subset")
		}
		v.keys = append(v.keys, val{code: `"` + k.Name + `"`, kind: kString, lit: &literal{kind: kString, s: k.Name}})
		v.elems = append(v.elems, t.dictValue(t.expr(k.Value), k.Name))
	}
	return v
}

// dictValue makes a dict's value safe to write out where it is used: a
// fallible or computed value becomes a Go variable.
func (t *translator) dictValue(v val, key string) val {
	if v.fallible {
		return t.materialize(v, key)
	}
	return v
}

// dictKey returns the literal key of d[k].
func (t *translator) dictKey(e Expr) *literal {
	k := t.expr(e)
	if k.lit == nil || (k.kind != kString && k.kind != kInt) {
		t.fail(e.exprLine(), "a dict is indexed by literal keys only in the subset")
	}
	return k.lit
}

func sameKey(a, b *literal) bool {
	return a != nil && b != nil && a.kind == b.kind && a.s == b.s && a.i == b.i
}

// dictGet translates d[k] for a dict with literal keys.
func (t *translator) dictGet(d val, s *Subscript) val {
	k := t.dictKey(s.Index)
	for i, dk := range d.keys {
		if sameKey(dk.lit, k) {
			el := d.elems[i]
			if el.bind != nil {
				t.use(el.bind)
			}
			el.line = s.Line
			return el
		}
	}
	t.fail(s.Line, "the dict has no key %s here", keyText(k))
	return val{}
}

func keyText(k *literal) string {
	if k.kind == kString {
		return "'" + k.s + "'"
	}
	return strconv.FormatInt(k.i, 10)
}

// dictSet translates d[k] = v for a name bound to a dict: the value gets a
// Go variable named after the dict and the key, and the dict a new value.
func (t *translator) dictSet(name string, b *binding, index Expr, v val, line int) {
	k := t.dictKey(index)
	py := name + "_" + goIdent(strings.Trim(keyText(k), "'"))
	t.assignName(py, v, line)
	nb := t.names[py]
	el := v
	if nb != nil && nb.alias == nil {
		el = val{code: nb.goName, kind: nb.kind, goType: nb.goType, bind: nb, model: nb.model, hint: py}
	} else if nb != nil {
		el = *nb.alias
	}
	d := *b.alias
	d.keys = append([]val(nil), d.keys...)
	d.elems = append([]val(nil), d.elems...)
	replaced := false
	for i, dk := range d.keys {
		if sameKey(dk.lit, k) {
			d.elems[i] = el
			replaced = true
		}
	}
	if !replaced {
		d.keys = append(d.keys, val{code: keyText(k), kind: k.kind, lit: k})
		d.elems = append(d.elems, el)
	}
	t.setName(name, &binding{py: name, alias: &d})
}
