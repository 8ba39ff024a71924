package backend

import (
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

// RollupPeriods are the periods the rollups keep.
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
// rollups: a sum bounded by them reads the records.
func PlanSum(s meterd.UsageSum) SumPlan {
	q := s.Query
	if !q.ReceivedSince.IsZero() || !q.ReceivedUntil.IsZero() {
		return SumPlan{Records: true}
	}
	p := SumPlan{Period: rollupPeriod(s),
		Totals: q.Customer == "" && q.LicenseArn == "" && !s.Groups(meterd.GroupCustomer) && !s.Groups(meterd.GroupLicense)}
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

// RollupKey is one row of usage_rollup, or with Total of usage_totals
// (whose Customer, Account and License are empty).
type RollupKey struct {
	Total                           bool
	Period                          meterd.UsagePeriod
	Start                           time.Time // the period's start
	Product, TagKey, TagValue       string
	Customer, Account, License, Dim string
	Test                            bool
}

// RollupSum is the quantity and number of records of one rollup row.
type RollupSum struct{ Quantity, Records int64 }

// RollupSums adds records up per rollup row.
type RollupSums map[RollupKey]*RollupSum

// Add counts r in every row it belongs to: each period, with and without
// its customer, whole and per tag of its allocations.
func (s RollupSums) Add(r *meterd.MeteringRecord) {
	k := RollupKey{Start: r.Hour.UTC(), Product: r.ProductCode, Customer: r.CustomerIdentifier,
		Account: r.CustomerAccount(), License: r.LicenseArn, Dim: r.Dimension, Test: r.Test}
	s.addKey(k, r.Quantity)
	for t, q := range AllocatedToTags(r.Allocations) {
		tk := k
		tk.TagKey, tk.TagValue = t.Key, t.Value
		s.addKey(tk, q)
	}
}

func (s RollupSums) addKey(k RollupKey, quantity int64) {
	total := k
	total.Total, total.Customer, total.Account, total.License = true, "", "", ""
	for _, key := range []RollupKey{k, total} {
		for _, p := range RollupPeriods {
			pk := key
			pk.Period, pk.Start = p, p.Start(key.Start)
			v, ok := s[pk]
			if !ok {
				v = &RollupSum{}
				s[pk] = v
			}
			v.Quantity += quantity
			v.Records++
		}
	}
}

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
