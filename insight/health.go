package insight

import (
	"context"
	"time"

	"github.com/meterd/meterd"
)

// LateAfter is when an accepted record counts as sent late: received two
// hours or more after the start of its usage hour, that is more than an
// hour after the hour it reports ended. AWS asks for a record every hour;
// a record that arrives later than the next hour is within the accepted
// window but shows a sender that batches or retries too long.
const LateAfter = 2 * time.Hour

// DefaultHealthRange is the range of a health report without bounds: the
// last 24 complete hours.
const DefaultHealthRange = 24 * time.Hour

// MaxHealthRange bounds one report (a year of hours per customer and
// dimension).
const MaxHealthRange = 366 * 24 * time.Hour

// HealthQuery selects a health report.
type HealthQuery struct {
	// ProductCode limits the report to one product; "" is every product
	// with a subscription.
	ProductCode string
	// Customer limits it to one customer identifier or AWS account.
	Customer string
	// Since and Until bound the usage hours (Until exclusive); Since is
	// rounded down and Until up to an hour, and Until never goes past the
	// start of the current, unfinished hour. Zero Until is that hour; zero
	// Since is DefaultHealthRange before Until.
	Since, Until time.Time
}

// Health is the integration health of products over a range of hours.
type Health struct {
	Since    time.Time       `json:"since"`
	Until    time.Time       `json:"until"`
	Products []ProductHealth `json:"products"`
}

// ProductHealth is the health of one product's customers.
type ProductHealth struct {
	ProductCode string           `json:"productCode"`
	Customers   []CustomerHealth `json:"customers"`
}

// CustomerHealth is what one customer's records show. OK is true when no
// hour is missing or not metered and no record was late or rejected.
type CustomerHealth struct {
	CustomerIdentifier   string `json:"customerIdentifier,omitempty"`
	CustomerAWSAccountID string `json:"customerAwsAccountId,omitempty"`
	// MeteredHours counts the hours of the range in which a subscription
	// of the customer was in a metered state (active or
	// unsubscribe-pending) with its license active for the whole hour, as
	// its lifecycle events tell; Subscribed lists them as runs.
	MeteredHours int         `json:"meteredHours"`
	Subscribed   []HourRange `json:"subscribed"`
	// MissingHours counts the dimensions' missed hours; NotMeteredHours
	// their metered hours without a record in dimensions with no record
	// at all in the range.
	MissingHours    int               `json:"missingHours"`
	NotMeteredHours int               `json:"notMeteredHours"`
	Records         int64             `json:"records"`
	LateRecords     int64             `json:"lateRecords"`
	Rejected        int64             `json:"rejectedRecords"`
	Dimensions      []DimensionHealth `json:"dimensions"`
	Rejections      []Rejection       `json:"rejections"`
	OK              bool              `json:"ok"`
}

// DimensionHealth is one dimension of a customer.
type DimensionHealth struct {
	Dimension string `json:"dimension"`
	// MissingHours counts the missed hours: metered, without a record,
	// in a dimension that has records in the range (before or after);
	// Missing lists them as runs of consecutive hours.
	MissingHours int         `json:"missingHours"`
	Missing      []HourRange `json:"missing"`
	// NotMeteredHours counts the metered hours of a dimension with no
	// record at all in the range (its metering has not started, or the
	// seller never uses it); NotMetered lists them.
	NotMeteredHours int         `json:"notMeteredHours"`
	NotMetered      []HourRange `json:"notMetered"`
	// Recorded lists the hours with a record, as runs.
	Recorded    []HourRange `json:"recorded"`
	Records     int64       `json:"records"`
	Quantity    int64       `json:"quantity"`
	LateRecords int64       `json:"lateRecords"`
	// FirstRecord and LastRecord are the earliest and latest usage hours
	// with a record in the range, and when their records arrived.
	FirstRecord *RecordTime `json:"firstRecord"`
	LastRecord  *RecordTime `json:"lastRecord"`
}

// HourRange is the hours from From up to Until (exclusive).
type HourRange struct {
	From  time.Time `json:"from"`
	Until time.Time `json:"until"`
}

// RecordTime is a usage hour and when its record arrived.
type RecordTime struct {
	Hour       time.Time `json:"hour"`
	ReceivedAt time.Time `json:"receivedAt"`
}

// Rejection is one reason records were rejected, with how many and the
// first example.
type Rejection struct {
	Reason    string    `json:"reason"`
	ErrorCode string    `json:"errorCode"`
	Count     int64     `json:"count"`
	Example   string    `json:"example"`
	Time      time.Time `json:"exampleTime"`
}

// Health reports, for each customer of each product, the metered hours
// without a record per dimension, late and rejected records, and the
// first and last record.
func (s *Service) Health(ctx context.Context, q HealthQuery) (*Health, error) {
	since, until, err := s.healthRange(q.Since, q.Until)
	if err != nil {
		return nil, err
	}
	codes, err := s.productCodes(ctx, q.ProductCode)
	if err != nil {
		return nil, err
	}
	h := &Health{Since: since, Until: until, Products: []ProductHealth{}}
	for _, code := range codes {
		ph, err := s.productHealth(ctx, code, q.Customer, since, until)
		if err != nil {
			return nil, err
		}
		h.Products = append(h.Products, *ph)
	}
	return h, nil
}

// healthRange aligns the range on whole hours and ends it before the
// current hour.
func (s *Service) healthRange(since, until time.Time) (time.Time, time.Time, error) {
	current := s.clock.Now().UTC().Truncate(time.Hour)
	if until.IsZero() || until.After(current) {
		until = current
	}
	until = until.UTC()
	if t := until.Truncate(time.Hour); !t.Equal(until) {
		until = t.Add(time.Hour)
	}
	if since.IsZero() {
		since = until.Add(-DefaultHealthRange)
	}
	since = since.UTC().Truncate(time.Hour)
	if since.After(until) {
		since = until
	}
	if until.Sub(since) > MaxHealthRange {
		return since, until, meterd.Errorf(meterd.EInvalid, "a health report covers at most %d days", MaxHealthRange/(24*time.Hour))
	}
	return since, until, nil
}
