package translate

import (
	"go/ast"
	"go/format"
	goparser "go/parser"
	gotoken "go/token"
	"sort"
	"strings"
)

// keepUnused makes a generated program compile when a variable's only
// uses became TODO comments: Go rejects a variable that is declared and
// never read, so `_ = v` (with a comment saying why) follows the
// statement that declares such a variable. src must be gofmt-formatted
// Go; what cannot be parsed is returned unchanged.
func keepUnused(src []byte) []byte {
	fset := gotoken.NewFileSet()
	f, err := goparser.ParseFile(fset, "main.go", src, goparser.SkipObjectResolution)
	if err != nil {
		return src
	}
	declared := map[string]ast.Stmt{} // name → the statement declaring it first
	var order []string
	read := map[string]bool{}
	written := map[*ast.Ident]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch s := n.(type) {
		case *ast.AssignStmt:
			for _, l := range s.Lhs {
				id, ok := l.(*ast.Ident)
				if !ok {
					continue
				}
				written[id] = true
				if s.Tok == gotoken.DEFINE && id.Name != "_" {
					if _, seen := declared[id.Name]; !seen {
						declared[id.Name] = s
						order = append(order, id.Name)
					}
				}
			}
		case *ast.DeclStmt:
			gd, ok := s.Decl.(*ast.GenDecl)
			if !ok || gd.Tok != gotoken.VAR {
				return true
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for _, id := range vs.Names {
					written[id] = true
					if _, seen := declared[id.Name]; !seen && id.Name != "_" {
						declared[id.Name] = s
						order = append(order, id.Name)
					}
				}
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{s.Key, s.Value} {
				if id, ok := e.(*ast.Ident); ok {
					written[id] = true
					read[id.Name] = true // loop variables are never reported
				}
			}
		case *ast.SelectorExpr:
			// x.Sel: only x can be a variable
			ast.Inspect(s.X, func(m ast.Node) bool {
				if id, ok := m.(*ast.Ident); ok && !written[id] {
					read[id.Name] = true
				}
				return true
			})
			return false
		case *ast.Ident:
			if !written[s] {
				read[s.Name] = true
			}
		}
		return true
	})
	type insert struct {
		line int
		text string
	}
	var ins []insert
	for _, name := range order {
		if read[name] {
			continue
		}
		stmt := declared[name]
		ins = append(ins, insert{line: fset.Position(stmt.End()).Line, text: "_ = " + name + " // kerago translate: every use of " + name + " became a TODO"})
	}
	if len(ins) == 0 {
		return src
	}
	sort.SliceStable(ins, func(i, j int) bool { return ins[i].line < ins[j].line })
	lines := strings.Split(string(src), "\n")
	var b strings.Builder
	k := 0
	for i, l := range lines {
		b.WriteString(l)
		if i < len(lines)-1 {
			b.WriteByte('\n')
		}
		for k < len(ins) && ins[k].line == i+1 {
			b.WriteString(ins[k].text)
			b.WriteByte('\n')
			k++
		}
	}
	out, err := format.Source([]byte(b.String()))
	if err != nil {
		return src
	}
	return out
}
