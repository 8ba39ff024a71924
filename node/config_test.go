package node

import (
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd/sim"
)

// TestConfigValidate: each rule names its flag and variable.
func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   string
	}{
		{"ErrBadAddress", func(c *Config) { c.Addr = "nohost" }, "--addr (METERD_ADDR)"},
		{"ErrEmptyData", func(c *Config) { c.DataDir = "" }, "--data (METERD_DATA): must not be empty"},
		{"ErrStoreNotPostgres", func(c *Config) { c.Store = "mysql://u:secret@db/m" }, "--store (METERD_STORE): want a postgres:// or postgresql:// URL"},
		{"ErrBadLogLevel", func(c *Config) { c.LogLevel = "loud" }, `--log-level (METERD_LOG_LEVEL): "loud"`},
		{"ErrZeroBatchWindow", func(c *Config) { c.BatchWindow = 0 }, "--batch-window (METERD_BATCH_WINDOW): must be positive"},
		{"ErrNegativeGrace", func(c *Config) { c.MonthEndGrace = -time.Hour }, "--month-end-grace (METERD_MONTH_END_GRACE): must not be negative"},
		{"ErrNegativeUnsubscribeDelay", func(c *Config) { c.UnsubscribeDelay = -time.Second }, "--unsubscribe-delay (METERD_UNSUBSCRIBE_DELAY): must not be negative"},
		{"ErrGraceOverADay", func(c *Config) { c.MonthEndGrace = 25 * time.Hour }, "--month-end-grace (METERD_MONTH_END_GRACE): must be at most 24h"},
		{"ErrQuota", func(c *Config) { c.QuotaOverrides = []sim.Quota{{Operation: "MeterUsage"}} }, "--quota (METERD_QUOTA): quota rate 0: want above 0"},
		{"ErrSubMillisecondWriteTimeout", func(c *Config) { c.WriteTimeout = time.Microsecond }, "--write-timeout (METERD_WRITE_TIMEOUT): must be at least 1ms"},
		{"ErrNegativeMaxConns", func(c *Config) { c.Limits.MaxConns = -1 }, "--max-conns (METERD_MAX_CONNS): must be at least 0"},
		{"ErrBudgetUnderOneRequest", func(c *Config) { c.Limits.MaxBufferedBytes = 1 << 20 }, "--max-buffered-bytes (METERD_MAX_BUFFERED_BYTES): must be at least 1114112"},
		{"ErrNegativeBufferWait", func(c *Config) { c.Limits.BufferWait = -time.Second }, "--buffer-wait (METERD_BUFFER_WAIT): must not be negative"},
		{"ErrZeroBodyReadTimeout", func(c *Config) { c.Limits.BodyReadTimeout = 0 }, "--body-read-timeout (METERD_BODY_READ_TIMEOUT): must be positive"},
		{"ErrZeroReadHeaderTimeout", func(c *Config) { c.Limits.ReadHeaderTimeout = 0 }, "--read-header-timeout (METERD_READ_HEADER_TIMEOUT): must be positive"},
		{"ErrNegativeAuditRetention", func(c *Config) { c.AuditRetention = -time.Hour }, "--audit-retention (METERD_AUDIT_RETENTION): must not be negative"},
		{"ErrPublicURLNotHTTP", func(c *Config) { c.PublicURL = "meterd.example.com" }, `--public-url (METERD_PUBLIC_URL): must be an http(s) URL such as https://meterd.example.com, got "meterd.example.com"`},
		{"ErrNotifyRetryZero", func(c *Config) { c.NotifyRetry = 0 }, "--notify-retry (METERD_NOTIFY_RETRY): must be positive, got 0s"},
		{"ErrNotifyRetryTooLong", func(c *Config) { c.NotifyRetry = 2 * time.Hour }, "--notify-retry (METERD_NOTIFY_RETRY): must be at most 1h0m0s, got 2h0m0s"},
		{"ErrNegativeIdleTimeout", func(c *Config) { c.Limits.IdleTimeout = -time.Second }, "--idle-timeout (METERD_IDLE_TIMEOUT): must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.modify(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	t.Run("OK default", func(t *testing.T) {
		if err := DefaultConfig().Validate(); err != nil {
			t.Fatalf("default config: %v", err)
		}
	})
}

// TestApplyEnv: one row per parsing rule of the METERD_ variables.
func TestApplyEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    func(*Config) // the expected change to DefaultConfig
		wantErr string
	}{
		{"OK unset keeps defaults", nil, func(*Config) {}, ""},
		{"OK empty keeps defaults", map[string]string{"METERD_THROTTLE": ""}, func(*Config) {}, ""},
		{"OK string", map[string]string{"METERD_ADDR": "0.0.0.0:1"}, func(c *Config) { c.Addr = "0.0.0.0:1" }, ""},
		{"OK THROTTLE=0 turns throttling off", map[string]string{"METERD_THROTTLE": "0"}, func(c *Config) { c.Throttle = false }, ""},
		{"OK THROTTLE=false", map[string]string{"METERD_THROTTLE": "false"}, func(c *Config) { c.Throttle = false }, ""},
		{"OK THROTTLE=F", map[string]string{"METERD_THROTTLE": "F"}, func(c *Config) { c.Throttle = false }, ""},
		{"OK METRICS=true", map[string]string{"METERD_METRICS": "true"}, func(c *Config) { c.Metrics = true }, ""},
		{"OK NO_AUTH=1", map[string]string{"METERD_NO_AUTH": "1"}, func(c *Config) { c.NoAuth = true }, ""},
		{"OK NO_AUTH=TRUE", map[string]string{"METERD_NO_AUTH": "TRUE"}, func(c *Config) { c.NoAuth = true }, ""},
		{"OK duration", map[string]string{"METERD_BATCH_WINDOW": "6h"}, func(c *Config) { c.BatchWindow = 6 * time.Hour }, ""},
		{"OK quota", map[string]string{"METERD_QUOTA": "MeterUsage@111122223333=1/2"},
			func(c *Config) {
				c.QuotaOverrides = []sim.Quota{{Operation: "MeterUsage", Account: "111122223333", Rate: 1, Burst: 2}}
			}, ""},
		{"OK clock", map[string]string{"METERD_CLOCK": "frozen@2026-02-01T07:00:00Z"},
			func(c *Config) {
				c.Clock = &sim.ClockSpec{At: time.Date(2026, 2, 1, 7, 0, 0, 0, time.UTC), Frozen: true}
			}, ""},
		{"ErrQuota", map[string]string{"METERD_QUOTA": "MeterUsage"}, nil, `METERD_QUOTA: quota "MeterUsage": want OPERATION[@ACCOUNT]=RATE[/BURST]`},
		{"ErrClock", map[string]string{"METERD_CLOCK": "24h"}, nil, `METERD_CLOCK: invalid clock "24h": want real, an RFC 3339 time or a signed offset (+36h), optionally after frozen@`},
		{"OK int", map[string]string{"METERD_MAX_CONNS": "0"}, func(c *Config) { c.Limits.MaxConns = 0 }, ""},
		{"OK int64", map[string]string{"METERD_MAX_BUFFERED_BYTES": "134217728"}, func(c *Config) { c.Limits.MaxBufferedBytes = 128 << 20 }, ""},
		{"ErrInteger", map[string]string{"METERD_MAX_CONNS": "lots"}, nil, `METERD_MAX_CONNS: invalid integer "lots"`},
		{"ErrBoolean", map[string]string{"METERD_THROTTLE": "maybe"}, nil, `METERD_THROTTLE: invalid boolean "maybe"`},
		{"ErrBooleanYes", map[string]string{"METERD_NO_AUTH": "yes"}, nil, `METERD_NO_AUTH: invalid boolean "yes"`},
		{"ErrDuration", map[string]string{"METERD_MONTH_END_GRACE": "soon"}, nil, `METERD_MONTH_END_GRACE: invalid duration "soon"`},
		{"ErrEveryBadVariable", map[string]string{"METERD_THROTTLE": "maybe", "METERD_BATCH_WINDOW": "soon"}, nil,
			"METERD_BATCH_WINDOW: invalid duration \"soon\"\nMETERD_THROTTLE: invalid boolean \"maybe\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DefaultConfig()
			err := got.ApplyEnv(func(k string) string { return tt.env[k] })
			assertConfig(t, got, err, tt.want, tt.wantErr)
		})
	}
}

// TestBindFlags: flags parse with the same rules and win over variables.
func TestBindFlags(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    func(*Config)
		wantErr string
	}{
		{"OK flag wins over variable", map[string]string{"METERD_ADDR": "0.0.0.0:1"}, []string{"--addr", "0.0.0.0:2"},
			func(c *Config) { c.Addr = "0.0.0.0:2" }, ""},
		{"OK bare bool flag", map[string]string{"METERD_NO_AUTH": "0"}, []string{"--no-auth"}, func(c *Config) { c.NoAuth = true }, ""},
		{"OK --throttle=0", nil, []string{"--throttle=0"}, func(c *Config) { c.Throttle = false }, ""},
		{"OK quota flags add to the variable's", map[string]string{"METERD_QUOTA": "MeterUsage=1"}, []string{"--quota", "MeterUsage=2", "--quota", "RegisterUsage=3/4"},
			func(c *Config) {
				c.QuotaOverrides = []sim.Quota{{Operation: "MeterUsage", Rate: 1}, {Operation: "MeterUsage", Rate: 2}, {Operation: "RegisterUsage", Rate: 3, Burst: 4}}
			}, ""},
		{"OK clock flag wins over variable", map[string]string{"METERD_CLOCK": "+1h"}, []string{"--clock", "-1h"},
			func(c *Config) { c.Clock = &sim.ClockSpec{Offset: -time.Hour} }, ""},
		{"ErrBoolean", nil, []string{"--throttle=maybe"}, nil, `invalid boolean value "maybe" for -throttle: invalid boolean "maybe"`},
		{"ErrDuration", nil, []string{"--batch-window", "soon"}, nil, `invalid value "soon" for flag -batch-window: invalid duration "soon"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DefaultConfig()
			if err := got.ApplyEnv(func(k string) string { return tt.env[k] }); err != nil {
				t.Fatal(err)
			}
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			got.BindFlags(fs)
			err := fs.Parse(tt.args)
			assertConfig(t, got, err, tt.want, tt.wantErr)
		})
	}
}

// TestSettings: every row names its variable after its flag and binds a
// field of its own.
func TestSettings(t *testing.T) {
	bound := map[any]string{}
	for _, s := range Settings() {
		if want := "METERD_" + strings.ToUpper(strings.ReplaceAll(s.Flag, "-", "_")); s.Env != want {
			t.Errorf("--%s: variable %s, want %s", s.Flag, s.Env, want)
		}
		if s.Help == "" {
			t.Errorf("--%s has no help", s.Flag)
		}
		var c Config
		field := reflect.ValueOf(s.Value(&c)).Field(0).Pointer()
		if other, dup := bound[field]; dup {
			t.Errorf("--%s and --%s bind the same field", s.Flag, other)
		}
		bound[field] = s.Flag
	}
}

// assertConfig checks err against wantErr, or when wantErr is "", that got
// is DefaultConfig changed by want.
func assertConfig(t *testing.T, got Config, err error, want func(*Config), wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || err.Error() != wantErr {
			t.Fatalf("got error %v, want %q", err, wantErr)
		}
		return
	}
	expected := DefaultConfig()
	want(&expected)
	if err != nil || !reflect.DeepEqual(got, expected) {
		t.Fatalf("got %+v, %v; want %+v", got, err, expected)
	}
}
