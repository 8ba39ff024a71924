package postgres

import (
	"context"
	"time"

	"github.com/meterd/meterd"
)

// errPending answers the capabilities main gained while the PostgreSQL
// ledger was written and that it does not have yet: a coded error, never a
// silent empty answer.
func errPending(what string) error {
	return meterd.Errorf(meterd.EInternalServiceError, "postgres: %s is not implemented on the PostgreSQL ledger yet", what)
}

func (db *DB) CreateEntries(ctx context.Context, c *meterd.Catalog) error {
	return errPending("CreateEntries")
}

func (db *DB) UpdateAccessKey(ctx context.Context, id string, fn func(k *meterd.AccessKey) error) (*meterd.AccessKey, error) {
	return nil, errPending("UpdateAccessKey")
}

func (db *DB) UpdateProduct(ctx context.Context, code string, fn func(p *meterd.Product) error) (*meterd.Product, error) {
	return nil, errPending("UpdateProduct")
}

func (db *DB) ListCatalog(ctx context.Context) (*meterd.Catalog, error) {
	return nil, errPending("ListCatalog")
}

func (db *DB) SeedConflicts(ctx context.Context, c *meterd.Catalog) ([]string, error) {
	return nil, errPending("SeedConflicts")
}

func (db *DB) ChangeSubscription(ctx context.Context, licenseArn string, fn meterd.SubscriptionUpdater) (*meterd.SubscriptionChange, error) {
	return nil, errPending("ChangeSubscription")
}

func (db *DB) DueUnsubscribes(ctx context.Context, now time.Time, limit int) ([]*meterd.Subscription, error) {
	return nil, errPending("DueUnsubscribes")
}

func (db *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]meterd.Delivery, error) {
	return nil, errPending("DueDeliveries")
}

func (db *DB) RecordAttempt(ctx context.Context, a meterd.DeliveryAttempt, next time.Time) error {
	return errPending("RecordAttempt")
}

func (db *DB) ListDeliveries(ctx context.Context, f meterd.DeliveryFilter) ([]meterd.DeliveryRecord, error) {
	return nil, errPending("ListDeliveries")
}

func (db *DB) ListUsage(ctx context.Context, q meterd.UsageQuery) ([]*meterd.MeteringRecord, string, error) {
	return nil, "", errPending("ListUsage")
}

func (db *DB) SumUsage(ctx context.Context, s meterd.UsageSum) ([]meterd.UsageGroup, error) {
	return nil, errPending("SumUsage")
}

func (db *DB) SummarizeUsage(ctx context.Context, f meterd.UsageSummaryFilter) ([]meterd.UsageSummary, error) {
	return nil, errPending("SummarizeUsage")
}
