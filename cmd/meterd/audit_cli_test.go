package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAuditCommands runs the audit and calls commands against a server.
func TestAuditCommands(t *testing.T) {
	s := startServer(t, "")
	env := map[string]string{"METERD_URL": s.URL, "METERD_ADMIN_TOKEN": s.AdminToken}
	cli := func(args ...string) (string, error) {
		var out, stderr bytes.Buffer
		err := run(context.Background(), args, &out, &stderr, func(k string) string { return env[k] })
		return out.String() + stderr.String(), err
	}
	s.mintToken(t, "demo-saas", "demo-customer", time.Hour)

	t.Run("OK calls wait", func(t *testing.T) {
		out, err := cli("calls", "wait", "--operation", "CreateRegistrationToken", "--since", "1h", "--timeout", "10s")
		if err != nil || !strings.HasPrefix(out, "1 calls, 1 records\n") || !strings.Contains(out, "CreateRegistrationToken") {
			t.Fatalf("%v\n%s", err, out)
		}
	})
	t.Run("ErrTimeout calls wait", func(t *testing.T) {
		// 2s, not less: a poll answers within the last tenth of the timeout, which
		// must cover a query of a database server (PostgreSQL) on a busy machine.
		_, err := cli("calls", "wait", "--operation", "CreateRegistrationToken", "--min", "2", "--timeout", "2s")
		if err == nil || err.Error() != "1 of 2 matching calls arrived: context deadline exceeded" || exitCode(err, io.Discard) != 1 {
			t.Fatalf("got %v, want 1 of 2 arrived, exit 1", err)
		}
	})
	t.Run("OK audit list", func(t *testing.T) {
		out, err := cli("audit", "list", "--event", "CreateRegistrationToken")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if err != nil || len(lines) != 2 || !strings.HasPrefix(lines[0], "TIME ") || !strings.Contains(lines[1], "CreateRegistrationToken") {
			t.Fatalf("%v\n%s", err, out)
		}
	})
	t.Run("OK audit export", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "trail.json.gz")
		if out, err := cli("audit", "export", "--event", "CreateRegistrationToken", "--out", file); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		var trail struct{ Records []map[string]any }
		if err := json.NewDecoder(zr).Decode(&trail); err != nil || len(trail.Records) != 1 ||
			trail.Records[0]["eventName"] != "CreateRegistrationToken" {
			t.Fatalf("export: %v %v", err, trail.Records)
		}
	})
}
