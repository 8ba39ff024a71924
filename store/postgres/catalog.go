package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

func (db *DB) loadSubscriptions(ctx context.Context, f meterd.SubscriptionFilter) ([]*meterd.Subscription, error) {
	q, args := backend.SubscriptionsQuery(f)
	rows, err := db.pool.Query(ctx, rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: find subscriptions: %w", err)
	}
	subs, err := pgx.CollectRows(rows, scanSubscription)
	if sqlState(err) == codeInvalidText { // a filter with NUL matches nothing
		return []*meterd.Subscription{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: find subscriptions: %w", err)
	}
	return backend.NonNil(subs), nil
}

func scanSubscription(r pgx.CollectableRow) (*meterd.Subscription, error) {
	return backend.ScanSubscription(dialect{}, r)
}

// ApplyCatalog upserts every entry of c in one transaction, parents first.
func (db *DB) ApplyCatalog(ctx context.Context, c *meterd.Catalog) error {
	err := db.catalogTx(ctx, func(w *catalogWriter) error { return backend.UpsertCatalog(ctx, w, c) })
	if err != nil {
		return fmt.Errorf("postgres: apply catalog: %w", err)
	}
	return nil
}

// ReplaceCatalog upserts c and deletes every entry c does not list, in one
// transaction.
func (db *DB) ReplaceCatalog(ctx context.Context, c *meterd.Catalog) error {
	if err := db.catalogTx(ctx, func(w *catalogWriter) error { return backend.ReplaceCatalog(ctx, w, c) }); err != nil {
		return fmt.Errorf("postgres: replace catalog: %w", err)
	}
	return nil
}

// catalogEditor makes the admin API's catalog changes (backend.CatalogEditor)
// in catalogTx, each entry to change locked for the transaction, so that
// two nodes changing one entry take turns.
func (db *DB) catalogEditor() *backend.CatalogEditor {
	return backend.NewCatalogEditor("postgres", func(ctx context.Context, f func(backend.ChangeWriter) error) error {
		return db.catalogTx(ctx, func(w *catalogWriter) error { return f(w) })
	}, " FOR UPDATE")
}

// catalogTx runs f in a transaction that also tells every node to forget
// its cached catalog (NOTIFY is delivered at commit, and only then), then
// empties this node's cache. Nodes applying the same seed at once may
// deadlock on its rows; the loser runs again.
func (db *DB) catalogTx(ctx context.Context, f func(*catalogWriter) error) error {
	if db.isClosed() {
		return ErrClosed
	}
	defer db.cache.Invalidate()
	for run := 1; ; run++ {
		err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			if err := f(&catalogWriter{ctx: ctx, tx: tx}); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "SELECT pg_notify($1, '')", catalogChannel)
			return err
		})
		if err == nil || !retryable(err) || run == maxGroupRuns {
			return err
		}
	}
}

// catalogWriter is backend.CatalogWriter on a transaction.
type catalogWriter struct {
	dialect
	ctx context.Context
	tx  pgx.Tx
}

// UpsertRows runs upsertQuery inside a savepoint, so that a batch that
// fails leaves the transaction usable for writing its entries one by one.
func (w *catalogWriter) UpsertRows(t *backend.CatalogTable, rows string) error {
	return pgx.BeginFunc(w.ctx, w.tx, func(sp pgx.Tx) error {
		_, err := sp.Exec(w.ctx, upsertQuery(t), rows)
		return err
	})
}

func (w *catalogWriter) InsertRow(t *backend.CatalogTable, row []any) error {
	names := t.ColumnNames()
	marks := make([]string, len(names))
	for i := range marks {
		marks[i] = "$" + strconv.Itoa(i+1)
	}
	q := "INSERT INTO " + t.Name + " (" + strings.Join(names, ", ") + ") VALUES (" + strings.Join(marks, ", ") + ")"
	_, err := w.tx.Exec(w.ctx, q, row...)
	return err
}

func (w *catalogWriter) QueryRow(query string, args ...any) backend.Scanner {
	return w.tx.QueryRow(w.ctx, rebind(query), args...)
}

func (w *catalogWriter) PruneSeed(t *backend.CatalogTable, keep []string) error {
	q := "DELETE FROM " + t.Name + " WHERE origin = 'seed' AND NOT (" + t.Key() + " = ANY ($1::text[]))"
	_, err := w.tx.Exec(w.ctx, q, keep)
	return err
}

// upsertQuery inserts the rows of a JSON batch (see
// backend.CatalogWriter.UpsertRows for what it leaves alone).
func upsertQuery(t *backend.CatalogTable) string {
	names := t.ColumnNames()
	values := make([]string, len(t.Columns))
	for i, col := range t.Columns {
		values[i] = fmt.Sprintf("(value->>%d)::%s", i, sqlTypes[col.Kind])
	}
	rest := names[1:]
	set := make([]string, len(rest))
	old := make([]string, len(rest))
	excluded := make([]string, len(rest))
	for i, col := range rest {
		set[i] = col + " = excluded." + col
		old[i] = t.Name + "." + col
		excluded[i] = "excluded." + col
	}
	return "INSERT INTO " + t.Name + " (" + strings.Join(names, ", ") + ") SELECT " + strings.Join(values, ", ") +
		" FROM jsonb_array_elements($1::jsonb) ON CONFLICT (" + t.Key() + ") DO UPDATE SET " + strings.Join(set, ", ") +
		" WHERE (" + strings.Join(old, ", ") + ") IS DISTINCT FROM (" + strings.Join(excluded, ", ") + ")" +
		" AND (excluded.origin = 'admin' OR " + t.Name + ".origin = 'seed')"
}

// sqlTypes is the column type of each kind; times are nanoseconds (see
// codec.go), exact in jsonb's numeric.
var sqlTypes = map[backend.ColumnKind]string{
	backend.TextColumn: "text", backend.JSONColumn: "text", backend.BoolColumn: "boolean", backend.TimeColumn: "bigint",
}
