package loader

import (
	"bytes"
	"strings"
)

// utf8BOM is the byte-order mark some Windows editors put before JSON.
var utf8BOM = []byte("\xef\xbb\xbf")

// unwrapJSONString undoes the harmless wrappings real config files have:
// a JSON string holding the JSON (json.dump(model.to_json(), f) writes
// one; a second json.dump wraps it again), up to three levels. Other values
// are returned unchanged.
func unwrapJSONString(path string, v any, depth int) (any, error) {
	s, ok := v.(string)
	if !ok || depth >= 3 {
		return v, nil
	}
	t := strings.TrimSpace(s)
	if t == "" || (t[0] != '{' && t[0] != '[' && t[0] != '"') {
		return v, nil
	}
	inner, err := decodeJSONValue(path, []byte(t))
	if err != nil {
		return nil, Errorf(path, "the file is a JSON string, and the string is not JSON: %v", err)
	}
	return unwrapJSONString(path, inner, depth+1)
}

// isJSONStart reports whether text (BOM and spaces removed) can start a
// JSON config: an object, an array, or a string holding one.
func isJSONStart(text []byte) bool {
	text = bytes.TrimLeft(bytes.TrimPrefix(text, utf8BOM), " \t\r\n")
	return len(text) > 0 && (text[0] == '{' || text[0] == '[' || text[0] == '"')
}
