package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/node"
	"github.com/meterd/meterd/notify/notifytest"
	"github.com/meterd/meterd/server"
)

// saasSubscriber is an item of the sample's NewSubscribers table.
type saasSubscriber struct {
	CustomerIdentifier     string `json:"customerIdentifier"`
	ProductCode            string `json:"productCode"`
	CustomerAWSAccountID   string `json:"customerAWSAccountID"`
	Entitlement            string `json:"entitlement"`
	SuccessfullySubscribed bool   `json:"successfully_subscribed"`
	SubscriptionExpired    bool   `json:"subscription_expired"`
	SubscriptionAction     string `json:"subscription_action"`
}

// saasMetered is an item of its MeteringRecords table after the metering
// handler ran.
type saasMetered struct {
	Customer string          `json:"customer"`
	Pending  bool            `json:"pending"`
	Failed   bool            `json:"failed"`
	Response json.RawMessage `json:"response"`
}

// saasSample runs the phases of testdata/saas-sample/run.js.
type saasSample struct {
	t                 *testing.T
	src, meterd, moto string
	env               []string
}

func (p *saasSample) run(phase string, out any, args ...string) {
	p.t.Helper()
	outFile := filepath.Join(p.t.TempDir(), phase+".json")
	cmd := exec.Command("node", append([]string{filepath.Join("testdata", "saas-sample", "run.js"),
		phase, p.src, p.meterd, p.moto, outFile}, args...)...)
	cmd.Env = p.env
	logs, err := cmd.CombinedOutput()
	if err == nil {
		var data []byte
		if data, err = os.ReadFile(outFile); err == nil {
			err = json.Unmarshal(data, out)
		}
	}
	if err != nil {
		p.t.Fatalf("sample, %s: %v\n%s", phase, err, logs)
	}
}

// TestServerlessSaaSSample runs the Lambda handlers of AWS's serverless SaaS
// integration sample (aws-samples/aws-marketplace-serverless-saas-integration,
// src/, unmodified, AWS SDK for JavaScript v2) against meterd, with
// moto_server as its DynamoDB, SQS and SNS, through a buyer's life: they
// register with a token (ResolveCustomer), the entitlement handler reads
// their entitlements (GetEntitlements), the hourly job's usage is sent by
// the metering handler (BatchMeterUsage; also for a customer not subscribed
// and one that does not exist), meterd's subscription notifications reach
// the subscription handler through an SQS queue, and after the unsubscribe
// completes the metering handler's records are refused. It needs the
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
	ctx := t.Context()
	sdk := filepath.Join("testdata", "jsv2")
	requireNodeModule(t, sdk, "aws-sdk")
	nodePath, err := filepath.Abs(filepath.Join(sdk, "node_modules"))
	must(t, err)
	moto := notifytest.StartMoto(t)
	s := startServer(t, "", func(c *node.Config) { c.UnsubscribeDelay = time.Hour })
	admin := s.Admin()
	// The sample's Marketplace calls are the seller's: its Lambda role.
	sample := &saasSample{t: t, src: src, meterd: s.URL, moto: moto, env: append(isolatedAWSEnv("test", "test"),
		"NODE_PATH="+nodePath, "AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE=1")}

	var queues struct {
		SubscriptionQueueURL string `json:"SubscriptionQueueUrl"`
	}
	sample.run("setup", &queues)
	// As the seller's listing does: the product's SNS topic feeds the sample's queue.
	targets := []server.TargetJSON{{Kind: "sns-sqs", Endpoint: queues.SubscriptionQueueURL}}
	_, err = admin.UpdateProduct(ctx, "demo-saas", server.UpdateProductInput{NotificationTargets: &targets})
	must(t, err)
	_, err = admin.CreateCustomer(ctx, server.CustomerJSON{Identifier: "idle-customer", AWSAccountID: "777788889999"})
	must(t, err)

	var reg struct {
		Register, RegisterBogus, EntitlementMessages int
		Subscribers                                  []saasSubscriber
	}
	sample.run("register", &reg, s.mintToken(t, "demo-saas", "demo-customer", time.Hour))
	if reg.Register != 200 || reg.RegisterBogus != 400 {
		t.Errorf("registration answered %d, with a made-up token %d; want 200, 400", reg.Register, reg.RegisterBogus)
	}
	if len(reg.Subscribers) != 1 {
		t.Fatalf("subscribers stored by the sample: %+v, want demo-customer", reg.Subscribers)
	}
	sub := reg.Subscribers[0]
	var ent struct{ Entitlements []meterd.Entitlement }
	entErr := json.Unmarshal([]byte(sub.Entitlement), &ent)
	if sub.CustomerIdentifier != "demo-customer" || sub.ProductCode != "demo-saas" || sub.CustomerAWSAccountID != "444455556666" ||
		entErr != nil || reg.EntitlementMessages != 1 || len(ent.Entitlements) != 1 || ent.Entitlements[0].Dimension != "users" ||
		!sub.SuccessfullySubscribed || sub.SubscriptionExpired {
		t.Errorf("after registration and %d entitlement messages the sample stored %+v (%v); want demo-customer of "+
			"demo-saas, 444455556666, entitlement users, subscribed, not expired", reg.EntitlementMessages, sub, entErr)
	}

	// What the sample stored as each item's metering response: every
	// record's status, or the error of the call.
	wantMetered(t, "subscribed", sample, map[string]string{"demo-customer": "Success Success",
		"idle-customer": "CustomerNotSubscribed CustomerNotSubscribed", "no-such-customer": "InvalidCustomerIdentifierException"})
	wantLedger(t, s, map[string]int64{"users": 3, "api_calls": 150})

	// The buyer subscribes idle-customer and unsubscribes demo-customer;
	// meterd notifies the topic, and the handler records both.
	_, err = admin.Subscribe(ctx, server.SubscribeInput{ProductCode: "demo-saas", CustomerIdentifier: "idle-customer", OfferType: "public"})
	must(t, err)
	licenses, err := admin.ListSubscriptions(ctx, "demo-saas", "demo-customer")
	must(t, err)
	if len(licenses) != 1 {
		t.Fatalf("demo-customer's demo-saas subscriptions: %+v", licenses)
	}
	_, err = admin.Unsubscribe(ctx, licenses[0].LicenseArn)
	must(t, err)
	wantSubscriptionActions(t, sample, []string{"idle-customer subscribe-success", "demo-customer unsubscribe-pending"},
		map[string]string{"demo-customer": "unsubscribe-pending subscribed=false expired=false",
			"idle-customer": "subscribe-success subscribed=true expired=false"})

	// An hour later the unsubscribe completes: the handler marks the
	// subscription expired, and the job's next usage is refused.
	_, err = admin.AdvanceClock(ctx, time.Hour)
	must(t, err)
	wantSubscriptionActions(t, sample, []string{"demo-customer unsubscribe-success"},
		map[string]string{"demo-customer": "unsubscribe-success subscribed=false expired=true"})
	wantMetered(t, "unsubscribed", sample, map[string]string{"demo-customer": "CustomerNotSubscribed CustomerNotSubscribed"})
	wantLedger(t, s, map[string]int64{"users": 3, "api_calls": 150})
}

// wantMetered runs the metering phase for the customers of want and checks
// each item's outcome.
func wantMetered(t *testing.T, name string, sample *saasSample, want map[string]string) {
	t.Helper()
	var customers []string
	for c := range want {
		customers = append(customers, c)
	}
	var got struct {
		MeteringMessages int
		Metered          []saasMetered
	}
	sample.run("meter", &got, customers...)
	if got.MeteringMessages != len(want) || len(got.Metered) != 2*len(want) {
		t.Fatalf("%s: %d queued messages, %d items; want %d (one per customer), %d",
			name, got.MeteringMessages, len(got.Metered), len(want), 2*len(want))
	}
	for _, m := range got.Metered {
		outcome := sampleMeteringOutcome(m.Response)
		if m.Pending || m.Failed != (want[m.Customer] != "Success Success") || outcome != want[m.Customer] {
			t.Errorf("%s, %s: pending %v, failed %v, outcome %q (response %s); want %q",
				name, m.Customer, m.Pending, m.Failed, outcome, m.Response, want[m.Customer])
		}
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

// wantSubscriptionActions runs the subscription phase until the actions
// arrived and checks what the handler stored for the customers of want.
func wantSubscriptionActions(t *testing.T, sample *saasSample, actions []string, want map[string]string) {
	t.Helper()
	var got struct {
		Actions     []string
		Subscribers []saasSubscriber
	}
	sample.run("subscription", &got, strconv.Itoa(len(actions)))
	// meterd keeps each customer's notifications in order, not the order
	// between customers.
	slices.Sort(got.Actions)
	slices.Sort(actions)
	if !slices.Equal(got.Actions, actions) {
		t.Errorf("subscription queue: %q, want %q", got.Actions, actions)
	}
	for _, sub := range got.Subscribers {
		w, ok := want[sub.CustomerIdentifier]
		if !ok {
			continue
		}
		if g := sub.SubscriptionAction + " subscribed=" + strconv.FormatBool(sub.SuccessfullySubscribed) +
			" expired=" + strconv.FormatBool(sub.SubscriptionExpired); g != w {
			t.Errorf("%s after the subscription handler: %s, want %s", sub.CustomerIdentifier, g, w)
		}
		delete(want, sub.CustomerIdentifier)
	}
	if len(want) > 0 {
		t.Errorf("subscribers the handler did not store: %v", want)
	}
}

// wantLedger checks demo-customer's demo-saas records: the sums per
// dimension, one record each.
func wantLedger(t *testing.T, s *testServer, want map[string]int64) {
	t.Helper()
	page, err := s.Admin().ListUsage(t.Context(), meterd.UsageQuery{ProductCode: "demo-saas", Customer: "demo-customer"})
	must(t, err)
	got := map[string]int64{}
	for _, r := range page.Records {
		got[r.Dimension] += r.Quantity
	}
	if len(page.Records) != len(want) || len(got) != len(want) {
		t.Fatalf("ledger: %d records, %v; want %v", len(page.Records), got, want)
	}
	for d, q := range want {
		if got[d] != q {
			t.Errorf("ledger: %s = %d, want %d", d, got[d], q)
		}
	}
}
