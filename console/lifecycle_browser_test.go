package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	mtypes "github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/meterd/meterd/meterdtest"
	"github.com/meterd/meterd/server"
)

// TestBrowserBuyerLifecycle plays the console's "done when": a seller
// logs in, subscribes a buyer and opens the registration POST in a new
// tab (the seller's landing page receives the token), watches an SDK
// client's records arrive, unsubscribes the buyer from the console,
// advances the clock, and the client's next record is refused.
func TestBrowserBuyerLifecycle(t *testing.T) {
	ctx := startBrowser(t)
	shots := artifactDir(t)
	landed := make(chan url.Values, 1)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/register" && r.Method == http.MethodPost && r.ParseForm() == nil {
			select {
			case landed <- r.PostForm:
			default:
			}
		}
		_, _ = w.Write([]byte("<!doctype html><title>seller</title><p id=welcome>Welcome</p>"))
	}))
	t.Cleanup(site.Close)
	s := meterdtest.Start(t)
	admin := &server.AdminClient{BaseURL: s.URL, Token: s.AdminToken}
	if _, err := admin.UpdateProduct(t.Context(), "demo-saas", server.UpdateProductInput{FulfillmentURL: aws.String(site.URL + "/register")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.UpdateProduct(t.Context(), "demo-ami", server.UpdateProductInput{NotificationTargets: &[]server.TargetJSON{
		{Kind: "eventbridge-http", Endpoint: site.URL + "/events"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateCustomer(t.Context(), server.CustomerJSON{Identifier: "new-buyer", AWSAccountID: "999988887777"}); err != nil {
		t.Fatal(err)
	}
	buyer := meteringClient(s, s.Buyer)

	run(t, ctx, chromedp.Navigate(s.URL+"/console/customers"), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SetValue(chromedp.CSS("#token"), s.AdminToken), chromedp.Click(chromedp.CSS("form button")),
		chromedp.WaitVisible(chromedp.CSS("#subscriptions")))
	wantText(t, ctx, "#subscriptions", "demo-customer", "demo-ami", "users=10")
	wantText(t, ctx, "#access-keys", s.Buyer.AccessKeyID)
	shot(t, ctx, shots, "customers")

	// Subscribe a buyer; the flash's link opens the registration page in
	// a new tab, which POSTs the token to the seller's landing page.
	run(t, ctx, chromedp.SetValue(chromedp.CSS("#subscribe-product"), "demo-saas"),
		chromedp.SetValue(chromedp.CSS("#subscribe-customer"), "new-buyer"),
		chromedp.SetValue(chromedp.CSS("#subscribe-offer"), "free-trial"),
		chromedp.Click(chromedp.CSS("#subscribe button")), chromedp.WaitVisible(chromedp.CSS("#flash-link")))
	wantText(t, ctx, ".flash", "Subscribed new-buyer to demo-saas")
	shot(t, ctx, shots, "customers-subscribed")
	tab := chromedp.WaitNewTarget(ctx, func(i *target.Info) bool { return i.OpenerID != "" })
	run(t, ctx, chromedp.Click(chromedp.CSS("#flash-link")))
	select {
	case id := <-tab:
		tabCtx, closeTab := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
		run(t, tabCtx, chromedp.WaitVisible(chromedp.CSS("#welcome")))
		closeTab()
		// A hidden tab gets no frames (screenshots wait for one).
		if _, err := chromedp.Call(ctx, page.BringToFront, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("the registration link opened no tab")
	}
	select {
	case form := <-landed:
		if form.Get("x-amzn-marketplace-token") == "" || form.Get("x-amzn-marketplace-offer-type") != "free-trial" {
			t.Fatalf("the landing page got %v, want a token and the free-trial offer type", form)
		}
	case <-ctx.Done():
		t.Fatal("the landing page got no POST")
	}

	// The buyer's metering job: its records appear on the records page
	// live; the download links carry the filters, never a token.
	run(t, ctx, chromedp.Navigate(s.URL+"/console/records?productCode=demo-ami"), chromedp.WaitVisible(chromedp.CSS("#records")))
	wantText(t, ctx, "#records", "No records match")
	if err := meterNow(t, buyer, admin); err != nil {
		t.Fatalf("MeterUsage while subscribed: %v", err)
	}
	run(t, ctx, waitText("#records", "vcpu_hours"))
	wantText(t, ctx, "#records", "MeterUsage", "demo-ami", "accepted")
	for _, sel := range []string{"#export-csv", "#export-jsonl"} {
		if link := outer(t, ctx, sel); !strings.Contains(link, "productCode=demo-ami") || strings.Contains(link, s.AdminToken) {
			t.Errorf("download link %s: want the filters and no token", link)
		}
	}
	shot(t, ctx, shots, "records")

	// Health: the demo customer's dimensions without records in the range
	// are "not metered yet" on the grid; the bill preview prices the record.
	run(t, ctx, chromedp.Navigate(s.URL+"/console/health"), chromedp.WaitVisible(chromedp.CSS("#health-grid")),
		chromedp.WaitVisible(chromedp.CSS("#health-grid td.unmetered")))
	wantText(t, ctx, "#health-grid", "demo-saas", "demo-customer", "users", "not metered yet")
	shot(t, ctx, shots, "health")
	run(t, ctx, chromedp.Navigate(s.URL+"/console/bill"), chromedp.WaitVisible(chromedp.CSS("#bill")))
	wantText(t, ctx, "#bill", "demo-ami", "vcpu_hours")
	shot(t, ctx, shots, "bill")

	// The seller unsubscribes the buyer: the final hour still meters.
	run(t, ctx, chromedp.Navigate(s.URL+"/console/customers"), chromedp.WaitVisible(chromedp.CSS("#subscriptions")),
		chromedp.Click(chromedp.CSS(`button[aria-label="Unsubscribe demo-customer from demo-ami"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	wantText(t, ctx, ".flash", "unsubscribe-pending", "advance the clock to cut it off")
	wantText(t, ctx, "#subscriptions", "unsubscribe-pending")
	shot(t, ctx, shots, "customers-unsubscribed")

	// The event goes to the product's notification target.
	run(t, ctx, chromedp.Navigate(s.URL+"/console/notifications?product=demo-ami"), chromedp.WaitVisible(chromedp.CSS("#deliveries")))
	wantText(t, ctx, "#deliveries", "unsubscribe-pending", "eventbridge-http", site.URL+"/events")
	shot(t, ctx, shots, "notifications")

	// An hour on, the job is cut off.
	run(t, ctx, chromedp.Navigate(s.URL+"/console/clock"), chromedp.WaitVisible(chromedp.CSS("#clock-now")),
		chromedp.SetValue(chromedp.CSS("#duration"), "1h"), chromedp.Click(chromedp.CSS("#advance button")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	var notEntitled *mtypes.CustomerNotEntitledException
	if err := meterNow(t, buyer, admin); !errors.As(err, &notEntitled) {
		t.Fatalf("MeterUsage an hour after the unsubscribe: %v, want CustomerNotEntitledException", err)
	}
	run(t, ctx, chromedp.Navigate(s.URL+"/console/audit?errorCode=CustomerNotEntitledException"),
		chromedp.WaitVisible(chromedp.CSS("#events")))
	wantText(t, ctx, "#events", "MeterUsage", "CustomerNotEntitledException")
	shot(t, ctx, shots, "lifecycle-cut-off")
}

// meterNow sends one demo-ami record for the business clock's hour.
func meterNow(t *testing.T, c *marketplacemetering.Client, admin *server.AdminClient) error {
	t.Helper()
	clock, err := admin.Clock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.MeterUsage(context.Background(), &marketplacemetering.MeterUsageInput{ProductCode: aws.String("demo-ami"),
		UsageDimension: aws.String("vcpu_hours"), UsageQuantity: aws.Int32(1), Timestamp: aws.Time(clock.Now)})
	return err
}
