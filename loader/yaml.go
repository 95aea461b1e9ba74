package loader

import (
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// ParseConfigYAML parses a model architecture written as YAML: Keras <= 2.4's
// model.to_yaml() (PyYAML output, possibly with !!python/tuple tags) or the
// to_json() schema of any generation written in YAML. It accepts and
// normalizes exactly what ParseConfigJSON does. Tags that would construct
// Python objects are refused; nothing is ever executed.
func ParseConfigYAML(path string, data []byte) (*ModelConfig, *TrainingConfig, error) {
	root, err := decodeYAML(path, data)
	if err != nil {
		return nil, nil, err
	}
	return parseConfigRoot(path, root, "")
}

// yamlBudget bounds the number of values produced from a YAML document,
// counting alias expansions, so that "billion laughs" documents fail.
const yamlBudget = 4 << 20

func decodeYAML(path string, data []byte) (any, error) {
	if len(data) > MaxConfigSize {
		return nil, Errorf(path, "config is %d bytes, more than the %d kerago reads", len(data), MaxConfigSize)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &FormatError{Path: path, Msg: "invalid YAML", Err: err}
	}
	if doc.Kind == 0 {
		return nil, Errorf(path, "empty YAML document")
	}
	c := &yamlConv{budget: yamlBudget}
	v, err := c.conv(&doc, 0)
	if err != nil {
		return nil, &FormatError{Path: path, Msg: "YAML", Err: err}
	}
	return v, nil
}

type yamlConv struct {
	budget int
}

func (c *yamlConv) conv(n *yaml.Node, depth int) (any, error) {
	if depth > 2000 {
		return nil, fmt.Errorf("nested more than 2000 levels")
	}
	c.budget--
	if c.budget < 0 {
		return nil, fmt.Errorf("document expands to more than %d values (excessive aliasing?)", yamlBudget)
	}
	tag := n.Tag
	if strings.HasPrefix(tag, "tag:yaml.org,2002:") {
		tag = "!!" + strings.TrimPrefix(tag, "tag:yaml.org,2002:")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, fmt.Errorf("expected one document, found %d", len(n.Content))
		}
		return c.conv(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, fmt.Errorf("line %d: unresolved alias", n.Line)
		}
		return c.conv(n.Alias, depth+1)
	case yaml.SequenceNode:
		switch tag {
		case "", "!!seq", "!!python/tuple", "!!python/list", "!":
		default:
			return nil, fmt.Errorf("line %d: tag %s on a sequence would construct a Python object; kerago never executes code: %w", n.Line, n.Tag, ErrUnsupported)
		}
		out := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			v, err := c.conv(e, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		switch tag {
		case "", "!!map", "!":
		default:
			return nil, fmt.Errorf("line %d: tag %s on a mapping would construct a Python object; kerago never executes code: %w", n.Line, n.Tag, ErrUnsupported)
		}
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Tag == "!!merge" {
				mv, err := c.conv(v, depth+1)
				if err != nil {
					return nil, err
				}
				if mm, ok := mv.(map[string]any); ok {
					for mk, me := range mm {
						if _, exists := out[mk]; !exists {
							out[mk] = me
						}
					}
					continue
				}
				return nil, fmt.Errorf("line %d: merge key needs a mapping", k.Line)
			}
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: mapping key is not a scalar", k.Line)
			}
			val, err := c.conv(v, depth+1)
			if err != nil {
				return nil, err
			}
			out[k.Value] = val
		}
		return out, nil
	case yaml.ScalarNode:
		switch tag {
		case "!!python/unicode", "!!python/str":
			return n.Value, nil
		case "!!python/none":
			return nil, nil
		case "!!python/bool":
			return n.Value == "true" || n.Value == "True", nil
		case "!!python/int", "!!python/long", "!!python/float":
			var f float64
			if err := (&yaml.Node{Kind: yaml.ScalarNode, Value: n.Value}).Decode(&f); err != nil {
				return nil, fmt.Errorf("line %d: %v", n.Line, err)
			}
			return f, nil
		case "!!str", "!":
			return n.Value, nil
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, fmt.Errorf("line %d: %v", n.Line, err)
			}
			return b, nil
		case "!!int", "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				// integers beyond float64's exact range still decode approximately
				var i int64
				if err2 := n.Decode(&i); err2 != nil {
					return nil, fmt.Errorf("line %d: %v", n.Line, err)
				}
				f = float64(i)
			}
			return f, nil
		case "!!binary", "!!timestamp":
			return n.Value, nil
		}
		if strings.HasPrefix(tag, "!!python/") || strings.HasPrefix(tag, "!") {
			return nil, fmt.Errorf("line %d: tag %s would construct a Python object; kerago never executes code: %w", n.Line, n.Tag, ErrUnsupported)
		}
		return n.Value, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}
