package node

import (
	"context"
	"errors"
	"io"
	"io/fs"
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
	n := mustOpen(t, testConfig(t))
	body := []byte(`{"ProductCode":"demo-saas"}`)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, n.URL()+"/", pr)
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSMPEntitlementService.GetEntitlements")
	if err := signDemo(req, body); err != nil {
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
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- n.Run(ctx) }()
	if _, err := pw.Write(body[:5]); err != nil {
		t.Fatal(err)
	}
	shutdownStarted := make(chan struct{})
	n.http.RegisterOnShutdown(func() { close(shutdownStarted) })
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
	if _, err := http.Get(n.URL() + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}

// TestOpen covers the ways a node fails to open, and that a failed open
// leaves the data directory as it was.
func TestOpen(t *testing.T) {
	t.Run("ErrBadSeed", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "seed.yaml")
		seed := "accounts:\n  - id: \"111122223333\"\n    name: Seller\nproducts:\n  - code: p\n    seller: \"111122223333\"\n    type: Saas\n"
		if err := os.WriteFile(path, []byte(seed), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := testConfig(t)
		cfg.SeedFile = path
		_, err := Open(context.Background(), cfg, nil)
		if err == nil || !strings.Contains(err.Error(), "seed.yaml:7: products[0].type") {
			t.Fatalf("got %v, want an error naming seed.yaml:7 and products[0].type", err)
		}
	})
	t.Run("ErrInvalidConfig", func(t *testing.T) {
		cfg := testConfig(t)
		cfg.LogLevel = "loud"
		var ce *ConfigError
		if _, err := Open(context.Background(), cfg, nil); !errors.As(err, &ce) || ce.Flag != "log-level" {
			t.Fatalf("got %v, want a ConfigError for log-level", err)
		}
	})
	running := mustRun(t, testConfig(t))
	t.Run("ErrPortInUse", func(t *testing.T) {
		clash := testConfig(t)
		clash.Addr = strings.TrimPrefix(running.URL(), "http://")
		if _, err := Open(context.Background(), clash, nil); err == nil || !strings.Contains(err.Error(), "address already in use") {
			t.Fatalf("port clash: %v", err)
		}
		if _, err := os.Stat(filepath.Join(clash.DataDir, sqlite.FileName)); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("the failed start created its ledger: %v", err)
		}
	})
	t.Run("ErrDataDirInUse", func(t *testing.T) {
		shared := testConfig(t)
		shared.DataDir = running.Config().DataDir
		if _, err := Open(context.Background(), shared, nil); !errors.Is(err, sqlite.ErrLocked) {
			t.Fatalf("second meterd on one data directory: %v, want ErrLocked", err)
		}
	})
}

// TestClose: Close works before Run, twice, and ends a running Run.
func TestClose(t *testing.T) {
	t.Run("OK before Run", func(t *testing.T) {
		n, err := Open(context.Background(), testConfig(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Close(); err != nil {
			t.Fatal(err)
		}
		if err := n.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if err := n.Run(context.Background()); err != nil {
			t.Fatalf("Run after Close: %v, want an immediate nil", err)
		}
	})
	t.Run("OK ends Run", func(t *testing.T) {
		n, err := Open(context.Background(), testConfig(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- n.Run(context.Background()) }()
		if err := n.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}
	})
}

// TestAdminTokenFile: without a configured token, a node writes one into
// the data directory (mode 0600) and reuses it on the next start.
func TestAdminTokenFile(t *testing.T) {
	cfg := testConfig(t)
	cfg.AdminToken = ""
	first, err := Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(cfg.DataDir, AdminTokenFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("admin token file: %v %v, want mode 0600", info, err)
	}
	second := mustOpen(t, cfg)
	if second.AdminToken() != first.AdminToken() || first.AdminToken() == "" {
		t.Fatalf("token changed across restarts: %q then %q", first.AdminToken(), second.AdminToken())
	}
}
