package node

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/meterd/meterd/server"
	"github.com/meterd/meterd/sim"
)

// TestOpenSim: the seed file's simulation sections reach the node, and the
// flags win over them.
func TestOpenSim(t *testing.T) {
	seedFile := filepath.Join(t.TempDir(), "seed.yaml")
	yaml := "clock: frozen@2026-01-31T23:00:00Z\n" +
		"faults:\n  - {operation: MeterUsage, error: ThrottlingException, count: 2}\n" +
		"quotas:\n  - {operation: MeterUsage, rate: 1}\n"
	if err := os.WriteFile(seedFile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("OK seed", func(t *testing.T) {
		cfg := testConfig(t)
		cfg.SeedFile = seedFile
		n := mustOpen(t, cfg)
		if st := n.Clock().State(); !st.Frozen || !st.Now.Equal(time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC)) {
			t.Fatalf("clock %+v", st)
		}
		if rules := n.Faults().List(); len(rules) != 1 || rules[0].Count != 2 {
			t.Fatalf("faults %+v", rules)
		}
		if quotas, _ := n.Limiter().State(); !hasQuota(quotas, sim.Quota{Operation: "MeterUsage", Rate: 1, Burst: 1}) {
			t.Fatalf("quotas %+v", quotas)
		}
	})
	t.Run("OK flags win", func(t *testing.T) {
		cfg := testConfig(t)
		cfg.SeedFile = seedFile
		cfg.Clock = &sim.ClockSpec{Offset: 48 * time.Hour}
		cfg.QuotaOverrides = []sim.Quota{{Operation: "MeterUsage", Rate: 3, Burst: 6}}
		n := mustOpen(t, cfg)
		if st := n.Clock().State(); st.Frozen || st.Offset < 47*time.Hour {
			t.Fatalf("clock %+v", st)
		}
		if quotas, _ := n.Limiter().State(); !hasQuota(quotas, sim.Quota{Operation: "MeterUsage", Rate: 3, Burst: 6}) {
			t.Fatalf("quotas %+v", quotas)
		}
	})
	t.Run("OK quotas without throttling", func(t *testing.T) {
		cfg := testConfig(t)
		cfg.SeedFile, cfg.Throttle = seedFile, false
		if n := mustOpen(t, cfg); n.Limiter() != nil {
			t.Fatal("a limiter without --throttle")
		}
	})
}

func hasQuota(quotas []server.QuotaState, q sim.Quota) bool {
	for _, s := range quotas {
		if !s.Default && s.Quota == q {
			return true
		}
	}
	return false
}
