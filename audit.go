package meterd

import (
	"context"
	"encoding/json"
	"time"
)

// AuditEvent is one API call as CloudTrail records it: the JSON field names
// and values are CloudTrail's (eventVersion 1.08), so that tools that parse
// CloudTrail log files read meterd's export unchanged. The fields tagged
// "-" are not part of the record: they index it for filters.
type AuditEvent struct {
	EventVersion       string          `json:"eventVersion"`
	UserIdentity       AuditIdentity   `json:"userIdentity"`
	EventTime          time.Time       `json:"eventTime"`
	EventSource        string          `json:"eventSource"`
	EventName          string          `json:"eventName"`
	AWSRegion          string          `json:"awsRegion"`
	SourceIPAddress    string          `json:"sourceIPAddress"`
	UserAgent          string          `json:"userAgent"`
	ErrorCode          string          `json:"errorCode,omitempty"`
	ErrorMessage       string          `json:"errorMessage,omitempty"`
	RequestParameters  json.RawMessage `json:"requestParameters"`
	ResponseElements   json.RawMessage `json:"responseElements"`
	RequestID          string          `json:"requestID"`
	EventID            string          `json:"eventID"`
	ReadOnly           bool            `json:"readOnly"`
	EventType          string          `json:"eventType"`
	ManagementEvent    bool            `json:"managementEvent"`
	RecipientAccountID string          `json:"recipientAccountId,omitempty"`
	// AdditionalEventData is CloudTrail's free-form member; meterd puts
	// the fault injection of a call there (see AuditInjection).
	AdditionalEventData json.RawMessage `json:"additionalEventData,omitempty"`
	EventCategory       string          `json:"eventCategory"`

	// ProductCode is the product the call names, if any.
	ProductCode string `json:"-"`
	// Subjects are the usage records (or the one customer) the call is
	// about: one per record of a BatchMeterUsage.
	Subjects []AuditSubject `json:"-"`
}

// AuditSubject is a customer and dimension a call is about; either may be
// empty.
type AuditSubject struct {
	Customer  string `json:"c,omitempty"`
	Dimension string `json:"d,omitempty"`
}

// AuditInjection is the additionalEventData of a call changed by fault
// injection, so that a trail tells injected failures from real ones.
type AuditInjection struct {
	Injected   bool    `json:"meterdFaultInjected"`
	FaultRules []int64 `json:"meterdFaultRules"`
	Dropped    bool    `json:"meterdConnectionDropped,omitempty"`
}

// AuditIdentity is CloudTrail's userIdentity. It never holds a secret.
type AuditIdentity struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
	UserName    string `json:"userName,omitempty"`
}

// CloudTrail's constant field values.
const (
	AuditEventVersion = "1.08"
	AuditEventType    = "AwsApiCall"
	AuditCategory     = "Management"
)

// auditTimeLayout is CloudTrail's eventTime: UTC, whole seconds.
const auditTimeLayout = "2006-01-02T15:04:05Z"

// MarshalJSON writes eventTime as CloudTrail does, to the second.
func (e *AuditEvent) MarshalJSON() ([]byte, error) {
	type plain AuditEvent // without this method
	return json.Marshal(&struct {
		*plain
		EventTime string `json:"eventTime"`
	}{(*plain)(e), e.EventTime.UTC().Format(auditTimeLayout)})
}

// AuditFilter selects audit events; empty fields match everything.
type AuditFilter struct {
	EventName   string
	AccessKeyID string
	ProductCode string
	// Customer matches a customer identifier or AWS account id a call is
	// about; Dimension a dimension it meters.
	Customer  string
	Dimension string
	ErrorCode string
	// Since and Until bound the event time; Until is exclusive.
	Since, Until time.Time
	// Limit caps a page (the store may cap it lower); Cursor is the
	// NextToken of the previous page.
	Limit  int
	Cursor string
}

// AuditStore keeps the audit trail. It is apart from the ledger on
// purpose: appending events never joins a ledger transaction.
type AuditStore interface {
	// AppendAudit stores events in one transaction.
	AppendAudit(ctx context.Context, events []*AuditEvent) error
	// FindAuditEvents returns the events matching f, newest first, and the
	// cursor of the next page ("" after the last). A malformed Cursor is
	// an EInvalid error.
	FindAuditEvents(ctx context.Context, f AuditFilter) (events []*AuditEvent, next string, err error)
	// DeleteAuditBefore deletes at most limit events older than t and
	// returns how many it deleted.
	DeleteAuditBefore(ctx context.Context, t time.Time, limit int) (int, error)
	// DeleteAllAudit deletes every event (meterd reset) and returns how
	// many it deleted.
	DeleteAllAudit(ctx context.Context) (int, error)
}
