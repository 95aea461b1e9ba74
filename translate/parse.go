package translate

import (
	"fmt"
	"strings"
)

// Parse reads a Python script into the subset's AST. Statements it cannot
// read become BadStmt (with the reason) so that the rest of the script is
// still translated; only errors that make the token stream unusable (an
// unterminated string, a bad indentation, an invalid character) are returned,
// as a *SyntaxError naming the line.
func Parse(src []byte) (*Module, error) {
	text := string(src)
	toks, comments, err := tokenize(text)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	body := p.stmts(true)
	norm := strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	return &Module{Body: body, comments: comments, Lines: strings.Split(norm, "\n")}, nil
}

type parser struct {
	toks  []token
	pos   int
	depth int
}

type parseError struct {
	line int
	msg  string
}

const maxDepth = 400

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) peekAt(k int) token {
	if p.pos+k < len(p.toks) {
		return p.toks[p.pos+k]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

// lastLine is the line of the last consumed token that belongs to a
// statement (INDENT and DEDENT carry the next statement's line).
func (p *parser) lastLine() int {
	for k := p.pos - 1; k >= 0; k-- {
		if t := p.toks[k]; t.kind != tDedent && t.kind != tIndent {
			if t.endLine > t.line {
				return t.endLine
			}
			return t.line
		}
	}
	return 1
}

func (p *parser) isOp(v string) bool {
	t := p.peek()
	return t.kind == tOp && t.val == v
}

func (p *parser) isName(v string) bool {
	t := p.peek()
	return t.kind == tName && t.val == v
}

func (p *parser) fail(format string, args ...any) {
	panic(parseError{line: p.peek().line, msg: fmt.Sprintf(format, args...)})
}

func (p *parser) expectOp(v string) token {
	if !p.isOp(v) {
		p.fail("expected %q, found %s", v, p.peek())
	}
	return p.next()
}

func (p *parser) expectName() string {
	t := p.peek()
	if t.kind != tName || keywords[t.val] {
		p.fail("expected a name, found %s", t)
	}
	p.next()
	return t.val
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.fail("expression or block nested too deeply")
	}
}

func (p *parser) leave() { p.depth-- }

var keywords = map[string]bool{
	"False": true, "None": true, "True": true, "and": true, "as": true, "assert": true, "async": true,
	"await": true, "break": true, "class": true, "continue": true, "def": true, "del": true, "elif": true,
	"else": true, "except": true, "finally": true, "for": true, "from": true, "global": true, "if": true,
	"import": true, "in": true, "is": true, "lambda": true, "nonlocal": true, "not": true, "or": true,
	"pass": true, "raise": true, "return": true, "try": true, "while": true, "with": true, "yield": true,
}

// stmts parses statements until EOF (top) or a DEDENT.
func (p *parser) stmts(top bool) []Stmt {
	var out []Stmt
	for {
		t := p.peek()
		if t.kind == tEOF {
			return out
		}
		if t.kind == tDedent {
			if top {
				p.next()
				continue
			}
			return out
		}
		if t.kind == tNewline || t.kind == tIndent {
			// stray tokens (after an error): skip an unexpected block
			if t.kind == tIndent {
				start := p.pos
				line := t.line
				p.skipBlock()
				out = append(out, &BadStmt{Pos: Pos{line, p.lastLine()}, Err: "unexpected indent"})
				if p.pos == start {
					p.next()
				}
				continue
			}
			p.next()
			continue
		}
		out = append(out, p.stmt()...)
	}
}

// skipBlock skips an INDENT ... DEDENT block.
func (p *parser) skipBlock() {
	if p.peek().kind != tIndent {
		return
	}
	level := 0
	for {
		t := p.next()
		switch t.kind {
		case tIndent:
			level++
		case tDedent:
			level--
			if level == 0 {
				return
			}
		case tEOF:
			return
		}
	}
}

// stmt parses one statement line (or compound statement), recovering from
// errors as a BadStmt.
func (p *parser) stmt() (out []Stmt) {
	start := p.pos
	line := p.peek().line
	saveDepth := p.depth
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		pe, ok := r.(parseError)
		if !ok {
			panic(r)
		}
		p.depth = saveDepth
		// skip the rest of the logical line, and a block it opens
		if p.pos == start {
			p.next()
		}
		for {
			t := p.peek()
			if t.kind == tEOF || t.kind == tDedent {
				break
			}
			if t.kind == tNewline {
				p.next()
				break
			}
			if t.kind == tIndent {
				break
			}
			p.next()
		}
		end := p.lastLine()
		if p.peek().kind == tIndent {
			p.skipBlock()
			end = p.lastLine()
		}
		if end < line {
			end = line
		}
		out = []Stmt{&BadStmt{Pos: Pos{line, end}, Err: pe.msg}}
	}()
	t := p.peek()
	if t.kind == tOp && t.val == "@" {
		var decos []Expr
		for p.isOp("@") {
			p.next()
			decos = append(decos, p.expr())
			p.expectNewline()
		}
		s := p.compound()
		switch d := s.(type) {
		case *DefStmt:
			d.Decorators = decos
			d.Line = line
		case *ClassStmt:
			d.Decorators = decos
			d.Line = line
		default:
			p.fail("a decorator must precede def or class")
		}
		return []Stmt{s}
	}
	if t.kind == tName {
		switch t.val {
		case "if", "for", "while", "with", "def", "class", "try":
			return []Stmt{p.compound()}
		case "async":
			p.fail("async code is outside the subset")
		}
	}
	return p.simpleLine()
}

func (p *parser) expectNewline() {
	t := p.peek()
	if t.kind == tNewline {
		p.next()
		return
	}
	if t.kind == tEOF || t.kind == tDedent {
		return
	}
	p.fail("expected end of line, found %s", t)
}

// simpleLine parses small statements separated by ';' up to NEWLINE.
func (p *parser) simpleLine() []Stmt {
	var out []Stmt
	for {
		out = append(out, p.small())
		if p.isOp(";") {
			p.next()
			if p.peek().kind == tNewline || p.peek().kind == tEOF {
				break
			}
			continue
		}
		break
	}
	p.expectNewline()
	return out
}

func (p *parser) small() Stmt {
	t := p.peek()
	line := t.line
	pos := func() Pos { return Pos{line, p.lastLine()} }
	if t.kind == tName {
		switch t.val {
		case "import":
			p.next()
			var names []ImportName
			for {
				n := p.dotted()
				in := ImportName{Name: n}
				if p.isName("as") {
					p.next()
					in.Alias = p.expectName()
				}
				names = append(names, in)
				if !p.isOp(",") {
					break
				}
				p.next()
			}
			return &ImportStmt{Pos: pos(), Names: names}
		case "from":
			p.next()
			mod := ""
			for p.isOp(".") || p.isOp("...") {
				mod += p.next().val
			}
			if !p.isName("import") {
				mod += p.dotted()
			}
			if !p.isName("import") {
				p.fail("expected import, found %s", p.peek())
			}
			p.next()
			if p.isOp("*") {
				p.next()
				return &FromImportStmt{Pos: pos(), Module: mod}
			}
			paren := false
			if p.isOp("(") {
				p.next()
				paren = true
			}
			var names []ImportName
			for {
				if paren && p.isOp(")") {
					break
				}
				in := ImportName{Name: p.expectName()}
				if p.isName("as") {
					p.next()
					in.Alias = p.expectName()
				}
				names = append(names, in)
				if !p.isOp(",") {
					break
				}
				p.next()
			}
			if paren {
				p.expectOp(")")
			}
			return &FromImportStmt{Pos: pos(), Module: mod, Names: names}
		case "pass", "break", "continue":
			p.next()
			return &SimpleStmt{Pos: pos(), Keyword: t.val}
		case "return":
			p.next()
			var v Expr
			if !p.atEndOfSmall() {
				v = p.exprList()
			}
			return &ReturnStmt{Pos: pos(), Value: v}
		case "global", "nonlocal", "del", "assert", "raise":
			p.next()
			var xs []Expr
			for !p.atEndOfSmall() {
				xs = append(xs, p.expr())
				if p.isOp(",") || p.isName("from") {
					p.next()
					continue
				}
				break
			}
			return &SimpleStmt{Pos: pos(), Keyword: t.val, Exprs: xs}
		case "yield", "await":
			p.fail("%s is outside the subset", t.val)
		}
	}
	first := p.exprListStar()
	switch {
	case p.isOp("="):
		targets := []Expr{first}
		var value Expr
		for p.isOp("=") {
			p.next()
			value = p.exprListStar()
			if p.isOp("=") {
				targets = append(targets, value)
			}
		}
		return &AssignStmt{Pos: pos(), Targets: targets, Value: value}
	case p.isOp(":"):
		p.next()
		p.expr() // annotation
		var v Expr
		if p.isOp("=") {
			p.next()
			v = p.exprList()
		}
		return &AnnAssignStmt{Pos: pos(), Target: first, Value: v}
	}
	if t := p.peek(); t.kind == tOp && len(t.val) >= 2 && strings.HasSuffix(t.val, "=") && t.val != "==" && t.val != "!=" && t.val != "<=" && t.val != ">=" {
		p.next()
		v := p.exprList()
		return &AugAssignStmt{Pos: pos(), Target: first, Op: strings.TrimSuffix(t.val, "="), Value: v}
	}
	return &ExprStmt{Pos: pos(), X: first}
}

func (p *parser) atEndOfSmall() bool {
	t := p.peek()
	return t.kind == tNewline || t.kind == tEOF || t.kind == tDedent || (t.kind == tOp && t.val == ";")
}

func (p *parser) dotted() string {
	n := p.expectName()
	for p.isOp(".") {
		p.next()
		n += "." + p.expectName()
	}
	return n
}

// suite parses the body after a compound header's ':'.
func (p *parser) suite() []Stmt {
	p.expectOp(":")
	if p.peek().kind != tNewline {
		return p.simpleLine()
	}
	p.next()
	if p.peek().kind != tIndent {
		p.fail("expected an indented block")
	}
	p.next()
	p.enter()
	body := p.stmts(false)
	p.leave()
	if p.peek().kind == tDedent {
		p.next()
	}
	return body
}

func (p *parser) compound() Stmt {
	t := p.next()
	line := t.line
	switch t.val {
	case "if":
		return p.ifRest(line)
	case "for":
		target := p.targetList()
		if !p.isName("in") {
			p.fail("expected in, found %s", p.peek())
		}
		p.next()
		iter := p.exprList()
		s := &ForStmt{Pos: Pos{line, p.lastLine()}, Target: target, Iter: iter}
		s.Body = p.suite()
		if p.isName("else") {
			p.next()
			s.Else = p.suite()
		}
		return s
	case "while":
		cond := p.namedExpr()
		s := &WhileStmt{Pos: Pos{line, p.lastLine()}, Cond: cond}
		s.Body = p.suite()
		if p.isName("else") {
			p.next()
			s.Else = p.suite()
		}
		return s
	case "with":
		var items []WithItem
		paren := false
		if p.isOp("(") && p.parenWith() {
			p.next()
			paren = true
		}
		for {
			if paren && p.isOp(")") {
				break
			}
			it := WithItem{Ctx: p.expr()}
			if p.isName("as") {
				p.next()
				it.Target = p.target()
			}
			items = append(items, it)
			if !p.isOp(",") {
				break
			}
			p.next()
		}
		if paren {
			p.expectOp(")")
		}
		s := &WithStmt{Pos: Pos{line, p.lastLine()}, Items: items}
		s.Body = p.suite()
		return s
	case "def":
		name := p.expectName()
		p.expectOp("(")
		params := p.params(")")
		p.expectOp(")")
		if p.isOp("->") {
			p.next()
			p.expr()
		}
		s := &DefStmt{Pos: Pos{line, p.lastLine()}, Name: name, Params: params}
		s.Body = p.suite()
		s.BodyEnd = p.lastLine()
		return s
	case "class":
		name := p.expectName()
		var bases []Expr
		if p.isOp("(") {
			p.next()
			for !p.isOp(")") {
				if p.peek().kind == tName && p.peekAt(1).kind == tOp && p.peekAt(1).val == "=" {
					p.next()
					p.next()
				}
				bases = append(bases, p.expr())
				if !p.isOp(",") {
					break
				}
				p.next()
			}
			p.expectOp(")")
		}
		s := &ClassStmt{Pos: Pos{line, p.lastLine()}, Name: name, Bases: bases}
		s.Body = p.suite()
		s.BodyEnd = p.lastLine()
		return s
	case "try":
		s := &TryStmt{Pos: Pos{line, line}}
		s.Body = p.suite()
		for p.isName("except") || p.isName("else") || p.isName("finally") {
			ct := p.next()
			c := Clause{Line: ct.line, Kind: ct.val}
			if ct.val == "except" && !p.isOp(":") {
				if p.isOp("*") {
					p.next()
				}
				p.expr()
				if p.isName("as") || p.isOp(",") {
					p.next()
					p.expectName()
				}
			}
			c.Body = p.suite()
			s.Clauses = append(s.Clauses, c)
		}
		if len(s.Clauses) == 0 {
			p.fail("try without except or finally")
		}
		return s
	}
	p.fail("unexpected %s", t)
	return nil
}

// parenWith reports whether "with (" opens a parenthesized list of items
// rather than an expression: the matching ")" is followed by ":".
func (p *parser) parenWith() bool {
	depth := 0
	for k := p.pos; k < len(p.toks); k++ {
		t := p.toks[k]
		if t.kind != tOp {
			if t.kind == tNewline || t.kind == tEOF {
				return false
			}
			continue
		}
		switch t.val {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
			if depth == 0 {
				// a parenthesized list of items has "as" or "," at depth 1;
				// decide by the token after ")"
				nt := p.toks[min(k+1, len(p.toks)-1)]
				if nt.kind == tOp && nt.val == ":" {
					// "(a as b)" or "(a, b)": treat as item list when it holds "as" or ","
					for j := p.pos + 1; j < k; j++ {
						tj := p.toks[j]
						if tj.kind == tName && tj.val == "as" {
							return true
						}
					}
				}
				return false
			}
		}
	}
	return false
}

func (p *parser) ifRest(line int) Stmt {
	cond := p.namedExpr()
	s := &IfStmt{Pos: Pos{line, p.lastLine()}, Cond: cond}
	s.Body = p.suite()
	if p.isName("elif") {
		t := p.next()
		s.Else = []Stmt{p.ifRest(t.line)}
	} else if p.isName("else") {
		t := p.next()
		s.ElseLine = t.line
		s.Else = p.suite()
	}
	return s
}

// params parses a parameter list up to the closing token.
func (p *parser) params(closing string) []Param {
	var out []Param
	for !p.isOp(closing) {
		var pr Param
		if p.isOp("*") || p.isOp("**") {
			pr.Star = p.next().val
			if p.isOp(",") {
				p.next()
				continue
			}
		}
		if p.isOp("/") {
			p.next()
			if p.isOp(",") {
				p.next()
			}
			continue
		}
		pr.Name = p.expectName()
		if closing == ")" && p.isOp(":") {
			p.next()
			p.expr()
		}
		if p.isOp("=") {
			p.next()
			pr.Default = p.expr()
		}
		out = append(out, pr)
		if !p.isOp(",") {
			break
		}
		p.next()
	}
	return out
}

// target parses an assignment target for for/with ("a", "a, b", "(a, b)").
func (p *parser) target() Expr {
	return p.orExpr()
}

func (p *parser) targetList() Expr {
	line := p.peek().line
	first := p.orExprStar()
	if !p.isOp(",") {
		return first
	}
	elts := []Expr{first}
	for p.isOp(",") {
		p.next()
		if p.isName("in") {
			break
		}
		elts = append(elts, p.orExprStar())
	}
	return &TupleExpr{Line: line, Elts: elts}
}

func (p *parser) orExprStar() Expr {
	if p.isOp("*") {
		line := p.next().line
		return &Starred{Line: line, Value: p.orExpr()}
	}
	return p.orExpr()
}

// exprList parses "a, b, c" into a tuple (or a single expression).
func (p *parser) exprList() Expr {
	line := p.peek().line
	first := p.expr()
	if !p.isOp(",") {
		return first
	}
	elts := []Expr{first}
	for p.isOp(",") {
		p.next()
		if p.startsExpr() {
			elts = append(elts, p.expr())
		} else {
			break
		}
	}
	return &TupleExpr{Line: line, Elts: elts}
}

// exprListStar is exprList allowing *x elements (assignment targets).
func (p *parser) exprListStar() Expr {
	line := p.peek().line
	first := p.starOrExpr()
	if !p.isOp(",") {
		return first
	}
	elts := []Expr{first}
	for p.isOp(",") {
		p.next()
		if p.startsExpr() || p.isOp("*") {
			elts = append(elts, p.starOrExpr())
		} else {
			break
		}
	}
	return &TupleExpr{Line: line, Elts: elts}
}

func (p *parser) starOrExpr() Expr {
	if p.isOp("*") {
		line := p.next().line
		return &Starred{Line: line, Value: p.orExpr()}
	}
	return p.expr()
}

func (p *parser) startsExpr() bool {
	t := p.peek()
	switch t.kind {
	case tName:
		switch t.val {
		case "in", "if", "else", "for", "as", "and", "or", "is", "import", "from":
			return false
		}
		return true
	case tNumber, tString:
		return true
	case tOp:
		switch t.val {
		case "(", "[", "{", "-", "+", "~", "...", "*":
			return t.val != "*"
		}
	}
	return false
}

func (p *parser) namedExpr() Expr {
	e := p.expr()
	if p.isOp(":=") {
		line := p.next().line
		return &NamedExpr{Line: line, Target: e, Value: p.expr()}
	}
	return e
}

// expr parses a full expression: lambda, conditional, or boolean.
func (p *parser) expr() Expr {
	p.enter()
	defer p.leave()
	if p.isName("lambda") {
		line := p.next().line
		params := p.params(":")
		p.expectOp(":")
		return &Lambda{Line: line, Params: params, Body: p.expr()}
	}
	e := p.orTest()
	if p.isName("if") {
		// a conditional expression (not a comprehension's if: callers of
		// expr inside comprehensions stop before "if")
		line := p.next().line
		cond := p.orTest()
		if !p.isName("else") {
			p.fail("expected else in conditional expression, found %s", p.peek())
		}
		p.next()
		return &IfExp{Line: line, Body: e, Cond: cond, Else: p.expr()}
	}
	return e
}

func (p *parser) orTest() Expr {
	e := p.andTest()
	for p.isName("or") {
		line := p.next().line
		e = &BoolOp{Line: line, Op: "or", X: e, Y: p.andTest()}
	}
	return e
}

func (p *parser) andTest() Expr {
	e := p.notTest()
	for p.isName("and") {
		line := p.next().line
		e = &BoolOp{Line: line, Op: "and", X: e, Y: p.notTest()}
	}
	return e
}

func (p *parser) notTest() Expr {
	if p.isName("not") {
		line := p.next().line
		p.enter()
		defer p.leave()
		return &UnaryOp{Line: line, Op: "not", X: p.notTest()}
	}
	return p.comparison()
}

func (p *parser) comparison() Expr {
	line := p.peek().line
	x := p.orExpr()
	var ops []string
	var comps []Expr
	for {
		t := p.peek()
		op := ""
		switch {
		case t.kind == tOp && (t.val == "<" || t.val == ">" || t.val == "==" || t.val == ">=" || t.val == "<=" || t.val == "!=" || t.val == "<>"):
			op = t.val
			p.next()
		case t.kind == tName && t.val == "in":
			op = "in"
			p.next()
		case t.kind == tName && t.val == "not" && p.peekAt(1).kind == tName && p.peekAt(1).val == "in":
			op = "not in"
			p.next()
			p.next()
		case t.kind == tName && t.val == "is":
			p.next()
			op = "is"
			if p.isName("not") {
				p.next()
				op = "is not"
			}
		}
		if op == "" {
			break
		}
		ops = append(ops, op)
		comps = append(comps, p.orExpr())
	}
	if len(ops) == 0 {
		return x
	}
	return &Compare{Line: line, X: x, Ops: ops, Comps: comps}
}

var binPrec = map[string]int{
	"|": 1, "^": 2, "&": 3, "<<": 4, ">>": 4, "+": 5, "-": 5, "*": 6, "/": 6, "//": 6, "%": 6, "@": 6,
}

func (p *parser) orExpr() Expr { return p.binary(1) }

func (p *parser) binary(minPrec int) Expr {
	p.enter()
	defer p.leave()
	x := p.unary()
	for {
		t := p.peek()
		if t.kind != tOp {
			return x
		}
		prec, ok := binPrec[t.val]
		if !ok || prec < minPrec {
			return x
		}
		p.next()
		y := p.binary(prec + 1)
		x = &BinOp{Line: t.line, Op: t.val, X: x, Y: y}
	}
}

func (p *parser) unary() Expr {
	t := p.peek()
	if t.kind == tOp && (t.val == "-" || t.val == "+" || t.val == "~") {
		p.next()
		p.enter()
		defer p.leave()
		return &UnaryOp{Line: t.line, Op: t.val, X: p.unary()}
	}
	return p.power()
}

func (p *parser) power() Expr {
	x := p.primary()
	if p.isOp("**") {
		t := p.next()
		p.enter()
		defer p.leave()
		return &BinOp{Line: t.line, Op: "**", X: x, Y: p.unary()}
	}
	return x
}

func (p *parser) primary() Expr {
	x := p.atom()
	for {
		t := p.peek()
		if t.kind != tOp {
			return x
		}
		switch t.val {
		case ".":
			p.next()
			n := p.peek()
			if n.kind != tName {
				p.fail("expected an attribute name, found %s", n)
			}
			p.next()
			x = &Attr{Line: t.line, Value: x, Attr: n.val}
		case "(":
			p.next()
			x = p.callRest(x, t.line)
		case "[":
			p.next()
			idx := p.subscriptList()
			p.expectOp("]")
			x = &Subscript{Line: t.line, Value: x, Index: idx}
		default:
			return x
		}
	}
}

func (p *parser) callRest(fn Expr, line int) Expr {
	c := &Call{Line: line, Func: fn}
	for !p.isOp(")") {
		t := p.peek()
		switch {
		case t.kind == tOp && (t.val == "*" || t.val == "**"):
			p.next()
			v := p.expr()
			if t.val == "**" {
				c.Keywords = append(c.Keywords, Keyword{Line: t.line, Value: v})
			} else {
				c.Args = append(c.Args, &Starred{Line: t.line, Value: v})
				c.ArgLines = append(c.ArgLines, t.line)
			}
		case t.kind == tName && p.peekAt(1).kind == tOp && p.peekAt(1).val == "=":
			p.next()
			p.next()
			c.Keywords = append(c.Keywords, Keyword{Line: t.line, Name: t.val, Value: p.expr()})
		default:
			v := p.namedExpr()
			if p.isName("for") || p.isName("async") {
				p.skipComprehension()
				v = &Comp{Line: t.line, Kind: "generator"}
			}
			c.Args = append(c.Args, v)
			c.ArgLines = append(c.ArgLines, t.line)
		}
		if !p.isOp(",") {
			break
		}
		p.next()
	}
	p.expectOp(")")
	return c
}

// skipComprehension consumes "for ... in ... [if ...]" clauses up to the
// closing bracket (left in place).
func (p *parser) skipComprehension() {
	depth := 0
	for {
		t := p.peek()
		if t.kind == tEOF {
			p.fail("unexpected end of file in comprehension")
		}
		if t.kind == tOp {
			switch t.val {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				if depth == 0 {
					return
				}
				depth--
			}
		}
		p.next()
	}
}

func (p *parser) subscriptList() Expr {
	line := p.peek().line
	first := p.subscriptItem()
	if !p.isOp(",") {
		return first
	}
	elts := []Expr{first}
	for p.isOp(",") {
		p.next()
		if p.isOp("]") {
			break
		}
		elts = append(elts, p.subscriptItem())
	}
	return &TupleExpr{Line: line, Elts: elts}
}

func (p *parser) subscriptItem() Expr {
	line := p.peek().line
	var lo Expr
	if !p.isOp(":") {
		lo = p.namedExpr()
		if !p.isOp(":") {
			return lo
		}
	}
	s := &Slice{Line: line, Lo: lo}
	p.expectOp(":")
	if !p.isOp(":") && !p.isOp("]") && !p.isOp(",") {
		s.Hi = p.expr()
	}
	if p.isOp(":") {
		p.next()
		s.HasStepColon = true
		if !p.isOp("]") && !p.isOp(",") {
			s.Step = p.expr()
		}
	}
	return s
}

func (p *parser) atom() Expr {
	t := p.peek()
	switch t.kind {
	case tName:
		switch t.val {
		case "True", "False", "None":
			p.next()
			return &Const{Line: t.line, Value: t.val}
		case "lambda", "not":
			return p.expr()
		}
		if keywords[t.val] {
			p.fail("unexpected %s", t)
		}
		p.next()
		return &Name{Line: t.line, ID: t.val}
	case tNumber:
		p.next()
		n := &Num{Line: t.line, Text: t.val}
		low := strings.ToLower(t.val)
		n.Imag = strings.HasSuffix(low, "j")
		if !strings.HasPrefix(low, "0x") && !strings.HasPrefix(low, "0b") && !strings.HasPrefix(low, "0o") {
			n.IsFloat = strings.ContainsAny(low, ".e")
		}
		return n
	case tBad:
		if strings.Contains(t.val, "escape") {
			p.fail("%s: Python rejects this string literal (a Windows path needs r\"...\" or forward slashes)", t.val)
		}
		p.fail("%s", t.val)
	case tString:
		s := &Str{Line: t.line}
		for p.peek().kind == tString {
			st := p.next()
			if strings.Contains(st.prefix, "f") {
				s.F = true
			}
			if strings.Contains(st.prefix, "b") {
				s.Bytes = true
			}
			s.Value += st.val
		}
		return s
	case tOp:
		switch t.val {
		case "(":
			p.next()
			if p.isOp(")") {
				p.next()
				return &TupleExpr{Line: t.line}
			}
			first := p.starOrNamed()
			if p.isName("for") || p.isName("async") {
				p.skipComprehension()
				p.expectOp(")")
				return &Comp{Line: t.line, Kind: "generator"}
			}
			if p.isOp(")") {
				p.next()
				if _, ok := first.(*Starred); ok {
					p.fail("cannot use starred expression here")
				}
				return first
			}
			elts := []Expr{first}
			for p.isOp(",") {
				p.next()
				if p.isOp(")") {
					break
				}
				elts = append(elts, p.starOrNamed())
			}
			p.expectOp(")")
			return &TupleExpr{Line: t.line, Elts: elts}
		case "[":
			p.next()
			l := &ListExpr{Line: t.line}
			if p.isOp("]") {
				p.next()
				return l
			}
			first := p.starOrNamed()
			if p.isName("for") || p.isName("async") {
				p.skipComprehension()
				p.expectOp("]")
				return &Comp{Line: t.line, Kind: "list"}
			}
			l.Elts = append(l.Elts, first)
			l.Lines = append(l.Lines, first.exprLine())
			for p.isOp(",") {
				p.next()
				if p.isOp("]") {
					break
				}
				e := p.starOrNamed()
				l.Elts = append(l.Elts, e)
				l.Lines = append(l.Lines, e.exprLine())
			}
			p.expectOp("]")
			return l
		case "{":
			p.next()
			if p.isOp("}") {
				p.next()
				return &DictExpr{Line: t.line}
			}
			if p.isOp("**") {
				p.next()
				d := &DictExpr{Line: t.line, Keys: []Expr{nil}, Values: []Expr{p.orExpr()}}
				return p.dictRest(d)
			}
			first := p.starOrNamed()
			if p.isOp(":") {
				p.next()
				v := p.expr()
				if p.isName("for") || p.isName("async") {
					p.skipComprehension()
					p.expectOp("}")
					return &Comp{Line: t.line, Kind: "dict"}
				}
				d := &DictExpr{Line: t.line, Keys: []Expr{first}, Values: []Expr{v}}
				return p.dictRest(d)
			}
			if p.isName("for") || p.isName("async") {
				p.skipComprehension()
				p.expectOp("}")
				return &Comp{Line: t.line, Kind: "set"}
			}
			s := &SetExpr{Line: t.line, Elts: []Expr{first}}
			for p.isOp(",") {
				p.next()
				if p.isOp("}") {
					break
				}
				s.Elts = append(s.Elts, p.starOrNamed())
			}
			p.expectOp("}")
			return s
		case "...":
			p.next()
			return &Const{Line: t.line, Value: "..."}
		}
	}
	p.fail("unexpected %s", t)
	return nil
}

func (p *parser) starOrNamed() Expr {
	if p.isOp("*") {
		line := p.next().line
		return &Starred{Line: line, Value: p.orExpr()}
	}
	return p.namedExpr()
}

func (p *parser) dictRest(d *DictExpr) Expr {
	for p.isOp(",") {
		p.next()
		if p.isOp("}") {
			break
		}
		if p.isOp("**") {
			p.next()
			d.Keys = append(d.Keys, nil)
			d.Values = append(d.Values, p.orExpr())
			continue
		}
		k := p.expr()
		p.expectOp(":")
		d.Keys = append(d.Keys, k)
		d.Values = append(d.Values, p.expr())
	}
	p.expectOp("}")
	return d
}
