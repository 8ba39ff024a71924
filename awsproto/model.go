package awsproto

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
)

// The Smithy models are embedded unchanged; validation, the operation table
// and the error table are all derived from them, so a model update is a file
// copy plus a test run.
//
//go:embed models/*.json
var modelFiles embed.FS

// Trait ids this package understands.
const (
	traitRequired  = "smithy.api#required"
	traitLength    = "smithy.api#length"
	traitRange     = "smithy.api#range"
	traitPattern   = "smithy.api#pattern"
	traitEnum      = "smithy.api#enum" // Smithy 1.0 enum trait on strings
	traitEnumValue = "smithy.api#enumValue"
	traitError     = "smithy.api#error"
	traitHTTPError = "smithy.api#httpError"
	traitJSON11    = "aws.protocols#awsJson1_1"
	traitRPCv2CBOR = "smithy.protocols#rpcv2Cbor"
)

// kind is the data model category of a shape.
type kind int

const (
	kindUnsupported kind = iota
	kindStructure
	kindList
	kindMap
	kindString // string and enum shapes
	kindInteger
	kindBoolean
	kindTimestamp
	kindDouble
)

// kindsByType maps Smithy shape types to the categories this package
// handles. Shapes of other types (blob, union, document, ...) are rejected
// when an operation reaches them.
var kindsByType = map[string]kind{
	"structure": kindStructure,
	"list":      kindList,
	"set":       kindList,
	"map":       kindMap,
	"string":    kindString,
	"enum":      kindString,
	"integer":   kindInteger,
	"boolean":   kindBoolean,
	"timestamp": kindTimestamp,
	"double":    kindDouble,
	"float":     kindDouble,
}

// preludeTypes are the prelude shapes a model may target without defining.
var preludeTypes = map[string]string{
	"smithy.api#String":           "string",
	"smithy.api#Boolean":          "boolean",
	"smithy.api#PrimitiveBoolean": "boolean",
	"smithy.api#Integer":          "integer",
	"smithy.api#PrimitiveInteger": "integer",
	"smithy.api#Double":           "double",
	"smithy.api#PrimitiveDouble":  "double",
	"smithy.api#Float":            "float",
	"smithy.api#Timestamp":        "timestamp",
	"smithy.api#Unit":             "structure",
}

// shape is a resolved Smithy shape.
type shape struct {
	id   string // absolute shape id
	name string // shape name without namespace
	kind kind
	cons constraints // the shape's own constraint traits

	members []*member // structure members, in model order
	elem    *member   // list member
	key     *member   // map key
	value   *member   // map value

	fault      string // "client" or "server" for error structures
	httpStatus int    // httpError trait, 0 when absent
}

// member is a structure member, list member or map key/value. cons is the
// effective constraint set: the target's traits overridden by the member's.
type member struct {
	name     string
	segment  string // lowerFirst(name), made once: validation joins it into every path
	target   *shape
	cons     constraints
	required bool
}

// service is a Smithy service shape with its operations.
type service struct {
	name       string
	json       bool // awsJson1_1 trait
	cbor       bool // rpcv2Cbor trait
	operations []*opShape
	errors     []*shape // service-level errors
}

// opShape is a Smithy operation shape.
type opShape struct {
	name          string
	input, output *shape
	errors        []*shape
}

// model is the union of the embedded Smithy models.
type model struct {
	shapes   map[string]*shape
	services []*service
}

// astShape is one entry of a Smithy JSON AST "shapes" object.
type astShape struct {
	Type       string                     `json:"type"`
	Members    json.RawMessage            `json:"members"`
	Member     *astMember                 `json:"member"`
	Key        *astMember                 `json:"key"`
	Value      *astMember                 `json:"value"`
	Traits     map[string]json.RawMessage `json:"traits"`
	Operations []astRef                   `json:"operations"`
	Input      *astRef                    `json:"input"`
	Output     *astRef                    `json:"output"`
	Errors     []astRef                   `json:"errors"`
}

type astMember struct {
	Target string                     `json:"target"`
	Traits map[string]json.RawMessage `json:"traits"`
}

type astRef struct {
	Target string `json:"target"`
}

// loadModel parses every embedded model file into one model.
func loadModel(files fs.FS) (*model, error) {
	paths, err := fs.Glob(files, "models/*.json")
	if err != nil {
		return nil, err
	}
	m := &model{shapes: map[string]*shape{}}
	asts := map[string]*astShape{}
	for _, p := range paths {
		if err := readModelFile(files, p, asts); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	if err := m.build(asts); err != nil {
		return nil, err
	}
	return m, nil
}

func readModelFile(files fs.FS, path string, into map[string]*astShape) error {
	data, err := fs.ReadFile(files, path)
	if err != nil {
		return err
	}
	var doc struct {
		Shapes map[string]*astShape `json:"shapes"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return err
	}
	for id, s := range doc.Shapes {
		into[id] = s
	}
	return nil
}

// build creates every shape first and links members in a second pass, so
// that shapes may reference each other in any order.
func (m *model) build(asts map[string]*astShape) error {
	for id, a := range asts {
		s, err := newShape(id, a)
		if err != nil {
			return err
		}
		m.shapes[id] = s
	}
	for id, a := range asts {
		if err := m.link(m.shapes[id], a); err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
	}
	for id, a := range asts {
		if a.Type == "service" {
			svc, err := m.newService(id, a, asts)
			if err != nil {
				return err
			}
			m.services = append(m.services, svc)
		}
	}
	sort.Slice(m.services, func(i, j int) bool { return m.services[i].name < m.services[j].name })
	return nil
}

// newShape creates a shape from its AST without resolving members.
func newShape(id string, a *astShape) (*shape, error) {
	s := &shape{id: id, name: localName(id), kind: kindsByType[a.Type]}
	cons, err := parseConstraints(a.Traits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", id, err)
	}
	s.cons = cons
	if a.Type == "enum" {
		if s.cons.enum, err = enumValues(a); err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
	}
	if raw, ok := a.Traits[traitError]; ok {
		if err := json.Unmarshal(raw, &s.fault); err != nil {
			return nil, fmt.Errorf("%s: error trait: %w", id, err)
		}
	}
	if raw, ok := a.Traits[traitHTTPError]; ok {
		if err := json.Unmarshal(raw, &s.httpStatus); err != nil {
			return nil, fmt.Errorf("%s: httpError trait: %w", id, err)
		}
	}
	return s, nil
}

// link resolves the members of s.
func (m *model) link(s *shape, a *astShape) error {
	switch a.Type {
	case "structure":
		return m.linkStructure(s, a)
	case "list", "set":
		elem, err := m.newMember("member", a.Member)
		s.elem = elem
		return err
	case "map":
		var err error
		if s.key, err = m.newMember("key", a.Key); err != nil {
			return err
		}
		s.value, err = m.newMember("value", a.Value)
		return err
	}
	return nil
}

// enumValues lists the values of an enum shape in model order. They are
// read in the first pass because members copy their target's constraints
// when they are linked.
func enumValues(a *astShape) ([]string, error) {
	names, err := orderedKeys(a.Members)
	if err != nil {
		return nil, err
	}
	var members map[string]astMember
	if err := json.Unmarshal(a.Members, &members); err != nil {
		return nil, err
	}
	values := make([]string, 0, len(names))
	for _, n := range names {
		value := n
		if raw, ok := members[n].Traits[traitEnumValue]; ok {
			if err := json.Unmarshal(raw, &value); err != nil {
				return nil, fmt.Errorf("enum member %s: %w", n, err)
			}
		}
		values = append(values, value)
	}
	return values, nil
}

func (m *model) linkStructure(s *shape, a *astShape) error {
	names, err := orderedKeys(a.Members)
	if err != nil {
		return err
	}
	var members map[string]*astMember
	if len(a.Members) > 0 {
		if err := json.Unmarshal(a.Members, &members); err != nil {
			return err
		}
	}
	for _, n := range names {
		mem, err := m.newMember(n, members[n])
		if err != nil {
			return err
		}
		s.members = append(s.members, mem)
	}
	return nil
}

// newMember resolves a member's target and merges its traits over the
// target's constraints.
func (m *model) newMember(name string, a *astMember) (*member, error) {
	if a == nil {
		return nil, fmt.Errorf("member %s: missing", name)
	}
	target, err := m.resolve(a.Target)
	if err != nil {
		return nil, fmt.Errorf("member %s: %w", name, err)
	}
	own, err := parseConstraints(a.Traits)
	if err != nil {
		return nil, fmt.Errorf("member %s: %w", name, err)
	}
	_, required := a.Traits[traitRequired]
	return &member{name: name, segment: lowerFirst(name), target: target, cons: target.cons.overriddenBy(own), required: required}, nil
}

// resolve finds a shape by id, creating prelude shapes on first use.
func (m *model) resolve(id string) (*shape, error) {
	if s, ok := m.shapes[id]; ok {
		return s, nil
	}
	typ, ok := preludeTypes[id]
	if !ok {
		return nil, fmt.Errorf("unknown shape %s", id)
	}
	s := &shape{id: id, name: localName(id), kind: kindsByType[typ]}
	m.shapes[id] = s
	return s, nil
}

func (m *model) newService(id string, a *astShape, asts map[string]*astShape) (*service, error) {
	_, isJSON := a.Traits[traitJSON11]
	_, isCBOR := a.Traits[traitRPCv2CBOR]
	svc := &service{name: localName(id), json: isJSON, cbor: isCBOR}
	var err error
	if svc.errors, err = m.resolveAll(a.Errors); err != nil {
		return nil, err
	}
	for _, ref := range a.Operations {
		op, err := m.newOperation(ref.Target, asts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		svc.operations = append(svc.operations, op)
	}
	return svc, nil
}

// newOperation reads an operation shape; every input and output shape is
// checked to contain only supported shape types.
func (m *model) newOperation(id string, asts map[string]*astShape) (*opShape, error) {
	s, ok := m.shapes[id]
	a := asts[id]
	if !ok || a == nil || a.Type != "operation" {
		return nil, fmt.Errorf("unknown operation %s", id)
	}
	op := &opShape{name: s.name}
	var err error
	if op.input, err = m.ioShape(a.Input); err != nil {
		return nil, fmt.Errorf("%s input: %w", id, err)
	}
	if op.output, err = m.ioShape(a.Output); err != nil {
		return nil, fmt.Errorf("%s output: %w", id, err)
	}
	if op.errors, err = m.resolveAll(a.Errors); err != nil {
		return nil, err
	}
	return op, nil
}

// ioShape resolves an operation input or output; absent means Unit.
func (m *model) ioShape(ref *astRef) (*shape, error) {
	id := "smithy.api#Unit"
	if ref != nil {
		id = ref.Target
	}
	s, err := m.resolve(id)
	if err != nil {
		return nil, err
	}
	return s, checkSupported(s, map[*shape]bool{})
}

// checkSupported fails when s reaches a shape type this package cannot
// decode or encode.
func checkSupported(s *shape, seen map[*shape]bool) error {
	if seen[s] {
		return nil
	}
	seen[s] = true
	if s.kind == kindUnsupported {
		return fmt.Errorf("shape %s has an unsupported type", s.id)
	}
	for _, mem := range s.children() {
		if err := checkSupported(mem.target, seen); err != nil {
			return err
		}
	}
	return nil
}

// children lists the members of an aggregate shape.
func (s *shape) children() []*member {
	switch s.kind {
	case kindStructure:
		return s.members
	case kindList:
		return []*member{s.elem}
	case kindMap:
		return []*member{s.key, s.value}
	}
	return nil
}

func (m *model) resolveAll(refs []astRef) ([]*shape, error) {
	out := make([]*shape, 0, len(refs))
	for _, r := range refs {
		s, err := m.resolve(r.Target)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// member returns the structure member called name, or nil.
func (s *shape) member(name string) *member {
	for _, m := range s.members {
		if m.name == name {
			return m
		}
	}
	return nil
}

// localName strips the namespace of a shape id.
func localName(id string) string {
	_, name, found := strings.Cut(id, "#")
	if !found {
		return id
	}
	return name
}

// orderedKeys returns the keys of a JSON object in document order; Go maps
// lose it and the model's member order decides the order of errors.
func orderedKeys(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("members: not an object")
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil && err != io.EOF {
		return nil, err
	}
	return keys, nil
}
