package insight

import (
	"reflect"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

// TestSubscribedPeriods: one row per rule of how a license's lifecycle
// events become the spans it could be metered in.
func TestSubscribedPeriods(t *testing.T) {
	at := func(hour, minute int) time.Time {
		return time.Date(2026, time.December, 1, hour, minute, 0, 0, time.UTC)
	}
	ev := func(action meterd.LifecycleAction, hour, minute int) meterd.LifecycleEvent {
		return meterd.LifecycleEvent{Action: action, Time: at(hour, minute)}
	}
	const (
		sub     = meterd.ActionSubscribeSuccess
		fail    = meterd.ActionSubscribeFail
		pending = meterd.ActionUnsubscribePending
		done    = meterd.ActionUnsubscribeSuccess
		updated = meterd.ActionEntitlementUpdated
	)
	active := meterd.Subscription{Status: meterd.SubscriptionActive}
	tests := []struct {
		name   string
		sub    meterd.Subscription
		events []meterd.LifecycleEvent
		want   []period
	}{
		{"OK no events: an active license is metered for all time", active, nil, []period{{}}},
		{"OK no events: from the license start to its end",
			meterd.Subscription{Status: meterd.SubscriptionActive, LicenseStart: at(2, 0), LicenseEnd: at(8, 0)}, nil,
			[]period{{at(2, 0), at(8, 0)}}},
		{"OK no events: unsubscribed is never metered", meterd.Subscription{Status: meterd.SubscriptionUnsubscribed}, nil, nil},
		{"OK no events: unsubscribe-pending until its time",
			meterd.Subscription{Status: meterd.SubscriptionUnsubscribePending, UnsubscribeAt: at(5, 0)}, nil,
			[]period{{time.Time{}, at(5, 0)}}},
		{"OK subscribe opens a span", active, []meterd.LifecycleEvent{ev(sub, 1, 20)}, []period{{at(1, 20), time.Time{}}}},
		{"OK unsubscribe-success closes it",
			meterd.Subscription{Status: meterd.SubscriptionUnsubscribed},
			[]meterd.LifecycleEvent{ev(sub, 1, 0), ev(pending, 4, 0), ev(done, 5, 0)}, []period{{at(1, 0), at(5, 0)}}},
		{"OK a late unsubscribe-success ends at the pending's delay",
			meterd.Subscription{Status: meterd.SubscriptionUnsubscribed},
			[]meterd.LifecycleEvent{ev(sub, 1, 0), ev(pending, 4, 0), ev(done, 9, 0)}, []period{{at(1, 0), at(5, 0)}}},
		{"OK still pending: until the stored unsubscribe time",
			meterd.Subscription{Status: meterd.SubscriptionUnsubscribePending, UnsubscribeAt: at(4, 30)},
			[]meterd.LifecycleEvent{ev(sub, 1, 0), ev(pending, 4, 0)}, []period{{at(1, 0), at(4, 30)}}},
		{"OK resubscribe while pending keeps the span open", active,
			[]meterd.LifecycleEvent{ev(sub, 1, 0), ev(pending, 4, 0), ev(sub, 4, 30)}, []period{{at(1, 0), time.Time{}}}},
		{"OK resubscribe after unsubscribe opens a second span", active,
			[]meterd.LifecycleEvent{ev(sub, 1, 0), ev(pending, 2, 0), ev(done, 3, 0), ev(sub, 6, 0)},
			[]period{{at(1, 0), at(3, 0)}, {at(6, 0), time.Time{}}}},
		{"OK subscribe-fail opens nothing", meterd.Subscription{Status: meterd.SubscriptionFailed},
			[]meterd.LifecycleEvent{ev(fail, 1, 0)}, nil},
		{"OK subscribe-fail on a resubscribe closes the pending span", meterd.Subscription{Status: meterd.SubscriptionFailed},
			[]meterd.LifecycleEvent{ev(sub, 1, 0), ev(pending, 4, 0), ev(fail, 4, 10)}, []period{{at(1, 0), at(4, 10)}}},
		{"OK seeded license unsubscribed: metered from its start", meterd.Subscription{Status: meterd.SubscriptionUnsubscribed, LicenseStart: at(0, 0)},
			[]meterd.LifecycleEvent{ev(pending, 3, 0), ev(done, 4, 0)}, []period{{at(0, 0), at(4, 0)}}},
		{"OK seeded pending license: not metered before its subscribe", active,
			[]meterd.LifecycleEvent{ev(sub, 2, 0)}, []period{{at(2, 0), time.Time{}}}},
		{"OK expiry ends the span at the license's end",
			meterd.Subscription{Status: meterd.SubscriptionActive, LicenseStart: at(1, 0), LicenseEnd: at(3, 0)},
			[]meterd.LifecycleEvent{ev(sub, 1, 0), ev(updated, 3, 0)}, []period{{at(1, 0), at(3, 0)}}},
		{"OK a span after the license's end is dropped",
			meterd.Subscription{Status: meterd.SubscriptionActive, LicenseEnd: at(3, 0)},
			[]meterd.LifecycleEvent{ev(sub, 5, 0)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := subscribedPeriods(&tt.sub, tt.events, time.Hour)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("periods %v, want %v", got, tt.want)
			}
		})
	}
}

// TestPeriodCovers: an hour expects a record only when the span holds all
// of it.
func TestPeriodCovers(t *testing.T) {
	h := time.Date(2026, time.December, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		p    period
		want bool
	}{
		{"OK open span", period{}, true},
		{"OK span starting at the hour", period{from: h}, true},
		{"OK span ending at the hour's end", period{until: h.Add(time.Hour)}, true},
		{"ErrNot subscribed at the hour's start", period{from: h.Add(20 * time.Minute)}, false},
		{"ErrNot subscribed at the hour's end", period{until: h.Add(40 * time.Minute)}, false},
		{"ErrNot ended before the hour", period{until: h}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.covers(h); got != tt.want {
				t.Errorf("covers = %v, want %v", got, tt.want)
			}
		})
	}
}
