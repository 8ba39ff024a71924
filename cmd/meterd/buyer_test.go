package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	awsv1 "github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/service/marketplaceentitlementservice"

	"github.com/meterd/meterd/meterdtest"
	"github.com/meterd/meterd/node"
	"github.com/meterd/meterd/server"
)

// sellerApp is a small SaaS seller: its landing page resolves the
// registration token with ResolveCustomer (aws-sdk-go-v2) and remembers
// the customer, as AWS's samples do; meter sends usage for it.
type sellerApp struct {
	t      *testing.T
	client *marketplacemetering.Client

	mu       sync.Mutex
	customer *marketplacemetering.ResolveCustomerOutput
	err      error
}

func (a *sellerApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	out, err := a.client.ResolveCustomer(r.Context(), &marketplacemetering.ResolveCustomerInput{
		RegistrationToken: aws.String(r.PostFormValue("x-amzn-marketplace-token")),
	})
	a.mu.Lock()
	a.customer, a.err = out, err
	a.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Write([]byte("<html>Welcome!</html>"))
}

// meter sends one record at the business clock's now and returns the
// record's status, or the call's error.
func (a *sellerApp) meter(ctx context.Context, admin *server.AdminClient, product, customer string) (types.UsageRecordResultStatus, error) {
	clock, err := admin.Clock(ctx)
	if err != nil {
		return "", err
	}
	out, err := a.client.BatchMeterUsage(ctx, &marketplacemetering.BatchMeterUsageInput{
		ProductCode: aws.String(product),
		UsageRecords: []types.UsageRecord{{CustomerIdentifier: aws.String(customer), Dimension: aws.String("users"),
			Quantity: aws.Int32(1), Timestamp: aws.Time(clock.Now)}},
	})
	switch {
	case err != nil:
		return "", err
	case len(out.Results) == 1:
		return out.Results[0].Status, nil
	default:
		return "unprocessed", nil
	}
}

// TestBuyerJourney: a product made through the admin API, a buyer who
// subscribes (the token POSTed to the seller's landing page and resolved
// there), meters, gets an upgrade, unsubscribes, and is cut off an hour
// of business time later.
func TestBuyerJourney(t *testing.T) {
	ctx := t.Context()
	s := startServer(t, "", func(c *node.Config) { c.UnsubscribeDelay = time.Hour })
	admin := s.Admin()
	app := &sellerApp{t: t, client: s.metering(sellerKey, testRegion)}
	site := httptest.NewServer(app)
	t.Cleanup(site.Close)

	_, err := admin.CreateProduct(ctx, server.ProductJSON{Code: "journey-saas", SellerAccountID: "111122223333", Type: "SaaS",
		Dimensions: []server.DimensionJSON{{Name: "users"}}, FulfillmentURL: site.URL + "/register"})
	must(t, err)
	_, err = admin.CreateCustomer(ctx, server.CustomerJSON{Identifier: "journey-buyer", AWSAccountID: "444455556666"})
	must(t, err)

	// Before subscribe-success, no metering.
	if st, err := app.meter(ctx, admin, "journey-saas", "journey-buyer"); err != nil || st != types.UsageRecordResultStatusCustomerNotSubscribed {
		t.Fatalf("meter before subscribing = %q, %v; want CustomerNotSubscribed", st, err)
	}

	sub, err := admin.Subscribe(ctx, server.SubscribeInput{ProductCode: "journey-saas", CustomerIdentifier: "journey-buyer",
		OfferType: "private", OfferID: "offer-journey"})
	must(t, err)
	if sub.Event.Action != "subscribe-success" || sub.Registration == nil || sub.Registration.StatusCode != 200 {
		t.Fatalf("subscribe = %+v (registration %+v), want subscribe-success and the landing page's 200", sub, sub.Registration)
	}
	app.mu.Lock()
	resolved, resolveErr := app.customer, app.err
	app.mu.Unlock()
	if resolveErr != nil || aws.ToString(resolved.CustomerIdentifier) != "journey-buyer" ||
		aws.ToString(resolved.CustomerAWSAccountId) != "444455556666" || aws.ToString(resolved.ProductCode) != "journey-saas" {
		t.Fatalf("the landing page resolved %+v, %v; want journey-buyer of 444455556666", resolved, resolveErr)
	}
	wantMeter(t, app, admin, types.UsageRecordResultStatusSuccess, "after subscribe-success")

	// An upgrade shows in GetEntitlements at once.
	_, err = admin.SetEntitlements(ctx, sub.Subscription.LicenseArn, server.EntitlementsInput{
		Entitlements: []server.EntitlementJSON{{Dimension: "users", IntegerValue: aws.Int32(50)}}})
	must(t, err)
	ents, err := s.entitlement(t, sellerKey, testRegion).GetEntitlements(&marketplaceentitlementservice.GetEntitlementsInput{
		ProductCode: awsv1.String("journey-saas")})
	must(t, err)
	if len(ents.Entitlements) != 1 || awsv1.Int64Value(ents.Entitlements[0].Value.IntegerValue) != 50 {
		t.Fatalf("GetEntitlements after the upgrade = %v, want users = 50", ents.Entitlements)
	}

	// Unsubscribe: the final hour still meters; after it, nothing does.
	un, err := admin.Unsubscribe(ctx, sub.Subscription.LicenseArn)
	must(t, err)
	if un.Event.Action != "unsubscribe-pending" {
		t.Fatalf("unsubscribe event = %+v", un.Event)
	}
	wantMeter(t, app, admin, types.UsageRecordResultStatusSuccess, "while unsubscribe-pending")
	_, err = admin.AdvanceClock(ctx, time.Hour)
	must(t, err)
	wantMeter(t, app, admin, types.UsageRecordResultStatusCustomerNotSubscribed, "an hour after unsubscribing")
	waitStatus(t, admin, "journey-saas", "journey-buyer", "unsubscribed")
	wantMeter(t, app, admin, types.UsageRecordResultStatusCustomerNotSubscribed, "after unsubscribe-success")
}

func wantMeter(t *testing.T, app *sellerApp, admin *server.AdminClient, want types.UsageRecordResultStatus, when string) {
	t.Helper()
	st, err := app.meter(t.Context(), admin, "journey-saas", "journey-buyer")
	if err != nil || st != want {
		t.Fatalf("meter %s = %q, %v; want %s", when, st, err, want)
	}
}

// waitStatus polls until the customer's only subscription has status: the
// lifecycle task notices a moved clock at its next poll.
func waitStatus(t *testing.T, admin *server.AdminClient, product, customer, status string) {
	t.Helper()
	// A bound, not a measurement: a lost event would otherwise hang.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		subs, err := admin.ListSubscriptions(ctx, product, customer)
		must(t, err)
		if len(subs) == 1 && subs[0].Status == status {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("subscription never became %s: %+v", status, subs)
		case <-tick.C:
		}
	}
}

// TestAdminEntriesSurviveRestart: what the admin API made stays across a
// restart with the same seed, and a seed that declares an admin-made key
// keeps the admin-made entry and says so in the log.
func TestAdminEntriesSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	first := startServer(t, "", func(c *node.Config) { c.DataDir = dir })
	admin := first.Admin()
	_, err := admin.CreateProduct(ctx, server.ProductJSON{Code: "made-saas", SellerAccountID: "111122223333", Type: "SaaS",
		FulfillmentURL: "https://seller.example/register"})
	must(t, err)
	_, err = admin.CreateCustomer(ctx, server.CustomerJSON{Identifier: "made-buyer", AWSAccountID: "444455556666"})
	must(t, err)
	sub, err := admin.Subscribe(ctx, server.SubscribeInput{ProductCode: "made-saas", CustomerIdentifier: "made-buyer", NoPost: true})
	must(t, err)
	// A seed product changed through the API is admin-made from then on.
	_, err = admin.UpdateProduct(ctx, "demo-saas", server.UpdateProductInput{FulfillmentURL: aws.String("https://demo.example/")})
	must(t, err)
	must(t, first.Close())

	var log lockedBuffer
	second := meterdtest.Start(t, meterdtest.WithConfig(func(c *node.Config) { c.DataDir = dir }),
		meterdtest.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	p, err := second.Admin().ShowProduct(ctx, "made-saas")
	must(t, err)
	demo, err := second.Admin().ShowProduct(ctx, "demo-saas")
	must(t, err)
	if p.Origin != "admin" || demo.FulfillmentURL != "https://demo.example/" || demo.Origin != "admin" {
		t.Errorf("after restart: made-saas %+v, demo-saas %+v; want both admin-made as changed", p, demo)
	}
	subs, err := second.Admin().ListSubscriptions(ctx, "made-saas", "made-buyer")
	must(t, err)
	if len(subs) != 1 || subs[0].LicenseArn != sub.Subscription.LicenseArn || subs[0].Status != "active" {
		t.Errorf("subscriptions after restart = %+v", subs)
	}
	if !strings.Contains(log.String(), `entry="product \"demo-saas\""`) {
		t.Errorf("start-up log does not name the seed entry it kept out:\n%s", log.String())
	}
}

// TestDisabledAccessKey: a disabled key is refused as an unknown one is,
// and works again once enabled.
func TestDisabledAccessKey(t *testing.T) {
	s := startServer(t, "")
	call := func() rawResponse {
		return s.jsonCall(t, sellerKey, testRegion, entitlementTarget+"GetEntitlements", map[string]any{"ProductCode": "demo-saas"})
	}
	_, err := s.Admin().ChangeAccessKey(t.Context(), sellerKey.AccessKeyID, "disable")
	must(t, err)
	assertAWSError(t, call(), http.StatusBadRequest, "UnrecognizedClientException")
	_, err = s.Admin().ChangeAccessKey(t.Context(), sellerKey.AccessKeyID, "enable")
	must(t, err)
	if r := call(); r.Status != http.StatusOK {
		t.Fatalf("enabled key: %d %s", r.Status, r.Body)
	}
}

// TestUnsubscribedMeterUsage: MeterUsage (AMI) answers its modeled error,
// CustomerNotEntitledException, once the buyer's final hour is over, and
// a rotated key's old secret no longer signs.
func TestUnsubscribedMeterUsage(t *testing.T) {
	s := startServer(t, "")
	ctx := t.Context()
	meter := func() error {
		clock, err := s.Admin().Clock(ctx)
		must(t, err)
		_, err = s.metering(buyerKey, testRegion).MeterUsage(ctx, &marketplacemetering.MeterUsageInput{
			ProductCode: aws.String("demo-ami"), UsageDimension: aws.String("vcpu_hours"), UsageQuantity: aws.Int32(1),
			Timestamp: aws.Time(clock.Now)})
		return err
	}
	must(t, meter())
	_, err := s.Admin().Unsubscribe(ctx, "arn:aws:license-manager::444455556666:license:l-demoami00000000000000000000000")
	must(t, err)
	must(t, meter()) // the final hour
	_, err = s.Admin().AdvanceClock(ctx, time.Hour)
	must(t, err)
	var notEntitled *types.CustomerNotEntitledException
	if err := meter(); !errors.As(err, &notEntitled) {
		t.Fatalf("MeterUsage after the final hour = %v, want CustomerNotEntitledException", err)
	}

	k, err := s.Admin().ChangeAccessKey(ctx, sellerKey.AccessKeyID, "rotate")
	must(t, err)
	assertAWSError(t, s.jsonCall(t, sellerKey, testRegion, entitlementTarget+"GetEntitlements",
		map[string]any{"ProductCode": "demo-saas"}), http.StatusBadRequest, "InvalidSignatureException")
	rotated := aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}
	if r := s.jsonCall(t, rotated, testRegion, entitlementTarget+"GetEntitlements", map[string]any{"ProductCode": "demo-saas"}); r.Status != http.StatusOK {
		t.Fatalf("rotated secret: %d %s", r.Status, r.Body)
	}
}
