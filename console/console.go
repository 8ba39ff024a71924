// Package console is meterd's web console, served by meterd itself at
// /console: server-rendered pages (html/template, readable without
// JavaScript) over the services the admin API uses, with a login that
// takes the admin token, CSRF-safe forms for every change and a little
// progressive JavaScript for live updates. Templates and assets are
// embedded, so there is no build step and nothing is fetched from a CDN.
//
// Reads go straight to the services (the audit trail, the simulated clock,
// the fault rules, the quotas, the ledger's reads), or through the admin
// API where it composes the answer (the catalog, health, the bill,
// notifications, usage pages and exports); changes go through the
// admin API in process (Config.Admin), so that each one is validated,
// logged and recorded in the audit trail exactly as a `meterd admin` call
// would be. Nothing here speaks SQL.
package console

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/server"
	"github.com/meterd/meterd/sim"
)

// Path is where the console is mounted.
const Path = "/console"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Ledger is what the console reads from the ledger.
type Ledger interface {
	// SumUsage serves the overview's records per hour.
	SumUsage(ctx context.Context, s meterd.UsageSum) ([]meterd.UsageGroup, error)
	SigningKeys(ctx context.Context) ([]*meterd.SigningKey, error)
}

// Config is what a console needs; node fills it in.
type Config struct {
	// Token is the admin token, which the login form takes.
	Token string
	// Admin makes every change, through the admin API (in process: see
	// Loopback).
	Admin *server.AdminClient
	// Reads. A nil Clock or Faults shows that this meterd has none.
	Audit   *audit.Log
	Clock   *sim.Clock
	Faults  *sim.Faults
	Limiter *server.Limiter // nil: no throttling
	Ledger  Ledger
	// AllowReset shows the reset form (the admin API refuses otherwise).
	AllowReset bool
	// Now is the wall clock (sessions, the call log); nil is time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Console serves the pages.
type Console struct {
	cfg Config
	log *slog.Logger
	// pages parses the templates once; New starts it on a goroutine of
	// its own, so that meterd's start-up (whose first answers need no
	// page) does not wait for the 3 ms it takes.
	pages    func() (map[string]*template.Template, error)
	sessions *sessions
	handler  http.Handler
}

// New builds a console. An embedded template that does not parse (a
// build mistake) is reported by every page render, as a 500 and a logged
// error; the console tests render every page.
func New(cfg Config) (*Console, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	pages := sync.OnceValues(parsePages)
	go pages()
	c := &Console{cfg: cfg, log: meterd.LoggerOrDiscard(cfg.Logger), pages: pages,
		sessions: newSessions(cfg.Now)}
	c.handler = c.routes()
	return c, nil
}

// ServeHTTP serves everything under Path.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.handler.ServeHTTP(w, r) }

// routes: the login and the assets are open; every other page needs a
// session, and every POST its CSRF token too (see authed).
func (c *Console) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static") // the directory is embedded
	mux.Handle("GET "+Path+"/static/", http.StripPrefix(Path+"/static/", cacheStatic(http.FileServerFS(static))))
	mux.HandleFunc("GET "+Path+"/login", c.loginPage)
	mux.HandleFunc("POST "+Path+"/login", c.login)
	mux.HandleFunc("GET "+Path, redirectTo(Path+"/"))
	page := func(pattern string, h func(w http.ResponseWriter, r *http.Request, s *session)) {
		mux.Handle(pattern, c.authed(h))
	}
	page("POST "+Path+"/logout", c.logout)
	page("GET "+Path+"/{$}", c.overview)
	page("GET "+Path+"/overview.svg", c.overviewSVG)
	page("GET "+Path+"/customers", c.customersPage)
	page("POST "+Path+"/customers/subscribe", c.subscribe)
	page("POST "+Path+"/licenses/{action}", c.licenseAction)
	page("POST "+Path+"/access-keys/{action}", c.accessKeyAction)
	page("GET "+Path+"/health", c.healthPage)
	page("GET "+Path+"/bill", c.billPage)
	page("GET "+Path+"/notifications", c.notificationsPage)
	page("GET "+Path+"/records", c.recordsPage)
	page("GET "+Path+"/records/export", c.recordsExport)
	page("GET "+Path+"/audit", c.auditPage)
	page("GET "+Path+"/calls", c.callsPage)
	page("GET "+Path+"/live", c.live)
	page("GET "+Path+"/clock", c.clockPage)
	page("POST "+Path+"/clock/advance", c.clockAdvance)
	page("POST "+Path+"/clock/set", c.clockSet)
	page("GET "+Path+"/faults", c.faultsPage)
	page("POST "+Path+"/faults", c.faultAdd)
	page("POST "+Path+"/faults/{id}/delete", c.faultDelete)
	page("GET "+Path+"/quotas", c.quotasPage)
	page("POST "+Path+"/quotas", c.quotaSet)
	page("POST "+Path+"/quotas/reset", c.quotaReset)
	page("GET "+Path+"/keys", c.keysPage)
	page("POST "+Path+"/keys/rotate", c.keysRotate)
	page("GET "+Path+"/reset", c.resetPage)
	page("POST "+Path+"/reset", c.reset)
	mux.HandleFunc(Path+"/", func(w http.ResponseWriter, r *http.Request) {
		c.status(w, r, http.StatusNotFound, "No such page.")
	})
	return securityHeaders(http.NewCrossOriginProtection().Handler(mux))
}

func redirectTo(url string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, url, http.StatusSeeOther) }
}

// securityHeaders keeps the pages out of frames and other origins'
// scripts: everything the console loads is its own.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=300")
		next.ServeHTTP(w, r)
	})
}
