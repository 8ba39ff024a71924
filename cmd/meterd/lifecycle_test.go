package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/meterd/meterd/node"
)

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
	first := startServer(t, "", func(c *node.Config) { c.DataDir = dir })
	r := first.jsonCall(t, sellerKey, testRegion, entitlementTarget+"GetEntitlements", map[string]any{"ProductCode": "demo-saas"})
	if r.Status != http.StatusOK {
		t.Fatalf("demo key before the re-seed: %d %s", r.Status, r.Body)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	seed := writeSeed(t, `
accounts:
  - {id: "999900001111", name: Other seller, access_keys: [{id: other, secret: other}]}
`)
	second := startServer(t, seed, func(c *node.Config) { c.DataDir = dir })
	r = second.jsonCall(t, sellerKey, testRegion, entitlementTarget+"GetEntitlements", map[string]any{"ProductCode": "demo-saas"})
	assertAWSError(t, r, http.StatusBadRequest, "UnrecognizedClientException")
}
