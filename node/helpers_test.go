package node

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/meterd/meterd/store/sqlite/sqlitetest"
)

// testConfig is the default configuration on a free port and a temporary
// data directory.
func testConfig(t testing.TB) Config {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Addr, cfg.DataDir, cfg.AdminToken = "127.0.0.1:0", t.TempDir(), "x"
	return cfg
}

// mustOpen opens a node on cfg and closes it when the test ends.
func mustOpen(t testing.TB, cfg Config) *Node {
	t.Helper()
	n, err := Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return n
}

// mustRun opens a node on cfg and runs it until the test ends.
func mustRun(t testing.TB, cfg Config) *Node {
	t.Helper()
	n := mustOpen(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return n
}

// signDemo signs req as the demo seller, as an AWS SDK would.
func signDemo(req *http.Request, body []byte) error {
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	return v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]),
		"aws-marketplace", "us-east-1", time.Now())
}

// armOn is a log handler that arms ctx when a record with message is
// logged, and discards everything.
type armOn struct {
	slog.Handler
	message string
	ctx     *sqlitetest.CountdownContext
}

func (h armOn) Enabled(context.Context, slog.Level) bool { return true }

func (h armOn) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.message {
		h.ctx.Arm()
	}
	return nil
}

// writeSeed writes a seed of one SaaS product with buyers customers, each
// with one active subscription of two entitlements. Identifiers, accounts
// and licenses are random, as real ones are, so that index inserts land
// anywhere rather than at the end.
func writeSeed(tb testing.TB, dir string, buyers int) string {
	tb.Helper()
	path := filepath.Join(dir, fmt.Sprintf("seed-%d.yaml", buyers))
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	fmt.Fprint(w, `accounts:
  - id: "111122223333"
    name: seller
    access_keys:
      - {id: test, secret: test}
products:
  - code: bench-saas
    seller: "111122223333"
    type: SaaS
    dimensions: [{name: users}, {name: api_calls}]
customers:
`)
	rng := rand.New(rand.NewPCG(uint64(buyers), 9))
	ids := make([]string, buyers)
	accounts := make(map[int64]bool, buyers)
	for i := range buyers {
		account := 100000000000 + rng.Int64N(900000000000)
		for accounts[account] {
			account = 100000000000 + rng.Int64N(900000000000)
		}
		accounts[account] = true
		ids[i] = fmt.Sprintf("c%016x%08x", rng.Uint64(), i)
		fmt.Fprintf(w, "  - {identifier: %s, aws_account_id: \"%d\"}\n", ids[i], account)
	}
	fmt.Fprint(w, "subscriptions:\n")
	for i := range buyers {
		fmt.Fprintf(w, "  - product: bench-saas\n    customer: %s\n    license_arn: arn:aws:license-manager::111122223333:license:l-%016x%016x\n"+
			"    entitlements: [{dimension: users, integer: %d}, {dimension: api_calls, integer: %d}]\n",
			ids[i], rng.Uint64(), rng.Uint64(), 1+i%50, 1000*(1+i%7))
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	return path
}
