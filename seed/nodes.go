package seed

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// object is a YAML mapping whose keys have been checked against the fields
// its schema allows.
type object struct {
	path   string
	node   *yaml.Node
	fields map[string]*yaml.Node
}

// field returns the path of one of o's fields.
func (o *object) field(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

// value returns the field's value node, or nil when the field is absent or
// null.
func (o *object) value(key string) *yaml.Node {
	n := o.fields[key]
	if n == nil || isNull(n) {
		return nil
	}
	return n
}

// object checks that n is a mapping whose keys are distinct and allowed.
func (p *parser) object(n *yaml.Node, path string, allowed ...string) (*object, error) {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		return nil, p.errorf(n, path, "want a mapping, got %s", describe(n))
	}
	o := &object{path: path, node: n, fields: map[string]*yaml.Node{}}
	keyLines := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := deref(n.Content[i])
		if k.Kind != yaml.ScalarNode {
			return nil, p.errorf(k, path, "want a field name, got %s", describe(k))
		}
		name := k.Value
		switch first, seen := keyLines[name]; {
		case name == "<<":
			return nil, p.errorf(k, o.field(name), "merge keys are not supported")
		case !slices.Contains(allowed, name):
			return nil, p.errorf(k, o.field(name), "unknown field (want %s)", oneOf(allowed))
		case seen:
			return nil, p.errorf(k, o.field(name), "duplicate field (first at line %d)", first)
		}
		keyLines[name] = k.Line
		o.fields[name] = deref(n.Content[i+1])
	}
	return o, nil
}

// list returns the items of a list field; an absent or null field is an
// empty list.
func (p *parser) list(o *object, key string) ([]*yaml.Node, error) {
	n := o.value(key)
	if n == nil {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.errorf(n, o.field(key), "want a list, got %s", describe(n))
	}
	return n.Content, nil
}

// text returns a scalar field as written (so an unquoted 012345678901 keeps
// its leading zero) and the node to report errors at: the value, or the
// mapping when the field is absent. Absent and null fields give "".
func (p *parser) text(o *object, key string) (string, *yaml.Node, error) {
	n := o.value(key)
	if n == nil {
		return "", o.node, nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", n, p.errorf(n, o.field(key), "want a string, got %s", describe(n))
	}
	return n.Value, n, nil
}

// requiredText is text for a field that must be present and non-empty.
func (p *parser) requiredText(o *object, key string) (string, *yaml.Node, error) {
	s, n, err := p.text(o, key)
	if err == nil && s == "" {
		err = p.errorf(n, o.field(key), "required")
	}
	return s, n, err
}

// deref follows an alias to its anchored node. YAML cannot anchor an alias,
// so one step is enough. A self-referencing anchor (&a [*a]) is safe: the
// schema has a fixed depth, so the walk never follows it forever.
func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names a node's kind for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case isNull(n):
		return "null"
	case n.Kind == yaml.ScalarNode:
		return "a scalar"
	default:
		return "an alias"
	}
}

// oneOf lists choices as "a, b or c".
func oneOf(choices []string) string {
	if len(choices) < 2 {
		return strings.Join(choices, "")
	}
	return strings.Join(choices[:len(choices)-1], ", ") + " or " + choices[len(choices)-1]
}
