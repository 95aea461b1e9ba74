package translate

import (
	"strings"
	"unicode"
)

// goReserved are identifiers a generated variable must not take: Go
// keywords, predeclared names, and the packages generated programs import.
var goReserved = map[string]bool{
	"break": true, "case": true, "chan": true, "const": true, "continue": true, "default": true, "defer": true,
	"else": true, "fallthrough": true, "for": true, "func": true, "go": true, "goto": true, "if": true,
	"import": true, "interface": true, "map": true, "package": true, "range": true, "return": true,
	"select": true, "struct": true, "switch": true, "type": true, "var": true,
	"any": true, "append": true, "bool": true, "byte": true, "cap": true, "clear": true, "close": true,
	"complex": true, "copy": true, "delete": true, "error": true, "false": true, "float32": true,
	"float64": true, "imag": true, "int": true, "int32": true, "int64": true, "iota": true, "len": true,
	"make": true, "max": true, "min": true, "new": true, "nil": true, "panic": true, "print": true,
	"println": true, "real": true, "recover": true, "rune": true, "string": true, "true": true,
	"uint": true, "uint32": true, "uint64": true, "uint8": true, "uintptr": true,
	"main": true, "err": true, "ctx": true,
	// packages
	"context": true, "fmt": true, "log": true, "os": true, "math": true, "filepath": true,
	"keras": true, "layers": true, "optimizers": true, "schedules": true, "losses": true, "metrics": true,
	"callbacks": true, "initializers": true, "regularizers": true, "constraints": true, "tensor": true,
	"data": true, "strings": true,
}

// goIdent turns a Python name into a Go identifier in lowerCamelCase:
// x_train → xTrain, X_train → xTrain, EPOCHS → epochs, __name → name.
func goIdent(py string) string {
	parts := strings.FieldsFunc(py, func(r rune) bool { return !(unicode.IsLetter(r) || unicode.IsDigit(r)) })
	if len(parts) == 0 {
		return "v"
	}
	var b strings.Builder
	for i, p := range parts {
		if isAllUpper(p) {
			p = strings.ToLower(p)
		}
		rs := []rune(p)
		if i == 0 {
			// lower the first letter, and a leading acronym: XTrain → xTrain
			rs[0] = unicode.ToLower(rs[0])
		} else {
			rs[0] = unicode.ToUpper(rs[0])
		}
		b.WriteString(string(rs))
	}
	s := b.String()
	rs := []rune(s)
	if !unicode.IsLetter(rs[0]) {
		s = "v" + s
	}
	return s
}

func isAllUpper(s string) bool {
	has := false
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsUpper(r) {
			has = true
		}
	}
	return has
}

// camelSuffix makes "Values" from "values" for temp names.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	rs := []rune(s)
	rs[0] = unicode.ToUpper(rs[0])
	return string(rs)
}
