package translate

import (
	"fmt"
	"strings"
)

// mergeClasses are Keras's merge layers: called on a list of Keras
// tensors.
var mergeClasses = map[string]bool{"Add": true, "Subtract": true, "Multiply": true, "Average": true, "Maximum": true, "Minimum": true, "Concatenate": true}

// applyMerge translates layer([a, b, ...]) in the functional API: a merge
// of Keras tensors computed from one keras.Input.
func (t *translator) applyMerge(l val, elts []Expr, c *Call) val {
	if len(elts) < 2 {
		t.fail(c.Line, "a merge layer needs a list of at least two Keras tensors")
	}
	var parents []*symChain
	for _, e := range elts {
		x := t.expr(e)
		if x.kind != kSymbolic {
			t.fail(c.Line, "calling a layer on a list holding %s (not a keras.Input chain) is outside the subset", describe(x))
		}
		if len(parents) > 0 && x.sym.input.code != parents[0].input.code {
			t.fail(c.Line, "a layer called on tensors of several keras.Input (a multi-input model) is not translated yet")
		}
		parents = append(parents, x.sym)
	}
	l = t.layerVar(l)
	chain := &symChain{input: parents[0].input, merge: &symMerge{layer: l, parents: parents}, line: c.Line}
	return val{kind: kSymbolic, sym: chain, line: c.Line}
}

// functionalGraph translates keras.Model(inputs, outputs) for outputs
// computed from one keras.Input through merges: a function literal that
// calls each layer once per distinct input (layers.Apply) and returns
// keras.NewModel.
func (t *translator) functionalGraph(out *symChain, name string) val {
	var b strings.Builder
	in := t.uniqueGo("input")
	fmt.Fprintf(&b, "func() (*keras.Model, error) {\n%s := keras.Input(%s\n", in, strings.TrimPrefix(out.input.code, "layers.Input("))
	memo := map[string]string{}
	call := func(l val, args []string) string {
		key := l.code + "(" + strings.Join(args, ", ") + ")"
		if v, ok := memo[key]; ok {
			return v // a tensor used by several branches is computed once
		}
		if l.bind != nil {
			t.use(l.bind)
		}
		v := t.uniqueGo("node")
		fmt.Fprintf(&b, "%s := layers.Apply(%s, %s)[0]\n", v, l.code, strings.Join(args, ", "))
		memo[key] = v
		return v
	}
	var node func(ch *symChain) string
	node = func(ch *symChain) string {
		cur := in
		if ch.merge != nil {
			var args []string
			for _, p := range ch.merge.parents {
				args = append(args, node(p))
			}
			cur = call(ch.merge.layer, args)
		}
		for _, l := range ch.layers {
			cur = call(l, []string{cur})
		}
		return cur
	}
	o := node(out)
	fmt.Fprintf(&b, "return keras.NewModel([]*layers.Node{%s}, []*layers.Node{%s})\n}()", in, o)
	return val{code: b.String(), kind: kModel, fallible: true, model: &modelInfo{metricsKnown: true}, hint: "model", postName: name}
}

// mergeFuncs are Keras's functional merge forms (keras.layers.add(inputs),
// concatenate(inputs, axis=-1), ...) with their layer classes.
var mergeFuncs = map[string]string{"add": "Add", "subtract": "Subtract", "multiply": "Multiply", "average": "Average", "maximum": "Maximum", "minimum": "Minimum", "concatenate": "Concatenate"}

// mergeFunc translates layers.add([a, b]) and the like: the merge layer
// called on the list.
func (t *translator) mergeFunc(cls string, c *Call) val {
	params := []string{"inputs"}
	if cls == "Concatenate" {
		params = append(params, "axis")
	}
	a := t.bind(c, strings.ToLower(cls), params...)
	elts := tupleElts(a.need("inputs"))
	if elts == nil {
		t.fail(c.Line, "%s needs a list of Keras tensors written in the call", strings.ToLower(cls))
	}
	var args []string
	if cls == "Concatenate" {
		axis := "-1"
		if e, ok := a.get("axis"); ok {
			axis = t.intOf(e, "axis").code
		}
		args = append(args, axis)
	}
	if e, ok := a.get("name"); ok && !isNone(e) {
		args = append(args, "layers.WithName("+t.stringOf(e, "name").code+")")
	}
	a.done()
	l := val{code: "layers." + cls + "(" + strings.Join(args, ", ") + ")", kind: kLayer, hint: strings.ToLower(cls)}
	return t.applyMerge(l, elts, c)
}
