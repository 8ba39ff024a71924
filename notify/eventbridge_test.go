package notify

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/meterd/meterd"
)

// TestEvents pins the mapping from lifecycle actions to EventBridge events
// (docs/differences.md) and the fields each carries.
func TestEvents(t *testing.T) {
	tests := []struct {
		name   string
		action meterd.LifecycleAction
		types  []string
		// agreement is the first event's agreement object.
		agreement string
	}{
		{"OK subscribe-success creates the agreement and the license", meterd.ActionSubscribeSuccess,
			[]string{DetailAgreementCreated, DetailLicenseUpdated},
			`{"id":"agmt-%s","intent":"NEW","status":"ACTIVE","acceptanceTime":"2026-03-01T12:00:00Z","startTime":"2026-03-01T12:00:00Z"}`},
		{"OK entitlement-updated amends both", meterd.ActionEntitlementUpdated,
			[]string{DetailAgreementAmended, DetailLicenseUpdated},
			`{"id":"agmt-%s","intent":"AMEND","status":"ACTIVE","startTime":"2026-03-01T12:00:00Z"}`},
		{"OK unsubscribe-pending ends the agreement and deprovisions", meterd.ActionUnsubscribePending,
			[]string{DetailAgreementEnded, DetailLicenseDeprovisioned},
			`{"id":"agmt-%s","status":"CANCELLED"}`},
		{"OK subscribe-fail sends nothing", meterd.ActionSubscribeFail, nil, ""},
		{"OK unsubscribe-success sends nothing", meterd.ActionUnsubscribeSuccess, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := event("0b5c3c1e-1111-4222-8333-444455556666", "cust1", tt.action)
			e.LicenseArn = "arn:aws:license-manager::111122223333:license:l-1"
			events := Events(e, "444455556666")
			var types []string
			for _, ev := range events {
				types = append(types, ev.DetailType)
				if ev.Version != "0" || ev.Source != "aws.agreement-marketplace" || ev.Account != "444455556666" || ev.Region != "us-east-1" ||
					ev.Time != "2026-03-01T12:00:00Z" || ev.Detail.Proposer.AccountID != "444455556666" || ev.Detail.Acceptor.AccountID != "111122223333" {
					t.Errorf("envelope %+v", ev)
				}
				if strings.HasPrefix(ev.DetailType, "License") && (ev.Detail.License == nil || ev.Detail.License.Arn != e.LicenseArn || ev.Detail.Product.Code != e.ProductCode) {
					t.Errorf("%s: license or product missing: %+v", ev.DetailType, ev.Detail)
				}
			}
			if strings.Join(types, ",") != strings.Join(tt.types, ",") {
				t.Fatalf("detail-types %v, want %v", types, tt.types)
			}
			if len(events) == 0 {
				return
			}
			if events[0].ID != e.ID || events[1].ID == e.ID || Events(e, "")[1].ID != events[1].ID {
				t.Errorf("ids %s %s: want the event's id first and a stable derived one next", events[0].ID, events[1].ID)
			}
			got, _ := json.Marshal(events[0].Detail.Agreement)
			want := strings.Replace(tt.agreement, "agmt-%s", AgreementID(e.ProductCode, e.CustomerIdentifier), 1)
			if string(got) != want {
				t.Errorf("agreement %s, want %s", got, want)
			}
		})
	}
}

// TestAgreementID: AWS's form, the same for a pair, distinct per pair.
func TestAgreementID(t *testing.T) {
	a, b := AgreementID("p", "c1"), AgreementID("p", "c2")
	if len(a) != len("agmt-")+25 || !strings.HasPrefix(a, "agmt-") || strings.ToLower(a) != a {
		t.Errorf("AgreementID = %q, want agmt- and 25 lower-case characters", a)
	}
	if a == b || a != AgreementID("p", "c1") {
		t.Errorf("ids %s %s: want stable and distinct", a, b)
	}
}
