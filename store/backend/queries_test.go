package backend

import (
	"reflect"
	"strings"
	"testing"
	"time"

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
		{"OK usage, every field, hours as stored", func() (string, []any, error) {
			return UsageQuery(fakeDialect{}, "id", meterd.UsageFilter{Region: "us-east-1", ProductCode: "p",
				SellerAccountID: "s", Since: when, Until: when.Add(time.Hour), Limit: 5})
		}, "SELECT id FROM metering_records WHERE region = ? AND product_code = ? AND product_code IN " +
			"(SELECT code FROM products WHERE seller_account_id = ?) AND hour >= ? AND hour < ? ORDER BY seq LIMIT ?",
			[]any{"us-east-1", "p", "s", when.UnixNano(), when.Add(time.Hour).UnixNano(), 5}, false},
		{"OK usage, no filter", func() (string, []any, error) {
			return UsageQuery(fakeDialect{}, "id", meterd.UsageFilter{})
		}, "SELECT id FROM metering_records ORDER BY seq", nil, false},
		{"Err usage, time out of range", func() (string, []any, error) {
			return UsageQuery(fakeDialect{}, "id", meterd.UsageFilter{Until: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
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
