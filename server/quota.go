package server

import (
	"sync"
	"time"

	"github.com/meterd/meterd"
)

// Quota is a token bucket: Rate requests per second on average, with bursts
// up to Burst.
type Quota struct {
	Rate  float64
	Burst float64
}

// DefaultQuotas are AWS's published per-account, per-region request rates
// ("Service quotas for AWS Marketplace Metering API"). ResolveCustomer and
// GetEntitlements have no published number; meterd uses 10/s for them too
// (docs/differences.md).
func DefaultQuotas() map[string]Quota {
	return map[string]Quota{
		meterd.OpBatchMeterUsage: {Rate: 10, Burst: 10},
		meterd.OpMeterUsage:      {Rate: 10, Burst: 10},
		meterd.OpRegisterUsage:   {Rate: 5, Burst: 5},
		meterd.OpResolveCustomer: {Rate: 10, Burst: 10},
		meterd.OpGetEntitlements: {Rate: 10, Burst: 10},
	}
}

// Limiter throttles requests per (account, region, operation). A nil
// *Limiter allows everything. Its quotas can be tuned per operation and per
// account while it runs (quota_tune.go).
type Limiter struct {
	quotas map[string]Quota
	clock  meterd.Clock

	mu sync.Mutex
	// overrides replace quotas: for one account, or with account "" for
	// every account without its own.
	overrides map[quotaKey]Quota
	buckets   map[limiterKey]*bucket
	// sweepAt is the bucket count at which full buckets are dropped: a full
	// bucket is the same as none, and without the sweep a caller inventing
	// regions in its credential scope would grow the map for ever.
	sweepAt int
}

// minSweep is the smallest bucket count worth a sweep.
const minSweep = 1024

type limiterKey struct{ account, region, op string }

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter returns a limiter enforcing quotas; operations without a quota
// are not limited.
func NewLimiter(quotas map[string]Quota, clock meterd.Clock) *Limiter {
	return &Limiter{quotas: quotas, clock: clock, overrides: map[quotaKey]Quota{},
		buckets: make(map[limiterKey]*bucket), sweepAt: minSweep}
}

// Allow takes one token, or returns ThrottlingException when the bucket is
// empty.
func (l *Limiter) Allow(account, region, op string) error {
	if l == nil {
		return nil
	}
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	q, ok := l.quota(account, op)
	if !ok {
		return nil
	}
	k := limiterKey{account, region, op}
	b := l.buckets[k]
	if b == nil {
		b = &bucket{tokens: q.Burst, last: now}
		l.buckets[k] = b
	}
	b.refill(q, now)
	if b.tokens < 1 {
		return meterd.Errorf(meterd.EThrottling, "Rate exceeded")
	}
	b.tokens--
	if len(l.buckets) >= l.sweepAt {
		l.sweep(now)
	}
	return nil
}

// refill adds the tokens earned since the last call. A clock that went
// backwards earns nothing rather than a debt.
func (b *bucket) refill(q Quota, now time.Time) {
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(q.Burst, b.tokens+elapsed.Seconds()*q.Rate)
	}
	b.last = now
}

// sweep drops the buckets that have refilled, then lets the map grow to
// twice what is left before the next sweep.
func (l *Limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		q, _ := l.quota(k.account, k.op)
		b.refill(q, now)
		if b.tokens >= q.Burst {
			delete(l.buckets, k)
		}
	}
	l.sweepAt = max(minSweep, 2*len(l.buckets))
}

// Len is the number of buckets kept (for tests and metrics).
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
