package seed_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/meterd/meterd/seed"
	"github.com/meterd/meterd/sim"
)

func TestParseFile_Sim(t *testing.T) {
	yaml := `
clock: frozen@2026-01-31T23:00:00Z
faults:
  - operation: BatchMeterUsage
    product: demo-saas
    account: "111122223333"
    region: us-east-1
    unprocessed: 0.5
    probability: 0.25
    seed: 7
    count: 3
    ttl: 10m
    latency: 150ms
  - error: ThrottlingException
    message: slow down
quotas:
  - operation: MeterUsage
    rate: 1
    burst: 2
  - {operation: BatchMeterUsage, account: "111122223333", rate: 0.5}
`
	f, err := seed.ParseFile("seed.yaml", strings.NewReader(yaml))
	if err != nil {
		t.Fatal(err)
	}
	want := sim.ClockSpec{At: time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC), Frozen: true}
	if f.Sim.Clock == nil || *f.Sim.Clock != want {
		t.Fatalf("clock %+v, want %+v", f.Sim.Clock, want)
	}
	wantRules := []sim.Rule{
		{Operation: "BatchMeterUsage", Product: "demo-saas", Account: "111122223333", Region: "us-east-1",
			Unprocessed: 0.5, Probability: 0.25, Seed: 7, Count: 3, TTL: sim.Duration(10 * time.Minute),
			Latency: sim.Duration(150 * time.Millisecond)},
		{Error: "ThrottlingException", Message: "slow down"},
	}
	if len(f.Sim.Faults) != 2 || f.Sim.Faults[0] != wantRules[0] || f.Sim.Faults[1] != wantRules[1] {
		t.Fatalf("faults %+v, want %+v", f.Sim.Faults, wantRules)
	}
	wantQuotas := []sim.Quota{{Operation: "MeterUsage", Rate: 1, Burst: 2}, {Operation: "BatchMeterUsage", Account: "111122223333", Rate: 0.5}}
	if len(f.Sim.Quotas) != 2 || f.Sim.Quotas[0] != wantQuotas[0] || f.Sim.Quotas[1] != wantQuotas[1] {
		t.Fatalf("quotas %+v, want %+v", f.Sim.Quotas, wantQuotas)
	}
}

func TestParseFile_SimErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"ErrClock", "clock: tomorrow\n", `seed.yaml:1: clock: invalid clock "tomorrow": want real, an RFC 3339 time or a signed offset (+36h), optionally after frozen@`},
		{"ErrFaultUnknownField", "faults:\n  - {error: ThrottlingException, times: 2}\n", `seed.yaml:2: faults[0].times: unknown field (want operation, product, account, region, error, message, unprocessed, drop, latency, probability, seed, count or ttl)`},
		{"ErrFaultInvalidRule", "faults:\n  - operation: MeterUsage\n    error: ExpiredTokenException\n", `seed.yaml:2: faults[0]: error "ExpiredTokenException" is not modeled for MeterUsage: want one of CustomerNotEntitledException, DuplicateRequestException, IdempotencyConflictException, InternalServiceErrorException, InvalidEndpointRegionException, InvalidProductCodeException, InvalidTagException, InvalidUsageAllocationsException, InvalidUsageDimensionException, ThrottlingException, TimestampOutOfBoundsException`},
		{"ErrFaultLatency", "faults:\n  - {latency: soon}\n", `seed.yaml:2: faults[0].latency: "soon" is not a duration (e.g. 1.5s, 10m)`},
		{"ErrFaultCount", "faults:\n  - {drop: true, count: 1.5}\n", `seed.yaml:2: faults[0].count: want a whole number of calls`},
		{"ErrFaultSeed", "faults:\n  - {drop: true, seed: -1}\n", `seed.yaml:2: faults[0].seed: "-1" is not an unsigned integer`},
		{"ErrFaultDrop", "faults:\n  - {drop: yes}\n", `seed.yaml:2: faults[0].drop: "yes" is not true or false`},
		{"ErrFaultProbability", "faults:\n  - {drop: true, probability: often}\n", `seed.yaml:2: faults[0].probability: "often" is not a number`},
		{"ErrQuotaOperationRequired", "quotas:\n  - {rate: 1}\n", `seed.yaml:2: quotas[0].operation: required`},
		{"ErrQuotaRate", "quotas:\n  - {operation: MeterUsage, rate: 0}\n", `seed.yaml:2: quotas[0]: quota rate 0: want above 0, at most 1e+09`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := seed.ParseFile("seed.yaml", strings.NewReader(tt.yaml))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestParseFile_SimExample(t *testing.T) {
	f, err := os.Open("../examples/seed-sim.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := seed.ParseFile("seed-sim.yaml", f)
	if err != nil {
		t.Fatal(err)
	}
	if got.Sim.Clock == nil || !got.Sim.Clock.Frozen || len(got.Sim.Faults) != 3 || len(got.Sim.Quotas) != 1 {
		t.Fatalf("sim %+v", got.Sim)
	}
}

// FuzzParseFileSim checks that every simulation section ParseFile accepts
// holds only valid rules and quotas, and a clock that formats back to
// itself. The seed corpus is in testdata/fuzz/FuzzParseFileSim.
func FuzzParseFileSim(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := seed.ParseFile("fuzz.yaml", strings.NewReader(string(data)))
		if err != nil {
			return
		}
		for _, r := range got.Sim.Faults {
			if err := r.Validate(); err != nil {
				t.Fatalf("accepted an invalid rule %+v: %v", r, err)
			}
		}
		for _, q := range got.Sim.Quotas {
			if err := q.Validate(); err != nil {
				t.Fatalf("accepted an invalid quota %+v: %v", q, err)
			}
		}
		if c := got.Sim.Clock; c != nil {
			if back, err := sim.ParseClockSpec(c.String()); err != nil || !back.At.Equal(c.At) || back.Offset != c.Offset || back.Frozen != c.Frozen {
				t.Fatalf("clock %+v formats as %q: %+v, %v", *c, c.String(), back, err)
			}
		}
	})
}
