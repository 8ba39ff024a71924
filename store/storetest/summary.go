package storetest

import (
	"testing"
	"time"

	"github.com/meterd/meterd"
)

func summaryTests() []test {
	return []test{
		{"SummarizeUsage/ByHourAndMonth", testSummarizeUsage},
	}
}

// testSummarizeUsage sums by hour (with late records) and by month
// (without test records), within product and hour bounds.
func testSummarizeUsage(t *testing.T, s meterd.Store) {
	utc := func(month time.Month, day, hour, minute int) time.Time {
		return time.Date(2025, month, day, hour, minute, 0, 0, time.UTC)
	}
	rec := func(id, customer string, hour, received time.Time, qty int64, f func(*meterd.MeteringRecord)) *meterd.MeteringRecord {
		return with(record(id), func(r *meterd.MeteringRecord) {
			r.CustomerIdentifier, r.Hour, r.Timestamp, r.ReceivedAt, r.Quantity = customer, hour, hour, received, qty
			if f != nil {
				f(r)
			}
		})
	}
	march4 := utc(time.March, 4, 3, 0)
	recordOK(t, s,
		rec("r1", "cust-a", march4, utc(time.March, 4, 4, 6), 5, nil),                // 1h06 after its hour
		rec("r2", "cust-a", march4.Add(time.Hour), utc(time.March, 4, 7, 0), 7, nil), // 2h after: late
		rec("r3", "cust-a", march4, march4, 100, func(r *meterd.MeteringRecord) { r.Test = true }),
		rec("r4", "cust-b", utc(time.March, 31, 23, 0), utc(time.March, 31, 23, 30), 2, nil),
		rec("r5", "cust-a", utc(time.April, 1, 0, 0), utc(time.April, 1, 0, 1), 1, nil),
		rec("r6", "cust-a", march4, march4, 9, func(r *meterd.MeteringRecord) { r.ProductCode = "other" }),
		rec("r7", "", march4, march4, 4, func(r *meterd.MeteringRecord) {
			r.CustomerAWSAccountID, r.LicenseArn, r.Operation = "", "", "MeterUsage"
		}),
	)
	march := meterd.UsageSummaryFilter{ProductCode: "prod-saas", Since: utc(time.March, 1, 0, 0), Until: utc(time.April, 1, 0, 0)}
	sum := func(customer string, period time.Time, records, qty, late int64, first, last time.Time) meterd.UsageSummary {
		return meterd.UsageSummary{CustomerIdentifier: customer, CustomerAWSAccountID: buyerAccount, LicenseArn: "arn:lic-1",
			Dimension: "users", Period: period, Records: records, Quantity: qty, Late: late, FirstReceivedAt: first, LastReceivedAt: last}
	}
	// MeterUsage names no customer: its account is the caller's.
	meterUsage := func(period time.Time, records, qty, late int64, first, last time.Time) meterd.UsageSummary {
		s := sum("", period, records, qty, late, first, last)
		s.CustomerAWSAccountID, s.LicenseArn = sellerAccount, ""
		return s
	}
	tests := []struct {
		name string
		f    func(f meterd.UsageSummaryFilter) meterd.UsageSummaryFilter
		want []meterd.UsageSummary
	}{
		{"OK by hour with late and test records", func(f meterd.UsageSummaryFilter) meterd.UsageSummaryFilter {
			f.Period, f.LateAfter = meterd.PerHour, 2*time.Hour
			return f
		}, []meterd.UsageSummary{
			meterUsage(march4, 1, 4, 0, march4, march4),
			sum("cust-a", march4, 2, 105, 0, march4, utc(time.March, 4, 4, 6)),
			sum("cust-a", march4.Add(time.Hour), 1, 7, 1, utc(time.March, 4, 7, 0), utc(time.March, 4, 7, 0)),
			sum("cust-b", utc(time.March, 31, 23, 0), 1, 2, 0, utc(time.March, 31, 23, 30), utc(time.March, 31, 23, 30)),
		}},
		{"OK by month without test records", func(f meterd.UsageSummaryFilter) meterd.UsageSummaryFilter {
			f.Period, f.ExcludeTest = meterd.PerMonth, true
			return f
		}, []meterd.UsageSummary{
			meterUsage(utc(time.March, 1, 0, 0), 1, 4, 0, march4, march4),
			sum("cust-a", utc(time.March, 1, 0, 0), 2, 12, 0, utc(time.March, 4, 4, 6), utc(time.March, 4, 7, 0)),
			sum("cust-b", utc(time.March, 1, 0, 0), 1, 2, 0, utc(time.March, 31, 23, 30), utc(time.March, 31, 23, 30)),
		}},
		{"OK unbounded by month", func(f meterd.UsageSummaryFilter) meterd.UsageSummaryFilter {
			f.Period, f.Since, f.Until, f.ExcludeTest = meterd.PerMonth, time.Time{}, time.Time{}, true
			return f
		}, []meterd.UsageSummary{
			meterUsage(utc(time.March, 1, 0, 0), 1, 4, 0, march4, march4),
			sum("cust-a", utc(time.March, 1, 0, 0), 2, 12, 0, utc(time.March, 4, 4, 6), utc(time.March, 4, 7, 0)),
			sum("cust-a", utc(time.April, 1, 0, 0), 1, 1, 0, utc(time.April, 1, 0, 1), utc(time.April, 1, 0, 1)),
			sum("cust-b", utc(time.March, 1, 0, 0), 1, 2, 0, utc(time.March, 31, 23, 30), utc(time.March, 31, 23, 30)),
		}},
		{"OK no records", func(f meterd.UsageSummaryFilter) meterd.UsageSummaryFilter {
			f.Period, f.ProductCode = meterd.PerHour, "absent"
			return f
		}, []meterd.UsageSummary{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.SummarizeUsage(t.Context(), tt.f(march))
			must(t, err)
			if d := diff(got, tt.want); d != "" {
				t.Error(d)
			}
		})
	}
}
