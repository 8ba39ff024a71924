package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

// notFound maps sql.ErrNoRows to meterd's ENotFound.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return meterd.Errorf(meterd.ENotFound, format, args...)
	}
	return err
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

// loadAccessKey reads the access key id, or ENotFound.
func (db *DB) loadAccessKey(ctx context.Context, id string) (*meterd.AccessKey, error) {
	const q = `SELECT id, secret, account_id, home_region, platform, disabled, origin FROM access_keys WHERE id = ?`
	var k meterd.AccessKey
	err := db.queryRow(ctx, q, id).Scan(&k.ID, &k.Secret, &k.AccountID, &k.HomeRegion, &k.Platform, &k.Disabled, &k.Origin)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find access key: %w", notFound(err, "access key %q not found", id))
	}
	return &k, nil
}

// loadProduct reads the product with code, or ENotFound.
func (db *DB) loadProduct(ctx context.Context, code string) (*meterd.Product, error) {
	p, err := scanProduct(db.queryRow(ctx, productColumns+` WHERE code = ?`, code))
	if err != nil {
		return nil, fmt.Errorf("sqlite: find product: %w", notFound(err, "product %q not found", code))
	}
	return p, nil
}

const productColumns = `SELECT code, seller_account_id, type, dimensions, integration, fulfillment_url,
	notification_targets, origin FROM products`

func scanProduct(r rowScanner) (*meterd.Product, error) {
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

// loadCustomer reads the customer FindCustomer returns.
func (db *DB) loadCustomer(ctx context.Context, f meterd.CustomerFilter) (*meterd.Customer, error) {
	var (
		where []string
		args  []any
	)
	if f.Identifier != "" {
		where, args = append(where, "identifier = ?"), append(args, f.Identifier)
	}
	if f.AWSAccountID != "" {
		where, args = append(where, "aws_account_id = ?"), append(args, f.AWSAccountID)
	}
	if len(where) == 0 {
		return nil, errors.New("sqlite: find customer: empty filter")
	}
	q := `SELECT identifier, aws_account_id, origin FROM customers WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY identifier LIMIT 1`
	var c meterd.Customer
	if err := db.queryRow(ctx, q, args...).Scan(&c.Identifier, &c.AWSAccountID, &c.Origin); err != nil {
		return nil, fmt.Errorf("sqlite: find customer: %w", notFound(err, "customer %+v not found", f))
	}
	return &c, nil
}

// loadSubscriptions reads what FindSubscriptions returns.
func (db *DB) loadSubscriptions(ctx context.Context, f meterd.SubscriptionFilter) ([]*meterd.Subscription, error) {
	q, args := subscriptionsQuery(f)
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
		s, err := scanSubscription(rows)
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

// subscriptionsQuery builds the query of f. A position is a row-value
// comparison on the columns of the order, so that SQLite seeks to it in
// subscriptions_order (or subscriptions_product_license) and reads only
// the page: keyset pagination.
func subscriptionsQuery(f meterd.SubscriptionFilter) (string, []any) {
	var (
		where = []string{"1 = 1"}
		args  []any
	)
	for _, c := range []struct{ column, value string }{
		{"product_code", f.ProductCode},
		{"customer_identifier", f.CustomerIdentifier},
		{"license_arn", f.LicenseArn},
	} {
		if c.value != "" {
			where, args = append(where, c.column+" = ?"), append(args, c.value)
		}
	}
	order := "product_code, customer_identifier, license_arn"
	if f.ByLicense {
		order = "license_arn"
	}
	switch {
	case f.After == nil:
	case f.ByLicense:
		where, args = append(where, "license_arn > ?"), append(args, f.After.LicenseArn)
	default:
		where = append(where, "(customer_identifier, license_arn) > (?, ?)")
		args = append(args, f.After.CustomerIdentifier, f.After.LicenseArn)
	}
	q := subscriptionColumns + ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ` + order
	if f.Limit > 0 {
		q, args = q+` LIMIT ?`, append(args, f.Limit)
	}
	return q, args
}

const subscriptionColumns = `SELECT license_arn, product_code, customer_identifier, status, license_start,
	license_end, entitlements, offer_type, offer_id, unsubscribe_at, origin FROM subscriptions`

func scanSubscription(r rowScanner) (*meterd.Subscription, error) {
	var (
		s                 meterd.Subscription
		start, end, unsub sql.NullString
		ents              string
	)
	if err := r.Scan(&s.LicenseArn, &s.ProductCode, &s.CustomerIdentifier, &s.Status, &start, &end, &ents,
		&s.OfferType, &s.OfferID, &unsub, &s.Origin); err != nil {
		return nil, err
	}
	var td timeDecoder
	s.LicenseStart, s.LicenseEnd, s.UnsubscribeAt = td.decode(start), td.decode(end), td.decode(unsub)
	if td.err != nil {
		return nil, fmt.Errorf("subscription %q: %w", s.LicenseArn, td.err)
	}
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
// ENotFound. When several customers share an AWS account, the one with the
// smallest identifier is returned.
func (db *DB) FindCustomer(ctx context.Context, f meterd.CustomerFilter) (*meterd.Customer, error) {
	return cachedLookup(ctx, db, backend.CacheKey{Kind: "customer", A: f.Identifier, B: f.AWSAccountID},
		func(ctx context.Context) (*meterd.Customer, error) { return db.loadCustomer(ctx, f) }, backend.CloneCustomer)
}

// FindSubscriptions returns the subscriptions matching f ordered by product,
// customer identifier and license ARN (or by license ARN alone with
// f.ByLicense), after f.After and at most f.Limit; none is an empty slice.
//
// Pages after a position are read from the index every time rather than
// cached: each position is asked for about once, and caching every page
// of a large product would hold it all in memory. A first page is cached
// like any other lookup.
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
