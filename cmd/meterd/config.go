package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/meterd/meterd/metering"
	"github.com/meterd/meterd/server"
)

// Config is the configuration of meterd serve. Every field has a flag and a
// METERD_ environment variable; a flag wins over the variable.
type Config struct {
	Addr        string
	DataDir     string
	SeedFile    string
	LogLevel    string
	AdminToken  string
	NoAuth      bool
	BatchWindow time.Duration
	// MonthEndGrace is how long into the 1st (UTC) last month's usage is
	// still accepted; 0 turns the month-end rule off.
	MonthEndGrace time.Duration
	// Throttle enforces AWS's request quotas (server.DefaultQuotas).
	Throttle bool
	// Quotas replaces the default quotas (tests use tiny ones).
	Quotas map[string]server.Quota
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
	}
}

// Validate reports the first invalid field by its flag name.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr %q: %v", c.Addr, err)
	}
	if c.DataDir == "" {
		return fmt.Errorf("--data must not be empty")
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.BatchWindow <= 0 {
		return fmt.Errorf("--batch-window must be positive, got %s", c.BatchWindow)
	}
	if c.MonthEndGrace < 0 || c.MonthEndGrace > 24*time.Hour {
		return fmt.Errorf("--month-end-grace must be between 0 and 24h, got %s", c.MonthEndGrace)
	}
	return nil
}

// bindFlags registers c's flags on fs with defaults taken from the
// environment.
func (c *Config) bindFlags(fs *flag.FlagSet, getenv func(string) string) error {
	env := func(name, def string) string {
		if v := getenv("METERD_" + name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.Addr, "addr", env("ADDR", c.Addr), "listen address (METERD_ADDR); port 0 picks a free port")
	fs.StringVar(&c.DataDir, "data", env("DATA", c.DataDir), "data directory of the ledger (METERD_DATA)")
	fs.StringVar(&c.SeedFile, "seed", env("SEED", c.SeedFile), "seed file (YAML) applied at start-up; built-in demo data when empty (METERD_SEED)")
	fs.StringVar(&c.LogLevel, "log-level", env("LOG_LEVEL", c.LogLevel), "debug, info, warn or error (METERD_LOG_LEVEL)")
	fs.StringVar(&c.AdminToken, "admin-token", env("ADMIN_TOKEN", ""), "bearer token of the admin API; generated into DATA/admin-token when empty (METERD_ADMIN_TOKEN)")
	window, err := envDuration(getenv, "BATCH_WINDOW", c.BatchWindow)
	if err != nil {
		return err
	}
	fs.DurationVar(&c.BatchWindow, "batch-window", window, "how old a BatchMeterUsage record may be: 24h (AWS today) or 6h (legacy) (METERD_BATCH_WINDOW)")
	grace, err := envDuration(getenv, "MONTH_END_GRACE", c.MonthEndGrace)
	if err != nil {
		return err
	}
	fs.DurationVar(&c.MonthEndGrace, "month-end-grace", grace, "how long into the 1st (UTC) BatchMeterUsage accepts last month's usage; 0 turns the rule off (METERD_MONTH_END_GRACE)")
	throttle := env("THROTTLE", "true") != "false"
	fs.BoolVar(&c.Throttle, "throttle", throttle, "enforce AWS's request quotas per account and region; --throttle=false turns them off (METERD_THROTTLE)")
	noAuth := env("NO_AUTH", "") == "true" || env("NO_AUTH", "") == "1"
	fs.BoolVar(&c.NoAuth, "no-auth", noAuth, "DANGER: accept requests without checking SigV4 signatures (METERD_NO_AUTH=true)")
	return nil
}

// envDuration reads METERD_<name> as a duration, def when unset.
func envDuration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := getenv("METERD_" + name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("METERD_%s: %v", name, err)
	}
	return d, nil
}

func parseLevel(s string) (slog.Level, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return 0, fmt.Errorf("--log-level %q: want debug, info, warn or error", s)
	}
	return level, nil
}
