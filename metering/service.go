// Package metering implements the rules of the AWS Marketplace Metering
// Service: MeterUsage, BatchMeterUsage, ResolveCustomer and RegisterUsage.
// It knows nothing of HTTP or SQL: requests arrive already decoded and
// checked against the model's constraints, and records go to a Store.
package metering

import (
	"log/slog"
	"sync"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/regions"
)

// Config holds the tunable rules.
type Config struct {
	// MeterUsageWindow is how old a MeterUsage timestamp may be (AWS: 6h).
	MeterUsageWindow time.Duration
	// BatchWindow is how old a BatchMeterUsage record may be (AWS: 24h,
	// formerly 6h).
	BatchWindow time.Duration
	// MonthEndGrace is how long after midnight UTC on the 1st records of the
	// previous month are still accepted (AWS: 6h). Zero disables the rule.
	MonthEndGrace time.Duration
	// FutureSkew is how far in the future a timestamp may be.
	FutureSkew time.Duration
	// RegistrationTokenTTL is how long a registration token resolves (AWS: 4h).
	RegistrationTokenTTL time.Duration
	// Regions says where each operation is offered.
	Regions regions.Table
}

// DefaultConfig returns AWS's current rules.
func DefaultConfig() Config {
	return Config{
		MeterUsageWindow:     6 * time.Hour,
		BatchWindow:          24 * time.Hour,
		MonthEndGrace:        6 * time.Hour,
		FutureSkew:           5 * time.Minute,
		RegistrationTokenTTL: 4 * time.Hour,
		Regions:              regions.Default(),
	}
}

// Store is what the metering rules read and write: catalog lookups and the
// ledger (meterd.Store satisfies it). The checks that only read the
// catalog use its Shared lookups.
type Store interface {
	meterd.CatalogReader
	meterd.SharedCatalogReader
	meterd.LedgerStore
}

// Service applies the metering rules on top of a store.
type Service struct {
	Store  Store
	Clock  meterd.Clock
	Config Config
	Logger *slog.Logger

	keyMu sync.Mutex // see EnsureSigningKey
}

// New returns a Service with cfg. A nil logger discards.
func New(store Store, clock meterd.Clock, cfg Config, logger *slog.Logger) *Service {
	return &Service{Store: store, Clock: clock, Config: cfg, Logger: meterd.LoggerOrDiscard(logger)}
}
