package seed

import (
	"math"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/meterd/meterd"
)

// valueKeys maps each dimension type to the entitlement field holding a
// value of that type, in the order error messages list them.
var valueKeys = []struct {
	key string
	typ meterd.ValueType
}{
	{"integer", meterd.IntegerValue},
	{"double", meterd.DoubleValue},
	{"boolean", meterd.BooleanValue},
	{"string", meterd.StringValue},
}

// entitlementValue reads the one value field of an entitlement, which must
// match the dimension's type just as GetEntitlements returns exactly one
// typed value per dimension.
func (p *parser) entitlementValue(o *object, dim meterd.Dimension) (meterd.EntitlementValue, error) {
	var present []string
	want := ""
	for _, v := range valueKeys {
		if o.value(v.key) != nil {
			present = append(present, v.key)
		}
		if v.typ == dim.Type {
			want = v.key
		}
	}
	if len(present) != 1 {
		return meterd.EntitlementValue{}, p.errorf(o.node, o.path, "want exactly one of integer, double, boolean or string")
	}
	key := present[0]
	n := o.value(key)
	if key != want {
		return meterd.EntitlementValue{}, p.errorf(n, o.field(key), "dimension %q is %s (want %s)", dim.Name, dim.Type, want)
	}
	if n.Kind != yaml.ScalarNode {
		return meterd.EntitlementValue{}, p.errorf(n, o.field(key), "want a scalar, got %s", describe(n))
	}
	return p.scalarValue(n, o.field(key), key)
}

func (p *parser) scalarValue(n *yaml.Node, field, key string) (meterd.EntitlementValue, error) {
	var v meterd.EntitlementValue
	switch key {
	case "integer":
		i, err := p.int32Value(n, field)
		v.IntegerValue = &i
		return v, err
	case "double":
		d, err := p.doubleValue(n, field)
		v.DoubleValue = &d
		return v, err
	case "boolean":
		b, err := p.booleanValue(n, field)
		v.BooleanValue = &b
		return v, err
	default:
		s := n.Value
		v.StringValue = &s
		return v, nil
	}
}

func (p *parser) int32Value(n *yaml.Node, field string) (int32, error) {
	var i int64
	if n.ShortTag() != "!!int" || n.Decode(&i) != nil {
		return 0, p.errorf(n, field, "%q is not an integer", n.Value)
	}
	if i < math.MinInt32 || i > math.MaxInt32 {
		return 0, p.errorf(n, field, "%d is out of range (want %d..%d)", i, math.MinInt32, math.MaxInt32)
	}
	return int32(i), nil
}

// doubleValue rejects NaN and infinities, which JSON cannot carry.
func (p *parser) doubleValue(n *yaml.Node, field string) (float64, error) {
	var d float64
	tag := n.ShortTag()
	if (tag != "!!int" && tag != "!!float") || n.Decode(&d) != nil {
		return 0, p.errorf(n, field, "%q is not a number", n.Value)
	}
	if math.IsNaN(d) || math.IsInf(d, 0) {
		return 0, p.errorf(n, field, "%q is not a finite number", n.Value)
	}
	return d, nil
}

// booleanValue accepts YAML 1.2 booleans only, so yes/no/on/off (booleans
// in YAML 1.1) are rejected instead of being guessed.
func (p *parser) booleanValue(n *yaml.Node, field string) (bool, error) {
	switch strings.ToLower(n.Value) {
	case "true":
		if n.ShortTag() == "!!bool" {
			return true, nil
		}
	case "false":
		if n.ShortTag() == "!!bool" {
			return false, nil
		}
	}
	return false, p.errorf(n, field, "%q is not true or false", n.Value)
}
