package backend

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/meterd/meterd"
)

// TestQueries: each filter field adds its condition and parameter, in
// order; a limit comes last.
func TestQueries(t *testing.T) {
	subWhere := func(q string) string { return strings.TrimPrefix(squash(q), squash(SubscriptionColumns)) }
	tests := []struct {
		name     string
		build    func() (string, []any, error)
		wantSQL  string
		wantArgs []any
		wantErr  bool
	}{
		{"OK subscriptions, no filter", func() (string, []any, error) {
			q, args := SubscriptionsQuery(meterd.SubscriptionFilter{})
			return subWhere(q), args, nil
		}, " ORDER BY product_code, customer_identifier, license_arn", nil, false},
		{"OK subscriptions, page after a position", func() (string, []any, error) {
			q, args := SubscriptionsQuery(meterd.SubscriptionFilter{ProductCode: "p", Limit: 10,
				After: &meterd.SubscriptionPosition{CustomerIdentifier: "c", LicenseArn: "l"}})
			return subWhere(q), args, nil
		}, " WHERE product_code = ? AND (customer_identifier, license_arn) > (?, ?) ORDER BY product_code, customer_identifier, license_arn LIMIT ?",
			[]any{"p", "c", "l", 10}, false},
		{"OK subscriptions by license", func() (string, []any, error) {
			q, args := SubscriptionsQuery(meterd.SubscriptionFilter{ByLicense: true, After: &meterd.SubscriptionPosition{LicenseArn: "l"}})
			return subWhere(q), args, nil
		}, " WHERE license_arn > ? ORDER BY license_arn", []any{"l"}, false},
		{"OK customer by account", func() (string, []any, error) {
			return CustomerQuery(meterd.CustomerFilter{AWSAccountID: "444455556666"})
		}, CustomerColumns + " WHERE aws_account_id = ? ORDER BY identifier LIMIT 1", []any{"444455556666"}, false},
		{"Err customer, empty filter", func() (string, []any, error) {
			return CustomerQuery(meterd.CustomerFilter{})
		}, "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, args, err := tt.build()
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if squash(q) != squash(tt.wantSQL) || !reflect.DeepEqual(args, tt.wantArgs) {
				t.Fatalf("got %q %v, want %q %v", squash(q), args, squash(tt.wantSQL), tt.wantArgs)
			}
		})
	}
}

// TestDueUnsubscribes asks for pending unsubscribes due at now, with now
// as the dialect stores it.
func TestDueUnsubscribes(t *testing.T) {
	rows := &fakeRows{answer: func(string) []fakeRow { return nil }}
	subs, err := DueUnsubscribes(fakeDialect{}, rows.run, when, 10)
	if err != nil || subs != nil {
		t.Fatalf("got %v, %v", subs, err)
	}
	want := []any{when.UnixNano(), string(meterd.SubscriptionUnsubscribePending), 10}
	if !reflect.DeepEqual(rows.args[0], want) {
		t.Fatalf("args %v, want %v", rows.args[0], want)
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

// TestWhere: no condition is no WHERE; conditions join with AND and keep
// their parameters in order.
func TestWhere(t *testing.T) {
	tests := []struct {
		name     string
		add      func(w *Where)
		wantSQL  string
		wantArgs []any
	}{
		{"OK none", func(*Where) {}, "", nil},
		{"OK several", func(w *Where) {
			w.Add("a = ?", 1)
			w.Add("b IS NULL")
			w.Add("(c, d) > (?, ?)", 2, 3)
		}, " WHERE a = ? AND b IS NULL AND (c, d) > (?, ?)", []any{1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w Where
			tt.add(&w)
			if w.SQL() != tt.wantSQL || !reflect.DeepEqual(w.Args(), tt.wantArgs) {
				t.Fatalf("got %q %v, want %q %v", w.SQL(), w.Args(), tt.wantSQL, tt.wantArgs)
			}
		})
	}
}
