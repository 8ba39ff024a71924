// Package entitlement implements GetEntitlements of the AWS Marketplace
// Entitlement Service. It knows nothing of HTTP or SQL.
package entitlement

import (
	"log/slog"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/regions"
)

// Service answers GetEntitlements from the catalog.
type Service struct {
	Store   meterd.Store
	Clock   meterd.Clock
	Regions regions.Table
	// TokenKey authenticates NextToken values so that a client cannot forge
	// a position; set it to random bytes at start-up.
	TokenKey []byte
	Logger   *slog.Logger
}
