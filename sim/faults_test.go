package sim

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/meterd/meterd"
)

func TestRuleValidate(t *testing.T) {
	tests := []struct {
		name    string
		rule    Rule
		wantErr bool
	}{
		{"OK throttle everything", Rule{Error: meterd.EThrottling}, false},
		{"OK internal error on every operation", Rule{Error: meterd.EInternalServiceError}, false},
		{"OK modeled error of the operation", Rule{Operation: "ResolveCustomer", Error: meterd.EExpiredToken}, false},
		{"OK unprocessed share", Rule{Operation: "BatchMeterUsage", Unprocessed: 0.5}, false},
		{"OK drop", Rule{Operation: "MeterUsage", Drop: true}, false},
		{"OK latency alone", Rule{Latency: Duration(time.Second)}, false},
		{"OK latency with an error", Rule{Latency: Duration(time.Second), Error: meterd.EThrottling}, false},
		{"OK probability, count and ttl", Rule{Error: meterd.EThrottling, Probability: 0.3, Count: 2, TTL: Duration(time.Minute)}, false},
		{"OK message with error", Rule{Error: meterd.EThrottling, Message: "slow down"}, false},
		{"ErrUnknownOperation", Rule{Operation: "MeterUsages", Error: meterd.EThrottling}, true},
		{"ErrNoAction", Rule{Operation: "MeterUsage"}, true},
		{"ErrTwoActions", Rule{Operation: "BatchMeterUsage", Unprocessed: 0.5, Drop: true}, true},
		{"ErrErrorNotModeledForOperation", Rule{Operation: "MeterUsage", Error: meterd.EExpiredToken}, true},
		{"ErrErrorNotCommonToEveryOperation", Rule{Error: meterd.ETimestampOutOfBounds}, true},
		{"ErrUnmodeledError", Rule{Error: meterd.EValidation}, true},
		{"ErrUnprocessedWithoutBatch", Rule{Unprocessed: 0.5}, true},
		{"ErrUnprocessedAboveOne", Rule{Operation: "BatchMeterUsage", Unprocessed: 1.5}, true},
		{"ErrUnprocessedNegative", Rule{Operation: "BatchMeterUsage", Unprocessed: -0.5}, true},
		{"ErrLatencyTooLong", Rule{Latency: Duration(MaxLatency + time.Second)}, true},
		{"ErrLatencyNegative", Rule{Latency: Duration(-time.Second)}, true},
		{"ErrMessageWithoutError", Rule{Drop: true, Message: "x"}, true},
		{"ErrMessageTooLong", Rule{Error: meterd.EThrottling, Message: string(make([]byte, MaxMessage+1))}, true},
		{"ErrProbabilityAboveOne", Rule{Error: meterd.EThrottling, Probability: 1.01}, true},
		{"ErrCountNegative", Rule{Error: meterd.EThrottling, Count: -1}, true},
		{"ErrTTLNegative", Rule{Error: meterd.EThrottling, TTL: Duration(-time.Second)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rule.Validate()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Validate() = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && meterd.ErrorCode(err) != meterd.EInvalid {
				t.Fatalf("code %q, want %q", meterd.ErrorCode(err), meterd.EInvalid)
			}
		})
	}
}

func TestFaultsMatch(t *testing.T) {
	call := Call{Operation: "MeterUsage", Product: "p1", Account: "111122223333", Region: "us-east-1"}
	tests := []struct {
		name string
		rule Rule
		call Call
		want bool
	}{
		{"OK empty fields match all", Rule{Error: meterd.EThrottling}, call, true},
		{"OK operation", Rule{Operation: "MeterUsage", Error: meterd.EThrottling}, call, true},
		{"OK product", Rule{Product: "p1", Error: meterd.EThrottling}, call, true},
		{"OK account", Rule{Account: "111122223333", Error: meterd.EThrottling}, call, true},
		{"OK region", Rule{Region: "us-east-1", Error: meterd.EThrottling}, call, true},
		{"OK every field", Rule{Operation: "MeterUsage", Product: "p1", Account: "111122223333", Region: "us-east-1", Error: meterd.EThrottling}, call, true},
		{"OK unprocessed on a batch", Rule{Operation: "BatchMeterUsage", Unprocessed: 1}, Call{Operation: "BatchMeterUsage", Records: 2}, true},
		{"ErrOtherOperation", Rule{Operation: "BatchMeterUsage", Error: meterd.EThrottling}, call, false},
		{"ErrOtherProduct", Rule{Product: "p2", Error: meterd.EThrottling}, call, false},
		{"ErrProductOfResolveCustomer", Rule{Product: "p1", Error: meterd.EThrottling}, Call{Operation: "ResolveCustomer"}, false},
		{"ErrOtherAccount", Rule{Account: "444455556666", Error: meterd.EThrottling}, call, false},
		{"ErrOtherRegion", Rule{Region: "eu-west-1", Error: meterd.EThrottling}, call, false},
		{"ErrUnprocessedOnEmptyBatch", Rule{Operation: "BatchMeterUsage", Unprocessed: 1}, Call{Operation: "BatchMeterUsage"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFaults(newWall(t0))
			mustAdd(t, f, tt.rule)
			if got := f.Match(tt.call).Injected(); got != tt.want {
				t.Fatalf("Injected() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFaultsPlan(t *testing.T) {
	t.Run("OK error with its AWS message", func(t *testing.T) {
		f := NewFaults(newWall(t0))
		mustAdd(t, f, Rule{Error: meterd.EThrottling})
		p := f.Match(Call{Operation: "MeterUsage"})
		if p.Err == nil || p.Err.Code != meterd.EThrottling || p.Err.Message != "Rate exceeded" {
			t.Fatalf("Err = %v", p.Err)
		}
	})
	t.Run("OK latencies add up, the first terminal rule wins", func(t *testing.T) {
		f := NewFaults(newWall(t0))
		mustAdd(t, f, Rule{Latency: Duration(time.Second)})
		mustAdd(t, f, Rule{Drop: true, Latency: Duration(time.Second)})
		third := mustAdd(t, f, Rule{Error: meterd.EThrottling, Count: 1})
		p := f.Match(Call{Operation: "MeterUsage"})
		if !p.Drop || p.Err != nil || p.Latency != 2*time.Second || !slices.Equal(p.Rules, []int64{1, 2}) {
			t.Fatalf("plan %+v", p)
		}
		// The skipped rule kept its one firing.
		if rules := f.List(); len(rules) != 3 || rules[2].ID != third.ID || rules[2].Fired != 0 {
			t.Fatalf("rules %+v", rules)
		}
	})
	t.Run("OK unprocessed share", func(t *testing.T) {
		f := NewFaults(newWall(t0))
		mustAdd(t, f, Rule{Operation: "BatchMeterUsage", Unprocessed: 0.25})
		p := f.Match(Call{Operation: "BatchMeterUsage", Records: 8})
		if len(p.Unprocessed) != 2 || !slices.IsSorted(p.Unprocessed) || p.Unprocessed[1] >= 8 {
			t.Fatalf("unprocessed %v", p.Unprocessed)
		}
		if p = f.Match(Call{Operation: "BatchMeterUsage", Records: 1}); len(p.Unprocessed) != 1 {
			t.Fatalf("a share of one record hands back %v", p.Unprocessed)
		}
	})
	t.Run("OK plan travels in the context", func(t *testing.T) {
		p := Plan{Rules: []int64{7}, Drop: true}
		if got := PlanFrom(WithPlan(context.Background(), p)); !got.Drop || got.Rules[0] != 7 {
			t.Fatalf("PlanFrom = %+v", got)
		}
		if PlanFrom(context.Background()).Injected() {
			t.Fatal("an empty context carries a plan")
		}
	})
	t.Run("OK nil faults inject nothing", func(t *testing.T) {
		var f *Faults
		if f.Match(Call{Operation: "MeterUsage"}).Injected() {
			t.Fatal("nil Faults injected")
		}
	})
}

func TestFaultsExpiry(t *testing.T) {
	t.Run("OK count", func(t *testing.T) {
		f := NewFaults(newWall(t0))
		mustAdd(t, f, Rule{Error: meterd.EThrottling, Count: 2})
		got := []bool{}
		for range 3 {
			got = append(got, f.Match(Call{Operation: "MeterUsage"}).Injected())
		}
		if !slices.Equal(got, []bool{true, true, false}) || len(f.List()) != 0 {
			t.Fatalf("fired %v, rules left %v", got, f.List())
		}
	})
	t.Run("OK ttl is wall time", func(t *testing.T) {
		wall := newWall(t0)
		f := NewFaults(wall)
		r := mustAdd(t, f, Rule{Error: meterd.EThrottling, TTL: Duration(time.Minute)})
		if !r.ExpiresAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("ExpiresAt %v", r.ExpiresAt)
		}
		if !f.Match(Call{}).Injected() {
			t.Fatal("fresh rule did not fire")
		}
		wall.add(time.Minute)
		if f.Match(Call{}).Injected() || len(f.List()) != 0 {
			t.Fatal("expired rule fired")
		}
	})
	t.Run("OK delete and clear", func(t *testing.T) {
		f := NewFaults(newWall(t0))
		a := mustAdd(t, f, Rule{Error: meterd.EThrottling})
		mustAdd(t, f, Rule{Drop: true})
		if err := f.Delete(a.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.Delete(a.ID); meterd.ErrorCode(err) != meterd.ENotFound {
			t.Fatalf("second delete: %v", err)
		}
		if n := f.Clear(); n != 1 || len(f.List()) != 0 {
			t.Fatalf("Clear() = %d, left %v", n, f.List())
		}
	})
}

// TestFaultsDeterministic checks that a seeded rule fires on the same calls
// in every run, which is what makes a test with a probability repeatable.
func TestFaultsDeterministic(t *testing.T) {
	run := func(seed uint64) []bool {
		f := NewFaults(newWall(t0))
		mustAdd(t, f, Rule{Error: meterd.EThrottling, Probability: 0.5, Seed: seed})
		var fired []bool
		for range 64 {
			fired = append(fired, f.Match(Call{Operation: "MeterUsage"}).Injected())
		}
		return fired
	}
	a, b, other := run(42), run(42), run(43)
	if !slices.Equal(a, b) {
		t.Fatal("the same seed fired on different calls")
	}
	if slices.Equal(a, other) {
		t.Fatal("different seeds fired on the same 64 calls")
	}
	if n := len(slices.DeleteFunc(slices.Clone(a), func(b bool) bool { return !b })); n < 16 || n > 48 {
		t.Fatalf("probability 0.5 fired %d of 64 times", n)
	}
}
