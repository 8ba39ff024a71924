package audit_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
)

// TestParams: one row per rule of CloudTrail's parameter shape.
func TestParams(t *testing.T) {
	hour := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"OK nil is null", nil, ""},
		{"OK lowerCamel members, empty ones left out", &meterd.MeterUsageRequest{ProductCode: "p", Timestamp: hour, UsageDimension: "d", UsageQuantity: 2},
			`{"productCode":"p","timestamp":"2026-03-01T12:00:00Z","usageDimension":"d","usageQuantity":2,"dryRun":false}`},
		{"OK initialisms after the first letter stay", &meterd.ResolveCustomerResult{CustomerAWSAccountId: "1"}, `{"customerAWSAccountId":"1"}`},
		{"OK registration token hidden", &meterd.ResolveCustomerRequest{RegistrationToken: "secret"}, `{"registrationToken":"HIDDEN_DUE_TO_SECURITY_REASONS"}`},
		{"OK signature hidden", &meterd.RegisterUsageResult{Signature: "jwt"}, `{"signature":"HIDDEN_DUE_TO_SECURITY_REASONS"}`},
		{"OK filter names are values, not members", &meterd.GetEntitlementsRequest{ProductCode: "p", Filter: map[string][]string{"CUSTOMER_IDENTIFIER": {"c"}}},
			`{"productCode":"p","filter":{"CUSTOMER_IDENTIFIER":["c"]},"maxResults":0}`},
		{"OK escapes kept", &meterd.ResolveCustomerResult{ProductCode: `a"b\c,}]`}, `{"productCode":"a\"b\\c,}]"}`},
		{"OK records in a batch, an empty one dropped", &meterd.BatchMeterUsageRequest{ProductCode: "p", UsageRecords: []meterd.UsageRecord{
			{Dimension: "d", Timestamp: hour}, {Dimension: "e", Timestamp: hour, UsageAllocations: []meterd.UsageAllocation{}}}},
			`{"usageRecords":[{"timestamp":"2026-03-01T12:00:00Z","dimension":"d"},{"timestamp":"2026-03-01T12:00:00Z","dimension":"e"}],"productCode":"p"}`},
		{"OK admin secrets hidden", map[string]any{"Id": "AKIA1", "secretAccessKey": "s", "token": "t"},
			`{"id":"AKIA1","secretAccessKey":"HIDDEN_DUE_TO_SECURITY_REASONS","token":"HIDDEN_DUE_TO_SECURITY_REASONS"}`},
		{"OK nothing left is null", &meterd.ResolveCustomerResult{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(audit.Params(tt.in)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestIdentity: one row per kind of caller.
func TestIdentity(t *testing.T) {
	tests := []struct {
		name   string
		caller meterd.Caller
		known  bool
		want   meterd.AuditIdentity
	}{
		{"OK long-term key is an IAM user", meterd.Caller{AccessKeyID: "AKIAX", AccountID: "111122223333", Region: "us-east-1"}, true,
			meterd.AuditIdentity{Type: "IAMUser", ARN: "arn:aws:iam::111122223333:user/meterd-AKIAX",
				AccountID: "111122223333", AccessKeyID: "AKIAX", UserName: "meterd-AKIAX"}},
		{"OK temporary key is an assumed role", meterd.Caller{AccessKeyID: "ASIAX", AccountID: "111122223333", Region: "us-east-1"}, true,
			meterd.AuditIdentity{Type: "AssumedRole", ARN: "arn:aws:sts::111122223333:assumed-role/meterd/meterd-ASIAX",
				AccountID: "111122223333", AccessKeyID: "ASIAX"}},
		{"OK China partition", meterd.Caller{AccessKeyID: "AKIAX", AccountID: "1", Region: "cn-north-1"}, true,
			meterd.AuditIdentity{Type: "IAMUser", ARN: "arn:aws-cn:iam::1:user/meterd-AKIAX", AccountID: "1", AccessKeyID: "AKIAX", UserName: "meterd-AKIAX"}},
		{"OK failed signature: only the claimed key", meterd.Caller{AccessKeyID: "AKIAX", AccountID: "1"}, false,
			meterd.AuditIdentity{Type: "Unknown", AccessKeyID: "AKIAX"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := audit.Identity(tt.caller, tt.known)
			if tt.known && len(got.PrincipalID) < 20 {
				t.Errorf("principalId %q: want an IAM-style unique id", got.PrincipalID)
			}
			got.PrincipalID = "" // derived; checked above
			tt.want.PrincipalID = ""
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// FuzzParams: whatever JSON a value encodes to, Params answers valid JSON
// or null.
func FuzzParams(f *testing.F) {
	f.Add(`{"ProductCode":"p","UsageRecords":[{"Dimension":"d","Quantity":null}],"RegistrationToken":"x"}`)
	f.Add(`[{},[],"",{"A":{"B":""}},"a\"b\\"]`)
	f.Fuzz(func(t *testing.T, doc string) {
		var v any
		if json.Unmarshal([]byte(doc), &v) != nil {
			return
		}
		if out := audit.Params(v); out != nil && !json.Valid(out) {
			t.Fatalf("Params(%s) = %s: not JSON", doc, out)
		}
	})
}
