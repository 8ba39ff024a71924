package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

// ApplyCatalog upserts every entry of c, parents first so the foreign keys
// hold, as one operation of a group commit. If ctx ends before the last
// batch, nothing of c is applied and ctx's error is returned.
func (db *DB) ApplyCatalog(ctx context.Context, c *meterd.Catalog) error {
	defer db.cache.Invalidate()
	if err := db.write(ctx, db.untimed(func(tx *writeTx) error { return upsertCatalog(ctx, tx, c) })); err != nil {
		return fmt.Errorf("sqlite: apply catalog: %w", err)
	}
	return nil
}

// ReplaceCatalog upserts c and deletes, children first, every catalog entry
// c does not list, in one operation; cancelled as ApplyCatalog is.
func (db *DB) ReplaceCatalog(ctx context.Context, c *meterd.Catalog) error {
	defer db.cache.Invalidate()
	err := db.write(ctx, db.untimed(func(tx *writeTx) error {
		if err := upsertCatalog(ctx, tx, c); err != nil {
			return err
		}
		return pruneCatalog(ctx, tx, c)
	}))
	if err != nil {
		return fmt.Errorf("sqlite: replace catalog: %w", err)
	}
	return nil
}

// catalogBatch is how many entries one statement upserts. A catalog is
// written as one operation, inside the writer's savepoint, and SQLite then
// keeps a statement journal that every statement's end truncates by
// walking it from the start: with a statement per entry, applying a
// catalog over a stored one of the same size was quadratic (50,000 buyers
// did not finish in 5 minutes). Batches divide the statements by 500, and
// give a cancelled start a place to stop.
const catalogBatch = 500

// catalogTable writes one catalog table. Each entry is a row of columns,
// the key first, passed to SQLite in batches as a JSON array of arrays.
type catalogTable struct {
	table   string
	columns []string
	count   func(c *meterd.Catalog) int
	row     func(c *meterd.Catalog, i int) ([]any, error)
	// fail names entry i in err, which writing it alone caused.
	fail func(c *meterd.Catalog, i int, err error) error
}

// catalogTables is in deletion order: children before parents. Upserts go
// the other way.
var catalogTables = []catalogTable{
	subscriptionsTable, customersTable, productsTable, accessKeysTable, accountsTable,
}

func upsertCatalog(ctx context.Context, tx *writeTx, c *meterd.Catalog) error {
	for i := len(catalogTables) - 1; i >= 0; i-- {
		if err := catalogTables[i].upsert(ctx, tx, c); err != nil {
			return err
		}
	}
	return nil
}

// upsert writes every entry of the table in c, a batch at a time.
func (t catalogTable) upsert(ctx context.Context, tx *writeTx, c *meterd.Catalog) error {
	n := t.count(c)
	for start := 0; start < n; start += catalogBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := t.upsertRange(tx, c, start, min(start+catalogBatch, n)); err != nil {
			return err
		}
	}
	return nil
}

// upsertRange writes entries start..end in one statement. When a batch
// breaks a foreign key, its entries are written again one at a time (the
// failed statement changed nothing) so that the error names the entry.
func (t catalogTable) upsertRange(tx *writeTx, c *meterd.Catalog, start, end int) error {
	rows := make([][]any, 0, end-start)
	for i := start; i < end; i++ {
		row, err := t.row(c, i)
		if err != nil {
			return t.fail(c, i, err)
		}
		rows = append(rows, row)
	}
	batch, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("%s: %w", t.table, err)
	}
	_, err = tx.exec(t.upsertQuery(), string(batch))
	switch {
	case err == nil:
		return nil
	case end-start == 1:
		return t.fail(c, start, err)
	case isForeignKeyViolation(err):
		for i := start; i < end; i++ {
			if err := t.upsertRange(tx, c, i, i+1); err != nil {
				return err
			}
		}
	}
	return fmt.Errorf("%s: %w", t.table, err)
}

// upsertQuery inserts the rows of a JSON batch. A seed entry never
// replaces an admin-made one (docs/catalog.md; SeedConflicts names them for
// the start-up log). An entry equal to the stored one is left alone, so that re-applying an unchanged seed (every
// restart) writes no page at all. The SELECT needs its WHERE: without it
// SQLite would read ON CONFLICT as a join constraint.
func (t catalogTable) upsertQuery() string {
	values := make([]string, len(t.columns))
	for i := range t.columns {
		values[i] = fmt.Sprintf("value->>%d", i)
	}
	rest := t.columns[1:]
	set := make([]string, len(rest))
	excluded := make([]string, len(rest))
	for i, col := range rest {
		set[i] = col + " = excluded." + col
		excluded[i] = "excluded." + col
	}
	return "INSERT INTO " + t.table + " (" + strings.Join(t.columns, ", ") + ") SELECT " + strings.Join(values, ", ") +
		" FROM json_each(?) WHERE true ON CONFLICT (" + t.columns[0] + ") DO UPDATE SET " + strings.Join(set, ", ") +
		" WHERE (" + strings.Join(rest, ", ") + ") IS NOT (" + strings.Join(excluded, ", ") + ")" +
		" AND (excluded.origin = 'admin' OR " + t.table + ".origin = 'seed')"
}

// pruneCatalog deletes, table by table, the seed's entries c does not list:
// one statement per table, with c's keys as one JSON array. Admin-made
// entries stay; one that uses a deleted entry fails the whole replacement.
func pruneCatalog(ctx context.Context, tx *writeTx, c *meterd.Catalog) error {
	for _, t := range catalogTables {
		if err := ctx.Err(); err != nil {
			return err
		}
		keep := make([]string, t.count(c))
		for i := range keep {
			row, err := t.row(c, i)
			if err != nil {
				return t.fail(c, i, err)
			}
			keep[i] = row[0].(string)
		}
		keys, err := json.Marshal(keep)
		if err != nil {
			return fmt.Errorf("%s: %w", t.table, err)
		}
		q := "DELETE FROM " + t.table + " WHERE origin = 'seed' AND " + t.columns[0] +
			" NOT IN (SELECT value FROM json_each(?))"
		_, err = tx.exec(q, string(keys))
		if isForeignKeyViolation(err) {
			return meterd.Errorf(meterd.EConflict, "%s: an entry the seed no longer lists is used by an entry "+
				"made through the admin API; put it back in the seed or change the admin-made entry", t.table)
		}
		if err != nil {
			return fmt.Errorf("delete from %s: %w", t.table, err)
		}
	}
	return nil
}

// danglingReference turns a foreign key violation into an error naming the
// entry; anything else is returned as is.
func danglingReference(err error, format string, args ...any) error {
	if isForeignKeyViolation(err) {
		return meterd.Errorf(meterd.EValidation, format, args...)
	}
	return err
}

var accountsTable = catalogTable{
	table:   "accounts",
	columns: []string{"id", "name", "origin"},
	count:   func(c *meterd.Catalog) int { return len(c.Accounts) },
	row: func(c *meterd.Catalog, i int) ([]any, error) {
		return []any{c.Accounts[i].ID, c.Accounts[i].Name, string(c.Accounts[i].Origin.Normal())}, nil
	},
	fail: func(c *meterd.Catalog, i int, err error) error {
		return fmt.Errorf("account %q: %w", c.Accounts[i].ID, err)
	},
}

var accessKeysTable = catalogTable{
	table:   "access_keys",
	columns: []string{"id", "secret", "account_id", "home_region", "platform", "disabled", "origin"},
	count:   func(c *meterd.Catalog) int { return len(c.AccessKeys) },
	row: func(c *meterd.Catalog, i int) ([]any, error) {
		k := c.AccessKeys[i]
		return []any{k.ID, k.Secret, k.AccountID, k.HomeRegion, string(k.Platform), boolInt(k.Disabled),
			string(k.Origin.Normal())}, nil
	},
	fail: func(c *meterd.Catalog, i int, err error) error {
		k := c.AccessKeys[i]
		// The key id, not the secret, names the entry.
		return danglingReference(err, "access key %q: account %q is not in the catalog", k.ID, k.AccountID)
	},
}

var productsTable = catalogTable{
	table: "products",
	columns: []string{"code", "seller_account_id", "type", "dimensions", "integration", "fulfillment_url",
		"notification_targets", "origin"},
	count: func(c *meterd.Catalog) int { return len(c.Products) },
	row: func(c *meterd.Catalog, i int) ([]any, error) {
		p := c.Products[i]
		dims, err := encodeJSON(backend.NonNil(p.Dimensions))
		if err != nil {
			return nil, err
		}
		targets, err := encodeJSON(backend.NonNil(p.NotificationTargets))
		return []any{p.Code, p.SellerAccountID, string(p.Type), dims, string(p.Integration), p.FulfillmentURL,
			targets, string(p.Origin.Normal())}, err
	},
	fail: func(c *meterd.Catalog, i int, err error) error {
		p := c.Products[i]
		if isForeignKeyViolation(err) {
			return danglingReference(err, "product %q: seller account %q is not in the catalog", p.Code, p.SellerAccountID)
		}
		return fmt.Errorf("product %q: %w", p.Code, err)
	},
}

var customersTable = catalogTable{
	table:   "customers",
	columns: []string{"identifier", "aws_account_id", "origin"},
	count:   func(c *meterd.Catalog) int { return len(c.Customers) },
	row: func(c *meterd.Catalog, i int) ([]any, error) {
		cu := c.Customers[i]
		return []any{cu.Identifier, cu.AWSAccountID, string(cu.Origin.Normal())}, nil
	},
	fail: func(c *meterd.Catalog, i int, err error) error {
		return fmt.Errorf("customer %q: %w", c.Customers[i].Identifier, err)
	},
}

var subscriptionsTable = catalogTable{
	table: "subscriptions",
	columns: []string{"license_arn", "product_code", "customer_identifier", "status",
		"license_start", "license_end", "entitlements", "offer_type", "offer_id", "unsubscribe_at", "origin"},
	count: func(c *meterd.Catalog) int { return len(c.Subscriptions) },
	row:   subscriptionRow,
	fail: func(c *meterd.Catalog, i int, err error) error {
		s := c.Subscriptions[i]
		if isForeignKeyViolation(err) {
			return danglingReference(err, "subscription %q: product %q or customer %q is not in the catalog",
				s.LicenseArn, s.ProductCode, s.CustomerIdentifier)
		}
		return fmt.Errorf("subscription %q: %w", s.LicenseArn, err)
	},
}

// subscriptionRow encodes the zero time as JSON null, which ->> reads as
// NULL, as the column stores it.
func subscriptionRow(c *meterd.Catalog, i int) ([]any, error) {
	s := c.Subscriptions[i]
	ents, err := encodeJSON(backend.NonNil(s.Entitlements))
	if err != nil {
		return nil, err
	}
	var te timeEncoder
	start, end, unsub := te.encode(s.LicenseStart), te.encode(s.LicenseEnd), te.encode(s.UnsubscribeAt)
	if te.err != nil {
		return nil, te.err
	}
	return []any{s.LicenseArn, s.ProductCode, s.CustomerIdentifier, string(s.Status), nullJSON(start), nullJSON(end), ents,
		string(s.OfferType), s.OfferID, nullJSON(unsub), string(s.Origin.Normal())}, nil
}

// nullJSON is a nullable text as JSON: null, or the string.
func nullJSON(s sql.NullString) any {
	if !s.Valid {
		return nil
	}
	return s.String
}
