package node

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/awsproto/sigv4"
	"github.com/meterd/meterd/entitlement"
	"github.com/meterd/meterd/insight"
	"github.com/meterd/meterd/lifecycle"
	"github.com/meterd/meterd/metering"
	"github.com/meterd/meterd/seed"
	"github.com/meterd/meterd/server"
	"github.com/meterd/meterd/store/postgres"
	"github.com/meterd/meterd/store/sqlite"
)

// newHandler builds the services on the ledger and the HTTP front over
// them; tokenKey seals GetEntitlements NextTokens (see nextTokenKey).
func (n *Node) newHandler(tokenKey []byte) (http.Handler, error) {
	// The business clock drives the rules; SigV4 freshness and quotas stay
	// on the wall clock, which is what clients sign and send with.
	wall := meterd.SystemClock{}
	if err := n.openSim(wall); err != nil {
		return nil, err
	}
	clock := n.clock
	mcfg := metering.DefaultConfig()
	mcfg.BatchWindow = n.cfg.BatchWindow
	mcfg.MonthEndGrace = n.cfg.MonthEndGrace
	metrics := n.newMetrics()
	n.metrics = metrics
	var ledger metering.Store = n.store
	if metrics != nil {
		ledger = metrics.InstrumentLedger(n.store)
	}
	// The RegisterUsage signing key is made on first use, not here (see
	// metering.Service.EnsureSigningKey): a fresh meterd answers at once.
	ms := metering.New(ledger, clock, mcfg, n.logger)
	es, err := entitlement.New(n.store, clock, mcfg.Regions, tokenKey, n.logger)
	if err != nil {
		return nil, err
	}
	lcfg := lifecycle.DefaultConfig()
	lcfg.UnsubscribeDelay, lcfg.TokenTTL = n.cfg.UnsubscribeDelay, mcfg.RegistrationTokenTTL
	ls := lifecycle.New(n.store, clock, lcfg, n.logger)
	n.workers = append(n.workers, newWorker(ls.Run))
	if n.cfg.NoAuth {
		n.logger.Warn("SigV4 verification is OFF (--no-auth): any request is served")
	}
	srv := &server.Server{
		Limiter:         n.limiter,
		Clock:           n.clock,
		Faults:          n.faults,
		Metering:        ms,
		Entitlement:     es,
		Store:           n.store,
		Verifier:        &sigv4.Verifier{Lookup: n.store.SharedAccessKey, Clock: wall},
		AuthDisabled:    n.cfg.NoAuth,
		FallbackAccount: seed.DemoSellerAccountID,
		AdminToken:      n.adminToken,
		MaxBodyBytes:    maxBodyBytes,
		Audit:           n.audit.log,
		Insight:         insight.New(n.store, n.audit.db, clock, insight.WithUnsubscribeDelay(lcfg.UnsubscribeDelay)),
		Usage:           n.store,
		Resetter:        n.store,
		AllowReset:      n.cfg.AllowReset,
		Logger:          n.logger,
		Metrics:         metrics,
		Catalog:         n.store,
		Lifecycle:       ls,
		Registrations:   n.store,
	}
	// The notifier needs a ledger keeping an Outbox (the SQLite ledger
	// once lifecycle events land); without one there is nothing to send.
	if outbox, ok := n.store.(meterd.Outbox); ok {
		n.notifier = n.newNotifier(outbox, clock)
		n.workers = append(n.workers, newWorker(n.notifier.Run))
		srv.Outbox, srv.SNS = outbox, n.notifier
	}
	return n.withConsole(srv)
}

// nextTokenKeyName names the NextToken key among the ledger's secrets.
const nextTokenKeyName = "entitlement-next-token-key"

// nextTokenKey returns the key that seals GetEntitlements NextTokens,
// made by the first node that asks. It is kept in the ledger, so that a
// token from one node is good on every node and after a restart.
func (n *Node) nextTokenKey(ctx context.Context) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	key, err := n.store.EnsureSecret(ctx, nextTokenKeyName, fresh)
	if err != nil {
		return nil, fmt.Errorf("next token key: %w", err)
	}
	return key, nil
}

// newLimiter returns nil, no throttling, unless Config.Throttle is set.
func (n *Node) newLimiter(clock meterd.Clock) *server.Limiter {
	if !n.cfg.Throttle {
		return nil
	}
	quotas := n.cfg.Quotas
	if quotas == nil {
		quotas = server.DefaultQuotas()
	}
	return server.NewLimiter(quotas, clock)
}

// Hooks a ledger may offer for its metrics. The SQLite ledger has
// WriterStats; a queue depth and a per-commit report (group size, commit and
// fsync time) are exported as soon as it offers them.
type (
	writerStatser   interface{ WriterStats() sqlite.WriterStats }
	pgWriterStatser interface{ WriterStats() postgres.WriterStats }
	queueDepther    interface{ QueueDepth() int }
	commitWatcher   interface {
		ObserveCommits(func(ops int, commit time.Duration))
	}
)

// newMetrics returns nil unless Config.Metrics is set: the metrics of this
// node, on a registry of its own, watching what its ledger offers.
func (n *Node) newMetrics() *server.Metrics {
	if !n.cfg.Metrics {
		return nil
	}
	m := server.NewMetrics()
	m.SetSeedLoad(n.seedLoad.parse, n.seedLoad.apply)
	if w, ok := n.store.(writerStatser); ok {
		m.WatchWriter(func() server.WriterStats {
			st := w.WriterStats()
			return server.WriterStats{Groups: st.Groups, Operations: st.Operations}
		})
	}
	if w, ok := n.store.(pgWriterStatser); ok {
		m.WatchWriter(func() server.WriterStats {
			st := w.WriterStats()
			return server.WriterStats{Groups: st.Groups, Operations: st.Operations}
		})
	}
	if q, ok := n.store.(queueDepther); ok {
		m.WatchQueue(q.QueueDepth)
	}
	if c, ok := n.store.(commitWatcher); ok {
		c.ObserveCommits(m.CommitObserver())
	}
	return m
}
