package backend

import (
	"time"

	"github.com/meterd/meterd"
)

// ChangeWriter stores the parts of a meterd.SubscriptionChange in one
// transaction, in its backend's SQL.
type ChangeWriter interface {
	CatalogWriter
	InsertToken(t *meterd.RegistrationToken) error
	// InsertLifecycleEvent stores e and one delivery per notification
	// target of its product, in the targets' order, due at e.Time.
	InsertLifecycleEvent(e *meterd.LifecycleEvent) error
}

// ChangeSubscription runs fn on old (nil when the subscription does not
// exist) and writes what it returns: the subscription as admin-made, the
// token, the event and its deliveries, so that a change is announced
// exactly when it happens.
func ChangeSubscription(w ChangeWriter, old *meterd.Subscription, fn meterd.SubscriptionUpdater) (*meterd.SubscriptionChange, error) {
	ch, err := fn(old)
	if err != nil {
		return nil, err
	}
	if ch.Subscription != nil {
		s := *ch.Subscription
		s.Origin = meterd.OriginAdmin
		c := &meterd.Catalog{Subscriptions: []*meterd.Subscription{&s}}
		if err := SubscriptionsTable.UpsertRange(w, c, 0, 1); err != nil {
			return nil, err
		}
	}
	if ch.Token != nil {
		if err := w.InsertToken(ch.Token); err != nil {
			return nil, err
		}
	}
	if ch.Event != nil {
		if err := w.InsertLifecycleEvent(ch.Event); err != nil {
			return nil, err
		}
	}
	return ch, nil
}

// DueUnsubscribes returns pending unsubscribes due at now, earliest
// first; rows runs the query, d stores its times.
func DueUnsubscribes(d Dialect, rows RowsFunc, now time.Time, limit int) ([]*meterd.Subscription, error) {
	at, err := d.EncodeTime(now)
	if err != nil {
		return nil, err
	}
	q := SubscriptionColumns + ` WHERE unsubscribe_at IS NOT NULL AND unsubscribe_at <= ? AND status = ?
		ORDER BY unsubscribe_at, license_arn LIMIT ?`
	var subs []*meterd.Subscription
	err = rows(q, func(r Scanner) error {
		s, err := ScanSubscription(d, r)
		subs = append(subs, s)
		return err
	}, at, string(meterd.SubscriptionUnsubscribePending), limit)
	if err != nil {
		return nil, err
	}
	return subs, nil
}
