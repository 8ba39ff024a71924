package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/meterd/meterd/node"
	"github.com/meterd/meterd/notify/notifytest"
	"github.com/meterd/meterd/server"
)

// snsMessage is the part of an SNS message a seller's handler reads.
type snsMessage struct {
	Type           string
	TopicArn       string
	Message        string
	SubscribeURL   string
	SigningCertURL string
}

// snsAction is the action of a marketplace message's Message JSON.
func snsAction(t *testing.T, m snsMessage) string {
	t.Helper()
	var body struct {
		Action   string `json:"action"`
		Customer string `json:"customer-identifier"`
	}
	if err := json.Unmarshal([]byte(m.Message), &body); err != nil {
		t.Fatalf("Message is not the marketplace JSON: %v: %q", err, m.Message)
	}
	return body.Action
}

// verifySNS checks body as a seller does: fetch the certificate at its
// SigningCertURL and verify the signature with the standard algorithm.
func verifySNS(ctx context.Context, body []byte) (snsMessage, error) {
	var m snsMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return m, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.SigningCertURL, nil)
	if err != nil {
		return m, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return m, err
	}
	defer resp.Body.Close()
	certPEM, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return m, fmt.Errorf("GET %s: %d, %v", m.SigningCertURL, resp.StatusCode, err)
	}
	return m, notifytest.VerifySNS(body, certPEM)
}

// snsEndpoint is a seller's SNS HTTP handler: it verifies every message,
// confirms subscriptions by visiting the SubscribeURL and keeps the
// notifications.
type snsEndpoint struct {
	mu            sync.Mutex
	confirmations int
	notifications []snsMessage
	errs          []error
}

func (e *snsEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	m, err := verifySNS(r.Context(), body)
	if err == nil && m.Type == "SubscriptionConfirmation" {
		var resp *http.Response
		if resp, err = http.Get(m.SubscribeURL); err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("GET SubscribeURL: %s", resp.Status)
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case err != nil:
		e.errs = append(e.errs, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
	case m.Type == "SubscriptionConfirmation":
		e.confirmations++
	default:
		e.notifications = append(e.notifications, m)
	}
}

// waitActions polls until the endpoint has n notifications and returns
// their actions; a signature or confirmation error fails the test.
func (e *snsEndpoint) waitActions(t *testing.T, n int) []string {
	t.Helper()
	var actions []string
	poll(t, fmt.Sprintf("%d SNS notifications at the seller's endpoint", n), func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		if len(e.errs) > 0 {
			t.Fatalf("the seller's SNS handler failed: %v", e.errs)
		}
		actions = actions[:0]
		for _, m := range e.notifications {
			actions = append(actions, snsAction(t, m))
		}
		return len(actions) >= n
	})
	return actions
}

// poll calls done until it is true, within a bound that is no
// measurement: a lost notification would otherwise hang the test.
func poll(t *testing.T, what string, done func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for !done() {
		select {
		case <-ctx.Done():
			t.Fatalf("never got %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// queueActions reads messages off queue (deleting them) until it has n,
// verifies each body as an SNS envelope and returns their actions.
func queueActions(t *testing.T, client *sqs.Client, queue string, n int) []string {
	t.Helper()
	var actions []string
	poll(t, fmt.Sprintf("%d SNS messages on the queue", n), func() bool {
		out, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(queue), WaitTimeSeconds: 1, MaxNumberOfMessages: 10})
		must(t, err)
		for _, msg := range out.Messages {
			m, err := verifySNS(t.Context(), []byte(aws.ToString(msg.Body)))
			if err != nil {
				t.Fatalf("queue message: %v: %s", err, aws.ToString(msg.Body))
			}
			actions = append(actions, snsAction(t, m))
			_, err = client.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: aws.String(queue), ReceiptHandle: msg.ReceiptHandle})
			must(t, err)
		}
		return len(actions) >= n
	})
	return actions
}

// TestNotificationsEndToEnd: a seller's app is a product's fulfillment URL
// and its sns-http endpoint, and the product also sends to an SQS queue of
// a real moto_server. The app resolves the token, confirms the SNS
// subscription, verifies every message's signature with the certificate
// fetched from SigningCertURL, meters, and is cut off after unsubscribing;
// the queue gets the same messages, read back with the SQS client.
func TestNotificationsEndToEnd(t *testing.T) {
	ctx := t.Context()
	moto := notifytest.StartMoto(t)
	sqsClient := sqs.NewFromConfig(notifytest.AWSConfig(), func(o *sqs.Options) { o.BaseEndpoint = aws.String(moto) })
	q, err := sqsClient.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("marketplace-events")})
	must(t, err)
	queue := aws.ToString(q.QueueUrl)

	s := startServer(t, "", func(c *node.Config) {
		c.UnsubscribeDelay = time.Hour
		c.NotifyRetry = 10 * time.Millisecond // the retry after confirming
	})
	admin := s.Admin()
	app := &sellerApp{t: t, client: s.metering(sellerKey, testRegion)}
	sns := &snsEndpoint{}
	mux := http.NewServeMux()
	mux.Handle("/register", app)
	mux.Handle("/sns", sns)
	site := httptest.NewServer(mux)
	t.Cleanup(site.Close)

	_, err = admin.CreateProduct(ctx, server.ProductJSON{Code: "journey-saas", SellerAccountID: "111122223333", Type: "SaaS",
		Dimensions: []server.DimensionJSON{{Name: "users"}}, FulfillmentURL: site.URL + "/register",
		NotificationTargets: []server.TargetJSON{{Kind: "sns-http", Endpoint: site.URL + "/sns"}, {Kind: "sns-sqs", Endpoint: queue}}})
	must(t, err)
	_, err = admin.CreateCustomer(ctx, server.CustomerJSON{Identifier: "journey-buyer", AWSAccountID: "444455556666"})
	must(t, err)

	sub, err := admin.Subscribe(ctx, server.SubscribeInput{ProductCode: "journey-saas", CustomerIdentifier: "journey-buyer", OfferType: "public"})
	must(t, err)
	app.mu.Lock()
	resolved, resolveErr := app.customer, app.err
	app.mu.Unlock()
	if sub.Registration == nil || sub.Registration.StatusCode != http.StatusOK || resolveErr != nil ||
		aws.ToString(resolved.CustomerIdentifier) != "journey-buyer" {
		t.Fatalf("registration %+v: the landing page resolved %+v, %v", sub.Registration, resolved, resolveErr)
	}
	if got := sns.waitActions(t, 1); !slices.Equal(got, []string{"subscribe-success"}) {
		t.Fatalf("SNS endpoint got %v, want subscribe-success", got)
	}
	if got := queueActions(t, sqsClient, queue, 1); !slices.Equal(got, []string{"subscribe-success"}) {
		t.Fatalf("queue got %v, want subscribe-success", got)
	}
	wantMeter(t, app, admin, types.UsageRecordResultStatusSuccess, "after subscribe-success")

	_, err = admin.Unsubscribe(ctx, sub.Subscription.LicenseArn)
	must(t, err)
	if got := sns.waitActions(t, 2); got[1] != "unsubscribe-pending" {
		t.Fatalf("SNS endpoint got %v, want unsubscribe-pending second", got)
	}
	wantMeter(t, app, admin, types.UsageRecordResultStatusSuccess, "while unsubscribe-pending")

	_, err = admin.AdvanceClock(ctx, time.Hour)
	must(t, err)
	waitStatus(t, admin, "journey-saas", "journey-buyer", "unsubscribed")
	want := []string{"subscribe-success", "unsubscribe-pending", "unsubscribe-success"}
	if got := sns.waitActions(t, 3); !slices.Equal(got, want) {
		t.Fatalf("SNS endpoint got %v, want %v", got, want)
	}
	if got := queueActions(t, sqsClient, queue, 2); !slices.Equal(got, want[1:]) {
		t.Fatalf("queue got %v, want %v", got, want[1:])
	}
	wantMeter(t, app, admin, types.UsageRecordResultStatusCustomerNotSubscribed, "after unsubscribe-success")

	sns.mu.Lock()
	confirmations := sns.confirmations
	sns.mu.Unlock()
	if confirmations != 1 {
		t.Errorf("the endpoint confirmed %d subscriptions, want 1 (one topic)", confirmations)
	}
	// The attempt log: the first sns-http delivery waited for the
	// confirmation; everything else went through at the first attempt.
	list, err := admin.Notifications(ctx, server.NotificationsQuery{ProductCode: "journey-saas"})
	must(t, err)
	if len(list.Deliveries) != 6 {
		t.Fatalf("%d deliveries listed, want 6 (3 events × 2 targets)", len(list.Deliveries))
	}
	for _, d := range list.Deliveries {
		if len(d.AttemptLog) == 0 {
			t.Fatalf("delivery %s to %s has no attempts: %+v", d.Action, d.Kind, d)
		}
		last := d.AttemptLog[len(d.AttemptLog)-1]
		first := d.Kind == "sns-http" && d.Action == "subscribe-success"
		if d.Status != "delivered" || last.StatusCode != http.StatusOK || (first && !strings.Contains(d.AttemptLog[0].Error, "pending confirmation")) ||
			(!first && len(d.AttemptLog) != 1) {
			t.Errorf("delivery %s to %s: %+v", d.Action, d.Kind, d)
		}
	}
}

// flakyEndpoint answers 500 until healed, then 200, and keeps the bodies
// it got.
type flakyEndpoint struct {
	mu     sync.Mutex
	healed bool
	bodies []string
}

func (e *flakyEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.bodies = append(e.bodies, string(body))
	if !e.healed {
		w.WriteHeader(http.StatusInternalServerError)
	}
}

// TestDeliveryRetriesAcrossRestart: a notification whose endpoint answers
// 500 stays in the outbox when meterd stops, and the meterd started again
// on the same data directory retries it until the endpoint answers 200;
// the attempt log keeps the attempts of both runs.
func TestDeliveryRetriesAcrossRestart(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	ep := &flakyEndpoint{}
	site := httptest.NewServer(ep)
	t.Cleanup(site.Close)
	config := func(c *node.Config) {
		c.DataDir = dir
		c.NotifyRetry = 10 * time.Millisecond
	}
	delivery := func(admin *server.AdminClient) server.DeliveryOutput {
		list, err := admin.Notifications(ctx, server.NotificationsQuery{ProductCode: "retry-saas"})
		must(t, err)
		if len(list.Deliveries) != 1 {
			t.Fatalf("%d deliveries, want 1", len(list.Deliveries))
		}
		return list.Deliveries[0]
	}

	first := startServer(t, "", config)
	admin := first.Admin()
	_, err := admin.CreateProduct(ctx, server.ProductJSON{Code: "retry-saas", SellerAccountID: "111122223333", Type: "SaaS",
		NotificationTargets: []server.TargetJSON{{Kind: "eventbridge-http", Endpoint: site.URL}}})
	must(t, err)
	_, err = admin.CreateCustomer(ctx, server.CustomerJSON{Identifier: "retry-buyer", AWSAccountID: "444455556666"})
	must(t, err)
	_, err = admin.Subscribe(ctx, server.SubscribeInput{ProductCode: "retry-saas", CustomerIdentifier: "retry-buyer", NoPost: true})
	must(t, err)
	poll(t, "a failed attempt", func() bool { return delivery(admin).Attempts >= 1 })
	must(t, first.Close())

	ep.mu.Lock()
	ep.healed = true
	failedRequests := len(ep.bodies)
	ep.mu.Unlock()
	second := startServer(t, "", config)
	var d server.DeliveryOutput
	poll(t, "the delivery after the restart", func() bool { d = delivery(second.Admin()); return d.Status == "delivered" })
	// The endpoint answered 500 throughout the first run and 200 from the
	// start of the second: the log is every 500 of the first, then one 200.
	var statuses []int
	for _, a := range d.AttemptLog {
		statuses = append(statuses, a.StatusCode)
	}
	failed := len(statuses) - 1
	want := append(slices.Repeat([]int{http.StatusInternalServerError}, failed), http.StatusOK)
	if failed < 1 || !slices.Equal(statuses, want) {
		t.Errorf("attempt statuses %v, want the first run's 500s (at least one), then 200", statuses)
	}
	ep.mu.Lock()
	defer ep.mu.Unlock()
	// The first request of the second run is the event refused in the
	// first (an eventbridge-http delivery may post more than one event).
	if len(ep.bodies) <= failedRequests || ep.bodies[failedRequests] != ep.bodies[0] {
		t.Errorf("after the restart the endpoint got %q, want the refused event %s first", ep.bodies[failedRequests:], ep.bodies[0])
	}
}
