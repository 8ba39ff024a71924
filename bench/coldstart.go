package bench

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// demoBuyer is the buyer key of the demo catalog (docs/seed.md), which
// meterd serves on an empty data directory without --seed.
var demoBuyer = Key{ID: "buyer", Secret: "buyer", AccountID: "444455556666"}

// coldStartTimeout bounds the wait for a first answer.
const coldStartTimeout = 30 * time.Second

// ColdStart runs name with args, a meterd that will listen at url with the
// demo catalog, and returns the time from its start to its first
// successful MeterUsage answer, polling every millisecond. It then stops
// the process with SIGTERM (killing it after 10 s) and waits for it.
func ColdStart(ctx context.Context, url, name string, args ...string) (time.Duration, error) {
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	cmd := exec.CommandContext(runCtx, name, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	s := newSender(Config{URL: url, Concurrency: 1, Region: "us-east-1"})
	defer s.close()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("cold start: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	elapsed, err := pollMeterUsage(ctx, s, start, exited)
	stop()
	if !errors.Is(err, errExited) {
		<-exited // the answer was measured; how it stops does not matter
	}
	return elapsed, err
}

var errExited = errors.New("meterd exited before answering")

// pollMeterUsage sends the demo buyer's MeterUsage until one succeeds, the
// process exits or the timeout passes.
func pollMeterUsage(ctx context.Context, s *sender, start time.Time, exited <-chan error) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, coldStartTimeout)
	defer cancel()
	last := "no answer"
	for {
		select {
		case err := <-exited:
			return 0, fmt.Errorf("cold start: %w (%v); last answer: %s", errExited, err, last)
		default:
		}
		c := meterUsageCall(demoBuyer, "demo-ami", "vcpu_hours", time.Now().UTC().Truncate(time.Hour), 1)
		res := s.send(ctx, c)
		if res.errType == "" {
			return time.Since(start), nil
		}
		last = res.errType
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("cold start: no answer within %s; last: %s", coldStartTimeout, last)
		case <-time.After(time.Millisecond):
		}
	}
}
