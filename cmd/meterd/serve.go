package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/awsproto/sigv4"
	"github.com/meterd/meterd/entitlement"
	"github.com/meterd/meterd/metering"
	"github.com/meterd/meterd/seed"
	"github.com/meterd/meterd/server"
	"github.com/meterd/meterd/store/sqlite"
)

const (
	// shutdownGrace is how long in-flight requests may take after a signal.
	shutdownGrace = 10 * time.Second
	// maxBodyBytes is AWS's BatchMeterUsage payload limit (under 1 MB).
	maxBodyBytes   = 1 << 20
	adminTokenFile = "admin-token"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("meterd serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := cfg.bindFlags(fs, getenv); err != nil {
		return usageError{err}
	}
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err}
	}
	level, _ := parseLevel(cfg.LogLevel) // checked by Validate
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	app, err := start(ctx, cfg, logger)
	if err != nil {
		return err
	}
	printBanner(stdout, app)
	return app.wait(ctx)
}

// app is a running meterd: its store, listener and HTTP server.
type app struct {
	cfg       Config
	logger    *slog.Logger
	store     meterd.Store
	listener  net.Listener
	http      *http.Server
	served    chan error
	demo      bool
	tokenPath string
}

// start opens the ledger, applies the seed, and starts serving. The
// listener is open when it returns, so ":0" works and a port clash fails
// here rather than later.
//
// The port is bound before the ledger is opened, so that a start that
// cannot serve changes nothing in the data directory.
func start(ctx context.Context, cfg Config, logger *slog.Logger) (*app, error) {
	catalog, demo, err := loadCatalog(cfg.SeedFile)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	store, err := sqlite.Open(ctx, cfg.DataDir, logger)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	a := &app{cfg: cfg, logger: logger, store: store, demo: demo, served: make(chan error, 1)}
	if err := a.prepare(ctx, catalog, ln); err != nil {
		ln.Close()
		store.Close()
		return nil, err
	}
	go func() { a.served <- a.http.Serve(ln) }()
	a.logger.Info("meterd serving", "addr", a.URL(), "data", a.cfg.DataDir, "auth", !a.cfg.NoAuth)
	return a, nil
}

// prepare applies the catalog and builds the HTTP server on ln.
func (a *app) prepare(ctx context.Context, catalog *meterd.Catalog, ln net.Listener) error {
	// The seed (or the demo data) is the catalog: keys and customers it no
	// longer lists must stop working.
	if err := a.store.ReplaceCatalog(ctx, catalog); err != nil {
		return fmt.Errorf("apply seed: %w", err)
	}
	adminToken, err := a.adminToken()
	if err != nil {
		return err
	}
	handler, err := a.newServer(ctx, adminToken)
	if err != nil {
		return err
	}
	a.listener = ln
	a.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	return nil
}

func (a *app) newServer(ctx context.Context, adminToken string) (http.Handler, error) {
	clock := meterd.SystemClock{}
	mcfg := metering.DefaultConfig()
	mcfg.BatchWindow = a.cfg.BatchWindow
	mcfg.MonthEndGrace = a.cfg.MonthEndGrace
	ms := metering.New(a.store, clock, mcfg, a.logger)
	if err := ms.EnsureSigningKey(ctx); err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	tokenKey := make([]byte, 32)
	if _, err := rand.Read(tokenKey); err != nil {
		return nil, err
	}
	es, err := entitlement.New(a.store, clock, mcfg.Regions, tokenKey, a.logger)
	if err != nil {
		return nil, err
	}
	if a.cfg.NoAuth {
		a.logger.Warn("SigV4 verification is OFF (--no-auth): any request is served")
	}
	var limiter *server.Limiter
	if a.cfg.Throttle {
		quotas := a.cfg.Quotas
		if quotas == nil {
			quotas = server.DefaultQuotas()
		}
		limiter = server.NewLimiter(quotas, clock)
	}
	srv := &server.Server{
		Limiter:         limiter,
		Metering:        ms,
		Entitlement:     es,
		Store:           a.store,
		Verifier:        &sigv4.Verifier{Lookup: a.store.FindAccessKey, Clock: clock},
		AuthDisabled:    a.cfg.NoAuth,
		FallbackAccount: seed.DemoSellerAccountID,
		AdminToken:      adminToken,
		MaxBodyBytes:    maxBodyBytes,
		Logger:          a.logger,
	}
	return srv.Handler(), nil
}

// adminToken returns the configured admin token, or the one kept in the
// data directory, creating it (mode 0600) on first start.
func (a *app) adminToken() (string, error) {
	if a.cfg.AdminToken != "" {
		return a.cfg.AdminToken, nil
	}
	a.tokenPath = filepath.Join(a.cfg.DataDir, adminTokenFile)
	b, err := os.ReadFile(a.tokenPath)
	if token := strings.TrimSpace(string(b)); err == nil && token != "" {
		return token, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read admin token: %w", err) // never overwrite a token we cannot read
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := hex.EncodeToString(raw)
	if err := os.WriteFile(a.tokenPath, []byte(token+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write admin token: %w", err)
	}
	return token, nil
}

// URL is the base URL clients use.
func (a *app) URL() string { return "http://" + a.listener.Addr().String() }

// wait serves until ctx is done, then shuts down in order: stop accepting
// and drain in-flight requests, then close the ledger.
func (a *app) wait(ctx context.Context) error {
	var serveErr error
	select {
	case serveErr = <-a.served:
	case <-ctx.Done():
	}
	return errors.Join(serveErr, a.shutdown())
}

func (a *app) shutdown() error {
	a.logger.Info("shutting down: finishing in-flight requests (a second signal stops at once)")
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := a.http.Shutdown(ctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	err = errors.Join(err, a.store.Close())
	if err != nil {
		a.logger.Error("shutdown", "error", err)
		return err
	}
	a.logger.Info("shut down: ledger closed")
	return nil
}

func loadCatalog(path string) (*meterd.Catalog, bool, error) {
	if path == "" {
		return seed.Demo(), true, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, false, fmt.Errorf("seed: %w", err)
	}
	defer f.Close()
	c, err := seed.Parse(path, f)
	return c, false, err
}

// printBanner tells a new user how to call meterd. The demo keys are public
// constants of the built-in demo data; keys from a seed file are never
// printed.
func printBanner(w io.Writer, a *app) {
	url := a.URL()
	fmt.Fprintf(w, "meterd %s listening on %s (ledger in %s)\n", version, url, a.cfg.DataDir)
	if a.tokenPath != "" {
		fmt.Fprintf(w, "admin token: in %s\n", a.tokenPath)
	}
	if !a.demo {
		return
	}
	fmt.Fprintf(w, `
Demo data: seller %s (key test/test), buyer %s (key buyer/buyer),
products demo-saas, demo-ami, demo-container; customer demo-customer.
Try (buyer keys, AMI product):
  AWS_ACCESS_KEY_ID=buyer AWS_SECRET_ACCESS_KEY=buyer aws meteringmarketplace meter-usage --endpoint-url %s --region us-east-1 --product-code demo-ami --usage-dimension vcpu_hours --usage-quantity 1 --timestamp "$(date -u +%%Y-%%m-%%dT%%H:00:00Z)"
`, seed.DemoSellerAccountID, seed.DemoBuyerAccountID, url)
}
