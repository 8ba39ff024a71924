package insight

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
)

// rejectionReasons says in a seller's words why AWS refused a record, by
// BatchMeterUsage status or error code. Codes not listed are shown as
// they are.
var rejectionReasons = map[string]string{
	meterd.ETimestampOutOfBounds:       "late: the usage hour is outside the accepted window",
	meterd.StatusDuplicateRecord:       "duplicate of an accepted record with another quantity",
	meterd.EDuplicateRequest:           "duplicate of an accepted record with another quantity",
	meterd.StatusCustomerNotSubscribed: "customer not subscribed",
	meterd.EInvalidUsageDimension:      "unknown dimension",
	meterd.EInvalidUsageAllocations:    "invalid allocation",
	meterd.EInvalidTag:                 "invalid allocation tag",
	meterd.EInvalidCustomerIdentifier:  "unknown customer",
	meterd.EInvalidLicense:             "invalid license",
	meterd.EIdempotencyConflict:        "client token reused with other parameters",
	meterd.EThrottling:                 "throttled: retry it",
	audit.StatusUnprocessed:            "unprocessed: retry it",
}

// rejectionReason is the reason of a status or error code.
func rejectionReason(status string) string {
	if r, ok := rejectionReasons[status]; ok {
		return r
	}
	return "rejected"
}

// inRange reports whether a sent record belongs to a report of the hours
// [since, until): by its usage hour, or by the time of its call (a record
// refused as too old has an hour before the range). The trail stamps
// calls with the wall clock, so with a moved business clock only the
// usage hour places a record; a report ending at the current hour takes
// calls up to now, as a rejection is known as soon as it is answered.
func (s *Service) inRange(r *meterd.SentRecord, since, until time.Time) bool {
	hour := r.Timestamp.UTC().Truncate(time.Hour)
	if !hour.Before(since) && hour.Before(until) {
		return true
	}
	if !until.Before(s.clock.Now().UTC().Truncate(time.Hour)) {
		until = time.Time{}
	}
	return !r.CallTime.Before(since) && (until.IsZero() || r.CallTime.Before(until))
}

// addRejections reads the audit trail's records of code's calls (all of
// the trail's retention: see inRange) and adds those rejected or refused as
// duplicates to their customers (new ones for customers the report did not
// have).
func (s *Service) addRejections(ctx context.Context, code string, since, until time.Time, customers *customerIndex) error {
	if s.trail == nil {
		return nil
	}
	f := meterd.SentFilter{ProductCode: code}
	return audit.EachSent(ctx, s.trail, s.store, f, func(r *meterd.SentRecord) error {
		if r.Outcome != meterd.OutcomeAccepted && !r.DryRun && s.inRange(r, since, until) {
			customers.find(r.CustomerIdentifier, r.CustomerAWSAccountID).reject(r)
		}
		return nil
	})
}

// reject counts r under its reason. The trail is walked newest first, so
// the example kept is the latest.
func (c *healthCustomer) reject(r *meterd.SentRecord) {
	status := r.Status
	if status == "" {
		status = r.ErrorCode
	}
	i := slices.IndexFunc(c.rejections, func(x Rejection) bool { return x.ErrorCode == status })
	if i < 0 {
		i = len(c.rejections)
		c.rejections = append(c.rejections, Rejection{Reason: rejectionReason(status), ErrorCode: status,
			Example: example(r), Time: r.CallTime})
	}
	c.rejections[i].Count++
}

// example describes a sent record in one line: what was sent, why it was
// refused, and the call it came in.
func example(r *meterd.SentRecord) string {
	s := fmt.Sprintf("%s at %s, quantity %d", r.Dimension, r.Timestamp.UTC().Format(time.RFC3339), r.Quantity)
	if r.ErrorMessage != "" {
		s += ": " + r.ErrorMessage
	}
	return s + fmt.Sprintf(" (%s request %s)", r.Operation, r.RequestID)
}
