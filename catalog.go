package meterd

import "time"

// Catalog is everything a seed file declares.
type Catalog struct {
	Accounts      []*Account
	AccessKeys    []*AccessKey
	Products      []*Product
	Customers     []*Customer
	Subscriptions []*Subscription
}

// Origin says who made a catalog entry, which decides what a restart does
// with it: the seed file replaces the seed's entries at every start, and
// leaves the admin API's alone (docs/catalog.md).
type Origin string

const (
	// OriginSeed entries come from the seed file; "" means seed too.
	OriginSeed Origin = "seed"
	// OriginAdmin entries were made, or last changed, through the admin
	// API; the seed no longer replaces or deletes them.
	OriginAdmin Origin = "admin"
)

// Normal returns o with "" read as OriginSeed.
func (o Origin) Normal() Origin {
	if o == "" {
		return OriginSeed
	}
	return o
}

// Account is an AWS account: a seller, a buyer, or both.
type Account struct {
	ID     string // 12 digits
	Name   string
	Origin Origin
}

// AccessKey is a SigV4 key pair of an account.
type AccessKey struct {
	ID        string
	Secret    string
	AccountID string
	// HomeRegion, when set, is the region of the simulated EC2 instance,
	// ECS task or EKS pod that uses the key: MeterUsage from another region
	// gets InvalidEndpointRegionException and RegisterUsage
	// InvalidRegionException.
	HomeRegion string
	// Platform of the simulated compute resource; "" is any.
	Platform Platform
	// Disabled keys are refused like unknown ones.
	Disabled bool
	Origin   Origin
}

// Platform is where a metered resource runs.
type Platform string

const (
	PlatformAny     Platform = ""
	PlatformEC2     Platform = "ec2"
	PlatformECS     Platform = "ecs"
	PlatformEKS     Platform = "eks"
	PlatformFargate Platform = "fargate"
)

// Platforms lists the named platforms.
var Platforms = []Platform{PlatformEC2, PlatformECS, PlatformEKS, PlatformFargate}

// RunsContainers reports whether RegisterUsage is supported from p: ECS,
// EKS, Fargate, or a resource that does not say.
func (p Platform) RunsContainers() bool {
	return p == PlatformAny || p == PlatformECS || p == PlatformEKS || p == PlatformFargate
}

// ProductType is how a product is delivered, which decides the metering API.
type ProductType string

const (
	ProductSaaS      ProductType = "SaaS"      // BatchMeterUsage, ResolveCustomer
	ProductAMI       ProductType = "AMI"       // MeterUsage
	ProductContainer ProductType = "Container" // MeterUsage, RegisterUsage
)

// ProductIntegration is how a SaaS product is integrated with AWS
// Marketplace, which decides how its customers are identified.
type ProductIntegration string

const (
	// IntegrationLegacy is the integration of SaaS products listed before
	// Concurrent Agreements: customers are named by CustomerIdentifier (or,
	// since 2025-03, CustomerAWSAccountId) under a request-level ProductCode.
	// It is the default; "" means legacy too.
	IntegrationLegacy ProductIntegration = "legacy"
	// IntegrationConcurrentAgreements is the integration AWS requires of
	// new SaaS products from 2026 (Concurrent Agreements): a buyer may hold
	// several agreements at once, each its own license. ResolveCustomer does
	// not populate CustomerIdentifier, BatchMeterUsage rejects it and needs
	// CustomerAWSAccountId with a LicenseArn on every record, and
	// GetEntitlements omits it.
	IntegrationConcurrentAgreements ProductIntegration = "concurrent-agreements"
)

// Product is a Marketplace listing owned by a seller account.
type Product struct {
	Code            string
	SellerAccountID string
	Type            ProductType
	Dimensions      []Dimension
	// Integration applies to SaaS products only; "" means IntegrationLegacy.
	Integration ProductIntegration
	// FulfillmentURL is where a subscribing buyer's browser POSTs the
	// registration token (SaaS); "" means none.
	FulfillmentURL string
	// NotificationTargets receive the product's lifecycle events.
	NotificationTargets []NotificationTarget
	Origin              Origin
}

// ConcurrentAgreements reports whether the product uses the Concurrent
// Agreements integration, whose customers are named by AWS account id and
// license rather than by CustomerIdentifier.
func (p *Product) ConcurrentAgreements() bool {
	return p.Integration == IntegrationConcurrentAgreements
}

// Dimension finds a dimension by its case-sensitive name.
func (p *Product) Dimension(name string) (Dimension, bool) {
	for _, d := range p.Dimensions {
		if d.Name == name {
			return d, true
		}
	}
	return Dimension{}, false
}

// ValueType is the type of an entitlement value of a dimension.
type ValueType string

const (
	IntegerValue ValueType = "Integer"
	DoubleValue  ValueType = "Double"
	BooleanValue ValueType = "Boolean"
	StringValue  ValueType = "String"
)

// Dimension is a metered or entitled unit of a product.
type Dimension struct {
	Name string
	Type ValueType // "" means Integer
	// UnitPrice is what one unit costs the buyer (meterd bill); nil means
	// the dimension has no price. It is kept in the dimension's JSON in the
	// catalog, so a catalog written before prices existed reads as unpriced.
	UnitPrice *Price `json:",omitempty"`
}

// Customer is a buyer as a product's seller knows it.
type Customer struct {
	// Identifier is the opaque CustomerIdentifier ResolveCustomer returns.
	Identifier   string
	AWSAccountID string
	Origin       Origin
}

// SubscriptionStatus follows the SaaS notification life cycle.
type SubscriptionStatus string

const (
	SubscriptionPending            SubscriptionStatus = "pending"             // before subscribe-success
	SubscriptionActive             SubscriptionStatus = "active"              // subscribe-success
	SubscriptionUnsubscribePending SubscriptionStatus = "unsubscribe-pending" // final records still accepted
	SubscriptionUnsubscribed       SubscriptionStatus = "unsubscribed"        // unsubscribe-success
	SubscriptionFailed             SubscriptionStatus = "failed"              // subscribe-fail
)

// Metered reports whether usage may be recorded in this state.
func (s SubscriptionStatus) Metered() bool {
	return s == SubscriptionActive || s == SubscriptionUnsubscribePending
}

// OfferType is the kind of offer a buyer accepted.
type OfferType string

const (
	OfferPublic    OfferType = "public"
	OfferPrivate   OfferType = "private"
	OfferFreeTrial OfferType = "free-trial"
)

// OfferTypes lists the offer types; "" means OfferPublic.
var OfferTypes = []OfferType{OfferPublic, OfferPrivate, OfferFreeTrial}

// Subscription is an agreement of a customer for a product, identified by
// its license.
type Subscription struct {
	ProductCode        string
	CustomerIdentifier string
	LicenseArn         string
	Status             SubscriptionStatus
	// LicenseStart and LicenseEnd bound the license activation period;
	// zero means unbounded.
	LicenseStart, LicenseEnd time.Time
	Entitlements             []Entitlement
	// OfferType and OfferID name the offer accepted; "" is a public offer.
	OfferType OfferType
	OfferID   string
	// UnsubscribeAt is when an unsubscribe-pending subscription becomes
	// unsubscribed (unsubscribe-success); zero otherwise.
	UnsubscribeAt time.Time
	Origin        Origin
}

// Active reports whether the license is active at t. An unsubscribe-pending
// license ends at UnsubscribeAt, even before the change to unsubscribed is
// written: the seller's final hour is over.
func (s *Subscription) Active(t time.Time) bool {
	if !s.LicenseStart.IsZero() && t.Before(s.LicenseStart) {
		return false
	}
	if !s.LicenseEnd.IsZero() && !t.Before(s.LicenseEnd) {
		return false
	}
	if s.Status == SubscriptionUnsubscribePending && !s.UnsubscribeAt.IsZero() && !t.Before(s.UnsubscribeAt) {
		return false
	}
	return true
}

// Entitlement is capacity a customer owns in a product.
type Entitlement struct {
	Dimension      string
	Value          EntitlementValue
	ExpirationDate time.Time // zero: none
}

// EntitlementValue holds exactly one typed value.
type EntitlementValue struct {
	IntegerValue *int32   `json:",omitempty"`
	DoubleValue  *float64 `json:",omitempty"`
	BooleanValue *bool    `json:",omitempty"`
	StringValue  *string  `json:",omitempty"`
}
