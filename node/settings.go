package node

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/meterd/meterd/sim"
)

// Setting is one user-settable field of Config: its flag, its environment
// variable and its help text. The one table, Settings, drives `meterd
// serve`'s flags, the environment and the help, so that adding a setting is
// a Config field and one row.
type Setting struct {
	Flag string // without dashes: "batch-window"
	Env  string // "METERD_BATCH_WINDOW"
	// Help is the flag's help; a `quoted` word names its value in
	// `meterd help serve`, as package flag does.
	Help string
	// Value binds the setting to a field of c; its Set parses a flag or
	// variable value, and its String is the field's value.
	Value func(c *Config) flag.Value
}

// settings is the table. Env is spelled out, not derived, so that a grep
// for a variable finds its row.
var settings = []Setting{
	{"addr", "METERD_ADDR", "listen `host:port`; port 0 picks a free port",
		stringField(func(c *Config) *string { return &c.Addr })},
	{"data", "METERD_DATA", "data `directory` of the ledger",
		stringField(func(c *Config) *string { return &c.DataDir })},
	{"store", "METERD_STORE", "ledger `URL` of a PostgreSQL database (postgres://user:pass@host/db) shared by several nodes; empty: SQLite in --data",
		stringField(func(c *Config) *string { return &c.Store })},
	{"seed", "METERD_SEED", "seed `file` (YAML) applied at start-up; built-in demo data when empty",
		stringField(func(c *Config) *string { return &c.SeedFile })},
	{"log-level", "METERD_LOG_LEVEL", "log `level`: debug, info, warn or error",
		stringField(func(c *Config) *string { return &c.LogLevel })},
	{"admin-token", "METERD_ADMIN_TOKEN", "bearer `token` of the admin API; generated into DATA/admin-token when empty",
		stringField(func(c *Config) *string { return &c.AdminToken })},
	{"batch-window", "METERD_BATCH_WINDOW", "maximum age of a BatchMeterUsage record, a `duration`: 24h (AWS today) or 6h (legacy)",
		durationField(func(c *Config) *time.Duration { return &c.BatchWindow })},
	{"month-end-grace", "METERD_MONTH_END_GRACE", "the `duration` into the 1st (UTC) during which BatchMeterUsage accepts last month's usage; 0 turns the rule off",
		durationField(func(c *Config) *time.Duration { return &c.MonthEndGrace })},
	{"unsubscribe-delay", "METERD_UNSUBSCRIBE_DELAY", "how long, on the business clock, an unsubscribe stays pending (final records still accepted) before unsubscribe-success, a `duration`",
		durationField(func(c *Config) *time.Duration { return &c.UnsubscribeDelay })},
	{"throttle", "METERD_THROTTLE", "enforce AWS's request quotas per account and region; false turns them off",
		boolField(func(c *Config) *bool { return &c.Throttle })},
	{"metrics", "METERD_METRICS", "serve Prometheus metrics at /metrics, readable without the admin token (no secrets, no customer ids)",
		boolField(func(c *Config) *bool { return &c.Metrics })},
	{"quota", "METERD_QUOTA", "tune quotas: comma-separated `OPERATION[@ACCOUNT]=RATE[/BURST]` (requests per second), over AWS's defaults and the seed file's",
		quotasField(func(c *Config) *[]sim.Quota { return &c.QuotaOverrides })},
	{"clock", "METERD_CLOCK", "start the business `clock` at an RFC 3339 time, or a signed offset (+36h); a frozen@ prefix freezes it",
		clockField(func(c *Config) **sim.ClockSpec { return &c.Clock })},
	{"no-auth", "METERD_NO_AUTH", "DANGER: accept requests without checking SigV4 signatures",
		boolField(func(c *Config) *bool { return &c.NoAuth })},
	{"write-timeout", "METERD_WRITE_TIMEOUT", "how long a write may wait on a hung disk before the caller gets InternalServiceErrorException, a `duration`",
		durationField(func(c *Config) *time.Duration { return &c.WriteTimeout })},
	{"audit-retention", "METERD_AUDIT_RETENTION", "how long the audit trail keeps events, a `duration` (168h: a week); 0 keeps them forever",
		durationField(func(c *Config) *time.Duration { return &c.AuditRetention })},
	{"allow-reset", "METERD_ALLOW_RESET", "allow `meterd reset` (POST /admin/v1/reset) to empty the ledger, tokens, notification outbox and audit trail, keeping the catalog",
		boolField(func(c *Config) *bool { return &c.AllowReset })},
	{"public-url", "METERD_PUBLIC_URL", "`URL` at which notification subscribers reach meterd (SNS SigningCertURL, SubscribeURL); default: the listen address",
		stringField(func(c *Config) *string { return &c.PublicURL })},
	{"notify-retry", "METERD_NOTIFY_RETRY", "delay before a failed notification's first retry, a `duration`; it doubles per failure, up to 10m",
		durationField(func(c *Config) *time.Duration { return &c.NotifyRetry })},
	{"max-conns", "METERD_MAX_CONNS", "cap on concurrent connections, a `number`; beyond it new ones wait to be accepted; 0: no cap",
		intField(func(c *Config) *int { return &c.Limits.MaxConns })},
	{"max-buffered-bytes", "METERD_MAX_BUFFERED_BYTES", "request body `bytes` held at once by all requests together; beyond it, ThrottlingException",
		intField(func(c *Config) *int64 { return &c.Limits.MaxBufferedBytes })},
	{"buffer-wait", "METERD_BUFFER_WAIT", "how long a request waits for room in the body budget, a `duration`",
		durationField(func(c *Config) *time.Duration { return &c.Limits.BufferWait })},
	{"body-read-timeout", "METERD_BODY_READ_TIMEOUT", "how long a request body may take to arrive, a `duration`",
		durationField(func(c *Config) *time.Duration { return &c.Limits.BodyReadTimeout })},
	{"read-header-timeout", "METERD_READ_HEADER_TIMEOUT", "how long a request's head may take to arrive, a `duration`",
		durationField(func(c *Config) *time.Duration { return &c.Limits.ReadHeaderTimeout })},
	{"idle-timeout", "METERD_IDLE_TIMEOUT", "how long an idle keep-alive connection stays open, a `duration`",
		durationField(func(c *Config) *time.Duration { return &c.Limits.IdleTimeout })},
}

// Settings returns the table of settings, in the order of `meterd serve -h`.
func Settings() []Setting { return append([]Setting(nil), settings...) }

// envName is the variable of a flag, for errors about fields.
func envName(flag string) string {
	for _, s := range settings {
		if s.Flag == flag {
			return s.Env
		}
	}
	return "METERD_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// ApplyEnv sets every field whose variable getenv returns non-empty. It
// reports every bad value, each named by its variable.
func (c *Config) ApplyEnv(getenv func(string) string) error {
	var errs []error
	for _, s := range settings {
		v := getenv(s.Env)
		if v == "" {
			continue
		}
		if err := s.Value(c).Set(v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Env, err))
		}
	}
	return errors.Join(errs...)
}

// BindFlags defines a flag on fs for every setting, bound to c, so that
// parsing fs sets c. Call it after ApplyEnv: a flag wins over a variable.
func (c *Config) BindFlags(fs *flag.FlagSet) {
	for _, s := range settings {
		fs.Var(s.Value(c), s.Flag, s.Help+" ("+s.Env+")")
	}
}

// The flag.Value types share one parser per type with the environment.
// Their errors leave out the value's source: flag and ApplyEnv add it.

type stringValue struct{ p *string }

func stringField(field func(*Config) *string) func(*Config) flag.Value {
	return func(c *Config) flag.Value { return stringValue{field(c)} }
}

func (v stringValue) Set(s string) error { *v.p = s; return nil }
func (v stringValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

type intValue[T int | int64] struct{ p *T }

func intField[T int | int64](field func(*Config) *T) func(*Config) flag.Value {
	return func(c *Config) flag.Value { return intValue[T]{field(c)} }
}

func (v intValue[T]) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || int64(T(n)) != n {
		return fmt.Errorf("invalid integer %q", s)
	}
	*v.p = T(n)
	return nil
}

func (v intValue[T]) String() string {
	if v.p == nil {
		return "0"
	}
	return strconv.FormatInt(int64(*v.p), 10)
}

type durationValue struct{ p *time.Duration }

func durationField(field func(*Config) *time.Duration) func(*Config) flag.Value {
	return func(c *Config) flag.Value { return durationValue{field(c)} }
}

func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q", s)
	}
	*v.p = d
	return nil
}

func (v durationValue) String() string {
	if v.p == nil {
		return "0s"
	}
	return v.p.String()
}

type boolValue struct{ p *bool }

func boolField(field func(*Config) *bool) func(*Config) flag.Value {
	return func(c *Config) flag.Value { return boolValue{field(c)} }
}

// Set accepts what strconv.ParseBool accepts (1, t, true, 0, f, false, …),
// for flags and variables alike.
func (v boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("invalid boolean %q", s)
	}
	*v.p = b
	return nil
}

func (v boolValue) String() string { return strconv.FormatBool(v.p != nil && *v.p) }

// IsBoolFlag lets --throttle stand for --throttle=true.
func (v boolValue) IsBoolFlag() bool { return true }
