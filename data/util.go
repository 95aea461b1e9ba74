package data

import (
	"bytes"
	"fmt"
	"github.com/kerago/kerago/internal/atomicfile"
	"os"
	"strings"

	"github.com/kerago/kerago/keras"
	"github.com/kerago/kerago/keras/callbacks"
)

// Verbose converts a Python verbose= number to a keras.Verbosity: 0 is
// Silent, 1 the progress bar, 2 one line per epoch.
func Verbose(v int) keras.Verbosity {
	switch v {
	case 0:
		return keras.Silent
	case 2:
		return keras.VerboseOneLine
	}
	return keras.VerboseProgressBar
}

// Anys converts metric names to the []any that keras.CompileConfig takes.
func Anys(names []string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = n
	}
	return out
}

// Exists is os.path.exists(path).
func Exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// WriteJSON writes v as json.dump(v, f, indent=indent) would (indent 0
// meaning json.dump's default, one line with ", " and ": " separators),
// for a History (its history dict), a map of float lists, float, int and
// string lists and Logs. The file is replaced atomically.
func WriteJSON(path string, v any, indent int) error {
	var b bytes.Buffer
	if err := writeJSON(&b, v, indent, 0); err != nil {
		return fmt.Errorf("data: json.dump to %s: %w", path, err)
	}
	if err := atomicfile.WriteBytes(path, b.Bytes()); err != nil {
		return fmt.Errorf("data: json.dump to %s: %w", path, err)
	}
	return nil
}

func jsonFloat(f float64) string {
	s := PyFloat(f)
	switch s {
	case "nan":
		return "NaN"
	case "inf":
		return "Infinity"
	case "-inf":
		return "-Infinity"
	}
	return s
}

func writeJSON(b *bytes.Buffer, v any, indent, depth int) error {
	nl := func(d int) {
		if indent > 0 {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(" ", indent*d))
		}
	}
	sep := ", "
	if indent > 0 {
		sep = ","
	}
	writeList := func(n int, item func(i int)) {
		b.WriteByte('[')
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(sep)
			}
			nl(depth + 1)
			item(i)
		}
		if n > 0 {
			nl(depth)
		}
		b.WriteByte(']')
	}
	writeDict := func(keys []string, item func(k string) error) error {
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(sep)
			}
			nl(depth + 1)
			fmt.Fprintf(b, "%q: ", k)
			if err := item(k); err != nil {
				return err
			}
		}
		if len(keys) > 0 {
			nl(depth)
		}
		b.WriteByte('}')
		return nil
	}
	switch x := v.(type) {
	case float64:
		b.WriteString(jsonFloat(x))
	case int:
		fmt.Fprint(b, x)
	case string:
		fmt.Fprintf(b, "%q", x)
	case []float64:
		writeList(len(x), func(i int) { b.WriteString(jsonFloat(x[i])) })
	case []int:
		writeList(len(x), func(i int) { fmt.Fprint(b, x[i]) })
	case []string:
		writeList(len(x), func(i int) { fmt.Fprintf(b, "%q", x[i]) })
	case *callbacks.History:
		return writeDict(x.Keys, func(k string) error { return writeJSON(b, x.History[k], indent, depth+1) })
	case map[string][]float64:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sortStrings(keys)
		return writeDict(keys, func(k string) error { return writeJSON(b, x[k], indent, depth+1) })
	case *callbacks.Logs:
		return writeDict(x.Keys(), func(k string) error {
			f, _ := x.Get(k)
			b.WriteString(jsonFloat(f))
			return nil
		})
	default:
		return fmt.Errorf("cannot write %T as JSON", v)
	}
	return nil
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
