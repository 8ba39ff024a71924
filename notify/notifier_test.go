package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/sim"
)

// TestNotifier drives the worker one Tick at a time against the fake
// outbox, moving the business clock between ticks.
func TestNotifier(t *testing.T) {
	type tick struct {
		at        time.Duration // business time after t0
		delivered []string      // event ids the endpoint received in this tick
	}
	tests := []struct {
		name    string
		answers []int // the endpoint's statuses in turn, then 200
		events  []string
		ticks   []tick
		// attempts are the recorded status codes, in order.
		attempts []int
	}{
		{"OK delivered at once", nil, []string{"e1"},
			[]tick{{0, []string{"e1"}}, {time.Hour, nil}}, []int{200}},
		{"OK 500 then success after the backoff", []int{500}, []string{"e1"},
			[]tick{{0, []string{"e1"}}, {999 * time.Millisecond, nil}, {time.Second, []string{"e1"}}, {time.Hour, nil}}, []int{500, 200}},
		{"OK backoff doubles", []int{503, 503, 429}, []string{"e1"},
			[]tick{{0, []string{"e1"}}, {time.Second, []string{"e1"}}, {2 * time.Second, nil}, {3 * time.Second, []string{"e1"}},
				{6 * time.Second, nil}, {7 * time.Second, []string{"e1"}}}, []int{503, 503, 429, 200}},
		{"OK order per customer holds through failures", []int{500}, []string{"e1", "e2", "e3"},
			[]tick{{0, []string{"e1"}}, {time.Second, []string{"e1"}}, {time.Second, []string{"e2"}}, {time.Second, []string{"e3"}}, {time.Second, nil}},
			[]int{500, 200, 200, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := newEndpoint(t, tt.answers...)
			o := &fakeOutbox{}
			for _, id := range tt.events {
				o.add(meterd.NotificationTarget{Kind: meterd.TargetEventBridgeHTTP, Endpoint: ep.URL}, event(id, "cust1", meterd.ActionEntitlementUpdated))
			}
			n, clock := newTestNotifier(t, o, 0)
			seen := 0
			for i, tk := range tt.ticks {
				clock.Set(t0.Add(tk.at))
				if _, err := n.Tick(t.Context()); err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, r := range ep.requests()[seen:] {
					var ev Event
					if err := json.Unmarshal(r.body, &ev); err != nil {
						t.Fatal(err)
					}
					if ev.DetailType == DetailAgreementAmended { // the first of the delivery's two events
						ids = append(ids, ev.ID)
					}
				}
				seen = len(ep.requests())
				if strings.Join(ids, ",") != strings.Join(tk.delivered, ",") {
					t.Errorf("tick %d at +%v: delivered %v, want %v", i, tk.at, ids, tk.delivered)
				}
			}
			var statuses []int
			for _, a := range o.attemptLog() {
				statuses = append(statuses, a.StatusCode)
				if (a.StatusCode == 200) != (a.Error == "") {
					t.Errorf("attempt %+v: status and error disagree", a)
				}
			}
			if !slices.Equal(statuses, tt.attempts) {
				t.Errorf("attempts %v, want %v", statuses, tt.attempts)
			}
			for i := range tt.events {
				if d := o.delivery(int64(i + 1)); d.DeliveredAt.IsZero() {
					t.Errorf("delivery %d not delivered: %+v", i+1, d)
				}
			}
		})
	}
}

// TestNotifierTimeout: an endpoint that never answers fails the attempt at
// the timeout, with no status, and the delivery is retried later.
func TestNotifierTimeout(t *testing.T) {
	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(stop) }) // runs first: the handler returns
	o := &fakeOutbox{}
	o.add(meterd.NotificationTarget{Kind: meterd.TargetEventBridgeHTTP, Endpoint: hang.URL}, event("e1", "cust1", meterd.ActionSubscribeSuccess))
	n, _ := newTestNotifier(t, o, 50*time.Millisecond)
	if _, err := n.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	log := o.attemptLog()
	if len(log) != 1 || log[0].StatusCode != 0 || !strings.HasPrefix(log[0].Error, "timed out") {
		t.Fatalf("attempts = %+v, want one timed out without status", log)
	}
	if d := o.delivery(1); !d.DeliveredAt.IsZero() || !d.NextAttempt.Equal(t0.Add(time.Second)) {
		t.Errorf("delivery = %+v, want undelivered and due at +1s", d)
	}
}

// TestBackoff pins the schedule: RetryBase doubled per failure up to
// RetryCap, scaled by the jitter (between half and all of it).
func TestBackoff(t *testing.T) {
	tests := []struct {
		name     string
		jitter   float64
		attempts int
		want     time.Duration
	}{
		{"OK first retry is the base", 1, 1, time.Second},
		{"OK second doubles", 1, 2, 2 * time.Second},
		{"OK fifth", 1, 5, 16 * time.Second},
		{"OK capped", 1, 12, 10 * time.Minute},
		{"OK capped far out without overflow", 1, 500, 10 * time.Minute},
		{"OK jitter halves at least", 0.5, 3, 2 * time.Second},
		{"OK jitter on the cap", 0.5, 40, 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, _ := newTestNotifier(t, &fakeOutbox{}, 0)
			n.jitter = func() float64 { return tt.jitter }
			if got := n.Backoff(tt.attempts); got != tt.want {
				t.Errorf("Backoff(%d) = %v, want %v", tt.attempts, got, tt.want)
			}
		})
	}
}

// TestNotifierRun: the worker delivers what is due, and a shutdown ends it.
func TestNotifierRun(t *testing.T) {
	ep := newEndpoint(t)
	o := &fakeOutbox{}
	o.add(meterd.NotificationTarget{Kind: meterd.TargetEventBridgeHTTP, Endpoint: ep.URL}, event("e1", "cust1", meterd.ActionSubscribeSuccess))
	n, _ := newTestNotifier(t, o, 0)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	waitDelivered(t, o, 1)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if got := len(ep.requests()); got != 2 {
		t.Errorf("endpoint got %d requests, want 2 (agreement created, license updated)", got)
	}
}

// waitDelivered waits until delivery id of o is delivered.
func waitDelivered(t *testing.T, o *fakeOutbox, id int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for o.delivery(id).DeliveredAt.IsZero() {
		select {
		case <-ctx.Done():
			t.Fatalf("delivery %d not delivered: %+v", id, o.attemptLog())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestNotifierRestart: a notifier on the same data directory keeps the
// confirmed subscription and the signing certificate, and delivers what
// the previous one abandoned when it was stopped mid-attempt.
func TestNotifierRestart(t *testing.T) {
	dir := t.TempDir()
	ep := newEndpoint(t)
	o := &fakeOutbox{}
	target := meterd.NotificationTarget{Kind: meterd.TargetSNSHTTP, Endpoint: ep.URL}
	o.add(target, event("e1", "cust1", meterd.ActionSubscribeSuccess))
	first := newDirNotifier(t, o, dir)
	if _, err := first.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	sub, _ := url.Parse(ep.envelopes(t)[0].SubscribeURL)
	if _, err := first.ConfirmSubscription(sub.Query().Get("TopicArn"), sub.Query().Get("Token")); err != nil {
		t.Fatal(err)
	}
	cert, _ := first.CertificatePEM()

	// A stop during an attempt leaves the delivery due and unrecorded.
	o.add(target, event("e2", "cust2", meterd.ActionSubscribeSuccess))
	ctx, cancel := context.WithCancel(t.Context())
	blocked := &Notifier{}
	*blocked = *first
	blocked.http = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		cancel()
		<-r.Context().Done()
		return nil, r.Context().Err()
	})}
	blocked.clock.(*sim.Clock).Set(t0.Add(time.Second))
	_, _ = blocked.Tick(ctx)
	if n := len(o.attemptLog()); n != 1 {
		t.Fatalf("%d attempts recorded, want only the first confirmation's", n)
	}

	second := newDirNotifier(t, o, dir)
	second.clock.(*sim.Clock).Set(t0.Add(time.Second))
	if _, err := second.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	for id := int64(1); id <= 2; id++ {
		if o.delivery(id).DeliveredAt.IsZero() {
			t.Errorf("delivery %d not delivered after the restart: %+v", id, o.attemptLog())
		}
	}
	if again, _ := second.CertificatePEM(); string(again) != string(cert) {
		t.Error("the signing certificate changed across the restart")
	}
	envs := ep.envelopes(t)
	if len(envs) != 3 || envs[1].Type != TypeNotification || envs[2].Type != TypeNotification {
		t.Errorf("endpoint got %d envelopes, want a confirmation then two notifications", len(envs))
	}
}

func newDirNotifier(t *testing.T, o meterd.Outbox, dir string) *Notifier {
	t.Helper()
	cfg := DefaultConfig()
	cfg.CertURL, cfg.ConfirmURL, cfg.UnsubscribeURL, cfg.DataDir = testCertURL, testConfirmURL, testUnsubscribeURL, dir
	n := New(o, frozenAt(t0), nil, cfg, nil)
	n.jitter = func() float64 { return 1 }
	return n
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
