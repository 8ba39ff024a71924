// Package node wires a meterd together: the ledger, the seed, the signing
// keys, the services, the HTTP server and the shutdown. `meterd serve`,
// meterdtest and the load generator share it, so that all of them run the
// same meterd.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/notify"
	"github.com/meterd/meterd/seed"
	"github.com/meterd/meterd/server"
	"github.com/meterd/meterd/sim"
	"github.com/meterd/meterd/store/postgres"
	"github.com/meterd/meterd/store/sqlite"
)

const (
	// shutdownGrace is how long in-flight requests may take after Run's
	// context is done.
	shutdownGrace = 10 * time.Second
	// maxBodyBytes is AWS's BatchMeterUsage payload limit (under 1 MB).
	maxBodyBytes = 1 << 20
)

// Node is an open meterd: its listener is bound and its ledger open. Run
// serves; Close shuts down.
type Node struct {
	cfg        Config
	logger     *slog.Logger
	catalog    *meterd.Catalog
	simulation sim.Settings // the seed file's clock, faults and quotas
	clock      *sim.Clock
	faults     *sim.Faults
	limiter    *server.Limiter
	store      meterd.Store
	audit      *auditTrail
	listener   net.Listener
	http       *http.Server
	adminToken string
	tokenPath  string          // "" when the token is configured
	metrics    *server.Metrics // nil unless Config.Metrics
	// workers are the background tasks Run starts and shutdown stops
	// before the ledger closes: the completion of pending unsubscribes,
	// and the notifier when there is one.
	workers []*worker
	// notifier delivers the ledger's Outbox; nil when the ledger keeps
	// none.
	notifier *notify.Notifier
	// seedLoad is how long reading and applying the seed took at Open.
	seedLoad struct{ parse, apply time.Duration }

	running   sync.Mutex // held by Run
	closeOnce sync.Once
	closeErr  error
}

// Open validates cfg, binds its address (":0" picks a free port), opens the
// ledger, applies the seed (or the demo data) and builds the server. It does
// not serve yet: call Run. A nil logger discards.
//
// The port is bound before the ledger is opened, so that a start that
// cannot serve changes nothing in the data directory.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Node, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	parseStart := time.Now()
	seedFile, err := loadSeed(cfg.SeedFile)
	if err != nil {
		return nil, err
	}
	// Parsing a large seed takes a while and cannot stop half-way: a
	// SIGTERM meanwhile is honoured here, before anything is touched.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	parsed := time.Since(parseStart)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	store, awaitAudit, err := openStore(ctx, cfg, logger)
	if err != nil {
		ln.Close()
		return nil, err
	}
	n := &Node{cfg: cfg, logger: logger, catalog: seedFile.Catalog, simulation: seedFile.Sim, store: store, listener: ln}
	n.seedLoad.parse = parsed
	if err := n.prepare(ctx, awaitAudit); err != nil {
		ln.Close()
		if n.audit != nil {
			n.audit.close()
		}
		store.Close()
		return nil, err
	}
	return n, nil
}

// prepare applies the catalog and builds the HTTP server.
func (n *Node) prepare(ctx context.Context, awaitAudit func() (closingAuditStore, error)) error {
	tokenKey, err := n.settle(ctx, awaitAudit)
	if err != nil {
		return err
	}
	token, path, err := adminToken(n.cfg)
	if err != nil {
		return err
	}
	n.adminToken, n.tokenPath = token, path
	handler, err := n.newHandler(tokenKey)
	if err != nil {
		return err
	}
	limits := n.cfg.Limits // bounds what callers hold before authentication
	guard := server.NewGuard(limits)
	n.listener = guard.Listener(n.listener)
	if n.metrics != nil {
		n.metrics.WatchGuard(guard.Stats)
		n.metrics.WatchAudit(n.audit.log)
	}
	n.http = &http.Server{
		Handler:  guard.Handler(handler),
		ErrorLog: slog.NewLogLogger(n.logger.Handler(), slog.LevelWarn),
	}
	limits.Apply(n.http)
	n.http.RegisterOnShutdown(n.audit.log.StopWaits) // long polls must not hold up Shutdown
	return nil
}

// settle applies the seed, makes the NextToken key and waits for the audit
// trail's store, which opens meanwhile (see openStore), and sets n.audit.
// The key's write and the catalog's queue at the ledger's writer together,
// which can commit them with one fsync. It always waits for all three, so
// that nothing is left running when it fails.
func (n *Node) settle(ctx context.Context, awaitAudit func() (closingAuditStore, error)) ([]byte, error) {
	tokenKey := make(chan secretOrError, 1)
	go func() {
		key, err := n.nextTokenKey(ctx)
		tokenKey <- secretOrError{key, err}
	}()
	seedErr := n.applySeed(ctx)
	key := <-tokenKey
	auditStore, auditErr := awaitAudit()
	if auditErr == nil {
		n.audit = newAuditTrail(auditStore, n.cfg, n.logger)
	}
	return key.secret, errors.Join(seedErr, key.err, auditErr)
}

// applySeed makes the seed (or the demo data) the catalog: keys and
// customers it no longer lists must stop working. It is one transaction,
// which a cancelled ctx (SIGTERM) stops between batches, leaving the
// catalog as it was.
func (n *Node) applySeed(ctx context.Context) error {
	n.logger.Info("applying seed", meterd.LogKeyFile, n.cfg.SeedFile, meterd.LogKeySubscriptions, len(n.catalog.Subscriptions))
	start := time.Now()
	conflicts, err := n.store.SeedConflicts(ctx, n.catalog)
	if err != nil {
		return fmt.Errorf("apply seed: %w", err)
	}
	for _, entry := range conflicts {
		n.logger.Warn("seed entry not applied: the admin API made or changed it since; the admin-made one is kept",
			meterd.LogKeyEntry, entry)
	}
	if err := n.store.ReplaceCatalog(ctx, n.catalog); err != nil {
		return fmt.Errorf("apply seed: %w", err)
	}
	n.seedLoad.apply = time.Since(start)
	n.logger.Info("seed applied", meterd.LogKeyDuration, n.seedLoad.parse+n.seedLoad.apply)
	// Parsing builds a YAML tree of about 4 KB a buyer (200 MB for 50,000)
	// that is garbage once the catalog is read; hand it back to the OS now
	// rather than keep it resident for as long as meterd runs.
	if len(n.catalog.Subscriptions) >= largeSeed {
		debug.FreeOSMemory()
	}
	return nil
}

// largeSeed is the number of subscriptions from which a seed's parse
// leaves enough garbage to be worth returning to the OS (about 4 MB).
const largeSeed = 1_000

// Run serves until ctx is done, then shuts down as Close does. It returns
// nil after a clean shutdown. A node runs once.
func (n *Node) Run(ctx context.Context) error {
	if !n.running.TryLock() {
		return errors.New("node: Run called twice")
	}
	n.audit.start()
	for _, w := range n.workers {
		w.start()
	}
	served := make(chan error, 1)
	go func() { served <- n.http.Serve(n.listener) }()
	n.logger.Info("meterd serving", meterd.LogKeyAddr, n.URL(), meterd.LogKeyDataDir, n.cfg.DataDir, meterd.LogKeyAuth, !n.cfg.NoAuth)
	var serveErr error
	select {
	case serveErr = <-served:
	case <-ctx.Done():
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil // Close was called
	}
	return errors.Join(serveErr, n.Close())
}

// Close shuts down in order: stop accepting and drain in-flight requests
// (for up to shutdownGrace), then close the ledger. It is safe to call
// more than once and from several goroutines; every call returns the
// first one's result.
func (n *Node) Close() error {
	n.closeOnce.Do(func() { n.closeErr = n.shutdown() })
	return n.closeErr
}

func (n *Node) shutdown() error {
	n.logger.Info("shutting down: finishing in-flight requests")
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := n.http.Shutdown(ctx)
	// Shutdown closes only listeners Serve has seen; Run may not have run.
	if cerr := n.listener.Close(); cerr != nil && !errors.Is(cerr, net.ErrClosed) {
		err = errors.Join(err, cerr)
	}
	err = errors.Join(err, n.stopWorkers(), n.audit.close(), n.store.Close())
	if err != nil {
		n.logger.Error("shutdown", meterd.LogKeyError, err)
		return err
	}
	n.logger.Info("shut down: ledger closed")
	return nil
}

// secretOrError is the outcome of making a secret.
type secretOrError struct {
	secret []byte
	err    error
}

// closingAuditStore is an audit trail's store, closed with its node.
type closingAuditStore interface {
	meterd.AuditStore
	Close() error
}

// openStore opens the ledger and the audit trail's store: both in the
// PostgreSQL database of cfg.Store (the trail closes with the ledger), or
// both in cfg.DataDir (SQLite, one file each). It returns once the ledger
// is open; the audit trail's file may still be opening (see awaitAudit).
func openStore(ctx context.Context, cfg Config, logger *slog.Logger) (store meterd.Store, awaitAudit func() (closingAuditStore, error), err error) {
	if cfg.Store != "" {
		db, err := postgres.Open(ctx, cfg.Store, logger, postgres.WithWriteTimeout(cfg.WriteTimeout))
		if err != nil {
			return nil, nil, fmt.Errorf("open ledger: %w", err)
		}
		if cfg.AdminToken == "" { // the generated token lives in the data directory
			if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
				db.Close()
				return nil, nil, fmt.Errorf("data directory: %w", err)
			}
		}
		return db, func() (closingAuditStore, error) { return db.Audit(), nil }, nil
	}
	// The audit trail's file opens beside the ledger's once the data
	// directory is locked, and the node waits for it only once the seed
	// is applied: the first answers need the ledger, not the trail.
	audit := make(chan openedAudit, 1)
	auditOpening := false // WithLocked runs openAudit within sqlite.Open, or not at all
	openAudit := func() {
		auditOpening = true
		go func() {
			trail, err := sqlite.OpenAudit(ctx, cfg.DataDir, logger)
			audit <- openedAudit{trail, err}
		}()
	}
	db, err := sqlite.Open(ctx, cfg.DataDir, logger, sqlite.WithWriteTimeout(cfg.WriteTimeout), sqlite.WithLocked(openAudit))
	if err != nil {
		if !auditOpening {
			return nil, nil, fmt.Errorf("open ledger: %w", err)
		}
		return nil, nil, fmt.Errorf("open ledger: %w", (<-audit).close(err))
	}
	return db, func() (closingAuditStore, error) {
		trail := <-audit
		if trail.err != nil {
			return nil, fmt.Errorf("open audit trail: %w", trail.err)
		}
		return trail.db, nil
	}, nil
}

// openedAudit is the outcome of opening the audit trail's SQLite file.
type openedAudit struct {
	db  *sqlite.AuditDB
	err error
}

// close closes an audit trail opened for a ledger that failed to open
// with err, and returns err.
func (a openedAudit) close(err error) error {
	if a.err == nil {
		return errors.Join(err, a.db.Close())
	}
	return err
}

// URL is the base URL clients use, e.g. http://127.0.0.1:4599.
func (n *Node) URL() string { return "http://" + n.listener.Addr().String() }

// Config is the configuration the node was opened with.
func (n *Node) Config() Config { return n.cfg }

// AdminToken is the bearer token of the admin API.
func (n *Node) AdminToken() string { return n.adminToken }

// AdminTokenPath is the file holding the generated admin token, or "" when
// the token was configured.
func (n *Node) AdminTokenPath() string { return n.tokenPath }

// Catalog is the catalog applied at start-up: the seed file's, or the demo
// data (Config.SeedFile empty).
func (n *Node) Catalog() *meterd.Catalog { return n.catalog }

// Store is the open ledger, for tests that inspect or break it.
func (n *Node) Store() meterd.Store { return n.store }

func loadSeed(path string) (*seed.File, error) {
	if path == "" {
		return &seed.File{Catalog: seed.Demo()}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	defer f.Close()
	return seed.ParseFile(path, f)
}
