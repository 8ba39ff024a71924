// Package notify delivers the lifecycle notifications the catalog writes to
// the Outbox, in AWS Marketplace's formats: SNS messages (signed as SNS
// signs them) to HTTP(S) endpoints and SQS queues, and EventBridge events
// to HTTP(S) endpoints and PutEvents. Its Notifier is the worker node runs.
package notify

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/meterd/meterd"
)

// marketplaceTopicAccount owns AWS Marketplace's SNS topics in us-east-1;
// sellers subscribe to topics in this account, not in their own.
const marketplaceTopicAccount = "287250355862"

// snsRegion is where AWS Marketplace's topics live.
const snsRegion = "us-east-1"

// SNS envelope types.
const (
	TypeNotification             = "Notification"
	TypeSubscriptionConfirmation = "SubscriptionConfirmation"
)

// TopicARN is the SNS topic AWS Marketplace publishes e on: entitlement
// changes go to the entitlement topic, everything else to the subscription
// topic.
func TopicARN(e meterd.LifecycleEvent) string {
	topic := "aws-mp-subscription-notification-"
	if e.Action == meterd.ActionEntitlementUpdated {
		topic = "aws-mp-entitlement-notification-"
	}
	return "arn:aws:sns:" + snsRegion + ":" + marketplaceTopicAccount + ":" + topic + e.ProductCode
}

// marketplaceMessage is the JSON in an SNS envelope's Message, keys in the
// order of AWS's documentation.
type marketplaceMessage struct {
	Action             meterd.LifecycleAction `json:"action"`
	CustomerIdentifier string                 `json:"customer-identifier"`
	ProductCode        string                 `json:"product-code"`
	OfferIdentifier    string                 `json:"offer-identifier,omitempty"`
	// FreeTrial is a string, "true" or "false", as AWS sends it.
	FreeTrial string `json:"isFreeTrialTermPresent,omitempty"`
}

// MessageJSON is the Message of e's SNS notification. Subscription topic
// messages carry isFreeTrialTermPresent, and subscribe-success and
// subscribe-fail the offer-identifier (when the event has one); the
// entitlement topic's carry only action, customer and product.
func MessageJSON(e meterd.LifecycleEvent) string {
	m := marketplaceMessage{Action: e.Action, CustomerIdentifier: e.CustomerIdentifier, ProductCode: e.ProductCode}
	if e.Action != meterd.ActionEntitlementUpdated {
		m.FreeTrial = "false"
		if e.FreeTrial {
			m.FreeTrial = "true"
		}
	}
	if e.Action == meterd.ActionSubscribeSuccess || e.Action == meterd.ActionSubscribeFail {
		m.OfferIdentifier = e.OfferIdentifier
	}
	b, _ := json.Marshal(m) // strings only: cannot fail
	return string(b)
}

// Envelope is an SNS message as SNS posts it to an HTTP endpoint or puts
// it in an SQS queue. Fields are in SNS's order; empty ones are left out.
type Envelope struct {
	Type             string `json:"Type"`
	MessageID        string `json:"MessageId"`
	Token            string `json:"Token,omitempty"`
	TopicArn         string `json:"TopicArn"`
	Subject          string `json:"Subject,omitempty"`
	Message          string `json:"Message"`
	SubscribeURL     string `json:"SubscribeURL,omitempty"`
	Timestamp        string `json:"Timestamp"`
	SignatureVersion string `json:"SignatureVersion"`
	Signature        string `json:"Signature"`
	SigningCertURL   string `json:"SigningCertURL"`
	UnsubscribeURL   string `json:"UnsubscribeURL,omitempty"`
}

// snsTimestamp is SNS's Timestamp format: UTC with milliseconds.
const snsTimestamp = "2006-01-02T15:04:05.000Z"

// formatTimestamp writes t as SNS does.
func formatTimestamp(t time.Time) string { return t.UTC().Format(snsTimestamp) }

// StringToSign is what SNS signs: the documented keys of the envelope's
// type, in byte order, each as "Key\nValue\n". Subject is included only
// when present.
func (e *Envelope) StringToSign() string {
	var b strings.Builder
	add := func(k, v string) { b.WriteString(k + "\n" + v + "\n") }
	add("Message", e.Message)
	add("MessageId", e.MessageID)
	if e.Type == TypeNotification {
		if e.Subject != "" {
			add("Subject", e.Subject)
		}
	} else {
		add("SubscribeURL", e.SubscribeURL)
	}
	add("Timestamp", e.Timestamp)
	if e.Type != TypeNotification {
		add("Token", e.Token)
	}
	add("TopicArn", e.TopicArn)
	add("Type", e.Type)
	return b.String()
}
