package node

import (
	"context"
	"fmt"
	"testing"
)

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
				if _, err := loadSeed(path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
