package backend

import (
	"context"
	"fmt"

	"github.com/meterd/meterd"
)

// CatalogEditor is the admin API's catalog changes (meterd.CatalogEditor's
// writes, meterd.SubscriptionWriter) for a backend: each runs in one
// transaction of the backend's. A backend embeds one.
type CatalogEditor struct {
	// name ("sqlite", "postgres") starts the messages of its errors.
	name string
	// tx runs f in one catalog transaction and empties the catalog cache
	// when it ends.
	tx func(ctx context.Context, f func(w ChangeWriter) error) error
	// lock follows a query that reads an entry to change: what keeps
	// another writer from changing it meanwhile (FOR UPDATE), or "" where
	// the backend has a single writer.
	lock string
}

// NewCatalogEditor makes the catalog changes of backend name, run by tx;
// lock is as CatalogEditor says.
func NewCatalogEditor(name string, tx func(ctx context.Context, f func(w ChangeWriter) error) error, lock string) *CatalogEditor {
	return &CatalogEditor{name: name, tx: tx, lock: lock}
}

// CreateEntries inserts c's entries as admin-made, parents first, in one
// transaction. A taken key is EConflict, a missing parent EValidation.
func (e *CatalogEditor) CreateEntries(ctx context.Context, c *meterd.Catalog) error {
	if err := e.tx(ctx, func(w ChangeWriter) error { return CreateEntries(w, c) }); err != nil {
		return fmt.Errorf("%s: create catalog entries: %w", e.name, err)
	}
	return nil
}

// UpdateAccessKey runs fn on the stored key and writes the result as
// admin-made, in one transaction.
func (e *CatalogEditor) UpdateAccessKey(ctx context.Context, id string, fn func(*meterd.AccessKey) error) (*meterd.AccessKey, error) {
	return updateEntry(ctx, e, AccessKeyUpdate(id), fn)
}

// UpdateProduct runs fn on the stored product and writes the result as
// admin-made, in one transaction.
func (e *CatalogEditor) UpdateProduct(ctx context.Context, code string, fn func(*meterd.Product) error) (*meterd.Product, error) {
	return updateEntry(ctx, e, ProductUpdate(code), fn)
}

func updateEntry[T any](ctx context.Context, e *CatalogEditor, u EntryUpdate[T], fn func(*T) error) (*T, error) {
	var out *T
	err := e.tx(ctx, func(w ChangeWriter) error {
		v, err := u.Scan(w.QueryRow(u.Query+e.lock, u.Key))
		if err != nil {
			return NotFound(w, err, "%s", u.Missing())
		}
		out = v
		return u.Apply(w, v, fn)
	})
	if err != nil {
		return nil, fmt.Errorf("%s: update %s: %w", e.name, u.Table.Kind(), err)
	}
	return out, nil
}

// ChangeSubscription runs fn on the stored subscription and writes what it
// returns (subscription, token, event and its deliveries) in one
// transaction, so that a change is announced exactly when it happens. fn
// may run again when the backend retries the transaction.
func (e *CatalogEditor) ChangeSubscription(ctx context.Context, licenseArn string, fn meterd.SubscriptionUpdater) (*meterd.SubscriptionChange, error) {
	var out *meterd.SubscriptionChange
	err := e.tx(ctx, func(w ChangeWriter) error {
		q := SubscriptionColumns + ` WHERE license_arn = ?` + e.lock
		old, err := ScanSubscription(w, w.QueryRow(q, licenseArn))
		if w.IsNoRows(err) {
			old, err = nil, nil
		}
		if err != nil {
			return err
		}
		out, err = ChangeSubscription(w, old, fn)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: change subscription %q: %w", e.name, licenseArn, err)
	}
	return out, nil
}
