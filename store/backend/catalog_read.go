package backend

import (
	"errors"
	"fmt"

	"github.com/meterd/meterd"
)

// The SELECT lists of the catalog's entries: each goes with the scan
// function below it, so that both backends read the same columns in the
// same order.
const (
	AccessKeyColumns = `SELECT id, secret, account_id, home_region, platform, disabled, origin FROM access_keys`
	ProductColumns   = `SELECT code, seller_account_id, type, dimensions, integration, fulfillment_url,
	notification_targets, origin FROM products`
	CustomerColumns     = `SELECT identifier, aws_account_id, origin FROM customers`
	SubscriptionColumns = `SELECT license_arn, product_code, customer_identifier, status, license_start,
	license_end, entitlements, offer_type, offer_id, unsubscribe_at, origin FROM subscriptions`
)

// ScanAccessKey reads a row of AccessKeyColumns.
func ScanAccessKey(r Scanner) (*meterd.AccessKey, error) {
	var k meterd.AccessKey
	if err := r.Scan(&k.ID, &k.Secret, &k.AccountID, &k.HomeRegion, &k.Platform, &k.Disabled, &k.Origin); err != nil {
		return nil, err
	}
	return &k, nil
}

// ScanProduct reads a row of ProductColumns.
func ScanProduct(r Scanner) (*meterd.Product, error) {
	var (
		p             meterd.Product
		dims, targets string
	)
	err := r.Scan(&p.Code, &p.SellerAccountID, &p.Type, &dims, &p.Integration, &p.FulfillmentURL, &targets, &p.Origin)
	if err != nil {
		return nil, err
	}
	if p.Dimensions, err = DecodeList[meterd.Dimension](dims); err != nil {
		return nil, fmt.Errorf("product %q: dimensions: %w", p.Code, err)
	}
	if p.NotificationTargets, err = DecodeList[meterd.NotificationTarget](targets); err != nil {
		return nil, fmt.Errorf("product %q: notification targets: %w", p.Code, err)
	}
	return &p, nil
}

// ScanCustomer reads a row of CustomerColumns.
func ScanCustomer(r Scanner) (*meterd.Customer, error) {
	var c meterd.Customer
	if err := r.Scan(&c.Identifier, &c.AWSAccountID, &c.Origin); err != nil {
		return nil, err
	}
	return &c, nil
}

// ScanSubscription reads a row of SubscriptionColumns, its times as d
// stores them.
func ScanSubscription(d Dialect, r Scanner) (*meterd.Subscription, error) {
	var (
		s                 meterd.Subscription
		start, end, unsub any
		ents              string
	)
	if err := r.Scan(&s.LicenseArn, &s.ProductCode, &s.CustomerIdentifier, &s.Status, &start, &end, &ents,
		&s.OfferType, &s.OfferID, &unsub, &s.Origin); err != nil {
		return nil, err
	}
	td := TimeDecoder{Dialect: d}
	s.LicenseStart, s.LicenseEnd, s.UnsubscribeAt = td.Decode(start), td.Decode(end), td.Decode(unsub)
	if td.Err != nil {
		return nil, fmt.Errorf("subscription %q: %w", s.LicenseArn, td.Err)
	}
	var err error
	if s.Entitlements, err = DecodeList[meterd.Entitlement](ents); err != nil {
		return nil, fmt.Errorf("subscription %q: entitlements: %w", s.LicenseArn, err)
	}
	return &s, nil
}

// errEmptyCustomerFilter is FindCustomer's answer to a filter with no
// field set: a caller's mistake, not a customer that is missing.
var errEmptyCustomerFilter = errors.New("find customer: empty filter")

// CustomerQuery is the query of FindCustomer (with ? parameters): the
// customer matching every set field of f; of several sharing an AWS
// account, the smallest identifier.
func CustomerQuery(f meterd.CustomerFilter) (string, []any, error) {
	var w Where
	if f.Identifier != "" {
		w.Add("identifier = ?", f.Identifier)
	}
	if f.AWSAccountID != "" {
		w.Add("aws_account_id = ?", f.AWSAccountID)
	}
	if len(w.conds) == 0 {
		return "", nil, errEmptyCustomerFilter
	}
	return CustomerColumns + w.SQL() + ` ORDER BY identifier LIMIT 1`, w.Args(), nil
}

// SubscriptionsQuery is the query of FindSubscriptions (with ?
// parameters). A position is a row-value comparison on the columns of the
// order, so that the database seeks to it in the index of that order and
// reads only the page: keyset pagination.
func SubscriptionsQuery(f meterd.SubscriptionFilter) (string, []any) {
	var w Where
	for _, c := range []struct{ column, value string }{
		{"product_code", f.ProductCode},
		{"customer_identifier", f.CustomerIdentifier},
		{"license_arn", f.LicenseArn},
	} {
		if c.value != "" {
			w.Add(c.column+" = ?", c.value)
		}
	}
	order := "product_code, customer_identifier, license_arn"
	if f.ByLicense {
		order = "license_arn"
	}
	switch {
	case f.After == nil:
	case f.ByLicense:
		w.Add("license_arn > ?", f.After.LicenseArn)
	default:
		w.Add("(customer_identifier, license_arn) > (?, ?)", f.After.CustomerIdentifier, f.After.LicenseArn)
	}
	q := w.Limit(SubscriptionColumns+w.SQL()+` ORDER BY `+order, f.Limit)
	return q, w.Args()
}

// ListCatalog reads every account, access key, product and customer into
// c with each; idOrder follows ORDER BY id where a dialect needs it to
// compare bytes (PostgreSQL's COLLATE "C"), so that keys list in the same
// order on every backend.
func ListCatalog(c *meterd.Catalog, each RowsFunc, idOrder string) error {
	err := each(`SELECT id, name, origin FROM accounts ORDER BY id`+idOrder, func(r Scanner) error {
		var a meterd.Account
		c.Accounts = append(c.Accounts, &a)
		return r.Scan(&a.ID, &a.Name, &a.Origin)
	})
	if err == nil {
		err = each(AccessKeyColumns+` ORDER BY id`+idOrder, func(r Scanner) error {
			k, err := ScanAccessKey(r)
			c.AccessKeys = append(c.AccessKeys, k)
			return err
		})
	}
	if err == nil {
		err = each(ProductColumns+` ORDER BY code`, func(r Scanner) error {
			p, err := ScanProduct(r)
			c.Products = append(c.Products, p)
			return err
		})
	}
	if err == nil {
		err = each(CustomerColumns+` ORDER BY identifier`, func(r Scanner) error {
			cu, err := ScanCustomer(r)
			c.Customers = append(c.Customers, cu)
			return err
		})
	}
	return err
}
