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
	v.structure(op.input, in, nil)
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
func (v *violations) add(path *path, s *shape, value any, msg string) {
	if v.full() {
		return
	}
	shown := "null"
	if value != nil {
		shown = "'" + formatValue(s, value) + "'"
	}
	v.list = append(v.list, "Value "+shown+" at '"+path.String()+"' failed to satisfy constraint: "+msg)
}

// member checks the value of member m of the structure at parent:
// required, then its own constraints, then its contents. The member's
// path is made only where it is used (a violation, an aggregate's
// contents): a scalar member that is valid costs no allocation.
func (v *violations) member(m *member, value any, parent *path) {
	if value == nil {
		if m.required {
			v.add(&path{parent: parent, name: m.segment}, m.target, nil, msgNotNull)
		}
		return
	}
	for _, msg := range m.cons.failures(value) {
		v.add(&path{parent: parent, name: m.segment}, m.target, value, msg)
	}
	if m.target.aggregate() {
		v.contents(m.target, value, &path{parent: parent, name: m.segment})
	}
}

// aggregate reports whether s has contents to check.
func (s *shape) aggregate() bool {
	return s.kind == kindStructure || s.kind == kindList || s.kind == kindMap
}

// contents checks what is inside an aggregate value.
func (v *violations) contents(s *shape, value any, path *path) {
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

func (v *violations) structure(s *shape, value map[string]any, parent *path) {
	for _, m := range s.members {
		v.member(m, value[m.name], parent)
	}
}

// listEntries reports the element constraints once for the whole list, as AWS
// does, then walks into each element as 'path.N.member' (N from 1).
func (v *violations) listEntries(s *shape, value []any, parent *path) {
	if slices.ContainsFunc(value, func(e any) bool { return len(s.elem.cons.failures(e)) > 0 }) {
		v.add(parent, s, value, aggregate(msgListMembers, s.elem.cons))
	}
	for i, e := range value {
		v.contents(s.elem.target, e, &path{parent: parent, index: i + 1, entry: true})
	}
}

// mapping reports key and value constraints once each for the whole map,
// as AWS does, then walks into each value as 'path.KEY.member'.
func (v *violations) mapping(s *shape, value map[string]any, parent *path) {
	keys := sortedKeys(value)
	if slices.ContainsFunc(keys, func(k string) bool { return len(s.key.cons.failures(k)) > 0 }) {
		v.add(parent, s, value, aggregate(msgMapKeys, s.key.cons))
	}
	if slices.ContainsFunc(keys, func(k string) bool { return len(s.value.cons.failures(value[k])) > 0 }) {
		v.add(parent, s, value, aggregate(msgMapValues, s.value.cons))
	}
	for _, k := range keys {
		v.contents(s.value.target, value[k], &path{parent: parent, name: k, entry: true})
	}
}

// aggregate lists every constraint of an entry in a collection message.
func aggregate(format string, c constraints) string {
	return fmt.Sprintf(format, strings.Join(c.descriptions(), ", "))
}

// path is where a value sits in the input, as AWS writes it:
// usageRecords.3.member.dimension. Each step is a member's segment, or an
// entry of a list (its index from 1) or of a map (its key) followed by
// "member". The text is made only for a violation: joining it for every
// value was a fifth of the decoding of a valid 25-record batch.
type path struct {
	parent *path
	name   string // a member's segment or a map entry's key
	index  int    // a list entry's, from 1
	entry  bool   // a list or map entry
}

// String is the path's text; the input itself (nil) is "".
func (p *path) String() string {
	if p == nil {
		return ""
	}
	step := p.name
	if p.entry {
		if p.index > 0 {
			step = strconv.Itoa(p.index)
		}
		step += ".member"
	}
	if p.parent == nil {
		return step
	}
	return p.parent.String() + "." + step
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
