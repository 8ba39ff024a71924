// Package entitlement implements GetEntitlements of the AWS Marketplace
// Entitlement Service. It knows nothing of HTTP or SQL.
package entitlement

import (
	"fmt"
	"log/slog"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/regions"
)

// Service answers GetEntitlements from the catalog.
type Service struct {
	// Store is read only: GetEntitlements needs nothing but catalog
	// lookups.
	Store   meterd.CatalogReader
	Clock   meterd.Clock
	Regions regions.Table
	// TokenKey authenticates NextToken values so that a client cannot forge
	// a position; set it to random bytes at start-up.
	TokenKey []byte
	Logger   *slog.Logger
}

// minTokenKey is the shortest NextToken key New accepts.
const minTokenKey = 16

// New returns a Service; tokenKey (random bytes, at least 16) authenticates
// NextToken values. A nil logger discards.
func New(store meterd.CatalogReader, clock meterd.Clock, regions regions.Table, tokenKey []byte, logger *slog.Logger) (*Service, error) {
	if len(tokenKey) < minTokenKey {
		return nil, fmt.Errorf("entitlement: token key of %d bytes, want at least %d", len(tokenKey), minTokenKey)
	}
	return &Service{Store: store, Clock: clock, Regions: regions, TokenKey: tokenKey, Logger: meterd.LoggerOrDiscard(logger)}, nil
}
