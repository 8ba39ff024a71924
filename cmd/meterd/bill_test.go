package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"reflect"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/insight"
)

// TestBill: the bill of the day of meterDay, through the admin client and
// the CLI, with exact figures: api_calls at 0.012 a call, users unpriced.
func TestBill(t *testing.T) {
	s := meterDay(t)
	price := meterd.Price(12_000)
	line := func(dimension string, quantity, records int64, amount string) insight.BillLine {
		l := insight.BillLine{Dimension: dimension, Quantity: quantity, Records: records}
		if amount != "" {
			l.UnitPrice, l.Amount = &price, &amount
		}
		return l
	}
	// cust-a: 21 api_calls records (3 hours missing), 24 users; cust-b: 24
	// and 23; cust-d: 12 and 12 (from noon); cust-c: nothing.
	all := []insight.CustomerBill{
		{Customer: "cust-a", Lines: []insight.BillLine{line("api_calls", 2100, 21, "25.2"), line("users", 72, 24, "")}, Total: "25.2"},
		{Customer: "cust-b", Lines: []insight.BillLine{line("api_calls", 2400, 24, "28.8"), line("users", 69, 23, "")}, Total: "28.8"},
		{Customer: "cust-d", Lines: []insight.BillLine{line("api_calls", 1200, 12, "14.4"), line("users", 36, 12, "")}, Total: "14.4"},
	}
	tests := []struct {
		name  string
		query insight.BillQuery
		want  *insight.Bill
	}{
		{"OK the month", insight.BillQuery{ProductCode: "day-saas", Month: dayStart},
			&insight.Bill{Month: "2026-12", Total: "68.4", Products: []insight.ProductBill{{ProductCode: "day-saas", Customers: all, Total: "68.4"}}}},
		{"OK the current month by default", insight.BillQuery{},
			&insight.Bill{Month: "2026-12", Total: "68.4", Products: []insight.ProductBill{{ProductCode: "day-saas", Customers: all, Total: "68.4"}}}},
		{"OK one customer by AWS account", insight.BillQuery{ProductCode: "day-saas", Month: dayStart, Customer: "444455556662"},
			&insight.Bill{Month: "2026-12", Total: "28.8", Products: []insight.ProductBill{{ProductCode: "day-saas", Customers: all[1:2], Total: "28.8"}}}},
		{"OK a month without records", insight.BillQuery{ProductCode: "day-saas", Month: dayStart.AddDate(0, -1, 0)},
			&insight.Bill{Month: "2026-11", Total: "0", Products: []insight.ProductBill{{ProductCode: "day-saas", Customers: []insight.CustomerBill{}, Total: "0"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.admin().Bill(context.Background(), tt.query)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(tt.want)
				t.Errorf("bill\n got %s\nwant %s", g, w)
			}
		})
	}
	t.Run("ErrNotFound unknown product", func(t *testing.T) {
		_, err := s.admin().Bill(context.Background(), insight.BillQuery{ProductCode: "nope"})
		if code := meterd.ErrorCode(err); code != meterd.ENotFound {
			t.Fatalf("error %v (code %q), want NotFound", err, code)
		}
	})
	t.Run("OK CLI table", func(t *testing.T) {
		env := map[string]string{"METERD_URL": s.URL, "METERD_ADMIN_TOKEN": s.AdminToken}
		var out bytes.Buffer
		if err := run(context.Background(), []string{"bill", "--product", "day-saas", "--month", "2026-12"}, &out, io.Discard,
			func(k string) string { return env[k] }); err != nil {
			t.Fatal(err)
		}
		want := `Bill preview for 2026-12, in US dollars (test records excluded)

PRODUCT   CUSTOMER  DIMENSION  QUANTITY  UNIT PRICE  AMOUNT
day-saas  cust-a    api_calls  2100      0.012       25.2
day-saas  cust-a    users      72        no price    -
day-saas  cust-a    total                            25.2
day-saas  cust-b    api_calls  2400      0.012       28.8
day-saas  cust-b    users      69        no price    -
day-saas  cust-b    total                            28.8
day-saas  cust-d    api_calls  1200      0.012       14.4
day-saas  cust-d    users      36        no price    -
day-saas  cust-d    total                            14.4
TOTAL                                                68.4
`
		if out.String() != want {
			t.Errorf("output\n%s\nwant\n%s", out.String(), want)
		}
	})
}
