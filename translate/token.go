package translate

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a Python token.
type tokKind int

const (
	tEOF tokKind = iota
	tName
	tNumber
	tString
	tOp
	tNewline
	tIndent
	tDedent
	tBad // a string literal Python rejects; val is the reason
)

func (k tokKind) String() string {
	switch k {
	case tEOF:
		return "end of file"
	case tName:
		return "name"
	case tNumber:
		return "number"
	case tString:
		return "string"
	case tBad:
		return "bad string"
	case tOp:
		return "operator"
	case tNewline:
		return "end of line"
	case tIndent:
		return "indent"
	case tDedent:
		return "dedent"
	}
	return "token"
}

// token is one Python token. For strings, val holds the decoded value and
// prefix the lower-cased prefix letters ("", "r", "f", "b", "rb", ...).
type token struct {
	kind    tokKind
	val     string
	prefix  string
	line    int
	endLine int // the last line of a multi-line string (0 otherwise)
}

func (t token) String() string {
	switch t.kind {
	case tName, tNumber, tOp:
		return strconv.Quote(t.val)
	case tString:
		return "string " + strconv.Quote(t.val)
	}
	return t.kind.String()
}

// comment is a Python comment with its line; own reports whether it stands
// on its own line (not after code).
type comment struct {
	line int
	text string
	own  bool
}

// SyntaxError is a Python syntax error outside the subset the parser can
// recover from (a bad token, an unterminated string, inconsistent
// indentation), with the 1-based line where it occurred.
type SyntaxError struct {
	Line int
	Msg  string
}

// Error formats the error as "line N: message".
func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// maxTokens bounds the work done on any input.
const maxTokens = 1 << 20

var ops3 = []string{"**=", "//=", ">>=", "<<=", "..."}
var ops2 = []string{"**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", ":=", "<<", ">>", "->", "<>"}

const ops1 = "+-*/%@&|^~<>()[]{},:.;=!"

// tokenize splits Python source into tokens, producing NEWLINE, INDENT and
// DEDENT as Python's tokenizer does (no NEWLINE inside brackets or after a
// backslash continuation), and collects comments separately.
func tokenize(src string) ([]token, []comment, error) {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	src = strings.ReplaceAll(src, "\r", "\n")
	src = strings.TrimPrefix(src, "\ufeff")
	if i := strings.IndexByte(src, 0); i >= 0 {
		return nil, nil, &SyntaxError{Line: 1 + strings.Count(src[:i], "\n"), Msg: "source code cannot contain null bytes"}
	}
	if !utf8.ValidString(src) {
		line := 1
		for i, r := range src {
			if r == utf8.RuneError {
				if _, size := utf8.DecodeRuneInString(src[i:]); size == 1 {
					break
				}
			}
			if r == '\n' {
				line++
			}
		}
		return nil, nil, &SyntaxError{Line: line, Msg: "the script is not valid UTF-8"}
	}
	var toks []token
	var comments []comment
	indents := []int{0}
	depth := 0
	line := 1
	i := 0
	atLineStart := true
	lineHasCode := false
	emit := func(t token) error {
		if len(toks) >= maxTokens {
			return &SyntaxError{Line: line, Msg: "script too long"}
		}
		toks = append(toks, t)
		return nil
	}
	for i < len(src) {
		if atLineStart && depth == 0 {
			// measure indentation
			col := 0
			j := i
			for j < len(src) && (src[j] == ' ' || src[j] == '\t' || src[j] == '\f') {
				switch src[j] {
				case ' ':
					col++
				case '\t':
					col = (col/8 + 1) * 8
				case '\f':
					col = 0
				}
				j++
			}
			// blank or comment-only line: no indentation change
			if j >= len(src) || src[j] == '\n' || src[j] == '#' || (src[j] == '\\' && j+1 < len(src) && src[j+1] == '\n') {
				if j < len(src) && src[j] == '#' {
					k := strings.IndexByte(src[j:], '\n')
					end := len(src)
					if k >= 0 {
						end = j + k
					}
					comments = append(comments, comment{line: line, text: src[j+1 : end], own: true})
					j = end
				}
				if j < len(src) && src[j] == '\\' {
					j++
				}
				if j < len(src) && src[j] == '\n' {
					line++
					j++
				}
				i = j
				continue
			}
			i = j
			atLineStart = false
			top := indents[len(indents)-1]
			if col > top {
				indents = append(indents, col)
				if err := emit(token{kind: tIndent, line: line}); err != nil {
					return nil, nil, err
				}
			} else if col < top {
				for col < indents[len(indents)-1] {
					indents = indents[:len(indents)-1]
					if err := emit(token{kind: tDedent, line: line}); err != nil {
						return nil, nil, err
					}
				}
				if col != indents[len(indents)-1] {
					return nil, nil, &SyntaxError{Line: line, Msg: "unindent does not match any outer indentation level"}
				}
			}
			continue
		}
		atLineStart = false
		c := src[i]
		switch {
		case c == '\n':
			if depth == 0 {
				if lineHasCode {
					if err := emit(token{kind: tNewline, line: line}); err != nil {
						return nil, nil, err
					}
				}
				lineHasCode = false
				atLineStart = true
			}
			line++
			i++
			continue
		case c == ' ' || c == '\t' || c == '\f':
			i++
			continue
		case c == '#':
			k := strings.IndexByte(src[i:], '\n')
			end := len(src)
			if k >= 0 {
				end = i + k
			}
			comments = append(comments, comment{line: line, text: src[i+1 : end], own: false})
			i = end
			continue
		case c == '\\':
			if i+1 < len(src) && src[i+1] == '\n' {
				i += 2
				line++
				continue
			}
			return nil, nil, &SyntaxError{Line: line, Msg: "unexpected character after line continuation character"}
		}
		lineHasCode = true
		startLine := line
		// strings (with optional prefix)
		if p, q, ok := stringStart(src[i:]); ok {
			val, n, nl, err := readString(src[i+len(p):], q, strings.ContainsAny(strings.ToLower(p), "r"), line)
			if err != nil && len(q) == 1 {
				// one bad string spoils its statement, not the file
				n, closed := badStringEnd(src[i+len(p):], q[0])
				msg := err.Error()
				if se, ok := err.(*SyntaxError); ok {
					msg = se.Msg
				}
				if err := emit(token{kind: tBad, val: msg, line: startLine}); err != nil {
					return nil, nil, err
				}
				i += len(p) + n
				if !closed {
					depth = 0 // the line ends the statement
				}
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			tk := token{kind: tString, val: val, prefix: strings.ToLower(p), line: startLine}
			if nl > 0 {
				tk.endLine = startLine + nl
			}
			if err := emit(tk); err != nil {
				return nil, nil, err
			}
			i += len(p) + n
			line += nl
			continue
		}
		r, size := utf8.DecodeRuneInString(src[i:])
		switch {
		case r == '_' || unicode.IsLetter(r):
			j := i + size
			for j < len(src) {
				r2, s2 := utf8.DecodeRuneInString(src[j:])
				if r2 == '_' || unicode.IsLetter(r2) || unicode.IsDigit(r2) {
					j += s2
					continue
				}
				break
			}
			if err := emit(token{kind: tName, val: src[i:j], line: line}); err != nil {
				return nil, nil, err
			}
			i = j
			continue
		case c >= '0' && c <= '9' || (c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9'):
			n := scanNumber(src[i:])
			if err := emit(token{kind: tNumber, val: src[i : i+n], line: line}); err != nil {
				return nil, nil, err
			}
			i += n
			continue
		}
		op := ""
		for _, o := range ops3 {
			if strings.HasPrefix(src[i:], o) {
				op = o
				break
			}
		}
		if op == "" {
			for _, o := range ops2 {
				if strings.HasPrefix(src[i:], o) {
					op = o
					break
				}
			}
		}
		if op == "" && strings.IndexByte(ops1, c) >= 0 {
			op = string(c)
		}
		if op == "" {
			return nil, nil, &SyntaxError{Line: line, Msg: fmt.Sprintf("invalid character %q", r)}
		}
		switch op {
		case "(", "[", "{":
			depth++
			if depth > 500 {
				return nil, nil, &SyntaxError{Line: line, Msg: "too many nested brackets"}
			}
		case ")", "]", "}":
			if depth == 0 {
				return nil, nil, &SyntaxError{Line: line, Msg: fmt.Sprintf("unmatched %q", op)}
			}
			depth--
		}
		if err := emit(token{kind: tOp, val: op, line: line}); err != nil {
			return nil, nil, err
		}
		i += len(op)
	}
	if depth > 0 {
		return nil, nil, &SyntaxError{Line: line, Msg: "unexpected end of file inside brackets"}
	}
	if lineHasCode {
		if err := emit(token{kind: tNewline, line: line}); err != nil {
			return nil, nil, err
		}
	}
	for len(indents) > 1 {
		indents = indents[:len(indents)-1]
		if err := emit(token{kind: tDedent, line: line}); err != nil {
			return nil, nil, err
		}
	}
	toks = append(toks, token{kind: tEOF, line: line})
	return toks, comments, nil
}

// stringStart reports whether s starts a string literal, returning its
// prefix and quote ("'", "\"", "”'" or "\"\"\"").
func stringStart(s string) (prefix, quote string, ok bool) {
	j := 0
	for j < len(s) && j < 2 && strings.IndexByte("rRbBuUfF", s[j]) >= 0 {
		j++
	}
	for k := 0; k <= j; k++ {
		rest := s[k:]
		if strings.HasPrefix(rest, `"""`) || strings.HasPrefix(rest, `'''`) {
			return s[:k], rest[:3], validPrefix(s[:k])
		}
		if strings.HasPrefix(rest, `"`) || strings.HasPrefix(rest, `'`) {
			return s[:k], rest[:1], validPrefix(s[:k])
		}
	}
	return "", "", false
}

func validPrefix(p string) bool {
	switch strings.ToLower(p) {
	case "", "r", "u", "b", "f", "rb", "br", "fr", "rf":
		return true
	}
	return false
}

// badStringEnd returns how many bytes of a rejected one-line string
// literal (s starts with its quote) to skip: up to its closing quote on
// the same line if there is one (closed), else to the end of the line.
func badStringEnd(s string, quote byte) (n int, closed bool) {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) && s[i+1] != '\n' {
				i++
			}
		case '\n':
			return i, false
		case quote:
			return i + 1, true
		}
	}
	return len(s), false
}

// readString reads a string body after its prefix: s starts with the quote.
// It returns the decoded value, the bytes consumed and the newlines crossed.
func readString(s, quote string, raw bool, line int) (string, int, int, error) {
	i := len(quote)
	var b strings.Builder
	nl := 0
	for {
		if i >= len(s) {
			return "", 0, 0, &SyntaxError{Line: line, Msg: "unterminated string literal"}
		}
		if strings.HasPrefix(s[i:], quote) {
			return b.String(), i + len(quote), nl, nil
		}
		c := s[i]
		if c == '\n' {
			if len(quote) == 1 {
				return "", 0, 0, &SyntaxError{Line: line, Msg: "unterminated string literal"}
			}
			nl++
		}
		if c == '\\' && i+1 < len(s) {
			if raw {
				b.WriteByte('\\')
				b.WriteByte(s[i+1])
				if s[i+1] == '\n' {
					nl++
				}
				i += 2
				continue
			}
			e := s[i+1]
			i += 2
			switch e {
			case '\n':
				nl++
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'v':
				b.WriteByte('\v')
			case '\\', '\'', '"':
				b.WriteByte(e)
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				if i+n > len(s) {
					return "", 0, 0, &SyntaxError{Line: line, Msg: "truncated escape in string"}
				}
				v, err := strconv.ParseUint(s[i:i+n], 16, 32)
				if err != nil || v > unicode.MaxRune {
					return "", 0, 0, &SyntaxError{Line: line, Msg: "bad escape in string"}
				}
				b.WriteRune(rune(v))
				i += n
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
			continue
		}
		b.WriteByte(c)
		i++
	}
}

// scanNumber returns the length of the number literal at the start of s.
func scanNumber(s string) int {
	i := 0
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' || c == '_' }
	if len(s) > 1 && s[0] == '0' && strings.IndexByte("xXoObB", s[1]) >= 0 {
		i = 2
		for i < len(s) && (isDigit(s[i]) || strings.IndexByte("abcdefABCDEF", s[i]) >= 0) {
			i++
		}
		return i
	}
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			i = j
			for i < len(s) && isDigit(s[i]) {
				i++
			}
		}
	}
	if i < len(s) && (s[i] == 'j' || s[i] == 'J') {
		i++
	}
	return i
}
