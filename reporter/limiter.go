package reporter

import (
	"context"
	"sync"
	"time"
)

// minRate is the floor the limiter backs off to: one call every ten
// seconds still drains a spool, and never stops it.
const minRate = 0.1

// limiter spaces calls at most rate per second. It halves the rate on a
// throttle and gives back a tenth of the ceiling per success
// (multiplicative decrease, additive increase, as TCP and the AWS SDKs'
// adaptive retry mode do).
type limiter struct {
	mu      sync.Mutex
	ceiling float64
	rate    float64
	next    time.Time
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error
}

func newLimiter(ceiling float64) *limiter {
	return &limiter{ceiling: ceiling, rate: ceiling, now: time.Now, sleep: sleepCtx}
}

// wait blocks until the next call may start.
func (l *limiter) wait(ctx context.Context) error {
	l.mu.Lock()
	now := l.now()
	start := l.next
	if start.Before(now) {
		start = now
	}
	l.next = start.Add(time.Duration(float64(time.Second) / l.rate))
	l.mu.Unlock()
	return l.sleep(ctx, start.Sub(now))
}

func (l *limiter) throttled() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rate = max(l.rate/2, minRate)
}

func (l *limiter) succeeded() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rate = min(l.rate+l.ceiling/10, l.ceiling)
}

func (l *limiter) current() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
