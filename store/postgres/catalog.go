package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

func (db *DB) loadAccessKey(ctx context.Context, id string) (*meterd.AccessKey, error) {
	const q = `SELECT id, secret, account_id, home_region, platform, disabled, origin FROM access_keys WHERE id = $1`
	var k meterd.AccessKey
	err := db.pool.QueryRow(ctx, q, id).Scan(&k.ID, &k.Secret, &k.AccountID, &k.HomeRegion, &k.Platform, &k.Disabled, &k.Origin)
	if err != nil {
		return nil, fmt.Errorf("postgres: find access key: %w", notFound(err, "access key %q not found", id))
	}
	return &k, nil
}

func (db *DB) loadProduct(ctx context.Context, code string) (*meterd.Product, error) {
	p, err := scanProduct(db.pool.QueryRow(ctx, productColumns+` WHERE code = $1`, code))
	if err != nil {
		return nil, fmt.Errorf("postgres: find product: %w", notFound(err, "product %q not found", code))
	}
	return p, nil
}

const productColumns = `SELECT code, seller_account_id, type, dimensions, integration, fulfillment_url,
	notification_targets, origin FROM products`

func scanProduct(r pgx.Row) (*meterd.Product, error) {
	var (
		p             meterd.Product
		dims, targets string
	)
	err := r.Scan(&p.Code, &p.SellerAccountID, &p.Type, &dims, &p.Integration, &p.FulfillmentURL, &targets, &p.Origin)
	if err != nil {
		return nil, err
	}
	if p.Dimensions, err = backend.DecodeList[meterd.Dimension](dims); err != nil {
		return nil, fmt.Errorf("product %q: dimensions: %w", p.Code, err)
	}
	if p.NotificationTargets, err = backend.DecodeList[meterd.NotificationTarget](targets); err != nil {
		return nil, fmt.Errorf("product %q: notification targets: %w", p.Code, err)
	}
	return &p, nil
}

func (db *DB) loadCustomer(ctx context.Context, f meterd.CustomerFilter) (*meterd.Customer, error) {
	var w whereBuilder
	if f.Identifier != "" {
		w.add("identifier = ?", f.Identifier)
	}
	if f.AWSAccountID != "" {
		w.add("aws_account_id = ?", f.AWSAccountID)
	}
	if len(w.conds) == 0 {
		return nil, errors.New("postgres: find customer: empty filter")
	}
	q := `SELECT identifier, aws_account_id, origin FROM customers` + w.where() + ` ORDER BY identifier LIMIT 1`
	var c meterd.Customer
	if err := db.pool.QueryRow(ctx, q, w.args...).Scan(&c.Identifier, &c.AWSAccountID, &c.Origin); err != nil {
		return nil, fmt.Errorf("postgres: find customer: %w", notFound(err, "customer %+v not found", f))
	}
	return &c, nil
}

func (db *DB) loadSubscriptions(ctx context.Context, f meterd.SubscriptionFilter) ([]*meterd.Subscription, error) {
	q, args := subscriptionsQuery(f)
	rows, err := db.pool.Query(ctx, q, args...)
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
	if subs == nil {
		subs = []*meterd.Subscription{}
	}
	return subs, nil
}

// subscriptionsQuery builds the query of f; a position is a row-value
// comparison on the columns of the order (keyset pagination).
func subscriptionsQuery(f meterd.SubscriptionFilter) (string, []any) {
	var w whereBuilder
	for _, c := range []struct{ column, value string }{
		{"product_code", f.ProductCode},
		{"customer_identifier", f.CustomerIdentifier},
		{"license_arn", f.LicenseArn},
	} {
		if c.value != "" {
			w.add(c.column+" = ?", c.value)
		}
	}
	order := "product_code, customer_identifier, license_arn"
	if f.ByLicense {
		order = "license_arn"
	}
	switch {
	case f.After == nil:
	case f.ByLicense:
		w.add("license_arn > ?", f.After.LicenseArn)
	default:
		a, b := w.next(f.After.CustomerIdentifier), w.next(f.After.LicenseArn)
		w.conds = append(w.conds, "(customer_identifier, license_arn) > ("+a+", "+b+")")
	}
	q := subscriptionColumns + w.where() + ` ORDER BY ` + order
	if f.Limit > 0 {
		q += ` LIMIT ` + w.next(f.Limit)
	}
	return q, w.args
}

const subscriptionColumns = `SELECT license_arn, product_code, customer_identifier, status, license_start,
	license_end, entitlements, offer_type, offer_id, unsubscribe_at, origin FROM subscriptions`

func scanSubscription(r pgx.CollectableRow) (*meterd.Subscription, error) {
	return scanSubscriptionRow(r)
}

func scanSubscriptionRow(r pgx.Row) (*meterd.Subscription, error) {
	var (
		s                 meterd.Subscription
		start, end, unsub *int64
		ents              string
	)
	if err := r.Scan(&s.LicenseArn, &s.ProductCode, &s.CustomerIdentifier, &s.Status, &start, &end, &ents,
		&s.OfferType, &s.OfferID, &unsub, &s.Origin); err != nil {
		return nil, err
	}
	s.LicenseStart, s.LicenseEnd, s.UnsubscribeAt = decodeTime(start), decodeTime(end), decodeTime(unsub)
	var err error
	if s.Entitlements, err = backend.DecodeList[meterd.Entitlement](ents); err != nil {
		return nil, fmt.Errorf("subscription %q: entitlements: %w", s.LicenseArn, err)
	}
	return &s, nil
}

// FindAccessKey returns the key with id, or ENotFound.
func (db *DB) FindAccessKey(ctx context.Context, id string) (*meterd.AccessKey, error) {
	return cachedLookup(ctx, db, backend.CacheKey{Kind: "key", A: id},
		func(ctx context.Context) (*meterd.AccessKey, error) { return db.loadAccessKey(ctx, id) }, backend.CloneAccessKey)
}

// FindProduct returns the product with code, or ENotFound.
func (db *DB) FindProduct(ctx context.Context, code string) (*meterd.Product, error) {
	return cachedLookup(ctx, db, backend.CacheKey{Kind: "product", A: code},
		func(ctx context.Context) (*meterd.Product, error) { return db.loadProduct(ctx, code) }, backend.CloneProduct)
}

// FindCustomer returns the customer matching every set field of f, or
// ENotFound; of several sharing an AWS account, the smallest identifier.
func (db *DB) FindCustomer(ctx context.Context, f meterd.CustomerFilter) (*meterd.Customer, error) {
	return cachedLookup(ctx, db, backend.CacheKey{Kind: "customer", A: f.Identifier, B: f.AWSAccountID},
		func(ctx context.Context) (*meterd.Customer, error) { return db.loadCustomer(ctx, f) }, backend.CloneCustomer)
}

// FindSubscriptions returns the subscriptions matching f in the order of
// meterd.SubscriptionFilter; pages after a position are not cached.
func (db *DB) FindSubscriptions(ctx context.Context, f meterd.SubscriptionFilter) ([]*meterd.Subscription, error) {
	load := func(ctx context.Context) ([]*meterd.Subscription, error) { return db.loadSubscriptions(ctx, f) }
	if f.After != nil {
		if db.isClosed() {
			return nil, ErrClosed
		}
		return load(ctx)
	}
	kind := "subscriptions"
	if f.ByLicense {
		kind = "subscriptions-by-license"
	}
	return cachedLookup(ctx, db, backend.CacheKey{Kind: kind, A: f.ProductCode, B: f.CustomerIdentifier, C: f.LicenseArn, Limit: f.Limit},
		load, backend.CloneSubscriptions)
}

// ApplyCatalog upserts every entry of c in one transaction, parents first.
func (db *DB) ApplyCatalog(ctx context.Context, c *meterd.Catalog) error {
	if err := db.catalogTx(ctx, func(tx pgx.Tx) error { return upsertCatalog(ctx, tx, c) }); err != nil {
		return fmt.Errorf("postgres: apply catalog: %w", err)
	}
	return nil
}

// ReplaceCatalog upserts c and deletes every entry c does not list, in one
// transaction.
func (db *DB) ReplaceCatalog(ctx context.Context, c *meterd.Catalog) error {
	err := db.catalogTx(ctx, func(tx pgx.Tx) error {
		if err := upsertCatalog(ctx, tx, c); err != nil {
			return err
		}
		return pruneCatalog(ctx, tx, c)
	})
	if err != nil {
		return fmt.Errorf("postgres: replace catalog: %w", err)
	}
	return nil
}

// catalogTx runs f in a transaction that also tells every node to forget
// its cached catalog (NOTIFY is delivered at commit, and only then), then
// empties this node's cache. Nodes applying the same seed at once may
// deadlock on its rows; the loser runs again.
func (db *DB) catalogTx(ctx context.Context, f func(pgx.Tx) error) error {
	if db.isClosed() {
		return ErrClosed
	}
	defer db.cache.Invalidate()
	for run := 1; ; run++ {
		err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			if err := f(tx); err != nil {
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

// catalogBatch is how many entries one statement upserts.
const catalogBatch = 500

// catalogTable writes one catalog table; each entry is a row of columns,
// the key first, passed as a JSON array of arrays.
type catalogTable struct {
	table   string
	columns []string
	types   []string // SQL type of each column
	count   func(c *meterd.Catalog) int
	row     func(c *meterd.Catalog, i int) ([]any, error)
	fail    func(c *meterd.Catalog, i int, err error) error
}

// catalogTables is in deletion order: children before parents.
var catalogTables = []catalogTable{
	subscriptionsTable, customersTable, productsTable, accessKeysTable, accountsTable,
}

func upsertCatalog(ctx context.Context, tx pgx.Tx, c *meterd.Catalog) error {
	for i := len(catalogTables) - 1; i >= 0; i-- {
		t := catalogTables[i]
		n := t.count(c)
		for start := 0; start < n; start += catalogBatch {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := t.upsertRange(ctx, tx, c, start, min(start+catalogBatch, n)); err != nil {
				return err
			}
		}
	}
	return nil
}

// upsertRange writes entries start..end in one statement, inside a
// savepoint: when the batch breaks a foreign key, its entries are written
// again one at a time so that the error names the entry.
func (t catalogTable) upsertRange(ctx context.Context, tx pgx.Tx, c *meterd.Catalog, start, end int) error {
	rows := make([][]any, 0, end-start)
	for i := start; i < end; i++ {
		row, err := t.row(c, i)
		if err != nil {
			return t.fail(c, i, err)
		}
		rows = append(rows, row)
	}
	batch, err := encodeJSON(rows)
	if err != nil {
		return fmt.Errorf("%s: %w", t.table, err)
	}
	err = pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
		_, err := sp.Exec(ctx, t.upsertQuery(), batch)
		return err
	})
	switch {
	case err == nil:
		return nil
	case end-start == 1:
		return t.fail(c, start, err)
	case sqlState(err) == codeForeignKeyViolation:
		for i := start; i < end; i++ {
			if err := t.upsertRange(ctx, tx, c, i, i+1); err != nil {
				return err
			}
		}
	}
	return fmt.Errorf("%s: %w", t.table, err)
}

// upsertQuery inserts the rows of a JSON batch; an entry equal to the
// stored one is left alone, so re-applying an unchanged seed writes
// nothing. A seed entry never replaces an admin-made one (docs/catalog.md).
func (t catalogTable) upsertQuery() string {
	values := make([]string, len(t.columns))
	for i := range t.columns {
		values[i] = fmt.Sprintf("(value->>%d)::%s", i, t.types[i])
	}
	rest := t.columns[1:]
	set := make([]string, len(rest))
	old := make([]string, len(rest))
	excluded := make([]string, len(rest))
	for i, col := range rest {
		set[i] = col + " = excluded." + col
		old[i] = t.table + "." + col
		excluded[i] = "excluded." + col
	}
	return "INSERT INTO " + t.table + " (" + strings.Join(t.columns, ", ") + ") SELECT " + strings.Join(values, ", ") +
		" FROM jsonb_array_elements($1::jsonb) ON CONFLICT (" + t.columns[0] + ") DO UPDATE SET " + strings.Join(set, ", ") +
		" WHERE (" + strings.Join(old, ", ") + ") IS DISTINCT FROM (" + strings.Join(excluded, ", ") + ")" +
		" AND (excluded.origin = 'admin' OR " + t.table + ".origin = 'seed')"
}

// pruneCatalog deletes, table by table, the seed's entries c does not list.
// Admin-made entries stay; one that uses a deleted entry fails the whole
// replacement.
func pruneCatalog(ctx context.Context, tx pgx.Tx, c *meterd.Catalog) error {
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
		q := "DELETE FROM " + t.table + " WHERE origin = 'seed' AND NOT (" + t.columns[0] + " = ANY ($1::text[]))"
		_, err := tx.Exec(ctx, q, keep)
		if sqlState(err) == codeForeignKeyViolation {
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
	if sqlState(err) == codeForeignKeyViolation {
		return meterd.Errorf(meterd.EValidation, format, args...)
	}
	return err
}

var accountsTable = catalogTable{
	table:   "accounts",
	columns: []string{"id", "name", "origin"},
	types:   []string{"text", "text", "text"},
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
	types:   []string{"text", "text", "text", "text", "text", "boolean", "text"},
	count:   func(c *meterd.Catalog) int { return len(c.AccessKeys) },
	row: func(c *meterd.Catalog, i int) ([]any, error) {
		k := c.AccessKeys[i]
		return []any{k.ID, k.Secret, k.AccountID, k.HomeRegion, string(k.Platform), k.Disabled,
			string(k.Origin.Normal())}, nil
	},
	fail: func(c *meterd.Catalog, i int, err error) error {
		k := c.AccessKeys[i]
		return danglingReference(err, "access key %q: account %q is not in the catalog", k.ID, k.AccountID)
	},
}

var productsTable = catalogTable{
	table: "products",
	columns: []string{"code", "seller_account_id", "type", "dimensions", "integration", "fulfillment_url",
		"notification_targets", "origin"},
	types: []string{"text", "text", "text", "text", "text", "text", "text", "text"},
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
		if sqlState(err) == codeForeignKeyViolation {
			return danglingReference(err, "product %q: seller account %q is not in the catalog", p.Code, p.SellerAccountID)
		}
		return fmt.Errorf("product %q: %w", p.Code, err)
	},
}

var customersTable = catalogTable{
	table:   "customers",
	columns: []string{"identifier", "aws_account_id", "origin"},
	types:   []string{"text", "text", "text"},
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
	types: []string{"text", "text", "text", "text", "bigint", "bigint", "text", "text", "text", "bigint", "text"},
	count: func(c *meterd.Catalog) int { return len(c.Subscriptions) },
	row:   subscriptionRow,
	fail: func(c *meterd.Catalog, i int, err error) error {
		s := c.Subscriptions[i]
		if sqlState(err) == codeForeignKeyViolation {
			return danglingReference(err, "subscription %q: product %q or customer %q is not in the catalog",
				s.LicenseArn, s.ProductCode, s.CustomerIdentifier)
		}
		return fmt.Errorf("subscription %q: %w", s.LicenseArn, err)
	},
}

// subscriptionRow encodes the zero time as JSON null, which ->> reads as
// NULL, as the column stores it. Nanoseconds are JSON numbers, exact in
// jsonb's numeric.
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
	return []any{s.LicenseArn, s.ProductCode, s.CustomerIdentifier, string(s.Status), start, end, ents,
		string(s.OfferType), s.OfferID, unsub, string(s.Origin.Normal())}, nil
}
