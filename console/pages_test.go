package console_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd/meterdtest"
	"github.com/meterd/meterd/node"
	"github.com/meterd/meterd/server"
)

func ptr[T any](v T) *T { return &v }

// TestPages: every page renders for a logged-in user with what it is
// about, and refuses bad input with a 4xx and a message.
func TestPages(t *testing.T) {
	s := meterdtest.Start(t)
	b := newBrowser(t, s)
	b.mustLogin(s)
	tests := []struct {
		name       string
		path       string
		wantStatus int
		want       string
	}{
		{"OK overview", "/console/", http.StatusOK, `id="usage"`},
		{"OK overview of a range", "/console/?hours=168&end=2026-01-02T15:00&product=demo-ami", http.StatusOK, "168 hours before 2026-01-02T15:00"},
		{"OK overview chart", "/console/overview.svg", http.StatusOK, "<svg"},
		{"OK audit trail", "/console/audit?eventName=MeterUsage", http.StatusOK, `id="events"`},
		{"OK call log", "/console/calls?minutes=5", http.StatusOK, `id="calls"`},
		{"OK clock", "/console/clock", http.StatusOK, `id="clock-now"`},
		{"OK faults", "/console/faults", http.StatusOK, "No fault rules"},
		{"OK quotas", "/console/quotas", http.StatusOK, "<td>MeterUsage</td>"},
		{"OK keys", "/console/keys", http.StatusOK, `id="rotate"`},
		{"OK records", "/console/records", http.StatusOK, `id="records"`},
		{"OK records filtered", "/console/records?productCode=demo-ami&outcome=rejected&test=false&usageStart=2026-01-02T15:00&maxResults=5",
			http.StatusOK, "No records match"},
		{"OK records download links keep the filters", "/console/records?productCode=demo-ami&dimension=vcpu_hours", http.StatusOK,
			`href="/console/records/export?format=csv&amp;dimension=vcpu_hours&amp;productCode=demo-ami"`},
		{"ErrRecordsBadOutcome", "/console/records?outcome=lost", http.StatusBadRequest, "lost"},
		{"ErrRecordsBadTest", "/console/records?test=maybe", http.StatusBadRequest, "test must be true or false"},
		{"ErrRecordsBadPageSize", "/console/records?maxResults=0", http.StatusBadRequest, "maxResults must be a whole number from 1 to 1000"},
		{"ErrRecordsBadTime", "/console/records?usageStart=noon", http.StatusBadRequest, "usageStart must be a UTC time"},
		{"ErrRecordsBadNextToken", "/console/records?nextToken=garbage", http.StatusBadRequest, "nextToken"},
		{"ErrRecordsExportBadFormat", "/console/records/export?format=xml", http.StatusBadRequest, "format must be csv or jsonl"},
		{"ErrRecordsExportBadFilter", "/console/records/export?format=csv&outcome=lost", http.StatusBadRequest, "lost"},
		{"OK customers", "/console/customers", http.StatusOK, "l-demoami00000000000000000000000"},
		{"OK health", "/console/health", http.StatusOK, `id="health-grid"`},
		{"OK health of a range and product", "/console/health?hours=48&end=2026-01-02T15:00&product=demo-ami", http.StatusOK,
			"2026-01-02 15:00:00Z"},
		{"OK bill", "/console/bill", http.StatusOK, `id="bill-total"`},
		{"OK bill of a month", "/console/bill?month=2026-01&product=demo-saas", http.StatusOK, "for 2026-01"},
		{"OK notifications", "/console/notifications?product=demo-saas&pending=1&limit=10", http.StatusOK, `id="deliveries"`},
		{"ErrNotificationsBadLimit", "/console/notifications?limit=5000", http.StatusBadRequest, "limit must be a whole number from 1 to 1000"},
		{"ErrHealthBadHours", "/console/health?hours=0", http.StatusBadRequest, "hours must be a whole number"},
		{"ErrHealthUnknownProduct", "/console/health?product=nope", http.StatusNotFound, "nope"},
		{"ErrBillBadMonth", "/console/bill?month=January", http.StatusBadRequest, "month must be a month such as 2026-12"},
		{"OK reset off", "/console/reset", http.StatusOK, "Reset is off"},
		{"ErrOverviewTooManyHours", "/console/?hours=169", http.StatusBadRequest, "hours must be a whole number from 1 to 168"},
		{"ErrOverviewBadEnd", "/console/?end=tomorrow", http.StatusBadRequest, "end must be a UTC time"},
		{"OK audit trail of a time range", "/console/audit?startTime=2026-01-02T15:04&endTime=2026-01-02T16:00:00Z", http.StatusOK, "No calls match"},
		{"ErrAuditBadTime", "/console/audit?startTime=noon", http.StatusBadRequest, "startTime must be a UTC time"},
		{"ErrAuditBadNextToken", "/console/audit?nextToken=garbage", http.StatusBadRequest, "error"},
		{"ErrCallsBadMinutes", "/console/calls?minutes=0", http.StatusBadRequest, "minutes must be a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := b.do(http.MethodGet, tt.path, nil, nil)
			if a.status != tt.wantStatus || !strings.Contains(a.body, tt.want) {
				t.Fatalf("status %d, want %d with %q: %.600s", a.status, tt.wantStatus, tt.want, a.body)
			}
		})
	}
}

// TestActions: one row per rule of the forms that change something.
func TestActions(t *testing.T) {
	s := meterdtest.Start(t)
	withReset := meterdtest.Start(t, meterdtest.WithConfig(func(c *node.Config) { c.AllowReset = true }))
	admin := &server.AdminClient{BaseURL: s.URL, Token: s.AdminToken}
	if _, err := admin.CreateCustomer(t.Context(), server.CustomerJSON{Identifier: "console-buyer", AWSAccountID: "999988887777"}); err != nil {
		t.Fatal(err)
	}
	// With a fulfillment URL, a subscribe mints a token to POST there.
	if _, err := admin.UpdateProduct(t.Context(), "demo-saas", server.UpdateProductInput{FulfillmentURL: ptr("https://seller.example/register")}); err != nil {
		t.Fatal(err)
	}
	const amiLicense = "arn:aws:license-manager::444455556666:license:l-demoami00000000000000000000000"
	tests := []struct {
		name       string
		server     *meterdtest.Server
		path       string
		form       url.Values
		wantStatus int
		want       string // in the page after the redirect, or in the refusal
	}{
		{"OK advance the clock", s, "/console/clock/advance", url.Values{"duration": {"90m"}}, http.StatusSeeOther, "Clock advanced by 1h30m0s"},
		{"OK set the clock", s, "/console/clock/set", url.Values{"time": {"2026-03-01T10:00"}, "freeze": {"1"}}, http.StatusSeeOther, "2026-03-01 10:00:00Z"},
		{"OK add a fault", s, "/console/faults", url.Values{"operation": {"MeterUsage"}, "error": {"ThrottlingException"}, "count": {"2"}, "ttl": {"10m"}},
			http.StatusSeeOther, "ThrottlingException"},
		{"OK rotate the key", s, "/console/keys/rotate", url.Values{}, http.StatusSeeOther, "RegisterUsage signs with it from now on"},
		{"OK subscribe a buyer", s, "/console/customers/subscribe", url.Values{"productCode": {"demo-ami"}, "customerIdentifier": {"console-buyer"},
			"offerType": {"private"}, "offerId": {"offer-1"}}, http.StatusSeeOther, `Subscribed console-buyer to demo-ami`},
		{"OK the subscribe flash links the registration page", s, "/console/customers/subscribe", url.Values{"productCode": {"demo-saas"},
			"customerIdentifier": {"console-buyer"}, "offerType": {"free-trial"}}, http.StatusSeeOther, `id="flash-link" href="/register/`},
		{"OK set entitlements", s, "/console/licenses/entitlements", url.Values{"licenseArn": {amiLicense}, "entitlements": {"vcpu_hours=4"}},
			http.StatusSeeOther, "vcpu_hours=4</textarea>"},
		{"OK unsubscribe", s, "/console/licenses/unsubscribe", url.Values{"licenseArn": {amiLicense}}, http.StatusSeeOther,
			"is unsubscribe-pending. Its final records are accepted until"},
		{"OK disable an access key", s, "/console/access-keys/disable", url.Values{"id": {s.Seller.AccessKeyID}}, http.StatusSeeOther, "disabled."},
		{"OK enable an access key", s, "/console/access-keys/enable", url.Values{"id": {s.Seller.AccessKeyID}}, http.StatusSeeOther, "enabled."},
		{"OK rotate an access key", s, "/console/access-keys/rotate", url.Values{"id": {s.Seller.AccessKeyID}}, http.StatusSeeOther, "Its new secret, shown once: "},
		{"OK reset", withReset, "/console/reset", url.Values{"confirm": {"reset"}}, http.StatusSeeOther, "0 metering records"},
		{"OK set a quota", s, "/console/quotas", url.Values{"operation": {"MeterUsage"}, "rate": {"1"}, "burst": {"2"}}, http.StatusSeeOther,
			"Quota of MeterUsage (every account) set to 1 a second, bursts of 2."},
		{"OK set a quota for one account", s, "/console/quotas", url.Values{"operation": {"MeterUsage"}, "account": {"444455556666"}, "rate": {"5"}},
			http.StatusSeeOther, "Quota of MeterUsage for account 444455556666 set to 5 a second, bursts of 5."},
		{"OK reset an override", s, "/console/quotas/reset", url.Values{"operation": {"MeterUsage"}, "account": {"444455556666"}},
			http.StatusSeeOther, "Override of MeterUsage for account 444455556666 removed."},
		{"ErrQuotaBadRate", s, "/console/quotas", url.Values{"operation": {"MeterUsage"}, "rate": {"fast"}}, http.StatusBadRequest,
			"rate must be a number of requests a second"},
		{"ErrQuotaRefusedByTheAdminAPI", s, "/console/quotas", url.Values{"operation": {"NoSuchOperation"}, "rate": {"1"}}, http.StatusBadRequest,
			"quota operation &#34;NoSuchOperation&#34;"},
		{"ErrQuotaResetNoOverride", s, "/console/quotas/reset", url.Values{"operation": {"BatchMeterUsage"}}, http.StatusNotFound,
			"no quota override for BatchMeterUsage"},
		{"ErrClockBadDuration", s, "/console/clock/advance", url.Values{"duration": {"1 hour"}}, http.StatusBadRequest, "duration must be a Go duration"},
		{"ErrClockBadTime", s, "/console/clock/set", url.Values{"time": {"yesterday"}}, http.StatusBadRequest, "time must be a UTC time"},
		{"ErrFaultBadNumber", s, "/console/faults", url.Values{"probability": {"often"}}, http.StatusBadRequest, "probability: &#34;often&#34; is not a valid value"},
		{"ErrFaultRefusedByTheAdminAPI", s, "/console/faults", url.Values{"operation": {"MeterUsage"}, "error": {"NoSuchException"}},
			http.StatusBadRequest, "NoSuchException"},
		{"ErrFaultDeleteUnknown", s, "/console/faults/999/delete", url.Values{}, http.StatusNotFound, "999"},
		{"ErrFaultDeleteBadID", s, "/console/faults/x/delete", url.Values{}, http.StatusBadRequest, "is not a number"},
		{"ErrSubscribeTwice", s, "/console/customers/subscribe", url.Values{"productCode": {"demo-container"}, "customerIdentifier": {"demo-customer"}},
			http.StatusConflict, "already subscribed"},
		{"ErrSubscribeBadOfferType", s, "/console/customers/subscribe", url.Values{"productCode": {"demo-container"}, "customerIdentifier": {"console-buyer"},
			"offerType": {"cheap"}}, http.StatusBadRequest, "offerType"},
		{"ErrUnsubscribeNotActive", s, "/console/licenses/unsubscribe", url.Values{"licenseArn": {amiLicense}}, http.StatusConflict, "unsubscribe"},
		{"ErrUnsubscribeUnknownLicense", s, "/console/licenses/unsubscribe", url.Values{"licenseArn": {"arn:none"}}, http.StatusNotFound, "arn:none"},
		{"ErrEntitlementsBadLine", s, "/console/licenses/entitlements", url.Values{"licenseArn": {amiLicense}, "entitlements": {"just words"}},
			http.StatusBadRequest, "want dimension=value"},
		{"ErrEntitlementsUnknownDimension", s, "/console/licenses/entitlements", url.Values{"licenseArn": {"arn:aws:license-manager::444455556666:license:l-demosaas0000000000000000000000"}, "entitlements": {"nope=1"}},
			http.StatusBadRequest, "nope"},
		{"ErrLicenseActionUnknown", s, "/console/licenses/renew", url.Values{"licenseArn": {amiLicense}}, http.StatusNotFound, "no license action"},
		{"ErrAccessKeyActionUnknown", s, "/console/access-keys/delete", url.Values{"id": {s.Seller.AccessKeyID}}, http.StatusNotFound, "no access key action"},
		{"ErrAccessKeyUnknown", s, "/console/access-keys/rotate", url.Values{"id": {"AKIANOSUCHKEY"}}, http.StatusNotFound, "AKIANOSUCHKEY"},
		{"ErrResetOff", s, "/console/reset", url.Values{"confirm": {"reset"}}, http.StatusConflict, "Reset is off"},
		{"ErrResetUnconfirmed", withReset, "/console/reset", url.Values{"confirm": {"yes"}}, http.StatusBadRequest, "to confirm the reset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, tt.server)
			b.mustLogin(tt.server)
			tt.form.Set("csrf", b.csrf("/console/clock"))
			a := b.do(http.MethodPost, tt.path, tt.form, nil)
			if a.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %.600s", a.status, tt.wantStatus, a.body)
			}
			if a.status == http.StatusSeeOther {
				a = b.do(http.MethodGet, a.header.Get("Location"), nil, nil)
			}
			if !strings.Contains(a.body, tt.want) {
				t.Errorf("page lacks %q: %.2000s", tt.want, a.body)
			}
		})
	}
}

// TestLive: the stream tells of calls after its start, after the calls
// the page already shows (seen), and after a reconnect's Last-Event-ID.
// Only SDK calls are made here, so the counts are exact.
func TestLive(t *testing.T) {
	s := meterdtest.Start(t)
	b := newBrowser(t, s)
	b.mustLogin(s)
	buyer := meteringClient(s, s.Buyer)
	hour := time.Now().UTC().Truncate(time.Hour)
	start := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano)

	stream := b.stream("/console/live?since="+url.QueryEscape(start)+"&seen=0", "")
	if err := meterOnce(buyer, hour, 1); err != nil {
		t.Fatal(err)
	}
	got := <-stream
	if !strings.Contains(got.body, "event: calls") || !strings.Contains(got.body, `"calls":1`) {
		t.Fatalf("first stream: %q, want a calls event counting 1 call", got.body)
	}

	// A reconnect after that id waits for a call after it.
	stream = b.stream("/console/live", eventID(t, got.body))
	if err := meterOnce(buyer, hour.Add(-time.Hour), 1); err != nil {
		t.Fatal(err)
	}
	if got = <-stream; !strings.Contains(got.body, `"calls":1`) {
		t.Fatalf("reconnected stream: %q, want one new call", got.body)
	}

	// A page that shows both calls (seen=2) is told of the third only.
	stream = b.stream("/console/live?since="+url.QueryEscape(start)+"&seen=2", "")
	if err := meterOnce(buyer, hour.Add(-2*time.Hour), 1); err != nil {
		t.Fatal(err)
	}
	if got = <-stream; !strings.Contains(got.body, `"calls":3`) {
		t.Fatalf("stream after seen=2: %q, want a calls event counting 3 calls since the start", got.body)
	}
}

// stream GETs an event stream (with Last-Event-ID when lastID is set) in
// the background; the answer arrives when the stream ends.
func (b *browser) stream(path, lastID string) <-chan answer {
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.AddCookie(b.cookie)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	out := make(chan answer, 1)
	go func() {
		resp, err := b.http.Do(req)
		if err != nil {
			out <- answer{body: err.Error()}
			return
		}
		defer resp.Body.Close()
		text, _ := io.ReadAll(resp.Body)
		out <- answer{status: resp.StatusCode, header: resp.Header, body: string(text)}
	}()
	return out
}

func eventID(t *testing.T, body string) string {
	t.Helper()
	for line := range strings.SplitSeq(body, "\n") {
		if id, ok := strings.CutPrefix(line, "id: "); ok {
			return id
		}
	}
	t.Fatalf("no id in %q", body)
	return ""
}
