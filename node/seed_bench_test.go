package node

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

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

// BenchmarkRestartSeed measures Open on a data directory that already holds
// the seed's catalog, as after a restart: parse, replace, build.
func BenchmarkRestartSeed(b *testing.B) {
	for _, buyers := range []int{2_000, 10_000, 50_000} {
		b.Run(fmt.Sprintf("buyers=%d", buyers), func(b *testing.B) {
			cfg := testConfig(b)
			cfg.SeedFile = writeSeed(b, b.TempDir(), buyers)
			n, err := Open(context.Background(), cfg, nil)
			if err != nil {
				b.Fatal(err)
			}
			n.Close()
			for b.Loop() {
				n, err := Open(context.Background(), cfg, nil)
				if err != nil {
					b.Fatal(err)
				}
				n.Close()
			}
		})
	}
}

// BenchmarkSeedParse measures reading the seed file alone.
func BenchmarkSeedParse(b *testing.B) {
	for _, buyers := range []int{2_000, 10_000, 50_000} {
		b.Run(fmt.Sprintf("buyers=%d", buyers), func(b *testing.B) {
			path := writeSeed(b, b.TempDir(), buyers)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := loadCatalog(path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
