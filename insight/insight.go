// Package insight answers what a seller asks of meterd after metering: what
// each customer will be billed (Bill) and what the integration does wrong
// (Health). It reads the catalog and sums of the ledger through narrow
// interfaces, and knows neither HTTP nor SQL.
package insight

import (
	"context"
	"slices"
	"time"

	"github.com/meterd/meterd"
)

// Store is what insight reads: the catalog and sums of the ledger (the
// usage rollups for bills, hourly summaries with arrival times for health).
type Store interface {
	meterd.CatalogReader
	meterd.LifecycleReader
	meterd.UsageReader
	meterd.UsageSummarizer
}

// Service computes bills and health reports.
type Service struct {
	store Store
	trail meterd.AuditStore
	clock meterd.Clock
	// unsubscribeDelay is how long metering goes on after
	// unsubscribe-pending.
	unsubscribeDelay time.Duration
}

// Option changes a Service.
type Option func(*Service)

// WithUnsubscribeDelay tells health how long a pending unsubscribe lets a
// seller meter (lifecycle.Config.UnsubscribeDelay); the default is AWS's
// hour.
func WithUnsubscribeDelay(d time.Duration) Option {
	return func(s *Service) { s.unsubscribeDelay = d }
}

// New returns a Service reading store and the audit trail (the records
// AWS would have rejected are only there; nil reports none), with "now"
// from clock (the business clock).
func New(store Store, trail meterd.AuditStore, clock meterd.Clock, opts ...Option) *Service {
	s := &Service{store: store, trail: trail, clock: clock, unsubscribeDelay: DefaultUnsubscribeDelay}
	for _, o := range opts {
		o(s)
	}
	return s
}

// productCodes returns code when set, else every product that has a
// subscription, sorted.
func (s *Service) productCodes(ctx context.Context, code string) ([]string, error) {
	if code != "" {
		if _, err := s.store.FindProduct(ctx, code); err != nil {
			return nil, err
		}
		return []string{code}, nil
	}
	subs, err := s.store.FindSubscriptions(ctx, meterd.SubscriptionFilter{})
	if err != nil {
		return nil, err
	}
	var codes []string
	for _, sub := range subs {
		codes = append(codes, sub.ProductCode)
	}
	slices.Sort(codes)
	return slices.Compact(codes), nil
}

// customerKey names a customer in a report: its identifier, or for
// records that name none (MeterUsage), its AWS account.
type customerKey struct {
	Identifier   string
	AWSAccountID string
}

// wanted reports whether filter (an identifier or an AWS account id, ""
// for all) selects c.
func (c customerKey) wanted(filter string) bool {
	return filter == "" || filter == c.Identifier || filter == c.AWSAccountID
}

func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}
