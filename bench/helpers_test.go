package bench

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"
)

// testBuyers keeps the fixture small, so that a spawned meterd loads its
// seed quickly.
const testBuyers = 20

// startFloor runs a floor on a free port until the test ends; durable
// makes it append to a file in the test's directory.
func startFloor(t testing.TB, f *Fixture, durable bool) string {
	t.Helper()
	cfg := FloorConfig{Fixture: f}
	if durable {
		cfg.AppendFile = filepath.Join(t.TempDir(), "records.tsv")
	}
	fl, err := NewFloor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fl.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("floor: %v", err)
		}
		if err := fl.Close(); err != nil {
			t.Errorf("floor close: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// startMeterd spawns a meterd with f until the test ends.
func startMeterd(t testing.TB, f *Fixture) *Spawned {
	t.Helper()
	s, err := Spawn(context.Background(), f, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("meterd: %v", err)
		}
	})
	return s
}

// shortRun is a run of a fraction of a second: enough for every worker to
// send several requests.
func shortRun(url, scenario string, f *Fixture) Config {
	return Config{URL: url, Scenario: scenario, Concurrency: 4, Duration: 100 * time.Millisecond,
		Warmup: 20 * time.Millisecond, Region: "us-east-1", Fixture: f, RegistrationTokens: []string{"t"}}
}
