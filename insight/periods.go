package insight

import (
	"time"

	"github.com/meterd/meterd"
)

// DefaultUnsubscribeDelay is AWS's time between unsubscribe-pending and
// the end of metering (lifecycle.DefaultConfig's UnsubscribeDelay).
const DefaultUnsubscribeDelay = time.Hour

// period is a span in which a license could be metered: from (zero: since
// ever) up to until (exclusive; zero: still open).
type period struct{ from, until time.Time }

// covers reports whether p holds the whole hour starting at h: an hour the
// license covers only in part (subscribed at 10:20) expects no record.
func (p period) covers(h time.Time) bool {
	return (p.from.IsZero() || !h.Before(p.from)) && (p.until.IsZero() || !h.Add(time.Hour).After(p.until))
}

// subscribedPeriods derives from a license's lifecycle events (oldest
// first) the spans in which it could be metered. The subscription row
// holds only the current state; the events hold its history:
//
//   - subscribe-success opens a span (a resubscribe while
//     unsubscribe-pending keeps the open one);
//   - unsubscribe-pending leaves it open until delay after it, when
//     metering stops even if unsubscribe-success is written later (the
//     completion runs on the wall clock, after a jump of the business
//     clock);
//   - unsubscribe-success and subscribe-fail close it;
//   - before the first event the license was as seeded: metered (since
//     its license start) when that event is one a metered license has (an
//     unsubscribe, an entitlement change);
//   - an expiry is an entitlement-updated with the license's end moved to
//     its time, so the license's current end bounds every span.
//
// A license with no events (seeded, or the ledger was reset) keeps the
// old rule: its current status stands for all time.
func subscribedPeriods(sub *meterd.Subscription, events []meterd.LifecycleEvent, delay time.Duration) []period {
	var out []period
	if len(events) == 0 {
		out = currentPeriod(sub)
	} else {
		out = eventPeriods(sub, events, delay)
	}
	return clipPeriods(out, sub.LicenseEnd)
}

// currentPeriod is the span the subscription's current state allows.
func currentPeriod(sub *meterd.Subscription) []period {
	if !sub.Status.Metered() {
		return nil
	}
	p := period{from: sub.LicenseStart}
	if sub.Status == meterd.SubscriptionUnsubscribePending {
		p.until = sub.UnsubscribeAt
	}
	return []period{p}
}

func eventPeriods(sub *meterd.Subscription, events []meterd.LifecycleEvent, delay time.Duration) []period {
	var (
		out  []period
		cur  period
		open = seededMetered(events[0].Action)
		stop time.Time // when a pending unsubscribe ends metering
	)
	if open && !sub.LicenseStart.After(events[0].Time) {
		cur.from = sub.LicenseStart // the seeded start, which no subscribe moved since
	}
	closeAt := func(t time.Time) {
		if !stop.IsZero() && stop.Before(t) {
			t = stop
		}
		out, open, stop = append(out, period{from: cur.from, until: t}), false, time.Time{}
	}
	for _, e := range events {
		switch e.Action {
		case meterd.ActionSubscribeSuccess:
			if !open {
				cur, open = period{from: e.Time}, true
			}
			stop = time.Time{}
		case meterd.ActionUnsubscribePending:
			if open {
				stop = e.Time.Add(delay)
			}
		case meterd.ActionUnsubscribeSuccess, meterd.ActionSubscribeFail:
			if open {
				closeAt(e.Time)
			}
		}
	}
	if open {
		if sub.Status == meterd.SubscriptionUnsubscribePending && !sub.UnsubscribeAt.IsZero() {
			stop = sub.UnsubscribeAt // the stored time beats the configured delay
		}
		out = append(out, period{from: cur.from, until: stop})
	}
	return out
}

// seededMetered reports whether a license whose first event is action was
// metered before it: only a metered license is unsubscribed or changed.
func seededMetered(action meterd.LifecycleAction) bool {
	switch action {
	case meterd.ActionUnsubscribePending, meterd.ActionUnsubscribeSuccess, meterd.ActionEntitlementUpdated:
		return true
	}
	return false
}

// clipPeriods ends every span at end (zero: no end), dropping the empty.
func clipPeriods(ps []period, end time.Time) []period {
	if end.IsZero() {
		return ps
	}
	var out []period
	for _, p := range ps {
		if p.until.IsZero() || p.until.After(end) {
			p.until = end
		}
		if p.from.IsZero() || p.from.Before(p.until) {
			out = append(out, p)
		}
	}
	return out
}
