package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/sim"
)

// t0 is the business time of the tests.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// frozenAt is a business clock frozen at t, moved with Set.
func frozenAt(t time.Time) *sim.Clock {
	c := sim.NewClock(meterd.SystemClock{})
	c.Freeze()
	c.Set(t)
	return c
}

// fakeOutbox keeps deliveries in memory and honours the Outbox contract:
// DueDeliveries gives, per (product, customer, target), only the oldest
// undelivered delivery, and only when it is due.
type fakeOutbox struct {
	mu         sync.Mutex
	deliveries []meterd.Delivery
	attempts   []meterd.DeliveryAttempt
}

func (o *fakeOutbox) add(target meterd.NotificationTarget, events ...meterd.LifecycleEvent) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range events {
		o.deliveries = append(o.deliveries, meterd.Delivery{ID: int64(len(o.deliveries) + 1), Target: target, Event: e, NextAttempt: e.Time})
	}
}

func (o *fakeOutbox) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]meterd.Delivery, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	type key struct {
		product, customer string
		target            meterd.NotificationTarget
	}
	seen := map[key]bool{}
	var due []meterd.Delivery
	for _, d := range o.deliveries {
		k := key{d.Event.ProductCode, d.Event.CustomerIdentifier, d.Target}
		if !d.DeliveredAt.IsZero() || seen[k] {
			continue
		}
		seen[k] = true
		if !d.NextAttempt.After(now) && len(due) < limit {
			due = append(due, d)
		}
	}
	return due, nil
}

func (o *fakeOutbox) RecordAttempt(ctx context.Context, a meterd.DeliveryAttempt, next time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.attempts = append(o.attempts, a)
	d := &o.deliveries[a.DeliveryID-1]
	d.Attempts++
	if a.Error == "" {
		d.DeliveredAt = a.At
	} else {
		d.NextAttempt = next
	}
	return nil
}

func (o *fakeOutbox) ListDeliveries(ctx context.Context, f meterd.DeliveryFilter) ([]meterd.DeliveryRecord, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []meterd.DeliveryRecord
	for _, d := range slices.Backward(o.deliveries) {
		r := meterd.DeliveryRecord{Delivery: d}
		for _, a := range o.attempts {
			if a.DeliveryID == d.ID {
				r.AttemptLog = append(r.AttemptLog, a)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// delivery returns delivery id as stored now.
func (o *fakeOutbox) delivery(id int64) meterd.Delivery {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.deliveries[id-1]
}

func (o *fakeOutbox) attemptLog() []meterd.DeliveryAttempt {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.attempts)
}

// event returns a lifecycle event of customer with id.
func event(id, customer string, action meterd.LifecycleAction) meterd.LifecycleEvent {
	return meterd.LifecycleEvent{
		ID: id, Action: action, ProductCode: "prod1abcdefghijklmnopqrst", CustomerIdentifier: customer,
		CustomerAWSAccountID: "111122223333", OfferIdentifier: "offer-abcexample123", Time: t0,
	}
}

// Test URLs of meterd's public SNS routes.
const (
	testCertURL        = "http://meterd.test/cert.pem"
	testConfirmURL     = "http://meterd.test/confirm"
	testUnsubscribeURL = "http://meterd.test/unsubscribe"
)

// newTestNotifier returns a notifier of o at t0 with a fixed jitter of 1
// and the default configuration, with a timeout if given.
func newTestNotifier(t *testing.T, o meterd.Outbox, timeout time.Duration) (*Notifier, *sim.Clock) {
	t.Helper()
	clock := frozenAt(t0)
	cfg := DefaultConfig()
	cfg.CertURL, cfg.ConfirmURL, cfg.UnsubscribeURL = testCertURL, testConfirmURL, testUnsubscribeURL
	cfg.Timeout = time.Minute // moto on a loaded machine is slow
	if timeout != 0 {
		cfg.Timeout = timeout
	}
	n := New(o, clock, nil, cfg, nil)
	n.jitter = func() float64 { return 1 }
	return n, clock
}

// received is one request an endpoint got.
type received struct {
	header http.Header
	body   []byte
}

// endpoint is a test HTTP endpoint answering with the statuses of answers
// in turn (200 once they run out), recording every request.
type endpoint struct {
	*httptest.Server
	mu      sync.Mutex
	answers []int
	got     []received
}

func newEndpoint(t *testing.T, answers ...int) *endpoint {
	t.Helper()
	e := &endpoint{answers: answers}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.got = append(e.got, received{header: r.Header.Clone(), body: body})
		status := http.StatusOK
		if len(e.answers) > 0 {
			status, e.answers = e.answers[0], e.answers[1:]
		}
		e.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *endpoint) requests() []received {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.got)
}

// envelopes decodes the SNS envelopes the endpoint received.
func (e *endpoint) envelopes(t *testing.T) []Envelope {
	t.Helper()
	var out []Envelope
	for _, r := range e.requests() {
		var env Envelope
		if err := json.Unmarshal(r.body, &env); err != nil {
			t.Fatalf("not an SNS envelope: %v: %s", err, r.body)
		}
		out = append(out, env)
	}
	return out
}
