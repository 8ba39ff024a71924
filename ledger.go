package meterd

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"
)

// ClientTokenWindow is how long a MeterUsage ClientToken is remembered after
// its first use, measured on the business clock (the records' ReceivedAt).
// Within it, the same token with the same parameters returns the stored
// record and with other parameters is an IdempotencyConflict; after it, the
// token is new again. AWS does not document its idempotency window; 24 hours
// outlasts any retry (the SDKs reuse a token only across the retries of one
// call, seconds apart) and MeterUsage's 6-hour timestamp window, and bounds
// the tokens kept (see docs/differences.md).
const ClientTokenWindow = 24 * time.Hour

// MeteringRecord is one accepted usage record in the ledger, from MeterUsage
// or BatchMeterUsage.
type MeteringRecord struct {
	ID        string // MeteringRecordId
	Region    string
	Operation string // "MeterUsage" or "BatchMeterUsage"

	ProductCode          string
	CustomerIdentifier   string
	CustomerAWSAccountID string
	LicenseArn           string

	// CallerAccountID and ResourceID identify who sent it. For MeterUsage
	// the resource is the simulated instance/task/pod (the access key id).
	CallerAccountID string
	ResourceID      string

	Dimension   string
	Timestamp   time.Time // as sent
	Hour        time.Time // Timestamp truncated to the hour
	Quantity    int64
	Allocations []UsageAllocation

	// DedupeKey is unique per region: records with the same key are the
	// same usage. The metering package builds it.
	DedupeKey string
	// ClientToken (MeterUsage only) and RequestHash, the digest of the
	// request parameters it was sent with.
	ClientToken string
	RequestHash string

	// Test marks a MeterUsage call by the product's own seller account
	// (pre-publication testing, not billed).
	Test       bool
	ReceivedAt time.Time
}

// UsageAllocation splits a quantity among tag sets.
type UsageAllocation struct {
	AllocatedUsageQuantity int32
	Tags                   []Tag `json:",omitempty"`
}

// Tag is a vendor-metered tag.
type Tag struct {
	Key   string
	Value string
}

// NewRegistrationTokenValue returns 32 random bytes (enough that tokens
// cannot be guessed, since a token alone identifies a customer), base64url
// without padding so that it survives a form POST unescaped.
func NewRegistrationTokenValue() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// RegistrationToken is what the buyer's browser POSTs to the seller's
// fulfillment URL and the seller resolves with ResolveCustomer.
type RegistrationToken struct {
	Token                string
	ProductCode          string
	CustomerIdentifier   string
	CustomerAWSAccountID string
	LicenseArn           string
	IssuedAt             time.Time
	ExpiresAt            time.Time
}

// TaskRegistration records the first RegisterUsage of a simulated ECS task
// or EKS pod.
type TaskRegistration struct {
	Region       string
	ProductCode  string
	AccountID    string
	ResourceID   string
	Test         bool
	RegisteredAt time.Time
}

// SigningKey is an RSA key pair RegisterUsage signs with.
type SigningKey struct {
	Version       int32
	PrivateKeyPEM []byte // PKCS#8
	CreatedAt     time.Time
	// RotatedAt, when set, is when the version expired: RegisterUsage
	// still signs with it but returns PublicKeyRotationTimestamp.
	RotatedAt time.Time
}
