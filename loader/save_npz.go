package loader

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// npyBytes encodes a variable as np.save (NumPy 1.24) writes it: format
// 1.0, the header dict with sorted keys and spare space for the first axis
// to grow, padded to 64 bytes; float32 ('<f4') or the backend's int
// ('<i4'/'<i8').
func npyBytes(v savedVar, backend string) ([]byte, string, error) {
	shape := v.arr.Shape()
	descr, dtype := "<f4", "float32"
	if v.isInt {
		if backend == "tensorflow" {
			descr, dtype = "<i8", "int64"
		} else {
			descr, dtype = "<i4", "int32"
		}
	}
	var sb strings.Builder
	sb.WriteString("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (")
	for i, d := range shape {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		sb.WriteString(",")
	}
	sb.WriteString("), }")
	if len(shape) > 0 {
		sb.WriteString(strings.Repeat(" ", 21-len(strconv.Itoa(shape[0]))))
	}
	hlen := sb.Len() + 1
	pad := 64 - (10+hlen)%64
	if hlen+pad > math.MaxUint16 {
		return nil, "", fmt.Errorf("variable %q: shape %v too long for a .npy header", v.path, shape)
	}
	data := v.arr.Data()
	size := 4
	if descr == "<i8" {
		size = 8
	}
	out := make([]byte, 0, 10+hlen+pad+size*len(data))
	out = append(out, "\x93NUMPY\x01\x00"...)
	out = binary.LittleEndian.AppendUint16(out, uint16(hlen+pad))
	out = append(out, sb.String()...)
	out = append(out, bytes.Repeat([]byte{' '}, pad)...)
	out = append(out, '\n')
	for _, x := range data {
		switch descr {
		case "<f4":
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(x))
		case "<i4":
			if math.IsNaN(float64(x)) || math.Abs(float64(x)) > math.MaxInt32 {
				return nil, "", fmt.Errorf("variable %q: value %v does not fit an int32", v.path, x)
			}
			out = binary.LittleEndian.AppendUint32(out, uint32(int32(math.Round(float64(x)))))
		default:
			if math.IsNaN(float64(x)) || math.Abs(float64(x)) > 1<<62 {
				return nil, "", fmt.Errorf("variable %q: value %v is not an integer", v.path, x)
			}
			out = binary.LittleEndian.AppendUint64(out, uint64(int64(math.Round(float64(x)))))
		}
	}
	return out, dtype, nil
}

// flatVars lists the variables in model.weights order.
func flatVars(vars [][]savedVar) []savedVar {
	var out []savedVar
	for _, lv := range vars {
		out = append(out, lv...)
	}
	return out
}

// npzBytes writes np.savez(**{path: array}) of the weights: one stored
// member "<path>.npy" per variable in model.weights order.
func npzBytes(vars [][]savedVar, backend string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	seen := map[string]bool{}
	epoch := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, v := range flatVars(vars) {
		if seen[v.path] {
			return nil, fmt.Errorf("two variables have the path %q", v.path)
		}
		seen[v.path] = true
		b, _, err := npyBytes(v, backend)
		if err != nil {
			return nil, err
		}
		if err := storeMember(zw, v.path+".npy", b, epoch); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// npyDirFiles lays out a weights directory as the keras-cases harness
// does: NN_<path with / as __>.npy per variable in model.weights order and
// manifest.json (json.dumps(indent=1) of index, path, name, shape, dtype,
// trainable, file).
func npyDirFiles(vars [][]savedVar, backend string) ([]outFile, error) {
	var files []outFile
	var manifest []any
	seen := map[string]bool{}
	for i, v := range flatVars(vars) {
		if strings.ContainsAny(v.path, "\\\x00") {
			return nil, fmt.Errorf("variable path %q cannot be a file name", v.path)
		}
		name := fmt.Sprintf("%02d_%s.npy", i, strings.ReplaceAll(v.path, "/", "__"))
		if seen[name] {
			return nil, fmt.Errorf("two variables map to the file %q", name)
		}
		seen[name] = true
		b, dtype, err := npyBytes(v, backend)
		if err != nil {
			return nil, err
		}
		files = append(files, outFile{name: name, data: b})
		shape := make([]any, len(v.arr.Shape()))
		for k, d := range v.arr.Shape() {
			shape[k] = jint(d)
		}
		manifest = append(manifest, newObj().set("index", jint(i)).set("path", v.path).set("name", v.name).
			set("shape", shape).set("dtype", dtype).set("trainable", v.trainable).set("file", name))
	}
	if manifest == nil {
		manifest = []any{}
	}
	js, err := marshalPy(manifest, 1)
	if err != nil {
		return nil, err
	}
	return append(files, outFile{name: "manifest.json", data: js}), nil
}

// marshalConfigYAML writes the to_json() tree, plus "keras_version" and
// "backend" as Keras 2's to_yaml() added them, as YAML with keys sorted the
// way PyYAML's yaml.dump sorts them and floats in PyYAML's form (1.0e-07).
func marshalConfigYAML(m *Model) ([]byte, error) {
	t, err := buildModelTree(m, modeJSON)
	if err != nil {
		return nil, err
	}
	t.set("keras_version", KerasVersion).set("backend", saveBackend(m))
	n, err := yamlNode(t, 0)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func yamlNode(v any, depth int) (*yaml.Node, error) {
	if depth > 1024 {
		return nil, fmt.Errorf("value nested more than 1024 levels")
	}
	scalar := func(tag, val string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: val}
	}
	switch x := v.(type) {
	case nil:
		return scalar("!!null", "null"), nil
	case bool:
		return scalar("!!bool", strconv.FormatBool(x)), nil
	case string:
		n := scalar("!!str", x)
		var probe any
		if err := yaml.Unmarshal([]byte(x), &probe); err != nil || probe != x {
			n.Style = yaml.SingleQuotedStyle
			if strings.ContainsAny(x, "\n\t\r") || strings.ContainsFunc(x, func(r rune) bool { return r < 0x20 }) {
				n.Style = yaml.DoubleQuotedStyle
			}
		}
		return n, nil
	case jint:
		return scalar("!!int", strconv.FormatInt(int64(x), 10)), nil
	case jfloat:
		f := float64(x)
		switch {
		case math.IsNaN(f):
			return scalar("!!float", ".nan"), nil
		case math.IsInf(f, 1):
			return scalar("!!float", ".inf"), nil
		case math.IsInf(f, -1):
			return scalar("!!float", "-.inf"), nil
		}
		s := pyFloatRepr(f)
		if !strings.Contains(s, ".") && strings.Contains(s, "e") {
			s = strings.Replace(s, "e", ".0e", 1) // PyYAML's represent_float
		}
		return scalar("!!float", s), nil
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range x {
			c, err := yamlNode(e, depth+1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		return n, nil
	case *jobj:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		keys := append([]string(nil), x.keys...)
		sort.Strings(keys)
		for _, k := range keys {
			kn, _ := yamlNode(k, depth+1)
			c, err := yamlNode(x.vals[k], depth+1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, kn, c)
		}
		return n, nil
	}
	return nil, fmt.Errorf("internal: cannot encode %T as YAML", v)
}
