package translate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	src := "if x:\n    y = [1,\n         2]  # c\n    z = 'a\\'b' \\\n        + r\"\\d\"\nw = 1e-3\n"
	toks, comments, err := tokenize(src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tk := range toks {
		switch tk.kind {
		case tName, tNumber, tOp:
			got = append(got, tk.val)
		case tString:
			got = append(got, "S:"+tk.val)
		case tNewline:
			got = append(got, "NL")
		case tIndent:
			got = append(got, "IN")
		case tDedent:
			got = append(got, "DE")
		case tEOF:
			got = append(got, "EOF")
		}
	}
	want := "if x : NL IN y = [ 1 , 2 ] NL z = S:a'b + S:\\d NL DE w = 1e-3 NL EOF"
	if strings.Join(got, " ") != want {
		t.Errorf("tokens\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
	if len(comments) != 1 || comments[0].line != 3 || comments[0].own {
		t.Errorf("comments %+v", comments)
	}
	if toks[len(toks)-3].line != 6 {
		t.Errorf("line of 1e-3: %d, want 6", toks[len(toks)-3].line)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		src  string
		want string
	}{
		{"x = (1,\n2\n", "line 3: unexpected end of file inside brackets"},
		{"if x:\n    y = 1\n  z = 2\n", "line 3: unindent does not match any outer indentation level"},
		{"x = 1 $ 2\n", "line 1: invalid character '$'"},
		{"x = )\n", `line 1: unmatched ")"`},
		{"s = '''abc\n", "line 1: unterminated string literal"},
	} {
		_, err := Parse([]byte(c.src))
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
	}
}

// TestParseBadString: a string literal Python rejects (issue 13: a
// Windows path "C:\Users\x" is a bad \U escape) spoils its own statement
// only, and an unterminated one-line string its own line only.
func TestParseBadString(t *testing.T) {
	for _, c := range []struct {
		src  string
		want string // the BadStmt's reason
		good int    // statements parsed around it
	}{
		{"a = 1\nx = 'abc\nb = 2\n", "unterminated string literal", 2},
		{"a = 1\np = np.load(\"C:\\Users\\x.npy\")\nb = 2\n", "bad escape in string: Python rejects this string literal (a Windows path needs r\"...\" or forward slashes)", 2},
		{"a = f('\\x4', 1)\nb = 2\n", "bad escape in string: Python rejects this string literal (a Windows path needs r\"...\" or forward slashes)", 1},
		{"a = 1\nx = ('abc\nb = 2\n", "unterminated string literal", 2},
	} {
		m, err := Parse([]byte(c.src))
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		var bad []string
		good := 0
		for _, s := range m.Body {
			if b, ok := s.(*BadStmt); ok {
				bad = append(bad, b.Err)
			} else {
				good++
			}
		}
		if len(bad) != 1 || bad[0] != c.want || good != c.good {
			t.Errorf("%q: bad statements %q and %d good ones, want [%q] and %d", c.src, bad, good, c.want, c.good)
		}
	}
}

func TestParseStatements(t *testing.T) {
	src := `import numpy as np, os
from keras.layers import (Dense,
    Dropout as D)
a, b = c, d = f(1, *g, k=2, **h)
x[1:2, ::3, 0] += -y ** 2
lambda e, lr=0.1: lr if e < 10 else lr * 0.5
def f(a, b=2, *args, c, **kw) -> int:
    return [i for i in a]
class C(Base, metaclass=M):
    pass
with open(p) as fh, x:
    pass
try:
    pass
except ValueError as e:
    pass
finally:
    pass
@deco
def g(): pass
x = yield
y = 1
`
	m, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, s := range m.Body {
		switch s := s.(type) {
		case *ImportStmt:
			kinds = append(kinds, "import")
		case *FromImportStmt:
			kinds = append(kinds, "from:"+s.Names[1].Alias)
		case *AssignStmt:
			kinds = append(kinds, "assign"+string(rune('0'+len(s.Targets))))
		case *AugAssignStmt:
			kinds = append(kinds, "aug"+s.Op)
		case *ExprStmt:
			kinds = append(kinds, "expr")
		case *DefStmt:
			kinds = append(kinds, "def:"+s.Name+string(rune('0'+len(s.Decorators))))
		case *ClassStmt:
			kinds = append(kinds, "class:"+s.Name)
		case *WithStmt:
			kinds = append(kinds, "with"+string(rune('0'+len(s.Items))))
		case *TryStmt:
			kinds = append(kinds, "try"+string(rune('0'+len(s.Clauses))))
		case *BadStmt:
			kinds = append(kinds, "bad")
		}
		from, to := s.span()
		if from < 1 || to < from {
			t.Errorf("statement %T spans %d-%d", s, from, to)
		}
	}
	want := "import from:D assign2 aug+ expr def:f0 class:C with2 try2 def:g1 bad assign1"
	if strings.Join(kinds, " ") != want {
		t.Errorf("statements\n%s\nwant\n%s", strings.Join(kinds, " "), want)
	}
	// the statement after a bad line is still read, with its line
	if last := m.Body[len(m.Body)-1]; func() int { f, _ := last.span(); return f }() != 22 {
		t.Errorf("last statement at line %d, want 22", func() int { f, _ := last.span(); return f }())
	}
	// a class's body ends on its last line, not on the next statement's
	c := m.Body[6].(*ClassStmt)
	if c.BodyEnd != 10 {
		t.Errorf("class body ends at %d, want 10", c.BodyEnd)
	}
}

func corpusSeeds(f *testing.F) {
	for _, dir := range []string{corpusDir, outsideDir} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.py"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	for _, sn := range snippets {
		f.Add([]byte(sn.src))
	}
	f.Add([]byte("x = [[[[[[[[[[1]]]]]]]]]]\n"))
	f.Add([]byte("if a:\n\tif b:\n\t\tc()\n"))
	f.Add([]byte("f'{x!r:>{w}}' % (1,)\n"))
}

// FuzzParse checks that no input makes the parser panic.
func FuzzParse(f *testing.F) {
	corpusSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		m, err := Parse(src)
		if err == nil && m == nil {
			t.Fatal("nil module without error")
		}
	})
}

// FuzzTranslate checks that no input makes the translator panic or
// produce Go that does not parse.
func FuzzTranslate(f *testing.F) {
	corpusSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		res, err := Translate(src, Options{ScriptName: "fuzz.py"})
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("%v\nscript:\n%s", err, src)
			}
			return
		}
		if len(res.Go) == 0 {
			t.Fatal("empty output")
		}
	})
}
