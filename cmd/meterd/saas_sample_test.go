package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/notify/notifytest"
	"github.com/meterd/meterd/server"
)

// saasSampleRun is what testdata/saas-sample/run.js prints.
type saasSampleRun struct {
	Register      int `json:"register"`
	RegisterBogus int `json:"registerBogus"`
	Subscribers   []struct {
		CustomerIdentifier   string `json:"customerIdentifier"`
		ProductCode          string `json:"productCode"`
		CustomerAWSAccountID string `json:"customerAWSAccountID"`
	} `json:"subscribers"`
	EntitlementMessages int `json:"entitlementMessages"`
	Subscriber          struct {
		Entitlement           string `json:"entitlement"`
		SuccessfullySubscribe bool   `json:"successfully_subscribed"`
		SubscriptionExpired   bool   `json:"subscription_expired"`
	} `json:"subscriber"`
	MeteringMessages int `json:"meteringMessages"`
	Metered          []struct {
		Customer string          `json:"customer"`
		Pending  bool            `json:"pending"`
		Failed   bool            `json:"failed"`
		Response json.RawMessage `json:"response"`
	} `json:"metered"`
}

// TestServerlessSaaSSample runs the Lambda handlers of AWS's serverless SaaS
// integration sample (aws-samples/aws-marketplace-serverless-saas-integration,
// src/, unmodified, AWS SDK for JavaScript v2) against meterd, with
// moto_server as its DynamoDB and SQS: a buyer registers with a token
// (ResolveCustomer), the entitlement handler reads their entitlements
// (GetEntitlements), and the hourly job's usage is sent by the metering
// handler (BatchMeterUsage) for them, for a customer not subscribed and for
// one that does not exist. It needs the
// sample's src directory in METERD_SAAS_SAMPLE, since its code is not part
// of meterd, and is skipped without it.
func TestServerlessSaaSSample(t *testing.T) {
	src := os.Getenv("METERD_SAAS_SAMPLE")
	if src == "" {
		t.Skip("METERD_SAAS_SAMPLE (the sample's src/ directory) not set")
	}
	if _, err := os.Stat(filepath.Join(src, "metering-sqs.js")); err != nil {
		t.Fatalf("METERD_SAAS_SAMPLE: %v", err)
	}
	sdk := filepath.Join("testdata", "jsv2")
	requireNodeModule(t, sdk, "aws-sdk")
	moto := notifytest.StartMoto(t)
	s := startServer(t, "")
	token := s.mintToken(t, "demo-saas", "demo-customer", time.Hour)
	_, err := s.Admin().CreateCustomer(t.Context(), server.CustomerJSON{Identifier: "idle-customer", AWSAccountID: "777788889999"})
	must(t, err)

	nodePath, err := filepath.Abs(filepath.Join(sdk, "node_modules"))
	must(t, err)
	outFile := filepath.Join(t.TempDir(), "run.json")
	cmd := exec.Command("node", filepath.Join("testdata", "saas-sample", "run.js"), src, s.URL, moto, token, outFile)
	// The sample's Marketplace calls are the seller's: its Lambda role.
	cmd.Env = append(isolatedAWSEnv("test", "test"), "NODE_PATH="+nodePath,
		"AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE=1")
	logs, err := cmd.CombinedOutput()
	var run saasSampleRun
	if err == nil {
		var out []byte
		if out, err = os.ReadFile(outFile); err == nil {
			err = json.Unmarshal(out, &run)
		}
	}
	if err != nil {
		t.Fatalf("sample: %v\n%s", err, logs)
	}

	if run.Register != 200 || run.RegisterBogus != 400 {
		t.Errorf("registration answered %d, with a made-up token %d; want 200, 400", run.Register, run.RegisterBogus)
	}
	if len(run.Subscribers) != 1 || run.Subscribers[0].CustomerIdentifier != "demo-customer" ||
		run.Subscribers[0].ProductCode != "demo-saas" || run.Subscribers[0].CustomerAWSAccountID != "444455556666" {
		t.Fatalf("subscribers stored by the sample: %+v, want demo-customer of demo-saas, 444455556666", run.Subscribers)
	}
	var ent struct{ Entitlements []meterd.Entitlement }
	if err := json.Unmarshal([]byte(run.Subscriber.Entitlement), &ent); err != nil || run.EntitlementMessages != 1 ||
		len(ent.Entitlements) != 1 || ent.Entitlements[0].Dimension != "users" ||
		!run.Subscriber.SuccessfullySubscribe || run.Subscriber.SubscriptionExpired {
		t.Errorf("entitlement handler (%d messages) stored %+v (%v), want users, subscribed, not expired",
			run.EntitlementMessages, run.Subscriber, err)
	}

	if run.MeteringMessages != 3 || len(run.Metered) != 4 {
		t.Fatalf("metering: %d queued messages, %d items; want 3 (one per customer), 4", run.MeteringMessages, len(run.Metered))
	}
	// What the sample stored as each item's metering response: every
	// record's status, or the error of the call.
	want := map[string]string{"demo-customer": "Success Success", "idle-customer": "CustomerNotSubscribed",
		"no-such-customer": "InvalidCustomerIdentifierException"}
	for _, m := range run.Metered {
		if got := sampleMeteringOutcome(m.Response); m.Pending || m.Failed != (want[m.Customer] != "Success Success") || got != want[m.Customer] {
			t.Errorf("%s: pending %v, failed %v, outcome %q (response %s); want %q", m.Customer, m.Pending, m.Failed, got, m.Response, want[m.Customer])
		}
	}

	// The ledger has the hourly job's sums: users 3, api_calls 100+50.
	page, err := s.Admin().ListUsage(t.Context(), meterd.UsageQuery{ProductCode: "demo-saas", Customer: "demo-customer"})
	must(t, err)
	got := map[string]int64{}
	for _, r := range page.Records {
		got[r.Dimension] += r.Quantity
	}
	if len(page.Records) != 2 || got["users"] != 3 || got["api_calls"] != 150 {
		t.Errorf("ledger: %d records, %v; want users 3, api_calls 150", len(page.Records), got)
	}
}

// sampleMeteringOutcome reads a metering response the sample stored: a
// BatchMeterUsage answer (its results' statuses) or, when the call failed,
// the JS SDK's error as a JSON string (its code).
func sampleMeteringOutcome(raw json.RawMessage) string {
	var errText string
	if json.Unmarshal(raw, &errText) == nil {
		var e struct{ Code string }
		if json.Unmarshal([]byte(errText), &e) != nil {
			return "unreadable error " + errText
		}
		return e.Code
	}
	var resp struct{ Results []struct{ Status string } }
	if err := json.Unmarshal(raw, &resp); err != nil {
		return "unreadable answer"
	}
	var statuses []string
	for _, r := range resp.Results {
		statuses = append(statuses, r.Status)
	}
	return strings.Join(statuses, " ")
}
