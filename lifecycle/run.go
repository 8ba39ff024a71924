package lifecycle

import (
	"context"
	"errors"
	"time"

	"github.com/meterd/meterd"
)

// errNotDue: the subscription was resubscribed (or completed) between
// DueUnsubscribes and its change; nothing to do.
var errNotDue = errors.New("lifecycle: unsubscribe no longer due")

// dueBatch is how many unsubscribes one pass completes at most.
const dueBatch = 100

// CompleteDue turns every pending unsubscribe whose delay has passed on the
// business clock into unsubscribe-success, and returns how many it did.
func (s *Service) CompleteDue(ctx context.Context) (int, error) {
	done := 0
	for {
		due, err := s.store.DueUnsubscribes(ctx, s.clock.Now(), dueBatch)
		if err != nil {
			return done, err
		}
		for _, sub := range due {
			_, err := s.complete(ctx, sub.LicenseArn)
			if errors.Is(err, errNotDue) {
				continue
			}
			if err != nil {
				return done, err
			}
			done++
		}
		if len(due) < dueBatch || done == 0 {
			return done, nil
		}
	}
}

// Run completes due unsubscribes every Poll (wall time) until ctx ends, so
// that a moved business clock is noticed within a poll. Errors are logged
// and retried at the next poll.
func (s *Service) Run(ctx context.Context) error {
	poll := s.cfg.Poll
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := s.CompleteDue(ctx); err != nil && ctx.Err() == nil {
			s.logger.Error("complete unsubscribes", meterd.LogKeyError, err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
