package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/notify"
	"github.com/meterd/meterd/server"
)

// listOutbox answers ListDeliveries with recs and remembers the filter.
type listOutbox struct {
	meterd.Outbox // DueDeliveries and RecordAttempt are not called here
	recs          []meterd.DeliveryRecord
	got           meterd.DeliveryFilter
}

func (o *listOutbox) ListDeliveries(_ context.Context, f meterd.DeliveryFilter) ([]meterd.DeliveryRecord, error) {
	o.got = f
	return o.recs, nil
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// TestNotifications: GET /admin/v1/notifications passes its filter to the
// Outbox and answers the deliveries with their attempts; bad parameters
// are Invalid.
func TestNotifications(t *testing.T) {
	pending := meterd.DeliveryRecord{
		Delivery: meterd.Delivery{ID: 2, Attempts: 1, NextAttempt: t0.Add(time.Second),
			Target: meterd.NotificationTarget{Kind: meterd.TargetSNSSQS, Endpoint: "http://sqs/q"},
			Event:  meterd.LifecycleEvent{ID: "e2", Action: meterd.ActionUnsubscribePending, ProductCode: "p", CustomerIdentifier: "c", Time: t0}},
		AttemptLog: []meterd.DeliveryAttempt{{DeliveryID: 2, At: t0, Latency: 1500 * time.Microsecond, StatusCode: 500, Error: "HTTP 500"}},
	}
	done := meterd.DeliveryRecord{
		Delivery: meterd.Delivery{ID: 1, Attempts: 1, DeliveredAt: t0,
			Target: meterd.NotificationTarget{Kind: meterd.TargetSNSHTTP, Endpoint: "http://seller/sns"},
			Event:  meterd.LifecycleEvent{ID: "e1", Action: meterd.ActionSubscribeSuccess, ProductCode: "p", CustomerIdentifier: "c", Time: t0}},
		AttemptLog: []meterd.DeliveryAttempt{{DeliveryID: 1, At: t0, StatusCode: 200}},
	}
	outbox := &listOutbox{recs: []meterd.DeliveryRecord{pending, done}}
	s := newServer(t, nil)
	s.Outbox = outbox
	base := serve(t, s)
	admin := &server.AdminClient{BaseURL: base, Token: adminToken}

	t.Run("OK filters reach the outbox", func(t *testing.T) {
		out, err := admin.Notifications(t.Context(), server.NotificationsQuery{ProductCode: "p", CustomerIdentifier: "c", Pending: true, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if want := (meterd.DeliveryFilter{ProductCode: "p", CustomerIdentifier: "c", Pending: true, Limit: 5}); outbox.got != want {
			t.Errorf("filter %+v, want %+v", outbox.got, want)
		}
		if len(out.Deliveries) != 2 {
			t.Fatalf("deliveries %+v", out.Deliveries)
		}
		p, d := out.Deliveries[0], out.Deliveries[1]
		if p.Status != "pending" || p.NextAttempt == nil || p.DeliveredAt != nil || p.AttemptLog[0].LatencyMS != 1.5 || p.AttemptLog[0].StatusCode != 500 {
			t.Errorf("pending delivery %+v", p)
		}
		if d.Status != "delivered" || d.NextAttempt != nil || d.DeliveredAt == nil || d.Kind != "sns-http" || d.Action != "subscribe-success" {
			t.Errorf("delivered delivery %+v", d)
		}
	})
	t.Run("OK default limit", func(t *testing.T) {
		if _, err := admin.Notifications(t.Context(), server.NotificationsQuery{}); err != nil {
			t.Fatal(err)
		}
		if outbox.got != (meterd.DeliveryFilter{Limit: 100}) {
			t.Errorf("filter %+v, want the default limit only", outbox.got)
		}
	})
	for _, tt := range []struct{ name, query, message string }{
		{"ErrUnknownParameter", "?status=pending", `unknown parameter "status": use product, customer, pending or limit`},
		{"ErrPendingNotBool", "?pending=maybe", `pending must be true or false, got "maybe"`},
		{"ErrLimitZero", "?limit=0", `limit must be an integer from 1 to 1000, got "0"`},
		{"ErrLimitTooLarge", "?limit=1001", `limit must be an integer from 1 to 1000, got "1001"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := send(t, http.MethodGet, base+"/admin/v1/notifications"+tt.query, "Bearer "+adminToken, "")
			var e struct{ Error, Code string }
			if err := json.Unmarshal(body, &e); err != nil || status != http.StatusBadRequest || e.Code != meterd.EInvalid || e.Error != tt.message {
				t.Errorf("%d %s, want 400 Invalid %q", status, body, tt.message)
			}
		})
	}
	t.Run("ErrNoToken", func(t *testing.T) {
		if status, _ := send(t, http.MethodGet, base+"/admin/v1/notifications", "", ""); status != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", status)
		}
	})
	t.Run("OK without an outbox lists none", func(t *testing.T) {
		plain := &server.AdminClient{BaseURL: serve(t, newServer(t, nil)), Token: adminToken}
		out, err := plain.Notifications(t.Context(), server.NotificationsQuery{})
		if err != nil || out.Deliveries == nil || len(out.Deliveries) != 0 {
			t.Errorf("Notifications = %+v, %v, want an empty list", out, err)
		}
	})
}

// fakeSNS confirms topic "t" with token "good" as subscription "t:1".
type fakeSNS struct{ unsubscribed []string }

func (*fakeSNS) CertificatePEM() ([]byte, error) { return []byte("-----BEGIN CERTIFICATE-----\n"), nil }
func (*fakeSNS) ConfirmSubscription(topic, token string) (string, error) {
	if topic == "t" && token == "good" {
		return "t:1", nil
	}
	return "", meterd.Errorf(meterd.EInvalid, "Invalid token")
}
func (f *fakeSNS) Unsubscribe(arn string) error {
	if arn != "t:1" {
		return meterd.Errorf(meterd.ENotFound, "Subscription does not exist")
	}
	f.unsubscribed = append(f.unsubscribed, arn)
	return nil
}

// TestSNSRoutes: the public SNS routes answer as SNS's query API does,
// without the admin token; without a notifier they are not there.
func TestSNSRoutes(t *testing.T) {
	s := newServer(t, nil)
	s.SNS = &fakeSNS{}
	base := serve(t, s)
	confirm := func(topic, token string) string {
		return base + server.PathSNSConfirm + "?" + url.Values{"Action": {"ConfirmSubscription"}, "TopicArn": {topic}, "Token": {token}}.Encode()
	}
	tests := []struct {
		name   string
		url    string
		status int
		want   string // in the body
	}{
		{"OK certificate", base + server.PathSNSCertificate, 200, "BEGIN CERTIFICATE"},
		{"OK confirm", confirm("t", "good"), 200, "<ConfirmSubscriptionResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><ConfirmSubscriptionResult><SubscriptionArn>t:1</SubscriptionArn>"},
		{"ErrConfirmWrongToken", confirm("t", "bad"), 400, "<Code>InvalidParameter</Code><Message>Invalid token</Message>"},
		{"ErrConfirmNoToken", base + server.PathSNSConfirm + "?TopicArn=t", 400, "<Code>InvalidParameter</Code><Message>TopicArn and Token are required</Message>"},
		{"OK unsubscribe", base + server.PathSNSUnsubscribe + "?SubscriptionArn=t:1", 200, "<UnsubscribeResponse"},
		{"ErrUnsubscribeUnknown", base + server.PathSNSUnsubscribe + "?SubscriptionArn=t:2", 404, "<Code>NotFound</Code>"},
		{"ErrUnsubscribeNoArn", base + server.PathSNSUnsubscribe, 400, "SubscriptionArn is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := send(t, http.MethodGet, tt.url, "", "")
			if status != tt.status || !strings.Contains(string(body), tt.want) {
				t.Errorf("%d %s, want %d with %s", status, body, tt.status, tt.want)
			}
		})
	}
	t.Run("ErrNoNotifier", func(t *testing.T) {
		plain := serve(t, newServer(t, nil))
		if status, _ := send(t, http.MethodGet, plain+server.PathSNSCertificate, "", ""); status == http.StatusOK {
			t.Error("the certificate route answers without a notifier")
		}
	})
}

// FuzzSNSRoutes sends arbitrary queries to the public SNS routes, served
// by a real notifier: an unauthenticated caller may be refused, but never
// with a 500 or a panic.
//
//	go test -run=^$ -fuzz=FuzzSNSRoutes -fuzztime=60s ./server
func FuzzSNSRoutes(f *testing.F) {
	f.Add(0, "Action=ConfirmSubscription&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A287250355862%3Aaws-mp-subscription-notification-p&Token=ab12")
	f.Add(1, "Action=Unsubscribe&SubscriptionArn=arn%3Aaws%3Asns%3Aus-east-1%3A287250355862%3At%3A1")
	f.Add(0, "TopicArn=%ZZ&Token")
	f.Add(2, "")
	cfg := notify.DefaultConfig()
	n := notify.New(&listOutbox{}, meterd.SystemClock{}, nil, cfg, nil)
	s := newServer(f, nil)
	s.SNS = n
	handler := s.Handler()
	paths := []string{server.PathSNSConfirm, server.PathSNSUnsubscribe, server.PathSNSCertificate}
	f.Fuzz(func(t *testing.T, route int, query string) {
		req := httptest.NewRequest(http.MethodGet, "http://meterd.test/", nil)
		req.URL.Path = paths[uint(route)%uint(len(paths))]
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s?%s: %d %s", req.URL.Path, query, rec.Code, rec.Body)
		}
	})
}
