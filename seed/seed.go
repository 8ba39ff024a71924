// Package seed reads the YAML seed file that declares a catalog: accounts
// with access keys, products with dimensions, customers, and subscriptions
// with licenses and entitlements, so that a seller's test suite starts from a
// known state. The format is documented in docs/seed.md.
//
// The file is decoded into yaml.Node trees rather than structs so that every
// error can name the line and the field path (products[1].dimensions[0].type)
// and so that unknown fields are rejected: a typo must not silently drop a
// setting. Parsing stops at the first error.
//
// Access key secrets end up in the returned catalog; nothing in this package
// logs them or puts them into an error message.
package seed

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/sim"
)

// Error is a problem at a position of a seed file.
type Error struct {
	File  string
	Line  int    // 0 when the YAML reader could not tell
	Field string // path such as products[1].dimensions[0].type; "" for the whole file
	Msg   string
}

// Error formats e as file:line: field: message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Parse reads a seed file; name is used in error messages only. Errors are
// *Error values that name the file position and field, e.g.
//
//	seed.yaml:14: products[1].dimensions[0].type: unknown value type "Float" (want Integer, Double, Boolean or String)
//
// Parse ignores the simulation sections (clock, faults, quotas) after
// checking them; ParseFile returns them too.
func Parse(name string, r io.Reader) (*meterd.Catalog, error) {
	f, err := ParseFile(name, r)
	if err != nil {
		return nil, err
	}
	return f.Catalog, nil
}

// readDocument returns the content of the only document in r, or nil when r
// holds no document at all.
func readDocument(name string, r io.Reader) (*yaml.Node, error) {
	dec := yaml.NewDecoder(r)
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxError(name, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, syntaxError(name, err)
	default:
		return nil, &Error{File: name, Line: next.Line, Msg: "a seed file holds one YAML document"}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// yamlLine matches the position prefix of go-yaml's syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxError rewrites go-yaml's "yaml: line 3: msg" as an *Error.
func syntaxError(name string, err error) *Error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: name, Line: line, Msg: msg[len(m[0]):]}
	}
	return &Error{File: name, Msg: strings.TrimPrefix(msg, "yaml: ")}
}

// parser holds what has been declared so far, to resolve references and
// reject duplicates. Each index maps a key to the line it was declared on.
type parser struct {
	name    string
	catalog *meterd.Catalog
	sim     sim.Settings

	accounts         map[string]int
	accessKeys       map[string]int
	products         map[string]declaredProduct
	customers        map[string]int
	customerAccounts map[string]int
	licenses         map[string]int
}

type declaredProduct struct {
	product *meterd.Product
	line    int
}

func newParser(name string) *parser {
	return &parser{
		name:             name,
		catalog:          &meterd.Catalog{},
		accounts:         map[string]int{},
		accessKeys:       map[string]int{},
		products:         map[string]declaredProduct{},
		customers:        map[string]int{},
		customerAccounts: map[string]int{},
		licenses:         map[string]int{},
	}
}

// sections are parsed in this order whatever their order in the file, so
// that references always point backwards.
var sections = []struct {
	name  string
	parse func(p *parser, n *yaml.Node, path string) error
}{
	{"accounts", (*parser).account},
	{"products", (*parser).product},
	{"customers", (*parser).customer},
	{"subscriptions", (*parser).subscription},
}

func (p *parser) parse(root *yaml.Node) error {
	if root == nil || isNull(root) {
		return nil
	}
	o, err := p.object(root, "", append([]string{"accounts", "products", "customers", "subscriptions"}, simSections...)...)
	if err != nil {
		return err
	}
	for _, s := range sections {
		items, err := p.list(o, s.name)
		if err != nil {
			return err
		}
		for i, item := range items {
			if err := s.parse(p, item, fmt.Sprintf("%s[%d]", s.name, i)); err != nil {
				return err
			}
		}
	}
	return p.simSections(o)
}

// errorf returns an *Error at n's line.
func (p *parser) errorf(n *yaml.Node, field, format string, args ...any) *Error {
	return &Error{File: p.name, Line: n.Line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// duplicate reports a key declared twice.
func (p *parser) duplicate(n *yaml.Node, field, what, key string, firstLine int) *Error {
	return p.errorf(n, field, "duplicate %s %q (first at line %d)", what, key, firstLine)
}
