package server

import (
	"context"
	"net/http"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/lifecycle"
)

// EntitlementJSON is one entitlement in the admin API: a dimension and
// exactly one typed value.
type EntitlementJSON struct {
	Dimension      string     `json:"dimension"`
	IntegerValue   *int32     `json:"integerValue,omitempty"`
	DoubleValue    *float64   `json:"doubleValue,omitempty"`
	BooleanValue   *bool      `json:"booleanValue,omitempty"`
	StringValue    *string    `json:"stringValue,omitempty"`
	ExpirationDate *time.Time `json:"expirationDate,omitempty"`
}

func entitlementsFromJSON(in []EntitlementJSON) []meterd.Entitlement {
	var out []meterd.Entitlement
	for _, e := range in {
		ent := meterd.Entitlement{Dimension: e.Dimension, Value: meterd.EntitlementValue{IntegerValue: e.IntegerValue,
			DoubleValue: e.DoubleValue, BooleanValue: e.BooleanValue, StringValue: e.StringValue}}
		if e.ExpirationDate != nil {
			ent.ExpirationDate = *e.ExpirationDate
		}
		out = append(out, ent)
	}
	return out
}

// SubscriptionJSON is a subscription in the admin API.
type SubscriptionJSON struct {
	LicenseArn         string            `json:"licenseArn"`
	ProductCode        string            `json:"productCode"`
	CustomerIdentifier string            `json:"customerIdentifier"`
	Status             string            `json:"status"`
	OfferType          string            `json:"offerType,omitempty"`
	OfferID            string            `json:"offerId,omitempty"`
	LicenseStart       *time.Time        `json:"licenseStart,omitempty"`
	LicenseEnd         *time.Time        `json:"licenseEnd,omitempty"`
	UnsubscribeAt      *time.Time        `json:"unsubscribeAt,omitempty"`
	Entitlements       []EntitlementJSON `json:"entitlements"`
	Origin             string            `json:"origin,omitempty"`
}

func subscriptionJSON(s *meterd.Subscription) SubscriptionJSON {
	out := SubscriptionJSON{LicenseArn: s.LicenseArn, ProductCode: s.ProductCode, CustomerIdentifier: s.CustomerIdentifier,
		Status: string(s.Status), OfferType: string(s.OfferType), OfferID: s.OfferID, LicenseStart: timeJSON(s.LicenseStart),
		LicenseEnd: timeJSON(s.LicenseEnd), UnsubscribeAt: timeJSON(s.UnsubscribeAt), Origin: string(s.Origin),
		Entitlements: []EntitlementJSON{}}
	for _, e := range s.Entitlements {
		out.Entitlements = append(out.Entitlements, EntitlementJSON{Dimension: e.Dimension, IntegerValue: e.Value.IntegerValue,
			DoubleValue: e.Value.DoubleValue, BooleanValue: e.Value.BooleanValue, StringValue: e.Value.StringValue,
			ExpirationDate: timeJSON(e.ExpirationDate)})
	}
	return out
}

// EventJSON is the lifecycle event an action wrote.
type EventJSON struct {
	ID     string    `json:"id"`
	Action string    `json:"action"`
	Time   time.Time `json:"time"`
}

// SubscriptionActionOutput answers every buyer action.
type SubscriptionActionOutput struct {
	Subscription SubscriptionJSON `json:"subscription"`
	Event        *EventJSON       `json:"event,omitempty"`
	// Token is the registration token a subscribe minted.
	Token *RegistrationTokenOutput `json:"token,omitempty"`
	// RegisterURL is meterd's page that POSTs Token from a browser.
	RegisterURL string `json:"registerUrl,omitempty"`
	// Registration is the outcome of meterd's own POST of Token to the
	// product's fulfillment URL (none without one, or with noPost).
	Registration *RegistrationOutcome `json:"registration,omitempty"`
}

func actionOutput(res *lifecycle.Result) *SubscriptionActionOutput {
	out := &SubscriptionActionOutput{Subscription: subscriptionJSON(res.Subscription)}
	if res.Event != nil {
		out.Event = &EventJSON{ID: res.Event.ID, Action: string(res.Event.Action), Time: res.Event.Time.UTC()}
	}
	if res.Token != nil {
		out.Token = &RegistrationTokenOutput{Token: res.Token.Token, ExpiresAt: res.Token.ExpiresAt}
	}
	return out
}

func (s *Server) listSubscriptions(r *http.Request) (any, error) {
	store, err := s.catalog()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	subs, err := store.FindSubscriptions(r.Context(), meterd.SubscriptionFilter{ProductCode: q.Get("productCode"),
		CustomerIdentifier: q.Get("customerIdentifier"), LicenseArn: q.Get("licenseArn")})
	if err != nil {
		return nil, err
	}
	out := []SubscriptionJSON{}
	for _, sub := range subs {
		out = append(out, subscriptionJSON(sub))
	}
	return out, nil
}

// SubscribeInput is the body of POST /admin/v1/subscriptions: a buyer
// accepting an offer.
type SubscribeInput struct {
	ProductCode        string            `json:"productCode"`
	CustomerIdentifier string            `json:"customerIdentifier"`
	OfferType          string            `json:"offerType,omitempty"`
	OfferID            string            `json:"offerId,omitempty"`
	LicenseArn         string            `json:"licenseArn,omitempty"`
	Entitlements       []EntitlementJSON `json:"entitlements,omitempty"`
	LicenseEnd         *time.Time        `json:"licenseEnd,omitempty"`
	// PaymentFails answers subscribe-fail instead of subscribe-success.
	PaymentFails bool `json:"paymentFails,omitempty"`
	// NoPost skips meterd's POST of the token to the fulfillment URL (a
	// browser opening registerUrl does it instead).
	NoPost bool `json:"noPost,omitempty"`
}

func (s *Server) subscribe(r *http.Request) (any, error) {
	if _, err := s.catalog(); err != nil {
		return nil, err
	}
	var in SubscribeInput
	if err := decodeStrict(r, &in); err != nil {
		return nil, err
	}
	lin := lifecycle.SubscribeInput{ProductCode: in.ProductCode, CustomerIdentifier: in.CustomerIdentifier,
		OfferType: meterd.OfferType(in.OfferType), OfferID: in.OfferID, LicenseArn: in.LicenseArn,
		Entitlements: entitlementsFromJSON(in.Entitlements), PaymentFails: in.PaymentFails}
	if in.LicenseEnd != nil {
		lin.LicenseEnd = *in.LicenseEnd
	}
	res, err := s.Lifecycle.Subscribe(r.Context(), lin)
	if err != nil {
		return nil, err
	}
	out := actionOutput(res)
	if res.Product.FulfillmentURL != "" && res.Token != nil {
		out.RegisterURL = baseURL(r) + registerPath + res.Token.Token
		if !in.NoPost {
			out.Registration = s.postRegistration(r.Context(), res.Product.FulfillmentURL, res.Token.Token,
				res.Subscription.OfferType == meterd.OfferFreeTrial)
		}
	}
	return out, nil
}

// EntitlementsInput is the body of POST .../{licenseArn}/entitlements.
type EntitlementsInput struct {
	Entitlements []EntitlementJSON `json:"entitlements"`
	LicenseEnd   *time.Time        `json:"licenseEnd,omitempty"`
}

func (s *Server) setEntitlements(r *http.Request) (any, error) {
	if _, err := s.catalog(); err != nil {
		return nil, err
	}
	var in EntitlementsInput
	if err := decodeStrict(r, &in); err != nil {
		return nil, err
	}
	lin := lifecycle.EntitlementsInput{LicenseArn: r.PathValue("licenseArn"), Entitlements: entitlementsFromJSON(in.Entitlements)}
	if in.LicenseEnd != nil {
		lin.LicenseEnd = *in.LicenseEnd
	}
	res, err := s.Lifecycle.SetEntitlements(r.Context(), lin)
	if err != nil {
		return nil, err
	}
	return actionOutput(res), nil
}

func (s *Server) unsubscribe(r *http.Request) (any, error) {
	return s.licenseAction(r, func(ctx context.Context, arn string) (*lifecycle.Result, error) {
		return s.Lifecycle.Unsubscribe(ctx, arn)
	})
}

func (s *Server) expireLicense(r *http.Request) (any, error) {
	return s.licenseAction(r, func(ctx context.Context, arn string) (*lifecycle.Result, error) {
		return s.Lifecycle.Expire(ctx, arn)
	})
}

// licenseAction runs a body-less action on the license of the path.
func (s *Server) licenseAction(r *http.Request, act func(ctx context.Context, arn string) (*lifecycle.Result, error)) (any, error) {
	if _, err := s.catalog(); err != nil {
		return nil, err
	}
	var in struct{}
	if r.ContentLength != 0 {
		if err := decodeStrict(r, &in); err != nil {
			return nil, err
		}
	}
	res, err := act(r.Context(), r.PathValue("licenseArn"))
	if err != nil {
		return nil, err
	}
	return actionOutput(res), nil
}
