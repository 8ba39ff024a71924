package storetest

import (
	"testing"
	"time"

	"github.com/meterd/meterd"
)

func usageTests() []test {
	return []test{
		{"ListUsage/Filters", testListUsageFilters},
		{"ListUsage/Pages", testListUsagePages},
		{"SumUsage/Groups", testSumUsageGroups},
		{"SumUsage/AfterMoreRecords", testSumUsageAfterMore},
		{"SumUsage/AfterReset", testSumUsageAfterReset},
		{"SumUsage/RollupMatchesRecords", testSumUsageRollupMatchesRecords},
	}
}

// usageHour is the first usage hour of the usage fixture: a Sunday.
var usageHour = time.Date(2025, time.March, 2, 10, 0, 0, 0, time.UTC)

// usageFixture is a ledger with one record per thing a filter or a group
// tells apart; quantities are distinct powers of ten so that a wrong sum
// names the record it took or missed.
func usageFixture(t *testing.T, s meterd.Store) []*meterd.MeteringRecord {
	t.Helper()
	rec := func(id string, hours int, q int64, f func(*meterd.MeteringRecord)) *meterd.MeteringRecord {
		return with(record(id), func(r *meterd.MeteringRecord) {
			r.Timestamp = usageHour.Add(time.Duration(hours)*time.Hour + time.Minute)
			r.Hour = r.Timestamp.Truncate(time.Hour)
			r.ReceivedAt = r.Timestamp.Add(time.Duration(hours) * time.Minute)
			r.Quantity, r.Allocations = q, nil
			f(r)
		})
	}
	team := func(q int32, value string) meterd.UsageAllocation {
		return meterd.UsageAllocation{AllocatedUsageQuantity: q, Tags: []meterd.Tag{{Key: "team", Value: value}}}
	}
	recs := []*meterd.MeteringRecord{
		rec("u1", 0, 1, func(r *meterd.MeteringRecord) { r.Allocations = []meterd.UsageAllocation{team(1, "a")} }),
		rec("u2", 1, 10, func(r *meterd.MeteringRecord) {
			r.CustomerIdentifier, r.CustomerAWSAccountID, r.LicenseArn = "cust-b", "333333333333", "arn:lic-2"
			r.Allocations = []meterd.UsageAllocation{team(4, "a"), team(6, "b")}
		}),
		rec("u3", 24, 100, func(r *meterd.MeteringRecord) { r.Dimension = "admins" }),
		rec("u4", 2, 1000, func(r *meterd.MeteringRecord) { // a buyer's MeterUsage
			r.Operation, r.CustomerIdentifier, r.CustomerAWSAccountID, r.LicenseArn = meterd.OpMeterUsage, "", "", ""
			r.CallerAccountID = "444444444444"
		}),
		rec("u5", 24*31, 10000, func(r *meterd.MeteringRecord) { // the seller's test, next month
			r.Operation, r.CustomerIdentifier, r.CustomerAWSAccountID, r.LicenseArn = meterd.OpMeterUsage, "", "", ""
			r.Test = true
		}),
		rec("u6", 0, 100000, func(r *meterd.MeteringRecord) { r.ProductCode = "prod-other" }),
	}
	recordOK(t, s, recs...)
	return recs
}

func listIDs(t *testing.T, s meterd.Store, q meterd.UsageQuery) []string {
	t.Helper()
	ids := []string{}
	must(t, meterd.EachUsage(t.Context(), s, q, func(r *meterd.MeteringRecord) error {
		ids = append(ids, r.ID)
		return nil
	}))
	return ids
}

func testListUsageFilters(t *testing.T, s meterd.Store) {
	recs := usageFixture(t, s)
	yes, no := true, false
	tests := []struct {
		name string
		q    meterd.UsageQuery
		want []string
	}{
		{"OK everything", meterd.UsageQuery{}, []string{"u1", "u2", "u3", "u4", "u5", "u6"}},
		{"OK product", meterd.UsageQuery{ProductCode: "prod-other"}, []string{"u6"}},
		{"OK customer identifier", meterd.UsageQuery{Customer: "cust-b"}, []string{"u2"}},
		{"OK customer account", meterd.UsageQuery{Customer: "333333333333"}, []string{"u2"}},
		{"OK customer of MeterUsage is the caller", meterd.UsageQuery{Customer: "444444444444"}, []string{"u4"}},
		{"OK license", meterd.UsageQuery{LicenseArn: "arn:lic-2"}, []string{"u2"}},
		{"OK dimension", meterd.UsageQuery{Dimension: "admins"}, []string{"u3"}},
		{"OK test", meterd.UsageQuery{Test: &yes}, []string{"u5"}},
		{"OK real", meterd.UsageQuery{Test: &no, ProductCode: "prod-saas"}, []string{"u1", "u2", "u3", "u4"}},
		{"OK usage hours", meterd.UsageQuery{UsageSince: usageHour.Add(time.Hour), UsageUntil: usageHour.Add(24 * time.Hour)},
			[]string{"u2", "u4"}},
		{"OK receipt times", meterd.UsageQuery{ReceivedSince: recs[1].ReceivedAt, ReceivedUntil: recs[2].ReceivedAt},
			[]string{"u2", "u4"}},
		{"OK tag key", meterd.UsageQuery{TagKey: "team"}, []string{"u1", "u2"}},
		{"OK tag value", meterd.UsageQuery{TagKey: "team", TagValue: "b"}, []string{"u2"}},
		{"OK nothing", meterd.UsageQuery{Customer: "nobody"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := diff(listIDs(t, s, tt.q), tt.want); d != "" {
				t.Errorf("ids%s", d)
			}
		})
	}
	got, _, err := s.ListUsage(t.Context(), meterd.UsageQuery{ProductCode: "prod-other"})
	must(t, err)
	if d := diff(got, recs[5:]); d != "" {
		t.Errorf("ListUsage round trip%s", d)
	}
}

func testListUsagePages(t *testing.T, s meterd.Store) {
	usageFixture(t, s)
	var pages [][]string
	q := meterd.UsageQuery{Limit: 4}
	for {
		recs, next, err := s.ListUsage(t.Context(), q)
		must(t, err)
		var ids []string
		for _, r := range recs {
			ids = append(ids, r.ID)
		}
		pages = append(pages, ids)
		if next == "" {
			break
		}
		q.Cursor = next
	}
	if d := diff(pages, [][]string{{"u1", "u2", "u3", "u4"}, {"u5", "u6"}}); d != "" {
		t.Errorf("pages%s", d)
	}
	_, _, err := s.ListUsage(t.Context(), meterd.UsageQuery{Cursor: "not-a-cursor"})
	wantCode(t, err, meterd.EInvalid)
}

// group is a UsageGroup of the fixture's product.
func group(period time.Time, f func(*meterd.UsageGroup), quantity, records int64) meterd.UsageGroup {
	g := meterd.UsageGroup{Period: period, Quantity: quantity, Records: records}
	if f != nil {
		f(&g)
	}
	return g
}

func testSumUsageGroups(t *testing.T, s meterd.Store) {
	usageFixture(t, s)
	day := usageHour.Truncate(24 * time.Hour)
	march, april := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	saas := meterd.UsageQuery{ProductCode: "prod-saas"}
	cust := func(c string) func(*meterd.UsageGroup) { return func(g *meterd.UsageGroup) { g.Customer = c } }
	tag := func(v string) func(*meterd.UsageGroup) {
		return func(g *meterd.UsageGroup) { g.TagKey, g.TagValue = "team", v }
	}
	tests := []struct {
		name string
		sum  meterd.UsageSum
		want []meterd.UsageGroup
	}{
		{"OK per month", meterd.UsageSum{Query: saas, Per: meterd.PerMonth},
			[]meterd.UsageGroup{group(march, nil, 1111, 4), group(april, nil, 10000, 1)}},
		{"OK per day by dimension", meterd.UsageSum{Query: saas, Per: meterd.PerDay, By: []string{meterd.GroupDimension}},
			[]meterd.UsageGroup{group(day, func(g *meterd.UsageGroup) { g.Dimension = "users" }, 1011, 3),
				group(day.Add(24*time.Hour), func(g *meterd.UsageGroup) { g.Dimension = "admins" }, 100, 1),
				group(april.Add(24*time.Hour), func(g *meterd.UsageGroup) { g.Dimension = "users" }, 10000, 1)}},
		{"OK per hour by customer", meterd.UsageSum{Query: meterd.UsageQuery{ProductCode: "prod-saas",
			UsageUntil: usageHour.Add(3 * time.Hour)}, Per: meterd.PerHour, By: []string{meterd.GroupCustomer}},
			[]meterd.UsageGroup{group(usageHour, cust("cust-a"), 1, 1), group(usageHour.Add(time.Hour), cust("cust-b"), 10, 1),
				group(usageHour.Add(2*time.Hour), cust("444444444444"), 1000, 1)}},
		{"OK by product", meterd.UsageSum{Per: meterd.PerMonth, By: []string{meterd.GroupProduct},
			Query: meterd.UsageQuery{UsageUntil: april}},
			[]meterd.UsageGroup{group(march, func(g *meterd.UsageGroup) { g.Product = "prod-other" }, 100000, 1),
				group(march, func(g *meterd.UsageGroup) { g.Product = "prod-saas" }, 1111, 4)}},
		{"OK by license", meterd.UsageSum{Query: meterd.UsageQuery{Customer: "cust-b"}, Per: meterd.PerMonth,
			By: []string{meterd.GroupLicense}},
			[]meterd.UsageGroup{group(march, func(g *meterd.UsageGroup) { g.LicenseArn = "arn:lic-2" }, 10, 1)}},
		{"OK by tag", meterd.UsageSum{Query: saas, Per: meterd.PerMonth, By: []string{meterd.GroupTag}},
			[]meterd.UsageGroup{group(march, tag("a"), 5, 2), group(march, tag("b"), 6, 1)}},
		{"OK tag filter", meterd.UsageSum{Query: meterd.UsageQuery{TagKey: "team", TagValue: "a"}, Per: meterd.PerMonth},
			[]meterd.UsageGroup{group(march, nil, 5, 2)}},
		{"OK test records", meterd.UsageSum{Query: meterd.UsageQuery{Test: ptr(true)}, Per: meterd.PerMonth},
			[]meterd.UsageGroup{group(april, nil, 10000, 1)}},
		{"OK receipt times", meterd.UsageSum{Query: meterd.UsageQuery{ProductCode: "prod-saas",
			ReceivedSince: usageHour.Add(time.Hour)}, Per: meterd.PerMonth},
			[]meterd.UsageGroup{group(march, nil, 1110, 3), group(april, nil, 10000, 1)}},
		{"OK nothing", meterd.UsageSum{Query: meterd.UsageQuery{Customer: "nobody"}, Per: meterd.PerDay},
			[]meterd.UsageGroup{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.SumUsage(t.Context(), tt.sum)
			must(t, err)
			if d := diff(got, tt.want); d != "" {
				t.Errorf("groups%s\ngot %+v", d, got)
			}
		})
	}
}

// A sum counts records stored after an earlier sum, whatever a backend
// has rolled up or cached.
func testSumUsageAfterMore(t *testing.T, s meterd.Store) {
	recs := usageFixture(t, s)
	sum := meterd.UsageSum{Query: meterd.UsageQuery{ProductCode: "prod-other"}, Per: meterd.PerMonth}
	_, err := s.SumUsage(t.Context(), sum)
	must(t, err)
	recordOK(t, s, with(recs[5], func(r *meterd.MeteringRecord) { r.ID, r.DedupeKey, r.Quantity = "u7", "dk-u7", 7 }))
	got, err := s.SumUsage(t.Context(), sum)
	must(t, err)
	march := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	if d := diff(got, []meterd.UsageGroup{group(march, nil, 100007, 2)}); d != "" {
		t.Errorf("groups%s", d)
	}
}

// A reset empties the sums too, and records after it count from nothing.
func testSumUsageAfterReset(t *testing.T, s meterd.Store) {
	recs := usageFixture(t, s)
	sum := meterd.UsageSum{Per: meterd.PerMonth}
	_, err := s.SumUsage(t.Context(), sum)
	must(t, err)
	_, err = s.ResetLedger(t.Context())
	must(t, err)
	recordOK(t, s, recs[0])
	got, err := s.SumUsage(t.Context(), sum)
	must(t, err)
	march := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	if d := diff(got, []meterd.UsageGroup{group(march, nil, 1, 1)}); d != "" {
		t.Errorf("groups%s", d)
	}
}
