package backend

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/meterd/meterd"
)

// CatalogWriter runs the statements of a catalog write in one transaction,
// in its backend's SQL. The plan (which table when, batches, what a failure
// means) is the same on every backend and lives here.
type CatalogWriter interface {
	Dialect
	// UpsertRows writes rows, a JSON array of rows of t, in one statement
	// that changes nothing when it fails. An entry equal to the stored one
	// is left alone, and a seed entry never replaces an admin-made one
	// (docs/catalog.md).
	UpsertRows(t *CatalogTable, rows string) error
	// InsertRow inserts one row of t with a plain INSERT.
	InsertRow(t *CatalogTable, row []any) error
	// PruneSeed deletes t's seed entries whose key keep does not list.
	PruneSeed(t *CatalogTable, keep []string) error
	// QueryRow runs a query (with ? parameters) of one row.
	QueryRow(query string, args ...any) Scanner
}

// CatalogBatch is how many entries one statement upserts. On SQLite a
// catalog is written inside the writer's savepoint, and SQLite then keeps
// a statement journal that every statement's end truncates by walking it
// from the start: with a statement per entry, applying a catalog over a
// stored one of the same size was quadratic (50,000 buyers did not finish
// in 5 minutes). Batches divide the statements by 500, and give a
// cancelled start a place to stop.
const CatalogBatch = 500

// UpsertCatalog upserts every entry of c, parents first so that the
// foreign keys hold, a batch at a time. If ctx ends before the last batch
// it returns ctx's error, and the caller rolls back.
func UpsertCatalog(ctx context.Context, w CatalogWriter, c *meterd.Catalog) error {
	for i := len(CatalogTables) - 1; i >= 0; i-- {
		t := CatalogTables[i]
		n := t.Count(c)
		for start := 0; start < n; start += CatalogBatch {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := t.UpsertRange(w, c, start, min(start+CatalogBatch, n)); err != nil {
				return err
			}
		}
	}
	return nil
}

// ReplaceCatalog upserts c and then deletes every seed entry c does not
// list (PruneCatalog), in the caller's one transaction.
func ReplaceCatalog(ctx context.Context, w CatalogWriter, c *meterd.Catalog) error {
	if err := UpsertCatalog(ctx, w, c); err != nil {
		return err
	}
	return PruneCatalog(ctx, w, c)
}

// UpsertRange writes entries start..end of the table in c in one
// statement. When the batch breaks a foreign key, its entries are written
// again one at a time (the failed statement changed nothing) so that the
// error names the entry.
func (t *CatalogTable) UpsertRange(w CatalogWriter, c *meterd.Catalog, start, end int) error {
	rows := make([][]any, 0, end-start)
	for i := start; i < end; i++ {
		row, err := t.Row(w, c, i)
		if err != nil {
			return t.Fail(w, c, i, err)
		}
		rows = append(rows, row)
	}
	batch, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("%s: %w", t.Name, err)
	}
	err = w.UpsertRows(t, string(batch))
	switch {
	case err == nil:
		return nil
	case end-start == 1:
		return t.Fail(w, c, start, err)
	case w.IsForeignKeyViolation(err):
		for i := start; i < end; i++ {
			if err := t.UpsertRange(w, c, i, i+1); err != nil {
				return err
			}
		}
	}
	return fmt.Errorf("%s: %w", t.Name, err)
}

// PruneCatalog deletes, table by table, children first, the seed's entries
// c does not list. Admin-made entries stay; one that uses a deleted entry
// fails the whole replacement with EConflict.
func PruneCatalog(ctx context.Context, w CatalogWriter, c *meterd.Catalog) error {
	for _, t := range CatalogTables {
		if err := ctx.Err(); err != nil {
			return err
		}
		keep, err := t.Keys(w, c)
		if err != nil {
			return err
		}
		err = w.PruneSeed(t, keep)
		if w.IsForeignKeyViolation(err) {
			return meterd.Errorf(meterd.EConflict, "%s: an entry the seed no longer lists is used by an entry "+
				"made through the admin API; put it back in the seed or change the admin-made entry", t.Name)
		}
		if err != nil {
			return fmt.Errorf("delete from %s: %w", t.Name, err)
		}
	}
	return nil
}

// CreateEntries inserts c's entries as admin-made, parents first, one
// statement per entry (the admin API creates a few at a time). A taken key
// is EConflict, a missing parent EValidation.
func CreateEntries(w CatalogWriter, c *meterd.Catalog) error {
	c = AdminMade(c)
	for i := len(CatalogTables) - 1; i >= 0; i-- {
		t := CatalogTables[i]
		for j := range t.Count(c) {
			row, err := t.Row(w, c, j)
			if err != nil {
				return t.Fail(w, c, j, err)
			}
			err = w.InsertRow(t, row)
			if w.IsDuplicateKey(err) {
				return meterd.Errorf(meterd.EConflict, "%s %q already exists", t.Kind(), row[0])
			}
			if err != nil {
				return t.Fail(w, c, j, err)
			}
		}
	}
	return nil
}

// SeedConflicts names, table by table (parents first), the entries of c
// whose key an admin-made entry holds; adminKeys returns those of keys
// that t holds as admin-made, in order.
func SeedConflicts(d Dialect, c *meterd.Catalog, adminKeys func(t *CatalogTable, keys []string) ([]string, error)) ([]string, error) {
	var out []string
	for i := len(CatalogTables) - 1; i >= 0; i-- {
		t := CatalogTables[i]
		keys, err := t.Keys(d, c)
		if err != nil {
			return nil, err
		}
		taken, err := adminKeys(t, keys)
		if err != nil {
			return nil, err
		}
		for _, k := range taken {
			out = append(out, fmt.Sprintf("%s %q", t.Kind(), k))
		}
	}
	return out, nil
}

// EntryUpdate is a read-modify-write of one catalog entry of type T: the
// query that reads it by its key (with a ? for Key), and how the changed
// entry becomes a catalog of one, its key kept and its origin admin.
type EntryUpdate[T any] struct {
	Table *CatalogTable
	Query string
	Key   string
	Scan  func(Scanner) (*T, error)
	// put sets the key and the origin of v and adds it to c.
	put func(c *meterd.Catalog, v *T)
}

func newUpdate[T any](t *CatalogTable, columns, key string, scan func(Scanner) (*T, error), put func(*meterd.Catalog, *T)) EntryUpdate[T] {
	return EntryUpdate[T]{Table: t, Query: columns + " WHERE " + t.Key() + " = ?", Key: key, Scan: scan, put: put}
}

// Missing is the ENotFound message of an entry that does not exist.
func (u EntryUpdate[T]) Missing() string {
	return fmt.Sprintf("%s %q does not exist", u.Table.Kind(), u.Key)
}

// Apply runs fn on v, the stored entry, and upserts the result as
// admin-made.
func (u EntryUpdate[T]) Apply(w CatalogWriter, v *T, fn func(*T) error) error {
	if err := fn(v); err != nil {
		return err
	}
	var c meterd.Catalog
	u.put(&c, v)
	return u.Table.UpsertRange(w, &c, 0, 1)
}

// AccessKeyUpdate is the update of the access key id.
func AccessKeyUpdate(id string) EntryUpdate[meterd.AccessKey] {
	return newUpdate(AccessKeysTable, AccessKeyColumns, id, ScanAccessKey, func(c *meterd.Catalog, k *meterd.AccessKey) {
		k.ID, k.Origin = id, meterd.OriginAdmin
		c.AccessKeys = []*meterd.AccessKey{k}
	})
}

// ProductUpdate is the update of the product with code.
func ProductUpdate(code string) EntryUpdate[meterd.Product] {
	return newUpdate(ProductsTable, ProductColumns, code, ScanProduct, func(c *meterd.Catalog, p *meterd.Product) {
		p.Code, p.Origin = code, meterd.OriginAdmin
		c.Products = []*meterd.Product{p}
	})
}
