package awsproto

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// constraints are the constraint traits of a shape or member. A nil field
// means the trait is absent.
type constraints struct {
	length  *lengthTrait
	rng     *rangeTrait
	pattern *patternTrait
	enum    []string
}

type lengthTrait struct {
	Min *int64 `json:"min"`
	Max *int64 `json:"max"`
}

type rangeTrait struct {
	Min *json.Number `json:"min"`
	Max *json.Number `json:"max"`
}

type patternTrait struct {
	source string // as written in the model, quoted in messages
	re     *regexp.Regexp
}

type enumDefinition struct {
	Value string `json:"value"`
}

// parseConstraints reads the constraint traits among traits.
func parseConstraints(traits map[string]json.RawMessage) (constraints, error) {
	var c constraints
	if raw, ok := traits[traitLength]; ok {
		c.length = new(lengthTrait)
		if err := json.Unmarshal(raw, c.length); err != nil {
			return c, fmt.Errorf("length trait: %w", err)
		}
	}
	if raw, ok := traits[traitRange]; ok {
		c.rng = new(rangeTrait)
		if err := json.Unmarshal(raw, c.rng); err != nil {
			return c, fmt.Errorf("range trait: %w", err)
		}
	}
	if raw, ok := traits[traitPattern]; ok {
		p, err := parsePattern(raw)
		if err != nil {
			return c, err
		}
		c.pattern = p
	}
	if raw, ok := traits[traitEnum]; ok {
		var defs []enumDefinition
		if err := json.Unmarshal(raw, &defs); err != nil {
			return c, fmt.Errorf("enum trait: %w", err)
		}
		for _, d := range defs {
			c.enum = append(c.enum, d.Value)
		}
	}
	return c, nil
}

func parsePattern(raw json.RawMessage) (*patternTrait, error) {
	var source string
	if err := json.Unmarshal(raw, &source); err != nil {
		return nil, fmt.Errorf("pattern trait: %w", err)
	}
	re, err := regexp.Compile(translatePattern(source))
	if err != nil {
		return nil, fmt.Errorf("pattern trait %q: %w", source, err)
	}
	return &patternTrait{source: source, re: re}, nil
}

// overriddenBy applies Smithy's rule that a trait on a member replaces the
// same trait of its target.
func (c constraints) overriddenBy(own constraints) constraints {
	if own.length != nil {
		c.length = own.length
	}
	if own.rng != nil {
		c.rng = own.rng
	}
	if own.pattern != nil {
		c.pattern = own.pattern
	}
	if own.enum != nil {
		c.enum = own.enum
	}
	return c
}

// Constraint messages, worded as AWS (Coral) words them.
const (
	msgNotNull   = "Member must not be null"
	msgEnum      = "Member must satisfy enum value set: [%s]"
	msgPattern   = "Member must satisfy regular expression pattern: %s"
	msgMinLength = "Member must have length greater than or equal to %d"
	msgMaxLength = "Member must have length less than or equal to %d"
	msgMinValue  = "Member must have value greater than or equal to %s"
	msgMaxValue  = "Member must have value less than or equal to %s"
)

// failures lists the messages of the constraints v breaks, in the order
// AWS reports them for one member: enum, pattern, minimum then maximum
// length, minimum then maximum value. v is a checked value (see check.go).
func (c constraints) failures(v any) []string {
	var out []string
	if s, ok := v.(string); ok {
		if c.enum != nil && !contains(c.enum, s) {
			out = append(out, c.enumMessage())
		}
		if c.pattern != nil && !c.pattern.re.MatchString(s) {
			out = append(out, fmt.Sprintf(msgPattern, c.pattern.source))
		}
	}
	if n, ok := lengthOf(v); ok && c.length != nil {
		if c.length.Min != nil && n < *c.length.Min {
			out = append(out, fmt.Sprintf(msgMinLength, *c.length.Min))
		}
		if c.length.Max != nil && n > *c.length.Max {
			out = append(out, fmt.Sprintf(msgMaxLength, *c.length.Max))
		}
	}
	if f, ok := numberOf(v); ok && c.rng != nil {
		if c.rng.Min != nil && f < boundValue(*c.rng.Min) {
			out = append(out, fmt.Sprintf(msgMinValue, *c.rng.Min))
		}
		if c.rng.Max != nil && f > boundValue(*c.rng.Max) {
			out = append(out, fmt.Sprintf(msgMaxValue, *c.rng.Max))
		}
	}
	return out
}

// descriptions lists every constraint, in the order AWS prints them inside
// "Map keys must satisfy constraint: [...]": maximum before minimum, then
// pattern and enum.
func (c constraints) descriptions() []string {
	var out []string
	if c.length != nil && c.length.Max != nil {
		out = append(out, fmt.Sprintf(msgMaxLength, *c.length.Max))
	}
	if c.length != nil && c.length.Min != nil {
		out = append(out, fmt.Sprintf(msgMinLength, *c.length.Min))
	}
	if c.rng != nil && c.rng.Max != nil {
		out = append(out, fmt.Sprintf(msgMaxValue, *c.rng.Max))
	}
	if c.rng != nil && c.rng.Min != nil {
		out = append(out, fmt.Sprintf(msgMinValue, *c.rng.Min))
	}
	if c.pattern != nil {
		out = append(out, fmt.Sprintf(msgPattern, c.pattern.source))
	}
	if c.enum != nil {
		out = append(out, c.enumMessage())
	}
	return out
}

func (c constraints) enumMessage() string {
	return fmt.Sprintf(msgEnum, strings.Join(c.enum, ", "))
}

// lengthOf is the Smithy length of a string (Unicode code points), list or
// map (entries).
func lengthOf(v any) (int64, bool) {
	switch v := v.(type) {
	case string:
		return int64(utf8.RuneCountInString(v)), true
	case []any:
		return int64(len(v)), true
	case map[string]any:
		return int64(len(v)), true
	}
	return 0, false
}

// numberOf returns the numeric value of a checked integer or double.
func numberOf(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// boundValue reads a range bound; the model loader has parsed it as a JSON
// number already.
func boundValue(n json.Number) float64 {
	f, _ := strconv.ParseFloat(string(n), 64)
	return f
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
