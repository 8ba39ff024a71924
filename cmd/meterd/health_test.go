package main

import (
	"bytes"
	"context"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/insight"
)

// TestHealth: each finding of the health report, with exact figures, on
// the day of meterDay.
func TestHealth(t *testing.T) {
	s := meterDay(t)
	h, err := s.admin().Health(context.Background(), insight.HealthQuery{ProductCode: "day-saas",
		Since: dayStart, Until: dayStart.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if !h.Since.Equal(dayStart) || !h.Until.Equal(dayStart.Add(24*time.Hour)) || len(h.Products) != 1 {
		t.Fatalf("report %s to %s with %d products, want the day of one product", h.Since, h.Until, len(h.Products))
	}
	at := func(hour, minute int) time.Time {
		return dayStart.Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
	}
	hours := func(from, until int) insight.HourRange {
		return insight.HourRange{From: at(from, 0), Until: at(until, 0)}
	}
	tests := []struct {
		name                    string
		customer                string
		metered, missing        int
		records, late           int64
		ok                      bool
		dimension               string
		dimMissing              []insight.HourRange
		dimRecords, dimQuantity int64
		first, last             *insight.RecordTime
	}{
		{"ErrMissingHours", "cust-a", 24, 3, 45, 1, false, "api_calls", []insight.HourRange{hours(5, 8)}, 21, 21 * dayAPICalls,
			&insight.RecordTime{Hour: at(0, 0), ReceivedAt: at(1, 5)}, &insight.RecordTime{Hour: at(23, 0), ReceivedAt: at(24, 5)}},
		{"ErrLateRecord", "cust-a", 24, 3, 45, 1, false, "users", []insight.HourRange{}, 24, 24 * dayUsers,
			&insight.RecordTime{Hour: at(0, 0), ReceivedAt: at(1, 5)}, &insight.RecordTime{Hour: at(23, 0), ReceivedAt: at(24, 5)}},
		{"ErrOneMissingHour", "cust-b", 24, 1, 47, 0, false, "users", []insight.HourRange{hours(12, 13)}, 23, 23 * dayUsers,
			&insight.RecordTime{Hour: at(0, 0), ReceivedAt: at(1, 5)}, &insight.RecordTime{Hour: at(23, 0), ReceivedAt: at(24, 5)}},
		{"OK not metered when unsubscribed", "cust-c", 0, 0, 0, 0, false, "api_calls", []insight.HourRange{}, 0, 0, nil, nil},
		{"OK metered from the license start", "cust-d", 12, 0, 24, 0, true, "api_calls", []insight.HourRange{}, 12, 12 * dayAPICalls,
			&insight.RecordTime{Hour: at(12, 0), ReceivedAt: at(13, 5)}, &insight.RecordTime{Hour: at(23, 0), ReceivedAt: at(24, 5)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := findCustomer(t, h.Products[0], tt.customer)
			if c.MeteredHours != tt.metered || c.MissingHours != tt.missing || c.Records != tt.records ||
				c.LateRecords != tt.late || c.OK != tt.ok {
				t.Errorf("%s: metered %d, missing %d, records %d, late %d, ok %v; want %d, %d, %d, %d, %v", tt.customer,
					c.MeteredHours, c.MissingHours, c.Records, c.LateRecords, c.OK, tt.metered, tt.missing, tt.records, tt.late, tt.ok)
			}
			var d *insight.DimensionHealth
			for i := range c.Dimensions {
				if c.Dimensions[i].Dimension == tt.dimension {
					d = &c.Dimensions[i]
				}
			}
			if d == nil {
				t.Fatalf("%s has no dimension %s", tt.customer, tt.dimension)
			}
			if !reflect.DeepEqual(d.Missing, tt.dimMissing) || d.MissingHours != hourCount(tt.dimMissing) ||
				d.Records != tt.dimRecords || d.Quantity != tt.dimQuantity {
				t.Errorf("%s %s: missing %v (%d h), records %d, quantity %d; want %v, %d, %d", tt.customer, tt.dimension,
					d.Missing, d.MissingHours, d.Records, d.Quantity, tt.dimMissing, tt.dimRecords, tt.dimQuantity)
			}
			if !reflect.DeepEqual(d.FirstRecord, tt.first) || !reflect.DeepEqual(d.LastRecord, tt.last) {
				t.Errorf("%s %s: first %+v, last %+v; want %+v, %+v", tt.customer, tt.dimension, d.FirstRecord, d.LastRecord, tt.first, tt.last)
			}
		})
	}
}

// TestHealthRejections: each kind of record AWS would have rejected, from
// the audit trail of the day of meterDay, with counts and an example.
func TestHealthRejections(t *testing.T) {
	s := meterDay(t)
	h, err := s.admin().Health(context.Background(), insight.HealthQuery{ProductCode: "day-saas",
		Since: dayStart, Until: dayStart.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, customer, code, reason, example string
		rejected                              int64 // the customer's total
	}{
		{"ErrDuplicateRecord", "cust-a", meterd.StatusDuplicateRecord, "duplicate of an accepted record with another quantity",
			"api_calls at 2026-12-01T14:00:00Z, quantity 999", 1},
		{"ErrCustomerNotSubscribed", "cust-c", meterd.StatusCustomerNotSubscribed, "customer not subscribed",
			"api_calls at 2026-12-01T16:00:00Z, quantity 100", 1},
		{"ErrInvalidUsageDimension", "cust-b", meterd.EInvalidUsageDimension, "unknown dimension",
			"storage at 2026-12-01T18:00:00Z, quantity 1: Dimension 'storage' is not a valid dimension for product 'day-saas'.", 3},
		{"ErrTimestampOutOfBounds", "cust-b", meterd.ETimestampOutOfBounds, "late: the usage hour is outside the accepted window",
			"api_calls at 2026-12-01T23:00:00Z, quantity 100: Timestamp 2026-12-01T23:00:00Z is out of bounds: it is in the future.", 3},
		{"ErrInvalidUsageAllocations", "cust-b", meterd.EInvalidUsageAllocations, "invalid allocation",
			"api_calls at 2026-12-01T21:00:00Z, quantity 100: Usage record 1: The sum of AllocatedUsageQuantity (5) does not equal the usage quantity (100).", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := findCustomer(t, h.Products[0], tt.customer)
			if c.Rejected != tt.rejected || c.OK {
				t.Errorf("%s: %d rejected, ok %v; want %d, false", tt.customer, c.Rejected, c.OK, tt.rejected)
			}
			i := slices.IndexFunc(c.Rejections, func(r insight.Rejection) bool { return r.ErrorCode == tt.code })
			if i < 0 {
				t.Fatalf("%s: no %s among %+v", tt.customer, tt.code, c.Rejections)
			}
			r := c.Rejections[i]
			if r.Count != 1 || r.Reason != tt.reason || !strings.HasPrefix(r.Example, tt.example) {
				t.Errorf("%s %s: %d, %q, example %q; want 1, %q, an example starting %q", tt.customer, tt.code,
					r.Count, r.Reason, r.Example, tt.reason, tt.example)
			}
		})
	}
	if c := findCustomer(t, h.Products[0], "cust-d"); c.Rejected != 0 || len(c.Rejections) != 0 || !c.OK {
		t.Errorf("cust-d: %d rejected (%+v), ok %v; want none, ok", c.Rejected, c.Rejections, c.OK)
	}
}

func findCustomer(t *testing.T, p insight.ProductHealth, id string) insight.CustomerHealth {
	t.Helper()
	for _, c := range p.Customers {
		if c.CustomerIdentifier == id {
			return c
		}
	}
	t.Fatalf("no customer %s in the report", id)
	return insight.CustomerHealth{}
}

func hourCount(rs []insight.HourRange) int {
	n := 0
	for _, r := range rs {
		n += int(r.Until.Sub(r.From) / time.Hour)
	}
	return n
}

// TestHealthCommand: the readable report of the day of meterDay, summary
// lines then findings, exit status 0 with findings.
func TestHealthCommand(t *testing.T) {
	s := meterDay(t)
	env := map[string]string{"METERD_URL": s.URL, "METERD_ADMIN_TOKEN": s.AdminToken}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"health", "--product", "day-saas", "--since", "24h"}, &out, io.Discard,
		func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	// Request ids and call times differ from run to run: the findings
	// are compared up to them.
	want := []string{
		"Integration health from 2026-12-01T00:00Z to 2026-12-02T00:00Z (24 hours)",
		"",
		"day-saas",
		"CUSTOMER  METERED HOURS  MISSING HOURS  RECORDS  LATE  REJECTED  FIRST RECORD       LAST RECORD        STATUS",
		"cust-a    24             3              45       1     1         2026-12-01T00:00Z  2026-12-01T23:00Z  PROBLEMS",
		"cust-b    24             1              47       0     3         2026-12-01T00:00Z  2026-12-01T23:00Z  PROBLEMS",
		"cust-c    0              0              0        0     1         -                  -                  PROBLEMS",
		"cust-d    12             0              24       0     0         2026-12-01T12:00Z  2026-12-01T23:00Z  OK",
		"",
		"Findings:",
		"  cust-a api_calls: no record in 3 hours: 2026-12-01T05:00Z to 2026-12-01T08:00Z",
		"  cust-a users: 1 record sent late (received 2h or more after the start of their usage hour)",
		"  cust-a: 1 record rejected: duplicate of an accepted record with another quantity (DuplicateRecord); e.g. api_calls at 2026-12-01T14:00:00Z, quantity 999 (BatchMeterUsage request ",
		"  cust-b users: no record in 1 hour: 2026-12-01T12:00Z",
		"  cust-b: 1 record rejected: invalid allocation (InvalidUsageAllocationsException); e.g. api_calls at 2026-12-01T21:00:00Z, quantity 100: Usage record 1: The sum of AllocatedUsageQuantity (5) does not equal the usage quantity (100). (BatchMeterUsage request ",
		"  cust-b: 1 record rejected: unknown dimension (InvalidUsageDimensionException); e.g. storage at 2026-12-01T18:00:00Z, quantity 1: Dimension 'storage' is not a valid dimension for product 'day-saas'. (BatchMeterUsage request ",
		"  cust-b: 1 record rejected: late: the usage hour is outside the accepted window (TimestampOutOfBoundsException); e.g. api_calls at 2026-12-01T23:00:00Z, quantity 100: Timestamp 2026-12-01T23:00:00Z is out of bounds: it is in the future. (BatchMeterUsage request ",
		"  cust-c: 1 record rejected: customer not subscribed (CustomerNotSubscribed); e.g. api_calls at 2026-12-01T16:00:00Z, quantity 100 (BatchMeterUsage request ",
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(got), len(want), out.String())
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) || (!strings.HasSuffix(want[i], "request ") && got[i] != want[i]) {
			t.Errorf("line %d:\n got %q\nwant %q", i+1, got[i], want[i])
		}
	}
}

// TestHealthMeterUsage: a MeterUsage record names no customer; the report
// finds the subscribed customer by the calling account.
func TestHealthMeterUsage(t *testing.T) {
	s := startServer(t, "")
	ctx := context.Background()
	now := time.Date(2026, time.December, 1, 10, 30, 0, 0, time.UTC)
	if _, err := s.admin().SetClock(ctx, now, true); err != nil {
		t.Fatal(err)
	}
	_, err := s.metering(buyerKey, testRegion).MeterUsage(ctx, &marketplacemetering.MeterUsageInput{
		ProductCode: aws.String("demo-ami"), UsageDimension: aws.String("vcpu_hours"),
		UsageQuantity: aws.Int32(4), Timestamp: aws.Time(now.Add(-90 * time.Minute))})
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.admin().Health(ctx, insight.HealthQuery{ProductCode: "demo-ami", Since: now.Add(-150 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Products) != 1 || len(h.Products[0].Customers) != 1 {
		t.Fatalf("report %+v, want one product with one customer", h)
	}
	c := h.Products[0].Customers[0]
	if c.CustomerIdentifier != "demo-customer" || c.CustomerAWSAccountID != "444455556666" || c.MeteredHours != 2 ||
		c.MissingHours != 1 || c.Records != 1 || c.OK {
		t.Errorf("customer %+v; want demo-customer (444455556666), 2 metered hours, 1 missing, 1 record, not ok", c)
	}
}
