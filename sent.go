package meterd

import "time"

// Outcome is what became of one usage record a seller sent.
type Outcome string

// The outcomes of a sent record. A record AWS answers Success is accepted,
// an idempotent resend included (it carries the stored record's
// MeteringRecordId); DuplicateRecord and DuplicateRequestException are
// duplicates; everything else (CustomerNotSubscribed, an unprocessed
// record, a call that failed as a whole) is rejected.
const (
	OutcomeAccepted  Outcome = "accepted"
	OutcomeDuplicate Outcome = "duplicate"
	OutcomeRejected  Outcome = "rejected"
)

// ParseOutcome returns the outcome named s, or an EInvalid error.
func ParseOutcome(s string) (Outcome, error) {
	switch o := Outcome(s); o {
	case OutcomeAccepted, OutcomeDuplicate, OutcomeRejected:
		return o, nil
	}
	return "", Errorf(EInvalid, "outcome %q is not one of accepted, duplicate, rejected", s)
}

// SentRecord is one usage record of a MeterUsage or BatchMeterUsage call
// and what became of it, as the audit trail of the call tells: the ledger
// keeps only accepted records, the trail every one.
type SentRecord struct {
	// The call: when it arrived (CloudTrail's eventTime), its ids, who
	// sent it.
	CallTime        time.Time `json:"callTime"`
	EventID         string    `json:"eventId,omitempty"`
	RequestID       string    `json:"requestId,omitempty"`
	Operation       string    `json:"operation"`
	Region          string    `json:"region,omitempty"`
	CallerAccountID string    `json:"callerAccountId,omitempty"`
	AccessKeyID     string    `json:"accessKeyId,omitempty"`
	// Index is the record's position among the call's records.
	Index int `json:"index"`

	// The record as sent. A MeterUsage record names no customer: the
	// caller's account is the buyer, and is in CustomerAWSAccountID.
	ProductCode          string            `json:"productCode"`
	CustomerIdentifier   string            `json:"customerIdentifier,omitempty"`
	CustomerAWSAccountID string            `json:"customerAwsAccountId,omitempty"`
	LicenseArn           string            `json:"licenseArn,omitempty"`
	Dimension            string            `json:"dimension"`
	Timestamp            time.Time         `json:"timestamp"`
	Quantity             int64             `json:"quantity"`
	Allocations          []UsageAllocation `json:"allocations,omitempty"`

	// What became of it: Status is BatchMeterUsage's per-record status
	// (Success, CustomerNotSubscribed, DuplicateRecord) or, for a call
	// that failed, its error code (ErrorCode too, with ErrorMessage).
	Outcome          Outcome `json:"outcome"`
	Status           string  `json:"status,omitempty"`
	ErrorCode        string  `json:"errorCode,omitempty"`
	ErrorMessage     string  `json:"errorMessage,omitempty"`
	MeteringRecordID string  `json:"meteringRecordId,omitempty"`

	// DryRun is a MeterUsage DryRun (nothing recorded); Test a MeterUsage
	// by the product's own seller account (recorded, not billed).
	DryRun bool `json:"dryRun,omitempty"`
	Test   bool `json:"test,omitempty"`
}

// Customer is the customer a record is about: its identifier, or its AWS
// account when it names none.
func (r *SentRecord) Customer() string {
	if r.CustomerIdentifier != "" {
		return r.CustomerIdentifier
	}
	return r.CustomerAWSAccountID
}

// SentFilter selects sent records by the calls they came in; empty fields
// match everything.
type SentFilter struct {
	ProductCode string
	// Since and Until bound the call time; Until is exclusive.
	Since, Until time.Time
}
