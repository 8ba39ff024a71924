package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/meterd/meterd"
)

var _ meterd.LifecycleReader = (*DB)(nil)

// FindLifecycleEvents returns the events f selects, oldest first. Events
// are few (one per buyer action), so the scan needs no index.
func (db *DB) FindLifecycleEvents(ctx context.Context, f meterd.LifecycleEventFilter) ([]meterd.LifecycleEvent, error) {
	const q = `SELECT id, action, product_code, customer_identifier, customer_aws_account_id, license_arn,
		offer_identifier, free_trial, time FROM lifecycle_events
		WHERE (?1 = '' OR product_code = ?1) AND (?2 = '' OR customer_identifier = ?2) ORDER BY seq`
	out := []meterd.LifecycleEvent{}
	err := listRows(ctx, db, q, func(r rowScanner) error {
		var (
			e  meterd.LifecycleEvent
			at sql.NullString
		)
		if err := r.Scan(&e.ID, &e.Action, &e.ProductCode, &e.CustomerIdentifier, &e.CustomerAWSAccountID,
			&e.LicenseArn, &e.OfferIdentifier, &e.FreeTrial, &at); err != nil {
			return err
		}
		var td timeDecoder
		e.Time = td.decode(at)
		out = append(out, e)
		return td.err
	}, f.ProductCode, f.CustomerIdentifier)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find lifecycle events: %w", err)
	}
	return out, nil
}
