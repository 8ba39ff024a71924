package awsproto

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/meterd/meterd"
)

// maxViolations caps the violations reported, as AWS's Coral framework
// does: it stops collecting at ten and counts only those it lists.
const maxViolations = 10

// Messages of aggregated constraints on the entries of collections.
const (
	msgMapKeys     = "Map keys must satisfy constraint: [%s]"
	msgMapValues   = "Map value must satisfy constraint: [%s]"
	msgListMembers = "Member must satisfy constraint: [%s]"
)

// validate checks a checked input against the constraints of the model
// and returns the operation's invalid-input error listing the violations
// in model member order, depth first, e.g.
//
//	2 validation errors detected: Value null at 'usageDimension' failed to
//	satisfy constraint: Member must not be null; Value '-1' at
//	'usageQuantity' failed to satisfy constraint: Member must have value
//	greater than or equal to 0
func validate(op *Operation, in map[string]any) error {
	var v violations
	v.structure(op.input, in, "")
	if len(v.list) == 0 {
		return nil
	}
	plural := "s"
	if len(v.list) == 1 {
		plural = ""
	}
	return meterd.Errorf(op.invalidCode, "%d validation error%s detected: %s",
		len(v.list), plural, strings.Join(v.list, "; "))
}

// violations collects violation texts up to maxViolations.
type violations struct {
	list []string
}

func (v *violations) full() bool { return len(v.list) >= maxViolations }

// add records that value (nil for null) of shape s at path breaks msg.
func (v *violations) add(path string, s *shape, value any, msg string) {
	if v.full() {
		return
	}
	shown := "null"
	if value != nil {
		shown = "'" + formatValue(s, value) + "'"
	}
	v.list = append(v.list, "Value "+shown+" at '"+path+"' failed to satisfy constraint: "+msg)
}

// member checks the value of a member: required, then its own
// constraints, then its contents.
func (v *violations) member(m *member, value any, path string) {
	if value == nil {
		if m.required {
			v.add(path, m.target, nil, msgNotNull)
		}
		return
	}
	for _, msg := range m.cons.failures(value) {
		v.add(path, m.target, value, msg)
	}
	v.contents(m.target, value, path)
}

// contents checks what is inside an aggregate value.
func (v *violations) contents(s *shape, value any, path string) {
	if v.full() {
		return
	}
	switch s.kind {
	case kindStructure:
		v.structure(s, value.(map[string]any), path)
	case kindList:
		v.listEntries(s, value.([]any), path)
	case kindMap:
		v.mapping(s, value.(map[string]any), path)
	}
}

func (v *violations) structure(s *shape, value map[string]any, path string) {
	for _, m := range s.members {
		v.member(m, value[m.name], joinPath(path, m.segment))
	}
}

// listEntries reports the element constraints once for the whole list, as AWS
// does, then walks into each element as 'path.N.member' (N from 1).
func (v *violations) listEntries(s *shape, value []any, path string) {
	if slices.ContainsFunc(value, func(e any) bool { return len(s.elem.cons.failures(e)) > 0 }) {
		v.add(path, s, value, aggregate(msgListMembers, s.elem.cons))
	}
	for i, e := range value {
		v.contents(s.elem.target, e, joinPath(path, strconv.Itoa(i+1), "member"))
	}
}

// mapping reports key and value constraints once each for the whole map,
// as AWS does, then walks into each value as 'path.KEY.member'.
func (v *violations) mapping(s *shape, value map[string]any, path string) {
	keys := sortedKeys(value)
	if slices.ContainsFunc(keys, func(k string) bool { return len(s.key.cons.failures(k)) > 0 }) {
		v.add(path, s, value, aggregate(msgMapKeys, s.key.cons))
	}
	if slices.ContainsFunc(keys, func(k string) bool { return len(s.value.cons.failures(value[k])) > 0 }) {
		v.add(path, s, value, aggregate(msgMapValues, s.value.cons))
	}
	for _, k := range keys {
		v.contents(s.value.target, value[k], joinPath(path, k, "member"))
	}
}

// aggregate lists every constraint of an entry in a collection message.
func aggregate(format string, c constraints) string {
	return fmt.Sprintf(format, strings.Join(c.descriptions(), ", "))
}

func joinPath(parts ...string) string {
	if parts[0] == "" {
		parts = parts[1:]
	}
	return strings.Join(parts, ".")
}

// lowerFirst turns a member name into AWS's path segment:
// "CustomerAWSAccountId" becomes "customerAWSAccountId".
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[size:]
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
