package sqlite

import (
	"context"
	"fmt"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

// notFound maps sql.ErrNoRows to meterd's ENotFound.
func notFound(err error, format string, args ...any) error {
	return backend.NotFound(dialect{}, err, format, args...)
}

// queryRow runs a single-row catalog query with its prepared statement; a
// prepare error surfaces from Scan.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	stmt, err := db.readStmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return stmt.QueryRowContext(ctx, args...)
}

// loadSubscriptions reads what FindSubscriptions returns, with the
// statement prepared once on the reader pool: SQLite seeks to a position
// in subscriptions_order (or subscriptions_product_license).
func (db *DB) loadSubscriptions(ctx context.Context, f meterd.SubscriptionFilter) ([]*meterd.Subscription, error) {
	q, args := backend.SubscriptionsQuery(f)
	stmt, err := db.readStmt(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find subscriptions: %w", err)
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find subscriptions: %w", err)
	}
	defer rows.Close()
	subs := []*meterd.Subscription{}
	for rows.Next() {
		s, err := backend.ScanSubscription(dialect{}, rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: find subscriptions: %w", err)
		}
		subs = append(subs, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find subscriptions: %w", err)
	}
	return subs, nil
}
