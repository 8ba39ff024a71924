// Package awsproto is the wire layer of meterd: the two AWS protocols the
// Marketplace services speak (AWS JSON 1.1 and Smithy RPC v2 CBOR), the
// operation table, the decoding and model-constraint validation of request
// bodies into the structs of package meterd, the encoding of results and the
// AWS error responses.
//
// Everything is driven by the two Smithy models embedded in models/: the
// operations, their input constraints, the modeled errors and their HTTP
// statuses. The only hand-written table maps each operation to its Go
// input and output structs, and the package refuses to start when those
// structs and the model disagree.
package awsproto

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sync"

	"github.com/meterd/meterd"
)

// Protocol is a wire protocol.
type Protocol int

const (
	// JSON is AWS JSON 1.1 (awsJson1_1): POST / with X-Amz-Target.
	JSON Protocol = iota
	// CBOR is Smithy RPC v2 CBOR (rpcv2Cbor): POST /service/S/operation/O.
	CBOR
)

// String names the protocol as Smithy does.
func (p Protocol) String() string {
	if p == CBOR {
		return "rpcv2Cbor"
	}
	return "awsJson1_1"
}

// Operation is an operation of one of the services.
type Operation struct {
	// Service is the service shape name, e.g. "AWSMPMeteringService".
	Service string
	// Name is the operation name, e.g. "MeterUsage".
	Name string
	// NewInput returns a pointer to a new input struct for Decode, e.g.
	// &meterd.MeterUsageRequest{}.
	NewInput func() any
	// Errors are the sorted names of the errors the model lets this
	// operation answer: its own and its service's.
	Errors []string

	input  *shape
	inType reflect.Type
	// invalidCode is the error code of constraint violations.
	invalidCode string
}

// goTypes names the Go structs of each operation's input and output.
var goTypes = map[string]struct{ in, out any }{
	"MeterUsage":      {meterd.MeterUsageRequest{}, meterd.MeterUsageResult{}},
	"BatchMeterUsage": {meterd.BatchMeterUsageRequest{}, meterd.BatchMeterUsageResult{}},
	"RegisterUsage":   {meterd.RegisterUsageRequest{}, meterd.RegisterUsageResult{}},
	"ResolveCustomer": {meterd.ResolveCustomerRequest{}, meterd.ResolveCustomerResult{}},
	"GetEntitlements": {meterd.GetEntitlementsRequest{}, meterd.GetEntitlementsResult{}},
}

// registry is everything derived from the models at start-up.
type registry struct {
	ops      []*Operation
	byTarget map[string]*Operation
	byPath   map[string]*Operation
	// outputs maps each result struct type to its output shape.
	outputs map[reflect.Type]*shape
	// modeledErrors lists the error shape names of each service.
	modeledErrors map[string][]string
	// errorStatus is the HTTP status of every modeled error.
	errorStatus map[string]int
	// patterns holds the pattern trait of every string shape that has one.
	patterns map[string]*patternTrait
}

// models returns what the embedded models define, built once. Building
// it (parsing 140 KB of Smithy JSON, compiling the patterns) was the largest
// part of meterd's package initialisation: 4 ms warm, 15-30 ms in a fresh
// process. init starts it on a goroutine of its own, so that it overlaps
// the rest of start-up (which mostly waits for the ledger's fsyncs) rather
// than delaying it; a request that comes first waits for it. A failure is
// a programming error (the models or the wire structs changed
// incompatibly), so it panics at start-up, like regexp.MustCompile, and
// every test catches it.
var models = sync.OnceValue(mustBuildRegistry)

func init() { go models() }

func mustBuildRegistry() *registry {
	r, err := buildRegistry()
	if err != nil {
		panic("awsproto: " + err.Error())
	}
	return r
}

func buildRegistry() (*registry, error) {
	m, err := loadModel(modelFiles)
	if err != nil {
		return nil, err
	}
	r := &registry{
		byTarget:      map[string]*Operation{},
		byPath:        map[string]*Operation{},
		outputs:       map[reflect.Type]*shape{},
		modeledErrors: map[string][]string{},
		errorStatus:   map[string]int{},
		patterns:      map[string]*patternTrait{},
	}
	for id, s := range m.shapes {
		if s.cons.pattern != nil {
			r.patterns[id] = s.cons.pattern
		}
	}
	for _, svc := range m.services {
		if err := r.addService(svc); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *registry) addService(svc *service) error {
	r.modeledErrors[svc.name] = errorNames(svc)
	for _, e := range svc.errors {
		r.errorStatus[e.name] = errorStatusOf(e)
	}
	for _, o := range svc.operations {
		op, err := newOperation(svc, o)
		if err != nil {
			return err
		}
		r.ops = append(r.ops, op)
		r.outputs[reflect.TypeOf(goTypes[o.name].out)] = o.output
		for _, e := range o.errors {
			r.errorStatus[e.name] = errorStatusOf(e)
		}
		if svc.json {
			r.byTarget[svc.name+"."+o.name] = op
		}
		if svc.cbor {
			r.byPath["/service/"+svc.name+"/operation/"+o.name] = op
		}
	}
	return nil
}

// newOperation pairs an operation shape with its Go structs and checks that
// they agree.
func newOperation(svc *service, o *opShape) (*Operation, error) {
	types, ok := goTypes[o.name]
	if !ok {
		return nil, fmt.Errorf("operation %s.%s has no Go types", svc.name, o.name)
	}
	inType, outType := reflect.TypeOf(types.in), reflect.TypeOf(types.out)
	if err := checkBinding(o.input, inType, map[*shape]bool{}); err != nil {
		return nil, fmt.Errorf("%s input: %w", o.name, err)
	}
	if err := checkBinding(o.output, outType, map[*shape]bool{}); err != nil {
		return nil, fmt.Errorf("%s output: %w", o.name, err)
	}
	return &Operation{
		Service:     svc.name,
		Name:        o.name,
		NewInput:    func() any { return reflect.New(inType).Interface() },
		Errors:      operationErrors(svc, o),
		input:       o.input,
		inType:      inType,
		invalidCode: invalidInputCode(svc),
	}, nil
}

// operationErrors lists the errors o may answer: o's own and svc's.
func operationErrors(svc *service, o *opShape) []string {
	var names []string
	for _, e := range append(slices.Clone(svc.errors), o.errors...) {
		if !slices.Contains(names, e.name) {
			names = append(names, e.name)
		}
	}
	slices.Sort(names)
	return names
}

// invalidInputCode is the code of constraint violations: the service's own
// InvalidParameterException when its model has one (the Entitlement
// Service, whose model lacks ValidationException), else the generic
// ValidationException every AWS JSON service sends.
func invalidInputCode(svc *service) string {
	if contains(errorNames(svc), meterd.EInvalidParameter) {
		return meterd.EInvalidParameter
	}
	return meterd.EValidation
}

// OperationByTarget resolves an X-Amz-Target header, such as
// "AWSMPMeteringService.MeterUsage". Matching is exact, as AWS's is.
func OperationByTarget(target string) (*Operation, bool) {
	op, ok := models().byTarget[target]
	return op, ok
}

// OperationByPath resolves an RPC v2 CBOR request path, such as
// "/service/AWSMPEntitlementService/operation/GetEntitlements". Only
// services whose model has the rpcv2Cbor trait are found.
func OperationByPath(path string) (*Operation, bool) {
	op, ok := models().byPath[path]
	return op, ok
}

// Operations lists every operation, by service name and in model order.
func Operations() []*Operation {
	return slices.Clone(models().ops)
}

// ShapePattern returns the pattern trait of a string shape of the models,
// by absolute shape id (e.g. "com.amazonaws.marketplacemetering#LicenseArn"):
// the compiled Go regexp and the pattern as the model writes it. Other
// packages check values against it so that the model stays the one source.
func ShapePattern(id string) (re *regexp.Regexp, source string, ok bool) {
	p, ok := models().patterns[id]
	if !ok {
		return nil, "", false
	}
	return p.re, p.source, true
}
