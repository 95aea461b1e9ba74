package translate

import (
	"fmt"
	"go/ast"
	"go/format"
	goparser "go/parser"
	gotoken "go/token"
	"path/filepath"
	"sort"
	"strings"
)

// Issue is one line of the translation report: a Python line that was not
// translated (or, for notes, translated with a caveat) and why.
type Issue struct {
	Line   int
	Code   string
	Reason string
}

// String formats the issue as the report prints it: "line N: <code>: <why>".
func (i Issue) String() string { return fmt.Sprintf("line %d: %s: %s", i.Line, i.Code, i.Reason) }

// Options configure Translate.
type Options struct {
	// ScriptName is the script's file name, used in comments and messages.
	ScriptName string
}

// Result is a translated script.
type Result struct {
	// Go is the generated program, gofmt-formatted.
	Go []byte
	// Untranslated lists every Python line that became a TODO comment.
	Untranslated []Issue
	// Notes lists translated lines whose Go differs from Python in a way
	// worth knowing (random streams, ignored arguments).
	Notes []Issue
	// Affected lists translated lines that read a value an untranslated
	// line would have changed (a column it would have added, a layer it
	// would have added to a model), directly or through other affected
	// lines: the Go runs, but not on what the Python had at that point.
	Affected []Issue
}

// Report renders the report: a summary line, the untranslated lines, then
// the notes, one per line.
func (r *Result) Report(script string) string {
	var b strings.Builder
	if len(r.Untranslated) == 0 {
		fmt.Fprintf(&b, "kerago translate: %s: translated completely\n", script)
	} else {
		fmt.Fprintf(&b, "kerago translate: %s: %d line(s) not translated (TODO(kerago translate) in the output):\n", script, len(r.Untranslated))
		for _, i := range r.Untranslated {
			fmt.Fprintln(&b, i)
		}
	}
	if len(r.Affected) > 0 {
		fmt.Fprintf(&b, "affected by untranslated lines:\n")
		for _, i := range r.Affected {
			fmt.Fprintln(&b, i)
		}
	}
	if len(r.Notes) > 0 {
		fmt.Fprintf(&b, "notes:\n")
		for _, i := range r.Notes {
			fmt.Fprintln(&b, i)
		}
	}
	return b.String()
}

// Translate parses a Python script and generates the Go program.
func Translate(src []byte, opts Options) (*Result, error) {
	mod, err := Parse(src)
	if err != nil {
		name := opts.ScriptName
		if name == "" {
			name = "script"
		}
		return nil, fmt.Errorf("translate: %s: %w", name, err)
	}
	t := newTranslator(mod, opts)
	return t.runSafely()
}

// runSafely turns an unexpected panic of the generator into an error, so
// that no script can crash the command.
func (t *translator) runSafely() (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			name := t.opts.ScriptName
			if name == "" {
				name = "script"
			}
			res, err = nil, fmt.Errorf("translate: %s: internal error (please report it with the script): %v", name, r)
		}
	}()
	return t.run()
}

// untranslatable aborts the translation of the current statement (or
// element) with a reason; it is raised with panic and recovered per
// statement.
type untranslatable struct {
	line   int
	reason string
	from   int // the untranslated line the failure comes from, if any
}

type hoistSlot struct {
	vars   []*binding
	errVar bool
}

type goScope struct {
	parent      *goScope
	errDeclared bool
	slot        *hoistSlot // where variables first assigned in this block are declared
	loopVars    []*binding
}

type translator struct {
	mod   *Module
	opts  Options
	lines []string

	out []func() string

	issues []Issue
	notes  []Issue

	imports  map[string]string // local name → dotted Python path
	names    map[string]*binding
	goNames  map[string]bool
	scope    *goScope
	top      *goScope
	comments []comment
	cIdx     int

	// state of the script
	rng      *binding // NumPy's global RandomState
	seedExpr string   // Go expression of the last seed call, for kerago's generators
	seedLine int
	needCtx  bool
	needPlt  bool // the script plots: main starts with plt := pyplot.New("", nil)
	inlining map[string]bool
	defs     map[string]*DefStmt

	curFrom     int // the statement being translated
	curTo       int
	after       []func()         // what to emit once the statement is done (df.pop\'s drop)
	lost        map[string]int   // names assigned by lines that were not translated
	tainted     map[string]taint // names an untranslated line would have changed (knockon.go)
	affected    []Issue          // translated lines that read a tainted name
	failed      map[int]Issue    // every line reported untranslated, kept across roll-backs
	classes     map[string]int   // classes of the script (outside the subset)
	inFunc      bool             // translating a schedule's func literal
	schedLocals []*binding

	// rolling back untranslatable statements
	guards int
	undo   []func()
}

func newTranslator(mod *Module, opts Options) *translator {
	t := &translator{
		mod:      mod,
		opts:     opts,
		lines:    mod.Lines,
		imports:  map[string]string{},
		names:    map[string]*binding{},
		goNames:  map[string]bool{},
		comments: mod.comments,
		inlining: map[string]bool{},
		defs:     map[string]*DefStmt{},
		lost:     map[string]int{},
		tainted:  map[string]taint{},
		failed:   map[int]Issue{},
		classes:  map[string]int{},
	}
	t.top = &goScope{}
	t.scope = t.top
	t.goNames["plt"] = true // pyplot's State
	return t
}

func (t *translator) emit(s string) {
	if strings.HasPrefix(s, "//") {
		s = commentSafe(s)
	}
	t.out = append(t.out, func() string { return s })
}

// commentSafe escapes the characters Go does not accept in a comment
// (control characters, a byte order mark).
func commentSafe(s string) string {
	if !strings.ContainsFunc(s, unsafeInComment) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unsafeInComment(r) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func unsafeInComment(r rune) bool {
	return (r < 0x20 && r != '\t') || r == 0x7f || r == 0xfeff || r == 0x2028 || r == 0x2029
}

func (t *translator) emitf(format string, args ...any) { t.emit(fmt.Sprintf(format, args...)) }

func (t *translator) emitFn(f func() string) { t.out = append(t.out, f) }

// fatalCheck emits the error check after a call that set err.
func (t *translator) fatalCheck() {
	if t.inFunc {
		t.emit("if err != nil {\nreturn 0, err\n}")
		return
	}
	t.emit("if err != nil {\nlog.Fatal(err)\n}")
}

func (t *translator) fail(line int, format string, args ...any) {
	panic(untranslatable{line: line, reason: fmt.Sprintf(format, args...)})
}

// note records a caveat of a translated line, in the report and as a
// comment in the output.
func (t *translator) note(line int, format string, args ...any) {
	code := t.codeAt(line)
	if line >= t.curFrom && line <= t.curTo {
		code = t.codeSpan(t.curFrom, t.curTo)
		line = t.curFrom
		if r := []rune(code); len(r) > 120 {
			code = string(r[:117]) + "..."
		}
	}
	reason := fmt.Sprintf(format, args...)
	t.notes = append(t.notes, Issue{Line: line, Code: code, Reason: reason})
	t.emit("// kerago translate: " + reason)
}

// codeAt returns the source of the statement starting at line, on one
// line.
func (t *translator) codeAt(line int) string {
	if line < 1 || line > len(t.lines) {
		return ""
	}
	return strings.TrimSpace(t.lines[line-1])
}

// codeSpan joins the lines of a statement into one line of code.
func (t *translator) codeSpan(from, to int) string {
	var parts []string
	for l := from; l <= to && l <= len(t.lines); l++ {
		if l < 1 {
			continue
		}
		s := strings.TrimSpace(stripComment(t.lines[l-1]))
		if s != "" {
			parts = append(parts, s)
		}
	}
	s := strings.Join(parts, " ")
	s = strings.ReplaceAll(s, "( ", "(")
	s = strings.ReplaceAll(s, "[ ", "[")
	return s
}

// stripComment removes a trailing # comment outside string literals.
func stripComment(line string) string {
	var q byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case q != 0:
			if c == '\\' {
				i++
			} else if c == q {
				q = 0
			}
		case c == '\'' || c == '"':
			q = c
		case c == '#':
			return line[:i]
		}
	}
	return line
}

// sourceComment returns the Python lines from..to as Go comment lines,
// dedented to the first line's indentation.
func (t *translator) sourceComment(from, to int) []string {
	var out []string
	indent := -1
	for l := from; l <= to && l <= len(t.lines); l++ {
		if l < 1 {
			continue
		}
		s := strings.TrimRight(t.lines[l-1], " \t")
		if indent < 0 {
			indent = len(s) - len(strings.TrimLeft(s, " \t"))
		}
		cut := min(indent, len(s)-len(strings.TrimLeft(s, " \t")))
		out = append(out, "// "+strings.ReplaceAll(s[cut:], "\t", "    "))
	}
	return out
}

func (t *translator) emitSource(from, to int) {
	for _, c := range t.sourceComment(from, to) {
		t.emit(c)
	}
}

// flushComments emits the script's own-line comments that come before line.
func (t *translator) flushComments(line int) {
	for t.cIdx < len(t.comments) && t.comments[t.cIdx].line < line {
		c := t.comments[t.cIdx]
		t.cIdx++
		if !c.own {
			continue
		}
		text := strings.TrimSpace(c.text)
		if strings.HasPrefix(text, "!") && c.line == 1 {
			continue // #!/usr/bin/env python
		}
		if strings.HasPrefix(text, "-*-") || strings.Contains(text, "coding:") || strings.Contains(text, "coding=") {
			continue
		}
		t.emit("// " + text)
	}
}

// skipComments drops the comments up to line (inside a block reported
// as a whole).
func (t *translator) skipComments(line int) {
	for t.cIdx < len(t.comments) && t.comments[t.cIdx].line <= line {
		t.cIdx++
	}
}

type snapshot struct {
	out      int
	undo     int
	errTop   bool
	errCur   bool
	slot     *hoistSlot
	slotVars int
	slotErr  bool
	notes    int
	rng      *binding
	seedExpr string
	seedLine int
	needCtx  bool
	issues   int
	after    int
	affected int
}

// onUndo records how to undo a change of the translator's state, for
// rolling back a statement that turns out untranslatable.
func (t *translator) onUndo(f func()) {
	if t.guards > 0 {
		t.undo = append(t.undo, f)
	}
}

// setName binds a Python name (undoably).
func (t *translator) setName(k string, b *binding) {
	m := t.names
	old, had := m[k]
	t.onUndo(func() {
		if had {
			m[k] = old
		} else {
			delete(m, k)
		}
	})
	m[k] = b
}

// delName unbinds a Python name (undoably).
func (t *translator) delName(k string) {
	m := t.names
	old, had := m[k]
	if !had {
		return
	}
	t.onUndo(func() { m[k] = old })
	delete(m, k)
}

// replaceNames swaps the whole name table (undoably).
func (t *translator) replaceNames(m map[string]*binding) {
	old := t.names
	t.onUndo(func() { t.names = old })
	t.names = m
}

func (t *translator) setLost(k string, line int) {
	old, had := t.lost[k]
	t.onUndo(func() {
		if had {
			t.lost[k] = old
		} else {
			delete(t.lost, k)
		}
	})
	t.lost[k] = line
}

func (t *translator) delLost(k string) {
	old, had := t.lost[k]
	if !had {
		return
	}
	t.onUndo(func() { t.lost[k] = old })
	delete(t.lost, k)
}

// exprRestoring translates e, then runs after (also when e fails).
func (t *translator) exprRestoring(e Expr, after func()) val {
	defer after()
	return t.expr(e)
}

func (t *translator) snap() snapshot {
	s := snapshot{
		out: len(t.out), undo: len(t.undo), errTop: t.top.errDeclared, errCur: t.scope.errDeclared,
		notes: len(t.notes), rng: t.rng, seedExpr: t.seedExpr, seedLine: t.seedLine, needCtx: t.needCtx,
		issues: len(t.issues), after: len(t.after), affected: len(t.affected),
	}
	if sl := t.top.slot; sl != nil {
		s.slot, s.slotVars, s.slotErr = sl, len(sl.vars), sl.errVar
	}
	return s
}

func (t *translator) restore(s snapshot) {
	t.out = t.out[:s.out]
	for len(t.undo) > s.undo {
		f := t.undo[len(t.undo)-1]
		t.undo = t.undo[:len(t.undo)-1]
		f()
	}
	t.top.errDeclared = s.errTop
	t.scope.errDeclared = s.errCur
	if s.slot != nil {
		s.slot.vars = s.slot.vars[:s.slotVars]
		s.slot.errVar = s.slotErr
	}
	t.notes = t.notes[:s.notes]
	t.rng, t.seedExpr, t.seedLine = s.rng, s.seedExpr, s.seedLine
	t.needCtx = s.needCtx
	t.issues = t.issues[:s.issues]
	t.after = t.after[:s.after]
	t.affected = t.affected[:s.affected]
}

// guard runs f; if it raises untranslatable, everything it emitted is
// rolled back and false is returned with the reason.
func (t *translator) guard(f func()) (ok bool, u untranslatable) {
	t.guards++
	s := t.snap()
	defer func() {
		t.guards--
		if t.guards == 0 {
			t.undo = t.undo[:0] // nothing left to roll back
		}
	}()
	func() {
		defer func() {
			if r := recover(); r != nil {
				x, isU := r.(untranslatable)
				if !isU {
					panic(r)
				}
				u = x
			}
		}()
		f()
		ok = true
	}()
	if !ok {
		t.restore(s)
	}
	return ok, u
}

// todo emits TODO comments for lines from..to and records one report
// line for the statement.
func (t *translator) todo(from, to int, reason string) {
	for l := from; l <= to && l <= len(t.lines); l++ {
		s := strings.TrimSpace(t.lines[l-1])
		if s == "" {
			continue
		}
		t.emit("// TODO(kerago translate): " + s)
	}
	t.issues = append(t.issues, Issue{Line: from, Code: t.codeSpan(from, to), Reason: reason})
	t.failed[from] = t.issues[len(t.issues)-1]
}

// todoEachLine emits TODO comments and one report line per non-blank,
// non-comment source line of from..to (for whole blocks).
func (t *translator) todoEachLine(from, to int, reason string) {
	indent := -1
	for l := from; l <= to && l <= len(t.lines); l++ {
		raw := strings.ReplaceAll(strings.TrimRight(t.lines[l-1], " \t"), "\t", "    ")
		s := strings.TrimSpace(raw)
		if s == "" {
			continue
		}
		lead := len(raw) - len(strings.TrimLeft(raw, " "))
		if indent < 0 {
			indent = lead
		}
		t.emit("// TODO(kerago translate): " + strings.Repeat(" ", max(lead-indent, 0)) + s)
		if strings.HasPrefix(s, "#") {
			continue
		}
		t.issues = append(t.issues, Issue{Line: l, Code: strings.TrimSpace(stripComment(s)), Reason: reason})
	}
	t.skipComments(to)
}

func (t *translator) run() (*Result, error) {
	t.scanDefs(t.mod.Body)
	t.emitFn(func() string {
		if t.needCtx {
			return "ctx := context.Background()\n"
		}
		return "\x00"
	})
	t.emitFn(func() string {
		if t.needPlt {
			return "plt := pyplot.New(\"\", nil)\n"
		}
		return "\x00"
	})
	t.block(t.mod.Body)
	t.flushComments(len(t.lines) + 1)
	body := t.render()
	src := t.assemble(body)
	formatted, err := format.Source([]byte(src))
	if err != nil {
		return nil, fmt.Errorf("translate: internal error: generated Go does not parse: %v\n%s", err, numbered(src))
	}
	formatted = keepUnused(formatted)
	sort.SliceStable(t.issues, func(i, j int) bool { return t.issues[i].Line < t.issues[j].Line })
	sort.SliceStable(t.notes, func(i, j int) bool { return t.notes[i].Line < t.notes[j].Line })
	sort.SliceStable(t.affected, func(i, j int) bool { return t.affected[i].Line < t.affected[j].Line })
	return &Result{Go: formatted, Untranslated: t.issues, Notes: dedupIssues(t.notes), Affected: dedupIssues(t.affected)}, nil
}

func dedupIssues(in []Issue) []Issue {
	var out []Issue
	seen := map[string]bool{}
	for _, i := range in {
		k := i.String()
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, i)
	}
	return out
}

func numbered(src string) string {
	var b strings.Builder
	for i, l := range strings.Split(src, "\n") {
		fmt.Fprintf(&b, "%4d %s\n", i+1, l)
	}
	return b.String()
}

func (t *translator) render() string {
	var b strings.Builder
	for _, f := range t.out {
		s := f()
		if s == "\x00" {
			continue
		}
		// indented, so that go/printer does not take comments for doc
		// comments (which it reformats)
		for _, l := range strings.Split(s, "\n") {
			b.WriteByte('\t')
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

var importPaths = map[string]string{
	"context":      "context",
	"fmt":          "fmt",
	"log":          "log",
	"os":           "os",
	"math":         "math",
	"filepath":     "path/filepath",
	"strings":      "strings",
	"keras":        "github.com/kerago/kerago/keras",
	"layers":       "github.com/kerago/kerago/keras/layers",
	"optimizers":   "github.com/kerago/kerago/keras/optimizers",
	"schedules":    "github.com/kerago/kerago/keras/optimizers/schedules",
	"losses":       "github.com/kerago/kerago/keras/losses",
	"metrics":      "github.com/kerago/kerago/keras/metrics",
	"callbacks":    "github.com/kerago/kerago/keras/callbacks",
	"initializers": "github.com/kerago/kerago/keras/initializers",
	"regularizers": "github.com/kerago/kerago/keras/regularizers",
	"constraints":  "github.com/kerago/kerago/keras/constraints",
	"tensor":       "github.com/kerago/kerago/tensor",
	"data":         "github.com/kerago/kerago/data",
	"pyplot":       "github.com/kerago/kerago/pyplot",
}

// usedPackages finds the package names a function body refers to.
func usedPackages(body string) map[string]bool {
	used := map[string]bool{}
	fset := gotoken.NewFileSet()
	f, err := goparser.ParseFile(fset, "x.go", "package main\nfunc main() {\n"+body+"\n}\n", goparser.SkipObjectResolution)
	if err != nil {
		// fall back to a textual scan
		for name := range importPaths {
			if strings.Contains(body, name+".") {
				used[name] = true
			}
		}
		return used
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				if _, known := importPaths[id.Name]; known {
					used[id.Name] = true
				}
			}
		}
		return true
	})
	return used
}

func (t *translator) assemble(body string) string {
	var b strings.Builder
	script := t.opts.ScriptName
	if script == "" {
		script = "the Python script"
	} else {
		script = filepath.Base(script)
	}
	fmt.Fprintf(&b, "// Command main was translated from %s by kerago translate: each block is\n", script)
	b.WriteString("// preceded by the Python line(s) it came from.\n")
	if len(t.issues) > 0 {
		fmt.Fprintf(&b, "//\n// %d line(s) could not be translated: see the TODO(kerago translate) comments.\n", len(t.issues))
	}
	b.WriteString("package main\n\n")
	used := usedPackages(body)
	var std, ext []string
	for name := range used {
		p := importPaths[name]
		if strings.Contains(p, ".") {
			ext = append(ext, p)
		} else {
			std = append(std, p)
		}
	}
	sort.Strings(std)
	sort.Strings(ext)
	b.WriteString("import (\n")
	for _, p := range std {
		fmt.Fprintf(&b, "\t%q\n", p)
	}
	if len(std) > 0 && len(ext) > 0 {
		b.WriteString("\n")
	}
	for _, p := range ext {
		fmt.Fprintf(&b, "\t%q\n", p)
	}
	b.WriteString(")\n\n")
	b.WriteString("func main() {\n")
	b.WriteString(body)
	b.WriteString("}\n")
	out := b.String()
	if len(used) == 0 {
		out = strings.Replace(out, "import (\n)\n\n", "", 1)
	}
	return out
}
