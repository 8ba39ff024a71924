package meterd

import (
	"context"
	"slices"
	"strings"
	"time"
)

// UsageQuery selects usage records; empty fields match everything.
type UsageQuery struct {
	ProductCode string
	// Customer matches a customer identifier or AWS account (for a
	// MeterUsage record, the caller's account).
	Customer   string
	LicenseArn string
	Dimension  string
	// Outcome "" is accepted: the ledger's records. Duplicates and
	// rejections come from the audit trail (see SentRecord).
	Outcome Outcome
	// Test, when set, keeps only test records (true) or real ones (false).
	Test *bool
	// UsageSince and UsageUntil bound the usage hour (the timestamp
	// truncated to the hour), ReceivedSince and ReceivedUntil the time a
	// record arrived; the Until bounds are exclusive.
	UsageSince, UsageUntil       time.Time
	ReceivedSince, ReceivedUntil time.Time
	// TagKey (and TagValue, if set) keep usage allocated to that tag.
	TagKey, TagValue string

	// Limit caps a page (the store may cap it lower); Cursor is the next
	// cursor of the previous page.
	Limit  int
	Cursor string
}

// UsagePeriod is the time bucket of an aggregation.
type UsagePeriod string

// The periods of an aggregation; all are UTC.
const (
	PerHour  UsagePeriod = "hour"
	PerDay   UsagePeriod = "day"
	PerMonth UsagePeriod = "month"
)

// Start is the start of the period t falls in.
func (p UsagePeriod) Start(t time.Time) time.Time {
	t = t.UTC()
	switch p {
	case PerDay:
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	case PerMonth:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return t.Truncate(time.Hour)
}

// ParseUsagePeriod returns the period named s ("" is an hour), or an
// EInvalid error.
func ParseUsagePeriod(s string) (UsagePeriod, error) {
	switch p := UsagePeriod(s); p {
	case "":
		return PerHour, nil
	case PerHour, PerDay, PerMonth:
		return p, nil
	}
	return "", Errorf(EInvalid, "period %q is not one of hour, day, month", s)
}

// The dimensions a sum can be grouped by. GroupTag groups by tag key and
// value: each group sums the quantities allocated to one tag, so a record
// whose allocations carry several tags counts in each.
const (
	GroupProduct   = "product"
	GroupCustomer  = "customer"
	GroupDimension = "dimension"
	GroupLicense   = "license"
	GroupTag       = "tag"
)

var groupNames = []string{GroupProduct, GroupCustomer, GroupDimension, GroupLicense, GroupTag}

// ParseUsageGrouping reads a comma-separated list of group names.
func ParseUsageGrouping(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var by []string
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(groupNames, name) {
			return nil, Errorf(EInvalid, "cannot group by %q: use %s", name, strings.Join(groupNames, ", "))
		}
		if !slices.Contains(by, name) {
			by = append(by, name)
		}
	}
	return by, nil
}

// UsageSum asks for the sum of quantity and the number of records per
// period, grouped by any of the Group names.
type UsageSum struct {
	Query UsageQuery // Limit and Cursor are ignored
	Per   UsagePeriod
	By    []string
}

// Groups reports whether s groups by name.
func (s UsageSum) Groups(name string) bool { return slices.Contains(s.By, name) }

// ByTag reports whether quantities are those allocated to tags: when the
// sum groups or filters by tag.
func (s UsageSum) ByTag() bool { return s.Groups(GroupTag) || s.Query.TagKey != "" }

// UsageGroup is one line of an aggregation: the period's start, the
// grouped values (empty when not grouped by them), the sum and the count.
// When a sum groups or filters by tag, Quantity is what allocations gave
// the tags kept and Records counts each record once per tag kept.
type UsageGroup struct {
	Period     time.Time `json:"period"`
	Product    string    `json:"product,omitempty"`
	Customer   string    `json:"customer,omitempty"`
	Dimension  string    `json:"dimension,omitempty"`
	LicenseArn string    `json:"licenseArn,omitempty"`
	TagKey     string    `json:"tagKey,omitempty"`
	TagValue   string    `json:"tagValue,omitempty"`
	Quantity   int64     `json:"quantity"`
	Records    int64     `json:"records"`
}

// UsageReader answers usage queries on the ledger's accepted records.
// Stores implement it beside LedgerStore.
type UsageReader interface {
	// ListUsage returns a page of the accepted records matching q in
	// ledger order, and the cursor of the next page ("" after the last).
	// A malformed q.Cursor is an EInvalid error; q.Outcome is ignored.
	ListUsage(ctx context.Context, q UsageQuery) (recs []*MeteringRecord, next string, err error)
	// SumUsage aggregates the accepted records matching s.Query, ordered by
	// period then the grouped values. It must not read every record: a
	// month of a product answers from indexes or rollups.
	SumUsage(ctx context.Context, s UsageSum) ([]UsageGroup, error)
}

// EachUsage calls yield with every accepted record matching q, a page at
// a time (so that memory stays constant however many match); an error from
// yield stops it and is returned.
func EachUsage(ctx context.Context, r UsageReader, q UsageQuery, yield func(*MeteringRecord) error) error {
	q.Cursor = ""
	for {
		recs, next, err := r.ListUsage(ctx, q)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			if err := yield(rec); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		q.Cursor = next
	}
}

// CustomerAccount is the AWS account a record is about: the customer's,
// or for MeterUsage (which names none) the caller's, the buyer running
// the product.
func (r *MeteringRecord) CustomerAccount() string {
	if r.CustomerAWSAccountID == "" && r.Operation == OpMeterUsage {
		return r.CallerAccountID
	}
	return r.CustomerAWSAccountID
}

// Sent is r as a sent record: accepted, received at ReceivedAt.
func (r *MeteringRecord) Sent() *SentRecord {
	return &SentRecord{CallTime: r.ReceivedAt, Operation: r.Operation, Region: r.Region,
		CallerAccountID: r.CallerAccountID, ProductCode: r.ProductCode, CustomerIdentifier: r.CustomerIdentifier,
		CustomerAWSAccountID: r.CustomerAccount(), LicenseArn: r.LicenseArn, Dimension: r.Dimension,
		Timestamp: r.Timestamp, Quantity: r.Quantity, Allocations: r.Allocations, Outcome: OutcomeAccepted,
		Status: StatusSuccess, MeteringRecordID: r.ID, Test: r.Test}
}

// Matches reports whether r matches q's filters but the outcome.
func (q *UsageQuery) Matches(r *SentRecord) bool {
	hour := r.Timestamp.UTC().Truncate(time.Hour)
	switch {
	case q.ProductCode != "" && r.ProductCode != q.ProductCode,
		q.Customer != "" && r.CustomerIdentifier != q.Customer && r.CustomerAWSAccountID != q.Customer,
		q.LicenseArn != "" && r.LicenseArn != q.LicenseArn,
		q.Dimension != "" && r.Dimension != q.Dimension,
		q.Test != nil && r.Test != *q.Test,
		!q.UsageSince.IsZero() && hour.Before(q.UsageSince),
		!q.UsageUntil.IsZero() && !hour.Before(q.UsageUntil),
		!q.ReceivedSince.IsZero() && r.CallTime.Before(q.ReceivedSince),
		!q.ReceivedUntil.IsZero() && !r.CallTime.Before(q.ReceivedUntil):
		return false
	}
	return q.TagKey == "" || len(q.tagged(r.Allocations)) > 0
}

// tagged returns the tags of allocs that q's tag filter keeps, each with
// the quantity allocated to it.
func (q *UsageQuery) tagged(allocs []UsageAllocation) map[Tag]int64 {
	out := map[Tag]int64{}
	for _, a := range allocs {
		for _, t := range a.Tags {
			if (q.TagKey == "" || t.Key == q.TagKey) && (q.TagValue == "" || t.Value == q.TagValue) {
				out[t] += int64(a.AllocatedUsageQuantity)
			}
		}
	}
	return out
}

// UsageAggregator sums records in Go, for what no rollup holds (the
// records not rolled up yet, duplicates and rejections).
type UsageAggregator struct {
	sum    UsageSum
	groups map[UsageGroup]*UsageGroup // keyed with Quantity and Records zero
}

// NewUsageAggregator starts an empty aggregation of s.
func NewUsageAggregator(s UsageSum) *UsageAggregator {
	return &UsageAggregator{sum: s, groups: map[UsageGroup]*UsageGroup{}}
}

// Add counts r, which the caller has matched with s.Query.
func (a *UsageAggregator) Add(r *SentRecord) {
	key := UsageGroup{Period: a.sum.Per.Start(r.Timestamp)}
	if a.sum.Groups(GroupProduct) {
		key.Product = r.ProductCode
	}
	if a.sum.Groups(GroupCustomer) {
		key.Customer = r.Customer()
	}
	if a.sum.Groups(GroupDimension) {
		key.Dimension = r.Dimension
	}
	if a.sum.Groups(GroupLicense) {
		key.LicenseArn = r.LicenseArn
	}
	if !a.sum.ByTag() {
		a.AddGroup(key, r.Quantity, 1)
		return
	}
	byTag := a.sum.Groups(GroupTag)
	for t, q := range a.sum.Query.tagged(r.Allocations) {
		k := key
		if byTag {
			k.TagKey, k.TagValue = t.Key, t.Value
		}
		a.AddGroup(k, q, 1)
	}
}

// AddGroup adds quantity and records to the group key (whose Quantity and
// Records are ignored).
func (a *UsageAggregator) AddGroup(key UsageGroup, quantity, records int64) {
	key.Quantity, key.Records = 0, 0
	g, ok := a.groups[key]
	if !ok {
		g = &key
		a.groups[key] = g
	}
	g.Quantity += quantity
	g.Records += records
}

// Groups returns the sums, ordered by period then grouped values.
func (a *UsageAggregator) Groups() []UsageGroup {
	out := make([]UsageGroup, 0, len(a.groups))
	for _, g := range a.groups {
		out = append(out, *g)
	}
	slices.SortFunc(out, compareGroups)
	return out
}

func compareGroups(a, b UsageGroup) int {
	if c := a.Period.Compare(b.Period); c != 0 {
		return c
	}
	for _, f := range []func(UsageGroup) string{
		func(g UsageGroup) string { return g.Product }, func(g UsageGroup) string { return g.Customer },
		func(g UsageGroup) string { return g.Dimension }, func(g UsageGroup) string { return g.LicenseArn },
		func(g UsageGroup) string { return g.TagKey }, func(g UsageGroup) string { return g.TagValue }} {
		if c := strings.Compare(f(a), f(b)); c != 0 {
			return c
		}
	}
	return 0
}
