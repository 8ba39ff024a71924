package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/sim"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := meterd.ClockFunc(func() time.Time { return now })
	l := NewLimiter(map[string]Quota{"MeterUsage": {Rate: 2, Burst: 3}}, clock)

	steps := []struct {
		name    string
		advance time.Duration
		account string
		op      string
		want    string // error code, "" for allowed
	}{
		{"burst 1", 0, "a", "MeterUsage", ""},
		{"burst 2", 0, "a", "MeterUsage", ""},
		{"burst 3", 0, "a", "MeterUsage", ""},
		{"bucket empty", 0, "a", "MeterUsage", meterd.EThrottling},
		{"other account has its own bucket", 0, "b", "MeterUsage", ""},
		{"operation without quota", 0, "a", "ResolveCustomer", ""},
		{"half a second refills one token", 500 * time.Millisecond, "a", "MeterUsage", ""},
		{"and only one", 0, "a", "MeterUsage", meterd.EThrottling},
		{"refill is capped at burst", time.Hour, "a", "MeterUsage", ""},
		{"cap 2", 0, "a", "MeterUsage", ""},
		{"cap 3", 0, "a", "MeterUsage", ""},
		{"cap exceeded", 0, "a", "MeterUsage", meterd.EThrottling},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		err := l.Allow(s.account, "us-east-1", s.op)
		if got := meterd.ErrorCode(err); got != s.want {
			t.Fatalf("%s: got %q, want %q", s.name, got, s.want)
		}
	}
}

func TestNilLimiterAllows(t *testing.T) {
	var l *Limiter
	if err := l.Allow("a", "us-east-1", "MeterUsage"); err != nil {
		t.Fatalf("nil limiter: %v", err)
	}
}

// TestLimiterForgetsIdleBuckets: callers that stop calling (or regions
// invented once) do not stay in memory.
func TestLimiterForgetsIdleBuckets(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(map[string]Quota{"MeterUsage": {Rate: 10, Burst: 10}}, meterd.ClockFunc(func() time.Time { return now }))
	for i := range 10 * minSweep {
		now = now.Add(time.Millisecond)
		if err := l.Allow("a", fmt.Sprintf("region-%d", i), "MeterUsage"); err != nil {
			t.Fatal(err)
		}
	}
	if n := l.Len(); n > 2*minSweep {
		t.Fatalf("%d buckets kept for %d one-off callers, want at most %d", n, 10*minSweep, 2*minSweep)
	}
}

// TestLimiterClockBackwards: a wall clock stepping back does not throttle.
func TestLimiterClockBackwards(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(map[string]Quota{"MeterUsage": {Rate: 1, Burst: 1}}, meterd.ClockFunc(func() time.Time { return now }))
	if err := l.Allow("a", "us-east-1", "MeterUsage"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(-time.Hour)
	_ = l.Allow("a", "us-east-1", "MeterUsage") // the bucket is still empty
	now = now.Add(time.Second)
	if err := l.Allow("a", "us-east-1", "MeterUsage"); err != nil {
		t.Fatalf("one second after the clock stepped back an hour: %v", err)
	}
}

func TestLimiterTune(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(map[string]Quota{"MeterUsage": {Rate: 10, Burst: 10}}, meterd.ClockFunc(func() time.Time { return now }))
	steps := []struct {
		name    string
		change  func() error
		account string
		want    []string // codes of consecutive calls
	}{
		{"OK default burst", nil, "a", []string{"", "", ""}},
		{"OK override for every account", func() error { return l.SetQuota(sim.Quota{Operation: "MeterUsage", Rate: 1}) }, "a", []string{"", meterd.EThrottling}},
		{"OK account override wins", func() error {
			return l.SetQuota(sim.Quota{Operation: "MeterUsage", Account: "b", Rate: 1, Burst: 3})
		}, "b", []string{"", "", "", meterd.EThrottling}},
		{"OK other accounts keep the general override", nil, "c", []string{"", meterd.EThrottling}},
		{"OK reset the general override", func() error { return l.ResetQuota("MeterUsage", "") }, "a", []string{"", "", ""}},
		{"ErrResetTwice", func() error {
			if err := l.ResetQuota("MeterUsage", ""); meterd.ErrorCode(err) != meterd.ENotFound {
				return fmt.Errorf("second reset: %v", err)
			}
			return nil
		}, "b", nil},
		{"ErrInvalidQuota", func() error {
			if err := l.SetQuota(sim.Quota{Operation: "MeterUsage", Rate: -1}); meterd.ErrorCode(err) != meterd.EInvalid {
				return fmt.Errorf("negative rate: %v", err)
			}
			return nil
		}, "b", []string{"", "", "", meterd.EThrottling}},
	}
	for _, s := range steps {
		if s.change != nil {
			if err := s.change(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		for i, want := range s.want {
			if got := meterd.ErrorCode(l.Allow(s.account, "us-east-1", "MeterUsage")); got != want {
				t.Fatalf("%s: call %d: got %q, want %q", s.name, i+1, got, want)
			}
		}
	}
}

func TestLimiterState(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(map[string]Quota{"MeterUsage": {Rate: 2, Burst: 4}}, meterd.ClockFunc(func() time.Time { return now }))
	if err := l.SetQuota(sim.Quota{Operation: "MeterUsage", Account: "b", Rate: 1}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_ = l.Allow("a", "us-east-1", "MeterUsage")
	}
	now = now.Add(250 * time.Millisecond)
	quotas, buckets := l.State()
	if len(quotas) != 2 || !quotas[0].Default || quotas[1].Account != "b" || quotas[1].Burst != 1 {
		t.Fatalf("quotas %+v", quotas)
	}
	want := BucketState{Operation: "MeterUsage", Account: "a", Region: "us-east-1", Tokens: 1.5, Rate: 2, Burst: 4, At: now}
	if len(buckets) != 1 || buckets[0] != want {
		t.Fatalf("buckets %+v, want [%+v]", buckets, want)
	}
	var off *Limiter
	if err := off.SetQuota(sim.Quota{Operation: "MeterUsage", Rate: 1}); meterd.ErrorCode(err) != meterd.EInvalid {
		t.Fatalf("tuning a nil limiter: %v", err)
	}
}
