// Package meterd holds the domain of a self-hosted AWS Marketplace Metering and
// Entitlement service: the catalog (accounts, products, customers,
// subscriptions), the ledger records, the Store and Clock interfaces and the
// error codes shared by every layer. Sub-packages implement the rules
// (metering, entitlement), the wire protocols (awsproto), the storage
// (store/...) and the HTTP server (server); node wires them together, and
// docs/architecture.md says what may import what.
package meterd

import (
	"context"
	"time"
)

// Clock tells the time. Domain code never calls time.Now directly so that
// tests (and later the simulated clock) can move time.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current UTC time.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// ClockFunc adapts a function to the Clock interface.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// Caller is the authenticated identity of a request, established by SigV4.
type Caller struct {
	AccessKeyID string
	AccountID   string
	// Region is the region of the SigV4 credential scope; data and dedupe
	// are kept per region.
	Region string
	// Key is the seeded access key the request was signed with. Its
	// Platform and HomeRegion describe the simulated compute resource.
	Key AccessKey
}

// Store is the durable ledger and catalog. Implementations keep the rules
// out: they store, find and insert-unless-present atomically; the metering
// and entitlement packages decide what the results mean.
//
// Every write method returns only after the data is committed and synced to
// disk.
//
// Consumers take the narrowest interface they call, not Store: entitlement
// takes CatalogReader, metering a CatalogReader and a LedgerStore, the server
// an AccessKeyFinder and a Pinger. A new capability (an outbox, an audit
// log) is a new small interface here, beside CatalogStore and LedgerStore,
// that Store embeds, rather than more methods on an existing one: so each
// consumer says what it uses, and a test fake or a new backend implements
// only that. Backends assert that they satisfy each one at compile time.
type Store interface {
	CatalogStore
	CatalogEditor
	SubscriptionWriter
	Outbox
	LifecycleReader
	LedgerStore
	LedgerResetter
	SecretStore
	UsageReader
	UsageSummarizer
	Pinger
	Close() error
}

// SecretStore keeps the secrets that every node sharing a ledger must
// agree on and that must outlive a restart, such as the key that seals
// GetEntitlements NextTokens.
type SecretStore interface {
	// EnsureSecret returns the secret named name, storing value as it
	// first: the first caller's value wins (on any node), and every later
	// call returns it. value must not be empty.
	EnsureSecret(ctx context.Context, name string, value []byte) ([]byte, error)
}

// LedgerResetter empties the ledger between a seller's tests (meterd
// reset): what calls recorded goes, what was declared or generated once
// for the whole run stays.
type LedgerResetter interface {
	// ResetLedger deletes, in one transaction, every metering record,
	// remembered client token, registration token and task registration,
	// and the outbox: lifecycle events, their deliveries and attempts
	// (pending notifications are not sent). The catalog, subscriptions,
	// the RegisterUsage signing keys and the secrets (SecretStore) are kept.
	ResetLedger(ctx context.Context) (LedgerReset, error)
}

// LedgerReset counts what ResetLedger deleted.
type LedgerReset struct {
	MeteringRecords    int64
	ClientTokens       int64
	RegistrationTokens int64
	TaskRegistrations  int64
	LifecycleEvents    int64
	Deliveries         int64
	DeliveryAttempts   int64
}

// Pinger checks that a store can be read and written; /readyz uses it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// AccessKeyFinder finds the SigV4 key a request claims to be signed with.
type AccessKeyFinder interface {
	// FindAccessKey returns the key with id, or an ENotFound error.
	FindAccessKey(ctx context.Context, id string) (*AccessKey, error)
}

// CatalogReader is the part of the catalog the API operations read.
type CatalogReader interface {
	FindProduct(ctx context.Context, code string) (*Product, error)
	FindCustomer(ctx context.Context, f CustomerFilter) (*Customer, error)
	FindSubscriptions(ctx context.Context, f SubscriptionFilter) ([]*Subscription, error)
}

// SharedCatalogReader reads like AccessKeyFinder and CatalogReader, but
// what it returns may be the catalog cache's own value, shared by every
// caller: a MeterUsage reads the catalog four times, only to check, and
// copying a product with its dimensions and a customer's subscriptions
// with their entitlements for each call is allocation the checks do not
// need. A caller must neither change what it returns (nor anything it
// points to) nor keep it past the call it serves.
type SharedCatalogReader interface {
	SharedAccessKey(ctx context.Context, id string) (*AccessKey, error)
	SharedProduct(ctx context.Context, code string) (*Product, error)
	SharedCustomer(ctx context.Context, f CustomerFilter) (*Customer, error)
	SharedSubscriptions(ctx context.Context, f SubscriptionFilter) ([]*Subscription, error)
}

// CatalogStore holds what a seed file (and later the admin API) declares.
type CatalogStore interface {
	// ApplyCatalog inserts or replaces every entry of c in one transaction.
	ApplyCatalog(ctx context.Context, c *Catalog) error
	// ReplaceCatalog makes the catalog exactly c in one transaction: it
	// applies c and deletes every account, access key, product, customer
	// and subscription c does not list. The ledger keeps its records.
	ReplaceCatalog(ctx context.Context, c *Catalog) error

	AccessKeyFinder
	CatalogReader
	SharedCatalogReader
}

// CatalogEditor changes the catalog one admin request at a time. Every
// entry it writes is admin-made (OriginAdmin): the seed no longer replaces
// or deletes it at start.
type CatalogEditor interface {
	// CreateEntries inserts every entry of c in one transaction: EConflict
	// naming the first entry whose key is taken, EValidation naming one
	// that refers to a missing entry; nothing is written then.
	CreateEntries(ctx context.Context, c *Catalog) error
	// UpdateAccessKey runs fn on the stored key id and stores the result in
	// one transaction; ENotFound when there is none. fn may not change ID.
	UpdateAccessKey(ctx context.Context, id string, fn func(k *AccessKey) error) (*AccessKey, error)
	// UpdateProduct is UpdateAccessKey for the product with code.
	UpdateProduct(ctx context.Context, code string, fn func(p *Product) error) (*Product, error)
	// ListCatalog returns the accounts, access keys (disabled ones too),
	// products and customers, each ordered by key; no subscriptions
	// (FindSubscriptions pages them).
	ListCatalog(ctx context.Context) (*Catalog, error)
	// SeedConflicts names the entries of c whose key an admin-made entry
	// holds: ReplaceCatalog keeps the admin-made one, and start-up says so.
	SeedConflicts(ctx context.Context, c *Catalog) ([]string, error)
}

// SubscriptionWriter applies buyer actions (lifecycle decides them).
type SubscriptionWriter interface {
	// ChangeSubscription runs fn on the subscription licenseArn (nil when
	// there is none) and stores, in one transaction, what fn returns: the
	// subscription (admin-made), the registration token if any, and the
	// event if any with one Delivery per notification target of the
	// product, due at the event's time. fn's error is returned as is and
	// nothing is written.
	ChangeSubscription(ctx context.Context, licenseArn string, fn SubscriptionUpdater) (*SubscriptionChange, error)
	// DueUnsubscribes returns at most limit unsubscribe-pending
	// subscriptions whose UnsubscribeAt is not after now, earliest first.
	DueUnsubscribes(ctx context.Context, now time.Time, limit int) ([]*Subscription, error)
}

// SubscriptionUpdater decides a change from the stored subscription.
type SubscriptionUpdater func(old *Subscription) (*SubscriptionChange, error)

// SubscriptionChange is what one buyer action writes.
type SubscriptionChange struct {
	Subscription *Subscription
	// Token, when set, is minted with the change (subscribe).
	Token *RegistrationToken
	// Event, when set, is announced to the product's targets.
	Event *LifecycleEvent
}

// LedgerStore holds what the API operations record.
type LedgerStore interface {
	// RecordUsage inserts records in order, in one atomic transaction,
	// skipping every record that conflicts with one already stored (or with
	// an earlier record of the same call) and reporting the stored one.
	// A record conflicts when it has the same Region and DedupeKey, or,
	// when ClientToken is set, the same Region, CallerAccountID and
	// ClientToken as a record received (or a token remembered) less than
	// ClientTokenWindow before its ReceivedAt; a zero ReceivedAt sees every
	// token. The token is checked first. When a record with a
	// ClientToken collides on DedupeKey with a stored record of the same
	// RequestHash (the same request, answered with the stored record), its
	// token is remembered for the stored record, as used at the new
	// record's ReceivedAt, so that a later record with that token collides
	// with it. Expired tokens may be deleted. len(result) == len(recs).
	RecordUsage(ctx context.Context, recs []*MeteringRecord) ([]RecordOutcome, error)
	FindUsage(ctx context.Context, f UsageFilter) ([]*MeteringRecord, error)

	CreateRegistrationToken(ctx context.Context, t *RegistrationToken) error
	FindRegistrationToken(ctx context.Context, token string) (*RegistrationToken, error)

	// RegisterTask inserts r unless a registration with the same Region,
	// ProductCode, AccountID and ResourceID exists; it returns the stored
	// one (existing == true) in that case.
	RegisterTask(ctx context.Context, r *TaskRegistration) (stored *TaskRegistration, existing bool, err error)
	// FindTaskRegistration returns the registration with r's Region,
	// ProductCode, AccountID and ResourceID, or an ENotFound error.
	FindTaskRegistration(ctx context.Context, region, productCode, accountID, resourceID string) (*TaskRegistration, error)

	// SigningKeys returns every RegisterUsage signing key, by version.
	SigningKeys(ctx context.Context) ([]*SigningKey, error)
	// CreateSigningKey inserts k; ErrConflict when the version exists.
	CreateSigningKey(ctx context.Context, k *SigningKey) error
	// UpdateSigningKey replaces the key with k.Version; ErrNotFound if absent.
	UpdateSigningKey(ctx context.Context, k *SigningKey) error
}

// RecordOutcome is the result of inserting one MeteringRecord.
type RecordOutcome struct {
	// Inserted is true when the record was stored.
	Inserted bool
	// Conflict says which key matched when Inserted is false.
	Conflict ConflictKind
	// Existing is the stored record that conflicted (nil when Inserted).
	Existing *MeteringRecord
}

// ConflictKind names the unique key a record collided with.
type ConflictKind int

const (
	NoConflict ConflictKind = iota
	ClientTokenConflict
	DedupeKeyConflict
)

// CustomerFilter finds one customer; exactly one field is set.
type CustomerFilter struct {
	Identifier   string
	AWSAccountID string
}

// SubscriptionFilter selects subscriptions; empty fields match everything.
type SubscriptionFilter struct {
	ProductCode        string
	CustomerIdentifier string
	LicenseArn         string

	// ByLicense orders by license ARN alone rather than by product,
	// customer identifier and license ARN (Concurrent Agreements products,
	// whose customers are not named, page in this order).
	ByLicense bool
	// After, when set, keeps only subscriptions after this position in
	// the order: keyset pagination, which reads one page from an index
	// however large the product. ByLicense ignores its CustomerIdentifier.
	After *SubscriptionPosition
	// Limit, when positive, returns at most this many subscriptions.
	Limit int
}

// SubscriptionPosition is a place in the order of FindSubscriptions within
// one product. License ARNs are unique, so it names one subscription.
type SubscriptionPosition struct {
	CustomerIdentifier string
	LicenseArn         string
}

// UsageFilter selects metering records; empty fields match everything.
type UsageFilter struct {
	Region      string
	ProductCode string
	// SellerAccountID limits the result to products of this seller.
	SellerAccountID string
	Since, Until    time.Time // on the usage hour, Until exclusive
	Limit           int
}
