package node

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/awsproto/sigv4"
	"github.com/meterd/meterd/entitlement"
	"github.com/meterd/meterd/metering"
	"github.com/meterd/meterd/seed"
	"github.com/meterd/meterd/server"
)

// newHandler builds the services on the ledger and the HTTP front over them.
func (n *Node) newHandler(ctx context.Context) (http.Handler, error) {
	clock := meterd.SystemClock{}
	mcfg := metering.DefaultConfig()
	mcfg.BatchWindow = n.cfg.BatchWindow
	mcfg.MonthEndGrace = n.cfg.MonthEndGrace
	ms := metering.New(n.store, clock, mcfg, n.logger)
	if err := ms.EnsureSigningKey(ctx); err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	// The GetEntitlements NextToken key lives as long as the process: a
	// token from before a restart is refused rather than trusted.
	tokenKey := make([]byte, 32)
	if _, err := rand.Read(tokenKey); err != nil {
		return nil, err
	}
	es, err := entitlement.New(n.store, clock, mcfg.Regions, tokenKey, n.logger)
	if err != nil {
		return nil, err
	}
	if n.cfg.NoAuth {
		n.logger.Warn("SigV4 verification is OFF (--no-auth): any request is served")
	}
	srv := &server.Server{
		Limiter:         n.limiter(clock),
		Metering:        ms,
		Entitlement:     es,
		Store:           n.store,
		Verifier:        &sigv4.Verifier{Lookup: n.store.FindAccessKey, Clock: clock},
		AuthDisabled:    n.cfg.NoAuth,
		FallbackAccount: seed.DemoSellerAccountID,
		AdminToken:      n.adminToken,
		MaxBodyBytes:    maxBodyBytes,
		Audit:           n.audit.log,
		Logger:          n.logger,
	}
	return srv.Handler(), nil
}

// limiter returns nil, no throttling, unless Config.Throttle is set.
func (n *Node) limiter(clock meterd.Clock) *server.Limiter {
	if !n.cfg.Throttle {
		return nil
	}
	quotas := n.cfg.Quotas
	if quotas == nil {
		quotas = server.DefaultQuotas()
	}
	return server.NewLimiter(quotas, clock)
}
