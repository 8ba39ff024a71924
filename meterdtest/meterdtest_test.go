package meterdtest_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/meterd/meterd/meterdtest"
	"github.com/meterd/meterd/node"
	"github.com/meterd/meterd/server"
)

// TestStart covers what a Server tells its test, per way of starting it.
func TestStart(t *testing.T) {
	seedFile := filepath.Join(t.TempDir(), "seed.yaml")
	seed := `accounts:
  - {id: "111111111111", name: Buyer only, access_keys: [{id: b1, secret: s1}]}
  - {id: "222222222222", name: Seller, access_keys: [{id: s2, secret: s2}]}
products:
  - {code: p, seller: "222222222222", type: SaaS, dimensions: [{name: users}]}
customers:
  - {identifier: c, aws_account_id: "111111111111"}
`
	if err := os.WriteFile(seedFile, []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		opts          []meterdtest.Option
		seller, buyer meterdtest.Credentials
	}{
		{"OK demo data", nil,
			meterdtest.Credentials{AccessKeyID: "test", SecretAccessKey: "test", AccountID: "111122223333"},
			meterdtest.Credentials{AccessKeyID: "buyer", SecretAccessKey: "buyer", AccountID: "444455556666"}},
		{"OK seed file", []meterdtest.Option{meterdtest.WithSeedFile(seedFile)},
			meterdtest.Credentials{AccessKeyID: "s2", SecretAccessKey: "s2", AccountID: "222222222222"},
			meterdtest.Credentials{AccessKeyID: "b1", SecretAccessKey: "s1", AccountID: "111111111111"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := meterdtest.Start(t, tt.opts...)
			if s.Seller != tt.seller || s.Buyer != tt.buyer {
				t.Errorf("seller %+v buyer %+v, want %+v %+v", s.Seller, s.Buyer, tt.seller, tt.buyer)
			}
			resp, err := http.Get(s.URL + "/readyz")
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("readyz: %v %v", resp, err)
			}
			resp.Body.Close()
			admin := &server.AdminClient{BaseURL: s.URL, Token: s.AdminToken}
			if _, err := admin.RotateSigningKey(context.Background()); err != nil {
				t.Fatalf("admin call with the Server's token: %v", err)
			}
		})
	}
}

// TestWithConfig: the configuration function sees Start's defaults and can
// change them.
func TestWithConfig(t *testing.T) {
	var seen node.Config
	s := meterdtest.Start(t, meterdtest.WithConfig(func(c *node.Config) {
		seen = *c
		c.AdminToken = "chosen"
	}))
	if seen.Addr != "127.0.0.1:0" || seen.DataDir != s.DataDir {
		t.Errorf("WithConfig saw %+v, want Start's address and data directory", seen)
	}
	if s.AdminToken != "chosen" {
		t.Errorf("admin token %q, want the configured one", s.AdminToken)
	}
}

// TestClose: a Server closed by its test restarts on the same data
// directory, and the cleanup then succeeds.
func TestClose(t *testing.T) {
	first := meterdtest.Start(t)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := meterdtest.Start(t, meterdtest.WithConfig(func(c *node.Config) { c.DataDir = first.DataDir }))
	if second.AdminToken != first.AdminToken {
		t.Errorf("restart on the same data directory: token %q, want %q", second.AdminToken, first.AdminToken)
	}
}
