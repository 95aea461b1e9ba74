package callbacks

import (
	"fmt"
	"strconv"
	"strings"
)

// pyFormat expands a Python str.format template such as
// "model-{epoch:02d}-{val_loss:.2f}.keras" with the given values. It supports
// the format specs checkpoint paths use: [0][width][.precision][dfeg%].
func pyFormat(tmpl string, vals map[string]float64, ints map[string]int) (string, error) {
	var out strings.Builder
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c == '{' {
			if i+1 < len(tmpl) && tmpl[i+1] == '{' {
				out.WriteByte('{')
				i++
				continue
			}
			end := strings.IndexByte(tmpl[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("callbacks: filepath %q: unmatched '{'", tmpl)
			}
			field := tmpl[i+1 : i+end]
			i += end
			name, spec, _ := strings.Cut(field, ":")
			s, err := formatField(name, spec, vals, ints)
			if err != nil {
				return "", fmt.Errorf("callbacks: filepath %q: %w", tmpl, err)
			}
			out.WriteString(s)
			continue
		}
		if c == '}' && i+1 < len(tmpl) && tmpl[i+1] == '}' {
			i++
		}
		out.WriteByte(c)
	}
	return out.String(), nil
}

func formatField(name, spec string, vals map[string]float64, ints map[string]int) (string, error) {
	if iv, ok := ints[name]; ok {
		if spec == "" {
			return strconv.Itoa(iv), nil
		}
		return applySpec(spec, float64(iv), true)
	}
	v, ok := vals[name]
	if !ok {
		return "", fmt.Errorf("no value named %q (have epoch, batch and the logs' keys)", name)
	}
	if spec == "" {
		return pyRepr(v), nil
	}
	return applySpec(spec, v, false)
}

func applySpec(spec string, v float64, isInt bool) (string, error) {
	typ := byte(0)
	if len(spec) > 0 && strings.IndexByte("dfeEgG%", spec[len(spec)-1]) >= 0 {
		typ = spec[len(spec)-1]
		spec = spec[:len(spec)-1]
	}
	zero := strings.HasPrefix(spec, "0")
	width, prec := spec, ""
	if w, p, ok := strings.Cut(spec, "."); ok {
		width, prec = w, p
	}
	flags := ""
	if zero {
		flags = "0"
	}
	w := strings.TrimLeft(width, "0")
	switch typ {
	case 'd':
		if !isInt && v != float64(int64(v)) {
			return "", fmt.Errorf("format 'd' needs an integer, have %v", v)
		}
		return fmt.Sprintf("%"+flags+w+"d", int64(v)), nil
	case 'f', 'e', 'E', 'g', 'G':
		if prec == "" {
			prec = "6"
		}
		return fmt.Sprintf("%"+flags+w+"."+prec+string(typ), v), nil
	case '%':
		if prec == "" {
			prec = "6"
		}
		return fmt.Sprintf("%"+flags+w+"."+prec+"f%%", v*100), nil
	default:
		if isInt {
			return fmt.Sprintf("%"+flags+w+"d", int64(v)), nil
		}
		return pyRepr(v), nil
	}
}
