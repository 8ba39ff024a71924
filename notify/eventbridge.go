package notify

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/meterd/meterd"
)

// EventSource is the source of AWS Marketplace's agreement and license
// events.
const EventSource = "aws.agreement-marketplace"

// EventBridge detail-types meterd sends (the seller's, "- Manufacturer",
// variants: meterd's seller is both manufacturer and proposer, and AWS's
// samples match the Manufacturer events).
const (
	DetailAgreementCreated     = "Purchase Agreement Created - Manufacturer"
	DetailAgreementAmended     = "Purchase Agreement Amended - Manufacturer"
	DetailAgreementEnded       = "Purchase Agreement Ended - Manufacturer"
	DetailLicenseUpdated       = "License Updated - Manufacturer"
	DetailLicenseDeprovisioned = "License Deprovisioned - Manufacturer"
)

// detailTypes maps a lifecycle action to the EventBridge events AWS sends
// for it, in order. subscribe-fail creates no agreement and
// unsubscribe-success follows the deprovisioning already announced at
// unsubscribe-pending (which starts the hour for final records), so both
// send nothing.
var detailTypes = map[meterd.LifecycleAction][]string{
	meterd.ActionSubscribeSuccess:   {DetailAgreementCreated, DetailLicenseUpdated},
	meterd.ActionEntitlementUpdated: {DetailAgreementAmended, DetailLicenseUpdated},
	meterd.ActionUnsubscribePending: {DetailAgreementEnded, DetailLicenseDeprovisioned},
	meterd.ActionSubscribeFail:      nil,
	meterd.ActionUnsubscribeSuccess: nil,
}

// Event is an EventBridge event in AWS's envelope.
type Event struct {
	Version    string      `json:"version"`
	ID         string      `json:"id"`
	DetailType string      `json:"detail-type"`
	Source     string      `json:"source"`
	Account    string      `json:"account"`
	Time       string      `json:"time"`
	Region     string      `json:"region"`
	Resources  []string    `json:"resources"`
	Detail     EventDetail `json:"detail"`
}

// EventDetail is the detail of agreement and license events.
type EventDetail struct {
	RequestID string       `json:"requestId"`
	Catalog   string       `json:"catalog"`
	Agreement Agreement    `json:"agreement"`
	Product   *ProductRef  `json:"product,omitempty"`
	License   *LicenseRef  `json:"license,omitempty"`
	Acceptor  AccountRef   `json:"acceptor"`
	Proposer  AccountRef   `json:"proposer"`
	Offer     *OfferRef    `json:"offer,omitempty"`
	Customer  *CustomerRef `json:"customer,omitempty"`
}

// Agreement is the agreement of an event; license events carry its id only.
type Agreement struct {
	ID     string `json:"id"`
	Intent string `json:"intent,omitempty"`
	Status string `json:"status,omitempty"`
	// AcceptanceTime and StartTime are the event's time for a new agreement.
	AcceptanceTime string `json:"acceptanceTime,omitempty"`
	StartTime      string `json:"startTime,omitempty"`
}

// ProductRef, LicenseRef, AccountRef, OfferRef and CustomerRef are the
// small objects of an event's detail.
type (
	ProductRef struct {
		Code string `json:"code"`
	}
	LicenseRef struct {
		Arn string `json:"arn"`
	}
	AccountRef struct {
		AccountID string `json:"accountId"`
	}
	OfferRef struct {
		ID string `json:"id"`
	}
	// CustomerRef is meterd's addition: the CustomerIdentifier, which
	// AWS's events do not carry, so that a seller on the legacy
	// integration can match an event with ResolveCustomer's answer.
	CustomerRef struct {
		Identifier string `json:"identifier"`
	}
)

// Events are the EventBridge events of e, in the order they are sent;
// seller is the product's seller account (the event's account and
// proposer). The first event's id is e.ID; the others' ids derive from it,
// so that a retry sends the same ids.
func Events(e meterd.LifecycleEvent, seller string) []Event {
	types := detailTypes[e.Action]
	events := make([]Event, 0, len(types))
	agreement := AgreementID(e.ProductCode, e.CustomerIdentifier)
	for i, dt := range types {
		id := e.ID
		if i > 0 {
			id = uuid.NewSHA1(uuid.NameSpaceURL, []byte(e.ID+"/"+dt)).String()
		}
		events = append(events, Event{
			Version: "0", ID: id, DetailType: dt, Source: EventSource, Account: seller,
			Time: e.Time.UTC().Format(time.RFC3339), Region: snsRegion,
			Resources: []string{"arn:aws:aws-marketplace::aws:agreement:" + agreement},
			Detail:    detail(e, dt, agreement, seller),
		})
	}
	return events
}

func detail(e meterd.LifecycleEvent, dt, agreement, seller string) EventDetail {
	d := EventDetail{
		RequestID: e.ID, Catalog: "AWSMarketplace",
		Agreement: Agreement{ID: agreement},
		Acceptor:  AccountRef{AccountID: e.CustomerAWSAccountID},
		Proposer:  AccountRef{AccountID: seller},
		Customer:  &CustomerRef{Identifier: e.CustomerIdentifier},
	}
	if e.OfferIdentifier != "" {
		d.Offer = &OfferRef{ID: e.OfferIdentifier}
	}
	ts := e.Time.UTC().Format(time.RFC3339)
	switch dt {
	case DetailAgreementCreated:
		d.Agreement = Agreement{ID: agreement, Intent: "NEW", Status: "ACTIVE", AcceptanceTime: ts, StartTime: ts}
	case DetailAgreementAmended:
		d.Agreement = Agreement{ID: agreement, Intent: "AMEND", Status: "ACTIVE", StartTime: ts}
	case DetailAgreementEnded:
		d.Agreement.Status = "CANCELLED"
	case DetailLicenseUpdated, DetailLicenseDeprovisioned:
		d.Product = &ProductRef{Code: e.ProductCode}
		d.License = &LicenseRef{Arn: e.LicenseArn}
	}
	return d
}

// AgreementID is the agreement id meterd gives a (product, customer): the
// same for every event of the pair, in AWS's form (agmt- and 25
// lower-case letters and digits).
func AgreementID(productCode, customer string) string {
	sum := sha256.Sum256([]byte(productCode + "\x00" + customer))
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])
	return "agmt-" + strings.ToLower(enc[:25])
}
