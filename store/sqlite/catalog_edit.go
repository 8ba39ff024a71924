package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/store/backend"
)

var (
	_ meterd.CatalogEditor      = (*DB)(nil)
	_ meterd.SubscriptionWriter = (*DB)(nil)
	_ meterd.Outbox             = (*DB)(nil)
)

// CreateEntries inserts c's entries as admin-made, parents first, in one
// operation. A taken key is EConflict, a missing parent EValidation.
func (db *DB) CreateEntries(ctx context.Context, c *meterd.Catalog) error {
	defer db.cache.Invalidate()
	c = backend.AdminMade(c)
	err := db.write(ctx, func(tx *writeTx) error {
		for i := len(catalogTables) - 1; i >= 0; i-- {
			if err := catalogTables[i].insert(tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: create catalog entries: %w", err)
	}
	return nil
}

// insert writes every entry of the table in c with a plain INSERT, one
// statement per entry: the admin API creates a few at a time.
func (t catalogTable) insert(tx *writeTx, c *meterd.Catalog) error {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(t.columns)), ", ")
	q := "INSERT INTO " + t.table + " (" + strings.Join(t.columns, ", ") + ") VALUES (" + marks + ")"
	for i := range t.count(c) {
		row, err := t.row(c, i)
		if err != nil {
			return t.fail(c, i, err)
		}
		_, err = tx.exec(q, row...)
		if isPrimaryKeyViolation(err) {
			return meterd.Errorf(meterd.EConflict, "%s %q already exists", backend.EntryKinds[t.table], row[0])
		}
		if err != nil {
			return t.fail(c, i, err)
		}
	}
	return nil
}

const accessKeyColumns = `SELECT id, secret, account_id, home_region, platform, disabled, origin FROM access_keys`

func scanAccessKey(r rowScanner) (*meterd.AccessKey, error) {
	var k meterd.AccessKey
	if err := r.Scan(&k.ID, &k.Secret, &k.AccountID, &k.HomeRegion, &k.Platform, &k.Disabled, &k.Origin); err != nil {
		return nil, err
	}
	return &k, nil
}

// UpdateAccessKey runs fn on the stored key and writes the result as
// admin-made, in one operation.
func (db *DB) UpdateAccessKey(ctx context.Context, id string, fn func(*meterd.AccessKey) error) (*meterd.AccessKey, error) {
	return updateEntry(ctx, db, accessKeysTable, fn,
		func(tx *writeTx) (*meterd.AccessKey, error) {
			k, err := scanAccessKey(tx.queryRow(accessKeyColumns+` WHERE id = ?`, id))
			return k, notFound(err, "access key %q does not exist", id)
		},
		func(k *meterd.AccessKey) *meterd.Catalog {
			k.ID, k.Origin = id, meterd.OriginAdmin
			return &meterd.Catalog{AccessKeys: []*meterd.AccessKey{k}}
		})
}

// UpdateProduct runs fn on the stored product and writes the result as
// admin-made, in one operation.
func (db *DB) UpdateProduct(ctx context.Context, code string, fn func(*meterd.Product) error) (*meterd.Product, error) {
	return updateEntry(ctx, db, productsTable, fn,
		func(tx *writeTx) (*meterd.Product, error) {
			p, err := scanProduct(tx.queryRow(productColumns+` WHERE code = ?`, code))
			return p, notFound(err, "product %q does not exist", code)
		},
		func(p *meterd.Product) *meterd.Catalog {
			p.Code, p.Origin = code, meterd.OriginAdmin
			return &meterd.Catalog{Products: []*meterd.Product{p}}
		})
}

// updateEntry is a read-modify-write of one entry of t in one operation:
// load it, run fn, and upsert what entry makes of it (the key kept, the
// origin admin).
func updateEntry[T any](ctx context.Context, db *DB, t catalogTable, fn func(*T) error,
	load func(tx *writeTx) (*T, error), entry func(*T) *meterd.Catalog) (*T, error) {
	defer db.cache.Invalidate()
	var out *T
	err := db.write(ctx, func(tx *writeTx) error {
		v, err := load(tx)
		if err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
		out = v
		return t.upsertRange(tx, entry(v), 0, 1)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: update %s: %w", backend.EntryKinds[t.table], err)
	}
	return out, nil
}

// ListCatalog reads every account, access key, product and customer.
func (db *DB) ListCatalog(ctx context.Context) (*meterd.Catalog, error) {
	var c meterd.Catalog
	err := listRows(ctx, db, `SELECT id, name, origin FROM accounts ORDER BY id`, func(r rowScanner) error {
		var a meterd.Account
		c.Accounts = append(c.Accounts, &a)
		return r.Scan(&a.ID, &a.Name, &a.Origin)
	})
	if err == nil {
		err = listRows(ctx, db, accessKeyColumns+` ORDER BY id`, func(r rowScanner) error {
			k, err := scanAccessKey(r)
			c.AccessKeys = append(c.AccessKeys, k)
			return err
		})
	}
	if err == nil {
		err = listRows(ctx, db, productColumns+` ORDER BY code`, func(r rowScanner) error {
			p, err := scanProduct(r)
			c.Products = append(c.Products, p)
			return err
		})
	}
	if err == nil {
		err = listRows(ctx, db, `SELECT identifier, aws_account_id, origin FROM customers ORDER BY identifier`,
			func(r rowScanner) error {
				var cu meterd.Customer
				c.Customers = append(c.Customers, &cu)
				return r.Scan(&cu.Identifier, &cu.AWSAccountID, &cu.Origin)
			})
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: list catalog: %w", err)
	}
	return &c, nil
}

// listRows runs query on the reader pool and calls scan for every row.
func listRows(ctx context.Context, db *DB, query string, scan func(rowScanner) error, args ...any) error {
	if db.isClosed() {
		return ErrClosed
	}
	rows, err := db.readDB.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SeedConflicts names, table by table, the entries of c whose key an
// admin-made entry holds.
func (db *DB) SeedConflicts(ctx context.Context, c *meterd.Catalog) ([]string, error) {
	var out []string
	for i := len(catalogTables) - 1; i >= 0; i-- {
		t := catalogTables[i]
		keys := make([]string, t.count(c))
		for j := range keys {
			row, err := t.row(c, j)
			if err != nil {
				return nil, fmt.Errorf("sqlite: seed conflicts: %w", t.fail(c, j, err))
			}
			keys[j] = row[0].(string)
		}
		text, err := json.Marshal(keys)
		if err != nil {
			return nil, fmt.Errorf("sqlite: seed conflicts: %w", err)
		}
		q := "SELECT " + t.columns[0] + " FROM " + t.table + " WHERE origin = 'admin' AND " + t.columns[0] +
			" IN (SELECT value FROM json_each(?)) ORDER BY 1"
		err = listRows(ctx, db, q, func(r rowScanner) error {
			var key string
			err := r.Scan(&key)
			out = append(out, fmt.Sprintf("%s %q", backend.EntryKinds[t.table], key))
			return err
		}, string(text))
		if err != nil {
			return nil, fmt.Errorf("sqlite: seed conflicts: %w", err)
		}
	}
	return out, nil
}
