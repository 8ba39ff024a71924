package awsproto

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

func TestOperationByTarget(t *testing.T) {
	tests := []struct {
		target, service, name string
		input                 any
	}{
		{"AWSMPMeteringService.MeterUsage", "AWSMPMeteringService", "MeterUsage", &meterd.MeterUsageRequest{}},
		{"AWSMPMeteringService.BatchMeterUsage", "AWSMPMeteringService", "BatchMeterUsage", &meterd.BatchMeterUsageRequest{}},
		{"AWSMPMeteringService.RegisterUsage", "AWSMPMeteringService", "RegisterUsage", &meterd.RegisterUsageRequest{}},
		{"AWSMPMeteringService.ResolveCustomer", "AWSMPMeteringService", "ResolveCustomer", &meterd.ResolveCustomerRequest{}},
		{"AWSMPEntitlementService.GetEntitlements", "AWSMPEntitlementService", "GetEntitlements", &meterd.GetEntitlementsRequest{}},
		{target: "AWSMPMeteringService.meterUsage"},
		{target: "awsmpmeteringservice.MeterUsage"},
		{target: "AWSMPMeteringService.GetEntitlements"},
		{target: "AWSMPEntitlementService.MeterUsage"},
		{target: "MeterUsage"},
		{target: "AWSMPMeteringService.MeterUsage "},
		{target: ""},
	}
	for _, tt := range tests {
		op, ok := OperationByTarget(tt.target)
		if ok != (tt.name != "") {
			t.Errorf("OperationByTarget(%q) found = %v", tt.target, ok)
			continue
		}
		if !ok {
			continue
		}
		if op.Service != tt.service || op.Name != tt.name {
			t.Errorf("OperationByTarget(%q) = %s.%s", tt.target, op.Service, op.Name)
		}
		if in := op.NewInput(); reflect.TypeOf(in) != reflect.TypeOf(tt.input) || in == op.NewInput() {
			t.Errorf("%s NewInput = %T, want a new %T each call", tt.name, in, tt.input)
		}
	}
}

func TestOperationByPath(t *testing.T) {
	tests := []struct {
		path string
		want string
	}{
		{"/service/AWSMPEntitlementService/operation/GetEntitlements", "GetEntitlements"},
		{"/service/AWSMPMeteringService/operation/MeterUsage", ""},
		{"/service/AWSMPEntitlementService/operation/GetEntitlements/", ""},
		{"/service/AWSMPEntitlementService/operation/getEntitlements", ""},
		{"/base/service/AWSMPEntitlementService/operation/GetEntitlements", ""},
		{"/", ""},
	}
	for _, tt := range tests {
		got := ""
		if op, ok := OperationByPath(tt.path); ok {
			got = op.Name
		}
		if got != tt.want {
			t.Errorf("OperationByPath(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestOperations(t *testing.T) {
	var names []string
	for _, op := range Operations() {
		names = append(names, op.Service+"."+op.Name)
	}
	want := "AWSMPEntitlementService.GetEntitlements AWSMPMeteringService.BatchMeterUsage " +
		"AWSMPMeteringService.MeterUsage AWSMPMeteringService.RegisterUsage AWSMPMeteringService.ResolveCustomer"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("Operations = %s\nwant %s", got, want)
	}
}

// TestModelConstraints spot-checks what the loader read from the models.
func TestModelConstraints(t *testing.T) {
	meter := mustOp(t, "MeterUsage").input
	if names := memberNames(meter); names != "ProductCode Timestamp UsageDimension UsageQuantity DryRun UsageAllocations ClientToken" {
		t.Errorf("MeterUsageRequest members in order = %s", names)
	}
	filter := mustOp(t, "GetEntitlements").input.member("Filter").target
	if got := strings.Join(filter.key.cons.enum, ","); got != "CUSTOMER_IDENTIFIER,DIMENSION,CUSTOMER_AWS_ACCOUNT_ID,LICENSE_ARN" {
		t.Errorf("filter key enum = %s", got)
	}
	if m := meter.member("ProductCode"); !m.required || *m.cons.length.Max != 255 || m.cons.pattern.source != productCodePattern {
		t.Errorf("ProductCode member = %+v", m)
	}
	if m := meter.member("UsageQuantity"); m.required || m.cons.rng.Min.String() != "0" {
		t.Errorf("UsageQuantity member = %+v", m)
	}
}

func memberNames(s *shape) string {
	var names []string
	for _, m := range s.members {
		names = append(names, m.name)
	}
	return strings.Join(names, " ")
}

func TestTranslatePattern(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`^[-a-zA-Z0-9/=:_.@]*$`, `^[-a-zA-Z0-9/=:_.@]*$`},
		{`^[a-zA-Z0-9+ -=._:\/@]+$`, `^[a-zA-Z0-9+ -=._:\/@]+$`},
		{`a{0,1000}`, `a{0,1000}`},
		{`[a-z]{0,1023}$`, `(?:[a-z]{0,1000}[a-z]{0,23})$`},
		{`x{1500,2500}`, `(?:x{1000}x{500,1000}x{0,500})`},
		{`x{2500}`, `(?:x{1000}x{1000}x{500})`},
		{`x{2500,}`, `(?:x{1000}x{1000}x{500,})`},
		{`x{0,1001}?`, `(?:x{0,1000}?x{0,1}?)`},
		{`(ab){0,1001}`, `(?:(ab){0,1000}(ab){0,1})`},
		{`[]a]{0,1001}`, `(?:[]a]{0,1000}[]a]{0,1})`},
		{`[[:alpha:]\]]{0,1001}`, `(?:[[:alpha:]\]]{0,1000}[[:alpha:]\]]{0,1})`},
		{`\p{L}{0,1001}`, `(?:\p{L}{0,1000}\p{L}{0,1})`},
		{`é{0,1001}`, `(?:é{0,1000}é{0,1})`},
		{`a{x}`, `a{x}`},
		{`{2000}`, `{2000}`},
	}
	for _, tt := range tests {
		if got := translatePattern(tt.in); got != tt.want {
			t.Errorf("translatePattern(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestTranslatedPatternCounts checks that a split repetition matches the
// same counts as the original.
func TestTranslatedPatternCounts(t *testing.T) {
	re := regexp.MustCompile("^" + translatePattern(`a{1200,2100}`) + "$")
	for n, want := range map[int]bool{0: false, 1199: false, 1200: true, 1500: true, 2100: true, 2101: false} {
		if got := re.MatchString(strings.Repeat("a", n)); got != want {
			t.Errorf("%d a's match = %v, want %v", n, got, want)
		}
	}
}

// TestCheckBinding checks the start-up check of Go structs against shapes.
func TestCheckBinding(t *testing.T) {
	result := models().outputs[reflect.TypeOf(meterd.MeterUsageResult{})]
	register := models().outputs[reflect.TypeOf(meterd.RegisterUsageResult{})]
	tests := []struct {
		name  string
		shape *shape
		typ   any
		ok    bool
	}{
		{"matching struct", result, struct{ MeteringRecordId string }{}, true},
		{"pointer field", result, struct{ MeteringRecordId *string }{}, true},
		{"extra field", result, struct {
			MeteringRecordId string
			Extra            int
		}{}, false},
		{"missing field", result, struct{}{}, false},
		{"wrong scalar", result, struct{ MeteringRecordId int }{}, false},
		{"not a struct", result, "x", false},
		{"timestamp needs time.Time", register, struct {
			PublicKeyRotationTimestamp int64
			Signature                  string
		}{}, false},
		{"timestamp", register, struct {
			PublicKeyRotationTimestamp time.Time
			Signature                  string
		}{}, true},
	}
	for _, tt := range tests {
		err := checkBinding(tt.shape, reflect.TypeOf(tt.typ), map[*shape]bool{})
		if (err == nil) != tt.ok {
			t.Errorf("%s: checkBinding = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

func TestShapePattern(t *testing.T) {
	const ns = "com.amazonaws.marketplacemetering#"
	longArn := "arn:aws:license-manager::123456789012:l" + strings.Repeat("x", 1023) // the longest the model allows
	tests := []struct {
		id         string
		wantOK     bool
		wantSource string
		match      string
		noMatch    string
	}{
		{ns + "ProductCode", true, "^[-a-zA-Z0-9/=:_.@]*$", "demo-saas", "demo saas"},
		{ns + "CustomerAWSAccountId", true, "^[0-9]+$", "444455556666", "4444-5555"},
		{ns + "LicenseArn", true, "", longArn, longArn + "x"},
		{ns + "UsageQuantity", false, "", "", ""}, // an integer: no pattern
		{ns + "NoSuchShape", false, "", "", ""},
	}
	for _, tt := range tests {
		re, source, ok := ShapePattern(tt.id)
		if ok != tt.wantOK {
			t.Fatalf("%s: ok = %v", tt.id, ok)
		}
		if !ok {
			continue
		}
		if tt.wantSource != "" && source != tt.wantSource {
			t.Errorf("%s: source %q, want %q", tt.id, source, tt.wantSource)
		}
		if !re.MatchString(tt.match) || re.MatchString(tt.noMatch) {
			t.Errorf("%s: matches %q: %v, %q: %v", tt.id, tt.match, re.MatchString(tt.match), tt.noMatch, re.MatchString(tt.noMatch))
		}
	}
}
