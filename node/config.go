package node

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/audit"
	"github.com/meterd/meterd/lifecycle"
	"github.com/meterd/meterd/metering"
	"github.com/meterd/meterd/notify"
	"github.com/meterd/meterd/server"
	"github.com/meterd/meterd/sim"
	"github.com/meterd/meterd/store/postgres"
	"github.com/meterd/meterd/store/sqlite"
)

// Config is the configuration of a meterd node. Every field a user may set
// has a row in Settings, which gives it a flag and a METERD_ environment
// variable; fields without a row are for programs that embed a node.
type Config struct {
	Addr    string
	DataDir string
	// Store, when set, is the ledger's PostgreSQL database
	// (postgres://...), shared by every node given the same URL; empty
	// keeps the SQLite ledger in DataDir. DataDir still holds the
	// generated admin token.
	Store       string
	SeedFile    string
	LogLevel    string
	AdminToken  string
	NoAuth      bool
	BatchWindow time.Duration
	// MonthEndGrace is how long into the 1st (UTC) last month's usage is
	// still accepted; 0 turns the month-end rule off.
	MonthEndGrace time.Duration
	// UnsubscribeDelay is how long, on the business clock, an unsubscribe
	// stays pending (the seller's final hour) before unsubscribe-success.
	UnsubscribeDelay time.Duration
	// Throttle enforces AWS's request quotas (server.DefaultQuotas).
	Throttle bool
	// Metrics serves Prometheus metrics at /metrics, without the admin
	// token (they hold no secret and no customer id; docs/metrics.md).
	Metrics bool
	// Quotas replaces the default quotas (tests use tiny ones). It has no
	// setting: a map does not fit a flag.
	Quotas map[string]server.Quota
	// QuotaOverrides tune quotas per operation and account (--quota), on
	// top of the seed file's.
	QuotaOverrides []sim.Quota
	// Clock sets the business clock at start-up (--clock), over the seed
	// file's; nil leaves it to the seed file, or the wall clock.
	Clock *sim.ClockSpec
	// WriteTimeout is how long a write may wait on the disk before the
	// caller gets InternalServiceErrorException (the commit may still land;
	// a retry is deduplicated).
	WriteTimeout time.Duration
	// Limits bound what callers hold before they are authenticated:
	// connections, buffered body bytes, and how long a body may take.
	Limits server.Limits
	// AuditRetention is how long the audit trail keeps events; 0 keeps
	// them forever.
	AuditRetention time.Duration
	// AllowReset lets POST /admin/v1/reset (meterd reset) empty the
	// ledger and the audit trail; off, it answers Conflict, so that a
	// meterd holding data worth keeping cannot be wiped by mistake.
	AllowReset bool
	// PublicURL is how notification subscribers reach this meterd (the
	// SNS SigningCertURL, SubscribeURL and UnsubscribeURL); "" is the
	// listen address, with 127.0.0.1 for an unspecified host.
	PublicURL string
	// NotifyRetry is the delay before a failed notification's first
	// retry; each further failure doubles it, up to 10 minutes.
	NotifyRetry time.Duration
}

// DefaultConfig returns the configuration of a plain `meterd serve`.
// The metering rules' defaults are AWS's, from metering.DefaultConfig.
func DefaultConfig() Config {
	rules := metering.DefaultConfig()
	return Config{
		Addr:          "127.0.0.1:4599",
		DataDir:       "meterd-data",
		LogLevel:      "info",
		BatchWindow:   rules.BatchWindow,
		MonthEndGrace: rules.MonthEndGrace,
		Throttle:      true,

		UnsubscribeDelay: lifecycle.DefaultConfig().UnsubscribeDelay,
		WriteTimeout:     sqlite.DefaultWriteTimeout,
		Limits:           server.DefaultLimits(),

		AuditRetention: audit.DefaultRetention,
		NotifyRetry:    notify.DefaultConfig().RetryBase,
	}
}

// ConfigError is an invalid setting, named by its flag and variable so that
// the user finds it wherever it was set.
type ConfigError struct {
	Flag string // e.g. "addr"
	Env  string // e.g. "METERD_ADDR"
	Err  error
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("--%s (%s): %v", e.Flag, e.Env, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Validate reports the first invalid field as a *ConfigError.
func (c Config) Validate() error {
	checks := []struct {
		flag string
		err  error
	}{
		{"addr", checkAddr(c.Addr)},
		{"data", checkNotEmpty(c.DataDir)},
		{"store", checkStore(c.Store)},
		{"log-level", checkLevel(c.LogLevel)},
		{"batch-window", checkRange(c.BatchWindow, time.Nanosecond, 1<<63-1)},
		{"month-end-grace", checkRange(c.MonthEndGrace, 0, 24*time.Hour)},
		{"unsubscribe-delay", checkRange(c.UnsubscribeDelay, 0, 1<<63-1)},
		{"quota", checkQuotas(c.QuotaOverrides)},
		{"write-timeout", checkRange(c.WriteTimeout, time.Millisecond, 1<<63-1)},
		{"max-conns", checkAtLeast(int64(c.Limits.MaxConns), 0)},
		{"max-buffered-bytes", checkAtLeast(c.Limits.MaxBufferedBytes, server.MinBufferedBytes)},
		{"buffer-wait", checkRange(c.Limits.BufferWait, 0, time.Minute)},
		{"body-read-timeout", checkRange(c.Limits.BodyReadTimeout, time.Nanosecond, 1<<63-1)},
		{"read-header-timeout", checkRange(c.Limits.ReadHeaderTimeout, time.Nanosecond, 1<<63-1)},
		{"idle-timeout", checkRange(c.Limits.IdleTimeout, 0, 1<<63-1)},
		{"audit-retention", checkRange(c.AuditRetention, 0, 1<<63-1)},
		{"public-url", checkPublicURL(c.PublicURL)},
		{"notify-retry", checkRange(c.NotifyRetry, time.Millisecond, time.Hour)},
	}
	for _, ch := range checks {
		if ch.err != nil {
			return &ConfigError{Flag: ch.flag, Env: envName(ch.flag), Err: ch.err}
		}
	}
	return nil
}

func checkAddr(addr string) error {
	_, _, err := net.SplitHostPort(addr)
	return err
}

// checkStore accepts "" (SQLite in --data) or a PostgreSQL URL.
func checkStore(s string) error {
	if s == "" || postgres.IsURL(s) {
		return nil
	}
	// The value is not echoed: a mistyped URL may hold a password.
	return errors.New("want a postgres:// or postgresql:// URL, or empty for the SQLite ledger in --data")
}

func checkPublicURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("must be an http(s) URL such as https://meterd.example.com, got %q", s)
	}
	return nil
}

func checkQuotas(qs []sim.Quota) error {
	for _, q := range qs {
		if err := q.Validate(); err != nil {
			return errors.New(meterd.ErrorMessage(err))
		}
	}
	return nil
}

func checkNotEmpty(s string) error {
	if s == "" {
		return fmt.Errorf("must not be empty")
	}
	return nil
}

func checkLevel(s string) error {
	_, err := ParseLevel(s)
	return err
}

func checkAtLeast(n, min int64) error {
	if n < min {
		return fmt.Errorf("must be at least %d, got %d", min, n)
	}
	return nil
}

func checkRange(d, min, max time.Duration) error {
	switch {
	case d < min && min == 0:
		return fmt.Errorf("must not be negative, got %s", d)
	case d < min && d <= 0:
		return fmt.Errorf("must be positive, got %s", d)
	case d < min:
		return fmt.Errorf("must be at least %s, got %s", min, d)
	case d > max:
		return fmt.Errorf("must be at most %s, got %s", max, d)
	}
	return nil
}

// ParseLevel parses a --log-level value.
func ParseLevel(s string) (slog.Level, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return 0, fmt.Errorf("%q: want debug, info, warn or error", s)
	}
	return level, nil
}
