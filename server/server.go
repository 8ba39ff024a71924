// Package server is meterd's HTTP front: it routes AWS JSON 1.1 and RPC v2
// CBOR requests to the metering and entitlement services after SigV4
// verification, and serves health checks, public keys and the admin API.
package server

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/awsproto/sigv4"
	"github.com/meterd/meterd/entitlement"
	"github.com/meterd/meterd/insight"
	"github.com/meterd/meterd/lifecycle"
	"github.com/meterd/meterd/metering"
	"github.com/meterd/meterd/sim"
)

// Store is what the server itself asks of the store: the access key of an
// unsigned request (with auth off) and the /readyz probe. The services get
// their own narrow views.
type Store interface {
	meterd.AccessKeyFinder
	meterd.Pinger
}

// Server holds the dependencies of the HTTP handlers.
type Server struct {
	Metering    *metering.Service
	Entitlement *entitlement.Service
	Store       Store
	// Verifier checks SigV4 signatures. With AuthDisabled, signatures are
	// not checked and unknown keys act as FallbackAccount.
	Verifier        *sigv4.Verifier
	AuthDisabled    bool
	FallbackAccount string
	// AdminToken guards /admin/; it must not be empty.
	AdminToken string
	// Limiter enforces request quotas; nil turns throttling off.
	Limiter *Limiter
	// Clock is the business clock the admin API reads and moves; nil
	// leaves the clock routes answering Invalid.
	Clock *sim.Clock
	// Faults are the fault injection rules; nil injects nothing.
	Faults *sim.Faults
	// MaxBodyBytes caps request bodies (AWS: BatchMeterUsage under 1 MB).
	MaxBodyBytes int64
	// Resetter empties the ledger on POST /admin/v1/reset, which answers
	// Conflict unless AllowReset is set too (--allow-reset).
	Resetter   meterd.LedgerResetter
	AllowReset bool
	// Usage answers the usage routes; nil answers them NotFound.
	Usage UsageStore
	// Audit records every call; nil records nothing.
	Audit *audit.Log
	// Insight answers the bill and health routes; nil answers NotFound.
	Insight *insight.Service
	// Logger gets the request log; nil discards.
	Logger *slog.Logger
	// Outbox lists the notification deliveries at
	// /admin/v1/notifications; nil lists none.
	Outbox meterd.Outbox
	// SNS serves the public SNS routes (signing certificate,
	// SubscribeURL, UnsubscribeURL); nil leaves them 404.
	SNS SNSSubscriptions
	// Metrics, when set, counts the API requests and is served at
	// /metrics without the admin token; nil answers /metrics with 404.
	Metrics *Metrics
	// Catalog and Lifecycle serve the catalog and buyer-action admin
	// routes; nil leaves them answering Invalid.
	Catalog   CatalogStore
	Lifecycle *lifecycle.Service
	// Registrations finds the tokens of the registration page.
	Registrations RegistrationFinder
	// RegistrationClient POSTs registration tokens to fulfillment URLs;
	// nil is http.DefaultClient.
	RegistrationClient *http.Client
}

// RegistrationFinder finds a registration token.
type RegistrationFinder interface {
	FindRegistrationToken(ctx context.Context, token string) (*meterd.RegistrationToken, error)
}

// log is s.Logger, or a discarding logger when it is nil: Server is built
// as a struct literal, so there is no constructor to fill it in.
func (s *Server) log() *slog.Logger { return meterd.LoggerOrDiscard(s.Logger) }

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	mux.HandleFunc("GET /meterd/keys/jwks.json", s.handleJWKS)
	mux.HandleFunc("GET /meterd/keys/{version}", s.handlePublicKeyPEM)
	mux.Handle("GET /metrics", s.metricsHandler())
	s.snsRoutes(mux)
	mux.Handle("/admin/", s.adminHandler())
	mux.HandleFunc("GET "+registerPath+"{token}", s.handleRegister)
	mux.HandleFunc("/", s.handleAPI)
	return mux
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz answers 503 when the store cannot be read or written (a
// failed write, a replaced database file).
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.Store.Ping(ctx); err != nil {
		s.log().Warn("readyz: store unavailable", meterd.LogKeyError, err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// metricsHandler serves Metrics, or 404 when the operator did not turn
// metrics on: a scraper then learns that nothing is there, rather than
// getting an AWS error.
func (s *Server) metricsHandler() http.Handler {
	if s.Metrics == nil {
		return http.NotFoundHandler()
	}
	return s.Metrics.Handler()
}
