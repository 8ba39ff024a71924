package meterd

import (
	"context"
	"time"
)

// UsageSummarizer sums the accepted records of a product for the
// integration health report: besides quantities (which UsageReader's
// SumUsage gives), it says when the records arrived and how many were
// late, which the usage rollups do not keep.
type UsageSummarizer interface {
	// SummarizeUsage returns one UsageSummary per customer, license,
	// dimension and period that has records matching f, ordered by
	// customer identifier, customer AWS account, license, dimension and
	// period.
	SummarizeUsage(ctx context.Context, f UsageSummaryFilter) ([]UsageSummary, error)
}

// UsageSummaryFilter selects the records to sum.
type UsageSummaryFilter struct {
	ProductCode string // required
	// Since and Until bound the usage hour; Until is exclusive. Zero is
	// unbounded.
	Since, Until time.Time
	// Period is the span of each sum: PerHour, PerDay or PerMonth.
	Period UsagePeriod
	// ExcludeTest leaves out test records (MeterUsage calls by the
	// product's own seller), which AWS does not bill.
	ExcludeTest bool
	// LateAfter, when positive, counts as late a record received at
	// least this long after the start of its usage hour.
	LateAfter time.Duration
}

// UsageSummary is the sum of the records of one customer, license and
// dimension over one period.
type UsageSummary struct {
	CustomerIdentifier string
	// CustomerAWSAccountID is the customer's account; for MeterUsage
	// records, which name no customer, the account that called.
	CustomerAWSAccountID string
	LicenseArn           string
	Dimension            string
	// Period is the start of the hour, day or month, UTC.
	Period   time.Time
	Records  int64
	Quantity int64
	// Late counts the records received LateAfter or more after their hour.
	Late int64
	// FirstReceivedAt and LastReceivedAt bound when the records arrived.
	FirstReceivedAt, LastReceivedAt time.Time
}
