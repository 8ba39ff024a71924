package backend

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/meterd/meterd"
)

// ColumnKind is how a catalog column stores its values where the
// dialects differ.
type ColumnKind int

const (
	// TextColumn holds a string.
	TextColumn ColumnKind = iota
	// JSONColumn holds a list as JSON text (see DecodeList).
	JSONColumn
	// BoolColumn holds a bool (Dialect.EncodeBool).
	BoolColumn
	// TimeColumn holds a time, NULL for the zero time (Dialect.EncodeTime).
	TimeColumn
)

// Column is one column of a catalog table.
type Column struct {
	Name string
	Kind ColumnKind
}

// CatalogTable maps the entries of one kind in a meterd.Catalog onto the
// rows of their table: a row holds the values of Columns, the key first.
type CatalogTable struct {
	Name    string
	Columns []Column
	// Count is how many entries of the table c holds.
	Count func(c *meterd.Catalog) int
	// values is entry i as Go values in the order of Columns: a string, a
	// list for a JSONColumn, a bool or a time.Time.
	values func(c *meterd.Catalog, i int) []any
	// describe names entry i in messages (`product "p"`) and, for a table
	// with parents, the parents a broken foreign key means are missing.
	describe func(c *meterd.Catalog, i int) (entry, parents string)
	// driverErrors keeps the table's other errors as the driver made
	// them, as access keys' always were.
	driverErrors bool
}

// Key is the key column's name.
func (t *CatalogTable) Key() string { return t.Columns[0].Name }

// ColumnNames are the names of Columns.
func (t *CatalogTable) ColumnNames() []string {
	names := make([]string, len(t.Columns))
	for i, col := range t.Columns {
		names[i] = col.Name
	}
	return names
}

// Kind names the table's entries in messages ("access key").
func (t *CatalogTable) Kind() string { return EntryKinds[t.Name] }

// Row is entry i of c in the stored form d gives its columns.
func (t *CatalogTable) Row(d Dialect, c *meterd.Catalog, i int) ([]any, error) {
	row := t.values(c, i)
	for j, col := range t.Columns {
		var err error
		switch col.Kind {
		case JSONColumn:
			var b []byte
			b, err = json.Marshal(row[j])
			row[j] = string(b)
		case BoolColumn:
			row[j] = d.EncodeBool(row[j].(bool))
		case TimeColumn:
			row[j], err = d.EncodeTime(row[j].(time.Time))
		}
		if err != nil {
			return nil, err
		}
	}
	return row, nil
}

// Fail names entry i of c in err, which writing it alone caused: a broken
// foreign key becomes the EValidation that says which parent is missing.
func (t *CatalogTable) Fail(d Dialect, c *meterd.Catalog, i int, err error) error {
	entry, parents := t.describe(c, i)
	switch {
	case parents != "" && d.IsForeignKeyViolation(err):
		return meterd.Errorf(meterd.EValidation, "%s: %s is not in the catalog", entry, parents)
	case t.driverErrors:
		return err
	}
	return fmt.Errorf("%s: %w", entry, err)
}

// Keys are the keys of the table's entries in c. An entry that cannot be
// stored fails as writing it would.
func (t *CatalogTable) Keys(d Dialect, c *meterd.Catalog) ([]string, error) {
	keys := make([]string, t.Count(c))
	for i := range keys {
		row, err := t.Row(d, c, i)
		if err != nil {
			return nil, t.Fail(d, c, i, err)
		}
		keys[i] = row[0].(string)
	}
	return keys, nil
}

// CatalogTables is in deletion order: children before parents. Writes go
// the other way.
var CatalogTables = []*CatalogTable{
	SubscriptionsTable, CustomersTable, ProductsTable, AccessKeysTable, AccountsTable,
}

func text(names ...string) []Column {
	cols := make([]Column, len(names))
	for i, n := range names {
		cols[i] = Column{Name: n}
	}
	return cols
}

// AccountsTable holds the catalog's accounts.
var AccountsTable = &CatalogTable{
	Name:    "accounts",
	Columns: text("id", "name", "origin"),
	Count:   func(c *meterd.Catalog) int { return len(c.Accounts) },
	values: func(c *meterd.Catalog, i int) []any {
		a := c.Accounts[i]
		return []any{a.ID, a.Name, string(a.Origin.Normal())}
	},
	describe: func(c *meterd.Catalog, i int) (string, string) {
		return fmt.Sprintf("account %q", c.Accounts[i].ID), ""
	},
}

// AccessKeysTable holds the catalog's access keys.
var AccessKeysTable = &CatalogTable{
	Name: "access_keys",
	Columns: []Column{{Name: "id"}, {Name: "secret"}, {Name: "account_id"}, {Name: "home_region"},
		{Name: "platform"}, {Name: "disabled", Kind: BoolColumn}, {Name: "origin"}},
	Count: func(c *meterd.Catalog) int { return len(c.AccessKeys) },
	values: func(c *meterd.Catalog, i int) []any {
		k := c.AccessKeys[i]
		return []any{k.ID, k.Secret, k.AccountID, k.HomeRegion, string(k.Platform), k.Disabled,
			string(k.Origin.Normal())}
	},
	// The key id, not the secret, names the entry.
	describe: func(c *meterd.Catalog, i int) (string, string) {
		k := c.AccessKeys[i]
		return fmt.Sprintf("access key %q", k.ID), fmt.Sprintf("account %q", k.AccountID)
	},
	driverErrors: true,
}

// ProductsTable holds the catalog's products.
var ProductsTable = &CatalogTable{
	Name: "products",
	Columns: []Column{{Name: "code"}, {Name: "seller_account_id"}, {Name: "type"},
		{Name: "dimensions", Kind: JSONColumn}, {Name: "integration"}, {Name: "fulfillment_url"},
		{Name: "notification_targets", Kind: JSONColumn}, {Name: "origin"}},
	Count: func(c *meterd.Catalog) int { return len(c.Products) },
	values: func(c *meterd.Catalog, i int) []any {
		p := c.Products[i]
		return []any{p.Code, p.SellerAccountID, string(p.Type), NonNil(p.Dimensions), string(p.Integration),
			p.FulfillmentURL, NonNil(p.NotificationTargets), string(p.Origin.Normal())}
	},
	describe: func(c *meterd.Catalog, i int) (string, string) {
		p := c.Products[i]
		return fmt.Sprintf("product %q", p.Code), fmt.Sprintf("seller account %q", p.SellerAccountID)
	},
}

// CustomersTable holds the catalog's customers.
var CustomersTable = &CatalogTable{
	Name:    "customers",
	Columns: text("identifier", "aws_account_id", "origin"),
	Count:   func(c *meterd.Catalog) int { return len(c.Customers) },
	values: func(c *meterd.Catalog, i int) []any {
		cu := c.Customers[i]
		return []any{cu.Identifier, cu.AWSAccountID, string(cu.Origin.Normal())}
	},
	describe: func(c *meterd.Catalog, i int) (string, string) {
		return fmt.Sprintf("customer %q", c.Customers[i].Identifier), ""
	},
}

// SubscriptionsTable holds the catalog's subscriptions; the zero time is
// NULL in its time columns.
var SubscriptionsTable = &CatalogTable{
	Name: "subscriptions",
	Columns: []Column{{Name: "license_arn"}, {Name: "product_code"}, {Name: "customer_identifier"},
		{Name: "status"}, {Name: "license_start", Kind: TimeColumn}, {Name: "license_end", Kind: TimeColumn},
		{Name: "entitlements", Kind: JSONColumn}, {Name: "offer_type"}, {Name: "offer_id"},
		{Name: "unsubscribe_at", Kind: TimeColumn}, {Name: "origin"}},
	Count: func(c *meterd.Catalog) int { return len(c.Subscriptions) },
	values: func(c *meterd.Catalog, i int) []any {
		s := c.Subscriptions[i]
		return []any{s.LicenseArn, s.ProductCode, s.CustomerIdentifier, string(s.Status), s.LicenseStart,
			s.LicenseEnd, NonNil(s.Entitlements), string(s.OfferType), s.OfferID, s.UnsubscribeAt,
			string(s.Origin.Normal())}
	},
	describe: func(c *meterd.Catalog, i int) (string, string) {
		s := c.Subscriptions[i]
		return fmt.Sprintf("subscription %q", s.LicenseArn),
			fmt.Sprintf("product %q or customer %q", s.ProductCode, s.CustomerIdentifier)
	},
}
