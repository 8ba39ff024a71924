package meterd

import (
	"context"
	"time"
)

// LifecycleAction is what AWS tells a seller about one buyer: the action of
// an SNS subscription or entitlement notification. EventBridge events are
// derived from the same actions.
type LifecycleAction string

const (
	ActionSubscribeSuccess   LifecycleAction = "subscribe-success"
	ActionSubscribeFail      LifecycleAction = "subscribe-fail"
	ActionUnsubscribePending LifecycleAction = "unsubscribe-pending"
	ActionUnsubscribeSuccess LifecycleAction = "unsubscribe-success"
	ActionEntitlementUpdated LifecycleAction = "entitlement-updated"
)

// LifecycleEvent is one change of a buyer's subscription that the seller is
// told about. The store writes it, with one Delivery per notification target
// of the product, in the same transaction as the change itself, so that an
// acknowledged change is always announced and nothing is announced that did
// not happen.
type LifecycleEvent struct {
	// ID is unique (a UUID): the SNS MessageId and the EventBridge id.
	ID                   string
	Action               LifecycleAction
	ProductCode          string
	CustomerIdentifier   string
	CustomerAWSAccountID string
	LicenseArn           string
	OfferIdentifier      string
	FreeTrial            bool
	// Time is when the change happened on the business clock.
	Time time.Time
}

// TargetKind says how a notification reaches the seller.
type TargetKind string

const (
	// TargetSNSHTTP posts the SNS envelope to an HTTP(S) endpoint, after
	// the SubscriptionConfirmation handshake, as an SNS subscription does.
	TargetSNSHTTP TargetKind = "sns-http"
	// TargetSNSSQS sends the SNS envelope as the body of an SQS message
	// through the SQS API (SNS-to-SQS delivery without raw delivery).
	TargetSNSSQS TargetKind = "sns-sqs"
	// TargetEventBridgeHTTP posts the EventBridge event to an HTTP(S)
	// endpoint (an API destination).
	TargetEventBridgeHTTP TargetKind = "eventbridge-http"
	// TargetEventBridgeAPI sends the event with EventBridge's PutEvents.
	TargetEventBridgeAPI TargetKind = "eventbridge-api"
)

// NotificationTarget is where a product's notifications go.
type NotificationTarget struct {
	Kind TargetKind
	// Endpoint is the HTTP(S) URL (sns-http, eventbridge-http), the SQS
	// queue URL (sns-sqs) or the EventBridge endpoint URL
	// (eventbridge-api).
	Endpoint string
	// Region of the SQS queue or the event bus; "" means us-east-1, where
	// AWS Marketplace's topics and bus live.
	Region string
	// EventBus is the bus name for eventbridge-api; "" means "default".
	EventBus string
}

// Delivery is one event on its way to one target. Deliveries of one
// (ProductCode, CustomerIdentifier, target) go out in event order: a later
// one is not due while an earlier one is undelivered.
type Delivery struct {
	ID       int64
	Target   NotificationTarget
	Event    LifecycleEvent
	Attempts int
	// NextAttempt is when the delivery is due.
	NextAttempt time.Time
	// DeliveredAt is zero until an attempt succeeds.
	DeliveredAt time.Time
}

// DeliveryAttempt is the record of one try.
type DeliveryAttempt struct {
	DeliveryID int64
	At         time.Time
	Latency    time.Duration
	// StatusCode is the HTTP status answered, 0 when none came back.
	StatusCode int
	// Error is "" on success.
	Error string
}

// DeliveryFilter selects deliveries to list; empty fields match everything.
type DeliveryFilter struct {
	ProductCode        string
	CustomerIdentifier string
	// Pending keeps only deliveries not yet delivered.
	Pending bool
	Limit   int
}

// Outbox holds the notifications waiting for delivery and the record of
// every attempt. Its rows are written by the catalog changes that cause
// them (in their transaction); the notifier reads and updates them.
type Outbox interface {
	// DueDeliveries returns at most limit undelivered deliveries whose
	// NextAttempt is not after now, at most one per (product, customer,
	// target): the oldest undelivered one, so that order holds.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]Delivery, error)
	// RecordAttempt stores a, and either marks the delivery delivered
	// (a.Error == "") or sets its next attempt time, in one transaction.
	RecordAttempt(ctx context.Context, a DeliveryAttempt, next time.Time) error
	// ListDeliveries returns deliveries, newest first, with their attempts.
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]DeliveryRecord, error)
}

// DeliveryRecord is a delivery with the attempts made so far, oldest first.
type DeliveryRecord struct {
	Delivery
	AttemptLog []DeliveryAttempt
}

// LifecycleEventFilter selects lifecycle events; empty fields match
// everything.
type LifecycleEventFilter struct {
	ProductCode        string
	CustomerIdentifier string
}

// LifecycleReader reads back the lifecycle events the outbox keeps: the
// history of each subscription (when it started, stopped, started again),
// which the subscription row alone does not hold.
type LifecycleReader interface {
	// FindLifecycleEvents returns the events f selects in the order they
	// were written. ResetLedger deletes them.
	FindLifecycleEvents(ctx context.Context, f LifecycleEventFilter) ([]LifecycleEvent, error)
}
