package awsproto

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/meterd/meterd"
)

// Model patterns quoted in messages.
const (
	productCodePattern = `^[-a-zA-Z0-9/=:_.@]*$`
	tagPattern         = `^[a-zA-Z0-9+ -=._:\/@]+$`
	nonEmptyPattern    = `^[\s\S]+$`
	digitsPattern      = `^[0-9]+$`
	licenseArnPattern  = `^arn:aws[a-zA-Z-]*:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,1023}$`
	noSpacePattern     = `^\S+$`
	filterNames        = `[CUSTOMER_IDENTIFIER, DIMENSION, CUSTOMER_AWS_ACCOUNT_ID, LICENSE_ARN]`
)

// Default members of a valid request per operation, as raw JSON.
var defaults = map[string]map[string]string{
	"MeterUsage":      {"ProductCode": `"prod-1"`, "Timestamp": `1700000000`, "UsageDimension": `"dim"`},
	"BatchMeterUsage": {"UsageRecords": `[]`},
	"RegisterUsage":   {"ProductCode": `"prod-1"`, "PublicKeyVersion": `1`},
	"ResolveCustomer": {"RegistrationToken": `"tok"`},
	"GetEntitlements": {"ProductCode": `"prod-1"`},
	"Record":          {"Timestamp": `1700000000`, "Dimension": `"dim"`},
	"Allocation":      {"AllocatedUsageQuantity": `1`},
	"Tag":             {"Key": `"k"`, "Value": `"v"`},
}

// obj writes a JSON object: the defaults of kind with members set to raw
// JSON values; the value "-" removes a member.
func obj(kind string, set ...string) string {
	members := map[string]string{}
	for k, v := range defaults[kind] {
		members[k] = v
	}
	for i := 0; i+1 < len(set); i += 2 {
		members[set[i]] = set[i+1]
	}
	keys := make([]string, 0, len(members))
	for k, v := range members {
		if v != "-" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = `"` + k + `":` + members[k]
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// list writes a JSON array of n copies of elem.
func list(n int, elem string) string {
	return "[" + strings.TrimSuffix(strings.Repeat(elem+",", n), ",") + "]"
}

// js quotes a Go value as JSON.
func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// violation is one "Value ... at ..." entry; value "null" is printed bare.
func violation(value, path, constraint string) string {
	if value != "null" {
		value = "'" + value + "'"
	}
	return "Value " + value + " at '" + path + "' failed to satisfy constraint: " + constraint
}

// detected joins violations into an AWS validation message.
func detected(entries ...string) string {
	if len(entries) == 1 {
		return "1 validation error detected: " + entries[0]
	}
	return strconv.Itoa(len(entries)) + " validation errors detected: " + strings.Join(entries, "; ")
}

func mustOp(t testing.TB, name string) *Operation {
	t.Helper()
	for _, op := range Operations() {
		if op.Name == name {
			return op
		}
	}
	t.Fatalf("no operation %s", name)
	return nil
}

// assertError checks err is a *meterd.Error with code and message. A "<cut>"
// in msg matches any text, for messages quoting long values.
func assertError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var e *meterd.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *meterd.Error %s", err, err, code)
	}
	if e.Code != code {
		t.Errorf("code = %s, want %s (message %q)", e.Code, code, e.Message)
	}
	if !matchMessage(e.Message, msg) {
		t.Errorf("message =\n%s\nwant\n%s", e.Message, msg)
	}
}

func matchMessage(got, want string) bool {
	prefix, suffix, cut := strings.Cut(want, "<cut>")
	if !cut {
		return got == want
	}
	return len(got) >= len(prefix)+len(suffix) && strings.HasPrefix(got, prefix) && strings.HasSuffix(got, suffix)
}

// assertDecoded checks a successful decode bound want.
func assertDecoded(t *testing.T, err error, got, want any) {
	t.Helper()
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n%#v\nwant\n%#v", got, want)
	}
}
