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

var _ meterd.CatalogEditor = (*DB)(nil)

// CreateEntries inserts c's entries as admin-made, parents first, in one
// transaction. A taken key is EConflict, a missing parent EValidation.
func (db *DB) CreateEntries(ctx context.Context, c *meterd.Catalog) error {
	c = backend.AdminMade(c)
	err := db.catalogTx(ctx, func(tx pgx.Tx) error {
		for i := len(catalogTables) - 1; i >= 0; i-- {
			if err := catalogTables[i].insert(ctx, tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: create catalog entries: %w", err)
	}
	return nil
}

// insert writes every entry of the table in c with a plain INSERT, one
// statement per entry: the admin API creates a few at a time.
func (t catalogTable) insert(ctx context.Context, tx pgx.Tx, c *meterd.Catalog) error {
	marks := make([]string, len(t.columns))
	for i := range marks {
		marks[i] = "$" + strconv.Itoa(i+1)
	}
	q := "INSERT INTO " + t.table + " (" + strings.Join(t.columns, ", ") + ") VALUES (" + strings.Join(marks, ", ") + ")"
	for i := range t.count(c) {
		row, err := t.row(c, i)
		if err != nil {
			return t.fail(c, i, err)
		}
		_, err = tx.Exec(ctx, q, row...)
		if sqlState(err) == codeUniqueViolation {
			return meterd.Errorf(meterd.EConflict, "%s %q already exists", backend.EntryKinds[t.table], row[0])
		}
		if err != nil {
			return t.fail(c, i, err)
		}
	}
	return nil
}

const accessKeyColumns = `SELECT id, secret, account_id, home_region, platform, disabled, origin FROM access_keys`

func scanAccessKey(r pgx.Row) (*meterd.AccessKey, error) {
	var k meterd.AccessKey
	if err := r.Scan(&k.ID, &k.Secret, &k.AccountID, &k.HomeRegion, &k.Platform, &k.Disabled, &k.Origin); err != nil {
		return nil, err
	}
	return &k, nil
}

// UpdateAccessKey runs fn on the stored key, locked for the transaction,
// and writes the result as admin-made.
func (db *DB) UpdateAccessKey(ctx context.Context, id string, fn func(*meterd.AccessKey) error) (*meterd.AccessKey, error) {
	return updateEntry(ctx, db, accessKeysTable, fn,
		func(tx pgx.Tx) (*meterd.AccessKey, error) {
			k, err := scanAccessKey(tx.QueryRow(ctx, accessKeyColumns+` WHERE id = $1 FOR UPDATE`, id))
			return k, notFound(err, "access key %q does not exist", id)
		},
		func(k *meterd.AccessKey) *meterd.Catalog {
			k.ID, k.Origin = id, meterd.OriginAdmin
			return &meterd.Catalog{AccessKeys: []*meterd.AccessKey{k}}
		})
}

// UpdateProduct runs fn on the stored product, locked for the
// transaction, and writes the result as admin-made.
func (db *DB) UpdateProduct(ctx context.Context, code string, fn func(*meterd.Product) error) (*meterd.Product, error) {
	return updateEntry(ctx, db, productsTable, fn,
		func(tx pgx.Tx) (*meterd.Product, error) {
			p, err := scanProduct(tx.QueryRow(ctx, productColumns+` WHERE code = $1 FOR UPDATE`, code))
			return p, notFound(err, "product %q does not exist", code)
		},
		func(p *meterd.Product) *meterd.Catalog {
			p.Code, p.Origin = code, meterd.OriginAdmin
			return &meterd.Catalog{Products: []*meterd.Product{p}}
		})
}

// updateEntry is a read-modify-write of one entry of t in one transaction
// (the row locked, so that two nodes' updates apply one after the other).
func updateEntry[T any](ctx context.Context, db *DB, t catalogTable, fn func(*T) error,
	load func(tx pgx.Tx) (*T, error), entry func(*T) *meterd.Catalog) (*T, error) {
	var out *T
	err := db.catalogTx(ctx, func(tx pgx.Tx) error {
		v, err := load(tx)
		if err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
		out = v
		return t.upsertRange(ctx, tx, entry(v), 0, 1)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: update %s: %w", backend.EntryKinds[t.table], err)
	}
	return out, nil
}

// ListCatalog reads every account, access key, product and customer in
// one read-only transaction.
func (db *DB) ListCatalog(ctx context.Context) (*meterd.Catalog, error) {
	if db.isClosed() {
		return nil, ErrClosed
	}
	var c meterd.Catalog
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead},
		func(tx pgx.Tx) error {
			err := listRows(ctx, tx, `SELECT id, name, origin FROM accounts ORDER BY id COLLATE "C"`, func(r pgx.Row) error {
				var a meterd.Account
				c.Accounts = append(c.Accounts, &a)
				return r.Scan(&a.ID, &a.Name, &a.Origin)
			})
			if err == nil {
				err = listRows(ctx, tx, accessKeyColumns+` ORDER BY id COLLATE "C"`, func(r pgx.Row) error {
					k, err := scanAccessKey(r)
					c.AccessKeys = append(c.AccessKeys, k)
					return err
				})
			}
			if err == nil {
				err = listRows(ctx, tx, productColumns+` ORDER BY code`, func(r pgx.Row) error {
					p, err := scanProduct(r)
					c.Products = append(c.Products, p)
					return err
				})
			}
			if err == nil {
				err = listRows(ctx, tx, `SELECT identifier, aws_account_id, origin FROM customers ORDER BY identifier`,
					func(r pgx.Row) error {
						var cu meterd.Customer
						c.Customers = append(c.Customers, &cu)
						return r.Scan(&cu.Identifier, &cu.AWSAccountID, &cu.Origin)
					})
			}
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("postgres: list catalog: %w", err)
	}
	return &c, nil
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// listRows runs query and calls scan for every row.
func listRows(ctx context.Context, q querier, query string, scan func(pgx.Row) error, args ...any) error {
	rows, err := q.Query(ctx, query, args...)
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
	if db.isClosed() {
		return nil, ErrClosed
	}
	var out []string
	for i := len(catalogTables) - 1; i >= 0; i-- {
		t := catalogTables[i]
		keys := make([]string, t.count(c))
		for j := range keys {
			row, err := t.row(c, j)
			if err != nil {
				return nil, fmt.Errorf("postgres: seed conflicts: %w", t.fail(c, j, err))
			}
			keys[j] = row[0].(string)
		}
		q := "SELECT " + t.columns[0] + " FROM " + t.table + " WHERE origin = 'admin' AND " + t.columns[0] +
			" = ANY ($1::text[]) ORDER BY 1"
		err := listRows(ctx, db.pool, q, func(r pgx.Row) error {
			var key string
			err := r.Scan(&key)
			out = append(out, fmt.Sprintf("%s %q", backend.EntryKinds[t.table], key))
			return err
		}, keys)
		if err != nil {
			return nil, fmt.Errorf("postgres: seed conflicts: %w", err)
		}
	}
	return out, nil
}
