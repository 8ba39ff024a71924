package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd/store/sqlite"
)

// TestGracefulShutdownFinishesInFlight starts a request, begins the
// shutdown while its body is still arriving, and checks that the request
// is answered and then the server stops.
func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Addr, cfg.DataDir, cfg.AdminToken = "127.0.0.1:0", t.TempDir(), "x"
	a, err := start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"ProductCode":"demo-saas"}`)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, a.URL()+"/", pr)
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSMPEntitlementService.GetEntitlements")
	if err := signRequest(req, body, sellerKey, testRegion, time.Now()); err != nil {
		t.Fatal(err)
	}
	// With Expect: 100-continue the client sends the body only once the
	// handler reads it, so the first Write below returns after the
	// request is in flight on the server.
	req.Header.Set("Expect", "100-continue")
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	answered := make(chan string, 1)
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			answered <- err.Error()
			return
		}
		resp.Body.Close()
		answered <- resp.Status
	}()
	if _, err := pw.Write(body[:5]); err != nil {
		t.Fatal(err)
	}
	shutdownStarted := make(chan struct{})
	a.http.RegisterOnShutdown(func() { close(shutdownStarted) })
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- a.wait(ctx) }()
	cancel()
	<-shutdownStarted // the rest of the body arrives during the shutdown
	if _, err := pw.Write(body[5:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if status := <-answered; status != "200 OK" {
		t.Fatalf("in-flight request: %s, want 200 OK", status)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if _, err := http.Get(a.URL() + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}

// TestBadSeedFailsStartup names the file, line and field.
func TestBadSeedFailsStartup(t *testing.T) {
	path := writeSeed(t, `
accounts:
  - id: "111122223333"
    name: Seller
products:
  - code: p
    seller: "111122223333"
    type: Saas
`)
	cfg := DefaultConfig()
	cfg.Addr, cfg.DataDir, cfg.SeedFile = "127.0.0.1:0", t.TempDir(), path
	_, err := start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "seed.yaml:7: products[0].type") {
		t.Fatalf("got %v, want an error naming seed.yaml:7 and products[0].type", err)
	}
}

// TestServeCommand runs `meterd serve` through run() as main does, with
// environment variables, and stops it with its context.
func TestServeCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	env := map[string]string{"METERD_ADDR": "127.0.0.1:0", "METERD_DATA": t.TempDir(), "METERD_LOG_LEVEL": "warn"}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, pw, io.Discard, func(k string) string { return env[k] })
		pw.Close()
	}()
	banner, url := readBanner(t, pr)
	if !strings.Contains(banner, "aws meteringmarketplace meter-usage --endpoint-url "+url) {
		t.Errorf("banner has no ready-to-paste CLI line:\n%s", banner)
	}
	resp, err := http.Get(url + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}

// TestConfigValidate names the bad flag.
func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   string
	}{
		{"bad address", func(c *Config) { c.Addr = "nohost" }, "--addr"},
		{"empty data", func(c *Config) { c.DataDir = "" }, "--data"},
		{"bad log level", func(c *Config) { c.LogLevel = "loud" }, "--log-level"},
		{"zero batch window", func(c *Config) { c.BatchWindow = 0 }, "--batch-window"},
		{"negative month-end grace", func(c *Config) { c.MonthEndGrace = -time.Hour }, "--month-end-grace"},
		{"month-end grace over a day", func(c *Config) { c.MonthEndGrace = 25 * time.Hour }, "--month-end-grace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.modify(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error naming %s", err, tt.want)
			}
		})
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
}

// readBanner reads the start-up banner up to the CLI example and returns it
// with the URL meterd listens on; the rest of r is drained.
func readBanner(t *testing.T, r io.Reader) (banner, url string) {
	t.Helper()
	lines := bufio.NewScanner(r)
	var b strings.Builder
	for lines.Scan() {
		b.WriteString(lines.Text() + "\n")
		if _, rest, ok := strings.Cut(lines.Text(), " listening on "); ok {
			url, _, _ = strings.Cut(rest, " ")
		}
		if strings.Contains(lines.Text(), "aws meteringmarketplace") {
			go func() { _, _ = io.Copy(io.Discard, r) }()
			return b.String(), url
		}
	}
	t.Fatalf("no complete banner:\n%s", b.String())
	return "", ""
}

// TestReseedRevokesKeys restarts a data directory of the demo data with a
// seed that does not list the demo keys: they must stop signing, while the
// ledger keeps what was recorded.
func TestReseedRevokesKeys(t *testing.T) {
	dir := t.TempDir()
	first := startServer(t, "", func(c *Config) { c.DataDir = dir })
	r := first.jsonCall(t, sellerKey, testRegion, entitlementTarget+"GetEntitlements", map[string]any{"ProductCode": "demo-saas"})
	if r.Status != http.StatusOK {
		t.Fatalf("demo key before the re-seed: %d %s", r.Status, r.Body)
	}
	if err := first.shutdown(); err != nil {
		t.Fatal(err)
	}
	seed := writeSeed(t, `
accounts:
  - {id: "999900001111", name: Other seller, access_keys: [{id: other, secret: other}]}
`)
	second := startServer(t, seed, func(c *Config) { c.DataDir = dir })
	r = second.jsonCall(t, sellerKey, testRegion, entitlementTarget+"GetEntitlements", map[string]any{"ProductCode": "demo-saas"})
	assertAWSError(t, r, http.StatusBadRequest, "UnrecognizedClientException")
}

// TestFailedStartChangesNothing: a start that cannot bind its port leaves
// its ledger untouched, and a second meterd on a data directory in use is
// refused before it reads anything.
func TestFailedStartChangesNothing(t *testing.T) {
	running := startServer(t, "")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	clash := DefaultConfig()
	clash.Addr, clash.DataDir = running.listener.Addr().String(), t.TempDir()
	if _, err := start(context.Background(), clash, quiet); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("port clash: %v", err)
	}
	if _, err := os.Stat(filepath.Join(clash.DataDir, sqlite.FileName)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the failed start created its ledger: %v", err)
	}

	shared := DefaultConfig()
	shared.Addr, shared.DataDir = "127.0.0.1:0", running.cfg.DataDir
	if _, err := start(context.Background(), shared, quiet); !errors.Is(err, sqlite.ErrLocked) {
		t.Fatalf("second meterd on one data directory: %v, want ErrLocked", err)
	}
}

// TestExitCodes: usage mistakes exit 2, failures 1, success and -h 0.
func TestExitCodes(t *testing.T) {
	noEnv := func(string) string { return "" }
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"no command", nil, 2},
		{"unknown command", []string{"frobnicate"}, 2},
		{"unknown flag", []string{"serve", "--nope"}, 2},
		{"invalid flag value", []string{"serve", "--log-level", "loud"}, 2},
		{"help", []string{"serve", "-h"}, 0},
		{"version", []string{"version"}, 0},
		{"seed check of a missing file", []string{"seed", "check", "/nonexistent/seed.yaml"}, 1},
		{"admin call to nobody", []string{"admin", "keys", "rotate", "--url", "http://127.0.0.1:1", "--admin-token", "x"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, io.Discard, io.Discard, noEnv)
			if got := exitCode(err); got != tt.want {
				t.Fatalf("exit code %d (%v), want %d", got, err, tt.want)
			}
		})
	}
}
