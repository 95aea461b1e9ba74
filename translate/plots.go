package translate

import (
	"strconv"
	"strings"
)

// matplotlib.pyplot's common calls become calls of package pyplot on one
// State, plt, made at the start of main when the script plots: the same
// figures, drawn with gonum/plot; show() saves each figure as
// figure_<num>.png and reports it.

// pyplotCall translates matplotlib.pyplot.<name>(...) (ok false when name
// is not one the subset has).
func (t *translator) pyplotCall(name string, c *Call) (val, bool) {
	switch name {
	case "plot", "scatter", "hist", "title", "xlabel", "ylabel", "legend", "grid", "xlim", "ylim",
		"figure", "subplot", "savefig", "show", "close", "tight_layout", "clf", "cla":
	default:
		return val{}, false
	}
	t.needPlt = true
	stmt := func(code string) (val, bool) {
		t.emit(code)
		return val{noValue: true}, true
	}
	check := func(code string) (val, bool) {
		t.emit("if err := " + code + "; err != nil {\nlog.Fatal(err)\n}")
		return val{noValue: true}, true
	}
	switch name {
	case "title", "xlabel", "ylabel":
		a := t.bind(c, name, "label")
		l := a.need("label")
		a.ignore("fonts and placement are gonum/plot's", "fontsize", "loc", "pad", "fontdict", "fontweight", "size", "y")
		a.done()
		return stmt("plt." + map[string]string{"title": "Title", "xlabel": "XLabel", "ylabel": "YLabel"}[name] + "(" + t.stringOf(l, "label").code + ")")
	case "legend":
		a := t.bind(c, name, "labels")
		a.ignore("the legend is placed at the top right", "loc", "fontsize", "frameon", "shadow", "bbox_to_anchor", "ncol", "title")
		l, ok := a.get("labels")
		a.done()
		if ok {
			return stmt("plt.Legend(" + strings.Join(t.stringsOf(l, "labels"), ", ") + ")")
		}
		return stmt("plt.Legend()")
	case "grid":
		a := t.bind(c, name, "visible")
		a.ignore("gonum/plot's grid", "which", "axis", "linestyle", "alpha", "color", "b")
		on := "true"
		if v, ok := a.get("visible"); ok {
			on = t.boolArg(v, "visible").code
		}
		a.done()
		return stmt("plt.Grid(" + on + ")")
	case "xlim", "ylim":
		a := t.bind(c, name, "left", "right")
		lo, hi := a.need("left"), a.vals["right"]
		if tup, ok := lo.(*TupleExpr); ok && hi == nil && len(tup.Elts) == 2 {
			lo, hi = tup.Elts[0], tup.Elts[1] // plt.ylim((0, 25000))
		} else {
			hi = a.need("right")
		}
		a.done()
		return stmt("plt." + map[string]string{"xlim": "XLim", "ylim": "YLim"}[name] + "(" + asFloat(t.floatOf(lo, "left")) + ", " + asFloat(t.floatOf(hi, "right")) + ")")
	case "figure":
		a := t.bind(c, name, "num", "figsize")
		a.ignore("PNGs are drawn at 100 dpi", "dpi", "facecolor", "edgecolor", "frameon", "clear")
		num, w, h := "0", "0", "0"
		if v, ok := a.get("num"); ok && !isNone(v) {
			num = t.intOf(v, "num").code
		}
		if v, ok := a.get("figsize"); ok && !isNone(v) {
			w, h = t.figsize(v)
		}
		a.done()
		return stmt("plt.Figure(" + num + ", " + w + ", " + h + ")")
	case "subplot":
		var args []string
		if len(c.Args) == 1 && len(c.Keywords) == 0 {
			v := t.intOf(c.Args[0], "pos")
			if v.lit == nil || v.lit.i < 111 || v.lit.i > 999 {
				t.fail(c.Line, "plt.subplot(pos) needs a three-digit literal such as 121")
			}
			n := v.lit.i
			args = []string{strconv.FormatInt(n/100, 10), strconv.FormatInt(n/10%10, 10), strconv.FormatInt(n%10, 10)}
		} else {
			a := t.bind(c, name, "nrows", "ncols", "index")
			for _, k := range []string{"nrows", "ncols", "index"} {
				args = append(args, t.intOf(a.need(k), k).code)
			}
			a.done()
		}
		return check("plt.Subplot(" + strings.Join(args, ", ") + ")")
	case "savefig":
		a := t.bind(c, name, "fname")
		f := a.need("fname")
		a.ignore("the figure is drawn as it is", "bbox_inches", "format", "transparent", "pad_inches", "facecolor")
		dpi := "0"
		if v, ok := a.get("dpi"); ok {
			dpi = asFloat(t.floatOf(v, "dpi"))
		}
		a.done()
		return check("plt.SaveFig(" + t.stringOf(f, "fname").code + ", " + dpi + ")")
	case "show":
		a := t.bind(c, name)
		a.ignore("there is no window: figures are saved as PNG files", "block")
		a.done()
		t.note(c.Line, "plt.show() saves each open figure as figure_<num>.png (there is no window to show it in) and reports the file")
		return check("plt.Show()")
	case "clf", "cla":
		a := t.bind(c, name)
		a.done()
		return stmt("plt.Clear()")
	case "close":
		a := t.bind(c, name, "fig")
		a.ignore("the current figure is closed", "fig")
		a.done()
		return stmt("plt.Close()")
	case "tight_layout":
		a := t.bind(c, name)
		a.ignore("gonum/plot lays the figure out", "pad", "h_pad", "w_pad", "rect")
		a.done()
		return val{noValue: true, hint: "plt.tight_layout(): gonum/plot lays the figure out"}, true
	}
	return t.plotSeries(name, c)
}

// plotSeries translates plot, scatter and hist.
func (t *translator) plotSeries(name string, c *Call) (val, bool) {
	args := c.Args
	style := map[string]string{}
	if name == "plot" && len(args) >= 2 {
		if s, ok := args[len(args)-1].(*Str); ok && !s.F {
			parseFmt(s.Value, style)
			args = args[:len(args)-1]
		}
	}
	var xy []string
	for i, e := range args {
		if i >= 2 || name == "hist" && i >= 1 {
			t.fail(c.Line, "plt.%s with %d data arguments is outside the subset", name, len(args))
		}
		xy = append(xy, t.plotValues(e))
	}
	if len(xy) == 0 || name == "scatter" && len(xy) != 2 {
		t.fail(c.Line, "plt.%s needs its data", name)
	}
	a := t.bind(&Call{Line: c.Line, Keywords: c.Keywords}, name)
	for _, k := range [][2]string{{"label", "Label"}, {"color", "Color"}, {"c", "Color"}, {"linestyle", "LineStyle"},
		{"ls", "LineStyle"}, {"marker", "Marker"}} {
		if v, ok := a.get(k[0]); ok && !isNone(v) {
			style[k[1]] = t.stringOf(v, k[0]).code
		}
	}
	for _, k := range [][2]string{{"linewidth", "LineWidth"}, {"lw", "LineWidth"}, {"alpha", "Alpha"}} {
		if v, ok := a.get(k[0]); ok && !isNone(v) {
			style[k[1]] = asFloat(t.floatOf(v, k[0]))
		}
	}
	if v, ok := a.get("bins"); ok && !isNone(v) {
		style["Bins"] = t.intOf(v, "bins").code
	}
	a.ignore("gonum/plot's defaults", "markersize", "ms", "s", "zorder", "edgecolor", "edgecolors", "density", "histtype", "rwidth")
	a.done()
	var fields []string
	for _, k := range []string{"Label", "Color", "LineStyle", "Marker", "LineWidth", "Alpha", "Bins"} {
		if v, ok := style[k]; ok {
			fields = append(fields, k+": "+v)
		}
	}
	st := "pyplot.Style{" + strings.Join(fields, ", ") + "}"
	var code string
	switch {
	case name == "hist":
		code = "plt.Hist(" + xy[0] + ", " + st + ")"
	case name == "scatter":
		code = "plt.Scatter(" + xy[0] + ", " + xy[1] + ", " + st + ")"
	case len(xy) == 1:
		code = "plt.Plot(nil, " + xy[0] + ", " + st + ")"
	default:
		code = "plt.Plot(" + xy[0] + ", " + xy[1] + ", " + st + ")"
	}
	t.emit("if err := " + code + "; err != nil {\nlog.Fatal(err)\n}")
	return val{noValue: true}, true
}

// parseFmt reads a plot format string such as "r--", "bo" or "g^-".
func parseFmt(f string, style map[string]string) {
	for _, ls := range []string{"--", "-.", ":", "-"} {
		if strings.Contains(f, ls) {
			style["LineStyle"] = strconv.Quote(ls)
			f = strings.Replace(f, ls, "", 1)
			break
		}
	}
	for _, r := range f {
		switch {
		case strings.ContainsRune("bgrcmykw", r):
			style["Color"] = strconv.Quote(string(r))
		case strings.ContainsRune("o.x+s^", r):
			style["Marker"] = strconv.Quote(string(r))
			if _, ok := style["LineStyle"]; !ok {
				style["LineStyle"] = `"None"`
			}
		}
	}
}

// plotValues returns Go code of type []float64 for data to plot.
func (t *translator) plotValues(e Expr) string {
	v := t.expr(e)
	switch v.kind {
	case kFloatList:
		return t.materialize(v, "values").code
	case kFrame, kTensor, kPyList:
		x := t.toTensor(v, e.exprLine(), "values")
		return "data.Flat(" + x.code + ")"
	}
	t.fail(e.exprLine(), "plotting %s is outside the subset", describe(v))
	return ""
}

// figsize reads figsize=(w, h).
func (t *translator) figsize(e Expr) (string, string) {
	v := t.expr(e)
	if v.kind != kPyList || len(v.elems) != 2 {
		t.fail(e.exprLine(), "figsize must be a (width, height) tuple")
	}
	return asFloat(t.materialize(v.elems[0], "w")), asFloat(t.materialize(v.elems[1], "h"))
}

// rcParamsFigsize translates matplotlib.rcParams['figure.figsize'] = (w, h)
// (and plt.rcParams[...]); other rcParams are reported.
func (t *translator) rcParamsFigsize(tg *Subscript, v val, line int) bool {
	a, ok := tg.Value.(*Attr)
	if !ok || a.Attr != "rcParams" {
		return false
	}
	base := t.expr(a.Value)
	if base.kind != kModule || (base.ref != "matplotlib" && base.ref != "matplotlib.pyplot") {
		return false
	}
	k := t.expr(tg.Index)
	if k.lit == nil || k.lit.s != "figure.figsize" {
		t.fail(line, "rcParams other than figure.figsize are outside the subset")
	}
	if v.kind != kPyList || len(v.elems) != 2 {
		t.fail(line, "figure.figsize must be a (width, height) tuple")
	}
	t.needPlt = true
	t.emit("plt.SetFigSize(" + asFloat(t.materialize(v.elems[0], "w")) + ", " + asFloat(t.materialize(v.elems[1], "h")) + ")")
	return true
}
