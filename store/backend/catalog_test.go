package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

var when = time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)

func testCatalog() *meterd.Catalog {
	return &meterd.Catalog{
		Accounts:   []*meterd.Account{{ID: "111122223333", Name: "seller"}},
		AccessKeys: []*meterd.AccessKey{{ID: "AKID", Secret: "s", AccountID: "111122223333", Disabled: true}},
		Products: []*meterd.Product{{Code: "prod", SellerAccountID: "111122223333",
			Dimensions: []meterd.Dimension{{Name: "users"}}}},
		Customers: []*meterd.Customer{{Identifier: "cust", AWSAccountID: "444455556666"}},
		Subscriptions: []*meterd.Subscription{{LicenseArn: "arn:lic", ProductCode: "prod", CustomerIdentifier: "cust",
			LicenseStart: when}},
	}
}

// TestCatalogTableRow: each column kind is stored in the dialect's form,
// and a nil list as [] rather than null.
func TestCatalogTableRow(t *testing.T) {
	c := testCatalog()
	tests := []struct {
		name  string
		table *CatalogTable
		want  []any
	}{
		{"OK text columns", AccountsTable, []any{"111122223333", "seller", "seed"}},
		{"OK bool column", AccessKeysTable, []any{"AKID", "s", "111122223333", "", "", 1, "seed"}},
		{"OK JSON columns, nil list as []", ProductsTable,
			[]any{"prod", "111122223333", "", `[{"Name":"users","Type":""}]`, "", "", "[]", "seed"}},
		{"OK time columns, zero time as NULL", SubscriptionsTable,
			[]any{"arn:lic", "prod", "cust", "", when.UnixNano(), nil, "[]", "", "", nil, "seed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.table.Row(fakeDialect{}, c, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("row %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("column %s = %#v, want %#v", tt.table.Columns[i].Name, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestCatalogTableFail: a broken foreign key names the missing parent as
// EValidation where the table has one; other errors name the entry, but an
// access key's stay as the driver made them.
func TestCatalogTableFail(t *testing.T) {
	c := testCatalog()
	tests := []struct {
		name     string
		table    *CatalogTable
		err      error
		wantCode string
		wantMsg  string
	}{
		{"Err product's seller missing", ProductsTable, errFK, meterd.EValidation,
			`product "prod": seller account "111122223333" is not in the catalog`},
		{"Err subscription's parents missing", SubscriptionsTable, errFK, meterd.EValidation,
			`subscription "arn:lic": product "prod" or customer "cust" is not in the catalog`},
		{"Err access key's account missing", AccessKeysTable, errFK, meterd.EValidation,
			`access key "AKID": account "111122223333" is not in the catalog`},
		{"Err access key, other error as is", AccessKeysTable, errDup, "", errDup.Error()},
		{"Err product, other error named", ProductsTable, errDup, "", `product "prod": ` + errDup.Error()},
		{"Err account without parents", AccountsTable, errFK, "", `account "111122223333": ` + errFK.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.table.Fail(fakeDialect{}, c, 0, tt.err)
			if codeOf(err) != tt.wantCode || !strings.HasSuffix(err.Error(), tt.wantMsg) {
				t.Fatalf("got %q (code %q), want %q (code %q)", err, codeOf(err), tt.wantMsg, tt.wantCode)
			}
		})
	}
}

// TestUpsertCatalog: parents go first, in batches of CatalogBatch; a batch
// that breaks a foreign key is written again entry by entry so that the
// error names the entry; a cancelled ctx stops between batches.
func TestUpsertCatalog(t *testing.T) {
	many := &meterd.Catalog{}
	for i := range CatalogBatch + 1 {
		many.Customers = append(many.Customers, &meterd.Customer{Identifier: "c" + strings.Repeat("x", i)})
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name        string
		ctx         context.Context
		c           *meterd.Catalog
		missing     string
		wantTables  []string
		wantErr     string
		wantErrCode string
	}{
		{"OK parents first", context.Background(), testCatalog(), "",
			[]string{"accounts", "access_keys", "products", "customers", "subscriptions"}, "<nil>", ""},
		{"OK batches", context.Background(), many, "", []string{"customers", "customers"}, "<nil>", ""},
		{"Err entry named", context.Background(), testCatalog(), "arn:lic",
			[]string{"accounts", "access_keys", "products", "customers"},
			`subscription "arn:lic": product "prod" or customer "cust" is not in the catalog`, meterd.EValidation},
		{"Err cancelled", cancelled, testCatalog(), "", nil, context.Canceled.Error(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &fakeWriter{missingParent: map[string]bool{tt.missing: tt.missing != ""}}
			err := UpsertCatalog(tt.ctx, w, tt.c)
			if got := fmt.Sprint(err); (got != tt.wantErr && !strings.HasSuffix(got, ": "+tt.wantErr)) ||
				codeOf(err) != tt.wantErrCode {
				t.Fatalf("err %v (code %q), want %q (code %q)", err, codeOf(err), tt.wantErr, tt.wantErrCode)
			}
			var tables []string
			for _, u := range w.upserts {
				tables = append(tables, strings.Fields(u)[0])
			}
			if strings.Join(tables, ",") != strings.Join(tt.wantTables, ",") {
				t.Errorf("statements on %v, want %v", tables, tt.wantTables)
			}
		})
	}
}

// TestPruneCatalog: every table is pruned to c's keys, children first; an
// admin-made entry using a pruned one fails the replacement as EConflict.
func TestPruneCatalog(t *testing.T) {
	c := testCatalog()
	tests := []struct {
		name       string
		pruneErr   error
		wantCode   string
		wantPruned int // tables pruned
	}{
		{"OK", nil, "", len(CatalogTables)},
		{"Err used by an admin-made entry", errFK, meterd.EConflict, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &fakeWriter{pruneErr: tt.pruneErr}
			err := PruneCatalog(context.Background(), w, c)
			if codeOf(err) != tt.wantCode || (tt.wantCode == "") != (err == nil) {
				t.Fatalf("err %v, want code %q", err, tt.wantCode)
			}
			if len(w.pruned) != tt.wantPruned || (tt.pruneErr == nil && w.pruned["products"][0] != "prod") {
				t.Errorf("pruned %v", w.pruned)
			}
		})
	}
}

// TestCreateEntries: entries are inserted as admin-made; a taken key is
// EConflict naming it, a missing parent EValidation.
func TestCreateEntries(t *testing.T) {
	tests := []struct {
		name            string
		taken, missing  string
		wantCode        string
		wantMsg         string
		wantInsertCount int
	}{
		{"OK", "", "", "", "", 5},
		{"Err taken key", "prod", "", meterd.EConflict, `product "prod" already exists`, 2},
		{"Err missing parent", "", "AKID", meterd.EValidation, `access key "AKID": account "111122223333" is not in the catalog`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &fakeWriter{taken: map[string]bool{tt.taken: tt.taken != ""},
				missingParent: map[string]bool{tt.missing: tt.missing != ""}}
			err := CreateEntries(w, testCatalog())
			if codeOf(err) != tt.wantCode || (err != nil && !strings.HasSuffix(err.Error(), tt.wantMsg)) {
				t.Fatalf("err %v, want %q (code %q)", err, tt.wantMsg, tt.wantCode)
			}
			if len(w.inserts) != tt.wantInsertCount {
				t.Fatalf("%d inserts, want %d", len(w.inserts), tt.wantInsertCount)
			}
			if origin := w.inserts[0][len(w.inserts[0])-1]; origin != "admin" {
				t.Errorf("origin %v, want admin", origin)
			}
		})
	}
}

// TestSeedConflicts names the admin-made entries table by table, parents
// first, with the keys of c.
func TestSeedConflicts(t *testing.T) {
	asked := map[string][]string{}
	got, err := SeedConflicts(fakeDialect{}, testCatalog(), func(t *CatalogTable, keys []string) ([]string, error) {
		asked[t.Name] = keys
		if t == ProductsTable || t == AccountsTable {
			return keys, nil
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := `account "111122223333",product "prod"`; strings.Join(got, ",") != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if k := asked["subscriptions"]; len(k) != 1 || k[0] != "arn:lic" {
		t.Errorf("subscription keys %v", k)
	}
}

// TestEntryUpdate: the update reads the entry by its key and writes it
// back admin-made with its key, whatever fn did to it.
func TestEntryUpdate(t *testing.T) {
	u := ProductUpdate("prod")
	if want := ProductColumns + " WHERE code = ?"; u.Query != want || u.Missing() != `product "prod" does not exist` {
		t.Fatalf("query %q, missing %q", u.Query, u.Missing())
	}
	w := &fakeWriter{}
	err := u.Apply(w, &meterd.Product{Code: "prod"}, func(p *meterd.Product) error {
		p.Code, p.FulfillmentURL = "other", "https://example.com"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.upserts) != 1 || !strings.Contains(w.upserts[0], `["prod",`) || !strings.Contains(w.upserts[0], `"https://example.com","[]","admin"]`) {
		t.Fatalf("upserts %q", w.upserts)
	}
}

// TestScanSubscription: times are decoded with the dialect, NULL as the
// zero time; a time the dialect cannot read names the subscription.
func TestScanSubscription(t *testing.T) {
	row := func(start any) fakeRow {
		return fakeRow{"arn:lic", "prod", "cust", "active", start, nil, `[]`, "", "", nil, "seed"}
	}
	tests := []struct {
		name      string
		row       fakeRow
		wantStart time.Time
		wantErr   string
	}{
		{"OK", row(when.UnixNano()), when, ""},
		{"OK NULL", row(nil), time.Time{}, ""},
		{"Err bad time", row("yesterday"), time.Time{}, `subscription "arn:lic": bad time yesterday`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ScanSubscription(fakeDialect{}, tt.row)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !s.LicenseStart.Equal(tt.wantStart) || !s.LicenseEnd.IsZero() || s.Entitlements != nil {
				t.Fatalf("got %+v, %v", s, err)
			}
		})
	}
}

// TestCatalogFinder: lookups fail with the backend's ErrClosed once it is
// closed; a missing row is ENotFound named for the backend; what is read
// is cached only while Keep says so.
func TestCatalogFinder(t *testing.T) {
	errClosed := errors.New("fake: closed")
	tests := []struct {
		name      string
		closed    bool
		keep      bool
		row       fakeRow
		wantErr   string
		wantCache int
	}{
		{"OK kept", false, true, fakeRow{"AKID", "s", "a", "us-east-1", "", false, "seed"}, "", 1},
		{"OK not kept", false, false, fakeRow{"AKID", "s", "a", "us-east-1", "", false, "seed"}, "", 0},
		{"Err not found, kept", false, true, fakeRow{errNoRows}, `fake: find access key: NotFound: access key "AKID" not found`, 1},
		{"Err closed", true, true, nil, errClosed.Error(), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := NewCache()
			f := NewCatalogFinder(cache, CatalogSource{Name: "fake", Dialect: fakeDialect{},
				IsClosed: func() bool { return tt.closed }, ErrClosed: errClosed, Keep: func() bool { return tt.keep },
				QueryRow: func(context.Context, string, ...any) Scanner { return tt.row }})
			k, err := f.FindAccessKey(context.Background(), "AKID")
			if got := fmt.Sprint(err); (tt.wantErr == "" && err != nil) || (tt.wantErr != "" && got != tt.wantErr) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
			if err == nil && k.ID != "AKID" {
				t.Fatalf("key %+v", k)
			}
			if cache.Len() != tt.wantCache {
				t.Fatalf("%d cached, want %d", cache.Len(), tt.wantCache)
			}
		})
	}
}

// TestCatalogEditorChangeSubscription: a subscription that does not exist
// reaches fn as nil, and the change is written as admin-made.
func TestCatalogEditorChangeSubscription(t *testing.T) {
	w := &changeWriter{}
	e := NewCatalogEditor("fake", func(_ context.Context, f func(ChangeWriter) error) error { return f(w) }, " LOCK")
	var old *meterd.Subscription = &meterd.Subscription{}
	_, err := e.ChangeSubscription(context.Background(), "arn:lic", func(s *meterd.Subscription) (*meterd.SubscriptionChange, error) {
		old = s
		return &meterd.SubscriptionChange{Subscription: &meterd.Subscription{LicenseArn: "arn:lic"},
			Event: &meterd.LifecycleEvent{ID: "evt"}}, nil
	})
	if err != nil || old != nil {
		t.Fatalf("err %v, old %v", err, old)
	}
	if len(w.upserts) != 1 || !strings.HasSuffix(w.upserts[0], `"admin"]]`) || len(w.events) != 1 {
		t.Fatalf("upserts %q, events %v", w.upserts, w.events)
	}
}

// changeWriter is a fakeWriter that also stores tokens and events.
type changeWriter struct {
	fakeWriter
	events []*meterd.LifecycleEvent
}

func (w *changeWriter) InsertToken(*meterd.RegistrationToken) error { return nil }

func (w *changeWriter) InsertLifecycleEvent(e *meterd.LifecycleEvent) error {
	w.events = append(w.events, e)
	return nil
}
