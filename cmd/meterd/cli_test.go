package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/node"
)

func noEnv(string) string { return "" }

// TestExitCodes: usage mistakes exit 2, failures 1, success and -h 0.
func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want int
	}{
		{"OK help", []string{"help"}, nil, 0},
		{"OK -h", []string{"serve", "-h"}, nil, 0},
		{"OK version", []string{"version"}, nil, 0},
		{"ErrNoCommand", nil, nil, 2},
		{"ErrUnknownCommand", []string{"frobnicate"}, nil, 2},
		{"ErrUnknownSubcommand", []string{"admin", "token", "delete"}, nil, 2},
		{"ErrGroupOnly", []string{"admin"}, nil, 2},
		{"ErrUnknownFlag", []string{"serve", "--nope"}, nil, 2},
		{"ErrBadFlagValue", []string{"serve", "--log-level", "loud"}, nil, 2},
		{"ErrBadBoolFlag", []string{"serve", "--throttle=maybe"}, nil, 2},
		{"ErrBadVariable", []string{"serve"}, map[string]string{"METERD_THROTTLE": "maybe"}, 2},
		{"ErrExtraArgument", []string{"version", "now"}, nil, 2},
		{"ErrSeedCheckNoFile", []string{"seed", "check"}, nil, 2},
		{"ErrMissingProduct", []string{"admin", "token", "create", "--customer", "c", "--token", "x"}, nil, 2},
		{"ErrSubSecondTTL", []string{"admin", "token", "create", "--product", "p", "--customer", "c", "--ttl", "10ms"}, nil, 2},
		{"ErrBadURL", []string{"admin", "keys", "rotate", "--url", "127.0.0.1:4599", "--token", "x"}, nil, 2},
		{"ErrHelpUnknown", []string{"help", "frobnicate"}, nil, 2},
		{"ErrReporterStatusNoSpool", []string{"reporter", "status"}, nil, 2},
		{"ErrReporterStatusMissingSpool", []string{"reporter", "status", "/nonexistent/spool.db"}, nil, 1},
		{"ErrSeedCheckMissingFile", []string{"seed", "check", "/nonexistent/seed.yaml"}, nil, 1},
		{"ErrNobodyListening", []string{"admin", "keys", "rotate", "--url", "http://127.0.0.1:1", "--token", "x"}, nil, 1},
		{"ErrNoTokenFile", []string{"admin", "keys", "rotate", "--data", "/nonexistent"}, nil, 1},
		{"ErrAuditListBadSince", []string{"audit", "list", "--since", "yesterday", "--token", "x"}, nil, 2},
		{"ErrAuditListBadLimit", []string{"audit", "list", "--limit", "0", "--token", "x"}, nil, 2},
		{"ErrAuditExportNoFile", []string{"audit", "export", "--out", "", "--token", "x"}, nil, 2},
		{"ErrProductsCreateNoCode", []string{"products", "create", "--seller", "111122223333", "--token", "x"}, nil, 2},
		{"ErrProductsCreateBadTarget", []string{"products", "create", "--code", "p", "--seller", "1", "--target", "sns-sqs", "--token", "x"}, nil, 2},
		{"ErrProductsShowNoCode", []string{"products", "show", "--token", "x"}, nil, 2},
		{"ErrProductsUpdateNothing", []string{"products", "update", "p", "--token", "x"}, nil, 2},
		{"ErrProductsUpdateBothTargets", []string{"products", "update", "p", "--target", "sns-sqs=http://x", "--no-targets", "--token", "x"}, nil, 2},
		{"ErrProductsListNobodyListening", []string{"products", "list", "--url", "http://127.0.0.1:1", "--token", "x"}, nil, 1},
		{"ErrCustomersCreateNoAccount", []string{"customers", "create", "--identifier", "c", "--token", "x"}, nil, 2},
		{"ErrCustomersSubscribeNoProduct", []string{"customers", "subscribe", "--customer", "c", "--token", "x"}, nil, 2},
		{"ErrCustomersSubscribeBadEntitlement", []string{"customers", "subscribe", "--product", "p", "--customer", "c", "--entitlement", "users", "--token", "x"}, nil, 2},
		{"ErrCustomersSubscribeBadLicenseEnd", []string{"customers", "subscribe", "--product", "p", "--customer", "c", "--license-end", "soon", "--token", "x"}, nil, 2},
		{"ErrCustomersUnsubscribeNoLicense", []string{"customers", "unsubscribe", "--token", "x"}, nil, 2},
		{"ErrCustomersEntitlementsSetNoLicense", []string{"customers", "entitlements", "set", "--token", "x"}, nil, 2},
		{"ErrAccountsCreateNoID", []string{"accounts", "create", "--token", "x"}, nil, 2},
		{"ErrAccessKeysCreateNoAccount", []string{"access-keys", "create", "--token", "x"}, nil, 2},
		{"ErrAccessKeysRotateNoID", []string{"access-keys", "rotate", "--token", "x"}, nil, 2},
		{"ErrResetExtraArgument", []string{"reset", "now"}, nil, 2},
		{"ErrBillBadMonth", []string{"bill", "--month", "2026-13", "--token", "x"}, nil, 2},
		{"ErrBillExtraArgument", []string{"bill", "now"}, nil, 2},
		{"ErrHealthBadSince", []string{"health", "--since", "yesterday", "--token", "x"}, nil, 2},
		{"ErrHealthExtraArgument", []string{"health", "now"}, nil, 2},
		{"ErrResetNobodyListening", []string{"reset", "--url", "http://127.0.0.1:1", "--token", "x"}, nil, 1},
		{"ErrCallsListExtraArgument", []string{"calls", "list", "now"}, nil, 2},
		{"ErrCallsWaitNoMin", []string{"calls", "wait", "--min", "0", "--token", "x"}, nil, 2},
		{"ErrCallsWaitBadTimeout", []string{"calls", "wait", "--timeout", "0s", "--token", "x"}, nil, 2},
		{"ErrCallsWaitNobodyListening", []string{"calls", "wait", "--url", "http://127.0.0.1:1", "--token", "x"}, nil, 1},
		{"ErrUsageListBadOutcome", []string{"usage", "list", "--outcome", "lost", "--token", "x"}, nil, 2},
		{"ErrUsageListBadTest", []string{"usage", "list", "--test", "maybe", "--token", "x"}, nil, 2},
		{"ErrUsageListBadSince", []string{"usage", "list", "--since", "yesterday", "--token", "x"}, nil, 2},
		{"ErrUsageSumBadPer", []string{"usage", "sum", "--per", "week", "--token", "x"}, nil, 2},
		{"ErrUsageSumBadBy", []string{"usage", "sum", "--by", "colour", "--token", "x"}, nil, 2},
		{"ErrUsageExportBadFormat", []string{"usage", "export", "--format", "xml", "--token", "x"}, nil, 2},
		{"ErrUsageListNobodyListening", []string{"usage", "list", "--url", "http://127.0.0.1:1", "--token", "x"}, nil, 1},
		{"ErrBenchUnknownScenario", []string{"bench", "--scenario", "nope"}, nil, 2},
		{"ErrBenchNoWorkers", []string{"bench", "--concurrency", "0"}, nil, 2},
		{"ErrBenchZeroDuration", []string{"bench", "--duration", "0s"}, nil, 2},
		{"ErrBenchNegativeWarmup", []string{"bench", "--warmup", "-1s"}, nil, 2},
		{"ErrBenchNoBuyers", []string{"bench", "--buyers", "0"}, nil, 2},
		{"ErrBenchBadURL", []string{"bench"}, map[string]string{"METERD_URL": "nohost"}, 2},
		{"ErrBenchExtraArgument", []string{"bench", "now"}, nil, 2},
		{"ErrBenchResolveWithoutAdminToken", []string{"bench", "--scenario", "resolve-customer", "--data", "/nonexistent"}, nil, 1},
		{"ErrBenchNobodyListening", []string{"bench", "--scenario", "resolve-customer", "--url", "http://127.0.0.1:1", "--token", "x"}, nil, 1},
		{"ErrBenchFixtureNoFile", []string{"bench", "fixture"}, nil, 2},
		{"ErrBenchFixtureNoBuyers", []string{"bench", "fixture", "--buyers", "0", "f.yaml"}, nil, 2},
		{"ErrBenchFixtureUnwritable", []string{"bench", "fixture", "/nonexistent/f.yaml"}, nil, 1},
		{"ErrBenchFloorFileWithoutFsync", []string{"bench", "floor", "--file", "f"}, nil, 2},
		{"ErrBenchFloorNoBuyers", []string{"bench", "floor", "--buyers", "0"}, nil, 2},
		{"ErrBenchFloorBadAddr", []string{"bench", "floor", "--addr", "nohost"}, nil, 1},
		{"ErrBenchColdStartNoRuns", []string{"bench", "cold-start", "--runs", "0"}, nil, 2},
		{"ErrClockSetNoTime", []string{"clock", "set", "--token", "x"}, nil, 2},
		{"ErrClockSetBadTime", []string{"clock", "set", "--token", "x", "tomorrow"}, nil, 2},
		{"ErrClockAdvanceBadDuration", []string{"clock", "advance", "--token", "x", "soon"}, nil, 2},
		{"ErrClockShowArgument", []string{"clock", "show", "--token", "x", "now"}, nil, 2},
		{"ErrFaultsAddNoAction", []string{"faults", "add", "--token", "x", "--operation", "MeterUsage"}, nil, 2},
		{"ErrFaultsAddUnmodeledError", []string{"faults", "add", "--token", "x", "--operation", "MeterUsage", "--error", "ExpiredTokenException"}, nil, 2},
		{"ErrFaultsDeleteNoID", []string{"faults", "delete", "--token", "x"}, nil, 2},
		{"ErrFaultsDeleteBadID", []string{"faults", "delete", "--token", "x", "one"}, nil, 2},
		{"ErrNotificationsListArgument", []string{"notifications", "list", "--token", "x", "all"}, nil, 2},
		{"ErrNotificationsListBadLimit", []string{"notifications", "list", "--token", "x", "--limit", "0"}, nil, 2},
		{"ErrNotificationsListBadPending", []string{"notifications", "list", "--token", "x", "--pending=maybe"}, nil, 2},
		{"ErrQuotasSetNoArgument", []string{"quotas", "set", "--token", "x"}, nil, 2},
		{"ErrQuotasSetBad", []string{"quotas", "set", "--token", "x", "MeterUsage=0"}, nil, 2},
		{"ErrQuotasResetNoArgument", []string{"quotas", "reset", "--token", "x"}, nil, 2},
		{"ErrServeBadClock", []string{"serve", "--clock", "tomorrow"}, nil, 2},
		{"ErrServeBadQuota", []string{"serve", "--quota", "MeterUsage"}, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, io.Discard, io.Discard, func(k string) string { return tt.env[k] })
			if got := exitCode(err, io.Discard); got != tt.want {
				t.Fatalf("exit code %d (%v), want %d", got, err, tt.want)
			}
		})
	}
}

// TestErrorMessages: errors name the flag or variable at fault.
func TestErrorMessages(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"ErrBadVariable", []string{"serve"}, map[string]string{"METERD_THROTTLE": "maybe"}, `METERD_THROTTLE: invalid boolean "maybe"`},
		{"ErrBadFlag", []string{"serve", "--throttle=maybe"}, nil, `invalid boolean value "maybe" for -throttle`},
		{"ErrInvalidSetting", []string{"serve", "--month-end-grace", "25h"}, nil, "--month-end-grace (METERD_MONTH_END_GRACE): must be at most 24h"},
		{"ErrUnknownSubcommand", []string{"admin", "token", "delete", "--x"}, nil, `unknown command "admin token delete"`},
		{"ErrBadURL", []string{"admin", "keys", "rotate"}, map[string]string{"METERD_URL": "nohost"}, `--url (METERD_URL) "nohost"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, io.Discard, io.Discard, func(k string) string { return tt.env[k] })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestCommandUsage: every command has a usage line with its full name, a
// --json flag, a page in docs/cli.md, and -h prints its usage.
func TestCommandUsage(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range commands() {
		t.Run(c.name(), func(t *testing.T) {
			var help, stderr bytes.Buffer
			if err := run(context.Background(), append([]string{"help"}, strings.Fields(c.name())...), &help, io.Discard, noEnv); err != nil {
				t.Fatal(err)
			}
			if want := "Usage: meterd " + c.name() + " "; !strings.HasPrefix(help.String(), want) {
				t.Errorf("help starts %q, want %q", firstLine(help.String()), want)
			}
			if !strings.Contains(help.String(), "-json") {
				t.Errorf("no --json flag:\n%s", help.String())
			}
			err := run(context.Background(), append(strings.Fields(c.name()), "-h"), io.Discard, &stderr, noEnv)
			if exitCode(err, io.Discard) != 0 || stderr.String() != help.String() {
				t.Errorf("-h: %v\n%s\nwant the help text", err, stderr.String())
			}
			if !strings.Contains(string(doc), "## meterd "+c.name()+"\n") {
				t.Errorf("docs/cli.md has no section \"## meterd %s\"", c.name())
			}
		})
	}
}

func firstLine(s string) string { line, _, _ := strings.Cut(s, "\n"); return line }

// TestJSONOutput: --json prints one line with the documented fields.
func TestJSONOutput(t *testing.T) {
	s := startServer(t, "", func(c *node.Config) { c.AllowReset = true })
	env := map[string]string{"METERD_URL": s.URL, "METERD_ADMIN_TOKEN": s.AdminToken}
	tests := []struct {
		name string
		args []string
		keys []string
	}{
		{"version", []string{"version", "--json"}, []string{"go", "version"}},
		{"seed check", []string{"seed", "check", "--json", "../../examples/seed.yaml"},
			[]string{"accessKeys", "accounts", "customers", "file", "products", "subscriptions"}},
		{"admin token create", []string{"admin", "token", "create", "--json", "--product", "demo-saas", "--customer", "demo-customer"},
			[]string{"customerIdentifier", "expiresAt", "productCode", "token"}},
		{"admin keys rotate", []string{"admin", "keys", "rotate", "--json"}, []string{"createdAt", "version"}},
		{"audit list", []string{"audit", "list", "--json"}, []string{"events", "nextToken"}},
		{"audit export", []string{"audit", "export", "--json", "--out", filepath.Join(t.TempDir(), "trail.json.gz")}, []string{"bytes", "file"}},
		{"calls list", []string{"calls", "list", "--json", "--operation", "MeterUsage"}, []string{"calls", "events", "met", "records"}},
		{"calls wait", []string{"calls", "wait", "--json", "--operation", "CreateRegistrationToken"}, []string{"calls", "events", "met", "records"}},
		{"usage list", []string{"usage", "list", "--json"}, []string{"nextToken", "records"}},
		{"usage sum", []string{"usage", "sum", "--json", "--by", "customer"}, []string{"by", "groups", "per"}},
		{"usage export", []string{"usage", "export", "--json", "--output", filepath.Join(t.TempDir(), "usage.csv")}, []string{"bytes", "file"}},
		{"bench fixture", []string{"bench", "fixture", "--json", "--buyers", "3", filepath.Join(t.TempDir(), "fixture.yaml")},
			[]string{"buyers", "file"}},
		{"bench", []string{"bench", "--json", "--spawn", "--buyers", "3", "--concurrency", "1", "--duration", "50ms", "--warmup", "0s"},
			[]string{"concurrency", "errors", "latencyMs", "records", "recordsPerSecond", "requests", "requestsPerSecond", "scenario", "seconds", "url"}},
		{"clock show", []string{"clock", "show", "--json"}, clockKeys},
		{"clock set", []string{"clock", "set", "--json", "--freeze", "2026-02-01T07:00:00Z"}, clockKeys},
		{"clock advance", []string{"clock", "advance", "--json", "--", "-1h"}, clockKeys},
		{"clock freeze", []string{"clock", "freeze", "--json"}, clockKeys},
		{"clock real", []string{"clock", "real", "--json"}, clockKeys},
		{"faults add", []string{"faults", "add", "--json", "--operation", "MeterUsage", "--error", "ThrottlingException", "--count", "2"},
			[]string{"count", "error", "fired", "id", "operation"}},
		{"faults list", []string{"faults", "list", "--json"}, []string{"rules"}},
		{"faults delete", []string{"faults", "delete", "--json", "1"}, []string{"deleted"}},
		{"faults clear", []string{"faults", "clear", "--json"}, []string{"deleted"}},
		{"quotas set", []string{"quotas", "set", "--json", "MeterUsage@444455556666=1/2"}, quotaKeys},
		{"quotas", []string{"quotas", "--json"}, quotaKeys},
		{"quotas reset", []string{"quotas", "reset", "--json", "MeterUsage@444455556666"}, quotaKeys},
		{"bill", []string{"bill", "--json"}, []string{"month", "products", "total"}},
		{"health", []string{"health", "--json", "--since", "2h"}, []string{"products", "since", "until"}},
		{"accounts create", []string{"accounts", "create", "--json", "--id", "999988887777", "--name", "CLI"}, []string{"id", "name", "origin"}},
		{"accounts list", []string{"accounts", "list", "--json"}, []string{"accounts"}},
		{"access-keys create", []string{"access-keys", "create", "--json", "--id", "cli-key", "--account", "999988887777"},
			[]string{"accountId", "id", "origin", "secret"}},
		{"access-keys list", []string{"access-keys", "list", "--json"}, []string{"accessKeys"}},
		{"access-keys rotate", []string{"access-keys", "rotate", "--json", "cli-key"}, []string{"accountId", "id", "origin", "secret"}},
		{"access-keys disable", []string{"access-keys", "disable", "--json", "cli-key"}, []string{"accountId", "disabled", "id", "origin"}},
		{"access-keys enable", []string{"access-keys", "enable", "--json", "cli-key"}, []string{"accountId", "id", "origin"}},
		{"products create", []string{"products", "create", "--json", "--code", "cli-saas", "--seller", "111122223333", "--dimension", "users"},
			productKeys},
		{"products list", []string{"products", "list", "--json"}, []string{"products"}},
		{"products update", []string{"products", "update", "--json", "--fulfillment-url", "http://127.0.0.1:1/register", "cli-saas"},
			productWithURLKeys},
		{"products show", []string{"products", "show", "--json", "cli-saas"}, productWithURLKeys},
		{"customers create", []string{"customers", "create", "--json", "--identifier", "cli-buyer", "--aws-account", "444455556666"},
			[]string{"awsAccountId", "identifier", "origin"}},
		{"customers list", []string{"customers", "list", "--json"}, []string{"customers"}},
		{"customers subscribe", []string{"customers", "subscribe", "--json", "--product", "cli-saas", "--customer", "cli-buyer",
			"--license", cliLicense}, []string{"event", "registerUrl", "registration", "subscription", "token"}},
		{"customers entitlements set", []string{"customers", "entitlements", "set", "--json", cliLicense, "users=5"},
			[]string{"event", "subscription"}},
		{"customers unsubscribe", []string{"customers", "unsubscribe", "--json", cliLicense}, []string{"event", "subscription"}},
		{"notifications list", []string{"notifications", "list", "--json", "--pending", "--product", "demo-saas"}, []string{"deliveries"}},
		// Last: it empties the ledger and the trail the rows above use.
		{"reset", []string{"reset", "--json"},
			[]string{"auditEvents", "clientTokens", "meteringRecords", "registrationTokens", "taskRegistrations"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(context.Background(), tt.args, &out, io.Discard, func(k string) string { return env[k] }); err != nil {
				t.Fatal(err)
			}
			assertJSONLine(t, out.String(), tt.keys)
		})
	}
	t.Run("help", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"help", "--json"}, &out, io.Discard, noEnv); err != nil {
			t.Fatal(err)
		}
		var list []commandInfo
		if err := json.Unmarshal(out.Bytes(), &list); err != nil || len(list) != len(commands()) {
			t.Fatalf("help --json: %v %s", err, out.String())
		}
	})
}

var (
	clockKeys = []string{"frozen", "now", "offset", "real"}
	quotaKeys = []string{"buckets", "quotas", "throttle"}
)

// assertJSONLine checks that out is one line holding a JSON object with
// exactly keys.
// productKeys are the fields of a product without a fulfillment URL.
var (
	productKeys        = []string{"code", "dimensions", "notificationTargets", "origin", "sellerAccountId", "type"}
	productWithURLKeys = []string{"code", "dimensions", "fulfillmentUrl", "notificationTargets", "origin", "sellerAccountId", "type"}
)

const cliLicense = "arn:aws:license-manager::111122223333:license:l-cli"

func assertJSONLine(t *testing.T, out string, keys []string) {
	t.Helper()
	var obj map[string]any
	if strings.Count(out, "\n") != 1 || json.Unmarshal([]byte(out), &obj) != nil {
		t.Fatalf("want one JSON object on one line, got %q", out)
	}
	if got := slices.Sorted(maps.Keys(obj)); !slices.Equal(got, keys) {
		t.Fatalf("keys %v, want %v", got, keys)
	}
}

// TestTextOutput: without --json, results are aligned tables.
func TestTextOutput(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"seed", "check", "../../examples/seed.yaml"}, &out, io.Discard, noEnv); err != nil {
		t.Fatal(err)
	}
	want := "FILE                      ACCOUNTS  ACCESS KEYS  PRODUCTS  CUSTOMERS  SUBSCRIPTIONS\n" +
		"../../examples/seed.yaml  2         2            3         1          3\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// TestAdminToken: client commands find the admin token in one order: the
// flag, the variable, then the data directory's token file.
func TestAdminToken(t *testing.T) {
	s := startServer(t, "", func(c *node.Config) { c.AdminToken = "" })
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"OK token file of --data", []string{"--data", s.DataDir}, nil, ""},
		{"OK token file of METERD_DATA", nil, map[string]string{"METERD_DATA": s.DataDir}, ""},
		{"OK variable", nil, map[string]string{"METERD_ADMIN_TOKEN": s.AdminToken}, ""},
		{"OK flag wins over variable", []string{"--token", s.AdminToken}, map[string]string{"METERD_ADMIN_TOKEN": "wrong"}, ""},
		{"ErrVariableWinsOverFile", []string{"--data", s.DataDir}, map[string]string{"METERD_ADMIN_TOKEN": "wrong"}, meterd.EUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"METERD_URL": s.URL}
			maps.Copy(env, tt.env)
			err := run(context.Background(), append([]string{"admin", "keys", "rotate"}, tt.args...), io.Discard, io.Discard,
				func(k string) string { return env[k] })
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("got %v, want error %q", err, tt.wantErr)
			}
		})
	}
}

// TestServeThrottleVariable: METERD_THROTTLE is parsed as a boolean, so
// "0" turns the quotas off. Observable: a burst of GetEntitlements calls,
// many times the 10/s quota, sees ThrottlingException only with quotas on.
func TestServeThrottleVariable(t *testing.T) {
	tests := []struct {
		name          string
		throttle      string
		wantThrottled bool
	}{
		{"OK unset: throttling on", "", true},
		{"OK 1: throttling on", "1", true},
		{"OK 0: throttling off", "0", false},
		{"OK false: throttling off", "false", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := serveCommandURL(t, map[string]string{"METERD_THROTTLE": tt.throttle})
			if got := burstThrottled(t, url, 60); (got > 0) != tt.wantThrottled {
				t.Fatalf("%d of 60 calls throttled; want throttling %v", got, tt.wantThrottled)
			}
		})
	}
}

// serveCommandURL runs `meterd serve --json` in-process on a free port with
// env, and stops it when the test ends.
func serveCommandURL(t *testing.T, env map[string]string) string {
	t.Helper()
	all := map[string]string{"METERD_ADDR": "127.0.0.1:0", "METERD_DATA": t.TempDir(), "METERD_LOG_LEVEL": "error"}
	maps.Copy(all, env)
	line := startCommand(t, []string{"serve", "--json"}, func(k string) string { return all[k] })
	var ready serveReady
	if err := json.Unmarshal(line, &ready); err != nil || ready.URL == "" {
		t.Fatalf("serve --json: %q %v", line, err)
	}
	return ready.URL
}

// startCommand runs a command that serves until cancelled (serve, bench
// floor) in-process, returns the first line it prints, and stops it when
// the test ends, failing the test if it then returns an error.
func startCommand(t *testing.T, args []string, getenv func(string) string) []byte {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, pw, io.Discard, getenv)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%s: %v", strings.Join(args, " "), err)
		}
	})
	line, err := bufio.NewReader(pr).ReadBytes('\n')
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if err != nil {
		t.Fatalf("%s: %q %v", strings.Join(args, " "), line, err)
	}
	return line
}

// burstThrottled sends n GetEntitlements calls from 4 clients at once and
// counts the ThrottlingExceptions.
func burstThrottled(t *testing.T, url string, n int) int {
	t.Helper()
	req := jsonRequest(sellerKey, testRegion, entitlementTarget+"GetEntitlements", map[string]any{"ProductCode": "demo-saas"})
	var mu sync.Mutex
	throttled := 0
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Go(func() {
			for i := 0; i < n/4; i++ {
				r, err := sendTo(url, req)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if strings.Contains(string(r.Body), meterd.EThrottling) {
					throttled++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return throttled
}
