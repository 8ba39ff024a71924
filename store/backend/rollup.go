package backend

import (
	"slices"
	"time"

	"github.com/meterd/meterd"
)

// Usage rollups: both backends keep the same sums of the ledger, per hour,
// day and month, in two tables: usage_rollup (per product, customer,
// account, license, dimension and test flag) and usage_totals (the same
// without customer, account and license). A row with an empty tag key
// holds whole records; a row per allocation tag holds what allocations gave
// that tag, counting each record once per tag. How the rows are kept up to
// date is each backend's own (SQLite folds the records after a watermark
// on its single writer; PostgreSQL writes them in the transaction of the
// records, per node shard); which rows answer a sum is decided here, once.

// RollupPeriods are the periods the rollups keep (but PostgreSQL's
// usage_rollup, which keeps only months: see store/postgres/rollup.go).
var RollupPeriods = []meterd.UsagePeriod{meterd.PerHour, meterd.PerDay, meterd.PerMonth}

// TagRows says which rollup rows a sum reads, by their tag columns.
type TagRows int

const (
	// UntaggedRows are the whole records (tag key '').
	UntaggedRows TagRows = iota
	// AnyTagRows are every tag's rows (tag key not '').
	AnyTagRows
	// TagKeyRows are the rows of the query's tag key.
	TagKeyRows
	// TagValueRows are the rows of the query's tag key and value.
	TagValueRows
)

// SumPlan is how a backend answers a meterd.UsageSum.
type SumPlan struct {
	// Records is true when no rollup can answer: the records are read.
	Records bool
	// Period is the coarsest rollup period that answers exactly: one that
	// the sum's period is made of and its usage bounds fall on.
	Period meterd.UsagePeriod
	// Totals is true when usage_totals answers: the sum neither filters
	// nor groups by customer or license.
	Totals bool
	Tags   TagRows
}

// PlanSum decides how s is answered. Receipt times are not in the
// rollups: a sum bounded by them reads the records. customerPeriods are
// the periods the backend's usage_rollup keeps (usage_totals keeps every
// one of RollupPeriods); a sum that needs customers or licenses in
// another period reads the records.
func PlanSum(s meterd.UsageSum, customerPeriods []meterd.UsagePeriod) SumPlan {
	q := s.Query
	if !q.ReceivedSince.IsZero() || !q.ReceivedUntil.IsZero() {
		return SumPlan{Records: true}
	}
	p := SumPlan{Period: rollupPeriod(s),
		Totals: q.Customer == "" && q.LicenseArn == "" && !s.Groups(meterd.GroupCustomer) && !s.Groups(meterd.GroupLicense)}
	if !p.Totals && !slices.Contains(customerPeriods, p.Period) {
		return SumPlan{Records: true}
	}
	switch {
	case q.TagKey != "" && q.TagValue != "":
		p.Tags = TagValueRows
	case q.TagKey != "":
		p.Tags = TagKeyRows
	case s.Groups(meterd.GroupTag):
		p.Tags = AnyTagRows
	}
	return p
}

func rollupPeriod(s meterd.UsageSum) meterd.UsagePeriod {
	for _, p := range []meterd.UsagePeriod{meterd.PerMonth, meterd.PerDay} {
		if (s.Per == p || s.Per == meterd.PerMonth) && onStart(p, s.Query.UsageSince) && onStart(p, s.Query.UsageUntil) {
			return p
		}
	}
	return meterd.PerHour
}

func onStart(p meterd.UsagePeriod, t time.Time) bool { return t.IsZero() || p.Start(t).Equal(t) }

// AllocatedToTags is what allocs give each tag, as meterd.UsageAggregator
// counts tags.
func AllocatedToTags(allocs []meterd.UsageAllocation) map[meterd.Tag]int64 {
	tags := map[meterd.Tag]int64{}
	for _, a := range allocs {
		for _, t := range a.Tags {
			tags[t] += int64(a.AllocatedUsageQuantity)
		}
	}
	return tags
}

// RollupGroupColumns are the rollup tables' expressions of the values s
// groups by, in meterd.UsageGroup's order (product, customer, dimension,
// license, tag key, tag value), and ” for those it does not: a sum
// selects them, then its sums.
func RollupGroupColumns(s meterd.UsageSum) []string {
	var cols []string
	for _, g := range []struct{ name, col string }{{meterd.GroupProduct, "product_code"},
		{meterd.GroupCustomer, "CASE WHEN customer_identifier <> '' THEN customer_identifier ELSE customer_account END"},
		{meterd.GroupDimension, "dimension"}, {meterd.GroupLicense, "license_arn"}, {meterd.GroupTag, "tag_key"},
		{meterd.GroupTag, "tag_value"}} {
		if s.Groups(g.name) {
			cols = append(cols, g.col)
		} else {
			cols = append(cols, "''")
		}
	}
	return cols
}

// RollupWhere is the filter of a sum that plan reads from the rollups
// (table plan.Totals ? usage_totals : usage_rollup): q's conditions that
// the rollups can answer, the plan's period and its tag rows.
func RollupWhere(d Dialect, q meterd.UsageQuery, plan SumPlan) (*Where, error) {
	w, err := UsageWhere(d, q, false, nil)
	if err != nil {
		return nil, err
	}
	w.Add("period = ?", string(plan.Period))
	switch plan.Tags {
	case TagValueRows:
		w.Add("tag_key = ? AND tag_value = ?", q.TagKey, q.TagValue)
	case TagKeyRows:
		w.Add("tag_key = ?", q.TagKey)
	case AnyTagRows:
		w.Add("tag_key <> ''")
	default:
		w.Add("tag_key = ''")
	}
	return w, nil
}
